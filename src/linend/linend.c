// SPDX-License-Identifier: Apache-2.0
/*
 * linend.c - main(): flanneld's flags (and FLANNELD_* variables), then the loop.
 *
 * Flags follow Go's flag package: -flag or --flag, "=value" or the next argument, bare
 * booleans mean true. Every flag can come from FLANNELD_<NAME> (upper case, '-' -> '_');
 * the command line wins. flanneld flags that do not apply to linend are accepted and
 * ignored with a warning, so a flanneld command line works unchanged. main() also owns the
 * masquerade and forward rules (masq.h) for every backend, as flanneld does, and hands
 * the daemon a lease_hook that points them at each (re)acquired lease. Every argument is
 * checked before anything is written.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "linend/daemon.h"
#include "linend/etcd.h"
#include "linend/httpd.h"
#include "linend/iface.h"
#include "linend/loop.h"
#ifdef LINEND_DATAPLANE
#include "linend/masq.h"
#endif
#include "kube/kube.h"
#include "linend/store-kube.h"
#include "linend/store.h"

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
	char *kube_api_url, *kubeconfig_file, *kube_annotation_prefix, *net_config_path;
	char **iface, **iface_regex;
	bool test_masq_fail;
	bool ip_masq, kube_subnet_mgr, version, help, forward_rules, masq_random_disable;
	bool set_node_network_unavailable;
	unsigned long renew_margin, healthz_port, verbosity, lease_ttl, watch_from, fw_resync, claim_delay;
} opt = {
	.renew_margin = 60,
	.lease_ttl = 86400,
	.forward_rules = true,
	.fw_resync = 5,
	.set_node_network_unavailable = true,
};

struct flag {
	const char *name;
	enum flag_kind kind;
	void *ptr;
	const char *def;  /* the default, as --help shows it */
	const char *help; /* NULL: hidden from --help */
};

static const struct flag flags[] = {
	{ "etcd-endpoints", FLAG_STRING, &opt.etcd_endpoints,
	  "http://127.0.0.1:4001,http://127.0.0.1:2379",
	  "a comma-delimited list of etcd endpoints" },
	{ "etcd-prefix", FLAG_STRING, &opt.etcd_prefix, "/coreos.com/network", "etcd prefix" },
	{ "etcd-keyfile", FLAG_STRING, &opt.etcd_keyfile, "",
	  "SSL key file used to secure etcd communication" },
	{ "etcd-certfile", FLAG_STRING, &opt.etcd_certfile, "",
	  "SSL certification file used to secure etcd communication" },
	{ "etcd-cafile", FLAG_STRING, &opt.etcd_cafile, "",
	  "SSL Certificate Authority file used to secure etcd communication" },
	{ "etcd-username", FLAG_STRING, &opt.etcd_username, "", "username for BasicAuth to etcd" },
	{ "etcd-password", FLAG_STRING, &opt.etcd_password, "", "password for BasicAuth to etcd" },
	{ "iface", FLAG_LIST, &opt.iface, "",
	  "interface to use (IP or name) for inter-host communication; repeatable" },
	{ "iface-regex", FLAG_LIST, &opt.iface_regex, "",
	  "regex of the interface (IP or name) to use; repeatable" },
	{ "public-ip", FLAG_STRING, &opt.public_ip, "",
	  "IP accessible by other nodes for inter-host communication" },
	{ "public-ipv6", FLAG_STRING, &opt.public_ipv6, "",
	  "IPv6 accessible by other nodes for inter-host communication" },
	{ "subnet-file", FLAG_STRING, &opt.subnet_file, "/run/flannel/subnet.env",
	  "filename where env variables (subnet, MTU, ...) will be written to" },
	{ "subnet-lease-renew-margin", FLAG_UINT, &opt.renew_margin, "60",
	  "subnet lease renewal margin, in minutes, ranging from 1 to 1439" },
	{ "ip-masq", FLAG_BOOL, &opt.ip_masq, "false",
	  "setup IP masquerade rule for traffic destined outside of overlay network" },
	{ "ip-masq-fully-random-disable", FLAG_BOOL, &opt.masq_random_disable, "false",
	  "disable the fully-random flag of the masquerade rule" },
	{ "iptables-forward-rules", FLAG_BOOL, &opt.forward_rules, "true",
	  "add default accept rules to the FORWARD chain" },
	{ "iptables-resync", FLAG_UINT, &opt.fw_resync, "5",
	  "resync period for the firewall rules, in seconds" },
	{ "healthz-ip", FLAG_STRING, &opt.healthz_ip, "0.0.0.0",
	  "the IP address for the healthz server to listen on" },
	{ "healthz-port", FLAG_UINT, &opt.healthz_port, "0",
	  "the port for the healthz server to listen on (0 to disable)" },
	{ "v", FLAG_UINT, &opt.verbosity, "0", "log level; above 0 logs debug messages" },
	{ "version", FLAG_BOOL, &opt.version, "false", "print version and exit" },
	{ "help", FLAG_BOOL, &opt.help, "false", "print this help and exit (also -h)" },
	{ "kube-subnet-mgr", FLAG_BOOL, &opt.kube_subnet_mgr, "false",
	  "contact the Kubernetes API for subnet assignment instead of etcd" },
	{ "kube-api-url", FLAG_STRING, &opt.kube_api_url, "",
	  "Kubernetes API server URL; neither this nor --kubeconfig-file: in-cluster config" },
	{ "kubeconfig-file", FLAG_STRING, &opt.kubeconfig_file, "",
	  "kubeconfig file location" },
	{ "kube-annotation-prefix", FLAG_STRING, &opt.kube_annotation_prefix,
	  "flannel.alpha.coreos.com", "Kubernetes annotation prefix" },
	{ "net-config-path", FLAG_STRING, &opt.net_config_path, "/etc/kube-flannel/net-conf.json",
	  "path to the network configuration file (--kube-subnet-mgr)" },
	{ "set-node-network-unavailable", FLAG_BOOL, &opt.set_node_network_unavailable, "true",
	  "set NetworkUnavailable=False on our Node once the network is up" },
	/* hidden: a lease TTL other than flannel's 24 h (benchmarks, tests) */
	{ "subnet-lease-ttl", FLAG_UINT, &opt.lease_ttl, "86400", NULL },
#ifdef LINEN_TEST_HOOKS
	/* test builds only: no installed binary has these */
	{ "backend", FLAG_STRING, &opt.backend, "", NULL },
	{ "watch-from-revision", FLAG_UINT, &opt.watch_from, "0", NULL },
	{ "test-claim-delay-ms", FLAG_UINT, &opt.claim_delay, "0", NULL },
	{ "test-masq-fail", FLAG_BOOL, &opt.test_masq_fail, "false", NULL },
#endif
	/* flanneld flags without meaning here */
	{ "iface-can-reach", FLAG_IGNORED, NULL, "",
	  "accepted for flanneld compatibility; ignored" },
	{ "ip-blackhole-route", FLAG_IGNORED_BOOL, NULL, "false",
	  "accepted for flanneld compatibility; ignored" },
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

static const char *env_name(const struct flag *f, char name[static 64])
{
	size_t n = strlen("FLANNELD_");

	memcpy(name, "FLANNELD_", n);
	for (const char *c = f->name; *c && n < 63; c++)
		name[n++] = *c == '-' ? '_' : (char)toupper((unsigned char)*c);
	name[n] = 0;
	return name;
}

/* flanneld's --help: every flag with its default and the variable it may come from. */
static void usage(FILE *f)
{
	fprintf(f, "Usage: linend [OPTION]...\n"
		"A flannel-compatible overlay daemon (flanneld's flags; each may also come from\n"
		"FLANNELD_<FLAG> in the environment, upper case with '-' as '_'; the command line "
		"wins).\n\n");
	for (size_t i = 0; i < ELEMENTSOF(flags); i++) {
		const struct flag *fl = &flags[i];
		char name[64];

		if (!fl->help || streq(fl->name, "help"))
			continue;
		fprintf(f, "  --%s%s\n\t%s (default \"%s\", env %s)\n", fl->name,
			fl->kind == FLAG_BOOL || fl->kind == FLAG_IGNORED_BOOL ? "" : "=VALUE",
			fl->help, fl->def, env_name(fl, name));
	}
	fprintf(f, "  -h, --help\n\tprint this help and exit\n");
}

static int parse_env(void)
{
	for (size_t i = 0; i < ELEMENTSOF(flags); i++) {
		char name[64];
		const char *v;

		if (streq(flags[i].name, "help"))
			continue;
		env_name(&flags[i], name);
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
		if (streq(a, "-h")) {
			opt.help = true;
			continue;
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
			fprintf(stderr, "linend: invalid value \"%s\" for --%s\n", v ? v : "",
				f->name);
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

struct http_ctx {
	struct daemon *daemon;
	struct masq *masq; /* NULL: none */
};

/* The daemon's metrics, then the masquerade's (main owns it). */
static int metrics_text(const struct http_ctx *c, char **ret)
{
	_cleanup_free_ char *text = NULL;

	if (daemon_metrics(c->daemon, &text) < 0)
		return -ENOMEM;
#ifdef LINEND_DATAPLANE
	if (c->masq) {
		uint64_t checks = 0, repairs = 0, errors = 0;
		char *all;

		masq_stats(c->masq, &checks, &repairs, &errors);
		if (asprintf(&all, "%s"
			     "# TYPE linend_masq_checks_total counter\n"
			     "linend_masq_checks_total %" PRIu64 "\n"
			     "# TYPE linend_masq_repairs_total counter\n"
			     "linend_masq_repairs_total %" PRIu64 "\n"
			     "# TYPE linend_masq_errors_total counter\n"
			     "linend_masq_errors_total %" PRIu64 "\n"
			     "# TYPE linend_flannel_rules_removed_total counter\n"
			     "linend_flannel_rules_removed_total %" PRIu64 "\n",
			     text, checks, repairs, errors, masq_flanneld_removed(c->masq)) < 0)
			return -ENOMEM;
		free(text);
		text = all;
	}
#endif
	*ret = TAKE_PTR(text);
	return 0;
}

static void http_handler(const char *path, int *ret_status, const char **ret_ctype,
			 char **ret_body, void *userdata)
{
	const struct http_ctx *c = userdata;
	struct daemon *d = c->daemon;

	if (streq(path, "/healthz")) {
		*ret_status = 200;
		*ret_body = strdup("flanneld is running");
	} else if (streq(path, "/readyz")) {
		bool ready = daemon_ready(d);

		*ret_status = ready ? 200 : 503;
		*ret_body = strdup(ready ? "flanneld is ready" : "flanneld is not ready yet");
	} else if (streq(path, "/metrics")) {
		*ret_ctype = "text/plain; version=0.0.4; charset=utf-8";
		if (metrics_text(c, ret_body) < 0)
			*ret_status = 500;
		else
			*ret_status = 200;
	} else {
		*ret_status = 404;
		*ret_body = strdup("404 page not found");
	}
}

/* "http(s)://host[:port]" with a host and, if given, a port in 1..65535. */
static bool endpoint_valid(const char *e)
{
	const char *host = startswith(e, "http://");
	const char *colon, *end;

	if (!host)
		host = startswith(e, "https://");
	if (!host || !*host || *host == ':' || *host == '/')
		return false;
	end = host + strcspn(host, "/");
	if (*end && end[strspn(end, "/")])
		return false; /* a path: etcd's gateway lives at the root */
	colon = *host == '[' ? strstr(host, "]:") : strchr(host, ':');
	if (colon && colon < end) {
		char *pend;
		unsigned long port;

		colon += *host == '[' ? 2 : 1;
		errno = 0;
		port = strtoul(colon, &pend, 10);
		if (errno || pend == colon || pend != end || port < 1 || port > 65535)
			return false;
	}
	return true;
}

/*
 * Whether the subnet file can be written, checked before anything else happens: the file,
 * if it exists, is a regular file, and the nearest existing ancestor is a writable
 * directory (subnet_env_write creates the missing ones). Nothing is created here.
 */
static int subnet_file_check(const char *path, char *err, size_t errlen)
{
	_cleanup_free_ char *dir = strdup(path);
	struct stat st;
	char *slash;

	if (!dir)
		return -ENOMEM;
	if (!*path) {
		snprintf(err, errlen, "empty path");
		return -EINVAL;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a regular file", path);
		return -EISDIR;
	}
	for (;;) {
		slash = strrchr(dir, '/');
		if (!slash) {
			strcpy(dir, ".");
		} else if (slash == dir)
			dir[1] = 0;
		else
			*slash = 0;
		if (stat(dir, &st) == 0)
			break;
		if ((errno != ENOENT && errno != ENOTDIR) || streq(dir, ".") ||
		    streq(dir, "/")) {
			snprintf(err, errlen, "cannot use %s: %s", dir, strerror(errno));
			return -errno;
		}
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", dir);
		return -ENOTDIR;
	}
	if (access(dir, W_OK) < 0) {
		snprintf(err, errlen, "directory %s is not writable: %s", dir, strerror(errno));
		return -errno;
	}
	return 0;
}

#ifdef LINEND_DATAPLANE
static void masq_hook(void *userdata, const struct net_config *cfg, const struct lease *own)
{
	int r = masq_set_lease(userdata, cfg, own);

	if (r < 0)
		log_warning_errno(r, "failed to set up the masquerade rules; retrying");
}
#endif

int main(int argc, char **argv)
{
	_cleanup_(loop_freep) struct loop *l = NULL;
	_cleanup_(etcd_client_freep) struct etcd_client *etcd = NULL;
	_cleanup_(kube_client_freep) struct kube_client *kube = NULL;
	_cleanup_(kube_config_done) struct kube_config kcfg = {};
	_cleanup_(daemon_freep) struct daemon *d = NULL;
	_cleanup_strv_free_ char **endpoints = NULL;
	struct lease_store store = {};
	struct http_ctx hctx = {};
#ifdef LINEND_DATAPLANE
	_cleanup_(masq_freep) struct masq *masq = NULL;
#endif
	struct httpd *h = NULL;
	struct iface_options io = {};
	struct daemon_options dopt = {};
	struct etcd_options eo = {};
	char err[256] = "";
	int r;

	log_set_ident("linend");
	if (parse_env() < 0 || parse_args(argc, argv) < 0)
		return 2;
	if (opt.help) {
		usage(stdout);
		return 0;
	}
	if (opt.version) {
		printf("linend 0.1.0 (flannel-compatible)\n");
		return 0;
	}
	if (opt.verbosity > 0)
		log_set_level(LOG_DEBUG);
	if (opt.kube_subnet_mgr) {
		char pfx[256];

		if (store_kube_prefix(opt.kube_annotation_prefix, pfx, sizeof(pfx)) < 0) {
			log_error("invalid --kube-annotation-prefix \"%s\"",
				  opt.kube_annotation_prefix ? opt.kube_annotation_prefix : "");
			return 1;
		}
	}
	if (opt.renew_margin < 1 || opt.renew_margin > 1439) {
		log_error("invalid subnet-lease-renew-margin option, out of acceptable range");
		return 1;
	}
	if (opt.lease_ttl < 1) {
		log_error("invalid --subnet-lease-ttl %lu: must be at least 1", opt.lease_ttl);
		return 1;
	}
	if (opt.healthz_port > 65535) {
		log_error("invalid --healthz-port %lu: must be between 0 and 65535",
			  opt.healthz_port);
		return 1;
	}
	endpoints = split_commas(opt.etcd_endpoints ? opt.etcd_endpoints
						    : "http://127.0.0.1:4001,http://127.0.0.1:2379");
	if (!endpoints || !endpoints[0]) {
		log_error("invalid --etcd-endpoints \"%s\": no endpoint given",
			  opt.etcd_endpoints ? opt.etcd_endpoints : "");
		return 1;
	}
	for (char **e = endpoints; *e; e++)
		if (!endpoint_valid(*e)) {
			log_error("invalid --etcd-endpoints: \"%s\" is not http(s)://host[:port]",
				  *e);
			return 1;
		}
	if (subnet_file_check(opt.subnet_file ? opt.subnet_file : "/run/flannel/subnet.env", err,
			      sizeof(err)) < 0) {
		log_error("invalid --subnet-file: %s", err);
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
		if (opt.kube_subnet_mgr)
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

	if (opt.kube_subnet_mgr) {
		struct store_kube_options ko = {
			.net_config_path = opt.net_config_path,
			.annotation_prefix = opt.kube_annotation_prefix,
			.set_node_network_unavailable = opt.set_node_network_unavailable,
			.public_ip = dopt.ext.ext_addr,
			.public_ipv6 = dopt.ext.ext_addr6,
		};
		const char *why = "";

		r = kube_config_load(opt.kubeconfig_file, opt.kube_api_url, &kcfg, &why);
		if (r < 0)
			return log_error_errno(r, "failed to create the Kubernetes client: %s", why),
			       1;
		r = kube_client_new(l, &kcfg, &kube);
		if (r < 0)
			return log_error_errno(r, "failed to create the Kubernetes client"), 1;
		if (!getenv("NODE_NAME") && (!getenv("POD_NAME") || !getenv("POD_NAMESPACE")))
			return log_error("the kube subnet manager needs NODE_NAME, or POD_NAME and "
					 "POD_NAMESPACE, in the environment"), 1;
		r = store_kube_new(kube, &ko, &store);
		if (r < 0)
			return log_error_errno(r, "failed to set up the lease store"), 1;
		log_info("kube subnet manager: API %s", kcfg.server);
	} else {
		eo.endpoints = endpoints;
		eo.cafile = opt.etcd_cafile;
		eo.certfile = opt.etcd_certfile;
		eo.keyfile = opt.etcd_keyfile;
		eo.username = opt.etcd_username;
		eo.password = opt.etcd_password;
		r = etcd_client_new(l, &eo, &etcd);
		if (r < 0)
			return log_error_errno(r, "failed to create the etcd client"), 1;
		r = store_etcd_new(etcd, opt.etcd_prefix, &store);
		if (r < 0)
			return log_error_errno(r, "failed to set up the lease store"), 1;
	}

	dopt.subnet_file = opt.subnet_file ? opt.subnet_file : "/run/flannel/subnet.env";
	dopt.renew_margin_min = (unsigned)opt.renew_margin;
	dopt.lease_ttl = (int64_t)opt.lease_ttl;
	dopt.ip_masq = opt.ip_masq;
	dopt.forward_rules = opt.forward_rules;
	dopt.masq_fully_random = !opt.masq_random_disable;
	dopt.fw_resync_usec = (uint64_t)(opt.fw_resync ? opt.fw_resync : 5) * 1000000ULL;
#ifdef LINEN_TEST_HOOKS
	dopt.backend_override = opt.backend;
	if (opt.watch_from)
		snprintf(dopt.first_watch_rev.s, sizeof(dopt.first_watch_rev.s), "%lu",
			 opt.watch_from);
	dopt.claim_delay_ms = (unsigned)opt.claim_delay;
#endif
#ifdef LINEND_DATAPLANE
	/*
	 * flanneld keeps the masquerade and forward rules for every backend. The test-only
	 * log backend promises to change nothing in the kernel, so it runs without them.
	 */
	if (!opt.backend || !streq(opt.backend, "log")) {
		struct masq_options mo = { .ip_masq = opt.ip_masq, .forward = opt.forward_rules,
					   .fully_random = !opt.masq_random_disable,
					   .resync_usec = dopt.fw_resync_usec };
#ifdef LINEN_TEST_HOOKS
		mo.test_fail = opt.test_masq_fail;
#endif

		r = masq_new(l, &mo, &masq);
		if (r < 0)
			return log_error_errno(r, "failed to set up the masquerade rules"), 1;
		dopt.lease_hook = masq_hook;
		dopt.lease_hook_userdata = masq;
	}
#endif
	r = daemon_new(l, &store, &dopt, &d);
	if (r < 0)
		return log_error_errno(r, "failed to set up"), 1;

	hctx.daemon = d;
#ifdef LINEND_DATAPLANE
	hctx.masq = masq;
#endif
	if (opt.healthz_port > 0) {
		r = httpd_new(l, opt.healthz_ip ? opt.healthz_ip : "0.0.0.0",
			      (uint16_t)opt.healthz_port, http_handler, &hctx, &h);
		if (r < 0)
			return log_error_errno(r, "failed to listen on %s:%lu",
					       opt.healthz_ip ? opt.healthz_ip : "0.0.0.0",
					       opt.healthz_port), 1;
	}
	daemon_start(d);
	r = loop_run(l);
	httpd_free(h);
	d = daemon_free(d);
#ifdef LINEND_DATAPLANE
	masq = masq_free(masq);
#endif
	lease_store_done(&store);
	etcd = etcd_client_free(etcd);
	kube = kube_client_free(kube);
	l = loop_free(l);
	curl_global_cleanup();
	return r < 0 ? 1 : r;
}
