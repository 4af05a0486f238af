// SPDX-License-Identifier: Apache-2.0
/*
 * portmap.c - the portmap CNI plugin (chained): host ports to the container, in nftables.
 *
 * Config: `snat` (default true), `masqAll`, `markMasqBit` (0-31, default 13), `conditionsV4`,
 * `conditionsV6` (nft match tokens), `backend`, and the `portMappings` capability in
 * runtimeConfig. The rules live in src/fw/portmap.c (table inet linen-cni-portmap).
 *
 * linen has no iptables backend: `backend` "nftables" and "iptables" (and absent) all use
 * nftables, with the same behaviour; the iptables-only features that cannot be expressed in
 * our own table — `externalSetMarkChain` (an iptables chain we cannot jump to) and
 * iptables-syntax conditions — fail with code 2 instead of being silently ignored.
 * `markMasqBit` keeps its meaning: that bit of the packet mark selects what is masqueraded.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "basic/godec.h"
#include "basic/json-util.h"
#include "basic/macro.h"
#include "basic/sysctl.h"
#include "fw/portmap.h"
#include "netlink/nl-ct.h"
#include "netlink/nl-link.h"
#include "netlink/nl-route.h"
#include "netlink/nl-sock.h"
#include "skel/plugin-config.h"
#include "skel/plugin-util.h"
#include "skel/skel.h"

#define PORTMAP_LOCK_FILE "/run/linen/portmap.lock"

static const char *const portmap_versions[] = {
	"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL,
};

struct portmap_conf {
	bool snat, masq_all;
	unsigned mark_bit;
	char **conditions4, **conditions6;
	struct fw_portmap_entry *entries;
	size_t n_entries;
};

static void portmap_conf_done(struct portmap_conf *c)
{
	strv_free(c->conditions4);
	strv_free(c->conditions6);
	free(c->entries);
}

#define PORTMAP_ERR_PREFIX "failed to parse config: failed to parse network configuration: "

/* A conditionsV4/V6 token list: Go's *[]string, then our nft-token rule. */
static int parse_conditions(const struct godec *d, const json_t *config, const char *key,
			    char ***ret, struct cni_error *err)
{
	_cleanup_strv_free_ char **tokens = NULL;
	int r;

	*ret = NULL;
	r = godec_strv(d, config, key, &tokens, NULL);
	if (r < 0 || !tokens)
		return r;
	r = fw_portmap_conditions_valid(tokens);
	if (r == -EPROTO)
		return cni_error_set(err, CNI_ERR_UNSUPPORTED_FIELD,
				     "%s: iptables conditions (\"%s\") are not supported: linen "
				     "has only the nftables backend; write them as nft matches",
				     key, tokens[0]);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "%s: not a list of plain nft match tokens", key);
	*ret = TAKE_PTR(tokens);
	return 0;
}

static int check_port(int64_t p, bool host, uint16_t *ret, struct cni_error *err)
{
	if (p <= 0 || p > 65535)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "failed to parse config: Invalid %s number: %lld",
				     host ? "host port" : "container port", (long long)p);
	*ret = (uint16_t)p;
	return 0;
}

/* runtimeConfig.portMappings, a []PortMapEntry. */
static int parse_mappings(const struct godec *d, const json_t *config, struct portmap_conf *c,
			  struct cni_error *err)
{
	char pr[GODEC_PATH_MAX], pm[GODEC_PATH_MAX];
	struct godec dr = godec_nested(d, "", "runtimeConfig", pr);
	struct godec dm = godec_nested(&dr, "PortMapEntry", "portMappings", pm);
	const json_t *rc = NULL, *maps = NULL;
	json_t *m;
	size_t i;
	int r;

	if ((r = godec_object(d, config, "runtimeConfig",
			      "struct { PortMaps []main.PortMapEntry "
			      "\"json:\\\"portMappings,omitempty\\\"\" }", &rc)) < 0 ||
	    (r = godec_array(&dr, rc, "portMappings", "[]main.PortMapEntry", &maps)) < 0)
		return r;
	if (!maps)
		return 0;
	/* Go decodes every entry before the plugin checks one */
	json_array_foreach(maps, i, m) {
		int64_t port = 0;
		const char *s = NULL;

		if (json_is_null(m))
			continue;
		if (!json_is_object(m))
			return godec_type_error(&dr, m, "portMappings", "main.PortMapEntry");
		if ((r = godec_int(&dm, m, "hostPort", "int", INT64_MIN, INT64_MAX, &port,
				   NULL)) < 0 ||
		    (r = godec_int(&dm, m, "containerPort", "int", INT64_MIN, INT64_MAX, &port,
				   NULL)) < 0 ||
		    (r = godec_string(&dm, m, "protocol", &s, NULL)) < 0 ||
		    (r = godec_string(&dm, m, "hostIP", &s, NULL)) < 0)
			return r;
	}
	cni_error_clear(err);
	c->entries = calloc(json_array_size(maps) + 1, sizeof(*c->entries));
	if (!c->entries)
		return -ENOMEM;
	json_array_foreach(maps, i, m) {
		struct fw_portmap_entry *e = &c->entries[c->n_entries];
		int64_t host = 0, cont = 0;
		const char *proto = NULL, *host_ip = NULL;

		/* checked above: these cannot fail now */
		(void)godec_int(&dm, m, "hostPort", "int", INT64_MIN, INT64_MAX, &host, NULL);
		(void)godec_int(&dm, m, "containerPort", "int", INT64_MIN, INT64_MAX, &cont, NULL);
		(void)godec_string(&dm, m, "protocol", &proto, NULL);
		(void)godec_string(&dm, m, "hostIP", &host_ip, NULL);
		/* the reference checks the container port first */
		if ((r = check_port(cont, false, &e->container_port, err)) < 0 ||
		    (r = check_port(host, true, &e->host_port, err)) < 0)
			return r;
		/* Runtimes always send a protocol; tcp is what an absent one meant to them. */
		if (!proto || !*proto)
			proto = "tcp";
		if (fw_portmap_proto_from_string(proto, &e->proto) < 0)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "portMappings: unknown protocol \"%s\" "
					     "(tcp, udp, sctp)", proto);
		if (host_ip && *host_ip && ip_addr_parse(host_ip, &e->host_ip) < 0)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "portMappings: invalid hostIP \"%s\"", host_ip);
		c->n_entries++;
	}
	return 0;
}

static int parse_conf(const struct skel_request *req, struct portmap_conf *c,
		      struct cni_error *err)
{
	const struct godec d = skel_godec(err, PORTMAP_ERR_PREFIX, "PortMapConf");
	const json_t *cfg = req->config;
	const char *backend = NULL, *chain = NULL;
	bool has_chain = false, has_bit = false;
	int64_t bit = FW_PORTMAP_MARK_BIT_DEFAULT;
	int r;

	*c = (struct portmap_conf){ .snat = true, .mark_bit = FW_PORTMAP_MARK_BIT_DEFAULT };

	if ((r = godec_bool(&d, cfg, "snat", &c->snat, NULL)) < 0 ||
	    (r = godec_bool(&d, cfg, "masqAll", &c->masq_all, NULL)) < 0 ||
	    (r = godec_string(&d, cfg, "externalSetMarkChain", &chain, &has_chain)) < 0 ||
	    (r = godec_int(&d, cfg, "markMasqBit", "int", INT64_MIN, INT64_MAX, &bit,
			   &has_bit)) < 0 ||
	    (r = godec_string(&d, cfg, "backend", &backend, NULL)) < 0 ||
	    (r = skel_decode_netconf(&d, cfg, NULL)) < 0 ||
	    (r = parse_conditions(&d, cfg, "conditionsV4", &c->conditions4, err)) < 0 ||
	    (r = parse_conditions(&d, cfg, "conditionsV6", &c->conditions6, err)) < 0 ||
	    (r = parse_mappings(&d, cfg, c, err)) < 0)
		return r;
	if (has_chain) {
		if (has_bit)
			return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
					     "Cannot specify externalSetMarkChain and markMasqBit");
		return cni_error_set(err, CNI_ERR_UNSUPPORTED_FIELD,
				     "externalSetMarkChain \"%s\" is not supported: it names an "
				     "iptables chain and linen has only the nftables backend; use "
				     "markMasqBit", chain);
	}
	if (bit < 0 || bit > 31)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "MasqMarkBit must be between 0 and 31");
	c->mark_bit = (unsigned)bit;
	if (backend && !(streq(backend, "nftables") || streq(backend, "iptables")))
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "unknown backend \"%s\" (nftables or iptables)", backend);
	return 0;
}

/*
 * The container addresses: the first IPv4 and IPv6 of prevResult on the sandboxed interface
 * named CNI_IFNAME (an address without an interface index is taken as the container's).
 */
static void container_ips(const struct skel_request *req, struct ip_prefix *ip4,
			  struct ip_prefix *ip6)
{
	const struct cni_result *res = req->prev_result;

	*ip4 = (struct ip_prefix){};
	*ip6 = (struct ip_prefix){};
	for (size_t i = 0; res && i < res->n_ips; i++) {
		const struct cni_ipconfig *ip = &res->ips[i];
		struct ip_prefix *slot = ip->address.addr.family == AF_INET ? ip4 : ip6;

		if (ip->interface >= 0) {
			const struct cni_interface *itf;

			if ((size_t)ip->interface >= res->n_interfaces)
				continue;
			itf = &res->interfaces[ip->interface];
			if (!itf->sandbox || !*itf->sandbox || !streq_ptr(itf->name, req->ifname))
				continue;
		}
		if (slot->addr.family == 0)
			*slot = ip->address;
	}
}

static int lock_or_fail(int *fd, struct cni_error *err)
{
	return skel_lock_file("portmap", PORTMAP_LOCK_FILE, fd, err);
}

static int fw_error(struct cni_error *err, int r, const char *what, const char *nft_text)
{
	return skel_errno_error(err, r, "portmap", what, nft_text);
}

/* 127.0.0.1 as a source towards the container needs route_localnet on the way out. */
static int enable_route_localnet(const struct ip_addr *cip, struct cni_error *err)
{
	_cleanup_(nl_sock_freep) struct nl_sock *sk = NULL;
	struct nl_route route;
	struct nl_link link;
	_cleanup_free_ char *key = NULL;
	int r;

	r = nl_sock_open(&sk);
	if (r >= 0)
		r = nl_route_get(sk, cip, &route);
	if (r >= 0 && route.oif <= 0)
		r = -ENETUNREACH;
	if (r >= 0)
		r = nl_link_get_by_index(sk, route.oif, &link);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "portmap: no interface routes to the container: %s",
				     strerror(-r));
	if (asprintf(&key, "net/ipv4/conf/%s/route_localnet", link.name) < 0)
		return -ENOMEM;
	r = sysctl_write(key, "1");
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "portmap: set %s: %s", key,
				     strerror(-r));
	return 0;
}

/* Best effort, as the reference: a stale flow only delays the new mapping. */
static void flush_udp(const uint16_t *ports, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		(void)nl_conntrack_delete_dport(AF_INET, IPPROTO_UDP, ports[i]);
		(void)nl_conntrack_delete_dport(AF_INET6, IPPROTO_UDP, ports[i]);
	}
}

static void spec_init(struct fw_portmap_spec *s, const struct skel_request *req,
		      const struct portmap_conf *c)
{
	*s = (struct fw_portmap_spec){
		.net = req->name,
		.container_id = req->container_id,
		.ifname = req->ifname,
		.entries = c->entries,
		.n_entries = c->n_entries,
		.snat = c->snat,
		.masq_all = c->masq_all,
		.mark_bit = c->mark_bit,
		.conditions4 = c->conditions4,
		.conditions6 = c->conditions6,
	};
	container_ips(req, &s->ip4, &s->ip6);
}

static int cmd_add(struct skel_request *req, struct cni_result **ret_result,
		   struct cni_error *err)
{
	_cleanup_(portmap_conf_done) struct portmap_conf c = {};
	_cleanup_free_ char *nft_err = NULL;
	_cleanup_close_ int lock = -EBADF;
	_cleanup_free_ uint16_t *udp = NULL;
	struct fw_portmap_spec s;
	size_t n_udp = 0;
	int r;

	r = parse_conf(req, &c, err);
	if (r < 0)
		return r;
	r = skel_require_prev_result(req, err);
	if (r < 0)
		return r;
	spec_init(&s, req, &c);
	/* Nothing to map, or no address to map to: pass prevResult through. */
	if (c.n_entries == 0 || (!s.ip4.addr.family && !s.ip6.addr.family))
		goto out;

	r = lock_or_fail(&lock, err);
	if (r < 0)
		return r;
	r = fw_portmap_add(&s, &nft_err);
	if (r < 0)
		return fw_error(err, r, "cannot add nftables rules", nft_err);
	if (c.snat && s.ip4.addr.family) {
		r = enable_route_localnet(&s.ip4.addr, err);
		if (r < 0) {
			(void)fw_portmap_del(req->name, req->container_id, req->ifname, NULL, NULL,
					     NULL);
			return r;
		}
	}
	/* New UDP "connections" must hit the new rules, not a stale NAT binding. */
	udp = calloc(c.n_entries, sizeof(*udp));
	if (!udp)
		return -ENOMEM;
	for (size_t i = 0; i < c.n_entries; i++)
		if (c.entries[i].proto == FW_PORTMAP_UDP)
			udp[n_udp++] = c.entries[i].host_port;
	flush_udp(udp, n_udp);
out:
	return skel_pass_prev_result(req, ret_result);
}

static int cmd_del(struct skel_request *req, struct cni_error *err)
{
	_cleanup_free_ char *nft_err = NULL;
	_cleanup_free_ uint16_t *udp = NULL;
	_cleanup_close_ int lock = -EBADF;
	size_t n_udp = 0;
	int r;

	/* Our chains are named by the attachment: no mapping list needed to remove them. */
	r = lock_or_fail(&lock, err);
	if (r < 0)
		return r;
	r = fw_portmap_del(req->name, req->container_id, req->ifname, &udp, &n_udp, &nft_err);
	if (r < 0)
		return fw_error(err, r, "cannot remove nftables rules", nft_err);
	flush_udp(udp, n_udp);
	return 0;
}

static int cmd_check(struct skel_request *req, struct cni_error *err)
{
	_cleanup_(portmap_conf_done) struct portmap_conf c = {};
	struct fw_portmap_spec s;
	int r;

	r = parse_conf(req, &c, err);
	if (r < 0)
		return r;
	r = skel_require_prev_result(req, err);
	if (r < 0)
		return r;
	spec_init(&s, req, &c);
	if (c.n_entries == 0 || (!s.ip4.addr.family && !s.ip6.addr.family))
		return 0;
	r = fw_portmap_check(&s);
	return skel_check_error(req, r, "portmap", "nftables rules", err);
}

static int cmd_gc(struct skel_request *req, struct cni_error *err)
{
	_cleanup_free_ struct fw_attachment *valid = NULL;
	_cleanup_free_ char *nft_err = NULL;
	_cleanup_close_ int lock = -EBADF;
	size_t n;
	int r;

	r = fw_attachments_from_json(req->valid_attachments, &valid, &n);
	if (r < 0)
		return r;
	r = lock_or_fail(&lock, err);
	if (r < 0)
		return r;
	r = fw_portmap_gc(req->name, valid, n, &nft_err);
	if (r < 0)
		return fw_error(err, r, "GC of nftables rules", nft_err);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct skel_plugin plugin = {
		.name = "CNI portmap plugin (linen, nftables)",
		.versions = portmap_versions,
		.add = cmd_add,
		.del = cmd_del,
		.check = cmd_check,
		.gc = cmd_gc,
	};

	return skel_main(argc, argv, &plugin);
}
