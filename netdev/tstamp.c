/* SPDX-License-Identifier: MIT */
/*
 * tstamp.c - time stamp types: their names, the ones an interface offers,
 * and the device clock the adapter types need.
 *
 * DESIGN: the types an interface offers are libpcap's reading of
 * ETHTOOL_GET_TS_INFO (iface_get_ts_types in pcap-linux.c), so ringcap
 * and tcpdump -J agree: SOF_TIMESTAMPING_SYS_HARDWARE is adapter,
 * SOF_TIMESTAMPING_RAW_HARDWARE adapter_unsynced, and neither counts
 * unless the device stamps every received packet (HWTSTAMP_FILTER_ALL
 * in rx_filters): a NIC that stamps PTP frames only would leave the other
 * packets without a time. Two choices differ from libpcap: host is always
 * offered (a packet socket stamps every packet in software, whatever the
 * driver says), and a driver without the call offers host only, where
 * libpcap lists every type, since SIOCSHWTSTAMP would fail on it anyway.
 *
 * The device clock is one per device, shared with every socket and with
 * ptp4l: rc_netdev_enable_tstamp changes rx_filter only, keeps tx_type,
 * and saves the whole previous config to put back.
 */
#include "netdev_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <linux/sockios.h>

#include "log.h"

static const char *const nd_tstamp_names[RC_TSTAMP_TYPES] = {
	[RC_TSTAMP_HOST] = "host",
	[RC_TSTAMP_ADAPTER] = "adapter",
	[RC_TSTAMP_ADAPTER_UNSYNCED] = "adapter_unsynced",
};

const char *rc_tstamp_type_name(enum rc_tstamp_type type)
{
	return (unsigned)type < RC_TSTAMP_TYPES ? nd_tstamp_names[type] : NULL;
}

int rc_tstamp_type_from_name(const char *name, enum rc_tstamp_type *ret)
{
	/* libpcap's names for host stamps of either precision: on Linux both
	 * are the kernel's nanosecond CLOCK_REALTIME. host_hiprec_unsynced is
	 * another clock (not synced to the system's): not an alias. */
	static const char *const host_aliases[] = { "host_lowprec", "host_hiprec" };

	if (!name)
		return -EINVAL;
	for (unsigned t = 0; t < RC_TSTAMP_TYPES; t++)
		if (strcasecmp(name, nd_tstamp_names[t]) == 0) {
			*ret = (enum rc_tstamp_type)t;
			return 0;
		}
	for (size_t i = 0; i < sizeof(host_aliases) / sizeof(host_aliases[0]); i++)
		if (strcasecmp(name, host_aliases[i]) == 0) {
			*ret = RC_TSTAMP_HOST;
			return 0;
		}
	return -EINVAL;
}

unsigned nd_tstamp_types_from_info(const struct ethtool_ts_info *info)
{
	unsigned types = RC_NETDEV_TSTAMP_BIT(RC_TSTAMP_HOST);

	if (!(info->rx_filters & (1u << HWTSTAMP_FILTER_ALL)))
		return types;
	if (info->so_timestamping & SOF_TIMESTAMPING_SYS_HARDWARE)
		types |= RC_NETDEV_TSTAMP_BIT(RC_TSTAMP_ADAPTER);
	if (info->so_timestamping & SOF_TIMESTAMPING_RAW_HARDWARE)
		types |= RC_NETDEV_TSTAMP_BIT(RC_TSTAMP_ADAPTER_UNSYNCED);
	return types;
}

void nd_tstamp_types_text(unsigned types, struct nd_text *t)
{
	const char *sep = "";

	for (unsigned i = 0; i < RC_TSTAMP_TYPES; i++)
		if (types & RC_NETDEV_TSTAMP_BIT(i)) {
			nd_text_add(t, "%s%s", sep, nd_tstamp_names[i]);
			sep = ", ";
		}
}

int rc_netdev_tstamp_types(struct rc_netdev *nd, unsigned *ret)
{
	struct ethtool_ts_info info = { .cmd = ETHTOOL_GET_TS_INFO };
	int r = nd_same_device(nd);

	if (r == 0)
		r = nd_ethtool(nd, &info);

	if (r == -EOPNOTSUPP || r == -EINVAL) {
		*ret = RC_NETDEV_TSTAMP_BIT(RC_TSTAMP_HOST);
		return 0;
	}
	if (r < 0) {
		rc_logf(nd->log, nd->log_ctx, RC_LOG_ERROR, "%s: cannot read its time stamp types: %s",
			nd->ifname, r == -ENODEV ? "no such interface" : strerror(-r));
		return r;
	}
	*ret = nd_tstamp_types_from_info(&info);
	return 0;
}

static int nd_hwtstamp(struct rc_netdev *nd, unsigned long request, struct hwtstamp_config *c)
{
	struct ifreq ifr = { .ifr_data = (void *)c };

	return nd_ifreq(nd, request, &ifr);
}

/* The device's config before ours. A driver without SIOCGHWTSTAMP (the
 * get came in 3.14, long after the set) was set by nobody we can ask:
 * its previous state is taken to be off, which is how it boots. */
static int nd_hwtstamp_save(struct rc_netdev *nd)
{
	struct hwtstamp_config prev = { 0 };
	int r = nd_hwtstamp(nd, SIOCGHWTSTAMP, &prev);

	if (r == -EOPNOTSUPP) {
		prev = (struct hwtstamp_config){ .tx_type = HWTSTAMP_TX_OFF, .rx_filter = HWTSTAMP_FILTER_NONE };
		rc_logf(nd->log, nd->log_ctx, RC_LOG_WARNING,
			"%s: cannot read its time stamp config: it will be turned off, not restored, at the end",
			nd->ifname);
	} else if (r < 0) {
		return r;
	}
	nd->hwts_prev = prev;
	nd->hwts_saved = true;
	return 0;
}

static int nd_tstamp_refuse(struct rc_netdev *nd, enum rc_tstamp_type type, unsigned types)
{
	char offers[64];
	struct nd_text t;

	nd_text_init(&t, offers, sizeof(offers));
	nd_tstamp_types_text(types, &t);
	rc_logf(nd->log, nd->log_ctx, RC_LOG_ERROR, "%s has no %s time stamps (it offers: %s)", nd->ifname,
		rc_tstamp_type_name(type), offers);
	return -EOPNOTSUPP;
}

int rc_netdev_enable_tstamp(struct rc_netdev *nd, enum rc_tstamp_type type)
{
	struct hwtstamp_config want;
	bool saved_here = !nd->hwts_saved;
	unsigned types;
	int r;

	if (!rc_tstamp_type_name(type))
		return -EINVAL;
	r = rc_netdev_tstamp_types(nd, &types);
	if (r < 0)
		return r;
	if (!(types & RC_NETDEV_TSTAMP_BIT(type)))
		return nd_tstamp_refuse(nd, type, types);
	if (type == RC_TSTAMP_HOST)
		return 0;
	if (saved_here) {
		r = nd_hwtstamp_save(nd);
		if (r < 0)
			goto out_err;
	}
	want = (struct hwtstamp_config){ .tx_type = nd->hwts_prev.tx_type, .rx_filter = HWTSTAMP_FILTER_ALL };
	r = nd_hwtstamp(nd, SIOCSHWTSTAMP, &want);
	/* The driver writes back what it does: a filter it widened to ALL is
	 * fine, one it narrowed (or ERANGE) leaves packets without a stamp. */
	if (r == 0 && want.rx_filter != HWTSTAMP_FILTER_ALL)
		r = -ERANGE;
	if (r == 0)
		return 0;
	/* Undo only a save of this call: an earlier enable stays in force. */
	if (saved_here)
		nd_tstamp_restore(nd);
	if (r == -ERANGE || r == -EOPNOTSUPP)
		return nd_tstamp_refuse(nd, type, RC_NETDEV_TSTAMP_BIT(RC_TSTAMP_HOST));
out_err:
	rc_logf(nd->log, nd->log_ctx, RC_LOG_ERROR, "%s: cannot turn on its time stamp clock: %s%s",
		nd->ifname, strerror(-r), r == -EPERM ? " (it takes CAP_NET_ADMIN)" : "");
	return r;
}

int nd_tstamp_restore(struct rc_netdev *nd)
{
	struct hwtstamp_config prev;
	int r;

	if (!nd->hwts_saved)
		return 0;
	prev = nd->hwts_prev;
	r = nd_hwtstamp(nd, SIOCSHWTSTAMP, &prev);
	if (r < 0) {
		rc_logf(nd->log, nd->log_ctx, RC_LOG_ERROR, "%s: cannot restore its time stamp config: %s",
			nd->ifname, strerror(-r));
		return r;
	}
	nd->hwts_saved = false;
	return 0;
}
