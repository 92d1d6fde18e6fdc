/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The window and its model. State comes only from org.miracastd: the
 * ObjectManager client keeps a proxy per Sink1/Session1 object with cached
 * properties, and window_refresh() redraws everything from them whenever one
 * changes, so the window never keeps a second copy that could drift.
 *
 *   start -> StartServiceByName (activation) -> ObjectManager client -> "main"
 *            ServiceUnknown / spawn failure  -> "missing" page (Try again)
 *   name owner gone -> "missing" page; back -> discovery and agent again
 *   row activated -> User1.Cast(sink, options) on the session bus when the
 *                    user-session component (miracastd-user) is there or
 *                    activatable, else Sink1.Cast(options) on the system bus
 *                    -> casting card until the session ends
 *
 * Extend, a window, sound and latency need miracastd-user (the portal and
 * PipeWire are the user's); without it they are shown disabled, saying why.
 */
#include <errno.h>
#include <string.h>

#include "../../dbus/bus_names.h"
#include "cast-agent.h"
#include "cast-errors.h"
#include "cast-window.h"

/* Cast() answers once the display plays or failed; group formation and the sink may take 90 s. */
#define CAST_TIMEOUT_MSEC (150 * 1000)

/* The user-session component (miracastd-user(1)) on the session bus. */
#define USER1_NAME  "org.miracastd.User"
#define USER1_PATH  "/org/miracastd/user"
#define USER1_IFACE "org.miracastd.User1"

/* The option rows: labels and what each sends. */
enum { CHOICE_SHOW, CHOICE_SOUND, CHOICE_LATENCY, CHOICE_INPUT, _CHOICE_MAX };
static const char *const choice_values[_CHOICE_MAX][3] = {
        [CHOICE_SHOW] = { "monitor", "extend", "window" },      /* User1 "video" */
        [CHOICE_SOUND] = { "tv", "mirror", "none" },            /* User1 "audio" */
        [CHOICE_LATENCY] = { "low-latency", "balanced", "quality" },
        [CHOICE_INPUT] = { "ask", "allow", "never" },           /* "input": unset, true, false */
};

struct cast_window {
        GtkWindow *window;              /* owned by the application */
        char *bus_address;              /* NULL: system bus */
        GDBusConnection *bus;           /* owned */
        GDBusObjectManager *om;         /* owned */
        GDBusProxy *manager;            /* owned: Manager1 (the ObjectManager does not list its own object) */
        GCancellable *cancel;           /* owned: cancelled when the window goes */
        struct cast_agent *agent;       /* owned */
        bool discovering, agent_registered;

        char *cast_sink;                /* owned: the Sink1 path we cast to, NULL while idle */
        char *cast_session;             /* owned: the Session1 path Cast() returned */
        bool stopping;                  /* we asked for the stop: no error when it ends */
        bool cast_via_user1;            /* started with User1.Cast: stopped with User1.Stop */
        bool cast_video_daemon;         /* Duplicate without a ScreenCast portal: User1 "video" "daemon" */

        GDBusConnection *session_bus;   /* owned: where org.miracastd.User lives; NULL until known */
        bool user1;                     /* org.miracastd.User runs or is activatable */

        GtkWidget *stack, *missing_page, *retry;
        GtkWidget *error_group, *error_row;
        GtkWidget *casting_group, *casting_row, *stop;
        GtkWidget *list, *placeholder;
        GtkWidget *output_dropdown, *pin_switch;
        GtkWidget *choice_rows[_CHOICE_MAX], *choice_buttons[_CHOICE_MAX][3];
        GtkStringList *outputs;         /* owned by the dropdown */
        GHashTable *rows;               /* sink path -> AdwActionRow (owned by the list) */

        GtkWidget *pin_dialog, *pin_entry;  /* the open PIN dialog, NULL otherwise */
        GtkWidget *input_dialog;        /* the open "Allow input" dialog, NULL otherwise */
        char *state_text;               /* owned: for cast_window_cast_state() */
};

static void window_refresh(struct cast_window *cw);
static void window_connect(struct cast_window *cw);
static void on_service_started(GObject *src, GAsyncResult *res, gpointer userdata);

/* ---- small helpers over the ObjectManager's cached properties ---------- */

static GDBusProxy *proxy_get(struct cast_window *cw, const char *path, const char *iface)
{
        if (!cw->om)
                return NULL;
        return G_DBUS_PROXY(g_dbus_object_manager_get_interface(cw->om, path, iface));
}

static char *prop_string(GDBusProxy *p, const char *name)
{
        g_autoptr(GVariant) v = p ? g_dbus_proxy_get_cached_property(p, name) : NULL;
        if (!v || !(g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) || g_variant_is_of_type(v, G_VARIANT_TYPE_OBJECT_PATH)))
                return g_strdup("");
        return g_variant_dup_string(v, NULL);
}

static guint32 prop_u32(GDBusProxy *p, const char *name)
{
        g_autoptr(GVariant) v = p ? g_dbus_proxy_get_cached_property(p, name) : NULL;
        return v && g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32) ? g_variant_get_uint32(v) : 0;
}

static gboolean prop_bool(GDBusProxy *p, const char *name, gboolean def)
{
        g_autoptr(GVariant) v = p ? g_dbus_proxy_get_cached_property(p, name) : NULL;
        return v && g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN) ? g_variant_get_boolean(v) : def;
}

static char *sink_name(struct cast_window *cw, const char *sink_path)
{
        g_autoptr(GDBusProxy) p = proxy_get(cw, sink_path, BUS_SINK_IFACE);
        char *name = prop_string(p, "Name");
        if (!*name) {
                g_free(name);
                name = g_strdup("the display");
        }
        return name;
}

/* The newest session of a sink that has not ended, with a ref; NULL when none. */
static GDBusProxy *sink_session(struct cast_window *cw, const char *sink_path)
{
        GList *objects = cw->om ? g_dbus_object_manager_get_objects(cw->om) : NULL;
        GDBusProxy *found = NULL;

        for (GList *l = objects; l; l = l->next) {
                GDBusProxy *p = G_DBUS_PROXY(g_dbus_object_get_interface(l->data, BUS_SESSION_IFACE));
                if (!p)
                        continue;
                g_autofree char *sink = prop_string(p, "Sink");
                g_autofree char *state = prop_string(p, "State");
                if (g_strcmp0(sink, sink_path) == 0 && g_strcmp0(state, "ended") != 0) {
                        g_clear_object(&found);
                        found = p;
                } else
                        g_object_unref(p);
        }
        g_list_free_full(objects, g_object_unref);
        return found;
}

/* Sink1.Protocol in words: how we would reach the display. NULL when unknown. */
static const char *protocol_words(const char *protocol)
{
        bool p2p = protocol && strstr(protocol, "p2p"), mice = protocol && strstr(protocol, "mice");

        if (p2p && mice)
                return "Wi-Fi Direct or network";
        if (p2p)
                return "Wi-Fi Direct";
        if (mice)
                return "Network";
        return NULL;
}

/* Words for the values of a D-Bus property: NULL-terminated {value, words} pairs. */
struct words {
        const char *value, *words;
};

static const char *words_for(const struct words *table, const char *value)
{
        for (; table->value; table++)
                if (g_strcmp0(table->value, value) == 0)
                        return table->words;
        return NULL;
}

/* Session1.VideoSource and AudioSource; NULL when absent or not worth saying. */
static const struct words video_source_words[] = {
        { "extend", "Extend" }, { "window", "A window" }, { "monitor", "Duplicate" }, { "kms", "Duplicate" },
        { "pipewire", "Duplicate" }, { "testsrc", "Test picture" }, {},
};
static const struct words audio_source_words[] = {
        { "tv", "Sound on the display" }, { "mirror", "Sound on both" }, { "none", "No sound" },
        { "tone", "Test tone" }, {},
};
/* Session1.State */
static const struct words state_words_table[] = {
        { "connecting", "Connecting…" }, { "negotiating", "Agreeing on a picture format…" },
        { "playing", "Casting" }, { "paused", "Paused" }, { "ending", "Stopping…" }, {},
};

static const char *state_words(const char *state)
{
        return words_for(state_words_table, state) ?: state;
}

/* ---- errors ------------------------------------------------------------- */

static void error_show(struct cast_window *cw, struct cast_error_text t, const char *detail)
{
        g_autofree char *subtitle = detail && *detail ? g_strdup_printf("%s Details: %s", t.next, detail)
                                                      : g_strdup(t.next);
        g_autofree char *esc_title = g_markup_escape_text(t.what, -1);
        g_autofree char *esc_next = g_markup_escape_text(t.next, -1);
        g_autofree char *esc_detail = detail ? g_markup_escape_text(detail, -1) : NULL;
        g_autofree char *markup = esc_detail && *esc_detail ? g_strdup_printf("%s\n<small>Details: %s</small>",
                                                                                esc_next, esc_detail)
                                                            : g_strdup(esc_next);

        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(cw->error_row), esc_title);
        adw_action_row_set_subtitle(ADW_ACTION_ROW(cw->error_row), markup);
        gtk_accessible_update_property(GTK_ACCESSIBLE(cw->error_row), GTK_ACCESSIBLE_PROPERTY_LABEL, t.what,
                                       GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, subtitle, -1);
        gtk_widget_set_visible(cw->error_group, TRUE);
}

static void error_show_gerror(struct cast_window *cw, const GError *error)
{
        g_autofree char *name = g_dbus_error_get_remote_error(error);
        g_autofree char *msg = g_strdup(error->message);

        g_dbus_error_strip_remote_error((GError *) error);
        g_free(msg);
        msg = g_strdup(error->message);
        error_show(cw, cast_error_explain(name, msg), msg);
}

static void error_clear(struct cast_window *cw)
{
        gtk_widget_set_visible(cw->error_group, FALSE);
}

/* ---- discovery and agent, while the daemon is on the bus ---------------- */

static void on_call_done(GObject *src, GAsyncResult *res, gpointer userdata)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) v = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);
        const char *what = userdata;

        if (!v && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                g_message("%s failed: %s", what, error->message);
}

static void manager_call(struct cast_window *cw, const char *method, GVariant *args, GCancellable *cancel)
{
        g_dbus_connection_call(cw->bus, BUS_NAME, BUS_ROOT_PATH, BUS_MANAGER_IFACE, method, args, NULL,
                               G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, -1, cancel, on_call_done,
                               (gpointer) method);
}

static void on_discovery_started(GObject *src, GAsyncResult *res, gpointer userdata)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) v = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);
        struct cast_window *cw;

        if (v || g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return;
        cw = userdata;
        cw->discovering = false;
        /* Without discovery the list stays empty: say why. */
        error_show_gerror(cw, error);
}

static void daemon_appeared(struct cast_window *cw)
{
        if (!cw->discovering) {
                cw->discovering = true;
                g_dbus_connection_call(cw->bus, BUS_NAME, BUS_ROOT_PATH, BUS_MANAGER_IFACE, "StartDiscovery", NULL,
                                       NULL, G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, -1, cw->cancel,
                                       on_discovery_started, cw);
        }
        if (cw->agent && !cw->agent_registered) {
                cw->agent_registered = true;
                manager_call(cw, "RegisterAgent", g_variant_new("(o)", CAST_AGENT_PATH), cw->cancel);
        }
}

/* ---- PIN dialogs (the agent's face) ------------------------------------- */

static void pin_dialog_close(struct cast_window *cw)
{
        if (!cw->pin_dialog)
                return;
        gtk_window_destroy(GTK_WINDOW(g_steal_pointer(&cw->pin_dialog)));
        cw->pin_entry = NULL;
}

static void on_pin_response(AdwMessageDialog *d, const char *response, gpointer userdata)
{
        struct cast_window *cw = userdata;

        if (cw->pin_entry && g_strcmp0(response, "connect") == 0)
                cast_agent_reply_pin(cw->agent, gtk_editable_get_text(GTK_EDITABLE(cw->pin_entry)));
        else
                cast_agent_reject(cw->agent);
        cw->pin_dialog = NULL;
        cw->pin_entry = NULL;
}

static void on_pin_changed(GtkEditable *e, gpointer userdata)
{
        struct cast_window *cw = userdata;
        const char *text = gtk_editable_get_text(e);
        unsigned digits = 0;

        for (const char *p = text; *p; p++)
                digits += g_ascii_isdigit(*p);
        /* Agent1: 4 or 8 digits; spaces and dashes are allowed between them. */
        adw_message_dialog_set_response_enabled(ADW_MESSAGE_DIALOG(cw->pin_dialog), "connect",
                                                digits == 4 || digits == 8);
}

static void on_pin_activate(GtkEntry *e, gpointer userdata)
{
        struct cast_window *cw = userdata;

        if (adw_message_dialog_get_response_enabled(ADW_MESSAGE_DIALOG(cw->pin_dialog), "connect"))
                adw_message_dialog_response(ADW_MESSAGE_DIALOG(cw->pin_dialog), "connect");
}

static void agent_request_pin(void *userdata, const char *sink_path)
{
        struct cast_window *cw = userdata;
        g_autofree char *name = sink_name(cw, sink_path);
        g_autofree char *body = g_strdup_printf("%s shows a PIN on its screen. Type it here to connect.", name);

        pin_dialog_close(cw);
        cw->pin_dialog = adw_message_dialog_new(cw->window, "Enter the display's PIN", body);
        adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(cw->pin_dialog), "cancel", "_Cancel", "connect",
                                         "C_onnect", NULL);
        adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(cw->pin_dialog), "connect",
                                                   ADW_RESPONSE_SUGGESTED);
        adw_message_dialog_set_response_enabled(ADW_MESSAGE_DIALOG(cw->pin_dialog), "connect", FALSE);
        adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(cw->pin_dialog), "connect");
        adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(cw->pin_dialog), "cancel");
        cw->pin_entry = gtk_entry_new();
        gtk_entry_set_placeholder_text(GTK_ENTRY(cw->pin_entry), "1234 5670");
        gtk_entry_set_input_purpose(GTK_ENTRY(cw->pin_entry), GTK_INPUT_PURPOSE_PIN);
        gtk_entry_set_max_length(GTK_ENTRY(cw->pin_entry), 12);
        gtk_editable_set_alignment(GTK_EDITABLE(cw->pin_entry), 0.5);
        gtk_accessible_update_property(GTK_ACCESSIBLE(cw->pin_entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "PIN shown on the display", -1);
        g_signal_connect(cw->pin_entry, "changed", G_CALLBACK(on_pin_changed), cw);
        g_signal_connect(cw->pin_entry, "activate", G_CALLBACK(on_pin_activate), cw);
        adw_message_dialog_set_extra_child(ADW_MESSAGE_DIALOG(cw->pin_dialog), cw->pin_entry);
        g_signal_connect(cw->pin_dialog, "response", G_CALLBACK(on_pin_response), cw);
        gtk_window_present(GTK_WINDOW(cw->pin_dialog));
        gtk_widget_grab_focus(cw->pin_entry);
}

static void agent_display_pin(void *userdata, const char *sink_path, const char *pin)
{
        struct cast_window *cw = userdata;
        g_autofree char *name = sink_name(cw, sink_path);
        g_autofree char *body = NULL;
        /* TVs show 8-digit PINs as "1234 5670". */
        if (strlen(pin) == 8)
                body = g_strdup_printf("Type this PIN on %s:\n\n<big><b>%.4s %.4s</b></big>", name, pin, pin + 4);
        else
                body = g_strdup_printf("Type this PIN on %s:\n\n<big><b>%s</b></big>", name, pin);

        pin_dialog_close(cw);
        cw->pin_dialog = adw_message_dialog_new(cw->window, "Enter this PIN on the display", NULL);
        adw_message_dialog_set_body_use_markup(ADW_MESSAGE_DIALOG(cw->pin_dialog), TRUE);
        adw_message_dialog_set_body(ADW_MESSAGE_DIALOG(cw->pin_dialog), body);
        adw_message_dialog_add_response(ADW_MESSAGE_DIALOG(cw->pin_dialog), "close", "_Close");
        g_signal_connect(cw->pin_dialog, "response", G_CALLBACK(on_pin_response), cw);
        gtk_window_present(GTK_WINDOW(cw->pin_dialog));
}

static void input_dialog_close(struct cast_window *cw)
{
        if (!cw->input_dialog)
                return;
        gtk_window_destroy(GTK_WINDOW(g_steal_pointer(&cw->input_dialog)));
}

static void on_input_response(AdwMessageDialog *d, const char *response, gpointer userdata)
{
        struct cast_window *cw = userdata;

        cast_agent_reply_input(cw->agent, g_strcmp0(response, "allow") == 0);
        cw->input_dialog = NULL;
}

static void agent_request_input(void *userdata, const char *session_path, const char *display_name)
{
        struct cast_window *cw = userdata;
        g_autofree char *heading = g_strdup_printf("Allow input from %s?", *display_name ? display_name : "the display");

        input_dialog_close(cw);
        cw->input_dialog = adw_message_dialog_new(cw->window, heading,
                                                  "Its touch screen, mouse or keyboard would control this computer "
                                                  "while you cast. Allow it only for a display you trust.");
        adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(cw->input_dialog), "deny", "_Don't Allow", "allow",
                                         "_Allow", NULL);
        adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(cw->input_dialog), "allow",
                                                   ADW_RESPONSE_SUGGESTED);
        /* Enter or Escape alone never hand over the keyboard. */
        adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(cw->input_dialog), "deny");
        adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(cw->input_dialog), "deny");
        g_signal_connect(cw->input_dialog, "response", G_CALLBACK(on_input_response), cw);
        gtk_window_present(GTK_WINDOW(cw->input_dialog));
}

static void agent_cancel(void *userdata)
{
        pin_dialog_close(userdata);
        input_dialog_close(userdata);
}

static void agent_release(void *userdata)
{
        struct cast_window *cw = userdata;
        cw->agent_registered = false;
        pin_dialog_close(cw);
        input_dialog_close(cw);
}

static const struct cast_agent_ops agent_ops = {
        .display_pin = agent_display_pin,
        .request_pin = agent_request_pin,
        .request_input = agent_request_input,
        .cancel = agent_cancel,
        .release = agent_release,
};

/* ---- casting ------------------------------------------------------------ */

static void cast_clear(struct cast_window *cw)
{
        g_clear_pointer(&cw->cast_sink, g_free);
        g_clear_pointer(&cw->cast_session, g_free);
        cw->stopping = cw->cast_via_user1 = cw->cast_video_daemon = false;
}

static void cast_call(struct cast_window *cw);
static const char *choice_get(struct cast_window *cw, unsigned row);

static void on_cast_done(GObject *src, GAsyncResult *res, gpointer userdata)
{
        struct cast_window *cw = userdata;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) v = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);

        if (!v) {
                if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                        return;   /* the window is gone; cw with it */
                g_autofree char *name = g_dbus_error_get_remote_error(error);
                /* Duplicate on a desktop without a ScreenCast portal (X11, some compositors): the daemon's
                 * own capture of the screen still works; miracastd-user keeps the sound and the cast. */
                if (cw->cast_via_user1 && !cw->cast_video_daemon && !cw->stopping &&
                    g_strcmp0(name, "org.miracastd.Error.NotSupported") == 0 &&
                    g_strcmp0(choice_get(cw, CHOICE_SHOW), "monitor") == 0) {
                        cw->cast_video_daemon = true;
                        cast_call(cw);
                        return;
                }
                pin_dialog_close(cw);
                if (!cw->stopping)
                        error_show_gerror(cw, error);
                cast_clear(cw);
        } else {
                g_variant_get(v, "(o)", &cw->cast_session);
        }
        window_refresh(cw);
}

/* The value of the chosen button of an option row (its first one when none is). */
static const char *choice_get(struct cast_window *cw, unsigned row)
{
        for (unsigned i = 0; i < 3; i++)
                if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(cw->choice_buttons[row][i])))
                        return choice_values[row][i];
        return choice_values[row][0];
}

/* Cast() to cw->cast_sink with the options the window shows. */
static void cast_call(struct cast_window *cw)
{
        const char *input = choice_get(cw, CHOICE_INPUT), *sink_path = cw->cast_sink;
        GVariantBuilder b;
        guint out;

        g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
        g_variant_builder_add(&b, "{sv}", "method",
                              g_variant_new_string(gtk_switch_get_active(GTK_SWITCH(cw->pin_switch)) ? "pin" : "pbc"));
        /* "ask": no option, so the daemon asks our agent once the display offers input. */
        if (g_strcmp0(input, "ask") != 0)
                g_variant_builder_add(&b, "{sv}", "input", g_variant_new_boolean(g_strcmp0(input, "allow") == 0));

        /* balanced is the daemon's default: say only what differs (the daemon and miracastd-user both
         * take it). */
        if (g_strcmp0(choice_get(cw, CHOICE_LATENCY), "balanced") != 0)
                g_variant_builder_add(&b, "{sv}", "latency", g_variant_new_string(choice_get(cw, CHOICE_LATENCY)));

        if (cw->cast_via_user1) {
                g_variant_builder_add(&b, "{sv}", "video",
                                      g_variant_new_string(cw->cast_video_daemon ? "daemon" : choice_get(cw, CHOICE_SHOW)));
                g_variant_builder_add(&b, "{sv}", "audio", g_variant_new_string(choice_get(cw, CHOICE_SOUND)));
                /* miracastd-user keeps its own connection to the daemon for the cast's life. */
                g_dbus_connection_call(cw->session_bus, USER1_NAME, USER1_PATH, USER1_IFACE, "Cast",
                                       g_variant_new("(oa{sv})", sink_path, &b), G_VARIANT_TYPE("(o)"),
                                       G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, CAST_TIMEOUT_MSEC,
                                       cw->cancel, on_cast_done, cw);
        } else {
                out = gtk_drop_down_get_selected(GTK_DROP_DOWN(cw->output_dropdown));
                if (out != GTK_INVALID_LIST_POSITION && out > 0)
                        g_variant_builder_add(&b, "{sv}", "output",
                                              g_variant_new_string(gtk_string_list_get_string(cw->outputs, out)));
                /* persistent=false: the cast ends when this app does, since nothing else would show it runs. */
                g_variant_builder_add(&b, "{sv}", "persistent", g_variant_new_boolean(FALSE));
                g_dbus_connection_call(cw->bus, BUS_NAME, sink_path, BUS_SINK_IFACE, "Cast",
                                       g_variant_new("(a{sv})", &b), G_VARIANT_TYPE("(o)"),
                                       G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, CAST_TIMEOUT_MSEC,
                                       cw->cancel, on_cast_done, cw);
        }
}

static void cast_start(struct cast_window *cw, const char *sink_path)
{
        if (cw->cast_sink)
                return; /* one cast at a time; Stop first */
        error_clear(cw);
        cw->cast_sink = g_strdup(sink_path);
        cw->cast_via_user1 = cw->user1;
        cast_call(cw);
        window_refresh(cw);
}

static void on_stop_clicked(GtkButton *b, gpointer userdata)
{
        struct cast_window *cw = userdata;
        g_autoptr(GDBusProxy) session = NULL;

        if (!cw->cast_sink)
                return;
        /* Before Cast() answers we do not know the path yet, but the session is already listed. */
        session = cw->cast_session ? proxy_get(cw, cw->cast_session, BUS_SESSION_IFACE)
                                   : sink_session(cw, cw->cast_sink);
        cw->stopping = true;
        if (cw->cast_via_user1 && cw->cast_session)
                /* Its cast: miracastd-user also closes the screen share and gives the sound back. */
                g_dbus_connection_call(cw->session_bus, USER1_NAME, USER1_PATH, USER1_IFACE, "Stop",
                                       g_variant_new("(o)", cw->cast_session), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                                       cw->cancel, on_call_done, (gpointer) "User1.Stop");
        else if (session)
                g_dbus_connection_call(cw->bus, BUS_NAME, g_dbus_proxy_get_object_path(session), BUS_SESSION_IFACE,
                                       "Stop", NULL, NULL, G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, -1,
                                       cw->cancel, on_call_done, (gpointer) "Stop");
        window_refresh(cw);
}

static void on_row_activated(AdwActionRow *row, gpointer userdata)
{
        cast_start(userdata, g_object_get_data(G_OBJECT(row), "path"));
}

/* ---- redraw from the bus ------------------------------------------------ */

static GtkWidget *row_new(struct cast_window *cw, const char *path)
{
        GtkWidget *row = adw_action_row_new();
        GtkWidget *icon = gtk_image_new_from_icon_name("video-display-symbolic");

        gtk_accessible_update_property(GTK_ACCESSIBLE(icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "Display", -1);
        adw_action_row_add_prefix(ADW_ACTION_ROW(row), icon);
        adw_action_row_add_suffix(ADW_ACTION_ROW(row), gtk_image_new_from_icon_name("go-next-symbolic"));
        gtk_list_box_row_set_activatable(GTK_LIST_BOX_ROW(row), TRUE);
        g_object_set_data_full(G_OBJECT(row), "path", g_strdup(path), g_free);
        g_signal_connect(row, "activated", G_CALLBACK(on_row_activated), cw);
        gtk_list_box_append(GTK_LIST_BOX(cw->list), row);
        return row;
}

static void refresh_rows(struct cast_window *cw)
{
        GList *objects = cw->om ? g_dbus_object_manager_get_objects(cw->om) : NULL;
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
        GHashTableIter it;
        gpointer key, value;

        for (GList *l = objects; l; l = l->next) {
                g_autoptr(GDBusProxy) p = G_DBUS_PROXY(g_dbus_object_get_interface(l->data, BUS_SINK_IFACE));
                const char *path = g_dbus_object_get_object_path(l->data);
                GtkWidget *row;

                if (!p)
                        continue;
                row = g_hash_table_lookup(cw->rows, path);
                if (!row) {
                        row = row_new(cw, path);
                        g_hash_table_insert(cw->rows, g_strdup(path), row);
                }
                g_hash_table_add(seen, g_hash_table_lookup_extended(cw->rows, path, &key, NULL) ? key : NULL);

                g_autofree char *name = prop_string(p, "Name");
                g_autofree char *protocol = prop_string(p, "Protocol");
                g_autoptr(GDBusProxy) s = sink_session(cw, path);
                g_autofree char *state = prop_string(s, "State");
                const char *how = protocol_words(protocol);
                const char *st = s ? state_words(state)
                                   : prop_bool(p, "SessionAvailable", TRUE) ? "Available"
                                                                            : "In use by another device";
                g_autofree char *sub = how ? g_strdup_printf("%s · %s", st, how) : g_strdup(st);
                g_autofree char *esc = g_markup_escape_text(*name ? name : "Unnamed display", -1);
                g_autofree char *label = g_strdup_printf("%s, %s%s%s. Press Enter to cast your screen to it.",
                                                         *name ? name : "Unnamed display", st,
                                                         how ? ", over " : "", how ? how : "");

                adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), esc);
                adw_action_row_set_subtitle(ADW_ACTION_ROW(row), sub);
                gtk_widget_set_tooltip_text(row, "Cast the screen to this display");
                gtk_accessible_update_property(GTK_ACCESSIBLE(row), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
                /* While one cast runs, the others wait for Stop. */
                gtk_widget_set_sensitive(row, cw->cast_sink == NULL);
        }
        g_list_free_full(objects, g_object_unref);

        g_hash_table_iter_init(&it, cw->rows);
        while (g_hash_table_iter_next(&it, &key, &value))
                if (!g_hash_table_contains(seen, key)) {
                        gtk_list_box_remove(GTK_LIST_BOX(cw->list), value);
                        g_hash_table_iter_remove(&it);
                }
}

static void refresh_casting(struct cast_window *cw)
{
        g_autoptr(GDBusProxy) s = NULL;
        g_autofree char *state = NULL, *name = NULL, *title = NULL, *sub = NULL;

        if (cw->cast_sink) {
                s = cw->cast_session ? proxy_get(cw, cw->cast_session, BUS_SESSION_IFACE)
                                     : sink_session(cw, cw->cast_sink);
                state = prop_string(s, "State");
                /* The session ended (or vanished) after Cast() answered: say why unless we stopped it. */
                if (cw->cast_session && (!s || g_strcmp0(state, "ended") == 0)) {
                        g_autofree char *reason = prop_string(s, "EndReason");
                        if (!cw->stopping) {
                                struct cast_error_text t = { "The cast ended.", "Click the display to cast again." };
                                error_show(cw, t, reason);
                        }
                        cast_clear(cw);
                        g_clear_object(&s);
                }
        }
        g_free(cw->state_text);
        cw->state_text = g_strdup(cw->cast_sink ? (state && *state ? state : "connecting") : "");
        gtk_widget_set_visible(cw->casting_group, cw->cast_sink != NULL);
        if (!cw->cast_sink)
                return;

        name = sink_name(cw, cw->cast_sink);
        if (g_strcmp0(state, "playing") == 0 || g_strcmp0(state, "paused") == 0) {
                guint32 w = prop_u32(s, "Width"), h = prop_u32(s, "Height"), hz = prop_u32(s, "RefreshRate");
                g_autofree char *codec = prop_string(s, "VideoCodec");
                g_autofree char *video = prop_string(s, "VideoSource"), *audio = prop_string(s, "AudioSource");
                const char *mode = words_for(video_source_words, video),
                           *sound = words_for(audio_source_words, audio);
                title = g_strdup_printf("%s to %s", g_strcmp0(state, "paused") == 0 ? "Paused" : "Casting", name);
                sub = g_strdup_printf("%u×%u at %u Hz · %s%s%s%s%s", w, h, hz, *codec ? codec : "video",
                                      mode ? " · " : "", mode ? mode : "", sound ? " · " : "", sound ? sound : "");
        } else if (cw->stopping) {
                title = g_strdup_printf("Stopping the cast to %s…", name);
                sub = g_strdup("Waiting for the display to close the connection");
        } else {
                title = g_strdup_printf("Connecting to %s…", name);
                sub = g_strdup(g_strcmp0(state, "negotiating") == 0 ? state_words(state)
                                                                    : "Waiting for the display to accept");
        }
        g_autofree char *esc_title = g_markup_escape_text(title, -1);
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(cw->casting_row), esc_title);
        adw_action_row_set_subtitle(ADW_ACTION_ROW(cw->casting_row), sub);
        gtk_accessible_update_property(GTK_ACCESSIBLE(cw->casting_row), GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                       GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, sub, -1);
        gtk_widget_set_sensitive(cw->stop, !cw->stopping);
}

static void refresh_manager(struct cast_window *cw)
{
        g_autofree char *owner = cw->manager ? g_dbus_proxy_get_name_owner(cw->manager) : NULL;
        GDBusProxy *m = owner ? cw->manager : NULL;
        g_autoptr(GVariant) outs = m ? g_dbus_proxy_get_cached_property(m, "CaptureOutputs") : NULL;
        g_autofree char *backend = prop_string(m, "Backend");
        guint n = g_list_model_get_n_items(G_LIST_MODEL(cw->outputs));
        g_autofree const char **names = outs && g_variant_is_of_type(outs, G_VARIANT_TYPE_STRING_ARRAY)
                                                ? g_variant_get_strv(outs, NULL)
                                                : NULL;
        guint want = 1 + (names ? g_strv_length((char **) names) : 0);
        bool same = want == n;

        for (guint i = 1; same && i < n; i++)
                same = g_strcmp0(gtk_string_list_get_string(cw->outputs, i), names[i - 1]) == 0;
        if (!same)
                gtk_string_list_splice(cw->outputs, 1, n - 1, names);
        gtk_widget_set_sensitive(cw->output_dropdown, want > 1);

        /* No Wi-Fi Direct: say so before anyone clicks. */
        if (m && g_strcmp0(backend, "none") == 0 && !cw->cast_sink)
                error_show(cw, cast_error_no_backend(), NULL);
}

/* What needs miracastd-user is usable only with it; without, each says why in plain words. */
static void refresh_choices(struct cast_window *cw)
{
        static const char *const tips[_CHOICE_MAX][3] = {
                [CHOICE_SHOW] = { "Show the same picture as this screen",
                                  "Add a screen: the display becomes a second monitor",
                                  "Show one window (the desktop asks which)" },
                [CHOICE_SOUND] = { "Play the sound on the display only", "Play the sound here and on the display",
                                   "Send no sound" },
                [CHOICE_LATENCY] = { "Quickest reaction, for presenting and pointing",
                                     "The usual balance of delay and picture quality",
                                     "Best picture for video, with more delay" },
        };
        static const char *const missing =
                "Not available: this needs miracastd-user, the desktop part of miracastd, which is not installed "
                "(only the whole screen can be cast without it)";

        /* Delay and input are the daemon's own Cast options: usable either way. */
        for (unsigned r = 0; r < CHOICE_LATENCY; r++)
                for (unsigned i = 0; i < 3; i++) {
                        GtkWidget *b = cw->choice_buttons[r][i];
                        /* Duplicate works either way: the daemon captures the screen itself. */
                        bool on = cw->user1 || (r == CHOICE_SHOW && i == 0);
                        const char *tip = on ? tips[r][i] : missing;

                        gtk_widget_set_sensitive(b, on && !cw->cast_sink);
                        gtk_widget_set_tooltip_text(b, tip);
                        gtk_accessible_update_property(GTK_ACCESSIBLE(b), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tip,
                                                       -1);
                        /* Extend or a window chosen, then miracastd-user went: back to what works. */
                        if (!on && r == CHOICE_SHOW && gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(b)))
                                gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(cw->choice_buttons[r][0]), TRUE);
                }
        adw_action_row_set_subtitle(ADW_ACTION_ROW(cw->choice_rows[CHOICE_SOUND]),
                                    cw->user1 ? "Where the sound plays" : "Needs miracastd-user (not installed)");
        for (unsigned r = CHOICE_LATENCY; r < _CHOICE_MAX; r++)
                for (unsigned i = 0; i < 3; i++) {
                        gtk_widget_set_sensitive(cw->choice_buttons[r][i], !cw->cast_sink);
                        if (r == CHOICE_LATENCY) {
                                gtk_widget_set_tooltip_text(cw->choice_buttons[r][i], tips[r][i]);
                                gtk_accessible_update_property(GTK_ACCESSIBLE(cw->choice_buttons[r][i]),
                                                               GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tips[r][i], -1);
                        }
                }
        /* With miracastd-user the desktop's own chooser picks the screen. */
        if (cw->user1) {
                gtk_widget_set_sensitive(cw->output_dropdown, FALSE);
                gtk_widget_set_tooltip_text(cw->output_dropdown, "The desktop asks which screen when the cast starts");
        }
}

static void window_refresh(struct cast_window *cw)
{
        refresh_casting(cw);
        refresh_rows(cw);
        refresh_manager(cw);
        refresh_choices(cw);
}

/* ---- connecting to the daemon ------------------------------------------- */

static void show_missing(struct cast_window *cw, const char *title, const char *description)
{
        adw_status_page_set_title(ADW_STATUS_PAGE(cw->missing_page), title);
        adw_status_page_set_description(ADW_STATUS_PAGE(cw->missing_page), description);
        gtk_stack_set_visible_child_name(GTK_STACK(cw->stack), "missing");
}

static void on_name_owner(GObject *om, GParamSpec *pspec, gpointer userdata)
{
        struct cast_window *cw = userdata;
        g_autofree char *owner = g_dbus_object_manager_client_get_name_owner(G_DBUS_OBJECT_MANAGER_CLIENT(om));

        if (owner) {
                gtk_stack_set_visible_child_name(GTK_STACK(cw->stack), "main");
                daemon_appeared(cw);
        } else {
                /* Its discovery reference and our agent went with it. */
                cw->discovering = cw->agent_registered = false;
                pin_dialog_close(cw);
                input_dialog_close(cw);
                if (cw->cast_sink && !cw->stopping) {
                        struct cast_error_text t = { "miracastd stopped, and the cast with it.",
                                                     "Start it again (systemctl start miracastd), then cast again." };
                        error_show(cw, t, NULL);
                }
                cast_clear(cw);
                show_missing(cw, "miracastd stopped",
                             "The casting service left the system bus.\nStart it with: systemctl start miracastd");
        }
        window_refresh(cw);
}

static void on_objects_changed(GDBusObjectManager *om, gpointer a, gpointer userdata)
{
        window_refresh(userdata);
}

static void on_proxy_props(GDBusObjectManagerClient *om, GDBusObjectProxy *o, GDBusProxy *p, GVariant *changed,
                           GStrv inval, gpointer userdata)
{
        window_refresh(userdata);
}

static void on_manager_props(GDBusProxy *p, GVariant *changed, GStrv inval, gpointer userdata)
{
        window_refresh(userdata);
}

static void on_manager_ready(GObject *src, GAsyncResult *res, gpointer userdata)
{
        g_autoptr(GError) error = NULL;
        GDBusProxy *p = g_dbus_proxy_new_finish(res, &error);
        struct cast_window *cw;

        if (!p) {
                if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                        g_message("Manager1 proxy: %s", error->message);
                return;
        }
        cw = userdata;
        cw->manager = p;
        g_signal_connect(p, "g-properties-changed", G_CALLBACK(on_manager_props), cw);
        g_signal_connect_swapped(p, "notify::g-name-owner", G_CALLBACK(window_refresh), cw);
        window_refresh(cw);
}

static void on_om_ready(GObject *src, GAsyncResult *res, gpointer userdata)
{
        g_autoptr(GError) error = NULL;
        GDBusObjectManager *om = g_dbus_object_manager_client_new_finish(res, &error);
        struct cast_window *cw;

        if (!om) {
                if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                        return;
                cw = userdata;
                show_missing(cw, "Cannot reach miracastd", error->message);
                return;
        }
        cw = userdata;
        cw->om = om;
        g_signal_connect(om, "notify::name-owner", G_CALLBACK(on_name_owner), cw);
        g_signal_connect(om, "object-added", G_CALLBACK(on_objects_changed), cw);
        g_signal_connect(om, "object-removed", G_CALLBACK(on_objects_changed), cw);
        g_signal_connect(om, "interface-added", G_CALLBACK(on_objects_changed), cw);
        g_signal_connect(om, "interface-removed", G_CALLBACK(on_objects_changed), cw);
        g_signal_connect(om, "interface-proxy-properties-changed", G_CALLBACK(on_proxy_props), cw);
        g_dbus_proxy_new(cw->bus, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL, BUS_NAME, BUS_ROOT_PATH,
                         BUS_MANAGER_IFACE, cw->cancel, on_manager_ready, cw);
        on_name_owner(G_OBJECT(om), NULL, cw);
}

static void on_service_started(GObject *src, GAsyncResult *res, gpointer userdata)
{
        g_autoptr(GError) error = NULL;
        /* res NULL: the name already has an owner (on_name_checked) */
        g_autoptr(GVariant) v = res ? g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error)
                                    : g_variant_ref_sink(g_variant_new("(u)", 2));
        struct cast_window *cw;
        g_autofree char *name = NULL;

        if (!v && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return;
        cw = userdata;
        if (!v) {
                name = g_dbus_error_get_remote_error(error);
                g_dbus_error_strip_remote_error(error);
                if (g_strcmp0(name, "org.freedesktop.DBus.Error.ServiceUnknown") == 0)
                        show_missing(cw, "miracastd is not installed",
                                     "Nothing on this computer provides the casting service (org.miracastd).\n"
                                     "Install the miracastd package, or run make install in its source tree.");
                else {
                        g_autofree char *d = g_strdup_printf("The casting service is installed but did not start: "
                                                             "%s\nSee: journalctl -u miracastd",
                                                             error->message);
                        show_missing(cw, "miracastd is not running", d);
                }
                return;
        }
        if (cw->om) {   /* Try again after the daemon came back: the client follows the owner itself */
                on_name_owner(G_OBJECT(cw->om), NULL, cw);
                return;
        }
        g_dbus_object_manager_client_new(cw->bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START, BUS_NAME,
                                         BUS_ROOT_PATH, NULL, NULL, NULL, cw->cancel, on_om_ready, cw);
}

/* Finish a NameHasOwner call: false when it was cancelled (the window is gone, and cw with it), else
 * true with *ret_owned (FALSE on any error). */
static bool name_has_owner_finish(GObject *src, GAsyncResult *res, gboolean *ret_owned)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) v = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);

        if (!v && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return false;
        *ret_owned = FALSE;
        if (v)
                g_variant_get(v, "(b)", ret_owned);
        return true;
}

static void on_name_checked(GObject *src, GAsyncResult *res, gpointer userdata)
{
        struct cast_window *cw = userdata;
        gboolean owned;

        if (!name_has_owner_finish(src, res, &owned))
                return;
        if (owned) {
                /* dbus-daemon answers StartServiceByName with ServiceUnknown for a running daemon that has no
                 * service file (a private bus), so ask for activation only when nobody owns the name. */
                on_service_started(src, NULL, cw);
                return;
        }
        /* Starts miracastd through D-Bus activation when it is installed but not running. */
        g_dbus_connection_call(cw->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "StartServiceByName", g_variant_new("(su)", BUS_NAME, 0), G_VARIANT_TYPE("(u)"),
                               G_DBUS_CALL_FLAGS_NONE, 30000, cw->cancel, on_service_started, cw);
}

static void window_activate_service(struct cast_window *cw)
{
        g_dbus_connection_call(cw->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", g_variant_new("(s)", BUS_NAME), G_VARIANT_TYPE("(b)"),
                               G_DBUS_CALL_FLAGS_NONE, -1, cw->cancel, on_name_checked, cw);
}

/* ---- the user-session component (org.miracastd.User on the session bus) -- */

static void on_user1_activatable(GObject *src, GAsyncResult *res, gpointer userdata)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) v = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);
        g_autofree const char **names = NULL;
        struct cast_window *cw;

        if (!v && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return;
        cw = userdata;
        if (v) {
                g_variant_get(v, "(^a&s)", &names);
                cw->user1 = g_strv_contains(names, USER1_NAME);
        }
        window_refresh(cw);
}

static void on_user1_owner(GObject *src, GAsyncResult *res, gpointer userdata)
{
        struct cast_window *cw = userdata;
        gboolean owned;

        if (!name_has_owner_finish(src, res, &owned))
                return;
        if (owned) {
                cw->user1 = true;
                window_refresh(cw);
                return;
        }
        /* Not running: installed means activatable (it exits when idle). */
        g_dbus_connection_call(cw->session_bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "ListActivatableNames", NULL, G_VARIANT_TYPE("(as)"),
                               G_DBUS_CALL_FLAGS_NONE, -1, cw->cancel, on_user1_activatable, cw);
}

static void on_session_bus(GObject *src, GAsyncResult *res, gpointer userdata)
{
        g_autoptr(GError) error = NULL;
        GDBusConnection *bus = g_bus_get_finish(res, &error);
        struct cast_window *cw;

        if (!bus) {
                if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                        g_message("No session bus (%s): casting without miracastd-user", error->message);
                return;
        }
        cw = userdata;
        g_clear_object(&cw->session_bus);
        cw->session_bus = bus;
        g_dbus_connection_call(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", g_variant_new("(s)", USER1_NAME), G_VARIANT_TYPE("(b)"),
                               G_DBUS_CALL_FLAGS_NONE, -1, cw->cancel, on_user1_owner, cw);
}

static void on_bus_ready(GObject *src, GAsyncResult *res, gpointer userdata)
{
        g_autoptr(GError) error = NULL;
        GDBusConnection *bus = g_dbus_connection_new_for_address_finish(res, &error);
        struct cast_window *cw;

        if (!bus && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return;
        cw = userdata;
        if (!bus) {
                show_missing(cw, "Cannot reach the system bus", error->message);
                return;
        }
        cw->bus = bus;
        if (cast_agent_new(bus, &agent_ops, cw, &cw->agent) < 0)
                g_message("Could not export the PIN agent; casts that need a PIN will fail");
        g_bus_get(G_BUS_TYPE_SESSION, cw->cancel, on_session_bus, cw);
        window_activate_service(cw);
}

static void window_connect(struct cast_window *cw)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *address = cw->bus_address
                                           ? g_strdup(cw->bus_address)
                                           : g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SYSTEM, NULL, &error);

        if (cw->bus) {
                window_activate_service(cw);
                return;
        }
        if (!address) {
                show_missing(cw, "Cannot reach the system bus", error->message);
                return;
        }
        g_dbus_connection_new_for_address(address,
                                          G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                          NULL, cw->cancel, on_bus_ready, cw);
}

static void on_retry(GtkButton *b, gpointer userdata)
{
        window_connect(userdata);
}

/* ---- building the window ------------------------------------------------ */

/* A row of n linked toggle buttons (into buttons[]), the one at active chosen; refresh_choices() sets
 * which are usable and their tooltips. */
static GtkWidget *choice_row(const char *title, const char *subtitle, const char *const labels[], unsigned active,
                             GtkWidget *buttons[], unsigned n)
{
        GtkWidget *row = adw_action_row_new();
        GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 0);
        GtkWidget *first = NULL;

        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
        adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
        gtk_widget_add_css_class(box, "linked");
        gtk_widget_set_valign(box, GTK_ALIGN_CENTER);
        for (unsigned i = 0; i < n; i++) {
                GtkWidget *b = gtk_toggle_button_new_with_label(labels[i]);
                if (first)
                        gtk_toggle_button_set_group(GTK_TOGGLE_BUTTON(b), GTK_TOGGLE_BUTTON(first));
                else
                        first = b;
                gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(b), i == active);
                /* A screen reader says "Show: Extend", not just "Extend". */
                g_autofree char *label = g_strdup_printf("%s: %s", title, labels[i]);
                gtk_accessible_update_property(GTK_ACCESSIBLE(b), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
                gtk_box_append(GTK_BOX(box), b);
                buttons[i] = b;
        }
        adw_action_row_add_suffix(ADW_ACTION_ROW(row), box);
        return row;
}

static GtkWidget *group_new(GtkWidget *page, const char *title, const char *description)
{
        GtkWidget *g = adw_preferences_group_new();
        if (title)
                adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(g), title);
        if (description)
                adw_preferences_group_set_description(ADW_PREFERENCES_GROUP(g), description);
        gtk_box_append(GTK_BOX(page), g);
        return g;
}

static void window_build(struct cast_window *cw)
{
        GtkWidget *header = adw_header_bar_new();
        GtkWidget *outer = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
        GtkWidget *scroll = gtk_scrolled_window_new();
        GtkWidget *clamp = adw_clamp_new();
        GtkWidget *page = gtk_box_new(GTK_ORIENTATION_VERTICAL, 18);
        GtkWidget *g, *row;

        adw_header_bar_set_title_widget(ADW_HEADER_BAR(header), adw_window_title_new("Cast Screen", NULL));
        gtk_box_append(GTK_BOX(outer), header);
        cw->stack = gtk_stack_new();
        gtk_widget_set_vexpand(cw->stack, TRUE);
        gtk_box_append(GTK_BOX(outer), cw->stack);

        /* "missing": the daemon is not installed / not running / unreachable */
        cw->missing_page = adw_status_page_new();
        adw_status_page_set_icon_name(ADW_STATUS_PAGE(cw->missing_page), "dialog-warning-symbolic");
        adw_status_page_set_title(ADW_STATUS_PAGE(cw->missing_page), "Looking for miracastd…");
        cw->retry = gtk_button_new_with_mnemonic("_Try Again");
        gtk_widget_set_halign(cw->retry, GTK_ALIGN_CENTER);
        gtk_widget_add_css_class(cw->retry, "pill");
        gtk_widget_set_tooltip_text(cw->retry, "Look for the casting service again");
        g_signal_connect(cw->retry, "clicked", G_CALLBACK(on_retry), cw);
        adw_status_page_set_child(ADW_STATUS_PAGE(cw->missing_page), cw->retry);
        gtk_stack_add_named(GTK_STACK(cw->stack), cw->missing_page, "missing");

        /* "main" */
        gtk_widget_set_margin_top(page, 18);
        gtk_widget_set_margin_bottom(page, 18);
        gtk_widget_set_margin_start(page, 12);
        gtk_widget_set_margin_end(page, 12);
        adw_clamp_set_maximum_size(ADW_CLAMP(clamp), 560);
        adw_clamp_set_child(ADW_CLAMP(clamp), page);
        gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroll), clamp);
        gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroll), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
        gtk_stack_add_named(GTK_STACK(cw->stack), scroll, "main");

        cw->error_group = group_new(page, NULL, NULL);
        cw->error_row = adw_action_row_new();
        adw_action_row_add_prefix(ADW_ACTION_ROW(cw->error_row), gtk_image_new_from_icon_name("dialog-warning-symbolic"));
        adw_action_row_set_title_lines(ADW_ACTION_ROW(cw->error_row), 0);
        adw_action_row_set_subtitle_lines(ADW_ACTION_ROW(cw->error_row), 0);
        gtk_widget_add_css_class(cw->error_row, "error");
        adw_preferences_group_add(ADW_PREFERENCES_GROUP(cw->error_group), cw->error_row);
        gtk_widget_set_visible(cw->error_group, FALSE);

        cw->casting_group = group_new(page, "Now casting", NULL);
        cw->casting_row = adw_action_row_new();
        adw_action_row_set_title_lines(ADW_ACTION_ROW(cw->casting_row), 0);
        adw_action_row_add_prefix(ADW_ACTION_ROW(cw->casting_row),
                                  gtk_image_new_from_icon_name("video-display-symbolic"));
        cw->stop = gtk_button_new_with_mnemonic("_Stop");
        gtk_widget_add_css_class(cw->stop, "destructive-action");
        gtk_widget_set_valign(cw->stop, GTK_ALIGN_CENTER);
        gtk_widget_set_tooltip_text(cw->stop, "Stop casting to this display");
        g_signal_connect(cw->stop, "clicked", G_CALLBACK(on_stop_clicked), cw);
        adw_action_row_add_suffix(ADW_ACTION_ROW(cw->casting_row), cw->stop);
        adw_preferences_group_add(ADW_PREFERENCES_GROUP(cw->casting_group), cw->casting_row);
        gtk_widget_set_visible(cw->casting_group, FALSE);

        g = group_new(page, "Displays", "Turn on screen mirroring on the TV or adapter; it appears here.");
        cw->list = gtk_list_box_new();
        gtk_widget_add_css_class(cw->list, "boxed-list");
        gtk_list_box_set_selection_mode(GTK_LIST_BOX(cw->list), GTK_SELECTION_NONE);
        gtk_accessible_update_property(GTK_ACCESSIBLE(cw->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Displays in range", -1);
        cw->placeholder = gtk_label_new("Searching for displays…");
        gtk_widget_add_css_class(cw->placeholder, "dim-label");
        gtk_widget_set_margin_top(cw->placeholder, 18);
        gtk_widget_set_margin_bottom(cw->placeholder, 18);
        gtk_list_box_set_placeholder(GTK_LIST_BOX(cw->list), cw->placeholder);
        adw_preferences_group_add(ADW_PREFERENCES_GROUP(g), cw->list);

        g = group_new(page, "Options", NULL);
        {
                static const char *const labels[_CHOICE_MAX][3] = {
                        [CHOICE_SHOW] = { "Duplicate", "Extend", "A Window" },
                        [CHOICE_SOUND] = { "On the Display", "On Both", "Off" },
                        [CHOICE_LATENCY] = { "Low Delay", "Balanced", "Best Picture" },
                        [CHOICE_INPUT] = { "Ask", "Allow", "Never" },
                };
                static const char *const titles[_CHOICE_MAX] = { "Show", "Sound", "Delay", "Input from the display" };
                static const char *const subtitles[_CHOICE_MAX] = {
                        "What the display shows", "Where the sound plays", "Delay against picture quality",
                        "Its touch screen, mouse or keyboard controlling this computer",
                };
                static const unsigned active[_CHOICE_MAX] = { 0, 0, 1, 0 };

                for (unsigned r = 0; r < _CHOICE_MAX; r++) {
                        cw->choice_rows[r] = choice_row(titles[r], subtitles[r], labels[r], active[r],
                                                        cw->choice_buttons[r], 3);
                        adw_preferences_group_add(ADW_PREFERENCES_GROUP(g), cw->choice_rows[r]);
                }
                static const char *const input_tips[] = {
                        "Ask when the display offers input", "Allow it for this cast without asking",
                        "Never allow it, and do not ask",
                };
                for (unsigned i = 0; i < 3; i++)
                        gtk_widget_set_tooltip_text(cw->choice_buttons[CHOICE_INPUT][i], input_tips[i]);
        }
        {
                static const char *const first[] = { "Whole screen", NULL };
                cw->outputs = gtk_string_list_new(first);
                cw->output_dropdown = gtk_drop_down_new(G_LIST_MODEL(cw->outputs), NULL);
                gtk_widget_set_valign(cw->output_dropdown, GTK_ALIGN_CENTER);
                gtk_widget_set_tooltip_text(cw->output_dropdown, "Which screen to duplicate (Cast option \"output\")");
                gtk_accessible_update_property(GTK_ACCESSIBLE(cw->output_dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                               "Screen to cast", -1);
                row = adw_action_row_new();
                adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), "Screen");
                adw_action_row_add_suffix(ADW_ACTION_ROW(row), cw->output_dropdown);
                adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), cw->output_dropdown);
                adw_preferences_group_add(ADW_PREFERENCES_GROUP(g), row);
        }
        {
                cw->pin_switch = gtk_switch_new();
                gtk_widget_set_valign(cw->pin_switch, GTK_ALIGN_CENTER);
                gtk_accessible_update_property(GTK_ACCESSIBLE(cw->pin_switch), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                               "Connect with a PIN", -1);
                row = adw_action_row_new();
                adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), "Connect with a PIN");
                adw_action_row_set_subtitle(ADW_ACTION_ROW(row),
                                            "For displays that do not accept a button press; a PIN is asked when needed anyway");
                adw_action_row_add_suffix(ADW_ACTION_ROW(row), cw->pin_switch);
                adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), cw->pin_switch);
                adw_preferences_group_add(ADW_PREFERENCES_GROUP(g), row);
        }

        adw_application_window_set_content(ADW_APPLICATION_WINDOW(cw->window), outer);
        gtk_window_set_default_size(cw->window, 560, 640);
        gtk_window_set_title(cw->window, "Cast Screen");
}

static void on_window_destroy(GtkWidget *w, gpointer userdata)
{
        struct cast_window *cw = userdata;

        /* Our discovery reference would also go when we leave the bus; say it now. */
        if (cw->bus && cw->discovering)
                manager_call(cw, "StopDiscovery", NULL, NULL);
        g_cancellable_cancel(cw->cancel);
        g_clear_object(&cw->cancel);
        cw->agent = cast_agent_free(cw->agent);
        g_clear_object(&cw->session_bus);
        g_clear_object(&cw->manager);
        g_clear_object(&cw->om);
        if (cw->bus)
                (void) g_dbus_connection_flush_sync(cw->bus, NULL, NULL);
        g_clear_object(&cw->bus);
        g_hash_table_destroy(cw->rows);
        cast_clear(cw);
        g_free(cw->state_text);
        g_free(cw->bus_address);
        g_free(cw);
}

struct cast_window *cast_window_new(GtkApplication *app, const char *bus_address)
{
        struct cast_window *cw = g_new0(struct cast_window, 1);

        cw->bus_address = g_strdup(bus_address);
        cw->cancel = g_cancellable_new();
        cw->rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        cw->state_text = g_strdup("");
        cw->window = GTK_WINDOW(adw_application_window_new(app));
        window_build(cw);
        refresh_choices(cw);
        g_signal_connect(cw->window, "destroy", G_CALLBACK(on_window_destroy), cw);
        gtk_window_present(cw->window);
        window_connect(cw);
        return cw;
}

/* ---- for --autotest ------------------------------------------------------ */

unsigned cast_window_n_displays(struct cast_window *cw)
{
        return g_hash_table_size(cw->rows);
}

bool cast_window_activate_display(struct cast_window *cw, const char *name)
{
        GHashTableIter it;
        gpointer row;

        g_hash_table_iter_init(&it, cw->rows);
        while (g_hash_table_iter_next(&it, NULL, &row))
                if (g_strcmp0(adw_preferences_row_get_title(row), name) == 0) {
                        /* What Enter or a click does */
                        gtk_widget_grab_focus(row);
                        return gtk_widget_activate(row);
                }
        return false;
}

const char *cast_window_cast_state(struct cast_window *cw)
{
        return cw->state_text;
}

const char *cast_window_page(struct cast_window *cw)
{
        return gtk_stack_get_visible_child_name(GTK_STACK(cw->stack));
}

const char *cast_window_error(struct cast_window *cw)
{
        return gtk_widget_get_visible(cw->error_group) ? adw_preferences_row_get_title(ADW_PREFERENCES_ROW(cw->error_row))
                                                       : "";
}

bool cast_window_input_dialog_open(struct cast_window *cw)
{
        return cw->input_dialog && gtk_widget_get_mapped(cw->input_dialog);
}

bool cast_window_input_answer(struct cast_window *cw, bool allow)
{
        if (!cw->input_dialog)
                return false;
        adw_message_dialog_response(ADW_MESSAGE_DIALOG(cw->input_dialog), allow ? "allow" : "deny");
        return true;
}

bool cast_window_user1(struct cast_window *cw)
{
        return cw->user1;
}

bool cast_window_choose(struct cast_window *cw, const char *title, const char *label)
{
        for (unsigned r = 0; r < _CHOICE_MAX; r++) {
                if (g_strcmp0(adw_preferences_row_get_title(ADW_PREFERENCES_ROW(cw->choice_rows[r])), title) != 0)
                        continue;
                for (unsigned i = 0; i < 3; i++) {
                        GtkWidget *b = cw->choice_buttons[r][i];
                        if (g_strcmp0(gtk_button_get_label(GTK_BUTTON(b)), label) == 0 && gtk_widget_is_sensitive(b)) {
                                gtk_widget_grab_focus(b);
                                return gtk_widget_activate(b);
                        }
                }
        }
        return false;
}

const char *cast_window_casting_text(struct cast_window *cw)
{
        return gtk_widget_get_visible(cw->casting_group) ? adw_action_row_get_subtitle(ADW_ACTION_ROW(cw->casting_row))
                                                         : "";
}

const char *cast_window_display_text(struct cast_window *cw, const char *name)
{
        GHashTableIter it;
        gpointer row;

        g_hash_table_iter_init(&it, cw->rows);
        while (g_hash_table_iter_next(&it, NULL, &row))
                if (g_strcmp0(adw_preferences_row_get_title(row), name) == 0)
                        return adw_action_row_get_subtitle(row);
        return NULL;
}

bool cast_window_focus_display(struct cast_window *cw, const char *name)
{
        GHashTableIter it;
        gpointer row;

        g_hash_table_iter_init(&it, cw->rows);
        while (g_hash_table_iter_next(&it, NULL, &row))
                if (g_strcmp0(adw_preferences_row_get_title(row), name) == 0)
                        return gtk_widget_grab_focus(row);
        return false;
}

bool cast_window_pin_dialog_open(struct cast_window *cw)
{
        return cw->pin_dialog && gtk_widget_get_mapped(cw->pin_dialog);
}

bool cast_window_pin_type(struct cast_window *cw, const char *digits)
{
        if (!cw->pin_entry)
                return false;
        gtk_editable_set_text(GTK_EDITABLE(cw->pin_entry), digits);
        return true;
}

bool cast_window_pin_submit(struct cast_window *cw)
{
        if (!cw->pin_entry)
                return false;
        g_signal_emit_by_name(cw->pin_entry, "activate");
        return cw->pin_dialog == NULL;
}

bool cast_window_stop(struct cast_window *cw)
{
        if (!cw->cast_sink || !gtk_widget_get_sensitive(cw->stop))
                return false;
        return gtk_widget_activate(cw->stop);
}

static GskRenderNode *render_window(GtkWindow *w, int *ret_w, int *ret_h)
{
        g_autoptr(GdkPaintable) p = gtk_widget_paintable_new(GTK_WIDGET(w));
        GtkSnapshot *s = gtk_snapshot_new();
        int width = gtk_widget_get_width(GTK_WIDGET(w)), height = gtk_widget_get_height(GTK_WIDGET(w));

        gdk_paintable_snapshot(p, s, width, height);
        *ret_w = width;
        *ret_h = height;
        return gtk_snapshot_free_to_node(s);
}

int cast_window_save_png(struct cast_window *cw, const char *path)
{
        GskRenderer *r = gtk_native_get_renderer(GTK_NATIVE(cw->window));
        GtkSnapshot *s = gtk_snapshot_new();
        g_autoptr(GskRenderNode) node = NULL, main_node = NULL, dlg_node = NULL;
        g_autoptr(GdkTexture) tex = NULL;
        int w, h, dw = 0, dh = 0;

        main_node = render_window(cw->window, &w, &h);
        if (w <= 0 || h <= 0)
                return -EAGAIN;
        gtk_snapshot_append_color(s, &(GdkRGBA) { 0.98f, 0.98f, 0.98f, 1 }, &GRAPHENE_RECT_INIT(0, 0, w, h));
        gtk_snapshot_append_node(s, main_node);
        if (cast_window_pin_dialog_open(cw) || cast_window_input_dialog_open(cw)) {
                /* A dialog is its own window; draw it centred over the dimmed main one, as a desktop would. */
                dlg_node = render_window(GTK_WINDOW(cast_window_pin_dialog_open(cw) ? cw->pin_dialog
                                                                                    : cw->input_dialog),
                                         &dw, &dh);
                gtk_snapshot_append_color(s, &(GdkRGBA) { 0, 0, 0, 0.35f }, &GRAPHENE_RECT_INIT(0, 0, w, h));
                gtk_snapshot_save(s);
                gtk_snapshot_translate(s, &GRAPHENE_POINT_INIT((w - dw) / 2.0f, (h - dh) / 2.0f));
                gtk_snapshot_append_node(s, dlg_node);
                gtk_snapshot_restore(s);
        }
        node = gtk_snapshot_free_to_node(s);
        tex = gsk_renderer_render_texture(r, node, &GRAPHENE_RECT_INIT(0, 0, w, h));
        if (!tex)
                return -EIO;
        return gdk_texture_save_to_png(tex, path) ? 0 : -EIO;
}
