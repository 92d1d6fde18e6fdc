/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Screen capture through the desktop's org.freedesktop.portal.ScreenCast:
 * ask the person what to share (a monitor, a window, or a new virtual
 * monitor for "extend"), and get a PipeWire remote fd restricted to that
 * stream plus its node id, which the user-session component hands to the
 * daemon (Sink1.Cast options "pipewire-fd", "pipewire-node").
 *
 * The portal session lives as long as the struct screencast, and needs the
 * session bus connection it was started on: closing it ends the share.
 */
#pragma once

#include <stdint.h>

#include <systemd/sd-bus.h>

struct screencast;

struct screencast_request {
        const char *kind;        /* "monitor", "window", "extend" */
        const char *restore_key; /* e.g. the sink's address: the restore token is kept per key */
};

/*
 * error 0: fd (a PipeWire remote, ownership passes to the callee) and node are valid.
 * Otherwise -ECANCELED (the person cancelled the chooser), -EOPNOTSUPP (no
 * ScreenCast portal, or no virtual source for "extend"), or another -errno.
 */
typedef void (*screencast_ready_t)(struct screencast *sc, int error, int pipewire_fd, uint32_t node, void *userdata);
/* The portal side ended the share (revoked, the window closed): reason in words. */
typedef void (*screencast_closed_t)(struct screencast *sc, const char *reason, void *userdata);

/*
 * Start asking the portal. Returns 0 and *ret (ready is called later, once),
 * or -errno at once (-EOPNOTSUPP: no ScreenCast portal on this bus).
 */
int screencast_start(sd_bus *session_bus, const struct screencast_request *req, screencast_ready_t ready,
                     screencast_closed_t closed, void *userdata, struct screencast **ret);
/* Closes the portal session; NULL ok; returns NULL. */
struct screencast *screencast_free(struct screencast *sc);
