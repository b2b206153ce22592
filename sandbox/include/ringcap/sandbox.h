/* SPDX-License-Identifier: MIT */
/*
 * ringcap/sandbox.h - least privilege for a capture process: become
 * another user, drop every capability, set no_new_privs, and confine the
 * process to the system calls a capture makes, with a seccomp filter.
 *
 * DESIGN: privileges are needed only to open the packet sockets
 * (CAP_NET_RAW); everything after that runs without them. So an embedder
 * opens its engines, calls rc_sandbox_drop() (before it opens the output,
 * so files are created as the new user), then rc_sandbox_enter() once per
 * phase. Each phase's filter is stacked on the ones before it (the kernel
 * applies all of them; the strictest answer wins) and is synchronised to
 * every thread of the process (SECCOMP_FILTER_FLAG_TSYNC), so a thread
 * started earlier, by the embedder or by a runtime, is covered, and threads
 * started later inherit it. The filter programs are classic BPF built
 * here from one table of system calls with their x86_64 and aarch64
 * numbers; rc_sandbox_build() returns a program so it can be inspected or
 * run through rc_filter_run() (with struct seccomp_data as the packet).
 *
 * A system call outside the allowlist kills the whole process: the filter
 * answers SECCOMP_RET_TRAP, and the SIGSYS handler installed here writes
 * one line naming the call (if trap_prefix is set) and re-raises SIGSYS
 * with its default action, which ends every thread at once. Another
 * architecture or the x32 ABI gets SECCOMP_RET_KILL_PROCESS outright.
 */
#ifndef RINGCAP_SANDBOX_H
#define RINGCAP_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ringcap/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sock_filter;

enum rc_sandbox_phase {
	/* After the sockets are open: opening the output, starting threads. */
	RC_SANDBOX_PHASE_SETUP = 0,
	/* The capture itself, including rotation, -z and the stop. */
	RC_SANDBOX_PHASE_CAPTURE = 1,
};

/* The filter lets the process start programs (execve, and the calls a
 * compressor or a shell script makes), which then run under the same
 * filter: what a post-rotation command (-z) needs. */
#define RC_SANDBOX_F_EXEC (1u << 0)

/* A zeroed config means: stay the same user, drop every capability, set
 * no_new_privs; the filter allows no exec; a denied call dies silently. */
struct rc_sandbox_config {
	size_t sz;               /* sizeof(struct rc_sandbox_config): RC_OPTS */
	/* Become this user (by name, as tcpdump -Z): supplementary groups
	 * from the group database (initgroups), then its gid, then its uid.
	 * NULL: keep the current user. */
	const char *user;
	bool clear_groups;       /* with user: no supplementary groups at all */
	unsigned flags;          /* RC_SANDBOX_F_* */
	/* The SIGSYS handler writes "PREFIX: seccomp: denied syscall N
	 * (name)" to stderr before the process dies; NULL: nothing. */
	const char *trap_prefix;
	const char *trap_hint;   /* appended to that line, e.g. "; --no-sandbox ..." */
	rc_log_fn log;
	void *log_ctx;
};

/* Switches to config->user (if set), empties the capability sets
 * (effective, permitted, inheritable, ambient; the bounding set too when
 * CAP_SETPCAP is held, which root has), sets no_new_privs, and checks that
 * none of it can be undone. Call it before starting threads: capability
 * sets belong to each thread, and only the caller's are emptied. Returns 0, -ENOENT for an unknown user, -EPERM
 * when switching user without CAP_SETUID/CAP_SETGID, or another -errno. */
RC_API int rc_sandbox_drop(const struct rc_sandbox_config *config);

/* Installs phase's filter on every thread (sets no_new_privs first if
 * rc_sandbox_drop() did not), and the SIGSYS handler on first use.
 * Returns 0, -ESRCH if a thread could not be synchronised (it has a filter
 * of its own), -EINVAL if the kernel lacks seccomp filters, or -errno. */
RC_API int rc_sandbox_enter(const struct rc_sandbox_config *config, enum rc_sandbox_phase phase);

/* The longest program rc_sandbox_build() writes. */
#define RC_SANDBOX_MAX_INSNS 1024

/* Writes phase's filter (flags: RC_SANDBOX_F_*) into insns[0..cap) and
 * its length to *ret_len. Returns 0, -ENOSPC if cap is too small, or
 * -EINVAL for an unknown phase. */
RC_API int rc_sandbox_build(enum rc_sandbox_phase phase, unsigned flags, struct sock_filter *insns,
			    size_t cap, size_t *ret_len);

/* The name of system call nr on arch (AUDIT_ARCH_X86_64 or
 * AUDIT_ARCH_AARCH64) if ringcap's table knows it, else NULL. */
RC_API const char *rc_sandbox_syscall_name(uint32_t arch, int nr);

#ifdef __cplusplus
}
#endif

#endif
