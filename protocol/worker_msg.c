/* SPDX-License-Identifier: GPL-2.0-or-later */
/* protocol/worker_msg.h: encode and decode the main <-> worker control messages. */
#include <errno.h>
#include <string.h>

#include "worker_msg.h"

static void put_le16(uint8_t *p, uint16_t v)
{
        p[0] = v & 0xff;
        p[1] = v >> 8;
}

static uint16_t get_le16(const uint8_t *p)
{
        return (uint16_t) (p[0] | p[1] << 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
        uint64_t v = 0;

        for (int i = 7; i >= 0; i--)
                v = v << 8 | p[i];
        return v;
}

static bool type_is_known(uint16_t type)
{
        return (type >= WORKER_MSG_SESSION_NEW && type <= WORKER_MSG_LINK_RATE) ||
               (type >= WORKER_MSG_REPLY && type < _WORKER_MSG_TYPE_MAX) ||
               (type >= WORKER_MSG_KMS_OPEN && type < _WORKER_MSG_KMS_REQUEST_MAX) ||
               (type >= WORKER_MSG_KMS_RING && type < _WORKER_MSG_KMS_ANSWER_MAX);
}

const char *worker_msg_type_to_string(uint16_t type)
{
        static const char *const names[] = {
                [WORKER_MSG_SESSION_NEW] = "session-new",
                [WORKER_MSG_STOP] = "stop",
                [WORKER_MSG_PAUSE] = "pause",
                [WORKER_MSG_RESUME] = "resume",
                [WORKER_MSG_REQUEST_IDR] = "request-idr",
                [WORKER_MSG_SET_BITRATE] = "set-bitrate",
                [WORKER_MSG_SET_INPUT] = "set-input",
                [WORKER_MSG_ATTACH_AUDIO] = "attach-audio",
                [WORKER_MSG_END] = "end",
                [WORKER_MSG_CONFIG] = "config",
                [WORKER_MSG_INPUT_STATE] = "input-state",
                [WORKER_MSG_PROBE] = "probe",
                [WORKER_MSG_MICE_WATCH] = "mice-watch",
                [WORKER_MSG_LINK_RATE] = "link-rate",
                [WORKER_MSG_REPLY] = "reply",
                [WORKER_MSG_STATE] = "state",
                [WORKER_MSG_FORMAT] = "format",
                [WORKER_MSG_NEGOTIATED] = "negotiated",
                [WORKER_MSG_STATISTICS] = "statistics",
                [WORKER_MSG_INPUT] = "input",
                [WORKER_MSG_ENDED] = "ended",
                [WORKER_MSG_INPUT_EVENT] = "input-event",
                [WORKER_MSG_MICE_EVENT] = "mice-event",
                [WORKER_MSG_HID_DEVICE] = "hid-device",
                [WORKER_MSG_HID_REPORT] = "hid-report",
                [WORKER_MSG_KMS_OPEN] = "kms-open",
                [WORKER_MSG_KMS_GRAB] = "kms-grab",
                [WORKER_MSG_KMS_PROBE] = "kms-probe",
                [WORKER_MSG_KMS_RING] = "kms-ring",
                [WORKER_MSG_KMS_FRAME] = "kms-frame",
                [WORKER_MSG_KMS_ERROR] = "kms-error",
                [WORKER_MSG_KMS_OUTPUTS] = "kms-outputs",
        };

        if (type >= sizeof(names) / sizeof(names[0]) || !names[type])
                return "unknown";
        return names[type];
}

void worker_msg_begin(struct worker_msg_writer *w, uint8_t *buf, size_t size, uint16_t type, uint32_t session)
{
        *w = (struct worker_msg_writer) { .buf = buf, .size = size < WORKER_MSG_MAX ? size : WORKER_MSG_MAX };
        if (!type_is_known(type)) {
                w->error = -EINVAL;
                return;
        }
        if (w->size < WORKER_MSG_HEADER_SIZE) {
                w->error = -ENOBUFS;
                return;
        }
        put_le16(buf, type);
        put_le16(buf + 2, 0);
        put_le32(buf + 4, session);
        w->len = WORKER_MSG_HEADER_SIZE;
}

static void put_field(struct worker_msg_writer *w, uint16_t tag, const void *value, size_t len)
{
        if (w->error < 0)
                return;
        if (w->n_fields >= WORKER_MSG_MAX_FIELDS) {
                w->error = -ENOBUFS;
                return;
        }
        if (w->size - w->len < WORKER_MSG_FIELD_HEADER_SIZE + len) {
                w->error = -ENOBUFS;
                return;
        }
        put_le16(w->buf + w->len, tag);
        put_le16(w->buf + w->len + 2, (uint16_t) len);
        if (len)
                memcpy(w->buf + w->len + WORKER_MSG_FIELD_HEADER_SIZE, value, len);
        w->len += WORKER_MSG_FIELD_HEADER_SIZE + len;
        w->n_fields++;
}

void worker_msg_put_u64(struct worker_msg_writer *w, uint16_t tag, uint64_t value)
{
        uint8_t v[8];

        if (tag == 0 || tag >= WORKER_FIELD_FIRST_STRING) {
                if (w->error == 0)
                        w->error = -EINVAL;
                return;
        }
        for (int i = 0; i < 8; i++)
                v[i] = (uint8_t) (value >> (8 * i));
        put_field(w, tag, v, sizeof(v));
}

void worker_msg_put_i64(struct worker_msg_writer *w, uint16_t tag, int64_t value)
{
        worker_msg_put_u64(w, tag, (uint64_t) value);
}

void worker_msg_put_str(struct worker_msg_writer *w, uint16_t tag, const char *s)
{
        size_t len = s ? strlen(s) : 0;

        if (tag < WORKER_FIELD_FIRST_STRING || tag >= WORKER_FIELD_FIRST_BYTES || len > WORKER_MSG_MAX_STRING) {
                if (w->error == 0)
                        w->error = -EINVAL;
                return;
        }
        put_field(w, tag, s, len);
}

void worker_msg_put_bytes(struct worker_msg_writer *w, uint16_t tag, const void *data, size_t len)
{
        if (tag < WORKER_FIELD_FIRST_BYTES || len > WORKER_MSG_MAX_STRING || (len && !data)) {
                if (w->error == 0)
                        w->error = -EINVAL;
                return;
        }
        put_field(w, tag, data, len);
}

int worker_msg_finish(const struct worker_msg_writer *w, size_t *ret_len)
{
        if (w->error < 0)
                return w->error;
        *ret_len = w->len;
        return 0;
}

int worker_msg_parse(const uint8_t *buf, size_t len, struct worker_msg *ret)
{
        size_t off = WORKER_MSG_HEADER_SIZE, n = 0;
        uint16_t type;

        if (len < WORKER_MSG_HEADER_SIZE || len > WORKER_MSG_MAX)
                return -EBADMSG;
        type = get_le16(buf);
        if (!type_is_known(type) || get_le16(buf + 2) != 0)
                return -EBADMSG;

        /* Validate everything first, so *ret is written only for a whole good message. */
        while (off < len) {
                uint16_t tag, flen;

                if (len - off < WORKER_MSG_FIELD_HEADER_SIZE || n >= WORKER_MSG_MAX_FIELDS)
                        return -EBADMSG;
                tag = get_le16(buf + off);
                flen = get_le16(buf + off + 2);
                off += WORKER_MSG_FIELD_HEADER_SIZE;
                if (flen > len - off || tag == 0)
                        return -EBADMSG;
                if (tag < WORKER_FIELD_FIRST_STRING) {
                        if (flen != 8)
                                return -EBADMSG;
                } else if (flen > WORKER_MSG_MAX_STRING ||
                           (tag < WORKER_FIELD_FIRST_BYTES && memchr(buf + off, 0, flen)))
                        return -EBADMSG;
                off += flen;
                n++;
        }

        ret->type = type;
        ret->session = get_le32(buf + 4);
        ret->n_fields = n;
        off = WORKER_MSG_HEADER_SIZE;
        for (size_t i = 0; i < n; i++) {
                ret->fields[i].tag = get_le16(buf + off);
                ret->fields[i].len = get_le16(buf + off + 2);
                ret->fields[i].value = buf + off + WORKER_MSG_FIELD_HEADER_SIZE;
                off += WORKER_MSG_FIELD_HEADER_SIZE + ret->fields[i].len;
        }
        return 0;
}

static const struct worker_msg_field *find_field(const struct worker_msg *m, uint16_t tag)
{
        for (size_t i = 0; i < m->n_fields; i++)
                if (m->fields[i].tag == tag)
                        return &m->fields[i];
        return NULL;
}

int worker_msg_get_u64(const struct worker_msg *m, uint16_t tag, uint64_t *ret)
{
        const struct worker_msg_field *f;

        if (tag >= WORKER_FIELD_FIRST_STRING)
                return -EINVAL;
        f = find_field(m, tag);
        if (!f)
                return -ENOENT;
        *ret = get_le64(f->value);
        return 0;
}

int worker_msg_get_i64(const struct worker_msg *m, uint16_t tag, int64_t *ret)
{
        uint64_t v;
        int r = worker_msg_get_u64(m, tag, &v);

        if (r < 0)
                return r;
        *ret = (int64_t) v;
        return 0;
}

int worker_msg_get_ranged(const struct worker_msg *m, uint16_t tag, int64_t min, int64_t max, int64_t *ret)
{
        int64_t v;
        int r = worker_msg_get_i64(m, tag, &v);

        if (r < 0)
                return r;
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int worker_msg_get_str(const struct worker_msg *m, uint16_t tag, char *buf, size_t size)
{
        const struct worker_msg_field *f;

        if (tag < WORKER_FIELD_FIRST_STRING || tag >= WORKER_FIELD_FIRST_BYTES)
                return -EINVAL;
        f = find_field(m, tag);
        if (!f)
                return -ENOENT;
        if (size == 0 || f->len > size - 1)
                return -ENOBUFS;
        memcpy(buf, f->value, f->len);
        buf[f->len] = '\0';
        return 0;
}

int worker_msg_get_bytes(const struct worker_msg *m, uint16_t tag, const uint8_t **ret, size_t *ret_len)
{
        const struct worker_msg_field *f;

        if (tag < WORKER_FIELD_FIRST_BYTES)
                return -EINVAL;
        f = find_field(m, tag);
        if (!f)
                return -ENOENT;
        *ret = f->value;
        *ret_len = f->len;
        return 0;
}
