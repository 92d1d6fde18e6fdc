/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the main <-> worker control message parser (protocol/worker_msg.h):
 * main reads these from a process that parses network bytes, so it treats
 * them like network bytes. Promises checked:
 *   - every field view lies inside the datagram, number fields are 8 bytes,
 *     text fields hold no NUL, bytes fields are returned whole;
 *   - a parsed message rebuilt with the writer is byte-identical to the input;
 *   - the getters never read past a field.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../protocol/worker_msg.h"

static struct worker_msg m;
static uint8_t out[WORKER_MSG_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct worker_msg_writer w;
        char text[WORKER_MSG_MAX_STRING + 1];
        size_t len = 0;
        uint64_t u;
        int64_t i;

        if (worker_msg_parse(data, size, &m) < 0)
                return 0;
        if (m.n_fields > WORKER_MSG_MAX_FIELDS)
                __builtin_trap();
        worker_msg_begin(&w, out, sizeof(out), m.type, m.session);
        for (size_t k = 0; k < m.n_fields; k++) {
                const struct worker_msg_field *f = &m.fields[k];

                if (f->value < data + WORKER_MSG_HEADER_SIZE || f->value + f->len > data + size)
                        __builtin_trap();
                if (f->tag < WORKER_FIELD_FIRST_STRING) {
                        uint64_t v = 0;

                        if (f->len != 8 || worker_msg_get_u64(&m, f->tag, &u) < 0)
                                __builtin_trap();
                        for (int b = 7; b >= 0; b--)
                                v = v << 8 | f->value[b];
                        worker_msg_put_u64(&w, f->tag, v);
                        (void) worker_msg_get_ranged(&m, f->tag, -4095, 0, &i);
                } else if (f->tag >= WORKER_FIELD_FIRST_BYTES) {
                        const uint8_t *b = NULL;
                        size_t n = 0;

                        if (worker_msg_get_bytes(&m, f->tag, &b, &n) < 0 || b < data || b + n > data + size ||
                            worker_msg_get_str(&m, f->tag, text, sizeof(text)) != -EINVAL)
                                __builtin_trap();
                        worker_msg_put_bytes(&w, f->tag, f->value, f->len);
                } else {
                        if (memchr(f->value, 0, f->len) || worker_msg_get_str(&m, f->tag, text, sizeof(text)) < 0)
                                __builtin_trap();
                        memcpy(text, f->value, f->len);
                        text[f->len] = '\0';
                        worker_msg_put_str(&w, f->tag, text);
                }
        }
        if (worker_msg_finish(&w, &len) < 0 || len != size || memcmp(out, data, size) != 0)
                __builtin_trap();
        (void) worker_msg_type_to_string(m.type);
        return 0;
}
