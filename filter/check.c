/* SPDX-License-Identifier: MIT */
/*
 * check.c - the kernel's classic-BPF rules, checked in user space, and a
 * trial attach that asks the kernel itself.
 *
 * DESIGN: SO_ATTACH_FILTER runs bpf_check_classic() (net/core/filter.c)
 * and refuses, with a bare EINVAL, any program that breaks one of its
 * rules; ringcap used to print such programs with -d and only learn at
 * attach time. rc_filter_check() applies the same rules, in the kernel's
 * order, and says which instruction broke which one: the opcode table of
 * chk_code_allowed(), division and modulo by constant 0, constant shifts
 * of 32 or more, M[] indexes under BPF_MEMWORDS, jumps forward and inside
 * the program, ancillary loads the kernel knows, a return last, 1 to
 * BPF_MAXINSNS instructions, and, as check_load_and_stores() does, no
 * load of M[k] on a path where M[k] was not stored. Every compiled
 * program passes through it (filter.c), and the fuzz target asserts it.
 *
 * What no rule can tell is memory: sk_attach_filter() charges the
 * program, after its conversion to eBPF (bpf_migrate_filter), against
 * the socket's option memory, net.core.optmem_max (__sk_filter_charge,
 * the same test as sock_kmalloc), and fails with ENOMEM. The converted
 * size depends on the kernel, so rc_filter_probe_attach() attaches the
 * program to a throwaway AF_UNIX socket, which needs no privilege and
 * runs the same path as a packet socket.
 */
#include "filter_internal.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static bool check_code_allowed(uint16_t code)
{
	switch (code) {
	case BPF_ALU | BPF_ADD | BPF_K: case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_K: case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_K: case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_K: case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_MOD | BPF_K: case BPF_ALU | BPF_MOD | BPF_X:
	case BPF_ALU | BPF_AND | BPF_K: case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_K: case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_K: case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_NEG:
	case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_H | BPF_ABS: case BPF_LD | BPF_B | BPF_ABS:
	case BPF_LD | BPF_W | BPF_IND: case BPF_LD | BPF_H | BPF_IND: case BPF_LD | BPF_B | BPF_IND:
	case BPF_LD | BPF_W | BPF_LEN: case BPF_LD | BPF_IMM: case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_W | BPF_LEN: case BPF_LDX | BPF_B | BPF_MSH:
	case BPF_LDX | BPF_IMM: case BPF_LDX | BPF_MEM:
	case BPF_ST: case BPF_STX:
	case BPF_MISC | BPF_TAX: case BPF_MISC | BPF_TXA:
	case BPF_RET | BPF_K: case BPF_RET | BPF_A:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
		return true;
	default:
		return false;
	}
}

/* bpf_anc_helper(): the ancillary offsets the kernel knows. Loads at or
 * above SKF_AD_OFF that are none of them are refused. */
static bool check_anc_known(uint32_t k)
{
	switch (k - (uint32_t)SKF_AD_OFF) {
	case SKF_AD_PROTOCOL: case SKF_AD_PKTTYPE: case SKF_AD_IFINDEX: case SKF_AD_NLATTR:
	case SKF_AD_NLATTR_NEST: case SKF_AD_MARK: case SKF_AD_QUEUE: case SKF_AD_HATYPE:
	case SKF_AD_RXHASH: case SKF_AD_CPU: case SKF_AD_ALU_XOR_X: case SKF_AD_VLAN_TAG:
	case SKF_AD_VLAN_TAG_PRESENT: case SKF_AD_PAY_OFFSET: case SKF_AD_RANDOM:
	case SKF_AD_VLAN_TPID:
		return true;
	default:
		return false;
	}
}

static int check_fail(struct rc_filter_error *err, size_t pc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int check_fail(struct rc_filter_error *err, size_t pc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err) {
		memset(err, 0, sizeof(*err));
		n = snprintf(err->message, sizeof(err->message), "instruction %zu: ", pc);
		va_start(ap, fmt);
		vsnprintf(err->message + n, sizeof(err->message) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The per-instruction rules of bpf_check_classic(). */
static int check_one(const struct sock_filter *p, size_t len, size_t pc,
		     struct rc_filter_error *err)
{
	const struct sock_filter *f = &p[pc];

	if (!check_code_allowed(f->code))
		return check_fail(err, pc, "opcode 0x%x is not classic BPF the kernel accepts", f->code);
	switch (f->code) {
	case BPF_ALU | BPF_DIV | BPF_K:
	case BPF_ALU | BPF_MOD | BPF_K:
		return f->k ? 0 : check_fail(err, pc, "division by constant 0");
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_K:
		return f->k < 32 ? 0 : check_fail(err, pc, "shift by %u (the kernel allows 0 to 31)", f->k);
	case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM: case BPF_ST: case BPF_STX:
		return f->k < BPF_MEMWORDS ? 0 : check_fail(err, pc, "scratch memory M[%u] "
							   "(there are %d)", f->k, BPF_MEMWORDS);
	case BPF_JMP | BPF_JA:
		return f->k < len - pc - 1 ? 0 : check_fail(err, pc, "ja +%u leaves the program", f->k);
	case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
		if (pc + f->jt + 1 >= len || pc + f->jf + 1 >= len)
			return check_fail(err, pc, "jump (jt %u, jf %u) leaves the program", f->jt, f->jf);
		return 0;
	case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_H | BPF_ABS: case BPF_LD | BPF_B | BPF_ABS:
		if (f->k >= (uint32_t)SKF_AD_OFF && !check_anc_known(f->k))
			return check_fail(err, pc, "unknown ancillary load SKF_AD_OFF+%u",
					  f->k - (uint32_t)SKF_AD_OFF);
		return 0;
	default:
		return 0;
	}
}

/* check_load_and_stores(): M[k] is valid at pc if every path to pc stored
 * it. Jumps only go forward, so one pass with a mask per target does. */
static int check_memory(const struct sock_filter *p, size_t len, struct rc_filter_error *err)
{
	uint16_t *masks = malloc(len * sizeof(*masks)), valid = 0;
	int r = 0;

	if (!masks)
		return -ENOMEM;
	memset(masks, 0xff, len * sizeof(*masks));
	for (size_t pc = 0; pc < len && r == 0; pc++) {
		const struct sock_filter *f = &p[pc];

		valid &= masks[pc];
		if (f->code == BPF_ST || f->code == BPF_STX) {
			valid |= (uint16_t)(1u << f->k);
		} else if (f->code == (BPF_LD | BPF_MEM) || f->code == (BPF_LDX | BPF_MEM)) {
			if (!(valid & (1u << f->k)))
				r = check_fail(err, pc, "loads M[%u] before any store to it", f->k);
		} else if (f->code == (BPF_JMP | BPF_JA)) {
			masks[pc + 1 + f->k] &= valid;
			valid = 0xffff; /* nothing falls through: only jumps reach pc + 1 */
		} else if (BPF_CLASS(f->code) == BPF_JMP) {
			masks[pc + 1 + f->jt] &= valid;
			masks[pc + 1 + f->jf] &= valid;
			valid = 0xffff;
		}
	}
	free(masks);
	return r;
}

int rc_filter_check(const struct sock_filter *insns, size_t len, struct rc_filter_error *err)
{
	int r;

	if (len == 0 || len > BPF_MAXINSNS)
		return check_fail(err, 0, "a program has 1 to %d instructions, not %zu",
				  BPF_MAXINSNS, len);
	for (size_t pc = 0; pc < len; pc++) {
		r = check_one(insns, len, pc, err);
		if (r < 0)
			return r;
	}
	if (insns[len - 1].code != (BPF_RET | BPF_K) && insns[len - 1].code != (BPF_RET | BPF_A))
		return check_fail(err, len - 1, "the last instruction must be a return");
	return check_memory(insns, len, err);
}

/* The engine puts a 3-instruction prologue in front of the program on
 * loopback (engine.c: drop the PACKET_OUTGOING copy), which is why the
 * compiler stops at BPF_MAXINSNS - 3; the trial carries the same, so its
 * answer holds on every interface. */
#define CHECK_PROLOGUE 3

int rc_filter_probe_attach(const struct sock_filter *insns, size_t len)
{
	struct sock_filter *prog;
	struct sock_fprog fprog;
	int fd, r;

	if (len == 0 || len > BPF_MAXINSNS - CHECK_PROLOGUE)
		return -EINVAL;
	prog = malloc((len + CHECK_PROLOGUE) * sizeof(*prog));
	if (!prog)
		return -ENOMEM;
	prog[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE);
	prog[1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1);
	prog[2] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	memcpy(prog + CHECK_PROLOGUE, insns, len * sizeof(*prog));
	fprog = (struct sock_fprog){ .len = (unsigned short)(len + CHECK_PROLOGUE), .filter = prog };
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	r = fd < 0 ? -errno : 0;
	if (r == 0 && setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	free(prog);
	return r;
}
