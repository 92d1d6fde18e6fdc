/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Daemon configuration: built-in defaults, then /etc/miracastd/miracastd.conf
 * (or --config FILE), then command-line flags, each overriding the previous.
 *
 * File format: "key = value" lines; "[section]" headers, '#' and ';'
 * comments and blank lines are accepted and ignored (so both a flat key=value
 * file and an ini file with a [miracastd] section work). Keys match the long
 * flags without "--" (capture, pipewire-remote, encoder, bus, polkit, listen, max-resolution,
 * max-fps, max-bitrate, log-level) plus max-sessions (file or -o only);
 * '_' and '-' are the same and case is ignored. "listen" may repeat. A bad line is logged with file:line and the
 * reason and skipped; the rest of the file still applies.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "p2p.h"

#define CONFIG_DEFAULT_PATH "/etc/miracastd/miracastd.conf"
#define CONFIG_DEFAULT_RTSP_PORT 7236
#define CONFIG_MAX_LISTEN 16
/* Sessions not yet ended (each runs an encoder) beyond which a plain listener closes new
 * connections at accept; P2P group listeners (one peer) are not limited. */
#define CONFIG_DEFAULT_MAX_SESSIONS 8
#define CONFIG_MAX_MAX_SESSIONS 64

enum config_polkit {
        CONFIG_POLKIT_AUTO,          /* polkit on the system bus, none on session/private buses */
        CONFIG_POLKIT_REQUIRED,      /* always ask polkit (tests, hardened setups) */
        CONFIG_POLKIT_OFF,           /* never ask (the bus policy alone decides) */
};

struct config {
        char *capture;               /* a capture spec (encoder/capture_spec.h): "kms", "HDMI-A-1", "pipewire:42", "testsrc" */
        char *pipewire_remote;       /* PipeWire socket path for capture pipewire; NULL: none */
        char *encoder;               /* "auto", "vaapi", "x264" or an FFmpeg encoder name */
        int latency;                 /* enum latency_mode: the default for casts and listeners */
        char *audio_source;          /* until an audio fd is attached: "silence", "tone", "beep" or "pipewire" */
        char *bus;                   /* "system", "session", "none" or a D-Bus address */
        bool bus_explicit;           /* bus set by flag/file: failing to connect is fatal */
        enum config_polkit polkit;
        unsigned max_width, max_height; /* 0 = no limit */
        unsigned max_fps;            /* 0 = no limit */
        uint64_t max_bitrate_bps;    /* 0 = no limit */
        unsigned max_sessions;       /* 1..CONFIG_MAX_MAX_SESSIONS */
        char *listen[CONFIG_MAX_LISTEN]; /* "ADDR[:PORT]" strings */
        unsigned n_listen;
        int log_level;               /* LOG_ERR..LOG_DEBUG */
        char *config_path;           /* file that was read, NULL if none */
        struct p2p_config p2p;       /* Wi-Fi Direct keys (p2p-*, wpas-*; daemon/p2p.h), owned */
};

/* Fill c with defaults (testsrc? no: "kms", "auto", "system", LOG_INFO). */
int config_init(struct config *c);
/* Free what c owns; c itself is the caller's. */
void config_clear(struct config *c);

/*
 * Read a config file into c. A missing file is fine when !must_exist
 * (returns 0); -ENOENT otherwise. Bad lines are logged and skipped; returns
 * the number of bad lines (>= 0) or -errno when the file cannot be read.
 */
int config_load_file(struct config *c, const char *path, bool must_exist);

/* Apply one "key", "value" pair (as from the file or a flag). Returns
 * -EINVAL with a logged reason when the value is bad, -ENOENT for an unknown key. */
int config_set(struct config *c, const char *key, const char *value, const char *origin);

/*
 * Parse command-line flags (getopt_long) on top of c: first the file named
 * by --config (or the default path) is loaded, then the flags. Returns 0 to
 * run, 1 when --help/--version was printed (exit 0), -EINVAL on a bad flag
 * (already reported).
 */
int config_parse_argv(struct config *c, int argc, char *argv[]);

/* Parsers shared with D-Bus argument checks. */
int config_parse_resolution(const char *s, unsigned *ret_width, unsigned *ret_height);
int config_parse_bitrate(const char *s, uint64_t *ret_bps);
int config_parse_log_level(const char *s, int *ret);
