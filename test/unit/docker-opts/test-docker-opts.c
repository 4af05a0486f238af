// SPDX-License-Identifier: Apache-2.0
/*
 * The options file as mk-docker-opts.sh writes it, for the subnet.env files linend and
 * flanneld write. The expected texts follow the script line by line: individual lines in
 * compgen's (sorted) order, then KEY="<old value> <opt> ... ".
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "docker-opts/docker-opts.h"

static const char *subnet_env = "FLANNEL_NETWORK=10.244.0.0/16\n"
				"FLANNEL_SUBNET=10.244.85.1/24\n"
				"FLANNEL_MTU=1450\n"
				"FLANNEL_IPMASQ=true\n";

static char *render(const char *text, char *const *envp, bool i, bool c, bool masq,
		    const char *key)
{
	struct docker_opts_options o = { .individual = i, .combined = c, .ip_masq = masq,
					 .key = key ? key : "DOCKER_OPTS" };
	char *out = NULL;

	assert_int_equal(docker_opts_render(text, envp, &o, &out), 0);
	return out;
}

static void test_both(void **state)
{
	char *out = render(subnet_env, NULL, true, true, true, NULL);

	assert_string_equal(out, "DOCKER_OPT_BIP=\"--bip=10.244.85.1/24\"\n"
				 "DOCKER_OPT_IPMASQ=\"--ip-masq=false\"\n"
				 "DOCKER_OPT_MTU=\"--mtu=1450\"\n"
				 "DOCKER_OPTS=\" --bip=10.244.85.1/24 --ip-masq=false --mtu=1450 \"\n");
	free(out);
}

static void test_combined_only_custom_key_no_masq(void **state)
{
	char *out = render(subnet_env, NULL, false, true, false, "DOCKER_NETWORK_OPTIONS");

	assert_string_equal(out, "DOCKER_NETWORK_OPTIONS=\" --bip=10.244.85.1/24 --mtu=1450 \"\n");
	free(out);
}

static void test_individual_only_ipmasq_false(void **state)
{
	char *out = render("FLANNEL_SUBNET=10.5.3.1/24\nFLANNEL_MTU=1500\nFLANNEL_IPMASQ=false\n",
			   NULL, true, false, true, NULL);

	assert_string_equal(out, "DOCKER_OPT_BIP=\"--bip=10.5.3.1/24\"\n"
				 "DOCKER_OPT_MTU=\"--mtu=1500\"\n");
	free(out);
}

/* `source` in the script: the environment shows through, the file wins over it. */
static void test_environment(void **state)
{
	char *envp[] = { "DOCKER_OPTS=--debug", "DOCKER_OPT_DNS=--dns=10.0.0.10",
			 "FLANNEL_MTU=9000", "FLANNEL_SUBNET=1.1.1.1/24", "NOT A VAR=x", NULL };
	char *out = render("FLANNEL_SUBNET=10.1.2.1/24\n", envp, true, true, true, NULL);

	assert_string_equal(out, "DOCKER_OPT_BIP=\"--bip=10.1.2.1/24\"\n"
				 "DOCKER_OPT_DNS=\"--dns=10.0.0.10\"\n"
				 "DOCKER_OPT_MTU=\"--mtu=9000\"\n"
				 "DOCKER_OPTS=\"--debug --bip=10.1.2.1/24 --dns=10.0.0.10 "
				 "--mtu=9000 \"\n");
	free(out);
}

static void test_no_file(void **state)
{
	char *out = render(NULL, NULL, true, true, true, NULL);

	assert_string_equal(out, "DOCKER_OPTS=\" \"\n");
	free(out);
}

/* Quotes, export, comments, CRLF and the last assignment winning, as `source` has them. */
static void test_dotenv_forms(void **state)
{
	char *out = render("# written by hand\n"
			   "export FLANNEL_SUBNET=\"10.9.0.1/24\"\r\n"
			   "FLANNEL_MTU='1400'\n"
			   "  FLANNEL_MTU=1410\n"
			   "garbage line\n"
			   "=nothing\n"
			   "FLANNEL_IPMASQ=true",
			   NULL, false, true, true, NULL);

	assert_string_equal(out, "DOCKER_OPTS=\" --bip=10.9.0.1/24 --ip-masq=false --mtu=1410 \"\n");
	free(out);
}

static void test_dual_stack_file(void **state)
{
	char *out = render("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n"
			   "FLANNEL_IPV6_NETWORK=fd00::/56\nFLANNEL_IPV6_SUBNET=fd00:0:0:1::1/64\n"
			   "FLANNEL_MTU=1430\nFLANNEL_IPMASQ=false\n",
			   NULL, false, true, true, NULL);

	assert_string_equal(out, "DOCKER_OPTS=\" --bip=10.244.1.1/24 --mtu=1430 \"\n");
	free(out);
}

static void test_bad_key(void **state)
{
	struct docker_opts_options o = { .combined = true, .key = "X;rm -rf /" };
	char *out = NULL;

	assert_int_equal(docker_opts_render(subnet_env, NULL, &o, &out), -EINVAL);
	assert_null(out);
	assert_false(docker_opts_key_valid(""));
	assert_false(docker_opts_key_valid("1ABC"));
	assert_true(docker_opts_key_valid("_x1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both),
		cmocka_unit_test(test_combined_only_custom_key_no_masq),
		cmocka_unit_test(test_individual_only_ipmasq_false),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_no_file),
		cmocka_unit_test(test_dotenv_forms),
		cmocka_unit_test(test_dual_stack_file),
		cmocka_unit_test(test_bad_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
