// SPDX-License-Identifier: Apache-2.0
/*
 * mirror-config.c - config and capability decoding, tunnel names, cookies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/godec.h"
#include "basic/macro.h"
#include "basic/sha512.h"
#include "plugins/mirror/mirror-config.h"
#include "skel/plugin-config.h"

static int copy_ifname(const char *s, char ret[static MIRROR_IFNAMSIZ], const char *key,
		       struct cni_error *err)
{
	size_t n = strlen(s);

	/* The kernel's dev_valid_name(), so the error is ours and not a netlink one. */
	if (n == 0 || n >= MIRROR_IFNAMSIZ || streq(s, ".") || streq(s, "..") ||
	    strpbrk(s, "/: \t\n"))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "mirror: %s \"%s\" is not a valid interface name", key, s);
	memcpy(ret, s, n + 1);
	return 0;
}

static int parse_direction(const char *s, struct mirror_conf *c, struct cni_error *err)
{
	if (streq(s, "both"))
		c->ingress = c->egress = true;
	else if (streq(s, "ingress"))
		c->ingress = true, c->egress = false;
	else if (streq(s, "egress"))
		c->ingress = false, c->egress = true;
	else
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "mirror: unknown direction \"%s\" (want \"ingress\", "
				     "\"egress\" or \"both\")", s);
	return 0;
}

static int parse_vxlan(const struct godec *d, const json_t *v, struct mirror_collector *c,
		       struct cni_error *err)
{
	const char *remote = NULL, *dev = NULL;
	int64_t vni = -1, port = MIRROR_DEFAULT_PORT;
	bool has_vni = false;
	int r;

	if ((r = godec_string(d, v, "remote", &remote, NULL)) < 0 ||
	    (r = godec_int(d, v, "vni", "uint32", 0, UINT32_MAX, &vni, &has_vni)) < 0 ||
	    (r = godec_int(d, v, "port", "uint16", 0, UINT16_MAX, &port, NULL)) < 0 ||
	    (r = godec_string(d, v, "dev", &dev, NULL)) < 0)
		return r;
	if (!remote || !*remote)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "mirror: collector.vxlan needs a remote address");
	if (ip_addr_parse(remote, &c->vxlan.remote) < 0 || ip_addr_is_zero(&c->vxlan.remote))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "mirror: collector.vxlan.remote \"%s\" is not a valid IP "
				     "address", remote);
	if (!has_vni)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "mirror: collector.vxlan needs a vni");
	if (vni > MIRROR_VNI_MAX)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "mirror: collector.vxlan.vni %lld is out of range (0-%u)",
				     (long long)vni, MIRROR_VNI_MAX);
	if (port == 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "mirror: collector.vxlan.port must be 1-65535");
	c->vxlan.vni = (uint32_t)vni;
	c->vxlan.port = (uint16_t)port;
	c->vxlan.dev[0] = '\0';
	if (dev && *dev) {
		r = copy_ifname(dev, c->vxlan.dev, "collector.vxlan.dev", err);
		if (r < 0)
			return r;
	}
	c->kind = MIRROR_COLLECTOR_VXLAN;
	return 0;
}

/* A Collector object at key of o, into *ret when given (replacing what was there). */
static int parse_collector(const struct godec *d, const json_t *o, struct mirror_collector *ret,
			   struct cni_error *err)
{
	char pc[GODEC_PATH_MAX], pv[GODEC_PATH_MAX];
	struct godec dc = godec_nested(d, "Collector", "collector", pc);
	struct godec dv = godec_nested(&dc, "VxlanCollector", "vxlan", pv);
	const json_t *co = NULL, *vx = NULL;
	const char *ifname = NULL;
	struct mirror_collector c = {};
	int r;

	if ((r = godec_object(d, o, "collector", "main.Collector", &co)) < 0 || !co)
		return r;
	if ((r = godec_string(&dc, co, "interface", &ifname, NULL)) < 0 ||
	    (r = godec_object(&dc, co, "vxlan", "main.VxlanCollector", &vx)) < 0)
		return r;
	if (ifname && *ifname && vx)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "mirror: collector has both interface and vxlan; give one");
	if (vx) {
		r = parse_vxlan(&dv, vx, &c, err);
		if (r < 0)
			return r;
	} else if (ifname && *ifname) {
		r = copy_ifname(ifname, c.interface, "collector.interface", err);
		if (r < 0)
			return r;
		c.kind = MIRROR_COLLECTOR_INTERFACE;
	} else {
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "mirror: collector needs an interface or a vxlan");
	}
	*ret = c;
	return 0;
}

/* enabled, direction and collector of one level (config or runtimeConfig.mirror). */
static int parse_level(const struct godec *d, const json_t *o, struct mirror_conf *c,
		       struct cni_error *err)
{
	const char *dir = NULL;
	int r;

	if (!o)
		return 0;
	if ((r = godec_bool(d, o, "enabled", &c->enabled, NULL)) < 0 ||
	    (r = godec_string(d, o, "direction", &dir, NULL)) < 0)
		return r;
	if (dir) {
		r = parse_direction(dir, c, err);
		if (r < 0)
			return r;
	}
	return parse_collector(d, o, &c->collector, err);
}

int mirror_conf_parse(const json_t *config, const json_t *runtime_config,
		      struct mirror_conf *ret, struct cni_error *err)
{
	const struct godec d = skel_godec(err, "failed to parse network configuration: ",
					  "MirrorConf");
	char pr[GODEC_PATH_MAX], pm[GODEC_PATH_MAX];
	struct godec dr = godec_nested(&d, "", "runtimeConfig", pr);
	struct godec dm = godec_nested(&dr, "MirrorArgs", "mirror", pm);
	struct mirror_conf c = { .enabled = true, .ingress = true, .egress = true };
	const json_t *rc = NULL, *m = NULL;
	int r;

	/* Go decodes the whole struct before the plugin looks at it: type errors first. */
	if ((r = skel_decode_netconf(&d, config, NULL)) < 0 ||
	    (r = godec_object(&d, config, "runtimeConfig",
			      "struct { Mirror *main.MirrorArgs "
			      "\"json:\\\"mirror,omitempty\\\"\" }", &rc)) < 0 ||
	    (r = godec_object(&dr, rc ?: runtime_config, "mirror", "main.MirrorArgs", &m)) < 0)
		return r;
	r = parse_level(&d, config, &c, err);
	if (r < 0)
		return r;
	r = parse_level(&dm, m, &c, err);
	if (r < 0)
		return r;
	if (c.enabled && c.collector.kind == MIRROR_COLLECTOR_NONE)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "mirror: no collector given (collector.interface or "
				     "collector.vxlan)");
	*ret = c;
	return 0;
}

void mirror_tunnel_name(const struct mirror_collector *c, char ret[static MIRROR_IFNAMSIZ])
{
	char ip[IP_ADDR_STRLEN], key[128], hex[2 * SHA512_DIGEST_SIZE + 1];

	snprintf(key, sizeof(key), "%s/%u/%u/%s", ip_addr_to_string(&c->vxlan.remote, ip),
		 c->vxlan.vni, c->vxlan.port, c->vxlan.dev);
	sha512_hex(key, strlen(key), SHA512_DIGEST_SIZE, hex);
	snprintf(ret, MIRROR_IFNAMSIZ, "%s%.10s", MIRROR_TUNNEL_PREFIX, hex);
}

static void hash6(const char *a, const char *b, const char *c, uint8_t out[6])
{
	uint8_t sum[SHA512_DIGEST_SIZE];
	size_t la = strlen(a), lb = b ? strlen(b) : 0, lc = c ? strlen(c) : 0;
	_cleanup_free_ char *buf = malloc(la + lb + lc + 3);

	if (!buf) {
		memset(out, 0, 6);
		return;
	}
	/* NUL separators: ("ab","c") and ("a","bc") must not collide. */
	memcpy(buf, a, la + 1);
	if (b)
		memcpy(buf + la + 1, b, lb + 1);
	if (c)
		memcpy(buf + la + lb + 2, c, lc + 1);
	sha512(buf, la + 1 + (b ? lb + 1 : 0) + (c ? lc + 1 : 0), sum);
	memcpy(out, sum, 6);
}

void mirror_cookie(const char *network, const char *container_id, const char *ifname,
		   uint8_t ret[static MIRROR_COOKIE_SIZE])
{
	memcpy(ret, MIRROR_COOKIE_MAGIC, 4);
	hash6(network, NULL, NULL, ret + 4);
	hash6(network, container_id ?: "", ifname ?: "", ret + 10);
}

bool mirror_cookie_of_network(const uint8_t *cookie, size_t len, const char *network)
{
	uint8_t h[6];

	if (len != MIRROR_COOKIE_SIZE || memcmp(cookie, MIRROR_COOKIE_MAGIC, 4) != 0)
		return false;
	hash6(network, NULL, NULL, h);
	return memcmp(cookie + 4, h, 6) == 0;
}
