/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.miracastd.Session1 at /org/miracastd/session/<n>. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/context.h"
#include "../protocol/latency_mode.h"
#include "../protocol/macro.h"
#include "../daemon/log.h"
#include "../daemon/manager.h"
#include "../daemon/session.h"
#include "../daemon/session_video.h"
#include "../daemon/sink.h"
#include "bus_errors.h"
#include "bus.h"
#include "polkit.h"

/* Bit rates a caller may ask for with SetBitrate (bit/s). */
#define SESSION_BUS_MIN_BITRATE 100000u
#define SESSION_BUS_MAX_BITRATE 200000000u

/* The caller a non-persistent Cast() session is bound to. */
struct bus_cast_owner {
        struct bus_cast_owner *next;
        struct bus *bus;             /* not owned */
        unsigned session_id;
        sd_bus_track *track;         /* owned: the caller's unique name */
};

struct bus_pending_cast {
        struct bus_pending_cast *next;
        unsigned session_id;
        sd_bus_message *call;        /* reference */
};

int session_bus_add_pending_cast(struct bus *b, struct session *s, sd_bus_message *m)
{
        struct bus_pending_cast *pc = calloc(1, sizeof(*pc));

        if (!pc)
                return -ENOMEM;
        pc->session_id = s->id;
        pc->call = sd_bus_message_ref(m);
        /* the caller's uid owns the cast: only it may attach the session's audio */
        {
                _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
                uid_t uid;

                if (sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds) >= 0 &&
                    sd_bus_creds_get_euid(creds, &uid) >= 0)
                        s->owner_uid = uid;
        }
        pc->next = b->pending_casts;
        b->pending_casts = pc;
        return 0;
}

static struct bus_cast_owner *session_bus_cast_owner_free(struct bus_cast_owner *o)
{
        if (!o)
                return NULL;
        for (struct bus_cast_owner **i = &o->bus->cast_owners; *i; i = &(*i)->next)
                if (*i == o) {
                        *i = o->next;
                        break;
                }
        sd_bus_track_unref(o->track);
        free(o);
        return NULL;
}

static void session_bus_unbind(struct bus *b, unsigned session_id)
{
        for (struct bus_cast_owner *o = b->cast_owners, *next; o; o = next) {
                next = o->next;
                if (o->session_id == session_id)
                        session_bus_cast_owner_free(o);
        }
}

/*
 * The client that started a cast left the bus (closed, crashed, Ctrl-C on
 * miracastctl cast --wait): nobody can show the cast's state or stop it any
 * more, and the screen keeps going to the TV, so the cast stops, as
 * NetworkManager's bind-activation=dbus-client and iwd's agent-bound
 * requests do. A client that wants the cast to outlive it casts with
 * persistent=true (miracastctl cast without --wait does).
 */
static int session_bus_on_caller_gone(sd_bus_track *track, void *userdata)
{
        struct bus_cast_owner *o = userdata;
        struct bus *b = o->bus;
        struct session *s = manager_find_session_by_id(b->manager, o->session_id);
        int r;

        session_bus_cast_owner_free(o);
        if (!s || s->state == SOURCE_SESSION_STATE_ENDING || s->state == SOURCE_SESSION_STATE_ENDED)
                return 0;
        log_info("session %u: the client that started the cast left the bus, stopping it "
                 "(Cast option persistent keeps a cast running)", s->id);
        if (s->state == SOURCE_SESSION_STATE_CONNECTING) {
                /* Still forming the group: cancel it (session_end makes the backend send P2P_CANCEL). */
                session_end_full(s, -ECANCELED, "the client that started the cast left the bus");
                return 0;
        }
        r = context_stop_session(s->context, s);
        if (r < 0)
                log_warning_errno(r, "session %u: cannot stop it, ignoring: %m", s->id);
        return 0;
}

int session_bus_bind_to_caller(struct bus *b, struct session *s, sd_bus_message *m)
{
        struct bus_cast_owner *o;
        int r;

        if (!sd_bus_message_get_sender(m))
                return -ENXIO;   /* a direct connection: nothing to watch */
        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->bus = b;
        o->session_id = s->id;
        o->next = b->cast_owners;
        b->cast_owners = o;
        r = sd_bus_track_new(b->bus, &o->track, session_bus_on_caller_gone, o);
        if (r >= 0)
                r = sd_bus_track_add_sender(o->track, m);
        if (r < 0) {
                session_bus_cast_owner_free(o);
                return r;
        }
        return 0;
}

const char *session_bus_cast_caller(struct bus *b, struct session *s)
{
        for (struct bus_pending_cast *pc = b->pending_casts; pc; pc = pc->next)
                if (pc->session_id == s->id)
                        return sd_bus_message_get_sender(pc->call);
        return NULL;
}

static void session_bus_pending_cast_free(struct bus *b, struct bus_pending_cast *pc)
{
        for (struct bus_pending_cast **i = &b->pending_casts; *i; i = &(*i)->next)
                if (*i == pc) {
                        *i = pc->next;
                        break;
                }
        sd_bus_message_unref(pc->call);
        free(pc);
}

void session_bus_free_pending_casts(struct bus *b)
{
        while (b->pending_casts) {
                (void) sd_bus_reply_method_errorf(b->pending_casts->call, BUS_ERROR_FAILED,
                                                  "The daemon is shutting down");
                session_bus_pending_cast_free(b, b->pending_casts);
        }
        while (b->cast_owners)
                session_bus_cast_owner_free(b->cast_owners);
}

/* Answer the Cast() waiting for s when its outcome is known. */
static void session_bus_answer_cast(struct bus *b, struct session *s, bool removed)
{
        struct bus_pending_cast *pc;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        for (pc = b->pending_casts; pc; pc = pc->next)
                if (pc->session_id == s->id)
                        break;
        if (!pc)
                return;
        if (s->negotiated)
                r = sd_bus_reply_method_return(pc->call, "o", s->path);
        else if (s->state == SOURCE_SESSION_STATE_ENDED || removed) {
                (void) bus_error_set(&e, s->end_reason < 0 ? s->end_reason : -ECONNRESET, "Cast failed: %s",
                                     s->end_reason_text && *s->end_reason_text ? s->end_reason_text
                                                                               : "session ended");
                r = sd_bus_reply_method_error(pc->call, &e);
                sd_bus_error_free(&e);
        } else
                return;
        if (r < 0)
                log_warning_errno(r, "Failed to answer Cast() for %s, ignoring: %m", s->path);
        session_bus_pending_cast_free(b, pc);
}

static int session_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                               sd_bus_error *error)
{
        struct bus *b = userdata;

        for (struct session *s = b->manager->sessions; s; s = s->next)
                if (strcmp(s->path, path) == 0) {
                        *found = s;
                        return 1;
                }
        return 0;
}

static int session_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error)
{
        struct bus *b = userdata;
        _cleanup_(strv_freep) char **l = calloc(1, sizeof(char *));   /* none: an empty list */
        size_t n = 0;
        int r;

        if (!l)
                return -ENOMEM;
        for (struct session *s = b->manager->sessions; s; s = s->next) {
                r = bus_node_list_add(&l, &n, s->path);
                if (r < 0)
                        return r;
        }
        *nodes = steal_ptr(l);
        return 1;
}

static struct bus *session_bus_of(struct session *s)
{
        return s->manager->hooks.userdata;
}

static int method_stop(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct session *s = userdata;
        int r;

        r = polkit_check(session_bus_of(s)->polkit, m, POLKIT_ACTION_CAST, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        if (s->state == SOURCE_SESSION_STATE_ENDED || s->state == SOURCE_SESSION_STATE_ENDING)
                return bus_error_set(error, -EALREADY, "Session %u is already %s", s->id,
                                     source_session_state_to_string(s->state));
        r = context_stop_session(s->context, s);
        if (r < 0)
                return bus_error_set(error, r, "Cannot stop session %u: %m", s->id);
        return sd_bus_reply_method_return(m, NULL);
}

static int session_bus_simple(sd_bus_message *m, struct session *s, int (*fn)(struct session *s), const char *what,
                              sd_bus_error *error)
{
        int r;

        r = polkit_check(session_bus_of(s)->polkit, m, POLKIT_ACTION_CAST, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = fn(s);
        if (r < 0)
                return bus_error_set(error, r == -ENOTCONN ? -EBUSY : r, "Cannot %s session %u in state %s: %m", what,
                                     s->id, source_session_state_to_string(s->state));
        return sd_bus_reply_method_return(m, NULL);
}

static int method_pause(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return session_bus_simple(m, userdata, session_pause, "pause", error);
}

static int method_resume(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return session_bus_simple(m, userdata, session_resume, "resume", error);
}

static int method_request_idr(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return session_bus_simple(m, userdata, session_request_idr, "request an IDR frame in", error);
}

static int method_enable_input(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct session *s = userdata;
        int r;

        /* Consent to being driven by the display: its own polkit action, stricter than casting. */
        r = polkit_check(session_bus_of(s)->polkit, m, POLKIT_ACTION_INPUT, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = session_set_input(s, true);
        if (r == -ENOTSUP)
                return bus_error_set(error, r, "Session %u: the display offers no input we can take", s->id);
        if (r < 0 && r != -EALREADY)
                return bus_error_set(error, r == -ENOTCONN ? -EBUSY : r, "Cannot enable input in session %u (%s): %m",
                                     s->id, source_session_state_to_string(s->state));
        return sd_bus_reply_method_return(m, NULL);
}

static int method_disable_input(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct session *s = userdata;
        int r;

        /* Withdrawing consent is never harder than casting. */
        r = polkit_check(session_bus_of(s)->polkit, m, POLKIT_ACTION_CAST, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = session_set_input(s, false);
        if (r < 0 && r != -EALREADY)
                return bus_error_set(error, r == -ENOTCONN ? -EBUSY : r, "Cannot disable input in session %u (%s): %m",
                                     s->id, source_session_state_to_string(s->state));
        return sd_bus_reply_method_return(m, NULL);
}

static int method_set_bitrate(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct session *s = userdata;
        uint32_t bps;
        int r;

        r = polkit_check(session_bus_of(s)->polkit, m, POLKIT_ACTION_CAST, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = sd_bus_message_read(m, "u", &bps);
        if (r < 0)
                return r;
        if (bps < SESSION_BUS_MIN_BITRATE || bps > SESSION_BUS_MAX_BITRATE)
                return bus_error_set(error, -EINVAL, "Bit rate %u is outside %u..%u bit/s", bps,
                                     SESSION_BUS_MIN_BITRATE, SESSION_BUS_MAX_BITRATE);
        r = session_set_bitrate(s, bps);
        if (r < 0)
                return bus_error_set(error, r == -ENOTCONN ? -EBUSY : r, "Cannot set the bit rate of session %u in state %s: %m",
                                     s->id, source_session_state_to_string(s->state));
        return sd_bus_reply_method_return(m, NULL);
}

/*
 * AttachAudio(h fd, a{sv} format): the PCM stream of protocol/audio_stream.h
 * (in-band header, so format may stay empty; "stream" = "mca1" names it;
 * "routing" = "tv" or "mirror" says where the user-session component took
 * the sound from, shown as AudioSource).
 * Only the session's owner may attach: sound goes to someone's TV.
 */
static int method_attach_audio(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        struct session *s = userdata;
        const char *routing = NULL;
        uid_t uid;
        int fd, copy, r;

        r = polkit_check(session_bus_of(s)->polkit, m, POLKIT_ACTION_CAST, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return bus_error_set(error, -EPERM, "Cannot tell who is calling: %s", strerror(-r));
        if (uid != s->owner_uid)
                return bus_error_set(error, -EPERM, "Session %u belongs to uid %u; uid %u may not attach its audio",
                                     s->id, (unsigned) s->owner_uid, (unsigned) uid);
        r = sd_bus_message_read(m, "h", &fd);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *value;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                if (strcmp(key, "stream") != 0 && strcmp(key, "routing") != 0)
                        return bus_error_set(error, -EINVAL, "Unknown audio format key \"%s\" (known: stream, routing)",
                                             key);
                r = sd_bus_message_read(m, "v", "s", &value);
                if (r < 0)
                        return bus_error_set(error, -EINVAL, "Audio format \"%s\" must be a string", key);
                if (strcmp(key, "routing") == 0) {
                        if (strcmp(value, "tv") != 0 && strcmp(value, "mirror") != 0)
                                return bus_error_set(error, -EINVAL, "Audio routing \"%s\" is not tv or mirror", value);
                        routing = value;
                } else if (strcmp(value, "mca1") != 0)
                        return bus_error_set(error, -EINVAL, "Audio stream format \"%s\" is not mca1", value);
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        /* the message owns fd: the session gets its own copy */
        copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (copy < 0)
                return bus_error_set(error, -errno, "Cannot take the audio fd: %m");
        snprintf(s->audio_routing, sizeof(s->audio_routing), "%s", routing ?: "");
        r = session_attach_audio(s, copy);
        if (r < 0)
                return bus_error_set(error, r == -ENOTCONN ? -EBUSY : r,
                                     "Cannot attach audio to session %u in state %s: %m", s->id,
                                     source_session_state_to_string(s->state));
        return sd_bus_reply_method_return(m, NULL);
}

static int property_get_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct session *s = userdata;
        return sd_bus_message_append(reply, "s", source_session_state_to_string(s->state));
}

static int property_get_sink(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct session *s = userdata;
        struct sink *sink = session_get_sink(s);

        return sd_bus_message_append(reply, "o", sink ? sink->path : "/");
}

static int property_get_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct session *s = userdata;
        const char *v;

        if (strcmp(property, "Peer") == 0)
                v = s->peer;
        else if (strcmp(property, "VideoCodec") == 0)
                v = s->video_codec;
        else if (strcmp(property, "AudioCodec") == 0)
                v = s->audio_codec;
        else if (strcmp(property, "Encoder") == 0)
                v = s->encoder;
        else
                v = s->end_reason_text;
        return sd_bus_message_append(reply, "s", v ?: "");
}

/*
 * AudioSource: where the track's sound comes from. An attached fd: the
 * user-session component's routing ("tv", "mirror"), or "fd" when it named
 * none; else the daemon's audio-source ("pipewire" shows as "kiosk", "beep"
 * as "tone"); "none" without an audio track.
 */
static const char *session_bus_audio_source(struct session *s)
{
        const char *src = s->manager->config->audio_source;

        if (!s->audio_codec || !s->audio_codec[0])
                return "none";
        if (s->audio_attached)
                return s->audio_routing[0] ? s->audio_routing : "fd";
        if (src && strcmp(src, "pipewire") == 0)
                return "kiosk";
        if (src && (strcmp(src, "tone") == 0 || strcmp(src, "beep") == 0))
                return "tone";
        return "silence";
}

static int property_get_audio(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct session *s = userdata;
        struct session_statistics st = {};
        const char *v;

        if (strcmp(property, "AudioSource") == 0)
                v = session_bus_audio_source(s);
        else if (!s->audio_codec || !s->audio_codec[0])
                v = "none";
        else {
                /* The track's state now (the change signal follows the media's events); why it is silent is
                 * in Statistics "audio-silence-reason". Before the pipeline runs there is no sound either. */
                int r = session_get_statistics(s, &st);
                v = r >= 0 && st.audio_input[0] && !st.audio_silence_reason[0] ? "playing" : "silent";
        }
        return sd_bus_message_append(reply, "s", v);
}

static int property_get_video_source(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "s", session_video_source_name(userdata));
}

static int property_get_bool(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct session *s = userdata;
        bool v = strcmp(property, "MonitorConnected") == 0 ? s->info.monitor_connected
                 : strcmp(property, "InputEnabled") == 0   ? s->input_allowed
                 : strcmp(property, "InputActive") == 0    ? s->input_active
                                                            : s->info.reduced_mode_list_due_to_bandwidth;
        return sd_bus_message_append(reply, "b", (int) v);
}

static int property_get_sink_parameters(sd_bus *bus, const char *path, const char *interface, const char *property,
                                        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct session *s = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "{ss}");
        if (r < 0)
                return r;
        for (char **p = s->sink_parameters; p && p[0] && p[1]; p += 2) {
                r = sd_bus_message_append(reply, "{ss}", p[0], p[1]);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

#define SV5 "{sv}{sv}{sv}{sv}{sv}"

static int property_get_statistics(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct session *s = userdata;
        struct session_statistics st = {};
        int r;

        (void) session_get_statistics(s, &st);
        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        /* 29 entries every session has */
        r = sd_bus_message_append(reply, SV5 SV5 SV5 SV5 SV5 "{sv}{sv}{sv}{sv}",
                                     "frames", "t", st.frames,
                                     "drops", "t", st.drops,
                                     "bytes", "t", st.bytes,
                                     "latency-p50-usec", "t", st.latency_p50_usec,
                                     "latency-p99-usec", "t", st.latency_p99_usec,
                                     "uptime-usec", "t", st.uptime_usec,
                                     "link-rate-bps", "t", s->link_rate_bps,
                                     "audio-input", "s", st.audio_input,
                                     "audio-level-dbfs", "d", st.audio_level_dbfs,
                                     "audio-underruns", "t", st.audio_underruns,
                                     "audio-dropped", "t", st.audio_dropped,
                                     "audio-silence-reason", "s", st.audio_silence_reason,
                                     "bitrate-bps", "t", st.bitrate_bps,
                                     "rtcp-reports", "t", st.rtcp_reports,
                                     "loss-percent", "d", st.loss_percent,
                                     "packets-lost", "x", st.packets_lost,
                                     "jitter-usec", "t", st.jitter_usec,
                                     "rtt-usec", "t", st.rtt_usec,
                                     "nack-items", "t", st.nack_items,
                                     "retransmitted", "t", st.rtx_sent,
                                     "retransmit-missing", "t", st.rtx_missing,
                                     "send-queue-bytes", "t", st.send_queue_bytes,
                                     "abr-lowered", "t", st.abr_lowered,
                                     "abr-raised", "t", st.abr_raised,
                                     "rtcp", "b", st.rtcp,
                                     "encoder-group", "u", st.encoder_group,
                                     "encoder-shared-with", "u", st.encoder_shared_with,
                                     "frames-shared", "t", st.frames_shared,
                                     "latency-mode", "s", latency_mode_to_string(s->latency) ?: "balanced");
        if (r < 0)
                return r;
        /* the software encoder's rate control; absent where the encoder keeps the rate itself */
        if (st.rate_control) {
                r = sd_bus_message_append(reply, SV5,
                                          "qp", "u", st.qp,
                                          "qp-average", "d", st.qp_average,
                                          "frames-rate-skipped", "t", st.frames_rate_skipped,
                                          "qp-range-switches", "t", st.qp_range_switches,
                                          "vbv-buffer-ms", "x", st.vbv_buffer_ms);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static const sd_bus_vtable session_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("Stop", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_stop, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Pause", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_pause, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Resume", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_resume,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RequestIdr", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_request_idr,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("EnableInput", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_enable_input,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("DisableInput", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_disable_input,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetBitrate", SD_BUS_ARGS("u", bitrate), SD_BUS_NO_RESULT, method_set_bitrate,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("AttachAudio", SD_BUS_ARGS("h", fd, "a{sv}", format), SD_BUS_NO_RESULT,
                                method_attach_audio, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_PROPERTY("State", "s", property_get_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Sink", "o", property_get_sink, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Peer", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Width", "u", NULL, offsetof(struct session, width), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Height", "u", NULL, offsetof(struct session, height), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("RefreshRate", "u", NULL, offsetof(struct session, refresh_rate),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("VideoCodec", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Encoder", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Bitrate", "u", NULL, offsetof(struct session, bitrate_bps),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("AudioCodec", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("AudioSource", "s", property_get_audio, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("AudioState", "s", property_get_audio, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MonitorConnected", "b", property_get_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("InputEnabled", "b", property_get_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("InputActive", "b", property_get_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ReducedModeListDueToBandwidth", "b", property_get_bool, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SinkParameters", "a{ss}", property_get_sink_parameters, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        /* Changes all the time: read it, no signal. */
        SD_BUS_PROPERTY("Statistics", "a{sv}", property_get_statistics, 0, 0),
        SD_BUS_PROPERTY("EndReason", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("VideoSource", "s", property_get_video_source, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_VTABLE_END
};

int session_bus_register(struct bus *b)
{
        int r;

        r = sd_bus_add_fallback_vtable(b->bus, NULL, BUS_SESSION_PREFIX, BUS_SESSION_IFACE, session_vtable,
                                       session_object_find, b);
        if (r < 0)
                return r;
        return sd_bus_add_node_enumerator(b->bus, NULL, BUS_SESSION_PREFIX, session_node_enumerator, b);
}

static void session_bus_on_changed(void *object, unsigned change, void *userdata)
{
        struct session *s = object;
        struct bus *b = userdata;
        int r;

        switch (change) {
        case SESSION_CHANGED_STATE:
                r = sd_bus_emit_properties_changed(b->bus, s->path, BUS_SESSION_IFACE, "State", "EndReason", "Sink",
                                                   NULL);
                break;
        case SESSION_CHANGED_FORMAT:
                r = sd_bus_emit_properties_changed(b->bus, s->path, BUS_SESSION_IFACE, "Peer", "Width", "Height",
                                                   "RefreshRate", "VideoCodec", "Encoder", "Bitrate", "AudioCodec",
                                                   "AudioSource", "AudioState", "MonitorConnected", "ReducedModeListDueToBandwidth",
                                                   "SinkParameters", NULL);
                break;
        case SESSION_CHANGED_INPUT:
                r = sd_bus_emit_properties_changed(b->bus, s->path, BUS_SESSION_IFACE, "InputEnabled", "InputActive",
                                                   NULL);
                break;
        case SESSION_CHANGED_AUDIO:
                r = sd_bus_emit_properties_changed(b->bus, s->path, BUS_SESSION_IFACE, "AudioSource", "AudioState",
                                                   NULL);
                break;
        case SESSION_CHANGED_REMOVED:
                r = sd_bus_emit_interfaces_removed(b->bus, s->path, BUS_SESSION_IFACE, NULL);
                break;
        default:
                return;
        }
        if (r < 0)
                log_warning_errno(r, "Failed to emit a signal for %s, ignoring: %m", s->path);
        if (change == SESSION_CHANGED_REMOVED || s->state == SOURCE_SESSION_STATE_ENDED)
                session_bus_unbind(b, s->id);
        session_bus_answer_cast(b, s, change == SESSION_CHANGED_REMOVED);
}

void session_bus_added(struct bus *b, struct session *s)
{
        int r;

        r = observers_add(&s->observers, session_bus_on_changed, b, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to follow %s, its D-Bus properties will not change: %m", s->path);
        r = sd_bus_emit_interfaces_added(b->bus, s->path, BUS_SESSION_IFACE, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to emit InterfacesAdded for %s, ignoring: %m", s->path);
}
