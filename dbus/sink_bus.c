/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.miracastd.Sink1 at /org/miracastd/sink/<aa_bb_cc_dd_ee_ff>. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/config.h"
#include "../daemon/log.h"
#include "../daemon/manager.h"
#include "../daemon/session.h"
#include "../daemon/session_video.h"
#include "../daemon/sink.h"
#include "../daemon/stream_worker.h"
#include "../encoder/capture_spec.h"
#include "../protocol/latency_mode.h"
#include "../protocol/macro.h"
#include "bus_errors.h"
#include "bus.h"
#include "polkit.h"

static int sink_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                            sd_bus_error *error)
{
        struct bus *b = userdata;

        for (struct sink *s = b->manager->sinks; s; s = s->next)
                if (strcmp(s->path, path) == 0) {
                        *found = s;
                        return 1;
                }
        return 0;
}

static int sink_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error)
{
        struct bus *b = userdata;
        _cleanup_(strv_freep) char **l = calloc(1, sizeof(char *));   /* none: an empty list */
        size_t n = 0;
        int r;

        if (!l)
                return -ENOMEM;
        for (struct sink *s = b->manager->sinks; s; s = s->next) {
                r = bus_node_list_add(&l, &n, s->path);
                if (r < 0)
                        return r;
        }
        *nodes = steal_ptr(l);
        return 1;
}

/* Cast options: method s, pin s, go-intent i/u, output s, max-resolution s "WxH", persistent b,
 * protocol s ("p2p" or "mice"), input b, latency s (low-latency, balanced, quality), audio s ("auto" or "none"),
 * pipewire-fd h + pipewire-node u (+ video-source s). */
static int sink_bus_read_options(sd_bus_message *m, struct cast_options *o, bool *persistent, sd_bus_error *error)
{
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *contents;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        return r;
                if (strcmp(key, "method") == 0 || strcmp(key, "pin") == 0 || strcmp(key, "output") == 0 ||
                    strcmp(key, "max-resolution") == 0 || strcmp(key, "protocol") == 0 || strcmp(key, "latency") == 0 ||
                    strcmp(key, "audio") == 0) {
                        const char *v;

                        if (strcmp(contents, "s") != 0)
                                return bus_error_set(error, -EINVAL, "Option %s must be a string", key);
                        r = sd_bus_message_read(m, "v", "s", &v);
                        if (r < 0)
                                return r;
                        if (strcmp(key, "latency") == 0) {
                                o->latency = latency_mode_from_string(v);
                                if (o->latency < 0)
                                        return bus_error_set(error, -EINVAL, "Option latency must be \"low-latency\", "
                                                             "\"balanced\" or \"quality\"");
                        } else if (strcmp(key, "audio") == 0) {
                                /* "none": no audio track where the sink allows; the user-session component
                                 * passes it on for User1.Cast(audio "none") */
                                if (strcmp(v, "none") != 0 && strcmp(v, "auto") != 0)
                                        return bus_error_set(error, -EINVAL, "Option audio must be \"auto\" or \"none\"");
                                o->no_audio = strcmp(v, "none") == 0;
                        } else if (strcmp(key, "protocol") == 0) {
                                if (strcmp(v, "p2p") != 0 && strcmp(v, "mice") != 0)
                                        return bus_error_set(error, -EINVAL, "Option protocol must be \"p2p\" or \"mice\"");
                                o->protocol = v;
                        } else if (strcmp(key, "method") == 0) {
                                if (strcmp(v, "pbc") != 0 && strcmp(v, "pin") != 0)
                                        return bus_error_set(error, -EINVAL, "Option method must be \"pbc\" or \"pin\"");
                                o->method = v;
                        } else if (strcmp(key, "pin") == 0) {
                                if (strlen(v) != 8 || strspn(v, "0123456789") != 8)
                                        return bus_error_set(error, -EINVAL, "Option pin must be 8 digits");
                                o->pin = v;
                        } else if (strcmp(key, "output") == 0) {
                                if (!capture_spec_is_valid(v))
                                        return bus_error_set(error, -EINVAL, "Option output must be a "
                                                             "connector name (HDMI-A-1), kms[:DEVICE[:CONNECTOR]] "
                                                             "or testsrc (see Manager1.CaptureOutputs)");
                                o->output = v;
                        } else if (config_parse_resolution(v, &o->max_width, &o->max_height) < 0)
                                return bus_error_set(error, -EINVAL, "Option max-resolution must be WIDTHxHEIGHT");
                } else if (strcmp(key, "persistent") == 0 || strcmp(key, "input") == 0) {
                        int v;

                        if (strcmp(contents, "b") != 0)
                                return bus_error_set(error, -EINVAL, "Option %s must be a boolean", key);
                        r = sd_bus_message_read(m, "v", "b", &v);
                        if (r < 0)
                                return r;
                        if (strcmp(key, "input") == 0) {
                                o->input = v;
                                o->input_set = true;
                        }
                        else
                                *persistent = v;
                } else if (strcmp(key, "pipewire-fd") == 0) {
                        const char *why;
                        int fd;

                        if (strcmp(contents, "h") != 0)
                                return bus_error_set(error, -EINVAL, "Option pipewire-fd must be a file descriptor (h)");
                        r = sd_bus_message_read(m, "v", "h", &fd);
                        if (r < 0)
                                return r;
                        /* Only the caller's own fd, which came with this message, is ever used. */
                        if (session_video_check_fd(fd, &why) < 0)
                                return bus_error_set(error, -EINVAL, "Option pipewire-fd: %s", why);
                        o->have_pipewire_fd = true;
                        o->pipewire_fd = fd;
                } else if (strcmp(key, "pipewire-node") == 0) {
                        uint32_t u;

                        if (strcmp(contents, "u") != 0)
                                return bus_error_set(error, -EINVAL, "Option pipewire-node must be a node id (u)");
                        r = sd_bus_message_read(m, "v", "u", &u);
                        if (r < 0)
                                return r;
                        if (u == 0 || u == UINT32_MAX)
                                return bus_error_set(error, -EINVAL, "Option pipewire-node: %u is not a node id", u);
                        o->pipewire_node = u;
                } else if (strcmp(key, "video-source") == 0) {
                        const char *v;

                        if (strcmp(contents, "s") != 0)
                                return bus_error_set(error, -EINVAL, "Option video-source must be a string");
                        r = sd_bus_message_read(m, "v", "s", &v);
                        if (r < 0)
                                return r;
                        if (session_video_kind_from_string(v) < 0)
                                return bus_error_set(error, -EINVAL, "Option video-source must be \"monitor\", "
                                                     "\"window\" or \"extend\"");
                        o->video_source = v;
                } else if (strcmp(key, "go-intent") == 0) {
                        int32_t i;
                        uint32_t u;

                        if (strcmp(contents, "i") == 0)
                                r = sd_bus_message_read(m, "v", "i", &i);
                        else if (strcmp(contents, "u") == 0) {
                                r = sd_bus_message_read(m, "v", "u", &u);
                                i = u > 15 ? 16 : (int32_t) u;
                        } else
                                return bus_error_set(error, -EINVAL, "Option go-intent must be an integer");
                        if (r < 0)
                                return r;
                        if (i < 0 || i > 15)
                                return bus_error_set(error, -EINVAL, "Option go-intent must be 0..15");
                        o->go_intent = i;
                } else
                        return bus_error_set(error, -EINVAL,
                                             "Unknown option \"%s\" (known: method, pin, go-intent, output, max-resolution, "
                                             "persistent, input, protocol, latency, audio, pipewire-fd, "
                                             "pipewire-node, video-source)",
                                             key);
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        /* The desktop's stream comes as a pair, and replaces the daemon's own capture. */
        if (o->have_pipewire_fd != (o->pipewire_node != 0))
                return bus_error_set(error, -EINVAL, "Options pipewire-fd and pipewire-node go together");
        if (o->video_source && !o->have_pipewire_fd)
                return bus_error_set(error, -EINVAL, "Option video-source needs pipewire-fd and pipewire-node");
        if (o->have_pipewire_fd && o->output)
                return bus_error_set(error, -EINVAL, "Options output and pipewire-fd exclude each other");
        return 0;
}

/*
 * A named output must exist now: the caller hears "no output named HDMI-A-1"
 * at once, not a failed session after the Wi-Fi Direct connection. A connector
 * given alone becomes kms:CARD:CONNECTOR, so casts to one output share one
 * capture however they name it.
 */
static int sink_bus_resolve_output(const char *output, char *buf, size_t size, sd_bus_error *error)
{
        struct capture_spec spec;
        char device[CAPTURE_SPEC_DEVICE_MAX], why[256];
        int r;

        r = capture_spec_parse(output, &spec);
        if (r < 0)
                return bus_error_set(error, r, "Invalid output \"%s\"", output);
        if (spec.backend != CAPTURE_BACKEND_KMS || (!spec.device[0] && !spec.connector[0])) {
                snprintf(buf, size, "%s", output);
                return 0;
        }
        /* Asked of the stream worker binary: main links no libdrm. */
        r = stream_probe_find_output(output, device, sizeof(device), why, sizeof(why));
        if (r < 0)
                return bus_error_set(error, r, "%s", why);
        if (spec.connector[0])
                snprintf(buf, size, "kms:%s:%s", device, spec.connector);
        else
                snprintf(buf, size, "%s", output);
        return 0;
}

static int method_cast(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct sink *sink = userdata;
        struct bus *b = sink->manager->hooks.userdata;
        struct cast_options o = { .go_intent = -1, .latency = -1 };
        char output[CAPTURE_SPEC_MAX + 1];
        bool persistent = false;
        struct session *s;
        int r;

        /* Options first (again on each polkit round trip: the message is rewound), because casting with
         * input asks polkit for org.miracastd.input instead of org.miracastd.cast; the policy makes the
         * former the stricter one, and one message can wait for one polkit answer only. */
        r = sink_bus_read_options(m, &o, &persistent, error);
        if (r < 0)
                return r;
        r = sd_bus_message_rewind(m, true);
        if (r < 0)
                return r;
        r = polkit_check(b->polkit, m, o.input ? POLKIT_ACTION_INPUT : POLKIT_ACTION_CAST, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        if (o.input)
                log_info("sink %s: cast with input from the display allowed (polkit %s)", sink->address,
                         POLKIT_ACTION_INPUT);
        if (o.output) {
                r = sink_bus_resolve_output(o.output, output, sizeof(output), error);
                if (r < 0)
                        return r;
                o.output = output;
        }
        if (o.protocol && !strstr(sink_protocol_to_string(sink->protocols), o.protocol))
                return bus_error_set(error, -EINVAL, "Option protocol \"%s\": this sink is reachable over %s only",
                                     o.protocol, sink_protocol_to_string(sink->protocols));
        /* A backend that cannot do these options at all (no PIN through NetworkManager) says so first. */
        if (manager_cast_refusal(sink->manager, &o))
                return bus_error_set(error, -EOPNOTSUPP, "%s", manager_cast_refusal(sink->manager, &o));
        /* Without a PIN, the caller's agent (or the default one) shows or asks for it. */
        if (o.method && strcmp(o.method, "pin") == 0 && !o.pin && !b->agents)
                return bus_error_set(error, -EINVAL, "Option method \"pin\" needs option pin, or a PIN agent "
                                                     "(Manager1.RegisterAgent) to show or ask for the PIN");
        if (sink->manager->shutting_down)
                return bus_error_set(error, -ESHUTDOWN, "The daemon is shutting down");
        if (!sink->session_available && !sink->cast_session_id)
                log_info("sink %s: casting although it reports no session available", sink->address);

        r = sink_cast(sink, &o, &s);
        /* -EOPNOTSUPP is -ENOTSUP: the backend refusing these options says why (e.g. no PIN through NM). */
        if (r == -EOPNOTSUPP && manager_cast_refusal(sink->manager, &o))
                return bus_error_set(error, r, "%s", manager_cast_refusal(sink->manager, &o));
        if (r == -ENOTSUP)
                return bus_error_set(error, r, "No P2P backend: cannot connect to sinks over Wi-Fi Direct");
        if (r == -EBUSY)
                return bus_error_set(error, r, "A cast to this sink is already in progress");
        if (r < 0)
                return bus_error_set(error, r, "Cast failed: %m");
        /* Answered when the sink connected and negotiation produced the session info, or with the
         * error that ended the session (Timeout, SinkRejected, InsufficientResources, ...). */
        r = session_bus_add_pending_cast(b, s, m);
        if (r < 0) {
                (void) session_stop(s);
                return bus_error_set(error, r, "Cast failed: %m");
        }
        /* Unless persistent, the cast lives as long as its caller's bus connection. */
        if (!persistent) {
                r = session_bus_bind_to_caller(b, s, m);
                if (r < 0)
                        log_warning_errno(r, "Failed to watch the caller of session %u, it outlives the caller: %m",
                                          s->id);
        }
        return 1;
}

static int property_get_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct sink *s = userdata;
        const char *v = strcmp(property, "Name") == 0       ? s->name
                        : strcmp(property, "Address") == 0  ? s->address
                        : strcmp(property, "Protocol") == 0 ? sink_protocol_to_string(s->protocols)
                                                            : s->device_type;
        return sd_bus_message_append(reply, "s", v ?: "");
}

static int property_get_session_available(sd_bus *bus, const char *path, const char *interface,
                                          const char *property, sd_bus_message *reply, void *userdata,
                                          sd_bus_error *error)
{
        struct sink *s = userdata;
        return sd_bus_message_append(reply, "b", (int) s->session_available);
}

static const sd_bus_vtable sink_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("Cast", SD_BUS_ARGS("a{sv}", options), SD_BUS_RESULT("o", session), method_cast,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_PROPERTY("Name", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Address", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("DeviceType", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Protocol", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SessionAvailable", "b", property_get_session_available, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MaxThroughput", "u", NULL, offsetof(struct sink, max_throughput_mbps),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ControlPort", "q", NULL, offsetof(struct sink, control_port),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Signal", "n", NULL, offsetof(struct sink, signal_dbm), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END
};

int sink_bus_register(struct bus *b)
{
        int r;

        r = sd_bus_add_fallback_vtable(b->bus, NULL, BUS_SINK_PREFIX, BUS_SINK_IFACE, sink_vtable, sink_object_find, b);
        if (r < 0)
                return r;
        return sd_bus_add_node_enumerator(b->bus, NULL, BUS_SINK_PREFIX, sink_node_enumerator, b);
}

static void sink_bus_on_changed(void *object, unsigned change, void *userdata)
{
        struct sink *sink = object;
        struct bus *b = userdata;
        int r;

        if (change == SINK_CHANGED_REMOVED)
                r = sd_bus_emit_interfaces_removed(b->bus, sink->path, BUS_SINK_IFACE, NULL);
        else
                r = sd_bus_emit_properties_changed(b->bus, sink->path, BUS_SINK_IFACE, "Name", "DeviceType",
                                                   "Protocol", "SessionAvailable", "MaxThroughput", "ControlPort", "Signal",
                                                   NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to emit a signal for %s, ignoring: %m", sink->path);
}

void sink_bus_added(struct bus *b, struct sink *sink)
{
        int r;

        r = observers_add(&sink->observers, sink_bus_on_changed, b, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to follow %s, its D-Bus properties will not change: %m", sink->path);
        r = sd_bus_emit_interfaces_added(b->bus, sink->path, BUS_SINK_IFACE, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to emit InterfacesAdded for %s, ignoring: %m", sink->path);
}
