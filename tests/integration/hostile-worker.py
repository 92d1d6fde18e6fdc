#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A stream worker gone bad, for tests/integration/privsep.sh: miracastd starts
# it (MIRACASTD_STREAM) with the control socket on fd 3. It takes CONFIG and
# the first SESSION_NEW, then reports nonsense about that session (a state
# out of range, a huge size, a codec name with control characters, a report
# about a session it does not run, an input event with no devices, input
# geometry with the cast area outside the device, HIDC without its bytes or
# with a path out of range, a HID report with no device) and
# finally a datagram that is not a message at all. miracastd must ignore each
# bad report with a warning, then give up on the worker, end the session with
# a reason, and keep running.
import socket
import struct
import sys
import time

REPLY, STATE, FORMAT, INPUT, INPUT_EVENT, HID_DEVICE, HID_REPORT = 64, 65, 66, 69, 71, 73, 74
F_ACTIVE, F_TARGET_WIDTH, F_TARGET_HEIGHT, F_TARGET_X, F_RANGE_WIDTH, F_RANGE_HEIGHT = 16, 19, 20, 64, 66, 67
F_HID_PATH, F_HID_TYPE, F_HID_DATA = 68, 69, 0x2000
F_STATE, F_WIDTH, F_HEIGHT, F_VIDEO_CODEC, F_INPUT_KIND, F_X, F_Y, F_BUTTON = 3, 4, 5, 0x1002, 34, 35, 36, 37


def msg(mtype, session, fields):
    b = struct.pack('<HHI', mtype, 0, session)
    for tag, v in fields:
        if isinstance(v, int):
            v = struct.pack('<q' if v < 0 else '<Q', v)
        elif isinstance(v, str):
            v = v.encode()
        # bytes go as they are (F_HID_DATA)
        b += struct.pack('<HH', tag, len(v)) + v
    return b


s = socket.socket(fileno=3)
session = None
while session is None:
    data, fds, _, _ = socket.recv_fds(s, 65536, 4)
    if not data:
        sys.exit(0)
    mtype, _, sid = struct.unpack_from('<HHI', data)
    for fd in fds:
        if mtype != 1:
            socket.close(fd)
    if mtype == 1:       # SESSION_NEW: keep the connection open, say nothing to the sink
        session = sid
        keep = fds

for m in [
        msg(STATE, session, [(F_STATE, 99)]),
        msg(FORMAT, session, [(F_WIDTH, 1 << 40), (F_HEIGHT, 720)]),
        msg(FORMAT, session, [(F_WIDTH, 1280), (F_HEIGHT, 720), (F_VIDEO_CODEC, 'H.264\x1b[31m red')]),
        msg(STATE, session + 1000, [(F_STATE, 2)]),
        msg(INPUT_EVENT, session, [(F_INPUT_KIND, 1), (F_X, 5), (F_Y, 5), (F_BUTTON, 1)]),
        msg(INPUT, session, [(F_ACTIVE, 1), (F_TARGET_WIDTH, 1000), (F_TARGET_HEIGHT, 100), (F_TARGET_X, 500),
                             (F_RANGE_WIDTH, 1000), (F_RANGE_HEIGHT, 100)]),
        msg(HID_DEVICE, session, [(F_HID_PATH, 1), (F_HID_TYPE, 0)]),
        msg(HID_DEVICE, session, [(F_HID_PATH, 300), (F_HID_TYPE, 0), (F_HID_DATA, b'\x05\x01\x09\x06')]),
        msg(HID_REPORT, session, [(F_HID_PATH, 1), (F_HID_TYPE, 0), (F_HID_DATA, b'\x05\x00\x3a\x00\x00\x00\x00\x00')]),
        msg(STATE, session, [(F_STATE, 2)]),     # a good one: "playing"
]:
    s.send(m)
    time.sleep(0.1)
time.sleep(0.5)
s.send(b'\x41\x00\x07\x00garbage')               # flags not 0: not a message
# main gives up on us and closes the channel
s.settimeout(10)
try:
    while s.recv(65536):
        pass
except OSError:
    pass
