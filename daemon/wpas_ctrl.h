/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A client for one wpa_supplicant control socket (docs/p2p.md, "The wpas backend"):
 * two Unix datagram sockets bound to paths in our runtime directory, one for
 * request/reply (commands are queued, one in flight, each with a timeout),
 * one that sends ATTACH and then only receives events. A periodic PING on
 * the command socket detects a dead or restarted wpa_supplicant.
 *
 * On any failure (send error, command timeout, missed PONG,
 * CTRL-EVENT-TERMINATING) the client closes both sockets, fails every
 * queued command with the error and calls on_down once. Reconnecting is the
 * owner's decision (wpas_ctrl_open() again).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

struct wpas_ctrl;

#define WPAS_CTRL_CMD_TIMEOUT_USEC  (5 * 1000000ULL)
#define WPAS_CTRL_PING_USEC         (10 * 1000000ULL)
#define WPAS_CTRL_MAX_QUEUE         64

/* Reply of one command: error < 0 when it could not be sent or timed out
 * (reply NULL); otherwise the raw reply (may be "FAIL"; see wpas_reply_to_errno()). */
typedef void (*wpas_ctrl_reply_t)(struct wpas_ctrl *c, int error, const char *reply, size_t len, void *userdata);
/* One event datagram (raw; parse with wpas_event_parse()). */
typedef void (*wpas_ctrl_event_t)(struct wpas_ctrl *c, const char *msg, size_t len, void *userdata);
/* The link went down with error (negative). Called once per wpas_ctrl_open(). */
typedef void (*wpas_ctrl_down_t)(struct wpas_ctrl *c, int error, void *userdata);

/*
 * Create a client for the control socket at server_path. Our own socket
 * files go into local_dir (the runtime directory; never /tmp with
 * PrivateTmp). Nothing is opened yet.
 */
int wpas_ctrl_new(sd_event *event, const char *server_path, const char *local_dir,
                  wpas_ctrl_event_t on_event, wpas_ctrl_down_t on_down, void *userdata,
                  struct wpas_ctrl **ret);
/* Close (without calling on_down), fail queued commands with -ECANCELED, free. NULL-safe. */
struct wpas_ctrl *wpas_ctrl_free(struct wpas_ctrl *c);

/*
 * Open both sockets and send ATTACH on the event socket. Returns 0 when the
 * sockets are connected (ATTACH is confirmed asynchronously; a FAIL or
 * timeout brings the link down), -ENOENT/-ECONNREFUSED when wpa_supplicant
 * is not there, -EALREADY when open.
 */
int wpas_ctrl_open(struct wpas_ctrl *c);
/* Close both sockets (on_down is not called), fail queued commands with -ECONNRESET. */
void wpas_ctrl_close(struct wpas_ctrl *c);
bool wpas_ctrl_is_open(const struct wpas_ctrl *c);
const char *wpas_ctrl_server_path(const struct wpas_ctrl *c);

/*
 * Queue cmd (copied). cb may be NULL (result only logged on failure).
 * Returns 0, -ENOTCONN when closed, -ENOBUFS when WPAS_CTRL_MAX_QUEUE
 * commands wait. cb is never called from inside this function.
 */
int wpas_ctrl_send(struct wpas_ctrl *c, const char *cmd, wpas_ctrl_reply_t cb, void *userdata);
/* Forget cb for every queued command with this userdata (its owner is going away). */
void wpas_ctrl_cancel_userdata(struct wpas_ctrl *c, void *userdata);

/* Override the timeouts (tests). */
void wpas_ctrl_set_timeouts(struct wpas_ctrl *c, uint64_t cmd_timeout_usec, uint64_t ping_usec);
