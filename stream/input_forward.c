/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stream/input_forward.h: parsed input events to main. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../protocol/hid_desc.h"
#include "../protocol/worker_msg.h"
#include "input_forward.h"
#include "stream.h"

struct held_msg {
        size_t len;
        uint8_t data[];
};

struct input_forward {
        struct stream *stream;       /* not owned */
        unsigned session_id;
        bool held;                   /* main has not said its devices exist yet */
        struct held_msg *queue[INPUT_FORWARD_MAX_HELD]; /* owned, in order */
        size_t n_queued;
        uint64_t dropped;
};

int input_forward_new(struct stream *st, unsigned session_id, struct input_forward **ret)
{
        struct input_forward *f = calloc(1, sizeof(*f));

        if (!f)
                return -ENOMEM;
        f->stream = st;
        f->session_id = session_id;
        f->held = true;
        *ret = f;
        return 0;
}

struct input_forward *input_forward_free(struct input_forward *f)
{
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n_queued; i++)
                free(f->queue[i]);
        free(f);
        return NULL;
}

int input_forward_release(struct input_forward *f)
{
        int r = 0;

        if (!f)
                return -EINVAL;
        for (size_t i = 0; i < f->n_queued; i++) {
                struct worker_msg_writer w = { .buf = f->queue[i]->data, .size = f->queue[i]->len,
                                               .len = f->queue[i]->len };
                int k = stream_send(f->stream, &w);

                if (k < 0 && r == 0)
                        r = k;
                free(f->queue[i]);
        }
        f->n_queued = 0;
        f->held = false;
        return r;
}

uint64_t input_forward_get_dropped(const struct input_forward *f)
{
        return f ? f->dropped : 0;
}

/* Send now, or keep it while main has not answered. */
static int forward(struct input_forward *f, struct worker_msg_writer *w)
{
        struct held_msg *m;
        size_t len;
        int r;

        if (!f->held)
                return stream_send(f->stream, w);
        r = worker_msg_finish(w, &len);
        if (r < 0)
                return r;
        if (f->n_queued >= INPUT_FORWARD_MAX_HELD) {
                f->dropped++;
                return 0;
        }
        m = malloc(sizeof(*m) + len);
        if (!m)
                return -ENOMEM;
        m->len = len;
        memcpy(m->data, w->buf, len);
        f->queue[f->n_queued++] = m;
        return 0;
}

static void begin(struct input_forward *f, struct worker_msg_writer *w, uint8_t *buf, size_t size,
                  enum worker_input_kind kind)
{
        worker_msg_begin(w, buf, size, WORKER_MSG_INPUT_EVENT, f->session_id);
        worker_msg_put_u64(w, WORKER_FIELD_INPUT_KIND, kind);
}

int input_forward_pointer(struct input_forward *f, int32_t x, int32_t y, int left)
{
        uint8_t buf[128];
        struct worker_msg_writer w;

        begin(f, &w, buf, sizeof(buf), WORKER_INPUT_POINTER);
        worker_msg_put_i64(&w, WORKER_FIELD_X, x);
        worker_msg_put_i64(&w, WORKER_FIELD_Y, y);
        worker_msg_put_i64(&w, WORKER_FIELD_BUTTON, left);
        return forward(f, &w);
}

int input_forward_key(struct input_forward *f, uint16_t key, bool down)
{
        uint8_t buf[128];
        struct worker_msg_writer w;

        begin(f, &w, buf, sizeof(buf), WORKER_INPUT_KEY);
        worker_msg_put_u64(&w, WORKER_FIELD_KEY, key);
        worker_msg_put_u64(&w, WORKER_FIELD_DOWN, down);
        return forward(f, &w);
}

int input_forward_wheel(struct input_forward *f, bool vertical, int32_t notches)
{
        uint8_t buf[128];
        struct worker_msg_writer w;

        begin(f, &w, buf, sizeof(buf), WORKER_INPUT_WHEEL);
        worker_msg_put_u64(&w, WORKER_FIELD_VERTICAL, vertical);
        worker_msg_put_i64(&w, WORKER_FIELD_NOTCHES, notches);
        return forward(f, &w);
}

int input_forward_touch(struct input_forward *f, const struct input_contact *c, size_t n)
{
        uint8_t buf[1024];
        struct worker_msg_writer w;

        if (n > INPUT_FORWARD_MAX_CONTACTS)
                return -EINVAL;
        begin(f, &w, buf, sizeof(buf), WORKER_INPUT_TOUCH);
        for (size_t i = 0; i < n; i++) {
                worker_msg_put_u64(&w, WORKER_FIELD_CONTACT_ID, c[i].id);
                worker_msg_put_i64(&w, WORKER_FIELD_X, c[i].x);
                worker_msg_put_i64(&w, WORKER_FIELD_Y, c[i].y);
        }
        return forward(f, &w);
}

static int forward_hid(struct input_forward *f, uint16_t type, uint8_t path, uint8_t hid_type, const uint8_t *data,
                       size_t len)
{
        static uint8_t buf[HID_MAX_DESCRIPTOR + 128];
        struct worker_msg_writer w;

        if (len == 0 || len > HID_MAX_DESCRIPTOR)
                return -EINVAL;
        worker_msg_begin(&w, buf, sizeof(buf), type, f->session_id);
        worker_msg_put_u64(&w, WORKER_FIELD_HID_PATH, path);
        worker_msg_put_u64(&w, WORKER_FIELD_HID_TYPE, hid_type);
        worker_msg_put_bytes(&w, WORKER_FIELD_HID_DATA, data, len);
        return forward(f, &w);
}

int input_forward_hid_device(struct input_forward *f, uint8_t path, uint8_t type, const uint8_t *rd, size_t len)
{
        return forward_hid(f, WORKER_MSG_HID_DEVICE, path, type, rd, len);
}

int input_forward_hid_report(struct input_forward *f, uint8_t path, uint8_t type, const uint8_t *report, size_t len)
{
        return len > HID_MAX_REPORT ? -EINVAL : forward_hid(f, WORKER_MSG_HID_REPORT, path, type, report, len);
}
