/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kms-pattern: the known picture for the VM capture scenario.
 *
 *   kms-pattern show [--device /dev/dri/card0] [--mode WxH] [--seconds N]
 *       Mode-sets the first connected connector, shows the pattern below with a
 *       box moving in the bottom strip (page flips every frame) and a cursor on
 *       the cursor plane, until killed or N seconds passed. Prints "READY WxH"
 *       once the first frame is on screen.
 *   kms-pattern raw W H > file.bgra
 *       The expected picture (with the cursor) as raw BGRA, to test `check`.
 *   kms-pattern check FILE.png CAPTURE_W CAPTURE_H
 *       Decodes a PNG (a frame the test sink decoded) and compares it with the
 *       pattern scaled to the PNG's size: per-block mean colour error and the
 *       cursor's block. Prints one line per block and "PATTERN ok|mismatch".
 *
 * The pattern: a 4x3 grid of distinct solid colours over the top 3/4 (so a
 * swapped channel, mirrored image or wrong stride lands on the wrong colour),
 * a dark strip with a moving white box below, and a 64x64 orange cursor in the
 * middle of the black block. Test tooling only: not part of the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#define GRID_COLS 4
#define GRID_ROWS 3
#define CURSOR_SIZE 64
#define CURSOR_BLOCK 7 /* the black block */
#define CURSOR_RGB 0xff8000u

static const uint32_t palette[GRID_COLS * GRID_ROWS] = {
        0xff0000, 0x00ff00, 0x0000ff, 0xffff00,
        0x00ffff, 0xff00ff, 0xffffff, 0x000000,
        0x808080, 0x804000, 0x400080, 0x008080,
};

struct rect {
        int x, y, w, h;
};

static struct rect block_rect(int i, int w, int h)
{
        int grid_h = h * 3 / 4;
        int c = i % GRID_COLS, r = i / GRID_COLS;
        return (struct rect) { c * w / GRID_COLS, r * grid_h / GRID_ROWS,
                               (c + 1) * w / GRID_COLS - c * w / GRID_COLS,
                               (r + 1) * grid_h / GRID_ROWS - r * grid_h / GRID_ROWS };
}

/* Cursor position (top-left) in capture coordinates: centred in its block. */
static void cursor_pos(int w, int h, int *x, int *y)
{
        struct rect b = block_rect(CURSOR_BLOCK, w, h);
        *x = b.x + b.w / 2 - CURSOR_SIZE / 2;
        *y = b.y + b.h / 2 - CURSOR_SIZE / 2;
}

static void draw_frame(uint32_t *px, int pitch_px, int w, int h, unsigned frame)
{
        int grid_h = h * 3 / 4;

        for (int i = 0; i < GRID_COLS * GRID_ROWS; i++) {
                struct rect b = block_rect(i, w, h);
                for (int y = b.y; y < b.y + b.h; y++)
                        for (int x = b.x; x < b.x + b.w; x++)
                                px[y * pitch_px + x] = palette[i];
        }
        int box = h / 8, bx = (frame * 8) % (w - box), by = grid_h + (h - grid_h - box) / 2;
        for (int y = grid_h; y < h; y++)
                for (int x = 0; x < w; x++) {
                        int in_box = x >= bx && x < bx + box && y >= by && y < by + box;
                        px[y * pitch_px + x] = in_box ? 0xffffff : 0x202020;
                }
}

struct dumb {
        uint32_t handle, fb, pitch, size;
        uint32_t *map;
};

static int dumb_create(int fd, int w, int h, uint32_t format, struct dumb *d)
{
        struct drm_mode_create_dumb create = { .width = w, .height = h, .bpp = 32 };
        struct drm_mode_map_dumb map = { 0 };
        uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };

        if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) < 0)
                return -errno;
        d->handle = create.handle;
        d->pitch = create.pitch;
        d->size = create.size;
        handles[0] = d->handle;
        pitches[0] = d->pitch;
        if (drmModeAddFB2(fd, w, h, format, handles, pitches, offsets, &d->fb, 0) < 0)
                return -errno;
        map.handle = d->handle;
        if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map) < 0)
                return -errno;
        d->map = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, map.offset);
        return d->map == MAP_FAILED ? -errno : 0;
}

static void page_flip_done(int fd __attribute__((unused)), unsigned seq __attribute__((unused)),
                           unsigned sec __attribute__((unused)), unsigned usec __attribute__((unused)), void *data)
{
        *(int *) data = 0;
}

static int show(const char *device, int want_w, int want_h, int seconds)
{
        drmModeRes *res;
        drmModeConnector *conn = NULL;
        drmModeModeInfo *mode = NULL;
        uint32_t crtc_id = 0;
        struct dumb buf[2], cursor;
        int fd, r;

        fd = open(device, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "kms-pattern: open %s: %m\n", device);
                return 1;
        }
        res = drmModeGetResources(fd);
        if (!res) {
                fprintf(stderr, "kms-pattern: drmModeGetResources: %m\n");
                return 1;
        }
        for (int i = 0; i < res->count_connectors && !mode; i++) {
                conn = drmModeGetConnector(fd, res->connectors[i]);
                if (!conn || conn->connection != DRM_MODE_CONNECTED || conn->count_modes == 0)
                        continue;
                mode = &conn->modes[0];
                for (int m = 0; m < conn->count_modes; m++)
                        if (conn->modes[m].hdisplay == want_w && conn->modes[m].vdisplay == want_h) {
                                mode = &conn->modes[m];
                                break;
                        }
        }
        if (!mode) {
                fprintf(stderr, "kms-pattern: no connected connector\n");
                return 1;
        }
        drmModeEncoder *enc = drmModeGetEncoder(fd, conn->encoder_id ? conn->encoder_id : conn->encoders[0]);
        crtc_id = enc && enc->crtc_id ? enc->crtc_id : res->crtcs[0];
        int w = mode->hdisplay, h = mode->vdisplay;

        for (int i = 0; i < 2; i++) {
                r = dumb_create(fd, w, h, DRM_FORMAT_XRGB8888, &buf[i]);
                if (r < 0) {
                        fprintf(stderr, "kms-pattern: dumb buffer: %s\n", strerror(-r));
                        return 1;
                }
                draw_frame(buf[i].map, buf[i].pitch / 4, w, h, i);
        }
        if (drmModeSetCrtc(fd, crtc_id, buf[0].fb, 0, 0, &conn->connector_id, 1, mode) < 0) {
                fprintf(stderr, "kms-pattern: SetCrtc: %m\n");
                return 1;
        }
        r = dumb_create(fd, CURSOR_SIZE, CURSOR_SIZE, DRM_FORMAT_ARGB8888, &cursor);
        if (r == 0) {
                int cx, cy;
                for (int i = 0; i < CURSOR_SIZE * CURSOR_SIZE; i++)
                        cursor.map[i] = 0xff000000u | CURSOR_RGB;
                cursor_pos(w, h, &cx, &cy);
                if (drmModeSetCursor(fd, crtc_id, cursor.handle, CURSOR_SIZE, CURSOR_SIZE) < 0 ||
                    drmModeMoveCursor(fd, crtc_id, cx, cy) < 0)
                        fprintf(stderr, "kms-pattern: cursor: %m (continuing without)\n");
                else
                        printf("CURSOR %d,%d\n", cx, cy);
        }
        printf("READY %dx%d\n", w, h);
        fflush(stdout);

        drmEventContext ev = { .version = 2, .page_flip_handler = page_flip_done };
        struct timespec start, now;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (unsigned frame = 1;; frame++) {
                struct dumb *b = &buf[frame % 2];
                int pending = 1;

                draw_frame(b->map, b->pitch / 4, w, h, frame);
                if (drmModePageFlip(fd, crtc_id, b->fb, DRM_MODE_PAGE_FLIP_EVENT, &pending) == 0)
                        while (pending && drmHandleEvent(fd, &ev) == 0)
                                ;
                else
                        usleep(33000);
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (seconds > 0 && now.tv_sec - start.tv_sec >= seconds)
                        break;
        }
        return 0;
}

static int decode_png(const char *path, uint8_t **rgb, int *w, int *h)
{
        FILE *f = fopen(path, "rb");
        if (!f)
                return -errno;
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        AVPacket *pkt = av_packet_alloc();
        av_new_packet(pkt, n);
        if (fread(pkt->data, 1, n, f) != (size_t) n) {
                fclose(f);
                return -EIO;
        }
        fclose(f);
        const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_PNG);
        AVCodecContext *ctx = avcodec_alloc_context3(codec);
        AVFrame *frame = av_frame_alloc();
        int r = avcodec_open2(ctx, codec, NULL);
        if (r >= 0)
                r = avcodec_send_packet(ctx, pkt);
        if (r >= 0)
                r = avcodec_receive_frame(ctx, frame);
        if (r < 0)
                return r;
        *w = frame->width;
        *h = frame->height;
        *rgb = malloc((size_t) *w * *h * 3);
        struct SwsContext *sws = sws_getContext(*w, *h, frame->format, *w, *h, AV_PIX_FMT_RGB24,
                                                SWS_POINT, NULL, NULL, NULL);
        uint8_t *dst[1] = { *rgb };
        int dst_stride[1] = { *w * 3 };
        sws_scale(sws, (const uint8_t *const *) frame->data, frame->linesize, 0, *h, dst, dst_stride);
        sws_freeContext(sws);
        av_frame_free(&frame);
        avcodec_free_context(&ctx);
        av_packet_free(&pkt);
        return 0;
}

/* Mean absolute per-channel error over the inner half of rect r. */
static double rect_error(const uint8_t *rgb, int w, struct rect r, uint32_t want, const struct rect *exclude)
{
        double err = 0;
        long n = 0;
        for (int y = r.y + r.h / 4; y < r.y + r.h * 3 / 4; y++)
                for (int x = r.x + r.w / 4; x < r.x + r.w * 3 / 4; x++) {
                        if (exclude && x >= exclude->x - 2 && x < exclude->x + exclude->w + 2 &&
                            y >= exclude->y - 2 && y < exclude->y + exclude->h + 2)
                                continue;
                        const uint8_t *p = rgb + ((size_t) y * w + x) * 3;
                        err += fabs(p[0] - (double) ((want >> 16) & 0xff)) +
                               fabs(p[1] - (double) ((want >> 8) & 0xff)) +
                               fabs(p[2] - (double) (want & 0xff));
                        n += 3;
                }
        return n ? err / n : 1e9;
}

static int check(const char *png, int cap_w, int cap_h)
{
        uint8_t *rgb = NULL;
        int w = 0, h = 0, bad = 0;
        const double limit = 16.0; /* mean abs error per channel, 0..255 */

        int r = decode_png(png, &rgb, &w, &h);
        if (r < 0) {
                fprintf(stderr, "kms-pattern: cannot decode %s: %s\n", png, av_err2str(r));
                return 2;
        }
        int cx, cy;
        cursor_pos(cap_w, cap_h, &cx, &cy);
        struct rect cur = { (int) lround((double) cx * w / cap_w), (int) lround((double) cy * h / cap_h),
                            (int) lround((double) CURSOR_SIZE * w / cap_w),
                            (int) lround((double) CURSOR_SIZE * h / cap_h) };
        for (int i = 0; i < GRID_COLS * GRID_ROWS; i++) {
                struct rect b = block_rect(i, w, h);
                double e = rect_error(rgb, w, b, palette[i], i == CURSOR_BLOCK ? &cur : NULL);
                printf("block %2d want #%06x error %.1f %s\n", i, palette[i], e, e <= limit ? "ok" : "BAD");
                bad += e > limit;
        }
        double ec = rect_error(rgb, w, cur, CURSOR_RGB, NULL);
        printf("cursor at %d,%d %dx%d want #%06x error %.1f %s\n", cur.x, cur.y, cur.w, cur.h, CURSOR_RGB, ec,
               ec <= limit ? "ok" : "BAD");
        bad += ec > limit;
        printf("PATTERN %s (%dx%d, capture %dx%d)\n", bad ? "mismatch" : "ok", w, h, cap_w, cap_h);
        free(rgb);
        return bad ? 1 : 0;
}

/* The expected composited picture (pattern + cursor) as raw BGRA on stdout,
 * to test the checker without a KMS device. */
static int raw(int w, int h)
{
        uint32_t *px = calloc((size_t) w * h, 4);
        int cx, cy;

        draw_frame(px, w, w, h, 0);
        cursor_pos(w, h, &cx, &cy);
        for (int y = cy; y < cy + CURSOR_SIZE; y++)
                for (int x = cx; x < cx + CURSOR_SIZE; x++)
                        px[y * w + x] = CURSOR_RGB;
        fwrite(px, 4, (size_t) w * h, stdout);
        free(px);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc == 4 && strcmp(argv[1], "raw") == 0)
                return raw(atoi(argv[2]), atoi(argv[3]));
        if (argc >= 2 && strcmp(argv[1], "show") == 0) {
                const char *device = "/dev/dri/card0";
                int w = 0, h = 0, seconds = 0;
                for (int i = 2; i + 1 < argc; i += 2) {
                        if (strcmp(argv[i], "--device") == 0)
                                device = argv[i + 1];
                        else if (strcmp(argv[i], "--mode") == 0)
                                sscanf(argv[i + 1], "%dx%d", &w, &h);
                        else if (strcmp(argv[i], "--seconds") == 0)
                                seconds = atoi(argv[i + 1]);
                }
                return show(device, w, h, seconds);
        }
        if (argc == 5 && strcmp(argv[1], "check") == 0)
                return check(argv[2], atoi(argv[3]), atoi(argv[4]));
        fprintf(stderr, "usage: kms-pattern show [--device DEV] [--mode WxH] [--seconds N]\n"
                        "       kms-pattern check FILE.png CAPTURE_W CAPTURE_H\n");
        return 2;
}
