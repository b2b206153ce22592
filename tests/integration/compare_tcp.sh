#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Two-point analysis on real TCP between Linux hosts: iperf3 from
# namespace A through two routers to namespace B, with ringcap capturing
# at A and at B, then `ringcap compare --json` must report exactly the
# payload nftables dropped on the way, and nothing the other way.
#
#   A --va/r1a-- R1 --r1m/r2m-- R2 --r2b/vb-- B
#
# R1's egress to R2 has TSO and GSO off, so A's TSO super-packets are cut
# to MSS there (R2's to B too, so that GRO at B can merge them again); R2 drops about 1 % of the full-size A->B segments
# (`numgen random mod 1000 < 10`) and counts them, the truth the report
# is checked against; optionally R2 masquerades, so B sees other
# addresses and ports than A. Scenarios, one run each:
#   tso       TSO at A, segments at B, 1 % loss
#   clean     the same without loss: the report must say no loss at all
#   nat       TSO at A, masquerade at R2, 1 % loss, three connections at once
#   gro-tso   TSO at A, GRO at B (segments merged again, at other cuts)
#   gro-seg   TSO off at A, GRO at B
#   reverse   iperf3 -R: B sends with TSO, R2's egress to R1 cuts, R1
#             drops 1 %: the loss must show B->A and nothing A->B
#   udp-gso   not TCP: A sends UDP with UDP_SEGMENT (6300-byte datagrams,
#             1200-byte segments), R1 cuts them, R2 drops 3 % of the
#             full-size segments
#
# DESIGN: loss is injected with nftables as netem is not in this kernel;
# the counter read from nft is exact. A capture that dropped packets in
# the kernel would make the comparison meaningless, so each run checks
# ringcap's own summary says 0 dropped. Addresses are in 198.18.0.0/15,
# IPv6 is off; everything lives in namespaces made here and removed by
# an EXIT trap; only PIDs started here are signalled.
# usage: compare_tcp.sh RINGCAP [SCENARIO...]
set -euo pipefail

RINGCAP=$(realpath "$1")
shift
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(tso clean nat gro-tso gro-seg reverse udp-gso)
BYTES=${BYTES:-3M}
REV=0 UDP=0 PARALLEL=1

. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
for t in iperf3 nft ethtool python3; do
	command -v "$t" >/dev/null || skip "needs $t (scripts/install-deps)"
done

NA=rct-a-$$ N1=rct-r1-$$ N2=rct-r2-$$ NB=rct-b-$$
DIR=$(mktemp -d "${TMPDIR:-/tmp}/rct-$$.XXXXXX")

teardown() { del_netns "$NA" "$N1" "$N2" "$NB"; }
cleanup() {
	stop_pids
	teardown
	remove_dir "$DIR"
}
trap cleanup EXIT

addr() { # ns dev ip/len
	in_ns "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	in_ns "$1" ip addr add "$3" dev "$2"
	in_ns "$1" ip link set dev "$2" up
}

# The namespace that drops: the second router the data crosses, as the
# first one cuts the super-packets only on its way out.
drop_ns() { if [ "$REV" = 1 ]; then echo "$N1"; else echo "$N2"; fi; }

setup() { # nat(0/1) a_tso(on/off) b_gro(on/off) drop(0/1)
	local ns
	for ns in "$NA" "$N1" "$N2" "$NB"; do
		ip netns add "$ns"
		in_ns "$ns" ip link set dev lo up
	done
	ip link add va netns "$NA" type veth peer name r1a netns "$N1"
	ip link add r1m netns "$N1" type veth peer name r2m netns "$N2"
	ip link add r2b netns "$N2" type veth peer name vb netns "$NB"
	addr "$NA" va 198.18.1.1/24
	addr "$N1" r1a 198.18.1.2/24
	addr "$N1" r1m 198.18.2.1/24
	addr "$N2" r2m 198.18.2.2/24
	addr "$N2" r2b 198.18.3.1/24
	addr "$NB" vb 198.18.3.2/24
	in_ns "$NA" ip route add default via 198.18.1.2
	in_ns "$NB" ip route add default via 198.18.3.1
	in_ns "$N1" ip route add 198.18.3.0/24 via 198.18.2.2
	in_ns "$N2" ip route add 198.18.1.0/24 via 198.18.2.1
	in_ns "$N1" sysctl -qw net.ipv4.ip_forward=1
	in_ns "$N2" sysctl -qw net.ipv4.ip_forward=1
	in_ns "$NA" ethtool -K va tso "$2" gso "$2" >/dev/null
	in_ns "$N1" ethtool -K r1m tso off gso off tx-udp-segmentation off >/dev/null
	in_ns "$N2" ethtool -K r2m tso off gso off tx-udp-segmentation off >/dev/null
	# veth hands its peer's NAPI (so GRO) only packets from a device
	# without TSO (veth_skb_is_eligible_for_gro()).
	in_ns "$N2" ethtool -K r2b tso off gso off >/dev/null
	in_ns "$NB" ethtool -K vb gro "$3" >/dev/null
	nft_rules "$1" "$4" | in_ns "$(drop_ns)" nft -f -
}

# Full-size A->B segments: 1500 bytes of IP, 1448 of payload behind the
# 20-byte IP and 32-byte TCP (timestamps) headers.
nft_rules() { # nat drop
	echo 'table ip rct {'
	echo ' counter lost { }'
	echo ' chain through { type filter hook forward priority 0;'
	if [ "$2" = 1 ]; then
		if [ "$UDP" = 1 ]; then
			echo '  ip saddr 198.18.1.1 udp dport 9000 ip length 1228 numgen random mod 100 < 3 counter name lost drop'
		elif [ "$REV" = 1 ]; then
			echo '  ip saddr 198.18.3.2 tcp sport 5201 ip length 1500 numgen random mod 1000 < 10 counter name lost drop'
		else
			echo '  ip saddr 198.18.1.1 tcp dport 5201 ip length 1500 numgen random mod 1000 < 10 counter name lost drop'
		fi
	fi
	echo ' }'
	if [ "$1" = 1 ]; then
		echo ' chain out { type nat hook postrouting priority 100; oifname "r2b" masquerade; }'
	fi
	echo '}'
}

# 300 datagrams of 6300 bytes, each cut into five of 1200 and one of 300.
udp_gso_send() {
	in_ns "$NA" python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_UDP, 103, 1200)  # UDP_SEGMENT
for i in range(300):
    s.sendto(bytes((i * 7 + j) & 255 for j in range(6300)), ("198.18.3.2", 9000))
    time.sleep(0.001)
'
}

start_capture() { # ns dev file log
	# Only IP: each link has its own ARP, which never crosses a router.
	ip netns exec "$1" "$RINGCAP" -q -B 65536 -i "$2" -w "$3" ip 2>"$4" &
	PIDS+=($!)
}

run_traffic() {
	if [ "$UDP" = 1 ]; then # a sink, so that B sends no ICMP back
		ip netns exec "$NB" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.3.2", 9000))
while True:
    s.recv(65536)
' >"$DIR/server.log" 2>&1 &
	else
		ip netns exec "$NB" iperf3 -s -1 -B 198.18.3.2 >"$DIR/server.log" 2>&1 &
	fi
	PIDS+=($!)
	local server=$!
	start_capture "$NA" va "$DIR/A.pcapng" "$DIR/cap-a.log"
	local cap_a=$!
	start_capture "$NB" vb "$DIR/B.pcapng" "$DIR/cap-b.log"
	local cap_b=$!
	sleep 1 # rings bound, server listening
	local opts=()
	[ "$REV" = 0 ] || opts=(-R)
	[ "$PARALLEL" = 1 ] || opts+=(-P "$PARALLEL")
	if [ "$UDP" = 1 ]; then
		udp_gso_send
		kill -TERM "$server"
	else
		in_ns "$NA" iperf3 -c 198.18.3.2 -n "$BYTES" "${opts[@]}" >"$DIR/client.log" 2>&1 ||
			fail "iperf3 client: $(tail -n 3 "$DIR/client.log")"
	fi
	wait "$server" || true
	sleep 0.5 # the last block times out into the files
	for p in "$cap_a" "$cap_b"; do
		kill -INT "$p"
		wait "$p" || fail "ringcap $p exited with $?"
	done
	PIDS=()
}

# The capture's own summary must say the kernel dropped nothing.
check_no_capture_drops() { # log
	grep -q '^0 packets dropped by kernel$' "$1" || { cat "$1" >&2; fail "capture dropped packets: $1"; }
}

json_num() { # key file
	sed -n "s/^  \"$1\": \\(-\\{0,1\\}[0-9]*\\),\$/\\1/p" "$2"
}

check_equal() { # what got want
	[ "$2" = "$3" ] || fail "$SCEN: $1: ringcap compare says '$2', expected '$3'"
	echo "ok: $SCEN: $1 = $2"
}

nft_lost() { # packets or bytes
	in_ns "$(drop_ns)" nft list counter ip rct lost | sed -n "s/.*packets \\([0-9]*\\) bytes \\([0-9]*\\).*/\\1 \\2/p"
}

scenario() { # name
	SCEN=$1
	local nat=0 tso=on gro=off drop=1 lost=a_to_b none=b_to_a hdr=52
	REV=0 UDP=0 PARALLEL=1
	case $1 in
	tso) ;;
	clean) drop=0 ;;
	nat) nat=1 PARALLEL=3 ;;
	gro-tso) gro=on ;;
	gro-seg) gro=on tso=off ;;
	reverse) REV=1 lost=b_to_a none=a_to_b ;;
	udp-gso) UDP=1 hdr=28 ;;
	*) fail "unknown scenario $1" ;;
	esac
	setup "$nat" "$tso" "$gro" "$drop"
	run_traffic
	check_no_capture_drops "$DIR/cap-a.log"
	check_no_capture_drops "$DIR/cap-b.log"
	read -r lost_pkts lost_ipbytes < <(nft_lost)
	"$RINGCAP" compare "$DIR/A.pcapng" "$DIR/B.pcapng" --json >"$DIR/$1.json" ||
		fail "ringcap compare exited with $?"
	local J=$DIR/$1.json
	echo "$SCEN: nft dropped $lost_pkts segments, $((lost_ipbytes - hdr * lost_pkts)) payload bytes;" \
		"A $(json_num packets_a "$J") packets, B $(json_num packets_b "$J")"
	check_equal lost_bytes_$lost "$(json_num lost_bytes_$lost "$J")" \
		"$((lost_ipbytes - hdr * lost_pkts))"
	check_equal lost_$lost "$(json_num lost_$lost "$J")" "$lost_pkts"
	check_equal lost_$none "$(json_num lost_$none "$J")" 0
	check_equal lost_bytes_$none "$(json_num lost_bytes_$none "$J")" 0
	if [ "$drop" = 0 ]; then
		check_equal duplicated "$(json_num duplicated "$J")" 0
	fi
	if [ "$nat" = 1 ]; then
		# control connection and data connections, each both ways
		check_equal "NAT mappings" "$(grep -c '"b": "tcp 198.18.3.2:5201 -> 198.18.3.1:\|"b": "tcp 198.18.3.1:' "$J")" \
			$((2 * (PARALLEL + 1)))
	fi
	[ "$drop" = 0 ] || [ "$lost_pkts" -gt 0 ] || fail "$SCEN: nft dropped nothing: test void"
	teardown
}

for s in "${SCENARIOS[@]}"; do
	scenario "$s"
done
echo "PASS"
