/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal to the binary codecs (mice_msg.c, uibc_msg.c, rtcp.c): one
 * bounds-checked reader over (buf, len) and one bounded writer, both
 * big-endian (network order), so no parser does loose pointer arithmetic.
 *
 * Reader: every take_* returns false, and leaves the cursor alone, when fewer
 * bytes remain than asked for. Writer: a write that does not fit sets
 * `overflow` and writes nothing more; the caller checks it once at the end.
 * Not part of any public API.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct byte_cursor {
        const uint8_t *p, *end;
};

static inline struct byte_cursor byte_cursor_init(const uint8_t *buf, size_t len)
{
        return (struct byte_cursor) { buf, buf ? buf + len : buf };
}

static inline size_t byte_cursor_left(const struct byte_cursor *c)
{
        return (size_t) (c->end - c->p);
}

static inline bool byte_cursor_skip(struct byte_cursor *c, size_t n)
{
        if (byte_cursor_left(c) < n)
                return false;
        c->p += n;
        return true;
}

/* A view of the next n bytes, consumed. */
static inline bool byte_cursor_take(struct byte_cursor *c, size_t n, const uint8_t **ret)
{
        if (byte_cursor_left(c) < n)
                return false;
        *ret = c->p;
        c->p += n;
        return true;
}

/* Split off the next n bytes as their own cursor. */
static inline bool byte_cursor_sub(struct byte_cursor *c, size_t n, struct byte_cursor *ret)
{
        const uint8_t *p;

        if (!byte_cursor_take(c, n, &p))
                return false;
        *ret = (struct byte_cursor) { p, p + n };
        return true;
}

static inline bool byte_cursor_u8(struct byte_cursor *c, uint8_t *ret)
{
        if (byte_cursor_left(c) < 1)
                return false;
        *ret = *c->p++;
        return true;
}

static inline bool byte_cursor_be16(struct byte_cursor *c, uint16_t *ret)
{
        if (byte_cursor_left(c) < 2)
                return false;
        *ret = (uint16_t) (c->p[0] << 8 | c->p[1]);
        c->p += 2;
        return true;
}

static inline bool byte_cursor_be32(struct byte_cursor *c, uint32_t *ret)
{
        if (byte_cursor_left(c) < 4)
                return false;
        *ret = (uint32_t) c->p[0] << 24 | (uint32_t) c->p[1] << 16 | (uint32_t) c->p[2] << 8 | c->p[3];
        c->p += 4;
        return true;
}

static inline uint16_t byte_get_be16(const uint8_t *p)
{
        return (uint16_t) (p[0] << 8 | p[1]);
}

static inline uint32_t byte_get_be32(const uint8_t *p)
{
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static inline void byte_put_be16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t) (v >> 8);
        p[1] = (uint8_t) v;
}

static inline void byte_put_be32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t) (v >> 24);
        p[1] = (uint8_t) (v >> 16);
        p[2] = (uint8_t) (v >> 8);
        p[3] = (uint8_t) v;
}

struct byte_writer {
        uint8_t *p;
        size_t size, off;
        bool overflow;
};

static inline struct byte_writer byte_writer_init(uint8_t *buf, size_t size)
{
        return (struct byte_writer) { .p = buf, .size = buf ? size : 0 };
}

/* Reserve n bytes and return where they start (NULL on overflow). */
static inline uint8_t *byte_writer_reserve(struct byte_writer *w, size_t n)
{
        uint8_t *at;

        if (w->overflow || w->size - w->off < n) {
                w->overflow = true;
                return NULL;
        }
        at = w->p + w->off;
        w->off += n;
        return at;
}

static inline void byte_writer_bytes(struct byte_writer *w, const void *data, size_t n)
{
        uint8_t *at = byte_writer_reserve(w, n);

        if (at && n > 0)
                memcpy(at, data, n);
}

static inline void byte_writer_u8(struct byte_writer *w, uint8_t v)
{
        byte_writer_bytes(w, &v, 1);
}

static inline void byte_writer_be16(struct byte_writer *w, uint16_t v)
{
        uint8_t *at = byte_writer_reserve(w, 2);

        if (at)
                byte_put_be16(at, v);
}

static inline void byte_writer_be32(struct byte_writer *w, uint32_t v)
{
        uint8_t *at = byte_writer_reserve(w, 4);

        if (at)
                byte_put_be32(at, v);
}
