# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the shaped-link tests: miracastd in one network namespace, the test
# sink in another, a veth pair between them (10.77.0.1 source, 10.77.0.2 sink;
# these addresses exist only inside the namespaces the test makes and removes).
# Source it after test-lib.sh. Needs root, ip and tc.
#
#   shaped_link_setup           namespaces, veth, a private bus, miracastd listening;
#                               sets SL_SRC, SL_SNK (namespace names), SL_PORT, SL_T (temp dir)
#   shaped_link_drop PERCENT    drop PERCENT % of what the source sends, at random (cls_bpf with
#                               classic BPF's random load; netem is not in every kernel)
#   shaped_link_rate KBIT       shape what the source sends to KBIT kbit/s (tbf); 0 removes it
#   shaped_link_sink ARGS...    run the test sink in the sink's namespace against the daemon
#   shaped_link_stats KEY       the playing session's Statistics KEY (miracastctl status --json)
#   shaped_link_cleanup         (trap) stop everything, remove the namespaces

SL_SRC=mcd-src-$$
SL_SNK=mcd-snk-$$
SL_T=
sl_bus_pid=
sl_daemon_pid=

shaped_link_cleanup() {
        [ -n "$sl_daemon_pid" ] && kill "$sl_daemon_pid" 2>/dev/null
        [ -n "$sl_bus_pid" ] && kill "$sl_bus_pid" 2>/dev/null
        wait 2>/dev/null
        ip netns del "$SL_SRC" 2>/dev/null
        ip netns del "$SL_SNK" 2>/dev/null
        [ -n "$SL_T" ] && [ -z "${KEEP_TMP:-}" ] && rm -rf "$SL_T"
}

# shaped_link_setup [DAEMON OPTIONS...]
shaped_link_setup() {
        local B=$MIRACAST_BUILD out
        if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v tc >/dev/null; then
                skip_all "needs root, ip and tc"
        fi
        SL_T=$(mktemp -d /tmp/miracast-shaped.XXXXXX)
        trap shaped_link_cleanup EXIT
        ip netns add "$SL_SRC" && ip netns add "$SL_SNK" &&
                ip -n "$SL_SRC" link add vsrc type veth peer name vsnk netns "$SL_SNK" &&
                ip -n "$SL_SRC" addr add 10.77.0.1/24 dev vsrc && ip -n "$SL_SNK" addr add 10.77.0.2/24 dev vsnk &&
                ip -n "$SL_SRC" link set vsrc up && ip -n "$SL_SNK" link set vsnk up &&
                ip -n "$SL_SRC" link set lo up && ip -n "$SL_SNK" link set lo up || {
                fail "network namespaces and a veth pair"
                finish
        }
        private_bus "$SL_T/bus"
        sl_bus_pid=$private_bus_pid
        export MIRACASTCTL_BUS="unix:path=$SL_T/bus"
        ip netns exec "$SL_SRC" "$B/miracastd" --config /dev/null -o p2p-backend=none --encoder x264 \
                --bus "$MIRACASTCTL_BUS" "$@" >"$SL_T/daemon.log" 2>&1 &
        sl_daemon_pid=$!
        for _ in $(seq 300); do "$B/miracastctl" info >/dev/null 2>&1 && break; sleep 0.1; done
        out=$("$B/miracastctl" listen 10.77.0.1:0)
        SL_PORT=${out##*:}
        [ -n "$SL_PORT" ] || { fail "miracastd listens on 10.77.0.1" "$out"; finish; }
}

shaped_link_drop() {
        # P(drop) = threshold / 2^32: ld rand; jge #t -> pass; else drop (TC_ACT_SHOT = 2)
        local t=$(( $1 * 4294967296 / 100 ))
        ip netns exec "$SL_SRC" tc qdisc replace dev vsrc clsact &&
                ip netns exec "$SL_SRC" tc filter replace dev vsrc egress pref 1 handle 1 bpf \
                        bytecode "4,32 0 0 4294963256,53 0 1 $t,6 0 0 0,6 0 0 2" da
}

shaped_link_rate() {
        if [ "$1" = 0 ]; then
                ip netns exec "$SL_SRC" tc qdisc del dev vsrc root 2>/dev/null
                return 0
        fi
        # a 30 ms queue, like a Wi-Fi driver's: what does not fit is lost
        ip netns exec "$SL_SRC" tc qdisc replace dev vsrc root tbf rate "${1}kbit" burst 16kb latency 30ms
}

shaped_link_sink() {
        ip netns exec "$SL_SNK" "$MIRACAST_BUILD/miracast-test-sink" --connect "10.77.0.1:$SL_PORT" "$@"
}

shaped_link_stats() {
        sl_stat_from "$1" "$("$MIRACAST_BUILD/miracastctl" status --json 2>/dev/null)"
}

# sl_stat_from KEY JSON: KEY of the playing session's Statistics in `miracastctl status --json` output
# (an earlier session may still linger there, ended)
sl_stat_from() {
        python3 -c '
import json, sys
try:
    d = json.loads(sys.argv[2])
except ValueError:
    d = []
d = [x for x in d if x.get("State") == "playing"] or d
print(d[-1]["Statistics"].get(sys.argv[1], "") if d else "")' "$1" "$2"
}

# sink_field LINE NAME: the value of NAME=... in a SINK line
sink_field() {
        sed -nE "s/.* $2=([^ ]*).*/\\1/p" <<<"$1"
}
