/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sink profiles (M3 answers + device quirks) and M4 mode parsing for the test
 * sink. Values of the device profiles are copied from the captures in
 * tests/data/wfd-captures/; the file each came from is named next to it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocol/macro.h"
#include "sink-profile.h"

static const struct sink_param generic_params[] = {
        { "wfd_video_formats",
          "00 00 01 08 000000E1 00000000 00000000 00 0000 0000 00 none none, "
          "02 08 000000E1 00000000 00000000 00 0000 0000 00 none none" },
        { "wfd_audio_codecs", "LPCM 00000002 00, AAC 00000001 00" },
        { "wfd_client_rtp_ports", "RTP/AVP/UDP;unicast %u 0 mode=play" },
        { "wfd_content_protection", "none" },
        { "wfd_display_edid", "none" },
        { "wfd_connector_type", "05" },
        { "wfd_coupled_sink", "none" },
        { "wfd_uibc_capability", "none" },
        { "wfd_standby_resume_capability", "none" },
        { "wfd_idr_request_capability", "1" },
        { "microsoft_format_change_capability", "none" },
        {}
};

static const struct sink_param small_params[] = {
        { "wfd_video_formats", "00 00 01 01 00000001 00000001 00000000 00 0000 0000 00 none none" },
        { "wfd_audio_codecs", "LPCM 00000002 00" },
        { "wfd_client_rtp_ports", "RTP/AVP/UDP;unicast %u 0 mode=play" },
        { "wfd_content_protection", "none" },
        { "wfd_display_edid", "none" },
        { "wfd_idr_request_capability", "1" },
        {}
};

static const struct sink_param vga_params[] = {
        { "wfd_video_formats", "00 00 01 01 00000001 00000000 00000000 00 0000 0000 00 none none" },
        { "wfd_audio_codecs", "LPCM 00000002 00" },
        { "wfd_client_rtp_ports", "RTP/AVP/UDP;unicast %u 0 mode=play" },
        { "wfd_content_protection", "none" },
        { "wfd_display_edid", "none" },
        { "wfd_idr_request_capability", "1" },
        {}
};

/* lg-webos-tv-m3-reply-m4-m5.txt: the TV answers these three names only. */
static const struct sink_param lg_params[] = {
        { "wfd_audio_codecs", "LPCM 00000003 00, AAC 00000001 00" },
        { "wfd_video_formats",
          "40 00 01 10 000194FF 155575DF 00000555 00 0000 0000 1F none none, "
          "02 10 000194FF 155575DF 00000555 00 0000 0000 1F none none" },
        { "wfd_client_rtp_ports", "RTP/AVP/UDP;unicast %u 0 mode=play" },
        {}
};

/* samsung-tv-2014-sec-wdh-me29-full-session.txt: the whole M3 reply. */
static const struct sink_param samsung_params[] = {
        { "wfd_audio_codecs", "LPCM 00000003 00, AAC 00000001 00" },
        { "wfd_video_formats",
          "40 00 02 04 0001DEFF 053C7FFF 00000FFF 00 0000 0000 11 none none, "
          "01 04 0001DEFF 053C7FFF 00000FFF 00 0000 0000 11 none none" },
        { "wfd_3d_video_formats", "80 00 03 0F 0000000000000005 00 0001 1401 13 none none" },
        { "wfd_content_protection", "HDCP2.1 port=1189" },
        { "wfd_display_edid",
          "0002 00ffffffffffff004c2dde07000000002f14010380834a780aee91a3544c99260f5054bdef80714f"
          "8100814081809500950fb300a940023a801871382d40582c4500a05a0000001e662150b051001b30407036"
          "00a05a0000001e000000fd00184b1a5117000a202020202020000000fc0053414d53554e470a2020202020"
          "01fd02032ef14b901f0413051403122021222309070783010000e2000f72030c004000b82d20d008014007"
          "3f405090a0023a80d072382d40102c4580a05a0000001e011d00bc52d01e20b8285540a05a0000001e011d"
          "80d0721c1620102c2580a05a0000009e000000000000000000000000000000000000000000000000000000"
          "78" },
        { "wfd_coupled_sink", "none" },
        { "wfd_client_rtp_ports", "RTP/AVP/UDP;unicast %u 0 mode=play" },
        { "wfd_uibc_capability", "none" },
        { "wfd_connector_type", "05" },
        { "wfd_standby_resume_capability", "supported" },
        { "intel_sink_version", "product_ID=widicesdk hw_version=02.00.00.0000 sw_version=02.04.46.0000" },
        { "intel_lower_bandwidth", "none" },
        { "intel_interactivity_mode", "HIGH" },
        {}
};

/* microsoft-display-adapter-v1-m3-video-formats.txt (video) + the LPCM-only policy of README. */
static const struct sink_param dongle_params[] = {
        { "wfd_video_formats",
          "40 00 02 04 00019CEB 053C7FFF 00000FFF 00 0000 0000 11 none none, "
          "01 04 00019CEB 053C7FFF 00000FFF 00 0000 0000 11 none none" },
        { "wfd_audio_codecs", "LPCM 00000002 00" },
        { "wfd_client_rtp_ports", "RTP/AVP/UDP;unicast %u 0 mode=play" },
        { "wfd_content_protection", "none" },
        { "wfd_display_edid", "none" },
        {}
};

/* A display without speakers (a monitor behind a dongle): generic's video, no audio codecs at all. */
static const struct sink_param noaudio_params[] = {
        { "wfd_video_formats",
          "00 00 01 08 000000E1 00000000 00000000 00 0000 0000 00 none none, "
          "02 08 000000E1 00000000 00000000 00 0000 0000 00 none none" },
        { "wfd_audio_codecs", "none" },
        { "wfd_client_rtp_ports", "RTP/AVP/UDP;unicast %u 0 mode=play" },
        { "wfd_content_protection", "none" },
        { "wfd_display_edid", "none" },
        {}
};

static const struct sink_profile profiles[] = {
        { .name = "generic", .description = "1080p30/720p60/720p30/VGA, CBP+CHP 4.1, LPCM+AAC",
          .user_agent = "miracast-test-sink", .first_cseq = 1, .params = generic_params },
        { .name = "small", .description = "640x480p60 + 800x600p30, CBP 3.1, LPCM (VM-sized)",
          .user_agent = "miracast-test-sink", .first_cseq = 1, .params = small_params },
        { .name = "vga", .description = "640x480p60 only, CBP 3.1, LPCM",
          .user_agent = "miracast-test-sink", .first_cseq = 1, .params = vga_params },
        { .name = "lg", .description = "LG webOS TV M3 reply, RTP port 53000, CSeq from 0",
          .first_cseq = 0, .default_rtp_port = 53000, .params = lg_params },
        { .name = "samsung", .description = "Samsung TV 2014: EDID, HDCP2.1 port, 3D, intel_*; SETUP to localhost URI",
          .user_agent = "SEC-WDH/ME29", .first_cseq = 1, .setup_to_localhost = true,
          .default_rtp_port = 19000, .params = samsung_params },
        { .name = "dongle", .description = "MS Display Adapter: LPCM only, drops TCP on M3 before M2 reply",
          .user_agent = "MSFT-WDD", .first_cseq = 1, .strict_m2_before_m3 = true,
          .params = dongle_params },
        { .name = "noaudio", .description = "generic's video, no audio (a display without speakers)",
          .user_agent = "miracast-test-sink", .first_cseq = 1, .params = noaudio_params },
};

static const struct sink_profile *const profile_list[] = {
        &profiles[0], &profiles[1], &profiles[2], &profiles[3], &profiles[4], &profiles[5], &profiles[6], NULL,
};

const struct sink_profile *sink_profile_find(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(profiles); i++)
                if (strcmp(profiles[i].name, name) == 0)
                        return &profiles[i];
        return NULL;
}

const struct sink_profile *const *sink_profile_list(void)
{
        return profile_list;
}

const char *sink_profile_get(const struct sink_profile *p, const char *name)
{
        for (const struct sink_param *q = p->params; q->name; q++)
                if (strcmp(q->name, name) == 0)
                        return q->value;
        return NULL;
}

/* docs/protocol.md, "Video formats" */
static const struct {
        unsigned w, h, fps;
        bool interlaced;
} cea_modes[] = {
        { 640, 480, 60, false },   { 720, 480, 60, false },   { 720, 480, 60, true },
        { 720, 576, 50, false },   { 720, 576, 50, true },    { 1280, 720, 30, false },
        { 1280, 720, 60, false },  { 1920, 1080, 30, false }, { 1920, 1080, 60, false },
        { 1920, 1080, 60, true },  { 1280, 720, 25, false },  { 1280, 720, 50, false },
        { 1920, 1080, 25, false }, { 1920, 1080, 50, false }, { 1920, 1080, 50, true },
        { 1280, 720, 24, false },  { 1920, 1080, 24, false },
}, vesa_modes[] = {
        { 800, 600, 30, false },   { 800, 600, 60, false },   { 1024, 768, 30, false },
        { 1024, 768, 60, false },  { 1152, 864, 30, false },  { 1152, 864, 60, false },
        { 1280, 768, 30, false },  { 1280, 768, 60, false },  { 1280, 800, 30, false },
        { 1280, 800, 60, false },  { 1360, 768, 30, false },  { 1360, 768, 60, false },
        { 1366, 768, 30, false },  { 1366, 768, 60, false },  { 1280, 1024, 30, false },
        { 1280, 1024, 60, false }, { 1400, 1050, 30, false }, { 1400, 1050, 60, false },
        { 1440, 900, 30, false },  { 1440, 900, 60, false },  { 1600, 900, 30, false },
        { 1600, 900, 60, false },  { 1600, 1200, 30, false }, { 1600, 1200, 60, false },
        { 1680, 1024, 30, false }, { 1680, 1024, 60, false }, { 1680, 1050, 30, false },
        { 1680, 1050, 60, false }, { 1920, 1200, 30, false },
}, hh_modes[] = {
        { 800, 480, 30, false }, { 800, 480, 60, false }, { 854, 480, 30, false },
        { 854, 480, 60, false }, { 864, 480, 30, false }, { 864, 480, 60, false },
        { 640, 360, 30, false }, { 640, 360, 60, false }, { 960, 540, 30, false },
        { 960, 540, 60, false }, { 848, 480, 30, false }, { 848, 480, 60, false },
};

static int parse_hex_token(const char **p, unsigned digits, unsigned long *ret)
{
        const char *s = *p;
        unsigned long v = 0;

        while (*s == ' ')
                s++;
        for (unsigned i = 0; i < digits; i++) {
                if (!isxdigit((unsigned char) s[i]))
                        return -EBADMSG;
                v = v * 16 + (unsigned long) (isdigit((unsigned char) s[i]) ? s[i] - '0'
                                                                           : (tolower((unsigned char) s[i]) - 'a' + 10));
        }
        if (s[digits] != ' ' && s[digits] != '\0' && s[digits] != ',')
                return -EBADMSG;
        *p = s + digits;
        *ret = v;
        return 0;
}

int sink_parse_video_format(const char *value, struct sink_video_mode *ret)
{
        static const unsigned widths[] = { 2, 2, 2, 2, 8, 8, 8 };
        unsigned long f[ARRAY_SIZE(widths)];
        struct sink_video_mode m = {};
        const char *p = value;
        int r, found = 0;

        if (!value)
                return -EBADMSG;
        for (size_t i = 0; i < ARRAY_SIZE(widths); i++) {
                r = parse_hex_token(&p, widths[i], &f[i]);
                if (r < 0)
                        return r;
        }
        /* f: native, pref-disp, profile, level, cea, vesa, hh */
        m.profile_bits = f[2];
        m.level_bits = f[3];

        for (unsigned bit = 0; bit < 32; bit++) {
                if (f[4] & (1UL << bit)) {
                        if (bit >= ARRAY_SIZE(cea_modes))
                                return -ENOENT;
                        m.width = cea_modes[bit].w, m.height = cea_modes[bit].h;
                        m.fps = cea_modes[bit].fps, m.interlaced = cea_modes[bit].interlaced;
                        snprintf(m.table, sizeof(m.table), "CEA");
                        m.bit = bit;
                        found++;
                }
                if (f[5] & (1UL << bit)) {
                        if (bit >= ARRAY_SIZE(vesa_modes))
                                return -ENOENT;
                        m.width = vesa_modes[bit].w, m.height = vesa_modes[bit].h;
                        m.fps = vesa_modes[bit].fps, m.interlaced = false;
                        snprintf(m.table, sizeof(m.table), "VESA");
                        m.bit = bit;
                        found++;
                }
                if (f[6] & (1UL << bit)) {
                        if (bit >= ARRAY_SIZE(hh_modes))
                                return -ENOENT;
                        m.width = hh_modes[bit].w, m.height = hh_modes[bit].h;
                        m.fps = hh_modes[bit].fps, m.interlaced = false;
                        snprintf(m.table, sizeof(m.table), "HH");
                        m.bit = bit;
                        found++;
                }
        }
        if (found != 1)
                return -ENOTUNIQ;

        *ret = m;
        return 0;
}

void sink_video_mode_to_string(const struct sink_video_mode *m, char *buf, size_t size)
{
        snprintf(buf, size, "%ux%u%c%u", m->width, m->height, m->interlaced ? 'i' : 'p', m->fps);
}

const char *sink_profile_bits_to_string(unsigned bits)
{
        switch (bits) {
        case 1:
                return "CBP";
        case 2:
                return "CHP";
        default:
                return "?";
        }
}

const char *sink_level_bits_to_string(unsigned bits)
{
        switch (bits) {
        case 1:
                return "3.1";
        case 2:
                return "3.2";
        case 4:
                return "4.0";
        case 8:
                return "4.1";
        case 16:
                return "4.2";
        default:
                return "?";
        }
}

int sink_body_get(const char *body, size_t len, const char *name, char *buf, size_t size)
{
        size_t name_len = strlen(name);
        const char *p = body, *end = body + len;

        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t) (end - p));
                const char *line_end = eol ? eol : end;
                const char *v, *ve;

                if ((size_t) (line_end - p) >= name_len && memcmp(p, name, name_len) == 0 &&
                    (p + name_len == line_end || p[name_len] == ':' || p[name_len] == '\r' ||
                     p[name_len] == ' ')) {
                        v = p + name_len;
                        if (v < line_end && *v == ':')
                                v++;
                        ve = line_end;
                        while (v < ve && (*v == ' ' || *v == '\t'))
                                v++;
                        while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                                ve--;
                        if ((size_t) (ve - v) >= size)
                                return -ENOBUFS;
                        memcpy(buf, v, (size_t) (ve - v));
                        buf[ve - v] = '\0';
                        return 0;
                }
                p = eol ? eol + 1 : end;
        }
        return -ENOENT;
}

int sink_level_bits_to_idc(unsigned bits)
{
        switch (bits) {
        case 1:
                return 31;
        case 2:
                return 32;
        case 4:
                return 40;
        case 8:
                return 41;
        case 16:
                return 42;
        default:
                return 0;
        }
}
