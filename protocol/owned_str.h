/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A struct's owned string field (char *, freed with the struct): the one way
 * every directory replaces one. libc only.
 */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* *field becomes a copy of value (NULL: ""), the old string freed. Returns 0, or -ENOMEM with *field unchanged. */
static inline int owned_str_set(char **field, const char *value)
{
        char *copy = strdup(value ?: "");

        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
        return 0;
}
