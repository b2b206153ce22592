/* SPDX-License-Identifier: MIT */
/*
 * netns.c - see netns.h.
 */
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void rc_netns_path(const char *spec, char *buf, size_t size)
{
	if (strchr(spec, '/'))
		snprintf(buf, size, "%s", spec);
	else
		snprintf(buf, size, "/run/netns/%s", spec);
}

int rc_netns_enter(const char *spec, int *ret_saved)
{
	char path[4096];
	int fd, saved, r = 0;

	*ret_saved = -1;
	if (!spec || !*spec)
		return 0;
	rc_netns_path(spec, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (saved < 0)
		r = -errno;
	else if (setns(fd, CLONE_NEWNET) < 0)
		r = -errno;
	close(fd);
	if (r < 0) {
		if (saved >= 0)
			close(saved);
		return r;
	}
	*ret_saved = saved;
	return 0;
}

int rc_netns_leave(int saved)
{
	int r = 0;

	if (saved < 0)
		return 0;
	if (setns(saved, CLONE_NEWNET) < 0)
		r = -errno;
	close(saved);
	return r;
}
