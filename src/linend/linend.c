// SPDX-License-Identifier: Apache-2.0
/*
 * linend.c - main(): flanneld's flags (and FLANNELD_* variables), then the loop.
 *
 * Flags follow Go's flag package: -flag or --flag, "=value" or the next argument, bare
 * booleans mean true. Every flag can come from FLANNELD_<NAME> (upper case, '-' -> '_');
 * the command line wins. flanneld flags that do not apply to linend are accepted and
 * ignored with a warning, so a flanneld command line works unchanged.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "linend/daemon.h"
#include "linend/etcd.h"
#include "linend/httpd.h"
#include "linend/iface.h"
#include "linend/loop.h"

enum flag_kind {
	FLAG_STRING,
	FLAG_LIST,   /* repeatable */
	FLAG_BOOL,
	FLAG_UINT,
	FLAG_IGNORED,
	FLAG_IGNORED_BOOL,
};

static struct {
	char *etcd_endpoints, *etcd_prefix, *etcd_keyfile, *etcd_certfile, *etcd_cafile;
	char *etcd_username, *etcd_password, *public_ip, *public_ipv6, *subnet_file;
	char *healthz_ip, *backend;
	char **iface, **iface_regex;
	bool ip_masq, kube_subnet_mgr, version, forward_rules, masq_random_disable;
	unsigned long renew_margin, healthz_port, verbosity, lease_ttl, watch_from, fw_resync, claim_delay;
} opt = {
	.renew_margin = 60,
	.lease_ttl = 86400,
	.forward_rules = true,
	.fw_resync = 5,
};

struct flag {
	const char *name;
	enum flag_kind kind;
	void *ptr;
};

static const struct flag flags[] = {
	{ "etcd-endpoints", FLAG_STRING, &opt.etcd_endpoints },
	{ "etcd-prefix", FLAG_STRING, &opt.etcd_prefix },
	{ "etcd-keyfile", FLAG_STRING, &opt.etcd_keyfile },
	{ "etcd-certfile", FLAG_STRING, &opt.etcd_certfile },
	{ "etcd-cafile", FLAG_STRING, &opt.etcd_cafile },
	{ "etcd-username", FLAG_STRING, &opt.etcd_username },
	{ "etcd-password", FLAG_STRING, &opt.etcd_password },
	{ "iface", FLAG_LIST, &opt.iface },
	{ "iface-regex", FLAG_LIST, &opt.iface_regex },
	{ "public-ip", FLAG_STRING, &opt.public_ip },
	{ "public-ipv6", FLAG_STRING, &opt.public_ipv6 },
	{ "subnet-file", FLAG_STRING, &opt.subnet_file },
	{ "subnet-lease-renew-margin", FLAG_UINT, &opt.renew_margin },
	{ "ip-masq", FLAG_BOOL, &opt.ip_masq },
	{ "ip-masq-fully-random-disable", FLAG_BOOL, &opt.masq_random_disable },
	{ "iptables-forward-rules", FLAG_BOOL, &opt.forward_rules },
	{ "iptables-resync", FLAG_UINT, &opt.fw_resync },
	{ "healthz-ip", FLAG_STRING, &opt.healthz_ip },
	{ "healthz-port", FLAG_UINT, &opt.healthz_port },
	{ "v", FLAG_UINT, &opt.verbosity },
	{ "version", FLAG_BOOL, &opt.version },
	{ "kube-subnet-mgr", FLAG_BOOL, &opt.kube_subnet_mgr },
	/* hidden, for tests and benchmarks */
	{ "subnet-lease-ttl", FLAG_UINT, &opt.lease_ttl },
	{ "backend", FLAG_STRING, &opt.backend },
	{ "watch-from-revision", FLAG_UINT, &opt.watch_from },
	{ "test-claim-delay-ms", FLAG_UINT, &opt.claim_delay },
	/* flanneld flags without meaning here */
	{ "kube-api-url", FLAG_IGNORED, NULL },
	{ "kubeconfig-file", FLAG_IGNORED, NULL },
	{ "kube-annotation-prefix", FLAG_IGNORED, NULL },
	{ "net-config-path", FLAG_IGNORED, NULL },
	{ "iface-can-reach", FLAG_IGNORED, NULL },
	{ "ip-blackhole-route", FLAG_IGNORED_BOOL, NULL },
	{ "set-node-network-unavailable", FLAG_IGNORED_BOOL, NULL },
};

static int strv_push(char ***v, const char *s)
{
	size_t n = 0;
	char **nv;

	while (*v && (*v)[n])
		n++;
	nv = realloc(*v, (n + 2) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	nv[n] = strdup(s);
	nv[n + 1] = NULL;
	*v = nv;
	return nv[n] ? 0 : -ENOMEM;
}

static int parse_bool(const char *v, bool *ret)
{
	if (!v || streq(v, "true") || streq(v, "1") || streq(v, "t") || streq(v, "TRUE"))
		*ret = true;
	else if (streq(v, "false") || streq(v, "0") || streq(v, "f") || streq(v, "FALSE"))
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

static int set_flag(const struct flag *f, const char *v)
{
	char *end;
	bool b;

	switch (f->kind) {
	case FLAG_STRING:
		free(*(char **)f->ptr);
		*(char **)f->ptr = strdup(v);
		return 0;
	case FLAG_LIST:
		return strv_push((char ***)f->ptr, v);
	case FLAG_BOOL:
		return parse_bool(v, (bool *)f->ptr);
	case FLAG_UINT:
		errno = 0;
		*(unsigned long *)f->ptr = strtoul(v, &end, 10);
		return errno || *end || !*v || v[0] == '-' ? -EINVAL : 0;
	case FLAG_IGNORED:
	case FLAG_IGNORED_BOOL:
		log_warning("flag --%s has no effect in linend; ignored", f->name);
		return f->kind == FLAG_IGNORED_BOOL ? parse_bool(v, &b) : 0;
	}
	return -EINVAL;
}

static const struct flag *find_flag(const char *name, size_t len)
{
	for (size_t i = 0; i < ELEMENTSOF(flags); i++)
		if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0)
			return &flags[i];
	return NULL;
}

static int parse_env(void)
{
	for (size_t i = 0; i < ELEMENTSOF(flags); i++) {
		char name[64] = "FLANNELD_";
		const char *v;
		size_t n = strlen(name);

		for (const char *c = flags[i].name; *c && n < sizeof(name) - 1; c++)
			name[n++] = *c == '-' ? '_' : (char)toupper((unsigned char)*c);
		name[n] = 0;
		v = getenv(name);
		if (!v || !*v)
			continue;
		if (set_flag(&flags[i], v) < 0) {
			fprintf(stderr, "linend: invalid value \"%s\" in %s\n", v, name);
			return -EINVAL;
		}
	}
	return 0;
}

static int parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq, *v = NULL;
		const struct flag *f;

		if (a[0] != '-' || !a[1]) {
			fprintf(stderr, "linend: unexpected argument %s\n", a);
			return -EINVAL;
		}
		a += a[1] == '-' ? 2 : 1;
		eq = strchr(a, '=');
		f = find_flag(a, eq ? (size_t)(eq - a) : strlen(a));
		if (!f) {
			fprintf(stderr, "linend: unknown flag %s\n", argv[i]);
			return -EINVAL;
		}
		if (eq)
			v = eq + 1;
		else if (f->kind != FLAG_BOOL && f->kind != FLAG_IGNORED_BOOL) {
			if (i + 1 >= argc) {
				fprintf(stderr, "linend: flag %s needs a value\n", argv[i]);
				return -EINVAL;
			}
			v = argv[++i];
		}
		if (set_flag(f, v) < 0) {
			fprintf(stderr, "linend: invalid value for %s\n", argv[i]);
			return -EINVAL;
		}
	}
	return 0;
}

static char **split_commas(const char *s)
{
	_cleanup_free_ char *copy = strdup(s);
	char **v = NULL, *save = NULL;

	if (!copy)
		return NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (strv_push(&v, t) < 0) {
			strv_free(v);
			return NULL;
		}
	return v;
}

static void on_signal(struct loop *l, int signo, void *userdata)
{
	log_info("received %s, exiting; the dataplane stays in place",
		 signo == SIGTERM ? "SIGTERM" : "SIGINT");
	loop_exit(l, 0);
}

static void http_handler(const char *path, int *ret_status, const char **ret_ctype,
			 char **ret_body, void *userdata)
{
	struct daemon *d = userdata;

	if (streq(path, "/healthz")) {
		*ret_status = 200;
		*ret_body = strdup("flanneld is running");
	} else if (streq(path, "/readyz")) {
		bool ready = daemon_ready(d);

		*ret_status = ready ? 200 : 503;
		*ret_body = strdup(ready ? "flanneld is ready" : "flanneld is not ready yet");
	} else if (streq(path, "/metrics")) {
		*ret_ctype = "text/plain; version=0.0.4; charset=utf-8";
		if (daemon_metrics(d, ret_body) < 0)
			*ret_status = 500;
		else
			*ret_status = 200;
	} else {
		*ret_status = 404;
		*ret_body = strdup("404 page not found");
	}
}

int main(int argc, char **argv)
{
	_cleanup_(loop_freep) struct loop *l = NULL;
	_cleanup_(etcd_client_freep) struct etcd_client *etcd = NULL;
	_cleanup_(daemon_freep) struct daemon *d = NULL;
	_cleanup_strv_free_ char **endpoints = NULL;
	struct httpd *h = NULL;
	struct iface_options io = {};
	struct daemon_options dopt = {};
	struct etcd_options eo = {};
	char err[256] = "";
	int r;

	log_set_ident("linend");
	if (parse_env() < 0 || parse_args(argc, argv) < 0)
		return 2;
	if (opt.version) {
		printf("linend 0.1.0 (flannel-compatible)\n");
		return 0;
	}
	if (opt.verbosity > 0)
		log_set_level(LOG_DEBUG);
	if (opt.kube_subnet_mgr) {
		log_error("--kube-subnet-mgr is not supported by linend yet: use etcd");
		return 1;
	}
	if (opt.renew_margin < 1 || opt.renew_margin > 1439) {
		log_error("invalid subnet-lease-renew-margin option, out of acceptable range");
		return 1;
	}
	if (opt.lease_ttl < 1 || opt.healthz_port > 65535) {
		log_error("invalid --subnet-lease-ttl or --healthz-port");
		return 1;
	}
	endpoints = split_commas(opt.etcd_endpoints ? opt.etcd_endpoints
						    : "http://127.0.0.1:4001,http://127.0.0.1:2379");
	if (!endpoints || !endpoints[0]) {
		log_error("no etcd endpoints");
		return 1;
	}

	io.ifaces = opt.iface;
	io.iface_regexes = opt.iface_regex;
	io.public_ip = opt.public_ip;
	io.public_ipv6 = opt.public_ipv6;
	r = iface_select(&io, &dopt.ext, err, sizeof(err));
	if (r < 0) {
		log_error("failed to find the interface to use: %s", err);
		return 1;
	}
	{
		char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];

		log_info("using interface %s (mtu %u) with address %s, public address %s",
			 dopt.ext.name, dopt.ext.mtu,
			 dopt.ext.iface_addr.family ? ip_addr_to_string(&dopt.ext.iface_addr, a) : "-",
			 ip_addr_to_string(&dopt.ext.ext_addr, b));
	}

	/* TLS initialisation costs megabytes of RSS (OpenSSL's tables): only when needed */
	{
		long gflags = CURL_GLOBAL_NOTHING;

		for (char **e = endpoints; *e; e++)
			if (startswith(*e, "https://"))
				gflags = CURL_GLOBAL_DEFAULT;
		curl_global_init(gflags);
	}
	r = loop_new(&l);
	if (r < 0)
		return log_error_errno(r, "failed to create the event loop"), 1;
	if (loop_signal_add(l, SIGTERM, on_signal, NULL) < 0 ||
	    loop_signal_add(l, SIGINT, on_signal, NULL) < 0)
		return log_error("failed to set up signals"), 1;
	signal(SIGPIPE, SIG_IGN);

	eo.endpoints = endpoints;
	eo.cafile = opt.etcd_cafile;
	eo.certfile = opt.etcd_certfile;
	eo.keyfile = opt.etcd_keyfile;
	eo.username = opt.etcd_username;
	eo.password = opt.etcd_password;
	r = etcd_client_new(l, &eo, &etcd);
	if (r < 0)
		return log_error_errno(r, "failed to create the etcd client"), 1;

	dopt.prefix = opt.etcd_prefix ? opt.etcd_prefix : "/coreos.com/network";
	dopt.subnet_file = opt.subnet_file ? opt.subnet_file : "/run/flannel/subnet.env";
	dopt.renew_margin_min = (unsigned)opt.renew_margin;
	dopt.lease_ttl = (int64_t)opt.lease_ttl;
	dopt.ip_masq = opt.ip_masq;
	dopt.forward_rules = opt.forward_rules;
	dopt.masq_fully_random = !opt.masq_random_disable;
	dopt.fw_resync_usec = (uint64_t)(opt.fw_resync ? opt.fw_resync : 5) * 1000000ULL;
	dopt.backend_override = opt.backend;
	dopt.first_watch_revision = (int64_t)opt.watch_from;
	dopt.claim_delay_ms = (unsigned)opt.claim_delay;
	r = daemon_new(l, etcd, &dopt, &d);
	if (r < 0)
		return log_error_errno(r, "failed to set up"), 1;

	if (opt.healthz_port > 0) {
		r = httpd_new(l, opt.healthz_ip ? opt.healthz_ip : "0.0.0.0",
			      (uint16_t)opt.healthz_port, http_handler, d, &h);
		if (r < 0)
			return log_error_errno(r, "failed to listen on %s:%lu",
					       opt.healthz_ip ? opt.healthz_ip : "0.0.0.0",
					       opt.healthz_port), 1;
	}
	daemon_start(d);
	r = loop_run(l);
	httpd_free(h);
	d = daemon_free(d);
	etcd = etcd_client_free(etcd);
	l = loop_free(l);
	curl_global_cleanup();
	return r < 0 ? 1 : r;
}
