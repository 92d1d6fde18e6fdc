/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * miracastctl's generic D-Bus value formatting (dbus/miracastctl_props.c):
 * every D-Bus type the daemon's properties use becomes the right text and
 * valid JSON, strings from sinks are escaped, and a{sv} property maps read
 * back in order. Messages are built and sealed locally with sd-bus; no bus.
 */
#include <sys/socket.h>
#include <systemd/sd-bus.h>

#include "../../dbus/miracastctl_props.c"
#include "../lib/test.h"

/*
 * A signal message whose body the caller appends. sd-bus wants a started
 * connection to create messages: one end of a socketpair is enough (the
 * authentication never needs to finish, nothing is sent).
 */
static int peer_fd = -1;

static sd_bus_message *new_message(sd_bus **bus)
{
        sd_bus_message *m = NULL;
        int sv[2];

        assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        if (peer_fd >= 0)
                close(peer_fd);
        peer_fd = sv[1];
        assert_int_ge(sd_bus_new(bus), 0);
        assert_int_ge(sd_bus_set_fd(*bus, sv[0], sv[0]), 0);
        assert_int_ge(sd_bus_start(*bus), 0);
        assert_int_ge(sd_bus_message_new_signal(*bus, &m, "/x", "org.example.X", "Y"), 0);
        return m;
}

static void seal(sd_bus_message *m)
{
        assert_int_ge(sd_bus_message_seal(m, 1, 0), 0);
        assert_int_ge(sd_bus_message_rewind(m, true), 0);
}

static void check_value(sd_bus_message *m, const char *text, const char *json)
{
        char *t = NULL, *j = NULL;

        assert_int_eq(ctl_read_value(m, &t, &j), 0);
        assert_str_eq(t, text);
        assert_str_eq(j, json);
        free(t);
        free(j);
}

TEST(props_basic_types, "/miracastctl/props/basic types as text and JSON")
{
        sd_bus *bus = NULL;
        sd_bus_message *m = new_message(&bus);

        assert_int_ge(sd_bus_message_append(m, "sbbuqntdo", "libx264", 1, 0, (uint32_t) 1920, (uint16_t) 7236,
                                            (int16_t) -42, (uint64_t) 18446744073709551615ULL, 2.5,
                                            "/org/miracastd/session/1"), 0);
        seal(m);
        check_value(m, "libx264", "\"libx264\"");
        check_value(m, "yes", "true");
        check_value(m, "no", "false");
        check_value(m, "1920", "1920");
        check_value(m, "7236", "7236");
        check_value(m, "-42", "-42");
        check_value(m, "18446744073709551615", "18446744073709551615");
        check_value(m, "2.5", "2.5");
        check_value(m, "/org/miracastd/session/1", "\"/org/miracastd/session/1\"");
        sd_bus_message_unref(m);
        sd_bus_close_unref(bus);
}

TEST(props_escaping, "/miracastctl/props/peer strings are escaped in JSON and sanitized in text")
{
        sd_bus *bus = NULL;
        sd_bus_message *m = new_message(&bus);

        assert_int_ge(sd_bus_message_append(m, "s", "TV \"Living\"\\\n\troom\x01"), 0);
        seal(m);
        check_value(m, "TV \"Living\"\\??room?", "\"TV \\\"Living\\\"\\\\\\n\\troom\\u0001\"");
        sd_bus_message_unref(m);
        sd_bus_close_unref(bus);
}

TEST(props_containers, "/miracastctl/props/arrays, dicts and variants nest")
{
        sd_bus *bus = NULL;
        sd_bus_message *m = new_message(&bus);

        assert_int_ge(sd_bus_message_append(m, "as", 2, "libx264", "h264_vaapi"), 0);
        assert_int_ge(sd_bus_message_append(m, "a{ss}", 2, "wfd_audio_codecs", "LPCM 00000002 00",
                                            "wfd_display_edid", "none"), 0);
        assert_int_ge(sd_bus_message_append(m, "a{sv}", 2, "frames", "t", (uint64_t) 300, "drops", "t",
                                            (uint64_t) 0), 0);
        assert_int_ge(sd_bus_message_append(m, "v", "as", 0), 0);
        assert_int_ge(sd_bus_message_append(m, "(su)", "x", (uint32_t) 3), 0);
        seal(m);
        check_value(m, "libx264, h264_vaapi", "[\"libx264\",\"h264_vaapi\"]");
        check_value(m, "wfd_audio_codecs=LPCM 00000002 00 wfd_display_edid=none",
                    "{\"wfd_audio_codecs\":\"LPCM 00000002 00\",\"wfd_display_edid\":\"none\"}");
        check_value(m, "frames=300 drops=0", "{\"frames\":300,\"drops\":0}");
        check_value(m, "", "[]");
        check_value(m, "(x, 3)", "[\"x\",3]");
        sd_bus_message_unref(m);
        sd_bus_close_unref(bus);
}

TEST(props_read_props, "/miracastctl/props/a{sv} property maps and lookups")
{
        sd_bus *bus = NULL;
        sd_bus_message *m = new_message(&bus);
        struct ctl_object o = { .path = strdup("/org/miracastd/session/12") };
        char *json = NULL;
        size_t len = 0;
        FILE *f;

        assert_int_ge(sd_bus_message_append(m, "a{sv}", 3, "State", "s", "playing", "Width", "u", (uint32_t) 640,
                                            "MonitorConnected", "b", 1), 0);
        seal(m);
        assert_int_eq(ctl_read_props(m, &o.props, &o.n_props), 0);
        assert_int_eq(o.n_props, 3);
        assert_str_eq(ctl_prop_text(&o, "State", "?"), "playing");
        assert_str_eq(ctl_prop_text(&o, "Width", "?"), "640");
        assert_str_eq(ctl_prop_text(&o, "Nope", "dflt"), "dflt");
        assert_str_eq(ctl_path_id(o.path), "12");

        f = open_memstream(&json, &len);
        ctl_object_print_json(f, &o);
        fclose(f);
        assert_str_eq(json, "{\"path\":\"/org/miracastd/session/12\",\"id\":\"12\",\"State\":\"playing\","
                            "\"Width\":640,\"MonitorConnected\":true}");
        free(json);
        ctl_object_clear(&o);
        sd_bus_message_unref(m);
        sd_bus_close_unref(bus);
}

TEST(props_sort, "/miracastctl/props/objects sort by numeric id")
{
        struct ctl_object objs[3] = {
                { .path = (char *) "/org/miracastd/session/10" },
                { .path = (char *) "/org/miracastd/session/9" },
                { .path = (char *) "/org/miracastd/session/100" },
        };

        ctl_objects_sort(objs, 3);
        assert_str_eq(objs[0].path, "/org/miracastd/session/9");
        assert_str_eq(objs[1].path, "/org/miracastd/session/10");
        assert_str_eq(objs[2].path, "/org/miracastd/session/100");
}
