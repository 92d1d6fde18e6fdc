/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wpa_supplicant commands (see wpas_cmd.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wpas_cmd.h"

#include "wfd_ie.h"
#include "wpas_msg.h"

static ssize_t cmd_format(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static ssize_t cmd_format(char *out, size_t size, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (!out || size == 0)
                return -ENOBUFS;
        va_start(ap, fmt);
        n = vsnprintf(out, size, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -EINVAL;
        if ((size_t) n >= size)
                return -ENOBUFS;
        return n;
}

static int list_add(struct wpas_cmd_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int list_add(struct wpas_cmd_list *l, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (l->n >= WPAS_CMD_LIST_MAX)
                return -ENOBUFS;
        va_start(ap, fmt);
        n = vsnprintf(l->cmd[l->n], WPAS_CMD_MAX, fmt, ap);
        va_end(ap);
        if (n < 0 || n >= WPAS_CMD_MAX)
                return -EINVAL;
        l->n++;
        return 0;
}

/* A peer address, normalized to lower case. */
static int normalize_mac(const char *s, char out[WPAS_ADDR_STRLEN])
{
        uint8_t mac[6];

        if (!s || wpas_parse_mac(s, strlen(s), mac) < 0)
                return -EINVAL;
        wpas_format_mac(mac, out);
        return 0;
}

static void device_name_sanitize(const char *in, char out[WPAS_DEVICE_NAME_MAX + 1])
{
        /* One line, at most 32 bytes: a control character would end or split the command. */
        size_t n = 0;

        for (; in && *in && n < WPAS_DEVICE_NAME_MAX; in++)
                out[n++] = (unsigned char) *in < 0x20 || *in == 0x7f ? '_' : *in;
        out[n] = 0;
}

int wpas_cmd_wfd(const struct wpas_settings *s, struct wpas_cmd_list *ret)
{
        struct wfd_device_info info = {
                .bitmap = WFD_DEVICE_SOURCE | WFD_DEVINFO_AVAILABLE, /* P2P preferred, no HDCP (docs/protocol.md, "WFD IE") */
                .control_port = s->rtsp_port,
                .max_throughput_mbps = s->max_throughput_mbps > UINT16_MAX ? UINT16_MAX : s->max_throughput_mbps,
        };
        struct wpas_cmd_list l = {};
        uint8_t body[WFD_DEVICE_INFO_LEN];
        char hex[32];

        wfd_device_info_build(&info, body);
        if (wfd_subelem_format_set(body, sizeof(body), hex, sizeof(hex)) < 0)
                return -EINVAL;
        if (list_add(&l, "SET wifi_display 1") < 0 ||
            list_add(&l, "WFD_SUBELEM_SET %d %s", WFD_SUBELEM_DEVICE_INFO, hex) < 0)
                return -EINVAL;
        *ret = l;
        return 0;
}

int wpas_cmd_settings(const struct wpas_settings *s, struct wpas_cmd_list *ret)
{
        struct wpas_cmd_list l = {}, wfd;
        char name[WPAS_DEVICE_NAME_MAX + 1];
        int r;

        if (s->go_intent < 0 || s->go_intent > 15)
                return -EINVAL;
        device_name_sanitize(s->device_name && s->device_name[0] ? s->device_name : "miracastd", name);
        r = list_add(&l, "SET device_name %s", name);
        if (r >= 0)
                r = list_add(&l, "SET device_type 1-0050F204-1"); /* category 1: computer */
        if (r >= 0)
                r = list_add(&l, "SET config_methods virtual_push_button display keypad");
        if (r >= 0)
                r = list_add(&l, "SET p2p_go_intent %d", s->go_intent);
        if (r >= 0 && s->handshake_ip) {
                const uint8_t *a = s->subnet;

                /* We are .1 and the one sink gets .2, by handshake or by our DHCP server. */
                r = list_add(&l, "SET ip_addr_go %u.%u.%u.1", a[0], a[1], a[2]);
                if (r >= 0)
                        r = list_add(&l, "SET ip_addr_mask 255.255.255.0");
                if (r >= 0)
                        r = list_add(&l, "SET ip_addr_start %u.%u.%u.2", a[0], a[1], a[2]);
                if (r >= 0)
                        r = list_add(&l, "SET ip_addr_end %u.%u.%u.2", a[0], a[1], a[2]);
        }
        if (r >= 0)
                r = wpas_cmd_wfd(s, &wfd);
        for (size_t i = 0; r >= 0 && i < wfd.n; i++)
                r = list_add(&l, "%s", wfd.cmd[i]);
        if (r < 0)
                return -EINVAL;
        *ret = l;
        return 0;
}

ssize_t wpas_cmd_p2p_find(unsigned timeout_sec, char *out, size_t size)
{
        if (timeout_sec == 0 || timeout_sec > 3600)
                return -EINVAL;
        return cmd_format(out, size, "P2P_FIND %u", timeout_sec);
}

ssize_t wpas_cmd_p2p_peer(const char *address, char *out, size_t size)
{
        char addr[WPAS_ADDR_STRLEN];

        if (!address)
                return cmd_format(out, size, "P2P_PEER FIRST");
        if (normalize_mac(address, addr) < 0)
                return -EINVAL;
        return cmd_format(out, size, "P2P_PEER %s", addr);
}

ssize_t wpas_cmd_p2p_peer_next(const char *address, char *out, size_t size)
{
        char addr[WPAS_ADDR_STRLEN];

        if (normalize_mac(address, addr) < 0)
                return -EINVAL;
        return cmd_format(out, size, "P2P_PEER NEXT-%s", addr);
}

static bool pin_valid(const char *pin)
{
        size_t n = strlen(pin);

        if (n != 4 && n != 8)
                return false;
        for (size_t i = 0; i < n; i++)
                if (pin[i] < '0' || pin[i] > '9')
                        return false;
        return true;
}

ssize_t wpas_cmd_p2p_connect(const struct wpas_connect_params *p, char *out, size_t size)
{
        char addr[WPAS_ADDR_STRLEN];
        const char *how;
        char intent[24] = "", freq[24] = "";

        if (normalize_mac(p->peer, addr) < 0)
                return -EINVAL;
        if (p->go_intent < -1 || p->go_intent > 15 || p->freq_mhz < 0)
                return -EINVAL;
        if (p->pin && !pin_valid(p->pin))
                return -EINVAL;

        switch (p->method) {
        case WPAS_WPS_PBC:
                how = "pbc";
                break;
        case WPAS_WPS_PIN_DISPLAY:
                how = p->pin ? " display" : "pin";
                break;
        case WPAS_WPS_PIN_KEYPAD:
                if (!p->pin)
                        return -EINVAL;
                how = " keypad";
                break;
        default:
                return -EINVAL;
        }
        if (p->go_intent >= 0 && !p->join)
                snprintf(intent, sizeof(intent), " go_intent=%d", p->go_intent);
        if (p->freq_mhz > 0)
                snprintf(freq, sizeof(freq), " freq=%d", p->freq_mhz);

        return cmd_format(out, size, "P2P_CONNECT %s %s%s%s%s%s%s%s", addr,
                          p->method == WPAS_WPS_PBC || !p->pin ? "" : p->pin, how, p->join ? " join" : "",
                          p->provdisc ? " provdisc" : "", p->auth ? " auth" : "", intent, freq);
}

ssize_t wpas_cmd_p2p_prov_disc_display(const char *peer, bool join, char *out, size_t size)
{
        char addr[WPAS_ADDR_STRLEN];

        /* "display": the peer displays the PIN (wpa_supplicant names the peer's role). */
        if (normalize_mac(peer, addr) < 0)
                return -EINVAL;
        return cmd_format(out, size, "P2P_PROV_DISC %s display%s", addr, join ? " join" : "");
}

ssize_t wpas_cmd_p2p_group_remove(const char *ifname, char *out, size_t size)
{
        size_t n = ifname ? strlen(ifname) : 0;

        /* The name comes from an event; keep the command one word, as wpa_supplicant reads it. */
        if (n == 0 || n >= WPAS_IFNAME_MAX || strspn(ifname, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                               "0123456789_.-") != n)
                return -EINVAL;
        return cmd_format(out, size, "P2P_GROUP_REMOVE %s", ifname);
}

ssize_t wpas_cmd_sta(const char *address, char *out, size_t size)
{
        char addr[WPAS_ADDR_STRLEN];

        if (normalize_mac(address, addr) < 0)
                return -EINVAL;
        return cmd_format(out, size, "STA %s", addr);
}
