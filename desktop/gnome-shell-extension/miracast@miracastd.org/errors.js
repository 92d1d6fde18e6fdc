// SPDX-License-Identifier: GPL-2.0-or-later
// Plain words for org.miracastd errors: what happened, and what to do next.
// The same table as the desktop app's (desktop/app/cast-errors.c).

export const NO_BACKEND = {
    what: "This computer's Wi-Fi cannot reach displays (no Wi-Fi Direct).",
    next: 'Use a Wi-Fi adapter that supports Wi-Fi Direct (P2P), or check that wpa_supplicant or NetworkManager is running.',
};

const BY_NAME = {
    'org.miracastd.Error.NotAuthorized': {
        what: 'You are not allowed to cast from this computer, or the PIN was declined.',
        next: "Cast from the computer's own screen while logged in, or ask an administrator.",
    },
    'org.miracastd.Error.SinkRejected': {
        what: 'The display refused the connection.',
        next: 'Accept the request on the display (some TVs ask once), then try again.',
    },
    'org.miracastd.Error.InsufficientResources': {
        what: 'The display accepts no picture format this connection can carry.',
        next: 'Move closer to the display, or choose a lower resolution on it, then try again.',
    },
    'org.miracastd.Error.Timeout': {
        what: 'The display did not answer in time.',
        next: 'Make sure it is on and showing its screen-mirroring page; if it connects but stays black, a firewall may block TCP port 7236.',
    },
    'org.miracastd.Error.NotFound': {
        what: 'The display is no longer in range.',
        next: 'Turn it on, open its screen-mirroring page and wait until it is listed again.',
    },
    'org.miracastd.Error.Busy': {
        what: 'miracastd is still busy with this display.',
        next: 'Wait a few seconds, then try again.',
    },
    'org.miracastd.Error.InvalidArguments': {
        what: 'miracastd did not accept the chosen settings.',
        next: 'Pick another screen, then try again.',
    },
    // From the user-session component (miracastd-user(1)).
    'org.miracastd.Error.Cancelled': {
        what: 'The screen choice was cancelled.',
        next: 'Choose the display again and pick what to share.',
    },
    'org.miracastd.Error.NotSupported': {
        what: 'This desktop cannot share the screen that way.',
        next: 'Choose Duplicate this screen, then try again.',
    },
    'org.freedesktop.DBus.Error.AccessDenied': {
        what: 'The system refused to pass the request to miracastd.',
        next: "Check that miracastd's D-Bus policy is installed.",
    },
};

const GENERIC = {
    what: 'Casting failed.',
    next: 'Try again; if it keeps failing, journalctl -u miracastd tells more.',
};

// name: the D-Bus error name (may be null); message: the daemon's text.
export function explain(name, message) {
    const m = (message ?? '').toLowerCase();
    if (m.includes('networkmanager')) {
        return {
            what: 'NetworkManager controls the Wi-Fi device and did not let miracastd use it.',
            next: 'Set p2p-backend to nm in miracastd.conf, or let NetworkManager release the device.',
        };
    }
    if (m.includes('firewall')) {
        return {
            what: 'The display never connected back: a firewall is probably blocking it.',
            next: 'Allow incoming TCP port 7236 (and DHCP) on the Wi-Fi Direct interface, then try again.',
        };
    }
    if (m.includes('no p2p backend') || m.includes('p2p backend unavailable') || m.includes('wi-fi direct backend'))
        return NO_BACKEND;
    return BY_NAME[name] ?? GENERIC;
}
