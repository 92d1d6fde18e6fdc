/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A FAKE NetworkManager for tests only: NetworkManager's Wi-Fi P2P device
 * needs a Wi-Fi radio, which cannot exist here. Run fake_nm_main() in a
 * forked child on a private dbus-daemon: it owns org.freedesktop.NetworkManager
 * and plays its D-Bus objects (manager, a plain Wi-Fi device and a WifiP2P
 * device, one peer with a WFD primary-sink IE, the active connection and its
 * IP4Config) with the property and signal names of the NetworkManager API. It
 * writes a line per call it gets to report_fd ("ready" first) and plays one
 * scripted outcome per activation: "go" (activated, no gateway, our address
 * fake_go_address), "client" (activated, gateway = the sink), "reject"
 * (deactivated). A byte on control_fd: 'd' deactivates the active connection
 * (the group is lost), 'r'/'a' removes/re-adds the peer, 'u'/'x' makes the P2P
 * device available/unavailable (with the device's StateChanged signal); closing it ends the fake (NetworkManager stops and leaves
 * the bus). A new one may take the name with another device path (a restart).
 *
 * Header-only (the build links only the tests/lib files the Makefile lists).
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#define FAKE_NM_SINK      "42:00:00:00:01:00"
#define FAKE_NM_PEER_PATH "/org/freedesktop/NetworkManager/WifiP2PPeer/1"
#define FAKE_NM_DEV_PATH  "/org/freedesktop/NetworkManager/Devices/7"
#define FAKE_NM_DEV_PATH2 "/org/freedesktop/NetworkManager/Devices/12"
#define FAKE_NM_AC_PATH   "/org/freedesktop/NetworkManager/ActiveConnection/1"
#define FAKE_NM_IP4_PATH  "/org/freedesktop/NetworkManager/IP4Config/1"

/*
 * Inherited by the forked fake (set them before fake_nm_main()): its P2P
 * device path, the device's initial state (30 disconnected, 20 unavailable),
 * and our address in "go" mode.
 */
static const char *fake_dev_path = FAKE_NM_DEV_PATH;
static uint32_t fake_dev_state = 30;
static const char *fake_go_address = "10.42.0.1";

struct fake_nm {
        sd_bus *bus;
        uint32_t dev_state;
        int report_fd;
        const char *mode;
        uint32_t ac_state;
        bool active, peer_present;
        char ifname[16];
};

static inline void fake_report(struct fake_nm *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void fake_report(struct fake_nm *f, const char *fmt, ...)
{
        char line[512];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((size_t) n > sizeof(line) - 2)
                n = sizeof(line) - 2;
        line[n++] = '\n';
        (void) !write(f->report_fd, line, n);
}

static inline int fake_get_devices(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        fake_report(userdata, "GetDevices");
        return sd_bus_reply_method_return(m, "ao", 2, "/org/freedesktop/NetworkManager/Devices/1", fake_dev_path);
}

static inline void fake_set_state(struct fake_nm *f, uint32_t state, uint32_t reason)
{
        f->ac_state = state;
        f->active = state == 1 || state == 2;
        snprintf(f->ifname, sizeof(f->ifname), "%s", state == 2 ? "p2p-nm0" : "");
        (void) sd_bus_emit_signal(f->bus, FAKE_NM_AC_PATH, "org.freedesktop.NetworkManager.Connection.Active", "StateChanged",
                                  "uu", state, reason);
}

static inline int fake_activate(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct fake_nm *f = userdata;
        const char *group, *key, *peer = "", *dev, *specific, *zone = "";
        const void *ies = NULL;
        size_t ies_len = 0;
        char hex[64] = "";
        int r;

        /* a{sa{sv}}: record wifi-p2p.peer and wifi-p2p.wfd-ies */
        r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
        while (r >= 0 && sd_bus_message_enter_container(m, 'e', "sa{sv}") > 0) {
                (void) sd_bus_message_read(m, "s", &group);
                (void) sd_bus_message_enter_container(m, 'a', "{sv}");
                while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                        (void) sd_bus_message_read(m, "s", &key);
                        if (strcmp(group, "wifi-p2p") == 0 && strcmp(key, "peer") == 0)
                                (void) sd_bus_message_read(m, "v", "s", &peer);
                        else if (strcmp(group, "connection") == 0 && strcmp(key, "zone") == 0)
                                (void) sd_bus_message_read(m, "v", "s", &zone);
                        else if (strcmp(group, "wifi-p2p") == 0 && strcmp(key, "wfd-ies") == 0) {
                                (void) sd_bus_message_enter_container(m, 'v', "ay");
                                (void) sd_bus_message_read_array(m, 'y', &ies, &ies_len);
                                (void) sd_bus_message_exit_container(m);
                        } else
                                (void) sd_bus_message_skip(m, "v");
                        (void) sd_bus_message_exit_container(m);
                }
                (void) sd_bus_message_exit_container(m);
                (void) sd_bus_message_exit_container(m);
        }
        (void) sd_bus_message_exit_container(m);
        r = sd_bus_message_read(m, "oo", &dev, &specific);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ies_len && i < 30; i++)
                sprintf(hex + 2 * i, "%02x", ((const uint8_t *) ies)[i]);
        fake_report(f, "AddAndActivateConnection2 peer=%s wfd-ies=%s device=%s peer-object=%s zone=%s", peer, hex, dev,
                    specific, zone);
        r = sd_bus_reply_method_return(m, "ooa{sv}", "/org/freedesktop/NetworkManager/Settings/9", FAKE_NM_AC_PATH, 0);
        if (r < 0)
                return r;
        fake_set_state(f, 1, 0);
        if (strcmp(f->mode, "reject") == 0)
                fake_set_state(f, 4, 10);
        else
                fake_set_state(f, 2, 0);
        return 1;
}

static inline int fake_deactivate(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct fake_nm *f = userdata;
        const char *path;
        int r = sd_bus_message_read(m, "o", &path);
        if (r < 0)
                return r;
        fake_report(f, "DeactivateConnection %s", path);
        r = sd_bus_reply_method_return(m, "");
        if (f->active)
                fake_set_state(f, 4, 2);
        return r;
}

static inline int fake_start_find(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct fake_nm *f = userdata;
        const char *key;
        int32_t timeout = -1;

        (void) sd_bus_message_enter_container(m, 'a', "{sv}");
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                (void) sd_bus_message_read(m, "s", &key);
                if (strcmp(key, "timeout") == 0)
                        (void) sd_bus_message_read(m, "v", "i", &timeout);
                else
                        (void) sd_bus_message_skip(m, "v");
                (void) sd_bus_message_exit_container(m);
        }
        fake_report(f, "StartFind timeout=%d", timeout);
        return sd_bus_reply_method_return(m, "");
}

static inline int fake_stop_find(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        fake_report(userdata, "StopFind");
        return sd_bus_reply_method_return(m, "");
}

static inline int fake_prop_peers(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                           void *userdata, sd_bus_error *error)
{
        struct fake_nm *f = userdata;
        return f->peer_present ? sd_bus_message_append(reply, "ao", 1, FAKE_NM_PEER_PATH) : sd_bus_message_append(reply, "ao", 0);
}

static inline int fake_prop_u(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                       void *userdata, sd_bus_error *error)
{
        struct fake_nm *f = userdata;
        uint32_t v = 0;

        if (strcmp(prop, "DeviceType") == 0)
                v = strcmp(path, fake_dev_path) == 0 ? 30 : 2; /* Devices/1 is a plain Wi-Fi device */
        else if (strcmp(prop, "State") == 0)
                v = strcmp(path, fake_dev_path) == 0 ? f->dev_state : 100;
        return sd_bus_message_append(reply, "u", v);
}

static inline int fake_prop_s(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                       void *userdata, sd_bus_error *error)
{
        struct fake_nm *f = userdata;

        if (strcmp(prop, "IpInterface") == 0)
                return sd_bus_message_append(reply, "s", f->ifname);
        if (strcmp(prop, "Name") == 0)
                return sd_bus_message_append(reply, "s", "[TV] Living Room");
        if (strcmp(prop, "HwAddress") == 0)
                return sd_bus_message_append(reply, "s", "42:00:00:00:01:00");
        if (strcmp(prop, "Gateway") == 0)
                return sd_bus_message_append(reply, "s", strcmp(f->mode, "client") == 0 ? "192.168.88.1" : "");
        return sd_bus_message_append(reply, "s", "");
}

static inline int fake_prop_strength(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                              void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "y", (uint8_t) 70);
}

static inline int fake_prop_wfdies(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                            void *userdata, sd_bus_error *error)
{
        static const uint8_t ies[] = { 0x00, 0x00, 0x06, 0x00, 0x11, 0x1c, 0x44, 0x00, 0xc8 };
        return sd_bus_message_append_array(reply, 'y', ies, sizeof(ies));
}

static inline int fake_prop_ac_state(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                              void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "u", ((struct fake_nm *) userdata)->ac_state);
}

static inline int fake_prop_ip4(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                         void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "o", FAKE_NM_IP4_PATH);
}

static inline int fake_prop_addrdata(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                              void *userdata, sd_bus_error *error)
{
        struct fake_nm *f = userdata;
        const char *a = strcmp(f->mode, "client") == 0 ? "192.168.88.23" : fake_go_address;
        return sd_bus_message_append(reply, "aa{sv}", 1, 2, "address", "s", a, "prefix", "u", 24);
}

static const sd_bus_vtable fake_manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("GetDevices", "", "ao", fake_get_devices, 0),
        SD_BUS_METHOD("AddAndActivateConnection2", "a{sa{sv}}ooa{sv}", "ooa{sv}", fake_activate, 0),
        SD_BUS_METHOD("DeactivateConnection", "o", "", fake_deactivate, 0),
        SD_BUS_VTABLE_END
};

static const sd_bus_vtable fake_device_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("DeviceType", "u", fake_prop_u, 0, 0),
        SD_BUS_PROPERTY("State", "u", fake_prop_u, 0, 0),
        SD_BUS_PROPERTY("IpInterface", "s", fake_prop_s, 0, 0),
        SD_BUS_SIGNAL("StateChanged", "uuu", 0),
        SD_BUS_VTABLE_END
};

static const sd_bus_vtable fake_p2p_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("StartFind", "a{sv}", "", fake_start_find, 0),
        SD_BUS_METHOD("StopFind", "", "", fake_stop_find, 0),
        SD_BUS_PROPERTY("Peers", "ao", fake_prop_peers, 0, 0),
        SD_BUS_SIGNAL("PeerAdded", "o", 0),
        SD_BUS_SIGNAL("PeerRemoved", "o", 0),
        SD_BUS_VTABLE_END
};

static const sd_bus_vtable fake_peer_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", fake_prop_s, 0, 0),
        SD_BUS_PROPERTY("HwAddress", "s", fake_prop_s, 0, 0),
        SD_BUS_PROPERTY("Strength", "y", fake_prop_strength, 0, 0),
        SD_BUS_PROPERTY("WfdIEs", "ay", fake_prop_wfdies, 0, 0),
        SD_BUS_VTABLE_END
};

static const sd_bus_vtable fake_ac_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("State", "u", fake_prop_ac_state, 0, 0),
        SD_BUS_PROPERTY("Ip4Config", "o", fake_prop_ip4, 0, 0),
        SD_BUS_SIGNAL("StateChanged", "uu", 0),
        SD_BUS_VTABLE_END
};

static const sd_bus_vtable fake_ip4_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("AddressData", "aa{sv}", fake_prop_addrdata, 0, 0),
        SD_BUS_PROPERTY("Gateway", "s", fake_prop_s, 0, 0),
        SD_BUS_VTABLE_END
};

static inline int fake_on_control(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct fake_nm *f = userdata;
        char c;

        if (read(fd, &c, 1) != 1) {
                sd_event_exit(sd_event_source_get_event(s), 0);
                return 0;
        }
        if (c == 'd' && f->active)
                fake_set_state(f, 4, 3); /* the group went away */
        else if (c == 'r') {
                f->peer_present = false;
                (void) sd_bus_emit_signal(f->bus, fake_dev_path, "org.freedesktop.NetworkManager.Device.WifiP2P",
                                          "PeerRemoved", "o", FAKE_NM_PEER_PATH);
        } else if (c == 'a') {
                f->peer_present = true;
                (void) sd_bus_emit_signal(f->bus, fake_dev_path, "org.freedesktop.NetworkManager.Device.WifiP2P",
                                          "PeerAdded", "o", FAKE_NM_PEER_PATH);
        } else if (c == 'u' || c == 'x') {
                /* 'u': the device became available (its wpa_supplicant interface is ready); 'x': unavailable */
                uint32_t old = f->dev_state;
                f->dev_state = c == 'u' ? 30 : 20;
                (void) sd_bus_emit_signal(f->bus, fake_dev_path, "org.freedesktop.NetworkManager.Device", "StateChanged",
                                          "uuu", f->dev_state, old, c == 'u' ? 0u : 9u);
        }
        return 0;
}

static inline int fake_nm_main(const char *address, const char *mode, int report_fd, int control_fd)
{
        struct fake_nm f = { .report_fd = report_fd, .mode = mode, .peer_present = true, .dev_state = fake_dev_state };
        sd_event *e = NULL;

        if (sd_event_new(&e) < 0 || sd_bus_new(&f.bus) < 0 || sd_bus_set_address(f.bus, address) < 0 ||
            sd_bus_set_bus_client(f.bus, 1) < 0 || sd_bus_start(f.bus) < 0)
                return 1;
        if (sd_bus_add_object_vtable(f.bus, NULL, "/org/freedesktop/NetworkManager", "org.freedesktop.NetworkManager",
                                     fake_manager_vtable, &f) < 0 ||
            sd_bus_add_object_vtable(f.bus, NULL, fake_dev_path, "org.freedesktop.NetworkManager.Device",
                                     fake_device_vtable, &f) < 0 ||
            sd_bus_add_object_vtable(f.bus, NULL, "/org/freedesktop/NetworkManager/Devices/1",
                                     "org.freedesktop.NetworkManager.Device", fake_device_vtable, &f) < 0 ||
            sd_bus_add_object_vtable(f.bus, NULL, fake_dev_path, "org.freedesktop.NetworkManager.Device.WifiP2P",
                                     fake_p2p_vtable, &f) < 0 ||
            sd_bus_add_object_vtable(f.bus, NULL, FAKE_NM_PEER_PATH, "org.freedesktop.NetworkManager.WifiP2PPeer",
                                     fake_peer_vtable, &f) < 0 ||
            sd_bus_add_object_vtable(f.bus, NULL, FAKE_NM_AC_PATH, "org.freedesktop.NetworkManager.Connection.Active",
                                     fake_ac_vtable, &f) < 0 ||
            sd_bus_add_object_vtable(f.bus, NULL, FAKE_NM_IP4_PATH, "org.freedesktop.NetworkManager.IP4Config",
                                     fake_ip4_vtable, &f) < 0 ||
            sd_bus_request_name(f.bus, "org.freedesktop.NetworkManager", 0) < 0 ||
            sd_bus_attach_event(f.bus, e, 0) < 0 ||
            sd_event_add_io(e, NULL, control_fd, EPOLLIN, fake_on_control, &f) < 0)
                return 1;
        fake_report(&f, "ready");
        sd_event_loop(e);
        return 0;
}
