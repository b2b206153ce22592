# SPDX-License-Identifier: MIT
# Sourced by the shell tests: a scratch directory $tmp removed on exit, and
# check DESCRIPTION EXPECTED ACTUAL, which prints both sides and sets
# fail=1 on a mismatch (exit with $fail at the end).
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() {
	if [ "$2" != "$3" ]; then
		printf 'FAIL %s\n  want: %s\n  got:  %s\n' "$1" "$2" "$3"
		fail=1
	fi
}
