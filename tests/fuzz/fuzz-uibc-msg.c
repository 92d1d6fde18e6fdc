/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the UIBC packet parser as a TCP stream (every proper prefix of the
 * first packet must be -EAGAIN), and run every parsed event
 * through what the injector would do: rebuild and re-parse (same event),
 * map its pointers into a target rectangle (always inside it), map its key
 * codes and pass them through the VT/SysRq filter (never lets SysRq
 * through), and count it against a rate limit driven by the timestamps.
 */
#include <errno.h>
#include <linux/input-event-codes.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../protocol/uibc_msg.h"

static void same_event(const struct uibc_event *a, const struct uibc_event *b)
{
        if (a->type != b->type || a->n_pointers != b->n_pointers || a->key_code1 != b->key_code1 ||
            a->key_code2 != b->key_code2 || a->scroll != b->scroll || a->scroll_unit != b->scroll_unit || a->zoom_x != b->zoom_x ||
            a->rotate_int != b->rotate_int || a->hid_len != b->hid_len ||
            (a->hid_len && memcmp(a->hid, b->hid, a->hid_len) != 0) || a->has_timestamp != b->has_timestamp)
                __builtin_trap();
        for (size_t i = 0; i < a->n_pointers; i++)
                if (a->pointers[i].id != b->pointers[i].id || a->pointers[i].x != b->pointers[i].x ||
                    a->pointers[i].y != b->pointers[i].y)
                        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static uint8_t out[UIBC_MAX_PACKET];
        struct uibc_key_filter f;
        struct uibc_rate_limit rl;
        struct uibc_rect active, target = { -100, 50, 1280, 720 };
        size_t off = 0;
        uint64_t now = 0;

        uibc_key_filter_init(&f);
        (void) uibc_rate_limit_init(&rl, 1000, 20, 0);
        if (uibc_letterbox(1920, 1080, size > 0 ? 800 + data[0] * 8 : 1280, 720, &active) < 0)
                __builtin_trap();

        while (off < size) {
                struct uibc_event e, again;
                ssize_t n = uibc_msg_parse(data + off, size - off, &e), k;

                if (n < 0)
                        break;
                if (n < UIBC_HEADER_SIZE || (size_t) n > size - off || n > UIBC_MAX_PACKET ||
                    e.n_pointers > UIBC_MAX_POINTERS || !uibc_event_type_to_string(e.type))
                        __builtin_trap();
                if (e.hid && (e.hid < data + off || e.hid + e.hid_len > data + off + n))
                        __builtin_trap();

                /* every proper prefix of the first packet is "need more" */
                if (off == 0)
                        for (size_t p = 0; p < (size_t) n; p++)
                                if (uibc_msg_parse(data, p, &again) != -EAGAIN)
                                        __builtin_trap();

                if (e.type != UIBC_EVENT_IGNORED) {
                        k = uibc_msg_build(&e, out, sizeof(out));
                        if (k < 0 || uibc_msg_parse(out, (size_t) k, &again) != k)
                                __builtin_trap();
                        same_event(&e, &again);
                }

                for (size_t i = 0; i < e.n_pointers; i++) {
                        int32_t x, y;

                        if (uibc_map_point(&active, &target, e.pointers[i].x, e.pointers[i].y, i % 2, &x, &y) == 0 &&
                            (x < target.x || x >= target.x + (int32_t) target.width || y < target.y ||
                             y >= target.y + (int32_t) target.height))
                                __builtin_trap();
                }
                if (e.type == UIBC_EVENT_KEY_DOWN || e.type == UIBC_EVENT_KEY_UP) {
                        uint16_t key;
                        bool shift;

                        if (uibc_key_from_char(e.key_code1, &key, &shift) == 0 ||
                            uibc_key_from_hid_usage(e.key_code1 & 0xff, &key) == 0 || (key = e.key_code2, true)) {
                                bool ok = uibc_key_filter_allow(&f, key, e.type == UIBC_EVENT_KEY_DOWN);

                                if (ok && key == KEY_SYSRQ)
                                        __builtin_trap();
                        }
                }
                if (e.has_timestamp)
                        now += e.timestamp;
                (void) uibc_rate_limit_take(&rl, now);
                off += (size_t) n;
        }
        return 0;
}
