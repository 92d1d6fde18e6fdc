/* SPDX-License-Identifier: GPL-2.0-or-later */
/* user-session/sway_output.h: sway's IPC ("i3-ipc" magic, u32 length, u32 type, JSON payload). */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../protocol/macro.h"
#include "sway_output.h"

#define SWAY_IPC_MAGIC "i3-ipc"
#define SWAY_IPC_RUN_COMMAND 0u
#define SWAY_IPC_GET_OUTPUTS 3u
#define SWAY_IPC_TIMEOUT_MSEC 2000
#define SWAY_IPC_REPLY_MAX (1u << 20)
#define SWAY_OUTPUTS_MAX 16
#define SWAY_OUTPUT_NAME_MAX 64

static int sway_connect(void)
{
        const char *path = getenv("SWAYSOCK");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (!path || !*path)
                return -ENOENT;
        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path));
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int r = -errno;

                close(fd);
                return r;
        }
        return fd;
}

static int sway_io(int fd, void *buf, size_t len, bool out)
{
        struct pollfd p = { .fd = fd, .events = out ? POLLOUT : POLLIN };

        while (len > 0) {
                ssize_t n;

                if (poll(&p, 1, SWAY_IPC_TIMEOUT_MSEC) <= 0)
                        return -ETIMEDOUT;
                n = out ? write(fd, buf, len) : read(fd, buf, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -ECONNRESET;
                buf = (uint8_t *) buf + n;
                len -= (size_t) n;
        }
        return 0;
}

/* One request, one reply (NUL-terminated, free()). */
static int sway_request(uint32_t type, const char *payload, char **ret_reply)
{
        _cleanup_close_ int fd = sway_connect();
        uint8_t hdr[14];
        uint32_t len = (uint32_t) strlen(payload), rtype;
        char *reply;
        int r;

        if (fd < 0)
                return fd;
        memcpy(hdr, SWAY_IPC_MAGIC, 6);
        memcpy(hdr + 6, &len, 4);
        memcpy(hdr + 10, &type, 4);
        r = sway_io(fd, hdr, sizeof(hdr), true);
        if (r >= 0)
                r = sway_io(fd, (void *) payload, len, true);
        if (r >= 0)
                r = sway_io(fd, hdr, sizeof(hdr), false);
        if (r < 0)
                return r;
        memcpy(&len, hdr + 6, 4);
        memcpy(&rtype, hdr + 10, 4);
        if (memcmp(hdr, SWAY_IPC_MAGIC, 6) != 0 || rtype != type || len > SWAY_IPC_REPLY_MAX)
                return -EBADMSG;
        reply = calloc(1, (size_t) len + 1);
        if (!reply)
                return -ENOMEM;
        r = sway_io(fd, reply, len, false);
        if (r < 0) {
                free(reply);
                return r;
        }
        *ret_reply = reply;
        return 0;
}

/* A command's reply is [{"success": true}, ...]: all of them must say so. */
static int sway_command(const char *command)
{
        _cleanup_free_ char *reply = NULL;
        int r;

        r = sway_request(SWAY_IPC_RUN_COMMAND, command, &reply);
        if (r < 0)
                return r;
        return strstr(reply, "\"success\": false") || !strstr(reply, "\"success\": true") ? -EIO : 0;
}

/* The outputs' names: every top-level "name" of GET_OUTPUTS (modes and the rest have none). */
static int sway_output_names(char names[][SWAY_OUTPUT_NAME_MAX], unsigned *ret_n)
{
        _cleanup_free_ char *reply = NULL;
        const char *p;
        unsigned n = 0;
        int r;

        r = sway_request(SWAY_IPC_GET_OUTPUTS, "", &reply);
        if (r < 0)
                return r;
        for (p = reply; (p = strstr(p, "\"name\": \"")) && n < SWAY_OUTPUTS_MAX; n++) {
                size_t len;

                p += strlen("\"name\": \"");
                len = strcspn(p, "\"\\");
                if (len == 0 || len >= SWAY_OUTPUT_NAME_MAX)
                        return -EBADMSG;
                memcpy(names[n], p, len);
                names[n][len] = '\0';
                p += len;
        }
        *ret_n = n;
        return 0;
}

int sway_output_create(unsigned width, unsigned height, char **ret_name)
{
        char before[SWAY_OUTPUTS_MAX][SWAY_OUTPUT_NAME_MAX], after[SWAY_OUTPUTS_MAX][SWAY_OUTPUT_NAME_MAX];
        char cmd[160];
        unsigned nb = 0, na = 0;
        int r;

        width = width ? width & ~1u : 1920;
        height = height ? height & ~1u : 1080;
        if (width > 8192 || height > 8192)
                return -EINVAL;
        r = sway_output_names(before, &nb);
        if (r < 0)
                return r;
        r = sway_command("create_output");
        if (r < 0)
                return r;
        r = sway_output_names(after, &na);
        if (r < 0)
                return r;
        for (unsigned i = 0; i < na; i++) {
                bool old = false;

                for (unsigned j = 0; j < nb && !old; j++)
                        old = strcmp(after[i], before[j]) == 0;
                if (old)
                        continue;
                /* The WFD size, 30 Hz (what the cast sends at most for desktop content). */
                if (snprintf(cmd, sizeof(cmd), "output %s mode --custom %ux%u@30Hz", after[i], width, height) >=
                    (int) sizeof(cmd))
                        r = -ENAMETOOLONG;      /* an output name no compositor gives */
                else
                        r = sway_command(cmd);
                if (r < 0) {
                        (void) sway_output_remove(after[i]);
                        return r;
                }
                *ret_name = strdup(after[i]);
                return *ret_name ? 0 : -ENOMEM;
        }
        return -EIO;
}

int sway_output_remove(const char *name)
{
        char cmd[128];

        if (strlen(name) >= SWAY_OUTPUT_NAME_MAX || strpbrk(name, " ;,\"'"))
                return -EINVAL;
        snprintf(cmd, sizeof(cmd), "output %s unplug", name);
        if (sway_command(cmd) >= 0)
                return 0;
        /* sway before 1.8 cannot unplug: switched off, it is gone for clients and from the layout. */
        snprintf(cmd, sizeof(cmd), "output %s disable", name);
        return sway_command(cmd);
}
