#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# FAKE wpa_supplicant P2P control socket for the GNOME Shell test (P2P needs
# a radio): the transport of the real one (datagram socket, ATTACH, PING),
# every command logged, and a fixed script of reactions, the same events
# tests/lib/fake-wpas.h replays for the C tests:
#   P2P_FIND                         -> two displays found
#   P2P_CONNECT <office> pbc         -> the display asks for its PIN
#   P2P_CONNECT <office> <pin> keypad -> group started; the test sink is launched
#   P2P_CONNECT <tv> pbc             -> group started; the test sink is launched
#   P2P_GROUP_REMOVE <if>            -> group removed
# Usage: fake-wpas.py SOCKET LOG GROUP_IF SINK_COMMAND...
import os
import socket
import subprocess
import sys

TV, OFFICE = "42:00:00:00:0e:01", "42:00:00:00:0e:02"
path, log_path, group_if, sink_cmd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]


def found(addr, name):
    return (f"<3>P2P-DEVICE-FOUND {addr} p2p_dev_addr={addr} pri_dev_type=7-0050F204-1 name='{name}' "
            "config_methods=0x188 dev_capab=0x25 group_capab=0x0 wfd_dev_info=0x00111c440032 new=1")


REACTIONS = [
    ("P2P_FIND", [found(TV, "Living Room TV"), found(OFFICE, "Office Display")]),
    (f"P2P_CONNECT {OFFICE} pbc", [f"<3>P2P-PROV-DISC-ENTER-PIN {OFFICE} p2p_dev_addr={OFFICE}"]),
    (f"P2P_CONNECT {OFFICE} 12345670 keypad",
     [f'<3>P2P-GROUP-STARTED {group_if} client ssid="DIRECT-gs" freq=2437 psk=00 go_dev_addr={OFFICE} '
      "ip_addr=192.168.49.200 ip_mask=255.255.255.0 go_ip_addr=192.168.49.1", "SINK"]),
    (f"P2P_CONNECT {TV} pbc",
     [f'<3>P2P-GROUP-STARTED {group_if} client ssid="DIRECT-gs" freq=2437 psk=00 go_dev_addr={TV} '
      "ip_addr=192.168.49.200 ip_mask=255.255.255.0 go_ip_addr=192.168.49.1", "SINK"]),
    (f"P2P_GROUP_REMOVE {group_if}", [f"<3>P2P-GROUP-REMOVED {group_if} client reason=REQUESTED"]),
]

if os.path.exists(path):
    os.unlink(path)
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
monitors = []
log = open(log_path, "a", buffering=1)
while True:
    data, addr = sock.recvfrom(4096)
    cmd = data.decode(errors="replace")
    reply = "OK\n"
    if cmd == "ATTACH":
        monitors.append(addr)
    elif cmd == "DETACH":
        monitors = [m for m in monitors if m != addr]
    elif cmd == "PING":
        reply = "PONG\n"
    else:
        log.write(cmd + "\n")
    try:
        sock.sendto(reply.encode(), addr)
    except OSError:
        pass  # the daemon went away (the test stops and restarts it)
    for prefix, events in REACTIONS:
        if cmd.startswith(prefix):
            for ev in events:
                if ev == "SINK":
                    subprocess.Popen(sink_cmd, stdout=log, stderr=log)
                    continue
                for m in monitors:
                    try:
                        sock.sendto(ev.encode(), m)
                    except OSError:
                        pass
