/* SPDX-License-Identifier: MIT */
/*
 * test_netdev.c - libringcap's netdev module on a veth pair in a namespace
 * of the test's own: what it says about the device against what ethtool
 * and ip say, --no-offload's change and its exact undo read back with
 * `ethtool -k` (not with the module itself), a device that goes away, a
 * handle used from a thread in another namespace, and time stamp types.
 * Never touches an interface outside the namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/capability.h>

#include <ringcap/netdev.h>

#include "itest.h"

/* The namespace the test started in, opened before any is entered. */
static int root_ns_fd = -1;

static char log_text[8192];

static void collect_log(void *ctx, enum rc_log_level level, const char *msg)
{
	(void)ctx;
	(void)level;
	if (strlen(log_text) + strlen(msg) + 2 < sizeof(log_text)) {
		strcat(log_text, msg);
		strcat(log_text, "\n");
	}
}

static struct rc_netdev *open_rc0(void)
{
	RC_OPTS(rc_netdev_config, c, .ifname = "rc0", .log = collect_log);
	struct rc_netdev *nd = NULL;

	log_text[0] = 0;
	assert_int_equal(rc_netdev_open(&c, &nd), 0);
	return nd;
}

/* One line of a command's output, the part after "key: ", as ethtool
 * writes its lines ("\tSpeed: 10000Mb/s", "generic-receive-offload: on"). */
static void command_value(const char *cmd, const char *key, char *out, size_t len)
{
	char line[512];
	FILE *p = popen(cmd, "r");
	size_t klen = strlen(key);

	assert_non_null(p);
	out[0] = 0;
	while (fgets(line, sizeof(line), p)) {
		char *s = line + strspn(line, " \t");

		if (strncmp(s, key, klen) != 0 || strncmp(s + klen, ": ", 2) != 0)
			continue;
		snprintf(out, len, "%s", s + klen + 2);
		out[strcspn(out, "\n")] = 0;
		break;
	}
	pclose(p);
}

/* "on" or "off" (a trailing " [fixed]" dropped) from `ethtool -k rc0`. */
static const char *ethtool_k(const char *feature)
{
	static char v[64];

	command_value("ethtool -k rc0", feature, v, sizeof(v));
	v[strcspn(v, " ")] = 0;
	return v;
}

static void test_open_errors(void **state)
{
	RC_OPTS(rc_netdev_config, c, .ifname = "rc9", .log = collect_log);
	struct rc_netdev_config unsized = { .ifname = "rc0" };
	struct rc_netdev *nd = NULL;

	(void)state;
	log_text[0] = 0;
	assert_int_equal(rc_netdev_open(&c, &nd), -ENODEV);
	assert_non_null(strstr(log_text, "rc9: no such interface"));
	c.ifname = "rc0-but-far-too-long";
	assert_int_equal(rc_netdev_open(&c, &nd), -ENODEV);
	c.ifname = NULL;
	assert_int_equal(rc_netdev_open(&c, &nd), -EINVAL);
	assert_int_equal(rc_netdev_open(&unsized, &nd), -EINVAL);
	assert_null(nd);
	rc_netdev_close(NULL);
}

static void test_info(void **state)
{
	struct rc_netdev *nd = open_rc0();
	struct rc_netdev_info info = { .sz = sizeof(info) };
	char version[64], speed[64], os[200];
	struct utsname u;

	(void)state;
	assert_int_equal(rc_netdev_info(nd, &info), 0);
	assert_string_equal(info.driver, "veth");
	command_value("ethtool -i rc0", "version", version, sizeof(version));
	assert_string_equal(info.version, version);
	assert_string_equal(info.firmware, "");
	assert_string_equal(info.bus, "");
	snprintf(os, sizeof(os), "veth %s", version);
	assert_string_equal(info.hardware, os);
	assert_int_equal(info.arphrd, ARPHRD_ETHER);
	assert_int_equal(info.addr_len, 6);
	assert_memory_equal(info.addr, netns_mac_capture, 6);
	/* veth_get_link_ksettings says 10000Mb/s: what ethtool says. */
	command_value("ethtool rc0", "Speed", speed, sizeof(speed));
	assert_int_equal(info.speed_bps, strtoull(speed, NULL, 10) * 1000000u);
	assert_int_equal(info.speed_bps, 10000000000u);
	assert_int_equal(uname(&u), 0);
	snprintf(os, sizeof(os), "Linux %s", u.release);
	assert_string_equal(info.os, os);
	/* A struct from an older header gets only what fits. */
	struct rc_netdev_info small = { .sz = offsetof(struct rc_netdev_info, version) };
	memset(small.version, 'x', sizeof(small.version));
	assert_int_equal(rc_netdev_info(nd, &small), 0);
	assert_string_equal(small.driver, "veth");
	assert_int_equal(small.version[0], 'x');
	rc_netdev_close(nd);
}

/* Loopback: no driver info, no address that means anything, no speed;
 * none of it is an error. */
static void test_info_loopback(void **state)
{
	RC_OPTS(rc_netdev_config, c, .ifname = "lo");
	struct rc_netdev_info info = { .sz = sizeof(info) };
	struct rc_netdev *nd = NULL;

	(void)state;
	assert_int_equal(rc_netdev_open(&c, &nd), 0);
	assert_int_equal(rc_netdev_info(nd, &info), 0);
	assert_int_equal(info.arphrd, ARPHRD_LOOPBACK);
	assert_int_equal(info.addr_len, 0);
	assert_string_equal(info.driver, "");
	assert_string_equal(info.hardware, "");
	assert_int_equal(info.speed_bps, 0);
	assert_memory_equal(info.os, "Linux ", 6);
	rc_netdev_close(nd);
}

static void test_offloads_text(void **state)
{
	struct rc_netdev *nd = open_rc0();
	char text[RC_NETDEV_TEXT_MAX];
	int flags;

	(void)state;
	assert_int_equal(netns_sh("ethtool -K rc0 gro on tso on"), 0);
	flags = rc_netdev_offloads(nd, text, sizeof(text));
	assert_true(flags >= 0);
	print_message("%s\n", text);
	assert_non_null(strstr(text, "rx-gro on,"));
	assert_non_null(strstr(text, "tx-tcp-segmentation on"));
	assert_non_null(strstr(text, "rx-gro-hw off [fixed]"));
	assert_true(flags & RC_NETDEV_F_RX_MERGE);
	assert_true(flags & RC_NETDEV_F_TX_SEGMENT);
	/* veth leaves checksums of what it sends to the receiver. */
	assert_non_null(strstr(text, "tx-checksum-ip-generic on"));
	assert_true(flags & RC_NETDEV_F_TX_CSUM);
	assert_int_equal(netns_sh("ethtool -K rc0 gro off tso off tx-udp-segmentation off"), 0);
	flags = rc_netdev_offloads(nd, text, sizeof(text));
	assert_true(flags >= 0);
	assert_non_null(strstr(text, "rx-gro off,"));
	assert_non_null(strstr(text, "tx-tcp-segmentation off"));
	assert_false(flags & RC_NETDEV_F_RX_MERGE);
	assert_false(flags & RC_NETDEV_F_TX_SEGMENT);
	/* Flags only; and a buffer too small. */
	assert_int_equal(rc_netdev_offloads(nd, NULL, 0), flags);
	assert_int_equal(rc_netdev_offloads(nd, text, 10), -ENOSPC);
	assert_int_equal(strlen(text), 9);
	rc_netdev_close(nd);
}

static void test_disable_and_restore(void **state)
{
	struct rc_netdev *nd = open_rc0();
	char text[RC_NETDEV_TEXT_MAX];

	(void)state;
	assert_int_equal(netns_sh("ethtool -K rc0 gro on rx-gro-list on tso off"), 0);
	assert_string_equal(ethtool_k("generic-receive-offload"), "on");
	assert_int_equal(rc_netdev_disable_rx_offloads(nd, text, sizeof(text)), 2);
	print_message("%s\n", text);
	assert_non_null(strstr(text, "changed: rx-gro on->off"));
	assert_non_null(strstr(text, "rx-gro-list on->off"));
	assert_null(strstr(text, "segmentation"));
	assert_non_null(strstr(log_text, "ethtool -K rc0 rx-gro on rx-gro-list on"));
	assert_string_equal(ethtool_k("generic-receive-offload"), "off");
	assert_string_equal(ethtool_k("rx-gro-list"), "off");
	/* Nothing left to turn off. */
	assert_int_equal(rc_netdev_disable_rx_offloads(nd, text, sizeof(text)), 0);
	assert_string_equal(text, "changed: none");
	assert_int_equal(rc_netdev_restore(nd), 0);
	assert_string_equal(ethtool_k("generic-receive-offload"), "on");
	assert_string_equal(ethtool_k("rx-gro-list"), "on");
	/* What it did not change stays as it was. */
	assert_string_equal(ethtool_k("tcp-segmentation-offload"), "off");
	assert_string_equal(ethtool_k("rx-gro-hw"), "off");
	assert_string_equal(ethtool_k("large-receive-offload"), "off");
	/* Twice: nothing more to do, and the user's later change stands. */
	assert_int_equal(netns_sh("ethtool -K rc0 rx-gro-list off"), 0);
	assert_int_equal(rc_netdev_restore(nd), 0);
	assert_string_equal(ethtool_k("rx-gro-list"), "off");
	rc_netdev_close(nd);
}

/* Close restores what restore was not called for. */
static void test_close_restores(void **state)
{
	struct rc_netdev *nd = open_rc0();

	(void)state;
	assert_int_equal(netns_sh("ethtool -K rc0 gro on"), 0);
	assert_int_equal(rc_netdev_disable_rx_offloads(nd, NULL, 0), 1);
	assert_string_equal(ethtool_k("generic-receive-offload"), "off");
	rc_netdev_close(nd);
	assert_string_equal(ethtool_k("generic-receive-offload"), "on");
}

static void test_restore_after_delete(void **state)
{
	struct rc_netdev *nd = open_rc0();
	struct rc_netdev_info info = { .sz = sizeof(info) };

	(void)state;
	assert_int_equal(netns_sh("ethtool -K rc0 gro on"), 0);
	assert_int_equal(rc_netdev_disable_rx_offloads(nd, NULL, 0), 1);
	assert_int_equal(netns_sh("ip link del rc0"), 0);
	assert_int_equal(rc_netdev_restore(nd), -ENODEV);
	assert_non_null(strstr(log_text, "rc0: gone"));
	assert_int_equal(rc_netdev_restore(nd), 0);
	assert_int_equal(rc_netdev_info(nd, &info), -ENODEV);
	assert_int_equal(rc_netdev_offloads(nd, NULL, 0), -ENODEV);
	/* A new device under the old name is not the handle's. */
	assert_int_equal(netns_sh("ip link add rc0 type veth peer name rc2 && ethtool -K rc0 gro on"), 0);
	assert_int_equal(rc_netdev_disable_rx_offloads(nd, NULL, 0), -ENODEV);
	assert_int_equal(rc_netdev_info(nd, &info), -ENODEV);
	rc_netdev_close(nd);
	assert_string_equal(ethtool_k("generic-receive-offload"), "on");
}

/* Another thread, in the namespace the test started in, where no rc0 is. */
struct away {
	struct rc_netdev *nd;
	int fresh_socket_ifindex;   /* what a fresh socket finds: -ENODEV */
	int info, disabled, restored;
	char driver[32];
};

static void *away_thread(void *arg)
{
	struct away *a = arg;
	struct ifreq ifr = { .ifr_name = "rc0" };
	struct rc_netdev_info info = { .sz = sizeof(info) };
	int fd;

	if (setns(root_ns_fd, CLONE_NEWNET) < 0)
		return NULL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	a->fresh_socket_ifindex = ioctl(fd, SIOCGIFINDEX, &ifr) < 0 ? -errno : ifr.ifr_ifindex;
	close(fd);
	a->info = rc_netdev_info(a->nd, &info);
	memcpy(a->driver, info.driver, sizeof(a->driver));
	a->disabled = rc_netdev_disable_rx_offloads(a->nd, NULL, 0);
	return NULL;
}

static void *away_restore(void *arg)
{
	struct away *a = arg;

	if (setns(root_ns_fd, CLONE_NEWNET) < 0)
		return NULL;
	a->restored = rc_netdev_restore(a->nd);
	return NULL;
}

static void test_handle_from_another_namespace(void **state)
{
	struct away a = { .nd = open_rc0(), .fresh_socket_ifindex = 1, .info = 1, .restored = 1 };
	pthread_t t;

	(void)state;
	assert_true(root_ns_fd >= 0);
	assert_int_equal(netns_sh("ethtool -K rc0 gro on"), 0);
	assert_int_equal(pthread_create(&t, NULL, away_thread, &a), 0);
	pthread_join(t, NULL);
	assert_int_equal(a.fresh_socket_ifindex, -ENODEV);
	assert_int_equal(a.info, 0);
	assert_string_equal(a.driver, "veth");
	assert_int_equal(a.disabled, 1);
	assert_string_equal(ethtool_k("generic-receive-offload"), "off");
	assert_int_equal(pthread_create(&t, NULL, away_restore, &a), 0);
	pthread_join(t, NULL);
	assert_int_equal(a.restored, 0);
	assert_string_equal(ethtool_k("generic-receive-offload"), "on");
	rc_netdev_close(a.nd);
}

struct unprivileged {
	struct rc_netdev *nd;
	int r;
};

/* Capabilities are per thread: this one gives up CAP_NET_ADMIN. */
static void *unprivileged_disable(void *arg)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	struct unprivileged *u = arg;

	if (syscall(SYS_capget, &h, d) < 0)
		return NULL;
	d[CAP_NET_ADMIN / 32].effective &= ~(1u << (CAP_NET_ADMIN % 32));
	if (syscall(SYS_capset, &h, d) < 0)
		return NULL;
	u->r = rc_netdev_disable_rx_offloads(u->nd, NULL, 0);
	return NULL;
}

static void test_disable_without_privilege(void **state)
{
	struct unprivileged a = { .nd = open_rc0(), .r = 1 };
	pthread_t t;

	(void)state;
	assert_int_equal(netns_sh("ethtool -K rc0 gro on"), 0);
	assert_int_equal(pthread_create(&t, NULL, unprivileged_disable, &a), 0);
	pthread_join(t, NULL);
	assert_int_equal(a.r, -EPERM);
	assert_non_null(strstr(log_text, "rc0: cannot change its features: Operation not permitted "
				"(it takes CAP_NET_ADMIN)"));
	assert_string_equal(ethtool_k("generic-receive-offload"), "on");
	/* Nothing was changed, so nothing is restored. */
	assert_int_equal(netns_sh("ethtool -K rc0 gro off"), 0);
	rc_netdev_close(a.nd);
	assert_string_equal(ethtool_k("generic-receive-offload"), "off");
}

static void test_tstamp(void **state)
{
	struct rc_netdev *nd = open_rc0();
	unsigned types = 0;

	(void)state;
	assert_int_equal(rc_netdev_tstamp_types(nd, &types), 0);
	assert_int_equal(types, RC_NETDEV_TSTAMP_BIT(RC_TSTAMP_HOST));
	assert_int_equal(rc_netdev_enable_tstamp(nd, RC_TSTAMP_HOST), 0);
	assert_int_equal(rc_netdev_enable_tstamp(nd, RC_TSTAMP_ADAPTER_UNSYNCED), -EOPNOTSUPP);
	assert_non_null(strstr(log_text, "rc0 has no adapter_unsynced time stamps (it offers: host)"));
	assert_int_equal(rc_netdev_enable_tstamp(nd, RC_TSTAMP_ADAPTER), -EOPNOTSUPP);
	assert_int_equal(rc_netdev_enable_tstamp(nd, (enum rc_tstamp_type)7), -EINVAL);
	assert_int_equal(rc_netdev_restore(nd), 0);
	rc_netdev_close(nd);
}

/* Each in a namespace of its own, with a fresh rc0 <-> rc1. */
#define IT(f) cmocka_unit_test_setup_teardown(f, itest_setup, itest_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		IT(test_open_errors),
		IT(test_info),
		IT(test_info_loopback),
		IT(test_offloads_text),
		IT(test_disable_and_restore),
		IT(test_close_restores),
		IT(test_restore_after_delete),
		IT(test_handle_from_another_namespace),
		IT(test_disable_without_privilege),
		IT(test_tstamp),
	};

	root_ns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	return itest_main("netdev", tests, sizeof(tests) / sizeof(tests[0]));
}
