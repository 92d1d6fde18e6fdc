/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * evdev-read: the VM's witness for UIBC injection (tests/vm/scenario-uibc.sh).
 * Plain evdev ioctls and read(), no libevdev.
 *
 *   evdev-read watch PREFIX SECONDS
 *       Wait for input devices whose name starts with PREFIX, print each one's
 *       absolute ranges, then every event they deliver, one line each:
 *         DEVICE <suffix> <path> abs_x=MIN..MAX abs_y=MIN..MAX [direct]
 *         EVENT <suffix> <type> <code> <value>      (SYN_REPORT lines: "SYN <suffix>")
 *         GONE <suffix>                             (the device vanished: read() gave ENODEV)
 *       <suffix> is the last word of the name ("pointer", "touch", "Keyboard"). Ends when
 *       every device seen is gone ("END gone") or after SECONDS ("END timeout").
 *   evdev-read list
 *       One line per /dev/input/event*: "LIST <path> <name>".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_DEVS 8
#define BITS_PER_LONG (8 * sizeof(long))
#define TEST_BIT(bit, arr) ((arr)[(bit) / BITS_PER_LONG] >> ((bit) % BITS_PER_LONG) & 1)

struct dev {
        char path[300];
        char name[256];
        const char *suffix;
        int fd;
        bool gone;
};

static const char *type_name(unsigned t)
{
        switch (t) {
        case EV_SYN: return "EV_SYN";
        case EV_KEY: return "EV_KEY";
        case EV_REL: return "EV_REL";
        case EV_ABS: return "EV_ABS";
        case EV_MSC: return "EV_MSC";
        default: return NULL;
        }
}

static const char *code_name(unsigned t, unsigned c)
{
        static const struct { unsigned t, c; const char *n; } names[] = {
                { EV_KEY, BTN_LEFT, "BTN_LEFT" },         { EV_KEY, BTN_RIGHT, "BTN_RIGHT" },
                { EV_KEY, BTN_TOUCH, "BTN_TOUCH" },       { EV_KEY, KEY_A, "KEY_A" },
                { EV_KEY, KEY_LEFTSHIFT, "KEY_LEFTSHIFT" }, { EV_KEY, KEY_ENTER, "KEY_ENTER" },
                { EV_KEY, KEY_SYSRQ, "KEY_SYSRQ" },       { EV_KEY, KEY_LEFTALT, "KEY_LEFTALT" },
                { EV_KEY, KEY_LEFTCTRL, "KEY_LEFTCTRL" }, { EV_REL, REL_WHEEL, "REL_WHEEL" },
                { EV_REL, REL_HWHEEL, "REL_HWHEEL" },     { EV_ABS, ABS_X, "ABS_X" },
                { EV_ABS, ABS_Y, "ABS_Y" },               { EV_ABS, ABS_MT_SLOT, "ABS_MT_SLOT" },
                { EV_ABS, ABS_MT_TRACKING_ID, "ABS_MT_TRACKING_ID" },
                { EV_ABS, ABS_MT_POSITION_X, "ABS_MT_POSITION_X" },
                { EV_ABS, ABS_MT_POSITION_Y, "ABS_MT_POSITION_Y" },
                { EV_REL, REL_WHEEL_HI_RES, "REL_WHEEL_HI_RES" }, { EV_REL, REL_HWHEEL_HI_RES, "REL_HWHEEL_HI_RES" },
                { EV_KEY, KEY_F1, "KEY_F1" },             { EV_KEY, KEY_RIGHTALT, "KEY_RIGHTALT" },
                { EV_REL, REL_X, "REL_X" },               { EV_REL, REL_Y, "REL_Y" },
                { EV_MSC, MSC_SCAN, "MSC_SCAN" },
        };
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (names[i].t == t && names[i].c == c)
                        return names[i].n;
        return NULL;
}

static int open_matching(const char *prefix, struct dev *devs, size_t *n)
{
        DIR *d = opendir("/dev/input");
        struct dirent *e;

        if (!d)
                return 0;
        while ((e = readdir(d)) && *n < MAX_DEVS) {
                char path[300], name[256] = "";
                bool known = false;
                int fd;

                if (strncmp(e->d_name, "event", 5) != 0)
                        continue;
                snprintf(path, sizeof(path), "/dev/input/%s", e->d_name);
                for (size_t i = 0; i < *n; i++)
                        known |= !devs[i].gone && strcmp(devs[i].path, path) == 0;
                if (known)
                        continue;
                fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
                if (fd < 0)
                        continue;
                if (ioctl(fd, EVIOCGNAME(sizeof(name) - 1), name) < 0 || strncmp(name, prefix, strlen(prefix)) != 0) {
                        close(fd);
                        continue;
                }
                struct dev *v = &devs[(*n)++];
                struct input_absinfo ax = {}, ay = {};
                unsigned long props[INPUT_PROP_CNT / BITS_PER_LONG + 1] = {};
                snprintf(v->path, sizeof(v->path), "%s", path);
                snprintf(v->name, sizeof(v->name), "%s", name);
                v->suffix = strrchr(v->name, ' ') ? strrchr(v->name, ' ') + 1 : v->name;
                v->fd = fd;
                v->gone = false;
                (void) ioctl(fd, EVIOCGABS(ABS_X), &ax);
                (void) ioctl(fd, EVIOCGABS(ABS_Y), &ay);
                (void) ioctl(fd, EVIOCGPROP(sizeof(props)), props);
                printf("DEVICE %s %s abs_x=%d..%d abs_y=%d..%d%s\n", v->suffix, path, ax.minimum, ax.maximum,
                       ay.minimum, ay.maximum, TEST_BIT(INPUT_PROP_DIRECT, props) ? " direct" : "");
                fflush(stdout);
        }
        closedir(d);
        return 0;
}

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static int watch(const char *prefix, double seconds)
{
        struct dev devs[MAX_DEVS] = {};
        size_t n = 0;
        double end = now() + seconds;

        while (now() < end) {
                struct pollfd p[MAX_DEVS];
                size_t live = 0;

                open_matching(prefix, devs, &n);
                for (size_t i = 0; i < n; i++)
                        if (!devs[i].gone) {
                                p[live] = (struct pollfd) { .fd = devs[i].fd, .events = POLLIN };
                                live++;
                        }
                if (n > 0 && live == 0) {
                        printf("END gone\n");
                        return 0;
                }
                (void) poll(p, live, 50);
                for (size_t i = 0; i < n; i++) {
                        struct input_event ev[64];
                        ssize_t r;

                        if (devs[i].gone)
                                continue;
                        while ((r = read(devs[i].fd, ev, sizeof(ev))) > 0)
                                for (size_t k = 0; k < (size_t) r / sizeof(ev[0]); k++) {
                                        const char *tn = type_name(ev[k].type), *cn = code_name(ev[k].type, ev[k].code);
                                        if (ev[k].type == EV_SYN && ev[k].code == SYN_REPORT) {
                                                printf("SYN %s\n", devs[i].suffix);
                                                continue;
                                        }
                                        printf("EVENT %s ", devs[i].suffix);
                                        if (tn)
                                                printf("%s ", tn);
                                        else
                                                printf("%u ", ev[k].type);
                                        if (cn)
                                                printf("%s ", cn);
                                        else
                                                printf("%u ", ev[k].code);
                                        printf("%d\n", ev[k].value);
                                }
                        if (r < 0 && errno == ENODEV) {
                                printf("GONE %s\n", devs[i].suffix);
                                close(devs[i].fd);
                                devs[i].gone = true;
                        }
                }
                fflush(stdout);
        }
        printf("END timeout\n");
        return 0;
}

static int list(void)
{
        DIR *d = opendir("/dev/input");
        struct dirent *e;

        while (d && (e = readdir(d))) {
                char path[300], name[256] = "";
                int fd;
                if (strncmp(e->d_name, "event", 5) != 0)
                        continue;
                snprintf(path, sizeof(path), "/dev/input/%s", e->d_name);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                (void) ioctl(fd, EVIOCGNAME(sizeof(name) - 1), name);
                printf("LIST %s %s\n", path, name);
                close(fd);
        }
        if (d)
                closedir(d);
        return 0;
}

int main(int argc, char **argv)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc == 4 && strcmp(argv[1], "watch") == 0)
                return watch(argv[2], atof(argv[3]));
        if (argc == 2 && strcmp(argv[1], "list") == 0)
                return list();
        fprintf(stderr, "usage: evdev-read watch PREFIX SECONDS | evdev-read list\n");
        return 2;
}
