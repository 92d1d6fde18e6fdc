/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../daemon/config.h"
#include "../../encoder/capture_spec.h"
#include "../../daemon/log.h"
#include "../lib/test.h"

static char *write_temp(const char *content)
{
        char *path = strdup("/tmp/test-config-XXXXXX");
        int fd = mkstemp(path);

        assert_true(fd >= 0);
        assert_int_eq(write(fd, content, strlen(content)), (long) strlen(content));
        close(fd);
        return path;
}

TEST(config_defaults, "/config/defaults are kms, auto encoder, system bus, polkit auto")
{
        struct config c;

        assert_int_eq(config_init(&c), 0);
        assert_str_eq(c.capture, "kms");
        assert_str_eq(c.encoder, "auto");
        assert_str_eq(c.bus, "system");
        assert_int_eq(c.polkit, CONFIG_POLKIT_AUTO);
        assert_int_eq(c.n_listen, 0);
        assert_int_eq(c.log_level, LOG_INFO);
        config_clear(&c);
}

TEST(config_file_ini, "/config/file: ini section, comments, quoted values, repeated listen")
{
        struct config c;
        char *path = write_temp("# comment\n; other comment\n[miracastd]\n"
                                "capture = testsrc\nEncoder=x264\nmax_resolution = 1280x720\n"
                                "max-fps=30\nmax-bitrate = 8M\nlisten = 127.0.0.1:7000\n"
                                "listen=\"[::1]\"\nlog-level = debug\npolkit = required\n");

        assert_int_eq(config_init(&c), 0);
        assert_int_eq(config_load_file(&c, path, true), 0);
        assert_str_eq(c.capture, "testsrc");
        assert_str_eq(c.encoder, "x264");
        assert_int_eq(c.max_width, 1280);
        assert_int_eq(c.max_height, 720);
        assert_int_eq(c.max_fps, 30);
        assert_int_eq(c.max_bitrate_bps, 8000000);
        assert_int_eq(c.n_listen, 2);
        assert_str_eq(c.listen[0], "127.0.0.1:7000");
        assert_str_eq(c.listen[1], "[::1]");
        assert_int_eq(c.log_level, LOG_DEBUG);
        assert_int_eq(c.polkit, CONFIG_POLKIT_REQUIRED);
        config_clear(&c);
        unlink(path);
        free(path);
}

TEST(config_file_bad_lines, "/config/file: bad lines are counted and skipped, good lines still apply")
{
        struct config c;
        char *path = write_temp("capture = vnc\nno equals sign\n = novalue\nmax-fps = 1000\n"
                                "max-resolution = 12x\nunknown-key = 1\n[broken\nencoder = x264\n"
                                "max-bitrate = 0\nbus = nonsense\n");

        assert_int_eq(config_init(&c), 0);
        assert_int_eq(config_load_file(&c, path, true), 9);
        assert_str_eq(c.capture, "kms");
        assert_str_eq(c.encoder, "x264");
        assert_str_eq(c.bus, "system");
        assert_int_eq(c.max_fps, 0);
        config_clear(&c);
        unlink(path);
        free(path);
}

TEST(config_file_missing, "/config/file: missing default file is fine, missing --config file is not")
{
        struct config c;

        assert_int_eq(config_init(&c), 0);
        assert_int_eq(config_load_file(&c, "/nonexistent/miracastd.conf", false), 0);
        assert_int_eq(config_load_file(&c, "/nonexistent/miracastd.conf", true), -ENOENT);
        config_clear(&c);
}

TEST(config_argv_override, "/config/argv: flags override the file, --listen replaces the file's list")
{
        struct config c;
        char *path = write_temp("capture = testsrc\nlisten = 10.0.0.1\nencoder = x264\n");
        char *argv[] = { "miracastd", "--config", path, "--listen", "127.0.0.1:9", "--listen=[::1]:10",
                         "--encoder", "h264_vaapi", "--bus", "none", "--max-bitrate", "500k", NULL };

        assert_int_eq(config_init(&c), 0);
        assert_int_eq(config_parse_argv(&c, 12, argv), 0);
        assert_str_eq(c.capture, "testsrc");
        assert_str_eq(c.encoder, "h264_vaapi");
        assert_str_eq(c.bus, "none");
        assert_true(c.bus_explicit);
        assert_int_eq(c.max_bitrate_bps, 500000);
        assert_int_eq(c.n_listen, 2);
        assert_str_eq(c.listen[0], "127.0.0.1:9");
        assert_str_eq(c.listen[1], "[::1]:10");
        config_clear(&c);
        unlink(path);
        free(path);
}

TEST(config_argv_bad, "/config/argv: a bad flag value or stray argument is an error")
{
        struct config c;
        char *argv1[] = { "miracastd", "--config", "/dev/null", "--max-resolution", "big", NULL };
        char *argv2[] = { "miracastd", "--config", "/dev/null", "stray", NULL };
        char *argv3[] = { "miracastd", "--config", "/dev/null", "--capture", "kms:", NULL };

        assert_int_eq(config_init(&c), 0);
        assert_int_eq(config_parse_argv(&c, 5, argv1), -EINVAL);
        assert_int_eq(config_parse_argv(&c, 4, argv2), -EINVAL);
        assert_int_eq(config_parse_argv(&c, 5, argv3), -EINVAL);
        config_clear(&c);
}

TEST(config_pipewire, "/config/capture pipewire[:NODE] and pipewire-remote: accepted forms and refusals")
{
        struct config c;
        char *argv[] = { "miracastd", "--config", "/dev/null", "--capture", "pipewire:42",
                         "--pipewire-remote", "/run/pw/pipewire-0", NULL };

        assert_true(capture_spec_is_valid("pipewire"));
        assert_true(capture_spec_is_valid("pipewire:42"));
        assert_true(capture_spec_is_valid("pipewire:alsa_input.usb-cam"));
        assert_false(capture_spec_is_valid("pipewire:"));
        assert_false(capture_spec_is_valid("pipewire:a b"));
        assert_false(capture_spec_is_valid("pipewire:\x01"));
        assert_false(capture_spec_is_valid("pipewirex"));
        {
                struct capture_spec spec;

                assert_int_eq(capture_spec_parse("pipewire:alsa_input.usb-cam", &spec), 0);
                assert_int_eq(spec.backend, CAPTURE_BACKEND_PIPEWIRE);
                assert_str_eq(spec.node, "alsa_input.usb-cam");
                assert_int_eq(capture_spec_parse("pipewire", &spec), 0);
                assert_str_eq(spec.node, "");
        }

        assert_int_eq(config_init(&c), 0);
        assert_true(c.pipewire_remote == NULL); /* off by default */
        assert_int_eq(config_parse_argv(&c, 7, argv), 0);
        assert_str_eq(c.capture, "pipewire:42");
        assert_str_eq(c.pipewire_remote, "/run/pw/pipewire-0");
        /* only an absolute socket path: the daemon never goes looking in a runtime directory */
        assert_int_eq(config_set(&c, "pipewire-remote", "pipewire-0", "test"), -EINVAL);
        assert_str_eq(c.pipewire_remote, "/run/pw/pipewire-0");
        config_clear(&c);
}

TEST(config_parsers, "/config/parsers: resolution, bit rate, log level edge cases")
{
        unsigned w = 0, h = 0;
        uint64_t bps = 0;
        int level = -1;

        assert_int_eq(config_parse_resolution("1920x1080", &w, &h), 0);
        assert_int_eq(w, 1920);
        assert_int_eq(h, 1080);
        assert_int_eq(config_parse_resolution("0x10", &w, &h), -EINVAL);
        assert_int_eq(config_parse_resolution("10x", &w, &h), -EINVAL);
        assert_int_eq(config_parse_resolution("99999x10", &w, &h), -EINVAL);
        assert_int_eq(config_parse_resolution("-1x10", &w, &h), -EINVAL);
        assert_int_eq(config_parse_bitrate("20M", &bps), 0);
        assert_int_eq(bps, 20000000);
        assert_int_eq(config_parse_bitrate("20Mb", &bps), -EINVAL);
        assert_int_eq(config_parse_bitrate("99999999999G", &bps), -EINVAL);
        assert_int_eq(config_parse_log_level("warning", &level), 0);
        assert_int_eq(level, LOG_WARNING);
        assert_int_eq(config_parse_log_level("7", &level), 0);
        assert_int_eq(level, LOG_DEBUG);
        assert_int_eq(config_parse_log_level("loud", &level), -EINVAL);
}
