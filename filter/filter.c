/* SPDX-License-Identifier: MIT */
/*
 * filter.c - rc_filter_compile and the handle: lex, parse, generate, lay out.
 *
 * DESIGN: each stage owns its memory and frees it before returning; the
 * handle keeps only the finished program, so a compiled filter is one
 * allocation plus the instructions, cheap to keep for the life of a
 * capture. The finished program is checked against the kernel's rules
 * (check.c) before anyone sees it.
 */
#include "filter_internal.h"

#include "opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct rc_filter {
	struct sock_filter *insns;
	size_t len;
};

/* Nothing leaves the compiler that the kernel would refuse: a program
 * breaking bpf_check_classic()'s rules is a compiler bug, reported as
 * one instead of as a bare EINVAL at attach time. */
static int filter_kernel_rules(struct sock_filter *insns, size_t len, struct rc_filter_error *err)
{
	struct rc_filter_error why;
	int r = rc_filter_check(insns, len, &why);

	if (r == -EINVAL && err) {
		struct rc_filter_token whole = { .text = "", .col = 1 };

		rc_filter_set_error(err, &whole, "internal error, please report: the kernel "
				    "would refuse the program (%.80s)", why.message);
	}
	if (r < 0)
		free(insns);
	return r;
}

/* libpcap refuses an expression its optimizer proves never matches;
 * ringcap's only tests of a known outcome are the link type's (raw IP's
 * "arp", raw IPv4's "ip"), so only then is the program searched for a
 * reachable accepting return.
 * Jumps only go forward, so one pass in order marks every reachable
 * instruction. */
static int filter_matches_something(struct sock_filter *insns, size_t len,
				    const struct rc_filter_config *cfg, struct rc_filter_error *err)
{
	bool *seen = calloc(len, sizeof(*seen));
	bool accepts = false;

	if (!seen) {
		free(insns);
		return -ENOMEM;
	}
	seen[0] = true;
	for (size_t pc = 0; pc < len && !accepts; pc++) {
		const struct sock_filter *in = &insns[pc];

		if (!seen[pc])
			continue;
		if (BPF_CLASS(in->code) == BPF_RET)
			accepts = BPF_RVAL(in->code) != BPF_K || in->k != 0;
		else if (in->code == (BPF_JMP | BPF_JA))
			seen[pc + 1 + in->k] = true;
		else if (BPF_CLASS(in->code) == BPF_JMP)
			seen[pc + 1 + in->jt] = seen[pc + 1 + in->jf] = true;
		else
			seen[pc + 1] = true;
	}
	free(seen);
	if (accepts)
		return 0;
	if (err) {
		struct rc_filter_token whole = { .text = "", .col = 1 };

		rc_filter_set_error(err, &whole, "expression rejects all packets on %s",
				    rc_filter_link_name(cfg->linktype));
	}
	free(insns);
	return -EINVAL;
}

static int filter_build(const char *expr, const struct rc_filter_config *cfg,
			struct sock_filter **ret, size_t *ret_len, struct rc_filter_error *err)
{
	struct rc_filter_token *toks = NULL;
	struct rc_filter_arena arena = { 0 };
	struct rc_filter_code code = { 0 };
	struct rc_filter_node *root = NULL;
	int r;

	code.now.a = code.now.x = (struct rc_filter_known){ RC_FILTER_UNKNOWN, 0 };
	r = rc_filter_lex(expr ? expr : "", &toks, err);
	if (r < 0)
		return r;
	r = rc_filter_parse(toks, cfg, &arena, &root, err);
	if (r == 0)
		r = rc_filter_generate(root, cfg, &code, err);
	if (r == 0)
		r = rc_filter_code_layout(&code, ret, ret_len);
	if (r == 0)
		r = filter_kernel_rules(*ret, *ret_len, err);
	if (r == 0 && code.constant)
		r = filter_matches_something(*ret, *ret_len, cfg, err);
	if (r == -E2BIG && err) {
		struct rc_filter_token whole = { .text = "", .col = 1 };

		rc_filter_set_error(err, &whole, "expression too large for the kernel "
				    "(over %u instructions)", RC_FILTER_MAX_INSNS);
	}
	rc_filter_code_free(&code);
	rc_filter_arena_free(&arena);
	free(toks);
	return r;
}

int rc_filter_compile(const char *expr, const struct rc_filter_config *config,
		      struct rc_filter **ret, struct rc_filter_error *err)
{
	struct rc_filter_config copy = { 0 }, *cfg = &copy;
	struct rc_filter *f;
	int r = config ? rc_opts_copy(&copy, sizeof(copy), config) : 0;

	if (err)
		memset(err, 0, sizeof(*err));
	if (r < 0) {
		if (err)
			snprintf(err->message, sizeof(err->message), "rc_filter_config: %s",
				 r == -E2BIG ? "has options this library does not know" :
				 ".sz is not set (declare it with RC_OPTS)");
		return r;
	}
	if (!rc_filter_link_name(cfg->linktype)) {
		if (err)
			snprintf(err->message, sizeof(err->message),
				 "link type %u is not supported (Ethernet, Linux cooked "
				 "and raw IP are)", cfg->linktype);
		return -EPROTONOSUPPORT;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	r = filter_build(expr, cfg, &f->insns, &f->len, err);
	if (r < 0) {
		free(f);
		return r;
	}
	*ret = f;
	return 0;
}

void rc_filter_free(struct rc_filter *filter)
{
	if (!filter)
		return;
	free(filter->insns);
	free(filter);
}

const struct sock_filter *rc_filter_insns(const struct rc_filter *filter, size_t *ret_len)
{
	*ret_len = filter->len;
	return filter->insns;
}

int rc_filter_probe_linux_ext(void)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;
	int max = 0;
	socklen_t len = sizeof(max);

	if (fd < 0)
		return -errno;
	r = getsockopt(fd, SOL_SOCKET, SO_BPF_EXTENSIONS, &max, &len) < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r == -ENOPROTOOPT ? 0 : r;
	/* The kernel reports the highest ancillary offset it knows. */
	return max >= SKF_AD_VLAN_TAG_PRESENT + 4 ? 1 : 0;
}
