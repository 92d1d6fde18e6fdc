/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/session_video.h: a cast's own PipeWire stream (main's side: checked, kept, named). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../encoder/capture_spec.h"
#include "../protocol/macro.h"
#include "context.h"
#include "session.h"
#include "session_video.h"

static const char *const kind_names[_SESSION_VIDEO_KIND_MAX] = {
        [SESSION_VIDEO_MONITOR] = "monitor",
        [SESSION_VIDEO_WINDOW] = "window",
        [SESSION_VIDEO_EXTEND] = "extend",
        [SESSION_VIDEO_PIPEWIRE] = "pipewire",
};

const char *session_video_kind_to_string(enum session_video_kind k)
{
        return k >= 0 && k < _SESSION_VIDEO_KIND_MAX ? kind_names[k] : NULL;
}

enum session_video_kind session_video_kind_from_string(const char *s)
{
        for (int k = 0; k < SESSION_VIDEO_PIPEWIRE; k++)
                if (s && strcmp(s, kind_names[k]) == 0)
                        return k;
        return _SESSION_VIDEO_KIND_INVALID;
}

int session_video_check_fd(int fd, const char **ret_why)
{
        struct stat st;
        int domain = 0, type = 0;
        socklen_t len = sizeof(domain);
        struct sockaddr_storage peer;
        socklen_t peer_len = sizeof(peer);

        if (fd < 0 || fstat(fd, &st) < 0) {
                *ret_why = "not an open file descriptor";
                return -EBADF;
        }
        if (!S_ISSOCK(st.st_mode)) {
                *ret_why = "not a socket (expected the fd of the portal's OpenPipeWireRemote)";
                return -ENOTSOCK;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 || domain != AF_UNIX) {
                *ret_why = "not a UNIX socket";
                return -EPROTOTYPE;
        }
        len = sizeof(type);
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM) {
                *ret_why = "not a stream socket";
                return -EPROTOTYPE;
        }
        if (getpeername(fd, (struct sockaddr *) &peer, &peer_len) < 0) {
                *ret_why = "a socket that is not connected";
                return -ENOTCONN;
        }
        return 0;
}

int session_video_new(const char *kind, int pipewire_fd, uint32_t pipewire_node, struct session_video **ret)
{
        struct session_video *v;
        enum session_video_kind k = SESSION_VIDEO_PIPEWIRE;

        if (kind) {
                k = session_video_kind_from_string(kind);
                if (k < 0)
                        return -EINVAL;
        }
        if (pipewire_node == 0 || pipewire_node == UINT32_MAX)
                return -EINVAL;
        v = calloc(1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        v->kind = k;
        v->pipewire_node = pipewire_node;
        v->pipewire_fd = fcntl(pipewire_fd, F_DUPFD_CLOEXEC, 3);
        if (v->pipewire_fd < 0) {
                free(v);
                return -errno;
        }
        *ret = v;
        return 0;
}

struct session_video *session_video_free(struct session_video *v)
{
        if (!v)
                return NULL;
        safe_close(v->pipewire_fd);
        free(v);
        return NULL;
}

const char *session_video_source_name(const struct session *s)
{
        struct capture_spec spec;

        if (s->video)
                return session_video_kind_to_string(s->video->kind);
        if (!s->context || capture_spec_parse(s->context->capture, &spec) < 0)
                return "";
        /* Main links no capture backend: the names, as capture_backend_to_string() spells them. */
        switch (spec.backend) {
        case CAPTURE_BACKEND_KMS:
                return "kms";
        case CAPTURE_BACKEND_PIPEWIRE:
                return "pipewire";
        case CAPTURE_BACKEND_TESTSRC:
                return "testsrc";
        default:
                return "";
        }
}
