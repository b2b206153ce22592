#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# man_api.sh PAGE HEADER... - libringcap(3) has an item for every function
# the public headers export (RC_API), and none for a function they no
# longer have. A new module's functions fail this test until the page has
# a subsection for them.
set -u
PAGE=$1
shift

if ! command -v man >/dev/null; then
	if [ "${CI:-}" = true ]; then
		echo "FAIL: man is not installed (scripts/install-deps installs man-db)"
		exit 1
	fi
	echo "SKIP: man is not installed"
	exit 77
fi

# Declarations span lines; join each header into one line per ';'.
exported=$(cat "$@" | tr '\n' ' ' | tr ';' '\n' | grep -E '(^|[^A-Za-z_])RC_API[^A-Za-z_]' |
	grep -oE 'rc_[a-z0-9_]+ *\(' | sed 's/ *($//' | sort -u)
# An item's tag is "type rc_name(args)" at the start of a rendered line.
page=$(LC_ALL=C MANWIDTH=250 man -l "$PAGE" 2>/dev/null | sed 's/.\x08//g')
documented=$(printf '%s\n' "$page" | grep -E '^ {5}[a-z].*[ *]rc_[a-z0-9_]+\(' |
	grep -oE 'rc_[a-z0-9_]+\(' | head -n 1000 | sed 's/($//' | sort -u)

if [ -z "$exported" ] || [ -z "$documented" ]; then
	echo "FAIL: found no functions in the headers or in $PAGE: the test no longer reads them"
	exit 1
fi
fail=0
for f in $(comm -23 <(printf '%s\n' "$exported") <(printf '%s\n' "$documented")); do
	echo "FAIL: the headers export $f, but $PAGE has no item for it"
	fail=1
done
for f in $(comm -13 <(printf '%s\n' "$exported") <(printf '%s\n' "$documented")); do
	echo "FAIL: $PAGE documents $f, which no public header exports"
	fail=1
done
[ $fail = 0 ] && echo "ok: $(printf '%s\n' "$exported" | wc -l) functions, each documented"
exit $fail
