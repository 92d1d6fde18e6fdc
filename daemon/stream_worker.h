/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main's side of a stream worker (miracastd-stream, docs/process-model.md):
 * one unprivileged process per context, started when the context's first
 * session gets its connection, closed when its last session ended. It holds
 * the RTSP connections, the state machines and the media; main keeps the
 * D-Bus objects (daemon/session.c is the proxy) and gets what changes as
 * messages (protocol/worker_msg.h) over a SOCK_SEQPACKET socket pair, fds
 * passed with SCM_RIGHTS.
 *
 * What the worker says is checked like network input: it parses bytes from
 * sinks, so main assumes it may be compromised. A worker that exits (or
 * breaks the protocol) ends only its own sessions.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../protocol/worker_msg.h"

struct context;
struct stream_worker;

/* How long a request (pause, statistics...) may wait for the worker's reply. */
#define STREAM_WORKER_CALL_TIMEOUT_USEC (5 * 1000 * 1000ULL)

/* Start the worker for context c (its capture, the daemon's configuration). */
int stream_worker_new(struct context *c, struct stream_worker **ret);
/* Close the channel (the worker ends what runs and exits) and reap it in the background. NULL ok. */
struct stream_worker *stream_worker_close(struct stream_worker *w);
/* At exit: wait (bounded) for every closed worker to be gone, killing what is left. */
void stream_worker_reap_all(void);

bool stream_worker_is_dead(const struct stream_worker *w);
pid_t stream_worker_get_pid(const struct stream_worker *w);

/* Send a message without waiting (fds are sent, the caller keeps its copies). */
int stream_worker_send(struct stream_worker *w, struct worker_msg_writer *msg, const int *fds, size_t n_fds);
/*
 * A request and its reply: adds WORKER_FIELD_SEQ, sends, waits up to
 * STREAM_WORKER_CALL_TIMEOUT_USEC for the REPLY and returns its ERROR
 * (0 or -errno from the worker), or -ETIMEDOUT / -ECONNRESET. Other messages
 * arriving meanwhile are kept and handled from the event loop afterwards,
 * never inside the caller.
 */
int stream_worker_call(struct stream_worker *w, struct worker_msg_writer *msg, const int *fds, size_t n_fds);

/*
 * The probes that used to run in main (main links no FFmpeg or libdrm):
 * `miracastd-stream --probe` (or a socket-activated KMS worker) once, started
 * in the background by stream_probe_start() (MANAGER_CHANGED_OUTPUTS when the
 * answer is there), answers cached; a read before that waits for it
 * (bounded). NULL-terminated lists, the caller frees them (strv_free()).
 */
struct manager;
int stream_probe_start(struct manager *m);
void stream_probe_cancel(void);
int stream_probe_encoders(char ***ret);
int stream_probe_outputs(char ***ret);
/* Does the output a capture spec names exist: 0 and its card in ret_device, or -ENODEV with
 * the reason in error_text. Not cached (outputs come and go). */
int stream_probe_find_output(const char *spec, char *ret_device, size_t device_size, char *error_text,
                             size_t error_size);

/* The program's path: next to the running miracastd (a build tree), else MIRACASTD_LIBEXECDIR. */
int stream_worker_find_binary(char *buf, size_t size);
