/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>

#include "../../protocol/owned_str.h"
#include "../lib/test.h"

TEST(owned_str_replace, "/owned-str/set copies the value and frees the old one; NULL becomes the empty string") {
        char value[] = "first", *field = NULL;

        assert_int_eq(owned_str_set(&field, value), 0);
        assert_str_eq(field, "first");
        assert_true(field != value);         /* a copy: the caller's buffer may go away */
        value[0] = 'F';
        assert_str_eq(field, "first");
        assert_int_eq(owned_str_set(&field, "second"), 0);   /* ASan reports the first copy if it leaked */
        assert_str_eq(field, "second");
        assert_int_eq(owned_str_set(&field, NULL), 0);
        assert_str_eq(field, "");
        free(field);
}
