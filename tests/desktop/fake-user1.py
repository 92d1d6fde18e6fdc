#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# FAKE org.miracastd.User (the user-session component, miracastd-user(1)) for
# the GNOME Shell test: runs in the GNOME 48 chroot (python3-gi) on the
# shell's session bus, and does what the contract says without a portal or
# PipeWire (tests/desktop/fake-user1.h is its twin for the C tests):
#   Cast(o sink, a{sv} options) -> (o session): logs the options, then
#       Sink1.Cast(sink) on the system bus with the pass-through options
#       (method, pin, max-resolution, latency, input) and persistent=false; the daemon's
#       answer (path or error) goes back unchanged. video "monitor" fails with
#       org.miracastd.Error.NotSupported, as the real one does without a
#       ScreenCast portal (there is none in the chroot); "daemon" is forwarded.
#   Stop(o session): logs it, then Session1.Stop(session).
# Usage: fake-user1.py LOG
import sys

from gi.repository import Gio, GLib

XML = """<node><interface name="org.miracastd.User1">
<method name="Cast"><arg type="o" name="sink" direction="in"/><arg type="a{sv}" name="options" direction="in"/>
<arg type="o" name="session" direction="out"/></method>
<method name="Stop"><arg type="o" name="session" direction="in"/></method>
</interface></node>"""
PASS = {"method": "s", "pin": "s", "max-resolution": "s", "latency": "s", "input": "b"}

log = open(sys.argv[1], "a", buffering=1)
system = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
session = Gio.bus_get_sync(Gio.BusType.SESSION, None)


def forward(inv, path, iface, method, params, reply_type):
    def done(conn, res):
        try:
            inv.return_value(conn.call_finish(res))
        except GLib.Error as e:
            name = Gio.DBusError.get_remote_error(e) or "org.miracastd.Error.Failed"
            Gio.DBusError.strip_remote_error(e)
            inv.return_dbus_error(name, e.message)

    system.call("org.miracastd", path, iface, method, params, reply_type, Gio.DBusCallFlags.NONE, 150000, None,
                done)


def on_call(conn, sender, path, iface, method, params, inv):
    if method == "Cast":
        sink, opts = params.unpack()
        log.write("Cast %s %s\n" % (sink, " ".join("%s=%s" % (k, opts[k]) for k in sorted(opts))))
        if opts.get("video", "monitor") == "monitor":
            inv.return_dbus_error("org.miracastd.Error.NotSupported",
                                  'This desktop cannot share the screen as "monitor" (no ScreenCast portal)')
            return
        fwd = {k: GLib.Variant(PASS[k], v) for k, v in opts.items() if k in PASS}
        fwd["persistent"] = GLib.Variant("b", False)
        forward(inv, sink, "org.miracastd.Sink1", "Cast", GLib.Variant("(a{sv})", (fwd,)), GLib.VariantType("(o)"))
    else:
        (target,) = params.unpack()
        log.write("Stop %s\n" % target)
        forward(inv, target, "org.miracastd.Session1", "Stop", None, None)


node = Gio.DBusNodeInfo.new_for_xml(XML)
session.register_object("/org/miracastd/user", node.interfaces[0], on_call, None, None)
Gio.bus_own_name_on_connection(session, "org.miracastd.User", Gio.BusNameOwnerFlags.NONE, None, None)
log.write("owning org.miracastd.User\n")
GLib.MainLoop().run()
