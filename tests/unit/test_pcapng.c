/* SPDX-License-Identifier: MIT */
/*
 * test_pcapng.c - the block encoders against byte arrays written by hand
 * from the pcapng draft (little-endian host), section by section.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/if_packet.h>

#include "pcapng.h"

static void check_block(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
	assert_int_equal(got_len, want_len);
	assert_memory_equal(got, want, want_len);
}

/* 4.1: SHB, version 1.0, section length -1, shb_os "Lx" (padded to 4),
 * shb_userappl "rc 1", opt_endofopt. */
static void test_shb(void **state)
{
	static const uint8_t want[] = {
		0x0a, 0x0d, 0x0d, 0x0a, 0x30, 0, 0, 0,
		0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		3, 0, 2, 0, 'L', 'x', 0, 0,
		4, 0, 4, 0, 'r', 'c', ' ', '1',
		0, 0, 0, 0,
		0x30, 0, 0, 0,
	};
	uint8_t buf[128];
	size_t n;

	(void)state;
	assert_int_equal(pcapng_shb_size(NULL, "Lx", "rc 1"), sizeof(want));
	n = pcapng_shb(buf, NULL, "Lx", "rc 1");
	check_block(buf, n, want, sizeof(want));
}

/* 4.2: IDB, LINKTYPE_ETHERNET, snaplen 262144, if_name "eth1",
 * if_tsresol 9, if_filter type 0 "arp". */
static void test_idb(void **state)
{
	static const uint8_t want[] = {
		1, 0, 0, 0, 0x30, 0, 0, 0,
		1, 0, 0, 0, 0, 0, 4, 0,
		2, 0, 4, 0, 'e', 't', 'h', '1',
		9, 0, 1, 0, 9, 0, 0, 0,
		11, 0, 4, 0, 0, 'a', 'r', 'p',
		0, 0, 0, 0,
		0x30, 0, 0, 0,
	};
	struct rc_writer_iface ifc = { .name = "eth1", .linktype = 1, .snaplen = 262144,
				       .filter = "arp" };
	uint8_t buf[128];
	size_t n;

	(void)state;
	assert_int_equal(pcapng_idb_size(&ifc), sizeof(want));
	n = pcapng_idb(buf, &ifc, 9);
	check_block(buf, n, want, sizeof(want));
}

/* 4.2 with every option ringcap knows, in the spec's order: opt_comment,
 * if_name, if_description, if_MACaddr, if_speed, if_tsresol 6 (micro),
 * if_os, if_hardware. */
static void test_idb_evidence(void **state)
{
	static const uint8_t want[] = {
		1, 0, 0, 0, 0x6c, 0, 0, 0,
		0x14, 1, 0, 0, 0xe8, 5, 0, 0,
		1, 0, 5, 0, 'g', 'r', 'o', ' ', 'o', 0, 0, 0,
		2, 0, 3, 0, 'r', 'c', '0', 0,
		3, 0, 4, 0, 'v', 'e', 't', 'h',
		6, 0, 6, 0, 2, 0, 0, 0, 0, 1, 0, 0,
		8, 0, 8, 0, 0x00, 0xe4, 0x0b, 0x54, 0x02, 0, 0, 0,
		9, 0, 1, 0, 6, 0, 0, 0,
		12, 0, 11, 0, 'L', 'i', 'n', 'u', 'x', ' ', '6', '.', '1', '.', '0', 0,
		15, 0, 4, 0, 'v', 'e', 't', 'h',
		0, 0, 0, 0,
		0x6c, 0, 0, 0,
	};
	struct rc_writer_iface ifc = { .name = "rc0", .linktype = 276, .snaplen = 1512,
				       .description = "veth", .hardware = "veth",
				       .os = "Linux 6.1.0", .comment = "gro o",
				       .speed_bps = 10000000000ull, .has_mac = true,
				       .mac = { 2, 0, 0, 0, 0, 1 } };
	uint8_t buf[160];

	(void)state;
	assert_int_equal(pcapng_idb_size(&ifc), sizeof(want));
	check_block(buf, pcapng_idb(buf, &ifc, 6), want, sizeof(want));
}

/* 4.3: EPB with a 5-byte packet (3 bytes of zero padding), timestamp
 * 0x0000000100000002, epb_flags inbound (01) + unicast (001 << 2) = 5. */
static void test_epb_inbound_unicast_padding(void **state)
{
	static const uint8_t data[] = { 0xde, 0xad, 0xbe, 0xef, 0x01 };
	static const uint8_t want[] = {
		6, 0, 0, 0, 0x34, 0, 0, 0,
		2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0,
		5, 0, 0, 0, 60, 0, 0, 0,
		0xde, 0xad, 0xbe, 0xef, 0x01, 0, 0, 0,
		2, 0, 4, 0, 5, 0, 0, 0,
		0, 0, 0, 0,
		0x34, 0, 0, 0,
	};
	struct rc_writer_packet p = { .data = data, .caplen = 5, .origlen = 60,
				      .ts_ns = 0x0000000100000002ull, .iface = 2,
				      .epb_flags = rc_writer_epb_flags(PACKET_HOST) };
	uint8_t buf[128];

	(void)state;
	assert_int_equal(pcapng_epb_size(&p, 0), sizeof(want));
	check_block(buf, pcapng_epb(buf, &p, 0), want, sizeof(want));
}

/* Outbound (10) with no reception type; epb_dropcount 3 after epb_flags. */
static void test_epb_outbound_dropcount(void **state)
{
	static const uint8_t data[] = { 1, 2, 3, 4 };
	static const uint8_t want[] = {
		6, 0, 0, 0, 0x3c, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0,
		4, 0, 0, 0, 4, 0, 0, 0,
		1, 2, 3, 4,
		2, 0, 4, 0, 2, 0, 0, 0,
		4, 0, 8, 0, 3, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0,
		0x3c, 0, 0, 0,
	};
	struct rc_writer_packet p = { .data = data, .caplen = 4, .origlen = 4, .ts_ns = 9,
				      .epb_flags = rc_writer_epb_flags(PACKET_OUTGOING) };
	uint8_t buf[128];

	(void)state;
	assert_int_equal(pcapng_epb_size(&p, 3), sizeof(want));
	check_block(buf, pcapng_epb(buf, &p, 3), want, sizeof(want));
}

/* 4.3.1: bits 0-1 direction, 2-4 reception type. */
static void test_epb_flags_map(void **state)
{
	(void)state;
	assert_int_equal(rc_writer_epb_flags(PACKET_HOST), 0x5);
	assert_int_equal(rc_writer_epb_flags(PACKET_MULTICAST), 0x9);
	assert_int_equal(rc_writer_epb_flags(PACKET_BROADCAST), 0xd);
	assert_int_equal(rc_writer_epb_flags(PACKET_OTHERHOST), 0x11);
	assert_int_equal(rc_writer_epb_flags(PACKET_OUTGOING), 0x2);
	assert_int_equal(rc_writer_epb_flags(200), 0);
}

/* 4.6: ISB with start/end time (high word first), ifrecv, osdrop,
 * usrdeliv; with a filter, the received count is isb_filteraccept. */
static void check_isb(bool filtered, uint16_t received_code)
{
	const uint8_t want[] = {
		5, 0, 0, 0, 0x58, 0, 0, 0,
		1, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0,
		2, 0, 8, 0, 0, 0, 0, 0, 0x10, 0, 0, 0,
		3, 0, 8, 0, 0, 0, 0, 0, 0x20, 0, 0, 0,
		(uint8_t)received_code, 0, 8, 0, 100, 0, 0, 0, 0, 0, 0, 0,
		7, 0, 8, 0, 3, 0, 0, 0, 0, 0, 0, 0,
		8, 0, 8, 0, 97, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0,
		0x58, 0, 0, 0,
	};
	struct pcapng_isb isb = { .iface_id = 1, .start_ts = 0x10, .end_ts = 0x20,
				  .counted = true, .received = 100, .dropped = 3, .delivered = 97,
				  .filtered = filtered };
	uint8_t buf[128];

	assert_int_equal(pcapng_isb_size(&isb), sizeof(want));
	check_block(buf, pcapng_isb(buf, &isb), want, sizeof(want));
}

static void test_isb(void **state)
{
	(void)state;
	check_isb(false, 4);
	check_isb(true, 6);
}

/* Before the capture side gave any counters, an ISB says only what the
 * writer knows (3.5: an absent option is unknown, not zero). */
static void test_isb_uncounted(void **state)
{
	const uint8_t want[] = {
		5, 0, 0, 0, 0x40, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0,
		2, 0, 8, 0, 0, 0, 0, 0, 0x10, 0, 0, 0,
		3, 0, 8, 0, 0, 0, 0, 0, 0x20, 0, 0, 0,
		8, 0, 8, 0, 5, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0,
		0x40, 0, 0, 0,
	};
	struct pcapng_isb isb = { .start_ts = 0x10, .end_ts = 0x20, .received = 9, .delivered = 5 };
	uint8_t buf[128];

	(void)state;
	assert_int_equal(pcapng_isb_size(&isb), sizeof(want));
	check_block(buf, pcapng_isb(buf, &isb), want, sizeof(want));
}

/* 3.5: opt_comment, padded; no epb_flags when the producer gives none. */
static void test_epb_comment(void **state)
{
	static const uint8_t data[] = { 7 };
	static const uint8_t want[] = {
		6, 0, 0, 0, 0x34, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
		1, 0, 0, 0, 1, 0, 0, 0,
		7, 0, 0, 0,
		1, 0, 5, 0, 'l', 'o', 's', 't', '!', 0, 0, 0,
		0, 0, 0, 0,
		0x34, 0, 0, 0,
	};
	struct rc_writer_packet p = { .data = data, .caplen = 1, .origlen = 1, .ts_ns = 1,
				      .comment = "lost!" };
	uint8_t buf[128];

	(void)state;
	assert_int_equal(pcapng_epb_size(&p, 0), sizeof(want));
	check_block(buf, pcapng_epb(buf, &p, 0), want, sizeof(want));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shb),
		cmocka_unit_test(test_idb),
		cmocka_unit_test(test_idb_evidence),
		cmocka_unit_test(test_epb_inbound_unicast_padding),
		cmocka_unit_test(test_epb_outbound_dropcount),
		cmocka_unit_test(test_epb_flags_map),
		cmocka_unit_test(test_isb),
		cmocka_unit_test(test_isb_uncounted),
		cmocka_unit_test(test_epb_comment),
	};

	return cmocka_run_group_tests_name("pcapng", tests, NULL, NULL);
}
