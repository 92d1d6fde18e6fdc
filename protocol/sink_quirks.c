/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-sink quirk table. Each row names the device it was derived from; see
 * tests/data/wfd-captures/ and docs/protocol.md, "Sink quirks".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "sink_quirks.h"

static const struct sink_quirk_entry quirk_table[] = {
        {
                /* Microsoft Wireless Display Adapter (UA "MSFT-WDD"): works best, or only, with
                 * LPCM audio (docs/protocol.md, "Audio"). */
                .name = "Microsoft Wireless Display Adapter",
                .user_agent_prefix = "MSFT-WDD",
                .quirks = SINK_QUIRK_PREFER_LPCM,
        },
        {
                /* Microsoft receivers announce control port 554 in their WFD IE (device info
                 * 0x0151 seen; TVs and dongles use 7236): same LPCM preference as the adapter. */
                .name = "Microsoft receiver (WFD IE port 554)",
                .wfd_rtsp_port = 554,
                .quirks = SINK_QUIRK_PREFER_LPCM,
        },
        {
                /* LG webOS TVs (UN8000PTA capture): the TV sends its M2 only after it got our M3,
                 * so waiting for M2 first only costs the M2 timeout. */
                .name = "LG webOS TV",
                .device_name_prefix = "[LG] webOS TV",
                .quirks = SINK_QUIRK_M3_WITHOUT_M2,
        },
};

const struct sink_quirk_entry *sink_quirks_table(size_t *ret_n)
{
        *ret_n = ARRAY_SIZE(quirk_table);
        return quirk_table;
}

static bool has_prefix(const char *s, const char *prefix)
{
        return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool entry_matches(const struct sink_quirk_entry *e, const struct sink_identity *id)
{
        bool any_key = false;

        if (e->user_agent_prefix) {
                any_key = true;
                if (!has_prefix(id->user_agent, e->user_agent_prefix) &&
                    !has_prefix(id->server, e->user_agent_prefix))
                        return false;
        }
        if (e->device_name_prefix) {
                any_key = true;
                if (!has_prefix(id->device_name, e->device_name_prefix))
                        return false;
        }
        if (e->wfd_rtsp_port) {
                any_key = true;
                if (id->wfd_rtsp_port != e->wfd_rtsp_port)
                        return false;
        }
        return any_key;
}

unsigned sink_quirks_lookup(const struct sink_identity *id, const char **ret_match)
{
        const char *match = NULL;
        unsigned quirks = 0;

        for (size_t i = 0; i < ARRAY_SIZE(quirk_table); i++)
                if (entry_matches(&quirk_table[i], id)) {
                        quirks |= quirk_table[i].quirks;
                        if (!match)
                                match = quirk_table[i].name;
                }
        if (ret_match)
                *ret_match = match;
        return quirks;
}

static const struct {
        enum sink_quirk quirk;
        const char *name;
} quirk_names[] = {
        { SINK_QUIRK_NO_KEEPALIVE,    "no-keepalive" },
        { SINK_QUIRK_M3_WITHOUT_M2,   "m3-without-m2" },
        { SINK_QUIRK_PREFER_LPCM,     "prefer-lpcm" },
        { SINK_QUIRK_EARLY_KEEPALIVE, "early-keepalive" },
        { SINK_QUIRK_PERIODIC_IDR,    "periodic-idr" },
        { SINK_QUIRK_SAFE_FORMAT,     "safe-format" },
};

const char *sink_quirk_to_string(enum sink_quirk q)
{
        for (size_t i = 0; i < ARRAY_SIZE(quirk_names); i++)
                if (quirk_names[i].quirk == q)
                        return quirk_names[i].name;
        return NULL;
}

unsigned sink_quirk_from_string(const char *s)
{
        for (size_t i = 0; s && i < ARRAY_SIZE(quirk_names); i++)
                if (strcmp(quirk_names[i].name, s) == 0)
                        return quirk_names[i].quirk;
        return 0;
}

int sink_quirks_format(unsigned quirks, char *buf, size_t size)
{
        size_t len = 0;

        if (size == 0)
                return -ENOBUFS;
        buf[0] = 0;
        for (size_t i = 0; i < ARRAY_SIZE(quirk_names); i++) {
                if (!(quirks & quirk_names[i].quirk))
                        continue;
                int n = snprintf(buf + len, size - len, "%s%s", len ? "," : "", quirk_names[i].name);
                if (n < 0 || (size_t) n >= size - len)
                        return -ENOBUFS;
                len += n;
        }
        return (int) len;
}
