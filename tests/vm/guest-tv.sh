# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the P2P scenarios INSIDE the VM, after guest-lib.sh. Plays a
# Miracast TV on radio 1 in its own network namespace "tv": its own
# wpa_supplicant advertising a WFD primary-sink IE (available, RTSP 7236),
# accepting push-button or showing a PIN, addressing the group (dnsmasq when
# it is GO, P2P IP allocation / udhcpc when client), then running the C test
# sink against the source's RTSP port. Radio 0 gets the system wpa_supplicant
# (ctrl_interface /run/wpa_supplicant) that miracastd talks to.
#
#   radios_up SOURCE_GO_INTENT TV_GO_INTENT
#   tv_start METHOD(pbc|pin) PIN SINK_ARGS...   (agent in the background)
#   tv_autonomous_go                             TV already runs a group (join)
#   tv_addr                                      TV's P2P device address
TV_PIN=12345670
TVCTL="wpa_cli -p /run/wpa_tv"

radios_up() {
        modprobe mac80211_hwsim radios=2 || { fail "modprobe mac80211_hwsim"; return 1; }
        sleep 0.5
        PHYB=$(basename "$(readlink -f /sys/class/net/wlan1/phy80211)")
        ip netns add tv && iw phy "$PHYB" set netns name tv
        ip netns exec tv ip link set lo up
        cat >/tmp/src.conf <<CONF
ctrl_interface=/run/wpa_supplicant
update_config=0
device_name=miracastd-vm
device_type=1-0050F204-1
config_methods=virtual_push_button physical_display keypad display
p2p_go_intent=$1
CONF
        cat >/tmp/tv.conf <<CONF
ctrl_interface=/run/wpa_tv
update_config=0
device_name=VM-TV
device_type=7-0050F204-1
config_methods=virtual_push_button physical_display keypad display
p2p_go_intent=$2
ip_addr_go=192.168.49.1
ip_addr_mask=255.255.255.0
ip_addr_start=192.168.49.200
ip_addr_end=192.168.49.220
CONF
        wpa_supplicant -B -t -Dnl80211 -iwlan0 -c /tmp/src.conf -f /tmp/wpa-src.log -P /run/wpa-src.pid
        ip netns exec tv wpa_supplicant -B -t -Dnl80211 -iwlan1 -c /tmp/tv.conf -f /tmp/wpa-tv.log -P /run/wpa-tv.pid
        for _i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
                [ -S /run/wpa_supplicant/p2p-dev-wlan0 ] && [ -S /run/wpa_tv/p2p-dev-wlan1 ] && break
                sleep 0.25
        done
        [ -S /run/wpa_tv/p2p-dev-wlan1 ] || { fail "TV wpa_supplicant did not come up"; return 1; }
        $TVCTL -i p2p-dev-wlan1 set wifi_display 1 >/dev/null
        $TVCTL -i p2p-dev-wlan1 wfd_subelem_set 0 000600111c440032 >/dev/null
        pass "radios up: source wlan0 (system wpa_supplicant), TV wlan1 in netns tv"
}

# tv_autonomous_go: like a TV that keeps a group running, start an autonomous
# GO group now (after tv_start); the source must join it.
tv_autonomous_go() {
        touch /tmp/tv-autogo
        $TVCTL -i p2p-dev-wlan1 p2p_group_add >/dev/null
        for _i in $(seq 1 100); do
                [ "$(cat /tmp/tv-role 2>/dev/null)" = GO ] && break
                sleep 0.2
        done
        if [ "$(cat /tmp/tv-role 2>/dev/null)" = GO ]; then
                pass "TV runs an autonomous group: $(ls /run/wpa_tv | grep '^p2p-wlan1-' | head -1)"
        else
                fail "TV could not start an autonomous group"; tail -n 20 /tmp/tv-events.log
        fi
}

tv_addr() {
        $TVCTL -i p2p-dev-wlan1 status | sed -n 's/^p2p_device_address=//p'
}

# tv_monitor IFNAME: feed every event of IFNAME's control socket to the agent.
tv_monitor() {
        ( sleep 100000 | ip netns exec tv $TVCTL -i "$1" 2>/dev/null |
                while read -r _l; do
                        case $_l in *"<"[0-9]">"*) /tmp/tv-agent.sh "$1" ${_l#*<[0-9]>} ;; esac
                done ) &
}

# The agent: called once per event (IFNAME EVENT...).
tv_start() {
        _method=$1; shift
        cat >/tmp/tv-agent.sh <<AGENT
#!/bin/sh
ifname=\$1; shift
ev="\$*"
echo "\$(cut -d' ' -f1 /proc/uptime) \$ev" >>/tmp/tv-events.log
ctl="$TVCTL -i p2p-dev-wlan1"
case "\$ev" in
P2P-GO-NEG-REQUEST*|P2P-PROV-DISC-PBC-REQ*|P2P-PROV-DISC-ENTER-PIN*|P2P-PROV-DISC-SHOW-PIN*)
        peer=\$(echo "\$ev" | awk '{print \$2}')
        [ -e /tmp/tv-accepted ] && exit 0
        touch /tmp/tv-accepted
        # Already group owner (tv_autonomous_go): the source joins our group,
        # so push the button on the group interface instead of negotiating.
        grp=\$(ls /run/wpa_tv | grep '^p2p-wlan1-' | head -1)
        if [ -e /tmp/tv-autogo ] && [ -n "\$grp" ]; then
                $TVCTL -i "\$grp" wps_pbc >>/tmp/tv-events.log 2>&1; exit 0
        fi
        if [ "$_method" = pin ]; then \$ctl p2p_connect "\$peer" $TV_PIN display >>/tmp/tv-events.log 2>&1
        else \$ctl p2p_connect "\$peer" pbc >>/tmp/tv-events.log 2>&1; fi ;;
P2P-GROUP-STARTED*" GO "*)
        grp=\$(echo "\$ev" | awk '{print \$2}')
        ip netns exec tv ip addr add 192.168.49.1/24 dev "\$grp"
        ip netns exec tv dnsmasq -u root -i "\$grp" --bind-interfaces -p 0 --dhcp-range=192.168.49.100,192.168.49.150,255.255.255.0,1h \
                --dhcp-leasefile=/tmp/tv-leases --pid-file=/tmp/tv-dnsmasq.pid >>/tmp/tv-events.log 2>&1
        echo GO >/tmp/tv-role ;;
AP-STA-CONNECTED*)
        ip=\$(echo "\$ev" | sed -n 's/.*ip_addr=\([0-9.]*\).*/\1/p')
        [ -n "\$ip" ] && echo "\$ip" >/tmp/tv-source-ip.\$\$ && mv /tmp/tv-source-ip.\$\$ /tmp/tv-source-ip ;;
P2P-GROUP-STARTED*" client "*)
        grp=\$(echo "\$ev" | awk '{print \$2}')
        ip=\$(echo "\$ev" | sed -n 's/.* ip_addr=\([0-9.]*\).*/\1/p')
        go=\$(echo "\$ev" | sed -n 's/.* go_ip_addr=\([0-9.]*\).*/\1/p')
        if [ -n "\$ip" ]; then ip netns exec tv ip addr add "\$ip/24" dev "\$grp"
        else ip netns exec tv udhcpc -i "\$grp" -n -q -t 10 -s /usr/share/udhcpc/default.script >>/tmp/tv-events.log 2>&1; fi
        echo client >/tmp/tv-role
        echo "\${go:-192.168.49.1}" >/tmp/tv-source-ip.\$\$ && mv /tmp/tv-source-ip.\$\$ /tmp/tv-source-ip ;;
P2P-GROUP-REMOVED*)
        echo removed >/tmp/tv-group-removed ;;
esac
exit 0
AGENT
        chmod +x /tmp/tv-agent.sh
        rm -f /tmp/tv-accepted /tmp/tv-source-ip /tmp/tv-role /tmp/tv-group-removed
        # wpa_cli -a only forwards a few events (not GO-NEG-REQUEST), so follow
        # the interactive monitor's "<N>EVENT" lines instead, per interface.
        tv_monitor p2p-dev-wlan1
        ( while sleep 0.2; do
                for s in /run/wpa_tv/p2p-wlan1-*; do
                        [ -S "$s" ] || continue
                        g=$(basename "$s")
                        [ -e /tmp/tv-mon-$g ] && continue
                        touch /tmp/tv-mon-$g
                        tv_monitor "$g"
                done
          done ) &
        TV_WATCH=$!
        $TVCTL -i p2p-dev-wlan1 p2p_listen >/dev/null
        tv_rearm "$@"
}

# tv_rearm SINK_ARGS...: accept the next connection and run a new test sink
# once the next group has addresses (after a session ended).
tv_rearm() {
        # A TV drops whatever session it still had before it takes the next
        # one: the previous sink (still waiting on a group that is gone) must
        # not finish later and overwrite the next sink's report.
        if [ -n "$TV_SINK" ]; then
                kill "$TV_SINK" 2>/dev/null
                pkill -f miracast-test-sink 2>/dev/null
                wait "$TV_SINK" 2>/dev/null
        fi
        TV_RUN=$((${TV_RUN:-0} + 1))
        rm -f /tmp/tv-accepted /tmp/tv-source-ip /tmp/tv-role /tmp/tv-group-removed /tmp/tv-leases /tmp/tv-sink.log /tmp/tv-sink.tmp*
        # Like a real TV after a session: leave the old group (a GO keeps its
        # group when the client leaves, and its address would shadow the next one).
        for _g in /run/wpa_tv/p2p-wlan1-*; do
                [ -S "$_g" ] && $TVCTL -i p2p-dev-wlan1 p2p_group_remove "$(basename "$_g")" >/dev/null
        done
        [ -s /tmp/tv-dnsmasq.pid ] && kill "$(cat /tmp/tv-dnsmasq.pid)" 2>/dev/null
        rm -f /tmp/tv-dnsmasq.pid /tmp/tv-mon-p2p-wlan1-*
        $TVCTL -i p2p-dev-wlan1 p2p_listen >/dev/null
        # The sink connects as soon as it knows the source's address.
        ( for _i in $(seq 1 900); do
                if [ -s /tmp/tv-source-ip ]; then
                        sleep 0.5
                        src=$(cat /tmp/tv-source-ip)
                        [ -n "$src" ] || { sleep 0.2; continue; }
                        # when GO with dnsmasq: the source's address is its lease
                        [ "$(cat /tmp/tv-role 2>/dev/null)" = GO ] && [ -s /tmp/tv-leases ] &&
                                src=$(awk '{print $3; exit}' /tmp/tv-leases)
                        echo "$(now) sink connecting to $src:7236" >>/tmp/tv-events.log
                        ip netns exec tv chroot /host /usr/bin/env PATH=/usr/bin:/usr/sbin \
                                $B/miracast-test-sink --connect "$src:7236" --timeout 40 "$@" \
                                >/tmp/tv-sink.tmp$TV_RUN 2>&1
                        echo "sink-exit=$?" >>/tmp/tv-sink.tmp$TV_RUN
                        mv /tmp/tv-sink.tmp$TV_RUN /tmp/tv-sink.log
                        exit 0
                fi
                sleep 0.2
          done ) &
        TV_SINK=$!
}
