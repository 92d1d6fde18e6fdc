/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal to the WFD parameter codecs (wfd_params.c, wfd_video.c,
 * wfd_audio.c, wfd_uibc.c): the one bounds-checked cursor they all walk over
 * (value, len), token and number readers, and a bounded output buffer.
 * Nothing here needs a NUL terminator, so values are parsed straight out of
 * a received body. Not part of any public API.
 */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"

struct cursor {
        const char *p, *end;
};

static inline bool is_ws(char c)
{
        return c == ' ' || c == '\t';
}

static inline void cursor_skip_ws(struct cursor *c)
{
        /* p < end guards the read; clang-analyzer 14 takes NULL < NULL + 0 for true (value NULL, len 0). */
        /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
        while (c->p < c->end && is_ws(*c->p))
                c->p++;
}

static inline bool cursor_at_end(struct cursor *c)
{
        cursor_skip_ws(c);
        return c->p >= c->end;
}

/* Next run of characters that are neither white space nor any of `stops`. */
static inline bool cursor_take_token(struct cursor *c, const char *stops, const char **ret, size_t *ret_len)
{
        const char *start;

        cursor_skip_ws(c);
        start = c->p;
        while (c->p < c->end && !is_ws(*c->p) && !strchr(stops, *c->p))
                c->p++;
        if (c->p == start)
                return false;
        *ret = start;
        *ret_len = (size_t) (c->p - start);
        return true;
}

/* Consume `ch` after optional white space. */
static inline bool cursor_expect_char(struct cursor *c, char ch)
{
        cursor_skip_ws(c);
        if (c->p < c->end && *c->p == ch) {
                c->p++;
                return true;
        }
        return false;
}

static inline bool token_eq(const char *t, size_t len, const char *word)
{
        return strlen(word) == len && strncasecmp(t, word, len) == 0;
}

/* 1..max_digits hex digits, nothing else. */
static inline bool parse_hex(const char *t, size_t len, size_t max_digits, uint64_t *ret)
{
        uint64_t v = 0;

        if (len == 0 || len > max_digits || max_digits > 16)
                return false;
        for (size_t i = 0; i < len; i++) {
                int d = hex_digit(t[i]);
                if (d < 0)
                        return false;
                v = (v << 4) | (uint64_t) d;
        }
        *ret = v;
        return true;
}

static inline bool cursor_take_hex(struct cursor *c, const char *stops, size_t max_digits, uint64_t *ret)
{
        const char *t;
        size_t len;

        return cursor_take_token(c, stops, &t, &len) && parse_hex(t, len, max_digits, ret);
}

/* Decimal 0..max, at most 10 digits. */
static inline bool parse_dec(const char *t, size_t len, uint64_t max, uint64_t *ret)
{
        uint64_t v = 0;

        if (len == 0 || len > 10)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (t[i] < '0' || t[i] > '9')
                        return false;
                v = v * 10 + (uint64_t) (t[i] - '0');
        }
        if (v > max)
                return false;
        *ret = v;
        return true;
}

/* The whole value (trimmed) is exactly `word`, case-insensitively. */
static inline bool value_is(const char *value, size_t len, const char *word)
{
        struct cursor c = { value, value + len };
        const char *t;
        size_t tl;

        if (!cursor_take_token(&c, "", &t, &tl))
                return false;
        return token_eq(t, tl, word) && cursor_at_end(&c);
}

/* snprintf that reports truncation as -ENOBUFS. */
static inline int format_into(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline int format_into(char *buf, size_t size, const char *fmt, ...)
{
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(buf, size, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= size)
                return -ENOBUFS;
        return n;
}

/* Appends to (buf, size) at *pos; sticky error in the return value of the last call. */
struct out {
        char *buf;
        size_t size;
        size_t pos;
        int error;
};

static inline void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void out_printf(struct out *o, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (o->error < 0)
                return;
        if (o->pos >= o->size) {
                o->error = -ENOBUFS;
                return;
        }
        va_start(ap, fmt);
        n = vsnprintf(o->buf + o->pos, o->size - o->pos, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= o->size - o->pos) {
                o->error = -ENOBUFS;
                return;
        }
        o->pos += (size_t) n;
}

static inline int out_finish(struct out *o)
{
        if (o->error < 0)
                return o->error;
        if (o->size == 0)
                return -ENOBUFS;
        return (int) o->pos;
}

static inline void trim(const char **s, size_t *len)
{
        while (*len > 0 && (is_ws(**s) || **s == '\r')) {
                (*s)++;
                (*len)--;
        }
        while (*len > 0 && (is_ws((*s)[*len - 1]) || (*s)[*len - 1] == '\r'))
                (*len)--;
}
