/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fan-out groups (see media_group.h). The registry of groups is process
 * wide (one list, one lock): the stream worker runs the sessions of one
 * capture, so sharing is between sessions of that process only.
 *
 * Why members pull from a cache instead of one thread pushing to N outputs:
 * each session already has a thread with its own clock, pacing, RTCP and
 * pause state, and a slow or paused member must not hold the others. Here a
 * member never waits for another one except while that one encodes (the
 * group's lock), and then it gets the picture that encode made.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../protocol/macro.h"
#include "../protocol/ts_mux.h"
#include "capture.h"
#include "media_group.h"
#include "media_output.h"

struct media_group_member {
        bool used;
        bool wait_idr;       /* send nothing until an IDR (joined, resumed) */
        uint64_t last_gen;   /* the cached encode this member took last */
        uint64_t bitrate_bps;
        bool stalled;        /* its link takes nothing: left out of the group's rate */
};

struct media_group {
        struct media_group *next; /* registry, under registry_lock */
        unsigned id;
        unsigned n_members;       /* under registry_lock and lock */

        /* the key (immutable) */
        struct capture *capture;  /* one reference */
        struct encode_config key; /* strings point to the copies below */
        char *key_encoder;
        char *key_vaapi_device;
        bool no_damage;

        pthread_mutex_t lock;
        /* under lock: */
        struct encoder *encoder;  /* owned */
        struct encode_picture *current; /* the picture encoded last (patched by the next convert) */
        uint64_t last_seq;        /* capture frame current shows; 0: none */
        uint64_t last_encode_usec;
        uint64_t epoch_usec;      /* pts 0 of what goes into the encoder */
        uint64_t bitrate_bps;     /* the encoder's: min of the members' */
        uint8_t cc_video;         /* continuity counter of the shared video PES */
        struct media_group_member members[MEDIA_GROUP_MEMBERS_MAX];
        /* the last encode, for the other members */
        uint64_t gen;             /* 0: none yet */
        uint64_t gen_usec;        /* when it was ready (not grabbed: a slow encode must not make
                                   * the members waiting for it encode again) */
        struct media_group_frame cache;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct media_group *registry;
static unsigned registry_next_id = 1;

static uint64_t now_usec_monotonic(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static pthread_once_t clock_once = PTHREAD_ONCE_INIT;
static uint64_t clock_zero;

static void clock_zero_init(void)
{
        /* a second back: no member's stream starts before it, so offsets stay positive */
        clock_zero = now_usec_monotonic() - MIN(now_usec_monotonic(), (uint64_t) 1000000);
}

uint64_t media_group_clock_zero(void)
{
        pthread_once(&clock_once, clock_zero_init);
        return clock_zero;
}

static bool streq_null(const char *a, const char *b)
{
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool encoder_request_is_auto(const char *s)
{
        return !s || strcmp(s, "auto") == 0;
}

/* Does format cfg (as a new member asks it) match group g? The bit rate is not part of it. */
static bool media_group_matches(const struct media_group *g, struct capture *c, const struct encode_config *cfg,
                                bool no_damage)
{
        const struct encode_config *k = &g->key;

        if (g->capture != c || g->no_damage != no_damage || g->n_members >= MEDIA_GROUP_MEMBERS_MAX)
                return false;
        if (k->width != cfg->width || k->height != cfg->height || k->profile != cfg->profile ||
            k->level_idc != cfg->level_idc || k->slices != cfg->slices || k->idr_interval != cfg->idr_interval ||
            k->vbv_usec != cfg->vbv_usec || k->slice_max_bytes != cfg->slice_max_bytes || k->threads != cfg->threads ||
            k->pictures != cfg->pictures)
                return false;
        /* 0/0 means 30/1 */
        if ((k->fps_num ? k->fps_num : 30) * (uint64_t) (cfg->fps_den ? cfg->fps_den : 1) !=
            (cfg->fps_num ? cfg->fps_num : 30) * (uint64_t) (k->fps_den ? k->fps_den : 1))
                return false;
        /* the same backend: asked the same way, or asked by the name of the one that runs */
        if (!streq_null(k->encoder, cfg->encoder) &&
            !(cfg->encoder && streq_null(cfg->encoder, encode_get_codec_name(g->encoder))) &&
            !(encoder_request_is_auto(k->encoder) && encoder_request_is_auto(cfg->encoder)))
                return false;
        return streq_null(k->vaapi_device, cfg->vaapi_device);
}

static void media_group_free(struct media_group *g)
{
        media_group_frame_done(&g->cache);
        encode_picture_unref(g->current);
        encode_free(g->encoder);
        capture_unref(g->capture);
        pthread_mutex_destroy(&g->lock);
        free(g->key_encoder);
        free(g->key_vaapi_device);
        free(g);
}

/* The lowest target of the members, the stalled ones left out when with_stalled is false; 0: none. */
static uint64_t media_group_min_bitrate(const struct media_group *g, bool with_stalled)
{
        uint64_t min = 0;

        for (unsigned i = 0; i < MEDIA_GROUP_MEMBERS_MAX; i++)
                if (g->members[i].used && g->members[i].bitrate_bps && (with_stalled || !g->members[i].stalled) &&
                    (!min || g->members[i].bitrate_bps < min))
                        min = g->members[i].bitrate_bps;
        return min;
}

/* The encoder's rate: the lowest target of the members whose links take data; of all of them when
 * every link is stalled (lock held). */
static void media_group_update_bitrate(struct media_group *g)
{
        uint64_t min = media_group_min_bitrate(g, false) ?: media_group_min_bitrate(g, true);

        if (min && min != g->bitrate_bps) {
                (void) encode_set_bitrate(g->encoder, min);
                g->bitrate_bps = encode_get_bitrate(g->encoder);
        }
}

static int media_group_new(struct capture *c, const struct encode_config *cfg, bool no_damage,
                           struct media_group **ret)
{
        struct media_group *g;
        int r;

        g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        pthread_mutex_init(&g->lock, NULL);
        g->key = *cfg;
        g->key_encoder = cfg->encoder ? strdup(cfg->encoder) : NULL;
        g->key_vaapi_device = cfg->vaapi_device ? strdup(cfg->vaapi_device) : NULL;
        if ((cfg->encoder && !g->key_encoder) || (cfg->vaapi_device && !g->key_vaapi_device)) {
                media_group_free(g);
                return -ENOMEM;
        }
        g->key.encoder = g->key_encoder;
        g->key.vaapi_device = g->key_vaapi_device;
        g->no_damage = no_damage;
        r = encode_new(cfg, &g->encoder);
        if (r < 0) {
                media_group_free(g);
                return r;
        }
        g->capture = capture_ref(c);
        g->bitrate_bps = encode_get_bitrate(g->encoder);
        *ret = g;
        return 0;
}

int media_group_join(struct capture *c, const struct encode_config *cfg, bool no_damage, struct media_group **ret,
                     unsigned *ret_member)
{
        struct media_group *g;
        unsigned i;
        int r;

        if (!c || !cfg || !ret || !ret_member)
                return -EINVAL;
        pthread_mutex_lock(&registry_lock);
        for (g = registry; g; g = g->next)
                if (media_group_matches(g, c, cfg, no_damage))
                        break;
        if (!g) {
                /* encode_new() under the registry lock: a second joiner of the same format waits
                 * for this one instead of opening a second encoder. */
                r = media_group_new(c, cfg, no_damage, &g);
                if (r < 0) {
                        pthread_mutex_unlock(&registry_lock);
                        return r;
                }
                g->id = registry_next_id++;
                g->next = registry;
                registry = g;
        }
        pthread_mutex_lock(&g->lock);
        for (i = 0; i < MEDIA_GROUP_MEMBERS_MAX && g->members[i].used; i++)
                ;
        g->members[i] = (struct media_group_member) {
                .used = true,
                .wait_idr = true,
                .last_gen = g->gen, /* what was encoded before it joined is not for it */
                .bitrate_bps = cfg->bitrate_bps ? cfg->bitrate_bps : encode_get_bitrate(g->encoder),
        };
        g->n_members++;
        media_group_update_bitrate(g);
        encode_request_idr(g->encoder);
        pthread_mutex_unlock(&g->lock);
        pthread_mutex_unlock(&registry_lock);
        *ret = g;
        *ret_member = i;
        return 0;
}

void media_group_leave(struct media_group *g, unsigned member)
{
        struct media_group **p;
        bool last;

        if (!g || member >= MEDIA_GROUP_MEMBERS_MAX)
                return;
        pthread_mutex_lock(&registry_lock);
        pthread_mutex_lock(&g->lock);
        if (g->members[member].used) {
                g->members[member] = (struct media_group_member) {};
                g->n_members--;
                /* the one that held the rate down left: the others get theirs back */
                media_group_update_bitrate(g);
        }
        last = g->n_members == 0;
        pthread_mutex_unlock(&g->lock);
        if (last) {
                for (p = &registry; *p; p = &(*p)->next)
                        if (*p == g) {
                                *p = g->next;
                                break;
                        }
        }
        pthread_mutex_unlock(&registry_lock);
        if (last)
                media_group_free(g);
}

/* buf with room for size bytes (*allocated updated), or NULL (buf untouched) when out of memory. */
static uint8_t *grow(uint8_t *buf, size_t *allocated, size_t size)
{
        uint8_t *p;

        if (*allocated >= size)
                return buf;
        p = realloc(buf, size);
        if (p)
                *allocated = size;
        return p;
}

/* Append an access unit (and its TS packets, n_ts of them; 0: none) to dst. */
static int frame_copy_au(struct media_group_frame *dst, const uint8_t *data, size_t size, bool idr,
                         const uint8_t *ts, size_t n_ts)
{
        struct media_group_au *a;
        uint8_t *p;

        if (dst->n_aus >= MEDIA_GROUP_AUS_MAX)
                return -E2BIG;
        a = &dst->au[dst->n_aus];
        p = grow(a->data, &a->allocated, size);
        if (!p)
                return -ENOMEM;
        a->data = p;
        memcpy(a->data, data, size);
        a->size = size;
        a->idr = idr;
        a->ts_packets = 0;
        if (n_ts > 0) {
                p = grow(a->ts, &a->ts_allocated, n_ts * TS_PACKET_SIZE);
                if (!p)
                        return -ENOMEM;
                a->ts = p;
                memcpy(a->ts, ts, n_ts * TS_PACKET_SIZE);
                a->ts_packets = n_ts;
        }
        dst->n_aus++;
        return 0;
}

/* Mux the cache's last access unit once for every member (lock held): its PES as TS packets. */
static int media_group_mux(struct media_group *g, uint64_t grab_usec)
{
        struct media_group_au *a = &g->cache.au[g->cache.n_aus - 1];
        uint64_t zero = media_group_clock_zero();
        uint64_t pts = (grab_usec > zero ? grab_usec - zero : 0) * 9 / 100 + MEDIA_OUTPUT_PTS_OFFSET_90KHZ;
        size_t max = ts_mux_video_pes_max_packets(a->size);
        uint8_t *p;
        ssize_t n;

        p = grow(a->ts, &a->ts_allocated, max * TS_PACKET_SIZE);
        if (!p)
                return -ENOMEM;
        a->ts = p;
        n = ts_mux_video_pes(a->data, a->size, pts, a->idr, &g->cc_video, a->ts, max * TS_PACKET_SIZE);
        if (n < 0)
                return (int) n;
        a->ts_packets = (size_t) n;
        return 0;
}

/* Hand the cached encode to member (lock held): the access units, from the first IDR on while it waits for one. */
static int media_group_give(struct media_group *g, struct media_group_member *m, uint64_t since_usec,
                            struct media_group_frame *frame)
{
        int r;

        frame->grab_usec = g->cache.grab_usec;
        frame->repeat = g->cache.repeat;
        frame->n_aus = 0;
        m->last_gen = g->gen;
        if (g->cache.grab_usec < since_usec)
                goto out; /* from before this member's stream started: its IDR is not this member's */
        for (unsigned i = 0; i < g->cache.n_aus; i++) {
                if (m->wait_idr && !g->cache.au[i].idr)
                        continue;
                m->wait_idr = false;
                r = frame_copy_au(frame, g->cache.au[i].data, g->cache.au[i].size, g->cache.au[i].idr,
                                  g->cache.au[i].ts, g->cache.au[i].ts_packets);
                if (r < 0)
                        return r;
        }
out:
        /* Still waiting (the request may have been answered before it could take it): ask again. */
        if (m->wait_idr)
                encode_request_idr(g->encoder);
        return 0;
}

/* Encode p for the group into the cache (lock held). */
static int media_group_encode(struct media_group *g, struct encode_picture *p, uint64_t grab_usec, bool repeat,
                              struct media_group_frame *frame)
{
        struct encode_packet pkt;
        uint64_t t0;
        int r;

        if (!g->epoch_usec)
                g->epoch_usec = grab_usec;
        t0 = now_usec_monotonic();
        g->cache.n_aus = 0;
        r = encode_send(g->encoder, p, (int64_t) ((grab_usec - g->epoch_usec) * 9 / 100));
        if (r < 0)
                return r;
        for (;;) {
                r = encode_receive(g->encoder, &pkt);
                if (r == -EAGAIN)
                        break;
                if (r < 0)
                        return r;
                r = frame_copy_au(&g->cache, pkt.data, pkt.size, pkt.idr, NULL, 0);
                if (r < 0)
                        return r;
                /* PES and TS once here, for every member (a too large AU is left to each sender) */
                if (pkt.size <= TS_MUX_MAX_AU_SIZE) {
                        r = media_group_mux(g, grab_usec);
                        if (r < 0)
                                return r;
                }
        }
        g->gen_usec = now_usec_monotonic();
        frame->encode_usec = g->gen_usec - t0;
        g->cache.grab_usec = grab_usec;
        g->cache.repeat = repeat;
        g->gen++;
        g->last_encode_usec = grab_usec;
        return 0;
}

int media_group_tick(struct media_group *g, unsigned member, uint64_t now, uint64_t share_usec,
                     uint64_t keepalive_usec, uint64_t since_usec, struct media_group_frame *frame,
                     const char **ret_stage)
{
        _cleanup_(capture_frame_unrefp) struct capture_frame *f = NULL;
        struct media_group_member *m;
        uint64_t t0;
        bool unchanged;
        int r;

        if (!g || member >= MEDIA_GROUP_MEMBERS_MAX || !frame)
                return -EINVAL;
        frame->unchanged = frame->repeat = frame->shared = frame->converted = frame->dropped = false;
        frame->n_aus = 0;
        frame->convert_usec = frame->encode_usec = 0;

        pthread_mutex_lock(&g->lock);
        m = &g->members[member];
        /* Another member encoded within the last frame interval: the same picture for this one. */
        if (g->gen && g->gen != m->last_gen && now < g->gen_usec + share_usec) {
                r = media_group_give(g, m, since_usec, frame);
                frame->shared = true;
                pthread_mutex_unlock(&g->lock);
                *ret_stage = "encode";
                return r;
        }

        *ret_stage = "capture";
        r = capture_grab(g->capture, share_usec / 2, &f);
        if (r < 0)
                goto out;
        unchanged = !g->no_damage && g->last_seq != 0 &&
                    (f->seq == g->last_seq || capture_frame_damage(g->capture, f, g->last_seq, NULL, 0) == 0);
        *ret_stage = "encode";
        if (unchanged) {
                if (!g->current || now < g->last_encode_usec + keepalive_usec) {
                        frame->unchanged = true;
                        r = 0;
                        goto out;
                }
                r = media_group_encode(g, g->current, now, true, frame);
        } else {
                /* The encoder holds no picture between frames: ours is free to be patched. */
                g->current = encode_picture_unref(g->current);
                t0 = now_usec_monotonic();
                r = encode_convert(g->encoder, g->capture, f, &g->current);
                frame->convert_usec = now_usec_monotonic() - t0;
                if (r == -EBUSY) {
                        frame->dropped = true;
                        r = 0;
                        goto out;
                }
                if (r < 0) {
                        *ret_stage = "convert";
                        goto out;
                }
                frame->converted = true;
                g->last_seq = f->seq;
                r = media_group_encode(g, g->current, now, false, frame);
        }
        if (r >= 0)
                r = media_group_give(g, m, since_usec, frame);
out:
        pthread_mutex_unlock(&g->lock);
        return r;
}

void media_group_frame_done(struct media_group_frame *frame)
{
        for (unsigned i = 0; i < MEDIA_GROUP_AUS_MAX; i++) {
                free(frame->au[i].data);
                frame->au[i].data = NULL;
                frame->au[i].allocated = frame->au[i].size = 0;
                free(frame->au[i].ts);
                frame->au[i].ts = NULL;
                frame->au[i].ts_allocated = frame->au[i].ts_packets = 0;
        }
        frame->n_aus = 0;
}

void media_group_set_bitrate(struct media_group *g, unsigned member, uint64_t bitrate_bps)
{
        if (!g || member >= MEDIA_GROUP_MEMBERS_MAX || !bitrate_bps)
                return;
        pthread_mutex_lock(&g->lock);
        g->members[member].bitrate_bps = bitrate_bps;
        media_group_update_bitrate(g);
        pthread_mutex_unlock(&g->lock);
}

int media_group_set_stalled(struct media_group *g, unsigned member, bool stalled)
{
        int r = 0;

        if (!g || member >= MEDIA_GROUP_MEMBERS_MAX)
                return -EINVAL;
        pthread_mutex_lock(&g->lock);
        if (g->members[member].used && g->members[member].stalled != stalled) {
                g->members[member].stalled = stalled;
                media_group_update_bitrate(g);
                r = 1;
        }
        pthread_mutex_unlock(&g->lock);
        return r;
}

uint64_t media_group_get_bitrate(struct media_group *g)
{
        uint64_t r;

        pthread_mutex_lock(&g->lock);
        r = encode_get_bitrate(g->encoder);
        pthread_mutex_unlock(&g->lock);
        return r;
}

int media_group_get_rate_stats(struct media_group *g, struct encode_rate_stats *ret)
{
        int r;

        if (!g)
                return -EINVAL;
        pthread_mutex_lock(&g->lock);
        r = encode_get_rate_stats(g->encoder, ret);
        pthread_mutex_unlock(&g->lock);
        return r;
}

void media_group_request_idr(struct media_group *g)
{
        encode_request_idr(g->encoder); /* thread-safe by itself */
}

void media_group_wait_idr(struct media_group *g, unsigned member)
{
        if (member >= MEDIA_GROUP_MEMBERS_MAX)
                return;
        pthread_mutex_lock(&g->lock);
        g->members[member].wait_idr = true;
        g->members[member].last_gen = g->gen;
        pthread_mutex_unlock(&g->lock);
        encode_request_idr(g->encoder);
}

const char *media_group_codec_name(struct media_group *g)
{
        return encode_get_codec_name(g->encoder); /* fixed for the encoder's life */
}

unsigned media_group_id(struct media_group *g)
{
        return g ? g->id : 0;
}

unsigned media_group_members(struct media_group *g)
{
        unsigned n;

        if (!g)
                return 0;
        pthread_mutex_lock(&g->lock);
        n = g->n_members;
        pthread_mutex_unlock(&g->lock);
        return n;
}

unsigned media_group_count(void)
{
        unsigned n = 0;

        pthread_mutex_lock(&registry_lock);
        for (struct media_group *g = registry; g; g = g->next)
                n++;
        pthread_mutex_unlock(&registry_lock);
        return n;
}
