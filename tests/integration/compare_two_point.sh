#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Two-point capture: namespaces A and B joined through a middle namespace
# where rcc_relay forwards frames between two veth pairs, 20 ms each way,
# dropping, duplicating and swapping chosen UDP frames and logging each.
# ringcap captures at A and at B at once, rcc_udp sends numbered requests
# A->B and B echoes each number once; then `ringcap compare --json` must
# report exactly what the relay did: which packets (by their payload
# number, looked up with tshark), how many, and a delay near 20 ms with a
# clock offset near 0 (one host, one clock).
#
# DESIGN: the relay stands in for tc netem, which this kernel lacks. Its
# impairments are keyed to the n-th UDP frame of a direction, so the run
# is the same every time. IPv6 is off and neighbours are static, so the
# only frames crossing are the test's. Everything is torn down by an EXIT
# trap; only PIDs started here are signalled.
# usage: compare_two_point.sh RINGCAP RCC_RELAY RCC_UDP
set -euo pipefail

# iproute2 takes abbreviations: "ma" alone would parse as "master", so
# every device name below follows "dev".
RINGCAP=$(realpath "$1") RELAY=$(realpath "$2") UDP=$(realpath "$3")
COUNT=200 DELAY_MS=20
DROP_AB=5,17,18,90 DUP_AB=30,120 SWAP_AB=50,150
DROP_BA=7,60 DUP_BA=99 SWAP_BA=140

. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
command -v tshark >/dev/null || skip "needs tshark"

NA=rcc-a-$$ NM=rcc-m-$$ NB=rcc-b-$$
DIR=$(mktemp -d "${TMPDIR:-/tmp}/rcc-$$.XXXXXX")

cleanup() {
	stop_pids
	del_netns "$NA" "$NM" "$NB"
	remove_dir "$DIR"
}
trap cleanup EXIT

setup_end() { # ns dev mac ip peer_ip peer_mac
	in_ns "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	in_ns "$1" ip link set dev "$2" address "$3"
	in_ns "$1" ip addr add "$4/24" dev "$2"
	in_ns "$1" ip link set dev lo up
	in_ns "$1" ip link set dev "$2" up
	in_ns "$1" ip neigh replace "$5" lladdr "$6" dev "$2" nud permanent
}

setup() {
	ip netns add "$NA"
	ip netns add "$NM"
	ip netns add "$NB"
	ip link add va netns "$NA" type veth peer name ma netns "$NM"
	ip link add vb netns "$NB" type veth peer name mb netns "$NM"
	setup_end "$NA" va 02:cc:00:00:00:0a 198.18.0.1 198.18.0.2 02:cc:00:00:00:0b
	setup_end "$NB" vb 02:cc:00:00:00:0b 198.18.0.2 198.18.0.1 02:cc:00:00:00:0a
	for d in ma mb; do
		in_ns "$NM" sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"
		in_ns "$NM" ip link set dev "$d" promisc on up
	done
}

wait_for() { # file pattern
	for _ in $(seq 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "timed out waiting for '$2' in $1"
}

if_packets() { # ns dev: frames the interface sent plus received
	local d=/sys/class/net/$2/statistics
	echo $(( $(in_ns "$1" cat "$d/tx_packets") + $(in_ns "$1" cat "$d/rx_packets") ))
}

run_traffic() {
	# Background jobs are started with ip netns exec itself, not through
	# in_ns: a backgrounded function is a subshell, and $! would be its
	# PID rather than the program's.
	ip netns exec "$NM" "$RELAY" ma mb --delay-ms "$DELAY_MS" --drop-ab "$DROP_AB" --dup-ab "$DUP_AB" \
		--swap-ab "$SWAP_AB" --drop-ba "$DROP_BA" --dup-ba "$DUP_BA" \
		--swap-ba "$SWAP_BA" >"$DIR/relay.log" &
	PIDS+=($!)
	RELAY_PID=$!
	wait_for "$DIR/relay.log" ready
	ip netns exec "$NA" "$RINGCAP" -q -B 4096 -i va -w "$DIR/A.pcapng" 2>"$DIR/ringcap-a.log" &
	PIDS+=($!)
	CAP_A=$!
	ip netns exec "$NB" "$RINGCAP" -q -B 4096 -i vb -w "$DIR/B.pcapng" 2>"$DIR/ringcap-b.log" &
	PIDS+=($!)
	CAP_B=$!
	sleep 1 # both rings bound before the first packet
	ip netns exec "$NB" "$UDP" echo 198.18.0.2 9000 3000 >"$DIR/echo.log" &
	PIDS+=($!)
	ECHO_PID=$!
	sleep 0.2
	in_ns "$NA" "$UDP" send 198.18.0.1 9001 198.18.0.2 9000 "$COUNT" 2000 >"$DIR/send.log"
	wait "$ECHO_PID"
	sleep 0.5 # the last block times out (100 ms) into the files
	for p in "$CAP_A" "$CAP_B" "$RELAY_PID"; do
		kill -INT "$p"
		wait "$p" || fail "process $p exited with $?"
	done
	PIDS=()
	IF_A=$(if_packets "$NA" va)
	IF_B=$(if_packets "$NB" vb)
}

json_num() { # key file: a top-level number from ringcap's one-key-per-line JSON
	sed -n "s/^  \"$1\": \\(-\\{0,1\\}[0-9]*\\),\$/\\1/p" "$2"
}

# Payload numbers ("seq NNNNNN") of the lost packets of one file, sorted.
lost_seqs() { # file-letter pcap json
	local idx
	idx=$(sed -n "s/.*\"file\": \"$1\", \"index\": \\([0-9]*\\),.*/\\1/p" "$3" | paste -sd, -)
	[ -n "$idx" ] || return 0
	tshark -r "$2" -Y "frame.number in {$idx}" -T fields -e udp.payload 2>/dev/null |
		while read -r hex; do printf '%b\n' "$(echo "$hex" | sed 's/../\\x&/g')"; done |
		cut -c5-10 | sort -n | sed 's/^0*//'
}

relay_seqs() { # action direction
	awk -v a="$1" -v d="$2" '$1 == a && $2 == d { print $5 }' "$DIR/relay.log" | sort -n
}

check_equal() { # what got want
	[ "$2" = "$3" ] || fail "$1: ringcap compare says '$2', expected '$3'"
	echo "ok: $1 = $2"
}

count_words() { echo $#; }

setup
run_traffic
cat "$DIR/relay.log" "$DIR/send.log" "$DIR/echo.log"
"$RINGCAP" compare "$DIR/A.pcapng" "$DIR/B.pcapng" --json --window 500 >"$DIR/report.json" ||
	fail "ringcap compare exited with $?"
"$RINGCAP" compare "$DIR/A.pcapng" "$DIR/B.pcapng" --annotate "$DIR/annotated.pcapng" |
	head -n 12

J=$DIR/report.json
A_PKTS=$(tshark -r "$DIR/A.pcapng" 2>/dev/null | wc -l)
B_PKTS=$(tshark -r "$DIR/B.pcapng" 2>/dev/null | wc -l)
check_equal packets_a "$(json_num packets_a "$J")" "$A_PKTS"
check_equal packets_b "$(json_num packets_b "$J")" "$B_PKTS"
check_equal "packets_a = va's tx + rx counters" "$(json_num packets_a "$J")" "$IF_A"
check_equal "packets_b = vb's tx + rx counters" "$(json_num packets_b "$J")" "$IF_B"
check_equal lost_a_to_b "$(json_num lost_a_to_b "$J")" "$(count_words ${DROP_AB//,/ })"
check_equal lost_b_to_a "$(json_num lost_b_to_a "$J")" "$(count_words ${DROP_BA//,/ })"
check_equal duplicated "$(json_num duplicated "$J")" "$(count_words ${DUP_AB//,/ } ${DUP_BA//,/ })"
check_equal reordered "$(json_num reordered "$J")" \
	"$(count_words ${SWAP_AB//,/ } ${SWAP_BA//,/ })"
check_equal "lost A->B packets" "$(lost_seqs a "$DIR/A.pcapng" "$J" | xargs)" \
	"$(relay_seqs drop ab | xargs)"
check_equal "lost B->A packets" "$(lost_seqs b "$DIR/B.pcapng" "$J" | xargs)" \
	"$(relay_seqs drop ba | xargs)"
# The relay's own count of what it let through must equal what B saw.
check_equal "relay a->b frames sent = B's inbound" \
	"$(awk '$1 == "summary" && $2 == "ab" { print $6 }' "$DIR/relay.log")" \
	"$(tshark -r "$DIR/B.pcapng" -Y 'ip.dst == 198.18.0.2' 2>/dev/null | wc -l)"

offset=$(json_num clock_offset_ns "$J")
median=$(sed -n 's/.*"median": \([0-9]*\),.*/\1/p' "$J")
echo "clock offset ${offset} ns, median delay ${median} ns (relay: ${DELAY_MS} ms each way)"
[ "${offset#-}" -lt 2000000 ] || fail "clock offset ${offset} ns: same host, should be ~0"
[ "$median" -gt $((DELAY_MS * 1000000)) ] && [ "$median" -lt $((DELAY_MS * 1000000 + 3000000)) ] ||
	fail "median delay ${median} ns, relay holds ${DELAY_MS} ms"
comments=$(tshark -r "$DIR/annotated.pcapng" -Y frame.comment 2>/dev/null | wc -l)
check_equal "annotated A packets" "$comments" \
	"$(count_words ${DROP_AB//,/ } ${DUP_AB//,/ } ${DUP_BA//,/ } ${SWAP_AB//,/ } ${SWAP_BA//,/ })"
echo "PASS"
