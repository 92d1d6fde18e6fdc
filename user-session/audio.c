/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * user-session/audio.h: a cast's sound. The capture itself is
 * encoder/audio_pipewire.c (shared with the daemon's kiosk mode); this file
 * adds the routing: the "Miracast: <TV>" output and the default-output
 * switch through the session manager's "default" metadata, which WirePlumber
 * follows (default.configured.audio.sink is the person's choice, it derives
 * default.audio.sink from it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* pipewire.h first: metadata.h uses its types */
#include <pipewire/pipewire.h>
#include <pipewire/extensions/metadata.h>

#include "../daemon/log.h"
#include "../encoder/audio_pipewire.h"
#include "audio.h"

#define AUDIO_DEFAULT_KEY       "default.configured.audio.sink"
#define AUDIO_STATE_FILE        "audio-default"
#define AUDIO_ROUNDTRIP_SEC     3

/* A connection to the person's PipeWire for the routing: the registry, the "default" metadata. */
struct route_conn {
        struct pw_thread_loop *loop;   /* owned */
        struct pw_context *context;    /* owned */
        struct pw_core *core;          /* owned */
        struct spa_hook core_listener;
        struct pw_registry *registry;  /* owned */
        struct spa_hook registry_listener;
        struct pw_metadata *metadata;  /* owned: bound "default" metadata; NULL without a session manager */
        struct spa_hook metadata_listener;
        char configured[256];          /* AUDIO_DEFAULT_KEY's JSON value now; "" when unset */
        int sync_seq;
        bool synced;
        bool broken;                   /* PipeWire went away */
};

struct audio {
        sd_event_source *failed_io;    /* owned: the capture's event fd */
        struct audio_pipewire *capture; /* owned */
        struct route_conn *route;      /* owned: tv routing only */
        struct pw_proxy *tv_node;      /* owned: the "Miracast: <TV>" null sink (goes with our connection) */
        char node_name[64];
        char previous[256];            /* AUDIO_DEFAULT_KEY before we changed it; "" unset */
        char state_path[4096];
        audio_failed_t failed;
        void *userdata;
};

/* ---- the routing connection (pw thread callbacks, and helpers called with the lock held) ---- */

static void route_on_core_done(void *userdata, uint32_t id, int seq)
{
        struct route_conn *c = userdata;

        if (id == PW_ID_CORE && seq == c->sync_seq) {
                c->synced = true;
                pw_thread_loop_signal(c->loop, false);
        }
}

static void route_on_core_error(void *userdata, uint32_t id, int seq, int res, const char *message)
{
        struct route_conn *c = userdata;

        if (id == PW_ID_CORE && res == -EPIPE) {
                c->broken = true;
                pw_thread_loop_signal(c->loop, false);
        }
}

static const struct pw_core_events route_core_events = {
        PW_VERSION_CORE_EVENTS,
        .done = route_on_core_done,
        .error = route_on_core_error,
};

static int route_on_metadata_property(void *userdata, uint32_t subject, const char *key, const char *type,
                                      const char *value)
{
        struct route_conn *c = userdata;

        if (subject != 0)
                return 0;
        if (!key)
                c->configured[0] = '\0';       /* everything cleared */
        else if (strcmp(key, AUDIO_DEFAULT_KEY) == 0)
                snprintf(c->configured, sizeof(c->configured), "%s", value ?: "");
        return 0;
}

static const struct pw_metadata_events route_metadata_events = {
        PW_VERSION_METADATA_EVENTS,
        .property = route_on_metadata_property,
};

static void route_on_global(void *userdata, uint32_t id, uint32_t permissions, const char *type, uint32_t version,
                            const struct spa_dict *props)
{
        struct route_conn *c = userdata;
        const char *name = props ? spa_dict_lookup(props, PW_KEY_METADATA_NAME) : NULL;

        if (c->metadata || strcmp(type, PW_TYPE_INTERFACE_Metadata) != 0 || !name || strcmp(name, "default") != 0)
                return;
        c->metadata = pw_registry_bind(c->registry, id, type, PW_VERSION_METADATA, 0);
        if (c->metadata)
                pw_metadata_add_listener(c->metadata, &c->metadata_listener, &route_metadata_events, c);
}

static const struct pw_registry_events route_registry_events = {
        PW_VERSION_REGISTRY_EVENTS,
        .global = route_on_global,
};

/* With the lock held: wait until the server has handled everything we sent (and we its answers). */
static int route_roundtrip(struct route_conn *c)
{
        time_t deadline = time(NULL) + AUDIO_ROUNDTRIP_SEC;

        c->synced = false;
        c->sync_seq = pw_core_sync(c->core, PW_ID_CORE, 0);
        while (!c->synced) {
                if (c->broken)
                        return -EPIPE;
                if (time(NULL) > deadline)
                        return -ETIMEDOUT;
                (void) pw_thread_loop_timed_wait(c->loop, 1);
        }
        return 0;
}

static struct route_conn *route_close(struct route_conn *c)
{
        if (!c)
                return NULL;
        if (c->loop) {
                pw_thread_loop_lock(c->loop);
                if (c->metadata) {
                        spa_hook_remove(&c->metadata_listener);
                        pw_proxy_destroy((struct pw_proxy *) c->metadata);
                }
                if (c->registry) {
                        spa_hook_remove(&c->registry_listener);
                        pw_proxy_destroy((struct pw_proxy *) c->registry);
                }
                if (c->core) {
                        spa_hook_remove(&c->core_listener);
                        pw_core_disconnect(c->core);
                }
                pw_thread_loop_unlock(c->loop);
                pw_thread_loop_stop(c->loop);
        }
        if (c->context)
                pw_context_destroy(c->context);
        if (c->loop)
                pw_thread_loop_destroy(c->loop);
        free(c);
        return NULL;
}

/* Connect, find the "default" metadata and read the configured default output. */
static int route_open(struct route_conn **ret)
{
        struct route_conn *c;
        int r;

        pw_init(NULL, NULL);
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->loop = pw_thread_loop_new("miracast-route", NULL);
        c->context = c->loop ? pw_context_new(pw_thread_loop_get_loop(c->loop), NULL, 0) : NULL;
        if (!c->context || pw_thread_loop_start(c->loop) < 0) {
                route_close(c);
                return -ENOMEM;
        }
        pw_thread_loop_lock(c->loop);
        c->core = pw_context_connect(c->context, NULL, 0);
        if (!c->core) {
                pw_thread_loop_unlock(c->loop);
                route_close(c);
                return -EHOSTDOWN;
        }
        pw_core_add_listener(c->core, &c->core_listener, &route_core_events, c);
        c->registry = pw_core_get_registry(c->core, PW_VERSION_REGISTRY, 0);
        if (c->registry)
                pw_registry_add_listener(c->registry, &c->registry_listener, &route_registry_events, c);
        /* the globals (and so the metadata bind), then the metadata's properties */
        r = route_roundtrip(c);
        if (r >= 0)
                r = route_roundtrip(c);
        if (r >= 0 && !c->metadata)
                r = -ENOENT;
        pw_thread_loop_unlock(c->loop);
        if (r < 0) {
                route_close(c);
                return r;
        }
        *ret = c;
        return 0;
}

/* With the lock held: set (or with json NULL, remove) the configured default output. */
static int route_set_default(struct route_conn *c, const char *json)
{
        int r = pw_metadata_set_property(c->metadata, 0, AUDIO_DEFAULT_KEY, json ? "Spa:String:JSON" : NULL, json);

        if (r < 0)
                return r;
        return route_roundtrip(c);
}

/* ---- the state file: what to restore after a crash ---------------------------------- */

static int state_write(const char *path, const char *node, const char *previous)
{
        char tmp[4200];
        FILE *f;
        int r = 0;

        snprintf(tmp, sizeof(tmp), "%s.new", path);
        f = fopen(tmp, "we");
        if (!f)
                return -errno;
        fprintf(f, "node=%s\nprevious=%s\n", node, previous);
        if (fflush(f) != 0 || fsync(fileno(f)) < 0)
                r = -errno;
        fclose(f);
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        return r;
}

static int state_copy(char *dst, size_t size, const char *src)
{
        size_t n = strlen(src);

        if (n >= size)
                return -E2BIG;
        memcpy(dst, src, n + 1);
        return 0;
}

static int state_read(const char *path, char *node, size_t node_size, char *previous, size_t previous_size)
{
        char line[512];
        bool have_node = false;
        FILE *f = fopen(path, "re");

        if (!f)
                return -errno;
        previous[0] = '\0';
        while (fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = '\0';
                if (strncmp(line, "node=", 5) == 0)
                        have_node = state_copy(node, node_size, line + 5) >= 0;
                else if (strncmp(line, "previous=", 9) == 0 && state_copy(previous, previous_size, line + 9) < 0)
                        previous[0] = '\0';
        }
        fclose(f);
        return have_node && node[0] ? 0 : -EBADMSG;
}

static int state_path_for(const char *state_dir, char *buf, size_t size)
{
        if (!state_dir)
                return -EINVAL;
        if ((size_t) snprintf(buf, size, "%s/%s", state_dir, AUDIO_STATE_FILE) >= size)
                return -ENAMETOOLONG;
        return 0;
}

/* mkdir -p, 0700: the state is the person's */
static int state_mkdir(const char *dir)
{
        char p[4096];

        snprintf(p, sizeof(p), "%s", dir);
        for (char *s = p + 1; *s; s++)
                if (*s == '/') {
                        *s = '\0';
                        if (mkdir(p, 0700) < 0 && errno != EEXIST)
                                return -errno;
                        *s = '/';
                }
        if (mkdir(p, 0700) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* The configured default is still the one we set (the person did not pick another output meanwhile). */
static bool route_default_is(const struct route_conn *c, const char *node)
{
        return node[0] && strstr(c->configured, node) != NULL;
}

/* With the lock held: put the previous default back if ours is still in place. */
static int route_restore(struct route_conn *c, const char *node, const char *previous)
{
        if (!route_default_is(c, node))
                return 0;
        return route_set_default(c, previous[0] ? previous : NULL);
}

int audio_route_recover(const char *state_dir)
{
        struct route_conn *c = NULL;
        char path[4096], node[128], previous[256];
        int r;

        r = state_path_for(state_dir, path, sizeof(path));
        if (r < 0)
                return r;
        r = state_read(path, node, sizeof(node), previous, sizeof(previous));
        if (r == -ENOENT)
                return 0;
        if (r < 0) {
                (void) unlink(path);
                return log_warning_errno(r, "%s is not ours or damaged, removed: %m", path);
        }
        r = route_open(&c);
        if (r < 0)
                return r;   /* no PipeWire yet: keep the file for the next start */
        pw_thread_loop_lock(c->loop);
        r = route_restore(c, node, previous);
        pw_thread_loop_unlock(c->loop);
        route_close(c);
        if (r < 0)
                return r;
        (void) unlink(path);
        log_info("Restored the default audio output a previous run changed (%s)",
                 previous[0] ? previous : "the session manager's choice");
        return 0;
}

/* ---- a cast's sound ---------------------------------------------------------------- */

static int audio_on_capture_failed(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct audio *a = userdata;
        char reason[160];
        int r;

        r = audio_pipewire_get_error(a->capture, reason, sizeof(reason));
        a->failed_io = sd_event_source_disable_unref(a->failed_io);
        a->failed(a, r, reason, a->userdata);   /* may free a */
        return 0;
}

static int audio_route_to_tv(struct audio *a, const struct audio_config *cfg)
{
        struct route_conn *c;
        struct pw_properties *props;
        char desc[200], json[200];
        int r;

        r = state_mkdir(cfg->state_dir);
        if (r < 0)
                return log_warning_errno(r, "Cannot create %s: %m", cfg->state_dir);
        r = route_open(&a->route);
        if (r == -ENOENT)
                return log_warning_errno(r, "PipeWire has no \"default\" metadata (no session manager such as "
                                            "WirePlumber?): cannot make the TV the default output");
        if (r < 0)
                return r;
        c = a->route;
        snprintf(a->node_name, sizeof(a->node_name), "miracast-tv-%d-%u", (int) getpid(), cfg->id);
        snprintf(desc, sizeof(desc), "Miracast: %s", cfg->tv_name ?: "TV");
        snprintf(json, sizeof(json), "{ \"name\": \"%s\" }", a->node_name);

        pw_thread_loop_lock(c->loop);
        snprintf(a->previous, sizeof(a->previous), "%s", c->configured);
        /* Written before the change: a crash from here on is undone at the next start. */
        r = state_write(a->state_path, a->node_name, a->previous);
        if (r < 0) {
                pw_thread_loop_unlock(c->loop);
                return log_warning_errno(r, "Cannot write %s, not changing the default output: %m", a->state_path);
        }
        props = pw_properties_new(PW_KEY_FACTORY_NAME, "support.null-audio-sink", PW_KEY_NODE_NAME, a->node_name,
                                  PW_KEY_NODE_DESCRIPTION, desc, PW_KEY_MEDIA_CLASS, "Audio/Sink", NULL);
        if (props) {
                pw_properties_setf(props, "audio.channels", "%u", cfg->channels);
                pw_properties_set(props, "audio.position", cfg->channels == 1 ? "MONO" : "FL,FR");
                a->tv_node = pw_core_create_object(c->core, "adapter", PW_TYPE_INTERFACE_Node, PW_VERSION_NODE,
                                                   &props->dict, 0);
                pw_properties_free(props);
        }
        r = a->tv_node ? route_roundtrip(c) : -ENOMEM;
        if (r >= 0)
                r = route_set_default(c, json);
        pw_thread_loop_unlock(c->loop);
        if (r < 0)
                return log_warning_errno(r, "Cannot make \"%s\" the default output: %m", desc);
        log_info("\"%s\" (%s) is the default audio output for the cast (was: %s)", desc, a->node_name,
                 a->previous[0] ? a->previous : "the session manager's choice");
        return 0;
}

int audio_start(sd_event *event, const struct audio_config *cfg, int fd, audio_failed_t failed, void *userdata,
                struct audio **ret)
{
        _cleanup_close_ int owned_fd = fd;
        _cleanup_(audio_freep) struct audio *a = NULL;
        char name[200];
        int r;

        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        a->failed = failed;
        a->userdata = userdata;
        if (cfg->routing == AUDIO_ROUTING_TV) {
                r = state_path_for(cfg->state_dir, a->state_path, sizeof(a->state_path));
                if (r < 0)
                        return r;
                r = audio_route_to_tv(a, cfg);
                if (r < 0)
                        return r;
        }
        snprintf(name, sizeof(name), "Miracast: %s", cfg->tv_name ?: "TV");
        r = audio_pipewire_start(&(struct audio_pipewire_config) {
                                         .target = a->node_name[0] ? a->node_name : NULL,
                                         .rate_hz = cfg->rate_hz,
                                         .channels = cfg->channels,
                                         .name = name,
                                 },
                                 steal_fd(owned_fd), &a->capture);
        if (r < 0)
                return r;
        r = sd_event_add_io(event, &a->failed_io, audio_pipewire_get_event_fd(a->capture), EPOLLIN,
                            audio_on_capture_failed, a);
        if (r < 0)
                return r;
        *ret = steal_ptr(a);
        return 0;
}

struct audio *audio_free(struct audio *a)
{
        int r = 0;

        if (!a)
                return NULL;
        a->failed_io = sd_event_source_disable_unref(a->failed_io);
        a->capture = audio_pipewire_free(a->capture);
        if (a->route) {
                struct route_conn *c = a->route;

                pw_thread_loop_lock(c->loop);
                r = route_restore(c, a->node_name, a->previous);
                if (a->tv_node) {
                        pw_proxy_destroy(a->tv_node);
                        (void) route_roundtrip(c);
                }
                pw_thread_loop_unlock(c->loop);
                a->route = route_close(a->route);
                if (r < 0)
                        log_warning_errno(r, "Cannot restore the default audio output now (%m); the next start "
                                             "of miracastd-user will");
                else {
                        (void) unlink(a->state_path);
                        log_info("The default audio output is back (%s)",
                                 a->previous[0] ? a->previous : "the session manager's choice");
                }
        }
        free(a);
        return NULL;
}
