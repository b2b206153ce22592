/* SPDX-License-Identifier: MIT */
/*
 * features.c - the device features a capture depends on: read them, say
 * them, turn the receive merges off and back on.
 *
 * DESIGN: features are read by name (ETH_SS_FEATURES strings, fetched once
 * at open) and by block (ETHTOOL_GFEATURES), as `ethtool -k` reads them:
 * the legacy ETHTOOL_GGRO-style calls know neither rx-gro-hw nor
 * rx-gro-list, and bit numbers differ between kernels. A change clears
 * "requested" bits with ETHTOOL_SFEATURES; the kernel then recomputes the
 * active set (__netdev_update_features), may keep a bit on (it answers
 * ETHTOOL_F_WISH) or turn dependent bits off with it, so what changed is
 * read back, never assumed. Restore sets exactly the requested bits that
 * were cleared, and the kernel brings back what followed them.
 */
#include "netdev_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void nd_text_init(struct nd_text *t, char *buf, size_t len)
{
	*t = (struct nd_text){ .buf = buf, .len = len };
	if (buf && len)
		buf[0] = 0;
}

void nd_text_add(struct nd_text *t, const char *fmt, ...)
{
	size_t room = t->used < t->len ? t->len - t->used : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? t->buf + t->used : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* No buffer: the caller wants no text, so none is missing. */
	if ((size_t)n >= room && t->buf)
		t->cut = true;
	t->used += (size_t)n;
}

struct nd_feature nd_feature_get(const struct nd_features *f, const char *name)
{
	struct nd_feature r = { .index = -1 };

	for (unsigned i = 0; i < f->count; i++) {
		const struct ethtool_get_features_block *b = &f->blocks[i / 32];
		uint32_t bit = 1u << (i % 32);

		if (strncmp(f->names[i], name, ETH_GSTRING_LEN) != 0)
			continue;
		r.present = true;
		r.index = (int)i;
		r.active = b->active & bit;
		r.requested = b->requested & bit;
		r.fixed = !(b->available & bit) || (b->never_changed & bit);
		break;
	}
	return r;
}

/* What rc_netdev_offloads says, in this order, and what each does to a
 * capture while it is on. rx-gro-list and rx-udp-gro-forwarding work
 * inside GRO: with rx-gro off the device skips GRO altogether
 * (netif_elide_gro), so they merge nothing then. tx-generic-segmentation
 * is said but flags nothing: GSO splits in validate_xmit_skb, before
 * dev_queue_xmit_nit hands the packet to packet sockets, so they see
 * the segments; TSO, USO and UFO split after, in the device. */
static const struct {
	const char *name;
	unsigned flag;
	const char *needs;
} nd_relevant[] = {
	{ "rx-gro", RC_NETDEV_F_RX_MERGE, NULL },
	{ "rx-lro", RC_NETDEV_F_RX_MERGE, NULL },
	{ "rx-gro-hw", RC_NETDEV_F_RX_MERGE, NULL },
	{ "rx-gro-list", RC_NETDEV_F_RX_MERGE, "rx-gro" },
	{ "rx-udp-gro-forwarding", RC_NETDEV_F_RX_MERGE, "rx-gro" },
	{ "tx-tcp-segmentation", RC_NETDEV_F_TX_SEGMENT, NULL },
	{ "tx-tcp6-segmentation", RC_NETDEV_F_TX_SEGMENT, NULL },
	{ "tx-generic-segmentation", 0, NULL },
	{ "tx-udp-segmentation", RC_NETDEV_F_TX_SEGMENT, NULL },
	{ "tx-udp-fragmentation", RC_NETDEV_F_TX_SEGMENT, NULL }, /* UFO, gone in 4.16 */
	{ "rx-vlan-hw-parse", 0, NULL },   /* the engine puts stripped tags back */
	{ "rx-checksum", 0, NULL },        /* checks, changes no byte */
	{ "tx-checksum-ipv4", RC_NETDEV_F_TX_CSUM, NULL },
	{ "tx-checksum-ip-generic", RC_NETDEV_F_TX_CSUM, NULL },
	{ "tx-checksum-ipv6", RC_NETDEV_F_TX_CSUM, NULL },
	{ "tx-checksum-sctp", RC_NETDEV_F_TX_CSUM, NULL },
	{ "tx-checksum-fcoe-crc", 0, NULL },
};

const char *const nd_rx_merge_features[] = { "rx-gro", "rx-lro", "rx-gro-hw", "rx-gro-list", NULL };

int nd_offloads_format(const struct nd_features *f, struct nd_text *t)
{
	const char *sep = "";
	unsigned flags = 0;

	for (size_t i = 0; i < sizeof(nd_relevant) / sizeof(nd_relevant[0]); i++) {
		struct nd_feature x = nd_feature_get(f, nd_relevant[i].name);

		if (!x.present)
			continue;
		nd_text_add(t, "%s%s %s%s", sep, nd_relevant[i].name, x.active ? "on" : "off",
			    x.fixed ? " [fixed]" : "");
		sep = ", ";
		if (x.active && (!nd_relevant[i].needs || nd_feature_get(f, nd_relevant[i].needs).active))
			flags |= nd_relevant[i].flag;
	}
	return t->cut ? -ENOSPC : (int)flags;
}

/* The names, once: GSSET_INFO for their count, GSTRINGS for them. */
static int nd_features_count(struct rc_netdev *nd, uint32_t *ret)
{
	struct ethtool_sset_info *info = calloc(1, sizeof(*info) + sizeof(uint32_t));
	int r;

	if (!info)
		return -ENOMEM;
	info->cmd = ETHTOOL_GSSET_INFO;
	info->sset_mask = 1ull << ETH_SS_FEATURES;
	r = nd_ethtool(nd, info);
	*ret = r >= 0 && (info->sset_mask & (1ull << ETH_SS_FEATURES)) ? info->data[0] : 0;
	free(info);
	return r;
}

int nd_features_load_names(struct rc_netdev *nd)
{
	struct ethtool_gstrings *s;
	uint32_t count;
	int r = nd_features_count(nd, &count);

	/* A kernel without the string set (before 2.6.39) has no features
	 * to tell: rc_netdev_offloads says -EOPNOTSUPP, open goes on. */
	if (r < 0 || !count)
		return r == -ENODEV || r == -ENOMEM ? r : 0;
	s = calloc(1, sizeof(*s) + (size_t)count * ETH_GSTRING_LEN);
	if (!s)
		return -ENOMEM;
	s->cmd = ETHTOOL_GSTRINGS;
	s->string_set = ETH_SS_FEATURES;
	s->len = count;
	r = nd_ethtool(nd, s);
	if (r >= 0 && s->len <= count) {
		nd->names = malloc((size_t)s->len * ETH_GSTRING_LEN);
		if (nd->names) {
			memcpy(nd->names, s->data, (size_t)s->len * ETH_GSTRING_LEN);
			nd->n_features = s->len;
		}
		r = nd->names ? 0 : -ENOMEM;
	}
	free(s);
	return r == -ENODEV || r == -ENOMEM ? r : 0;
}

/* ETHTOOL_GFEATURES into a table over the names; free *ret_g after. */
static int nd_features_read(struct rc_netdev *nd, struct nd_features *ret, struct ethtool_gfeatures **ret_g)
{
	unsigned blocks = ND_BLOCKS(nd->n_features);
	struct ethtool_gfeatures *g;
	int r;

	if (!nd->n_features)
		return -EOPNOTSUPP;
	r = nd_same_device(nd);
	if (r < 0)
		return r;
	g = calloc(1, sizeof(*g) + blocks * sizeof(g->features[0]));
	if (!g)
		return -ENOMEM;
	g->cmd = ETHTOOL_GFEATURES;
	g->size = blocks;
	r = nd_ethtool(nd, g);
	if (r < 0) {
		free(g);
		return r;
	}
	*ret = (struct nd_features){ .count = nd->n_features, .names = (const char (*)[ETH_GSTRING_LEN])nd->names,
				     .blocks = g->features };
	*ret_g = g;
	return 0;
}

static int nd_features_error(struct rc_netdev *nd, int r, const char *what)
{
	rc_logf(nd->log, nd->log_ctx, RC_LOG_ERROR, "%s: cannot %s its features: %s%s", nd->ifname, what,
		r == -ENODEV ? "no such interface" : strerror(-r),
		r == -EPERM ? " (it takes CAP_NET_ADMIN)" : "");
	return r;
}

int rc_netdev_offloads(struct rc_netdev *nd, char *buf, size_t len)
{
	struct ethtool_gfeatures *g;
	struct nd_features f;
	struct nd_text t;
	int r = nd_features_read(nd, &f, &g);

	nd_text_init(&t, buf, len);
	if (r < 0)
		return nd_features_error(nd, r, "read");
	r = nd_offloads_format(&f, &t);
	free(g);
	return r;
}

/* ETHTOOL_SFEATURES: the bits of mask (a word per block) requested on or off. */
static int nd_features_set(struct rc_netdev *nd, const uint32_t *mask, bool on)
{
	unsigned blocks = ND_BLOCKS(nd->n_features);
	struct ethtool_sfeatures *s = calloc(1, sizeof(*s) + blocks * sizeof(s->features[0]));
	int r;

	if (!s)
		return -ENOMEM;
	s->cmd = ETHTOOL_SFEATURES;
	s->size = blocks;
	for (unsigned i = 0; i < blocks; i++) {
		s->features[i].valid = mask[i];
		s->features[i].requested = on ? mask[i] : 0;
	}
	r = nd_ethtool(nd, s);
	free(s);
	/* A positive answer is ETHTOOL_F_WISH and co.: the caller reads back. */
	return r < 0 ? r : 0;
}

/* The receive merges that are on and that the device lets us change. */
static unsigned nd_rx_merge_mask(const struct nd_features *f, uint32_t *mask)
{
	unsigned n = 0;

	for (const char *const *name = nd_rx_merge_features; *name; name++) {
		struct nd_feature x = nd_feature_get(f, *name);

		if (x.present && x.active && !x.fixed) {
			mask[x.index / 32] |= 1u << (x.index % 32);
			n++;
		}
	}
	return n;
}

int nd_describe_change(const struct nd_features *before, const struct nd_features *after, struct nd_text *t)
{
	const char *sep = "";
	int off = 0;

	nd_text_add(t, "changed:");
	for (size_t i = 0; i < sizeof(nd_relevant) / sizeof(nd_relevant[0]); i++) {
		struct nd_feature b = nd_feature_get(before, nd_relevant[i].name);
		struct nd_feature a = nd_feature_get(after, nd_relevant[i].name);

		if (!b.present || a.active == b.active)
			continue;
		nd_text_add(t, "%s %s %s", *sep ? sep : "", nd_relevant[i].name, b.active ? "on->off" : "off->on");
		sep = ",";
	}
	if (!*sep)
		nd_text_add(t, " none");
	sep = "; kept:";
	for (const char *const *name = nd_rx_merge_features; *name; name++) {
		struct nd_feature a = nd_feature_get(after, *name);

		off += nd_feature_get(before, *name).active && !a.active;
		if (a.present && a.active) {
			nd_text_add(t, "%s %s on%s", sep, *name, a.fixed ? " [fixed]" : "");
			sep = ",";
		}
	}
	return off;
}

/* Adds to nd->cleared the bits of mask whose request went from on to off,
 * and says the command that undoes them should restore never run. */
static int nd_remember_cleared(struct rc_netdev *nd, const struct nd_features *before,
			       const struct nd_features *after, const uint32_t *mask)
{
	unsigned blocks = ND_BLOCKS(nd->n_features);
	char cmd[256];
	struct nd_text t;

	if (!nd->cleared) {
		nd->cleared = calloc(blocks, sizeof(uint32_t));
		if (!nd->cleared)
			return -ENOMEM;
	}
	nd_text_init(&t, cmd, sizeof(cmd));
	for (unsigned i = 0; i < nd->n_features; i++) {
		uint32_t bit = 1u << (i % 32);

		if (!(mask[i / 32] & bit) || !(before->blocks[i / 32].requested & bit) ||
		    (after->blocks[i / 32].requested & bit))
			continue;
		nd->cleared[i / 32] |= bit;
		nd_text_add(&t, " %.*s on", ETH_GSTRING_LEN, nd->names[i]);
	}
	if (t.used)
		rc_logf(nd->log, nd->log_ctx, RC_LOG_DEBUG,
			"%s: receive offloads off; by hand, ethtool -K %s%s undoes it", nd->ifname,
			nd->ifname, cmd);
	return 0;
}

int rc_netdev_disable_rx_offloads(struct rc_netdev *nd, char *buf, size_t len)
{
	struct ethtool_gfeatures *gb = NULL, *ga = NULL;
	struct nd_features before, after;
	uint32_t *mask = NULL;
	struct nd_text t;
	int r = nd_features_read(nd, &before, &gb);

	nd_text_init(&t, buf, len);
	if (r < 0)
		return nd_features_error(nd, r, "read");
	mask = calloc(ND_BLOCKS(nd->n_features), sizeof(uint32_t));
	if (!mask) {
		r = -ENOMEM;
		goto out;
	}
	if (nd_rx_merge_mask(&before, mask) > 0) {
		r = nd_features_set(nd, mask, false);
		if (r < 0) {
			nd_features_error(nd, r, "change");
			goto out;
		}
	}
	r = nd_features_read(nd, &after, &ga);
	if (r < 0) {
		nd_features_error(nd, r, "read back");
		goto out;
	}
	r = nd_remember_cleared(nd, &before, &after, mask);
	if (r == 0)
		r = nd_describe_change(&before, &after, &t);
out:
	free(mask);
	free(gb);
	free(ga);
	return r;
}

int nd_features_restore(struct rc_netdev *nd)
{
	struct ethtool_gfeatures *g;
	struct nd_features f;
	int r;

	if (!nd->cleared)
		return 0;
	r = nd_features_set(nd, nd->cleared, true);
	if (r < 0)
		return nd_features_error(nd, r, "restore");
	r = nd_features_read(nd, &f, &g);
	if (r < 0)
		return nd_features_error(nd, r, "read back");
	for (unsigned i = 0; i < ND_BLOCKS(nd->n_features); i++)
		if ((g->features[i].requested & nd->cleared[i]) != nd->cleared[i])
			r = -EIO;
	free(g);
	if (r < 0) {
		rc_logf(nd->log, nd->log_ctx, RC_LOG_ERROR,
			"%s: the kernel did not take back the features ringcap turned off", nd->ifname);
		return r;
	}
	free(nd->cleared);
	nd->cleared = NULL;
	return 0;
}
