/* SPDX-License-Identifier: MIT */
/*
 * filter_attach.c - the kernel agrees with ringcap about which filter
 * programs it takes: each program is attached to a real AF_PACKET socket
 * (root) and the kernel's answer compared with rc_filter_check() and
 * rc_filter_probe_attach(). Among them the programs the kernel once
 * refused although -d printed them: a constant shift by 32, and a
 * filter too large for net.core.optmem_max.
 *
 * DESIGN: the socket is opened with protocol 0 in a network namespace
 * of its own (unshare), so it receives nothing and nothing is sent;
 * only SO_ATTACH_FILTER is exercised. Programs get the engine's loopback
 * prologue in front, as rc_filter_probe_attach() does, so both see the
 * same bytes.
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/filter.h>
#include <ringcap/filter.h>

#include "itest.h"

#define RET_K(k) BPF_STMT(BPF_RET | BPF_K, k)

/* What SO_ATTACH_FILTER on a packet socket says: 0 or -errno. */
static int packet_attach(const struct sock_filter *p, size_t n)
{
	struct sock_filter *prog = calloc(n + 3, sizeof(*prog));
	struct sock_fprog fprog = { .len = (unsigned short)(n + 3), .filter = prog };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), r;

	assert_true(fd >= 0);
	assert_non_null(prog);
	prog[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE);
	prog[1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1);
	prog[2] = (struct sock_filter)RET_K(0);
	memcpy(prog + 3, p, n * sizeof(*p));
	r = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0 ? -errno : 0;
	close(fd);
	free(prog);
	return r;
}

static int setup_netns(void **state)
{
	(void)state;
	return unshare(CLONE_NEWNET);
}

/* The checker's verdict is the kernel's, rule by rule. */
static void test_checker_agrees_with_kernel(void **state)
{
	static const struct sock_filter progs[][3] = {
		{ BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), RET_K(1) },
		{ BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 31), RET_K(1) },
		{ BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 40), RET_K(1) },
		{ BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), RET_K(1) },
		{ BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 0), RET_K(1) },
		{ BPF_STMT(BPF_LD | BPF_MEM, 0), RET_K(1) },
		{ BPF_STMT(BPF_ST, 0), BPF_STMT(BPF_LD | BPF_MEM, 0), RET_K(1) },
		{ BPF_STMT(BPF_ST, 16), RET_K(1) },
		{ BPF_STMT(BPF_JMP | BPF_JA, 1), RET_K(1) },
		{ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2), RET_K(1), RET_K(0) },
		{ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), RET_K(1), RET_K(0) },
		{ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_MAX)), RET_K(1) },
		{ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_VLAN_TPID)), RET_K(1) },
		{ { .code = BPF_LD | 0x18 | BPF_ABS }, RET_K(1) },
		{ BPF_STMT(BPF_LD | BPF_IMM, 1), BPF_STMT(BPF_LD | BPF_IMM, 2) },
	};
	static const size_t lens[] = { 2, 2, 2, 2, 2, 2, 3, 2, 2, 3, 3, 2, 2, 2, 2 };

	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		int kernel = packet_attach(progs[i], lens[i]);
		int ours = rc_filter_check(progs[i], lens[i], NULL);

		if (kernel != ours)
			fail_msg("program %zu: kernel says %d, rc_filter_check %d", i, kernel, ours);
		assert_int_equal(rc_filter_probe_attach(progs[i], lens[i]), kernel);
	}
}

static char *ports(unsigned n)
{
	char *s = malloc(n * 24 + 1), *p = s;

	for (unsigned i = 1; i <= n; i++)
		p += sprintf(p, "%stcp port %u", i > 1 ? " or " : "", i);
	return s;
}

/* Large programs: where the probe says it fits, the packet socket takes
 * it; where it says ENOMEM (net.core.optmem_max), so does the socket.
 * 140 ports is the 3,002-instruction program refused at the default
 * 128 KiB; 60 ports fits anywhere. */
static void test_probe_agrees_on_size(void **state)
{
	static const unsigned sizes[] = { 60, 100, 120, 130, 140, 150, 180 };
	struct rc_filter_config c = { .sz = sizeof(struct rc_filter_config), .linux_ext = true };
	unsigned refused = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *expr = ports(sizes[i]);
		struct rc_filter *f;
		size_t n;
		const struct sock_filter *p;
		int probe;

		assert_int_equal(rc_filter_compile(expr, &c, &f, NULL), 0);
		p = rc_filter_insns(f, &n);
		probe = rc_filter_probe_attach(p, n);
		assert_int_equal(packet_attach(p, n), probe);
		assert_true(probe == 0 || probe == -ENOMEM);
		refused += probe == -ENOMEM;
		rc_filter_free(f);
		free(expr);
	}
	printf("# %u of 7 large programs do not fit net.core.optmem_max here\n", refused);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_checker_agrees_with_kernel, setup_netns),
		cmocka_unit_test_setup(test_probe_agrees_on_size, setup_netns),
	};

	return itest_main("filter_attach", tests, sizeof(tests) / sizeof(tests[0]));
}
