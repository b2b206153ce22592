/* SPDX-License-Identifier: MIT */
/*
 * tstamp.c - see tstamp.h.
 *
 * DESIGN: -J asks the interface, through the netdev module, in the
 * namespace of --netns; -j only parses here, and whether the interface
 * offers the type is the capture's to check at open, with the list of
 * what it does offer in its message.
 */
#include "tstamp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ringcap/capture.h>
#include <ringcap/netdev.h>

#include "report.h"

/* libpcap's descriptions, as tcpdump -J prints them. */
static const char *const descriptions[RC_TSTAMP_TYPES] = {
	[RC_TSTAMP_HOST] = "Host",
	[RC_TSTAMP_ADAPTER] = "Adapter",
	[RC_TSTAMP_ADAPTER_UNSYNCED] = "Adapter, not synced with system time",
};

struct tstamp_query {
	const char *ifname;
	unsigned types;
};

static int tstamp_query(void *ctx)
{
	struct tstamp_query *q = ctx;
	RC_OPTS(rc_netdev_config, c, .ifname = q->ifname, .log = report_log);
	struct rc_netdev *nd;
	int r = rc_netdev_open(&c, &nd);

	if (r < 0)
		return r;
	r = rc_netdev_tstamp_types(nd, &q->types);
	rc_netdev_close(nd);
	return r;
}

int cli_tstamp_list(const struct cli_options *o, const char *ifname)
{
	struct tstamp_query q = { .ifname = ifname };
	int r = rc_capture_in_netns(o->netns, tstamp_query, &q);

	if (r == -ENODEV) {
		report_line("%s: no such interface (ringcap -D lists them)", ifname);
		return 1;
	}
	if (r < 0) {
		report_line("-J %s: %s", ifname, strerror(-r));
		return 1;
	}
	printf("Time stamp types for %s (use option -j to set):\n", ifname);
	for (unsigned t = 0; t < RC_TSTAMP_TYPES; t++)
		if (q.types & RC_NETDEV_TSTAMP_BIT(t))
			printf("  %s (%s)\n", rc_tstamp_type_name((enum rc_tstamp_type)t), descriptions[t]);
	return 0;
}

int cli_tstamp_parse(const char *name, enum rc_tstamp_type *ret)
{
	if (rc_tstamp_type_from_name(name, ret) == 0)
		return 0;
	report_line("-j %s: not a time stamp type (host, adapter, adapter_unsynced; "
		    "ringcap -J -i IFACE lists an interface's)", name);
	return 2;
}
