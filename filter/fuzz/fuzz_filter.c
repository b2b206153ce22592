/* SPDX-License-Identifier: MIT */
/*
 * fuzz_filter.c - libFuzzer target: any bytes as a filter expression must
 * compile or fail cleanly, and a compiled program must be one the kernel
 * would take (rc_filter_check: bpf_check_classic's rules) and must run.
 *
 * DESIGN: the first byte picks the options (live/savefile semantics,
 * netmask), the rest is the expression; the program is then run over the
 * same bytes as a packet, so the interpreter is fuzzed too.
 */
#include <ringcap/filter.h>

#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every program that compiles must be one the kernel takes: its rules
 * (rc_filter_check, bpf_check_classic's), with room for the engine's
 * 3-instruction loopback prologue. */
static void fuzz_check_program(const struct sock_filter *p, size_t n)
{
	struct rc_filter_error err;

	if (n > RC_FILTER_MAX_INSNS || rc_filter_check(p, n, &err) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc_filter_config cfg = { .sz = sizeof(cfg) };
	struct rc_filter_error err;
	struct rc_filter *f;
	char *expr;

	if (size == 0)
		return 0;
	cfg.linux_ext = data[0] & 1;
	cfg.netmask = data[0] & 2 ? 0xffffff00u : 0;
	expr = malloc(size);
	if (!expr)
		return 0;
	memcpy(expr, data + 1, size - 1);
	expr[size - 1] = 0;
	if (rc_filter_compile(expr, &cfg, &f, &err) == 0) {
		size_t n;
		const struct sock_filter *p = rc_filter_insns(f, &n);
		struct rc_filter_aux aux = { .vlan_present = data[0] & 4, .vlan_tci = 5 };

		fuzz_check_program(p, n);
		rc_filter_run(p, n, data, (uint32_t)size, &aux);
		rc_filter_free(f);
	}
	free(expr);
	return 0;
}
