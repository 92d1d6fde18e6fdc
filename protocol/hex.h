/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One hex digit's value, for every parser of hex text we meet (WFD
 * parameters, WFD IE bodies from wpa_supplicant, MAC addresses, TXT records).
 */
#pragma once

/* 0..15 for 0-9, a-f, A-F; -1 for anything else. */
static inline int hex_digit(int c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}
