#!/usr/bin/env bash
# Copied from the ringcap shared tools (shared/tools/pcapng-check.sh), unchanged but for this line.
# pcapng-check.sh - validate a pcapng file with independent readers
# (Wireshark's wiretap via tshark/capinfos, and libpcap via tcpdump).
#
# usage: pcapng-check.sh [options] FILE EXPECTED_PACKETS
#   --isb          require an Interface Statistics Block for every interface
#   --no-tcpdump   skip the libpcap/tcpdump read (e.g. a multi-linktype file,
#                  which libpcap <= 1.10/master cannot read by design)
#   --no-time      skip the timestamp plausibility check (2000-01-01 .. now+1d)
#   --lint         extra byte-level rules via fq (zero padding, opt_endofopt,
#                  NUL-free strings, fixed option lengths, section length -1)
#   -v             show tool output on failure
# exit status: 0 all checks passed; 1 a check failed; 2 usage / missing tool.
#
# Tested with tshark/capinfos 4.0.17, tcpdump 4.99.3 / libpcap 1.10.3, fq 0.3.0
# (Debian 12). Field and format names below are those of Wireshark 4.0.
set -u
ISB=0 TCPDUMP=1 TIMECHK=1 LINT=0 VERBOSE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --isb) ISB=1 ;; --no-tcpdump) TCPDUMP=0 ;; --no-time) TIMECHK=0 ;;
    --lint) LINT=1 ;; -v) VERBOSE=1 ;; --) shift; break ;;
    -*) echo "unknown option $1" >&2; exit 2 ;; *) break ;;
  esac; shift
done
[ $# -eq 2 ] || { sed -n '2,14p' "$0" >&2; exit 2; }
F=$1 N=$2
case "$N" in ''|*[!0-9]*) echo "EXPECTED_PACKETS must be a number" >&2; exit 2 ;; esac
[ -r "$F" ] || { echo "cannot read $F" >&2; exit 2; }
for t in tshark capinfos; do command -v $t >/dev/null || { echo "missing $t" >&2; exit 2; }; done
[ $TCPDUMP = 1 ] && { command -v tcpdump >/dev/null || { echo "missing tcpdump" >&2; exit 2; }; }
[ $LINT = 1 ] && { command -v fq >/dev/null || { echo "missing fq (apt-get install fq)" >&2; exit 2; }; }

T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
FAILS=0
pass() { printf 'PASS  %s\n' "$1"; }
fail() { printf 'FAIL  %s\n' "$1"; FAILS=$((FAILS+1)); [ $VERBOSE = 1 ] && [ -n "${2:-}" ] && sed 's/^/      | /' "$2" | head -20; }
quiet() { grep -v -e '^Running as user' -e '^reading from file' "$1"; }   # drop harmless chatter

PCAPNG='read_format:Wireshark/... - pcapng'   # force the pcapng reader (no fallback to other formats)
STRUCT='read_format:MIME Files Format'          # whole file as one record, dissected block by block

# 1. magic: the file must start with an SHB
magic=$(head -c 4 "$F" | od -An -tx1 | tr -d ' \n')
[ "$magic" = 0a0d0d0a ] && pass "starts with SHB block type 0x0A0D0D0A" || fail "first 4 bytes are $magic, not an SHB"

# 2. Wireshark (wiretap) reads the whole file, pcapng reader forced
tshark -X "$PCAPNG" -r "$F" -T fields -e frame.interface_id -e frame.time_epoch \
       -e frame.len -e frame.cap_len -e frame.packet_flags >"$T/ts.out" 2>"$T/ts.err"; rc=$?
if [ $rc -eq 0 ] && [ -z "$(quiet "$T/ts.err")" ]; then pass "tshark reads the file (rc=0, no errors)"
else fail "tshark rc=$rc: $(quiet "$T/ts.err" | head -1)" "$T/ts.err"; fi
# packets = records that carry an interface id (custom blocks etc. are records too)
n=$(awk -F'\t' '$1!=""' "$T/ts.out" | wc -l)
[ "$n" -eq "$N" ] && pass "tshark packet count $n" || fail "tshark packet count $n, expected $N"
bad=$(awk -F'\t' '$1!="" && $3+0 < $4+0' "$T/ts.out" | wc -l)
[ "$bad" -eq 0 ] && pass "original length >= captured length for every packet" || fail "$bad packets have original length < captured length"
# epb_flags: bits 0-1 direction (3 is invalid), 12-15 reserved (MUST be 0), 16-31 link-layer errors
bad=$(awk -F'\t' 'function hex(h,  i,v){h=tolower(h); sub(/^0x/,"",h); v=0; for(i=1;i<=length(h);i++) v=v*16+index("0123456789abcdef",substr(h,i,1))-1; return v}
  $1!="" && $5!="" { v=hex($5); if (v%4==3 || int(v/4096)%16 || v>=65536) print }' "$T/ts.out" | wc -l)
[ "$bad" -eq 0 ] && pass "epb_flags sane (direction != 3, reserved bits and link-layer-error bits clear)" \
  || fail "$bad packets have epb_flags with direction=3, reserved bits, or link-layer error bits set (MSB-first bit numbering?)"
if [ $TIMECHK = 1 ]; then
  now=$(( $(date +%s) + 86400 ))
  bad=$(awk -F'\t' -v hi="$now" '$1!="" && $2!="" && ($2+0 < 946684800 || $2+0 > hi)' "$T/ts.out" | wc -l)
  [ "$bad" -eq 0 ] && pass "timestamps plausible (2000-01-01 .. now+1d)" || fail "$bad packets have implausible timestamps (wrong if_tsresol / ts split?)"
fi

# 3. capinfos (wiretap) count and per-interface metadata
capinfos -M -c -I "$F" >"$T/ci.out" 2>"$T/ci.err"; rc=$?
cn=$(sed -n 's/^Number of packets: *//p' "$T/ci.out")
if [ $rc -eq 0 ] && [ "${cn:-x}" = "$N" ]; then pass "capinfos count $cn"
else fail "capinfos rc=$rc count=${cn:-?}: $(head -1 "$T/ci.err")" "$T/ci.err"; fi
awk '
  /^Interface #[0-9]+ info:/ { i=$2; n++; seen[i]=1; next }
  n && /^ +Name = /             { name[i]=1 }
  n && /^ +Time resolution = /  { res[i]=1 }
  n && /^ +Number of stat entries = / { split($0,a,"= "); st[i]=a[2]+0 }
  END { for (k in seen) printf "%s %d %d %d\n", k, name[k]+0, res[k]+0, st[k]+0; if (!n) print "none" }
' "$T/ci.out" | sort >"$T/if.txt"
if grep -q '^none' "$T/if.txt"; then
  [ $rc -eq 0 ] && fail "no Interface Description Blocks" || fail "interface metadata unavailable (capinfos could not read the file)"
else
  nif=$(wc -l <"$T/if.txt")
  miss=$(awk '$2==0{printf "%s ",$1}' "$T/if.txt"); [ -z "$miss" ] && pass "if_name present on all $nif interfaces" || fail "if_name missing on interface(s) $miss"
  miss=$(awk '$3==0{printf "%s ",$1}' "$T/if.txt"); [ -z "$miss" ] && pass "if_tsresol present on all $nif interfaces" || fail "if_tsresol missing on interface(s) $miss"
fi

# 4. Wireshark's file-format dissector: block lengths, trailers, option lengths, IDB references
tshark -r "$F" -X "$STRUCT" -T fields -E occurrence=a -E aggregator=';' \
       -e _ws.expert.severity -e _ws.expert.message -e pcapng.block.type -e pcapng.interface_id >"$T/st.out" 2>"$T/st.err"
# severities: 0x600000 warn (6291456), 0x800000 error (8388608)
awk -F'\t' '{ns=split($1,s,";"); split($2,m,";"); for(i=1;i<=ns;i++) if (s[i]+0>=6291456) print m[i]}' "$T/st.out" | sort | uniq -c >"$T/st.bad"
[ ! -s "$T/st.bad" ] && pass "block structure clean (file-pcapng dissector: no warnings/errors)" \
  || fail "block structure: $(tr -s ' ' <"$T/st.bad" | tr '\n' ';')" "$T/st.bad"
if [ $ISB = 1 ]; then
  # walk blocks in file order: SHB starts a section, IDB adds an interface, EPB/ISB each carry one interface id
  miss=$(awk -F'\t' '{ nt=split($3,t,";"); split($4,id,";"); k=0; sec=0
      for (i=1;i<=nt;i++) { b=t[i]
        if (b=="0x0a0d0d0a") { sec++; nidb[sec]=0 }
        else if (b=="0x00000001") nidb[sec]++
        else if (b=="0x00000006") k++
        else if (b=="0x00000005") { k++; cov[sec SUBSEP id[k]]=1 } }
      for (s2=1;s2<=sec;s2++) for (j=0;j<nidb[s2];j++) if (!((s2 SUBSEP j) in cov)) printf "s%d:if%d ", s2, j }' "$T/st.out")
  [ -z "$miss" ] && pass "an ISB for every interface of every section" || fail "no ISB for $miss"
fi

# 5. libpcap (tcpdump) reads the whole file
if [ $TCPDUMP = 1 ]; then
  tcpdump -r "$F" -n -q -tt --time-stamp-precision=nano >"$T/td.out" 2>"$T/td.err"; rc=$?
  dn=$(wc -l <"$T/td.out")
  if [ $rc -eq 0 ] && [ -z "$(quiet "$T/td.err")" ]; then pass "tcpdump/libpcap reads the file (rc=0)"
  else fail "tcpdump rc=$rc: $(quiet "$T/td.err" | head -1)" "$T/td.err"; fi
  [ "$dn" -eq "$N" ] && pass "tcpdump packet count $dn" || fail "tcpdump packet count $dn, expected $N"
fi

# 6. optional byte-level lint with fq (an independent decoder) + spec rules
if [ $LINT = 1 ]; then
  fq -r -d pcapng '
    def fixed: {"interface_description": {"tsresol":1,"fcslen":1,"10":4,"speed":8,"tsoffset":8,"macaddr":6,
                  "euiaddr":8,"ipv4addr":8,"5":17,"16":8,"17":8},
                "enhanced_packet": {"flags":4,"dropcount":8,"5":8,"6":4,"8":8},
                "interface_statistics": {"starttime":8,"endtime":8,"ifrecv":8,"ifdrop":8,"filteraccept":8,"osdrop":8,"usrdeliv":8}};
    def single: {"section_header": ["hardware","os","userappl"],
                 "interface_description": ["name","description","macaddr","euiaddr","speed","tsresol","10","filter","os","fcslen","tsoffset","15","16","17","18"],
                 "enhanced_packet": ["flags","dropcount","5","6","8"],
                 "interface_statistics": ["starttime","endtime","ifrecv","ifdrop","filteraccept","osdrop","usrdeliv"]};
    def strs: {"section_header": ["comment","hardware","os","userappl"],
               "interface_description": ["comment","name","description","os","15","18"],
               "enhanced_packet": ["comment"], "interface_statistics": ["comment"], "name_resolution": ["comment"]};
    def nonzero: type == "string" and test("[^\\x00]");
    [ .[] | tovalue |
      if type != "object" then "bytes fq could not decode (bad section_length, missing opt_endofopt, or corrupt block)" else
      .blocks[]? | . as $b |
      ( if $b.type == "section_header" and $b.section_length != -1 then "SHB section_length \($b.section_length) (write -1 unless you seek back and fix it)" else empty end ),
      ( if ($b.padding? | nonzero) then "\($b.type): non-zero packet-data padding" else empty end ),
      ( (if ($b.options?|type) == "array" then [$b.options[] | select(has("code"))] else [] end) as $o |
        ( if ($o|length) > 0 and $o[-1].code != "end" then "\($b.type): option list not terminated by opt_endofopt" else empty end ),
        ( $o[] | . as $x | ($x.code|tostring) as $c |
          ( if ($x.padding? | nonzero) then "\($b.type): option \($c) has non-zero padding" else empty end ),
          ( (fixed[$b.type] // {})[$c] as $want |
            if $want != null and $x.length != $want then "\($b.type): option \($c) length \($x.length) != \($want)" else empty end ),
          ( if ((strs[$b.type] // []) | any(.[]; . == $c)) and ($x.value|type) == "string" and ($x.value|utf8bytelength) != $x.length
            then "\($b.type): string option \($c) holds a NUL octet or invalid UTF-8 (length \($x.length), text \($x.value|utf8bytelength) bytes)" else empty end )
        ),
        ( [$o[] | .code|tostring | select(. as $c | (single[$b.type] // []) | any(.[]; . == $c))]
          | group_by(.) | map(select(length>1)) | .[] | "\($b.type): single-instance option \(.[0]) repeated" )
      ) end
    ] | unique | .[]' "$F" >"$T/lint.out" 2>"$T/lint.err"
  if [ ! -s "$T/lint.out" ] && [ ! -s "$T/lint.err" ]; then pass "fq lint clean"
  else fail "fq lint: $(cat "$T/lint.out" "$T/lint.err" | head -5 | tr '\n' ';')" "$T/lint.out"; fi
fi

if [ $FAILS -eq 0 ]; then echo "OK: $F"; exit 0; else echo "NOT OK: $F ($FAILS check(s) failed)"; exit 1; fi
