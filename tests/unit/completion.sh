#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# completion.sh RINGCAP COMPLETION - the bash completion offers what it
# should: interfaces from /sys/class/net, the -b and -a keys, the --fanout
# modes, --help's flags, the compare subcommand and its flags.
set -u
RC=$1
COMPLETION=$2
BC=/usr/share/bash-completion/bash_completion
if [ ! -r "$BC" ]; then
	if [ "${CI:-}" = true ]; then
		echo "FAIL: bash-completion is not installed (scripts/install-deps installs it)"
		exit 1
	fi
	echo "SKIP: bash-completion is not installed"
	exit 77
fi
# shellcheck disable=SC1090
. "$BC"
# shellcheck disable=SC1090
. "$COMPLETION"
fail=0

# What completing the last word offers, one per line, sorted.
offers() {
	COMP_WORDS=("$RC" "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_ringcap "$RC" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}" | sort
}

check() { # description, want (one per line), got
	if [ "$2" != "$3" ]; then
		printf 'FAIL %s\n  want: %s\n  got:  %s\n' "$1" "$(echo $2)" "$(echo $3)"
		fail=1
	fi
}
contains() { # description, word, got
	if ! printf '%s\n' "$3" | grep -qxF -- "$2"; then
		printf 'FAIL %s: %s not offered (got: %s)\n' "$1" "$2" "$(echo $3)"
		fail=1
	fi
}

check "-i: /sys/class/net" "$(ls /sys/class/net | sort)" "$(offers -i '')"
check "--interface: /sys/class/net" "$(ls /sys/class/net | grep '^l' | sort)" "$(offers --interface l)"
check "-b keys" "$(printf '%s\n' duration: files: filesize: interval: packets:)" "$(offers -b '')"
check "-b fi" "$(printf '%s\n' files: filesize:)" "$(offers -w x.pcapng -b fi)"
check "-a keys" "$(printf '%s\n' duration: files: filesize: packets:)" "$(offers -a '')"
check "--fanout modes" "$(printf '%s\n' cpu hash lb qm)" "$(offers --threads 2 --fanout '')"
check "-y" "$(printf '%s\n' EN10MB RAW)" "$(offers -y '')"
check "subcommand" compare "$(offers comp)"
check "compare flags" "$(printf '%s\n' --annotate --help --json --window)" "$(offers compare --)"
flags=$(offers -)
for f in -i --interface -w -b -a -L -y -D --list-interfaces --fanout --fanout-files -v --version; do
	contains "flags from --help" "$f" "$flags"
done
# Every option-line flag of --help is offered, and nothing else.
want=$("$RC" --help | grep -E '^  -' | sed -E 's/^  //; s/  .*//' | grep -oE -- '(^|[ ,])--?[A-Za-z][A-Za-z0-9-]*' | sed 's/^[ ,]//' | sort -u)
check "all of --help's flags" "$want" "$(offers - | sort -u)"
exit $fail
