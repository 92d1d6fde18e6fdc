/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/media-info.h: enumerate FFmpeg H.264 encoders and DRM connectors. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libavcodec/avcodec.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "../protocol/macro.h"
#include "media-info.h"

#define MEDIA_INFO_MAX 64

void media_info_strv_free(char **l)
{
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}

static int media_info_strv_push(char ***l, unsigned *n, char *s)
{
        char **nl;

        if (!s)
                return -ENOMEM;
        if (*n >= MEDIA_INFO_MAX) {
                free(s);
                return 0;
        }
        nl = realloc(*l, (*n + 2) * sizeof(char *));
        if (!nl) {
                free(s);
                return -ENOMEM;
        }
        nl[(*n)++] = s;
        nl[*n] = NULL;
        *l = nl;
        return 0;
}

int media_info_list_encoders(char ***ret)
{
        const AVCodec *codec;
        void *it = NULL;
        char **l = calloc(1, sizeof(char *));
        unsigned n = 0;
        int r;

        if (!l)
                return -ENOMEM;
        /* Our direct libx264 backend (encoder/encode_x264.c), linked in, not an FFmpeg codec. */
        r = media_info_strv_push(&l, &n, strdup("x264"));
        if (r < 0) {
                media_info_strv_free(l);
                return r;
        }
        while ((codec = av_codec_iterate(&it))) {
                if (codec->id != AV_CODEC_ID_H264 || !av_codec_is_encoder(codec))
                        continue;
                r = media_info_strv_push(&l, &n, strdup(codec->name));
                if (r < 0) {
                        media_info_strv_free(l);
                        return r;
                }
        }
        *ret = l;
        return 0;
}

static int media_info_add_card(const char *card, char ***l, unsigned *n)
{
        _cleanup_close_ int fd = -1;
        drmModeRes *res;
        int r = 0;

        fd = open(card, O_RDWR | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
                return 0;       /* not ours to read: not an output we can capture */
        res = drmModeGetResources(fd);
        if (!res)
                return 0;
        for (int i = 0; i < res->count_connectors && r >= 0; i++) {
                drmModeConnector *conn = drmModeGetConnector(fd, res->connectors[i]);
                const char *type;
                char *s;

                if (!conn)
                        continue;
                if (conn->connection == DRM_MODE_CONNECTED) {
                        type = drmModeGetConnectorTypeName(conn->connector_type);
                        if (asprintf(&s, "kms:%s:%s-%u", card, type ?: "Unknown", conn->connector_type_id) < 0)
                                s = NULL;
                        r = media_info_strv_push(l, n, s);
                }
                drmModeFreeConnector(conn);
        }
        drmModeFreeResources(res);
        return r;
}

int media_info_list_outputs(struct manager *m, char ***ret)
{
        char **l = calloc(1, sizeof(char *));
        unsigned n = 0;
        glob_t g = {};
        int r;

        if (!l)
                return -ENOMEM;
        r = media_info_strv_push(&l, &n, strdup("testsrc"));
        if (r >= 0 && glob("/dev/dri/card*", 0, NULL, &g) == 0) {
                for (size_t i = 0; i < g.gl_pathc && r >= 0; i++)
                        r = media_info_add_card(g.gl_pathv[i], &l, &n);
        }
        globfree(&g);
        if (r < 0) {
                media_info_strv_free(l);
                return r;
        }
        *ret = l;
        return 0;
}
