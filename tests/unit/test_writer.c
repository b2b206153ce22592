/* SPDX-License-Identifier: MIT */
/*
 * test_writer.c - the writer thread end to end on synthetic ring blocks,
 * handed over as the capture module hands them (its block batches):
 * what goes in comes out as pcapng, in order, with drops where they
 * happened and ISBs that add up; every block goes back to the kernel; a
 * write error leaves a file that still parses and counts only what it
 * holds. Also the packet-by-packet API. Runs under TSan too.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cmocka.h>

#include <ringcap/writer.h>

#include "capture_internal.h"
#include "pcapng_parse.h"
#include "ring.h"
#include "synth_block.h"

#define BLOCK_SIZE 65536u
#define N_BLOCKS 6
#define PER_BLOCK 20

struct fixture {
	struct synth_block sb[N_BLOCKS];
	struct rc_block rb[N_BLOCKS];
	struct block_batch bb[N_BLOCKS];
	struct rc_ratelimit warn;
	char path[64];
	int fd;
};

/* Packet j of block i: its length and bytes are derived from (i, j). */
static uint32_t pkt_len(int i, int j)
{
	return 60 + (uint32_t)((i * 37 + j * 11) % 1455);
}

static uint8_t pkt_byte(int i, int j, uint32_t k)
{
	return (uint8_t)(i * 31 + j * 17 + k);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint8_t frame[1514];

	for (int i = 0; i < N_BLOCKS; i++) {
		synth_block_init(&f->sb[i], BLOCK_SIZE, (uint32_t)i + 1);
		for (int j = 0; j < PER_BLOCK; j++) {
			for (uint32_t k = 0; k < pkt_len(i, j); k++)
				frame[k] = pkt_byte(i, j, k);
			synth_block_add(&f->sb[i], &(struct synth_packet){
				.frame = frame, .caplen = pkt_len(i, j), .len = pkt_len(i, j),
				.ts_ns = 1700000000000000000ull + (uint64_t)(i * PER_BLOCK + j) * 1000,
				.pkttype = (uint8_t)(j % 4) });
		}
		synth_block_close(&f->sb[i]);
		ring_block_begin(&f->rb[i], (void *)f->sb[i].mem, BLOCK_SIZE,
				 262144);
		f->bb[i] = (struct block_batch){ .batch.ops = &capture_block_ops, .block = &f->rb[i],
						 .iface = (uint32_t)(i % 2), /* two interfaces, interleaved */
						 .warn = &f->warn };
	}
	/* The kernel lost 10 between blocks 2 and 3: the engine says so on
	 * block 3, and the capture thread hands that over with it. */
	f->rb[3].drops_before = 10;
	f->bb[3].lost = rc_block_drops_before(&f->rb[3]);
	snprintf(f->path, sizeof(f->path), "/tmp/rc-test-writer-XXXXXX");
	f->fd = mkstemp(f->path);
	assert_true(f->fd >= 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < N_BLOCKS; i++)
		synth_block_free(&f->sb[i]);
	unlink(f->path);
	free(f);
	return 0;
}

static struct rc_writer *open_writer(struct fixture *f, uint64_t limit)
{
	static const struct rc_writer_iface ifaces[2] = {
		{ .sz = sizeof(ifaces[0]), .name = "tap0", .linktype = 1, .snaplen = 262144 },
		{ .sz = sizeof(ifaces[0]), .name = "tap1", .linktype = 1, .snaplen = 262144,
		  .filter = "not arp" },
	};
	RC_OPTS(rc_writer_config, c, .fd = f->fd, .flags = RC_WRITER_F_FD, .ifaces = ifaces,
		.n_ifaces = 2, .userappl = "ringcap test", .limits.packets = limit,
		.queue_batches = N_BLOCKS);
	struct rc_writer *w = NULL;

	assert_int_equal(rc_writer_open(&c, &w), 0);
	return w;
}

static void assert_all_released(struct fixture *f)
{
	for (int i = 0; i < N_BLOCKS; i++)
		assert_int_equal(ring_block_status(f->rb[i].desc), TP_STATUS_KERNEL);
}

static void check_packets(const struct tp_file *t, size_t n)
{
	for (size_t e = 0; e < n; e++) {
		int i = (int)(e / PER_BLOCK), j = (int)(e % PER_BLOCK);
		const struct tp_epb *p = &t->epb[e];

		assert_int_equal(p->iface, i % 2);
		assert_int_equal(p->caplen, pkt_len(i, j));
		assert_int_equal(p->origlen, pkt_len(i, j));
		assert_true(p->ts == 1700000000000000000ull + e * 1000);
		for (uint32_t k = 0; k < p->caplen; k++)
			assert_int_equal(p->data[k], pkt_byte(i, j, k));
		assert_true(p->has_flags);
		assert_int_equal(p->has_dropcount, i == 3 && j == 0);
	}
}

static void test_blocks_to_pcapng(void **state)
{
	struct fixture *f = *state;
	struct rc_writer *w = open_writer(f, 0);
	struct rc_writer_iface_stats st[2] = { { .received = 70, .dropped = 10 },
					       { .received = 60, .dropped = 0 } };
	struct tp_file t;

	for (int i = 0; i < N_BLOCKS; i++)
		assert_int_equal(rc_writer_submit(w, 0, &f->bb[i].batch), 0);
	assert_int_equal(rc_writer_close(w, st, 2, NULL), 0);
	assert_all_released(f);

	assert_int_equal(tp_parse_file(f->path, &t), 0);
	assert_string_equal(t.shb_userappl, "ringcap test");
	assert_int_equal(t.n_idb, 2);
	assert_string_equal(t.idb[0].name, "tap0");
	assert_int_equal(t.idb[0].tsresol, 9);
	assert_string_equal(t.idb[1].filter, "not arp");
	assert_int_equal(t.n_epb, N_BLOCKS * PER_BLOCK);
	check_packets(&t, t.n_epb);
	assert_int_equal(t.epb[3 * PER_BLOCK].dropcount, 10);
	assert_int_equal(t.n_isb, 2);
	assert_true(t.isb[0].has_ifrecv && !t.isb[0].has_filteraccept);
	assert_int_equal(t.isb[0].ifrecv, 70);
	assert_int_equal(t.isb[0].osdrop, 10);
	assert_int_equal(t.isb[0].usrdeliv, 60);
	assert_true(t.isb[1].has_filteraccept && !t.isb[1].has_ifrecv);
	assert_int_equal(t.isb[1].filteraccept, 60);
	assert_int_equal(t.isb[1].usrdeliv, 60);
	assert_true(t.isb[0].starttime <= t.isb[0].endtime);
	tp_free(&t);
}

/* -c: exactly the limit, the stop is signalled, the rest still released. */
static void test_packet_limit(void **state)
{
	struct fixture *f = *state;
	struct rc_writer *w = open_writer(f, 47);
	struct rc_writer_progress p;
	struct pollfd pfd;
	struct tp_file t;

	for (int i = 0; i < N_BLOCKS; i++)
		assert_int_equal(rc_writer_submit(w, 0, &f->bb[i].batch), 0);
	pfd = (struct pollfd){ .fd = rc_writer_stopped_fd(w), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	rc_writer_progress(w, &p);
	assert_int_equal(p.stopped, RC_WRITER_STOP_PACKETS);
	assert_int_equal(p.error, 0);
	assert_true(p.packets <= 47); /* counted once their write returns */
	assert_int_equal(rc_writer_close(w, NULL, 0, &p), 0);
	assert_int_equal(p.packets, 47);
	assert_all_released(f);
	assert_int_equal(tp_parse_file(f->path, &t), 0);
	assert_int_equal(t.n_epb, 47);
	check_packets(&t, 47);
	tp_free(&t);
}

/* A write that fails part-way (here RLIMIT_FSIZE, as a full disk would)
 * leaves only whole blocks in the file, and the error comes back. */
static void test_write_error_cuts_back(void **state)
{
	struct fixture *f = *state;
	struct rlimit old, small = { .rlim_cur = 20000, .rlim_max = RLIM_INFINITY };
	struct rc_writer_progress p;
	struct rc_writer *w;
	struct tp_file t;
	uint64_t bytes = 0;
	int r;

	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	small.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	w = open_writer(f, 0);
	for (int i = 0; i < N_BLOCKS; i++)
		assert_int_equal(rc_writer_submit(w, 0, &f->bb[i].batch), 0);
	r = rc_writer_close(w, NULL, 0, &p);
	setrlimit(RLIMIT_FSIZE, &old);
	assert_int_equal(r, -EFBIG);
	assert_all_released(f);
	assert_int_equal(tp_parse_file(f->path, &t), 0);
	assert_true(t.n_epb > 0 && t.n_epb < N_BLOCKS * PER_BLOCK);
	assert_true(t.len <= 20000);
	check_packets(&t, t.n_epb);
	/* What the writer says it wrote is what the file holds. */
	for (size_t e = 0; e < t.n_epb; e++)
		bytes += t.epb[e].caplen;
	assert_int_equal(p.packets, t.n_epb);
	assert_int_equal(p.bytes, bytes);
	assert_int_equal(p.file_bytes, t.len);
	tp_free(&t);
}

/* A corrupt ring block: the packets the walker cannot read are counted as
 * lost on the interface's next EPB, not silently skipped. */
static void test_unreadable_packets_are_counted(void **state)
{
	struct fixture *f = *state;
	struct tpacket_block_desc *d = f->rb[1].desc;
	struct tpacket3_hdr *first = (void *)((uint8_t *)d + d->hdr.bh1.offset_to_first_pkt);
	struct rc_writer *w;
	struct tp_file t;
	size_t e;

	first->tp_next_offset = BLOCK_SIZE; /* block 1 (interface 1): 19 lost */
	w = open_writer(f, 0);
	for (int i = 0; i < N_BLOCKS; i++)
		assert_int_equal(rc_writer_submit(w, 0, &f->bb[i].batch), 0);
	assert_int_equal(rc_writer_close(w, NULL, 0, NULL), 0);
	assert_int_equal(tp_parse_file(f->path, &t), 0);
	assert_int_equal(t.n_epb, N_BLOCKS * PER_BLOCK - (PER_BLOCK - 1));
	/* Interface 1's next packet is block 3's first: the kernel's 10
	 * drops and the 19 unreadable packets. */
	for (e = 0; e < t.n_epb && !t.epb[e].has_dropcount; e++)
		;
	assert_true(e < t.n_epb);
	assert_int_equal(t.epb[e].iface, 1);
	assert_int_equal(t.epb[e].dropcount, 10 + PER_BLOCK - 1);
	tp_free(&t);
}

static void test_bad_config_fails_open(void **state)
{
	static const struct rc_writer_iface ifc = { .sz = sizeof(ifc), .name = "x", .linktype = 1,
						    .snaplen = 100 };
	RC_OPTS(rc_writer_config, c, .ifaces = &ifc, .n_ifaces = 1);
	struct rc_writer_config unsized = { .fd = 1, .flags = RC_WRITER_F_FD };
	struct { struct rc_writer_config c; uint64_t newer; } big;
	struct rc_writer *w;
	int fd = open("/dev/full", O_WRONLY);

	(void)state;
	/* A zeroed config has no output: not fd 0 by accident. */
	assert_int_equal(rc_writer_open(&c, &w), -EINVAL);
	assert_int_equal(rc_writer_open(&unsized, &w), -EINVAL);
	c.path = "/nonexistent-dir/x.pcapng";
	assert_int_equal(rc_writer_open(&c, &w), -ENOENT);
	c.flags = RC_WRITER_F_FD; /* and a path: two outputs */
	assert_int_equal(rc_writer_open(&c, &w), -EINVAL);
	/* A config from a newer header: fine while the new field is zero. */
	assert_true(fd >= 0);
	memset(&big, 0, sizeof(big)); /* padding too: the library reads it */
	big.c = c;
	big.c.path = NULL;
	big.c.fd = fd;
	big.c.flags = RC_WRITER_F_FD;
	big.c.sz = sizeof(big);
	big.newer = 1;
	assert_int_equal(rc_writer_open(&big.c, &w), -E2BIG);
	big.newer = 0;
	/* /dev/full: the SHB's write fails, and open says so. */
	assert_int_equal(rc_writer_open(&big.c, &w), -ENOSPC);
}

/* Packets one by one, interfaces added as they come, comments and flags
 * as given: what compare --annotate and offline reading use. */
static void test_packets_one_by_one(void **state)
{
	struct fixture *f = *state;
	RC_OPTS(rc_writer_config, c, .fd = f->fd, .flags = RC_WRITER_F_FD | RC_WRITER_F_NO_ISB);
	RC_OPTS(rc_writer_iface, a, .name = "a", .linktype = 1);
	RC_OPTS(rc_writer_iface, b, .name = "b", .linktype = 101, .snaplen = 96);
	uint8_t data[300];
	struct rc_writer_progress p;
	struct rc_writer *w;
	struct tp_file t;

	for (unsigned k = 0; k < sizeof(data); k++)
		data[k] = (uint8_t)k;
	assert_int_equal(rc_writer_open(&c, &w), 0);
	assert_int_equal(rc_writer_add_iface(w, 0, &a), 0);
	for (uint32_t n = 0; n < 200; n++) {
		struct rc_writer_packet pkt = { .data = data, .caplen = n % 2 ? 300 : 40,
						.origlen = 300, .ts_ns = 1000 + n, .iface = n >= 100,
						.comment = n == 7 ? "seven" : NULL,
						.epb_flags = n == 8 ? rc_writer_epb_flags(4) : 0,
						.lost = n == 150 ? 3 : 0 };

		if (n == 100)
			assert_int_equal(rc_writer_add_iface(w, 0, &b), 1);
		assert_int_equal(rc_writer_write_packet(w, 0, &pkt), 0);
	}
	assert_int_equal(rc_writer_close(w, NULL, 0, &p), 0);
	assert_int_equal(p.packets, 200);
	assert_int_equal(tp_parse_file(f->path, &t), 0);
	assert_int_equal(t.n_idb, 2);
	assert_string_equal(t.idb[1].name, "b");
	assert_int_equal(t.idb[1].linktype, 101);
	assert_int_equal(t.idb[0].snaplen, 262144);
	assert_int_equal(t.n_epb, 200);
	assert_int_equal(t.n_isb, 0);
	assert_int_equal(t.epb[99].iface, 0);
	assert_int_equal(t.epb[100].iface, 1);
	assert_int_equal(t.epb[1].caplen, 300);
	assert_memory_equal(t.epb[1].data, data, 300);
	assert_string_equal(t.epb[7].comment, "seven");
	assert_false(t.epb[6].has_flags);
	assert_true(t.epb[8].has_flags);
	assert_int_equal(t.epb[8].flags, 2); /* PACKET_OUTGOING: outbound */
	assert_int_equal(t.epb[150].dropcount, 3);
	tp_free(&t);
}

/* Classic pcap (-P): the file header and records byte for byte against
 * pcap-savefile(5), host order (the test machines are little-endian). */
static void test_pcap_bytes(void **state)
{
	struct fixture *f = *state;
	static const struct rc_writer_iface ifc[1] = {
		{ .sz = sizeof(ifc[0]), .name = "a", .linktype = 1, .snaplen = 1500 },
	};
	RC_OPTS(rc_writer_config, c, .fd = f->fd, .flags = RC_WRITER_F_FD, .ifaces = ifc,
		.n_ifaces = 1, .format = RC_WRITER_PCAP);
	RC_OPTS(rc_writer_iface, same, .name = "b", .linktype = 1);
	RC_OPTS(rc_writer_iface, other, .name = "c", .linktype = 101);
	static const uint8_t want[] = {
		0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, /* magic (ns), version 2.4 */
		0, 0, 0, 0, 0, 0, 0, 0,             /* thiszone, sigfigs */
		0xdc, 0x05, 0, 0, 1, 0, 0, 0,       /* snaplen 1500, LINKTYPE_ETHERNET */
		0x02, 0, 0, 0, 0x15, 0xcd, 0x5b, 0x07, /* 2 s, 123456789 ns */
		4, 0, 0, 0, 60, 0, 0, 0,            /* caplen 4, origlen 60 */
		0xde, 0xad, 0xbe, 0xef,
	};
	uint8_t data[300], got[sizeof(want) + 16 + 300 + 1];
	struct rc_writer_progress p;
	struct rc_writer *w;
	int fd;

	for (unsigned k = 0; k < sizeof(data); k++)
		data[k] = (uint8_t)k;
	memcpy(data, "\xde\xad\xbe\xef", 4);
	assert_int_equal(rc_writer_open(&c, &w), 0);
	assert_int_equal(rc_writer_write_packet(w, 0, &(struct rc_writer_packet){
		.data = data, .caplen = 4, .origlen = 60, .ts_ns = 2123456789ull,
		.epb_flags = 1, .lost = 5, .comment = "not in pcap" }), 0);
	/* pcap has one link type per file. */
	assert_int_equal(rc_writer_add_iface(w, 0, &other), -EINVAL);
	assert_int_equal(rc_writer_add_iface(w, 0, &same), 1);
	/* 300 bytes: the writev path, the packet from the producer's memory. */
	assert_int_equal(rc_writer_write_packet(w, 0, &(struct rc_writer_packet){
		.data = data, .caplen = 300, .origlen = 300, .ts_ns = 3000000001ull,
		.iface = 1 }), 0);
	assert_int_equal(rc_writer_close(w, NULL, 0, &p), 0);
	assert_int_equal(p.packets, 2);
	assert_int_equal(p.file_bytes, sizeof(want) + 16 + 300);
	fd = open(f->path, O_RDONLY); /* the writer closed f->fd */
	assert_int_equal(read(fd, got, sizeof(got)), sizeof(want) + 16 + 300);
	close(fd);
	assert_memory_equal(got, want, sizeof(want));
	assert_memory_equal(got + sizeof(want), "\x03\0\0\0\x01\0\0\0\x2c\x01\0\0\x2c\x01\0\0", 16);
	assert_memory_equal(got + sizeof(want) + 16, data, 300);
}

/* -j adapter_unsynced: the packets the kernel stamped with another clock
 * are counted, and the first one's EPB says so in the file. */
static void test_ts_fallback_is_in_the_file(void **state)
{
	struct fixture *f = *state;
	static const uint32_t status[6] = { TP_STATUS_TS_RAW_HARDWARE, TP_STATUS_TS_RAW_HARDWARE,
					    TP_STATUS_TS_SOFTWARE, TP_STATUS_TS_RAW_HARDWARE, 0,
					    TP_STATUS_TS_SOFTWARE };
	static const struct rc_writer_iface ifc[1] = {
		{ .sz = sizeof(ifc[0]), .name = "a", .linktype = 1 },
	};
	RC_OPTS(rc_writer_config, c, .fd = f->fd, .flags = RC_WRITER_F_FD, .ifaces = ifc,
		.n_ifaces = 1);
	uint8_t frame[60] = { 0 };
	struct synth_block sb;
	struct rc_block rb = { 0 }; /* no engine: release only marks it the kernel's */
	struct block_batch bb;
	uint64_t fallbacks = 0;
	struct rc_writer *w;
	struct tp_file t;

	synth_block_init(&sb, BLOCK_SIZE, 1);
	for (unsigned j = 0; j < 6; j++)
		synth_block_add(&sb, &(struct synth_packet){ .frame = frame, .caplen = 60, .len = 60,
							     .ts_ns = 1000 + j, .status = status[j] });
	synth_block_close(&sb);
	ring_block_begin(&rb, (void *)sb.mem, BLOCK_SIZE, 262144);
	bb = (struct block_batch){ .batch.ops = &capture_block_ops, .block = &rb, .warn = &f->warn,
				   .ts_fallbacks = &fallbacks };
	assert_int_equal(rc_writer_open(&c, &w), 0);
	assert_int_equal(rc_writer_submit(w, 0, &bb.batch), 0);
	assert_int_equal(rc_writer_close(w, NULL, 0, NULL), 0);
	assert_int_equal(fallbacks, 3);
	assert_int_equal(tp_parse_file(f->path, &t), 0);
	assert_int_equal(t.n_epb, 6);
	for (unsigned j = 0; j < 6; j++)
		assert_int_equal(t.epb[j].comment[0] != 0, j == 2);
	assert_non_null(strstr(t.epb[2].comment, "host clock"));
	tp_free(&t);
	synth_block_free(&sb);
}

/* --time-stamp-precision micro: if_tsresol 6 and EPB and ISB times in
 * microseconds (truncated, as libpcap does); pcap's microsecond magic. */
static void test_micro_precision(void **state)
{
	struct fixture *f = *state;
	static const struct rc_writer_iface ifc[1] = {
		{ .sz = sizeof(ifc[0]), .name = "a", .linktype = 1, .snaplen = 1500 },
	};
	RC_OPTS(rc_writer_config, c, .fd = f->fd, .flags = RC_WRITER_F_FD, .ifaces = ifc,
		.n_ifaces = 1, .ts_precision = RC_WRITER_TS_MICRO);
	static const uint8_t data[4] = { 1, 2, 3, 4 };
	struct rc_writer_packet pkt = { .data = data, .caplen = 4, .origlen = 4,
					.ts_ns = 1700000000123456789ull };
	struct rc_writer_progress p;
	struct rc_writer *w;
	struct tp_file t;
	uint8_t got[16 + 24];
	uint32_t word;
	int fd;

	assert_int_equal(rc_writer_open(&c, &w), 0);
	assert_int_equal(rc_writer_write_packet(w, 0, &pkt), 0);
	assert_int_equal(rc_writer_close(w, NULL, 0, &p), 0);
	assert_int_equal(tp_parse_file(f->path, &t), 0);
	assert_int_equal(t.idb[0].tsresol, 6);
	assert_int_equal(t.n_epb, 1);
	assert_true(t.epb[0].ts == 1700000000123456ull);
	assert_int_equal(t.n_isb, 1);
	/* The ISB's times are the writer's clock, now, in microseconds. */
	assert_true(t.isb[0].endtime > 1700000000000000ull && t.isb[0].endtime < 4000000000000000ull);
	assert_true(t.isb[0].starttime <= t.isb[0].endtime);
	tp_free(&t);

	/* The same packet in classic pcap. */
	fd = open(f->path, O_RDWR | O_TRUNC);
	assert_true(fd >= 0);
	c.fd = fd;
	c.format = RC_WRITER_PCAP;
	assert_int_equal(rc_writer_open(&c, &w), 0);
	assert_int_equal(rc_writer_write_packet(w, 0, &pkt), 0);
	assert_int_equal(rc_writer_close(w, NULL, 0, &p), 0);
	fd = open(f->path, O_RDONLY);
	assert_int_equal(read(fd, got, sizeof(got)), 24 + 16);
	close(fd);
	memcpy(&word, got, 4);
	assert_int_equal(word, 0xa1b2c3d4u);
	memcpy(&word, got + 24, 4);
	assert_int_equal(word, 1700000000u);
	memcpy(&word, got + 28, 4);
	assert_int_equal(word, 123456u);
}

/* Walks a classic pcap file: the number of whole records, their caplen in
 * all, and whether the file ends on a record boundary. */
static bool pcap_walk(const char *path, size_t *ret_n, uint64_t *ret_bytes, uint64_t *ret_len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t head[24], rec[16], frame[2000];
	uint32_t caplen;
	size_t n = 0, got;
	uint64_t bytes = 0, len = 24;
	bool whole = true;

	assert_non_null(fp);
	assert_int_equal(fread(head, 1, 24, fp), 24);
	while ((got = fread(rec, 1, 16, fp)) == 16) {
		memcpy(&caplen, rec + 8, 4);
		assert_true(caplen <= sizeof(frame));
		if (fread(frame, 1, caplen, fp) != caplen) {
			whole = false;
			break;
		}
		/* Record n is packet n of the fixture's blocks. */
		for (uint32_t k = 0; k < caplen; k++)
			assert_int_equal(frame[k], pkt_byte((int)(n / PER_BLOCK), (int)(n % PER_BLOCK), k));
		n++;
		bytes += caplen;
		len += 16 + caplen;
	}
	whole = whole && got == 0;
	fclose(fp);
	*ret_n = n;
	*ret_bytes = bytes;
	*ret_len = len;
	return whole;
}

/* The write error of test_write_error_cuts_back, in pcap: the file is cut
 * back to its last whole record, and the counts are what it holds. */
static void test_pcap_write_error_cuts_back(void **state)
{
	struct fixture *f = *state;
	static const struct rc_writer_iface ifaces[2] = {
		{ .sz = sizeof(ifaces[0]), .name = "tap0", .linktype = 1 },
		{ .sz = sizeof(ifaces[0]), .name = "tap1", .linktype = 1 },
	};
	RC_OPTS(rc_writer_config, c, .fd = f->fd, .flags = RC_WRITER_F_FD, .ifaces = ifaces,
		.n_ifaces = 2, .queue_batches = N_BLOCKS, .format = RC_WRITER_PCAP);
	struct rlimit old, small = { .rlim_cur = 20000 };
	struct rc_writer_progress p;
	struct rc_writer *w;
	uint64_t bytes, len;
	size_t n;
	int r;

	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	small.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_int_equal(rc_writer_open(&c, &w), 0);
	for (int i = 0; i < N_BLOCKS; i++)
		assert_int_equal(rc_writer_submit(w, 0, &f->bb[i].batch), 0);
	r = rc_writer_close(w, NULL, 0, &p);
	setrlimit(RLIMIT_FSIZE, &old);
	assert_int_equal(r, -EFBIG);
	assert_all_released(f);
	assert_true(pcap_walk(f->path, &n, &bytes, &len));
	assert_true(n > 0 && n < N_BLOCKS * PER_BLOCK);
	assert_true(len <= 20000);
	assert_int_equal(p.packets, n);
	assert_int_equal(p.bytes, bytes);
	assert_int_equal(p.file_bytes, len);
}

/* pcap holds one link type: interfaces of two are refused at open, and so
 * is direct I/O asked for by name (pcap cannot pad a file to its units). */
static void test_pcap_refused(void **state)
{
	struct fixture *f = *state;
	static const struct rc_writer_iface ifaces[2] = {
		{ .sz = sizeof(ifaces[0]), .name = "eth0", .linktype = 1 },
		{ .sz = sizeof(ifaces[0]), .name = "tun0", .linktype = 101 },
	};
	RC_OPTS(rc_writer_config, c, .path = f->path, .ifaces = ifaces, .n_ifaces = 2,
		.format = RC_WRITER_PCAP);
	struct rc_writer *w = NULL;

	assert_int_equal(rc_writer_open(&c, &w), -EINVAL);
	c.n_ifaces = 0;
	assert_int_equal(rc_writer_open(&c, &w), -EINVAL);
	c.n_ifaces = 1;
	c.io = RC_WRITER_IO_DIRECT;
	assert_int_equal(rc_writer_open(&c, &w), -EINVAL);
	c.format = (enum rc_writer_format)7;
	c.io = RC_WRITER_IO_AUTO;
	assert_int_equal(rc_writer_open(&c, &w), -EINVAL);
	assert_null(w);
	/* Auto mode writes pcap buffered, and it works. */
	c.format = RC_WRITER_PCAP;
	assert_int_equal(rc_writer_open(&c, &w), 0);
	assert_int_equal(rc_writer_close(w, NULL, 0, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_blocks_to_pcapng, setup, teardown),
		cmocka_unit_test_setup_teardown(test_packet_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_error_cuts_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_packets_are_counted, setup, teardown),
		cmocka_unit_test(test_bad_config_fails_open),
		cmocka_unit_test_setup_teardown(test_packets_one_by_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcap_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_micro_precision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ts_fallback_is_in_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcap_write_error_cuts_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcap_refused, setup, teardown),
	};

	return cmocka_run_group_tests_name("writer", tests, NULL, NULL);
}
