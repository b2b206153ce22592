/* SPDX-License-Identifier: MIT */
/*
 * netdev_internal.h - the handle, and the feature table with the pure
 * functions over it that the unit tests drive on canned tables (private:
 * not installed).
 */
#ifndef RINGCAP_NETDEV_INTERNAL_H
#define RINGCAP_NETDEV_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/ethtool.h>
#include <linux/net_tstamp.h>
#include <net/if.h>

#include <ringcap/netdev.h>

struct rc_netdev {
	int fd;                 /* the control socket, in the namespace of open */
	int ifindex;            /* of the device we change, to know it on restore */
	char ifname[IF_NAMESIZE];
	rc_log_fn log;
	void *log_ctx;
	/* ETH_SS_FEATURES: the kernel's feature names, fixed while it runs. */
	unsigned n_features;
	char (*names)[ETH_GSTRING_LEN];
	/* Requested bits rc_netdev_disable_rx_offloads cleared, a word per
	 * block of 32 features: what restore sets again. */
	uint32_t *cleared;
	bool hwts_saved;
	struct hwtstamp_config hwts_prev;
};

/* One read of ETHTOOL_GFEATURES with the names it is about. */
struct nd_features {
	unsigned count;
	const char (*names)[ETH_GSTRING_LEN];
	const struct ethtool_get_features_block *blocks; /* (count + 31) / 32 */
};

struct nd_feature {
	bool present;       /* the kernel knows the name */
	bool active;
	bool requested;
	bool fixed;         /* not available, or never changeable: ethtool's [fixed] */
	int index;
};

#define ND_BLOCKS(n) (((n) + 31u) / 32u)

struct nd_feature nd_feature_get(const struct nd_features *f, const char *name);

/* A line built piece by piece into a caller's buffer (which may be NULL
 * with len 0: no text wanted); cut records that it did not all fit. */
struct nd_text {
	char *buf;
	size_t len;
	size_t used;
	bool cut;
};
void nd_text_init(struct nd_text *t, char *buf, size_t len);
void nd_text_add(struct nd_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* rc_netdev_offloads on a table: the text and the RC_NETDEV_F_* flags. */
int nd_offloads_format(const struct nd_features *f, struct nd_text *t);
/* rc_netdev_disable_rx_offloads's text, "changed: rx-gro on->off, ...;
 * kept: rx-gro-hw on [fixed]": every capture-relevant feature whose state
 * moved (dependent ones too), then the receive merges still on. Returns
 * how many of those went off. */
int nd_describe_change(const struct nd_features *before, const struct nd_features *after, struct nd_text *t);
/* The features rc_netdev_disable_rx_offloads asks off, NULL-terminated. */
extern const char *const nd_rx_merge_features[];

/* The types ETHTOOL_GET_TS_INFO's answer offers, as RC_NETDEV_TSTAMP_BIT;
 * "host, adapter" into t. */
unsigned nd_tstamp_types_from_info(const struct ethtool_ts_info *info);
void nd_tstamp_types_text(unsigned types, struct nd_text *t);

/* The ioctls on the kept socket; >= 0 or -errno. */
int nd_ethtool(struct rc_netdev *nd, void *cmd);
int nd_ifreq(struct rc_netdev *nd, unsigned long request, struct ifreq *ifr);
/* 0 if ifname still names the device this handle opened, else -ENODEV. */
int nd_same_device(struct rc_netdev *nd);

/* features.c and tstamp.c's halves of rc_netdev_open and restore. */
int nd_features_load_names(struct rc_netdev *nd);
int nd_features_restore(struct rc_netdev *nd);
int nd_tstamp_restore(struct rc_netdev *nd);

#endif
