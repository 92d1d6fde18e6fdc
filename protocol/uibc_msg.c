/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * UIBC packets (WFD spec section 4.11.3) and the pure injection policy. See
 * uibc_msg.h.
 */
#include <errno.h>
#include <linux/input-event-codes.h>
#include <string.h>

#include "byte_cursor.h"
#include "macro.h"
#include "uibc_msg.h"

/* ---- packets --------------------------------------------------------------------------- */

#define UIBC_T_SPEC  0x10   /* where the specification puts T: bit 4 of byte 0, after the 3-bit version */
#define UIBC_T_ALT   0x08   /* where MediaTek's code looks for it */

static bool generic_id_known(uint8_t id)
{
        return id <= UIBC_GENERIC_ROTATE || id == UIBC_GENERIC_VENDOR;
}

/*
 * How well a body of avail bytes at b fits its category: 0 it does not, 1 it
 * fits (padding allowed), 2 more when its id/usage is one we know. Ties go to
 * what the T flag says: an exact fit is no better a sign than the flag, since
 * padding is as common a quirk as a misplaced flag.
 */
static int body_score(uint8_t category, const uint8_t *b, size_t avail)
{
        size_t need;
        bool known;

        if (category == UIBC_CATEGORY_GENERIC) {
                if (avail < UIBC_GENERIC_IE_HEADER)
                        return 0;
                need = UIBC_GENERIC_IE_HEADER + byte_get_be16(b + 1);
                known = generic_id_known(b[0]);
        } else {
                if (avail < UIBC_HIDC_HEADER)
                        return 0;
                need = UIBC_HIDC_HEADER + byte_get_be16(b + 3);
                known = b[2] <= UIBC_HIDC_REPORT_DESCRIPTOR;
        }
        if (need > avail)
                return 0;
        return 1 + 2 * known;
}

static int parse_pointers(struct byte_cursor *c, struct uibc_event *e)
{
        uint8_t n;

        if (!byte_cursor_u8(c, &n) || byte_cursor_left(c) < (size_t) n * 5)
                return -EBADMSG;
        if (n == 0) {
                e->type = UIBC_EVENT_IGNORED;   /* nothing to press or move */
                return 0;
        }
        for (unsigned i = 0; i < n; i++) {
                struct uibc_pointer p;

                if (!byte_cursor_u8(c, &p.id) || !byte_cursor_be16(c, &p.x) || !byte_cursor_be16(c, &p.y))
                        return -EBADMSG;
                if (e->n_pointers < UIBC_MAX_POINTERS)
                        e->pointers[e->n_pointers++] = p;
                else
                        e->n_pointers_dropped++;
        }
        return 0;
}

static int parse_generic(struct byte_cursor *c, struct uibc_event *e)
{
        uint16_t u16;
        uint8_t u8;

        switch (e->generic_id) {
        case UIBC_GENERIC_TOUCH_DOWN:
        case UIBC_GENERIC_TOUCH_UP:
        case UIBC_GENERIC_TOUCH_MOVE:
                e->type = UIBC_EVENT_TOUCH_DOWN + (e->generic_id - UIBC_GENERIC_TOUCH_DOWN);
                return parse_pointers(c, e);
        case UIBC_GENERIC_KEY_DOWN:
        case UIBC_GENERIC_KEY_UP:
                e->type = e->generic_id == UIBC_GENERIC_KEY_DOWN ? UIBC_EVENT_KEY_DOWN : UIBC_EVENT_KEY_UP;
                if (!byte_cursor_u8(c, &u8) || !byte_cursor_be16(c, &e->key_code1) ||
                    !byte_cursor_be16(c, &e->key_code2))
                        return -EBADMSG;
                return 0;
        case UIBC_GENERIC_ZOOM:
                e->type = UIBC_EVENT_ZOOM;
                if (!byte_cursor_be16(c, &e->zoom_x) || !byte_cursor_be16(c, &e->zoom_y) ||
                    !byte_cursor_u8(c, &e->zoom_int) || !byte_cursor_u8(c, &e->zoom_frac))
                        return -EBADMSG;
                return 0;
        case UIBC_GENERIC_VSCROLL:
        case UIBC_GENERIC_HSCROLL:
                e->type = e->generic_id == UIBC_GENERIC_VSCROLL ? UIBC_EVENT_VSCROLL : UIBC_EVENT_HSCROLL;
                if (!byte_cursor_be16(c, &u16))
                        return -EBADMSG;
                /* B15-14 unit, B13 direction (set: left for a horizontal scroll, so up for a vertical one), B12-0 count */
                e->scroll_unit = (uint8_t) (u16 >> 14);
                e->scroll = (int16_t) (u16 & UIBC_SCROLL_MAX_COUNT);
                if (u16 & 0x2000)
                        e->scroll = (int16_t) -e->scroll;
                if (e->scroll_unit > UIBC_SCROLL_UNIT_NOTCH)
                        e->type = UIBC_EVENT_IGNORED;   /* reserved unit: no meaning to act on */
                return 0;
        case UIBC_GENERIC_ROTATE:
                e->type = UIBC_EVENT_ROTATE;
                if (!byte_cursor_u8(c, &u8) || !byte_cursor_u8(c, &e->rotate_frac))
                        return -EBADMSG;
                e->rotate_int = (int8_t) u8;
                return 0;
        default:
                e->type = UIBC_EVENT_IGNORED;   /* vendor-specific or a later revision's type */
                return 0;
        }
}

ssize_t uibc_msg_parse(const uint8_t *buf, size_t len, struct uibc_event *ret)
{
        struct uibc_event e = {};
        struct byte_cursor c, body;
        size_t offs[2], total, off = 0;
        int best = 0, r;
        uint16_t blen = 0;

        if (!ret || (!buf && len > 0))
                return -EINVAL;
        if (len < UIBC_HEADER_SIZE)
                return -EAGAIN;
        if (buf[0] >> 5 != 0)
                return -EPROTONOSUPPORT;
        total = byte_get_be16(buf + 2);
        if (total < UIBC_HEADER_SIZE)
                return -EBADMSG;
        if (total > UIBC_MAX_PACKET)
                return -E2BIG;
        if (len < total)
                return -EAGAIN;

        e.category = buf[1] & 0x0f;
        if (e.category != UIBC_CATEGORY_GENERIC && e.category != UIBC_CATEGORY_HIDC) {
                e.type = UIBC_EVENT_IGNORED;   /* a later category: Length still frames it */
                *ret = e;
                return (ssize_t) total;
        }

        /* Timestamp or not: trust the flag first (either position), then whichever layout fits best. */
        if (buf[0] & (UIBC_T_SPEC | UIBC_T_ALT))
                offs[0] = UIBC_HEADER_SIZE + UIBC_TIMESTAMP_SIZE, offs[1] = UIBC_HEADER_SIZE;
        else
                offs[0] = UIBC_HEADER_SIZE, offs[1] = UIBC_HEADER_SIZE + UIBC_TIMESTAMP_SIZE;
        for (size_t i = 0; i < 2; i++) {
                int s;

                if (offs[i] > total)
                        continue;
                s = body_score(e.category, buf + offs[i], total - offs[i]);
                if (s > best) {
                        best = s;
                        off = offs[i];
                }
        }
        if (best == 0)
                return -EBADMSG;
        if (off > UIBC_HEADER_SIZE) {
                e.has_timestamp = true;
                e.timestamp = byte_get_be16(buf + UIBC_HEADER_SIZE);
                e.quirk_t_at_0x08 = !(buf[0] & UIBC_T_SPEC);
        }

        c = byte_cursor_init(buf + off, total - off);
        /* body_score() checked that these fit; the checks stay for the reader (and the analyzers) */
        if (e.category == UIBC_CATEGORY_GENERIC) {
                if (!byte_cursor_u8(&c, &e.generic_id) || !byte_cursor_be16(&c, &blen) ||
                    !byte_cursor_sub(&c, blen, &body))
                        return -EBADMSG;
                r = parse_generic(&body, &e);
                if (r < 0)
                        return r;
        } else {
                if (!byte_cursor_u8(&c, &e.hidc_path) || !byte_cursor_u8(&c, &e.hidc_type) ||
                    !byte_cursor_u8(&c, &e.hidc_usage) || !byte_cursor_be16(&c, &blen) ||
                    !byte_cursor_take(&c, blen, &e.hid))
                        return -EBADMSG;
                e.hid_len = blen;
                e.type = e.hidc_usage <= UIBC_HIDC_REPORT_DESCRIPTOR ? UIBC_EVENT_HIDC : UIBC_EVENT_IGNORED;
        }
        /* MiracleCast pads to an even length and counts the pad in Length. */
        e.quirk_padding = byte_cursor_left(&c) > 0;
        *ret = e;
        return (ssize_t) total;
}

ssize_t uibc_msg_build(const struct uibc_event *e, uint8_t *buf, size_t size)
{
        struct byte_writer w = byte_writer_init(buf, size);
        uint8_t *ie_len;
        size_t start;

        if (!e || !buf || e->type <= UIBC_EVENT_IGNORED || e->type >= _UIBC_EVENT_MAX ||
            e->n_pointers > UIBC_MAX_POINTERS)
                return -EINVAL;
        if (e->type == UIBC_EVENT_HIDC && (e->hid_len > UIBC_MAX_HID_LEN || (!e->hid && e->hid_len > 0)))
                return -EINVAL;
        if ((e->type == UIBC_EVENT_VSCROLL || e->type == UIBC_EVENT_HSCROLL) &&
            (e->scroll_unit > UIBC_SCROLL_UNIT_NOTCH || e->scroll > UIBC_SCROLL_MAX_COUNT ||
             e->scroll < -UIBC_SCROLL_MAX_COUNT))
                return -EINVAL;

        byte_writer_u8(&w, e->has_timestamp ? UIBC_T_SPEC : 0);
        byte_writer_u8(&w, e->type == UIBC_EVENT_HIDC ? UIBC_CATEGORY_HIDC : UIBC_CATEGORY_GENERIC);
        byte_writer_be16(&w, 0);   /* Length, below */
        if (e->has_timestamp)
                byte_writer_be16(&w, e->timestamp);

        if (e->type == UIBC_EVENT_HIDC) {
                byte_writer_u8(&w, e->hidc_path);
                byte_writer_u8(&w, e->hidc_type);
                byte_writer_u8(&w, e->hidc_usage);
                byte_writer_be16(&w, (uint16_t) e->hid_len);
                byte_writer_bytes(&w, e->hid, e->hid_len);
        } else {
                static const uint8_t ids[_UIBC_EVENT_MAX] = {
                        [UIBC_EVENT_TOUCH_DOWN] = UIBC_GENERIC_TOUCH_DOWN,
                        [UIBC_EVENT_TOUCH_UP] = UIBC_GENERIC_TOUCH_UP,
                        [UIBC_EVENT_TOUCH_MOVE] = UIBC_GENERIC_TOUCH_MOVE,
                        [UIBC_EVENT_KEY_DOWN] = UIBC_GENERIC_KEY_DOWN,
                        [UIBC_EVENT_KEY_UP] = UIBC_GENERIC_KEY_UP,
                        [UIBC_EVENT_ZOOM] = UIBC_GENERIC_ZOOM,
                        [UIBC_EVENT_VSCROLL] = UIBC_GENERIC_VSCROLL,
                        [UIBC_EVENT_HSCROLL] = UIBC_GENERIC_HSCROLL,
                        [UIBC_EVENT_ROTATE] = UIBC_GENERIC_ROTATE,
                };

                byte_writer_u8(&w, ids[e->type]);
                ie_len = byte_writer_reserve(&w, 2);
                start = w.off;
                switch (e->type) {
                case UIBC_EVENT_TOUCH_DOWN:
                case UIBC_EVENT_TOUCH_UP:
                case UIBC_EVENT_TOUCH_MOVE:
                        byte_writer_u8(&w, (uint8_t) e->n_pointers);
                        for (size_t i = 0; i < e->n_pointers; i++) {
                                byte_writer_u8(&w, e->pointers[i].id);
                                byte_writer_be16(&w, e->pointers[i].x);
                                byte_writer_be16(&w, e->pointers[i].y);
                        }
                        break;
                case UIBC_EVENT_KEY_DOWN:
                case UIBC_EVENT_KEY_UP:
                        byte_writer_u8(&w, 0);
                        byte_writer_be16(&w, e->key_code1);
                        byte_writer_be16(&w, e->key_code2);
                        break;
                case UIBC_EVENT_ZOOM:
                        byte_writer_be16(&w, e->zoom_x);
                        byte_writer_be16(&w, e->zoom_y);
                        byte_writer_u8(&w, e->zoom_int);
                        byte_writer_u8(&w, e->zoom_frac);
                        break;
                case UIBC_EVENT_VSCROLL:
                case UIBC_EVENT_HSCROLL:
                        byte_writer_be16(&w, (uint16_t) (e->scroll_unit << 14 | (e->scroll < 0 ? 0x2000 : 0) |
                                                         (e->scroll < 0 ? -e->scroll : e->scroll)));
                        break;
                default: /* UIBC_EVENT_ROTATE */
                        byte_writer_u8(&w, (uint8_t) e->rotate_int);
                        byte_writer_u8(&w, e->rotate_frac);
                        break;
                }
                if (ie_len)
                        byte_put_be16(ie_len, (uint16_t) (w.off - start));
        }
        if (w.overflow)
                return -ENOBUFS;
        byte_put_be16(buf + 2, (uint16_t) w.off);   /* <= UIBC_MAX_PACKET */
        return (ssize_t) w.off;
}

const char *uibc_event_type_to_string(enum uibc_event_type t)
{
        static const char *const names[_UIBC_EVENT_MAX] = {
                [UIBC_EVENT_IGNORED] = "ignored",
                [UIBC_EVENT_TOUCH_DOWN] = "touch-down",
                [UIBC_EVENT_TOUCH_UP] = "touch-up",
                [UIBC_EVENT_TOUCH_MOVE] = "touch-move",
                [UIBC_EVENT_KEY_DOWN] = "key-down",
                [UIBC_EVENT_KEY_UP] = "key-up",
                [UIBC_EVENT_ZOOM] = "zoom",
                [UIBC_EVENT_VSCROLL] = "vscroll",
                [UIBC_EVENT_HSCROLL] = "hscroll",
                [UIBC_EVENT_ROTATE] = "rotate",
                [UIBC_EVENT_HIDC] = "hidc",
        };

        if ((int) t < 0 || t >= _UIBC_EVENT_MAX)
                return NULL;
        return names[t];
}

/* ---- coordinates ---------------------------------------------------------------------- */

int uibc_letterbox(uint32_t mode_w, uint32_t mode_h, uint32_t content_w, uint32_t content_h, struct uibc_rect *ret)
{
        struct uibc_rect r;

        if (!ret || mode_w == 0 || mode_h == 0 || content_w == 0 || content_h == 0)
                return -EINVAL;
        if ((uint64_t) content_w * mode_h > (uint64_t) content_h * mode_w) {
                /* wider than the mode: full width, bars top and bottom */
                uint64_t h = ((uint64_t) content_h * mode_w + content_w / 2) / content_w;

                r.width = mode_w;
                r.height = (uint32_t) MAX(h, 1);
                r.x = 0;
                r.y = (int32_t) ((mode_h - r.height) / 2);
        } else {
                uint64_t w = ((uint64_t) content_w * mode_h + content_h / 2) / content_h;

                r.height = mode_h;
                r.width = (uint32_t) MAX(w, 1);
                r.y = 0;
                r.x = (int32_t) ((mode_w - r.width) / 2);
        }
        *ret = r;
        return 0;
}

int uibc_letterbox_even(uint32_t mode_w, uint32_t mode_h, uint32_t content_w, uint32_t content_h,
                        struct uibc_rect *ret)
{
        struct uibc_rect r;
        int k;

        if (!ret || (mode_w & 1) || (mode_h & 1))
                return -EINVAL;
        k = uibc_letterbox(mode_w, mode_h, content_w, content_h, &r);
        if (k < 0)
                return k;
        /* Bars under 2 px a side are not worth a black line: stretch by that (under 0.4 % at 1080p). */
        if (mode_w - r.width < 4 && mode_h - r.height < 4)
                r = (struct uibc_rect) { 0, 0, mode_w, mode_h };
        r.width = MAX(r.width & ~1u, 2u);
        r.height = MAX(r.height & ~1u, 2u);
        r.x = (int32_t) (((mode_w - r.width) / 2) & ~1u);
        r.y = (int32_t) (((mode_h - r.height) / 2) & ~1u);
        *ret = r;
        return 0;
}

/* One axis: p in active [a0, a0 + an) to target [t0, t0 + tn), pixel centre to pixel centre. */
static int map_axis(int64_t p, int64_t a0, uint32_t an, int64_t t0, uint32_t tn, bool clamp, int64_t *ret)
{
        int64_t d = p - a0;

        if (d < 0 || d >= (int64_t) an) {
                if (!clamp)
                        return -ERANGE;
                d = d < 0 ? 0 : (int64_t) an - 1;
        }
        *ret = t0 + ((2 * d + 1) * (int64_t) tn) / (2 * (int64_t) an);
        return 0;
}

int uibc_map_point(const struct uibc_rect *active, const struct uibc_rect *target, uint16_t x, uint16_t y,
                   bool clamp, int32_t *ret_x, int32_t *ret_y)
{
        int64_t tx, ty;

        if (!active || !target || !ret_x || !ret_y || active->width == 0 || active->height == 0 ||
            target->width == 0 || target->height == 0)
                return -EINVAL;
        if (map_axis(x, active->x, active->width, target->x, target->width, clamp, &tx) < 0 ||
            map_axis(y, active->y, active->height, target->y, target->height, clamp, &ty) < 0)
                return -ERANGE;
        /* inside target by construction, so within int32 whenever target itself is */
        if (tx > INT32_MAX || ty > INT32_MAX)
                return -ERANGE;
        *ret_x = (int32_t) tx;
        *ret_y = (int32_t) ty;
        return 0;
}

int uibc_geometry_compute(uint32_t mode_w, uint32_t mode_h, uint32_t content_w, uint32_t content_h,
                          bool letterboxed, const struct uibc_rect *source, uint32_t desktop_w, uint32_t desktop_h,
                          struct uibc_geometry *ret)
{
        struct uibc_geometry g = {};
        int r;

        if (!ret || mode_w == 0 || mode_h == 0 || mode_w > 65535 || mode_h > 65535 || content_w == 0 ||
            content_h == 0)
                return -EINVAL;
        if (letterboxed) {
                r = uibc_letterbox_even(mode_w, mode_h, content_w, content_h, &g.active);
                if (r < 0)
                        return r;
        } else
                g.active = (struct uibc_rect) { 0, 0, mode_w, mode_h };

        if (source && desktop_w > 0 && desktop_h > 0) {
                if (source->width == 0 || source->height == 0 || source->x < 0 || source->y < 0 ||
                    (uint64_t) source->x + source->width > desktop_w ||
                    (uint64_t) source->y + source->height > desktop_h)
                        return -EINVAL;
                g.target = *source;
                g.range_width = desktop_w;
                g.range_height = desktop_h;
        } else {
                g.target = (struct uibc_rect) { 0, 0, content_w, content_h };
                g.range_width = content_w;
                g.range_height = content_h;
        }
        *ret = g;
        return 0;
}

/* ---- keys --------------------------------------------------------------------------------- */

static const uint16_t letter_keys[26] = {
        KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K, KEY_L, KEY_M,
        KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z,
};

static const uint16_t digit_keys[10] = {
        KEY_0, KEY_1, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6, KEY_7, KEY_8, KEY_9,
};

/* Punctuation on a US layout: the character, its key, Shift or not. */
static const struct {
        char ch;
        uint16_t key;
        bool shift;
} punct_keys[] = {
        { ' ', KEY_SPACE, false },     { '!', KEY_1, true },          { '"', KEY_APOSTROPHE, true },
        { '#', KEY_3, true },          { '$', KEY_4, true },          { '%', KEY_5, true },
        { '&', KEY_7, true },          { '\'', KEY_APOSTROPHE, false }, { '(', KEY_9, true },
        { ')', KEY_0, true },          { '*', KEY_8, true },          { '+', KEY_EQUAL, true },
        { ',', KEY_COMMA, false },     { '-', KEY_MINUS, false },     { '.', KEY_DOT, false },
        { '/', KEY_SLASH, false },     { ':', KEY_SEMICOLON, true },  { ';', KEY_SEMICOLON, false },
        { '<', KEY_COMMA, true },      { '=', KEY_EQUAL, false },     { '>', KEY_DOT, true },
        { '?', KEY_SLASH, true },      { '@', KEY_2, true },          { '[', KEY_LEFTBRACE, false },
        { '\\', KEY_BACKSLASH, false }, { ']', KEY_RIGHTBRACE, false }, { '^', KEY_6, true },
        { '_', KEY_MINUS, true },      { '`', KEY_GRAVE, false },     { '{', KEY_LEFTBRACE, true },
        { '|', KEY_BACKSLASH, true },  { '}', KEY_RIGHTBRACE, true }, { '~', KEY_GRAVE, true },
};

int uibc_key_from_char(uint16_t code, uint16_t *ret_key, bool *ret_shift)
{
        uint16_t key = 0;
        bool shift = false;

        if (!ret_key || !ret_shift)
                return -EINVAL;
        if (code >= 'a' && code <= 'z')
                key = letter_keys[code - 'a'];
        else if (code >= 'A' && code <= 'Z')
                key = letter_keys[code - 'A'], shift = true;
        else if (code >= '0' && code <= '9')
                key = digit_keys[code - '0'];
        else
                switch (code) {
                case 0x08: key = KEY_BACKSPACE; break;
                case 0x09: key = KEY_TAB; break;
                case 0x0a:
                case 0x0d: key = KEY_ENTER; break;
                case 0x1b: key = KEY_ESC; break;
                case 0x7f: key = KEY_DELETE; break;
                default:
                        for (size_t i = 0; i < ARRAY_SIZE(punct_keys); i++)
                                if ((uint16_t) punct_keys[i].ch == code) {
                                        key = punct_keys[i].key;
                                        shift = punct_keys[i].shift;
                                        break;
                                }
                }
        if (key == 0)
                return -ENOENT;
        *ret_key = key;
        *ret_shift = shift;
        return 0;
}

int uibc_key_from_hid_usage(uint16_t usage, uint16_t *ret_key)
{
        /* HID Usage Tables 1.12, Keyboard/Keypad page (0x07), usages 0x28..0x65 */
        static const uint16_t from_0x28[] = {
                KEY_ENTER, KEY_ESC, KEY_BACKSPACE, KEY_TAB, KEY_SPACE, KEY_MINUS, KEY_EQUAL, KEY_LEFTBRACE,
                KEY_RIGHTBRACE, KEY_BACKSLASH, KEY_BACKSLASH /* 0x32 non-US # */, KEY_SEMICOLON, KEY_APOSTROPHE,
                KEY_GRAVE, KEY_COMMA, KEY_DOT, KEY_SLASH, KEY_CAPSLOCK,
                KEY_F1, KEY_F2, KEY_F3, KEY_F4, KEY_F5, KEY_F6, KEY_F7, KEY_F8, KEY_F9, KEY_F10, KEY_F11, KEY_F12,
                KEY_SYSRQ /* 0x46 PrintScreen, as the kernel's HID driver maps it */, KEY_SCROLLLOCK, KEY_PAUSE,
                KEY_INSERT, KEY_HOME, KEY_PAGEUP, KEY_DELETE, KEY_END, KEY_PAGEDOWN, KEY_RIGHT, KEY_LEFT,
                KEY_DOWN, KEY_UP, KEY_NUMLOCK, KEY_KPSLASH, KEY_KPASTERISK, KEY_KPMINUS, KEY_KPPLUS, KEY_KPENTER,
                KEY_KP1, KEY_KP2, KEY_KP3, KEY_KP4, KEY_KP5, KEY_KP6, KEY_KP7, KEY_KP8, KEY_KP9, KEY_KP0,
                KEY_KPDOT, KEY_102ND, KEY_COMPOSE,
        };
        static const uint16_t modifiers[8] = {
                KEY_LEFTCTRL, KEY_LEFTSHIFT, KEY_LEFTALT, KEY_LEFTMETA,
                KEY_RIGHTCTRL, KEY_RIGHTSHIFT, KEY_RIGHTALT, KEY_RIGHTMETA,
        };
        uint16_t key;

        if (!ret_key)
                return -EINVAL;
        if (usage >= 0x04 && usage <= 0x1d)
                key = letter_keys[usage - 0x04];
        else if (usage >= 0x1e && usage <= 0x26)
                key = digit_keys[usage - 0x1e + 1];
        else if (usage == 0x27)
                key = KEY_0;
        else if (usage >= 0x28 && usage < 0x28 + ARRAY_SIZE(from_0x28))
                key = from_0x28[usage - 0x28];
        else if (usage >= 0xe0 && usage <= 0xe7)
                key = modifiers[usage - 0xe0];
        else
                return -ENOENT;
        *ret_key = key;
        return 0;
}

#define KEY_FILTER_MAX 0x300

static bool bit_test(const uint8_t *set, uint16_t k)
{
        return set[k / 8] & (1u << (k % 8));
}

static void bit_put(uint8_t *set, uint16_t k, bool v)
{
        if (v)
                set[k / 8] |= (uint8_t) (1u << (k % 8));
        else
                set[k / 8] &= (uint8_t) ~(1u << (k % 8));
}

void uibc_key_filter_init(struct uibc_key_filter *f)
{
        if (f)
                memset(f, 0, sizeof(*f));
}

static bool key_is_fn(uint16_t key)
{
        /* F1..F10 and F11/F12 are apart in the table; F13..F24 can be bound to VTs too */
        return (key >= KEY_F1 && key <= KEY_F10) || key == KEY_F11 || key == KEY_F12 ||
               (key >= KEY_F13 && key <= KEY_F24);
}

bool uibc_key_filter_allow(struct uibc_key_filter *f, uint16_t key, bool down)
{
        bool ctrl, alt, block;

        if (!f || key >= KEY_FILTER_MAX || key == 0)
                return false;
        if (!down) {
                if (bit_test(f->blocked, key)) {
                        bit_put(f->blocked, key, false);
                        return false;
                }
                if (!bit_test(f->down, key))
                        return false;   /* a release for nothing we pressed: noise */
                bit_put(f->down, key, false);
                return true;
        }
        if (bit_test(f->blocked, key))
                return false;           /* auto-repeat of a blocked key */

        ctrl = bit_test(f->down, KEY_LEFTCTRL) || bit_test(f->down, KEY_RIGHTCTRL);
        alt = bit_test(f->down, KEY_LEFTALT) || bit_test(f->down, KEY_RIGHTALT);
        block = key == KEY_SYSRQ ||                                    /* magic SysRq */
                (alt && key == KEY_PRINT) ||                           /* Alt+Print is SysRq on PC keyboards */
                (ctrl && alt && (key_is_fn(key) ||                     /* VT switch */
                                 key == KEY_BACKSPACE ||               /* X server zap */
                                 key == KEY_DELETE));                  /* ctrl-alt-del.target */
        if (block) {
                bit_put(f->blocked, key, true);
                return false;
        }
        bit_put(f->down, key, true);
        return true;
}

/* ---- rate limit ------------------------------------------------------------------------------ */

#define MICRO 1000000ULL

int uibc_rate_limit_init(struct uibc_rate_limit *rl, uint32_t rate_per_sec, uint32_t burst, uint64_t now_usec)
{
        if (!rl || rate_per_sec == 0 || burst == 0)
                return -EINVAL;
        *rl = (struct uibc_rate_limit) {
                .rate_per_sec = rate_per_sec,
                .burst = burst,
                .micro_tokens = (uint64_t) burst * MICRO,
                .last_usec = now_usec,
        };
        return 0;
}

bool uibc_rate_limit_take(struct uibc_rate_limit *rl, uint64_t now_usec)
{
        uint64_t cap;

        if (!rl || rl->rate_per_sec == 0)
                return false;
        cap = rl->burst * MICRO;
        if (now_usec > rl->last_usec) {
                uint64_t elapsed = now_usec - rl->last_usec;

                /* a long pause refills the bucket; bounding elapsed first keeps the product small */
                if (elapsed >= cap / rl->rate_per_sec + 1)
                        rl->micro_tokens = cap;
                else
                        rl->micro_tokens = MIN(cap, rl->micro_tokens + elapsed * rl->rate_per_sec);
                rl->last_usec = now_usec;
        }
        if (rl->micro_tokens < MICRO)
                return false;
        rl->micro_tokens -= MICRO;
        return true;
}
