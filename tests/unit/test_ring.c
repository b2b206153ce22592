/* SPDX-License-Identifier: MIT */
/*
 * test_ring.c - the TPACKET_V3 block walker and the engine's block
 * hand-off, on synthetic blocks laid out as the kernel lays them out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine_internal.h"
#include "ring.h"
#include "synth_block.h"

#define BLOCK_SIZE 65536u

static uint8_t frame[9018];

static void fill_frame(void)
{
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7 + 3);
}

static void walk_begin(struct rc_block *rb, struct synth_block *sb, uint32_t snaplen)
{
	memset(rb, 0, sizeof(*rb));
	synth_block_close(sb);
	ring_block_begin(rb, (void *)sb->mem, sb->block_size, snaplen);
}

/* Also ts_source, from the tpacket status bits (tpacket_get_timestamp). */
static void test_odd_lengths_and_fields(void **state)
{
	static const uint32_t lens[] = { 60, 61, 63, 1514, 9018 };
	static const uint32_t status[] = {
		0, TP_STATUS_TS_SOFTWARE, TP_STATUS_TS_RAW_HARDWARE, TP_STATUS_TS_SYS_HARDWARE,
		TP_STATUS_TS_RAW_HARDWARE | TP_STATUS_TS_SOFTWARE,
	};
	static const uint8_t ts_source[] = {
		RC_TS_SOURCE_UNKNOWN, RC_TS_SOURCE_SOFTWARE, RC_TS_SOURCE_HARDWARE,
		RC_TS_SOURCE_HARDWARE, RC_TS_SOURCE_HARDWARE,
	};
	struct synth_block sb;
	struct rc_block rb;
	struct rc_packet p;

	(void)state;
	fill_frame();
	synth_block_init(&sb, BLOCK_SIZE, 1);
	for (unsigned i = 0; i < 5; i++)
		synth_block_add(&sb, &(struct synth_packet){
			.frame = frame, .caplen = lens[i], .len = lens[i],
			.ts_ns = 1700000000123456789ull + i, .pkttype = (uint8_t)i,
			.status = status[i] });
	walk_begin(&rb, &sb, 262144);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(ring_block_next(&rb, &p), 1);
		assert_int_equal(p.caplen, lens[i]);
		assert_int_equal(p.origlen, lens[i]);
		assert_true(p.ts_ns == 1700000000123456789ull + i);
		assert_int_equal(p.pkttype, i);
		assert_int_equal(p.ts_source, ts_source[i]);
		assert_memory_equal(p.data, frame, lens[i]);
	}
	assert_int_equal(ring_block_next(&rb, &p), 0);
	assert_int_equal(rb.bad_frames, 0);
	synth_block_free(&sb);
}

/* The kernel hands a tagged frame over untagged, with the tag aside. */
static void check_vlan(uint32_t status, uint16_t tpid_in, uint16_t tpid_out)
{
	struct synth_block sb;
	struct rc_block rb;
	struct rc_packet p;
	uint8_t want[104];

	fill_frame();
	synth_block_init(&sb, BLOCK_SIZE, 1);
	synth_block_add(&sb, &(struct synth_packet){
		.frame = frame, .caplen = 100, .len = 100, .status = status,
		.vlan_tci = 0xa064, .vlan_tpid = tpid_in });
	walk_begin(&rb, &sb, 262144);
	memcpy(want, frame, 12);
	want[12] = (uint8_t)(tpid_out >> 8);
	want[13] = (uint8_t)tpid_out;
	want[14] = 0xa0;
	want[15] = 0x64;
	memcpy(want + 16, frame + 12, 88);
	assert_int_equal(ring_block_next(&rb, &p), 1);
	assert_int_equal(p.caplen, 104);
	assert_int_equal(p.origlen, 104);
	assert_memory_equal(p.data, want, 104);
	synth_block_free(&sb);
}

/* A tag put back into a frame cut at snaplen must not exceed snaplen. */
static void test_vlan_respects_snaplen(void **state)
{
	struct synth_block sb;
	struct rc_block rb;
	struct rc_packet p;

	(void)state;
	synth_block_init(&sb, BLOCK_SIZE, 1);
	synth_block_add(&sb, &(struct synth_packet){
		.frame = frame, .caplen = 64, .len = 1500, .status = TP_STATUS_VLAN_VALID,
		.vlan_tci = 5 });
	walk_begin(&rb, &sb, 64);
	assert_int_equal(ring_block_next(&rb, &p), 1);
	assert_int_equal(p.caplen, 64);
	assert_int_equal(p.origlen, 1504);
	synth_block_free(&sb);
}

/* An IPv4 packet as a cooked (SOCK_DGRAM) socket sees it on eth3
 * (ifindex 0x01020304), from 02:00:5e:10:20:30. */
static const uint8_t cooked_ip[28] = {
	0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
	198, 18, 0, 1, 198, 18, 0, 2, 0x04, 0xd2, 0x00, 0x09, 0x00, 0x08, 0x00, 0x00,
};

static void cooked_add(struct synth_block *sb, uint32_t status, uint16_t tpid, uint32_t len)
{
	synth_block_add(sb, &(struct synth_packet){
		.frame = cooked_ip, .caplen = sizeof(cooked_ip), .len = len, .status = status,
		.pkttype = PACKET_HOST, .vlan_tci = 0x2064, .vlan_tpid = tpid, .cooked = true,
		.protocol = 0x0800, .ifindex = 0x01020304, .hatype = 1, .halen = 6,
		.addr = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, 0xee, 0xee } });
}

static void cooked_walk(struct rc_block *rb, struct synth_block *sb, uint32_t snaplen)
{
	walk_begin(rb, sb, snaplen);
	rb->cooked = true;
}

/* LINKTYPE_LINUX_SLL2, byte for byte (tcpdump.org linktypes/LINKTYPE_LINUX_SLL2). */
static void test_cooked_sll2_header(void **state)
{
	static const uint8_t want_hdr[20] = {
		0x08, 0x00,             /* protocol, network order */
		0x00, 0x00,             /* reserved */
		0x01, 0x02, 0x03, 0x04, /* ifindex, network order */
		0x00, 0x01,             /* ARPHRD_ETHER */
		PACKET_HOST,
		6,                      /* address length */
		0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, 0x00, 0x00, /* halen bytes, then zeros */
	};
	struct synth_block sb;
	struct rc_block rb;
	struct rc_packet p;

	(void)state;
	synth_block_init(&sb, BLOCK_SIZE, 1);
	cooked_add(&sb, 0, 0, sizeof(cooked_ip));
	cooked_add(&sb, 0, 0, sizeof(cooked_ip));
	cooked_walk(&rb, &sb, 262144);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ring_block_next(&rb, &p), 1);
		assert_int_equal(p.caplen, 20 + sizeof(cooked_ip));
		assert_int_equal(p.origlen, 20 + sizeof(cooked_ip));
		assert_int_equal(p.pkttype, PACKET_HOST);
		assert_memory_equal(p.data, want_hdr, 20);
		assert_memory_equal(p.data + 20, cooked_ip, sizeof(cooked_ip));
	}
	assert_int_equal(ring_block_next(&rb, &p), 0);
	assert_int_equal(rb.bad_frames, 0);
	synth_block_free(&sb);
}

/* A stripped tag goes behind the SLL2 header, as libpcap's cooked capture
 * puts it: protocol = TPID, then TCI, then the packet's own protocol. */
static void check_cooked_vlan(uint32_t status, uint16_t tpid_in, uint16_t tpid_out)
{
	uint8_t want[24 + sizeof(cooked_ip)] = {
		(uint8_t)(tpid_out >> 8), (uint8_t)tpid_out, 0x00, 0x00,
		0x01, 0x02, 0x03, 0x04, 0x00, 0x01, PACKET_HOST, 6,
		0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, 0x00, 0x00,
		0x20, 0x64,             /* TCI */
		0x08, 0x00,             /* the packet's own protocol */
	};
	struct synth_block sb;
	struct rc_block rb;
	struct rc_packet p;

	memcpy(want + 24, cooked_ip, sizeof(cooked_ip));
	synth_block_init(&sb, BLOCK_SIZE, 1);
	cooked_add(&sb, status, tpid_in, sizeof(cooked_ip));
	cooked_walk(&rb, &sb, 262144);
	assert_int_equal(ring_block_next(&rb, &p), 1);
	assert_int_equal(p.caplen, sizeof(want));
	assert_int_equal(p.origlen, sizeof(want));
	assert_memory_equal(p.data, want, sizeof(want));
	synth_block_free(&sb);
}

/* QinQ on a cooked socket since Linux 6.10: the outer 802.1ad tag is
 * stripped, the packet starts at the inner tag's TCI, and sll_protocol
 * names the innermost protocol (IPv4). The inner tag is put back whole,
 * with 802.1Q's TPID, which the kernel no longer says. */
static void test_cooked_qinq(void **state)
{
	uint8_t inner[4 + sizeof(cooked_ip)] = { 0x00, 0x64, 0x08, 0x00 };
	uint8_t want[24 + sizeof(inner)] = {
		0x88, 0xa8, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x00, 0x01, PACKET_HOST, 6,
		0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, 0x00, 0x00,
		0x01, 0x2c,             /* the outer TCI */
		0x81, 0x00,             /* the inner tag's TPID */
	};
	struct synth_block sb;
	struct rc_block rb;
	struct rc_packet p;

	(void)state;
	memcpy(inner + 4, cooked_ip, sizeof(cooked_ip));
	memcpy(want + 24, inner, sizeof(inner));
	synth_block_init(&sb, BLOCK_SIZE, 1);
	synth_block_add(&sb, &(struct synth_packet){
		.frame = inner, .caplen = sizeof(inner), .len = sizeof(inner),
		.status = TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID, .pkttype = PACKET_HOST,
		.vlan_tci = 0x012c, .vlan_tpid = 0x88a8, .cooked = true, .protocol = 0x0800,
		.ifindex = 0x01020304, .hatype = 1, .halen = 6,
		.addr = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 } });
	/* A lone tag over IPv4 keeps sll_protocol (check_cooked_vlan's case). */
	cooked_add(&sb, TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID, 0x8100, sizeof(cooked_ip));
	cooked_walk(&rb, &sb, 262144);
	assert_int_equal(ring_block_next(&rb, &p), 1);
	assert_int_equal(p.caplen, sizeof(want));
	assert_memory_equal(p.data, want, sizeof(want));
	assert_int_equal(ring_block_next(&rb, &p), 1);
	assert_int_equal(p.data[22], 0x08);
	assert_int_equal(p.data[23], 0x00);
	synth_block_free(&sb);
}

/* The tag's TPID, raw and cooked: 802.1Q, 802.1ad kept as it was, and
 * 802.1Q when the kernel did not say (TP_STATUS_VLAN_TPID_VALID unset). */
static void test_vlan_tpids(void **state)
{
	static const struct { uint32_t status; uint16_t tpid_in, tpid_out; } cases[] = {
		{ TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID, 0x8100, 0x8100 },
		{ TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID, 0x88a8, 0x88a8 },
		{ TP_STATUS_VLAN_VALID, 0x88a8, 0x8100 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_vlan(cases[i].status, cases[i].tpid_in, cases[i].tpid_out);
		check_cooked_vlan(cases[i].status, cases[i].tpid_in, cases[i].tpid_out);
	}
}

/* snaplen counts the SLL2 header and the tag too, as libpcap's does. */
static void test_cooked_snaplen(void **state)
{
	struct synth_block sb;
	struct rc_block rb;
	struct rc_packet p;

	(void)state;
	synth_block_init(&sb, BLOCK_SIZE, 1);
	cooked_add(&sb, 0, 0, 1500);
	cooked_add(&sb, TP_STATUS_VLAN_VALID, 0, 1500);
	cooked_walk(&rb, &sb, 30);
	assert_int_equal(ring_block_next(&rb, &p), 1);
	assert_int_equal(p.caplen, 30);
	assert_int_equal(p.origlen, 1520);
	assert_memory_equal(p.data + 20, cooked_ip, 10);
	assert_int_equal(ring_block_next(&rb, &p), 1);
	assert_int_equal(p.caplen, 30);
	assert_int_equal(p.origlen, 1524);
	assert_int_equal(p.data[0], 0x81);
	assert_memory_equal(p.data + 24, cooked_ip, 6);
	synth_block_free(&sb);
}

/* A cooked packet whose headroom cannot take the header is refused, and
 * the walk goes on with the next. */
static void test_cooked_no_headroom(void **state)
{
	struct synth_block sb;
	struct rc_block rb;
	struct rc_packet p;
	struct tpacket3_hdr *h;

	(void)state;
	synth_block_init(&sb, BLOCK_SIZE, 1);
	cooked_add(&sb, 0, 0, sizeof(cooked_ip));
	h = sb.last;
	cooked_add(&sb, 0, 0, sizeof(cooked_ip));
	h->tp_mac = TPACKET3_HDRLEN + 8;
	cooked_walk(&rb, &sb, 262144);
	assert_int_equal(ring_block_next(&rb, &p), 1);
	assert_memory_equal(p.data + 20, cooked_ip, sizeof(cooked_ip));
	assert_int_equal(ring_block_next(&rb, &p), 0);
	assert_int_equal(rb.bad_frames, 1);
	synth_block_free(&sb);
}

/* LINKTYPE_CAN_SOCKETCAN from the kernel's frames (host-order ids, FD
 * and XL told only by sll_protocol), as libpcap rewrites them. */
static void test_can_frames(void **state)
{
	uint8_t in[3][16] = { { 0 } }, want[3][16] = {
		{ 0x00, 0x00, 0x01, 0x23, 8, 0x00, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 },
		{ 0x80, 0x00, 0x04, 0x56, 12, 0x04, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 },
		{ 0x00, 0x12, 0x03, 0x45, 0x80, 0x03, 0x04, 0x00, 0x44, 0x33, 0x22, 0x11, 9, 9, 9, 9 },
	};
	static const uint16_t protocol[3] = { 0x000c, 0x000d, 0x000e };
	uint32_t id[3] = { 0x123, 0x80000456, 0x00120345 }, af = 0x11223344;
	uint16_t xl_len = 4;
	struct synth_block sb;
	struct rc_block rb;
	struct rc_packet p;

	(void)state;
	for (int i = 0; i < 3; i++)
		memcpy(in[i], &id[i], 4);
	memcpy(in[0] + 4, "\x08\x04\x00\x08\x01\x02\x03\x04\x05\x06\x07\x08", 12);
	memcpy(in[1] + 4, "\x0c\x00\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08", 12);
	in[2][4] = 0x00; /* the kernel's XL flags lack CANXL_XLF here */
	in[2][5] = 0x03;
	memcpy(in[2] + 6, &xl_len, 2);
	memcpy(in[2] + 8, &af, 4);
	memset(in[2] + 12, 9, 4);
	synth_block_init(&sb, BLOCK_SIZE, 1);
	for (int i = 0; i < 3; i++)
		synth_block_add(&sb, &(struct synth_packet){
			.frame = in[i], .caplen = 16, .len = 16, .protocol = protocol[i] });
	walk_begin(&rb, &sb, 262144);
	rb.can = true;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ring_block_next(&rb, &p), 1);
		assert_int_equal(p.caplen, 16);
		assert_memory_equal(p.data, want[i], 16);
	}
	synth_block_free(&sb);
}

static void test_empty_block(void **state)
{
	struct synth_block sb;
	struct rc_block rb;
	struct rc_packet p;

	(void)state;
	synth_block_init(&sb, BLOCK_SIZE, 1);
	walk_begin(&rb, &sb, 262144);
	assert_int_equal(ring_block_next(&rb, &p), 0);
	assert_int_equal(rb.bad_frames, 0);
	synth_block_free(&sb);
}

/* A packet claiming to run past the block ends the walk, not the process. */
static void test_corrupt_offset_stops_walk(void **state)
{
	struct synth_block sb;
	struct rc_block rb;
	struct rc_packet p;

	(void)state;
	synth_block_init(&sb, BLOCK_SIZE, 1);
	for (int i = 0; i < 3; i++)
		synth_block_add(&sb, &(struct synth_packet){ .frame = frame, .caplen = 60, .len = 60 });
	{
		struct tpacket_block_desc *d = (void *)sb.mem;
		struct tpacket3_hdr *first = (void *)(sb.mem + d->hdr.bh1.offset_to_first_pkt);

		first->tp_next_offset = BLOCK_SIZE;
	}
	walk_begin(&rb, &sb, 262144);
	assert_int_equal(ring_block_next(&rb, &p), 1);
	assert_int_equal(ring_block_next(&rb, &p), 0);
	assert_int_equal(rb.bad_frames, 2);
	synth_block_free(&sb);
}

/* Two packets pointing at each other (the fuzzer's find): the kernel only
 * ever chains forward, so a backward link ends the walk instead of
 * handing out the same two packets num_pkts (up to 2^32) times. */
static void test_backward_link_stops_walk(void **state)
{
	struct synth_block sb;
	struct rc_block rb;
	struct rc_packet p;
	struct tpacket_block_desc *d;
	uint8_t *first;

	(void)state;
	synth_block_init(&sb, BLOCK_SIZE, 1);
	for (int i = 0; i < 2; i++)
		synth_block_add(&sb, &(struct synth_packet){ .frame = frame, .caplen = 60, .len = 60 });
	d = (void *)sb.mem;
	first = sb.mem + d->hdr.bh1.offset_to_first_pkt;
	sb.last->tp_next_offset = (uint32_t)(first - (uint8_t *)sb.last); /* wraps: points back */
	d->hdr.bh1.num_pkts = 1000000;
	walk_begin(&rb, &sb, 262144);
	assert_int_equal(ring_block_next(&rb, &p), 1);
	assert_int_equal(ring_block_next(&rb, &p), 1);
	assert_int_equal(ring_block_next(&rb, &p), 0);
	assert_int_equal(rb.bad_frames, 1000000 - 2);
	synth_block_free(&sb);
}

/* An engine over synthetic blocks: no socket (fd -1 makes the kernel
 * statistics read fail harmlessly), just the hand-off logic. */
struct fake_engine {
	struct rc_engine e;
	struct rc_block blocks[3];
	struct synth_block sb[3];
};

static void fake_engine_init(struct fake_engine *f, const uint32_t *seqs)
{
	memset(f, 0, sizeof(*f));
	f->e.fd = -1;
	f->e.wake_fd = -1;
	f->e.geo = (struct engine_geometry){ .block_size = BLOCK_SIZE, .block_count = 3,
					     .snaplen = 262144 };
	f->e.blocks = f->blocks;
	for (int i = 0; i < 3; i++) {
		synth_block_init(&f->sb[i], BLOCK_SIZE, seqs[i]);
		synth_block_add(&f->sb[i], &(struct synth_packet){ .frame = frame, .caplen = 60, .len = 60 });
		f->blocks[i].engine = &f->e;
		f->blocks[i].tag = 7;
		f->blocks[i].desc = (void *)f->sb[i].mem;
	}
}

static void fake_engine_free(struct fake_engine *f)
{
	for (int i = 0; i < 3; i++)
		synth_block_free(&f->sb[i]);
}

static void test_take_in_order_and_seq_gap(void **state)
{
	static const uint32_t seqs[] = { 1, 2, 4 };
	struct fake_engine f;
	struct rc_block *b;

	(void)state;
	fake_engine_init(&f, seqs);
	assert_int_equal(rc_engine_take_block(&f.e, &b), 0); /* nothing retired yet */
	for (int i = 0; i < 3; i++)
		synth_block_close(&f.sb[i]);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(rc_engine_take_block(&f.e, &b), 1);
		assert_ptr_equal(b, &f.blocks[i]);
		assert_int_equal(rc_block_tag(b), 7);
		assert_int_equal(rc_block_packet_count(b), 1);
	}
	assert_int_equal(f.e.stats.seq_gaps, 1);
	assert_int_equal(f.e.stats.blocks, 3);
	fake_engine_free(&f);
}

/* After a wrap, a block the consumer still holds reads TP_STATUS_USER; it
 * must not be handed out a second time. */
static void test_held_block_not_taken_twice(void **state)
{
	static const uint32_t seqs[] = { 1, 2, 3 };
	struct fake_engine f;
	struct rc_block *b, *first;

	(void)state;
	fake_engine_init(&f, seqs);
	for (int i = 0; i < 3; i++)
		synth_block_close(&f.sb[i]);
	assert_int_equal(rc_engine_take_block(&f.e, &first), 1);
	assert_int_equal(rc_engine_take_block(&f.e, &b), 1);
	rc_block_release(b);
	assert_int_equal(rc_engine_take_block(&f.e, &b), 1);
	rc_block_release(b);
	assert_int_equal(rc_engine_take_block(&f.e, &b), 0); /* cursor at first, still held */
	rc_block_release(first);
	assert_int_equal(ring_block_status(first->desc), TP_STATUS_KERNEL);
	assert_int_equal(rc_engine_take_block(&f.e, &b), 0); /* now the kernel's */
	f.blocks[0].desc->hdr.bh1.seq_num = 4;
	synth_block_close(&f.sb[0]);
	assert_int_equal(rc_engine_take_block(&f.e, &b), 1);
	assert_ptr_equal(b, first);
	assert_int_equal(f.e.stats.seq_gaps, 0);
	fake_engine_free(&f);
}

/* Drops the engine learned of go on the next block taken, once. */
static void test_drops_attributed_once(void **state)
{
	static const uint32_t seqs[] = { 1, 2, 3 };
	struct fake_engine f;
	struct rc_block *b;

	(void)state;
	fake_engine_init(&f, seqs);
	for (int i = 0; i < 3; i++)
		synth_block_close(&f.sb[i]);
	f.e.pending_drops = 7;
	assert_int_equal(rc_engine_take_block(&f.e, &b), 1);
	assert_int_equal(rc_block_drops_before(b), 7);
	assert_int_equal(rc_engine_take_block(&f.e, &b), 1);
	assert_int_equal(rc_block_drops_before(b), 0);
	fake_engine_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_odd_lengths_and_fields),
		cmocka_unit_test(test_vlan_tpids),
		cmocka_unit_test(test_vlan_respects_snaplen),
		cmocka_unit_test(test_cooked_sll2_header),
		cmocka_unit_test(test_cooked_qinq),
		cmocka_unit_test(test_cooked_snaplen),
		cmocka_unit_test(test_cooked_no_headroom),
		cmocka_unit_test(test_can_frames),
		cmocka_unit_test(test_empty_block),
		cmocka_unit_test(test_corrupt_offset_stops_walk),
		cmocka_unit_test(test_backward_link_stops_walk),
		cmocka_unit_test(test_take_in_order_and_seq_gap),
		cmocka_unit_test(test_held_block_not_taken_twice),
		cmocka_unit_test(test_drops_attributed_once),
	};

	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
