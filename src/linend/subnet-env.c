// SPDX-License-Identifier: Apache-2.0
/* subnet-env.c - flannel's pkg/subnet WriteSubnetFile and the dotenv read-back. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "linend/subnet-env.h"

/* The subnet's first address with the subnet's length: 10.5.34.0/24 -> 10.5.34.1/24. */
static const char *first_ip(const struct ip_prefix *p, char buf[static IP_PREFIX_STRLEN])
{
	struct ip_prefix q = *p;

	ip_prefix_mask(&q);
	ip_addr_add(&q.addr, 1, &q.addr);
	return ip_prefix_to_string(&q, buf);
}

int subnet_env_render(const struct net_config *cfg, const struct ip_prefix *subnet,
		      const struct ip_prefix *subnet6, unsigned mtu, bool ipmasq, char **ret)
{
	char n[IP_PREFIX_STRLEN], s[IP_PREFIX_STRLEN], n6[IP_PREFIX_STRLEN], s6[IP_PREFIX_STRLEN];
	char *v4 = NULL, *v6 = NULL;
	int r;

	if (cfg->enable_ipv4 &&
	    asprintf(&v4, "FLANNEL_NETWORK=%s\nFLANNEL_SUBNET=%s\n",
		     ip_prefix_to_string(&cfg->network, n), first_ip(subnet, s)) < 0)
		return -ENOMEM;
	if (cfg->enable_ipv6 && subnet6 && subnet6->addr.family == AF_INET6 &&
	    asprintf(&v6, "FLANNEL_IPV6_NETWORK=%s\nFLANNEL_IPV6_SUBNET=%s\n",
		     ip_prefix_to_string(&cfg->ipv6_network, n6), first_ip(subnet6, s6)) < 0) {
		free(v4);
		return -ENOMEM;
	}
	r = asprintf(ret, "%s%sFLANNEL_MTU=%u\nFLANNEL_IPMASQ=%s\n", v4 ? v4 : "", v6 ? v6 : "",
		     mtu, ipmasq ? "true" : "false");
	free(v4);
	free(v6);
	return r < 0 ? -ENOMEM : 0;
}

int subnet_env_write(const char *path, const char *text)
{
	_cleanup_free_ char *copy = strdup(path);
	int r;

	if (!copy)
		return -ENOMEM;
	r = mkdir_p(dirname(copy), 0755);
	if (r < 0)
		return r;
	return write_file_atomic(path, text, strlen(text), 0644);
}

static int parse_value(const char *v, int family, struct ip_prefix *ret)
{
	struct ip_prefix p;
	char buf[IP_PREFIX_STRLEN + 2];
	size_t n = strcspn(v, "\r\n,");

	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, v, n);
	buf[n] = 0;
	/* dotenv quoting */
	if (n >= 2 && (buf[0] == '"' || buf[0] == '\'') && buf[n - 1] == buf[0]) {
		buf[n - 1] = 0;
		memmove(buf, buf + 1, n - 1);
	}
	if (ip_prefix_parse(buf, &p) < 0 || p.addr.family != family)
		return -EINVAL;
	ip_prefix_mask(&p);
	*ret = p;
	return 0;
}

int subnet_env_parse(const char *text, struct ip_prefix *ret_subnet,
		     struct ip_prefix *ret_subnet6)
{
	struct ip_prefix s = {}, s6 = {};
	const char *line = text;

	while (line && *line) {
		const char *v;

		while (*line == ' ' || *line == '\t')
			line++;
		if ((v = startswith(line, "FLANNEL_SUBNET=")))
			(void)parse_value(v, AF_INET, &s);
		else if ((v = startswith(line, "FLANNEL_IPV6_SUBNET=")))
			(void)parse_value(v, AF_INET6, &s6);
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	*ret_subnet = s;
	*ret_subnet6 = s6;
	return 0;
}

int subnet_env_read(const char *path, struct ip_prefix *ret_subnet,
		    struct ip_prefix *ret_subnet6)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = read_full_file(path, 64 * 1024, &text, NULL);
	if (r < 0)
		return r;
	return subnet_env_parse(text, ret_subnet, ret_subnet6);
}
