/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * attach-audio: the VM's stand-in for another user's program that tries to
 * attach its sound to someone else's cast (tests/vm/scenario-systemd-package.sh).
 * busctl cannot pass a file descriptor, so this makes the one call:
 *
 *   attach-audio SESSION_PATH
 *       Session1.AttachAudio(h <a pipe>, {"stream": "mca1"}) on the system bus.
 *       Prints "ATTACH ok" or "ATTACH error <D-Bus error name> <message>" and
 *       exits 0 when the daemon took the fd, 1 when it refused, 2 on usage or
 *       when the bus cannot be reached.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

int main(int argc, char *argv[])
{
        __attribute__((cleanup(sd_bus_error_free))) sd_bus_error error = SD_BUS_ERROR_NULL;
        __attribute__((cleanup(sd_bus_message_unrefp))) sd_bus_message *reply = NULL;
        __attribute__((cleanup(sd_bus_unrefp))) sd_bus *bus = NULL;
        int p[2], r;

        if (argc != 2) {
                fprintf(stderr, "usage: %s SESSION_PATH\n", argv[0]);
                return 2;
        }
        if (pipe(p) < 0) {
                perror("pipe");
                return 2;
        }
        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "attach-audio: no system bus: %s\n", strerror(-r));
                return 2;
        }
        /* The read end goes to the daemon; the write end stays open, so a daemon that took it would
         * see a live stream, not an immediate end. */
        r = sd_bus_call_method(bus, "org.miracastd", argv[1], "org.miracastd.Session1", "AttachAudio", &error,
                               &reply, "ha{sv}", p[0], 1, "stream", "s", "mca1");
        if (r < 0) {
                printf("ATTACH error %s %s\n", error.name ?: "-", error.message ?: strerror(-r));
                return 1;
        }
        printf("ATTACH ok\n");
        return 0;
}
