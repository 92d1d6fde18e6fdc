/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include "../../protocol/macro.h"
#include "../lib/test.h"

TEST(macro_steal_ptr, "/macro/steal_ptr leaves NULL behind") {
        char *p = malloc(4);
        _cleanup_free_ char *q = steal_ptr(p);
        assert_null(p);
        assert_non_null(q);
}
