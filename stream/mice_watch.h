/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sink's side of an MS-MICE cast's control connection (TCP 7250,
 * docs/mice.md), read in the stream worker: main connects and writes
 * (SOURCE_READY, STOP_PROJECTION are built from our own data), the worker
 * reads and parses what the sink sends (protocol/mice_msg.h). Anything the
 * sink may send ends the watch: STOP_PROJECTION, a message we refuse, bytes
 * that are no message, or the close; each goes to main as one
 * WORKER_MSG_MICE_EVENT, which decides what it means for the cast.
 */
#pragma once

struct stream;
struct mice_watch;

/* Watch fd (taken over) for main's session id. */
int mice_watch_new(struct stream *st, unsigned id, int fd);
/* Drop the watch of session id (main ended it); nothing is reported. */
void mice_watch_drop(struct stream *st, unsigned id);
/* Drop every watch (the worker exits). */
void mice_watch_drop_all(struct stream *st);
