/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * miracast-cast: the "Cast screen" window for desktops other than GNOME
 * Shell (which has the extension in desktop/gnome-shell-extension/).
 * A pure client of org.miracastd; see docs/desktop.md.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cast-autotest.h"
#include "cast-window.h"

static char *opt_bus, *opt_autotest;

static const GOptionEntry options[] = {
        { "bus", 0, 0, G_OPTION_ARG_STRING, &opt_bus, "D-Bus address of the bus miracastd is on (default: system bus)",
          "ADDRESS" },
        { "autotest", 0, 0, G_OPTION_ARG_FILENAME, &opt_autotest, "Run a test script against the window (tests only)",
          "SCRIPT" },
        { NULL },
};

static void on_activate(GtkApplication *app, gpointer userdata)
{
        GList *windows = gtk_application_get_windows(app);
        struct cast_window *cw;

        if (windows) {
                gtk_window_present(windows->data);
                return;
        }
        cw = cast_window_new(app, opt_bus);
        if (opt_autotest && cast_autotest_start(G_APPLICATION(app), cw, opt_autotest) < 0) {
                fprintf(stderr, "Cannot read %s\n", opt_autotest);
                g_application_quit(G_APPLICATION(app));
        }
}

int main(int argc, char **argv)
{
        g_autoptr(AdwApplication) app = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(GOptionContext) ctx = g_option_context_new("- cast the screen to a Miracast display");
        int r;

        g_option_context_add_main_entries(ctx, options, NULL);
        if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
                fprintf(stderr, "%s\n", error->message);
                return 2;
        }
        /* A test run must not hand its script to an already running instance. */
        app = adw_application_new("org.miracastd.Cast", opt_autotest ? G_APPLICATION_NON_UNIQUE
                                                                     : G_APPLICATION_DEFAULT_FLAGS);
        g_signal_connect(app, "activate", G_CALLBACK(on_activate), NULL);
        r = g_application_run(G_APPLICATION(app), argc, argv);
        if (opt_autotest) {
                int status = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(app), "autotest-status"));
                r = status == 2 ? 0 : 1;
        }
        return r;
}
