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
		cmocka_unit_test(test_repeated_interface_and_D_with_words_are_usage_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
