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
ip netns exec "$NS" tcpdump -i rcwb --immediate-mode -U -s 0 -w "$TMP/ref.pcap" 2>"$TMP/ref.err" &
PIDS+=($!)
for _ in $(seq 50); do grep -q listening "$TMP/ref.err" && break; sleep 0.1; done
sleep 0.2
nsx "$FRAMES" rcwa || fail "could not send the frames"
sleep 0.5
stop_pids
SENT=$(count "$TMP/ref.pcap")
[ "$SENT" -ge 30 ] || fail "tcpdump saw only $SENT frames"
echo "ok   the sender sends $SENT frames"

# Starts ringcap (args...) in the root namespace, waits for its file (it
# is created once the sockets are bound), sends the frames from rcwa,
# stops it with SIGINT; $TMP/out.err has its stderr. The last argument
# is the file (-w FILE).
capture() {
	local out=${*: -1}
	rm -f "$out"
	"$RINGCAP" -q --block-timeout 20 "$@" 2>"$TMP/out.err" &
	local pid=$!
	PIDS+=($pid)
	for _ in $(seq 50); do
		[ -e "$out" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -e "$out" ] || { cat "$TMP/out.err"; fail "ringcap $* never created $out"; }
	sleep 0.1
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

# --- -Q: frames both ways over the veth (from rcwa: received at rcwb;
# from rcwb: sent). Only that direction is kept, as tcpdump -Q keeps it,
# every EPB's flags say it, and the IDB records the choice.
both_ways() { nsx "$FRAMES" rcwa && nsx "$FRAMES" rcwb; }
# Runs ringcap -w OUT and tcpdump -w OUT.ref side by side with the same
# interface, direction and filter, sends with SEND, stops both.
beside_tcpdump() { # out send iface direction [filter]
	local out=$1 send=$2 iface=$3 dir=$4
	shift 4
	rm -f "$out"
	"$RINGCAP" --netns "$NS" -i "$iface" -Q "$dir" -q --block-timeout 20 -w "$out" "$@" \
		2>"$TMP/q.err" &
	PIDS+=($!)
	ip netns exec "$NS" tcpdump -i "$iface" -Q "$dir" --immediate-mode -U -s 0 -w "$out.ref" \
		"$@" 2>"$TMP/qref.err" &
	PIDS+=($!)
	for _ in $(seq 50); do
		[ -e "$out" ] && grep -q listening "$TMP/qref.err" && break
		sleep 0.1
	done
	sleep 0.2
	$send || fail "could not send the frames ($send)"
	sleep 0.5
	stop_pids
}
capture_q() { beside_tcpdump "$2" both_ways rcwb "$1"; }
capture_q in "$TMP/qin.pcapng"
capture_q out "$TMP/qout.pcapng"
capture_q inout "$TMP/qboth.pcapng"
for d in in out; do
	f=$TMP/q$d.pcapng
	got=$(count "$f")
	ref=$(count "$f.ref")
	[ "$got" = "$SENT" ] && [ "$ref" = "$SENT" ] ||
		fail "-Q $d: ringcap kept $got frames, tcpdump -Q $d $ref, of $SENT each way"
	want=$([ "$d" = in ] && echo 0x00000001 || echo 0x00000002) # 01 inbound, 10 outbound
	flags=$(tshark -r "$f" -T fields -e frame.packet_flags_direction | sort -u)
	[ "$flags" = "$want" ] || fail "-Q $d: EPB directions '$flags', not $want"
	capinfos -I "$f" | grep -q "direction: $d: " ||
		fail "-Q $d: the IDB does not record the direction"
	diff <(tcpdump -r "$f" -nn -xx 2>/dev/null | grep -v '^[0-9]') \
		<(tcpdump -r "$f.ref" -nn -xx 2>/dev/null | grep -v '^[0-9]') >/dev/null ||
		fail "-Q $d: the frames differ from tcpdump -Q $d's"
done
[ "$(count "$TMP/qboth.pcapng")" = $((2 * SENT)) ] || fail "-Q inout: not both directions' $((2 * SENT))"
capinfos -I "$TMP/qboth.pcapng" | grep -q 'direction:' && fail "-Q inout: the IDB says a direction"
echo "ok   -Q in / -Q out: $SENT frames each, as tcpdump -Q, EPB flags 1 / 2, the IDB records it"

# --- -i any: LINUX_SLL2, with the VLAN tags the kernel stripped put back
# (libpcap's any loses them, libpcap #1105). Byte for byte: the reference's
# frame from its EtherType on is the SLL2 protocol plus what follows the
# 20-byte header; the SLL2 address is the sender's MAC.
hexpk() { # file [filter...]: each packet as one hex string
	tcpdump -r "$1" -nn -xx "${@:2}" 2>/dev/null | awk '
		/^[0-9]/ { if (h != "") print h; h = ""; next }
		{ for (i = 2; i <= NF; i++) h = h $i }
		END { if (h != "") print h }'
}
capture --netns "$NS" -i any -Q in -w "$TMP/any.pcapng"
[ "$(tshark -r "$TMP/any.pcapng" -T fields -e frame.encap_type 2>/dev/null | sort -u)" = 210 ] ||
	capinfos -I "$TMP/any.pcapng" | grep -q 'Linux cooked-mode capture v2' ||
	fail "-i any: not LINUX_SLL2"
hexpk "$TMP/ref.pcap" | cut -c25- >"$TMP/ref.hex"
hexpk "$TMP/any.pcapng" | awk '{ print substr($0, 1, 4) substr($0, 41) }' >"$TMP/any.hex"
[ "$(wc -l <"$TMP/any.hex")" = "$SENT" ] || fail "-i any -Q in: $(wc -l <"$TMP/any.hex") frames of $SENT"
diff "$TMP/ref.hex" "$TMP/any.hex" >"$TMP/any.diff" ||
	{ head "$TMP/any.diff"; fail "-i any: the frames after the SLL2 header differ from the wire's"; }
tagged=$(tshark -r "$TMP/ref.pcap" -Y vlan -T fields -e vlan.id | tr '\n' ' ')
anytags=$(tshark -r "$TMP/any.pcapng" -Y vlan -T fields -e vlan.id | tr '\n' ' ')
[ -n "$tagged" ] && [ "$tagged" = "$anytags" ] ||
	fail "-i any: VLAN ids '$anytags', the wire's '$tagged'"
idx=$(nsx cat /sys/class/net/rcwb/ifindex)
[ "$(tshark -r "$TMP/any.pcapng" -T fields -e sll.ifindex | sort -u)" = "$idx" ] ||
	fail "-i any -Q in: not every packet has rcwb's ifindex $idx"
[ "$(tshark -r "$TMP/any.pcapng" -T fields -e sll.src.eth | sort -u)" = 02:52:43:00:00:01 ] ||
	fail "-i any: the SLL2 address is not the sender's MAC"
capinfos -I "$TMP/any.pcapng" | grep -q "any: the interfaces by SLL2 ifindex: .*$idx rcwb" ||
	fail "-i any: the IDB does not map ifindex $idx to rcwb"
echo "ok   -i any: $SENT frames byte for byte after the SLL2 header, VLAN ids $tagged put back"

# -r on the SLL2 file: the filter is compiled for the file's link type, as
# tcpdump -r compiles it.
for e in 'udp' 'inbound' 'ip6 and tcp' 'arp or icmp' 'tcp port 80'; do
	ref=$(tcpdump -r "$TMP/any.pcapng" -nn "$e" 2>/dev/null | grep -c '^[0-9]')
	"$RINGCAP" -r "$TMP/any.pcapng" -w "$TMP/anyr.pcapng" "$e" 2>"$TMP/anyr.err" ||
		{ cat "$TMP/anyr.err"; fail "-r any.pcapng '$e' failed"; }
	[ "$(count "$TMP/anyr.pcapng")" = "$ref" ] ||
		fail "-r any.pcapng '$e': $(count "$TMP/anyr.pcapng") packets, tcpdump -r $ref"
done
# What libpcap refuses on SLL2 ringcap refuses too, naming the link type.
tcpdump -r "$TMP/any.pcapng" vlan >/dev/null 2>&1 && fail "tcpdump takes 'vlan' on SLL2 now"
"$RINGCAP" -r "$TMP/any.pcapng" -w "$TMP/anyr.pcapng" vlan 2>"$TMP/anyr.err"
[ $? = 2 ] && grep -q 'link type 276' "$TMP/anyr.err" || { cat "$TMP/anyr.err"; fail "-r any.pcapng vlan"; }
echo "ok   -r of the SLL2 file: five filters keep what tcpdump -r keeps; 'vlan' refused by both"

send_a() { nsx "$FRAMES" rcwa; }
# Filters on any, in the kernel (rewritten for its view), against
# tcpdump -i any with the same filter: the same number of frames.
for e in 'udp' 'tcp port 80' 'arp' 'ip6' 'inbound and icmp' 'len > 100'; do
	beside_tcpdump "$TMP/anyf.pcapng" send_a any in "$e"
	got=$(count "$TMP/anyf.pcapng")
	ref=$(count "$TMP/anyf.pcapng.ref")
	# libpcap's kernel program compares len with the packet from its
	# network header; ringcap's with the packet as the file has it, SLL2
	# header included, so a filter means the same live and on the file:
	# the reference is then tcpdump -r on the unfiltered capture.
	case $e in len*) ref=$(tcpdump -r "$TMP/any.pcapng" -nn "$e" 2>/dev/null | grep -c '^[0-9]') ;; esac
	[ "$got" = "$ref" ] || { cat "$TMP/q.err"; fail "-i any '$e': ringcap $got frames, tcpdump $ref"; }
	printf 'ok   -i any %-18s %2d frames, as tcpdump -i any\n' "'$e'" "$got"
done
"$RINGCAP" --netns "$NS" -i any -w "$TMP/x.pcapng" 'ether host 02:52:43:00:00:01' 2>"$TMP/e.err"
[ $? = 2 ] && grep -q 'LINUX_SLL2' "$TMP/e.err" || { cat "$TMP/e.err"; fail "-i any 'ether host': not refused"; }
for flag in --no-offload '-j adapter'; do
	# shellcheck disable=SC2086 # two words for -j
	"$RINGCAP" --netns "$NS" -i any $flag -w "$TMP/x.pcapng" 2>"$TMP/e.err"
	[ $? = 2 ] && grep -q 'name the interfaces with -i' "$TMP/e.err" && [ ! -e "$TMP/x.pcapng" ] ||
		{ cat "$TMP/e.err"; fail "-i any $flag: not refused"; }
done

# --- Offloads: the IDB records GRO; --no-offload turns it off while
# capturing and back on after, however ringcap ends. ethtool is the judge.
gro() { nsx ethtool -k rcwb | sed -n 's/^generic-receive-offload: \([a-z]*\).*/\1/p'; }
nsx ethtool -K rcwb gro on || fail "ethtool -K rcwb gro on"
nsx ethtool -K rcwb tso off || fail "ethtool -K rcwb tso off"
[ "$(gro)" = on ] || fail "gro is not on"
capture --netns "$NS" -i rcwb -w "$TMP/gro.pcapng"
capinfos -I "$TMP/gro.pcapng" | grep -q 'offloads: rx-gro on' ||
	{ capinfos -I "$TMP/gro.pcapng"; fail "the IDB does not record rx-gro on"; }
capinfos -I "$TMP/gro.pcapng" | grep -q 'tx-tcp-segmentation off' ||
	fail "the IDB does not record tx-tcp-segmentation off"
grep -q 'warning: rcwb: receive offloads (GRO/LRO) are on' "$TMP/out.err" ||
	{ cat "$TMP/out.err"; fail "no warning that GRO is on"; }
[ "$(grep -c 'receive offloads' "$TMP/out.err")" = 1 ] || fail "the GRO warning is not said once"
capinfos -I "$TMP/gro.pcapng" | grep -q 'Hardware = veth' || fail "no if_hardware veth"
capinfos -I "$TMP/gro.pcapng" | grep -q 'Speed = 10000000000' || fail "no if_speed 10 Gb/s"
capinfos -I "$TMP/gro.pcapng" | grep -q "Operating system = Linux $(uname -r)" || fail "no if_os"
echo "ok   the IDB records rx-gro on and tso off, driver, speed and kernel; one warning"

# Starts ringcap --no-offload, checks GRO is off while it runs, then ends
# it with signal $1 and checks GRO is back on (and TSO, untouched, off).
no_offload_until() { # signal
	local pid
	rm -f "$TMP/no.pcapng"
	"$RINGCAP" --netns "$NS" -i rcwb --no-offload -q -w "$TMP/no.pcapng" 2>"$TMP/no.err" &
	pid=$!
	PIDS+=($pid)
	for _ in $(seq 50); do [ -e "$TMP/no.pcapng" ] && break; sleep 0.1; done
	[ "$(gro)" = off ] || { cat "$TMP/no.err"; fail "--no-offload: gro is $(gro) while capturing"; }
	kill "-$1" "$pid"
	wait "$pid" 2>/dev/null
	PIDS=("${PIDS[@]/$pid}")
	# The restoring process outlives a SIGKILL by a moment.
	for _ in $(seq 30); do [ "$(gro)" = on ] && break; sleep 0.1; done
	[ "$(gro)" = on ] || { cat "$TMP/no.err"; fail "--no-offload, SIG$1: gro stayed $(gro)"; }
	nsx ethtool -k rcwb | grep -q '^tcp-segmentation-offload: off' ||
		fail "--no-offload, SIG$1: tso, which it did not change, is not off any more"
}
no_offload_until TERM
grep -q 'rcwb: --no-offload changed: rx-gro on->off' "$TMP/no.err" ||
	{ cat "$TMP/no.err"; fail "--no-offload does not say what it changed"; }
grep -q 'rcwb: restored what the capture changed' "$TMP/no.err" ||
	{ cat "$TMP/no.err"; fail "--no-offload does not say it restored"; }
capinfos -I "$TMP/no.pcapng" | grep -q -- '--no-offload: changed: rx-gro on->off' ||
	fail "the IDB does not say what --no-offload changed"
no_offload_until INT
no_offload_until KILL
echo "ok   --no-offload: gro off while capturing, on again after SIGTERM, SIGINT and SIGKILL"

# An error exit: the output cannot be created (after the change is made).
"$RINGCAP" --netns "$NS" -i rcwb --no-offload -q -w "$TMP/no/such/dir/x.pcapng" 2>"$TMP/no.err"
r=$?
[ "$r" = 1 ] || { cat "$TMP/no.err"; fail "--no-offload into a missing directory: exit $r"; }
[ "$(gro)" = on ] || { cat "$TMP/no.err"; fail "--no-offload, error exit: gro stayed $(gro)"; }
# An interface that vanishes mid-capture: the change went with it.
nsx ip link add rcwc type veth peer name rcwd && nsx ip link set rcwc up && nsx ip link set rcwd up
nsx ethtool -K rcwc gro on
"$RINGCAP" --netns "$NS" -i rcwc --no-offload -q -w "$TMP/gone.pcapng" 2>"$TMP/gone.err" &
pid=$!
PIDS+=($pid)
for _ in $(seq 50); do [ -e "$TMP/gone.pcapng" ] && break; sleep 0.1; done
nsx ip link del rcwc
r=0
wait "$pid" || r=$?
PIDS=("${PIDS[@]/$pid}")
[ "$r" = 1 ] && grep -q 'rcwc' "$TMP/gone.err" || { cat "$TMP/gone.err"; fail "rcwc removed: exit $r"; }
tshark -r "$TMP/gone.pcapng" >/dev/null 2>&1 || fail "rcwc removed: tshark cannot read the file"
echo "ok   --no-offload: restored after an error exit; a vanished interface ends it cleanly"

# --- Time stamp types: a veth offers host only (its driver's
# ETHTOOL_GET_TS_INFO), so adapter_unsynced is refused before any file.
"$RINGCAP" --netns "$NS" -J -i rcwb >"$TMP/j.out" || fail "-J -i rcwb failed"
[ "$(cat "$TMP/j.out")" = "$(printf 'Time stamp types for rcwb (use option -j to set):\n  host (Host)')" ] ||
	{ cat "$TMP/j.out"; fail "-J on a veth"; }
"$RINGCAP" --netns "$NS" -i rcwb -j adapter_unsynced -w "$TMP/j.pcapng" 2>"$TMP/j.err"
r=$?
[ "$r" = 1 ] && [ "$(wc -l <"$TMP/j.err")" = 1 ] &&
	grep -q 'rcwb has no adapter_unsynced time stamps (it offers: host)' "$TMP/j.err" ||
	{ cat "$TMP/j.err"; fail "-j adapter_unsynced on a veth: exit $r"; }
[ -e "$TMP/j.pcapng" ] && fail "-j adapter_unsynced refused, but a file was created"
"$RINGCAP" --netns "$NS" -i rcwb -j sundial -w "$TMP/j.pcapng" 2>"$TMP/j.err"
[ $? = 2 ] && grep -q -- '-j sundial: not a time stamp type' "$TMP/j.err" || fail "-j sundial"
capture --netns "$NS" -i rcwb -j host -w "$TMP/host.pcapng"
[ "$(count "$TMP/host.pcapng")" = "$SENT" ] || fail "-j host: not all $SENT frames"
echo "ok   -J on a veth: host; -j adapter_unsynced refused in one line; -j host captures"
exit 0
