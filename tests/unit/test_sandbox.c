/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox.c - the sandbox module: the seccomp programs run through
 * ringcap's own BPF interpreter, and the real thing in forked children.
 *
 * DESIGN: a seccomp program is classic BPF over struct seccomp_data, so
 * rc_filter_run() can run it with that struct as the packet. The kernel's
 * 32-bit loads read seccomp_data in host order and the interpreter reads
 * packets in network order, so the struct is copied with each 32-bit word
 * byte-swapped: a load at offset k then yields the same value in both.
 * The tests say what each phase allows and refuses on both architectures,
 * then fork children that install the filter for real and must die of
 * SIGSYS, all threads at once, with the line naming the call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ringcap/filter.h>
#include <ringcap/sandbox.h>

#include "sandbox_internal.h"

#define CAPTURE RC_SANDBOX_PHASE_CAPTURE
#define SETUP RC_SANDBOX_PHASE_SETUP

static const uint32_t arch_of[SB_N_ARCH] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64 };

/* What the kernel's filter would answer for this call. */
static uint32_t verdict_nr(enum rc_sandbox_phase phase, unsigned flags, uint32_t arch, int nr,
			   const uint64_t args[6])
{
	struct sock_filter insns[RC_SANDBOX_MAX_INSNS];
	struct seccomp_data d = { .nr = nr, .arch = arch, .instruction_pointer = 0x401000 };
	uint8_t pkt[sizeof(d)];
	size_t len = 0;

	assert_int_equal(rc_sandbox_build(phase, flags, insns, RC_SANDBOX_MAX_INSNS, &len), 0);
	for (int i = 0; args && i < 6; i++)
		d.args[i] = args[i];
	memcpy(pkt, &d, sizeof(d));
	for (size_t w = 0; w < sizeof(pkt); w += 4) {
		uint8_t t0 = pkt[w], t1 = pkt[w + 1];

		pkt[w] = pkt[w + 3], pkt[w + 1] = pkt[w + 2], pkt[w + 2] = t1, pkt[w + 3] = t0;
	}
	return rc_filter_run(insns, len, pkt, sizeof(pkt), NULL);
}

static uint32_t verdict(enum rc_sandbox_phase phase, unsigned flags, enum sb_arch a,
			const char *name, const uint64_t args[6])
{
	const struct sb_syscall *s = sb_syscall_by_name(name);

	assert_non_null(s);
	assert_true(s->nr[a] >= 0);
	return verdict_nr(phase, flags, arch_of[a], s->nr[a], args);
}

/* What long captures need, on both architectures where the call exists. */
static void test_capture_allows(void **state)
{
	static const char *const names[] = {
		"writev", "pwrite64", "pwritev", "write", "read", "futex", "poll", "ppoll",
		"openat", "close", "unlinkat", "renameat", "fallocate", "ftruncate", "fsync",
		"fdatasync", "fstatfs", "statfs", "lseek", "getsockopt", "rt_sigreturn",
		"rt_sigprocmask", "eventfd2", "clock_gettime", "nanosleep", "clock_nanosleep",
		"madvise", "munmap", "mmap", "mprotect", "brk", "exit", "exit_group", "wait4",
		"clone", "clone3", "set_robust_list", "rseq", "tgkill", "gettid", "getpid",
		"rename", "unlink", "open",
	};

	(void)state;
	for (unsigned a = 0; a < SB_N_ARCH; a++) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			const struct sb_syscall *s = sb_syscall_by_name(names[i]);

			assert_non_null(s);
			if (s->nr[a] < 0)
				continue; /* no open(2) on aarch64 */
			if (verdict(CAPTURE, 0, a, names[i], NULL) != SECCOMP_RET_ALLOW)
				fail_msg("%s on arch %u: not allowed", names[i], a);
		}
	}
}

static void test_capture_denies(void **state)
{
	static const char *const names[] = {
		"mount", "reboot", "init_module", "finit_module", "kexec_load", "bpf",
		"setuid", "setgid", "setgroups", "capset", "connect", "bind", "listen",
		"accept4", "sendmsg", "unshare", "setns", "chroot", "pivot_root", "keyctl",
		"perf_event_open", "execve", "execveat", "userfaultfd", "signalfd4", "seccomp",
		"io_uring_setup", "process_vm_writev",
	};

	(void)state;
	for (unsigned a = 0; a < SB_N_ARCH; a++)
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (verdict(CAPTURE, 0, a, names[i], NULL) != SECCOMP_RET_TRAP)
				fail_msg("%s on arch %u: not denied", names[i], a);
}

/* Phases only narrow; -z's exec is there only when asked for. */
static void test_phases_and_exec(void **state)
{
	(void)state;
	for (unsigned a = 0; a < SB_N_ARCH; a++) {
		assert_int_equal(verdict(SETUP, 0, a, "signalfd4", NULL), SECCOMP_RET_ALLOW);
		assert_int_equal(verdict(CAPTURE, 0, a, "signalfd4", NULL), SECCOMP_RET_TRAP);
		assert_int_equal(verdict(SETUP, 0, a, "dup", NULL), SECCOMP_RET_ALLOW);
		assert_int_equal(verdict(CAPTURE, 0, a, "dup", NULL), SECCOMP_RET_TRAP);
		assert_int_equal(verdict(SETUP, 0, a, "execve", NULL), SECCOMP_RET_TRAP);
		assert_int_equal(verdict(CAPTURE, RC_SANDBOX_F_EXEC, a, "execve", NULL),
				 SECCOMP_RET_ALLOW);
		assert_int_equal(verdict(SETUP, RC_SANDBOX_F_EXEC, a, "execve", NULL),
				 SECCOMP_RET_ALLOW);
		assert_int_equal(verdict(CAPTURE, RC_SANDBOX_F_EXEC, a, "fchmod", NULL),
				 SECCOMP_RET_ALLOW);
		assert_int_equal(verdict(CAPTURE, 0, a, "fchmod", NULL), SECCOMP_RET_TRAP);
	}
	/* Every call the capture phase allows, the set-up phase allows too:
	 * the set-up filter stays underneath. */
	for (unsigned a = 0; a < SB_N_ARCH; a++)
		for (int nr = 0; nr < 500; nr++)
			for (unsigned f = 0; f <= RC_SANDBOX_F_EXEC; f++)
				if (verdict_nr(CAPTURE, f, arch_of[a], nr, NULL) == SECCOMP_RET_ALLOW)
					assert_int_equal(verdict_nr(SETUP, f, arch_of[a], nr, NULL),
							 SECCOMP_RET_ALLOW);
}

static void test_argument_checks(void **state)
{
	const uint64_t inet_dgram[6] = { AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0 };
	const uint64_t inet_stream[6] = { AF_INET, SOCK_STREAM, 0 };
	const uint64_t packet_raw[6] = { AF_PACKET, SOCK_RAW, 0 };
	const uint64_t get_flags[6] = { 3, SIOCGIFFLAGS }, set_flags[6] = { 3, SIOCSIFFLAGS };
	const uint64_t winsz[6] = { 2, TIOCGWINSZ }, sti[6] = { 0, TIOCSTI };
	const uint64_t attach[6] = { 4, SOL_SOCKET, SO_ATTACH_FILTER };
	const uint64_t member[6] = { 4, 263 /* SOL_PACKET */, 1 /* PACKET_ADD_MEMBERSHIP */ };
	const uint64_t set_name[6] = { PR_SET_NAME }, capbset[6] = { PR_CAPBSET_DROP, 0 };
	/* Only the low 32 bits are the kernel's int: high bits do not help. */
	const uint64_t high[6] = { AF_PACKET | (1ull << 32), SOCK_RAW, 0 };

	(void)state;
	for (unsigned a = 0; a < SB_N_ARCH; a++) {
		assert_int_equal(verdict(CAPTURE, 0, a, "socket", inet_dgram), SECCOMP_RET_TRAP);
		assert_int_equal(verdict(CAPTURE, 0, a, "socket", inet_stream), SECCOMP_RET_TRAP);
		assert_int_equal(verdict(CAPTURE, 0, a, "socket", packet_raw), SECCOMP_RET_TRAP);
		assert_int_equal(verdict(CAPTURE, 0, a, "socket", high), SECCOMP_RET_TRAP);
		assert_int_equal(verdict(CAPTURE, 0, a, "ioctl", get_flags), SECCOMP_RET_ALLOW);
		assert_int_equal(verdict(CAPTURE, 0, a, "ioctl", winsz), SECCOMP_RET_ALLOW);
		assert_int_equal(verdict(CAPTURE, 0, a, "ioctl", set_flags), SECCOMP_RET_TRAP);
		assert_int_equal(verdict(CAPTURE, 0, a, "ioctl", sti), SECCOMP_RET_TRAP);
		assert_int_equal(verdict(CAPTURE, 0, a, "setsockopt", attach), SECCOMP_RET_ALLOW);
		assert_int_equal(verdict(CAPTURE, 0, a, "setsockopt", member), SECCOMP_RET_TRAP);
		assert_int_equal(verdict(CAPTURE, 0, a, "prctl", set_name), SECCOMP_RET_ALLOW);
		assert_int_equal(verdict(CAPTURE, 0, a, "prctl", capbset), SECCOMP_RET_TRAP);
	}
}

/* i386 (int 0x80 on x86_64), 32-bit ARM, and the x32 ABI: killed. */
static void test_foreign_abis_killed(void **state)
{
	(void)state;
	assert_int_equal(verdict_nr(CAPTURE, 0, AUDIT_ARCH_I386, 4, NULL), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(verdict_nr(CAPTURE, 0, AUDIT_ARCH_ARM, 4, NULL), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(verdict_nr(SETUP, 0, AUDIT_ARCH_I386, 1, NULL), SECCOMP_RET_KILL_PROCESS);
	/* x32's write is 0x40000001: the x86_64 write with the x32 bit. */
	assert_int_equal(verdict_nr(CAPTURE, 0, AUDIT_ARCH_X86_64, 0x40000001, NULL),
			 SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(verdict_nr(CAPTURE, 0, AUDIT_ARCH_X86_64, 1, NULL), SECCOMP_RET_ALLOW);
	/* aarch64 has no such bit: its 0x40000001 is merely unknown. */
	assert_int_equal(verdict_nr(CAPTURE, 0, AUDIT_ARCH_AARCH64, 0x40000001, NULL),
			 SECCOMP_RET_TRAP);
}

/* What the kernel's checker demands, and the builder's own errors. */
static void test_program_shape(void **state)
{
	struct sock_filter insns[RC_SANDBOX_MAX_INSNS];
	size_t len = 0;

	(void)state;
	for (unsigned f = 0; f <= RC_SANDBOX_F_EXEC; f++) {
		for (int phase = SETUP; phase <= CAPTURE; phase++) {
			assert_int_equal(rc_sandbox_build(phase, f, insns, RC_SANDBOX_MAX_INSNS, &len), 0);
			assert_true(len > 0 && len <= RC_SANDBOX_MAX_INSNS);
			assert_int_equal(BPF_CLASS(insns[len - 1].code), BPF_RET);
			for (size_t pc = 0; pc < len; pc++) {
				const struct sock_filter *in = &insns[pc];

				if (in->code == (BPF_JMP | BPF_JA))
					assert_true(in->k < len - pc - 1);
				else if (BPF_CLASS(in->code) == BPF_JMP)
					assert_true(in->jt < len - pc - 1 && in->jf < len - pc - 1);
			}
		}
	}
	assert_int_equal(rc_sandbox_build(CAPTURE, 0, insns, 10, &len), -ENOSPC);
	assert_int_equal(rc_sandbox_build((enum rc_sandbox_phase)7, 0, insns, RC_SANDBOX_MAX_INSNS,
					  &len), -EINVAL);
}

/* The table: sorted, every allowlist name in it once, the native column
 * as <sys/syscall.h> has it, the aarch64 column as the generic table. */
static void test_syscall_table(void **state)
{
#if defined(__x86_64__)
	const unsigned native = SB_X86_64;
#elif defined(__aarch64__)
	const unsigned native = SB_AARCH64;
#endif
	static const struct { const char *name; long nr; int arm; } spot[] = {
		{ "read", SYS_read, 63 }, { "writev", SYS_writev, 66 }, { "openat", SYS_openat, 56 },
		{ "ppoll", SYS_ppoll, 73 }, { "futex", SYS_futex, 98 }, { "clone", SYS_clone, 220 },
		{ "execve", SYS_execve, 221 }, { "mmap", SYS_mmap, 222 },
		{ "socket", SYS_socket, 198 }, { "ioctl", SYS_ioctl, 29 },
		{ "newfstatat", SYS_newfstatat, 79 }, { "clone3", SYS_clone3, 435 },
		{ "rt_sigreturn", SYS_rt_sigreturn, 139 }, { "exit_group", SYS_exit_group, 94 },
	};

	(void)state;
	for (size_t i = 1; i < sb_n_syscalls; i++)
		assert_true(strcmp(sb_syscalls[i - 1].name, sb_syscalls[i].name) < 0);
	for (size_t i = 0; i < sizeof(spot) / sizeof(spot[0]); i++) {
		const struct sb_syscall *s = sb_syscall_by_name(spot[i].name);

		assert_non_null(s);
		assert_int_equal(s->nr[native], spot[i].nr);
		assert_int_equal(s->nr[SB_AARCH64], spot[i].arm);
	}
	for (size_t i = 0; i < sb_n_allow; i++) {
		const struct sb_syscall *s = sb_syscall_by_name(sb_allowlist[i].name);

		if (!s)
			fail_msg("allowlist: %s is not a system call", sb_allowlist[i].name);
		/* A second entry for a call would never be reached. */
		for (size_t j = 0; j < i; j++)
			if (strcmp(sb_allowlist[i].name, sb_allowlist[j].name) == 0)
				fail_msg("allowlist: %s twice", sb_allowlist[i].name);
	}
	assert_string_equal(rc_sandbox_syscall_name(AUDIT_ARCH_X86_64, 165), "mount");
	assert_string_equal(rc_sandbox_syscall_name(AUDIT_ARCH_AARCH64, 40), "mount");
	assert_null(rc_sandbox_syscall_name(AUDIT_ARCH_I386, 21));
	assert_null(rc_sandbox_syscall_name(AUDIT_ARCH_X86_64, 4000));
}

/* ---- the real filter, in children ----------------------------------- */

struct child {
	pid_t pid;
	int err;   /* read end of the child's stderr */
	int status;
	char text[512];
};

static void child_start(struct child *c, void (*body)(void))
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		alarm(10); /* a hang would be a bug too: SIGALRM tells it apart */
		body();
		_exit(0);
	}
	close(p[1]);
	c->err = p[0];
}

static void child_wait(struct child *c)
{
	size_t n = 0;
	ssize_t r;

	while (n < sizeof(c->text) - 1 && (r = read(c->err, c->text + n, sizeof(c->text) - 1 - n)) > 0)
		n += (size_t)r;
	c->text[n] = 0;
	close(c->err);
	assert_int_equal(waitpid(c->pid, &c->status, 0), c->pid);
}

static void enter_capture(void)
{
	struct rc_sandbox_config c = { .sz = sizeof(struct rc_sandbox_config), .trap_prefix = "test_sandbox" };

	if (rc_sandbox_enter(&c, SETUP) < 0 || rc_sandbox_enter(&c, CAPTURE) < 0)
		_exit(3);
}

static void body_denied(void)
{
	enter_capture();
	syscall(SYS_mount, "none", "/mnt", "tmpfs", 0UL, NULL);
	_exit(4); /* not reached */
}

static void body_allowed(void)
{
	char b[8];

	enter_capture();
	/* What a capture does: allowed, and the process lives on. */
	if (write(STDERR_FILENO, "alive\n", 6) != 6 || getpid() <= 0 || read(-1, b, 1) >= 0)
		_exit(5);
	_exit(0);
}

static int go[2];

static void *thread_denied(void *arg)
{
	char b;

	(void)arg;
	if (read(go[0], &b, 1) != 1)
		return NULL;
	syscall(SYS_mount, "none", "/mnt", "tmpfs", 0UL, NULL);
	return NULL;
}

/* The thread exists before the filter goes on (TSYNC must cover it), and
 * its denied call must end the process, not just the thread. */
static void body_thread_denied(void)
{
	/* valgrind has no seccomp(2), so no TSYNC: the library falls back to
	 * filtering the caller and its later threads (seccomp.c). There the
	 * thread starts after the filter and inherits it. */
	const char *preload = getenv("LD_PRELOAD");
	bool valgrind = preload && strstr(preload, "vgpreload");
	pthread_t t;

	if (pipe(go) < 0)
		_exit(6);
	if (valgrind)
		enter_capture();
	if (pthread_create(&t, NULL, thread_denied, NULL) != 0)
		_exit(6);
	if (!valgrind)
		enter_capture();
	if (write(go[1], "x", 1) != 1)
		_exit(8);
	pthread_join(t, NULL);
	_exit(7); /* the main thread must not outlive the denial */
}

static void test_denied_call_kills(void **state)
{
	struct child c;

	(void)state;
	child_start(&c, body_denied);
	child_wait(&c);
	if (!WIFSIGNALED(c.status))
		fail_msg("exit status %d, stderr: %s", WEXITSTATUS(c.status), c.text);
	assert_int_equal(WTERMSIG(c.status), SIGSYS);
	assert_non_null(strstr(c.text, "test_sandbox: seccomp: denied syscall "));
	assert_non_null(strstr(c.text, "(mount)"));
}

static void test_allowed_calls_live(void **state)
{
	struct child c;

	(void)state;
	child_start(&c, body_allowed);
	child_wait(&c);
	assert_true(WIFEXITED(c.status));
	assert_int_equal(WEXITSTATUS(c.status), 0);
	assert_string_equal(c.text, "alive\n");
}

static void test_denied_in_thread_kills_process(void **state)
{
	struct child c;

	(void)state;
	child_start(&c, body_thread_denied);
	child_wait(&c);
	if (!WIFSIGNALED(c.status))
		fail_msg("exit status %d, stderr: %s", WEXITSTATUS(c.status), c.text);
	assert_int_equal(WTERMSIG(c.status), SIGSYS);
	assert_non_null(strstr(c.text, "(mount)"));
}

/* /proc/self/status field as a number (hex for the Cap* lines). */
static unsigned long long status_field(const char *key, int base)
{
	char line[256];
	unsigned long long v = ~0ull;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ':')
			v = strtoull(line + strlen(key) + 1, NULL, base);
	if (f)
		fclose(f);
	return v;
}

/* As root: become nobody; as anyone: no capabilities, no_new_privs. */
static void body_drop(void)
{
	struct rc_sandbox_config c = { .sz = sizeof(struct rc_sandbox_config), .user = getuid() == 0 ? "nobody" : NULL };

	if (rc_sandbox_drop(&c) < 0)
		_exit(10);
	if (c.user && (getuid() != 65534 || geteuid() != 65534 || status_field("CapBnd", 16)))
		_exit(11);
	if (status_field("CapEff", 16) || status_field("CapPrm", 16) ||
	    status_field("CapInh", 16) || status_field("CapAmb", 16))
		_exit(12);
	if (status_field("NoNewPrivs", 10) != 1)
		_exit(13);
	if (c.user && setuid(0) == 0)
		_exit(14);
	_exit(0);
}

static void test_drop(void **state)
{
	struct rc_sandbox_config unknown = { .sz = sizeof(struct rc_sandbox_config), .user = "no-such-user-ringcap" };
	struct child c;

	(void)state;
	child_start(&c, body_drop);
	child_wait(&c);
	assert_true(WIFEXITED(c.status));
	assert_int_equal(WEXITSTATUS(c.status), 0);
	/* Refused before anything changes: this process is still itself. */
	assert_int_equal(rc_sandbox_drop(&unknown), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_allows),
		cmocka_unit_test(test_capture_denies),
		cmocka_unit_test(test_phases_and_exec),
		cmocka_unit_test(test_argument_checks),
		cmocka_unit_test(test_foreign_abis_killed),
		cmocka_unit_test(test_program_shape),
		cmocka_unit_test(test_syscall_table),
		cmocka_unit_test(test_denied_call_kills),
		cmocka_unit_test(test_allowed_calls_live),
		cmocka_unit_test(test_denied_in_thread_kills_process),
		cmocka_unit_test(test_drop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
