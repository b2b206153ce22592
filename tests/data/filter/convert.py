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
# libpcap's program text (bpf_dump, as tcpdump -d) back into numbers.
ANC = {'proto': 0, 'type': 4, 'ifidx': 8, 'nla': 12, 'nlan': 16, 'mark': 20, 'queue': 24,
       'hatype': 28, 'rxhash': 32, 'cpu': 36, 'vlan_tci': 44, 'vlanp': 48, 'poff': 52,
       'rand': 56}
SIZE = {'ld': 0x00, 'ldh': 0x08, 'ldb': 0x10}
ALU = {'add': 0x00, 'sub': 0x10, 'mul': 0x20, 'div': 0x30, 'or': 0x40, 'and': 0x50,
       'lsh': 0x60, 'rsh': 0x70, 'mod': 0x90, 'xor': 0xa0}
JMP = {'jeq': 0x10, 'jgt': 0x20, 'jge': 0x30, 'jset': 0x40}

def num(t):
    return int(t[1:], 0) & 0xffffffff

def assemble_one(pc, op, arg, rest):
    if op in ('ld', 'ldh', 'ldb'):
        if arg == '#pktlen':
            return 0x80, 0, 0, 0
        if arg.startswith('#'):
            return 0x00, 0, 0, num(arg)
        if arg.startswith('M['):
            return 0x60, 0, 0, int(arg[2:-1])
        if arg.startswith('[x'):
            return 0x40 | SIZE[op], 0, 0, int(rest[2].rstrip(']'))
        inner = arg[1:-1]
        k = (ANC[inner] - 0x1000) & 0xffffffff if inner in ANC else int(inner)
        return 0x20 | SIZE[op], 0, 0, k
    if op == 'ldx':
        if arg.startswith('M['):
            return 0x61, 0, 0, int(arg[2:-1])
        return (0x81, 0, 0, 0) if arg == '#pktlen' else (0x01, 0, 0, num(arg))
    if op == 'ldxb':
        return 0xb1, 0, 0, int(arg[4:].split(']')[0])
    if op in ('st', 'stx'):
        return 0x02 if op == 'st' else 0x03, 0, 0, int(arg[2:-1])
    if op in ALU:
        return (0x0c | ALU[op], 0, 0, 0) if arg == 'x' else (0x04 | ALU[op], 0, 0, num(arg))
    if op in JMP:
        jt, jf = int(rest[-3]) - pc - 1, int(rest[-1]) - pc - 1
        if arg == 'x':
            return 0x0d | JMP[op], jt, jf, 0
        return 0x05 | JMP[op], jt, jf, num(arg)
    if op == 'ja':
        return 0x05, 0, 0, int(arg) - pc - 1
    if op == 'ret':
        return (0x16, 0, 0, 0) if arg in ('a', 'A') else (0x06, 0, 0, num(arg))
    return {'neg': (0x84, 0, 0, 0), 'tax': (0x07, 0, 0, 0), 'txa': (0x87, 0, 0, 0)}[op]

def assemble(text):
    out = []
    for pc, line in enumerate(text.strip().splitlines()):
        parts = line.split(';')[0].replace('\t', ' ').split()
        assert int(parts[0].strip('()')) == pc, line
        arg = parts[2] if len(parts) > 2 else ''
        out.append('%d,%d,%d,%d' % assemble_one(pc, parts[1], arg, parts[2:]))
    return ' '.join(out)

# Expressions libpcap compiles only for a live Linux capture ("linuxext"),
# and libpcap's own program for each expression.
live, prog = set(), {}
for b in json.load(open(os.path.join(src, 'libpcap_filter_accept_blocks.json'))):
    if b['DLT'] != 'EN10MB' or b.get('netmask'):
        continue
    if b.get('linuxext'):
        live.update(b['aliases'])
    for a in b['aliases']:
        prog.setdefault(a, b.get('opt') or b.get('optunopt') or b['unopt'])
with open('accept.tsv', 'w') as out:
    for line in open(os.path.join(src, 'libpcap_en10mb_accept_exprs.txt')):
        if line.strip() and not line.startswith('#'):
            expr = line.rstrip('\n')
            out.write('\t'.join(['live' if expr in live else '-', expr,
                                 assemble(prog[expr]) if expr in prog else '-']) + '\n')
