#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_habits.sh RINGCAP - tcpdump's and dumpcap's habits against the real
# interface list, unprivileged: -L, -i N, -y, -v, a refused flag's line.
# lo is ifindex 1 in every network namespace, so it is -D's first.
set -u
RC=$1
fail=0

check() { # description, expected, actual
	if [ "$2" != "$3" ]; then
		printf 'FAIL %s\n  want: %s\n  got:  %s\n' "$1" "$2" "$3"
		fail=1
	fi
}

lo=$(printf 'Data link types for lo (use option -y to set):\n  EN10MB (Ethernet)')
check "-L -i lo" "$lo" "$("$RC" -L -i lo 2>&1)"
check "-D's first is lo" "1.lo" "$("$RC" -D | head -n 1 | cut -d' ' -f1)"
check "-i 1 is lo" "$lo" "$("$RC" -i 1 -L 2>&1)"
check "--interface 1 is lo" "$lo" "$("$RC" --interface=1 -L 2>&1)"
out=$("$RC" -L -i rc-no-such-if0 2>&1); st=$?
check "-L, no such interface" "ringcap: rc-no-such-if0: no such interface (ringcap -D lists them)" "$out"
check "-L, no such interface: status" 1 "$st"
"$RC" -i 1 -y en10mb -d ip >/dev/null 2>&1
check "-y EN10MB on lo" 0 "$?"
out=$("$RC" -i lo -y RAW -d ip 2>&1); st=$?
check "-y RAW on lo" "ringcap: -y RAW: lo's link type is EN10MB (Ethernet), the only one it has (ringcap -L -i lo)" "$out"
check "-y RAW on lo: status" 1 "$st"
check "-v" "$("$RC" --version)" "$("$RC" -v)"
out=$("$RC" -v -i lo 2>&1); st=$?
check "-v among capture flags: status" 2 "$st"
out=$("$RC" -i lo -XX 2>&1); st=$?
check "-XX" "ringcap: -X: ringcap does not print packets: ringcap -w - | tcpdump -X -r - (ringcap --help)" "$out"
check "-XX: status" 2 "$st"
exit $fail
