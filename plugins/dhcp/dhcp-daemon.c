// SPDX-License-Identifier: Apache-2.0
/*
 * dhcp-daemon.c - the DHCP lease daemon; see dhcp-daemon.h.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/godec.h"
#include "basic/json-util.h"
#include "basic/macro.h"
#include "basic/netns.h"
#include "basic/sha512.h"
#include "dhcp-client.h"
#include "dhcp-config.h"
#include "dhcp-daemon.h"
#include "dhcp-lease.h"
#include "libcni/result.h"

#define REQUEST_MAX (1 << 20)

struct daemon_opts {
	const char *pidfile, *hostprefix, *socketpath;
	bool broadcast;
	int64_t timeout_ms, resend_max_ms;
};

struct lease {
	struct lease *next;
	char client_id[DHCP_CLIENT_ID_MAX + 1];
	char *netns, *ifname;
	struct dhcp_client client;
	struct dhcp_lease_info info;   /* guarded by table_lock once the thread runs */
	struct dhcp_lease_clock clock;
	pthread_t thread;
	bool dead;                     /* the thread ended (interface gone); guarded */
};

static struct daemon_opts opts = {
	.socketpath = DHCP_DEFAULT_SOCKET,
	.timeout_ms = 10000,
	.resend_max_ms = 62000,
};
static char state_dir[PATH_MAX - 64];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lease *leases;

/* Daemon logging, the reference's "<clientID>: <what>" lines with a timestamp. */
static void dlog(const char *fmt, ...) _printf_(1, 2);
static void dlog(const char *fmt, ...)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	char ts[32];
	time_t t = time(NULL);
	struct tm tm;
	va_list ap;

	strftime(ts, sizeof(ts), "%Y/%m/%d %H:%M:%S", localtime_r(&t, &tm));
	pthread_mutex_lock(&lock);
	fprintf(stderr, "%s ", ts);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&lock);
}

static struct lease *lease_free(struct lease *l)
{
	if (!l)
		return NULL;
	dhcp_client_close(&l->client);
	free(l->netns);
	free(l->ifname);
	free(l);
	return NULL;
}

static struct lease *table_find(const char *client_id)
{
	for (struct lease *l = leases; l; l = l->next)
		if (strcmp(l->client_id, client_id) == 0)
			return l;
	return NULL;
}

static struct lease *table_take(const char *client_id)
{
	for (struct lease **p = &leases; *p; p = &(*p)->next)
		if (strcmp((*p)->client_id, client_id) == 0) {
			struct lease *l = *p;

			*p = l->next;
			l->next = NULL;
			return l;
		}
	return NULL;
}

/* The record of a lease on disk: what a RELEASE needs when the daemon that got the lease is
 * gone. Named by a hash, as client identifiers are longer than a file name may be. */
static void record_path(const char *client_id, char buf[static PATH_MAX])
{
	char hex[41];

	sha512_hex(client_id, strlen(client_id), 20, hex);
	snprintf(buf, PATH_MAX, "%s/%s", state_dir, hex);
}

static void record_write(const struct lease *l)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *s = NULL;
	char path[PATH_MAX], a[INET_ADDRSTRLEN], sid[INET_ADDRSTRLEN];
	int r;

	inet_ntop(AF_INET, &l->info.address, a, sizeof(a));
	inet_ntop(AF_INET, &l->info.server_id, sid, sizeof(sid));
	j = json_pack("{ss ss ss ss ss}", "clientID", l->client_id, "netns", l->netns, "ifName",
		      l->ifname, "address", a, "serverID", sid);
	s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (!s)
		return;
	record_path(l->client_id, path);
	r = mkdir_p(state_dir, 0700);
	if (r >= 0)
		r = write_file_atomic(path, s, strlen(s), 0600);
	if (r < 0)
		dlog("%s: cannot write lease record %s: %s", l->client_id, path, strerror(-r));
}

static void record_remove(const char *client_id)
{
	char path[PATH_MAX];

	record_path(client_id, path);
	(void)unlink(path);
}

/* strerror as Go's syscall.Errno prints it: lower case. */
static const char *go_strerror(int e, char buf[static 128])
{
	snprintf(buf, 128, "%s", strerror(e));
	buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

/* Enter the container's netns and open a client on ifname there. */
static int client_open_in(const char *netns, const char *ifname, const char *client_id,
			  const struct dhcp_config *cfg, struct dhcp_client *c, char *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int nsfd = -1;
	char ebuf[128];
	int saved = -1, r, rr;

	if (asprintf(&path, "%s%s", opts.hostprefix ? opts.hostprefix : "", netns) < 0)
		return -ENOMEM;
	nsfd = netns_open(path);
	if (nsfd == -EINVAL) {
		snprintf(err, DHCP_ERR_MAX, "unknown FS magic on \"%s\"", path);
		return nsfd;
	}
	if (nsfd < 0) {
		/* pkg/ns's text for a missing namespace. */
		snprintf(err, DHCP_ERR_MAX, "failed to Statfs \"%s\": %s", path,
			 go_strerror(-nsfd, ebuf));
		return nsfd;
	}
	r = netns_enter(nsfd, &saved);
	if (r < 0) {
		snprintf(err, DHCP_ERR_MAX, "Error switching to ns %s: %s", path, strerror(-r));
		return r;
	}
	r = dhcp_client_open(c, ifname, client_id, cfg, opts.broadcast, opts.timeout_ms,
			     opts.resend_max_ms, err);
	rr = netns_restore(&saved);
	if (rr < 0) {
		/* A thread stuck in a container's namespace must not serve anyone else. */
		dlog("cannot return to the daemon's netns: %s", strerror(-rr));
		abort();
	}
	return r;
}

static int commit(struct lease *l, const struct dhcp_msg *ack)
{
	struct dhcp_lease_info li;
	int r = dhcp_lease_info_from_msg(ack, &li);

	if (r < 0)
		return r;
	pthread_mutex_lock(&table_lock);
	l->info = li;
	/* No lease time: RFC 2131 requires one in an ACK; an hour keeps us renewing. */
	dhcp_lease_clock_set(&l->clock, dhcp_now_ms(), li.has_lease_time ? li.lease_time : 3600,
			     li.has_t1, li.t1, li.has_t2, li.t2);
	pthread_mutex_unlock(&table_lock);
	return 0;
}

static const char *addr_text(struct in_addr a, char buf[static INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static void *lease_thread(void *userdata)
{
	struct lease *l = userdata;
	/* A failed attempt is retried later only within the same state: crossing T2 rebinds
	 * at once. */
	enum dhcp_lease_state failed_in = DHCP_LEASE_BOUND;
	bool retry = false;

	for (;;) {
		char err[DHCP_ERR_MAX], a[INET_ADDRSTRLEN];
		struct dhcp_lease_info cur;
		struct dhcp_msg *ack;
		int64_t now, wait;
		enum dhcp_lease_state st;
		int r;

		pthread_mutex_lock(&table_lock);
		now = dhcp_now_ms();
		wait = dhcp_lease_wait_ms(&l->clock, now,
					  retry && dhcp_lease_state_at(&l->clock, now) == failed_in);
		pthread_mutex_unlock(&table_lock);
		if (dhcp_client_sleep(&l->client, wait) < 0)
			break;

		pthread_mutex_lock(&table_lock);
		st = dhcp_lease_state_at(&l->clock, dhcp_now_ms());
		cur = l->info;
		pthread_mutex_unlock(&table_lock);
		ack = malloc(sizeof(*ack));
		if (!ack) {
			retry = true;
			continue;
		}
		switch (st) {
		case DHCP_LEASE_BOUND:
			retry = false;
			break;
		case DHCP_LEASE_RENEWING:
		case DHCP_LEASE_REBINDING:
			dlog("%s: %s lease", l->client_id,
			     st == DHCP_LEASE_RENEWING ? "renewing" : "rebinding");
			r = dhcp_client_renew(&l->client, &cur, ack, err);
			if (r == 0)
				r = commit(l, ack);
			if (r == 0) {
				dlog("%s: lease renewed, expiration in %u s", l->client_id,
				     l->info.lease_time);
				retry = false;
			} else {
				dlog("%s: %s", l->client_id, r == -EBADMSG ? "malformed ACK" : err);
				retry = true;
				failed_in = st;
			}
			if (r < 0 && r != -ECANCELED && dhcp_client_link_gone(&l->client)) {
				free(ack);
				goto gone;
			}
			break;
		case DHCP_LEASE_EXPIRED:
			dlog("%s: lease expired, acquiring a new one", l->client_id);
			r = dhcp_client_acquire(&l->client, ack, err);
			if (r == 0)
				r = commit(l, ack);
			if (r == 0) {
				dlog("%s: lease acquired: %s", l->client_id,
				     addr_text(l->info.address, a));
				if (cur.address.s_addr != l->info.address.s_addr)
					dlog("%s: the address changed; the container keeps the old "
					     "one until it is re-added", l->client_id);
				record_write(l);
			} else if (r != -ECANCELED && dhcp_client_link_gone(&l->client)) {
				free(ack);
				goto gone;
			} else if (r != -ECANCELED) {
				dlog("%s: %s", l->client_id, err);
				/* Try again later; the schedule's end is the pause. */
				(void)dhcp_client_sleep(&l->client, opts.resend_max_ms);
			}
			break;
		}
		free(ack);
	}

	/* Stop asked: give the address back unless it is already gone. */
	if (dhcp_lease_state_at(&l->clock, dhcp_now_ms()) != DHCP_LEASE_EXPIRED) {
		int r = dhcp_client_release(&l->client, l->info.address, l->info.server_id);

		if (r < 0)
			dlog("%s: failed to release DHCP lease: %s", l->client_id, strerror(-r));
		else
			dlog("%s: lease released", l->client_id);
	}
	return NULL;

gone:
	/* Nothing left to renew for: the runtime removed the interface without a DEL. The
	 * lease stays in the table, dead, until a DEL or an ADD for the same client. */
	dlog("%s: interface %s is gone, lease dropped", l->client_id, l->ifname);
	pthread_mutex_lock(&table_lock);
	l->dead = true;
	pthread_mutex_unlock(&table_lock);
	return NULL;
}

static int result_json(const struct dhcp_lease_info *li, json_t **ret)
{
	struct cni_result *r = cni_result_new();
	struct ip_prefix p = { .addr = { .family = AF_INET, .in = li->address },
			       .len = li->prefix_len };
	struct ip_addr gw = { .family = AF_INET, .in = li->router };
	struct cni_error err = {};
	int rr = -ENOMEM;

	if (!r)
		return -ENOMEM;
	if (cni_result_add_ip(r, &p, li->router.s_addr ? &gw : NULL, -1) < 0)
		goto out;
	for (size_t i = 0; i < li->n_routes; i++)
		if (cni_result_add_route(r, &li->routes[i].dst, &li->routes[i].gw) < 0)
			goto out;
	/* RFC 3442: with classless routes the router option is not a default route; without
	 * them the CNI result carries the default route via the router, as the reference's. */
	if (!li->classless && li->router.s_addr) {
		struct ip_prefix dflt = { .addr = { .family = AF_INET } };

		if (cni_result_add_route(r, &dflt, &gw) < 0)
			goto out;
	}
	rr = cni_result_to_json(r, "1.1.0", ret, &err);
out:
	cni_result_free(r);
	return rr;
}

static json_t *error_reply(const char *fmt, ...) _printf_(1, 2);
static json_t *error_reply(const char *fmt, ...)
{
	char buf[DHCP_ERR_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return json_pack("{ss}", "error", buf);
}

struct call {
	const char *container_id, *netns, *ifname, *args;
	json_t *netconf;
	char client_id[DHCP_CLIENT_ID_MAX + 1];
};

static json_t *do_allocate(struct call *c)
{
	_cleanup_free_ struct dhcp_config *cfg = calloc(1, sizeof(*cfg));
	_cleanup_free_ struct dhcp_msg *ack = malloc(sizeof(*ack));
	struct lease *l;
	char err[DHCP_ERR_MAX], a[INET_ADDRSTRLEN];
	struct dhcp_lease_info li;
	json_t *res = NULL;
	int r;

	if (!cfg || !ack)
		return NULL;
	r = dhcp_config_parse(c->netconf, c->args, "error parsing netconf: ", cfg, err);
	if (r < 0)
		return error_reply("%s", err);

	/* An active lease for this client: answer from it (CHECK and a repeated ADD). */
	pthread_mutex_lock(&table_lock);
	l = table_find(c->client_id);
	if (l && l->dead)
		l = table_take(c->client_id);
	else if (l)
		li = l->info;
	pthread_mutex_unlock(&table_lock);
	if (l && l->dead) {
		pthread_join(l->thread, NULL);
		lease_free(l);
		l = NULL;
	}
	if (l) {
		dlog("%s: Checking lease", c->client_id);
		goto answer;
	}

	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	/* lease_free() closes the client's fds: none are open yet. */
	l->client.pkt_fd = l->client.ctl_fd = l->client.stop_fd = -1;
	strcpy(l->client_id, c->client_id);
	l->netns = strdup(c->netns);
	l->ifname = strdup(c->ifname);
	if (!l->netns || !l->ifname) {
		lease_free(l);
		return NULL;
	}
	dlog("%s: acquiring lease", c->client_id);
	r = client_open_in(c->netns, c->ifname, c->client_id, cfg, &l->client, err);
	if (r == 0)
		r = dhcp_client_acquire(&l->client, ack, err);
	if (r == 0 && (r = commit(l, ack)) < 0)
		snprintf(err, sizeof(err), "malformed DHCPACK");
	if (r == 0 && !l->info.has_mask) {
		/* The reference stops (releases) such a lease. */
		(void)dhcp_client_release(&l->client, l->info.address, l->info.server_id);
		snprintf(err, sizeof(err), "DHCP option Subnet Mask not found in DHCPACK");
		r = -EBADMSG;
	}
	if (r < 0) {
		dlog("%s: %s", c->client_id, err);
		lease_free(l);
		return error_reply("%s", err);
	}
	li = l->info;
	dlog("%s: lease acquired: %s/%u, expiration in %u s", c->client_id,
	     addr_text(li.address, a), li.prefix_len, li.lease_time);
	record_write(l);

	pthread_mutex_lock(&table_lock);
	if (table_find(c->client_id)) {
		/* Two ADDs raced: keep the first lease, give this address back. */
		pthread_mutex_unlock(&table_lock);
		(void)dhcp_client_release(&l->client, li.address, li.server_id);
		lease_free(l);
		return error_reply("a lease for %s is being acquired already", c->client_id);
	}
	r = -pthread_create(&l->thread, NULL, lease_thread, l);
	if (r == 0) {
		l->next = leases;
		leases = l;
	}
	pthread_mutex_unlock(&table_lock);
	if (r < 0) {
		(void)dhcp_client_release(&l->client, li.address, li.server_id);
		record_remove(c->client_id);
		lease_free(l);
		return error_reply("%s", strerror(-r));
	}
answer:
	r = result_json(&li, &res);
	if (r < 0)
		return NULL;
	return json_pack("{so}", "result", res);
}

/* Release with only the record left (the daemon was restarted): one RELEASE from the
 * recorded address, best effort. */
static void release_recorded(const char *client_id)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ json_t *j = NULL;
	const char *netns = NULL, *ifname = NULL, *addr = NULL, *sid = NULL, *cid = NULL;
	struct dhcp_config cfg = {};
	struct dhcp_client c;
	struct in_addr a, s;
	char path[PATH_MAX], err[DHCP_ERR_MAX];

	record_path(client_id, path);
	if (read_full_file(path, 65536, &text, NULL) < 0)
		return;
	j = json_loads(text, 0, NULL);
	if (!j || json_unpack(j, "{ss ss ss ss ss}", "clientID", &cid, "netns", &netns,
			      "ifName", &ifname, "address", &addr, "serverID", &sid) < 0 ||
	    strcmp(cid, client_id) != 0 || inet_pton(AF_INET, addr, &a) != 1 ||
	    inet_pton(AF_INET, sid, &s) != 1)
		goto done;
	if (client_open_in(netns, ifname, client_id, &cfg, &c, err) < 0) {
		dlog("%s: cannot release recorded lease %s: %s", client_id, addr, err);
		goto done;
	}
	if (dhcp_client_release(&c, a, s) == 0)
		dlog("%s: recorded lease %s released", client_id, addr);
	dhcp_client_close(&c);
done:
	(void)unlink(path);
}

static json_t *do_release(struct call *c)
{
	struct lease *l;

	pthread_mutex_lock(&table_lock);
	l = table_take(c->client_id);
	pthread_mutex_unlock(&table_lock);
	if (l) {
		dlog("%s: releasing lease", c->client_id);
		dhcp_client_stop(&l->client);
		pthread_join(l->thread, NULL);
		record_remove(c->client_id);
		lease_free(l);
	} else {
		release_recorded(c->client_id);
	}
	return json_pack("{s{}}", "result");
}

static json_t *handle(const char *text, size_t len)
{
	_cleanup_json_ json_t *req = json_loadb(text, len, 0, NULL);
	const char *method = NULL, *stdin_data = NULL, *name = "";
	struct call c = {};
	json_error_t jerr;
	json_t *ret;

	if (!req || json_unpack(req, "{ss ss ss ss s?s ss}", "method", &method, "containerID",
				&c.container_id, "netns", &c.netns, "ifName", &c.ifname, "args",
				&c.args, "stdinData", &stdin_data) < 0)
		return error_reply("malformed request");
	c.netconf = json_loads(stdin_data, 0, &jerr);
	if (!c.netconf)
		return error_reply("error parsing netconf: %s", jerr.text);
	/* The network name as Go's decoder finds it (any case of "name"). */
	if (json_is_string(godec_get(c.netconf, "name")))
		name = json_string_value(godec_get(c.netconf, "name"));
	dhcp_client_id(c.container_id, name, c.ifname, c.client_id);

	if (strcmp(method, "Allocate") == 0)
		ret = do_allocate(&c);
	else if (strcmp(method, "Release") == 0)
		ret = do_release(&c);
	else
		ret = error_reply("unknown method %s", method);
	json_decref(c.netconf);
	return ret ? ret : error_reply("%s", strerror(ENOMEM));
}

static void *conn_thread(void *userdata)
{
	_cleanup_close_ int fd = (int)(intptr_t)userdata;
	_cleanup_free_ char *req = NULL, *out = NULL;
	_cleanup_json_ json_t *reply = NULL;
	size_t len;

	if (read_full_fd(fd, REQUEST_MAX, &req, &len) < 0)
		return NULL;
	reply = handle(req, len);
	out = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
	if (out)
		(void)loop_write(fd, out, strlen(out));
	return NULL;
}

static int listen_socket(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;
	const char *lp = getenv("LISTEN_PID"), *lf = getenv("LISTEN_FDS");
	char *slash;
	int r;

	/* systemd socket activation, as the reference accepts. */
	if (lp && lf && (pid_t)atol(lp) == getpid()) {
		if (atoi(lf) == 1)
			return 3;
		fprintf(stderr, "Error getting listener: Too many (%s) FDs passed through socket "
			"activation\n", lf);
		return -EINVAL;
	}
	if (!dir)
		return -ENOMEM;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		r = mkdir_p(dir, 0700);
		if (r < 0)
			return r;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		/* A socket left by a daemon that died: take it over if nobody answers on it. */
		_cleanup_close_ int probe = -1;

		if (errno != EADDRINUSE)
			return -errno;
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe < 0)
			return -errno;
		if (connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno != ECONNREFUSED)
			return -EADDRINUSE;
		if (unlink(path) < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return -errno;
	}
	if (listen(fd, 64) < 0)
		return -errno;
	return TAKE_FD(fd);
}

static void usage(FILE *f)
{
	fputs("Usage of daemon:\n"
	      "  -broadcast\n"
	      "    \tbroadcast DHCP leases\n"
	      "  -hostprefix string\n"
	      "    \toptional prefix to host root\n"
	      "  -pidfile string\n"
	      "    \toptional path to write daemon PID to\n"
	      "  -resendmax duration\n"
	      "    \toptional dhcp client resend max duration (default 1m2s)\n"
	      "  -socketpath string\n"
	      "    \toptional dhcp server socketpath\n"
	      "  -timeout duration\n"
	      "    \toptional dhcp client timeout duration (default 10s)\n", f);
}

/* Go's flag package: -name, --name, -name=value, -name value; bools take no value. */
static int parse_flags(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val;
		char name[32];
		const char *eq;
		size_t nl;

		if (a[0] != '-' || !a[1])
			return 0; /* Go stops at the first non-flag */
		a += a[1] == '-' ? 2 : 1;
		if (!*a && argv[i][1] == '-')
			return 0; /* "--" ends the flags */
		eq = strchr(a, '=');
		nl = eq ? (size_t)(eq - a) : strlen(a);
		snprintf(name, sizeof(name), "%.*s", (int)MIN(nl, sizeof(name) - 1), a);
		if (strcmp(name, "h") == 0 || strcmp(name, "help") == 0) {
			usage(stderr);
			exit(0);
		}
		if (strcmp(name, "broadcast") == 0) {
			val = eq ? eq + 1 : "true";
			if (strcmp(val, "true") == 0 || strcmp(val, "1") == 0 ||
			    strcmp(val, "t") == 0 || strcmp(val, "T") == 0 ||
			    strcmp(val, "TRUE") == 0 || strcmp(val, "True") == 0)
				opts.broadcast = true;
			else if (strcmp(val, "false") == 0 || strcmp(val, "0") == 0 ||
				 strcmp(val, "f") == 0 || strcmp(val, "F") == 0 ||
				 strcmp(val, "FALSE") == 0 || strcmp(val, "False") == 0)
				opts.broadcast = false;
			else
				goto bad_value;
			continue;
		}
		if (strcmp(name, "pidfile") && strcmp(name, "hostprefix") &&
		    strcmp(name, "socketpath") && strcmp(name, "timeout") &&
		    strcmp(name, "resendmax")) {
			fprintf(stderr, "flag provided but not defined: -%s\n", name);
			usage(stderr);
			exit(2);
		}
		if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			fprintf(stderr, "flag needs an argument: -%s\n", name);
			usage(stderr);
			exit(2);
		}
		if (strcmp(name, "pidfile") == 0)
			opts.pidfile = val;
		else if (strcmp(name, "hostprefix") == 0)
			opts.hostprefix = val;
		else if (strcmp(name, "socketpath") == 0)
			opts.socketpath = *val ? val : DHCP_DEFAULT_SOCKET;
		else if (dhcp_parse_duration(val, strcmp(name, "timeout") == 0 ?
					     &opts.timeout_ms : &opts.resend_max_ms) < 0)
			goto bad_value;
		continue;
bad_value:
		fprintf(stderr, "invalid value \"%s\" for flag -%s: parse error\n",
			eq ? eq + 1 : argv[i], name);
		usage(stderr);
		exit(2);
	}
	return 0;
}

int dhcp_daemon_main(int argc, char **argv)
{
	_cleanup_free_ char *sock = NULL;
	_cleanup_close_ int sfd = -1;
	struct pollfd p[2];
	sigset_t mask;
	pthread_attr_t attr;
	int lfd;

	parse_flags(argc, argv);
	if (opts.timeout_ms <= 0)
		opts.timeout_ms = 1;

	if (opts.pidfile && *opts.pidfile) {
		char pid[32];
		int r;

		if (opts.pidfile[0] != '/') {
			fprintf(stderr, "Error writing pidfile \"%s\": path not absolute\n",
				opts.pidfile);
			return 1;
		}
		snprintf(pid, sizeof(pid), "%d", getpid());
		r = write_file_atomic(opts.pidfile, pid, strlen(pid), 0644);
		if (r < 0) {
			fprintf(stderr, "Error writing pidfile \"%s\": %s\n", opts.pidfile,
				strerror(-r));
			return 1;
		}
	}
	if (asprintf(&sock, "%s%s", opts.hostprefix ? opts.hostprefix : "", opts.socketpath) < 0)
		return 1;
	snprintf(state_dir, sizeof(state_dir), "%s.leases", sock);

	/* Signals arrive through signalfd; the worker threads inherit the blocked mask. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return 1;

	lfd = listen_socket(sock);
	if (lfd < 0) {
		fprintf(stderr, "Error getting listener: listen unix %s: %s\n", sock,
			strerror(-lfd));
		return 1;
	}
	dlog("listening on %s", sock);

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	p[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (;;) {
		pthread_t t;
		int fd;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (!p[0].revents)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (pthread_create(&t, &attr, conn_thread, (void *)(intptr_t)fd) != 0)
			close(fd);
	}
	/* As the reference: the socket and pidfile go, the leases are left to lapse (their
	 * records stay so a later Release can still give them back). */
	dlog("exiting");
	unlink(sock);
	if (opts.pidfile && *opts.pidfile)
		unlink(opts.pidfile);
	return 0;
}
