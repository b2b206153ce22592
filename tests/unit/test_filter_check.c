/* SPDX-License-Identifier: MIT */
/*
 * test_filter_check.c - rc_filter_check() against the rules of the
 * kernel's bpf_check_classic() (net/core/filter.c), one program per rule,
 * each next to the smallest change that makes it acceptable; and every
 * program the compiler makes from libpcap's accepted expressions passes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <linux/filter.h>
#include <ringcap/filter.h>

#define RET_K(k) BPF_STMT(BPF_RET | BPF_K, k)
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Refused with a message naming instruction pc and containing why. */
static void refused(const struct sock_filter *p, size_t n, unsigned pc, const char *why)
{
	struct rc_filter_error err;
	char where[32];

	assert_int_equal(rc_filter_check(p, n, &err), -EINVAL);
	snprintf(where, sizeof(where), "instruction %u: ", pc);
	assert_string_equal(strstr(err.message, where) == err.message ? where : err.message, where);
	if (!strstr(err.message, why))
		fail_msg("'%s' does not say '%s'", err.message, why);
}

static void accepted(const struct sock_filter *p, size_t n)
{
	struct rc_filter_error err = { 0 };

	if (rc_filter_check(p, n, &err) != 0)
		fail_msg("refused: %s", err.message);
}

static void test_length_and_last_return(void **state)
{
	struct sock_filter one[] = { RET_K(0) };
	struct sock_filter no_ret[] = { BPF_STMT(BPF_LD | BPF_IMM, 1) };
	struct sock_filter *big = calloc(BPF_MAXINSNS + 1, sizeof(*big));

	(void)state;
	accepted(one, 1);
	refused(one, 0, 0, "1 to 4096");
	refused(no_ret, 1, 0, "must be a return");
	for (size_t i = 0; i <= BPF_MAXINSNS; i++)
		big[i] = (struct sock_filter)RET_K(0);
	accepted(big, BPF_MAXINSNS);
	refused(big, BPF_MAXINSNS + 1, 0, "not 4097");
	free(big);
}

static void test_opcodes(void **state)
{
	struct sock_filter bad[] = { { .code = BPF_LD | 0x18 | BPF_ABS } /* eBPF's BPF_DW */, RET_K(0) };
	struct sock_filter ldx_w_abs[] = { { .code = BPF_LDX | BPF_W | BPF_ABS }, RET_K(0) };
	struct sock_filter ret_x[] = { { .code = BPF_RET | BPF_X } };
	struct sock_filter jlt[] = { { .code = BPF_JMP | 0xa0 | BPF_K }, RET_K(0), RET_K(0) };

	(void)state;
	refused(bad, 2, 0, "opcode 0x38");
	refused(ldx_w_abs, 2, 0, "opcode");
	refused(ret_x, 1, 0, "opcode");
	refused(jlt, 3, 0, "opcode"); /* eBPF's jlt is not classic */
}

static void test_constant_operands(void **state)
{
	struct sock_filter div0[] = { BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), RET_K(0) };
	struct sock_filter mod0[] = { BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 0), RET_K(0) };
	struct sock_filter divx[] = { BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0), RET_K(0) };
	struct sock_filter lsh32[] = { BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), RET_K(0) };
	struct sock_filter rsh31[] = { BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 31), RET_K(0) };
	struct sock_filter rsh99[] = { RET_K(0), BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 99), RET_K(0) };

	(void)state;
	refused(div0, 2, 0, "division by constant 0");
	refused(mod0, 2, 0, "division by constant 0");
	accepted(divx, 2); /* by X: the kernel checks at run time */
	refused(lsh32, 2, 0, "shift by 32");
	accepted(rsh31, 2);
	refused(rsh99, 3, 1, "shift by 99");
}

static void test_jumps(void **state)
{
	struct sock_filter ja_out[] = { BPF_STMT(BPF_JMP | BPF_JA, 1), RET_K(0) };
	struct sock_filter ja_in[] = { BPF_STMT(BPF_JMP | BPF_JA, 1), RET_K(0), RET_K(1) };
	struct sock_filter jt_out[] = { BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0), RET_K(0), RET_K(1) };
	struct sock_filter jf_out[] = { BPF_JUMP(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 2), RET_K(0), RET_K(1) };
	struct sock_filter in[] = { BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0, 1, 0), RET_K(0), RET_K(1) };
	/* ja's k is unsigned: "-1" is 4294967295 forward, never backward */
	struct sock_filter back[] = { RET_K(0), BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)-1), RET_K(0) };

	(void)state;
	refused(ja_out, 2, 0, "leaves the program");
	accepted(ja_in, 3);
	refused(jt_out, 3, 0, "jt 2");
	refused(jf_out, 3, 0, "jf 2");
	accepted(in, 3);
	refused(back, 3, 1, "leaves the program");
}

static void test_scratch_memory(void **state)
{
	struct sock_filter st16[] = { BPF_STMT(BPF_ST, 16), RET_K(0) };
	struct sock_filter ld16[] = { BPF_STMT(BPF_ST, 0), BPF_STMT(BPF_LDX | BPF_MEM, 16), RET_K(0) };
	struct sock_filter stored[] = { BPF_STMT(BPF_STX, 15), BPF_STMT(BPF_LD | BPF_MEM, 15), RET_K(0) };
	struct sock_filter unstored[] = { BPF_STMT(BPF_LD | BPF_MEM, 3), RET_K(0) };
	/* stored on one path only: jt skips the store */
	struct sock_filter one_path[] = {
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), BPF_STMT(BPF_ST, 2),
		BPF_STMT(BPF_LD | BPF_MEM, 2), RET_K(0) };
	/* stored before the branch: valid on both paths */
	struct sock_filter both_paths[] = {
		BPF_STMT(BPF_ST, 2), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), BPF_STMT(BPF_ST, 5),
		BPF_STMT(BPF_LD | BPF_MEM, 2), RET_K(0) };

	(void)state;
	refused(st16, 2, 0, "M[16]");
	refused(ld16, 3, 1, "M[16]");
	accepted(stored, 3);
	refused(unstored, 2, 0, "loads M[3] before any store");
	refused(one_path, 4, 2, "loads M[2]");
	accepted(both_paths, 5);
}

static void test_ancillary_loads(void **state)
{
	struct sock_filter known[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_VLAN_TPID)), RET_K(0) };
	struct sock_filter unknown[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_MAX)), RET_K(0) };
	struct sock_filter net_off[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_NET_OFF), RET_K(0) };

	(void)state;
	accepted(known, 2);
	refused(unknown, 2, 0, "unknown ancillary load SKF_AD_OFF+64");
	accepted(net_off, 2); /* below SKF_AD_OFF: not an ancillary load */
}

/* The compiler never hands out what the checker refuses: every accepted
 * libpcap expression, with and without the Linux extensions. */
static void test_compiled_programs_pass(void **state)
{
	FILE *f = fopen(FILTER_DATA_DIR "/accept.tsv", "re");
	char line[4096];
	unsigned n = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *expr = strchr(line, '\t'), *end;

		if (!expr || !(end = strchr(++expr, '\t')))
			continue;
		*end = 0;
		for (int ext = 0; ext < 2; ext++) {
			struct rc_filter_config c = { .sz = sizeof(struct rc_filter_config), .linux_ext = ext, .netmask = 0xffffff00 };
			struct rc_filter_error err;
			struct rc_filter *prog;
			size_t len;

			if (rc_filter_compile(expr, &c, &prog, &err) != 0)
				continue;
			const struct sock_filter *p = rc_filter_insns(prog, &len);

			if (rc_filter_check(p, len, &err) != 0)
				fail_msg("%s (linux_ext %d): %s", expr, ext, err.message);
			rc_filter_free(prog);
			n++;
		}
	}
	fclose(f);
	assert_true(n > 600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_length_and_last_return),
		cmocka_unit_test(test_opcodes),
		cmocka_unit_test(test_constant_operands),
		cmocka_unit_test(test_jumps),
		cmocka_unit_test(test_scratch_memory),
		cmocka_unit_test(test_ancillary_loads),
		cmocka_unit_test(test_compiled_programs_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
