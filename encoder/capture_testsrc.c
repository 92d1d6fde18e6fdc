/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The testsrc capture backend: a synthetic, deterministic picture for demos,
 * tests and benchmarks, in XRGB8888 like a real scan-out buffer.
 *
 *   desktop  a still "desktop" (gradient wallpaper, two windows, a task bar)
 *            with a line of text scrolling inside one window, a small box
 *            bouncing across the screen and a burnt-in frame counter. Only
 *            the tiles under those three change, which is what a damage-aware
 *            pipeline should exploit.
 *   motion   a textured plane panning diagonally under the same box and
 *            counter: every pixel changes every frame, like video.
 *   still    the desktop alone: nothing ever changes after the first picture
 *            (an idle screen).
 *
 * With cfg.flash, any pattern turns all white for CAPTURE_FLASH_USEC from
 * every whole second of CLOCK_MONOTONIC, decided when the picture is taken:
 * the tone audio source beeps at the same instants on the same clock, so a
 * sink can measure the A/V offset end to end.
 *
 * Picture N is a pure function of (pattern, size, N). Rendering is per
 * rectangle: a pixel is the background at that point, overdrawn by whichever
 * overlay covers it, so stale tiles of a reused buffer can be redrawn alone.
 *
 * A real capture never draws: the compositor does, and we get its buffer. So
 * that benchmarks charge us what a compositor's damage copy costs, not what
 * drawing costs, everything that never changes or only repeats is drawn once
 * per size (testsrc_layout): the still desktop as a full-size picture, the
 * scrolling text as one period of the band, the counter's ten digits. A stale
 * rectangle is then rows of memcpy, plus the one-colour box.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <drm_fourcc.h>

#include "../protocol/macro.h"
#include "capture_backend.h"

struct rect {
        int x, y, w, h;
};

struct testsrc {
        enum capture_pattern pattern;
        int w, h, scale;
        uint32_t *texture; /* motion: TEXTURE_SIZE^2 pixels */
        struct rect win[2], title[2], taskbar, band;
        /* Drawn by testsrc_layout() for the current size; NULL where the pattern does not show them. */
        uint32_t *desktop;  /* still, desktop: the still desktop, w x h pixels, w per row */
        uint32_t *band_text; /* desktop: one period of the scrolling band, band_text_w x band.h */
        int band_text_w;
        uint32_t *digits; /* desktop, motion: "0123456789" as the counter shows them, 10 cells per row */
        uint64_t drawn; /* picture whose overlays the damage was computed for */
        unsigned resize_every; /* switch between the full and the half size every N pictures; 0: never */
        bool flash;            /* cfg.flash */
        bool flash_on;         /* the picture being made is the white flash */
        bool noise;            /* cfg.noise */
        int full_w, full_h;
};

/* A 5x7 font, one byte per row, bit 4 = leftmost column. */
struct glyph {
        char c;
        uint8_t rows[7];
};

static const struct glyph font[] = {
        { '0', { 0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E } },
        { '1', { 0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E } },
        { '2', { 0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F } },
        { '3', { 0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E } },
        { '4', { 0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02 } },
        { '5', { 0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E } },
        { '6', { 0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E } },
        { '7', { 0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 } },
        { '8', { 0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E } },
        { '9', { 0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C } },
        { 'A', { 0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11 } },
        { 'C', { 0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E } },
        { 'D', { 0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C } },
        { 'E', { 0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F } },
        { 'I', { 0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E } },
        { 'K', { 0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11 } },
        { 'M', { 0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11 } },
        { 'O', { 0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E } },
        { 'P', { 0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10 } },
        { 'R', { 0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11 } },
        { 'S', { 0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E } },
        { 'T', { 0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04 } },
};

static const char scroll_text[] = "MIRACASTD DESKTOP TEST 0123456789   ";

#define COUNTER_DIGITS 8
#define GLYPH_W 6 /* 5 columns + 1 gap */
#define GLYPH_H 9 /* 7 rows + 1 above + 1 below */

static const uint8_t *glyph_rows(char c)
{
        for (size_t i = 0; i < ARRAY_SIZE(font); i++)
                if (font[i].c == c)
                        return font[i].rows;
        return NULL; /* space */
}

/* Is pixel (u, v) of a string rendered at scale s lit? u, v relative to its top-left. */
static bool text_pixel(const char *s, size_t len, int u, int v, int scale)
{
        const uint8_t *rows;
        int gx, gy;
        size_t ci;

        if (u < 0 || v < 0)
                return false;
        ci = (size_t) (u / (GLYPH_W * scale));
        if (ci >= len)
                return false;
        gx = (u % (GLYPH_W * scale)) / scale;
        gy = v / scale - 1;
        if (gx >= 5 || gy < 0 || gy >= 7)
                return false;
        rows = glyph_rows(s[ci]);
        return rows && (rows[gy] & (0x10 >> gx));
}

static int triangle(int64_t t, int range)
{
        int64_t period;

        if (range <= 0)
                return 0;
        period = 2 * (int64_t) range;
        t %= period;
        return (int) (t < range ? t : period - t);
}

static struct rect box_rect(const struct testsrc *ts, uint64_t n)
{
        int b = MAX(ts->h / 12, 8);

        return (struct rect) {
                triangle((int64_t) n * 5 * ts->scale, ts->w - b),
                triangle((int64_t) n * 3 * ts->scale, ts->h - b),
                b,
                b,
        };
}

static struct rect counter_rect(const struct testsrc *ts)
{
        int s = 2 * ts->scale;

        return (struct rect) { 2 * s, 2 * s, (COUNTER_DIGITS * GLYPH_W + 2) * s, GLYPH_H * s };
}

static uint32_t rgb(unsigned r, unsigned g, unsigned b)
{
        return 0xff000000u | (r & 0xff) << 16 | (g & 0xff) << 8 | (b & 0xff);
}

/* The motion pattern's texture: 256x256, periodic, so panning is a row copy with wrap-around. */
#define TEXTURE_SIZE 256

static uint32_t texture_pixel(unsigned u, unsigned v)
{
        if (((u >> 5) ^ (v >> 5)) & 1)
                return rgb(u, v, 0x80);
        return rgb(0xff - v, u, (u + v) >> 1);
}

static bool rect_clip(struct rect *a, const struct rect *b)
{
        int x0 = MAX(a->x, b->x), y0 = MAX(a->y, b->y);
        int x1 = MIN(a->x + a->w, b->x + b->w), y1 = MIN(a->y + a->h, b->y + b->h);

        if (x0 >= x1 || y0 >= y1)
                return false;
        *a = (struct rect) { x0, y0, x1 - x0, y1 - y0 };
        return true;
}

#define ROW(pix, stride, y) ((uint32_t *) ((pix) + (size_t) (y) * (stride)))

static void fill_rect(uint32_t *pix, int w, int h, struct rect r, uint32_t colour)
{
        if (!rect_clip(&r, &(struct rect) { 0, 0, w, h }))
                return;
        for (int y = r.y; y < r.y + r.h; y++)
                for (int x = r.x; x < r.x + r.w; x++)
                        pix[(size_t) y * w + x] = colour;
}

/*
 * The still desktop into pix (w x h): wallpaper, then the windows back to
 * front, each window's title bar over it, the task bar on top.
 */
static void desktop_draw(const struct testsrc *ts, uint32_t *pix)
{
        int w = ts->w, h = ts->h, s = ts->scale;
        struct rect win0 = ts->win[0];

        /* wallpaper: red and green fall with the row, blue with the column; later rows take blue from row 0 */
        for (int x = 0; x < w; x++)
                pix[x] = rgb(0x1c, 0x3a, 0x70 + 0x60 * x / w);
        for (int y = 1; y < h; y++) {
                uint32_t rg = rgb(0x1c + 0x30 * y / h, 0x3a + 0x50 * y / h, 0);

                for (int x = 0; x < w; x++)
                        pix[(size_t) y * w + x] = rg | (pix[x] & 0xff);
        }
        fill_rect(pix, w, h, ts->win[1], rgb(0xfa, 0xfa, 0xfa));
        fill_rect(pix, w, h, ts->title[1], rgb(0x35, 0x84, 0xe4));
        fill_rect(pix, w, h, win0, rgb(0xe8, 0xe8, 0xe7));
        /* grey "text lines" in the first window: rows 4-6 of every 10, columns strictly between 4 in and 3/4
         * across (all in units of scale) */
        for (int y = win0.y; y < win0.y + win0.h; y++) {
                int ly = (y - win0.y) % (10 * s);

                if (ly >= 4 * s && ly < 7 * s)
                        fill_rect(pix, w, h,
                                  (struct rect) { win0.x + 4 * s + 1, y, win0.w * 3 / 4 - 4 * s - 1, 1 },
                                  rgb(0x90, 0x90, 0x94));
        }
        fill_rect(pix, w, h, ts->title[0], rgb(0x55, 0x57, 0x5c));
        fill_rect(pix, w, h, ts->taskbar, rgb(0x20, 0x22, 0x28));
}

/* A string drawn once at scale, len * GLYPH_W * scale x GLYPH_H * scale pixels; NULL when out of memory. */
static uint32_t *text_draw(const char *str, size_t len, int scale, uint32_t ink, uint32_t paper)
{
        int w = (int) len * GLYPH_W * scale, h = GLYPH_H * scale;
        uint32_t *pix = malloc(sizeof(uint32_t) * w * h);

        if (!pix)
                return NULL;
        for (int v = 0; v < h; v++)
                for (int u = 0; u < w; u++)
                        pix[(size_t) v * w + u] = text_pixel(str, len, u, v, scale) ? ink : paper;
        return pix;
}

/* Render rectangle r of picture n into pix (stride in bytes): background, then overlays on top. */
static void testsrc_render(const struct testsrc *ts, uint8_t *pix, unsigned stride, struct rect r, uint64_t n)
{
        struct rect box = box_rect(ts, n), counter = counter_rect(ts), band = ts->band;
        char digits[COUNTER_DIGITS + 1];
        int text_w = ts->band_text_w;
        int scroll = (int) (((int64_t) n * 2 * ts->scale) % text_w);

        if (ts->flash_on) {
                for (int y = r.y; y < r.y + r.h; y++) {
                        uint32_t *row = ROW(pix, stride, y);

                        for (int x = r.x; x < r.x + r.w; x++)
                                row[x] = rgb(0xff, 0xff, 0xff);
                }
                return;
        }
        if (ts->pattern == CAPTURE_PATTERN_MOTION) {
                unsigned ou = (unsigned) ((int64_t) n * 4 * ts->scale), ov = (unsigned) ((int64_t) n * 2 * ts->scale);

                if (ts->noise) {
                        /* a jump no motion search follows (a multiplicative hash of the picture number) */
                        uint32_t hash = (uint32_t) n * 2654435761u;

                        ou = hash >> 8;
                        ov = hash >> 20;
                }

                for (int y = r.y; y < r.y + r.h; y++) {
                        const uint32_t *trow = ts->texture + ((y + ov) % TEXTURE_SIZE) * TEXTURE_SIZE;
                        uint32_t *row = ROW(pix, stride, y);

                        for (int x = r.x; x < r.x + r.w;) {
                                unsigned u = (x + ou) % TEXTURE_SIZE;
                                int len = MIN((int) (TEXTURE_SIZE - u), r.x + r.w - x);

                                memcpy(row + x, trow + u, len * sizeof(uint32_t));
                                x += len;
                        }
                }
        } else {
                for (int y = r.y; y < r.y + r.h; y++)
                        memcpy(ROW(pix, stride, y) + r.x, ts->desktop + (size_t) y * ts->w + r.x,
                               r.w * sizeof(uint32_t));
        }
        if (ts->pattern == CAPTURE_PATTERN_STILL)
                return;

        /* The band shows the periodic text from column scroll on: a copy per period, wrapping around. */
        if (ts->pattern == CAPTURE_PATTERN_DESKTOP && rect_clip(&band, &r))
                for (int y = band.y; y < band.y + band.h; y++) {
                        const uint32_t *text_row = ts->band_text + (size_t) (y - ts->band.y) * text_w;
                        uint32_t *row = ROW(pix, stride, y);

                        for (int x = band.x; x < band.x + band.w;) {
                                int u = (x - ts->band.x + scroll) % text_w;
                                int len = MIN(text_w - u, band.x + band.w - x);

                                memcpy(row + x, text_row + u, len * sizeof(uint32_t));
                                x += len;
                        }
                }
        if (rect_clip(&box, &r))
                for (int y = box.y; y < box.y + box.h; y++) {
                        uint32_t *row = ROW(pix, stride, y);

                        for (int x = box.x; x < box.x + box.w; x++)
                                row[x] = rgb(0xe0, 0x1b, 0x24);
                }
        snprintf(digits, sizeof(digits), "%0*llu", COUNTER_DIGITS, (unsigned long long) (n % 100000000ull));
        /* The counter: a black margin of s columns either side of COUNTER_DIGITS cells copied from ts->digits. */
        if (rect_clip(&counter, &r)) {
                int s = 2 * ts->scale, cell = GLYPH_W * s;
                struct rect full = counter_rect(ts);

                for (int y = counter.y; y < counter.y + counter.h; y++) {
                        const uint32_t *digits_row = ts->digits + (size_t) (y - full.y) * 10 * cell;
                        uint32_t *row = ROW(pix, stride, y);

                        for (int x = counter.x; x < counter.x + counter.w;) {
                                int u = x - full.x - s, off, len;

                                if (u < 0 || u >= COUNTER_DIGITS * cell) {
                                        row[x++] = rgb(0, 0, 0);
                                        continue;
                                }
                                off = u % cell;
                                len = MIN(cell - off, counter.x + counter.w - x);
                                memcpy(row + x, digits_row + (digits[u / cell] - '0') * cell + off,
                                       len * sizeof(uint32_t));
                                x += len;
                        }
                }
        }
}

static void testsrc_free(struct testsrc *ts)
{
        if (!ts)
                return;
        free(ts->texture);
        free(ts->desktop);
        free(ts->band_text);
        free(ts->digits);
        free(ts);
}

/*
 * Size-dependent state: scale, window rectangles, and the layers drawn once
 * for this size. On failure the previous size's state is left as it was.
 */
static int testsrc_layout(struct testsrc *ts, int w, int h)
{
        _cleanup_free_ uint32_t *desktop = NULL, *band_text = NULL, *digits = NULL;
        int scale = MAX(h / 270, 1);
        size_t text_len = strlen(scroll_text);

        if (ts->pattern != CAPTURE_PATTERN_MOTION) {
                desktop = malloc(sizeof(uint32_t) * w * h);
                if (!desktop)
                        return -ENOMEM;
        }
        if (ts->pattern == CAPTURE_PATTERN_DESKTOP) {
                band_text = text_draw(scroll_text, text_len, scale, rgb(0x10, 0x10, 0x10), rgb(0xfa, 0xfa, 0xfa));
                if (!band_text)
                        return -ENOMEM;
        }
        if (ts->pattern != CAPTURE_PATTERN_STILL) {
                digits = text_draw("0123456789", 10, 2 * scale, rgb(0xff, 0xff, 0x40), rgb(0, 0, 0));
                if (!digits)
                        return -ENOMEM;
        }

        ts->w = w;
        ts->h = h;
        ts->scale = scale;
        ts->win[0] = (struct rect) { w * 8 / 100, h * 12 / 100, w * 45 / 100, h * 50 / 100 };
        ts->win[1] = (struct rect) { w * 50 / 100, h * 30 / 100, w * 44 / 100, h * 45 / 100 };
        for (int i = 0; i < 2; i++)
                ts->title[i] = (struct rect) { ts->win[i].x, ts->win[i].y, ts->win[i].w, 12 * scale };
        ts->taskbar = (struct rect) { 0, h - h * 5 / 100, w, h * 5 / 100 };
        ts->band = (struct rect) { ts->win[1].x + 4 * scale, ts->win[1].y + 20 * scale,
                                   ts->win[1].w - 8 * scale, GLYPH_H * scale };

        free(ts->desktop);
        ts->desktop = steal_ptr(desktop);
        if (ts->desktop)
                desktop_draw(ts, ts->desktop);
        free(ts->band_text);
        ts->band_text = steal_ptr(band_text);
        ts->band_text_w = (int) text_len * GLYPH_W * scale;
        free(ts->digits);
        ts->digits = steal_ptr(digits);
        return 0;
}

static int testsrc_open(struct capture *c, const struct capture_config *cfg)
{
        struct testsrc *ts;
        int w = cfg->width ? (int) cfg->width : 1280;
        int h = cfg->height ? (int) cfg->height : 720;
        int r;

        if (w < 64 || h < 64 || w > 8192 || h > 8192 || (w & 1) || (h & 1))
                return capture_set_error(-EINVAL, "testsrc: size %dx%d unsupported (even, 64..8192)", w, h);
        if (cfg->pattern < 0 || cfg->pattern >= _CAPTURE_PATTERN_MAX)
                return capture_set_error(-EINVAL, "testsrc: unknown pattern %d", (int) cfg->pattern);
        if (cfg->resize_every && (w < 128 || h < 128))
                return capture_set_error(-EINVAL, "testsrc: resizing needs at least 128x128, not %dx%d", w, h);

        ts = calloc(1, sizeof(*ts));
        if (!ts)
                return -ENOMEM;
        ts->pattern = cfg->pattern;
        ts->resize_every = cfg->resize_every;
        ts->flash = cfg->flash;
        ts->noise = cfg->noise;
        ts->full_w = w;
        ts->full_h = h;
        ts->texture = malloc(sizeof(uint32_t) * TEXTURE_SIZE * TEXTURE_SIZE);
        if (!ts->texture || testsrc_layout(ts, w, h) < 0) {
                testsrc_free(ts);
                return -ENOMEM;
        }
        for (unsigned v = 0; v < TEXTURE_SIZE; v++)
                for (unsigned u = 0; u < TEXTURE_SIZE; u++)
                        ts->texture[v * TEXTURE_SIZE + u] = texture_pixel(u, v);
        if (ts->noise) {
                uint32_t x = 0x9e3779b9u; /* xorshift32: the same noise every run */

                for (unsigned i = 0; i < TEXTURE_SIZE * TEXTURE_SIZE; i++) {
                        x ^= x << 13;
                        x ^= x >> 17;
                        x ^= x << 5;
                        ts->texture[i] = x & 0xffffff;
                }
        }

        c->priv = ts;
        r = capture_set_format(c, w, h, w * 4, DRM_FORMAT_XRGB8888, DRM_FORMAT_MOD_LINEAR);
        if (r < 0)
                return r;
        if (!(c->access & CAPTURE_ACCESS_CPU))
                return capture_set_error(-ENOTSUP, "testsrc: produces CPU frames only, no dma-buf");
        return 0;
}

/* resize_every: the next picture switches between the full size and half of it (even), like a mode set. */
static int testsrc_resize(struct capture *c)
{
        struct testsrc *ts = c->priv;
        bool to_half = ts->w == ts->full_w;
        int w = to_half ? (ts->full_w / 2) & ~1 : ts->full_w;
        int h = to_half ? (ts->full_h / 2) & ~1 : ts->full_h;
        int r;

        r = testsrc_layout(ts, w, h);
        if (r < 0)
                return r;
        /* Drops the pool and marks every tile of the next picture as changed. */
        return capture_set_format(c, w, h, w * 4, DRM_FORMAT_XRGB8888, DRM_FORMAT_MOD_LINEAR);
}

static int testsrc_update(struct capture *c, uint64_t n)
{
        struct testsrc *ts = c->priv;
        struct rect counter, box_old, box_new;

        if (ts->resize_every && n > 1 && (n - 1) % ts->resize_every == 0)
                return testsrc_resize(c);
        counter = counter_rect(ts);

        if (ts->flash) {
                struct timespec now;
                bool on;

                clock_gettime(CLOCK_MONOTONIC, &now);
                on = (uint64_t) now.tv_nsec / 1000 < CAPTURE_FLASH_USEC;
                if (on != ts->flash_on) {
                        ts->flash_on = on;
                        capture_mark_all(c, n);
                        return 0;
                }
                if (on)
                        return 0; /* white stays white */
        }

        if (ts->pattern == CAPTURE_PATTERN_MOTION) {
                capture_mark_all(c, n);
                return 0;
        }
        if (ts->pattern == CAPTURE_PATTERN_STILL)
                return 0;

        /* What differs between picture n-1 and n: the counter, the text band, the box's old and new place. */
        box_old = box_rect(ts, n - 1);
        box_new = box_rect(ts, n);
        capture_mark_rect(c, counter.x, counter.y, counter.w, counter.h, n);
        capture_mark_rect(c, ts->band.x, ts->band.y, ts->band.w, ts->band.h, n);
        capture_mark_rect(c, box_old.x, box_old.y, box_old.w, box_old.h, n);
        capture_mark_rect(c, box_new.x, box_new.y, box_new.w, box_new.h, n);
        return 0;
}

static int testsrc_fill(struct capture *c, struct capture_buffer *b)
{
        struct testsrc *ts = c->priv;

        /* Redraw each run of stale tiles in a tile row as one rectangle. */
        for (unsigned ty = 0; ty < c->tiles_y; ty++) {
                const uint64_t *seqs = &c->tile_seq[(size_t) ty * c->tiles_x];

                for (unsigned tx = 0; tx < c->tiles_x;) {
                        unsigned end = tx;
                        struct rect r;

                        if (b->content_seq != 0 && seqs[tx] <= b->content_seq) {
                                tx++;
                                continue;
                        }
                        while (end < c->tiles_x && (b->content_seq == 0 || seqs[end] > b->content_seq))
                                end++;
                        r.x = tx * CAPTURE_TILE_SIZE;
                        r.y = ty * CAPTURE_TILE_SIZE;
                        r.w = MIN(end * CAPTURE_TILE_SIZE, c->width) - r.x;
                        r.h = MIN((ty + 1) * CAPTURE_TILE_SIZE, c->height) - r.y;
                        testsrc_render(ts, b->pixels, b->frame.stride, r, c->seq);
                        tx = end;
                }
        }
        return 0;
}

static void testsrc_close(struct capture *c)
{
        testsrc_free(c->priv);
        c->priv = NULL;
}

const struct capture_ops capture_testsrc_ops = {
        .name = "testsrc",
        .open = testsrc_open,
        .update = testsrc_update,
        .fill = testsrc_fill,
        .close = testsrc_close,
};
