/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * miracastd.conf(5) is the one description of the configuration keys, so it
 * must agree with the parser in both directions, decided by the parser
 * itself: config_set() answers -ENOENT only for a key it does not know.
 *
 *   - every key man/miracastd.conf.5 documents is accepted;
 *   - every key the parser accepts is documented. The candidates are the
 *     key-shaped string literals of the daemon/ sources (wherever a key is parsed, its
 *     name is a literal there); config_set() says which of them are keys;
 *   - every key in the example configuration (systemd/miracastd.conf) is
 *     accepted.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/config.h"
#include "../../daemon/log.h"
#include "../../protocol/macro.h"
#include "../lib/test.h"

#define MAX_KEYS 512
#define MAX_KEY  32

struct key_set {
        char keys[MAX_KEYS][MAX_KEY];
        size_t n;
};

static const char *source_path(const char *rel, char *buf, size_t size)
{
        const char *root = getenv("MIRACAST_SRCDIR");

        snprintf(buf, size, "%s/%s", root ? root : ".", rel);
        return buf;
}

static char *read_source(const char *rel)
{
        char path[4096], *text = NULL;

        if (test_read_file(source_path(rel, path, sizeof(path)), &text) < 0)
                test_fail(__FILE__, __LINE__, "cannot read %s", path);
        return text;
}

static bool set_has(const struct key_set *s, const char *key)
{
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->keys[i], key) == 0)
                        return true;
        return false;
}

static void set_add(struct key_set *s, const char *key)
{
        if (set_has(s, key))
                return;
        assert_true(s->n < MAX_KEYS);
        snprintf(s->keys[s->n++], MAX_KEY, "%s", key);
}

/* Does the real parser know this key? A fresh config each time, the empty value. */
static bool parser_accepts(const char *key)
{
        struct config c;
        int r;

        assert_int_eq(config_init(&c), 0);
        r = config_set(&c, key, "", "test-config-man");
        config_clear(&c);
        return r != -ENOENT;
}

/*
 * The documented keys: in man/miracastd.conf.5, the first word of each .B/.BR
 * line that follows .TP or .TQ, with "\-" read as "-".
 */
static void man_keys(struct key_set *ret)
{
        _cleanup_free_ char *text = read_source("man/miracastd.conf.5");
        bool after_tag = false;

        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                if (strncmp(line, ".TP", 3) == 0 || strncmp(line, ".TQ", 3) == 0) {
                        after_tag = true;
                        continue;
                }
                if (after_tag && (strncmp(line, ".B ", 3) == 0 || strncmp(line, ".BR ", 4) == 0)) {
                        char key[MAX_KEY];
                        size_t n = 0;

                        for (const char *p = strchr(line, ' ') + 1; *p && *p != ' ' && n + 1 < sizeof(key); p++)
                                if (!(p[0] == '\\' && p[1] == '-'))
                                        key[n++] = *p;
                        key[n] = '\0';
                        set_add(ret, key);
                }
                after_tag = false;
        }
}

/* Key-shaped string literals ("[a-z][a-z0-9_-]*") of every C file in daemon/. */
static void source_candidates(struct key_set *ret)
{
        char dir[4096];
        struct dirent **ents;
        int n = scandir(source_path("daemon", dir, sizeof(dir)), &ents, NULL, alphasort);

        assert_int_ge(n, 1);
        for (int i = 0; i < n; i++) {
                const char *name = ents[i]->d_name;
                size_t len = strlen(name);

                if (len > 2 && strcmp(name + len - 2, ".c") == 0) {
                        char rel[512];
                        _cleanup_free_ char *text = NULL;

                        snprintf(rel, sizeof(rel), "daemon/%s", name);
                        text = read_source(rel);
                        for (const char *p = text; (p = strchr(p, '"')); ) {
                                const char *end = ++p;

                                while (islower((unsigned char) *end) || isdigit((unsigned char) *end) ||
                                       *end == '-' || *end == '_')
                                        end++;
                                if (*end == '"' && end > p && islower((unsigned char) *p) && end - p < MAX_KEY) {
                                        char key[MAX_KEY];

                                        snprintf(key, sizeof(key), "%.*s", (int) (end - p), p);
                                        set_add(ret, key);
                                        p = end + 1;
                                }
                        }
                }
                free(ents[i]);
        }
        free(ents);
}

static struct key_set documented, candidates;

TEST(config_man_documented_accepted, "/config/man: every key miracastd.conf(5) documents is accepted") {
        unsigned bad = 0;

        documented.n = 0;
        man_keys(&documented);
        /* The extraction found the page's keys, not nothing. */
        assert_int_ge(documented.n, 20);
        assert_true(set_has(&documented, "capture"));
        assert_true(set_has(&documented, "p2p-backend"));
        for (size_t i = 0; i < documented.n; i++)
                if (!parser_accepts(documented.keys[i])) {
                        printf("  documented in miracastd.conf(5) but not accepted: %s\n", documented.keys[i]);
                        bad++;
                }
        assert_int_eq(bad, 0);
}

TEST(config_man_accepted_documented, "/config/man: every key the parser accepts is in miracastd.conf(5)") {
        unsigned bad = 0, accepted = 0;

        documented.n = candidates.n = 0;
        man_keys(&documented);
        source_candidates(&candidates);
        for (size_t i = 0; i < candidates.n; i++) {
                if (!parser_accepts(candidates.keys[i]))
                        continue;
                accepted++;
                if (!set_has(&documented, candidates.keys[i])) {
                        printf("  accepted by the parser but not in miracastd.conf(5): %s\n", candidates.keys[i]);
                        bad++;
                }
        }
        /* The parser accepted real keys, so the candidates did reach it. */
        assert_int_ge(accepted, 20);
        assert_int_eq(bad, 0);
}

TEST(config_man_example_accepted, "/config/man: every key of the example configuration is accepted") {
        _cleanup_free_ char *text = read_source("systemd/miracastd.conf");
        unsigned keys = 0, bad = 0;

        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                char key[MAX_KEY];
                int n = 0;

                /* "key = value" or "#key = value" (a default shown commented out) */
                if (sscanf(line[0] == '#' ? line + 1 : line, "%31[a-z0-9_-] =%n", key, &n) != 1 || n == 0)
                        continue;
                keys++;
                if (!parser_accepts(key)) {
                        printf("  in systemd/miracastd.conf but not accepted: %s\n", key);
                        bad++;
                }
        }
        assert_int_ge(keys, 15);
        assert_int_eq(bad, 0);
}
