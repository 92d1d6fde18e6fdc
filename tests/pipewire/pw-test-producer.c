/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A PipeWire video producer for tests: a Video/Source node that shows eight
 * vertical colour bars (white, yellow, cyan, green, magenta, red, blue,
 * black) and, while "animating", a small square in the top-left corner whose
 * grey level changes every frame. Each buffer carries damage metadata naming
 * only what changed (the square), and with --cursor a cursor at the centre in
 * cursor metadata (the 16x16 red image in the first buffers after each format only).
 *
 *   SIGUSR1  toggle "still": send no buffers at all (an idle desktop)
 *   SIGUSR2  switch between the full size and half of it (renegotiation)
 *
 * Usage: pw-test-producer --remote SOCKET [--name NODE] [--size WxH]
 *                         [--format bgrx|rgbx|xrgb|yuy2] [--fps N] [--cursor]
 *                         [--empty]   (every buffer's chunk says 0 bytes)
 *                         [--crop X,Y,WxH] (the picture is that part of the buffer, in
 *                                     SPA_META_VideoCrop; grey around it: GNOME's window streams)
 *                         [--damage-outside] (damage given right of the buffer, as Mutter 48
 *                                     does for a virtual monitor)
 *                         [--any-size] (any size, WxH the default: Mutter's virtual monitor)
 *                         [--cursor-room N] (cursor metadata for exactly NxN bitmaps, as Mutter
 *                                     offers 384x384; default any size up to 256x256)
 *                         [--still]   (start still: nothing until SIGUSR1, as a compositor that has
 *                                      not drawn a new, empty output yet)
 * Prints "READY node=ID" once the stream is streaming.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <pipewire/pipewire.h>
#include <spa/buffer/meta.h>
#include <spa/param/video/format-utils.h>

struct producer {
        struct pw_main_loop *loop;
        struct pw_stream *stream;
        struct spa_hook listener;
        struct spa_source *timer;
        uint32_t format;
        unsigned full_w, full_h, w, h, fps;
        bool still, cursor, ready, damage_all, empty, damage_outside, any_size;
        unsigned crop_x, crop_y, crop_w, crop_h; /* crop_w 0: no crop */
        unsigned cursor_room;                    /* 0: a range */
        uint64_t frame;
        uint64_t fresh;        /* buffers sent since the last format (a new consumer, a resize) */
};

static const uint32_t bars[8] = { 0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff, 0xff0000, 0x0000ff, 0x000000 };

static void put_pixel(const struct producer *p, uint8_t *px, uint32_t rgb)
{
        uint8_t r = rgb >> 16, g = rgb >> 8, b = rgb;

        switch (p->format) {
        case SPA_VIDEO_FORMAT_RGBx:
                px[0] = r, px[1] = g, px[2] = b, px[3] = 0xff;
                break;
        case SPA_VIDEO_FORMAT_xRGB:
                px[0] = 0xff, px[1] = r, px[2] = g, px[3] = b;
                break;
        default: /* BGRx */
                px[0] = b, px[1] = g, px[2] = r, px[3] = 0xff;
        }
}

static void draw(struct producer *p, uint8_t *data, int stride)
{
        unsigned cx = p->crop_w ? p->crop_x : 0, cy = p->crop_w ? p->crop_y : 0;
        unsigned cw = p->crop_w ?: p->w, ch = p->crop_w ? p->crop_h : p->h;
        unsigned sq = ch / 10;
        uint32_t grey = (uint32_t) (p->frame * 8 % 200 + 40) * 0x010101;

        if (p->format == SPA_VIDEO_FORMAT_YUY2) {
                for (unsigned y = 0; y < p->h; y++)
                        memset(data + (size_t) y * stride, 0x80, p->w * 2);
                return;
        }
        for (unsigned y = 0; y < p->h; y++) {
                uint8_t *row = data + (size_t) y * stride;

                for (unsigned x = 0; x < p->w; x++) {
                        unsigned px = x - cx, py = y - cy; /* in the picture (the crop) */

                        if (x < cx || y < cy || px >= cw || py >= ch)
                                put_pixel(p, row + x * 4, 0x808080);
                        else
                                put_pixel(p, row + x * 4, px < sq && py < sq ? grey : bars[px * 8 / cw]);
                }
        }
}

static void on_timeout(void *userdata, uint64_t expirations)
{
        struct producer *p = userdata;
        struct pw_buffer *b;
        struct spa_buffer *buf;
        struct spa_meta *m;
        struct spa_meta_cursor *mc;
        unsigned bpp = p->format == SPA_VIDEO_FORMAT_YUY2 ? 2 : 4;

        if (p->still)
                return;
        b = pw_stream_dequeue_buffer(p->stream);
        if (!b)
                return;
        buf = b->buffer;
        if (!buf->datas[0].data)
                return;
        p->frame++;
        p->fresh++;
        draw(p, buf->datas[0].data, p->w * bpp);
        buf->datas[0].chunk->offset = 0;
        buf->datas[0].chunk->stride = p->w * bpp;
        buf->datas[0].chunk->size = p->empty ? 0 : p->w * bpp * p->h;

        m = spa_buffer_find_meta(buf, SPA_META_VideoDamage);
        if (m) {
                struct spa_meta_region *r = m->data;
                unsigned n = m->size / sizeof(*r);
                unsigned sq = (p->crop_w ? p->crop_h : p->h) / 10;
                int dx = (p->crop_w ? (int) p->crop_x : 0) + (p->damage_outside ? (int) p->w : 0);
                int dy = p->crop_w ? (int) p->crop_y : 0;

                /* A buffer may hold an older picture: the first ones of a pool, and after a resize,
                 * say "everything"; later only the square changes. */
                if (p->fresh <= 8 || p->damage_all)
                        r[0].region = SPA_REGION(p->damage_outside ? (int) p->w : 0, 0, p->w, p->h);
                else
                        r[0].region = SPA_REGION(dx, dy, sq, sq);
                if (n > 1)
                        r[1].region = SPA_REGION(0, 0, 0, 0);
                p->damage_all = false;
        }
        {
                struct spa_meta_region *crop = spa_buffer_find_meta_data(buf, SPA_META_VideoCrop, sizeof(*crop));

                if (crop)
                        crop->region = p->crop_w ? SPA_REGION(p->crop_x, p->crop_y, p->crop_w, p->crop_h)
                                                 : SPA_REGION(0, 0, p->w, p->h);
        }
        mc = spa_buffer_find_meta_data(buf, SPA_META_Cursor, sizeof(*mc));
        if (mc) {
                m = spa_buffer_find_meta(buf, SPA_META_Cursor);
                mc->id = p->cursor ? 1 : 0;
                /* at the picture's centre, in buffer coordinates */
                mc->position.x = (int32_t) (p->crop_w ? p->crop_x + p->crop_w / 2 : p->w / 2);
                mc->position.y = (int32_t) (p->crop_w ? p->crop_y + p->crop_h / 2 : p->h / 2);
                mc->hotspot.x = mc->hotspot.y = 0;
                mc->bitmap_offset = 0;
                /* The image only in the first buffers after a format is set (a consumer connected, or
                 * the size changed), as compositors do: later ones say "no new bitmap" and the
                 * consumer must keep drawing the one it has. */
                if (p->cursor && p->fresh <= 8 &&
                    m->size >= sizeof(*mc) + sizeof(struct spa_meta_bitmap) + 16 * 16 * 4) {
                        struct spa_meta_bitmap *bm = SPA_PTROFF(mc, sizeof(*mc), struct spa_meta_bitmap);
                        uint8_t *px;

                        mc->bitmap_offset = sizeof(*mc);
                        bm->format = SPA_VIDEO_FORMAT_BGRA;
                        bm->size.width = bm->size.height = 16;
                        bm->stride = 16 * 4;
                        bm->offset = sizeof(*bm);
                        px = SPA_PTROFF(bm, bm->offset, uint8_t);
                        for (int i = 0; i < 16 * 16; i++)
                                px[i * 4] = 0, px[i * 4 + 1] = 0, px[i * 4 + 2] = 0xff, px[i * 4 + 3] = 0xff;
                }
        }
        pw_stream_queue_buffer(p->stream, b);
}

static const struct spa_pod *build_format(struct producer *p, struct spa_pod_builder *pb)
{
        if (p->any_size)
                return spa_pod_builder_add_object(pb, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat,
                        SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video),
                        SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw),
                        SPA_FORMAT_VIDEO_format, SPA_POD_Id(p->format),
                        SPA_FORMAT_VIDEO_size, SPA_POD_CHOICE_RANGE_Rectangle(&SPA_RECTANGLE(p->w, p->h),
                                &SPA_RECTANGLE(1, 1), &SPA_RECTANGLE(16384, 16384)),
                        SPA_FORMAT_VIDEO_framerate, SPA_POD_Fraction(&SPA_FRACTION(p->fps, 1)));
        return spa_pod_builder_add_object(pb, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat,
                SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video),
                SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw),
                SPA_FORMAT_VIDEO_format, SPA_POD_Id(p->format),
                SPA_FORMAT_VIDEO_size, SPA_POD_Rectangle(&SPA_RECTANGLE(p->w, p->h)),
                SPA_FORMAT_VIDEO_framerate, SPA_POD_Fraction(&SPA_FRACTION(p->fps, 1)));
}

static void on_state_changed(void *userdata, enum pw_stream_state old, enum pw_stream_state state, const char *error)
{
        struct producer *p = userdata;
        struct timespec interval = { 0, 1000000000L / p->fps }, first = { 0, 1 };

        fprintf(stderr, "producer: stream %s%s%s\n", pw_stream_state_as_string(state), error ? ": " : "",
                error ?: "");
        if (state == PW_STREAM_STATE_STREAMING) {
                pw_loop_update_timer(pw_main_loop_get_loop(p->loop), p->timer, &first, &interval, false);
                if (!p->ready) {
                        printf("READY node=%u\n", pw_stream_get_node_id(p->stream));
                        fflush(stdout);
                        p->ready = true;
                }
        } else if (state == PW_STREAM_STATE_PAUSED)
                pw_loop_update_timer(pw_main_loop_get_loop(p->loop), p->timer, NULL, NULL, false);
        else if (state == PW_STREAM_STATE_ERROR)
                pw_main_loop_quit(p->loop);
}

static void on_param_changed(void *userdata, uint32_t id, const struct spa_pod *param)
{
        struct producer *p = userdata;
        uint8_t buf[1024];
        struct spa_pod_builder pb = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
        const struct spa_pod *params[5];
        unsigned bpp = p->format == SPA_VIDEO_FORMAT_YUY2 ? 2 : 4;
        struct spa_video_info_raw info = {};

        if (id != SPA_PARAM_Format || !param || spa_format_video_raw_parse(param, &info) < 0)
                return;
        fprintf(stderr, "producer: format %ux%u\n", info.size.width, info.size.height);
        if (p->any_size) {     /* the consumer chose the size */
                p->w = info.size.width;
                p->h = info.size.height;
        }
        p->damage_all = true;
        p->fresh = 0;
        params[0] = spa_pod_builder_add_object(&pb, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers,
                SPA_PARAM_BUFFERS_buffers, SPA_POD_CHOICE_RANGE_Int(4, 2, 8),
                SPA_PARAM_BUFFERS_blocks, SPA_POD_Int(1),
                SPA_PARAM_BUFFERS_size, SPA_POD_Int(p->w * bpp * p->h),
                SPA_PARAM_BUFFERS_stride, SPA_POD_Int(p->w * bpp));
        params[1] = spa_pod_builder_add_object(&pb, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
                SPA_PARAM_META_type, SPA_POD_Id(SPA_META_Header),
                SPA_PARAM_META_size, SPA_POD_Int(sizeof(struct spa_meta_header)));
        params[2] = spa_pod_builder_add_object(&pb, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
                SPA_PARAM_META_type, SPA_POD_Id(SPA_META_VideoDamage),
                SPA_PARAM_META_size, SPA_POD_CHOICE_RANGE_Int(sizeof(struct spa_meta_region) * 4,
                        sizeof(struct spa_meta_region) * 1, sizeof(struct spa_meta_region) * 16));
        /* Mutter offers room for exactly 384x384 bitmaps; we default to a range. */
        if (p->cursor_room)
                params[3] = spa_pod_builder_add_object(&pb, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
                        SPA_PARAM_META_type, SPA_POD_Id(SPA_META_Cursor),
                        SPA_PARAM_META_size, SPA_POD_Int(sizeof(struct spa_meta_cursor) +
                                sizeof(struct spa_meta_bitmap) + p->cursor_room * p->cursor_room * 4));
        else
                params[3] = spa_pod_builder_add_object(&pb, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
                        SPA_PARAM_META_type, SPA_POD_Id(SPA_META_Cursor),
                        SPA_PARAM_META_size, SPA_POD_CHOICE_RANGE_Int(
                                sizeof(struct spa_meta_cursor) + sizeof(struct spa_meta_bitmap) + 64 * 64 * 4,
                                sizeof(struct spa_meta_cursor) + sizeof(struct spa_meta_bitmap) + 1 * 1 * 4,
                                sizeof(struct spa_meta_cursor) + sizeof(struct spa_meta_bitmap) + 256 * 256 * 4));
        params[4] = spa_pod_builder_add_object(&pb, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
                SPA_PARAM_META_type, SPA_POD_Id(SPA_META_VideoCrop),
                SPA_PARAM_META_size, SPA_POD_Int(sizeof(struct spa_meta_region)));
        pw_stream_update_params(p->stream, params, p->crop_w ? 5 : 4);
}

static const struct pw_stream_events stream_events = {
        PW_VERSION_STREAM_EVENTS,
        .state_changed = on_state_changed,
        .param_changed = on_param_changed,
};

static void on_still(void *userdata, int signal_number)
{
        struct producer *p = userdata;

        p->still = !p->still;
        fprintf(stderr, "producer: %s\n", p->still ? "still" : "moving");
}

static void on_resize(void *userdata, int signal_number)
{
        struct producer *p = userdata;
        uint8_t buf[512];
        struct spa_pod_builder pb = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
        const struct spa_pod *params[1];

        p->w = p->w == p->full_w ? (p->full_w / 2) & ~1u : p->full_w;
        p->h = p->h == p->full_h ? (p->full_h / 2) & ~1u : p->full_h;
        params[0] = build_format(p, &pb);
        fprintf(stderr, "producer: resizing to %ux%u\n", p->w, p->h);
        pw_stream_update_params(p->stream, params, 1);
}

static void on_quit(void *userdata, int signal_number)
{
        struct producer *p = userdata;

        pw_main_loop_quit(p->loop);
}

int main(int argc, char *argv[])
{
        static const struct option opts[] = {
                { "remote", required_argument, NULL, 'r' }, { "name", required_argument, NULL, 'n' },
                { "size", required_argument, NULL, 's' },   { "format", required_argument, NULL, 'f' },
                { "fps", required_argument, NULL, 'F' },    { "cursor", no_argument, NULL, 'c' },
                { "empty", no_argument, NULL, 'e' },        { "crop", required_argument, NULL, 'C' },
                { "damage-outside", no_argument, NULL, 'D' }, { "any-size", no_argument, NULL, 'A' },
                { "cursor-room", required_argument, NULL, 'R' }, { "still", no_argument, NULL, 'S' },
                {}
        };
        struct producer p = { .format = SPA_VIDEO_FORMAT_BGRx, .full_w = 1280, .full_h = 720, .fps = 30 };
        const char *remote = NULL, *name = "miracast-test-producer";
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        uint8_t buf[512];
        struct spa_pod_builder pb = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
        const struct spa_pod *params[1];
        struct pw_context *context;
        struct pw_core *core;
        struct pw_loop *l;
        int c, fd;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                switch (c) {
                case 'r': remote = optarg; break;
                case 'n': name = optarg; break;
                case 's':
                        if (sscanf(optarg, "%ux%u", &p.full_w, &p.full_h) != 2)
                                return 2;
                        break;
                case 'f':
                        p.format = strcmp(optarg, "yuy2") == 0   ? SPA_VIDEO_FORMAT_YUY2
                                   : strcmp(optarg, "rgbx") == 0 ? SPA_VIDEO_FORMAT_RGBx
                                   : strcmp(optarg, "xrgb") == 0 ? SPA_VIDEO_FORMAT_xRGB
                                                                 : SPA_VIDEO_FORMAT_BGRx;
                        break;
                case 'F': p.fps = (unsigned) atoi(optarg) ?: 30; break;
                case 'c': p.cursor = true; break;
                case 'e': p.empty = true; break;
                case 'C':
                        if (sscanf(optarg, "%u,%u,%ux%u", &p.crop_x, &p.crop_y, &p.crop_w, &p.crop_h) != 4)
                                return 2;
                        break;
                case 'D': p.damage_outside = true; break;
                case 'A': p.any_size = true; break;
                case 'R': p.cursor_room = (unsigned) atoi(optarg); break;
                case 'S': p.still = true; break;
                default: return 2;
                }
        if (!remote || strlen(remote) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "usage: pw-test-producer --remote SOCKET [...]\n");
                return 2;
        }
        p.w = p.full_w;
        p.h = p.full_h;
        pw_init(&argc, &argv);
        p.loop = pw_main_loop_new(NULL);
        l = pw_main_loop_get_loop(p.loop);
        pw_loop_add_signal(l, SIGINT, on_quit, &p);
        pw_loop_add_signal(l, SIGTERM, on_quit, &p);
        pw_loop_add_signal(l, SIGUSR1, on_still, &p);
        pw_loop_add_signal(l, SIGUSR2, on_resize, &p);
        p.timer = pw_loop_add_timer(l, on_timeout, &p);
        context = pw_context_new(l, NULL, 0);
        memcpy(sa.sun_path, remote, strlen(remote));
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                fprintf(stderr, "producer: cannot connect to %s: %m\n", remote);
                return 1;
        }
        core = pw_context_connect_fd(context, fd, NULL, 0);
        if (!core) {
                fprintf(stderr, "producer: cannot connect: %m\n");
                return 1;
        }
        p.stream = pw_stream_new(core, name,
                                 pw_properties_new(PW_KEY_MEDIA_CLASS, "Video/Source", PW_KEY_NODE_NAME, name,
                                                   PW_KEY_MEDIA_TYPE, "Video", NULL));
        pw_stream_add_listener(p.stream, &p.listener, &stream_events, &p);
        params[0] = build_format(&p, &pb);
        if (pw_stream_connect(p.stream, PW_DIRECTION_OUTPUT, PW_ID_ANY,
                              PW_STREAM_FLAG_DRIVER | PW_STREAM_FLAG_MAP_BUFFERS, params, 1) < 0) {
                fprintf(stderr, "producer: cannot connect the stream\n");
                return 1;
        }
        pw_main_loop_run(p.loop);
        pw_stream_destroy(p.stream);
        pw_core_disconnect(core);
        pw_context_destroy(context);
        pw_main_loop_destroy(p.loop);
        pw_deinit();
        return 0;
}
