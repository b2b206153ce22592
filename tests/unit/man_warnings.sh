#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# man_warnings.sh PAGE... - each manual page renders with no warning from
# man --warnings (groff's and the mdoc macros'). man exits 0 whatever it
# warns about, so the test is that stderr stays empty.
set -u
if ! command -v man >/dev/null; then
	if [ "${CI:-}" = true ]; then
		echo "FAIL: man is not installed (scripts/install-deps installs man-db)"
		exit 1
	fi
	echo "SKIP: man is not installed"
	exit 77
fi
fail=0
for page in "$@"; do
	for locale in C C.UTF-8; do
		err=$(LC_ALL=$locale MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
		if [ -n "$err" ]; then
			printf 'FAIL: %s (LC_ALL=%s):\n%s\n' "$page" "$locale" "$err"
			fail=1
		fi
	done
done
exit $fail
