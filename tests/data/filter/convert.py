#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Regenerates the files here from the extracted libpcap test data
# (../shared/filter-tests, see README). Run from this directory:
#   ./convert.py /work/shared/filter-tests
import json, os, shutil, sys

src = sys.argv[1]
pcaps = set()
with open('apply.tsv', 'w') as out:
    for line in open(os.path.join(src, 'libpcap_apply_tests.jsonl')):
        t = json.loads(line)
        if t['savefile_linktype'] != 1 or t.get('skip'):
            continue
        name = os.path.basename(t['savefile'])
        pcaps.add(name)
        verdicts = ''.join(str(a) for a in t['accept'])
        out.write('\t'.join([t['name'], name, t.get('netmask') or '-', t['expr'], verdicts]) + '\n')
for name in sorted(pcaps):
    shutil.copy(os.path.join(src, 'libpcap_tests_filter_pcaps', name), os.path.join('pcaps', name))
with open('reject.tsv', 'w') as out:
    for line in open(os.path.join(src, 'libpcap_en10mb_reject_tests.jsonl')):
        t = json.loads(line)
        out.write('\t'.join([t['name'], t.get('netmask') or '-', t['expr'].replace('\n', ' ')]) + '\n')
# Expressions libpcap compiles only for a live Linux capture ("linuxext").
live = set()
for b in json.load(open(os.path.join(src, 'libpcap_filter_accept_blocks.json'))):
    if b['DLT'] == 'EN10MB' and b.get('linuxext'):
        live.update(b['aliases'])
with open('accept.tsv', 'w') as out:
    for line in open(os.path.join(src, 'libpcap_en10mb_accept_exprs.txt')):
        if line.strip() and not line.startswith('#'):
            expr = line.rstrip('\n')
            out.write(('live' if expr in live else '-') + '\t' + expr + '\n')
