// SPDX-License-Identifier: Apache-2.0
/* iface.c - getifaddrs, /proc/net/route and /proc/net/if_inet6; no netlink needed. */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "linend/iface.h"

#define IFA6_F_TEMPORARY 0x01
#define IFA6_F_DADFAILED 0x08
#define IFA6_F_DEPRECATED 0x20
#define IFA6_F_TENTATIVE 0x40
#define IFA6_F_PERMANENT 0x80

static int fail(char *err, size_t errlen, int r, const char *fmt, ...) _printf_(4, 5);
static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

int iface_default_route_parse(const char *text, char ret_name[static IF_NAMESIZE])
{
	const char *line = strchr(text, '\n'); /* skip the header */

	while (line && *++line) {
		char name[64];
		unsigned dest, gw, flags, mask;

		if (sscanf(line, "%63s %x %x %x %*d %*d %*d %x", name, &dest, &gw, &flags,
			   &mask) == 5 &&
		    dest == 0 && mask == 0 && (flags & 0x1) && strlen(name) < IF_NAMESIZE) {
			strcpy(ret_name, name);
			return 0;
		}
		line = strchr(line, '\n');
	}
	return -ENOENT;
}

/* flags of an IPv6 address from /proc/net/if_inet6; 0 when unknown */
static unsigned inet6_flags(const struct in6_addr *a)
{
	_cleanup_free_ char *text = NULL;
	char want[33];
	const char *line;

	for (int i = 0; i < 16; i++)
		sprintf(want + 2 * i, "%02x", a->s6_addr[i]);
	if (read_full_file("/proc/net/if_inet6", 1 << 20, &text, NULL) < 0)
		return 0;
	for (line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char hex[33];
		unsigned idx, plen, scope, flags;

		if (sscanf(line, "%32s %x %x %x %x", hex, &idx, &plen, &scope, &flags) == 5 &&
		    streq(hex, want))
			return flags;
	}
	return 0;
}

static int addr_rank(const struct ip_addr *a)
{
	/*
	 * lower is better: global, then link-local; v6: permanent before temporary. A 127/8
	 * address comes last (flanneld never takes one; we still do when it is all there is,
	 * as on lo in our tests).
	 */
	int rank = 0;

	if (a->family == AF_INET) {
		if (a->bytes[0] == 169 && a->bytes[1] == 254)
			rank += 10;
		else if (a->bytes[0] == 127)
			rank += 20;
		return rank;
	}
	if (a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80)
		rank += 10;
	else {
		unsigned f = inet6_flags(&a->in6);

		if (f & (IFA6_F_DEPRECATED | IFA6_F_TENTATIVE | IFA6_F_DADFAILED))
			return -1;
		if (!(f & IFA6_F_PERMANENT))
			rank += 1;
		if (f & IFA6_F_TEMPORARY)
			rank += 2;
	}
	return rank;
}

static void sockaddr_to_ip(const struct sockaddr *sa, struct ip_addr *ret)
{
	*ret = (struct ip_addr){};
	if (sa->sa_family == AF_INET) {
		ret->family = AF_INET;
		ret->in = ((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		ret->family = AF_INET6;
		ret->in6 = ((const struct sockaddr_in6 *)sa)->sin6_addr;
	}
}

/* The best address of family on interface name. */
static int best_addr(struct ifaddrs *ifs, const char *name, int family, struct ip_addr *ret)
{
	int best = -1;

	for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
		struct ip_addr a;
		int rank;

		if (!i->ifa_addr || !streq(i->ifa_name, name) || i->ifa_addr->sa_family != family)
			continue;
		sockaddr_to_ip(i->ifa_addr, &a);
		rank = addr_rank(&a);
		if (rank < 0 || (best >= 0 && rank >= best))
			continue;
		best = rank;
		*ret = a;
	}
	return best >= 0 ? 0 : -ENOENT;
}

static int link_mtu(const char *name, unsigned *ret)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {};

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		return -errno;
	*ret = (unsigned)ifr.ifr_mtu;
	return 0;
}

static int fill(struct ifaddrs *ifs, const char *name, const struct ip_addr *addr,
		const struct iface_options *o, struct backend_ext_iface *ret, char *err,
		size_t errlen)
{
	struct backend_ext_iface e = {};
	int r;

	if (strlen(name) >= IF_NAMESIZE)
		return fail(err, errlen, -EINVAL, "interface name too long: %s", name);
	strcpy(e.name, name);
	e.ifindex = (int)if_nametoindex(name);
	if (e.ifindex <= 0)
		return fail(err, errlen, -ENODEV, "no interface %s", name);
	if (addr && addr->family == AF_INET)
		e.iface_addr = *addr;
	else
		(void)best_addr(ifs, name, AF_INET, &e.iface_addr);
	/* Always looked up, as flanneld does: whether IPv6 is needed is only known once the
	 * network config is read, and nothing uses the address unless the config enables it. */
	if (addr && addr->family == AF_INET6)
		e.iface_addr6 = *addr;
	else
		(void)best_addr(ifs, name, AF_INET6, &e.iface_addr6);
	r = link_mtu(name, &e.mtu);
	if (r < 0)
		return fail(err, errlen, r, "failed to read the MTU of %s", name);
	if (e.mtu == 0)
		return fail(err, errlen, -EINVAL, "interface %s has MTU 0", name);
	e.ext_addr = e.iface_addr;
	e.ext_addr6 = e.iface_addr6;
	if (o->public_ip && *o->public_ip &&
	    (ip_addr_parse(o->public_ip, &e.ext_addr) < 0 || e.ext_addr.family != AF_INET))
		return fail(err, errlen, -EINVAL, "invalid --public-ip %s", o->public_ip);
	if (o->public_ipv6 && *o->public_ipv6 &&
	    (ip_addr_parse(o->public_ipv6, &e.ext_addr6) < 0 || e.ext_addr6.family != AF_INET6))
		return fail(err, errlen, -EINVAL, "invalid --public-ipv6 %s", o->public_ipv6);
	if (e.ext_addr.family != AF_INET)
		return fail(err, errlen, -EADDRNOTAVAIL,
			    "interface %s has no IPv4 address and no --public-ip was given", name);
	*ret = e;
	return 0;
}

static const char *iface_of_addr(struct ifaddrs *ifs, const struct ip_addr *a)
{
	for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
		struct ip_addr b;

		if (!i->ifa_addr)
			continue;
		sockaddr_to_ip(i->ifa_addr, &b);
		if (b.family && ip_addr_equal(&b, a))
			return i->ifa_name;
	}
	return NULL;
}

int iface_select(const struct iface_options *o, struct backend_ext_iface *ret, char *err,
		 size_t errlen)
{
	struct ifaddrs *ifs = NULL;
	int r = -ENODEV;

	if (getifaddrs(&ifs) < 0)
		return fail(err, errlen, -errno, "getifaddrs failed");

	if (o->ifaces && o->ifaces[0]) {
		for (char **s = o->ifaces; *s; s++) {
			struct ip_addr a;
			const char *name = *s;

			if (ip_addr_parse(*s, &a) >= 0) {
				name = iface_of_addr(ifs, &a);
				if (!name)
					continue;
				r = fill(ifs, name, &a, o, ret, err, errlen);
			} else
				r = fill(ifs, name, NULL, o, ret, err, errlen);
			if (r >= 0)
				goto out;
		}
		/* flanneld goes on to the regexes when no --iface is usable */
		if (!o->iface_regexes || !o->iface_regexes[0]) {
			if (r == -ENODEV)
				fail(err, errlen, r,
				     "none of the --iface interfaces or addresses exist");
			goto out;
		}
	}
	if (o->iface_regexes && o->iface_regexes[0]) {
		for (char **s = o->iface_regexes; *s; s++) {
			regex_t re;

			if (regcomp(&re, *s, REG_EXTENDED | REG_NOSUB) != 0) {
				r = fail(err, errlen, -EINVAL, "invalid --iface-regex %s", *s);
				goto out;
			}
			/* addresses first, then names, as flannel does */
			for (int pass = 0; pass < 2; pass++)
				for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
					char buf[IP_ADDR_STRLEN];
					struct ip_addr a;

					if (!i->ifa_addr)
						continue;
					sockaddr_to_ip(i->ifa_addr, &a);
					if (a.family != AF_INET && a.family != AF_INET6)
						continue;
					if (regexec(&re, pass == 0 ? ip_addr_to_string(&a, buf)
								   : i->ifa_name,
						    0, NULL, 0) != 0)
						continue;
					r = fill(ifs, i->ifa_name, pass == 0 ? &a : NULL, o, ret,
						 err, errlen);
					if (r >= 0) {
						regfree(&re);
						goto out;
					}
				}
			regfree(&re);
		}
		r = fail(err, errlen, -ENODEV, o->ifaces && o->ifaces[0] ?
			 "none of the --iface interfaces or addresses exist, and no interface "
			 "matches --iface-regex" : "no interface matches --iface-regex");
		goto out;
	}
	{
		_cleanup_free_ char *routes = NULL;
		char name[IF_NAMESIZE];

		r = read_full_file("/proc/net/route", 1 << 20, &routes, NULL);
		if (r >= 0)
			r = iface_default_route_parse(routes, name);
		if (r < 0) {
			r = fail(err, errlen, r, "no default route: use --iface or --iface-regex");
			goto out;
		}
		r = fill(ifs, name, NULL, o, ret, err, errlen);
	}
out:
	freeifaddrs(ifs);
	return r;
}
