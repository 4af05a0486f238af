// SPDX-License-Identifier: Apache-2.0
/*
 * bandwidth-config.c - limits from the config, TBF numbers, IFB names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "basic/godec.h"
#include "basic/macro.h"
#include "basic/sha512.h"
#include "plugins/bandwidth/bandwidth-config.h"
#include "skel/plugin-config.h"

static const char *const keys[] = { "ingressRate", "ingressBurst", "egressRate", "egressBurst" };

/* The four uint64 fields of a BandwidthEntry; *ret_any when one of them was given. */
static int read_entry(const struct godec *d, const json_t *obj, struct bw_limits *l,
		      bool *ret_any)
{
	uint64_t *dst[] = { &l->ingress_rate, &l->ingress_burst, &l->egress_rate,
			    &l->egress_burst };
	int r;

	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		r = godec_uint64(d, obj, keys[i], "uint64", dst[i], ret_any);
		if (r < 0)
			return r;
	}
	return 0;
}

static int validate_pair(uint64_t rate, uint64_t burst, const char *dir, struct cni_error *err)
{
	if (burst == 0 && rate != 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "if rate is set, burst must also be set (%s)", dir);
	if (rate == 0 && burst != 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "if burst is set, rate must also be set (%s)", dir);
	if (burst / 8 >= UINT32_MAX)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "burst cannot be more than 4GB (%s)", dir);
	/* The reference would divide by a zero byte rate; refuse it instead. */
	if (rate != 0 && rate < 8)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "%s rate %llu bits/s is below one byte per second", dir,
				     (unsigned long long)rate);
	return 0;
}

int bw_limits_parse(const json_t *config, const json_t *runtime_config, struct bw_limits *ret,
		    struct cni_error *err)
{
	const struct godec d = skel_godec(err, "failed to parse network configuration: ",
					  "PluginConf");
	char pr[GODEC_PATH_MAX], pb[GODEC_PATH_MAX];
	struct godec dr = godec_nested(&d, "", "runtimeConfig", pr);
	struct godec db = godec_nested(&dr, "BandwidthEntry", "bandwidth", pb);
	struct bw_limits top = {}, rt = {}, l;
	const json_t *b = NULL, *rc = NULL;
	bool any_top = false, any_rt = false;
	int r;

	/* Go fills both before the plugin picks one, so a wrong type in either fails */
	if ((r = read_entry(&d, config, &top, &any_top)) < 0 ||
	    (r = skel_decode_netconf(&d, config, NULL)) < 0 ||
	    (r = godec_object(&d, config, "runtimeConfig",
			      "struct { Bandwidth *main.BandwidthEntry "
			      "\"json:\\\"bandwidth,omitempty\\\"\" }", &rc)) < 0 ||
	    (r = godec_object(&dr, rc ?: runtime_config, "bandwidth", "main.BandwidthEntry", &b)) < 0 ||
	    (r = read_entry(&db, b, &rt, &any_rt)) < 0)
		return r;
	cni_error_clear(err);
	l = any_top ? top : rt;
	r = validate_pair(l.ingress_rate, l.ingress_burst, "ingress", err);
	if (r < 0)
		return r;
	r = validate_pair(l.egress_rate, l.egress_burst, "egress", err);
	if (r < 0)
		return r;
	*ret = l;
	return 0;
}

/* Go's uint32(float64): we clamp where Go's result would be unspecified. */
static uint32_t to_u32(double d)
{
	if (!(d >= 0))
		return 0;
	if (d >= 4294967295.0)
		return UINT32_MAX;
	return (uint32_t)d;
}

int bw_tbf_params(uint64_t rate_bits, uint64_t burst_bits, double tick_in_usec,
		  struct nl_tbf *ret)
{
	uint64_t rate = rate_bits / 8;
	uint32_t burst = (uint32_t)(burst_bits / 8);
	double latency_usec = 1000000.0 * (BW_LATENCY_MS / 1000.0);
	uint32_t time_usec;

	if (rate == 0 || burst_bits == 0 || burst_bits / 8 >= UINT32_MAX)
		return -EINVAL;
	time_usec = to_u32((double)burst * 1000000.0 / (double)rate);
	*ret = (struct nl_tbf){
		.rate = rate,
		.buffer = to_u32((double)time_usec * tick_in_usec),
		/* uint32 arithmetic, wrapping as the reference's does */
		.limit = to_u32((double)rate * latency_usec / 1000000.0) + burst,
	};
	return 0;
}

int bw_ifb_name(const char *network, const char *container_id, char ret[static BW_IFNAMSIZ])
{
	char hex[2 * SHA512_DIGEST_SIZE + 1];
	_cleanup_free_ char *in = NULL;

	if (asprintf(&in, "%s%s", network, container_id) < 0)
		return -ENOMEM;
	sha512_hex(in, strlen(in), SHA512_DIGEST_SIZE, hex);
	/* Go's fmt.Sprintf("%s%x", prefix, sum)[:15] */
	memcpy(ret, BW_IFB_PREFIX, strlen(BW_IFB_PREFIX));
	memcpy(ret + strlen(BW_IFB_PREFIX), hex, BW_IFNAMSIZ - 1 - strlen(BW_IFB_PREFIX));
	ret[BW_IFNAMSIZ - 1] = '\0';
	return 0;
}

void bw_ifb_alias(const char *network, char *buf, size_t size)
{
	size_t max = size < NL_IFALIAS_MAX ? size : NL_IFALIAS_MAX;

	snprintf(buf, max, "%s%s", BW_ALIAS_PREFIX, network);
}
