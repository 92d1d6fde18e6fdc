/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The test sink's receiver reports, NACKs and reorder buffer (see sink-rtcp.h). */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../../protocol/macro.h"
#include "../../protocol/rtcp.h"
#include "sink-media.h"
#include "sink-rtcp.h"

#define SINK_RTCP_SLOTS 2048                 /* the reorder window, in packets */
#define SINK_RTCP_PACKET_MAX 1500
#define SINK_RTCP_NACK_RETRY_USEC 40000ULL   /* ask once more when the first NACK brought nothing */
#define SINK_RTCP_REPORT_USEC 500000ULL      /* RR interval (Android's sink reports about every second) */
#define SINK_RTCP_SSRC 0x51F0C0DEu

enum slot_state { SLOT_EMPTY, SLOT_PRESENT, SLOT_MISSING };

struct slot {
        enum slot_state state;
        uint16_t seq;
        uint16_t len;
        unsigned nacks;              /* MISSING: how often asked for */
        uint64_t since_usec;         /* PRESENT: arrival; MISSING: when the gap was seen */
        uint8_t data[SINK_RTCP_PACKET_MAX];
};

struct sink_rtcp {
        struct sink_media *media;    /* not owned */
        int fd;                      /* not owned */
        bool nack;
        uint64_t hold_usec;

        bool have_peer;
        struct sockaddr_storage peer;
        socklen_t peer_len;
        uint32_t media_ssrc;

        /* reorder buffer (nack) */
        bool have_next;
        uint16_t next;               /* the next sequence number to hand on */
        uint16_t highest;            /* the highest seen */
        struct slot *slots;          /* owned, SINK_RTCP_SLOTS */

        /* RFC 3550 A.3 / A.8 */
        bool have_seq;
        uint32_t base_seq, ext_max;
        uint64_t received, expected_prior, received_prior;
        bool have_transit;
        int64_t last_transit;
        double jitter;
        uint32_t lsr;
        uint64_t sr_arrival_usec;
        uint64_t next_report_usec;

        struct sink_rtcp_stats stats;
        void (*sender)(void *data, const uint8_t *buf, size_t len);
        void *sender_data;
};

int sink_rtcp_new(struct sink_media *media, int rtcp_fd, bool nack, uint64_t hold_usec, struct sink_rtcp **ret)
{
        struct sink_rtcp *r;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->media = media;
        r->fd = rtcp_fd;
        r->nack = nack;
        r->hold_usec = hold_usec;
        if (nack) {
                r->slots = calloc(SINK_RTCP_SLOTS, sizeof(*r->slots));
                if (!r->slots) {
                        free(r);
                        return -ENOMEM;
                }
        }
        *ret = r;
        return 0;
}

struct sink_rtcp *sink_rtcp_free(struct sink_rtcp *r)
{
        if (!r)
                return NULL;
        free(r->slots);
        free(r);
        return NULL;
}

void sink_rtcp_set_sender(struct sink_rtcp *r, void (*send)(void *data, const uint8_t *buf, size_t len),
                          void *data)
{
        r->sender = send;
        r->sender_data = data;
}

static void send_datagram(struct sink_rtcp *r, const uint8_t *buf, size_t len)
{
        if (r->sender)
                r->sender(r->sender_data, buf, len);
        else if (r->have_peer)
                (void) sendto(r->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *) &r->peer, r->peer_len);
}

static void send_nack(struct sink_rtcp *r, const uint16_t *seqs, size_t n)
{
        uint8_t buf[RTCP_MAX_NACKS * 4 + 16];

        for (size_t i = 0; i < n; i += RTCP_MAX_NACKS) {
                ssize_t len = rtcp_build_nack(SINK_RTCP_SSRC, r->media_ssrc, seqs + i, MIN(n - i, (size_t) RTCP_MAX_NACKS),
                                              buf, sizeof(buf));

                if (len > 0) {
                        send_datagram(r, buf, (size_t) len);
                        r->stats.nack_packets++;
                }
        }
        r->stats.nacked += n;
}

/* RFC 3550 A.3 bookkeeping and A.8 jitter for one packet (in_order: not a late repair). */
static void account(struct sink_rtcp *r, uint16_t seq, uint32_t rtp_ts, uint64_t now_usec, bool in_order)
{
        if (!r->have_seq) {
                r->have_seq = true;
                r->base_seq = seq;
                r->ext_max = seq;
        } else {
                uint16_t d = (uint16_t) (seq - (uint16_t) r->ext_max);

                if (d != 0 && d < 0x8000)
                        r->ext_max += d;
        }
        r->received++;
        if (in_order) {
                int64_t arrival = (int64_t) (now_usec * 9 / 100), transit = arrival - (int64_t) rtp_ts;

                if (r->have_transit) {
                        int64_t d = transit - r->last_transit;

                        r->jitter += ((double) (d < 0 ? -d : d) - r->jitter) / 16;
                }
                r->have_transit = true;
                r->last_transit = transit;
        }
}

static void deliver(struct sink_rtcp *r, uint64_t now_usec)
{
        for (;;) {
                struct slot *s = &r->slots[r->next % SINK_RTCP_SLOTS];

                if (s->seq != r->next || s->state == SLOT_EMPTY)
                        return;
                if (s->state == SLOT_MISSING) {
                        if (now_usec - s->since_usec < r->hold_usec)
                                return;
                        r->stats.unrecovered++;    /* given up: the later packets go on */
                } else {
                        r->stats.max_hold_usec = MAX(r->stats.max_hold_usec, now_usec - s->since_usec);
                        sink_media_feed_rtp(r->media, s->data, s->len);
                }
                s->state = SLOT_EMPTY;
                r->next++;
                if ((uint16_t) (r->highest - r->next) >= 0x8000)
                        return; /* nothing held */
        }
}

/* Give up on everything held: a jump larger than the window. */
static void flush(struct sink_rtcp *r, uint64_t now_usec)
{
        while ((uint16_t) (r->highest - r->next) < 0x8000) {
                struct slot *s = &r->slots[r->next % SINK_RTCP_SLOTS];

                if (s->state == SLOT_PRESENT && s->seq == r->next)
                        sink_media_feed_rtp(r->media, s->data, s->len);
                else
                        r->stats.unrecovered++;
                s->state = SLOT_EMPTY;
                r->next++;
        }
        (void) now_usec;
}

void sink_rtcp_feed(struct sink_rtcp *r, const uint8_t *buf, size_t len, const struct sockaddr_storage *from,
                    uint64_t now_usec)
{
        uint16_t seq, nack[SINK_RTCP_SLOTS];
        uint32_t ts;
        size_t n_nack = 0;
        struct slot *s;
        int16_t d;

        if (len < 12 || (buf[0] >> 6) != 2) {
                sink_media_feed_rtp(r->media, buf, len); /* counted as bad there */
                return;
        }
        seq = (uint16_t) (buf[2] << 8 | buf[3]);
        ts = (uint32_t) buf[4] << 24 | (uint32_t) buf[5] << 16 | (uint32_t) buf[6] << 8 | buf[7];
        r->media_ssrc = (uint32_t) buf[8] << 24 | (uint32_t) buf[9] << 16 | (uint32_t) buf[10] << 8 | buf[11];
        if (!r->have_peer && from) {
                r->peer = *from;
                if (from->ss_family == AF_INET) {
                        struct sockaddr_in *in = (struct sockaddr_in *) &r->peer;
                        in->sin_port = htons((uint16_t) (ntohs(in->sin_port) + 1));
                        r->peer_len = sizeof(*in);
                } else {
                        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &r->peer;
                        in6->sin6_port = htons((uint16_t) (ntohs(in6->sin6_port) + 1));
                        r->peer_len = sizeof(*in6);
                }
                r->have_peer = true;
                r->next_report_usec = now_usec + SINK_RTCP_REPORT_USEC;
        }
        if (!r->nack) {
                account(r, seq, ts, now_usec, true);
                sink_media_feed_rtp(r->media, buf, len);
                return;
        }
        if (len > SINK_RTCP_PACKET_MAX) {
                r->stats.late++;
                return;
        }
        if (!r->have_next) {
                r->have_next = true;
                r->next = seq;
                r->highest = (uint16_t) (seq - 1);
        }
        d = (int16_t) (seq - r->next);
        if (d < 0) {
                r->stats.late++; /* its place was given up already, or a duplicate */
                return;
        }
        if (d >= SINK_RTCP_SLOTS - 1) {
                flush(r, now_usec);
                r->next = seq;
                r->highest = (uint16_t) (seq - 1);
        }
        s = &r->slots[seq % SINK_RTCP_SLOTS];
        if (s->state == SLOT_PRESENT && s->seq == seq) {
                r->stats.late++;
                return;
        }
        if (s->state == SLOT_MISSING && s->seq == seq)
                r->stats.recovered++;
        account(r, seq, ts, now_usec, s->state != SLOT_MISSING);
        /* A new gap: mark the missing ones and ask for them at once. */
        if ((int16_t) (seq - r->highest) > 0) {
                for (uint16_t m = (uint16_t) (r->highest + 1); m != seq; m++) {
                        struct slot *g = &r->slots[m % SINK_RTCP_SLOTS];

                        *g = (struct slot) { .state = SLOT_MISSING, .seq = m, .nacks = 1, .since_usec = now_usec };
                        nack[n_nack++] = m;
                }
                r->highest = seq;
        }
        s->state = SLOT_PRESENT;
        s->seq = seq;
        s->len = (uint16_t) len;
        s->since_usec = now_usec;
        memcpy(s->data, buf, len);
        if (n_nack)
                send_nack(r, nack, n_nack);
        deliver(r, now_usec);
}

void sink_rtcp_feed_rtcp(struct sink_rtcp *r, const uint8_t *buf, size_t len, uint64_t now_usec)
{
        struct rtcp_info info;

        if (rtcp_parse(buf, len, &info) < 0 || !info.has_sr)
                return;
        r->stats.sr_received++;
        r->lsr = rtcp_ntp_middle(info.sr_ntp);
        r->sr_arrival_usec = now_usec;
}

void sink_rtcp_receive(struct sink_rtcp *r, uint64_t now_usec)
{
        uint8_t buf[2048];
        struct rtcp_info info;

        for (int i = 0; i < 64; i++) {
                ssize_t n = recv(r->fd, buf, sizeof(buf), MSG_DONTWAIT);

                if (n < 0)
                        return;
                if (rtcp_parse(buf, (size_t) n, &info) < 0 || !info.has_sr)
                        continue;
                r->stats.sr_received++;
                r->lsr = rtcp_ntp_middle(info.sr_ntp);
                r->sr_arrival_usec = now_usec;
        }
}

static void send_report(struct sink_rtcp *r, uint64_t now_usec)
{
        struct rtcp_report_block b = { .ssrc = r->media_ssrc };
        uint64_t expected, expected_interval, received_interval;
        int64_t lost, lost_interval;
        uint8_t buf[64];
        ssize_t len;

        expected = (uint64_t) r->ext_max - r->base_seq + 1;
        lost = (int64_t) expected - (int64_t) r->received;
        expected_interval = expected - r->expected_prior;
        received_interval = r->received - r->received_prior;
        r->expected_prior = expected;
        r->received_prior = r->received;
        lost_interval = (int64_t) expected_interval - (int64_t) received_interval;
        b.fraction_lost = expected_interval == 0 || lost_interval <= 0
                                  ? 0
                                  : (uint8_t) MIN((uint64_t) lost_interval * 256 / expected_interval, 255u);
        b.cumulative_lost = (int32_t) MAX(MIN(lost, 0x7fffff), -0x800000);
        b.highest_seq = r->ext_max;
        b.jitter = (uint32_t) r->jitter;
        b.lsr = r->lsr;
        b.dlsr = r->lsr ? (uint32_t) ((now_usec - r->sr_arrival_usec) * 65536 / 1000000) : 0;
        len = rtcp_build_rr(SINK_RTCP_SSRC, &b, 1, buf, sizeof(buf));
        if (len > 0) {
                send_datagram(r, buf, (size_t) len);
                r->stats.rr_sent++;
        }
}

void sink_rtcp_tick(struct sink_rtcp *r, uint64_t now_usec)
{
        if (r->nack && r->have_next) {
                uint16_t retry[SINK_RTCP_SLOTS];
                size_t n = 0;

                deliver(r, now_usec);
                for (uint16_t m = r->next; (uint16_t) (r->highest - m) < 0x8000; m++) {
                        struct slot *g = &r->slots[m % SINK_RTCP_SLOTS];

                        if (g->state == SLOT_MISSING && g->seq == m && g->nacks == 1 &&
                            now_usec - g->since_usec >= SINK_RTCP_NACK_RETRY_USEC) {
                                g->nacks++;
                                retry[n++] = m;
                        }
                        if (m == r->highest)
                                break;
                }
                if (n)
                        send_nack(r, retry, n);
        }
        if ((r->have_peer || r->sender) && r->have_seq && now_usec >= r->next_report_usec) {
                send_report(r, now_usec);
                r->next_report_usec = now_usec + SINK_RTCP_REPORT_USEC;
        }
}

void sink_rtcp_get_stats(const struct sink_rtcp *r, struct sink_rtcp_stats *ret)
{
        *ret = r->stats;
}
