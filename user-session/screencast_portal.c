/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * user-session/screencast.h through org.freedesktop.portal.ScreenCast on the
 * session bus:
 *
 *   CreateSession -> SelectSources {types, cursor_mode, persist_mode 2,
 *   restore_token} -> Start -> OpenPipeWireRemote
 *
 * Each of the first three answers through a Request object's Response
 * signal; we subscribe to the Request path (derived from our unique name and
 * a handle_token of our choosing) before calling, so the answer cannot pass
 * us by. Start's results carry the stream's node id and a new restore token,
 * which we keep per restore key in $XDG_STATE_HOME/miracastd/screencast-tokens
 * so the next cast to the same TV needs no chooser (tokens are single-use:
 * every Start replaces it). Session.Closed (sharing revoked, the window gone)
 * and the portal leaving the bus become the closed callback.
 *
 * "extend": the portal's VIRTUAL source where it has one (GNOME, KDE: the
 * virtual monitor is made at the size the consumer asks for, so the daemon's
 * WFD size). On wlroots compositors, whose portal has none, a headless output
 * is created for the cast through the compositor's IPC (sway_output.h) and
 * shared as a monitor; it is removed when the cast ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../daemon/log.h"
#include "../protocol/macro.h"
#include "screencast.h"
#include "sway_output.h"

#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"
#define PORTAL_SCREENCAST "org.freedesktop.portal.ScreenCast"
#define PORTAL_REQUEST "org.freedesktop.portal.Request"
#define PORTAL_SESSION "org.freedesktop.portal.Session"

/* ScreenCast source types and cursor modes (bit masks in the portal's API). */
#define SOURCE_MONITOR 1u
#define SOURCE_WINDOW 2u
#define SOURCE_VIRTUAL 4u
#define CURSOR_HIDDEN 1u
#define CURSOR_EMBEDDED 2u
#define CURSOR_METADATA 4u
#define PERSIST_UNTIL_REVOKED 2u

#define RESTORE_TOKEN_MAX 512
#define RESTORE_KEY_MAX 128 /* a key given to us, less than this */

enum screencast_step {
        STEP_CREATE,
        STEP_SELECT,
        STEP_START,
        STEP_RUNNING,
        STEP_FAILED,
};

struct screencast {
        sd_bus *bus;                  /* reference */
        screencast_ready_t ready;
        screencast_closed_t closed;
        void *userdata;

        enum screencast_step step;
        uint32_t types;               /* what we ask the portal for */
        bool extend;
        char restore_key[RESTORE_KEY_MAX + sizeof("/extend")];
        char *session_handle;         /* owned: the portal session's object path */
        char *request_path;           /* owned: the Request we wait on */
        unsigned token_seq;
        uint32_t node;

        sd_bus_slot *request_match;   /* owned: Response on request_path */
        sd_bus_slot *call_slot;       /* owned: the method call in flight */
        sd_bus_slot *closed_match;    /* owned: Session.Closed */
        sd_bus_slot *owner_match;     /* owned: the portal leaving the bus */

        char *sway_output;            /* owned: the headless output created for "extend", NULL: none */
        char *state_dir;              /* owned: where the restore tokens are, NULL: the default */
};

DEFINE_CLEANUP(struct screencast *, screencast_free);

/* ---- restore tokens --------------------------------------------------------- */

/* STATE_DIR/screencast-tokens, by default $XDG_STATE_HOME/miracastd/ (~/.local/state/...): "KEY TOKEN" lines. */
static int token_file_path(const char *state_dir, char *buf, size_t size, bool create_dir)
{
        const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        int n;

        if (state_dir && *state_dir)
                n = snprintf(buf, size, "%s", state_dir);
        else if (state && *state == '/')
                n = snprintf(buf, size, "%s/miracastd", state);
        else if (home && *home == '/')
                n = snprintf(buf, size, "%s/.local/state/miracastd", home);
        else
                return -ENOENT;
        if (n < 0 || (size_t) n >= size - sizeof("/screencast-tokens"))
                return -ENAMETOOLONG;
        if (create_dir) {
                char parent[4096];

                /* ~/.local/state may not exist yet either. */
                if (strrchr(buf, '/') > buf) {
                        snprintf(parent, sizeof(parent), "%.*s", (int) (strrchr(buf, '/') - buf), buf);
                        (void) mkdir(parent, 0700);
                }
                if (mkdir(buf, 0700) < 0 && errno != EEXIST)
                        return -errno;
        }
        strcat(buf, "/screencast-tokens");
        return 0;
}

/* A key is used as one word of a line: only printable non-space characters. */
static bool restore_key_is_valid(const char *key)
{
        if (!key || !*key || strlen(key) >= RESTORE_KEY_MAX)
                return false;
        for (const char *p = key; *p; p++)
                if (*p <= ' ' || *p >= 127)
                        return false;
        return true;
}

static int token_load(const char *state_dir, const char *key, char *ret, size_t size)
{
        char path[4096], line[sizeof(((struct screencast *) 0)->restore_key) + RESTORE_TOKEN_MAX + 4];
        FILE *f;
        size_t klen = strlen(key);
        int r = -ENOENT;

        if (token_file_path(state_dir, path, sizeof(path), false) < 0)
                return -ENOENT;
        f = fopen(path, "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = '\0';
                if (strncmp(line, key, klen) == 0 && line[klen] == ' ' && line[klen + 1]) {
                        snprintf(ret, size, "%s", line + klen + 1);
                        r = 0;
                }
        }
        fclose(f);
        return r;
}

/* Replace (token != NULL) or drop key's line; written to a temporary file and renamed over. */
static int token_store(const char *state_dir, const char *key, const char *token)
{
        char path[4096], tmp[4200], line[sizeof(((struct screencast *) 0)->restore_key) + RESTORE_TOKEN_MAX + 4];
        size_t klen = strlen(key);
        FILE *in, *out;
        int fd, r;

        if (token && (strlen(token) >= RESTORE_TOKEN_MAX || strpbrk(token, " \n\r")))
                return -EINVAL;
        r = token_file_path(state_dir, path, sizeof(path), true);
        if (r < 0)
                return r;
        snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        out = fdopen(fd, "w");
        if (!out) {
                r = -errno;
                close(fd);
                unlink(tmp);
                return r;
        }
        in = fopen(path, "re");
        while (in && fgets(line, sizeof(line), in))
                if (!(strncmp(line, key, klen) == 0 && line[klen] == ' ') && strchr(line, '\n'))
                        fputs(line, out);
        if (in)
                fclose(in);
        if (token)
                fprintf(out, "%s %s\n", key, token);
        if (fclose(out) != 0 || rename(tmp, path) < 0) {
                r = -errno;
                unlink(tmp);
                return r;
        }
        return 0;
}

/* ---- the steps ------------------------------------------------------------------ */

static void screencast_fail(struct screencast *sc, int error);
static int screencast_select_sources(struct screencast *sc);
static int screencast_start_stream(struct screencast *sc);

static int on_response(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

/*
 * A fresh handle_token and the Request path the portal will use for it:
 * /org/freedesktop/portal/desktop/request/SENDER/TOKEN, SENDER our unique
 * name without the ':' and with '.' as '_'. Subscribes to its Response.
 */
static int screencast_prepare_request(struct screencast *sc, char *token, size_t size)
{
        const char *unique;
        char sender[128], *p;
        int r;

        r = sd_bus_get_unique_name(sc->bus, &unique);
        if (r < 0)
                return r;
        snprintf(sender, sizeof(sender), "%s", unique + (unique[0] == ':'));
        for (p = sender; *p; p++)
                if (*p == '.')
                        *p = '_';
        snprintf(token, size, "miracastd%u_%u", (unsigned) getpid(), ++sc->token_seq);
        free(sc->request_path);
        if (asprintf(&sc->request_path, PORTAL_PATH "/request/%s/%s", sender, token) < 0) {
                sc->request_path = NULL;
                return -ENOMEM;
        }
        sc->request_match = sd_bus_slot_unref(sc->request_match);
        /* Asynchronous AddMatch: the bus handles it before our call, which we send after it. */
        return sd_bus_match_signal_async(sc->bus, &sc->request_match, PORTAL_NAME, sc->request_path, PORTAL_REQUEST,
                                         "Response", on_response, NULL, sc);
}

/* A call's own reply: the Request path (we already watch it), or an error. */
static int on_request_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct screencast *sc = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        sc->call_slot = sd_bus_slot_unref(sc->call_slot);
        if (!e) {
                const char *handle;
                char *copy;

                /* Portals before 0.9 chose the Request path themselves: follow the one it names. */
                if (sd_bus_message_read(m, "o", &handle) < 0 || !sc->request_path ||
                    strcmp(handle, sc->request_path) == 0)
                        return 0;
                copy = strdup(handle);
                if (!copy) {
                        screencast_fail(sc, -ENOMEM);
                        return 0;
                }
                free(sc->request_path);
                sc->request_path = copy;
                sc->request_match = sd_bus_slot_unref(sc->request_match);
                if (sd_bus_match_signal_async(sc->bus, &sc->request_match, PORTAL_NAME, sc->request_path,
                                              PORTAL_REQUEST, "Response", on_response, NULL, sc) < 0)
                        screencast_fail(sc, -EIO);
                return 0;
        }
        log_debug("screencast: portal call failed: %s: %s", e->name, e->message ?: "");
        /* No portal, or one without ScreenCast: the desktop cannot do this at all. */
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_UNKNOWN_METHOD,
                                   SD_BUS_ERROR_UNKNOWN_INTERFACE, SD_BUS_ERROR_UNKNOWN_OBJECT,
                                   SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                screencast_fail(sc, -EOPNOTSUPP);
        else
                screencast_fail(sc, sd_bus_message_get_errno(m) ? -sd_bus_message_get_errno(m) : -EIO);
        return 0;
}

static int on_session_closed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct screencast *sc = userdata;

        if (sc->step != STEP_RUNNING) {
                screencast_fail(sc, -ECONNRESET);
                return 0;
        }
        sc->step = STEP_FAILED;
        sc->closed_match = sd_bus_slot_unref(sc->closed_match);
        if (sc->closed)
                sc->closed(sc, "the desktop stopped sharing the screen", sc->userdata);
        return 0;
}

static int on_portal_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct screencast *sc = userdata;
        const char *name, *old, *new;

        if (sd_bus_message_read(m, "sss", &name, &old, &new) < 0 || strcmp(name, PORTAL_NAME) != 0 || *new)
                return 0;
        if (sc->step != STEP_RUNNING) {
                screencast_fail(sc, -ECONNRESET);
                return 0;
        }
        sc->step = STEP_FAILED;
        if (sc->closed)
                sc->closed(sc, "the desktop portal went away", sc->userdata);
        return 0;
}

static int screencast_call(struct screencast *sc, sd_bus_message *call)
{
        return sd_bus_call_async(sc->bus, &sc->call_slot, call, on_request_reply, sc, 0);
}

static int screencast_create_session(struct screencast *sc)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        char token[64], session_token[64];
        int r;

        r = screencast_prepare_request(sc, token, sizeof(token));
        if (r < 0)
                return r;
        snprintf(session_token, sizeof(session_token), "miracastd%u_s%u", (unsigned) getpid(), sc->token_seq);
        r = sd_bus_message_new_method_call(sc->bus, &call, PORTAL_NAME, PORTAL_PATH, PORTAL_SCREENCAST,
                                           "CreateSession");
        if (r < 0)
                return r;
        r = sd_bus_message_append(call, "a{sv}", 2, "handle_token", "s", token, "session_handle_token", "s",
                                  session_token);
        if (r < 0)
                return r;
        sc->step = STEP_CREATE;
        return screencast_call(sc, call);
}

/* What the portal offers: AvailableSourceTypes, AvailableCursorModes, version. */
static int screencast_portal_caps(struct screencast *sc, uint32_t *ret_types, uint32_t *ret_cursors,
                                  uint32_t *ret_version)
{
        _cleanup_(sd_bus_error_free) sd_bus_error err = SD_BUS_ERROR_NULL;
        int r;

        /* Synchronous, but local and instant (the portal answers properties itself). */
        r = sd_bus_get_property_trivial(sc->bus, PORTAL_NAME, PORTAL_PATH, PORTAL_SCREENCAST, "AvailableSourceTypes",
                                        &err, 'u', ret_types);
        if (r < 0)
                return r;
        if (sd_bus_get_property_trivial(sc->bus, PORTAL_NAME, PORTAL_PATH, PORTAL_SCREENCAST,
                                        "AvailableCursorModes", NULL, 'u', ret_cursors) < 0)
                *ret_cursors = 0;   /* version 1: no cursor modes */
        if (sd_bus_get_property_trivial(sc->bus, PORTAL_NAME, PORTAL_PATH, PORTAL_SCREENCAST, "version", NULL, 'u',
                                        ret_version) < 0)
                *ret_version = 1;
        return 0;
}

static int screencast_select_sources(struct screencast *sc)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        char token[64], restore[RESTORE_TOKEN_MAX] = "";
        uint32_t types = 0, cursors = 0, version = 1;
        int r;

        r = screencast_portal_caps(sc, &types, &cursors, &version);
        if (r < 0)
                return r;
        if (!(types & sc->types))
                return -EOPNOTSUPP;
        r = screencast_prepare_request(sc, token, sizeof(token));
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(sc->bus, &call, PORTAL_NAME, PORTAL_PATH, PORTAL_SCREENCAST,
                                           "SelectSources");
        if (r < 0)
                return r;
        r = sd_bus_message_append(call, "o", sc->session_handle);
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(call, "{sv}{sv}{sv}", "handle_token", "s", token, "types", "u",
                                          sc->types & types, "multiple", "b", 0);
        /* The cursor as metadata (we blend it; pointer moves cost no re-encode of the picture around it),
         * else drawn into the picture. */
        if (r >= 0 && cursors & (CURSOR_METADATA | CURSOR_EMBEDDED))
                r = sd_bus_message_append(call, "{sv}", "cursor_mode", "u",
                                          cursors & CURSOR_METADATA ? CURSOR_METADATA : CURSOR_EMBEDDED);
        if (r >= 0 && version >= 4) {
                r = sd_bus_message_append(call, "{sv}", "persist_mode", "u", PERSIST_UNTIL_REVOKED);
                if (r >= 0 && sc->restore_key[0] &&
                    token_load(sc->state_dir, sc->restore_key, restore, sizeof(restore)) >= 0) {
                        log_debug("screencast: restoring the share for %s", sc->restore_key);
                        r = sd_bus_message_append(call, "{sv}", "restore_token", "s", restore);
                }
        }
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r < 0)
                return r;
        sc->step = STEP_SELECT;
        return screencast_call(sc, call);
}

static int screencast_start_stream(struct screencast *sc)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        char token[64];
        int r;

        r = screencast_prepare_request(sc, token, sizeof(token));
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(sc->bus, &call, PORTAL_NAME, PORTAL_PATH, PORTAL_SCREENCAST, "Start");
        if (r < 0)
                return r;
        /* No parent window: the chooser is a dialog of its own. */
        r = sd_bus_message_append(call, "osa{sv}", sc->session_handle, "", 1, "handle_token", "s", token);
        if (r < 0)
                return r;
        sc->step = STEP_START;
        return screencast_call(sc, call);
}

/* Start's results: streams a(ua{sv}) (the first one's node), restore_token s. */
static int screencast_read_start_results(struct screencast *sc, sd_bus_message *m)
{
        bool have_node = false;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *contents;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        return r;
                if (strcmp(key, "streams") == 0 && strcmp(contents, "a(ua{sv})") == 0) {
                        uint32_t node;

                        r = sd_bus_message_enter_container(m, 'v', "a(ua{sv})");
                        if (r >= 0)
                                r = sd_bus_message_enter_container(m, 'a', "(ua{sv})");
                        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'r', "ua{sv}")) > 0) {
                                r = sd_bus_message_read(m, "u", &node);
                                if (r >= 0)
                                        r = sd_bus_message_skip(m, "a{sv}");
                                if (r >= 0)
                                        r = sd_bus_message_exit_container(m);
                                if (r >= 0 && !have_node) {
                                        sc->node = node;   /* we asked for one source: the first is it */
                                        have_node = true;
                                }
                        }
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                } else if (strcmp(key, "restore_token") == 0 && strcmp(contents, "s") == 0) {
                        const char *token;

                        r = sd_bus_message_read(m, "v", "s", &token);
                        if (r >= 0 && sc->restore_key[0]) {
                                int q = token_store(sc->state_dir, sc->restore_key, token);

                                if (q < 0)
                                        log_warning_errno(q, "screencast: cannot keep the restore token: %m");
                        }
                } else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return have_node ? 0 : -ENODATA;
}

/* The last step, synchronous: the fd comes in the reply. */
static int screencast_open_remote(struct screencast *sc, int *ret_fd)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error err = SD_BUS_ERROR_NULL;
        int fd, r;

        r = sd_bus_call_method(sc->bus, PORTAL_NAME, PORTAL_PATH, PORTAL_SCREENCAST, "OpenPipeWireRemote", &err,
                               &reply, "oa{sv}", sc->session_handle, 0);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "h", &fd);
        if (r < 0)
                return r;
        fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);   /* the reply owns its fd */
        if (fd < 0)
                return -errno;
        *ret_fd = fd;
        return 0;
}

static int on_response(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct screencast *sc = userdata;
        uint32_t response;
        int r, fd = -1;

        sc->request_match = sd_bus_slot_unref(sc->request_match);
        r = sd_bus_message_read(m, "u", &response);
        if (r < 0) {
                screencast_fail(sc, r);
                return 0;
        }
        if (response != 0) {
                log_debug("screencast: step %d answered %u", sc->step, response);
                /* 1: the person cancelled; 2: anything else (no such output, no permission). */
                if (response == 1)
                        screencast_fail(sc, -ECANCELED);
                else if (sc->step == STEP_SELECT && sc->restore_key[0]) {
                        /* A stale restore token can make the portal refuse: forget it for next time. */
                        (void) token_store(sc->state_dir, sc->restore_key, NULL);
                        screencast_fail(sc, -EIO);
                } else
                        screencast_fail(sc, -EIO);
                return 0;
        }

        switch (sc->step) {
        case STEP_CREATE: {
                const char *key, *contents, *handle = NULL;

                r = sd_bus_message_enter_container(m, 'a', "{sv}");
                while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                        r = sd_bus_message_read(m, "s", &key);
                        if (r >= 0)
                                r = sd_bus_message_peek_type(m, NULL, &contents);
                        if (r >= 0 && strcmp(key, "session_handle") == 0 &&
                            (strcmp(contents, "s") == 0 || strcmp(contents, "o") == 0))
                                r = sd_bus_message_read(m, "v", contents, &handle);
                        else if (r >= 0)
                                r = sd_bus_message_skip(m, "v");
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                }
                if (r < 0 || !handle || !sd_bus_object_path_is_valid(handle)) {
                        screencast_fail(sc, r < 0 ? r : -EBADMSG);
                        return 0;
                }
                sc->session_handle = strdup(handle);
                if (!sc->session_handle) {
                        screencast_fail(sc, -ENOMEM);
                        return 0;
                }
                r = sd_bus_match_signal_async(sc->bus, &sc->closed_match, PORTAL_NAME, sc->session_handle,
                                              PORTAL_SESSION, "Closed", on_session_closed, NULL, sc);
                if (r >= 0)
                        r = screencast_select_sources(sc);
                break;
        }
        case STEP_SELECT:
                r = screencast_start_stream(sc);
                break;
        case STEP_START:
                r = screencast_read_start_results(sc, m);
                if (r >= 0)
                        r = screencast_open_remote(sc, &fd);
                if (r >= 0) {
                        sc->step = STEP_RUNNING;
                        log_debug("screencast: sharing PipeWire node %u", sc->node);
                        sc->ready(sc, 0, fd, sc->node, sc->userdata);   /* may free sc */
                        return 0;
                }
                break;
        default:
                r = -EBADMSG;
        }
        if (r < 0)
                screencast_fail(sc, r);
        return 0;
}

/* Report a failure once (ready with the error); nothing more comes from this screencast. */
static void screencast_fail(struct screencast *sc, int error)
{
        if (sc->step == STEP_FAILED || sc->step == STEP_RUNNING)
                return;
        sc->step = STEP_FAILED;
        sc->request_match = sd_bus_slot_unref(sc->request_match);
        sc->call_slot = sd_bus_slot_unref(sc->call_slot);
        sc->ready(sc, error, -1, 0, sc->userdata);   /* may free sc */
}

int screencast_start(sd_bus *session_bus, const struct screencast_request *req, screencast_ready_t ready,
                     screencast_closed_t closed, void *userdata, struct screencast **ret)
{
        _cleanup_(screencast_freep) struct screencast *sc = NULL;
        const char *kind = req && req->kind ? req->kind : "monitor";
        uint32_t types = 0, cursors, version;
        int r;

        if (!session_bus || !ready || !ret)
                return -EINVAL;
        sc = calloc(1, sizeof(*sc));
        if (!sc)
                return -ENOMEM;
        sc->bus = sd_bus_ref(session_bus);
        sc->ready = ready;
        sc->closed = closed;
        sc->userdata = userdata;
        if (strcmp(kind, "monitor") == 0)
                sc->types = SOURCE_MONITOR;
        else if (strcmp(kind, "window") == 0)
                sc->types = SOURCE_WINDOW;
        else if (strcmp(kind, "extend") == 0) {
                sc->types = SOURCE_VIRTUAL;
                sc->extend = true;
        } else
                return -EINVAL;
        if (req && req->state_dir) {
                sc->state_dir = strdup(req->state_dir);
                if (!sc->state_dir)
                        return -ENOMEM;
        }
        if (req && req->restore_key) {
                if (!restore_key_is_valid(req->restore_key))
                        return -EINVAL;
                /* One token per kind: GNOME's portal restores what the token names whatever types we ask
                 * for, so a monitor's token on a window cast shared the monitor again. */
                snprintf(sc->restore_key, sizeof(sc->restore_key), "%s%s", req->restore_key,
                         sc->extend                     ? "/extend"
                         : sc->types == SOURCE_WINDOW ? "/window"
                                                        : "");
        }

        /* No portal, or none with ScreenCast: say so now (NotSupported), not after a round trip. */
        r = screencast_portal_caps(sc, &types, &cursors, &version);
        if (r < 0) {
                log_debug_errno(r, "screencast: no ScreenCast portal: %m");
                return -EOPNOTSUPP;
        }
        log_debug("screencast: portal version %u, source types 0x%x, cursor modes 0x%x", version, types, cursors);
        if (sc->extend && !(types & SOURCE_VIRTUAL)) {
                /* wlroots: a headless output of the compositor's own, shared as a monitor. */
                r = sway_output_create(req->width, req->height, &sc->sway_output);
                if (r < 0)
                        return -EOPNOTSUPP;
                log_info("screencast: created output %s for extend", sc->sway_output);
                sc->types = SOURCE_MONITOR;
        }
        if (!(types & sc->types))
                return -EOPNOTSUPP;

        r = sd_bus_add_match_async(sc->bus, &sc->owner_match,
                                   "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                   "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" PORTAL_NAME "'",
                                   on_portal_owner_changed, NULL, sc);
        if (r < 0)
                return r;
        r = screencast_create_session(sc);
        if (r < 0)
                return r;
        *ret = steal_ptr(sc);
        return 0;
}

struct screencast *screencast_free(struct screencast *sc)
{
        if (!sc)
                return NULL;
        if (sc->session_handle && sc->bus && sd_bus_is_open(sc->bus) > 0)
                /* Ends the share (the desktop's indicator goes off); no answer needed. */
                (void) sd_bus_call_method_async(sc->bus, NULL, PORTAL_NAME, sc->session_handle, PORTAL_SESSION,
                                                "Close", NULL, NULL, "");
        sd_bus_slot_unref(sc->request_match);
        sd_bus_slot_unref(sc->call_slot);
        sd_bus_slot_unref(sc->closed_match);
        sd_bus_slot_unref(sc->owner_match);
        if (sc->sway_output) {
                int r = sway_output_remove(sc->sway_output);

                if (r < 0)
                        log_warning_errno(r, "screencast: cannot remove output %s: %m", sc->sway_output);
                else
                        log_debug("screencast: removed output %s", sc->sway_output);
                free(sc->sway_output);
        }
        sd_bus_unref(sc->bus);
        free(sc->session_handle);
        free(sc->request_path);
        free(sc->state_dir);
        free(sc);
        return NULL;
}
