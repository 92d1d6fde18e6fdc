/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fan-out: sessions of one process that show the same capture at the same
 * negotiated format share one encoder (grab -> damage check -> convert ->
 * H.264). Each session keeps its own pipeline thread and media_output (TS
 * muxer for PCR/PAT/PMT and audio, RTP socket, sequence, SSRC, RTCP, pacing,
 * audio); the encoded access units and their video PES (the TS packets on PID
 * 0x1011, muxed once by whichever thread encoded them, protocol/ts_mux.h
 * ts_mux_video_pes()) are shared. The PES carries PTS on one clock for the
 * whole process, media_group_clock_zero(); each member puts its own PCR, PTS
 * and RTP timestamps on that clock (media_output_set_clock_offset()).
 *
 * Each member's thread calls media_group_tick() at its own frame tick. An
 * access unit another member encoded less than one frame interval ago and
 * this member has not sent yet is handed out again (a copy); otherwise the
 * calling thread grabs and encodes for the group, under the group's lock.
 * So N members cost about one encode per frame interval, whoever runs it.
 *
 * The group's bit rate is the lowest of its members' targets (a member whose
 * ABR lowers its rate lowers the group's), leaving out members whose link
 * has stalled (media_group_set_stalled()); an IDR asked by one member is one
 * for all; a new member sends nothing until the next IDR (asked at join).
 * The last member leaving frees the encoder. Thread-safe.
 *
 *   media_group_join(capture, &fmt, no_damage, &g, &member);
 *   media_group_tick(g, member, now, share_usec, keepalive_usec, &frame, &stage);
 *   media_group_set_bitrate(g, member, bps);  media_group_request_idr(g);
 *   media_group_leave(g, member);
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "encode.h"

struct capture;
struct media_group;

#define MEDIA_GROUP_MEMBERS_MAX 16
#define MEDIA_GROUP_AUS_MAX 4

struct media_group_au {
        uint8_t *data; /* Annex B */
        size_t size, allocated;
        bool idr;
        uint8_t *ts;   /* its video PES as 188-byte TS packets (PTS on the group clock) */
        size_t ts_packets, ts_allocated;
};

/* What one media_group_tick() produced for the calling member (buffers owned by the frame). */
struct media_group_frame {
        bool unchanged;          /* nothing changed and no keep-alive was due: nothing to send */
        bool repeat;             /* a keep-alive re-encode of an unchanged picture */
        bool shared;             /* handed out from another member's encode (this thread did no work) */
        bool converted;          /* this thread converted a picture (convert_usec valid) */
        bool dropped;            /* the encoder still held every picture: tick dropped */
        uint64_t grab_usec;      /* CLOCK_MONOTONIC of the grab the access units show */
        uint64_t convert_usec, encode_usec;
        unsigned n_aus;
        struct media_group_au au[MEDIA_GROUP_AUS_MAX];
};

/*
 * Join the group of capture c at format cfg (size, rate, profile, level,
 * slices, IDR interval, VBV and backend must match; the bit rate need not),
 * or create one with a new encoder (encode_new()'s errors). *ret_member
 * identifies the caller in the other calls. An IDR is requested for the
 * joiner.
 */
int media_group_join(struct capture *c, const struct encode_config *cfg, bool no_damage, struct media_group **ret,
                     unsigned *ret_member);
/* Leave; the last member frees the encoder. NULL ok. */
void media_group_leave(struct media_group *g, unsigned member);

/*
 * One frame tick of member. share_usec: how old a frame of the capture (and
 * an encode of another member) may be to be reused; keepalive_usec: re-encode
 * an unchanged picture after this long; since_usec: pictures grabbed before
 * it are not for this member (its stream's start). While the member waits
 * for an IDR, what is not one is left out and every tick asks for one (the
 * encoder coalesces). 0 and *frame, or a negative errno with *ret_stage
 * ("capture", "convert", "encode").
 */
int media_group_tick(struct media_group *g, unsigned member, uint64_t now_usec, uint64_t share_usec,
                     uint64_t keepalive_usec, uint64_t since_usec, struct media_group_frame *frame,
                     const char **ret_stage);
void media_group_frame_done(struct media_group_frame *frame); /* frees the buffers */

/* This member's target; the encoder runs at the lowest target of all members. */
void media_group_set_bitrate(struct media_group *g, unsigned member, uint64_t bitrate_bps);
/*
 * A member whose link takes nothing at all (a sink that stopped reading) is
 * left out of the lowest target while stalled: it gets nothing at any rate,
 * and the others keep theirs. When every member is stalled, all count.
 * 1 when this changed the member's state, 0 when it was so already.
 */
int media_group_set_stalled(struct media_group *g, unsigned member, bool stalled);
uint64_t media_group_get_bitrate(struct media_group *g);
/* The shared encoder's rate control (encode_get_rate_stats()), read under the lock encoding holds. */
int media_group_get_rate_stats(struct media_group *g, struct encode_rate_stats *ret);
void media_group_request_idr(struct media_group *g);
/* A member starting to send again (resume) waits for the next IDR, which this asks for. */
void media_group_wait_idr(struct media_group *g, unsigned member);

const char *media_group_codec_name(struct media_group *g);
unsigned media_group_id(struct media_group *g);      /* 1, 2, ... per process */
unsigned media_group_members(struct media_group *g); /* sessions sharing the encoder now */
unsigned media_group_count(void);                    /* groups (encoders) alive in the process */
/* CLOCK_MONOTONIC usec of the shared PES clock's zero: the same for every group of the process (a
 * member changing groups keeps its clock), set at the first call, a second before it. */
uint64_t media_group_clock_zero(void);
