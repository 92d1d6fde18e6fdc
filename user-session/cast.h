/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One cast started through User1.Cast: the screen share (portal, or the
 * daemon's own capture), the daemon's Sink1.Cast call and Session1 object,
 * and the sound (audio.h) attached to it.
 *
 * Life: cast_new() parses the call and starts; the User1.Cast call is
 * answered once the daemon answered Sink1.Cast (its error passed through).
 * The cast ends when the daemon's session ends (State "ended", the object
 * removed, the daemon gone), on cast_stop(), or when the portal ends the
 * share; ending frees it from a defer source and restores audio routing.
 */
#pragma once

#include <stdbool.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "../protocol/macro.h"

struct user;
struct screencast;
struct audio;

enum cast_video {
        CAST_VIDEO_MONITOR,
        CAST_VIDEO_WINDOW,
        CAST_VIDEO_EXTEND,
        CAST_VIDEO_DAEMON,
        _CAST_VIDEO_MAX,
        _CAST_VIDEO_INVALID = -1,
};

enum cast_audio {
        CAST_AUDIO_TV,
        CAST_AUDIO_MIRROR,
        CAST_AUDIO_NONE,
        _CAST_AUDIO_MAX,
        _CAST_AUDIO_INVALID = -1,
};

struct cast {
        struct cast *next;
        struct user *user;            /* not owned */
        unsigned id;
        enum cast_video video;
        enum cast_audio audio;
        char *sink_path;              /* owned: the daemon's Sink1 */
        char *session_path;           /* owned: the daemon's Session1, once Sink1.Cast answered */
        char *audio_codec;            /* owned: the session's AudioCodec when the sound was attached */
        sd_bus_message *call;         /* reference: the User1.Cast call, until answered */
        sd_bus_message *stop_call;    /* reference: a User1.Stop call, until the daemon answered */
        sd_bus_message *sink_cast;    /* owned: Sink1.Cast being built, its options container open */
        sd_bus_slot *sink_cast_slot;  /* owned: Sink1.Cast in flight */
        sd_bus_slot *stop_slot;       /* owned: Session1.Stop in flight */
        sd_bus_slot *attach_slot;     /* owned: Session1.AttachAudio in flight */
        sd_bus_slot *props_match;     /* owned: PropertiesChanged of our Session1 */
        sd_bus_slot *removed_match;   /* owned: InterfacesRemoved on the daemon's ObjectManager */
        struct screencast *screencast; /* owned */
        struct audio *sound;          /* owned */
        sd_event_source *end_defer;   /* owned: frees the cast outside the callback that ended it */
        sd_event_source *share_grace; /* owned: the portal ended the share; Session1.Stop if the daemon has not seen it */
        char *end_reason;             /* owned */
        bool session_over;            /* the daemon ended the session itself: nothing to stop */
        unsigned max_width, max_height; /* option max-resolution (0: none): the size of an output made for extend */
};

const char *cast_video_to_string(enum cast_video v);
enum cast_video cast_video_from_string(const char *s);
const char *cast_audio_to_string(enum cast_audio a);
enum cast_audio cast_audio_from_string(const char *s);

/* Handles User1.Cast(o sink, a{sv} options): returns 1 (answered later) or a negative errno with *error set. */
int cast_new(struct user *u, sd_bus_message *call, sd_bus_error *error);
/* Handles User1.Stop for this cast: Session1.Stop, then the answer and the end. */
int cast_stop(struct cast *c, sd_bus_message *call, sd_bus_error *error);
/* Ends the cast soon (reason logged); safe from any callback of the cast. */
void cast_end(struct cast *c, const char *reason);
/* Unlinks from the user, stops audio (routing restored), closes the portal session; NULL ok. */
struct cast *cast_free(struct cast *c);
DEFINE_CLEANUP(struct cast *, cast_free)
