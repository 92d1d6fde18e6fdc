/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz what the stream worker accepts from the KMS helper (protocol/kms_ring.h)
 * and the helper from the worker: a datagram parsed as a worker_msg, then as a
 * KMS_RING and as a KMS_FRAME against a fixed ring. Promises checked:
 *   - an accepted ring is exactly the layout kms_ring_format_init() computes;
 *   - an accepted frame names a slot inside the ring, and each damage
 *     rectangle lies inside the picture (no read outside the memfd);
 *   - an accepted frame rebuilt with kms_ring_put_frame() parses the same.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../protocol/kms_ring.h"

static struct worker_msg m;
static uint8_t out[WORKER_MSG_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct kms_ring_format ring, f, check;
        struct kms_ring_frame fr, again;
        struct worker_msg_writer w;
        char why[256];
        size_t len;

        if (worker_msg_parse(data, size, &m) < 0)
                return 0;
        if (kms_ring_parse_format(&m, &f, why, sizeof(why)) == 0) {
                if (kms_ring_format_init(&check, f.width, f.height, f.slots) < 0 || check.slot_size != f.slot_size ||
                    check.stride != f.stride || check.fourcc != f.fourcc || (uint64_t) f.stride * f.height > f.slot_size)
                        __builtin_trap();
        }
        if (kms_ring_format_init(&ring, 64, 48, 3) < 0)
                __builtin_trap();
        if (kms_ring_parse_frame(&m, &ring, &fr, why, sizeof(why)) < 0)
                return 0;
        if (fr.slot >= ring.slots || fr.n_damage > KMS_RING_DAMAGE_MAX)
                __builtin_trap();
        for (unsigned i = 0; i < fr.n_damage; i++) {
                const struct kms_ring_rect *r = &fr.damage[i];

                if (r->x < 0 || r->y < 0 || r->w <= 0 || r->h <= 0 || (unsigned) (r->x + r->w) > ring.width ||
                    (unsigned) (r->y + r->h) > ring.height)
                        __builtin_trap();
        }
        worker_msg_begin(&w, out, sizeof(out), WORKER_MSG_KMS_FRAME, 0);
        kms_ring_put_frame(&w, &ring, &fr);
        if (worker_msg_finish(&w, &len) < 0 || worker_msg_parse(out, len, &m) < 0 ||
            kms_ring_parse_frame(&m, &ring, &again, why, sizeof(why)) < 0 || again.slot != fr.slot ||
            again.n_damage != fr.n_damage || memcmp(again.damage, fr.damage, sizeof(fr.damage[0]) * fr.n_damage) != 0)
                __builtin_trap();
        return 0;
}
