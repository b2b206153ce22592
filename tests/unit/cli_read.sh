#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_read.sh RINGCAP PCAPDIR - ringcap -r FILE -w OUT EXPR against tcpdump
# -r FILE -w OUT EXPR on libpcap's own test captures (tests/data/filter/
# pcaps): the same packets kept, counted by capinfos in both outputs; -c,
# -b packets:N, stdin, gzip'd input (also for compare); and the usage
# errors. No privileges: nothing is captured.
set -u
RC=$1 PCAPS=$2
. "$(dirname "$0")/../lib/check.sh"

count() { capinfos -M -c "$1" 2>/dev/null | awk -F': *' '/Number of packets/ { print $2 }'; }

exprs=('' 'ip' 'ip6' 'udp' 'tcp' 'icmp' 'arp' 'vlan' 'not ip' 'udp port 4500' 'host 10.0.0.1'
       'ip proto 51' 'ether broadcast' 'ether multicast' 'greater 200' 'less 100'
       'ip[8] < 64' 'ip6 and udp' 'geneve' 'tcp[tcpflags] & tcp-syn != 0')
n=0
for f in "$PCAPS"/*.pcap; do
	for e in "${exprs[@]}"; do
		tcpdump -r "$f" -w "$tmp/t.pcap" ${e:+"$e"} 2>/dev/null || continue
		"$RC" -r "$f" -w "$tmp/r.pcapng" ${e:+"$e"} 2>"$tmp/err"
		check "$(basename "$f") '$e' exit" 0 "$?"
		check "$(basename "$f") '$e' packets" "$(count "$tmp/t.pcap")" "$(count "$tmp/r.pcapng")"
		n=$((n + 1))
	done
done
[ $n -gt 200 ] || check "cases run" "more than 200" "$n"

f=$PCAPS/ringcap-frames.pcap
total=$(count "$f")
"$RC" -r "$f" -w "$tmp/c.pcapng" -c 5 2>"$tmp/err"
check "-c 5" 5 "$(count "$tmp/c.pcapng")"
check "-c 5 says so" "stopped: -c 5 reached" "$(grep stopped "$tmp/err")"
"$RC" -r "$f" -w "$tmp/set.pcapng" -b packets:10 2>/dev/null
check "-b packets:10 files" $(((total + 9) / 10)) "$(ls "$tmp"/set_*.pcapng | wc -l)"
check "-b packets:10 first file" 10 "$(count "$(ls "$tmp"/set_00001_*.pcapng)")"
"$RC" -r - -w "$tmp/s.pcapng" <"$f" 2>/dev/null
check "-r - (stdin)" "$total" "$(count "$tmp/s.pcapng")"
"$RC" -r "$f" -P -w "$tmp/p.pcap" udp 2>/dev/null
tcpdump -r "$f" -w "$tmp/t.pcap" udp 2>/dev/null
check "-r -P: classic pcap, nanosecond magic" "4d3cb2a1" "$(od -An -tx1 -N4 "$tmp/p.pcap" | tr -d ' ')"
check "-r -P: the packets tcpdump keeps" "$(count "$tmp/t.pcap")" "$(tcpdump -r "$tmp/p.pcap" 2>/dev/null | wc -l)"
gzip -c "$f" >"$tmp/g.pcap.gz"
"$RC" -r "$tmp/g.pcap.gz" -w "$tmp/g.pcapng" udp 2>/dev/null
tcpdump -r "$f" -w "$tmp/t.pcap" udp 2>/dev/null
check "-r of a .gz file" "$(count "$tmp/t.pcap")" "$(count "$tmp/g.pcapng")"
gzip -c "$tmp/s.pcapng" >"$tmp/s.pcapng.gz"
out=$("$RC" compare --json "$tmp/g.pcap.gz" "$tmp/s.pcapng.gz" 2>&1)
check "compare of two .gz files" 0 "$?"
check "compare: nothing lost" 0 "$(grep -cE '"lost_(a_to_b|b_to_a)": [1-9]' <<<"$out")"
check "compare: all matched" 1 "$(grep -cE '"lost_a_to_b": 0,' <<<"${out%%\"flows\"*}")"

out=$("$RC" -r "$f" 2>&1); st=$?
check "-r without -w" "ringcap: -r: give -w OUT (ringcap does not print packets: tcpdump -r FILE) (ringcap --help)" "$out"
check "-r without -w status" 2 "$st"
out=$("$RC" -r "$f" -i lo -w "$tmp/x.pcapng" 2>&1); st=$?
check "-r with -i status" 2 "$st"
out=$("$RC" -r "$f" -a duration:5 -w "$tmp/x.pcapng" 2>&1); st=$?
check "-r with -a duration status" 2 "$st"
out=$("$RC" -r "$tmp/none.pcap" -w "$tmp/x.pcapng" 2>&1); st=$?
check "-r of a missing file" "ringcap: $tmp/none.pcap: cannot open: No such file or directory" "$out"
check "-r of a missing file status" 1 "$st"
check "no output for a missing file" "" "$(ls "$tmp"/x.pcapng 2>/dev/null)"
exit $fail
