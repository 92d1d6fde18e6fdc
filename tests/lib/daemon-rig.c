/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/lib/daemon-rig.h: private bus + fake wpa_supplicant + miracastd + child watcher. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon-rig.h"
#include "fake-wpas.h"
#include "test-bus.h"
#include "test.h"

/* The one rig of this process, for the exit handler. */
static struct rig *rig_at_exit;

static void rig_kill(pid_t *pid)
{
        if (*pid > 0) {
                kill(*pid, SIGTERM);
                (void) waitpid(*pid, NULL, 0);
        }
        *pid = -1;
}

static void rig_cleanup(void)
{
        if (!rig_at_exit)
                return;
        rig_kill(&rig_at_exit->daemon_pid);
        rig_kill(&rig_at_exit->bus_pid);
}

void rig_run_for_ms(struct rig *rig, unsigned ms)
{
        struct timespec s, n;

        clock_gettime(CLOCK_MONOTONIC, &s);
        do {
                (void) sd_event_run(rig->ev, 50000);
                clock_gettime(CLOCK_MONOTONIC, &n);
        } while ((n.tv_sec - s.tv_sec) * 1000 + (n.tv_nsec - s.tv_nsec) / 1000000 < ms);
}

void rig_bus_start(const struct rig *rig, const char *name, const char *servicedir, pid_t *ret_pid, char *ret_addr,
                   size_t size)
{
        char conf[300], sock[300];
        FILE *f;

        snprintf(conf, sizeof(conf), "%s/%s.conf", rig->dir, name);
        snprintf(sock, sizeof(sock), "%s/%s", rig->dir, name);
        f = fopen(conf, "w");
        assert_non_null(f);
        fprintf(f, "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" "
                   "\"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                   "<busconfig><type>session</type><listen>unix:path=%s</listen>%s%s%s<policy context=\"default\">"
                   "<allow send_destination=\"*\"/><allow receive_sender=\"*\"/><allow own=\"*\"/></policy></busconfig>\n",
                sock, servicedir ? "<servicedir>" : "", servicedir ?: "", servicedir ? "</servicedir>" : "");
        fclose(f);
        assert_int_eq(test_dbus_daemon_start(conf, NULL, 0, ret_pid), 0);
        snprintf(ret_addr, size, "unix:path=%s", sock);
}

void rig_setup(struct rig *rig, const char *dir_template)
{
        sigset_t ss;

        memset(rig, 0, sizeof(*rig));
        rig->bus_pid = rig->daemon_pid = -1;
        assert_true(strlen(dir_template) < sizeof(rig->dir));
        snprintf(rig->dir, sizeof(rig->dir), "%s", dir_template);
        assert_non_null(mkdtemp(rig->dir));
        test_remove_at_exit(rig->dir);
        snprintf(rig->cfg_path, sizeof(rig->cfg_path), "%s/miracastd.conf", rig->dir);
        snprintf(rig->log_path, sizeof(rig->log_path), "%s/miracastd.log", rig->dir);
        snprintf(rig->wpas_path, sizeof(rig->wpas_path), "%s/p2p-dev-wlan0", rig->dir);
        rig_at_exit = rig;
        atexit(rig_cleanup);

        /* Children are reaped through the loop (sd_event_add_child needs SIGCHLD blocked). */
        sigemptyset(&ss);
        sigaddset(&ss, SIGCHLD);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        assert_int_eq(sd_event_new(&rig->ev), 0);

        rig_bus_start(rig, "bus", NULL, &rig->bus_pid, rig->bus_addr, sizeof(rig->bus_addr));
        setenv("MIRACASTCTL_BUS", rig->bus_addr, 1);

        assert_int_eq(fake_wpas_new(rig->ev, rig->wpas_path, &rig->fw), 0);
}

int rig_daemon_stop(struct rig *rig)
{
        int status = -1;

        if (rig->daemon_pid <= 0)
                return -1;
        kill(rig->daemon_pid, SIGTERM);
        if (waitpid(rig->daemon_pid, &status, 0) < 0)
                status = -1;
        rig->daemon_pid = -1;
        return status;
}

void rig_daemon_start(struct rig *rig, const char *device_name, const char *extra)
{
        const char *build = getenv("MIRACAST_BUILD");
        char daemon_bin[300], expect[128];
        FILE *f;

        (void) rig_daemon_stop(rig);
        f = fopen(rig->cfg_path, "w");
        assert_non_null(f);
        fprintf(f, "capture = testsrc\nencoder = x264\npolkit = off\n"
                   "p2p-backend = wpas\nwpas-ctrl = %s\np2p-runtime-dir = %s\np2p-device-name = %s\n"
                   "log-level = debug\n%s",
                rig->wpas_path, rig->dir, device_name, extra ?: "");
        fclose(f);
        fake_wpas_clear_cmds(rig->fw);
        snprintf(daemon_bin, sizeof(daemon_bin), "%s/miracastd", build ? build : "build");
        rig->daemon_pid = fork();
        assert_int_ge(rig->daemon_pid, 0);
        if (rig->daemon_pid == 0) {
                sigset_t none;

                if (!freopen(rig->log_path, "w", stderr))
                        _exit(127);
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                execl(daemon_bin, daemon_bin, "--config", rig->cfg_path, "--bus", rig->bus_addr, (char *) NULL);
                _exit(127);
        }
        /* Settings applied on the fake: the daemon's backend is attached. */
        snprintf(expect, sizeof(expect), "SET device_name %s", device_name);
        if (!RIG_RUN_UNTIL(rig, fake_wpas_has(rig->fw, "WFD_SUBELEM_SET 0 000600101c440032") &&
                                        fake_wpas_has(rig->fw, expect), 60)) {
                rig_dump_log(rig);
                assert_true(false);
        }
}

bool rig_log_has(const struct rig *rig, const char *what)
{
        char *text = NULL;
        bool found;

        if (test_read_file(rig->log_path, &text) < 0)
                return false;
        found = strstr(text, what) != NULL;
        free(text);
        return found;
}

void rig_dump_log(const struct rig *rig)
{
        char *text = NULL;

        if (test_read_file(rig->log_path, &text) >= 0) {
                fprintf(stderr, "--- miracastd log:\n%s\n", text);
                free(text);
        }
}

static int rig_on_child(sd_event_source *s, const siginfo_t *si, void *userdata)
{
        struct rig_child *c = userdata;

        c->status = si->si_code == CLD_EXITED ? si->si_status : 128 + si->si_status;
        c->done = true;
        return 0;
}

void rig_child_start_input(struct rig *rig, struct rig_child *c, const char *name, char *const argv[],
                           const char *input)
{
        char in_path[300] = "";

        memset(c, 0, sizeof(*c));
        snprintf(c->out_path, sizeof(c->out_path), "%s/%s.out", rig->dir, name);
        if (input) {
                FILE *f;

                snprintf(in_path, sizeof(in_path), "%s/%s.in", rig->dir, name);
                f = fopen(in_path, "w");
                assert_non_null(f);
                fputs(input, f);
                fclose(f);
        }
        c->pid = fork();
        assert_int_ge(c->pid, 0);
        if (c->pid == 0) {
                sigset_t none;

                if ((in_path[0] && !freopen(in_path, "r", stdin)) || !freopen(c->out_path, "w", stdout))
                        _exit(127);
                dup2(STDOUT_FILENO, STDERR_FILENO);
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                execvp(argv[0], argv);
                _exit(127);
        }
        assert_int_eq(sd_event_add_child(rig->ev, &c->src, c->pid, WEXITED, rig_on_child, c), 0);
}

void rig_child_start(struct rig *rig, struct rig_child *c, const char *name, char *const argv[])
{
        rig_child_start_input(rig, c, name, argv, NULL);
}

char *rig_child_output(const struct rig_child *c)
{
        char *text = NULL;

        if (test_read_file(c->out_path, &text) < 0)
                return strdup("");
        return text;
}

bool rig_child_says(const struct rig_child *c, const char *what)
{
        char *text = rig_child_output(c);
        bool found = text && strstr(text, what);

        free(text);
        return found;
}

void rig_child_reap(struct rig_child *c)
{
        if (!c->done && c->pid > 0) {
                kill(c->pid, SIGKILL);
                (void) waitpid(c->pid, NULL, 0);
        }
        c->src = sd_event_source_unref(c->src);
}
