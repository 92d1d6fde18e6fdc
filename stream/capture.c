/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The worker's one capture, shared by its sessions (stream.h): what
 * daemon/context.c did in the single-process daemon (context_acquire_capture()).
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/log.h"
#include "../encoder/capture.h"
#include "../encoder/capture_spec.h"
#include "stream.h"

int stream_acquire_capture(struct stream *st, unsigned width, unsigned height, int pipewire_fd,
                           struct capture **ret)
{
        const struct stream_config *config = st->config;
        struct capture_config cfg = {};
        struct capture_spec spec;
        int r;

        if (st->capture_handle && capture_get_error(st->capture_handle) < 0) {
                /* Its source went away (PipeWire stopped, output unplugged): open it again. The
                 * sessions still using the broken one end on its error; their media keeps its
                 * own reference, and stream_release_capture() ignores what is no longer ours. */
                log_info("Context %u: reopening capture \"%s\"", config->context_id, config->capture);
                st->capture_handle = capture_unref(st->capture_handle);
                st->capture_users = 0;
        }
        if (st->capture_handle) {
                st->capture_users++;
                *ret = st->capture_handle;
                return 0;
        }
        r = capture_spec_parse(config->capture, &spec);
        if (r < 0)
                return r;
        cfg.backend = spec.backend;
        if (spec.backend == CAPTURE_BACKEND_TESTSRC) {
                cfg.resize_every = spec.resize_every;
                cfg.flash = spec.flash;
                /* The test picture is made at the configured maximum (default 1280x720); encoders scale. */
                cfg.width = config->max_width & ~1u;
                cfg.height = config->max_height & ~1u;
                cfg.pattern = spec.motion ? CAPTURE_PATTERN_MOTION : CAPTURE_PATTERN_DESKTOP;
                cfg.noise = spec.noise;
        } else if (spec.backend == CAPTURE_BACKEND_PIPEWIRE) {
                cfg.pipewire_node = spec.node[0] ? spec.node : NULL;
                /* main connected to the remote for us: the worker may not reach its socket. */
                if (pipewire_fd < 0)
                        return log_error_errno(-ENOTCONN, "No connection to the PipeWire remote (pipewire-remote "
                                               "not set, or miracastd could not connect to it)");
                cfg.have_pipewire_fd = true;
                cfg.pipewire_fd = pipewire_fd;
                if (config->encoder && strcmp(config->encoder, "vaapi") == 0)
                        cfg.access = CAPTURE_ACCESS_CPU | CAPTURE_ACCESS_DMABUF;
                /* Ask the producer for the first session's size; the encoder scales anything else. */
                cfg.width = width & ~1u;
                cfg.height = height & ~1u;
        }
        if (spec.backend == CAPTURE_BACKEND_KMS) {
                /* Never /dev/dri here: the helper reads the screen (docs/process-model.md). */
                cfg.kms_helper = true;
                cfg.have_kms_helper_fd = config->kms_helper_fd >= 0;
                cfg.kms_helper_fd = config->kms_helper_fd;
                cfg.kms_helper_socket = getenv("MIRACASTD_KMS_SOCKET");
        }
        cfg.device = spec.device[0] ? spec.device : NULL;
        cfg.connector = spec.connector[0] ? spec.connector : NULL;

        r = capture_new(&cfg, &st->capture_handle);
        if (r < 0)
                return log_error_errno(r, "Context %u: cannot open capture \"%s\": %s", config->context_id, config->capture,
                                       capture_last_error());
        log_info("Context %u: capturing from %s", config->context_id, config->capture);
        st->capture_users = 1;
        *ret = st->capture_handle;
        return 0;
}

struct capture *stream_release_capture(struct stream *st, struct capture *capture)
{
        if (!capture || capture != st->capture_handle)
                return NULL;    /* none, or one replaced after its error (stream_acquire_capture()) */
        assert(st->capture_users > 0);
        if (--st->capture_users > 0)
                return NULL;
        /* Media pipelines hold their own reference until they stop; this closes the device once they did. */
        st->capture_handle = capture_unref(st->capture_handle);
        log_info("Context %u: capture %s closed (no session uses it)", st->config->context_id, st->config->capture);
        return NULL;
}

int stream_open_own_capture(struct stream *st, unsigned width, unsigned height, int pipewire_fd, uint32_t node,
                            struct capture **ret)
{
        struct capture_config cfg = {
                .backend = CAPTURE_BACKEND_PIPEWIRE,
                .have_pipewire_fd = true,
                .pipewire_fd = pipewire_fd,
                /* The negotiated size: a virtual monitor is made exactly so big, a compositor scales. */
                .width = width & ~1u,
                .height = height & ~1u,
        };
        char id[16];
        int r;

        if (pipewire_fd < 0)
                return -EBADF;
        snprintf(id, sizeof(id), "%u", node);
        cfg.pipewire_node = id;
        /* An encoder that imports dma-bufs gets them where the compositor has them (no CPU copy). */
        if (st->config->encoder && strcmp(st->config->encoder, "vaapi") == 0)
                cfg.access = CAPTURE_ACCESS_CPU | CAPTURE_ACCESS_DMABUF;
        r = capture_new(&cfg, ret);
        if (r < 0)
                return log_error_errno(r, "Context %u: cannot open a desktop stream (node %u): %s",
                                       st->config->context_id, node, capture_last_error());
        log_info("Context %u: capturing a desktop stream (PipeWire node %u)", st->config->context_id, node);
        return 0;
}
