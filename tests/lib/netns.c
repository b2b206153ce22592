/* SPDX-License-Identifier: MIT */
/*
 * netns.c - see netns.h. Namespaces are created with `ip netns add` so a
 * leftover one is visible to `ip netns list` and removable by hand; an
 * atexit hook removes the current one even when a test fails midway.
 */
#include "netns.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

const uint8_t netns_mac_capture[6] = { 0x02, 0x72, 0x63, 0x00, 0x00, 0x01 };
const uint8_t netns_mac_sender[6] = { 0x02, 0x72, 0x63, 0x00, 0x00, 0x02 };

static char ns_name[64];
static int home_fd = -1;
static bool hook_set;

int netns_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

void netns_leave(void)
{
	if (!ns_name[0])
		return;
	if (home_fd >= 0) {
		setns(home_fd, CLONE_NEWNET);
		close(home_fd);
		home_fd = -1;
	}
	netns_sh("ip netns del %s 2>/dev/null", ns_name);
	ns_name[0] = 0;
}

static int write_proc(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, value, strlen(value));
	close(fd);
	return n < 0 ? -1 : 0;
}

int netns_enter(void)
{
	static unsigned counter;
	char path[128];
	int fd;

	if (!hook_set) {
		atexit(netns_leave);
		hook_set = true;
	}
	snprintf(ns_name, sizeof(ns_name), "rci-%d-%u", (int)getpid(), counter++);
	if (netns_sh("ip netns add %s", ns_name) != 0)
		return -1;
	home_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/run/netns/%s", ns_name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (home_fd < 0 || fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		if (fd >= 0)
			close(fd);
		netns_leave();
		return -1;
	}
	close(fd);
	/* /proc/sys/net follows the namespace of the task that opens it. */
	write_proc("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_proc("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	if (netns_sh("ip link set lo up && "
		     "ip link add rc0 address 02:72:63:00:00:01 mtu 9000 type veth "
		     "peer name rc1 address 02:72:63:00:00:02 mtu 9000 && "
		     "ip link set rc0 up && ip link set rc1 up") != 0)
		return -1;
	return netns_wait_running("rc0") == 0 && netns_wait_running("rc1") == 0 ? 0 : -1;
}

/* The carrier comes up asynchronously (the kernel's link watch); a frame
 * sent before it is dropped, so tests wait for IFF_RUNNING first. */
int netns_wait_running(const char *ifname)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = -1;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	for (int i = 0; fd >= 0 && i < 300; i++) {
		if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_RUNNING)) {
			r = 0;
			break;
		}
		usleep(10000);
	}
	if (fd >= 0)
		close(fd);
	return r;
}

/* The raw dev->flags, from sysfs: SIOCGIFFLAGS and netlink report only the
 * promiscuity a user set by hand (dev->gflags), not that of packet sockets.
 * `ip netns exec` mounts a sysfs of the namespace for the reading. */
int netns_if_flags(const char *ifname)
{
	char cmd[256];
	FILE *p;
	int flags = -1;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /sys/class/net/%s/flags", ns_name, ifname);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fscanf(p, "%i", &flags) != 1)
		flags = -1;
	pclose(p);
	return flags;
}

bool netns_have_root(void)
{
	return geteuid() == 0;
}
