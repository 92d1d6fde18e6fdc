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
# Prints "SAMPLE ..." lines, then "CHECK ok|FAIL text" lines (tools/soak.sh
# turns them into test results) and "SOAK ..." summary lines.
import importlib.util
import os
import random
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


def main():
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
