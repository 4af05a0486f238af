// SPDX-License-Identifier: Apache-2.0
/*
 * The bandwidth plugin's pure parts: where the limits come from (top level wins over the
 * capability), the reference's validation, the TBF numbers (checked against values the
 * reference plugin programmed into a kernel: 20 Mbit/s with 400000 bits of burst gives
 * rate 2500000 B/s, buffer 312500 ticks, limit 112500 B at 15.625 ticks/us), and the IFB
 * name (the reference's for network "bwnet" and cnitool's container ID for
 * /run/netns/bwt-pod).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "basic/json-util.h"
#include "plugins/bandwidth/bandwidth-config.h"

static json_t *j(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, 0, &e);

	if (!v)
		fail_msg("bad test JSON: %s", e.text);
	return v;
}

static int parse(const char *conf, struct bw_limits *l, struct cni_error *err)
{
	_cleanup_json_ json_t *c = j(conf);

	cni_error_clear(err);
	return bw_limits_parse(c, json_object_get(c, "runtimeConfig"), l, err);
}

static void test_sources(void **state)
{
	struct cni_error err;
	struct bw_limits l;

	/* nothing: no limits, not an error */
	assert_int_equal(parse("{\"type\":\"bandwidth\"}", &l, &err), 0);
	assert_false(bw_has_ingress(&l));
	assert_false(bw_has_egress(&l));

	/* the capability */
	assert_int_equal(parse("{\"runtimeConfig\":{\"bandwidth\":{\"ingressRate\":8000,"
			       "\"ingressBurst\":16000}}}", &l, &err), 0);
	assert_true(bw_has_ingress(&l));
	assert_false(bw_has_egress(&l));
	assert_int_equal(l.ingress_rate, 8000);
	assert_int_equal(l.ingress_burst, 16000);

	/* any top-level key wins over the capability entirely */
	assert_int_equal(parse("{\"egressRate\":1000000,\"egressBurst\":2000,"
			       "\"runtimeConfig\":{\"bandwidth\":{\"ingressRate\":8000,"
			       "\"ingressBurst\":16000}}}", &l, &err), 0);
	assert_false(bw_has_ingress(&l));
	assert_true(bw_has_egress(&l));
	assert_int_equal(l.egress_rate, 1000000);

	/* containerd sends Go field names; Go's decoder matches them case-insensitively */
	assert_int_equal(parse("{\"runtimeConfig\":{\"bandwidth\":{\"IngressRate\":8000,"
			       "\"IngressBurst\":16000,\"EgressRate\":0,\"EgressBurst\":0}}}",
			       &l, &err), 0);
	assert_true(bw_has_ingress(&l));
	assert_false(bw_has_egress(&l));
	assert_int_equal(l.ingress_burst, 16000);

	/* null is "not set" */
	assert_int_equal(parse("{\"runtimeConfig\":{\"bandwidth\":null}}", &l, &err), 0);
	assert_false(bw_has_ingress(&l));
}

static void test_validation(void **state)
{
	struct cni_error err;
	struct bw_limits l;

	assert_int_equal(parse("{\"ingressRate\":1000}", &l, &err), -EINVAL);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	assert_non_null(strstr(err.msg, "if rate is set, burst must also be set"));

	assert_int_equal(parse("{\"runtimeConfig\":{\"bandwidth\":{\"egressBurst\":1000}}}", &l,
			       &err), -EINVAL);
	assert_non_null(strstr(err.msg, "if burst is set, rate must also be set"));

	/* burst / 8 must stay below 4 GiB */
	assert_int_equal(parse("{\"ingressRate\":1000,\"ingressBurst\":34359738360}", &l, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "burst cannot be more than 4GB"));
	assert_int_equal(parse("{\"ingressRate\":1000,\"ingressBurst\":34359738352}", &l, &err),
			 0);

	/* a rate under one byte per second */
	assert_int_equal(parse("{\"ingressRate\":7,\"ingressBurst\":80}", &l, &err), -EINVAL);

	/* Go's uint64: no negatives, fractions or strings */
	assert_int_equal(parse("{\"ingressRate\":-8,\"ingressBurst\":80}", &l, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "ingressRate"));
	assert_int_equal(parse("{\"ingressRate\":8.5,\"ingressBurst\":80}", &l, &err), -EINVAL);
	assert_int_equal(parse("{\"ingressRate\":\"8\",\"ingressBurst\":80}", &l, &err), -EINVAL);
	assert_int_equal(parse("{\"runtimeConfig\":{\"bandwidth\":[1]}}", &l, &err), -EINVAL);
}

static void test_tbf(void **state)
{
	struct nl_tbf t;

	/* what the reference programmed for 20 Mbit/s, 400000 bits */
	assert_int_equal(bw_tbf_params(20000000, 400000, 15.625, &t), 0);
	assert_int_equal(t.rate, 2500000);
	assert_int_equal(t.buffer, 312500);   /* 20000 us */
	assert_int_equal(t.limit, 112500);    /* 62500 + 50000 */

	/* 30 Mbit/s: 13333.33 us truncated to 13333 before the tick factor */
	assert_int_equal(bw_tbf_params(30000000, 400000, 15.625, &t), 0);
	assert_int_equal(t.rate, 3750000);
	assert_int_equal(t.buffer, 208328);
	assert_int_equal(t.limit, 143750);

	/* bits round down to bytes, as rate/8 and burst/8 do */
	assert_int_equal(bw_tbf_params(1000007, 80007, 1.0, &t), 0);
	assert_int_equal(t.rate, 125000);
	assert_int_equal(t.buffer, 80000);
	assert_int_equal(t.limit, 3125 + 10000);

	/* rates past 32 bits stay 64-bit */
	assert_int_equal(bw_tbf_params(80000000000ull, 8000000, 15.625, &t), 0);
	assert_int_equal(t.rate, 10000000000ull);

	assert_int_equal(bw_tbf_params(7, 100, 15.625, &t), -EINVAL);
	assert_int_equal(bw_tbf_params(800, 0, 15.625, &t), -EINVAL);
}

static void test_ifb_name(void **state)
{
	char name[BW_IFNAMSIZ], alias[NL_IFALIAS_MAX];
	char longnet[400];

	/* the IFB the reference made for this attachment */
	assert_int_equal(bw_ifb_name("bwnet", "cnitool-a5bbb279c7113c001144", name), 0);
	assert_string_equal(name, "bwpfe5d73df8e62");

	/* python3: ('bwp' + sha512(b'bwnet' + cid).hexdigest())[:15] */
	assert_int_equal(bw_ifb_name("net", "cid", name), 0);
	assert_string_equal(name, "bwpf74d2f3ccf98");

	bw_ifb_alias("bwnet", alias, sizeof(alias));
	assert_string_equal(alias, "linen-bandwidth:bwnet");
	memset(longnet, 'n', sizeof(longnet) - 1);
	longnet[sizeof(longnet) - 1] = 0;
	bw_ifb_alias(longnet, alias, sizeof(alias));
	assert_int_equal(strlen(alias), NL_IFALIAS_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_tbf),
		cmocka_unit_test(test_ifb_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
