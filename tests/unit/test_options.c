/* SPDX-License-Identifier: MIT */
/*
 * test_options.c - the command line as a tcpdump user types it: combined
 * short flags, -n accepted, -U as a short block timeout that an explicit
 * --block-timeout overrides, tcpdump's rotation flags refused; -i N, -y
 * and -L against a fixed interface list (ifaces.c), and every tcpdump or
 * dumpcap flag ringcap refuses naming what to use instead.
 */
#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ifaces.h"
#include "options.h"

/* Parses a NULL-terminated argv (without the program name). */
static int parse(struct cli_options *o, const char *const *args)
{
	static char prog[] = "ringcap";
	char *argv[32] = { prog };
	int argc = 1;

	/* getopt permutes argv's pointers, never the strings they point to. */
	while (*args && argc < 31)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	optind = 0; /* glibc: start over, as for a fresh process */
	memset(o, 0, sizeof(*o));
	return cli_parse_options(argc, argv, o);
}

static void test_n_is_accepted_in_a_cluster(void **state)
{
	const char *args[] = { "-ni", "eth7", "-w", "x.pcapng", NULL };
	struct cli_options o;

	(void)state;
	assert_int_equal(parse(&o, args), 0);
	assert_int_equal(o.n_ifaces, 1);
	assert_string_equal(o.ifaces[0], "eth7");
	assert_string_equal(o.output, "x.pcapng");
}

static void test_U_means_a_1ms_block_timeout(void **state)
{
	const char *plain[] = { "-i", "eth7", NULL };
	const char *u[] = { "-U", "-i", "eth7", NULL };
	const char *u_then_explicit[] = { "-U", "--block-timeout", "50", NULL };
	const char *explicit_then_u[] = { "--block-timeout", "50", "-U", NULL };
	struct cli_options o;

	(void)state;
	assert_int_equal(parse(&o, plain), 0);
	assert_int_equal(o.block_timeout_ms, 0); /* the engine's default */
	assert_int_equal(parse(&o, u), 0);
	assert_int_equal(o.block_timeout_ms, 1);
	assert_int_equal(parse(&o, u_then_explicit), 0);
	assert_int_equal(o.block_timeout_ms, 50);
	assert_int_equal(parse(&o, explicit_then_u), 0);
	assert_int_equal(o.block_timeout_ms, 50);
}

static void test_tcpdump_rotation_flags_are_usage_errors(void **state)
{
	const char *const cases[][3] = { { "-C", "10", NULL }, { "-G", "60", NULL },
					 { "-W", "5", NULL }, { "-r", "x.pcap", NULL } };
	struct cli_options o;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(parse(&o, cases[i]), 2);
}

/* What a stream (stdout or stderr) got while fn ran. */
static char captured[4096];

static int capture_fd(int fd, FILE *stream, int (*fn)(void *), void *arg)
{
	FILE *tmp = tmpfile();
	int saved = dup(fd), r;
	size_t n;

	assert_non_null(tmp);
	fflush(stream);
	dup2(fileno(tmp), fd);
	r = fn(arg);
	fflush(stream);
	dup2(saved, fd);
	close(saved);
	rewind(tmp);
	n = fread(captured, 1, sizeof(captured) - 1, tmp);
	captured[n] = 0;
	fclose(tmp);
	return r;
}

static const char *const *parse_args;
static struct cli_options parse_result;

static int parse_captured(void *arg)
{
	(void)arg;
	return parse(&parse_result, parse_args);
}

/* Parses args and returns the status; what was printed is in captured. */
static int parse_stderr(const char *const *args)
{
	parse_args = args;
	return capture_fd(STDERR_FILENO, stderr, parse_captured, NULL);
}

static void test_every_foreign_flag_names_the_ringcap_way(void **state)
{
	/* tcpdump(8) and dumpcap(1) letters ringcap does not take (not -Z,
	 * which is another change's). */
	static const char letters[] = "CGWVStNMlIkOgAexXEKmTuH#";
	char flag[3] = "-?";
	const char *args[] = { flag, "1", NULL };

	(void)state;
	for (const char *c = letters; *c; c++) {
		flag[1] = *c;
		assert_int_equal(parse_stderr(args), 2);
		/* More than getopt's bare "unknown flag". */
		if (!strstr(captured, "unknown flag;") && !strstr(captured, "does not print packets")) {
			fprintf(stderr, "%s says only: %s", flag, captured);
			fail();
		}
		assert_non_null(strchr(captured, '\n'));
		assert_ptr_equal(strchr(captured, '\n'), captured + strlen(captured) - 1);
	}
}

/* dumpcap's -P: classic pcap, which cannot be written with direct I/O. */
static void test_pcap_flag(void **state)
{
	const char *p[] = { "-P", "-w", "x.pcap", NULL };
	const char *none[] = { "-w", "x.pcap", NULL };
	const char *direct[] = { "-P", "--io", "direct", "-w", "x.pcap", NULL };
	struct cli_options o;

	(void)state;
	assert_int_equal(parse(&o, p), 0);
	assert_int_equal(o.format, RC_WRITER_PCAP);
	assert_int_equal(parse(&o, none), 0);
	assert_int_equal(o.format, RC_WRITER_PCAPNG);
	assert_int_equal(parse_stderr(direct), 2);
	assert_non_null(strstr(captured, "-P: classic pcap is written buffered"));
}

/* The wire as it is: -Q, --netns, -j, -J, --time-stamp-precision,
 * --no-offload; and what -r refuses of them. */
static void test_wire_flags(void **state)
{
	const char *all[] = { "-Q", "out", "--netns", "/proc/1/ns/net", "-j", "adapter",
			      "--time-stamp-precision", "micro", "--no-offload", NULL };
	const char *dir[] = { "--direction=in", "--nano", NULL };
	const char *bad_q[] = { "-Q", "both", NULL };
	const char *bad_p[] = { "--time-stamp-precision", "milli", NULL };
	const char *list[] = { "-J", "-i", "rc0", NULL };
	const char *read[] = { "-r", "a.pcapng", "-w", "b.pcapng", "-Q", "in", NULL };
	struct cli_options o;

	(void)state;
	assert_int_equal(parse(&o, all), 0);
	assert_string_equal(o.direction, "out");
	assert_string_equal(o.netns, "/proc/1/ns/net");
	assert_string_equal(o.tstamp_type, "adapter");
	assert_int_equal(o.ts_precision, RC_WRITER_TS_MICRO);
	assert_true(o.no_offload);
	assert_int_equal(parse(&o, dir), 0);
	assert_string_equal(o.direction, "in");
	assert_int_equal(o.ts_precision, RC_WRITER_TS_NANO);
	assert_int_equal(parse_stderr(bad_q), 2);
	assert_non_null(strstr(captured, "-Q: 'both' is not one of in, out, inout"));
	assert_int_equal(parse_stderr(bad_p), 2);
	assert_non_null(strstr(captured, "'milli' is not micro or nano"));
	assert_int_equal(parse(&o, list), 0);
	assert_int_equal(o.action, CLI_LIST_TSTAMP_TYPES);
	assert_int_equal(parse_stderr(read), 2);
	assert_non_null(strstr(captured, "-r: reads a file"));
}

static void test_foreign_flags_say_what_to_type(void **state)
{
	const char *c[] = { "-C", "100", NULL };
	const char *x[] = { "-i", "eth0", "-XX", NULL };
	const char *nano[] = { "--nanoseconds", NULL };
	const char *snap[] = { "--snapshot-length=96", NULL };
	const char *unknown[] = { "--no-such-flag=1", NULL };
	static const char *const tcpdump_longs[][2] = {
		{ "--packet-buffered", "use -U" }, { "--no-promiscuous-mode", "use -p" },
		{ "--linktype=EN10MB", "use -y TYPE" }, { "--list-data-link-types", "use -L" },
		{ "--immediate-mode", "use -U" }, { "--buffer-size=1024", "use -B KIB" },
	};

	(void)state;
	assert_int_equal(parse_stderr(c), 2);
	assert_non_null(strstr(captured, "-b filesize:KB"));
	assert_int_equal(parse_stderr(x), 2);
	assert_non_null(strstr(captured, "ringcap -w - | tcpdump -X -r -"));
	assert_int_equal(parse_stderr(nano), 2);
	assert_non_null(strstr(captured, "--nanoseconds: unknown flag"));
	assert_int_equal(parse_stderr(snap), 2);
	assert_string_equal(captured, "ringcap: --snapshot-length: unknown flag; use -s SNAPLEN "
				      "(ringcap --help)\n");
	assert_int_equal(parse_stderr(unknown), 2);
	assert_string_equal(captured, "ringcap: --no-such-flag: unknown flag (ringcap --help)\n");
	/* tcpdump's long names for flags ringcap spells short. */
	for (size_t i = 0; i < sizeof(tcpdump_longs) / sizeof(tcpdump_longs[0]); i++) {
		const char *args[] = { tcpdump_longs[i][0], NULL };

		assert_int_equal(parse_stderr(args), 2);
		assert_non_null(strstr(captured, tcpdump_longs[i][1]));
	}
}

static void test_a_missing_value_names_the_flag(void **state)
{
	const char *threads[] = { "--threads", NULL };
	const char *iface[] = { "-w", "x.pcapng", "--interface", NULL };
	const char *cluster[] = { "-ni", NULL };

	(void)state;
	assert_int_equal(parse_stderr(threads), 2);
	assert_string_equal(captured, "ringcap: --threads: needs a value (ringcap --help)\n");
	assert_int_equal(parse_stderr(iface), 2);
	assert_string_equal(captured, "ringcap: --interface: needs a value (ringcap --help)\n");
	assert_int_equal(parse_stderr(cluster), 2);
	assert_string_equal(captured, "ringcap: -i: needs a value (ringcap --help)\n");
}

static void test_v_alone_is_the_version(void **state)
{
	const char *v[] = { "-v", NULL };
	const char *vv[] = { "-vv", NULL };
	const char *version[] = { "--version", NULL };
	const char *verbose[] = { "-v", "-i", "eth0", NULL };
	const char *cluster[] = { "-nvi", "eth0", NULL };
	struct cli_options o;

	(void)state;
	assert_int_equal(parse(&o, v), 0);
	assert_int_equal(o.action, CLI_VERSION);
	assert_int_equal(parse(&o, vv), 0);
	assert_int_equal(o.action, CLI_VERSION);
	assert_int_equal(parse(&o, version), 0);
	assert_int_equal(o.action, CLI_VERSION);
	assert_int_equal(parse_stderr(verbose), 2);
	assert_non_null(strstr(captured, "tcpdump -v -r -"));
	assert_int_equal(parse_stderr(cluster), 2);
}

static void test_long_spellings(void **state)
{
	const char *iface[] = { "--interface", "eth3", "--interface=eth4", NULL };
	const char *list[] = { "--list-interfaces", NULL };
	const char *linktypes[] = { "-L", "-i", "eth3", NULL };
	struct cli_options o;

	(void)state;
	assert_int_equal(parse(&o, iface), 0);
	assert_int_equal(o.n_ifaces, 2);
	assert_string_equal(o.ifaces[0], "eth3");
	assert_string_equal(o.ifaces[1], "eth4");
	assert_int_equal(parse(&o, list), 0);
	assert_int_equal(o.action, CLI_LIST_INTERFACES);
	assert_int_equal(parse(&o, linktypes), 0);
	assert_int_equal(o.action, CLI_LIST_LINKTYPES);
}

/* A fixed system: what -D would print as 1.lo 2.eth0 3.tun0 4.7 5.eth1 */
static int fake_list(rc_iface_fn fn, void *ctx)
{
	static const struct rc_iface_info list[] = {
		{ .name = "lo", .ifindex = 1, .up = true, .running = true, .loopback = true,
		  .linktype = 1 },
		{ .name = "eth0", .ifindex = 2, .up = false, .linktype = 1 },
		{ .name = "tun0", .ifindex = 3, .up = true, .running = true, .linktype = 101 },
		{ .name = "7", .ifindex = 4, .up = true, .linktype = 1 },
		{ .name = "eth1", .ifindex = 9, .up = true, .running = true, .linktype = 1 },
	};

	for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++)
		fn(ctx, &list[i]);
	return 0;
}

static int failing_list(rc_iface_fn fn, void *ctx)
{
	(void)fn;
	(void)ctx;
	return -EMFILE;
}

static struct cli_options resolve_opts;

static int resolve_captured(void *arg)
{
	(void)arg;
	return cli_ifaces_resolve(&resolve_opts, fake_list);
}

/* Parses args, resolves against fake_list; stderr in captured. */
static int resolve(const char *const *args)
{
	assert_int_equal(parse(&resolve_opts, args), 0);
	return capture_fd(STDERR_FILENO, stderr, resolve_captured, NULL);
}

static void test_i_number_is_dash_D_order(void **state)
{
	const char *two[] = { "-i", "2", "-i", "tun0", "-i", "5", "-w", "x.pcapng", NULL };
	const char *named_seven[] = { "-i", "7", NULL };
	const char *zero[] = { "-i", "0", NULL };
	const char *six[] = { "-i", "6", NULL };
	const char *plain[] = { "-i", "eth9", NULL };
	struct cli_options *o = &resolve_opts;

	(void)state;
	assert_int_equal(resolve(two), 0);
	assert_int_equal(o->n_ifaces, 3);
	assert_string_equal(o->ifaces[0], "eth0");
	assert_string_equal(o->ifaces[1], "tun0");
	assert_string_equal(o->ifaces[2], "eth1");
	/* An interface named "7" is that interface, not the 7th. */
	assert_int_equal(resolve(named_seven), 0);
	assert_string_equal(o->ifaces[0], "7");
	assert_int_equal(resolve(zero), 2);
	assert_string_equal(captured, "ringcap: -i 0: -D numbers interfaces from 1\n");
	assert_int_equal(resolve(six), 1);
	assert_string_equal(captured, "ringcap: -i 6: there is no interface 6; -D lists 5\n");
	/* Names are left alone, for the engine to judge. */
	assert_int_equal(resolve(plain), 0);
	assert_string_equal(o->ifaces[0], "eth9");
	assert_int_equal(parse(o, six), 0);
	assert_int_equal(cli_ifaces_resolve(o, failing_list), 1);
}

static void test_y_accepts_the_interfaces_own(void **state)
{
	const char *en10mb[] = { "-y", "EN10MB", "-i", "eth0", "-i", "2", NULL };
	const char *lower[] = { "-y", "raw", "-i", "tun0", NULL };
	const char *wrong[] = { "-y", "RAW", "-i", "eth1", NULL };
	const char *unknown[] = { "-y", "DOCSIS", "-i", "eth1", NULL };
	const char *sll2[] = { "-y", "LINUX_SLL2", "-i", "eth1", NULL };
	const char *dflt_ok[] = { "-y", "RAW", NULL };     /* the default: tun0 */
	const char *dflt_wrong[] = { "-y", "EN10MB", NULL };
	const char *dump_ok[] = { "-y", "EN10MB", "-d", "ip", NULL };
	const char *dump_raw[] = { "-y", "RAW", "-d", "ip", NULL };
	const char *missing[] = { "-y", "RAW", "-i", "eth9", NULL };

	(void)state;
	assert_int_equal(resolve(en10mb), 0);
	assert_int_equal(resolve(lower), 0);
	assert_int_equal(resolve(wrong), 1);
	assert_string_equal(captured, "ringcap: -y RAW: eth1's link type is EN10MB (Ethernet), "
				      "the only one it has (ringcap -L -i eth1)\n");
	assert_int_equal(resolve(unknown), 2);
	assert_non_null(strstr(captured, "not a link type ringcap captures as (EN10MB, RAW, "
					 "LINUX_SLL2, ...)"));
	assert_int_equal(resolve(sll2), 1);
	assert_non_null(strstr(captured, "eth1's link type is EN10MB"));
	assert_int_equal(resolve(dflt_ok), 0);
	assert_int_equal(resolve(dflt_wrong), 1);
	assert_non_null(strstr(captured, "tun0's link type is RAW (Raw IP)"));
	assert_int_equal(resolve(dump_ok), 0);
	/* -d -y RAW: the program for raw IP, as tcpdump -d on such a file. */
	assert_int_equal(resolve(dump_raw), 0);
	/* Left for the engine's "no such interface". */
	assert_int_equal(resolve(missing), 0);
}

static int linktypes_captured(void *arg)
{
	return cli_ifaces_print_linktypes(arg, fake_list);
}

static void test_L_prints_as_tcpdump(void **state)
{
	const char *two[] = { "-L", "-i", "eth1", "-i", "3", NULL };
	const char *dflt[] = { "-L", NULL };
	const char *missing[] = { "-L", "-i", "rc-no-such-if0", NULL };
	struct cli_options *o = &resolve_opts;

	(void)state;
	assert_int_equal(resolve(two), 0);
	assert_int_equal(capture_fd(STDOUT_FILENO, stdout, linktypes_captured, o), 0);
	assert_string_equal(captured, "Data link types for eth1 (use option -y to set):\n"
				      "  EN10MB (Ethernet)\n"
				      "Data link types for tun0 (use option -y to set):\n"
				      "  RAW (Raw IP)\n");
	assert_int_equal(resolve(dflt), 0);
	assert_int_equal(capture_fd(STDOUT_FILENO, stdout, linktypes_captured, o), 0);
	assert_string_equal(captured, "Data link types for tun0 (use option -y to set):\n"
				      "  RAW (Raw IP)\n");
	assert_int_equal(resolve(missing), 0);
	assert_int_equal(capture_fd(STDERR_FILENO, stderr, linktypes_captured, o), 1);
	assert_string_equal(captured, "ringcap: rc-no-such-if0: no such interface "
				      "(ringcap -D lists them)\n");
}

/* -Z is checked against the user database while parsing, as tcpdump
 * does, so a typo costs nothing; --no-sandbox is a plain switch. */
static void test_Z_and_no_sandbox(void **state)
{
	const char *known[] = { "-Z", "nobody", "--no-sandbox", "-i", "eth7", NULL };
	const char *unknown[] = { "-Z", "no-such-user-rc", "-i", "eth7", NULL };
	const char *plain[] = { "-i", "eth7", NULL };
	struct cli_options o;

	(void)state;
	assert_int_equal(parse(&o, known), 0);
	assert_string_equal(o.user, "nobody");
	assert_true(o.no_sandbox);
	assert_int_equal(parse(&o, unknown), 2);
	assert_int_equal(parse(&o, plain), 0);
	assert_null(o.user);
	assert_false(o.no_sandbox);
}

/* Each was once accepted: -i twice wrote every packet twice, -D ignored
 * the words after it. */
static void test_repeated_interface_and_D_with_words_are_usage_errors(void **state)
{
	const char *twice[] = { "-i", "rc1", "-i", "rc2", "-i", "rc1", NULL };
	const char *two[] = { "-i", "rc1", "-i", "rc2", NULL };
	const char *d_words[] = { "-D", "extra", "words", NULL };
	const char *d[] = { "-D", NULL };
	struct cli_options o;

	(void)state;
	assert_int_equal(parse(&o, twice), 2);
	assert_int_equal(parse(&o, two), 0);
	assert_int_equal(o.n_ifaces, 2);
	assert_int_equal(parse(&o, d_words), 2);
	assert_int_equal(parse(&o, d), 0);
	assert_int_equal(o.action, CLI_LIST_INTERFACES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_n_is_accepted_in_a_cluster),
		cmocka_unit_test(test_U_means_a_1ms_block_timeout),
		cmocka_unit_test(test_tcpdump_rotation_flags_are_usage_errors),
		cmocka_unit_test(test_every_foreign_flag_names_the_ringcap_way),
		cmocka_unit_test(test_foreign_flags_say_what_to_type),
		cmocka_unit_test(test_pcap_flag),
		cmocka_unit_test(test_wire_flags),
		cmocka_unit_test(test_a_missing_value_names_the_flag),
		cmocka_unit_test(test_v_alone_is_the_version),
		cmocka_unit_test(test_long_spellings),
		cmocka_unit_test(test_i_number_is_dash_D_order),
		cmocka_unit_test(test_y_accepts_the_interfaces_own),
		cmocka_unit_test(test_L_prints_as_tcpdump),
		cmocka_unit_test(test_Z_and_no_sandbox),
		cmocka_unit_test(test_repeated_interface_and_D_with_words_are_usage_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
