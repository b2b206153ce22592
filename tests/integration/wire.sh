#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wire.sh RINGCAP FILTER_FRAMES - the wire as it is (issue 13), end to end
# through the command: --netns and -D --netns from the root namespace,
# --time-stamp-precision micro, and what the file says of how it was
# captured.
#
# Everything runs in a network namespace of its own (rcw-<pid>) with a
# veth pair rcwa <-> rcwb; filter_frames sends its fixed set of raw frames
# (locally administered MACs, 198.18.0.0/15) out of one end. The files are
# read back with tshark, tcpdump and capinfos, never with ringcap's own
# reader. Needs root; a skip is a failure under CI=true.
set -u
RINGCAP=$1
FRAMES=$2
NS=rcw-$$
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
for t in tshark tcpdump capinfos; do
	command -v "$t" >/dev/null || skip "needs $t to read the files"
done

TMP=$(mktemp -d)
cleanup() {
	stop_pids
	del_netns "$NS"
	remove_dir "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ip netns add "$NS" || skip "cannot create a network namespace"
nsx() { ip netns exec "$NS" "$@"; }
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
nsx ip link add rcwa type veth peer name rcwb || fail "cannot create the veth pair"
nsx ip link set rcwa up && nsx ip link set rcwb up || fail "cannot bring the veth up"

count() { tcpdump -r "$1" -nn 2>/dev/null | grep -c '^[0-9]'; }

# How many frames filter_frames sends: the reference capture, by tcpdump.
nsx tcpdump -i rcwb --immediate-mode -U -s 0 -w "$TMP/ref.pcap" 2>"$TMP/ref.err" &
PIDS+=($!)
for _ in $(seq 50); do grep -q listening "$TMP/ref.err" && break; sleep 0.1; done
sleep 0.2
nsx "$FRAMES" rcwa || fail "could not send the frames"
sleep 0.5
stop_pids
SENT=$(count "$TMP/ref.pcap")
[ "$SENT" -ge 30 ] || fail "tcpdump saw only $SENT frames"
echo "ok   the sender sends $SENT frames"

# Starts ringcap (args...) in the root namespace, waits for its socket in
# $NS, sends the frames from rcwa, stops it with SIGINT; $TMP/out.err has
# its stderr. The caller names the file with -w.
capture() {
	"$RINGCAP" -q --block-timeout 20 "$@" 2>"$TMP/out.err" &
	local pid=$! have=0
	PIDS+=($pid)
	for _ in $(seq 50); do
		have=$(($(nsx cat /proc/net/packet | wc -l) - 1))
		[ "$have" -ge 1 ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ "$have" -ge 1 ] || { cat "$TMP/out.err"; fail "ringcap $* never opened its socket"; }
	nsx "$FRAMES" rcwa || fail "could not send the frames"
	sleep 0.5
	kill -INT "$pid"
	local r=0
	wait "$pid" || r=$?
	[ "$r" = 0 ] || { cat "$TMP/out.err" >&2; fail "ringcap $* exited $r"; }
	PIDS=("${PIDS[@]/$pid}")
}

# --- -D --netns lists the namespace's interfaces, not the caller's.
"$RINGCAP" -D --netns "$NS" >"$TMP/d.out" || fail "-D --netns $NS failed"
grep -q '\.rcwb \[Up' "$TMP/d.out" || { cat "$TMP/d.out"; fail "-D --netns does not list rcwb"; }
"$RINGCAP" -D | grep -q '\.rcwb ' && fail "-D without --netns lists the namespace's rcwb"
echo "ok   -D --netns $NS lists rcwb (and -D alone does not)"

# --- A missing namespace, a missing interface in it: one line, exit 1.
"$RINGCAP" --netns rcw-none-$$ -i rcwb -w "$TMP/x.pcapng" 2>"$TMP/e.err"
r=$?
[ "$r" = 1 ] && [ "$(wc -l <"$TMP/e.err")" = 1 ] && grep -q 'no such network namespace' "$TMP/e.err" ||
	{ cat "$TMP/e.err"; fail "--netns of a missing namespace: exit $r"; }
[ -e "$TMP/x.pcapng" ] && fail "--netns of a missing namespace left a file"
"$RINGCAP" --netns "$NS" -i eth0 -w "$TMP/x.pcapng" 2>"$TMP/e.err"
r=$?
[ "$r" = 1 ] && grep -q "eth0: no such interface in network namespace $NS" "$TMP/e.err" ||
	{ cat "$TMP/e.err"; fail "--netns $NS -i eth0: exit $r"; }
echo "ok   a missing namespace or interface: one line, exit 1, no file"

# --- Capture from the root namespace into $NS, by name and by path.
capture --netns "$NS" -i rcwb -w "$TMP/ns.pcapng"
got=$(count "$TMP/ns.pcapng")
[ "$got" = "$SENT" ] || fail "--netns $NS: $got frames, tcpdump inside saw $SENT"
capinfos -I "$TMP/ns.pcapng" | grep -q "Comment = network namespace: /run/netns/$NS" ||
	{ capinfos -I "$TMP/ns.pcapng"; fail "the IDB does not name the namespace"; }
ip netns exec "$NS" sleep 60 &
holder=$!
PIDS+=($holder)
# ip netns exec enters the namespace after the fork: wait until it has.
for _ in $(seq 50); do
	[ "$(readlink "/proc/$holder/ns/net")" != "$(readlink /proc/self/ns/net)" ] && break
	sleep 0.05
done
capture --netns "/proc/$holder/ns/net" -i rcwb -w "$TMP/nspath.pcapng"
stop_pids
got=$(count "$TMP/nspath.pcapng")
[ "$got" = "$SENT" ] || fail "--netns /proc/PID/ns/net: $got frames of $SENT"
echo "ok   --netns NAME and --netns /proc/PID/ns/net: all $SENT frames, the IDB names it"

# --- --time-stamp-precision micro: if_tsresol 6, microsecond times that
# tshark and tcpdump read; nano (the default) keeps the nanoseconds.
capture --netns "$NS" -i rcwb --time-stamp-precision micro -w "$TMP/us.pcapng"
capinfos -I "$TMP/us.pcapng" | grep -q 'Time resolution = 0x06' ||
	fail "--time-stamp-precision micro: the IDB's if_tsresol is not 6"
[ "$(count "$TMP/us.pcapng")" = "$SENT" ] || fail "micro: not all $SENT frames"
ns_digits() { tcpdump -r "$1" -tt --time-stamp-precision=nano -nn 2>/dev/null | grep '^[0-9]' | cut -d' ' -f1 | cut -d. -f2 | cut -c7-9 | sort -u; }
[ "$(ns_digits "$TMP/us.pcapng")" = 000 ] || fail "micro: tcpdump reads sub-microsecond digits"
tshark -r "$TMP/us.pcapng" -T fields -e frame.time_epoch >"$TMP/us.txt" 2>"$TMP/us.terr" ||
	{ cat "$TMP/us.terr"; fail "tshark cannot read the micro file"; }
[ "$(wc -l <"$TMP/us.txt")" = "$SENT" ] || fail "tshark reads $(wc -l <"$TMP/us.txt") frames of $SENT"
capture --netns "$NS" -i rcwb -w "$TMP/ns9.pcapng"
[ "$(ns_digits "$TMP/ns9.pcapng")" != 000 ] || fail "nano: every time stamp is a whole microsecond"
capture --netns "$NS" -i rcwb -P --micro -w "$TMP/us.pcap"
[ "$(od -An -tx4 -N4 "$TMP/us.pcap" | tr -d ' ')" = a1b2c3d4 ] ||
	fail "-P --micro: not the microsecond pcap magic"
[ "$(count "$TMP/us.pcap")" = "$SENT" ] || fail "-P --micro: not all $SENT frames"
echo "ok   --time-stamp-precision micro: if_tsresol 6, whole microseconds; -P --micro: a1b2c3d4"
exit 0
