/* SPDX-License-Identifier: MIT */
/*
 * filter.c - the capture filter on the command line.
 *
 * DESIGN: as tcpdump: the expression is the trailing arguments joined by
 * spaces, or -f's argument, or the contents of -F's file with '#' comments
 * blanked (not removed, so error columns still point into the file). The
 * program is compiled with live-capture semantics when the kernel offers
 * the BPF extensions (SO_BPF_EXTENSIONS), since that is what gets
 * attached; -d shows exactly that program.
 */
#include "filter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ringcap/filter.h>

#include "report.h"

static char *filter_join(char *const *argv, unsigned argc)
{
	size_t len = 1;
	char *s;

	for (unsigned i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	for (unsigned i = 0; s && i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* Returns 0 and the text, or an exit status after one line naming the
 * file. A read error must not become an empty filter: that would capture
 * everything the user meant to filter (a directory opens fine and fails
 * only at read(), with EISDIR). */
static int filter_read_file(const char *path, char **ret)
{
	FILE *f = fopen(path, "re");
	char *s = NULL;
	size_t len = 0;
	int err = 0;

	if (!f) {
		report_line("-F %s: %s", path, strerror(errno));
		return 2;
	}
	if (getdelim(&s, &len, 0, f) < 0) {
		err = ferror(f) ? errno : 0;
		free(s);
		s = err ? NULL : strdup("");
	} else if (getc(f) != EOF) {
		err = -1; /* getdelim stopped at a NUL: the rest would be ignored */
	}
	if (err || ferror(f)) {
		report_line("-F %s: %s", path, err > 0 ? strerror(err) : "contains a NUL byte");
		free(s);
		fclose(f);
		return 2;
	}
	fclose(f);
	if (!s)
		return 1;
	for (char *p = s; (p = strchr(p, '#'));)
		while (*p && *p != '\n')
			*p++ = ' ';
	*ret = s;
	return 0;
}

static int filter_text(const struct cli_options *o, char **ret)
{
	if (o->filter_file)
		return filter_read_file(o->filter_file, ret);
	if (o->filter_expr)
		*ret = strdup(o->filter_expr);
	else if (o->filter_argc)
		*ret = filter_join(o->filter_argv, o->filter_argc);
	else
		return 0;
	return *ret ? 0 : 1;
}

/* "ip broadcast" needs the netmask: as tcpdump, the first interface's
 * IPv4 one (host order), or 0 (unknown) if it has none. */
static uint32_t filter_netmask(const struct cli_options *o)
{
	struct ifaddrs *all, *a;
	uint32_t mask = 0;

	if (!o->n_ifaces || getifaddrs(&all) < 0)
		return 0;
	for (a = all; a && !mask; a = a->ifa_next)
		if (a->ifa_netmask && a->ifa_netmask->sa_family == AF_INET &&
		    strcmp(a->ifa_name, o->ifaces[0]) == 0)
			mask = ntohl(((const struct sockaddr_in *)(const void *)a->ifa_netmask)
					     ->sin_addr.s_addr);
	freeifaddrs(all);
	return mask;
}

/* net.core.optmem_max, or -1 if unreadable. */
static long filter_optmem_max(void)
{
	FILE *f = fopen("/proc/sys/net/core/optmem_max", "re");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* What -d prints and what gets attached must be one program the kernel
 * takes. The compiler keeps the kernel's rules (rc_filter_check); room
 * in the socket's option memory only the kernel can tell, so ask it. */
static int filter_fits_kernel(const struct rc_filter *prog)
{
	size_t n;
	const struct sock_filter *p = rc_filter_insns(prog, &n);
	int r = rc_filter_probe_attach(p, n);

	if (r == -ENOMEM) {
		report_line("filter: the %zu-instruction program does not fit in the socket's "
			    "option memory, net.core.optmem_max = %ld bytes; raise it "
			    "(sysctl net.core.optmem_max) or simplify the filter", n,
			    filter_optmem_max());
		return 2;
	}
	if (r == -EINVAL) {
		report_line("filter: the kernel refuses the program (ringcap bug, please report)");
		return 2;
	}
	return 0; /* any other error: no socket to try on; the attach will tell */
}

int cli_filter_prepare(const struct cli_options *o, uint32_t linktype, struct cli_filter *ret)
{
	struct rc_filter_config c = { .sz = sizeof(struct rc_filter_config), .snaplen = o->snaplen,
				      .linktype = linktype,
				      /* A file (-r) has no kernel metadata: savefile rules. */
				      .linux_ext = !o->read_file && rc_filter_probe_linux_ext() > 0,
				      .netmask = filter_netmask(o) };
	struct rc_filter_error err = { 0 };
	int r;

	*ret = (struct cli_filter){ .linktype = linktype };
	r = filter_text(o, &ret->text);
	if (r)
		return r;
	if (!ret->text)
		return 0;
	/* -r: compiled for each link type the file has, as its interfaces come. */
	if (o->read_file && !o->dump)
		return 0;
	r = rc_filter_compile(ret->text, &c, &ret->prog, &err);
	if (r == 0) {
		r = o->read_file ? 0 : filter_fits_kernel(ret->prog);
		if (r)
			cli_filter_release(ret);
		return r;
	}
	cli_filter_report(r, &err, linktype, "");
	cli_filter_release(ret);
	return r == -ENOMEM ? 1 : 2;
}

void cli_filter_report(int r, const struct rc_filter_error *err, uint32_t linktype,
		       const char *where)
{
	if (r == -EINVAL && err->token[0])
		report_line("%sfilter: %s at '%s' (column %u)", where, err->message, err->token,
			    err->column);
	else if (r == -EINVAL && err->column)
		report_line("%sfilter: %s at end of expression (column %u)", where, err->message,
			    err->column);
	else if (r == -EPROTONOSUPPORT)
		report_line("%sfilter: ringcap cannot compile filters for link type %u", where,
			    linktype);
	else
		report_line("%sfilter: %s", where, err->message[0] ? err->message : strerror(-r));
}

int cli_filter_dump(const struct cli_options *o, const struct cli_filter *f)
{
	uint32_t snaplen = o->snaplen;
	unsigned level = o->dump;
	struct sock_filter accept_all = BPF_STMT(BPF_RET | BPF_K, snaplen ? snaplen : RC_SNAPLEN_MAX);
	const struct sock_filter *p = &accept_all;
	size_t n = 1;
	char line[128];

	if (f->prog)
		p = rc_filter_insns(f->prog, &n);
	if (level == 3)
		printf("%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		if (level == 1) {
			rc_filter_image(&p[i], (unsigned)i, line, sizeof(line));
			puts(line);
		} else if (level == 2) {
			printf("{ 0x%x, %u, %u, 0x%08x },\n", p[i].code, p[i].jt, p[i].jf, p[i].k);
		} else {
			printf("%u %u %u %u\n", p[i].code, p[i].jt, p[i].jf, p[i].k);
		}
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

void cli_filter_release(struct cli_filter *f)
{
	rc_filter_free(f->prog);
	free(f->text);
	*f = (struct cli_filter){ 0 };
}
