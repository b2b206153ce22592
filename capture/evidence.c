/* SPDX-License-Identifier: MIT */
/*
 * evidence.c - what the capture records of each interface and of how it
 * was captured (driver, address, speed, kernel, offloads, time stamp
 * source, direction, namespace), the changes it makes for the capture
 * (--no-offload, adapter time stamps), and the guard that undoes them.
 *
 * DESIGN: a capture file is evidence, so each IDB says what reshaped the
 * packets before the socket saw them; the warnings say it once on the log
 * too. Changes to an interface must be undone however the capture ends,
 * and by then the process may have given up the privilege to undo them
 * (before_output drops every capability), or be dying of SIGKILL. So,
 * once they are made, a child process is forked that keeps the privilege
 * and the interfaces' control sockets (in their namespace) and does
 * nothing but wait for the read end of a pipe to report end of file:
 * that happens when the capture closes it, or when the process dies in
 * any way at all. The child then puts back exactly what was changed and
 * reports, a byte per interface, on a second pipe. It is forked while
 * rc_capture_open has started no thread of its own, and it ignores the
 * terminal's signals, so a Ctrl-C that stops the capture does not stop
 * the undoing.
 */
#include "capture_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ringcap/netdev.h>

#include "log.h"

/* The offloads that make a capture disagree with the wire, in words. */
static void evidence_warn_offloads(struct rc_capture *cap, unsigned i, int flags)
{
	const char *name = cap->names[i];

	if (flags & RC_NETDEV_F_RX_MERGE)
		rc_logf(cap->cfg.log, cap->cfg.log_ctx, RC_LOG_WARNING,
			"%s: receive offloads (GRO/LRO) are on: received packets may be merged "
			"into super-packets, not as they were on the wire (--no-offload turns "
			"them off while capturing)", name);
	if (flags & RC_NETDEV_F_TX_SEGMENT)
		rc_logf(cap->cfg.log, cap->cfg.log_ctx, RC_LOG_WARNING,
			"%s: segmentation offload (TSO) is on: sent packets are captured before "
			"the device splits them, larger than the MTU", name);
}

static int evidence_offloads(struct rc_capture *cap, unsigned i)
{
	struct rc_netdev *nd = cap->netdevs[i];
	char text[RC_NETDEV_TEXT_MAX];
	int r, flags = rc_netdev_offloads(nd, text, sizeof(text));

	if (flags >= 0 || flags == -ENOSPC)
		capture_note(cap, i, "offloads: %s", text);
	if (cap->cfg.no_offload) {
		r = rc_netdev_disable_rx_offloads(nd, text, sizeof(text));
		if (r < 0) {
			rc_logf(cap->cfg.log, cap->cfg.log_ctx, RC_LOG_ERROR,
				"%s: --no-offload: cannot turn the receive offloads off: %s",
				cap->names[i], strerror(-r));
			return r;
		}
		cap->changed[i] |= r > 0;
		capture_note(cap, i, "--no-offload: %s", text);
		rc_logf(cap->cfg.log, cap->cfg.log_ctx, RC_LOG_INFO,
			"%s: --no-offload %s (put back when the capture ends)", cap->names[i], text);
		if (flags > 0)
			flags &= ~RC_NETDEV_F_RX_MERGE;
	}
	/* Only what touches the packets this capture keeps (-Q). */
	if (cap->cfg.direction == RC_ENGINE_DIRECTION_OUT && flags > 0)
		flags &= ~RC_NETDEV_F_RX_MERGE;
	if (cap->cfg.direction == RC_ENGINE_DIRECTION_IN && flags > 0)
		flags &= ~RC_NETDEV_F_TX_SEGMENT;
	if (flags > 0)
		evidence_warn_offloads(cap, i, flags);
	return 0;
}

static int evidence_tstamp(struct rc_capture *cap, unsigned i)
{
	enum rc_tstamp_type t = cap->cfg.tstamp;
	int r;

	if (t == RC_TSTAMP_HOST)
		return 0;
	r = rc_netdev_enable_tstamp(cap->netdevs[i], t); /* it says why it cannot */
	if (r < 0)
		return r;
	cap->changed[i] = true;
	capture_note(cap, i, "time stamps: %s", rc_tstamp_type_name(t));
	return 0;
}

struct any_list {
	struct rc_capture *cap;
	unsigned i;
	size_t n;
};

static void any_add(void *ctx, const struct rc_iface_info *info)
{
	struct any_list *l = ctx;

	if (info->ifindex <= 0) /* "any" itself */
		return;
	capture_note_more(l->cap, l->i, "%s%d %s", l->n++ ? ", " : "", info->ifindex, info->name);
}

/* SLL2 carries an ifindex per packet; the IDB maps them to names, as they
 * were when the capture began. */
static int capture_note_any(struct rc_capture *cap, unsigned i)
{
	struct any_list l = { .cap = cap, .i = i };

	capture_note(cap, i, "any: the interfaces by SLL2 ifindex: ");
	return rc_engine_list_interfaces(any_add, &l);
}

/* The interface's facts into the IDB (rc_writer_iface's evidence fields,
 * filled in capture_open_writers from cap->info). */
int capture_evidence_open(struct rc_capture *cap, unsigned i)
{
	RC_OPTS(rc_netdev_config, nc, .ifname = cap->names[i], .log = cap->cfg.log,
		.log_ctx = cap->cfg.log_ctx);
	int r;

	static const char *const directions[] = {
		[RC_ENGINE_DIRECTION_IN] = "in: received packets only (-Q in)",
		[RC_ENGINE_DIRECTION_OUT] = "out: sent packets only (-Q out)",
	};

	cap->info[i].sz = sizeof(cap->info[i]);
	if (cap->cfg.direction != RC_ENGINE_DIRECTION_INOUT)
		capture_note(cap, i, "direction: %s", directions[cap->cfg.direction]);
	/* "any" is no device: its IDB lists the ones behind it instead, and
	 * what would change a device needs one named. */
	if (strcmp(cap->names[i], RC_ENGINE_IFNAME_ANY) == 0) {
		if (cap->cfg.tstamp != RC_TSTAMP_HOST || cap->cfg.no_offload) {
			rc_logf(cap->cfg.log, cap->cfg.log_ctx, RC_LOG_ERROR,
				"any: %s changes devices, and any is none: name the interfaces "
				"with -i", cap->cfg.no_offload ? "--no-offload" : "-j");
			return -EINVAL;
		}
		return capture_note_any(cap, i);
	}
	r = rc_netdev_open(&nc, &cap->netdevs[i]);
	if (r < 0)
		return r;
	r = rc_netdev_info(cap->netdevs[i], &cap->info[i]);
	/* A refusal first, before any warning about a capture that will not be. */
	if (r == 0)
		r = evidence_tstamp(cap, i);
	if (r == 0)
		r = evidence_offloads(cap, i);
	return r;
}

/* The child: waits for the capture to end, then undoes and reports. */
static void __attribute__((noreturn)) guard_child(struct rc_capture *cap, int wait_fd, int report_fd)
{
	static const int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP };
	char c;

	for (size_t k = 0; k < sizeof(ignored) / sizeof(ignored[0]); k++)
		signal(ignored[k], SIG_IGN);
	/* The rings are the capture's, not ours: no packet is queued for us. */
	for (unsigned e = 0; e < cap->n_engines; e++)
		close(rc_engine_fd(cap->engines[e]));
	while (read(wait_fd, &c, 1) < 0 && errno == EINTR)
		;
	for (unsigned i = 0; i < cap->n_ifaces; i++) {
		int r = cap->changed[i] ? rc_netdev_restore(cap->netdevs[i]) : 0;

		c = (char)(r < 0 ? -r : 0);
		if (cap->changed[i] && write(report_fd, &c, 1) != 1)
			break;
	}
	_exit(0);
}

int capture_guard_start(struct rc_capture *cap)
{
	int wait_p[2], report_p[2];
	bool any = false;
	pid_t pid;

	for (unsigned i = 0; i < cap->n_ifaces; i++)
		any |= cap->changed[i];
	if (!any)
		return 0;
	if (pipe2(wait_p, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(report_p, O_CLOEXEC) < 0) {
		close(wait_p[0]);
		close(wait_p[1]);
		return -errno;
	}
	pid = fork();
	if (pid == 0) {
		close(wait_p[1]);
		close(report_p[0]);
		guard_child(cap, wait_p[0], report_p[1]);
	}
	close(wait_p[0]);
	close(report_p[1]);
	if (pid < 0) {
		int r = -errno;

		/* Undone in this process then, if it still may. */
		close(wait_p[1]);
		close(report_p[0]);
		rc_logf(cap->cfg.log, cap->cfg.log_ctx, RC_LOG_WARNING,
			"cannot fork the process that restores the interfaces: %s; they are "
			"restored at close, if the capture still has the privilege", strerror(-r));
		return 0;
	}
	/* Ours no longer: the child undoes them. */
	for (unsigned i = 0; i < cap->n_ifaces; i++)
		if (cap->changed[i])
			rc_netdev_forget(cap->netdevs[i]);
	cap->guard_pid = pid;
	cap->guard_fd = wait_p[1];
	cap->guard_report_fd = report_p[0];
	return 0;
}

void capture_guard_finish(struct rc_capture *cap)
{
	if (cap->guard_pid <= 0)
		return;
	close(cap->guard_fd);
	for (unsigned i = 0; i < cap->n_ifaces; i++) {
		char c;

		if (!cap->changed[i])
			continue;
		if (read(cap->guard_report_fd, &c, 1) != 1)
			rc_logf(cap->cfg.log, cap->cfg.log_ctx, RC_LOG_ERROR,
				"%s: the process restoring it died: its offloads and time stamping "
				"may still be as the capture set them", cap->names[i]);
		else if (c == 0)
			rc_logf(cap->cfg.log, cap->cfg.log_ctx, RC_LOG_INFO,
				"%s: restored what the capture changed", cap->names[i]);
		else if (c != ENODEV) /* gone: it took the change with it */
			rc_logf(cap->cfg.log, cap->cfg.log_ctx, RC_LOG_ERROR,
				"%s: cannot restore what the capture changed: %s", cap->names[i],
				strerror(c));
	}
	close(cap->guard_report_fd);
	while (waitpid(cap->guard_pid, NULL, 0) < 0 && errno == EINTR)
		;
	cap->guard_pid = 0;
}
