/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Access units -> WFD MPEG-TS (protocol/ts_mux.h) -> RTP (protocol/rtp.h)
 * -> paced UDP (encoder/rtp_send.h), for one session's encode thread.
 *
 * Each access unit becomes one batch of RTP packets (the muxer flushes at the
 * end of every frame, padding the last RTP packet with null TS packets, so a
 * frame never waits for the next one) handed to the sender in one call. The
 * sender drops a whole frame rather than queueing when the link stalls, and
 * then refuses delta frames until an IDR: both come back as 1 ("ask the
 * encoder for an IDR").
 *
 * Clocks: "now" (µs since the stream started) becomes the PCR (27 MHz); the
 * PTS is the capture time plus MEDIA_OUTPUT_PTS_OFFSET, the sink's room for
 * encoding, sending and decoding before the picture is due.
 *
 * Audio: media.c reads blocks of sound from its audio_source on the same
 * clock and hands them here: LPCM goes out as it is (one PES per block,
 * 480 sample frames = 6 x 80, Android's 10 ms at 48 kHz), AAC through
 * audio_encode (one PES per ADTS frame). Either way the PTS is the block's
 * capture time plus the offset video uses, so the sink plays them together.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "../protocol/macro.h"
#include "../protocol/rtp.h"
#include "../protocol/ts_mux.h"
#include "../protocol/rtcp.h"
#include "audio_encode.h"
#include "media_output.h"
#include "rtcp_channel.h"
#include "rtp_send.h"

/* Pace at 4x the video rate (rtp_send.h: 2-4x), never below 20 Mbit/s so an IDR leaves quickly. */
#define MEDIA_OUTPUT_PACE_FACTOR 4
#define MEDIA_OUTPUT_PACE_MIN_BPS 20000000ull
/* RFC 3550 suggests 5 s at least for large sessions; ours has two members and the sink needs an
 * SR soon for its RTT (LSR), so one a second. */
#define MEDIA_OUTPUT_SR_INTERVAL_USEC 1000000ull
/* NACK repair may add a tenth of the video rate on average (rtp_send_set_rtx_budget()). */
#define MEDIA_OUTPUT_RTX_SHARE_DIV 10

struct media_output {
        struct ts_mux *mux;           /* owned */
        struct rtp_mp2t_writer writer; /* owned buffer, reused for every frame */
        struct rtp_send *send;        /* owned: the socket */
        enum ts_audio_codec audio;
        unsigned audio_rate, audio_channels;
        struct audio_encoder *aac;    /* owned: AAC only */
        struct rtcp_channel *rtcp;    /* owned: NULL without RTCP */
        bool sr_due;                  /* no SR sent yet */
        uint64_t next_sr_usec;
        struct media_output_stats fb; /* the RTCP part of the statistics */
        uint64_t offset_usec;         /* added to the caller's stream time (media_output_set_clock_offset()) */
        bool reuse_seq;               /* TCP, interleaved: a frame dropped whole gives its sequence numbers back */
};

static uint64_t pace_for(uint64_t bitrate_bps)
{
        return MAX(bitrate_bps * MEDIA_OUTPUT_PACE_FACTOR, MEDIA_OUTPUT_PACE_MIN_BPS);
}

struct media_output *media_output_free(struct media_output *o)
{
        if (!o)
                return NULL;
        o->send = rtp_send_free(o->send);
        o->rtcp = rtcp_channel_free(o->rtcp);
        o->mux = ts_mux_free(o->mux);
        o->aac = audio_encode_free(o->aac);
        rtp_mp2t_writer_clear(&o->writer);
        free(o);
        return NULL;
}

DEFINE_CLEANUP(struct media_output *, media_output_free);

int media_output_new(const struct media_output_config *cfg, struct media_output **ret)
{
        _cleanup_(media_output_freep) struct media_output *o = NULL;
        uint32_t rnd[2];
        int r;

        if (!cfg || !cfg->dest_address || cfg->dest_port == 0 || !ret)
                return -EINVAL;
        if ((cfg->audio == TS_AUDIO_LPCM && ((cfg->audio_rate_hz != 44100 && cfg->audio_rate_hz != 48000) ||
                                             cfg->audio_channels != 2)) ||
            (cfg->audio == TS_AUDIO_AAC && (cfg->audio_rate_hz != 48000 || cfg->audio_channels < 1 ||
                                            cfg->audio_channels > 2)) ||
            cfg->audio < 0 || cfg->audio >= _TS_AUDIO_MAX)
                return -EINVAL;
        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->audio = cfg->audio;
        o->audio_rate = cfg->audio_rate_hz;
        o->audio_channels = cfg->audio_channels;
        o->reuse_seq = cfg->tcp || cfg->interleave;
        if (o->audio == TS_AUDIO_AAC) {
                r = audio_encode_new(o->audio_rate, o->audio_channels, 0, &o->aac);
                if (r < 0)
                        return r;
        }

        /* RFC 3550: random SSRC and initial sequence number */
        if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
                return -errno;
        rtp_mp2t_writer_init(&o->writer, rnd[0], (uint16_t) rnd[1]);

        r = ts_mux_new(&(struct ts_mux_config) {
                               .avc_profile_idc = cfg->avc_profile_idc,
                               .avc_constraint_flags = cfg->avc_constraint_flags,
                               .avc_level_idc = cfg->avc_level_idc,
                               .audio = o->audio,
                               .audio_sample_rate = o->audio_rate,
                               .audio_channels = o->audio_channels,
                       },
                       &o->mux);
        if (r < 0)
                return r;

        r = rtp_send_new(&(struct rtp_send_config) {
                                 .dest_address = cfg->dest_address,
                                 .dest_port = cfg->dest_port,
                                 .local_port = cfg->local_port,
                                 .pace_bps = pace_for(cfg->bitrate_bps),
                                 .rtx_slots = cfg->rtcp && !cfg->tcp && !cfg->interleave ? MEDIA_OUTPUT_RTX_SLOTS : 0,
                                 .tcp = cfg->tcp,
                                 .interleave = cfg->interleave,
                                 .interleave_channel = cfg->interleave_channel[0],
                         },
                         &o->send);
        if (r < 0)
                return r;

        if (cfg->rtcp && cfg->interleave) {
                /* SRs and the sink's reports on the RTCP channel; TCP repairs loss, so no history */
                r = rtcp_channel_new_interleaved(cfg->interleave, cfg->interleave_channel[1], NULL, &o->rtcp);
                if (r < 0)
                        return r;
                o->sr_due = true;
        } else if (cfg->rtcp && !cfg->tcp) {
                uint16_t port = rtp_send_get_local_port(o->send);

                rtp_send_set_rtx_budget(o->send, cfg->bitrate_bps / MEDIA_OUTPUT_RTX_SHARE_DIV);

                /* RTCP is a help, not a must: a taken port (or our RTP port 65535) leaves the stream
                 * without it, and media_output_get_stats() says so (rtcp false). */
                if (port < 65535 && (cfg->dest_rtcp_port || cfg->dest_port < 65535))
                        (void) rtcp_channel_new(&(struct rtcp_channel_config) {
                                                        .dest_address = cfg->dest_address,
                                                        .dest_port = cfg->dest_rtcp_port ?: cfg->dest_port + 1,
                                                        .local_port = port + 1,
                                                },
                                                &o->rtcp);
                o->sr_due = true;
        }

        *ret = steal_ptr(o);
        return 0;
}

uint16_t media_output_local_port(const struct media_output *o)
{
        return o ? rtp_send_get_local_port(o->send) : 0;
}

/*
 * Send what the muxer put into the writer, then empty it. On TCP nothing is
 * lost on the way, so a gap in the sequence numbers is a frame we dropped
 * (the link was full): one dropped whole gives its numbers back, so the
 * sink's receiver reports count no loss for a stall, which would lower the
 * rate again after it (the queue already told the controller).
 */
static int media_output_flush(struct media_output *o, enum rtp_send_kind kind)
{
        struct rtp_send_stats before, after;
        int r = RTP_SEND_OK;

        if (o->writer.n_packets > 0) {
                rtp_send_get_stats(o->send, &before);
                r = rtp_send_frame(o->send, o->writer.data, o->writer.n_packets, RTP_MP2T_PACKET_SIZE, kind);
                if (r > 0 && o->reuse_seq) {
                        rtp_send_get_stats(o->send, &after);
                        if (after.packets == before.packets)
                                o->writer.seq = (uint16_t) (o->writer.seq - o->writer.n_packets);
                }
        }
        rtp_mp2t_writer_reset(&o->writer);
        if (r < 0)
                return r;
        return r == RTP_SEND_OK ? 0 : 1;
}

/* Mux one audio PES at pos (sample frames since the start) into the writer; the caller sends. */
static int media_output_audio_pes(struct media_output *o, const uint8_t *data, size_t len, int64_t pos,
                                  uint64_t now_usec)
{
        int64_t pts = pos * 90000 / (int64_t) o->audio_rate + MEDIA_OUTPUT_PTS_OFFSET_90KHZ +
                      (int64_t) (o->offset_usec * 9 / 100);

        now_usec += o->offset_usec;
        if (pts < 0)
                return 0; /* before the stream's time zero (AAC priming): nothing a sink could play */
        return ts_mux_write_audio(o->mux, data, len, (uint64_t) pts, now_usec * 27, &o->writer);
}

static int media_output_audio_block(struct media_output *o, const int16_t *pcm, unsigned frames, int64_t pos,
                                    uint64_t now_usec)
{
        struct audio_encode_packet pkt;
        int r;

        if (o->audio == TS_AUDIO_LPCM)
                return media_output_audio_pes(o, (const uint8_t *) pcm, (size_t) frames * o->audio_channels * 2, pos,
                                              now_usec);
        /* block by block: the encoder takes at most one frame's worth before its packet is received */
        r = audio_encode_send(o->aac, pcm, frames, pos);
        if (r < 0)
                return r;
        while ((r = audio_encode_receive(o->aac, &pkt)) == 0) {
                r = media_output_audio_pes(o, pkt.data, pkt.size, pkt.pos, now_usec);
                if (r < 0)
                        return r;
        }
        return r == -EAGAIN ? 0 : r;
}

int media_output_audio(struct media_output *o, const int16_t *pcm, unsigned frames, int64_t pos, uint64_t now_usec)
{
        int r = 0;

        if (!o || !pcm || frames == 0 || o->audio == TS_AUDIO_NONE)
                return -EINVAL;
        for (unsigned i = 0; i < frames && r >= 0; i += MEDIA_OUTPUT_AUDIO_BLOCK)
                r = media_output_audio_block(o, pcm + (size_t) i * o->audio_channels,
                                             MIN(frames - i, MEDIA_OUTPUT_AUDIO_BLOCK), pos + i, now_usec);
        if (r < 0) {
                rtp_mp2t_writer_reset(&o->writer);
                return r;
        }
        r = media_output_flush(o, RTP_SEND_KIND_INDEPENDENT);
        return r < 0 ? r : 0;
}

int media_output_video(struct media_output *o, const uint8_t *au, size_t size, int64_t pts_90khz, bool idr,
                       uint64_t now_usec)
{
        int r;

        if (!o || !au || size == 0 || pts_90khz < 0)
                return -EINVAL;
        now_usec += o->offset_usec;
        r = ts_mux_write_video(o->mux, au, size,
                               (uint64_t) pts_90khz + MEDIA_OUTPUT_PTS_OFFSET_90KHZ + o->offset_usec * 9 / 100, idr,
                               now_usec * 27, &o->writer);
        if (r == -E2BIG) {
                /* A frame bigger than the muxer takes: drop it, the next IDR starts over. */
                rtp_mp2t_writer_reset(&o->writer);
                return 1;
        }
        if (r < 0) {
                rtp_mp2t_writer_reset(&o->writer);
                return r;
        }
        return media_output_flush(o, idr ? RTP_SEND_KIND_IDR : RTP_SEND_KIND_DELTA);
}

int media_output_video_packets(struct media_output *o, const uint8_t *packets, size_t n, bool idr,
                               uint64_t now_usec)
{
        int r;

        if (!o || !packets || n == 0)
                return -EINVAL;
        r = ts_mux_write_video_packets(o->mux, packets, n, idr, (now_usec + o->offset_usec) * 27, &o->writer);
        if (r == -E2BIG) {
                rtp_mp2t_writer_reset(&o->writer);
                return 1;
        }
        if (r < 0) {
                rtp_mp2t_writer_reset(&o->writer);
                return r;
        }
        return media_output_flush(o, idr ? RTP_SEND_KIND_IDR : RTP_SEND_KIND_DELTA);
}

void media_output_set_clock_offset(struct media_output *o, uint64_t offset_usec)
{
        o->offset_usec = offset_usec;
}

int media_output_idle(struct media_output *o, uint64_t now_usec)
{
        int r;

        now_usec += o->offset_usec;
        r = ts_mux_write_idle(o->mux, now_usec * 27, &o->writer);
        if (r <= 0) {
                rtp_mp2t_writer_reset(&o->writer);
                return r;
        }
        r = media_output_flush(o, RTP_SEND_KIND_INDEPENDENT);
        return r < 0 ? r : 0;
}

void media_output_resume(struct media_output *o)
{
        ts_mux_force_psi(o->mux);
}

int media_output_set_video(struct media_output *o, uint8_t avc_profile_idc, uint8_t avc_constraint_flags,
                           uint8_t avc_level_idc)
{
        int r = ts_mux_set_video(o->mux, avc_profile_idc, avc_constraint_flags, avc_level_idc);

        return r < 0 ? r : 0;
}

void media_output_set_bitrate(struct media_output *o, uint64_t bitrate_bps)
{
        rtp_send_set_pace(o->send, pace_for(bitrate_bps));
        rtp_send_set_rtx_budget(o->send, bitrate_bps / MEDIA_OUTPUT_RTX_SHARE_DIV);
}

static uint64_t now_ntp(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return rtcp_ntp_from_unix_usec((uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u);
}

/* One compound from the sink: repair, then remember what its report says. */
static int media_output_feedback(struct media_output *o, const struct rtcp_info *info, uint64_t ntp,
                                 struct media_output_feedback *fb)
{
        uint32_t ssrc = o->writer.ssrc;
        int r;

        if (info->n_nacks > 0) {
                for (size_t i = 0; i < info->n_nacks; i++)
                        o->fb.nack_items += info->nacks[i].media_ssrc == ssrc;
                r = rtp_send_retransmit(o->send, info->nacks, info->n_nacks, ssrc);
                if (r < 0 && r != -ENOTSUP)
                        return r;
                if (r > 0)
                        fb->rtx_sent += (unsigned) r;
        }
        if ((info->pli && info->pli_media_ssrc == ssrc) || (info->fir && info->fir_media_ssrc == ssrc)) {
                o->fb.idr_requests++;
                fb->idr = true;
        }
        for (size_t i = 0; i < info->n_reports; i++) {
                const struct rtcp_report_block *b = &info->reports[i];
                uint64_t rtt;

                if (b->ssrc != ssrc)
                        continue;
                o->fb.rtcp_reports++;
                o->fb.fraction_lost = b->fraction_lost;
                o->fb.cumulative_lost = b->cumulative_lost;
                o->fb.jitter_usec = rtcp_jitter_usec(b->jitter, 90000);
                if (rtcp_rtt_usec(ntp, b->lsr, b->dlsr, &rtt) == 0)
                        o->fb.rtt_usec = rtt;
                fb->report = true;
                fb->fraction_lost = MAX(fb->fraction_lost, b->fraction_lost);
        }
        return 0;
}

int media_output_poll_rtcp(struct media_output *o, uint64_t now_usec, struct media_output_feedback *ret)
{
        struct media_output_feedback fb = {};
        struct rtcp_info info;
        int r;

        if (!o || !ret)
                return -EINVAL;
        if (!o->rtcp) {
                *ret = fb;
                return 0;
        }
        /* Bounded: a flood of datagrams must not starve the pictures. */
        for (unsigned i = 0; i < 64; i++) {
                r = rtcp_channel_receive(o->rtcp, &info);
                if (r == -EAGAIN)
                        break;
                if (r == -EBADMSG)
                        continue;
                if (r < 0)
                        return r;
                r = media_output_feedback(o, &info, now_ntp(), &fb);
                if (r < 0)
                        return r;
        }
        if (o->sr_due || now_usec >= o->next_sr_usec) {
                struct rtp_send_stats s;
                uint64_t stream_usec = now_usec + o->offset_usec;

                rtp_send_get_stats(o->send, &s);
                /* The same instant on both clocks: the RTP timestamp is stream time in 90 kHz, as
                 * ts_mux stamps the packets. */
                r = rtcp_channel_send_sr(o->rtcp, &(struct rtcp_sender_info) {
                                                          .ssrc = o->writer.ssrc,
                                                          .ntp = now_ntp(),
                                                          .rtp_timestamp = (uint32_t) (stream_usec * 9 / 100),
                                                          .packet_count = (uint32_t) s.packets,
                                                          .octet_count = (uint32_t) (s.bytes - s.packets * 12),
                                                  });
                if (r >= 0)
                        o->fb.sr_sent++;
                o->sr_due = false;
                o->next_sr_usec = now_usec + MEDIA_OUTPUT_SR_INTERVAL_USEC;
        }
        *ret = fb;
        return 0;
}

int media_output_queued_bytes(const struct media_output *o)
{
        return o ? rtp_send_get_queued_bytes(o->send) : -EINVAL;
}

bool media_output_is_congested(const struct media_output *o)
{
        return o && rtp_send_is_congested(o->send);
}

bool media_output_peer_window_closed(const struct media_output *o)
{
        return o && rtp_send_peer_window_closed(o->send);
}

int media_output_rtcp_fd(const struct media_output *o)
{
        return o && o->rtcp ? rtcp_channel_get_fd(o->rtcp) : -1;
}

void media_output_get_stats(const struct media_output *o, struct media_output_stats *ret)
{
        struct rtp_send_stats s;

        rtp_send_get_stats(o->send, &s);
        *ret = o->fb;
        ret->bytes_sent = s.bytes;
        ret->rtp_packets = s.packets;
        ret->send_errors = s.send_errors;
        ret->frames_dropped = s.frames_dropped;
        ret->rtcp = o->rtcp != NULL;
        ret->rtx_requested = s.rtx_requested;
        ret->rtx_sent = s.rtx_sent;
        ret->rtx_missing = s.rtx_missing;
}
