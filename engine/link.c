/* SPDX-License-Identifier: MIT */
/*
 * link.c - which LINKTYPE the engine gives an interface, from its ARPHRD
 * type, and whether it reads the interface raw or cooked.
 *
 * DESIGN: the one table of the mapping, used by rc_engine_open,
 * rc_engine_iface_linktype and rc_engine_list_interfaces alike, so -D, the
 * filter's link type and the file's can never disagree. It follows
 * libpcap's map_arphrd_to_dlt (pcap-linux.c), with two deliberate changes:
 * what libpcap captures cooked gets LINKTYPE_LINUX_SLL2 rather than SLL,
 * and an ARPHRD libpcap does not know is refused (libpcap falls back to
 * cooked with a warning) so that nobody captures a link type by accident.
 *
 * Raw (SOCK_RAW) is right where the kernel hands over the frame in the
 * link type's own format: that is the frame as the device's header_ops
 * build it, or, for a device without header_ops (tun, wireguard, ipip,
 * sit, ip6tnl, raw-IP modems), the IP packet itself, which is
 * LINKTYPE_RAW. Tunnels whose devices do have header_ops (gre, ip6gre:
 * ipgre_header_ops prepend the outer header on some paths) and PPP and ATM
 * (libpcap: cooked, for their link headers are not on the socket) are
 * read cooked. Some ARPHRDs are named only to say why they are refused.
 */
#include "engine_internal.h"

#include <errno.h>
#include <stddef.h>
#include <linux/if_arp.h>

#ifndef ARPHRD_VSOCKMON
#define ARPHRD_VSOCKMON 826
#endif
#ifndef ARPHRD_MCTP
#define ARPHRD_MCTP 290
#endif

enum { REFUSED = 0 };

static const struct engine_arphrd {
	uint16_t arphrd;
	uint16_t linktype;     /* REFUSED: known by name only */
	bool cooked;
	const char *name;
} engine_arphrds[] = {
	{ ARPHRD_ETHER, RC_LINKTYPE_ETHERNET, false, "ETHER" },
	{ ARPHRD_LOOPBACK, RC_LINKTYPE_ETHERNET, false, "LOOPBACK" },
	{ ARPHRD_METRICOM, RC_LINKTYPE_ETHERNET, false, "METRICOM" },
	{ ARPHRD_EETHER, RC_LINKTYPE_EXP_ETHERNET, false, "EETHER" },
	{ ARPHRD_AX25, RC_LINKTYPE_AX25_KISS, false, "AX25" },
	{ ARPHRD_PRONET, RC_LINKTYPE_PRONET, false, "PRONET" },
	{ ARPHRD_CHAOS, RC_LINKTYPE_CHAOS, false, "CHAOS" },
	{ ARPHRD_IEEE802, RC_LINKTYPE_IEEE802_5, false, "IEEE802" },
	{ ARPHRD_IEEE802_TR, RC_LINKTYPE_IEEE802_5, false, "IEEE802_TR" },
	{ ARPHRD_ARCNET, RC_LINKTYPE_ARCNET_LINUX, false, "ARCNET" },
	{ ARPHRD_FDDI, RC_LINKTYPE_FDDI, false, "FDDI" },
	{ ARPHRD_CISCO, RC_LINKTYPE_C_HDLC, false, "CISCO" },
	{ ARPHRD_FRAD, RC_LINKTYPE_FRELAY, false, "FRAD" },
	{ ARPHRD_LOCALTLK, RC_LINKTYPE_LTALK, false, "LOCALTLK" },
	{ 18, RC_LINKTYPE_IP_OVER_FC, false, "IP_OVER_FC" }, /* no ARPHRD_ name in the uapi */
	{ ARPHRD_FCPP, RC_LINKTYPE_FC_2, false, "FCPP" },
	{ ARPHRD_FCAL, RC_LINKTYPE_FC_2, false, "FCAL" },
	{ ARPHRD_FCPL, RC_LINKTYPE_FC_2, false, "FCPL" },
	{ ARPHRD_FCFABRIC, RC_LINKTYPE_FC_2, false, "FCFABRIC" },
	{ ARPHRD_IEEE80211, RC_LINKTYPE_IEEE802_11, false, "IEEE802_11" },
	{ ARPHRD_IEEE80211_PRISM, RC_LINKTYPE_IEEE802_11_PRISM, false, "IEEE802_11_PRISM" },
	{ ARPHRD_IEEE80211_RADIOTAP, RC_LINKTYPE_IEEE802_11_RADIOTAP, false, "IEEE802_11_RADIOTAP" },
	{ ARPHRD_IEEE802154, RC_LINKTYPE_IEEE802_15_4_NOFCS, false, "IEEE802154" },
	{ ARPHRD_VSOCKMON, RC_LINKTYPE_VSOCK, false, "VSOCKMON" },
	/* The kernel's can(fd|xl)_frame, which ring.c turns into the link
	 * type's byte order and flags in place, as libpcap does. */
	{ ARPHRD_CAN, RC_LINKTYPE_CAN_SOCKETCAN, false, "CAN" },
	/* The IP packet is all there is on the socket. */
	{ ARPHRD_NONE, RC_LINKTYPE_RAW, false, "NONE" },
	{ ARPHRD_RAWIP, RC_LINKTYPE_RAW, false, "RAWIP" },
	{ ARPHRD_TUNNEL, RC_LINKTYPE_RAW, false, "TUNNEL" },
	{ ARPHRD_TUNNEL6, RC_LINKTYPE_RAW, false, "TUNNEL6" },
	{ ARPHRD_SIT, RC_LINKTYPE_RAW, false, "SIT" },
	{ ARPHRD_SLIP, RC_LINKTYPE_RAW, false, "SLIP" },
	{ ARPHRD_CSLIP, RC_LINKTYPE_RAW, false, "CSLIP" },
	{ ARPHRD_SLIP6, RC_LINKTYPE_RAW, false, "SLIP6" },
	{ ARPHRD_CSLIP6, RC_LINKTYPE_RAW, false, "CSLIP6" },
	{ ARPHRD_ADAPT, RC_LINKTYPE_RAW, false, "ADAPT" },
	{ ARPHRD_RAWHDLC, RC_LINKTYPE_RAW, false, "RAWHDLC" },
	{ ARPHRD_DLCI, RC_LINKTYPE_RAW, false, "DLCI" },
	/* Cooked: the kernel's sockaddr_ll becomes an SLL2 header. */
	{ ARPHRD_PPP, RC_LINKTYPE_LINUX_SLL2, true, "PPP" },
	{ ARPHRD_ATM, RC_LINKTYPE_LINUX_SLL2, true, "ATM" },
	{ ARPHRD_IPGRE, RC_LINKTYPE_LINUX_SLL2, true, "IPGRE" },
	{ ARPHRD_IP6GRE, RC_LINKTYPE_LINUX_SLL2, true, "IP6GRE" },
	/* Refused. NETLINK, IRDA, LAPD: their link types begin with an SLL
	 * (v1) header, which the engine does not build. */
	{ ARPHRD_NETLINK, REFUSED, false, "NETLINK" },
	{ ARPHRD_IRDA, REFUSED, false, "IRDA" },
	{ 8445, REFUSED, false, "LAPD" },
	{ ARPHRD_INFINIBAND, REFUSED, false, "INFINIBAND" },
	{ ARPHRD_IEEE1394, REFUSED, false, "IEEE1394" },
	{ ARPHRD_IEEE802154_MONITOR, REFUSED, false, "IEEE802154_MONITOR" },
	{ ARPHRD_6LOWPAN, REFUSED, false, "6LOWPAN" },
	{ ARPHRD_PHONET, REFUSED, false, "PHONET" },
	{ ARPHRD_PHONET_PIPE, REFUSED, false, "PHONET_PIPE" },
	{ ARPHRD_CAIF, REFUSED, false, "CAIF" },
	{ ARPHRD_MCTP, REFUSED, false, "MCTP" },
	{ ARPHRD_X25, REFUSED, false, "X25" },
	{ ARPHRD_HWX25, REFUSED, false, "HWX25" },
	{ ARPHRD_LAPB, REFUSED, false, "LAPB" },
	{ ARPHRD_VOID, REFUSED, false, "VOID" },
};

static const struct engine_arphrd *engine_arphrd_find(int arphrd)
{
	for (size_t i = 0; i < sizeof(engine_arphrds) / sizeof(engine_arphrds[0]); i++)
		if (engine_arphrds[i].arphrd == arphrd)
			return &engine_arphrds[i];
	return NULL;
}

int engine_link_from_arphrd(int arphrd, struct engine_link *ret)
{
	const struct engine_arphrd *a = engine_arphrd_find(arphrd);

	if (!a || a->linktype == REFUSED)
		return -EPROTONOSUPPORT;
	*ret = (struct engine_link){
		.linktype = a->linktype,
		.cooked = a->cooked,
		.loopback = arphrd == ARPHRD_LOOPBACK,
	};
	return 0;
}

const char *engine_arphrd_name(int arphrd)
{
	const struct engine_arphrd *a = engine_arphrd_find(arphrd);

	return a ? a->name : NULL;
}
