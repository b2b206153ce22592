/* SPDX-License-Identifier: MIT */
/*
 * fuzz_filter.c - libFuzzer target: any bytes as a filter expression must
 * compile or fail cleanly, and a compiled program must be one the kernel
 * would take (rc_filter_check: bpf_check_classic's rules) and must run.
 *
 * DESIGN: the first byte picks the options (live/savefile semantics,
 * netmask, VLAN metadata in bits 0-2; the link type in bits 3-5: Ethernet,
 * SLL2, raw IP, raw IPv4, raw IPv6, SLL), the rest is the expression; the
 * program is then run over the same bytes as a packet, so the interpreter
 * is fuzzed too. A cooked program is also rewritten for the kernel's view
 * (rc_filter_cooked_for_kernel), which must fail cleanly or give a
 * program the kernel takes.
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

static const uint32_t fuzz_linktypes[] = {
	RC_LINKTYPE_ETHERNET, RC_LINKTYPE_LINUX_SLL2, RC_LINKTYPE_RAW, RC_LINKTYPE_IPV4,
	RC_LINKTYPE_IPV6, RC_LINKTYPE_LINUX_SLL,
};

static void fuzz_kernel_view(const struct sock_filter *p, size_t n, uint32_t linktype,
			     const uint8_t *data, size_t size)
{
	struct sock_filter *k;
	size_t nk;

	if (rc_filter_cooked_for_kernel(p, n, linktype, &k, &nk) != 0)
		return;
	fuzz_check_program(k, nk);
	rc_filter_run(k, nk, data, (uint32_t)size, NULL);
	free(k);
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
	cfg.linktype = fuzz_linktypes[(data[0] >> 3 & 7) % 6];
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
		if (cfg.linktype == RC_LINKTYPE_LINUX_SLL2 || cfg.linktype == RC_LINKTYPE_LINUX_SLL)
			fuzz_kernel_view(p, n, cfg.linktype, data, size);
		rc_filter_free(f);
	}
	free(expr);
	return 0;
}
