#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_filter.sh RINGCAP - the filter on the command line, without capturing:
# -d/-dd/-ddd, -f/-F/trailing arguments, and the error line and exit status;
# and the usage errors that once let ringcap do something else than asked.
set -u
RC=$1
. "$(dirname "$0")/../lib/check.sh"

out=$("$RC" -d 'tcp and prot 80' 2>&1); st=$?
check "syntax error line" "ringcap: filter: syntax error at 'prot' (column 9)" "$out"
check "syntax error status" 2 "$st"

out=$("$RC" -d 'port 99999' 2>&1); st=$?
check "semantic error status" 2 "$st"

out=$("$RC" -d 'ip and (' 2>&1)
check "error at the end" "ringcap: filter: syntax error at end of expression (column 9)" "$out"

out=$("$RC" -ddd -s 100 ip)
check "-ddd" "$(printf '4\n40 0 0 12\n21 0 1 2048\n6 0 0 100\n6 0 0 0')" "$out"

out=$("$RC" -dd ip)
check "-dd" "$(printf '{ 0x28, 0, 0, 0x0000000c },\n{ 0x15, 0, 1, 0x00000800 },\n{ 0x6, 0, 0, 0x00040000 },\n{ 0x6, 0, 0, 0x00000000 },')" "$out"

out=$("$RC" -d ip)
check "-d" "$(printf '(000) ldh      [12]\n(001) jeq      #0x800           jt 2\tjf 3\n(002) ret      #262144\n(003) ret      #0')" "$out"

check "-f equals trailing arguments" "$("$RC" -d udp port 53)" "$("$RC" -d -f 'udp port 53')"
printf 'udp # comment here\nport 53\n' >"$tmp/f"
check "-F with a comment" "$("$RC" -d udp port 53)" "$("$RC" -d -F "$tmp/f")"

"$RC" -d -f tcp udp >/dev/null 2>&1
check "two filters refused" 2 "$?"
"$RC" -d -F "$tmp/missing" >/dev/null 2>&1
check "missing -F file" 2 "$?"
# A -F file that opens but cannot be read was once an empty filter: -d
# printed 'ret #262144' and a capture took everything.
mkdir "$tmp/dir"
out=$("$RC" -d -F "$tmp/dir" 2>&1); st=$?
check "-F directory line" "ringcap: -F $tmp/dir: Is a directory" "$out"
check "-F directory status" 2 "$st"
printf 'ip\0and tcp\n' >"$tmp/nul"
out=$("$RC" -d -F "$tmp/nul" 2>&1); st=$?
check "-F with a NUL byte" "ringcap: -F $tmp/nul: contains a NUL byte" "$out"
check "-F with a NUL byte status" 2 "$st"
check "-i lo picks Ethernet framing" "$("$RC" -d ip)" "$("$RC" -i lo -d ip)"
"$RC" -i rcf-no-such-if -d ip >/dev/null 2>&1
check "-d -i with an unknown interface" 1 "$?"
"$RC" -d 'ip broadcast' >/dev/null 2>&1
check "ip broadcast without a netmask" 2 "$?"
out=$("$RC" -i lo -d 'ip broadcast' | grep -c '#0xffffff$')
check "ip broadcast takes lo's netmask" 1 "$out"
out=$("$RC" -d 'ip[0:4] << 32 = 0' 2>&1); st=$?
check "shift by 32" "ringcap: filter: shift by 32: the kernel allows shifts of 0 to 31 only at '<<' (column 9)" "$out"
check "shift by 32 status" 2 "$st"
out=$("$RC" -d 'ether[0:4] = 4294967296' 2>&1); st=$?
check "2^32" "ringcap: filter: constant out of 32-bit range (at most 4294967295) at '4294967296' (column 14)" "$out"
check "2^32 status" 2 "$st"
# Offsets of 2^31 and more are the kernel's special ones: this once loaded
# skb->protocol (SKF_AD_OFF) instead of a packet byte, and ip[4294967290]
# wrapped round to byte 8.
out=$("$RC" -d 'ether[4294963200] = 0' 2>&1); st=$?
check "ancillary-range index" "ringcap: filter: index too large: packet offsets must stay below 2^31 at '[' (column 6)" "$out"
check "ancillary-range index status" 2 "$st"
"$RC" -d 'ip[4294967290] = 0' >/dev/null 2>&1
check "wrapping index status" 2 "$?"

out=$("$RC" -i rcf-x -i rcf-y -i rcf-x -w "$tmp/o.pcapng" 2>&1); st=$?
check "-i twice" "ringcap: -i rcf-x: given twice (each packet would be written twice) (ringcap --help)" "$out"
check "-i twice status" 2 "$st"
check "-i twice wrote nothing" "" "$(ls "$tmp"/o.pcapng 2>/dev/null)"
out=$("$RC" -D extra words 2>&1); st=$?
check "-D with words" "ringcap: -D: takes no arguments, not 'extra' (ringcap --help)" "$out"
check "-D with words status" 2 "$st"
exit $fail
