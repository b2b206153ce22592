#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# man_flags.sh RINGCAP PAGE - every flag `ringcap --help` shows (in its
# synopsis or as an option line) has an item in the manual page's OPTIONS
# or COMPARE section, and every item there is a flag --help shows. So a
# new flag fails this test until it is documented, and a removed one until
# its item goes. The page is read as man renders it, not as roff source.
set -u
RC=$1
PAGE=$2

if ! command -v man >/dev/null; then
	if [ "${CI:-}" = true ]; then
		echo "FAIL: man is not installed (scripts/install-deps installs man-db)"
		exit 1
	fi
	echo "SKIP: man is not installed"
	exit 77
fi

flag='--?[A-Za-z#][A-Za-z0-9-]*'
help=$("$RC" --help) || { echo "FAIL: $RC --help exited $?"; exit 1; }

# The synopsis (up to the first blank line): "[-x", "|-x", " -x".
# Option lines ("  -x, --long ARG   text"): the flags before the gap.
help_flags=$(
	{
		printf '%s\n' "$help" | sed -n '1,/^$/p' | grep -oE "(^|[[ |])$flag" | sed 's/^[[ |]//'
		printf '%s\n' "$help" | grep -E '^  -' | sed -E 's/^  //; s/  .*//' |
			grep -oE "(^|[ ,])$flag" | sed 's/^[ ,]//'
	} | sort -u)

# Rendered wide enough that no paragraph wraps: an item's tag is a line
# that starts with a flag, inside OPTIONS or COMPARE.
page=$(LC_ALL=C MANWIDTH=250 man -l "$PAGE" 2>/dev/null | sed 's/.\x08//g')
man_flags=$(printf '%s\n' "$page" |
	awk '/^[A-Z][A-Z ]*$/ { keep = ($0 == "OPTIONS" || $0 == "COMPARE"); next } keep' |
	grep -E '^ +-' | sed -E 's/^ +//; s/  .*//' | grep -oE "(^|[ ,])$flag" | sed 's/^[ ,]//' |
	sort -u)

if [ -z "$help_flags" ] || [ -z "$man_flags" ]; then
	echo "FAIL: found no flags in --help or in $PAGE: the test no longer reads them"
	exit 1
fi
fail=0
for f in $(comm -23 <(printf '%s\n' "$help_flags") <(printf '%s\n' "$man_flags")); do
	echo "FAIL: ringcap --help shows $f, but $PAGE has no item for it under OPTIONS or COMPARE"
	fail=1
done
for f in $(comm -13 <(printf '%s\n' "$help_flags") <(printf '%s\n' "$man_flags")); do
	echo "FAIL: $PAGE documents $f, which ringcap --help does not show"
	fail=1
done
[ $fail = 0 ] && echo "ok: $(printf '%s\n' "$help_flags" | wc -l) flags, each documented"
exit $fail
