# SPDX-License-Identifier: GPL-2.0-or-later
#
# Hostile Wi-Fi Display sinks for tests/integration/hostile-sinks.sh.
# Usage: hostile-sinks.py PORT CASE
# Connects to a running miracastd on 127.0.0.1:PORT, plays one hostile sink and
# prints one line "reaction: ..." saying what the daemon did. Exits 0 when the
# reaction is the bounded one the case expects (an RTSP error status where one is
# due, or the connection closed, within the case's deadline), 1 otherwise.
import os
import random
import re
import socket
import struct
import sys
import threading
import time

HOST = "127.0.0.1"


class Conn:
    """One RTSP connection with a receive buffer and a message splitter."""

    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.buf = b""
        self.closed = False

    def send(self, data):
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def fill(self, deadline):
        """Read more bytes; False once the peer closed or the deadline passed."""
        left = deadline - time.monotonic()
        if left <= 0 or self.closed:
            return False
        self.sock.settimeout(left)
        try:
            d = self.sock.recv(65536)
        except socket.timeout:
            return False
        except OSError:
            self.closed = True
            return False
        if not d:
            self.closed = True
            return False
        self.buf += d
        return True

    def next_message(self, timeout):
        """Next complete message as (start line, headers dict, body), or None."""
        deadline = time.monotonic() + timeout
        while True:
            self.buf = self.buf.lstrip(b"\r\n")
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                head = self.buf[:end].decode("latin-1").split("\r\n")
                hdrs = {}
                for line in head[1:]:
                    k, _, v = line.partition(":")
                    hdrs[k.strip().lower()] = v.strip()
                n = int(hdrs.get("content-length", "0"))
                if len(self.buf) >= end + 4 + n:
                    body = self.buf[end + 4:end + 4 + n]
                    self.buf = self.buf[end + 4 + n:]
                    return head[0], hdrs, body
            if not self.fill(deadline):
                return None

    def wait_closed(self, timeout):
        """True when the daemon closes the connection within timeout (data is drained)."""
        deadline = time.monotonic() + timeout
        while not self.closed:
            if not self.fill(deadline) and not self.closed:
                return False
        return True

    def close(self):
        self.sock.close()


def reply(cseq, extra="", body=""):
    b = body.encode()
    s = "RTSP/1.0 200 OK\r\nCSeq: %s\r\n%s" % (cseq, extra)
    if b:
        s += "Content-Type: text/parameters\r\nContent-Length: %d\r\n" % len(b)
    return s.encode() + b"\r\n" + b


def request(method, cseq, uri="rtsp://localhost/wfd1.0", extra=""):
    return ("%s %s RTSP/1.0\r\nCSeq: %d\r\n%s\r\n" % (method, uri, cseq, extra)).encode()


def status_of(msg):
    if not msg or not msg[0].startswith("RTSP/1.0 "):
        return None
    return int(msg[0].split()[1])


M3_BODY = ("wfd_video_formats: 00 00 01 01 00000001 00000000 00000000 00 0000 0000 00 none none\r\n"
           "wfd_audio_codecs: LPCM 00000002 00\r\n"
           "wfd_client_rtp_ports: RTP/AVP/UDP;unicast %d 0 mode=play\r\n")


def answer_m1(c):
    m1 = c.next_message(5)
    if not m1 or not m1[0].startswith("OPTIONS"):
        raise SystemExit("reaction: no M1 (%r)" % (m1,))
    c.send(reply(m1[1]["cseq"], "Public: org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER\r\n"))


def negotiate(c, rtp_port, m3_body=None):
    """Answer M1 and M3 (and send M2); returns the M4 request or whatever came instead."""
    answer_m1(c)
    c.send(request("OPTIONS", 1, "*", "Require: org.wfa.wfd1.0\r\n"))
    m4 = None
    for _ in range(4):
        m = c.next_message(8)
        if not m:
            return None
        if m[0].startswith("RTSP/1.0"):
            continue                        # the M2 reply
        if m[0].startswith("GET_PARAMETER"):
            c.send(reply(m[1]["cseq"], body=m3_body if m3_body is not None else M3_BODY % rtp_port))
            continue
        m4 = m
        break
    return m4


def setup_play(c, rtp_port):
    """From M4 on: answer M4 and the SETUP trigger, send SETUP and PLAY. True when playing."""
    m4 = negotiate(c, rtp_port)
    if not m4 or not m4[0].startswith("SET_PARAMETER"):
        return False
    c.send(reply(m4[1]["cseq"]))
    m5 = c.next_message(5)
    if not m5 or b"SETUP" not in m5[2]:
        return False
    c.send(reply(m5[1]["cseq"]))
    uri = "rtsp://%s/wfd1.0/streamid=0" % HOST
    c.send(request("SETUP", 2, uri, "Transport: RTP/AVP/UDP;unicast;client_port=%d\r\n" % rtp_port))
    r = c.next_message(5)
    if status_of(r) != 200:
        return False
    session = r[1]["session"].split(";")[0]
    c.send(request("PLAY", 3, uri, "Session: %s\r\n" % session))
    r = c.next_message(5)
    c.session = session
    return status_of(r) == 200


def expect_error_or_close(c, timeout, want=None):
    """Read until an RTSP error reply (>= 400) or close. Returns a reaction string or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = c.next_message(deadline - time.monotonic())
        if m is None:
            if c.closed:
                return "connection closed"
            return None
        st = status_of(m)
        if st is not None and st >= 400 and (want is None or st in want):
            return "RTSP %d" % st
    return None


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    return s, port


# ---- the cases ---------------------------------------------------------------

def case_header_1mib(port):
    c = Conn(port)
    answer_m1(c)
    data = b"OPTIONS * RTSP/1.0\r\nCSeq: 2\r\nX-Junk: " + b"a" * (1 << 20) + b"\r\n\r\n"
    threading.Thread(target=c.send, args=(data,), daemon=True).start()
    return expect_error_or_close(c, 10)


def cl_lie(value, then_close=False):
    def run(port):
        c = Conn(port)
        m1 = c.next_message(5)
        if not m1:
            return None
        c.send(("RTSP/1.0 200 OK\r\nCSeq: %s\r\nContent-Length: %s\r\n\r\nabc" % (m1[1]["cseq"], value)).encode())
        if then_close:
            c.sock.shutdown(socket.SHUT_WR)
            return "connection closed" if c.wait_closed(10) else None
        return expect_error_or_close(c, 10)
    return run


def case_binary_junk(port):
    c = Conn(port)
    c.next_message(5)
    rnd = random.Random(6)
    junk = bytes(rnd.randrange(256) for _ in range(16384))
    c.send(junk)
    return expect_error_or_close(c, 10)


def case_junk_line(port):
    # One short line of junk (the start of a TLS ClientHello, then CRLF) and nothing more:
    # the start line alone is bad, so the answer is a 400 (not a close by the 5 s response
    # timeout, which sends no status).
    c = Conn(port)
    c.next_message(5)
    c.send(b"\x16\x03\x01\x02\x05\x01\x05\x01\xfc\x03\x03 junk\r\n")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        m = c.next_message(deadline - time.monotonic())
        if m is None:
            return None
        if status_of(m) == 400:
            return "RTSP 400" + (", closed" if c.wait_closed(5) else "")
    return None


def case_unknown_method(port):
    c = Conn(port)
    answer_m1(c)
    c.send(request("BREW", 7, "*"))
    return expect_error_or_close(c, 10, want={405, 501})


def case_pipelined_1000(port):
    c = Conn(port)
    answer_m1(c)
    data = b"".join(request("OPTIONS", 100 + i, "*", "Require: org.wfa.wfd1.0\r\n") for i in range(1000))
    threading.Thread(target=c.send, args=(data,), daemon=True).start()
    seen = 0
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        m = c.next_message(deadline - time.monotonic())
        if m is None:
            break
        if m[0].startswith("RTSP/1.0") and int(m[1].get("cseq", "0")) >= 100:
            seen += 1
            if seen == 1000:
                return "1000 replies"
    if c.closed:
        return "connection closed after %d replies" % seen
    return None


def case_slowloris(port):
    c = Conn(port)
    m1 = c.next_message(5)
    if not m1:
        return None
    start = time.monotonic()
    data = ("RTSP/1.0 200 OK\r\nCSeq: %s\r\nX-Slow: " % m1[1]["cseq"]).encode() + b"z" * 1000
    c.sock.setblocking(False)
    for b in data:
        try:
            c.sock.send(bytes([b]))
        except BlockingIOError:
            pass
        except OSError:
            break
        time.sleep(0.1)
        try:
            if c.sock.recv(65536) == b"":
                break
        except BlockingIOError:
            pass
        except OSError:
            break
        if time.monotonic() - start > 15:
            return None
    return "connection closed after %.0f s" % (time.monotonic() - start)


def case_play_before_setup(port):
    c = Conn(port)
    answer_m1(c)
    c.send(request("PLAY", 2, "rtsp://%s/wfd1.0/streamid=0" % HOST, "Session: 12345678\r\n"))
    return expect_error_or_close(c, 10)


def case_setup_before_m4(port):
    c = Conn(port)
    answer_m1(c)
    c.send(request("SETUP", 2, "rtsp://%s/wfd1.0/streamid=0" % HOST,
                   "Transport: RTP/AVP/UDP;unicast;client_port=5000\r\n"))
    return expect_error_or_close(c, 10)


def m3_case(body):
    """The sink answers M3 with body. Bounded reactions: the session ends (close), or the
    source falls back to 640x480p60, which every WFD sink must support (WFD 1.0
    table 5-10) and which it logs; an M4 with any other mode is a failure."""
    def run(port):
        c = Conn(port)
        m = negotiate(c, 0, body)
        if m is not None and m[0].startswith("SET_PARAMETER") and b"wfd_video_formats" in m[2]:
            vf = re.search(rb"wfd_video_formats: *([^\r\n]*)", m[2]).group(1).split()
            if len(vf) > 4 and vf[4] == b"00000001" and vf[5] == b"00000000" and vf[6] == b"00000000":
                c.send(reply(m[1]["cseq"]))
                return "M4 with the mandatory 640x480p60 (fallback, logged)"
            print("reaction: M4 picked %r" % vf)
            return None
        return "no M4, " + ("connection closed" if c.wait_closed(10) else "still open")
    return run


# Nothing usable: no CEA/VESA/HH bit, no profile, no audio codec.
M3_NO_COMMON_MODE = ("wfd_video_formats: 00 00 00 00 00000000 00000000 00000000 00 0000 0000 00 none none\r\n"
                     "wfd_audio_codecs: none\r\n"
                     "wfd_client_rtp_ports: RTP/AVP/UDP;unicast 5000 0 mode=play\r\n")


def case_never_setup(port):
    c = Conn(port)
    m4 = negotiate(c, 5000)
    if not m4:
        return None
    c.send(reply(m4[1]["cseq"]))
    m5 = c.next_message(5)
    if not m5:
        return None
    c.send(reply(m5[1]["cseq"]))
    start = time.monotonic()
    # Keep answering whatever comes (a TEARDOWN trigger) but never send SETUP.
    deadline = start + 20
    while time.monotonic() < deadline:
        m = c.next_message(deadline - time.monotonic())
        if m is None:
            break
        if not m[0].startswith("RTSP/1.0"):
            c.send(reply(m[1].get("cseq", "0")))
    if c.closed:
        return "connection closed after %.0f s" % (time.monotonic() - start)
    return None


def case_vanish_rst(port):
    c = Conn(port)
    u, rtp = free_udp_port()
    if not setup_play(c, rtp):
        return None
    time.sleep(0.5)
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    u.close()
    return "RST sent while playing"


def case_vanish_silent(port):
    # Plays, then never reads or answers again (no M16 replies): the daemon must
    # end the session by itself (first M16 after 20 s + 5 s response timeout).
    c = Conn(port)
    u, rtp = free_udp_port()
    if not setup_play(c, rtp):
        return None
    start = time.monotonic()
    # We do read (so a close is visible) but never answer.
    c.buf = b""
    while time.monotonic() - start < 40:
        if not c.fill(start + 40):
            break
    u.close()
    if c.closed:
        return "connection closed after %.0f s of silence" % (time.monotonic() - start)
    return None


def case_rtp_unreachable(port):
    c = Conn(port)
    _, rtp = free_udp_port()
    _.close()                               # nothing listens: ICMP port unreachable
    if not setup_play(c, rtp):
        return None
    time.sleep(2)
    uri = "rtsp://%s/wfd1.0/streamid=0" % HOST
    c.send(request("TEARDOWN", 4, uri, "Session: %s\r\n" % c.session))
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        m = c.next_message(deadline - time.monotonic())
        if m is None:
            return "connection closed" if c.closed else None
        if m[0].startswith("RTSP/1.0") and m[1].get("cseq") == "4":
            return "TEARDOWN answered %d" % status_of(m)
        if not m[0].startswith("RTSP/1.0"):
            c.send(reply(m[1].get("cseq", "0")))
    return None


def case_many_connections(port):
    # 50 connections at once that never answer M1. The daemon holds at most max-sessions
    # sessions (HOSTILE_MAX_SESSIONS, counting the ones other cases still hold) and starts
    # them one at a time: every other connection must be closed at once.
    conns = []
    refused = 0
    # Look before the first session's 5 s M1 response timeout frees a place.
    deadline = time.monotonic() + 4.5
    for _ in range(50):
        try:
            conns.append(Conn(port))
        except OSError:
            refused += 1
    limit = int(os.environ.get("HOSTILE_MAX_SESSIONS", "4"))
    # Wait until all but `limit` are closed (the daemon accepts them one per wakeup, so
    # under load this takes a moment), then look at what the others got.
    while time.monotonic() < deadline and sum(c.closed for c in conns) < len(conns) - limit:
        for c in conns:
            if not c.closed:
                c.fill(time.monotonic() + 0.01)
    got_m1 = closed = pending = 0
    served = False
    for c in conns:
        m = c.next_message(0.01)
        if m and m[0].startswith("OPTIONS"):
            served = True
        if c.closed:
            closed += 1
        elif m:
            got_m1 += 1
        else:
            pending += 1
    for c in conns:
        c.close()
    r = "%d open with M1, %d open and queued, %d closed, %d refused" % (got_m1, pending, closed, refused)
    # One more may still wait in the kernel's accept backlog when we look on a loaded
    # machine; without a cap about 16 stay open (MANAGER_MAX_QUEUED).
    if not served or got_m1 + pending > limit + 1:
        print("reaction: " + r)
        return None
    return r


CASES = {
    "header-1mib": case_header_1mib,
    "content-length-short-then-close": cl_lie("100", then_close=True),
    "content-length-negative": cl_lie("-5"),
    "content-length-non-numeric": cl_lie("abc"),
    "content-length-huge": cl_lie("99999999999999999999"),
    "binary-junk": case_binary_junk,
    "junk-line": case_junk_line,
    "unknown-method": case_unknown_method,
    "pipelined-1000": case_pipelined_1000,
    "slowloris": case_slowloris,
    "play-before-setup": case_play_before_setup,
    "setup-before-m4": case_setup_before_m4,
    "m3-garbage": m3_case("\x01\x02 garbage ]]] wfd_video_formats: zz\r\n\xff\xfe: :\r\n"),
    "m3-no-common-mode": m3_case(M3_NO_COMMON_MODE),
    "never-setup": case_never_setup,
    "vanish-rst": case_vanish_rst,
    "vanish-silent": case_vanish_silent,
    "rtp-unreachable": case_rtp_unreachable,
    "many-connections": case_many_connections,
}


def main():
    port = int(sys.argv[1])
    name = sys.argv[2]
    try:
        r = CASES[name](port)
    except SystemExit as e:
        print(e)
        return 1
    except Exception as e:  # a hostile sink that itself broke is a failed case
        print("reaction: exception %r" % e)
        return 1
    print("reaction: %s" % (r or "none within the deadline"))
    return 0 if r else 1


if __name__ == "__main__":
    sys.exit(main())
