/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "../../dbus/bus_names.h"
#include "cast-agent.h"

/* The interface as dbus/org.miracastd.Agent1.xml describes it. */
static const char agent_xml[] =
        "<node><interface name='" BUS_AGENT_IFACE "'>"
        "<method name='DisplayPinCode'><arg type='o' name='sink' direction='in'/>"
        "<arg type='s' name='pin' direction='in'/></method>"
        "<method name='RequestPinCode'><arg type='o' name='sink' direction='in'/>"
        "<arg type='s' name='pin' direction='out'/></method>"
        "<method name='RequestInput'><arg type='o' name='session' direction='in'/>"
        "<arg type='s' name='display_name' direction='in'/><arg type='b' name='allow' direction='out'/></method>"
        "<method name='Cancel'/><method name='Release'/>"
        "</interface></node>";

struct cast_agent {
        GDBusConnection *bus;              /* ref */
        guint registration;
        const struct cast_agent_ops *ops;
        void *userdata;
        GDBusMethodInvocation *pending;    /* owned: the unanswered RequestPinCode or RequestInput */
        gboolean pending_input;            /* pending is a RequestInput */
};

static void agent_drop_pending(struct cast_agent *a)
{
        if (!a->pending)
                return;
        if (a->pending_input) {
                /* Moot or replaced: no is the safe answer. */
                g_dbus_method_invocation_return_value(g_steal_pointer(&a->pending), g_variant_new("(b)", FALSE));
                return;
        }
        g_dbus_method_invocation_return_dbus_error(g_steal_pointer(&a->pending), BUS_ERROR_REJECTED,
                                                   "The request is over");
}

static void agent_method_call(GDBusConnection *c, const char *sender, const char *path, const char *iface,
                              const char *method, GVariant *params, GDBusMethodInvocation *inv, gpointer userdata)
{
        struct cast_agent *a = userdata;
        const char *sink, *pin, *session, *name;

        if (g_strcmp0(method, "DisplayPinCode") == 0) {
                g_variant_get(params, "(&o&s)", &sink, &pin);
                a->ops->display_pin(a->userdata, sink, pin);
                g_dbus_method_invocation_return_value(inv, NULL);
        } else if (g_strcmp0(method, "RequestPinCode") == 0) {
                g_variant_get(params, "(&o)", &sink);
                /* One request at a time: a newer one replaces the old. */
                agent_drop_pending(a);
                a->pending = inv;
                a->pending_input = FALSE;
                a->ops->request_pin(a->userdata, sink);
        } else if (g_strcmp0(method, "RequestInput") == 0) {
                g_variant_get(params, "(&o&s)", &session, &name);
                agent_drop_pending(a);
                a->pending = inv;
                a->pending_input = TRUE;
                a->ops->request_input(a->userdata, session, name);
        } else if (g_strcmp0(method, "Cancel") == 0) {
                agent_drop_pending(a);
                a->ops->cancel(a->userdata);
                g_dbus_method_invocation_return_value(inv, NULL);
        } else {
                agent_drop_pending(a);
                a->ops->release(a->userdata);
                g_dbus_method_invocation_return_value(inv, NULL);
        }
}

static const GDBusInterfaceVTable agent_vtable = { .method_call = agent_method_call };

int cast_agent_new(GDBusConnection *bus, const struct cast_agent_ops *ops, void *userdata, struct cast_agent **ret)
{
        g_autoptr(GDBusNodeInfo) info = NULL;
        struct cast_agent *a;

        info = g_dbus_node_info_new_for_xml(agent_xml, NULL);
        if (!info)
                return -EINVAL;
        a = g_new0(struct cast_agent, 1);
        a->bus = g_object_ref(bus);
        a->ops = ops;
        a->userdata = userdata;
        a->registration = g_dbus_connection_register_object(bus, CAST_AGENT_PATH, info->interfaces[0], &agent_vtable,
                                                            a, NULL, NULL);
        if (a->registration == 0) {
                cast_agent_free(a);
                return -EEXIST;
        }
        *ret = a;
        return 0;
}

struct cast_agent *cast_agent_free(struct cast_agent *a)
{
        if (!a)
                return NULL;
        agent_drop_pending(a);
        if (a->registration)
                g_dbus_connection_unregister_object(a->bus, a->registration);
        g_object_unref(a->bus);
        g_free(a);
        return NULL;
}

gboolean cast_agent_reply_pin(struct cast_agent *a, const char *pin)
{
        if (!a->pending || a->pending_input)
                return FALSE;
        g_dbus_method_invocation_return_value(g_steal_pointer(&a->pending), g_variant_new("(s)", pin));
        return TRUE;
}

gboolean cast_agent_reject(struct cast_agent *a)
{
        if (!a->pending || a->pending_input)
                return FALSE;
        g_dbus_method_invocation_return_dbus_error(g_steal_pointer(&a->pending), BUS_ERROR_REJECTED,
                                                   "The user declined");
        return TRUE;
}

gboolean cast_agent_reply_input(struct cast_agent *a, gboolean allow)
{
        if (!a->pending || !a->pending_input)
                return FALSE;
        g_dbus_method_invocation_return_value(g_steal_pointer(&a->pending), g_variant_new("(b)", allow));
        return TRUE;
}
