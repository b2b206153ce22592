# SPDX-License-Identifier: MIT
# Shell helpers the namespace tests share; sourced, not run.
#
# DESIGN: a test that cannot run reports SKIP (77) on a developer's
# machine, but under CI=true a skip is a failure, as STYLE.md asks. PIDS
# holds only what the test started, so stopping is by those PIDs alone.

skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: would skip under CI: $*" >&2
		exit 1
	fi
	echo "SKIP: $*" >&2
	exit 77
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

PIDS=()

# TERM to every PID the test started, then reap them.
stop_pids() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	PIDS=()
}

del_netns() { # ns...
	local ns
	for ns in "$@"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

# The work directory, kept when KEEP is set, for a look after a failure.
remove_dir() { # dir
	if [ -n "${KEEP:-}" ]; then echo "kept $1" >&2; else rm -rf "$1"; fi
}
