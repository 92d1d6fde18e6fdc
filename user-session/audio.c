/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NOT YET: the PipeWire capture lands in the next commit; until then casts have no sound (audio.h). */
#include <errno.h>
#include <stddef.h>

#include "audio.h"

int audio_start(sd_event *event, const struct audio_config *cfg, int fd, audio_failed_t failed, void *userdata,
                struct audio **ret)
{
        safe_close(fd);
        return -EOPNOTSUPP;
}

struct audio *audio_free(struct audio *a)
{
        return NULL;
}

int audio_route_recover(const char *state_dir)
{
        return 0;
}
