/* SPDX-License-Identifier: MIT */
/*
 * drop.c - gives up the user and the capabilities a capture no longer
 * needs once its sockets are open.
 *
 * DESIGN: the order is forced by the kernel. The bounding set first, while
 * CAP_SETPCAP is still effective (PR_CAPBSET_DROP needs it); the ambient
 * set next; then, for a new user, supplementary groups, gid and uid, in
 * that order, since each step needs CAP_SETGID or CAP_SETUID and the uid
 * change takes them away (without PR_SET_KEEPCAPS, leaving uid 0 clears
 * the permitted and effective sets). Then capset() empties whatever is
 * left (all of it when staying root), no_new_privs closes execve as a way
 * back (setuid binaries, file capabilities), and the result is read back:
 * a drop that silently did not happen is the classic privilege bug, so
 * setuid(0) must now fail and every set must read zero.
 *
 * Capabilities are per thread, so this runs while the process has one
 * thread (before the writer and capture threads start); glibc applies the
 * uid and gid changes to every thread anyway. Raw capget/capset: no
 * libcap.
 */
#include "sandbox_internal.h"

#include "opts.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

struct drop_user {
	uid_t uid;
	gid_t gid;
};

static int drop_lookup(const struct rc_sandbox_config *c, struct drop_user *ret)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	int r = getpwnam_r(c->user, &pw, buf, sizeof(buf), &found);

	if (r != 0) {
		rc_logf(c->log, c->log_ctx, RC_LOG_ERROR, "%s: cannot look up the user: %s", c->user,
			strerror(r));
		return -r;
	}
	if (!found) {
		rc_logf(c->log, c->log_ctx, RC_LOG_ERROR, "%s: no such user", c->user);
		return -ENOENT;
	}
	*ret = (struct drop_user){ .uid = pw.pw_uid, .gid = pw.pw_gid };
	return 0;
}

static int drop_capget(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return syscall(SYS_capget, &hdr, data) < 0 ? -errno : 0;
}

/* The bounding set limits what execve can ever grant; emptying it needs
 * CAP_SETPCAP. Without it (a setcap'd binary run by a user), the set stays
 * and no_new_privs is what keeps execve from granting anything. */
static int drop_bounding(const struct rc_sandbox_config *c)
{
	struct __user_cap_data_struct data[2];
	int r = drop_capget(data);

	if (r < 0)
		return r;
	if (!(data[0].effective & (1u << CAP_SETPCAP))) {
		rc_logf(c->log, c->log_ctx, RC_LOG_DEBUG,
			"capabilities: no CAP_SETPCAP, bounding set left as it is");
		return 0;
	}
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return -errno;
	return 0;
}

static int drop_to_user(const struct rc_sandbox_config *c, const struct drop_user *u)
{
	int r;

	if (c->clear_groups)
		r = setgroups(0, NULL);
	else
		r = initgroups(c->user, u->gid);
	if (r < 0 || setresgid(u->gid, u->gid, u->gid) < 0 || setresuid(u->uid, u->uid, u->uid) < 0) {
		r = -errno;
		rc_logf(c->log, c->log_ctx, RC_LOG_ERROR, "%s: cannot become this user: %s", c->user,
			strerror(-r));
		return r;
	}
	return 0;
}

static int drop_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	return syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
}

/* Reads back what was dropped; any survivor is -EPERM, never a shrug. */
static int drop_verify(const struct rc_sandbox_config *c, const struct drop_user *u)
{
	struct __user_cap_data_struct data[2];
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	int r = drop_capget(data);

	if (r < 0)
		return r;
	for (int i = 0; i < 2; i++)
		if (data[i].effective || data[i].permitted || data[i].inheritable)
			r = -EPERM;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0) > 0)
		r = -EPERM;
	if (u && (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0 ||
		  ruid != u->uid || euid != u->uid || suid != u->uid || rgid != u->gid ||
		  egid != u->gid || sgid != u->gid))
		r = -EPERM;
	if (u && u->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		r = -EPERM;
	if (r < 0)
		rc_logf(c->log, c->log_ctx, RC_LOG_ERROR, "privileges: still held after dropping them");
	return r;
}

int rc_sandbox_drop(const struct rc_sandbox_config *c)
{
	struct rc_sandbox_config cfg = { 0 };
	struct drop_user u;
	int r = c ? rc_opts_copy(&cfg, sizeof(cfg), c) : 0;

	if (r < 0) {
		rc_opts_log_error(r, "rc_sandbox_config", cfg.log, cfg.log_ctx);
		return r;
	}
	c = &cfg;
	if (c->user && (r = drop_lookup(c, &u)) < 0)
		return r;
	r = drop_bounding(c);
	if (r < 0)
		return r;
	/* EINVAL: a kernel before 4.3 has no ambient set to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	if (c->user && (r = drop_to_user(c, &u)) < 0)
		return r;
	r = drop_caps();
	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return drop_verify(c, c->user ? &u : NULL);
}
