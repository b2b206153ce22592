/* SPDX-License-Identifier: MIT */
/*
 * ifaces.c - what -i N, -y and -L mean in terms of the system's interfaces.
 *
 * DESIGN: tcpdump and dumpcap users type "-i 2" for the second interface of
 * -D's list, "-L" for an interface's link types and "-y EN10MB" to choose
 * one. For ringcap a Linux interface has exactly one link type, the one the
 * engine derives from its ARPHRD type, so -L prints that one and -y accepts
 * it and refuses the others. All three work from one snapshot of the list
 * -D prints, in the same order (rc_engine_list_interfaces), taken through a
 * function pointer so the unit tests can hand in a list of their own. The
 * snapshot is only taken when one of them is used: a plain "-i eth1" costs
 * nothing here.
 */
#include "ifaces.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ringcap/filter.h>

#include "report.h"

/* The LINKTYPE_* values the engine produces (tcpdump.org/linktypes.html),
 * with libpcap's names for -y and descriptions for -L. */
static const struct linktype_name {
	uint16_t linktype;
	const char *name;
	const char *description;
} linktype_names[] = {
	{ RC_LINKTYPE_ETHERNET, "EN10MB", "Ethernet" },
	{ RC_LINKTYPE_RAW, "RAW", "Raw IP" },
	{ RC_LINKTYPE_LINUX_SLL2, "LINUX_SLL2", "Linux cooked v2" },
	{ RC_LINKTYPE_LINUX_SLL, "LINUX_SLL", "Linux cooked v1" },
	{ RC_LINKTYPE_IPV4, "IPV4", "Raw IPv4" },
	{ RC_LINKTYPE_IPV6, "IPV6", "Raw IPv6" },
	{ RC_LINKTYPE_IEEE802_11, "IEEE802_11", "802.11" },
	{ RC_LINKTYPE_IEEE802_11_RADIOTAP, "IEEE802_11_RADIO", "802.11 plus radiotap header" },
	{ RC_LINKTYPE_CAN_SOCKETCAN, "CAN_SOCKETCAN", "CAN-bus with SocketCAN headers" },
	{ RC_LINKTYPE_C_HDLC, "C_HDLC", "Cisco HDLC" },
	{ RC_LINKTYPE_FDDI, "FDDI", "FDDI" },
	{ RC_LINKTYPE_IEEE802_5, "IEEE802", "Token ring" },
};

struct iface_entry {
	char name[IF_NAMESIZE];
	uint16_t linktype;
	bool up, running, loopback, pseudo;
};

struct iface_list {
	struct iface_entry *v;
	size_t n, cap;
	bool oom;
};

static void iflist_add(void *ctx, const struct rc_iface_info *info)
{
	struct iface_list *l = ctx;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 32;
		struct iface_entry *v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			l->oom = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	snprintf(l->v[l->n].name, sizeof(l->v[l->n].name), "%s", info->name);
	l->v[l->n].linktype = info->linktype;
	l->v[l->n].up = info->up;
	l->v[l->n].running = info->running;
	l->v[l->n].loopback = info->loopback;
	l->v[l->n].pseudo = info->pseudo;
	l->n++;
}

static int iflist_take(struct iface_list *l, cli_iface_lister list)
{
	int r;

	*l = (struct iface_list){ 0 };
	r = list(iflist_add, l);
	if (r >= 0 && l->oom)
		r = -ENOMEM;
	if (r < 0) {
		report_line("cannot list interfaces: %s", strerror(-r));
		free(l->v);
		return 1;
	}
	return 0;
}

static const struct iface_entry *iflist_find(const struct iface_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

bool cli_iface_is_default(const struct rc_iface_info *info)
{
	return info->up && info->running && !info->loopback && !info->pseudo;
}

static const struct iface_entry *iflist_default(const struct iface_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (cli_iface_is_default(&(struct rc_iface_info){ .up = l->v[i].up,
								  .running = l->v[i].running,
								  .loopback = l->v[i].loopback,
								  .pseudo = l->v[i].pseudo }))
			return &l->v[i];
	return NULL;
}

static const struct linktype_name *linktype_by_value(uint16_t linktype)
{
	for (size_t i = 0; i < sizeof(linktype_names) / sizeof(linktype_names[0]); i++)
		if (linktype_names[i].linktype == linktype)
			return &linktype_names[i];
	return NULL;
}

static const struct linktype_name *linktype_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(linktype_names) / sizeof(linktype_names[0]); i++)
		if (strcasecmp(linktype_names[i].name, name) == 0)
			return &linktype_names[i];
	return NULL;
}

/* "1", "12": a number in -D's list, unless an interface has that name. */
static int resolve_number(struct cli_options *o, unsigned i, const struct iface_list *l)
{
	const char *arg = o->ifaces[i];
	unsigned long n;

	if (!arg[0] || arg[strspn(arg, "0123456789")] || iflist_find(l, arg))
		return 0;
	n = strtoul(arg, NULL, 10);
	if (n == 0) {
		report_line("-i %s: -D numbers interfaces from 1", arg);
		return 2;
	}
	if (n > l->n) {
		report_line("-i %s: there is no interface %s; -D lists %zu", arg, arg, l->n);
		return 1;
	}
	memcpy(o->iface_by_number[i], l->v[n - 1].name, sizeof(o->iface_by_number[i]));
	o->ifaces[i] = o->iface_by_number[i];
	return 0;
}

static int check_one(const char *y, const struct linktype_name *want,
		     const struct iface_entry *e)
{
	const struct linktype_name *has = e ? linktype_by_value(e->linktype) : NULL;

	/* An interface not in the list: opening it will say why. */
	if (!e || e->linktype == want->linktype)
		return 0;
	report_line("-y %s: %s's link type is %s (%s), the only one it has (ringcap -L -i %s)",
		    y, e->name, has ? has->name : "?", has ? has->description : "?", e->name);
	return 1;
}

static int check_linktype(const struct cli_options *o, const struct iface_list *l)
{
	const struct linktype_name *want = linktype_by_name(o->linktype_name);
	const struct iface_entry *dflt;
	int r = 0;

	if (!want) {
		report_line("-y %s: not a link type ringcap captures as (EN10MB, RAW, LINUX_SLL2, "
			    "...); ringcap -L -i IFACE shows an interface's", o->linktype_name);
		return 2;
	}
	/* -d -y TYPE without -i: the program for that framing, to hold
	 * against tcpdump -d on a file of that link type. */
	if (!o->n_ifaces && o->dump)
		return 0;
	if (!o->n_ifaces) {
		dflt = iflist_default(l);
		return dflt ? check_one(o->linktype_name, want, dflt) : 0;
	}
	for (unsigned i = 0; i < o->n_ifaces && r == 0; i++)
		r = check_one(o->linktype_name, want, iflist_find(l, o->ifaces[i]));
	return r;
}

int cli_linktype_by_name(const char *name)
{
	const struct linktype_name *lt = linktype_by_name(name);

	return lt ? lt->linktype : -EINVAL;
}

static bool needs_numbers(const struct cli_options *o)
{
	for (unsigned i = 0; i < o->n_ifaces; i++)
		if (o->ifaces[i][0] && !o->ifaces[i][strspn(o->ifaces[i], "0123456789")])
			return true;
	return false;
}

int cli_ifaces_resolve(struct cli_options *o, cli_iface_lister list)
{
	struct iface_list l;
	int r = 0;

	if (o->action == CLI_HELP || o->action == CLI_VERSION || o->action == CLI_LIST_INTERFACES)
		return 0;
	if (!needs_numbers(o) && !o->linktype_name)
		return 0;
	if (iflist_take(&l, list))
		return 1;
	for (unsigned i = 0; i < o->n_ifaces && r == 0; i++)
		r = resolve_number(o, i, &l);
	if (r == 0 && o->linktype_name)
		r = check_linktype(o, &l);
	free(l.v);
	return r;
}

static int print_one(const char *name, const struct iface_list *l)
{
	const struct iface_entry *e = iflist_find(l, name);
	const struct linktype_name *lt = e ? linktype_by_value(e->linktype) : NULL;

	if (!e) {
		if (if_nametoindex(name))
			report_line("%s: ringcap cannot capture on this kind of interface "
				    "(ringcap -D lists those it can)", name);
		else
			report_line("%s: no such interface (ringcap -D lists them)", name);
		return 1;
	}
	printf("Data link types for %s (use option -y to set):\n", name);
	if (lt)
		printf("  %s (%s)\n", lt->name, lt->description);
	else
		printf("  LINKTYPE %u\n", e->linktype);
	return 0;
}

int cli_ifaces_print_linktypes(const struct cli_options *o, cli_iface_lister list)
{
	const struct iface_entry *dflt;
	struct iface_list l;
	int r = 0;

	if (iflist_take(&l, list))
		return 1;
	for (unsigned i = 0; i < o->n_ifaces && r == 0; i++)
		r = print_one(o->ifaces[i], &l);
	if (!o->n_ifaces) {
		dflt = iflist_default(&l);
		if (dflt) {
			r = print_one(dflt->name, &l);
		} else {
			report_line("no interface is up; name one with -i (ringcap -D lists them)");
			r = 1;
		}
	}
	free(l.v);
	return r;
}
