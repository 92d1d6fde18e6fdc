/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/config.h: defaults, the config file, command-line flags. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../encoder/capture_spec.h"
#include "../protocol/latency_mode.h"
#include "../protocol/macro.h"
#include "../protocol/owned_str.h"
#include "config.h"
#include "log.h"

#ifndef MIRACASTD_VERSION
#define MIRACASTD_VERSION "0.1"
#endif

/* Bounds for limits given by users: generous, but keep arithmetic safe. */
#define CONFIG_MAX_DIMENSION 8192
#define CONFIG_MAX_FPS 240
#define CONFIG_MAX_BITRATE_BPS (10ULL * 1000 * 1000 * 1000)

int config_init(struct config *c)
{
        *c = (struct config) {
                .polkit = CONFIG_POLKIT_AUTO,
                .log_level = LOG_INFO,
                .max_sessions = CONFIG_DEFAULT_MAX_SESSIONS,
        };
        c->capture = strdup("kms");
        c->encoder = strdup("auto");
        c->audio_source = strdup("silence");
        c->bus = strdup("system");
        if (!c->capture || !c->encoder || !c->audio_source || !c->bus || p2p_config_init(&c->p2p) < 0) {
                config_clear(c);
                return -ENOMEM;
        }
        return 0;
}

void config_clear(struct config *c)
{
        free(c->capture);
        free(c->pipewire_remote);
        free(c->encoder);
        free(c->audio_source);
        free(c->bus);
        free(c->config_path);
        for (unsigned i = 0; i < c->n_listen; i++)
                free(c->listen[i]);
        p2p_config_clear(&c->p2p);
        *c = (struct config) {};
}

int config_parse_resolution(const char *s, unsigned *ret_width, unsigned *ret_height)
{
        unsigned long w, h;
        char *end;

        if (!s || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        w = strtoul(s, &end, 10);
        if (errno || (*end != 'x' && *end != 'X') || !isdigit((unsigned char) end[1]))
                return -EINVAL;
        h = strtoul(end + 1, &end, 10);
        if (errno || *end || w == 0 || h == 0 || w > CONFIG_MAX_DIMENSION || h > CONFIG_MAX_DIMENSION)
                return -EINVAL;
        *ret_width = w;
        *ret_height = h;
        return 0;
}

int config_parse_bitrate(const char *s, uint64_t *ret_bps)
{
        unsigned long long v, mult = 1;
        char *end;

        if (!s || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno)
                return -EINVAL;
        if (*end == 'k' || *end == 'K')
                mult = 1000, end++;
        else if (*end == 'M' || *end == 'm')
                mult = 1000 * 1000, end++;
        else if (*end == 'G' || *end == 'g')
                mult = 1000 * 1000 * 1000, end++;
        if (*end || v == 0 || v > CONFIG_MAX_BITRATE_BPS / mult)
                return -EINVAL;
        *ret_bps = v * mult;
        return 0;
}

int config_parse_log_level(const char *s, int *ret)
{
        static const char *const names[] = {
                [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
                [LOG_ERR] = "err", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
                [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
        };

        if (!s)
                return -EINVAL;
        if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0') {
                *ret = s[0] - '0';
                return 0;
        }
        if (strcasecmp(s, "error") == 0) {
                *ret = LOG_ERR;
                return 0;
        }
        for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
                if (strcasecmp(s, names[i]) == 0) {
                        *ret = i;
                        return 0;
                }
        return -EINVAL;
}

static int config_parse_uint(const char *s, unsigned max, unsigned *ret)
{
        unsigned long v;
        char *end;

        if (!s || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* FFmpeg encoder names are [a-z0-9_]; "auto", "vaapi", "x264" are ours. */
static bool config_encoder_valid(const char *s)
{
        if (!*s || strlen(s) > 64)
                return false;
        for (const char *p = s; *p; p++)
                if (!isalnum((unsigned char) *p) && *p != '_' && *p != '-')
                        return false;
        return true;
}

/* Normalized key: lower case, '_' -> '-'. */
static void config_normalize_key(const char *key, char *buf, size_t size)
{
        size_t i;

        for (i = 0; key[i] && i + 1 < size; i++)
                buf[i] = key[i] == '_' ? '-' : tolower((unsigned char) key[i]);
        buf[i] = '\0';
}

int config_set(struct config *c, const char *key, const char *value, const char *origin)
{
        char k[32];
        int r;

        config_normalize_key(key, k, sizeof(k));

        if (strcmp(k, "capture") == 0) {
                if (!capture_spec_is_valid(value))
                        return log_error_errno(-EINVAL, "%s: capture \"%s\" is not kms[:DEVICE[:CONNECTOR]], CONNECTOR, pipewire[:NODE], testsrc, testsrc:resize=N, testsrc:flash, testsrc:motion or testsrc:noise",
                                               origin, value);
                return owned_str_set(&c->capture, value);
        }
        if (strcmp(k, "pipewire-remote") == 0) {
                /* a socket path; the daemon connects there and nowhere else (no XDG_RUNTIME_DIR lookup) */
                if (value[0] != '/' || strlen(value) >= 108)
                        return log_error_errno(-EINVAL, "%s: pipewire-remote \"%s\" is not an absolute socket path",
                                               origin, value);
                return owned_str_set(&c->pipewire_remote, value);
        }
        if (strcmp(k, "encoder") == 0) {
                if (!config_encoder_valid(value))
                        return log_error_errno(-EINVAL, "%s: encoder \"%s\" is not auto, vaapi, x264 or an FFmpeg encoder name",
                                               origin, value);
                return owned_str_set(&c->encoder, value);
        }
        if (strcmp(k, "latency") == 0) {
                enum latency_mode mode = latency_mode_from_string(value);

                if (mode < 0)
                        return log_error_errno(-EINVAL, "%s: latency \"%s\" is not low-latency, balanced or quality",
                                               origin, value);
                c->latency = mode;
                return 0;
        }
        if (strcmp(k, "audio-source") == 0) {
                if (strcmp(value, "silence") != 0 && strcmp(value, "tone") != 0 && strcmp(value, "beep") != 0 &&
                    strcmp(value, "pipewire") != 0)
                        return log_error_errno(-EINVAL, "%s: audio-source \"%s\" is not silence, tone, beep or pipewire",
                                               origin, value);
                return owned_str_set(&c->audio_source, value);
        }
        if (strcmp(k, "bus") == 0) {
                if (!*value)
                        return log_error_errno(-EINVAL, "%s: bus needs system, session, none or a D-Bus address", origin);
                if (strcmp(value, "system") != 0 && strcmp(value, "session") != 0 && strcmp(value, "none") != 0 &&
                    !strchr(value, ':'))
                        return log_error_errno(-EINVAL, "%s: bus \"%s\" is not system, session, none or a D-Bus address (e.g. unix:path=/run/x)",
                                               origin, value);
                r = owned_str_set(&c->bus, value);
                if (r >= 0)
                        c->bus_explicit = true;
                return r;
        }
        if (strcmp(k, "polkit") == 0) {
                if (strcmp(value, "auto") == 0)
                        c->polkit = CONFIG_POLKIT_AUTO;
                else if (strcmp(value, "required") == 0)
                        c->polkit = CONFIG_POLKIT_REQUIRED;
                else if (strcmp(value, "off") == 0)
                        c->polkit = CONFIG_POLKIT_OFF;
                else
                        return log_error_errno(-EINVAL, "%s: polkit \"%s\" is not auto, required or off", origin, value);
                return 0;
        }
        if (strcmp(k, "listen") == 0) {
                if (!*value || strlen(value) > 128)
                        return log_error_errno(-EINVAL, "%s: listen needs ADDR[:PORT]", origin);
                if (c->n_listen >= CONFIG_MAX_LISTEN)
                        return log_error_errno(-E2BIG, "%s: more than %d listen addresses", origin, CONFIG_MAX_LISTEN);
                c->listen[c->n_listen] = strdup(value);
                if (!c->listen[c->n_listen])
                        return -ENOMEM;
                c->n_listen++;
                return 0;
        }
        if (strcmp(k, "max-resolution") == 0) {
                if (config_parse_resolution(value, &c->max_width, &c->max_height) < 0)
                        return log_error_errno(-EINVAL, "%s: max-resolution \"%s\" is not WIDTHxHEIGHT (1..%d)",
                                               origin, value, CONFIG_MAX_DIMENSION);
                return 0;
        }
        if (strcmp(k, "max-fps") == 0) {
                if (config_parse_uint(value, CONFIG_MAX_FPS, &c->max_fps) < 0 || c->max_fps == 0)
                        return log_error_errno(-EINVAL, "%s: max-fps \"%s\" is not a number 1..%d",
                                               origin, value, CONFIG_MAX_FPS);
                return 0;
        }
        if (strcmp(k, "max-sessions") == 0) {
                if (config_parse_uint(value, CONFIG_MAX_MAX_SESSIONS, &c->max_sessions) < 0 || c->max_sessions == 0)
                        return log_error_errno(-EINVAL, "%s: max-sessions \"%s\" is not a number 1..%d",
                                               origin, value, CONFIG_MAX_MAX_SESSIONS);
                return 0;
        }
        if (strcmp(k, "max-bitrate") == 0) {
                if (config_parse_bitrate(value, &c->max_bitrate_bps) < 0)
                        return log_error_errno(-EINVAL, "%s: max-bitrate \"%s\" is not a bit rate like 8000000, 8000k or 8M",
                                               origin, value);
                return 0;
        }
        if (strcmp(k, "log-level") == 0) {
                if (config_parse_log_level(value, &c->log_level) < 0)
                        return log_error_errno(-EINVAL, "%s: log-level \"%s\" is not err, warning, notice, info, debug or 0..7",
                                               origin, value);
                return 0;
        }
        /* Wi-Fi Direct keys (p2p-*, wpas-*) live in daemon/p2p_config.c. */
        r = p2p_config_set(&c->p2p, k, value);
        if (r != -ENOENT)
                return r < 0 ? log_error_errno(r, "%s: bad value for %s", origin, key) : r;
        return log_error_errno(-ENOENT, "%s: unknown key \"%s\"", origin, key);
}

static char *config_strip(char *s)
{
        char *e;

        while (isspace((unsigned char) *s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char) e[-1]))
                *--e = '\0';
        return s;
}

int config_load_file(struct config *c, const char *path, bool must_exist)
{
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        unsigned lineno = 0;
        int bad = 0;
        FILE *f;

        f = fopen(path, "re");
        if (!f) {
                if (errno == ENOENT && !must_exist)
                        return 0;
                return log_error_errno(-errno, "Failed to open config file %s: %m", path);
        }

        for (;;) {
                char origin[300], *s, *eq, *key, *value;
                ssize_t n;

                errno = 0;
                n = getline(&line, &size, f);
                if (n < 0)
                        break;
                lineno++;
                snprintf(origin, sizeof(origin), "%s:%u", path, lineno);
                if ((size_t) n != strlen(line)) {
                        log_warning("%s: line contains a NUL byte, ignoring", origin);
                        bad++;
                        continue;
                }
                s = config_strip(line);
                if (!*s || *s == '#' || *s == ';')
                        continue;
                if (*s == '[') {
                        if (s[strlen(s) - 1] != ']') {
                                log_warning("%s: section header without closing ']', ignoring", origin);
                                bad++;
                        }
                        continue;
                }
                eq = strchr(s, '=');
                if (!eq) {
                        log_warning("%s: expected key = value, ignoring line", origin);
                        bad++;
                        continue;
                }
                *eq = '\0';
                key = config_strip(s);
                value = config_strip(eq + 1);
                if (!*key) {
                        log_warning("%s: empty key, ignoring line", origin);
                        bad++;
                        continue;
                }
                /* Accept quoted values: key = "value". */
                if (value[0] == '"' && strlen(value) >= 2 && value[strlen(value) - 1] == '"') {
                        value[strlen(value) - 1] = '\0';
                        value++;
                }
                if (config_set(c, key, value, origin) < 0) {
                        log_warning("%s: ignoring this line", origin);
                        bad++;
                }
        }
        if (ferror(f)) {
                int r = -(errno ?: EIO);
                fclose(f);
                return log_error_errno(r, "Failed to read config file %s: %m", path);
        }
        fclose(f);
        free(c->config_path);
        c->config_path = strdup(path);
        return bad;
}

static void config_help(const char *prog)
{
        printf("%s [OPTIONS...]\n\n"
               "Miracast (Wi-Fi Display) source daemon.\n\n"
               "  -h --help                 Show this help\n"
               "     --version              Show the version\n"
               "  -c --config FILE          Read FILE instead of " CONFIG_DEFAULT_PATH "\n"
               "     --capture SPEC         kms[:DEVICE[:CONNECTOR]], CONNECTOR, pipewire[:NODE],\n"
               "                            testsrc[:resize=N], testsrc:flash|motion|noise (default kms)\n"
               "     --pipewire-remote PATH PipeWire socket for --capture pipewire and --audio-source pipewire\n"
               "     --audio-source SRC     silence, tone, beep, or pipewire (what that PipeWire's default\n"
               "                            output plays; kiosks): the sound sent until an audio input is\n"
               "                            attached (default silence)\n"
               "     --encoder NAME         auto, vaapi, x264 or any FFmpeg H.264 encoder (default auto)\n"
               "     --bus BUS              system, session, none or a D-Bus address (default system;\n"
               "                            without --bus, no reachable bus just turns D-Bus off)\n"
               "     --polkit MODE          auto (polkit on the system bus only), required, off\n"
               "  -l --listen ADDR[:PORT]   Accept sinks on ADDR (default port %d); repeatable\n"
               "     --max-resolution WxH   Never send more than WxH\n"
               "     --max-fps N            Never send more than N frames per second\n"
               "     --max-bitrate BPS      Upper bit rate, e.g. 8000000, 8000k, 8M\n"
               "     --log-level LEVEL      err, warning, notice, info, debug (default info)\n"
               "  -o --option KEY=VALUE     Set any configuration file key, e.g. p2p-backend=none\n",
               prog, CONFIG_DEFAULT_RTSP_PORT);
}

enum {
        ARG_VERSION = 0x100,
        ARG_CAPTURE,
        ARG_PIPEWIRE_REMOTE,
        ARG_ENCODER,
        ARG_AUDIO_SOURCE,
        ARG_BUS,
        ARG_POLKIT,
        ARG_MAX_RESOLUTION,
        ARG_MAX_FPS,
        ARG_MAX_BITRATE,
        ARG_LOG_LEVEL,
};

static const struct option config_options[] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, ARG_VERSION },
        { "config", required_argument, NULL, 'c' },
        { "capture", required_argument, NULL, ARG_CAPTURE },
        { "pipewire-remote", required_argument, NULL, ARG_PIPEWIRE_REMOTE },
        { "encoder", required_argument, NULL, ARG_ENCODER },
        { "audio-source", required_argument, NULL, ARG_AUDIO_SOURCE },
        { "bus", required_argument, NULL, ARG_BUS },
        { "polkit", required_argument, NULL, ARG_POLKIT },
        { "listen", required_argument, NULL, 'l' },
        { "max-resolution", required_argument, NULL, ARG_MAX_RESOLUTION },
        { "max-fps", required_argument, NULL, ARG_MAX_FPS },
        { "max-bitrate", required_argument, NULL, ARG_MAX_BITRATE },
        { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
        { "option", required_argument, NULL, 'o' },
        {}
};

int config_parse_argv(struct config *c, int argc, char *argv[])
{
        const char *config_path = NULL;
        bool listen_from_flags = false;
        int opt, r;

        /* Pass 1: --help, --version, --config; the file must apply before the flags. */
        optind = 0;
        opterr = 1;
        while ((opt = getopt_long(argc, argv, "hc:l:o:", config_options, NULL)) >= 0)
                switch (opt) {
                case 'h':
                        config_help(argv[0]);
                        return 1;
                case ARG_VERSION:
                        printf("miracastd %s\n", MIRACASTD_VERSION);
                        return 1;
                case 'c':
                        config_path = optarg;
                        break;
                case '?':
                        return -EINVAL;
                default:
                        break;
                }
        if (optind < argc) {
                log_error("Unexpected argument \"%s\"; see --help", argv[optind]);
                return -EINVAL;
        }

        r = config_load_file(c, config_path ?: CONFIG_DEFAULT_PATH, !!config_path);
        if (r < 0)
                return r;
        /* The file may name the bus; only flags make a bus failure fatal. */
        c->bus_explicit = false;

        /* Pass 2: the flags override the file. */
        optind = 0;
        opterr = 0;
        while ((opt = getopt_long(argc, argv, "hc:l:o:", config_options, NULL)) >= 0) {
                const char *key = NULL;

                switch (opt) {
                case ARG_CAPTURE: key = "capture"; break;
                case ARG_PIPEWIRE_REMOTE: key = "pipewire-remote"; break;
                case ARG_ENCODER: key = "encoder"; break;
                case ARG_AUDIO_SOURCE: key = "audio-source"; break;
                case ARG_BUS: key = "bus"; break;
                case ARG_POLKIT: key = "polkit"; break;
                case ARG_MAX_RESOLUTION: key = "max-resolution"; break;
                case ARG_MAX_FPS: key = "max-fps"; break;
                case ARG_MAX_BITRATE: key = "max-bitrate"; break;
                case ARG_LOG_LEVEL: key = "log-level"; break;
                case 'o': {
                        /* getopt_long() sets optarg: -o takes a required argument. */
                        _cleanup_free_ char *k = strdup(optarg); /* NOLINT(clang-analyzer-core.NonNullParamChecker) */
                        char *eq = k ? strchr(k, '=') : NULL;

                        if (!k)
                                return -ENOMEM;
                        if (!eq || eq == k) {
                                log_error("--option \"%s\" is not KEY=VALUE", optarg);
                                return -EINVAL;
                        }
                        *eq = '\0';
                        if (strcasecmp(k, "listen") == 0 && !listen_from_flags) {
                                for (unsigned i = 0; i < c->n_listen; i++)
                                        free(c->listen[i]);
                                c->n_listen = 0;
                                listen_from_flags = true;
                        }
                        if (config_set(c, k, eq + 1, "command line") < 0)
                                return -EINVAL;
                        continue;
                }
                case 'l':
                        /* Flags replace the file's listen list. */
                        if (!listen_from_flags) {
                                for (unsigned i = 0; i < c->n_listen; i++)
                                        free(c->listen[i]);
                                c->n_listen = 0;
                                listen_from_flags = true;
                        }
                        key = "listen";
                        break;
                default:
                        break;
                }
                if (!key)
                        continue;
                r = config_set(c, key, optarg, "command line");
                if (r < 0)
                        return -EINVAL;
        }
        return 0;
}
