#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes ringcap's own deliberately broken pcapng files, each one valid
# file (SHB, IDB, EPB of a 60-byte frame) with one rule of the pcapng draft
# (/work/shared/spec/pcapng-draft.md) broken. ../RINGCAP-EXPECT.tsv says
# what tshark does with each and what ringcap's reader must do: refuse it
# (-EBADMSG) or read it with one warning of the named kind. Run from this
# directory; the files are committed, this is how they were made.
import struct

def pad4(b):
    return b + b'\0' * (-len(b) % 4)

def opt(code, val):
    return struct.pack('<HH', code, len(val)) + pad4(val)

def opts(*o):
    return b''.join(o) + opt(0, b'') if o else b''

def block(btype, body):
    body = pad4(body)
    n = len(body) + 12
    return struct.pack('<II', btype, n) + body + struct.pack('<I', n)

def shb(options=b''):
    return block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1) + options)

def idb(linktype=1, snaplen=65535, options=b'', reserved=0):
    return block(1, struct.pack('<HHI', linktype, reserved, snaplen) + options)

FRAME = bytes(range(60))
TS = 1700000000 * 1000000  # microseconds (the default if_tsresol)

def epb(ifid=0, ts=TS, caplen=60, origlen=60, data=FRAME, options=b''):
    return block(6, struct.pack('<IIIII', ifid, ts >> 32, ts & 0xffffffff, caplen, origlen)
                 + pad4(data) + options)

def isb(ifid=0, options=b''):
    return block(5, struct.pack('<III', ifid, TS >> 32, TS & 0xffffffff) + options)

def nrb(records):
    return block(4, records)

YEARS_230K = 230000 * 31556952 * 1000000  # microseconds

files = {
    'epb-caplen-gt-origlen': shb() + idb() + epb(origlen=40),
    'epb-caplen-gt-snaplen': shb() + idb(snaplen=32) + epb(),
    'epb-ts-230000-years': shb() + idb() + epb(ts=YEARS_230K),
    'idb-tsoffset-230000-years': shb() + idb(options=opts(opt(14, struct.pack('<q', 230000 * 31556952)))) + epb(),
    'epb-flags-badlen': shb() + idb() + epb(options=opts(opt(2, b'\1\0'))),
    'epb-flags-dup': shb() + idb() + epb(options=opts(opt(2, b'\1\0\0\0'), opt(2, b'\2\0\0\0'))),
    'epb-dropcount-badlen': shb() + idb() + epb(options=opts(opt(4, b'\0\0\0\0'))),
    'epb-packetid-badlen': shb() + idb() + epb(options=opts(opt(5, b'\0\0\0\0'))),
    'epb-queue-badlen': shb() + idb() + epb(options=opts(opt(6, b'\0' * 8))),
    'epb-endofopt-badlen': shb() + idb() + epb(options=opt(0, b'\0\0\0\0')),
    'epb-option-overrun': shb() + idb() + epb(options=struct.pack('<HH', 1, 200) + b'abcd'),
    'epb-caplen-overrun': shb() + idb() + epb(caplen=200),
    'epb-unknown-iface': shb() + idb() + epb(ifid=1),
    'isb-unknown-iface': shb() + idb() + epb() + isb(ifid=3),
    'isb-before-idb': shb() + isb() + idb() + epb(),
    'isb-starttime-badlen': shb() + idb() + epb() + isb(options=opts(opt(2, b'\0\0\0\0'))),
    'isb-short-body': shb() + idb() + epb() + block(5, b'\0\0\0\0'),
    'idb-reserved-nonzero': shb() + idb(reserved=0xffff) + epb(),
    'idb-snaplen-zero-ok': shb() + idb(snaplen=0) + epb(),
    'idb-short-body': shb() + block(1, b'\1\0') + epb(),
    'shb-option-badlen': shb(options=opts(opt(2, b'x'), opt(0, b'\0'))) + idb() + epb(),
    'spb-before-idb': shb() + block(3, struct.pack('<I', 60) + FRAME) + idb(),
    'nrb-record-overrun': shb() + idb() + nrb(struct.pack('<HH', 1, 400) + b'\x0a\0\0\1abc\0') + epb(),
    'trailing-bytes': shb() + idb() + epb() + b'\0\0\0\0',
    'epb-second-section-iface': shb() + idb() + epb() + shb() + epb(),
}

for name, data in files.items():
    with open(name + '.pcapng', 'wb') as f:
        f.write(data)
