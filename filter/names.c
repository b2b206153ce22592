/* SPDX-License-Identifier: MIT */
/*
 * names.c - the names the filter language accepts for numbers: services,
 * IP protocols, Ethernet types, and the named offsets and values of
 * pcap-filter(7) ("tcpflags", "tcp-syn", "icmp-echoreply").
 *
 * DESIGN: built-in tables rather than /etc/services and /etc/protocols, so
 * a filter means the same on every machine and compiling never touches the
 * file system (the engine may run in a container without those files).
 * libpcap consults the system files; the common names agree.
 */
#include "filter_internal.h"

#include <string.h>

struct names_entry {
	const char *name;
	uint32_t value;
};

static bool names_find(const struct names_entry *tab, size_t n, const char *name, size_t len,
		       uint32_t *ret)
{
	for (size_t i = 0; i < n; i++) {
		if (strlen(tab[i].name) == len && strncmp(tab[i].name, name, len) == 0) {
			*ret = tab[i].value;
			return true;
		}
	}
	return false;
}

#define NAMES_FIND(tab, name, len, ret) names_find(tab, sizeof(tab) / sizeof(tab[0]), name, len, ret)

bool rc_filter_service_port(const char *name, size_t len, uint32_t *ret)
{
	static const struct names_entry tab[] = {
		{ "echo", 7 }, { "discard", 9 }, { "daytime", 13 }, { "ftp-data", 20 },
		{ "ftp", 21 }, { "ssh", 22 }, { "telnet", 23 }, { "smtp", 25 }, { "time", 37 },
		{ "whois", 43 }, { "domain", 53 }, { "bootps", 67 }, { "bootpc", 68 },
		{ "tftp", 69 }, { "gopher", 70 }, { "finger", 79 }, { "http", 80 }, { "www", 80 },
		{ "kerberos", 88 }, { "pop3", 110 }, { "sunrpc", 111 }, { "auth", 113 },
		{ "nntp", 119 }, { "ntp", 123 }, { "netbios-ns", 137 }, { "netbios-dgm", 138 },
		{ "netbios-ssn", 139 }, { "imap", 143 }, { "imap2", 143 }, { "snmp", 161 },
		{ "snmp-trap", 162 }, { "bgp", 179 }, { "ldap", 389 }, { "https", 443 },
		{ "microsoft-ds", 445 }, { "isakmp", 500 }, { "syslog", 514 }, { "rip", 520 },
		{ "submission", 587 }, { "ldaps", 636 }, { "rsync", 873 }, { "imaps", 993 },
		{ "pop3s", 995 }, { "openvpn", 1194 }, { "radius", 1812 }, { "nfs", 2049 },
		{ "mysql", 3306 }, { "ipsec-nat-t", 4500 }, { "sip", 5060 },
		{ "postgresql", 5432 }, { "http-alt", 8080 },
	};

	return NAMES_FIND(tab, name, len, ret);
}

bool rc_filter_ip_proto_number(const char *name, size_t len, uint32_t *ret)
{
	static const struct names_entry tab[] = {
		{ "ip", 0 }, { "icmp", 1 }, { "igmp", 2 }, { "ggp", 3 }, { "ipencap", 4 },
		{ "ipip", 4 }, { "st", 5 }, { "tcp", 6 }, { "egp", 8 }, { "igrp", 9 },
		{ "pup", 12 }, { "udp", 17 }, { "hmp", 20 }, { "xns-idp", 22 }, { "rdp", 27 },
		{ "iso-tp4", 29 }, { "dccp", 33 }, { "xtp", 36 }, { "ddp", 37 },
		{ "idpr-cmtp", 38 }, { "ipv6", 41 }, { "ipv6-route", 43 }, { "ipv6-frag", 44 },
		{ "idrp", 45 }, { "rsvp", 46 }, { "gre", 47 }, { "esp", 50 }, { "ah", 51 },
		{ "skip", 57 }, { "icmp6", 58 }, { "ipv6-icmp", 58 }, { "ipv6-nonxt", 59 },
		{ "ipv6-opts", 60 }, { "rspf", 73 }, { "vmtp", 81 }, { "eigrp", 88 },
		{ "ospf", 89 }, { "ax.25", 93 }, { "ipip", 94 }, { "etherip", 97 },
		{ "encap", 98 }, { "pim", 103 }, { "ipcomp", 108 }, { "vrrp", 112 },
		{ "carp", 112 }, { "l2tp", 115 }, { "isis", 124 }, { "sctp", 132 },
		{ "fc", 133 }, { "mobility-header", 135 }, { "udplite", 136 },
		{ "mpls-in-ip", 137 }, { "manet", 138 }, { "hip", 139 }, { "shim6", 140 },
		{ "wesp", 141 }, { "rohc", 142 },
	};

	return NAMES_FIND(tab, name, len, ret);
}

bool rc_filter_ether_proto_number(const char *name, size_t len, uint32_t *ret)
{
	static const struct names_entry tab[] = {
		{ "ip", 0x0800 }, { "ip6", 0x86dd }, { "arp", 0x0806 }, { "rarp", 0x8035 },
		{ "atalk", 0x809b }, { "aarp", 0x80f3 }, { "decnet", 0x6003 }, { "sca", 0x6007 },
		{ "lat", 0x6004 }, { "mopdl", 0x6001 }, { "moprc", 0x6002 }, { "pup", 0x0200 },
		{ "loopback", 0x9000 }, { "vlan", 0x8100 }, { "mpls", 0x8847 },
		{ "pppoed", 0x8863 }, { "pppoes", 0x8864 }, { "lanbridge", 0x8038 },
		{ "sprite", 0x0500 }, { "xns", 0x0600 }, { "lldp", 0x88cc }, { "slow", 0x8809 },
		{ "iso", 0xfe }, { "stp", 0x42 }, { "netbeui", 0xf0 }, { "ipx", 0xe0 },
	};

	return NAMES_FIND(tab, name, len, ret);
}

/* ISO network-layer protocol identifiers (ISO/IEC TR 9577). */
bool rc_filter_iso_proto_number(const char *name, size_t len, uint32_t *ret)
{
	static const struct names_entry tab[] = {
		{ "clnp", 0x81 }, { "esis", 0x82 }, { "es-is", 0x82 }, { "isis", 0x83 },
		{ "is-is", 0x83 },
	};

	return NAMES_FIND(tab, name, len, ret);
}

bool rc_filter_arith_constant(const char *name, size_t len, uint32_t *ret)
{
	static const struct names_entry tab[] = {
		{ "icmptype", 0 }, { "icmpcode", 1 }, { "icmp6type", 0 }, { "icmp6code", 1 },
		{ "tcpflags", 13 },
		{ "tcp-fin", 0x01 }, { "tcp-syn", 0x02 }, { "tcp-rst", 0x04 }, { "tcp-push", 0x08 },
		{ "tcp-ack", 0x10 }, { "tcp-urg", 0x20 }, { "tcp-ece", 0x40 }, { "tcp-cwr", 0x80 },
		{ "icmp-echoreply", 0 }, { "icmp-unreach", 3 }, { "icmp-sourcequench", 4 },
		{ "icmp-redirect", 5 }, { "icmp-echo", 8 }, { "icmp-routeradvert", 9 },
		{ "icmp-routersolicit", 10 }, { "icmp-timxceed", 11 }, { "icmp-paramprob", 12 },
		{ "icmp-tstamp", 13 }, { "icmp-tstampreply", 14 }, { "icmp-ireq", 15 },
		{ "icmp-ireqreply", 16 }, { "icmp-maskreq", 17 }, { "icmp-maskreply", 18 },
		{ "icmp6-destinationunreach", 1 }, { "icmp6-packettoobig", 2 },
		{ "icmp6-timeexceeded", 3 }, { "icmp6-parameterproblem", 4 },
		{ "icmp6-echo", 128 }, { "icmp6-echoreply", 129 },
		{ "icmp6-multicastlistenerquery", 130 }, { "icmp6-multicastlistenerreportv1", 131 },
		{ "icmp6-multicastlistenerdone", 132 }, { "icmp6-routersolicit", 133 },
		{ "icmp6-routeradvert", 134 }, { "icmp6-neighborsolicit", 135 },
		{ "icmp6-neighboradvert", 136 }, { "icmp6-redirect", 137 },
		{ "icmp6-routerrenum", 138 }, { "icmp6-nodeinformationquery", 139 },
		{ "icmp6-nodeinformationresponse", 140 },
		{ "icmp6-ineighbordiscoverysolicit", 141 },
		{ "icmp6-ineighbordiscoveryadvert", 142 },
		{ "icmp6-multicastlistenerreportv2", 143 },
		{ "icmp6-homeagentdiscoveryrequest", 144 },
		{ "icmp6-homeagentdiscoveryreply", 145 }, { "icmp6-mobileprefixsolicit", 146 },
		{ "icmp6-mobileprefixadvert", 147 }, { "icmp6-certpathsolicit", 148 },
		{ "icmp6-certpathadvert", 149 }, { "icmp6-multicastrouteradvert", 151 },
		{ "icmp6-multicastroutersolicit", 152 }, { "icmp6-multicastrouterterm", 153 },
	};

	return NAMES_FIND(tab, name, len, ret);
}
