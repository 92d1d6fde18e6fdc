/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the frame-level rate control (protocol/qp_control.h) with arbitrary
 * configs, rate changes and picture sequences, the coded sizes chosen by the
 * input (an encoder may produce anything). After every step its promises
 * must hold:
 *   - a plan's QP lies within the config's range; an IDR is never skipped;
 *   - a P picture's QP is at most QP_CONTROL_MAX_STEP_DOWN under the last P's;
 *   - the buffer never holds more than its size;
 *   - plan() changes nothing (two plans in a row agree).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../protocol/qp_control.h"

struct fuzz_config {
        uint32_t bitrate_bps, vbv_bits;
        uint8_t fps_num, fps_den, qp_min, qp_max;
        uint16_t mb_count;
};

struct fuzz_step {
        uint8_t flags;           /* 1 IDR, 2 set rate before, 4 skip done() (as if the encoder failed) */
        uint8_t qp_delta;        /* coded at plan.qp + (qp_delta % 3) - 1, as x264 might clamp */
        uint16_t changed_mbs;
        uint16_t dt_pts;         /* 90 kHz ticks since the last picture */
        uint32_t bits;           /* what came out */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct fuzz_config fc;
        struct qp_control q;
        uint64_t pts = 0;
        unsigned last_p = 0;

        if (size < sizeof(fc))
                return 0;
        memcpy(&fc, data, sizeof(fc));
        if (qp_control_init(&q, &(struct qp_control_config) { .bitrate_bps = fc.bitrate_bps,
                                                              .vbv_bits = fc.vbv_bits,
                                                              .fps_num = fc.fps_num,
                                                              .fps_den = fc.fps_den,
                                                              .mb_count = fc.mb_count,
                                                              .qp_min = fc.qp_min,
                                                              .qp_max = fc.qp_max }) < 0)
                return 0;
        for (size_t off = sizeof(fc); off + sizeof(struct fuzz_step) <= size; off += sizeof(struct fuzz_step)) {
                struct fuzz_step fs;
                struct qp_control_plan plan, again;
                struct qp_control_picture p;
                unsigned qp;

                memcpy(&fs, data + off, sizeof(fs));
                pts += fs.dt_pts;
                if (fs.flags & 2)
                        (void) qp_control_set_rate(&q, fs.bits, (uint64_t) fs.changed_mbs * 1000);
                p = (struct qp_control_picture) { .idr = fs.flags & 1, .changed_mbs = fs.changed_mbs, .pts_90khz = pts };
                if (qp_control_plan(&q, &p, &plan) < 0 || qp_control_plan(&q, &p, &again) < 0)
                        __builtin_trap();
                if (plan.qp != again.qp || plan.planned_bits != again.planned_bits ||
                    plan.buffer_bits != again.buffer_bits || plan.skip != again.skip)
                        __builtin_trap();
                if (plan.qp < q.cfg.qp_min || plan.qp > q.cfg.qp_max)
                        __builtin_trap();
                if (plan.skip && p.idr)
                        __builtin_trap();
                if (!p.idr && last_p && plan.qp + QP_CONTROL_MAX_STEP_DOWN < last_p && plan.qp != q.cfg.qp_max)
                        __builtin_trap();
                if (plan.skip || (fs.flags & 4))
                        continue;
                qp = plan.qp + fs.qp_delta % 3;
                qp = qp > 0 ? qp - 1 : 0;
                if (qp > QP_CONTROL_QP_MAX)
                        qp = QP_CONTROL_QP_MAX;
                if (qp_control_done(&q, &p, qp, fs.bits) < 0)
                        __builtin_trap();
                if (!p.idr)
                        last_p = qp;
                if (q.buffer_bits > (int64_t) q.cfg.vbv_bits)
                        __builtin_trap();
        }
        return 0;
}
