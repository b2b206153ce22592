#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_compare.sh RINGCAP PCAP OTHER BROKEN - ringcap compare --annotate never
# destroys a file: an output that is also an input (by inode, whatever its
# name) is refused before anything is read, and a failed write leaves an
# existing file as it was. PCAP and OTHER are small captures of different
# traffic (the filter tests' frames and vrrp.pcap). And what the reader tolerates in a broken file (BROKEN: a
# captured length over the original) is said on stderr, once.
set -u
RC=$(realpath "$1") PCAP=$(realpath "$2") OTHER=$(realpath "$3") BROKEN=$(realpath "$4")
. "$(dirname "$0")/../lib/check.sh"

cd "$tmp" || exit 1
cp "$PCAP" a.pcap && cp "$PCAP" orig.pcap && cp "$OTHER" s.pcap && cp "$OTHER" orig-s.pcap
ln a.pcap hard.pcap
ln -s a.pcap sym.pcap
for out in a.pcap ./a.pcap hard.pcap sym.pcap; do
	msg=$("$RC" compare a.pcap s.pcap --annotate "$out" 2>&1 >/dev/null); st=$?
	check "--annotate $out line" \
		"ringcap: --annotate $out: is also input A (a.pcap); give another name" "$msg"
	check "--annotate $out status" 2 "$st"
	cmp -s a.pcap orig.pcap || { echo "FAIL --annotate $out changed a.pcap"; fail=1; }
done
msg=$("$RC" compare a.pcap s.pcap --annotate s.pcap 2>&1 >/dev/null); st=$?
check "--annotate B line" "ringcap: --annotate s.pcap: is also input B (s.pcap); give another name" "$msg"
check "--annotate B status" 2 "$st"
cmp -s s.pcap orig-s.pcap || { echo "FAIL --annotate s.pcap changed s.pcap"; fail=1; }

# A write that fails half way (here: over the file size limit, EFBIG with
# SIGXFSZ ignored) once left a truncated out.pcapng; now the old one stays.
echo precious >out.pcapng
msg=$(trap '' XFSZ; ulimit -f 1; "$RC" compare a.pcap s.pcap --annotate out.pcapng 2>&1 >/dev/null); st=$?
check "failed write status" 1 "$st"
check "failed write line" \
	"ringcap: out.pcapng: cannot write: File too large (any file of that name is left as it was)" "$msg"
check "failed write kept the old file" precious "$(cat out.pcapng)"
check "failed write left no temporary" "" "$(ls | grep tmp)"

"$RC" compare a.pcap s.pcap --annotate out.pcapng >/dev/null 2>&1
check "successful write status" 0 "$?"
check "successful write replaced it" "0a0d0d0a" "$(od -An -tx1 -N4 out.pcapng | tr -d ' ')"
check "successful write mode" "$(touch new; stat -c %a new)" "$(stat -c %a out.pcapng)"
cp "$BROKEN" broken.pcapng
msg=$("$RC" compare broken.pcapng s.pcap 2>&1 >/dev/null); st=$?
check "warning status" 0 "$st"
check "warning line" "ringcap: broken.pcapng: warning: offset 48: captured length 60 is more \
than the original length 40 (read anyway; not repeated for later ones)" "$msg"
exit $fail
