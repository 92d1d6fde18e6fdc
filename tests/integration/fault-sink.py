# SPDX-License-Identifier: GPL-2.0-or-later
#
# A scripted Wi-Fi Display sink for tests/integration/fault-injection.sh.
# Usage: fault-sink.py PORT STATE READY_FILE
# Connects to miracastd on 127.0.0.1:PORT, brings the session to STATE and
# creates READY_FILE; the test then hurts the daemon (a signal). The sink then
# behaves as a real one: it answers keep-alives, answers an M5 TEARDOWN trigger
# with 200 and sends M8 TEARDOWN, and waits for the daemon to close. It prints
# one line "reaction: ..." and exits 0 when the reaction is the one due in
# STATE, 1 otherwise:
#   before-m1    M1 received, never answered    -> closed, no TEARDOWN trigger
#                                                  (no RTSP session exists yet)
#   negotiating  M1 answered, M2 sent, M3 never -> closed, no TEARDOWN trigger
#                answered
#   playing      SETUP + PLAY done, RTP flowing -> M5 TEARDOWN trigger, our M8
#                                                  answered 200, closed
#   paused       playing, then PAUSE (M9)       -> the same as playing
#   playing-deaf playing, the trigger is never  -> M5 TEARDOWN trigger, closed
#                answered                          after the daemon's grace time
import importlib.util
import os
import socket
import sys
import threading
import time

_spec = importlib.util.spec_from_file_location(
    "hostile_sinks", os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile-sinks.py"))
hs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hs)

URI = "rtsp://%s/wfd1.0/streamid=0" % hs.HOST


def drain_udp(sock):
    """Read RTP until the socket is closed; counts datagrams."""
    sock.settimeout(0.5)
    while True:
        try:
            sock.recv(2048)
            drain_udp.count += 1
        except socket.timeout:
            continue
        except OSError:
            return


drain_udp.count = 0


def reach(c, state):
    """Bring the session to state; returns the UDP socket (or None) or raises SystemExit."""
    if state == "before-m1":
        m1 = c.next_message(5)
        if not m1 or not m1[0].startswith("OPTIONS"):
            raise SystemExit("reaction: no M1 (%r)" % (m1,))
        return None
    if state == "negotiating":
        hs.answer_m1(c)
        c.send(hs.request("OPTIONS", 1, "*", "Require: org.wfa.wfd1.0\r\n"))
        for _ in range(3):
            m = c.next_message(5)
            if m and m[0].startswith("GET_PARAMETER"):
                return None            # M3: left unanswered
        raise SystemExit("reaction: no M3")
    u, rtp = hs.free_udp_port()
    if not hs.setup_play(c, rtp):
        raise SystemExit("reaction: could not reach PLAY")
    threading.Thread(target=drain_udp, args=(u,), daemon=True).start()
    deadline = time.monotonic() + 10
    while drain_udp.count == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if drain_udp.count == 0:
        raise SystemExit("reaction: no RTP while playing")
    if state == "paused":
        c.send(hs.request("PAUSE", 4, URI, "Session: %s\r\n" % c.session))
        while True:
            m = c.next_message(5)
            if m is None:
                raise SystemExit("reaction: PAUSE not answered")
            if m[0].startswith("RTSP/1.0") and m[1].get("cseq") == "4":
                if hs.status_of(m) != 200:
                    raise SystemExit("reaction: PAUSE answered %s" % hs.status_of(m))
                break
            if not m[0].startswith("RTSP/1.0"):
                c.send(hs.reply(m[1].get("cseq", "0")))
    return u


def react(c, state):
    """After READY: what does the daemon do? Returns (ok, reaction text)."""
    trigger = False
    m8_status = None
    start = time.monotonic()
    deadline = start + 15
    while time.monotonic() < deadline:
        m = c.next_message(deadline - time.monotonic())
        if m is None:
            break
        line, hdrs, body = m
        if line.startswith("SET_PARAMETER") and b"wfd_trigger_method: TEARDOWN" in body:
            trigger = True
            if state == "playing-deaf":
                continue
            c.send(hs.reply(hdrs.get("cseq", "0")))
            c.send(hs.request("TEARDOWN", 5, URI, "Session: %s\r\n" % getattr(c, "session", "0")))
        elif line.startswith("RTSP/1.0") and hdrs.get("cseq") == "5":
            m8_status = hs.status_of(m)
        elif not line.startswith("RTSP/1.0") and state != "playing-deaf":
            c.send(hs.reply(hdrs.get("cseq", "0")))
    closed = c.closed
    secs = time.monotonic() - start
    text = "%s%s%s" % ("M5 TEARDOWN trigger, " if trigger else "no TEARDOWN trigger, ",
                       "our M8 answered %s, " % m8_status if m8_status is not None else "",
                       "closed after %.1f s" % secs if closed else "still open")
    if state in ("before-m1", "negotiating"):
        ok = closed and not trigger
    elif state == "playing-deaf":
        ok = closed and trigger
    else:
        ok = closed and trigger and m8_status == 200
    return ok, text


def main():
    port, state, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    try:
        c = hs.Conn(port)
        u = reach(c, state)
        with open(ready, "w") as f:
            f.write(state + "\n")
        ok, text = react(c, state)
        if u:
            u.close()
    except SystemExit as e:
        print(e)
        return 1
    except Exception as e:  # the sink itself broke: a failed case
        print("reaction: exception %r" % e)
        return 1
    print("reaction: " + text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
