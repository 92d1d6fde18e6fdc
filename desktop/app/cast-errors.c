/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "../../dbus/bus_names.h"
#include "cast-errors.h"

static int has(const char *s, const char *what)
{
        return s && strcasestr(s, what);
}

struct cast_error_text cast_error_no_backend(void)
{
        return (struct cast_error_text) {
                "This computer's Wi-Fi cannot reach displays (no Wi-Fi Direct).",
                "Use a Wi-Fi adapter that supports Wi-Fi Direct (P2P), or check that wpa_supplicant or "
                "NetworkManager is running.",
        };
}

struct cast_error_text cast_error_explain(const char *name, const char *message)
{
        /* The daemon's Failed/Timeout texts name the layer that gave up; look there first. */
        if (has(message, "NetworkManager"))
                return (struct cast_error_text) {
                        "NetworkManager controls the Wi-Fi device and did not let miracastd use it.",
                        "Set p2p-backend to nm in miracastd.conf, or let NetworkManager release the device "
                        "(nmcli device set <dev> managed no).",
                };
        if (has(message, "firewall"))
                return (struct cast_error_text) {
                        "The display never connected back: a firewall is probably blocking it.",
                        "Allow incoming TCP port 7236 (and DHCP) on the Wi-Fi Direct interface, then try again.",
                };
        if (has(message, "no P2P backend") || has(message, "P2P backend unavailable") ||
            has(message, "Wi-Fi Direct backend"))
                return cast_error_no_backend();

        if (!name)
                name = "";
        if (strcmp(name, BUS_ERROR_NOT_AUTHORIZED) == 0)
                return (struct cast_error_text) {
                        "You are not allowed to cast from this computer, or the PIN was declined.",
                        "Cast from the computer's own screen while logged in, or ask an administrator.",
                };
        if (strcmp(name, BUS_ERROR_SINK_REJECTED) == 0)
                return (struct cast_error_text) {
                        "The display refused the connection.",
                        "Accept the request on the display (some TVs ask once), then try again.",
                };
        if (strcmp(name, BUS_ERROR_INSUFFICIENT_RESOURCES) == 0)
                return (struct cast_error_text) {
                        "The display accepts no picture format this connection can carry.",
                        "Move closer to the display, or choose a lower resolution on it, then try again.",
                };
        if (strcmp(name, BUS_ERROR_TIMEOUT) == 0)
                return (struct cast_error_text) {
                        "The display did not answer in time.",
                        "Make sure it is on and showing its screen-mirroring page; if it connects but stays "
                        "black, a firewall may block TCP port 7236.",
                };
        if (strcmp(name, BUS_ERROR_NOT_FOUND) == 0)
                return (struct cast_error_text) {
                        "The display is no longer in range.",
                        "Turn it on, open its screen-mirroring page and wait until it is listed again.",
                };
        if (strcmp(name, BUS_ERROR_BUSY) == 0)
                return (struct cast_error_text) {
                        "miracastd is still busy with this display.",
                        "Wait a few seconds, then try again.",
                };
        /* From the user-session component (miracastd-user(1)). */
        if (strcmp(name, "org.miracastd.Error.Cancelled") == 0)
                return (struct cast_error_text) {
                        "The screen choice was cancelled.",
                        "Click the display again and pick what to share.",
                };
        if (strcmp(name, "org.miracastd.Error.NotSupported") == 0)
                return (struct cast_error_text) {
                        "This desktop cannot share the screen that way.",
                        "Choose Duplicate, or use a desktop with a screen-cast portal (GNOME, KDE Plasma, wlroots "
                        "with xdg-desktop-portal-wlr).",
                };
        if (strcmp(name, BUS_ERROR_INVALID_ARGUMENTS) == 0)
                return (struct cast_error_text) {
                        "miracastd did not accept the chosen settings.",
                        "Pick another screen or resolution, then try again.",
                };
        if (strcmp(name, "org.freedesktop.DBus.Error.ServiceUnknown") == 0 ||
            strcmp(name, "org.freedesktop.DBus.Error.NameHasNoOwner") == 0)
                return (struct cast_error_text) {
                        "miracastd is not running.",
                        "Start it with: systemctl start miracastd",
                };
        if (strcmp(name, "org.freedesktop.DBus.Error.AccessDenied") == 0)
                return (struct cast_error_text) {
                        "The system refused to pass the request to miracastd.",
                        "Check that miracastd's D-Bus policy is installed (make install).",
                };
        return (struct cast_error_text) {
                "Casting failed.",
                "Try again; if it keeps failing, the details below and journalctl -u miracastd tell more.",
        };
}
