/* SPDX-License-Identifier: MIT */
/*
 * program.c - builds a phase's seccomp program from the allowlist, and
 * names system calls.
 *
 * DESIGN: straight-line classic BPF whose jumps all go forward and stay
 * short, so the kernel's checker accepts it and the 8-bit jump offsets
 * cannot overflow: the architecture word picks a section (x86_64 or
 * aarch64; anything else, e.g. i386 through int 0x80, is killed), the
 * x86_64 section kills the x32 ABI (nr with __X32_SYSCALL_BIT), then each
 * allowed call is "jeq nr, +0, +len; <its block>", a block being "ret
 * ALLOW" or the argument checks ending in "ret ALLOW; ret TRAP". The
 * section ends in "ret TRAP". Long jumps (to a section) use ja, whose
 * offset is 32 bits. Loads read struct seccomp_data in the host's order;
 * both architectures are little-endian, so an argument's low 32 bits are
 * at its offset.
 */
#include "sandbox_internal.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the seccomp argument offsets below assume a little-endian host"
#endif

#define X32_SYSCALL_BIT 0x40000000u
#define OFF_NR offsetof(struct seccomp_data, nr)
#define OFF_ARCH offsetof(struct seccomp_data, arch)
#define OFF_ARG(i) (offsetof(struct seccomp_data, args) + 8u * (i))

static const uint32_t prog_arch[SB_N_ARCH] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64 };

struct prog {
	struct sock_filter *insns;
	size_t cap, len;
	bool full;
};

static void prog_emit(struct prog *p, uint16_t code, uint32_t jt, uint32_t jf, uint32_t k)
{
	if (p->len == p->cap || jt > 255 || jf > 255) {
		p->full = true;
		return;
	}
	p->insns[p->len++] = (struct sock_filter){ code, (uint8_t)jt, (uint8_t)jf, k };
}

static size_t cond_len(const struct sb_cond *c)
{
	return 1u + (c->mask != 0) + c->n_values;
}

/* The argument checks after "jeq nr": for each condition, load, mask,
 * compare with each value (a match goes on to the next condition, no
 * match of the last value to the trap); then ret ALLOW; ret TRAP. */
static void prog_emit_conds(struct prog *p, const struct sb_allow *a, size_t total)
{
	size_t at = 0;

	for (unsigned i = 0; i < a->n_conds; i++) {
		const struct sb_cond *c = &a->conds[i];
		size_t next = at + cond_len(c);

		prog_emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)OFF_ARG(c->arg));
		at++;
		if (c->mask) {
			prog_emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, c->mask);
			at++;
		}
		for (unsigned v = 0; v < c->n_values; v++, at++) {
			bool last = v + 1 == c->n_values;

			prog_emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(next - (at + 1)),
				  last ? (uint32_t)(total - 1 - (at + 1)) : 0, c->values[v]);
		}
	}
	prog_emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
	prog_emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_TRAP);
}

static bool prog_wants(const struct sb_allow *a, enum rc_sandbox_phase phase, unsigned flags)
{
	return phase <= a->until && (!a->exec || (flags & RC_SANDBOX_F_EXEC));
}

static void prog_emit_section(struct prog *p, enum sb_arch arch, enum rc_sandbox_phase phase,
			      unsigned flags)
{
	prog_emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, OFF_NR);
	if (arch == SB_X86_64) {
		prog_emit(p, BPF_JMP | BPF_JGE | BPF_K, 0, 1, X32_SYSCALL_BIT);
		prog_emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS);
	}
	for (size_t i = 0; i < sb_n_allow; i++) {
		const struct sb_allow *a = &sb_allowlist[i];
		const struct sb_syscall *s = sb_syscall_by_name(a->name);
		size_t total = 2;

		if (!prog_wants(a, phase, flags) || !s || s->nr[arch] < 0)
			continue;
		if (a->n_conds == 0) {
			prog_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (uint32_t)s->nr[arch]);
			prog_emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
			continue;
		}
		for (unsigned c = 0; c < a->n_conds; c++)
			total += cond_len(&a->conds[c]);
		prog_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, (uint32_t)total, (uint32_t)s->nr[arch]);
		prog_emit_conds(p, a, total);
	}
	prog_emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_TRAP);
}

int rc_sandbox_build(enum rc_sandbox_phase phase, unsigned flags, struct sock_filter *insns,
		     size_t cap, size_t *ret_len)
{
	struct prog p = { .insns = insns, .cap = cap };
	size_t ja[SB_N_ARCH];

	if (phase != RC_SANDBOX_PHASE_SETUP && phase != RC_SANDBOX_PHASE_CAPTURE)
		return -EINVAL;
	/* The dispatch: "jeq arch, +0, +1; ja section" per architecture. */
	prog_emit(&p, BPF_LD | BPF_W | BPF_ABS, 0, 0, OFF_ARCH);
	for (unsigned a = 0; a < SB_N_ARCH; a++) {
		prog_emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, prog_arch[a]);
		ja[a] = p.len;
		prog_emit(&p, BPF_JMP | BPF_JA, 0, 0, 0);
	}
	prog_emit(&p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS);
	for (unsigned a = 0; a < SB_N_ARCH && !p.full; a++) {
		insns[ja[a]].k = (uint32_t)(p.len - (ja[a] + 1));
		prog_emit_section(&p, (enum sb_arch)a, phase, flags);
	}
	if (p.full)
		return -ENOSPC;
	*ret_len = p.len;
	return 0;
}

static int syscall_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct sb_syscall *)elem)->name);
}

const struct sb_syscall *sb_syscall_by_name(const char *name)
{
	return bsearch(name, sb_syscalls, sb_n_syscalls, sizeof(sb_syscalls[0]), syscall_cmp);
}

/* Linear: called once, from the SIGSYS handler (bsearch and strcmp are
 * not on the async-signal-safe list; a loop over an array is). */
const char *rc_sandbox_syscall_name(uint32_t arch, int nr)
{
	for (unsigned a = 0; a < SB_N_ARCH; a++) {
		if (prog_arch[a] != arch)
			continue;
		for (size_t i = 0; i < sb_n_syscalls; i++)
			if (sb_syscalls[i].nr[a] == nr)
				return sb_syscalls[i].name;
	}
	return NULL;
}
