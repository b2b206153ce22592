#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# filter_live.sh RINGCAP FILTER_FRAMES - capture filters in the kernel.
#
# In a network namespace of its own (rcf-<pid>) with a veth pair, starts
# for every expression below one ringcap and one tcpdump on the same end,
# sends a varied set of raw frames (filter_frames.c) from the other end,
# and asserts both captured exactly the same frames, byte for byte. The
# receiving kernel strips the outer VLAN tag before any socket filter
# runs, so this checks ringcap's live (ancillary-load) semantics against
# libpcap's. IPv6 is disabled in the namespace so the kernel sends nothing
# of its own. Needs root; exit 77 (skip) otherwise, a failure under CI=true.
set -u
RINGCAP=$1
FRAMES=$2
NS=rcf-$$
TMP=

skip() {
	echo "SKIP: $*"
	[ "${CI:-}" = true ] && exit 1
	exit 77
}

[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
command -v tcpdump >/dev/null || skip "needs tcpdump as the reference"

pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill -INT "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	[ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

TMP=$(mktemp -d)
ip netns add "$NS" || skip "cannot create a network namespace"
nsx() { ip netns exec "$NS" "$@"; }
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
nsx ip link add rcfa type veth peer name rcfb || exit 1
nsx ip link set rcfa up && nsx ip link set rcfb up || exit 1

exprs=(
	''
	'ip' 'ip6' 'arp' 'tcp' 'udp' 'icmp' 'icmp6' 'proto 17' 'ip proto \tcp'
	'vlan' 'vlan 100' 'vlan 200' 'vlan 100 and ip' 'vlan and udp port 53' 'not vlan'
	'vlan and vlan' 'vlan 300 and vlan 100' 'vlan 100 and arp' 'vlan and ip6 and tcp'
	'host 198.18.0.1' 'src host 198.18.0.2' 'dst net 198.18.0.0/30' 'net 198.18'
	'host 198.18.0.3 or 198.18.0.4' 'arp host 198.18.0.2'
	'port 80' 'tcp port 80' 'udp port 53' 'dst port 53 or 80' 'portrange 20-100'
	'tcp src portrange 400-500' 'udp[0:2] = 80'
	'tcp[tcpflags] & tcp-syn != 0' 'tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)'
	'tcp[tcpflags] == tcp-fin or tcp[tcpflags] == tcp-rst'
	'tcp[tcpflags] & (tcp-ece|tcp-cwr|tcp-urg|tcp-push) != 0'
	'ip[6:2] & 0x3fff != 0' 'ip[0] & 0xf > 5' 'ip and not tcp and not udp'
	'ip6 proto 6' 'ip6 and udp' 'ip6 host 2001:db8::1' 'icmp6[icmp6type] == icmp6-echo'
	'icmp[icmptype] == icmp-echo' 'ether broadcast' 'ether multicast' 'broadcast or multicast'
	'ether src 02:52:43:00:00:01' 'ether dst 02:52:43:00:00:02 and not ip6'
	'ether proto 0x88b5' 'less 64' 'greater 100' 'len > 70 and udp' 'inbound' 'outbound'
	'mpls' 'mpls 5 and udp port 53' 'mpls 6' 'pppoes' 'pppoes 0x1234 and ip and udp port 53'
	'pppoes 7' 'ip protochain 17' 'ip6 protochain 6' 'protochain 17' 'ah'
	'geneve' 'geneve 10' 'geneve and tcp dst port 22' 'geneve 11 and udp port 53'
	'geneve and ether src 02:52:43:00:00:05' 'geneve 12'
	'mpls and host 198.18.0.1' 'pppoes and host 198.18.0.1' 'pppoes and ip6'
)

# 32 ring blocks of 64 KiB each: with ~90 capture processes on two cores
# a ringcap may go unscheduled for a while, and 32 x 20 ms of blocks keep
# the burst (8 blocks were once overrun by a frame).
for i in "${!exprs[@]}"; do
	e=${exprs[$i]}
	ip netns exec "$NS" "$RINGCAP" -i rcfb -q -B 2048 --block-size 64 --block-timeout 20 \
		-w "$TMP/r$i.pcapng" ${e:+"$e"} 2>"$TMP/r$i.err" &
	pids+=($!)
	ip netns exec "$NS" tcpdump -i rcfb --immediate-mode -U -s 0 -w "$TMP/t$i.pcap" ${e:+"$e"} 2>"$TMP/t$i.err" &
	pids+=($!)
done

# Ready when every process has its packet socket (ringcap: bound after
# the filter is attached; tcpdump: says "listening").
want=$((2 * ${#exprs[@]}))
for _ in $(seq 100); do
	have=$(($(nsx cat /proc/net/packet | wc -l) - 1))
	listening=$(grep -l listening "$TMP"/t*.err 2>/dev/null | wc -l)
	[ "$have" -ge "$want" ] && [ "$listening" -eq ${#exprs[@]} ] && break
	sleep 0.1
done
[ "$have" -ge "$want" ] || { echo "FAIL: only $have of $want capture sockets came up"; cat "$TMP"/r0.err; exit 1; }
sleep 0.3

nsx "$FRAMES" rcfa || { echo "FAIL: could not send the frames"; exit 1; }
sleep 1
for p in "${pids[@]}"; do
	kill -INT "$p"
done
for p in "${pids[@]}"; do
	wait "$p"
done
pids=()

dump() { tcpdump -r "$1" -t -nn -xx 2>/dev/null; }
count() { tcpdump -r "$1" -nn 2>/dev/null | grep -c "^[0-9]"; }

# tcpdump 4.99/libpcap 1.10 re-runs "inbound" in user space, where its
# interpreter knows no SKF_AD_PKTTYPE and drops everything (its kernel
# filter passes them: "29 packets received by filter, 0 captured"). Every
# frame here is inbound, so the reference for it is the unfiltered capture.
reference() {
	case "$1" in
	inbound) echo "$TMP/t0.pcap" ;;
	*) echo "$TMP/t$2.pcap" ;;
	esac
}

fail=0
for i in "${!exprs[@]}"; do
	e=${exprs[$i]}
	ref=$(reference "$e" "$i")
	r=$(count "$TMP/r$i.pcapng")
	t=$(count "$ref")
	if [ ! -s "$TMP/r$i.pcapng" ] || ! diff <(dump "$ref") <(dump "$TMP/r$i.pcapng") >"$TMP/d$i"; then
		echo "FAIL '$e': ringcap $r frames, tcpdump $t"
		head -20 "$TMP/d$i"
		cat "$TMP/r$i.err"
		fail=1
	else
		printf 'ok   %2d frames  %s\n' "$t" "${e:-(no filter)}"
	fi
done
# The unfiltered capture proves the frames arrived at all.
all=$(count "$TMP/r0.pcapng")
[ "$all" -ge 34 ] || { echo "FAIL: only $all frames arrived unfiltered"; fail=1; }
exit $fail
