/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wfd_audio_codecs.
 *
 * Conventions as in wfd_params.h (which includes this header): parsers take
 * (value, len) without the "name: " prefix and return 0 / -EBADMSG / -E2BIG,
 * leaving *ret untouched on failure; formatters return the length or
 * -ENOBUFS / -EINVAL.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WFD_MAX_AUDIO_CODECS 8     /* entries in one wfd_audio_codecs */

/* ---- wfd_audio_codecs ------------------------------------------------------ */

enum wfd_audio_format {
        WFD_AUDIO_FORMAT_LPCM,
        WFD_AUDIO_FORMAT_AAC,
        WFD_AUDIO_FORMAT_AC3,
        _WFD_AUDIO_FORMAT_MAX,
};

/* Mode bits (§7). */
enum {
        WFD_AUDIO_LPCM_44K1_2CH = 1u << 0,
        WFD_AUDIO_LPCM_48K_2CH = 1u << 1,
        WFD_AUDIO_AAC_48K_2CH = 1u << 0,
        WFD_AUDIO_AAC_48K_4CH = 1u << 1,
        WFD_AUDIO_AAC_48K_6CH = 1u << 2,
        WFD_AUDIO_AAC_48K_8CH = 1u << 3,
        WFD_AUDIO_AC3_48K_2CH = 1u << 0,
        WFD_AUDIO_AC3_48K_4CH = 1u << 1,
        WFD_AUDIO_AC3_48K_6CH = 1u << 2,
};

struct wfd_audio_codec {
        enum wfd_audio_format format;
        uint32_t modes;   /* bitmap of the mode bits above */
        uint8_t latency;
};

struct wfd_audio_codecs {
        bool none;          /* "none": video-only sink */
        size_t n_codecs;
        size_t n_unknown;   /* entries with a codec name we do not know, skipped */
        struct wfd_audio_codec codecs[WFD_MAX_AUDIO_CODECS];
};

int wfd_audio_codecs_parse(const char *value, size_t len, struct wfd_audio_codecs *ret);
int wfd_audio_codecs_format(const struct wfd_audio_codecs *a, char *buf, size_t size);
/* "LPCM", "AAC", "AC3"; NULL out of range. */
const char *wfd_audio_format_to_string(enum wfd_audio_format f);
/* The entry for format f, NULL if the sink did not list it. */
const struct wfd_audio_codec *wfd_audio_codecs_find(const struct wfd_audio_codecs *a, enum wfd_audio_format f);
/* Sample rate (Hz) and channel count of one mode bit of format f; -EINVAL for an unknown bit. */
int wfd_audio_mode_info(enum wfd_audio_format f, uint32_t mode_bit, unsigned *ret_rate_hz, unsigned *ret_channels);
