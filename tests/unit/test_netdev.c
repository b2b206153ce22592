/* SPDX-License-Identifier: MIT */
/*
 * test_netdev.c - the netdev module's pure parts, offline: time stamp type
 * names both ways, the types ETHTOOL_GET_TS_INFO answers map to, and the
 * offload line and flags on canned feature tables.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "netdev_internal.h"

static void test_tstamp_names(void **state)
{
	enum rc_tstamp_type t = RC_TSTAMP_HOST;

	(void)state;
	assert_string_equal(rc_tstamp_type_name(RC_TSTAMP_HOST), "host");
	assert_string_equal(rc_tstamp_type_name(RC_TSTAMP_ADAPTER), "adapter");
	assert_string_equal(rc_tstamp_type_name(RC_TSTAMP_ADAPTER_UNSYNCED), "adapter_unsynced");
	assert_null(rc_tstamp_type_name((enum rc_tstamp_type)RC_TSTAMP_TYPES));
	assert_null(rc_tstamp_type_name((enum rc_tstamp_type)-1));
	for (unsigned i = 0; i < RC_TSTAMP_TYPES; i++) {
		assert_int_equal(rc_tstamp_type_from_name(rc_tstamp_type_name((enum rc_tstamp_type)i), &t), 0);
		assert_int_equal(t, i);
	}
	assert_int_equal(rc_tstamp_type_from_name("Adapter_Unsynced", &t), 0);
	assert_int_equal(t, RC_TSTAMP_ADAPTER_UNSYNCED);
	t = RC_TSTAMP_ADAPTER;
	assert_int_equal(rc_tstamp_type_from_name("host_lowprec", &t), 0);
	assert_int_equal(t, RC_TSTAMP_HOST);
	t = RC_TSTAMP_ADAPTER;
	assert_int_equal(rc_tstamp_type_from_name("HOST_HIPREC", &t), 0);
	assert_int_equal(t, RC_TSTAMP_HOST);
	/* Refused, and *ret untouched. */
	t = RC_TSTAMP_ADAPTER;
	assert_int_equal(rc_tstamp_type_from_name("host_hiprec_unsynced", &t), -EINVAL);
	assert_int_equal(rc_tstamp_type_from_name("adapte", &t), -EINVAL);
	assert_int_equal(rc_tstamp_type_from_name("", &t), -EINVAL);
	assert_int_equal(rc_tstamp_type_from_name(NULL, &t), -EINVAL);
	assert_int_equal(t, RC_TSTAMP_ADAPTER);
}

static void test_tstamp_types_from_info(void **state)
{
	/* veth: software stamps only. */
	struct ethtool_ts_info info = {
		.so_timestamping = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_RX_SOFTWARE |
				   SOF_TIMESTAMPING_SOFTWARE,
		.phc_index = -1,
	};
	char buf[64];
	struct nd_text t;

	(void)state;
	assert_int_equal(nd_tstamp_types_from_info(&info), RC_NETDEV_TSTAMP_BIT(RC_TSTAMP_HOST));
	/* A PTP NIC that stamps only PTP frames: host only, as libpcap. */
	info.so_timestamping |= SOF_TIMESTAMPING_RAW_HARDWARE | SOF_TIMESTAMPING_RX_HARDWARE;
	info.rx_filters = 1u << HWTSTAMP_FILTER_PTP_V2_EVENT;
	assert_int_equal(nd_tstamp_types_from_info(&info), RC_NETDEV_TSTAMP_BIT(RC_TSTAMP_HOST));
	/* One that stamps every packet. */
	info.rx_filters |= 1u << HWTSTAMP_FILTER_ALL;
	assert_int_equal(nd_tstamp_types_from_info(&info),
			 RC_NETDEV_TSTAMP_BIT(RC_TSTAMP_HOST) | RC_NETDEV_TSTAMP_BIT(RC_TSTAMP_ADAPTER_UNSYNCED));
	info.so_timestamping |= SOF_TIMESTAMPING_SYS_HARDWARE;
	assert_int_equal(nd_tstamp_types_from_info(&info), 7);
	nd_text_init(&t, buf, sizeof(buf));
	nd_tstamp_types_text(nd_tstamp_types_from_info(&info), &t);
	assert_string_equal(buf, "host, adapter, adapter_unsynced");
}

/* A canned ETH_SS_FEATURES table: names as the kernel spells them, in an
 * order of our own (the module finds them by name, never by bit). */
static const char names[][ETH_GSTRING_LEN] = {
	"tx-scatter-gather", "tx-checksum-ip-generic", "tx-tcp-segmentation", "rx-gro",
	"rx-lro", "rx-gro-hw", "rx-gro-list", "tx-generic-segmentation",
	"rx-checksum", "tx-udp-segmentation", "rx-vlan-hw-parse",
	/* Past the first block of 32. */
	[33] = "rx-udp-gro-forwarding", [34] = "tx-checksum-ipv4",
};
#define BIT(i) (1u << ((i) % 32))

static int format(const struct ethtool_get_features_block *b, char *buf, size_t len)
{
	const struct nd_features f = { .count = 35, .names = names, .blocks = b };
	struct nd_text t;

	nd_text_init(&t, buf, len);
	return nd_offloads_format(&f, &t);
}

static void test_offloads_format(void **state)
{
	struct ethtool_get_features_block b[2] = {
		{ .available = ~0u & ~BIT(5), .active = BIT(3) | BIT(7) | BIT(8) },
		{ .available = ~0u, .never_changed = BIT(34) },
	};
	char buf[RC_NETDEV_TEXT_MAX];

	(void)state;
	assert_int_equal(format(b, buf, sizeof(buf)), RC_NETDEV_F_RX_MERGE);
	assert_string_equal(buf, "rx-gro on, rx-lro off, rx-gro-hw off [fixed], rx-gro-list off, "
			    "rx-udp-gro-forwarding off, tx-tcp-segmentation off, "
			    "tx-generic-segmentation on, tx-udp-segmentation off, rx-vlan-hw-parse off, "
			    "rx-checksum on, tx-checksum-ipv4 off [fixed], tx-checksum-ip-generic off");
	/* GSO alone splits before packet sockets: no flag. */
	b[0].active = BIT(7);
	assert_int_equal(format(b, buf, sizeof(buf)), 0);
	/* gro-list and udp forwarding merge only inside GRO. */
	b[0].active = BIT(6);
	b[1].active = BIT(33);
	assert_int_equal(format(b, buf, sizeof(buf)), 0);
	b[0].active |= BIT(3);
	assert_int_equal(format(b, buf, sizeof(buf)), RC_NETDEV_F_RX_MERGE);
	b[0].active = BIT(5);
	b[1].active = 0;
	assert_int_equal(format(b, buf, sizeof(buf)), RC_NETDEV_F_RX_MERGE);
	b[0].active = BIT(4);
	assert_int_equal(format(b, buf, sizeof(buf)), RC_NETDEV_F_RX_MERGE);
	b[0].active = BIT(2) | BIT(1);
	assert_int_equal(format(b, buf, sizeof(buf)), RC_NETDEV_F_TX_SEGMENT | RC_NETDEV_F_TX_CSUM);
	b[0].active = BIT(9);
	b[1].active = BIT(34);
	assert_int_equal(format(b, buf, sizeof(buf)), RC_NETDEV_F_TX_SEGMENT | RC_NETDEV_F_TX_CSUM);
	/* Cut, terminated, said; no buffer at all is no text wanted. */
	assert_int_equal(format(b, buf, 12), -ENOSPC);
	assert_string_equal(buf, "rx-gro off,");
	assert_int_equal(format(b, NULL, 0), RC_NETDEV_F_TX_SEGMENT | RC_NETDEV_F_TX_CSUM);
}

/* What --no-offload says: the moves, dependent ones included, then the
 * merges a device keeps on. */
static void test_describe_change(void **state)
{
	/* rx-gro and rx-lro on, rx-gro-hw on and fixed, udp forwarding on. */
	const struct ethtool_get_features_block before[2] = {
		{ .available = ~BIT(5), .active = BIT(3) | BIT(4) | BIT(5) | BIT(7) },
		{ .available = ~0u, .active = BIT(33) },
	};
	/* GRO off took udp forwarding with it; LRO stayed on (ETHTOOL_F_WISH). */
	const struct ethtool_get_features_block after[2] = {
		{ .available = ~BIT(5), .active = BIT(4) | BIT(5) | BIT(7) },
		{ .available = ~0u },
	};
	const struct nd_features b = { .count = 35, .names = names, .blocks = before };
	const struct nd_features a = { .count = 35, .names = names, .blocks = after };
	char buf[RC_NETDEV_TEXT_MAX];
	struct nd_text t;

	(void)state;
	nd_text_init(&t, buf, sizeof(buf));
	assert_int_equal(nd_describe_change(&b, &a, &t), 1);
	assert_string_equal(buf, "changed: rx-gro on->off, rx-udp-gro-forwarding on->off; "
			    "kept: rx-lro on, rx-gro-hw on [fixed]");
	nd_text_init(&t, buf, sizeof(buf));
	assert_int_equal(nd_describe_change(&a, &a, &t), 0);
	assert_string_equal(buf, "changed: none; kept: rx-lro on, rx-gro-hw on [fixed]");
}

static void test_feature_get(void **state)
{
	const struct ethtool_get_features_block b[2] = {
		{ .available = BIT(3), .requested = BIT(3), .active = BIT(3) },
		{ .available = BIT(33), .never_changed = BIT(33), .requested = BIT(33) },
	};
	const struct nd_features f = { .count = 35, .names = names, .blocks = b };
	struct nd_feature x;

	(void)state;
	x = nd_feature_get(&f, "rx-gro");
	assert_true(x.present && x.active && x.requested && !x.fixed);
	assert_int_equal(x.index, 3);
	x = nd_feature_get(&f, "rx-udp-gro-forwarding");
	assert_true(x.present && !x.active && x.requested && x.fixed);
	assert_int_equal(x.index, 33);
	x = nd_feature_get(&f, "tx-udp-fragmentation");
	assert_false(x.present);
	assert_int_equal(x.index, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tstamp_names),
		cmocka_unit_test(test_tstamp_types_from_info),
		cmocka_unit_test(test_offloads_format),
		cmocka_unit_test(test_describe_change),
		cmocka_unit_test(test_feature_get),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
