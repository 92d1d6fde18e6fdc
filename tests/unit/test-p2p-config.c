/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Wi-Fi Direct configuration keys, directly and through the daemon's config_set(). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/config.h"
#include "../../daemon/p2p.h"
#include "../lib/test.h"

TEST(defaults, "/p2p/config/defaults") {
        struct p2p_config c;
        unsetenv("RUNTIME_DIRECTORY");
        assert_int_eq(p2p_config_init(&c), 0);
        assert_str_eq(c.backend, "auto");
        assert_str_eq(c.wpas_ctrl, "/run/wpa_supplicant");
        assert_str_eq(c.runtime_dir, "/run/miracastd");
        assert_int_eq(c.go_intent, 7);
        assert_int_eq(c.max_throughput_mbps, 50);
        assert_int_eq(c.rtsp_port, 7236);
        assert_int_eq(c.connect_timeout_sec, 120);
        assert_true(c.handshake_ip);
        assert_false(c.persistent_group);
        p2p_config_clear(&c);
        setenv("RUNTIME_DIRECTORY", "/run/miracastd-x:/run/other", 1);
        assert_int_eq(p2p_config_init(&c), 0);
        assert_str_eq(c.runtime_dir, "/run/miracastd-x");
        p2p_config_clear(&c);
        unsetenv("RUNTIME_DIRECTORY");
}

TEST(keys, "/p2p/config/keys set values, bad values are refused, foreign keys are not ours") {
        struct p2p_config c;
        assert_int_eq(p2p_config_init(&c), 0);
        assert_int_eq(p2p_config_set(&c, "p2p-backend", "wpas"), 0);
        assert_str_eq(c.backend, "wpas");
        assert_int_eq(p2p_config_set(&c, "p2p-backend", "magic"), -EINVAL);
        assert_int_eq(p2p_config_set(&c, "P2P_GO_INTENT", "15"), 0);
        assert_int_eq(c.go_intent, 15);
        assert_int_eq(p2p_config_set(&c, "p2p-go-intent", "16"), -EINVAL);
        assert_int_eq(p2p_config_set(&c, "p2p-go-intent", "-1"), -EINVAL);
        assert_int_eq(p2p_config_set(&c, "wpas-ctrl", "/run/wpa_supplicant/p2p-dev-wlan0"), 0);
        assert_int_eq(p2p_config_set(&c, "wpas-ctrl", "relative"), -EINVAL);
        assert_int_eq(p2p_config_set(&c, "p2p-max-throughput", "300"), 0);
        assert_int_eq(c.max_throughput_mbps, 300);
        assert_int_eq(p2p_config_set(&c, "p2p-max-throughput", "70000"), -EINVAL);
        assert_int_eq(p2p_config_set(&c, "p2p-subnet", "10.77.0.0"), 0);
        assert_int_eq(p2p_config_set(&c, "p2p-subnet", "10.77.0.1"), -EINVAL);
        assert_int_eq(p2p_config_set(&c, "p2p-persistent-group", "yes"), 0);
        assert_true(c.persistent_group);
        assert_int_eq(p2p_config_set(&c, "p2p-handshake-ip", "maybe"), -EINVAL);
        assert_int_eq(p2p_config_set(&c, "p2p-device-name", "Living room PC"), 0);
        assert_int_eq(p2p_config_set(&c, "p2p-device-name", "a\nb"), -EINVAL);
        assert_int_eq(p2p_config_set(&c, "p2p-connect-timeout", "2"), -EINVAL);
        assert_null(c.firewall_zone);
        assert_int_eq(p2p_config_set(&c, "p2p-firewall-zone", "trusted"), 0);
        assert_str_eq(c.firewall_zone, "trusted");
        assert_int_eq(p2p_config_set(&c, "p2p-firewall-zone", "bad zone"), -EINVAL);
        assert_int_eq(p2p_config_set(&c, "p2p-firewall-zone", ""), -EINVAL);
        assert_int_eq(c.link_poll_sec, 3);
        assert_int_eq(p2p_config_set(&c, "p2p-link-poll-seconds", "0"), 0);
        assert_int_eq(c.link_poll_sec, 0);
        assert_int_eq(p2p_config_set(&c, "p2p-link-poll-seconds", "61"), -EINVAL);
        assert_int_eq(p2p_config_set(&c, "capture", "kms"), -ENOENT);
        p2p_config_clear(&c);
}

TEST(mice_keys, "/p2p/config/mice-discovery and mice-sinks") {
        struct p2p_config c;
        char many[17 * 3];

        assert_int_eq(p2p_config_init(&c), 0);
        assert_str_eq(c.mice_discovery, "auto");
        assert_null(c.mice_sinks);
        assert_int_eq(p2p_config_set(&c, "mice-discovery", "resolved"), 0);
        assert_str_eq(c.mice_discovery, "resolved");
        assert_int_eq(p2p_config_set(&c, "mice_discovery", "avahi"), 0);
        assert_int_eq(p2p_config_set(&c, "mice-discovery", "mdns"), -EINVAL);
        assert_str_eq(c.mice_discovery, "avahi");
        assert_int_eq(p2p_config_set(&c, "mice-sinks", "Living Room TV, Meeting room 2"), 0);
        assert_str_eq(c.mice_sinks, "Living Room TV, Meeting room 2");
        assert_int_eq(p2p_config_set(&c, "mice-sinks", "a,,b"), -EINVAL);
        assert_int_eq(p2p_config_set(&c, "mice-sinks", "a, \tb\x01"), -EINVAL);
        assert_int_eq(p2p_config_set(&c, "mice-sinks",
                                     "0123456789012345678901234567890123456789012345678901234567890123"), -EINVAL);
        for (int i = 0; i < 17; i++)
                memcpy(many + 3 * i, "x, ", 3);
        many[sizeof(many) - 2] = '\0';
        assert_int_eq(p2p_config_set(&c, "mice-sinks", many), -EINVAL);      /* 17 names */
        many[sizeof(many) - 5] = '\0';
        assert_int_eq(p2p_config_set(&c, "mice-sinks", many), 0);             /* 16 */
        assert_int_eq(p2p_config_set(&c, "mice-sinks", ""), 0);
        assert_null(c.mice_sinks);
        p2p_config_clear(&c);
}

TEST(through_config, "/p2p/config/the daemon's config file parser forwards our keys") {
        struct config c;
        assert_int_eq(config_init(&c), 0);
        assert_int_eq(config_set(&c, "p2p_backend", "none", "test"), 0);
        assert_str_eq(c.p2p.backend, "none");
        assert_int_eq(config_set(&c, "p2p-go-intent", "99", "test"), -EINVAL);
        assert_int_eq(config_set(&c, "no-such-key", "1", "test"), -ENOENT);
        config_clear(&c);
}
