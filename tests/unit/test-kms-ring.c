/* SPDX-License-Identifier: GPL-2.0-or-later */
/* protocol/kms_ring.h: the KMS helper's ring layout and the bounds on what either side says. */
#include <errno.h>
#include <string.h>

#include "../../protocol/kms_ring.h"
#include "../lib/test.h"

static uint8_t buf[WORKER_MSG_MAX];
static struct worker_msg msg;

static const struct worker_msg *build_frame(const struct kms_ring_format *f, const struct kms_ring_frame *fr)
{
        struct worker_msg_writer w;
        size_t len;

        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_KMS_FRAME, 0);
        kms_ring_put_frame(&w, f, fr);
        assert_int_eq(worker_msg_finish(&w, &len), 0);
        assert_int_eq(worker_msg_parse(buf, len, &msg), 0);
        return &msg;
}

TEST(test_layout, "kms-ring/layout")
{
        struct kms_ring_format f;

        assert_int_eq(kms_ring_format_init(&f, 1024, 768, 3), 0);
        assert_int_eq(f.stride, 4096);
        assert_int_eq(f.slot_size, 4096 * 768);
        assert_int_eq(kms_ring_size(&f), 3ull * 4096 * 768);
        assert_int_eq(f.fourcc, KMS_RING_FOURCC);
        /* an odd width: the slot rounds up to a page */
        assert_int_eq(kms_ring_format_init(&f, 1366, 768, 2), 0);
        assert_int_eq(f.slot_size % 4096, 0);
        assert_true(f.slot_size >= (uint64_t) 1366 * 4 * 768);
        assert_int_eq(kms_ring_format_init(&f, 0, 768, 3), -EINVAL);
        assert_int_eq(kms_ring_format_init(&f, KMS_RING_DIM_MAX + 1, 768, 3), -EINVAL);
        assert_int_eq(kms_ring_format_init(&f, 640, 480, 1), -EINVAL);
        assert_int_eq(kms_ring_format_init(&f, 640, 480, KMS_RING_SLOTS_MAX + 1), -EINVAL);
}

TEST(test_format_roundtrip, "kms-ring/format-roundtrip-and-layout-check")
{
        struct kms_ring_format f, got;
        struct worker_msg_writer w;
        char why[256];
        size_t len;

        assert_int_eq(kms_ring_format_init(&f, 640, 480, 3), 0);
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_KMS_RING, 0);
        kms_ring_put_format(&w, &f);
        assert_int_eq(worker_msg_finish(&w, &len), 0);
        assert_int_eq(worker_msg_parse(buf, len, &msg), 0);
        assert_int_eq(kms_ring_parse_format(&msg, &got, why, sizeof(why)), 0);
        assert_int_eq(got.slots, f.slots);
        assert_int_eq(got.slot_size, f.slot_size);
        assert_int_eq(got.width, 640);
        assert_int_eq(got.height, 480);
        assert_int_eq(got.stride, f.stride);
        assert_int_eq(got.fourcc, f.fourcc);

        /* A stride or slot size of the helper's own choosing is refused: only our layout. */
        f.stride += 64;
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_KMS_RING, 0);
        kms_ring_put_format(&w, &f);
        assert_int_eq(worker_msg_finish(&w, &len), 0);
        assert_int_eq(worker_msg_parse(buf, len, &msg), 0);
        assert_int_eq(kms_ring_parse_format(&msg, &got, why, sizeof(why)), -EBADMSG);
        assert_non_null(strstr(why, "layout does not match"));

        /* Missing field */
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_KMS_RING, 0);
        worker_msg_put_u64(&w, WORKER_FIELD_SLOTS, 3);
        assert_int_eq(worker_msg_finish(&w, &len), 0);
        assert_int_eq(worker_msg_parse(buf, len, &msg), 0);
        assert_int_eq(kms_ring_parse_format(&msg, &got, why, sizeof(why)), -EBADMSG);
        assert_non_null(strstr(why, "without"));
}

TEST(test_frame_roundtrip, "kms-ring/frame-roundtrip")
{
        struct kms_ring_format f;
        struct kms_ring_frame fr = { .seq = 7, .slot = 2, .frame_seq = 99, .capture_usec = 12345, .n_damage = 2,
                                     .damage = { { 0, 0, 32, 32 }, { 608, 448, 32, 32 } } }, got;
        char why[256];

        assert_int_eq(kms_ring_format_init(&f, 640, 480, 3), 0);
        assert_int_eq(kms_ring_parse_frame(build_frame(&f, &fr), &f, &got, why, sizeof(why)), 0);
        assert_int_eq(got.seq, 7);
        assert_int_eq(got.slot, 2);
        assert_int_eq(got.frame_seq, 99);
        assert_int_eq(got.capture_usec, 12345);
        assert_int_eq(got.n_damage, 2);
        assert_int_eq(got.damage[1].x, 608);
        assert_int_eq(got.damage[1].h, 32);

        fr.n_damage = 0; /* nothing changed */
        assert_int_eq(kms_ring_parse_frame(build_frame(&f, &fr), &f, &got, why, sizeof(why)), 0);
        assert_int_eq(got.n_damage, 0);
}

TEST(test_frame_bad, "kms-ring/frame-bounds")
{
        struct kms_ring_format f, other;
        struct kms_ring_frame fr = { .seq = 1, .slot = 0, .frame_seq = 1 }, got;
        char why[256];

        assert_int_eq(kms_ring_format_init(&f, 640, 480, 3), 0);

        fr.slot = 3;
        assert_int_eq(kms_ring_parse_frame(build_frame(&f, &fr), &f, &got, why, sizeof(why)), -EBADMSG);
        assert_non_null(strstr(why, "slot 3 of a ring of 3"));
        fr.slot = 0;

        /* a frame of another size than the ring */
        assert_int_eq(kms_ring_format_init(&other, 640, 240, 3), 0);
        assert_int_eq(kms_ring_parse_frame(build_frame(&other, &fr), &f, &got, why, sizeof(why)), -EBADMSG);
        assert_non_null(strstr(why, "size mismatch"));

        /* damage outside the picture, or empty */
        fr.n_damage = 1;
        fr.damage[0] = (struct kms_ring_rect) { 620, 0, 32, 32 };
        assert_int_eq(kms_ring_parse_frame(build_frame(&f, &fr), &f, &got, why, sizeof(why)), -EBADMSG);
        assert_non_null(strstr(why, "outside"));
        fr.damage[0] = (struct kms_ring_rect) { 0, 0, 0, 32 };
        assert_int_eq(kms_ring_parse_frame(build_frame(&f, &fr), &f, &got, why, sizeof(why)), -EBADMSG);
        fr.damage[0] = (struct kms_ring_rect) { 0, 470, 32, 10 };
        assert_int_eq(kms_ring_parse_frame(build_frame(&f, &fr), &f, &got, why, sizeof(why)), 0);
}

TEST(test_frame_damage_shape, "kms-ring/frame-damage-count-and-groups")
{
        struct kms_ring_format f;
        struct kms_ring_frame got;
        struct worker_msg_writer w;
        char why[256];
        size_t len;

        assert_int_eq(kms_ring_format_init(&f, 640, 480, 3), 0);
        /* An X without the rest of its rectangle */
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_KMS_FRAME, 0);
        kms_ring_put_frame(&w, &f, &(struct kms_ring_frame) { .seq = 1 });
        worker_msg_put_u64(&w, WORKER_FIELD_DAMAGE_X, 0);
        assert_int_eq(worker_msg_finish(&w, &len), 0);
        assert_int_eq(worker_msg_parse(buf, len, &msg), 0);
        assert_int_eq(kms_ring_parse_frame(&msg, &f, &got, why, sizeof(why)), -EBADMSG);
        assert_non_null(strstr(why, "incomplete"));

        /* More rectangles than KMS_RING_DAMAGE_MAX */
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_KMS_FRAME, 0);
        kms_ring_put_frame(&w, &f, &(struct kms_ring_frame) { .seq = 1 });
        for (int i = 0; i <= KMS_RING_DAMAGE_MAX; i++) {
                worker_msg_put_u64(&w, WORKER_FIELD_DAMAGE_X, 0);
                worker_msg_put_u64(&w, WORKER_FIELD_DAMAGE_Y, 0);
                worker_msg_put_u64(&w, WORKER_FIELD_DAMAGE_W, 1);
                worker_msg_put_u64(&w, WORKER_FIELD_DAMAGE_H, 1);
        }
        assert_int_eq(worker_msg_finish(&w, &len), 0);
        assert_int_eq(worker_msg_parse(buf, len, &msg), 0);
        assert_int_eq(kms_ring_parse_frame(&msg, &f, &got, why, sizeof(why)), -EBADMSG);
        assert_non_null(strstr(why, "more than"));

        /* A negative coordinate (two's complement) */
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_KMS_FRAME, 0);
        kms_ring_put_frame(&w, &f, &(struct kms_ring_frame) { .seq = 1 });
        worker_msg_put_i64(&w, WORKER_FIELD_DAMAGE_X, -32);
        worker_msg_put_u64(&w, WORKER_FIELD_DAMAGE_Y, 0);
        worker_msg_put_u64(&w, WORKER_FIELD_DAMAGE_W, 64);
        worker_msg_put_u64(&w, WORKER_FIELD_DAMAGE_H, 1);
        assert_int_eq(worker_msg_finish(&w, &len), 0);
        assert_int_eq(worker_msg_parse(buf, len, &msg), 0);
        assert_int_eq(kms_ring_parse_frame(&msg, &f, &got, why, sizeof(why)), -EBADMSG);

        /* Not a frame at all */
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_KMS_ERROR, 0);
        assert_int_eq(worker_msg_finish(&w, &len), 0);
        assert_int_eq(worker_msg_parse(buf, len, &msg), 0);
        assert_int_eq(kms_ring_parse_frame(&msg, &f, &got, why, sizeof(why)), -EBADMSG);
}
