/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "../../encoder/capture_spec.h"
#include "../lib/test.h"

static struct capture_spec parse_ok(const char *s)
{
        struct capture_spec spec;

        memset(&spec, 0xaa, sizeof(spec));
        if (capture_spec_parse(s, &spec) < 0)
                test_fail(__FILE__, __LINE__, "\"%s\" should parse", s);
        return spec;
}

TEST(spec_forms, "/capture-spec/every documented form parses to backend, device and connector")
{
        struct capture_spec s;

        s = parse_ok("testsrc");
        assert_int_eq(s.backend, CAPTURE_BACKEND_TESTSRC);
        assert_int_eq(s.resize_every, 0);

        s = parse_ok("testsrc:resize=30");
        assert_int_eq(s.backend, CAPTURE_BACKEND_TESTSRC);
        assert_int_eq(s.resize_every, 30);
        assert_int_eq(parse_ok("testsrc:resize=100000").resize_every, 100000);
        s = parse_ok("testsrc:motion");
        assert_int_eq(s.backend, CAPTURE_BACKEND_TESTSRC);
        assert_true(s.motion);
        assert_true(!parse_ok("testsrc").motion);
        assert_true(!s.noise);
        s = parse_ok("testsrc:noise");
        assert_true(s.motion && s.noise);

        s = parse_ok("kms");
        assert_int_eq(s.backend, CAPTURE_BACKEND_KMS);
        assert_str_eq(s.device, "");
        assert_str_eq(s.connector, "");

        s = parse_ok("kms:/dev/dri/card1");
        assert_str_eq(s.device, "/dev/dri/card1");
        assert_str_eq(s.connector, "");
        assert_str_eq(parse_ok("kms:/dev/dri/by-path/platform-gpu-card").device, "/dev/dri/by-path/platform-gpu-card");

        s = parse_ok("kms:/dev/dri/card0:HDMI-A-1");
        assert_int_eq(s.backend, CAPTURE_BACKEND_KMS);
        assert_str_eq(s.device, "/dev/dri/card0");
        assert_str_eq(s.connector, "HDMI-A-1");

        s = parse_ok("kms::eDP-1");
        assert_str_eq(s.device, "");
        assert_str_eq(s.connector, "eDP-1");
}

TEST(spec_bare_connector, "/capture-spec/a connector name alone (as miracastctl --help shows) is a kms output on any card")
{
        static const char *const names[] = { "HDMI-A-1", "eDP-1", "Virtual-1", "DP-12", "DVI-I-2", "Unknown-1" };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                struct capture_spec s = parse_ok(names[i]);

                assert_int_eq(s.backend, CAPTURE_BACKEND_KMS);
                assert_str_eq(s.device, "");
                assert_str_eq(s.connector, names[i]);
        }
}

TEST(spec_invalid, "/capture-spec/typos, unsafe devices and oversized parts are rejected, *ret untouched")
{
        static const char *const bad[] = {
                "", "kms:", "kms::", "kmsx", "testsrc:", "testsrc:resize=", "testsrc:resize=0",
                "testsrc:resize=100001", "testsrc:resize=1234567", "testsrc:resize=-1", "testsrc:resize=3x",
                "testsrc:size=3", "testsrcx", "tesrsrc", "HDMI", "HDMI-A", "HDMI-A-", "-1", "HDMI A-1",
                "HDMI_A-1", "kms:dev/dri/card0", "kms:/dev/dri/../../etc/shadow", "kms:/dev/dri/card0:",
                "kms:/dev/dri/card0:HDMI A", "kms:/dev/dri/card0:HDMI-A-1:x", "kms:/dev/dri/card 0",
                "vnc:0", "kms:/", "HDMI-A-1\n", "kms:/dev/sda", "kms:/dev/dri/", "kms:/etc/passwd:HDMI-A-1",
        };
        struct capture_spec s = { .resize_every = 7 };
        char longname[200];

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (capture_spec_parse(bad[i], &s) != -EINVAL)
                        test_fail(__FILE__, __LINE__, "\"%s\" should be rejected", bad[i]);
        assert_int_eq(s.resize_every, 7);
        assert_int_eq(capture_spec_parse(NULL, &s), -EINVAL);
        assert_false(capture_spec_is_valid("kms:"));
        assert_true(capture_spec_is_valid("HDMI-A-1"));

        /* a connector of 31 characters fits, 32 do not; a spec longer than CAPTURE_SPEC_MAX never does */
        memset(longname, 'A', sizeof(longname));
        strcpy(longname + 29, "-1");
        assert_int_eq(capture_spec_parse(longname, &s), 0);
        assert_int_eq(strlen(s.connector), 31);
        memset(longname, 'A', sizeof(longname));
        strcpy(longname + 30, "-1");
        assert_int_eq(capture_spec_parse(longname, &s), -EINVAL);
        memset(longname, 'A', sizeof(longname));
        longname[sizeof(longname) - 1] = '\0';
        assert_int_eq(capture_spec_parse(longname, &s), -EINVAL);
}

TEST(spec_connector_name, "/capture-spec/connector names as the kernel's type names make them")
{
        char buf[32];

        capture_connector_name("HDMI-A", 1, buf, sizeof(buf));
        assert_str_eq(buf, "HDMI-A-1");
        capture_connector_name(NULL, 3, buf, sizeof(buf));
        assert_str_eq(buf, "Unknown-3");
        /* what capture_connector_name() makes, capture_spec_parse() takes back */
        capture_connector_name("Virtual", 1, buf, sizeof(buf));
        assert_str_eq(parse_ok(buf).connector, "Virtual-1");
}

TEST(spec_match, "/capture-spec/picking an output: by name on any card, by card, connected first")
{
        static const struct capture_output outs[] = {
                { "/dev/dri/card0", "eDP-1", true },
                { "/dev/dri/card0", "HDMI-A-1", false },
                { "/dev/dri/card1", "HDMI-A-1", true },
                { "/dev/dri/card1", "DP-1", false },
                { "/dev/dri/card2", "Virtual-1", false },
        };
        size_t n = sizeof(outs) / sizeof(outs[0]);

        assert_int_eq(capture_spec_match(&(struct capture_spec) { .backend = CAPTURE_BACKEND_KMS, .connector = "HDMI-A-1" }, outs, n), 2);
        assert_int_eq(capture_spec_match(&(struct capture_spec) { .backend = CAPTURE_BACKEND_KMS, .connector = "eDP-1" }, outs, n), 0);
        assert_int_eq(capture_spec_match(&(struct capture_spec) { .backend = CAPTURE_BACKEND_KMS, .device = "/dev/dri/card0", .connector = "HDMI-A-1" }, outs, n), -ENOTCONN);
        assert_int_eq(capture_spec_match(&(struct capture_spec) { .backend = CAPTURE_BACKEND_KMS, .connector = "DP-1" }, outs, n), -ENOTCONN);
        assert_int_eq(capture_spec_match(&(struct capture_spec) { .backend = CAPTURE_BACKEND_KMS, .connector = "DP-2" }, outs, n), -ENODEV);
        assert_int_eq(capture_spec_match(&(struct capture_spec) { .backend = CAPTURE_BACKEND_KMS, .device = "/dev/dri/card1" }, outs, n), 2);
        assert_int_eq(capture_spec_match(&(struct capture_spec) { .backend = CAPTURE_BACKEND_KMS, .device = "/dev/dri/card2" }, outs, n), -ENOTCONN);
        assert_int_eq(capture_spec_match(&(struct capture_spec) { .backend = CAPTURE_BACKEND_KMS, .device = "/dev/dri/card3" }, outs, n), -ENODEV);
        assert_int_eq(capture_spec_match(&(struct capture_spec) { .backend = CAPTURE_BACKEND_KMS }, outs, n), 0);
        assert_int_eq(capture_spec_match(&(struct capture_spec) { .backend = CAPTURE_BACKEND_KMS }, NULL, 0), -ENODEV);
        assert_int_eq(capture_spec_match(&(struct capture_spec) { .backend = CAPTURE_BACKEND_TESTSRC }, outs, n), -EINVAL);
}
