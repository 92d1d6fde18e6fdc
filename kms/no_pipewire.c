/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * miracastd-kms links capture.c for the kms backend only: PipeWire (and its
 * library) stays out of the process that holds CAP_SYS_ADMIN.
 */
#include <errno.h>

#include "../encoder/capture_backend.h"

static int no_pipewire_open(struct capture *c, const struct capture_config *cfg)
{
        return capture_set_error(-ENOTSUP, "pipewire: not available in the KMS helper");
}

const struct capture_ops capture_pipewire_ops = {
        .name = "pipewire",
        .open = no_pipewire_open,
};
