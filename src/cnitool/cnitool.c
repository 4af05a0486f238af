// SPDX-License-Identifier: Apache-2.0
/*
 * cnitool - run a CNI network's plugin chain by hand (the reference cnitool's interface).
 *
 *   cnitool {add|check|del|gc|status} <net-name> <netns-path> [-i|--ifname X]
 *   cnitool version <plugin-type>
 *
 * Environment: NETCONFPATH (default /etc/cni/net.d), CNI_PATH, CNI_ARGS ("K=V;K2=V2"),
 * CAP_ARGS (JSON object), CNI_IFNAME (default eth0; the flag wins). linen extras:
 * LINEN_CNI_CACHE_DIR (default /var/lib/cni) and LINEN_CNI_TIMEOUT_MS (per plugin run,
 * default 60000; 0 = none). The container id is "cnitool-" + hex of the first 10 bytes of
 * SHA-512(absolute netns path), as the reference derives it.
 *
 * Uses only the public API of include/cni/libcni.h.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/sha512.h"
#include "cni/libcni.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: cnitool {add|check|del|gc|status} <net-name> <netns-path> "
		"[-i|--ifname IFNAME]\n"
		"       cnitool version <plugin-type>\n"
		"\n"
		"\n"
		"Runs the plugins of a network configuration (a .conflist in NETCONFPATH) for a\n"
		"network namespace, as a container runtime would, and prints the result.\n"
		"\n"
		"Environment: NETCONFPATH (default /etc/cni/net.d), CNI_PATH, CNI_ARGS,\n"
		"CAP_ARGS (JSON object), CNI_IFNAME (default eth0), LINEN_CNI_CACHE_DIR\n"
		"(default /var/lib/cni), LINEN_CNI_TIMEOUT_MS (default 60000).\n"
		"\n"
		"Example:\n"
		"  NETCONFPATH=/etc/cni/net.d CNI_PATH=/opt/cni/bin cnitool add mynet "
		"/var/run/netns/testing\n");
}

static int fail(const char *what, int r, const struct libcni_error *err)
{
	if (err && err->msg[0]) {
		fprintf(stderr, "cnitool: %s: %s", what, err->msg);
		if (err->details[0])
			fprintf(stderr, "; %s", err->details);
		fprintf(stderr, " (CNI error code %u)\n", err->code);
	} else
		fprintf(stderr, "cnitool: %s: %s\n", what, strerror(r < 0 ? -r : r));
	return 1;
}

/* Go's filepath.Abs: join with the working directory, then lexically clean. */
static char *abs_clean(const char *p)
{
	_cleanup_free_ char *joined = NULL;
	char cwd[PATH_MAX], *out, *save = NULL, *tok;
	size_t n = 0;

	if (p[0] == '/')
		joined = strdup(p);
	else if (getcwd(cwd, sizeof(cwd)) && asprintf(&joined, "%s/%s", cwd, p) < 0)
		joined = NULL;
	if (!joined)
		return NULL;
	out = malloc(strlen(joined) + 2);
	if (!out)
		return NULL;
	for (tok = strtok_r(joined, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (streq(tok, "."))
			continue;
		if (streq(tok, "..")) {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			continue;
		}
		out[n++] = '/';
		memcpy(out + n, tok, strlen(tok));
		n += strlen(tok);
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = 0;
	return out;
}

static int parse_cni_args(struct libcni_rt *rt, const char *s)
{
	const char *p = s;

	/* each ';'-separated pair is exactly K=V with both non-empty, like the reference */
	for (;;) {
		size_t n = strcspn(p, ";");
		_cleanup_free_ char *kv = strndup(p, n);
		char *eq;

		if (!kv)
			return -ENOMEM;
		eq = strchr(kv, '=');
		if (!eq || eq == kv || !eq[1] || strchr(eq + 1, '=')) {
			fprintf(stderr, "cnitool: invalid CNI_ARGS pair \"%s\"\n", kv);
			return -EINVAL;
		}
		*eq = 0;
		if (libcni_rt_add_arg(rt, kv, eq + 1) < 0)
			return -ENOMEM;
		if (!p[n])
			break;
		p += n + 1;
	}
	return 0;
}

static int cmd_version(struct libcni *c, const char *type)
{
	_cleanup_free_ char *out = NULL;
	struct libcni_error err = {};
	int r;

	r = libcni_version_info(c, type, &out, &err);
	if (r < 0)
		return fail("version", r, &err);
	printf("%s\n", out);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ifname", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	/* GC sends an empty, present list: every cached attachment of the network is stale */
	static const struct libcni_attachment no_valid[1];
	const char *ifname = getenv("CNI_IFNAME"), *confdir = getenv("NETCONFPATH");
	const char *cache_dir = getenv("LINEN_CNI_CACHE_DIR"), *cmd, *netname, *s;
	struct libcni_netconf *nc = NULL;
	struct libcni_error err = {};
	struct libcni_rt *rt = NULL;
	struct libcni *c = NULL;
	_cleanup_free_ char *netns = NULL, *out = NULL;
	char cid[8 + 2 * 10 + 1] = "cnitool-";
	int opt, r, ret = 1;

	/* GNU getopt permutes: the flag may come before or after the positional arguments */
	while ((opt = getopt_long(argc, argv, "i:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	argv += optind;
	argc -= optind;
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	cmd = argv[0];
	if (!ifname || !*ifname)
		ifname = "eth0";
	if (!confdir || !*confdir)
		confdir = "/etc/cni/net.d";

	r = libcni_new(getenv("CNI_PATH"), cache_dir, &c);
	if (r < 0)
		return fail("init", r, NULL);
	s = getenv("LINEN_CNI_TIMEOUT_MS");
	if (s && *s) {
		char *end;
		unsigned long ms = strtoul(s, &end, 10);

		if (*end || ms > UINT_MAX) {
			fprintf(stderr, "cnitool: invalid LINEN_CNI_TIMEOUT_MS \"%s\"\n", s);
			goto out;
		}
		libcni_set_timeout(c, (unsigned)ms);
	}

	if (streq(cmd, "version")) {
		ret = cmd_version(c, argv[1]);
		goto out;
	}
	if (!streq(cmd, "add") && !streq(cmd, "check") && !streq(cmd, "del") &&
	    !streq(cmd, "gc") && !streq(cmd, "status")) {
		fprintf(stderr, "cnitool: unknown command \"%s\"\n", cmd);
		usage(stderr);
		goto out;
	}
	netname = argv[1];
	/* gc and status work on the network alone; the reference still wants a netns */
	if (argc < 3 && !streq(cmd, "gc") && !streq(cmd, "status")) {
		usage(stderr);
		goto out;
	}
	if (argc > 3) {
		fprintf(stderr, "cnitool: unexpected argument \"%s\"\n", argv[3]);
		goto out;
	}

	r = libcni_netconf_load(confdir, netname, &nc, &err);
	if (r < 0) {
		ret = fail("loading network configuration", r, &err);
		goto out;
	}

	if (streq(cmd, "gc")) {
		r = libcni_gc(c, nc, no_valid, 0, &err);
		if (r < 0)
			ret = fail("gc", r, &err);
		else
			ret = 0;
		goto out;
	}
	if (streq(cmd, "status")) {
		r = libcni_status(c, nc, &err);
		if (r < 0)
			ret = fail("status", r, &err);
		else
			ret = 0;
		goto out;
	}

	netns = abs_clean(argv[2]);
	if (!netns) {
		ret = fail("netns path", -ENOMEM, NULL);
		goto out;
	}
	{
		char hex[2 * 10 + 1];

		sha512_hex(netns, strlen(netns), 10, hex);
		strcat(cid, hex);
	}
	r = libcni_rt_new(cid, netns, ifname, &rt);
	if (r < 0) {
		ret = fail("init", r, NULL);
		goto out;
	}
	s = getenv("CNI_ARGS");
	if (s && *s && parse_cni_args(rt, s) < 0)
		goto out;
	s = getenv("CAP_ARGS");
	if (s && *s) {
		r = libcni_rt_set_capability_args(rt, s, &err);
		if (r < 0) {
			ret = fail("CAP_ARGS", r, &err);
			goto out;
		}
	}

	if (streq(cmd, "add")) {
		r = libcni_add(c, nc, rt, &out, &err);
		if (r < 0) {
			ret = fail("add", r, &err);
			goto out;
		}
		/* the reference prints the result without a trailing newline */
		fputs(out, stdout);
	} else if (streq(cmd, "check")) {
		r = libcni_check(c, nc, rt, &err);
		if (r < 0) {
			ret = fail("check", r, &err);
			goto out;
		}
	} else {
		r = libcni_del(c, nc, rt, &err);
		if (r < 0) {
			ret = fail("del", r, &err);
			goto out;
		}
	}
	ret = 0;
out:
	libcni_rt_free(rt);
	libcni_netconf_free(nc);
	libcni_free(c);
	return ret;
}
