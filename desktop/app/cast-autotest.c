/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cast-autotest.h"

#define STEP_MSEC 100
#define WAIT_LIMIT_MSEC 60000

struct autotest {
        GApplication *app;          /* ref */
        struct cast_window *cw;     /* not owned */
        char **lines;               /* owned */
        unsigned next;
        unsigned waited_msec;
};

static void autotest_finish(struct autotest *t, int status)
{
        if (status)
                fprintf(stderr, "autotest: step %u \"%s\" failed\n", t->next + 1, t->lines[t->next]);
        else
                printf("autotest: all steps passed\n");
        fflush(stdout);
        g_application_quit(t->app);
        /* GApplication has no exit-code setter once running: main() reads this. */
        g_object_set_data(G_OBJECT(t->app), "autotest-status", GINT_TO_POINTER(status ? 1 : 2));
}

/* 1 done, 0 not yet (wait), -1 failed. */
static int autotest_step(struct autotest *t, const char *line)
{
        char verb[32] = "", arg[256] = "";

        if (sscanf(line, "%31s %255[^\n]", verb, arg) < 1)
                return 1;
        if (verb[0] == '#')
                return 1;
        if (strcmp(verb, "wait-page") == 0)
                return g_strcmp0(cast_window_page(t->cw), arg) == 0 ? 1 : 0;
        if (strcmp(verb, "wait-displays") == 0)
                return cast_window_n_displays(t->cw) >= (unsigned) atoi(arg) ? 1 : 0;
        if (strcmp(verb, "cast") == 0)
                return cast_window_activate_display(t->cw, arg) ? 1 : -1;
        if (strcmp(verb, "wait-pin") == 0)
                return cast_window_pin_dialog_open(t->cw) ? 1 : 0;
        if (strcmp(verb, "type-pin") == 0)
                return cast_window_pin_type(t->cw, arg) ? 1 : -1;
        if (strcmp(verb, "submit-pin") == 0)
                return cast_window_pin_submit(t->cw) ? 1 : -1;
        if (strcmp(verb, "wait-input") == 0)
                return cast_window_input_dialog_open(t->cw) ? 1 : 0;
        if (strcmp(verb, "answer-input") == 0)
                return cast_window_input_answer(t->cw, strcmp(arg, "allow") == 0) ? 1 : -1;
        if (strcmp(verb, "wait-input-closed") == 0)
                return cast_window_input_dialog_open(t->cw) ? 0 : 1;
        if (strcmp(verb, "wait-user1") == 0)
                return cast_window_user1(t->cw) == (strcmp(arg, "yes") == 0) ? 1 : 0;
        if (strcmp(verb, "choose") == 0) {
                /* choose TITLE|LABEL */
                char *bar = strchr(arg, '|');
                if (!bar)
                        return -1;
                *bar = 0;
                return cast_window_choose(t->cw, arg, bar + 1) ? 1 : -1;
        }
        if (strcmp(verb, "refuse-choose") == 0) {
                /* refuse-choose TITLE|LABEL: the button must not be usable */
                char *bar = strchr(arg, '|');
                if (!bar)
                        return -1;
                *bar = 0;
                return cast_window_choose(t->cw, arg, bar + 1) ? -1 : 1;
        }
        if (strcmp(verb, "wait-casting-text") == 0)
                return strstr(cast_window_casting_text(t->cw), arg) ? 1 : 0;
        if (strcmp(verb, "wait-display-text") == 0) {
                /* wait-display-text NAME|TEXT */
                char *bar = strchr(arg, '|');
                const char *text;
                if (!bar)
                        return -1;
                *bar = 0;
                text = cast_window_display_text(t->cw, arg);
                return text && strstr(text, bar + 1) ? 1 : 0;
        }
        if (strcmp(verb, "focus-display") == 0)
                return cast_window_focus_display(t->cw, arg) ? 1 : -1;
        if (strcmp(verb, "say") == 0) {
                /* A marker the test waits for before it presses real keys. */
                printf("autotest: %s\n", arg);
                fflush(stdout);
                return 1;
        }
        if (strcmp(verb, "wait-state") == 0)
                return g_strcmp0(cast_window_cast_state(t->cw), arg) == 0 ? 1 : 0;
        if (strcmp(verb, "wait-error") == 0)
                return strstr(cast_window_error(t->cw), arg) ? 1 : 0;
        if (strcmp(verb, "stop") == 0)
                return cast_window_stop(t->cw) ? 1 : -1;
        if (strcmp(verb, "sleep") == 0)
                return t->waited_msec >= (unsigned) atoi(arg) ? 1 : 0;
        if (strcmp(verb, "shot") == 0) {
                if (cast_window_save_png(t->cw, arg) < 0)
                        return -1;
                printf("screenshot: %s\n", arg);
                fflush(stdout);
                return 1;
        }
        return -1;
}

static gboolean on_tick(gpointer userdata)
{
        struct autotest *t = userdata;

        while (t->lines[t->next]) {
                int r = autotest_step(t, t->lines[t->next]);
                if (r < 0 || (r == 0 && t->waited_msec >= WAIT_LIMIT_MSEC)) {
                        fprintf(stderr, "autotest: state \"%s\", page \"%s\", %u displays\n",
                                cast_window_cast_state(t->cw), cast_window_page(t->cw),
                                cast_window_n_displays(t->cw));
                        autotest_finish(t, 1);
                        return G_SOURCE_REMOVE;
                }
                if (r == 0) {
                        t->waited_msec += STEP_MSEC;
                        return G_SOURCE_CONTINUE;
                }
                t->next++;
                t->waited_msec = 0;
                /* Let the window lay out and draw what the step changed before the next one looks. */
                return G_SOURCE_CONTINUE;
        }
        autotest_finish(t, 0);
        return G_SOURCE_REMOVE;
}

static void autotest_free(gpointer p)
{
        struct autotest *t = p;
        g_strfreev(t->lines);
        g_object_unref(t->app);
        g_free(t);
}

int cast_autotest_start(GApplication *app, struct cast_window *cw, const char *script)
{
        g_autofree char *text = NULL;
        struct autotest *t;

        if (!g_file_get_contents(script, &text, NULL, NULL))
                return -ENOENT;
        t = g_new0(struct autotest, 1);
        t->app = g_object_ref(app);
        t->cw = cw;
        t->lines = g_strsplit(text, "\n", -1);
        g_timeout_add_full(G_PRIORITY_DEFAULT, STEP_MSEC, on_tick, t, autotest_free);
        return 0;
}
