/* SPDX-License-Identifier: MIT */
/*
 * test_config.c - ring geometry: defaults, and every rejection names the
 * field at fault, since that is what the user has to change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "engine_internal.h"

static char last_msg[256];

static void capture_log(void *ctx, enum rc_log_level level, const char *msg)
{
	(void)ctx;
	(void)level;
	snprintf(last_msg, sizeof(last_msg), "%s", msg);
}

static void expect_rejected(struct rc_engine_config c, const char *field)
{
	c.sz = sizeof(c);
	last_msg[0] = 0;
	assert_int_equal(rc_engine_config_check(&c, capture_log, NULL), -EINVAL);
	assert_non_null(strstr(last_msg, field));
}

static void test_defaults(void **state)
{
	struct rc_engine_config c = { .ifname = "x" };
	struct engine_geometry g;

	(void)state;
	assert_int_equal(engine_resolve_geometry(&c, &g, NULL, NULL), 0);
	assert_int_equal(g.ring_size, 32u << 20);
	assert_int_equal(g.block_size, 1u << 20);
	assert_int_equal(g.block_count, 32);
	assert_int_equal(g.block_timeout_ms, 100);
	assert_int_equal(g.snaplen, 262144);
}

/* A small ring gets smaller blocks rather than too few of them; a ring
 * that is not a multiple of the derived block is rounded down. */
static void test_derived_block_size(void **state)
{
	struct rc_engine_config c = { .ifname = "x", .ring_size = 3000 * 1024 };
	struct engine_geometry g;

	(void)state;
	assert_int_equal(engine_resolve_geometry(&c, &g, NULL, NULL), 0);
	assert_int_equal(g.block_size, 256 * 1024);
	assert_int_equal(g.block_count, 11);
	assert_int_equal(g.ring_size, 11 * 256 * 1024);
}

static void test_rejections(void **state)
{
	(void)state;
	expect_rejected((struct rc_engine_config){ .block_size = 3000 * 1024 }, "block_size");
	expect_rejected((struct rc_engine_config){ .block_size = 1000 }, "block_size");
	expect_rejected((struct rc_engine_config){ .block_size = 256u << 20 }, "block_size");
	expect_rejected((struct rc_engine_config){ .ring_size = 3u << 20, .block_size = 2u << 20 },
			"ring_size");
	expect_rejected((struct rc_engine_config){ .ring_size = 1u << 20, .block_size = 1u << 20 },
			"ring_size");
	expect_rejected((struct rc_engine_config){ .block_timeout_ms = 60001 }, "block_timeout_ms");
	expect_rejected((struct rc_engine_config){ .snaplen = 13 }, "snaplen");
	expect_rejected((struct rc_engine_config){ .snaplen = 262145 }, "snaplen");
	/* And a config whose size was never set is refused outright. */
	assert_int_equal(rc_engine_config_check(&(struct rc_engine_config){ .ifname = "x" },
						capture_log, NULL), -EINVAL);
	assert_non_null(strstr(last_msg, "RC_OPTS"));
}

static void test_linktypes(void **state)
{
	struct engine_link l;

	(void)state;
	assert_int_equal(engine_link_from_arphrd(1, &l), 0);
	assert_int_equal(l.linktype, RC_LINKTYPE_ETHERNET);
	assert_false(l.loopback);
	assert_false(l.cooked);
	assert_int_equal(engine_link_from_arphrd(772, &l), 0);
	assert_int_equal(l.linktype, RC_LINKTYPE_ETHERNET);
	assert_true(l.loopback);
	assert_int_equal(engine_link_from_arphrd(0xfffe, &l), 0);  /* NONE: tun, wireguard */
	assert_int_equal(l.linktype, RC_LINKTYPE_RAW);
	assert_false(l.cooked);
	assert_int_equal(engine_link_from_arphrd(519, &l), 0);     /* RAWIP */
	assert_int_equal(l.linktype, RC_LINKTYPE_RAW);
	assert_int_equal(engine_link_from_arphrd(801, &l), 0);
	assert_int_equal(l.linktype, RC_LINKTYPE_IEEE802_11);
	assert_int_equal(engine_link_from_arphrd(803, &l), 0);
	assert_int_equal(l.linktype, RC_LINKTYPE_IEEE802_11_RADIOTAP);
	assert_int_equal(engine_link_from_arphrd(512, &l), 0);     /* PPP: cooked */
	assert_int_equal(l.linktype, RC_LINKTYPE_LINUX_SLL2);
	assert_true(l.cooked);
	assert_int_equal(engine_link_from_arphrd(778, &l), 0);     /* IPGRE: cooked */
	assert_true(l.cooked);
	/* Refused: known by name, or not at all. */
	assert_int_equal(engine_link_from_arphrd(280, &l), 0);
	assert_int_equal(l.linktype, RC_LINKTYPE_CAN_SOCKETCAN);
	assert_int_equal(engine_link_from_arphrd(824, &l), -EPROTONOSUPPORT);
	assert_string_equal(engine_arphrd_name(824), "NETLINK");
	assert_int_equal(engine_link_from_arphrd(32, &l), -EPROTONOSUPPORT);
	assert_string_equal(engine_arphrd_name(32), "INFINIBAND");
	assert_int_equal(engine_link_from_arphrd(4242, &l), -EPROTONOSUPPORT);
	assert_null(engine_arphrd_name(4242));
}

/* direction and tstamp are enums an embedder may fill with anything. */
static void test_modes_checked(void **state)
{
	(void)state;
	assert_int_equal(rc_engine_config_check(&(struct rc_engine_config){
		.sz = sizeof(struct rc_engine_config), .ifname = "x",
		.direction = RC_ENGINE_DIRECTION_OUT, .tstamp = RC_TSTAMP_ADAPTER_UNSYNCED },
		capture_log, NULL), 0);
	assert_int_equal(rc_engine_config_check(&(struct rc_engine_config){
		.sz = sizeof(struct rc_engine_config), .ifname = "x",
		.direction = (enum rc_engine_direction)3 }, capture_log, NULL), -EINVAL);
	assert_non_null(strstr(last_msg, "direction 3"));
	assert_int_equal(rc_engine_config_check(&(struct rc_engine_config){
		.sz = sizeof(struct rc_engine_config), .ifname = "x",
		.tstamp = (enum rc_tstamp_type)RC_TSTAMP_TYPES }, capture_log, NULL), -EINVAL);
	assert_non_null(strstr(last_msg, "tstamp 3"));
}

/* The name the link type is asked by: "any" needs no interface. */
static void test_iface_linktype(void **state)
{
	(void)state;
	assert_int_equal(rc_engine_iface_linktype("any"), RC_LINKTYPE_LINUX_SLL2);
	assert_int_equal(rc_engine_iface_linktype("lo"), RC_LINKTYPE_ETHERNET);
	assert_int_equal(rc_engine_iface_linktype("rc-no-such0"), -ENODEV);
	assert_int_equal(rc_engine_iface_linktype("a-name-longer-than-ifnamsiz"), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_derived_block_size),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_linktypes),
		cmocka_unit_test(test_modes_checked),
		cmocka_unit_test(test_iface_linktype),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
