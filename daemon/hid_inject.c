/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/hid_inject.h: uhid devices for the HIDC a stream worker forwards, checked again. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../protocol/macro.h"
#include "../protocol/wfd_uibc.h"
#include "hid_inject.h"
#include "log.h"
#include "uhid.h"

#define log_hid(h, level, error, fmt, ...) \
        log_full_errno(level, error, "session %u: HIDC: " fmt, (h)->session_id, ##__VA_ARGS__)

struct hid_inject_device {
        struct hid_inject *set;          /* not owned: the parent */
        uint8_t path, type;              /* the key: the sink's input path and HID type */
        struct hid_desc desc;            /* main's own parse of the descriptor */
        struct hid_key_filter filter;    /* main's own key filter */
        struct uhid_device *dev;         /* owned */
        sd_event_source *io;             /* owned: the kernel's requests on dev's fd */
        bool failed;                     /* the fd failed: reports are dropped until replaced */
};

static const char *type_name(uint8_t type)
{
        return wfd_uibc_input_type_to_string(type) ?: "HID";
}

static struct hid_inject_device *device_free(struct hid_inject_device *d)
{
        if (!d)
                return NULL;
        d->io = sd_event_source_disable_unref(d->io);
        d->dev = uhid_device_free(d->dev);
        free(d);
        return NULL;
}

static int on_device_io(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        struct hid_inject_device *d = userdata;
        int r;

        r = uhid_device_process(d->dev);
        if (r < 0) {
                log_hid(d->set, LOG_WARNING, r, "the %s device failed (%m); its reports are dropped",
                        type_name(d->type));
                d->io = sd_event_source_disable_unref(d->io);
                d->failed = true;
        }
        return 0;
}

void hid_inject_init(struct hid_inject *h, sd_event *event, unsigned session_id)
{
        *h = (struct hid_inject) { .event = event, .session_id = session_id };
}

void hid_inject_clear(struct hid_inject *h)
{
        size_t n = hid_inject_count(h);

        for (size_t i = 0; i < HID_INJECT_MAX_DEVICES; i++)
                h->dev[i] = device_free(h->dev[i]);
        if (n > 0)
                log_hid(h, LOG_INFO, 0, "%zu device%s removed", n, n == 1 ? "" : "s");
}

size_t hid_inject_count(const struct hid_inject *h)
{
        size_t n = 0;

        for (size_t i = 0; i < HID_INJECT_MAX_DEVICES; i++)
                n += h->dev[i] != NULL;
        return n;
}

static struct hid_inject_device **find(struct hid_inject *h, uint8_t path, uint8_t type)
{
        for (size_t i = 0; i < HID_INJECT_MAX_DEVICES; i++)
                if (h->dev[i] && h->dev[i]->path == path && h->dev[i]->type == type)
                        return &h->dev[i];
        return NULL;
}

int hid_inject_device(struct hid_inject *h, uint8_t path, uint8_t type, const uint8_t *rd, size_t len)
{
        struct hid_inject_device **slot, *d;
        char name[128];
        int r;

        if (!h || !rd || path >= _WFD_UIBC_PATH_MAX || type >= _WFD_UIBC_INPUT_MAX)
                return -EINVAL;
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        /* The worker parsed it already; its word is no better than the sink's. */
        r = hid_desc_parse(rd, len, &d->desc);
        if (r < 0) {
                free(d);
                return r;
        }
        slot = find(h, path, type);
        if (slot)
                *slot = device_free(*slot);     /* the sink re-plugged it: a new device */
        else
                for (size_t i = 0; i < HID_INJECT_MAX_DEVICES && !slot; i++)
                        if (!h->dev[i])
                                slot = &h->dev[i];
        if (!slot) {
                free(d);
                return -ENOSPC;
        }
        d->set = h;
        d->path = path;
        d->type = type;
        hid_key_filter_init(&d->filter);
        snprintf(name, sizeof(name), "miracastd session %u HIDC %s", h->session_id, type_name(type));
        r = uhid_device_new(-1, name, rd, len, &d->dev);
        if (r >= 0)
                r = sd_event_add_io(h->event, &d->io, uhid_device_get_fd(d->dev), EPOLLIN, on_device_io, d);
        if (r < 0) {
                device_free(d);
                return r;
        }
        *slot = d;
        log_hid(h, LOG_INFO, 0, "%s device created (%zu-byte report descriptor%s%s)", type_name(type), len,
                d->desc.keyboard ? ", keyboard keys filtered" : "", d->desc.mouse ? ", mouse" : "");
        return 0;
}

int hid_inject_report(struct hid_inject *h, uint8_t path, uint8_t type, const uint8_t *report, size_t len)
{
        struct hid_inject_device **slot = h ? find(h, path, type) : NULL, *d;
        uint8_t out[HID_MAX_REPORT];
        int k, r;

        if (!slot || (*slot)->failed)
                return -ENODEV;
        d = *slot;
        if (!report || len == 0 || len > HID_MAX_REPORT)
                return -EINVAL;
        k = hid_key_filter_report(&d->filter, &d->desc, report, len, out);
        if (k < 0)
                return k;
        r = uhid_device_input(d->dev, out, len);
        return r < 0 ? r : k;
}
