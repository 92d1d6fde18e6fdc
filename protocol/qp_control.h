/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Frame-level rate control for the software encoder, without I/O: the QP of
 * each picture, so that the stream keeps to a bit rate and a decoder buffer
 * (VBV), from what the encoder already knows before encoding: the picture's
 * type and how many macroblocks changed (our damage).
 *
 * Why not x264's own: its bit-rate modes estimate every picture's cost on a
 * half-size copy first (a downscale and a motion search over the whole
 * picture), about a quarter of x264's time on a desktop where a few percent
 * of the screen changes. Our damage tells the same thing for free: a changed
 * area costs about what it cost last time per macroblock. libx264 then runs
 * at constant QP with the QP given per picture (x264_picture_t.i_qpplus1).
 *
 * The model: a picture costs k * weight / qscale(qp) bits, where weight is
 * the macroblocks it codes (the changed ones of a P picture, all of an IDR)
 * and qscale(qp) = 0.85 * 2^((qp - 12) / 6) (H.264's quantiser step, up to
 * a constant). k, per picture type, is learnt from each coded picture:
 * averaged, but taken at once when a picture costs twice what k predicted
 * (new content), so one expensive picture does not repeat.
 *
 * The buffer: the sink's decoder buffer of vbv_bits fills at the bit rate
 * between pictures (by their PTS, so pictures we never encode because
 * nothing changed leave room) and empties by each picture's size; it starts
 * three quarters full; a picture larger than what it holds leaves a debt
 * (the link carries it at the bit rate, later pictures wait). A P picture aims at one frame interval's bits, more
 * when the buffer is fuller than half and less when emptier, and never plans
 * more than half of what the buffer holds. An IDR takes the QP of the last P
 * pictures minus 3 (the same step up in quality x264 gives I pictures, so a
 * refresh does not pulse), but never plans more than 80 % of the buffer.
 * QP falls by at most 4 per picture (x264's own default step; a still
 * screen after a busy one sharpens over a few pictures, not in one expensive
 * jump) and rises at once. A P picture that costs more than twice its plan
 * and more than the buffer held sets a floor 2 above its QP, lowered by 1
 * every QP_CONTROL_FLOOR_PICTURES: the model has just been wrong below it.
 * (Noise costs almost nothing above QP 51, where x264 drops nearly every
 * coefficient, and a lot at 50: on a slow link QP would otherwise walk down
 * to that edge and fall off it over and over, in bursts the link drops.)
 *
 * When even QP 69 makes a P picture larger than the buffer holds
 * (a picture no encoder predicts, on a slow link), the picture is skipped
 * and the buffer refills: the frame rate falls instead of the picture
 * turning to mush. Skipping stops once any debt is paid and the buffer is
 * 90 % full, even if the estimate still says too large (so a wrong estimate
 * is learnt again, and a picture larger than the whole buffer still goes,
 * as often as the rate allows). An IDR is never skipped.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define QP_CONTROL_QP_MIN 12  /* encode.c's qmin: lower costs bits no one sees */
/*
 * H.264 stops at 51; x264 goes on to 69 by discarding more of each block's
 * detail at QP 51 (its QP_MAX), which a picture no encoder predicts (noise)
 * needs to fit a slow link without bursts of large pictures.
 */
#define QP_CONTROL_QP_MAX 69
#define QP_CONTROL_MAX_STEP_DOWN 4
#define QP_CONTROL_IDR_OFFSET 3
#define QP_CONTROL_FLOOR_PICTURES 30

struct qp_control_config {
        uint64_t bitrate_bps;    /* > 0 */
        uint64_t vbv_bits;       /* the decoder buffer; 0: a quarter second at bitrate_bps */
        unsigned fps_num, fps_den; /* nominal picture rate, > 0 */
        unsigned mb_count;       /* macroblocks per picture, > 0 */
        unsigned qp_min, qp_max; /* 0: QP_CONTROL_QP_MIN, QP_CONTROL_QP_MAX */
};

struct qp_control_picture {
        bool idr;
        unsigned changed_mbs;    /* P: macroblocks that changed (mb_count when unknown); ignored for an IDR */
        uint64_t pts_90khz;      /* for the buffer's refill; pictures come in PTS order */
};

struct qp_control_plan {
        unsigned qp;
        uint64_t planned_bits;   /* what the model expects at that QP */
        uint64_t buffer_bits;    /* what the buffer holds before this picture */
        bool skip;               /* do not encode this picture (see above); qp_control_done() is not called */
};

struct qp_control_stats {
        uint64_t pictures;
        uint64_t underflows;     /* pictures that came out larger than the buffer held */
        uint64_t qp_sum;         /* over pictures, for an average */
        unsigned last_qp;
        int64_t buffer_bits;     /* now; negative: the debt of a picture larger than it held */
};

struct qp_control {
        struct qp_control_config cfg;
        int64_t buffer_bits;     /* decoder buffer fullness after the last picture */
        uint64_t last_pts;
        bool have_pts;
        double k[2];             /* [0] P, [1] IDR: bits * qscale per coded macroblock */
        bool have_k[2];
        unsigned last_qp_p;      /* 0: no P picture yet */
        unsigned floor_qp;       /* P pictures stay at or above it; 0: none */
        unsigned floor_age;      /* P pictures since the floor last moved */
        struct qp_control_stats stats;
};

/* 0, or -EINVAL for a config it cannot work with (zero rate, fps or size). */
int qp_control_init(struct qp_control *q, const struct qp_control_config *cfg);
/* A new bit rate (and buffer; 0: a quarter second): the buffer keeps its fullness in proportion. */
int qp_control_set_rate(struct qp_control *q, uint64_t bitrate_bps, uint64_t vbv_bits);
/* The QP for picture p. Changes nothing: call qp_control_done() with what came out. */
int qp_control_plan(const struct qp_control *q, const struct qp_control_picture *p, struct qp_control_plan *ret);
/* Picture p was coded at qp into bits: learn from it and account for it in the buffer. */
int qp_control_done(struct qp_control *q, const struct qp_control_picture *p, unsigned qp, uint64_t bits);
/* qscale of a QP (the model's unit), for tests and callers that want to show it. */
double qp_control_qscale(unsigned qp);
