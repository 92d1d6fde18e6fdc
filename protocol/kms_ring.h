/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The frame ring between the KMS helper (miracastd-kms, root with
 * CAP_SYS_ADMIN only) and its one client, an unprivileged stream worker
 * (docs/process-model.md). The messages are worker_msg datagrams
 * (WORKER_MSG_KMS_*); this file gives them meaning and bounds.
 *
 *   worker: KMS_OPEN (device, connector, cursor or not)
 *   worker: KMS_GRAB seq          helper: [KMS_RING + memfd] KMS_FRAME seq | KMS_ERROR seq
 *
 * The ring is one memfd of SLOTS slots of SLOT_SIZE bytes; each slot holds
 * one linear XRGB8888 picture (B, G, R, X in memory) of WIDTH x HEIGHT with
 * STRIDE bytes per row, the cursor already drawn in. A KMS_RING comes before
 * the first frame and again, with a new memfd, whenever the size changes (a
 * mode set). KMS_FRAME names the slot and what changed since the frame before
 * it (rectangles; none: nothing changed). The helper never writes the slot it
 * named last, so the worker may read it until its next GRAB.
 *
 * Both directions are checked here: the worker parses with the bounds below
 * what the root helper sends (a wrong answer ends the capture, never a read
 * outside the ring), and the helper what the worker sends (it parses sinks'
 * bytes and may be compromised). Pure: no I/O, no allocation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "worker_msg.h"

#define KMS_RING_SLOTS_MIN 2
#define KMS_RING_SLOTS_MAX 3
#define KMS_RING_DIM_MAX 8192          /* width and height */
#define KMS_RING_DAMAGE_MAX 64         /* rectangles per frame; more are sent as one bounding box */
#define KMS_RING_FOURCC 0x34325258u    /* DRM_FORMAT_XRGB8888 ('X','R','2','4') */

struct kms_ring_format {
        unsigned slots;
        uint64_t slot_size;
        unsigned width, height, stride;
        uint32_t fourcc;
};

struct kms_ring_rect {
        int x, y, w, h;
};

struct kms_ring_frame {
        uint64_t seq;          /* the GRAB this answers */
        unsigned slot;
        uint64_t frame_seq;    /* the helper's picture number (grows; equal: the same picture again) */
        uint64_t capture_usec;
        unsigned n_damage;
        struct kms_ring_rect damage[KMS_RING_DAMAGE_MAX];
};

/* The ring for a picture of width x height with slots slots: 0, or -EINVAL (zero, odd, over
 * KMS_RING_DIM_MAX, slots out of range). The slot size is a multiple of 4096. */
int kms_ring_format_init(struct kms_ring_format *ret, unsigned width, unsigned height, unsigned slots);
/* Total bytes of the memfd (slots * slot_size). */
uint64_t kms_ring_size(const struct kms_ring_format *f);

/* Build the messages. */
void kms_ring_put_format(struct worker_msg_writer *w, const struct kms_ring_format *f);
void kms_ring_put_frame(struct worker_msg_writer *w, const struct kms_ring_format *f, const struct kms_ring_frame *fr);

/*
 * Parse a KMS_RING message. Returns 0, or -EBADMSG (not a KMS_RING, a field
 * missing or out of range, sizes that do not add up) with a sentence in why.
 */
int kms_ring_parse_format(const struct worker_msg *m, struct kms_ring_format *ret, char *why, size_t why_size);

/*
 * Parse a KMS_FRAME message against the current ring f. Returns 0, or
 * -EBADMSG with a sentence in why: not a KMS_FRAME, a slot outside the ring,
 * a size, stride or format that is not the ring's (a size mismatch), a damage
 * rectangle outside the picture or more than KMS_RING_DAMAGE_MAX of them.
 */
int kms_ring_parse_frame(const struct worker_msg *m, const struct kms_ring_format *f, struct kms_ring_frame *ret,
                         char *why, size_t why_size);
