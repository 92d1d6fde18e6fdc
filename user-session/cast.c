/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One cast of the user-session component (cast.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../daemon/log.h"
#include "../dbus/bus_names.h"
#include "../protocol/macro.h"
#include "audio.h"
#include "cast.h"
#include "screencast.h"
#include "user.h"

#define CAST_TIMEOUT_USEC (120ULL * 1000000ULL)   /* Sink1.Cast: Wi-Fi Direct group formation and the M1-M7 exchange */

#define log_cast(level, c, error, fmt, ...) \
        log_full_errno(level, error, "cast %u (%s): " fmt, (c)->id, (c)->session_path ?: (c)->sink_path, ##__VA_ARGS__)

static const char *const cast_video_table[_CAST_VIDEO_MAX] = {
        [CAST_VIDEO_MONITOR] = "monitor",
        [CAST_VIDEO_WINDOW] = "window",
        [CAST_VIDEO_EXTEND] = "extend",
        [CAST_VIDEO_DAEMON] = "daemon",
};

static const char *const cast_audio_table[_CAST_AUDIO_MAX] = {
        [CAST_AUDIO_TV] = "tv",
        [CAST_AUDIO_MIRROR] = "mirror",
        [CAST_AUDIO_NONE] = "none",
};

const char *cast_video_to_string(enum cast_video v)
{
        return v >= 0 && v < _CAST_VIDEO_MAX ? cast_video_table[v] : NULL;
}

enum cast_video cast_video_from_string(const char *s)
{
        for (int i = 0; i < _CAST_VIDEO_MAX; i++)
                if (s && strcmp(s, cast_video_table[i]) == 0)
                        return i;
        return _CAST_VIDEO_INVALID;
}

const char *cast_audio_to_string(enum cast_audio a)
{
        return a >= 0 && a < _CAST_AUDIO_MAX ? cast_audio_table[a] : NULL;
}

enum cast_audio cast_audio_from_string(const char *s)
{
        for (int i = 0; i < _CAST_AUDIO_MAX; i++)
                if (s && strcmp(s, cast_audio_table[i]) == 0)
                        return i;
        return _CAST_AUDIO_INVALID;
}

/* Our own failures as org.miracastd.Error.* (the daemon's errors pass through as they are). */
static int cast_error_set(sd_bus_error *error, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int cast_error_set(sd_bus_error *error, int r, const char *fmt, ...)
{
        const char *name = r == -ECANCELED    ? BUS_ERROR_CANCELLED
                           : r == -EOPNOTSUPP ? BUS_ERROR_NOT_SUPPORTED
                           : r == -EINVAL     ? BUS_ERROR_INVALID_ARGUMENTS
                           : r == -ENOENT     ? BUS_ERROR_NOT_FOUND
                           : r == -EBUSY      ? BUS_ERROR_BUSY
                                              : BUS_ERROR_FAILED;
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        (void) sd_bus_error_set(error, name, msg);
        return r < 0 ? r : -EIO;
}

/* Answers the pending User1.Cast call with an error (once). */
static void cast_fail_call(struct cast *c, const sd_bus_error *e)
{
        if (!c->call)
                return;
        (void) sd_bus_reply_method_error(c->call, e);
        c->call = sd_bus_message_unref(c->call);
}

static int cast_on_end_defer(sd_event_source *s, void *userdata)
{
        struct cast *c = userdata;

        log_cast(LOG_INFO, c, 0, "ended: %s", c->end_reason ?: "?");
        cast_free(c);
        return 0;
}

void cast_end(struct cast *c, const char *reason)
{
        int r;

        if (c->end_defer)
                return;
        if (!c->end_reason)
                c->end_reason = strdup(reason);
        r = sd_event_add_defer(c->user->event, &c->end_defer, cast_on_end_defer, c);
        if (r < 0) {
                /* Cannot defer: the cast stays until the next event ends it, or the process does. */
                log_cast(LOG_ERR, c, r, "cannot schedule its end: %m");
                return;
        }
}

/* ---- the daemon's session ------------------------------------------------ */

static void cast_start_audio(struct cast *c);

static int cast_on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct cast *c = userdata;
        const char *iface, *state = NULL, *reason = NULL, *codec = NULL;
        int r;

        r = sd_bus_message_read(m, "s", &iface);
        if (r < 0 || strcmp(iface, BUS_SESSION_IFACE) != 0)
                return 0;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return 0;
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                const char *key;

                if (sd_bus_message_read(m, "s", &key) < 0)
                        return 0;
                if (strcmp(key, "State") == 0)
                        r = sd_bus_message_read(m, "v", "s", &state);
                else if (strcmp(key, "EndReason") == 0)
                        r = sd_bus_message_read(m, "v", "s", &reason);
                else if (strcmp(key, "AudioCodec") == 0)
                        r = sd_bus_message_read(m, "v", "s", &codec);
                else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0 || sd_bus_message_exit_container(m) < 0)
                        return 0;
        }
        /* A new audio format (the sink renegotiated) gets a new pipeline, which drops the attached fd:
         * capture again at the new rate and attach. */
        if (codec && c->audio_codec && strcmp(codec, c->audio_codec) != 0 && !c->end_defer &&
            (!state || strcmp(state, "ended") != 0)) {
                log_cast(LOG_INFO, c, 0, "the audio format changed (%s -> %s): attaching the sound again",
                         c->audio_codec[0] ? c->audio_codec : "none", codec[0] ? codec : "none");
                c->attach_slot = sd_bus_slot_unref(c->attach_slot);
                c->sound = audio_free(c->sound);
                cast_start_audio(c);
        }
        if (state && strcmp(state, "ended") == 0) {
                char buf[300];

                snprintf(buf, sizeof(buf), "the daemon ended the session%s%s", reason && reason[0] ? ": " : "",
                         reason ?: "");
                c->session_over = true;
                cast_end(c, buf);
        }
        return 0;
}

static int cast_on_interfaces_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct cast *c = userdata;
        const char *path;

        if (sd_bus_message_read(m, "o", &path) >= 0 && c->session_path && strcmp(path, c->session_path) == 0) {
                c->session_over = true;
                cast_end(c, "the daemon removed the session");
        }
        return 0;
}

static int cast_on_attach_audio_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct cast *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        c->attach_slot = sd_bus_slot_unref(c->attach_slot);
        if (!e) {
                log_cast(LOG_INFO, c, 0, "sound attached (routing %s)", cast_audio_to_string(c->audio));
                return 0;
        }
        log_cast(LOG_WARNING, c, 0, "the daemon refused the sound (%s: %s); the cast goes on without it",
                 e->name, e->message ?: "");
        c->sound = audio_free(c->sound);
        return 0;
}

static void cast_on_audio_failed(struct audio *a, int error, const char *reason, void *userdata)
{
        struct cast *c = userdata;

        /* The daemon fills silence and says why on D-Bus; we give the output back to the speakers. */
        log_cast(LOG_WARNING, c, error, "sound stopped: %s", reason);
        c->sound = audio_free(c->sound);
}

/*
 * Capture the person's sound at the session's rate and attach it. The cast
 * goes on without sound when any of this fails (the daemon plays silence and
 * says why): a cast with picture and no sound beats no cast.
 */
static void cast_start_audio(struct cast *c)
{
        struct user *u = c->user;
        _cleanup_free_ char *codec = NULL, *name = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_close_ int ours = -1, theirs = -1;
        unsigned rate = 0, channels = 0;
        int fds[2], r;

        if (c->audio == CAST_AUDIO_NONE)
                return;
        r = sd_bus_get_property_string(u->system_bus, BUS_NAME, c->session_path, BUS_SESSION_IFACE, "AudioCodec", NULL,
                                       &codec);
        if (r < 0) {
                log_cast(LOG_WARNING, c, r, "cannot read the session's audio codec, no sound: %m");
                return;
        }
        free(c->audio_codec);
        c->audio_codec = strdup(codec);
        if (!codec[0]) {
                log_cast(LOG_INFO, c, 0, "the sink takes no audio: nothing to capture");
                return;
        }
        if (sscanf(codec, "%*s %u/%u", &rate, &channels) != 2 || rate == 0 || channels == 0) {
                log_cast(LOG_WARNING, c, 0, "unexpected audio codec \"%s\", no sound", codec);
                return;
        }
        r = sd_bus_get_property_string(u->system_bus, BUS_NAME, c->sink_path, BUS_SINK_IFACE, "Name", NULL, &name);
        if (r < 0)
                log_cast(LOG_DEBUG, c, r, "cannot read the sink's name: %m");

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) {
                log_cast(LOG_WARNING, c, -errno, "socketpair: %m; no sound");
                return;
        }
        ours = fds[0];
        theirs = fds[1];
        struct audio_config cfg = {
                .routing = c->audio == CAST_AUDIO_MIRROR ? AUDIO_ROUTING_MIRROR : AUDIO_ROUTING_TV,
                .tv_name = name && name[0] ? name : NULL,
                .id = c->id,
                .rate_hz = rate,
                .channels = channels,
                .state_dir = u->state_dir,
        };
        r = audio_start(u->event, &cfg, steal_fd(ours), cast_on_audio_failed, c, &c->sound);
        if (r < 0) {
                log_cast(LOG_WARNING, c, r, "cannot capture sound from PipeWire (%m); the TV gets silence");
                return;
        }
        r = sd_bus_message_new_method_call(u->system_bus, &call, BUS_NAME, c->session_path, BUS_SESSION_IFACE,
                                           "AttachAudio");
        if (r >= 0)
                r = sd_bus_message_append(call, "ha{sv}", theirs, 2, "stream", "s", "mca1", "routing", "s",
                                          cast_audio_to_string(c->audio));
        if (r >= 0)
                r = sd_bus_call_async(u->system_bus, &c->attach_slot, call, cast_on_attach_audio_reply, c, 0);
        if (r < 0) {
                log_cast(LOG_WARNING, c, r, "cannot call AttachAudio: %m; no sound");
                c->sound = audio_free(c->sound);
        }
        /* the message holds its own copy of theirs; ours went to audio_start(), theirs closes here */
}

static int cast_on_sink_cast_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct cast *c = userdata;
        struct user *u = c->user;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        const char *path;
        int r;

        c->sink_cast_slot = sd_bus_slot_unref(c->sink_cast_slot);
        if (e) {
                /* The daemon's org.miracastd.Error.* goes to our caller unchanged. */
                log_cast(LOG_INFO, c, 0, "Sink1.Cast failed: %s: %s", e->name, e->message ?: "");
                cast_fail_call(c, e);
                cast_end(c, "the daemon refused the cast");
                return 0;
        }
        r = sd_bus_message_read(m, "o", &path);
        if (r >= 0) {
                c->session_path = strdup(path);
                if (!c->session_path)
                        r = -ENOMEM;
        }
        if (r >= 0)
                r = sd_bus_match_signal_async(u->system_bus, &c->props_match, BUS_NAME, c->session_path,
                                              "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                              cast_on_properties_changed, NULL, c);
        if (r >= 0)
                r = sd_bus_match_signal_async(u->system_bus, &c->removed_match, BUS_NAME, BUS_ROOT_PATH,
                                              "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
                                              cast_on_interfaces_removed, NULL, c);
        if (r < 0) {
                _cleanup_(sd_bus_error_free) sd_bus_error err = SD_BUS_ERROR_NULL;

                (void) cast_error_set(&err, r, "Cannot follow the daemon's session: %s", strerror(-r));
                cast_fail_call(c, &err);
                cast_end(c, "cannot follow the daemon's session");
                return 0;
        }
        log_cast(LOG_INFO, c, 0, "casting to %s (video %s, audio %s)", c->sink_path, cast_video_to_string(c->video),
                 cast_audio_to_string(c->audio));
        if (c->call) {
                (void) sd_bus_reply_method_return(c->call, "o", c->session_path);
                c->call = sd_bus_message_unref(c->call);
        }
        user_casts_changed(u);
        cast_start_audio(c);
        return 0;
}

/* Close the options and send Sink1.Cast. */
static int cast_send(struct cast *c)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = steal_ptr(c->sink_cast);
        int r;

        r = sd_bus_message_close_container(call);
        if (r < 0)
                return r;
        return sd_bus_call_async(c->user->system_bus, &c->sink_cast_slot, call, cast_on_sink_cast_reply, c,
                                 CAST_TIMEOUT_USEC);
}

/* ---- the screen -------------------------------------------------------------- */

static void cast_on_screencast_ready(struct screencast *sc, int error, int pipewire_fd, uint32_t node, void *userdata)
{
        _cleanup_close_ int fd = pipewire_fd;
        _cleanup_(sd_bus_error_free) sd_bus_error err = SD_BUS_ERROR_NULL;
        struct cast *c = userdata;
        int r = error;

        if (r >= 0)
                r = sd_bus_message_append(c->sink_cast, "{sv}", "pipewire-fd", "h", fd);
        if (r >= 0)
                r = sd_bus_message_append(c->sink_cast, "{sv}", "pipewire-node", "u", node);
        if (r >= 0)
                r = sd_bus_message_append(c->sink_cast, "{sv}", "video-source", "s", cast_video_to_string(c->video));
        if (r >= 0)
                r = cast_send(c);
        if (r >= 0)
                return;
        if (error == -ECANCELED)
                (void) cast_error_set(&err, error, "The screen share was cancelled");
        else if (error == -EOPNOTSUPP)
                (void) cast_error_set(&err, error, "This desktop cannot share the screen as \"%s\" "
                                                   "(no ScreenCast portal%s)", cast_video_to_string(c->video),
                                      c->video == CAST_VIDEO_EXTEND ? ", or no virtual source" : "");
        else
                (void) cast_error_set(&err, r, "Screen share failed: %s", strerror(-r));
        cast_fail_call(c, &err);
        cast_end(c, "no screen to share");
}

/* How long the daemon gets to see the stream end by itself after the portal ended the share: its
 * capture then ends the session with what PipeWire said (Session1.EndReason), where our Session1.Stop
 * could only say that the sink was told to stop. */
#define CAST_SHARE_GRACE_USEC (3ULL * 1000000ULL)

static int cast_on_share_grace(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct cast *c = userdata;

        log_cast(LOG_INFO, c, 0, "the daemon did not end the session after the share ended: stopping it");
        cast_end(c, c->end_reason ?: "the screen share ended");
        return 0;
}

static void cast_on_screencast_closed(struct screencast *sc, const char *reason, void *userdata)
{
        struct cast *c = userdata;
        char buf[300];
        int r;

        snprintf(buf, sizeof(buf), "the screen share ended: %s", reason ?: "?");
        if (!c->session_path || c->session_over || c->share_grace) {
                cast_end(c, buf);
                return;
        }
        /* Kept as the cast's reason whoever ends the session first. */
        if (!c->end_reason)
                c->end_reason = strdup(buf);
        log_cast(LOG_INFO, c, 0, "%s; the daemon's capture sees the stream end too", buf);
        r = sd_event_add_time_relative(c->user->event, &c->share_grace, CLOCK_MONOTONIC, CAST_SHARE_GRACE_USEC, 0,
                                       cast_on_share_grace, c);
        if (r < 0)
                cast_end(c, buf);
}

/* ---- User1.Cast / User1.Stop ---------------------------------------------- */

/* Options passed to Sink1.Cast unchanged (the daemon checks them). */
static bool cast_option_passes_through(const char *key)
{
        static const char *const keys[] = { "method", "pin", "go-intent", "max-resolution", "input", "latency",
                                            "protocol" };

        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                if (strcmp(key, keys[i]) == 0)
                        return true;
        return false;
}

static int cast_read_options(struct cast *c, sd_bus_message *m, sd_bus_error *error)
{
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *contents, *v;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                if (strcmp(key, "max-resolution") == 0 && sd_bus_message_peek_type(m, NULL, &contents) >= 0 &&
                    strcmp(contents, "s") == 0) {
                        /* Passed through too; remembered as the size of an output made for extend. */
                        r = sd_bus_message_read(m, "v", "s", &v);
                        if (r >= 0 && sscanf(v, "%ux%u", &c->max_width, &c->max_height) != 2)
                                c->max_width = c->max_height = 0;
                        if (r >= 0)
                                r = sd_bus_message_append(c->sink_cast, "{sv}", key, "s", v);
                        if (r < 0)
                                return r;
                } else if (cast_option_passes_through(key)) {
                        r = sd_bus_message_open_container(c->sink_cast, 'e', "sv");
                        if (r >= 0)
                                r = sd_bus_message_append(c->sink_cast, "s", key);
                        if (r >= 0)
                                r = sd_bus_message_copy(c->sink_cast, m, false);
                        if (r >= 0)
                                r = sd_bus_message_close_container(c->sink_cast);
                        if (r < 0)
                                return r;
                } else if (strcmp(key, "video") == 0 || strcmp(key, "audio") == 0) {
                        r = sd_bus_message_peek_type(m, NULL, &contents);
                        if (r < 0)
                                return r;
                        if (strcmp(contents, "s") != 0)
                                return cast_error_set(error, -EINVAL, "Option %s must be a string", key);
                        r = sd_bus_message_read(m, "v", "s", &v);
                        if (r < 0)
                                return r;
                        if (strcmp(key, "video") == 0) {
                                c->video = cast_video_from_string(v);
                                if (c->video < 0)
                                        return cast_error_set(error, -EINVAL, "Option video must be monitor, window, "
                                                                              "extend or daemon, not \"%s\"", v);
                        } else {
                                c->audio = cast_audio_from_string(v);
                                if (c->audio < 0)
                                        return cast_error_set(error, -EINVAL,
                                                              "Option audio must be tv, mirror or none, not \"%s\"", v);
                        }
                } else
                        return cast_error_set(error, -EINVAL, "Unknown option \"%s\" (known: video, audio, method, pin, "
                                                              "go-intent, max-resolution, input, latency)", key);
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

int cast_new(struct user *u, sd_bus_message *call, sd_bus_error *error)
{
        _cleanup_(cast_freep) struct cast *c = NULL;
        const char *sink;
        int r;

        r = sd_bus_message_read(call, "o", &sink);
        if (r < 0)
                return r;
        if (strncmp(sink, BUS_SINK_PREFIX "/", strlen(BUS_SINK_PREFIX "/")) != 0)
                return cast_error_set(error, -EINVAL, "%s is not a sink of miracastd (%s/...)", sink, BUS_SINK_PREFIX);

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->user = u;
        c->id = ++u->next_cast_id;
        c->video = CAST_VIDEO_MONITOR;
        c->audio = CAST_AUDIO_TV;
        c->sink_path = strdup(sink);
        if (!c->sink_path)
                return -ENOMEM;
        r = sd_bus_message_new_method_call(u->system_bus, &c->sink_cast, BUS_NAME, sink, BUS_SINK_IFACE, "Cast");
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(c->sink_cast, 'a', "{sv}");
        if (r < 0)
                return r;
        r = cast_read_options(c, call, error);
        if (r < 0)
                return r;
        /* The cast lives as long as our system-bus connection: if we die, the daemon ends it. */
        r = sd_bus_message_append(c->sink_cast, "{sv}", "persistent", "b", 0);
        if (r < 0)
                return r;
        if (c->audio == CAST_AUDIO_NONE) {
                /* Ask for no audio at all where the sink allows it. */
                r = sd_bus_message_append(c->sink_cast, "{sv}", "audio", "s", "none");
                if (r < 0)
                        return r;
        }
        c->next = u->casts;
        u->casts = c;
        user_casts_changed(u);

        if (c->video == CAST_VIDEO_DAEMON)
                r = cast_send(c);
        else {
                const char *key = strrchr(c->sink_path, '/') + 1;
                struct screencast_request req = { .kind = cast_video_to_string(c->video), .restore_key = key,
                                                  .width = c->max_width, .height = c->max_height,
                                                  .state_dir = u->state_dir };

                r = screencast_start(u->bus, &req, cast_on_screencast_ready, cast_on_screencast_closed, c,
                                     &c->screencast);
                if (r == -EOPNOTSUPP)
                        return cast_error_set(error, r, "This desktop cannot share the screen as \"%s\" (no ScreenCast "
                                                        "portal); \"video\" \"daemon\" casts the daemon's own capture",
                                              cast_video_to_string(c->video));
        }
        if (r < 0)
                return cast_error_set(error, r, "Cannot start the cast: %s", strerror(-r));
        /* answered from cast_on_sink_cast_reply() (or the screencast callback's error) */
        c->call = sd_bus_message_ref(call);
        steal_ptr(c);
        return 1;
}

static int cast_on_stop_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct cast *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        c->stop_slot = sd_bus_slot_unref(c->stop_slot);
        /* A session that ended meanwhile is as stopped as it gets. */
        if (e && !sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_OBJECT) &&
            !sd_bus_error_has_name(e, BUS_ERROR_NOT_FOUND) && c->stop_call) {
                (void) sd_bus_reply_method_error(c->stop_call, e);
                c->stop_call = sd_bus_message_unref(c->stop_call);
        }
        cast_end(c, "stopped (User1.Stop)");
        return 0;
}

int cast_stop(struct cast *c, sd_bus_message *call, sd_bus_error *error)
{
        int r;

        if (c->stop_call || c->end_defer)
                return cast_error_set(error, -EBUSY, "Cast %s is already stopping", c->session_path);
        r = sd_bus_call_method_async(c->user->system_bus, &c->stop_slot, BUS_NAME, c->session_path, BUS_SESSION_IFACE,
                                     "Stop", cast_on_stop_reply, c, NULL);
        if (r < 0)
                return cast_error_set(error, r, "Cannot stop %s: %s", c->session_path, strerror(-r));
        c->stop_call = sd_bus_message_ref(call);
        return 1;
}

struct cast *cast_free(struct cast *c)
{
        if (!c)
                return NULL;
        for (struct cast **i = &c->user->casts; *i; i = &(*i)->next)
                if (*i == c) {
                        *i = c->next;
                        break;
                }
        if (c->call) {
                _cleanup_(sd_bus_error_free) sd_bus_error err = SD_BUS_ERROR_NULL;

                (void) cast_error_set(&err, -EIO, "The cast ended before it started: %s", c->end_reason ?: "?");
                cast_fail_call(c, &err);
        }
        if (c->stop_call) {
                (void) sd_bus_reply_method_return(c->stop_call, NULL);
                c->stop_call = sd_bus_message_unref(c->stop_call);
        }
        /* Sound first: the person's default output comes back at once. */
        c->sound = audio_free(c->sound);
        c->screencast = screencast_free(c->screencast);
        /* A session still running (the portal ended the share, or we are exiting) stops with the cast. */
        if (c->session_path && !c->session_over && !c->stop_slot)
                (void) sd_bus_call_method_async(c->user->system_bus, NULL, BUS_NAME, c->session_path,
                                                BUS_SESSION_IFACE, "Stop", NULL, NULL, NULL);
        c->end_defer = sd_event_source_disable_unref(c->end_defer);
        c->share_grace = sd_event_source_disable_unref(c->share_grace);
        c->sink_cast_slot = sd_bus_slot_unref(c->sink_cast_slot);
        c->stop_slot = sd_bus_slot_unref(c->stop_slot);
        c->attach_slot = sd_bus_slot_unref(c->attach_slot);
        c->props_match = sd_bus_slot_unref(c->props_match);
        c->removed_match = sd_bus_slot_unref(c->removed_match);
        c->sink_cast = sd_bus_message_unref(c->sink_cast);
        user_casts_changed(c->user);
        free(c->sink_path);
        free(c->session_path);
        free(c->audio_codec);
        free(c->end_reason);
        free(c);
        return NULL;
}
