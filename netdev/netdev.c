/* SPDX-License-Identifier: MIT */
/*
 * netdev.c - the handle, its control socket, the interface block's facts
 * (driver, address, speed, kernel) and the restore that undoes features.c
 * and tstamp.c.
 *
 * DESIGN: every ioctl names the device by ifname on the socket opened in
 * rc_netdev_open, because a socket's ioctls act in the namespace the
 * socket was created in (sock_net(), in sock_do_ioctl and dev_ioctl), not
 * in the caller's current one. The ifindex found at open guards restore:
 * should the device go and another take its name, restore must not
 * "restore" the newcomer.
 */
#include "netdev_internal.h"

#include <errno.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "log.h"
#include "opts.h"

int nd_ifreq(struct rc_netdev *nd, unsigned long request, struct ifreq *ifr)
{
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", nd->ifname);
	if (ioctl(nd->fd, request, ifr) < 0)
		return -errno;
	return 0;
}

int nd_ethtool(struct rc_netdev *nd, void *cmd)
{
	struct ifreq ifr = { .ifr_data = cmd };
	int r;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", nd->ifname);
	/* ETHTOOL_SFEATURES answers with ETHTOOL_F_* flags: keep them. */
	r = ioctl(nd->fd, SIOCETHTOOL, &ifr);
	return r < 0 ? -errno : r;
}

int nd_same_device(struct rc_netdev *nd)
{
	struct ifreq ifr = { 0 };
	int r = nd_ifreq(nd, SIOCGIFINDEX, &ifr);

	if (r == -ENODEV || (r == 0 && ifr.ifr_ifindex != nd->ifindex))
		return -ENODEV;
	return r;
}

/* AF_INET first, as ethtool does; AF_UNIX where IPv4 is compiled out.
 * Either reaches dev_ioctl for the SIOCETHTOOL and SIOCGIF* requests. */
static int nd_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

static int nd_find(struct rc_netdev *nd)
{
	struct ifreq ifr = { 0 };
	int r;

	r = nd_ifreq(nd, SIOCGIFINDEX, &ifr);
	if (r < 0) {
		rc_logf(nd->log, nd->log_ctx, RC_LOG_ERROR, "%s: %s", nd->ifname,
			r == -ENODEV ? "no such interface" : strerror(-r));
		return r;
	}
	nd->ifindex = ifr.ifr_ifindex;
	return 0;
}

int rc_netdev_open(const struct rc_netdev_config *config, struct rc_netdev **ret)
{
	struct rc_netdev_config c;
	struct rc_netdev *nd;
	int r = rc_opts_copy(&c, sizeof(c), config);

	if (r < 0) {
		rc_opts_log_error(r, "rc_netdev_config", c.log, c.log_ctx);
		return r;
	}
	if (!c.ifname || !c.ifname[0]) {
		rc_logf(c.log, c.log_ctx, RC_LOG_ERROR, "rc_netdev_config: no ifname");
		return -EINVAL;
	}
	/* Cut to IF_NAMESIZE, it would name another device. */
	if (strlen(c.ifname) >= IF_NAMESIZE) {
		rc_logf(c.log, c.log_ctx, RC_LOG_ERROR, "%s: no such interface (names are shorter)",
			c.ifname);
		return -ENODEV;
	}
	nd = calloc(1, sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	nd->log = c.log;
	nd->log_ctx = c.log_ctx;
	snprintf(nd->ifname, sizeof(nd->ifname), "%s", c.ifname);
	nd->fd = nd_socket();
	if (nd->fd < 0) {
		r = nd->fd;
		rc_logf(nd->log, nd->log_ctx, RC_LOG_ERROR, "%s: no control socket: %s", nd->ifname,
			strerror(-r));
		goto out_free;
	}
	r = nd_find(nd);
	if (r == 0)
		r = nd_features_load_names(nd);
	if (r < 0)
		goto out_free;
	*ret = nd;
	return 0;
out_free:
	rc_netdev_close(nd);
	return r;
}

void rc_netdev_close(struct rc_netdev *nd)
{
	if (!nd)
		return;
	if (nd->fd >= 0) {
		rc_netdev_restore(nd);
		close(nd->fd);
	}
	free(nd->names);
	free(nd->cleared);
	free(nd);
}

int rc_netdev_restore(struct rc_netdev *nd)
{
	int r, r2;

	if (!nd->hwts_saved && !nd->cleared)
		return 0;
	r = nd_same_device(nd);
	if (r == -ENODEV) {
		rc_logf(nd->log, nd->log_ctx, RC_LOG_WARNING,
			"%s: gone: what ringcap changed on it went with it", nd->ifname);
		nd->hwts_saved = false;
		free(nd->cleared);
		nd->cleared = NULL;
		return r;
	}
	/* Both, even if the first fails: each undoes a change of its own. */
	r = nd_tstamp_restore(nd);
	r2 = nd_features_restore(nd);
	return r < 0 ? r : r2;
}

void rc_netdev_forget(struct rc_netdev *nd)
{
	nd->hwts_saved = false;
	free(nd->cleared);
	nd->cleared = NULL;
}

/* The kernel's strings are NUL-padded to their fields (strscpy). */
static void nd_copy_str(char *dst, size_t dst_size, const char *src, size_t src_size)
{
	size_t n = strnlen(src, src_size);

	if (n >= dst_size)
		n = dst_size - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static void nd_info_drv(struct rc_netdev *nd, struct rc_netdev_info *info)
{
	struct ethtool_drvinfo d = { .cmd = ETHTOOL_GDRVINFO };
	struct nd_text t;

	if (nd_ethtool(nd, &d) < 0)
		return;
	nd_copy_str(info->driver, sizeof(info->driver), d.driver, sizeof(d.driver));
	nd_copy_str(info->version, sizeof(info->version), d.version, sizeof(d.version));
	nd_copy_str(info->firmware, sizeof(info->firmware), d.fw_version, sizeof(d.fw_version));
	nd_copy_str(info->bus, sizeof(info->bus), d.bus_info, sizeof(d.bus_info));
	/* "veth 1.0" on a veth (no firmware, no bus); drivers that report
	 * "N/A" for them are passed through as they say it. */
	nd_text_init(&t, info->hardware, sizeof(info->hardware));
	nd_text_add(&t, "%s", info->driver);
	if (info->version[0])
		nd_text_add(&t, " %s", info->version);
	if (info->firmware[0])
		nd_text_add(&t, ", firmware %s", info->firmware);
	if (info->bus[0])
		nd_text_add(&t, ", bus %s", info->bus);
}

/* The bytes of the hardware address that mean something, by link type:
 * SIOCGIFHWADDR's sa_data has 14 and dev->addr_len is not in the answer. */
static uint8_t nd_addr_len(uint16_t arphrd)
{
	switch (arphrd) {
	case ARPHRD_ETHER:
	case ARPHRD_IEEE802:
	case ARPHRD_IEEE80211:
	case ARPHRD_IEEE80211_RADIOTAP:
	case ARPHRD_FDDI:
		return 6;
	case ARPHRD_EUI64:
	case ARPHRD_IEEE802154:
		return 8;
	default:
		/* Loopback's zeros, tun's none, InfiniBand's 20 (cut at 14). */
		return 0;
	}
}

static int nd_info_addr(struct rc_netdev *nd, struct rc_netdev_info *info)
{
	struct ifreq ifr = { 0 };
	int r = nd_ifreq(nd, SIOCGIFHWADDR, &ifr);

	if (r < 0)
		return r;
	info->arphrd = ifr.ifr_hwaddr.sa_family;
	info->addr_len = nd_addr_len(info->arphrd);
	memcpy(info->addr, ifr.ifr_hwaddr.sa_data, info->addr_len);
	return 0;
}

/* ETHTOOL_GLINKSETTINGS's handshake: asked with 0 mask words, the kernel
 * answers with minus the number it wants (ethtool_get_link_ksettings),
 * and only the second call, with that many, fills the settings. */
static uint32_t nd_speed_mbps_ksettings(struct rc_netdev *nd)
{
	struct ethtool_link_settings probe = { .cmd = ETHTOOL_GLINKSETTINGS }, *s;
	size_t words;
	uint32_t speed = SPEED_UNKNOWN;

	if (nd_ethtool(nd, &probe) < 0 || probe.link_mode_masks_nwords >= 0)
		return 0;
	words = (size_t)-probe.link_mode_masks_nwords;
	s = calloc(1, sizeof(*s) + 3 * words * sizeof(uint32_t));
	if (!s)
		return 0;
	s->cmd = ETHTOOL_GLINKSETTINGS;
	s->link_mode_masks_nwords = (int8_t)words;
	if (nd_ethtool(nd, s) == 0 && s->link_mode_masks_nwords > 0)
		speed = s->speed;
	free(s);
	return speed == (uint32_t)SPEED_UNKNOWN ? 0 : speed;
}

static uint32_t nd_speed_mbps(struct rc_netdev *nd)
{
	struct ethtool_cmd legacy = { .cmd = ETHTOOL_GSET };
	uint32_t speed = nd_speed_mbps_ksettings(nd);

	if (speed)
		return speed;
	/* Drivers from before link settings (4.6) answer ETHTOOL_GSET only. */
	if (nd_ethtool(nd, &legacy) < 0)
		return 0;
	speed = ethtool_cmd_speed(&legacy);
	return speed == (uint32_t)SPEED_UNKNOWN ? 0 : speed;
}

int rc_netdev_info(struct rc_netdev *nd, struct rc_netdev_info *ret)
{
	struct rc_netdev_info info = { 0 };
	struct utsname u;
	struct nd_text os;
	size_t sz;
	int r;

	if (!ret || ret->sz < sizeof(ret->sz))
		return -EINVAL;
	sz = ret->sz < sizeof(info) ? ret->sz : sizeof(info);
	r = nd_same_device(nd);
	if (r == 0)
		r = nd_info_addr(nd, &info);
	if (r < 0) {
		rc_logf(nd->log, nd->log_ctx, RC_LOG_ERROR, "%s: %s", nd->ifname,
			r == -ENODEV ? "no such interface" : strerror(-r));
		return r;
	}
	nd_info_drv(nd, &info);
	info.speed_bps = (uint64_t)nd_speed_mbps(nd) * 1000000u;
	nd_text_init(&os, info.os, sizeof(info.os));
	if (uname(&u) == 0)
		nd_text_add(&os, "%s %s", u.sysname, u.release);
	info.sz = sz;
	memcpy(ret, &info, sz);
	return 0;
}
