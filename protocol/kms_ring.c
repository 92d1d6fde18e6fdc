/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kms_ring.h"

static int fail(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t size, const char *fmt, ...)
{
        va_list ap;

        if (why && size) {
                va_start(ap, fmt);
                vsnprintf(why, size, fmt, ap);
                va_end(ap);
        }
        return -EBADMSG;
}

int kms_ring_format_init(struct kms_ring_format *ret, unsigned width, unsigned height, unsigned slots)
{
        uint64_t size;

        if (width == 0 || height == 0 || width > KMS_RING_DIM_MAX || height > KMS_RING_DIM_MAX ||
            slots < KMS_RING_SLOTS_MIN || slots > KMS_RING_SLOTS_MAX)
                return -EINVAL;
        size = (uint64_t) width * 4 * height;
        *ret = (struct kms_ring_format) {
                .slots = slots,
                .slot_size = (size + 4095) & ~(uint64_t) 4095,
                .width = width,
                .height = height,
                .stride = width * 4,
                .fourcc = KMS_RING_FOURCC,
        };
        return 0;
}

uint64_t kms_ring_size(const struct kms_ring_format *f)
{
        return (uint64_t) f->slots * f->slot_size;
}

void kms_ring_put_format(struct worker_msg_writer *w, const struct kms_ring_format *f)
{
        worker_msg_put_u64(w, WORKER_FIELD_SLOTS, f->slots);
        worker_msg_put_u64(w, WORKER_FIELD_SLOT_SIZE, f->slot_size);
        worker_msg_put_u64(w, WORKER_FIELD_WIDTH, f->width);
        worker_msg_put_u64(w, WORKER_FIELD_HEIGHT, f->height);
        worker_msg_put_u64(w, WORKER_FIELD_STRIDE, f->stride);
        worker_msg_put_u64(w, WORKER_FIELD_FOURCC, f->fourcc);
}

void kms_ring_put_frame(struct worker_msg_writer *w, const struct kms_ring_format *f, const struct kms_ring_frame *fr)
{
        worker_msg_put_u64(w, WORKER_FIELD_SEQ, fr->seq);
        worker_msg_put_u64(w, WORKER_FIELD_SLOT, fr->slot);
        worker_msg_put_u64(w, WORKER_FIELD_FRAME_SEQ, fr->frame_seq);
        worker_msg_put_u64(w, WORKER_FIELD_CAPTURE_USEC, fr->capture_usec);
        worker_msg_put_u64(w, WORKER_FIELD_WIDTH, f->width);
        worker_msg_put_u64(w, WORKER_FIELD_HEIGHT, f->height);
        worker_msg_put_u64(w, WORKER_FIELD_STRIDE, f->stride);
        worker_msg_put_u64(w, WORKER_FIELD_FOURCC, f->fourcc);
        for (unsigned i = 0; i < fr->n_damage && i < KMS_RING_DAMAGE_MAX; i++) {
                worker_msg_put_i64(w, WORKER_FIELD_DAMAGE_X, fr->damage[i].x);
                worker_msg_put_i64(w, WORKER_FIELD_DAMAGE_Y, fr->damage[i].y);
                worker_msg_put_i64(w, WORKER_FIELD_DAMAGE_W, fr->damage[i].w);
                worker_msg_put_i64(w, WORKER_FIELD_DAMAGE_H, fr->damage[i].h);
        }
}

static int get(const struct worker_msg *m, uint16_t tag, int64_t min, int64_t max, int64_t *ret, char *why,
               size_t size, const char *name)
{
        int r = worker_msg_get_ranged(m, tag, min, max, ret);

        if (r == -ENOENT)
                return fail(why, size, "%s without %s", worker_msg_type_to_string(m->type), name);
        if (r < 0)
                return fail(why, size, "%s: %s out of range [%lld, %lld]", worker_msg_type_to_string(m->type), name,
                            (long long) min, (long long) max);
        return 0;
}

int kms_ring_parse_format(const struct worker_msg *m, struct kms_ring_format *ret, char *why, size_t why_size)
{
        struct kms_ring_format f;
        int64_t slots, slot_size, width, height, stride, fourcc;

        if (m->type != WORKER_MSG_KMS_RING)
                return fail(why, why_size, "expected kms-ring, got %s", worker_msg_type_to_string(m->type));
        if (get(m, WORKER_FIELD_SLOTS, KMS_RING_SLOTS_MIN, KMS_RING_SLOTS_MAX, &slots, why, why_size, "slots") < 0 ||
            get(m, WORKER_FIELD_WIDTH, 2, KMS_RING_DIM_MAX, &width, why, why_size, "width") < 0 ||
            get(m, WORKER_FIELD_HEIGHT, 2, KMS_RING_DIM_MAX, &height, why, why_size, "height") < 0 ||
            get(m, WORKER_FIELD_STRIDE, 0, INT64_MAX, &stride, why, why_size, "stride") < 0 ||
            get(m, WORKER_FIELD_SLOT_SIZE, 0, INT64_MAX, &slot_size, why, why_size, "slot size") < 0 ||
            get(m, WORKER_FIELD_FOURCC, 0, UINT32_MAX, &fourcc, why, why_size, "format") < 0)
                return -EBADMSG;
        if (kms_ring_format_init(&f, (unsigned) width, (unsigned) height, (unsigned) slots) < 0)
                return fail(why, why_size, "kms-ring: bad size %lldx%lld", (long long) width, (long long) height);
        /* Only the layout we compute ourselves is accepted: nothing the helper says can make a row
         * or a slot reach past the ring. */
        if ((uint64_t) stride != f.stride || (uint64_t) slot_size != f.slot_size || (uint32_t) fourcc != f.fourcc)
                return fail(why, why_size,
                            "kms-ring: layout does not match %ux%u XRGB8888 (stride %lld, slot size %lld, "
                            "format 0x%08llx)", f.width, f.height, (long long) stride, (long long) slot_size,
                            (long long) fourcc);
        *ret = f;
        return 0;
}

int kms_ring_parse_frame(const struct worker_msg *m, const struct kms_ring_format *f, struct kms_ring_frame *ret,
                         char *why, size_t why_size)
{
        struct kms_ring_frame fr = {};
        int64_t v, width, height, stride, fourcc;
        unsigned nx = 0, ny = 0, nw = 0, nh = 0;

        if (m->type != WORKER_MSG_KMS_FRAME)
                return fail(why, why_size, "expected kms-frame, got %s", worker_msg_type_to_string(m->type));
        if (get(m, WORKER_FIELD_SEQ, 0, INT64_MAX, &v, why, why_size, "seq") < 0)
                return -EBADMSG;
        fr.seq = (uint64_t) v;
        if (worker_msg_get_u64(m, WORKER_FIELD_SLOT, &fr.frame_seq) < 0)
                return fail(why, why_size, "kms-frame without slot");
        if (fr.frame_seq >= f->slots)
                return fail(why, why_size, "kms-frame names slot %llu of a ring of %u",
                            (unsigned long long) fr.frame_seq, f->slots);
        fr.slot = (unsigned) fr.frame_seq;
        if (get(m, WORKER_FIELD_FRAME_SEQ, 0, INT64_MAX, &v, why, why_size, "frame seq") < 0)
                return -EBADMSG;
        fr.frame_seq = (uint64_t) v;
        if (get(m, WORKER_FIELD_CAPTURE_USEC, 0, INT64_MAX, &v, why, why_size, "capture time") < 0)
                return -EBADMSG;
        fr.capture_usec = (uint64_t) v;
        if (get(m, WORKER_FIELD_WIDTH, 0, INT64_MAX, &width, why, why_size, "width") < 0 ||
            get(m, WORKER_FIELD_HEIGHT, 0, INT64_MAX, &height, why, why_size, "height") < 0 ||
            get(m, WORKER_FIELD_STRIDE, 0, INT64_MAX, &stride, why, why_size, "stride") < 0 ||
            get(m, WORKER_FIELD_FOURCC, 0, UINT32_MAX, &fourcc, why, why_size, "format") < 0)
                return -EBADMSG;
        if ((uint64_t) width != f->width || (uint64_t) height != f->height || (uint64_t) stride != f->stride ||
            (uint32_t) fourcc != f->fourcc)
                return fail(why, why_size, "kms-frame size mismatch: %lldx%lld stride %lld in a ring of %ux%u "
                            "stride %u", (long long) width, (long long) height, (long long) stride, f->width,
                            f->height, f->stride);

        /* Damage: X Y W H groups, in that order. */
        for (size_t i = 0; i < m->n_fields; i++) {
                const struct worker_msg_field *fl = &m->fields[i];
                unsigned *count;
                int64_t val;
                uint64_t u = 0;

                switch (fl->tag) {
                case WORKER_FIELD_DAMAGE_X: count = &nx; break;
                case WORKER_FIELD_DAMAGE_Y: count = &ny; break;
                case WORKER_FIELD_DAMAGE_W: count = &nw; break;
                case WORKER_FIELD_DAMAGE_H: count = &nh; break;
                default: continue;
                }
                if (*count >= KMS_RING_DAMAGE_MAX)
                        return fail(why, why_size, "kms-frame: more than %d damage rectangles", KMS_RING_DAMAGE_MAX);
                for (int b = 7; b >= 0; b--)
                        u = u << 8 | fl->value[b];
                val = (int64_t) u;
                if (val < 0 || val > KMS_RING_DIM_MAX)
                        return fail(why, why_size, "kms-frame: damage value %lld out of range", (long long) val);
                switch (fl->tag) {
                case WORKER_FIELD_DAMAGE_X: fr.damage[*count].x = (int) val; break;
                case WORKER_FIELD_DAMAGE_Y: fr.damage[*count].y = (int) val; break;
                case WORKER_FIELD_DAMAGE_W: fr.damage[*count].w = (int) val; break;
                default: fr.damage[*count].h = (int) val; break;
                }
                (*count)++;
        }
        if (nx != ny || nx != nw || nx != nh)
                return fail(why, why_size, "kms-frame: incomplete damage rectangle");
        for (unsigned i = 0; i < nx; i++) {
                const struct kms_ring_rect *r = &fr.damage[i];

                if (r->w == 0 || r->h == 0 || (unsigned) r->x + (unsigned) r->w > f->width ||
                    (unsigned) r->y + (unsigned) r->h > f->height)
                        return fail(why, why_size, "kms-frame: damage %dx%d+%d+%d outside the %ux%u picture", r->w,
                                    r->h, r->x, r->y, f->width, f->height);
        }
        fr.n_damage = nx;
        *ret = fr;
        return 0;
}
