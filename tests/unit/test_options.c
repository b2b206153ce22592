/* SPDX-License-Identifier: MIT */
/*
 * test_options.c - the command line as a tcpdump user types it: combined
 * short flags, -n accepted, -U as a short block timeout that an explicit
 * --block-timeout overrides, and tcpdump's rotation flags refused.
 */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_n_is_accepted_in_a_cluster),
		cmocka_unit_test(test_U_means_a_1ms_block_timeout),
		cmocka_unit_test(test_tcpdump_rotation_flags_are_usage_errors),
		cmocka_unit_test(test_Z_and_no_sandbox),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
