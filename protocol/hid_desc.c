/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HID report descriptor parsing and the keyboard-report filter (see
 * hid_desc.h). Item format: HID 1.11 section 6.2.2 (short items: a prefix
 * byte = tag(4) | type(2) | size(2), then 0, 1, 2 or 4 data bytes, little
 * endian; long items start with 0xFE).
 */
#include <errno.h>
#include <string.h>

#include "byte_cursor.h"
#include "hid_desc.h"

enum {
        ITEM_MAIN = 0,
        ITEM_GLOBAL = 1,
        ITEM_LOCAL = 2,
};

/* Main item tags. */
enum {
        MAIN_INPUT = 0x8,
        MAIN_OUTPUT = 0x9,
        MAIN_COLLECTION = 0xA,
        MAIN_FEATURE = 0xB,
        MAIN_END_COLLECTION = 0xC,
};

/* Global item tags. */
enum {
        GLOBAL_USAGE_PAGE = 0x0,
        GLOBAL_LOGICAL_MIN = 0x1,
        GLOBAL_LOGICAL_MAX = 0x2,
        GLOBAL_REPORT_SIZE = 0x7,
        GLOBAL_REPORT_ID = 0x8,
        GLOBAL_REPORT_COUNT = 0x9,
        GLOBAL_PUSH = 0xA,
        GLOBAL_POP = 0xB,
};

/* Local item tags. */
enum {
        LOCAL_USAGE = 0x0,
        LOCAL_USAGE_MIN = 0x1,
        LOCAL_USAGE_MAX = 0x2,
};

#define HID_MAX_REPORT_SIZE_BITS 256     /* the kernel refuses larger Report Size values */
#define COLLECTION_APPLICATION   0x01
#define USAGE_GD_MOUSE           0x02

struct globals {
        uint16_t usage_page;
        int32_t logical_min;
        uint32_t logical_max_raw;        /* read signed or unsigned once the minimum is known */
        uint8_t logical_max_size;
        uint32_t report_size;
        uint32_t report_count;
        uint8_t report_id;
};

struct locals {
        uint8_t n_usages;
        uint16_t usages[HID_MAX_USAGES];
        uint16_t extended_page;          /* a 4-byte Usage names its page: the first one's */
        bool has_min, has_max;
        uint16_t usage_min, usage_max;
        uint16_t last_usage;             /* for the collection test */
};

static uint32_t item_unsigned(const uint8_t *d, uint8_t n)
{
        uint32_t v = 0;

        for (uint8_t i = 0; i < n; i++)
                v |= (uint32_t) d[i] << (8 * i);
        return v;
}

static int32_t item_signed(uint32_t v, uint8_t n)
{
        if (n == 1)
                return (int8_t) v;
        if (n == 2)
                return (int16_t) v;
        return (int32_t) v;
}

/* As the kernel does: the maximum is signed only when the minimum is negative. */
static int32_t logical_max(const struct globals *g)
{
        if (g->logical_min < 0)
                return item_signed(g->logical_max_raw, g->logical_max_size);
        return g->logical_max_raw > INT32_MAX ? INT32_MAX : (int32_t) g->logical_max_raw;
}

static bool bit_get(const uint8_t *set, unsigned n)
{
        return set[n / 8] & (1u << (n % 8));
}

static void bit_set(uint8_t *set, unsigned n)
{
        set[n / 8] |= (uint8_t) (1u << (n % 8));
}

static int add_input(struct hid_desc *d, const struct globals *g, const struct locals *l, uint32_t flags,
                     uint32_t *bits)
{
        uint32_t total = g->report_size * g->report_count;
        uint16_t page = l->extended_page ? l->extended_page : g->usage_page;
        struct hid_field *f;

        bit_set(d->input_ids, g->report_id);
        if (bits[g->report_id] + total > (uint32_t) (HID_MAX_REPORT - (d->has_report_ids ? 1 : 0)) * 8)
                return -EBADMSG;
        if (page == HID_PAGE_KEYBOARD && !(flags & 0x1) && total > 0) {
                if (g->report_size == 0 || g->report_size > 32)
                        return -EBADMSG;
                if (d->n_fields >= HID_MAX_FIELDS)
                        return -E2BIG;
                f = &d->fields[d->n_fields++];
                *f = (struct hid_field) {
                        .report_id = g->report_id,
                        .bit_offset = bits[g->report_id],
                        .size = (uint8_t) g->report_size,
                        .count = (uint16_t) g->report_count,
                        .variable = flags & 0x2,
                        .usage_page = page,
                        .logical_min = g->logical_min,
                        .logical_max = logical_max(g),
                        .n_usages = l->n_usages,
                        .usage_min = l->usage_min,
                        .usage_max = l->has_max ? l->usage_max : l->usage_min,
                };
                memcpy(f->usages, l->usages, sizeof(f->usages));
                d->keyboard = true;
        }
        bits[g->report_id] += total;
        return 0;
}

int hid_desc_parse(const uint8_t *buf, size_t len, struct hid_desc *ret)
{
        struct byte_cursor c = byte_cursor_init(buf, len);
        struct globals g = {}, stack[HID_MAX_DEPTH];
        struct locals l = {};
        struct hid_desc d = {};
        uint32_t bits[256] = {};
        size_t depth = 0, pushed = 0;
        bool any_input = false;
        int r;

        if (len > HID_MAX_DESCRIPTOR)
                return -E2BIG;
        if (len == 0 || !buf || !ret)
                return -EBADMSG;

        while (byte_cursor_left(&c) > 0) {
                const uint8_t *p, *data;
                uint8_t prefix, size, type, tag;
                uint32_t u;

                (void) byte_cursor_take(&c, 1, &p);
                prefix = p[0];
                if (prefix == 0xFE) {
                        /* Long item: size, tag, data. No standard one exists; skipped. */
                        if (!byte_cursor_take(&c, 2, &p) || !byte_cursor_skip(&c, p[0]))
                                return -EBADMSG;
                        continue;
                }
                size = (prefix & 0x3) == 3 ? 4 : prefix & 0x3;
                type = (prefix >> 2) & 0x3;
                tag = prefix >> 4;
                if (!byte_cursor_take(&c, size, &data))
                        return -EBADMSG;
                u = item_unsigned(data, size);

                switch (type) {
                case ITEM_MAIN:
                        switch (tag) {
                        case MAIN_INPUT:
                                r = add_input(&d, &g, &l, u, bits);
                                if (r < 0)
                                        return r;
                                any_input = true;
                                break;
                        case MAIN_COLLECTION:
                                if (depth >= HID_MAX_DEPTH)
                                        return -E2BIG;
                                depth++;
                                if ((u & 0xff) == COLLECTION_APPLICATION && !l.extended_page &&
                                    g.usage_page == HID_PAGE_GENERIC_DESKTOP && l.last_usage == USAGE_GD_MOUSE)
                                        d.mouse = true;
                                break;
                        case MAIN_END_COLLECTION:
                                if (depth == 0)
                                        return -EBADMSG;
                                depth--;
                                break;
                        case MAIN_OUTPUT:
                        case MAIN_FEATURE:
                                /* Their own report lengths; nothing we read. */
                                break;
                        default:
                                return -EBADMSG;
                        }
                        l = (struct locals) {};   /* locals apply to one main item */
                        break;
                case ITEM_GLOBAL:
                        switch (tag) {
                        case GLOBAL_USAGE_PAGE:
                                g.usage_page = (uint16_t) u;
                                break;
                        case GLOBAL_LOGICAL_MIN:
                                g.logical_min = item_signed(u, size);
                                break;
                        case GLOBAL_LOGICAL_MAX:
                                g.logical_max_raw = u;
                                g.logical_max_size = size;
                                break;
                        case GLOBAL_REPORT_SIZE:
                                if (u > HID_MAX_REPORT_SIZE_BITS)
                                        return -EBADMSG;
                                g.report_size = u;
                                break;
                        case GLOBAL_REPORT_COUNT:
                                if (u > HID_MAX_REPORT * 8)
                                        return -EBADMSG;
                                g.report_count = u;
                                break;
                        case GLOBAL_REPORT_ID:
                                if (u == 0 || u > 255)
                                        return -EBADMSG;
                                g.report_id = (uint8_t) u;
                                d.has_report_ids = true;
                                break;
                        case GLOBAL_PUSH:
                                if (pushed >= HID_MAX_DEPTH)
                                        return -E2BIG;
                                stack[pushed++] = g;
                                break;
                        case GLOBAL_POP:
                                if (pushed == 0)
                                        return -EBADMSG;
                                g = stack[--pushed];
                                break;
                        default:
                                break;           /* physical range, units: not ours to read */
                        }
                        break;
                case ITEM_LOCAL:
                        switch (tag) {
                        case LOCAL_USAGE:
                                if (size == 4 && l.n_usages == 0)
                                        l.extended_page = (uint16_t) (u >> 16);
                                l.last_usage = (uint16_t) u;
                                if (l.n_usages < HID_MAX_USAGES)
                                        l.usages[l.n_usages++] = (uint16_t) u;
                                else
                                        l.usages[HID_MAX_USAGES - 1] = (uint16_t) u;
                                break;
                        case LOCAL_USAGE_MIN:
                                l.usage_min = (uint16_t) u;
                                l.has_min = true;
                                break;
                        case LOCAL_USAGE_MAX:
                                l.usage_max = (uint16_t) u;
                                l.has_max = true;
                                break;
                        default:
                                break;           /* designators, strings, delimiters */
                        }
                        break;
                default:
                        return -EBADMSG;         /* reserved item type */
                }
        }
        if (depth != 0 || !any_input)
                return -EBADMSG;
        /* A report in a descriptor with ids but an Input item before the first id: the kernel refuses it too. */
        if (d.has_report_ids && bit_get(d.input_ids, 0))
                return -EBADMSG;

        for (unsigned id = 0; id < 256; id++)
                if (bit_get(d.input_ids, id)) {
                        uint32_t bytes = (bits[id] + 7) / 8 + (d.has_report_ids ? 1 : 0);
                        if (bytes > d.max_input_bytes)
                                d.max_input_bytes = (uint16_t) bytes;
                }
        *ret = d;
        return 0;
}

/* ---- reading and writing fields ----------------------------------------------------- */

/* Value i of a field, unsigned, or false when the report is too short for it. */
static bool field_get(const struct hid_field *f, const uint8_t *data, size_t len, size_t i, uint32_t *ret)
{
        uint64_t start = f->bit_offset + (uint64_t) i * f->size;
        uint32_t v = 0;

        if (start + f->size > (uint64_t) len * 8)
                return false;
        for (unsigned b = 0; b < f->size; b++) {
                uint64_t bit = start + b;
                if (data[bit / 8] & (1u << (bit % 8)))
                        v |= 1u << b;
        }
        *ret = v;
        return true;
}

static void field_put(const struct hid_field *f, uint8_t *data, size_t i, uint32_t v)
{
        uint64_t start = f->bit_offset + (uint64_t) i * f->size;

        for (unsigned b = 0; b < f->size; b++) {
                uint64_t bit = start + b;
                if (v & (1u << b))
                        data[bit / 8] |= (uint8_t) (1u << (bit % 8));
                else
                        data[bit / 8] &= (uint8_t) ~(1u << (bit % 8));
        }
}

static int64_t field_value(const struct hid_field *f, uint32_t raw)
{
        /* Negative logical ranges mean the values are signed (HID 1.11, 6.2.2.7). */
        if (f->logical_min < 0 && f->size < 32 && (raw & (1u << (f->size - 1))))
                return (int64_t) raw - ((int64_t) 1 << f->size);
        if (f->logical_min < 0 && f->size == 32)
                return (int32_t) raw;
        return raw;
}

/* The usage an array value names; false for "no key" (out of range, or usage 0). */
static bool array_usage(const struct hid_field *f, int64_t v, uint16_t *ret)
{
        int64_t idx;
        uint32_t u;

        if (v < f->logical_min || v > f->logical_max)
                return false;
        idx = v - f->logical_min;
        if (f->n_usages > 0) {
                if (idx >= f->n_usages)
                        return false;
                u = f->usages[idx];
        } else {
                if ((int64_t) f->usage_min + idx > f->usage_max)
                        return false;
                u = (uint32_t) (f->usage_min + idx);
        }
        if (u == 0 || u > 255)
                return false;
        *ret = (uint16_t) u;
        return true;
}

/* The usage of value i of a variable (bitmap) field; false when i names none. */
static bool variable_usage(const struct hid_field *f, size_t i, uint16_t *ret)
{
        uint32_t u;

        if (f->n_usages > 0)
                u = f->usages[i < f->n_usages ? i : (size_t) f->n_usages - 1];
        else if ((uint64_t) f->usage_min + i <= f->usage_max)
                u = (uint32_t) (f->usage_min + i);
        else
                return false;
        if (u == 0 || u > 255)
                return false;
        *ret = (uint16_t) u;
        return true;
}

/* Visit every pressed key of a report: fn(field, index, usage). */
static void for_each_key(const struct hid_desc *desc, uint8_t id, const uint8_t *data, size_t len,
                         void (*fn)(const struct hid_field *f, size_t i, uint16_t usage, void *userdata),
                         void *userdata)
{
        for (size_t n = 0; n < desc->n_fields; n++) {
                const struct hid_field *f = &desc->fields[n];

                if (f->report_id != id)
                        continue;
                for (size_t i = 0; i < f->count; i++) {
                        uint32_t raw;
                        uint16_t usage;

                        if (!field_get(f, data, len, i, &raw))
                                break;
                        if (f->variable ? raw != 0 && variable_usage(f, i, &usage)
                                        : array_usage(f, field_value(f, raw), &usage))
                                fn(f, i, usage, userdata);
                }
        }
}

static int split_report(const struct hid_desc *desc, const uint8_t *report, size_t len, uint8_t *ret_id,
                        size_t *ret_offset)
{
        uint8_t id = 0;

        if (!desc || !report || len == 0 || len > HID_MAX_REPORT)
                return -EINVAL;
        if (desc->has_report_ids)
                id = report[0];
        if (!bit_get(desc->input_ids, id))
                return -ENOENT;
        *ret_id = id;
        *ret_offset = desc->has_report_ids ? 1 : 0;
        return 0;
}

static void mark_pressed(const struct hid_field *f, size_t i, uint16_t usage, void *userdata)
{
        (void) f;
        (void) i;
        bit_set(userdata, usage);
}

int hid_report_keys(const struct hid_desc *desc, const uint8_t *report, size_t len, uint8_t ret_pressed[32])
{
        uint8_t pressed[32] = {}, id;
        size_t off;
        int r;

        r = split_report(desc, report, len, &id, &off);
        if (r < 0)
                return r;
        for_each_key(desc, id, report + off, len - off, mark_pressed, pressed);
        memcpy(ret_pressed, pressed, sizeof(pressed));
        return 0;
}

/* ---- the filter ------------------------------------------------------------------------ */

#define HID_KEY_F1            0x3A
#define HID_KEY_F12           0x45
#define HID_KEY_F13           0x68
#define HID_KEY_F24           0x73
#define HID_KEY_BACKSPACE     0x2A
#define HID_KEY_PRINTSCREEN   0x46
#define HID_KEY_DELETE        0x4C
#define HID_KEY_KP_DELETE     0x63     /* Keypad . and Delete */
#define HID_KEY_SYSREQ        0x9A
#define HID_KEY_LEFTCTRL      0xE0
#define HID_KEY_LEFTALT       0xE2
#define HID_KEY_RIGHTCTRL     0xE4
#define HID_KEY_RIGHTALT      0xE6

static bool key_blocked(uint16_t usage, const uint8_t pressed[32])
{
        bool ctrl = bit_get(pressed, HID_KEY_LEFTCTRL) || bit_get(pressed, HID_KEY_RIGHTCTRL);
        bool alt = bit_get(pressed, HID_KEY_LEFTALT) || bit_get(pressed, HID_KEY_RIGHTALT);

        /* PrintScreen is KEY_SYSRQ to the kernel (hid-input), so it goes with SysRq itself. */
        if (usage == HID_KEY_SYSREQ || usage == HID_KEY_PRINTSCREEN)
                return true;
        if (!(ctrl && alt))
                return false;
        return (usage >= HID_KEY_F1 && usage <= HID_KEY_F12) || (usage >= HID_KEY_F13 && usage <= HID_KEY_F24) ||
               usage == HID_KEY_BACKSPACE || usage == HID_KEY_DELETE || usage == HID_KEY_KP_DELETE;
}

/* A value for an array entry that names no key, or false when every value the field can hold names one. */
static bool array_none_value(const struct hid_field *f, uint32_t *ret)
{
        int64_t candidates[] = { 0, (int64_t) f->logical_min - 1, (int64_t) f->logical_max + 1 };
        uint16_t usage;

        for (size_t k = 0; k < sizeof(candidates) / sizeof(candidates[0]); k++) {
                int64_t v = candidates[k];
                uint32_t raw;

                if (f->logical_min >= 0) {
                        if (v < 0 || (f->size < 32 && v >= ((int64_t) 1 << f->size)) || v > UINT32_MAX)
                                continue;
                        raw = (uint32_t) v;
                } else {
                        int64_t lo = f->size < 32 ? -((int64_t) 1 << (f->size - 1)) : INT32_MIN;
                        int64_t hi = f->size < 32 ? ((int64_t) 1 << (f->size - 1)) - 1 : INT32_MAX;
                        if (v < lo || v > hi)
                                continue;
                        raw = (uint32_t) (v & (f->size < 32 ? (((int64_t) 1 << f->size) - 1) : 0xffffffff));
                }
                if (!array_usage(f, field_value(f, raw), &usage)) {
                        *ret = raw;
                        return true;
                }
        }
        return false;
}

struct strip {
        const uint8_t *blocked;          /* usages to remove */
        uint8_t *out;                    /* the report's data in the output copy */
        int removed;
        bool failed;
};

static void strip_key(const struct hid_field *f, size_t i, uint16_t usage, void *userdata)
{
        struct strip *s = userdata;
        uint32_t none;

        if (!bit_get(s->blocked, usage))
                return;
        if (f->variable)
                none = 0;
        else if (!array_none_value(f, &none)) {
                s->failed = true;
                return;
        }
        field_put(f, s->out, i, none);
        s->removed++;
}

void hid_key_filter_init(struct hid_key_filter *f)
{
        memset(f, 0, sizeof(*f));
}

int hid_key_filter_report(struct hid_key_filter *f, const struct hid_desc *desc, const uint8_t *report,
                          size_t len, uint8_t *out)
{
        uint8_t pressed[32] = {}, blocked[32] = {}, id;
        struct strip s = {};
        size_t off;
        int r;

        if (!f || !out)
                return -EINVAL;
        r = split_report(desc, report, len, &id, &off);
        if (r < 0)
                return r;
        memcpy(out, report, len);
        for_each_key(desc, id, report + off, len - off, mark_pressed, pressed);

        /* Blocked now by the rules, or still held since it was blocked. */
        for (unsigned u = 1; u < 256; u++)
                if (bit_get(pressed, u) && (key_blocked((uint16_t) u, pressed) || bit_get(f->blocked[id], u)))
                        bit_set(blocked, u);
        memcpy(f->blocked[id], blocked, sizeof(blocked));

        s = (struct strip) { .blocked = blocked, .out = out + off };
        for_each_key(desc, id, report + off, len - off, strip_key, &s);
        if (s.failed)
                return -EPERM;
        return s.removed;
}
