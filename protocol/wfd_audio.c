/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wfd_audio_codecs: parse and format, and what each mode bit means
 * (docs/protocol.md, "Audio"). See wfd_audio.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "wfd_cursor.h"
#include "wfd_audio.h"

/* ---- wfd_audio_codecs -------------------------------------------------------------- */

static const char *const audio_format_names[_WFD_AUDIO_FORMAT_MAX] = {
        [WFD_AUDIO_FORMAT_LPCM] = "LPCM",
        [WFD_AUDIO_FORMAT_AAC] = "AAC",
        [WFD_AUDIO_FORMAT_AC3] = "AC3",
};

const char *wfd_audio_format_to_string(enum wfd_audio_format f)
{
        if ((int) f < 0 || f >= _WFD_AUDIO_FORMAT_MAX)
                return NULL;
        return audio_format_names[f];
}

int wfd_audio_codecs_parse(const char *value, size_t len, struct wfd_audio_codecs *ret)
{
        struct wfd_audio_codecs a = {};
        struct cursor c = { value, value + len };

        if (!ret || (!value && len > 0))
                return -EINVAL;
        if (value_is(value, len, "none")) {
                a.none = true;
                *ret = a;
                return 0;
        }

        for (;;) {
                const char *t;
                size_t tl;
                uint64_t modes, latency;
                int format = -1;

                if (!cursor_take_token(&c, ",", &t, &tl))
                        return -EBADMSG;
                for (int i = 0; i < _WFD_AUDIO_FORMAT_MAX; i++)
                        if (token_eq(t, tl, audio_format_names[i]))
                                format = i;
                if (!cursor_take_hex(&c, ",", 8, &modes) || !cursor_take_hex(&c, ",", 2, &latency))
                        return -EBADMSG;
                if (format < 0) {
                        a.n_unknown++;
                } else {
                        if (a.n_codecs >= WFD_MAX_AUDIO_CODECS)
                                return -E2BIG;
                        a.codecs[a.n_codecs++] = (struct wfd_audio_codec) {
                                .format = (enum wfd_audio_format) format,
                                .modes = (uint32_t) modes,
                                .latency = (uint8_t) latency,
                        };
                }
                if (cursor_at_end(&c))
                        break;
                if (!cursor_expect_char(&c, ','))
                        return -EBADMSG;
                if (cursor_at_end(&c))
                        break;
        }

        *ret = a;
        return 0;
}

int wfd_audio_codecs_format(const struct wfd_audio_codecs *a, char *buf, size_t size)
{
        struct out o = { buf, size, 0, 0 };

        if (!a || !buf)
                return -EINVAL;
        if (a->none || a->n_codecs == 0)
                return format_into(buf, size, "none");
        if (a->n_codecs > WFD_MAX_AUDIO_CODECS)
                return -EINVAL;
        for (size_t i = 0; i < a->n_codecs; i++) {
                const char *name = wfd_audio_format_to_string(a->codecs[i].format);
                if (!name)
                        return -EINVAL;
                out_printf(&o, "%s%s %08X %02X", i ? ", " : "", name, (unsigned) a->codecs[i].modes,
                           a->codecs[i].latency);
        }
        return out_finish(&o);
}

const struct wfd_audio_codec *wfd_audio_codecs_find(const struct wfd_audio_codecs *a, enum wfd_audio_format f)
{
        if (!a || a->none)
                return NULL;
        for (size_t i = 0; i < a->n_codecs && i < WFD_MAX_AUDIO_CODECS; i++)
                if (a->codecs[i].format == f)
                        return &a->codecs[i];
        return NULL;
}

int wfd_audio_mode_info(enum wfd_audio_format f, uint32_t mode_bit, unsigned *ret_rate_hz, unsigned *ret_channels)
{
        unsigned rate, ch;

        switch (f) {
        case WFD_AUDIO_FORMAT_LPCM:
                if (mode_bit == WFD_AUDIO_LPCM_44K1_2CH)
                        rate = 44100, ch = 2;
                else if (mode_bit == WFD_AUDIO_LPCM_48K_2CH)
                        rate = 48000, ch = 2;
                else
                        return -EINVAL;
                break;
        case WFD_AUDIO_FORMAT_AAC:
                if (mode_bit == WFD_AUDIO_AAC_48K_2CH)
                        ch = 2;
                else if (mode_bit == WFD_AUDIO_AAC_48K_4CH)
                        ch = 4;
                else if (mode_bit == WFD_AUDIO_AAC_48K_6CH)
                        ch = 6;
                else if (mode_bit == WFD_AUDIO_AAC_48K_8CH)
                        ch = 8;
                else
                        return -EINVAL;
                rate = 48000;
                break;
        case WFD_AUDIO_FORMAT_AC3:
                if (mode_bit == WFD_AUDIO_AC3_48K_2CH)
                        ch = 2;
                else if (mode_bit == WFD_AUDIO_AC3_48K_4CH)
                        ch = 4;
                else if (mode_bit == WFD_AUDIO_AC3_48K_6CH)
                        ch = 6;
                else
                        return -EINVAL;
                rate = 48000;
                break;
        default:
                return -EINVAL;
        }
        if (ret_rate_hz)
                *ret_rate_hz = rate;
        if (ret_channels)
                *ret_channels = ch;
        return 0;
}
