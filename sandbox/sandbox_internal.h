/* SPDX-License-Identifier: MIT */
/*
 * sandbox_internal.h - the system call table and the allowlist behind the
 * seccomp programs (private to sandbox/ and its tests).
 */
#ifndef RINGCAP_SANDBOX_INTERNAL_H
#define RINGCAP_SANDBOX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <ringcap/sandbox.h>

/* Built with ASan (gcc or clang): LeakSanitizer stops the world at exit
 * from a child that ptraces the process (prctl PR_SET_PDEATHSIG, then
 * PR_SET_DUMPABLE and PR_SET_PTRACER on the process, ptrace, getdents).
 * Only such builds allow those. */
#if defined(__SANITIZE_ADDRESS__)
#define SB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SB_ASAN 1
#endif
#endif
#ifndef SB_ASAN
#define SB_ASAN 0
#endif

/* The architectures a program covers, in the order of nr[] below. */
enum sb_arch { SB_X86_64, SB_AARCH64, SB_N_ARCH };

struct sb_syscall {
	const char *name;
	int16_t nr[SB_N_ARCH]; /* -1: no such call there */
};

/* syscalls.c: every call, sorted by name. */
extern const struct sb_syscall sb_syscalls[];
extern const size_t sb_n_syscalls;

const struct sb_syscall *sb_syscall_by_name(const char *name);

#define SB_MAX_VALUES 10

/* Allowed only if (args[arg] & mask) is one of values (low 32 bits: every
 * argument checked here is an int or unsigned int to the kernel). */
struct sb_cond {
	uint8_t arg;
	uint32_t mask;           /* 0 = all bits */
	uint8_t n_values;
	uint32_t values[SB_MAX_VALUES];
};

/* One allowed call: in phases up to and including until (later phases
 * only narrow what earlier ones allowed: stacked filters intersect), only
 * with RC_SANDBOX_F_EXEC if exec, and only when every cond holds. */
struct sb_allow {
	const char *name;
	enum rc_sandbox_phase until;
	bool exec;
	uint8_t n_conds;
	struct sb_cond conds[2];
};

/* allow.c */
extern const struct sb_allow sb_allowlist[];
extern const size_t sb_n_allow;

#endif
