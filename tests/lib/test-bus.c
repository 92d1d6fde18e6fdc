/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-bus.h"

int test_dbus_daemon_start(const char *conf, char *ret_address, size_t size, pid_t *ret_pid)
{
        char line[512], arg[64];
        size_t n = 0;
        int p[2], r = 0;
        pid_t pid;

        if (!conf || !ret_pid)
                return -EINVAL;
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(p[0]);
                close(p[1]);
                return r;
        }
        if (pid == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                if (dup2(p[1], 3) < 0)
                        _exit(127);
                snprintf(arg, sizeof(arg), "--print-address=3");
                execlp("dbus-daemon", "dbus-daemon", "--nofork", "--nopidfile", "--config-file", conf, arg,
                       (char *) NULL);
                _exit(127);
        }
        close(p[1]);
        while (n < sizeof(line) - 1 && !memchr(line, '\n', n)) {
                struct pollfd pfd = { .fd = p[0], .events = POLLIN };
                ssize_t k;

                r = poll(&pfd, 1, 10000);
                if (r <= 0) {
                        r = r == 0 ? -ETIMEDOUT : -errno;
                        break;
                }
                k = read(p[0], line + n, sizeof(line) - 1 - n);
                if (k <= 0) {
                        r = k == 0 ? -EPIPE : -errno; /* it exited: bad config, no binary */
                        break;
                }
                n += (size_t) k;
                line[n] = 0;
                r = 0;
        }
        close(p[0]);
        if (r < 0) {
                kill(pid, SIGTERM);
                (void) waitpid(pid, NULL, 0);
                return r;
        }
        line[strcspn(line, "\n")] = 0;
        if (ret_address)
                snprintf(ret_address, size, "%s", line);
        *ret_pid = pid;
        return 0;
}

int test_private_bus_start(const char *dir, const char *type, char *ret_address, size_t size, pid_t *ret_pid)
{
        char conf[300], sock[300];
        FILE *f;

        if (!dir || !type || !ret_address || !ret_pid)
                return -EINVAL;
        if ((size_t) snprintf(conf, sizeof(conf), "%s/bus.conf", dir) >= sizeof(conf) ||
            (size_t) snprintf(sock, sizeof(sock), "%s/bus", dir) >= sizeof(sock) ||
            (size_t) snprintf(ret_address, size, "unix:path=%s", sock) >= size)
                return -ENAMETOOLONG;
        f = fopen(conf, "we");
        if (!f)
                return -errno;
        fprintf(f, "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
                   " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                   "<busconfig><type>%s</type><listen>unix:path=%s</listen><auth>EXTERNAL</auth>\n"
                   "<policy context=\"default\"><allow user=\"*\"/><allow send_destination=\"*\" eavesdrop=\"true\"/>"
                   "<allow receive_sender=\"*\"/><allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n",
                type, sock);
        if (fclose(f) != 0)
                return -errno;
        return test_dbus_daemon_start(conf, NULL, 0, ret_pid);
}

int test_bus_connect(sd_event *event, const char *address, sd_bus **ret)
{
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, true);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, 0);
        if (r < 0) {
                sd_bus_flush_close_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

int test_bus_serve(sd_event *event, const char *address, const char *path, const char *interface,
                   const sd_bus_vtable *vtable, void *userdata, const char *name, sd_bus **ret)
{
        sd_bus *bus = NULL;
        int r;

        r = test_bus_connect(event, address, &bus);
        if (r < 0)
                return r;
        r = sd_bus_add_object_vtable(bus, NULL, path, interface, vtable, userdata);
        if (r >= 0)
                r = sd_bus_request_name(bus, name, 0);
        if (r < 0) {
                sd_bus_flush_close_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

void test_fake_serve_alone(const char *what, sd_event **event, int (*start)(void), void (*report)(void))
{
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        r = sd_event_new(event);
        if (r >= 0)
                r = sd_event_add_signal(*event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = start();
        if (r < 0) {
                fprintf(stderr, "fake %s: %s\n", what, strerror(-r));
                exit(1);
        }
        printf("fake %s ready\n", what);
        fflush(stdout);
        while (sd_event_run(*event, UINT64_MAX) >= 0 && sd_event_get_state(*event) != SD_EVENT_FINISHED)
                report();
        exit(0);
}

int test_bus_on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct test_call_result *res = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        res->done = true;
        if (e) {
                snprintf(res->error, sizeof(res->error), "%s", e->name);
                snprintf(res->message, sizeof(res->message), "%s", e->message ?: "");
        } else
                res->reply = sd_bus_message_ref(m);
        return 0;
}

int test_fake_env_start(const char *name, char *dir, size_t dir_size, char *address, size_t address_size,
                        pid_t *bus_pid, sd_event **event)
{
        int r;

        if ((size_t) snprintf(dir, dir_size, "/tmp/%s.XXXXXX", name) >= dir_size)
                return -ENAMETOOLONG;
        if (!mkdtemp(dir))
                return -errno;
        r = test_private_bus_start(dir, "session", address, address_size, bus_pid);
        if (r < 0)
                return r;
        return sd_event_new(event);
}

void test_fake_env_stop(sd_bus **fake_bus, pid_t bus_pid, const char *dir)
{
        char cmd[128];

        *fake_bus = sd_bus_flush_close_unref(*fake_bus);
        if (bus_pid > 0)
                kill(bus_pid, SIGTERM);
        if (dir[0] && snprintf(cmd, sizeof(cmd), "rm -rf %s", dir) < (int) sizeof(cmd))
                (void) !system(cmd);
}
