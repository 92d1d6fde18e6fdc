# SPDX-License-Identifier: GPL-2.0-or-later
#
# Soak driver for tools/soak.sh: N back-to-back sessions against one running
# miracastd on 127.0.0.1:PORT (process PID), each: connect, negotiate (M1-M7),
# receive RTP for STREAM seconds, then end it one of three ways picked by a
# seeded random generator: TEARDOWN (M8, answered 200), vanish with RST
# (SO_LINGER 0), or vanish with a plain close (FIN, no TEARDOWN). Every
# SAMPLE_EVERY sessions the C test sink plays one session and must decode
# frames (the daemon still works end to end), then the daemon's open fd count
# and RSS are read from /proc and printed.
#
# Usage: soak.py PORT PID SESSIONS SEED SAMPLE_EVERY STREAM_SECONDS TEST_SINK
#        soak.py continuous PORT PID MINUTES SAMPLE_SECONDS
#   (one 1080p30 session for MINUTES: RSS and fd count sampled, and the RTP
#   timestamps and PCR checked against the wall clock for drift)
# Prints "SAMPLE ..." lines, then "CHECK ok|FAIL text" lines (tools/soak.sh
# turns them into test results) and "SOAK ..." summary lines.
import importlib.util
import os
import random
import re
import socket
import struct
import subprocess
import sys
import time

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "hostile_sinks", os.path.join(_here, "..", "tests", "integration", "hostile-sinks.py"))
hs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hs)

# Bounds, stated once: after the warm-up sample (the first one), the fd count
# may not rise at all beyond FD_SLACK (fds the daemon holds only briefly, e.g.
# a connection being accepted), and RSS may grow by at most RSS_SLACK_KIB.
FD_SLACK = 2
RSS_SLACK_KIB = 32 * 1024
# Continuous mode: RTP timestamps and PCR are the sender's clock at send time, so measured
# against our receive clock they may only differ by the (loopback) transit and queueing delay.
DRIFT_BOUND_S = 0.1


def proc_sample(pid):
    fds = len(os.listdir("/proc/%d/fd" % pid))
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return fds, rss


def one_session(port, how, stream_seconds):
    """One session ended by `how`; returns (ok, detail)."""
    u, rtp = hs.free_udp_port()
    c = hs.Conn(port)
    try:
        if not hs.setup_play(c, rtp):
            return False, "did not reach PLAY"
        u.settimeout(0.2)
        got = 0
        start = time.monotonic()
        deadline = start + 10
        while time.monotonic() < deadline:
            try:
                u.recv(2048)
                got += 1
            except socket.timeout:
                pass
            if got and time.monotonic() - start >= stream_seconds:
                break
        if not got:
            return False, "no RTP"
        if how == "teardown":
            uri = "rtsp://%s/wfd1.0/streamid=0" % hs.HOST
            c.send(hs.request("TEARDOWN", 9, uri, "Session: %s\r\n" % c.session))
            dl = time.monotonic() + 8
            while time.monotonic() < dl:
                m = c.next_message(dl - time.monotonic())
                if m is None:
                    return False, "TEARDOWN not answered"
                if m[0].startswith("RTSP/1.0") and m[1].get("cseq") == "9":
                    if hs.status_of(m) != 200:
                        return False, "TEARDOWN answered %s" % hs.status_of(m)
                    break
                if not m[0].startswith("RTSP/1.0"):
                    c.send(hs.reply(m[1].get("cseq", "0")))
            if not c.wait_closed(8):
                return False, "not closed after TEARDOWN"
        elif how == "rst":
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return True, "%d RTP packets" % got
    finally:
        c.close()
        u.close()


# A sink that can take 1080p30: CEA 1920x1080p30 (bit 7) and everything below, CBP level 4.1.
M3_1080P30 = ("wfd_video_formats: 00 00 01 08 000000ff 00000000 00000000 00 0000 0000 00 none none\r\n"
              "wfd_audio_codecs: LPCM 00000002 00\r\n"
              "wfd_client_rtp_ports: RTP/AVP/UDP;unicast %d 0 mode=play\r\n")


def play_1080p30(c, rtp_port):
    """Negotiate with the 1080p30 M3 reply, answer M4 and the SETUP trigger, SETUP, PLAY."""
    m4 = hs.negotiate(c, rtp_port, M3_1080P30 % rtp_port)
    if not m4 or not m4[0].startswith("SET_PARAMETER"):
        return None
    mode = re.search(rb"wfd_video_formats: *([^\r\n]*)", m4[2])
    c.send(hs.reply(m4[1]["cseq"]))
    m5 = c.next_message(5)
    if not m5 or b"SETUP" not in m5[2]:
        return None
    c.send(hs.reply(m5[1]["cseq"]))
    uri = "rtsp://%s/wfd1.0/streamid=0" % hs.HOST
    c.send(hs.request("SETUP", 2, uri, "Transport: RTP/AVP/UDP;unicast;client_port=%d\r\n" % rtp_port))
    r = c.next_message(5)
    if hs.status_of(r) != 200:
        return None
    c.session = r[1]["session"].split(";")[0]
    c.send(hs.request("PLAY", 3, uri, "Session: %s\r\n" % c.session))
    r = c.next_message(5)
    if hs.status_of(r) != 200:
        return None
    return mode.group(1).decode() if mode else "?"


def parse_rtp(d, state):
    """RTP timestamp and the first PCR (PID 0x1000) of one RTP/MP2T datagram into state."""
    if len(d) < 12 + 188:
        return
    seq = struct.unpack(">H", d[2:4])[0]
    ts = struct.unpack(">I", d[4:8])[0]
    if state.get("seq") is not None and seq != (state["seq"] + 1) & 0xffff:
        state["gaps"] += 1
    state["seq"] = seq
    # unwrap the 32-bit 90 kHz timestamp
    if state.get("ts_last") is not None:
        state["ts_ext"] += (ts - state["ts_last"]) & 0xffffffff
        if (ts - state["ts_last"]) & 0xffffffff > 0x80000000:
            state["ts_ext"] -= 1 << 32
    state["ts_last"] = ts
    for off in range(12, len(d) - 187, 188):
        p = d[off:off + 188]
        pid = ((p[1] & 0x1f) << 8) | p[2]
        if pid != 0x1000 or not (p[3] & 0x20) or p[4] < 7 or not (p[5] & 0x10):
            continue
        base = (p[6] << 25) | (p[7] << 17) | (p[8] << 9) | (p[9] << 1) | (p[10] >> 7)
        ext = ((p[10] & 1) << 8) | p[11]
        pcr = base * 300 + ext                       # 27 MHz, wraps at 2^33 * 300
        if state.get("pcr_last") is not None:
            state["pcr_ext"] += (pcr - state["pcr_last"]) % ((1 << 33) * 300)
        state["pcr_last"] = pcr
        return


def continuous(port, pid, minutes, sample_s):
    """One session for `minutes`: RSS/fd samples and RTP timestamp / PCR drift against our clock."""
    import select
    u, rtp = hs.free_udp_port()
    u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    c = hs.Conn(port)
    mode = play_1080p30(c, rtp)
    if mode is None:
        print("CHECK FAIL continuous session reached PLAY")
        return 0
    print("continuous: playing, M4 wfd_video_formats %s" % mode, flush=True)
    st = {"ts_ext": 0, "pcr_ext": 0, "gaps": 0}
    t0 = None
    packets = 0
    samples = []
    worst_rtp = worst_pcr = 0.0
    end = time.monotonic() + minutes * 60
    next_sample = time.monotonic() + sample_s
    u.setblocking(False)
    while time.monotonic() < end:
        rl, _, _ = select.select([u, c.sock], [], [], 0.5)
        if c.sock in rl:
            if not c.fill(time.monotonic() + 0.01) and c.closed:
                print("CHECK FAIL continuous session: the source closed the connection after %d packets" % packets)
                return 0
            while True:
                m = c.next_message(0)
                if m is None:
                    break
                if not m[0].startswith("RTSP/1.0"):
                    c.send(hs.reply(m[1].get("cseq", "0")))   # M16 keep-alives and the like
        if u in rl:
            while True:
                try:
                    d = u.recv(2048)
                except BlockingIOError:
                    break
                packets += 1
                parse_rtp(d, st)
                if t0 is None and st.get("pcr_last") is not None:
                    t0 = time.monotonic()
                    st["ts_ext"] = st["pcr_ext"] = 0
        now = time.monotonic()
        if now >= next_sample and t0 is not None:
            next_sample += sample_s
            wall = now - t0
            d_rtp = st["ts_ext"] / 90000.0 - wall
            d_pcr = st["pcr_ext"] / 27e6 - wall
            worst_rtp = max(worst_rtp, abs(d_rtp))
            worst_pcr = max(worst_pcr, abs(d_pcr))
            fds, rss = proc_sample(pid)
            samples.append((wall, fds, rss))
            print("SAMPLE minute=%.1f fds=%d rss_kib=%d packets=%d seq_gaps=%d rtp_drift_ms=%.1f pcr_drift_ms=%.1f" %
                  (wall / 60, fds, rss, packets, st["gaps"], d_rtp * 1000, d_pcr * 1000), flush=True)
    uri = "rtsp://%s/wfd1.0/streamid=0" % hs.HOST
    c.send(hs.request("TEARDOWN", 9, uri, "Session: %s\r\n" % c.session))
    c.wait_closed(8)
    c.close()
    u.close()

    def check(ok, text):
        print("CHECK %s %s" % ("ok" if ok else "FAIL", text))

    if len(samples) < 2:
        check(False, "continuous session: at least two samples (got %d)" % len(samples))
        return 0
    first = samples[0]
    rss_max = max(s[2] for s in samples)
    fd_max = max(s[1] for s in samples)
    print("SOAK continuous minutes=%.1f packets=%d seq_gaps=%d worst_rtp_drift_ms=%.1f worst_pcr_drift_ms=%.1f" %
          (samples[-1][0] / 60, packets, st["gaps"], worst_rtp * 1000, worst_pcr * 1000))
    check(worst_rtp <= DRIFT_BOUND_S and worst_pcr <= DRIFT_BOUND_S,
          "RTP timestamps and PCR follow the wall clock: worst drift %.1f / %.1f ms (bound %d ms)" %
          (worst_rtp * 1000, worst_pcr * 1000, DRIFT_BOUND_S * 1000))
    check(rss_max <= first[2] + RSS_SLACK_KIB, "RSS flat over the session: first %d KiB, max %d KiB (bound +%d KiB)" %
          (first[2], rss_max, RSS_SLACK_KIB))
    check(fd_max <= first[1] + FD_SLACK, "fd count flat over the session: first %d, max %d" % (first[1], fd_max))
    return 0


def main():
    if sys.argv[1] == "continuous":
        return continuous(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
    port, pid, sessions, seed, every = (int(a) for a in sys.argv[1:6])
    stream_seconds = float(sys.argv[6])
    test_sink = sys.argv[7]
    rnd = random.Random(seed)
    counts = {"teardown": 0, "rst": 0, "fin": 0}
    failures = []
    samples = []
    t0 = time.monotonic()
    for i in range(1, sessions + 1):
        how = rnd.choice(("teardown", "rst", "fin"))
        counts[how] += 1
        try:
            ok, detail = one_session(port, how, stream_seconds)
        except OSError as e:
            ok, detail = False, "socket error %r" % e
        if not ok:
            failures.append("session %d (%s): %s" % (i, how, detail))
            print("session %d (%s) failed: %s" % (i, how, detail), flush=True)
        if i % every == 0 or i == sessions:
            r = subprocess.run([test_sink, "--connect", "127.0.0.1:%d" % port, "--profile", "small",
                                "--frames", "10", "--timeout", "20"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
            sink_ok = r.returncode == 0
            if not sink_ok:
                failures.append("test sink after session %d: %s" % (i, r.stdout.decode()[-300:]))
            fds, rss = proc_sample(pid)
            samples.append((i, fds, rss))
            print("SAMPLE sessions=%d fds=%d rss_kib=%d test_sink=%s elapsed_s=%.0f" %
                  (i, fds, rss, "ok" if sink_ok else "FAIL", time.monotonic() - t0), flush=True)

    first, last = samples[0], samples[-1]
    fd_max = max(s[1] for s in samples)
    rss_max = max(s[2] for s in samples)
    print("SOAK sessions=%d teardown=%d rst=%d fin=%d failures=%d seed=%d" %
          (sessions, counts["teardown"], counts["rst"], counts["fin"], len(failures), seed))
    print("SOAK fds first=%d last=%d max=%d (bound: first+%d)" % (first[1], last[1], fd_max, FD_SLACK))
    print("SOAK rss_kib first=%d last=%d max=%d (bound: first+%d)" % (first[2], last[2], rss_max, RSS_SLACK_KIB))

    def check(ok, text):
        print("CHECK %s %s" % ("ok" if ok else "FAIL", text))

    check(not failures, "all %d sessions and %d test-sink sessions completed%s" %
          (sessions, len(samples), "" if not failures else ": " + "; ".join(failures[:5])))
    check(fd_max <= first[1] + FD_SLACK, "fd count flat: first %d, max %d (bound +%d)" % (first[1], fd_max, FD_SLACK))
    check(rss_max <= first[2] + RSS_SLACK_KIB, "RSS flat: first %d KiB, max %d KiB (bound +%d KiB)" %
          (first[2], rss_max, RSS_SLACK_KIB))
    return 0


if __name__ == "__main__":
    sys.exit(main())
