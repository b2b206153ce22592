/* SPDX-License-Identifier: MIT */
/*
 * test_filter.c - the filter module on its own: error positions, the
 * language's precedence and qualifier rules, live VLAN semantics through
 * the ancillary loads, long jumps, the size limit, and the interpreter's
 * kernel semantics.
 *
 * DESIGN: packets are built here byte by byte (Ethernet, optional 802.1Q
 * tag, IPv4, UDP/TCP) and every check runs the compiled program with the
 * module's interpreter, so the tests state behaviour, not instruction
 * sequences. Every program is also checked for what the kernel demands.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <linux/filter.h>
#include <sys/socket.h>
#include <unistd.h>
#include <ringcap/filter.h>

struct pkt {
	uint8_t b[128];
	uint32_t len;
};

/* Ethernet (+ tag when vid >= 0) + IPv4 198.18.0.src -> 198.18.0.dst +
 * UDP (proto 17) or TCP (6) with the given ports and TCP flags. */
static struct pkt make_pkt(int vid, uint8_t src, uint8_t dst, uint8_t proto, uint16_t sport,
			   uint16_t dport, uint8_t flags)
{
	struct pkt p = { { 0 }, 0 };
	uint8_t *ip;
	uint32_t o = 12;

	memcpy(p.b, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	if (vid >= 0) {
		p.b[o++] = 0x81;
		p.b[o++] = 0x00;
		p.b[o++] = (uint8_t)(vid >> 8);
		p.b[o++] = (uint8_t)vid;
	}
	p.b[o++] = 0x08;
	p.b[o++] = 0x00;
	ip = &p.b[o];
	ip[0] = 0x45;
	ip[3] = 40;
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, "\xc6\x12\x00", 3);
	ip[15] = src;
	memcpy(ip + 16, "\xc6\x12\x00", 3);
	ip[19] = dst;
	ip[20] = (uint8_t)(sport >> 8);
	ip[21] = (uint8_t)sport;
	ip[22] = (uint8_t)(dport >> 8);
	ip[23] = (uint8_t)dport;
	ip[33] = flags;
	p.len = o + 40;
	return p;
}

/* What the kernel's checker demands of a classic program; then the
 * checker itself (it runs for any socket, unprivileged). */
static void assert_kernel_valid(const struct sock_filter *p, size_t n)
{
	struct sock_fprog fp = { .len = (unsigned short)n, .filter = (struct sock_filter *)p };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) < 0)
		fail_msg("the kernel refused a %zu-instruction program: %s", n, strerror(errno));
	close(fd);
	assert_true(n > 0 && n <= RC_FILTER_MAX_INSNS);
	assert_int_equal(BPF_CLASS(p[n - 1].code), BPF_RET);
	for (size_t i = 0; i < n; i++) {
		if (BPF_CLASS(p[i].code) != BPF_JMP)
			continue;
		if (BPF_OP(p[i].code) == BPF_JA) {
			assert_true(p[i].k < n - i - 1);
		} else {
			assert_true(p[i].jt < n - i - 1);
			assert_true(p[i].jf < n - i - 1);
		}
	}
}

static struct rc_filter *compile_ok(const char *expr, bool live)
{
	struct rc_filter_config c = { .sz = sizeof(struct rc_filter_config), .linux_ext = live, .snaplen = 1000 };
	struct rc_filter_error err;
	struct rc_filter *f = NULL;
	const struct sock_filter *p;
	size_t n;
	int r = rc_filter_compile(expr, &c, &f, &err);

	if (r)
		fprintf(stderr, "'%s': %s at '%s' column %u\n", expr, err.message, err.token,
			err.column);
	assert_int_equal(r, 0);
	p = rc_filter_insns(f, &n);
	assert_kernel_valid(p, n);
	return f;
}

static uint32_t run(const struct rc_filter *f, const struct pkt *p, const struct rc_filter_aux *aux)
{
	size_t n;
	const struct sock_filter *insns = rc_filter_insns(f, &n);

	return rc_filter_run(insns, n, p->b, p->len, aux);
}

static bool matches(const char *expr, const struct pkt *p)
{
	struct rc_filter *f = compile_ok(expr, false);
	uint32_t r = run(f, p, NULL);

	rc_filter_free(f);
	return r != 0;
}

static void test_error_position(void **state)
{
	struct rc_filter_error err;
	struct rc_filter *f = NULL;

	(void)state;
	assert_int_equal(rc_filter_compile("ip and tcp prot 5", NULL, &f, &err), -EINVAL);
	assert_string_equal(err.token, "prot");
	assert_int_equal(err.column, 12);
	assert_string_equal(err.message, "syntax error");
	assert_int_equal(rc_filter_compile("port 70000", NULL, &f, &err), -EINVAL);
	assert_string_equal(err.token, "70000");
	assert_int_equal(err.column, 6);
	assert_int_equal(rc_filter_compile("tcp and (udp", NULL, &f, &err), -EINVAL);
	assert_string_equal(err.token, "");
	assert_int_equal(err.column, 13);
	assert_null(f);
}

static void test_precedence_and_inheritance(void **state)
{
	struct pkt udp80 = make_pkt(-1, 1, 2, 17, 1234, 80, 0);

	(void)state;
	/* and/or are equal and left-associative: (tcp or udp) and port 53 */
	assert_false(matches("tcp or udp and port 53", &udp80));
	assert_true(matches("udp and port 53 or port 80", &udp80));
	assert_true(matches("not tcp and udp", &udp80));
	/* a bare value takes the last qualifiers */
	assert_true(matches("host 198.18.0.9 or 198.18.0.2", &udp80));
	assert_true(matches("dst port 443 or 80", &udp80));
	assert_false(matches("src port 443 or 80", &udp80));
	assert_true(matches("src host 198.18.0.1 and not 198.18.0.2", &udp80));
	assert_false(matches("src host 198.18.0.1 and not 198.18.0.1", &udp80));
	assert_true(matches("net 198.18.0.0/15 and dst net 198.18", &udp80));
	assert_true(matches("ether src 02:00:00:00:00:01 and ether dst 2:0:0:0:0:2", &udp80));
	assert_true(matches("udp[2:2] == 80 && ip[9] = 17 && len >= 54 && !(ether[0] & 1 != 0)",
			    &udp80));
	assert_true(matches("portrange 79-81 and less 100 and greater 54", &udp80));
}

static void test_tcp_flags(void **state)
{
	struct pkt syn = make_pkt(-1, 1, 2, 6, 1000, 25, 0x02);
	struct pkt ack = make_pkt(-1, 1, 2, 6, 1000, 25, 0x10);

	(void)state;
	assert_true(matches("tcp[tcpflags] & tcp-syn != 0", &syn));
	assert_false(matches("tcp[tcpflags] & tcp-syn != 0", &ack));
	assert_true(matches("tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-ack", &ack));
	assert_true(matches("tcp[13] * 2 - 1 == 3 and tcp[0:2] % 7 == 1000 % 7", &syn));
}

/* Live capture: the kernel took the tag out; the filter asks for it. */
static void test_live_vlan(void **state)
{
	struct pkt stripped = make_pkt(-1, 1, 2, 17, 1, 2, 0);
	struct pkt inband = make_pkt(5, 1, 2, 17, 1, 2, 0);
	struct rc_filter_aux tag5 = { .vlan_present = true, .vlan_tci = 0x2005 };
	struct rc_filter_aux tag6 = { .vlan_present = true, .vlan_tci = 6 };
	struct rc_filter *f = compile_ok("vlan 5 and host 198.18.0.1", true);
	struct rc_filter *any = compile_ok("host 198.18.0.1", true);

	(void)state;
	assert_int_equal(run(f, &stripped, &tag5), 1000);
	assert_int_equal(run(f, &stripped, &tag6), 0);
	assert_int_equal(run(f, &stripped, NULL), 0);
	assert_int_equal(run(f, &inband, NULL), 1000);
	/* tcpdump -i: "host" matches tagged traffic, since the tag is gone */
	assert_int_equal(run(any, &stripped, &tag6), 1000);
	rc_filter_free(f);
	rc_filter_free(any);
	/* savefile semantics: the tag is in the bytes */
	assert_true(matches("vlan 5 and udp and host 198.18.0.1", &inband));
	assert_false(matches("vlan 6", &inband));
	assert_false(matches("host 198.18.0.1", &inband));
}

static char *many_hosts(unsigned n)
{
	char *s = calloc(n, 32);

	for (unsigned i = 0; i < n; i++)
		sprintf(s + strlen(s), "%shost 198.18.%u.%u", i ? " or " : "", i / 200, i % 200 + 1);
	return s;
}

/* Jumps over more than 255 instructions go through ja trampolines. Kept
 * to a size the kernel's socket memory (net.core.optmem_max) admits. */
static void test_long_jumps(void **state)
{
	char *expr = many_hosts(45);
	struct rc_filter *f = compile_ok(expr, false);
	struct pkt first = make_pkt(-1, 1, 250, 17, 1, 2, 0);
	struct pkt last = make_pkt(-1, 45, 250, 17, 1, 2, 0);
	struct pkt none = make_pkt(-1, 250, 250, 17, 1, 2, 0);
	const struct sock_filter *p;
	size_t n, ja = 0;

	(void)state;
	p = rc_filter_insns(f, &n);
	for (size_t i = 0; i < n; i++)
		ja += p[i].code == (BPF_JMP | BPF_JA);
	assert_true(n > 600);
	assert_true(ja > 0);
	assert_int_equal(run(f, &first, NULL), 1000);
	assert_int_equal(run(f, &last, NULL), 1000);
	assert_int_equal(run(f, &none, NULL), 0);
	rc_filter_free(f);
	free(expr);
}

static size_t count_insn(const struct rc_filter *f, uint16_t code, uint32_t k)
{
	size_t n, hits = 0;
	const struct sock_filter *p = rc_filter_insns(f, &n);

	for (size_t i = 0; i < n; i++)
		hits += p[i].code == code && p[i].k == k;
	return hits;
}

/* A load whose value A already holds on every way in is left out; a join
 * where the ways disagree keeps it. */
static void test_redundant_loads(void **state)
{
	struct rc_filter *f = compile_ok("ip and (ip or arp) and not arp", false);
	struct rc_filter *g = compile_ok("host 198.18.0.1 or host 198.18.0.2", false);
	struct pkt p = make_pkt(-1, 2, 1, 6, 1, 2, 0);

	(void)state;
	assert_int_equal(count_insn(f, BPF_LD | BPF_H | BPF_ABS, 12), 1);
	assert_int_equal(run(f, &p, NULL), 1000);
	assert_int_equal(count_insn(g, BPF_LD | BPF_H | BPF_ABS, 12), 2);
	assert_int_equal(run(g, &p, NULL), 1000);
	rc_filter_free(f);
	rc_filter_free(g);
}

static void test_too_long(void **state)
{
	char *expr = many_hosts(400), *huge;
	struct rc_filter_error err;
	struct rc_filter *f = NULL;
	size_t n = 300000;

	(void)state;
	assert_int_equal(rc_filter_compile(expr, NULL, &f, &err), -E2BIG);
	assert_null(f);
	free(expr);
	/* a megabyte of "ip or ip or ..." must fail cleanly, not overflow the stack */
	huge = malloc(6 * n + 1);
	for (size_t i = 0; i < n; i++)
		memcpy(huge + 6 * i, "ip or ", 6);
	memcpy(huge + 6 * n - 4, "  ip", 5);
	assert_int_equal(rc_filter_compile(huge, NULL, &f, &err), -EINVAL);
	assert_string_equal(err.message, "expression too large");
	free(huge);
}

static void test_interpreter_semantics(void **state)
{
	struct sock_filter oob[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 200), BPF_STMT(BPF_RET | BPF_K, 1) };
	struct sock_filter div0[] = {
		BPF_STMT(BPF_LDX | BPF_IMM, 0), BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
		BPF_STMT(BPF_RET | BPF_K, 1) };
	struct sock_filter anc[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE)),
		BPF_STMT(BPF_RET | BPF_A, 0) };
	struct sock_filter badjump[] = { BPF_STMT(BPF_JMP | BPF_JA, 5) };
	struct rc_filter_aux aux = { .pkttype = 4 };
	struct pkt p = make_pkt(-1, 1, 2, 17, 1, 2, 0);
	char line[80];

	(void)state;
	assert_int_equal(rc_filter_run(oob, 2, p.b, p.len, NULL), 0);
	assert_int_equal(rc_filter_run(div0, 3, p.b, p.len, NULL), 0);
	assert_int_equal(rc_filter_run(anc, 2, p.b, p.len, &aux), 4);
	assert_int_equal(rc_filter_run(badjump, 1, p.b, p.len, NULL), 0);
	rc_filter_image(&anc[0], 0, line, sizeof(line));
	assert_string_equal(line, "(000) ldh      [type]");
	rc_filter_image(&oob[0], 3, line, sizeof(line));
	assert_string_equal(line, "(003) ld       [200]");
}

/* Odd inputs fail cleanly. */
static void test_garbage(void **state)
{
	static const char *const bad[] = {
		"(", ")", "((((", "tcp[", "tcp[1:3] = 1", "1 / 0 = 1", "\\", "host", "ether host 1.2.3.4",
		"vlan 4096", "ip proto 256", "net 198.18.0.1/16", "host 198.18.0.0/15", "::1:::",
		"tcp port 80 or 443 or", "ip6 host 198.18.0.1", "not", "a:b:c:d:e:f:g", "$",
		"src or dst", "ip broadcast",
	};
	unsigned seed = 1;
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rc_filter *f = NULL;
		struct rc_filter_error err;

		if (rc_filter_compile(bad[i], NULL, &f, &err) == 0)
			fail_msg("'%s' compiled", bad[i]);
		assert_true(err.message[0] != 0);
	}
	for (int i = 0; i < 2000; i++) {
		struct rc_filter *f = NULL;
		size_t len = (size_t)(i % 63);

		for (size_t j = 0; j < len; j++) {
			seed = seed * 1103515245u + 12345u;
			buf[j] = "tcp ip6 host port and or not ()[]:0123456789.-/!=<>&|"[(seed >> 16) % 52];
		}
		buf[len] = 0;
		if (rc_filter_compile(buf, NULL, &f, NULL) == 0) {
			size_t n;
			const struct sock_filter *p = rc_filter_insns(f, &n);

			assert_kernel_valid(p, n);
			rc_filter_free(f);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_position),
		cmocka_unit_test(test_precedence_and_inheritance),
		cmocka_unit_test(test_tcp_flags),
		cmocka_unit_test(test_live_vlan),
		cmocka_unit_test(test_long_jumps),
		cmocka_unit_test(test_redundant_loads),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_interpreter_semantics),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
