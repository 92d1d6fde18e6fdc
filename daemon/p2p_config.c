/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Wi-Fi Direct configuration keys (see p2p.h and README "Wi-Fi Direct"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "p2p.h"

#include "../protocol/owned_str.h"
#include "../protocol/wpas_msg.h"
#include "log.h"

int p2p_config_init(struct p2p_config *c)
{
        const char *rt = getenv("RUNTIME_DIRECTORY");
        char first[256];

        *c = (struct p2p_config) {
                .go_intent = P2P_DEFAULT_GO_INTENT,
                .max_throughput_mbps = P2P_DEFAULT_MAX_THROUGHPUT_MBPS,
                .rtsp_port = 7236,
                .connect_timeout_sec = P2P_DEFAULT_CONNECT_TIMEOUT_SEC,
                .agent_timeout_sec = P2P_DEFAULT_AGENT_TIMEOUT_SEC,
                .find_sec = P2P_DEFAULT_FIND_SEC,
                .link_poll_sec = P2P_DEFAULT_LINK_POLL_SEC,
                .handshake_ip = true,
                .mice = true,
        };
        /* systemd may list several runtime directories separated by ':'; ours is the first. */
        if (rt && rt[0]) {
                snprintf(first, sizeof(first), "%.*s", (int) strcspn(rt, ":"), rt);
                c->runtime_dir = strdup(first);
        } else
                c->runtime_dir = strdup(P2P_DEFAULT_RUNTIME_DIR);
        c->backend = strdup("auto");
        c->wpas_ctrl = strdup(P2P_DEFAULT_WPAS_CTRL_DIR);
        c->subnet = strdup(P2P_DEFAULT_SUBNET);
        c->nm_bus = strdup("system");
        c->mice_discovery = strdup("auto");
        if (!c->runtime_dir || !c->backend || !c->wpas_ctrl || !c->subnet || !c->nm_bus || !c->mice_discovery) {
                p2p_config_clear(c);
                return -ENOMEM;
        }
        return 0;
}

void p2p_config_clear(struct p2p_config *c)
{
        free(c->backend);
        free(c->wpas_ctrl);
        free(c->nm_bus);
        free(c->runtime_dir);
        free(c->device_name);
        free(c->subnet);
        free(c->firewall_zone);
        free(c->mice_discovery);
        free(c->mice_sinks);
        *c = (struct p2p_config) {};
}

static bool key_eq(const char *a, const char *b)
{
        for (; *a && *b; a++, b++) {
                char x = *a == '_' ? '-' : *a, y = *b == '_' ? '-' : *b;
                if ((x | 0x20) != (y | 0x20))
                        return false;
        }
        return *a == *b;
}

static int parse_uint(const char *value, unsigned min, unsigned max, unsigned *ret)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(value, &end, 10);
        if (errno || end == value || *end || value[0] == '-' || v < min || v > max)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

static int parse_bool(const char *value, bool *ret)
{
        if (!strcasecmp(value, "yes") || !strcasecmp(value, "true") || !strcmp(value, "1") || !strcasecmp(value, "on"))
                *ret = true;
        else if (!strcasecmp(value, "no") || !strcasecmp(value, "false") || !strcmp(value, "0") ||
                 !strcasecmp(value, "off"))
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

int p2p_config_set(struct p2p_config *c, const char *key, const char *value)
{
        unsigned u;
        int r;

        if (!key || !value)
                return -EINVAL;
        if (key_eq(key, "p2p-backend")) {
                if (strcmp(value, "auto") != 0 && strcmp(value, "wpas") != 0 && strcmp(value, "nm") != 0 &&
                    strcmp(value, "none") != 0)
                        return log_error_errno(-EINVAL, "p2p-backend must be auto, wpas, nm or none, not \"%s\"", value);
                return owned_str_set(&c->backend, value);
        }
        if (key_eq(key, "wpas-ctrl")) {
                if (value[0] != '/')
                        return log_error_errno(-EINVAL, "wpas-ctrl must be an absolute path");
                return owned_str_set(&c->wpas_ctrl, value);
        }
        if (key_eq(key, "nm-bus")) {
                if (strcmp(value, "system") != 0 && !strchr(value, ':'))
                        return log_error_errno(-EINVAL, "nm-bus must be \"system\" or a D-Bus address, not \"%s\"", value);
                return owned_str_set(&c->nm_bus, value);
        }
        if (key_eq(key, "p2p-runtime-dir")) {
                if (value[0] != '/' || strlen(value) > 80)
                        return log_error_errno(-EINVAL, "p2p-runtime-dir must be an absolute path of at most 80 bytes");
                return owned_str_set(&c->runtime_dir, value);
        }
        if (key_eq(key, "p2p-device-name")) {
                if (strlen(value) > 32 || strpbrk(value, "\n\r"))
                        return log_error_errno(-EINVAL, "p2p-device-name: at most 32 bytes, one line");
                return owned_str_set(&c->device_name, value);
        }
        if (key_eq(key, "p2p-go-intent")) {
                r = parse_uint(value, 0, 15, &u);
                if (r < 0)
                        return log_error_errno(r, "p2p-go-intent must be 0..15, not \"%s\"", value);
                c->go_intent = (int) u;
                return 0;
        }
        if (key_eq(key, "p2p-max-throughput")) {
                r = parse_uint(value, 1, 65535, &u);
                if (r < 0)
                        return log_error_errno(r, "p2p-max-throughput must be 1..65535 Mbit/s, not \"%s\"", value);
                c->max_throughput_mbps = u;
                return 0;
        }
        if (key_eq(key, "p2p-connect-timeout")) {
                r = parse_uint(value, 5, 600, &u);
                if (r < 0)
                        return log_error_errno(r, "p2p-connect-timeout must be 5..600 seconds, not \"%s\"", value);
                c->connect_timeout_sec = u;
                return 0;
        }
        if (key_eq(key, "p2p-agent-timeout")) {
                r = parse_uint(value, 1, 600, &u);
                if (r < 0)
                        return log_error_errno(r, "p2p-agent-timeout must be 1..600 seconds, not \"%s\"", value);
                c->agent_timeout_sec = u;
                return 0;
        }
        if (key_eq(key, "p2p-find-seconds")) {
                r = parse_uint(value, 5, 600, &u);
                if (r < 0)
                        return log_error_errno(r, "p2p-find-seconds must be 5..600, not \"%s\"", value);
                c->find_sec = u;
                return 0;
        }
        if (key_eq(key, "p2p-subnet")) {
                uint8_t a[4];
                if (wpas_parse_ipv4(value, strlen(value), a) < 0 || a[3] != 0)
                        return log_error_errno(-EINVAL, "p2p-subnet must be a /24 network like 192.168.173.0, not \"%s\"",
                                               value);
                return owned_str_set(&c->subnet, value);
        }
        if (key_eq(key, "p2p-persistent-group")) {
                if (parse_bool(value, &c->persistent_group) < 0)
                        return log_error_errno(-EINVAL, "p2p-persistent-group must be yes or no");
                return 0;
        }
        if (key_eq(key, "p2p-firewall-zone")) {
                /* firewalld zone names: letters, digits, '-', '_', '/', at most 17 bytes (its limit) */
                if (!value[0] || strlen(value) > 17 ||
                    strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/") != strlen(value))
                        return log_error_errno(-EINVAL, "p2p-firewall-zone must be a firewalld zone name, not \"%s\"",
                                               value);
                return owned_str_set(&c->firewall_zone, value);
        }
        if (key_eq(key, "p2p-link-poll-seconds")) {
                r = parse_uint(value, 0, 60, &u);
                if (r < 0)
                        return log_error_errno(r, "p2p-link-poll-seconds must be 0 (off) .. 60, not \"%s\"", value);
                c->link_poll_sec = u;
                return 0;
        }
        if (key_eq(key, "mice")) {
                if (parse_bool(value, &c->mice) < 0)
                        return log_error_errno(-EINVAL, "mice must be yes or no");
                return 0;
        }
        if (key_eq(key, "mice-discovery")) {
                if (strcmp(value, "auto") != 0 && strcmp(value, "avahi") != 0 && strcmp(value, "resolved") != 0)
                        return log_error_errno(-EINVAL, "mice-discovery must be auto, avahi or resolved, not \"%s\"",
                                               value);
                return owned_str_set(&c->mice_discovery, value);
        }
        if (key_eq(key, "mice-sinks")) {
                size_t n = 0;

                /* DNS-SD instance names: UTF-8 labels of at most 63 bytes, no control characters. */
                for (const char *p = value; *p;) {
                        size_t len = strcspn(p, ","), lead = strspn(p, " \t"), trail = 0;

                        while (trail < len - lead && (p[len - 1 - trail] == ' ' || p[len - 1 - trail] == '\t'))
                                trail++;
                        if (lead >= len || len - lead - trail > 63)
                                return log_error_errno(-EINVAL, "mice-sinks wants instance names of 1..63 bytes, "
                                                       "separated by commas");
                        for (size_t i = lead; i < len - trail; i++)
                                if ((unsigned char) p[i] < 0x20 || p[i] == 0x7f)
                                        return log_error_errno(-EINVAL, "mice-sinks: control character in a name");
                        if (++n > 16)
                                return log_error_errno(-EINVAL, "mice-sinks: at most 16 names");
                        p += len;
                        if (*p == ',')
                                p++;
                }
                if (n == 0) {
                        free(c->mice_sinks);
                        c->mice_sinks = NULL;
                        return 0;
                }
                return owned_str_set(&c->mice_sinks, value);
        }
        if (key_eq(key, "p2p-handshake-ip")) {
                if (parse_bool(value, &c->handshake_ip) < 0)
                        return log_error_errno(-EINVAL, "p2p-handshake-ip must be yes or no");
                return 0;
        }
        return -ENOENT;
}
