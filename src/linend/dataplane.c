// SPDX-License-Identifier: Apache-2.0
/*
 * dataplane.c - lease table, per-lease programming, full passes and the netlink monitor
 * (see dataplane.h).
 *
 * A lease event programs only that lease: its old entries are diffed against its new ones,
 * which replaces what changed and deletes what the old MAC or address left behind (flannel
 * leaves the old FDB entry). A full pass dumps the kernel and diffs everything; it runs on
 * a timer, after every full lease listing, and within REPAIR_DEBOUNCE_USEC of any monitor
 * event that touches what we own. Failures retry with a backoff instead of blocking.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "linend/dataplane.h"
#include "linend/loop.h"

#define REPAIR_DEBOUNCE_USEC 5000ULL
#define RETRY_MIN_USEC 100000ULL
#define RETRY_MAX_USEC 5000000ULL
#define FIGHT_SPACING_USEC 100000ULL

struct dp {
	const struct dp_kind *kind;
	void *ks;                 /* the kind's state (borrowed) */
	struct loop *loop;
	struct net_config cfg;
	struct backend_ext_iface ext;
	struct nl_sock *nl;
	struct nl_monitor *mon;
	struct loop_io *mon_io;
	struct loop_timer *t_repair;
	uint64_t repair_deadline; /* monotonic usec of the armed repair pass, 0: none */
	uint64_t repair_backoff;
	uint64_t last_fix_usec;   /* when the last pass fixed something, 0: it found all in place */
	bool synced;              /* a full lease listing was seen: stale entries may go */
	bool have_own;
	struct lease own;
	struct dp_lease *leases;
	size_t n_leases, cap_leases;

	uint64_t m_rejected[_DP_REJECT_MAX];
	uint64_t m_passes, m_repairs, m_errors, m_overruns;
	uint64_t m_last_pass_usec;
};

#ifdef LINEN_TEST_HOOKS
static struct nl_sock *test_next_sock;
static struct dp *test_last;

void dp_test_next_sock(struct nl_sock *sk)
{
	nl_sock_free(test_next_sock); /* one no dp_new took */
	test_next_sock = sk;
}

struct dp *dp_test_last(void)
{
	return test_last;
}

uint64_t dp_test_pass_due_usec(const struct dp *dp)
{
	uint64_t now = now_usec();

	if (!loop_timer_armed(dp->t_repair) || !dp->repair_deadline)
		return 0;
	return dp->repair_deadline > now ? dp->repair_deadline - now : 1;
}

uint64_t dp_test_backoff_usec(const struct dp *dp)
{
	return dp->repair_backoff ? dp->repair_backoff : RETRY_MIN_USEC;
}
#endif

struct nl_sock *dp_nl(const struct dp *dp)
{
	return dp->nl;
}

const struct net_config *dp_config(const struct dp *dp)
{
	return &dp->cfg;
}

const struct backend_ext_iface *dp_ext(const struct dp *dp)
{
	return &dp->ext;
}

static void schedule_pass(struct dp *dp, uint64_t usec)
{
	uint64_t now = now_usec(), at = now + usec;

	/* after a pass that had to fix something, space passes out: someone fighting us over
	 * an entry costs a pass per FIGHT_SPACING_USEC, not a busy loop */
	if (dp->last_fix_usec && at < dp->last_fix_usec + FIGHT_SPACING_USEC) {
		at = dp->last_fix_usec + FIGHT_SPACING_USEC;
		usec = at - now;
	}

	if (dp->repair_deadline && dp->repair_deadline <= at && loop_timer_armed(dp->t_repair))
		return;
	dp->repair_deadline = at;
	loop_timer_arm(dp->t_repair, usec);
}

static void schedule_retry(struct dp *dp)
{
	uint64_t b = dp->repair_backoff ? dp->repair_backoff : RETRY_MIN_USEC;

	dp->repair_backoff = MIN(b * 2, RETRY_MAX_USEC);
	schedule_pass(dp, b);
}

/* lease table --------------------------------------------------------------------------- */

static struct dp_lease *find_lease(struct dp *dp, const struct ip_prefix *subnet)
{
	for (size_t i = 0; i < dp->n_leases; i++)
		if (ip_prefix_equal(&dp->leases[i].lease.subnet, subnet))
			return &dp->leases[i];
	return NULL;
}

static struct dp_lease *insert_lease(struct dp *dp)
{
	if (dp->n_leases == dp->cap_leases) {
		size_t cap = dp->cap_leases ? dp->cap_leases * 2 : 64;
		struct dp_lease *n = realloc(dp->leases, cap * sizeof(*n));

		if (!n)
			return NULL;
		dp->leases = n;
		dp->cap_leases = cap;
	}
	dp->leases[dp->n_leases] = (struct dp_lease){};
	return &dp->leases[dp->n_leases++];
}

static void drop_lease(struct dp *dp, struct dp_lease *dl)
{
	size_t i = (size_t)(dl - dp->leases);

	dp->leases[i] = dp->leases[--dp->n_leases];
}

bool dp_on_link(const struct dp *dp, const struct ip_addr *ip)
{
	struct nl_route r;

	if (!ip->family || nl_route_get(dp->nl, ip, &r) < 0)
		return false;
	return r.gw.family == 0 && r.oif == dp->ext.ifindex && r.type == RTN_UNICAST;
}

/* Decide acceptance (and direct routing) for a lease; logs a refusal when it is new. */
static void evaluate(struct dp *dp, struct dp_lease *dl, bool log_change)
{
	const struct lease *l = &dl->lease;
	enum dp_reject was = dl->reject;
	const char *hint = NULL;
	enum dp_reject r;

	r = dp_lease_check(&dp->cfg, dp->have_own ? &dp->own : NULL, &dp->ext.ext_addr,
			   &dp->ext.ext_addr6, dp->kind->type, l);
	dl->direct = dl->direct6 = false;
	if (r == DP_REJECT_NONE) {
		r = dp->kind->lease_accept(dp->ks, dl);
		hint = r != DP_REJECT_NONE ? dp->kind->accept_hint : NULL;
	}
	dl->reject = r;
	if (r != DP_REJECT_NONE && (r != was || log_change)) {
		char k[LEASE_KEY_MAX], ip[IP_ADDR_STRLEN];

		dp->m_rejected[r]++;
		log_warning("%s: not programming lease %s (public IP %s): %s%s%s%s", dp->kind->type,
			    lease_key_format(&l->subnet, &l->subnet6, k),
			    ip_addr_to_string(&l->attrs.public_ip, ip), dp_reject_str(r),
			    hint ? " (" : "", hint ?: "", hint ? ")" : "");
	} else if (r == DP_REJECT_NONE && was != DP_REJECT_NONE && !log_change) {
		char k[LEASE_KEY_MAX];

		log_info("%s: lease %s is acceptable now", dp->kind->type,
			 lease_key_format(&l->subnet, &l->subnet6, k));
	}
}

static int lease_state(const struct dp *dp, const struct dp_lease *dl, struct dp_state *s)
{
	if (dl->reject != DP_REJECT_NONE)
		return 0;
	return dp->kind->lease_state(dp->ks, dl, s);
}

static bool state_has_fdb(const struct dp_state *s, const struct nl_neigh *fdb)
{
	for (size_t i = 0; i < s->n_fdbs; i++)
		if (s->fdbs[i].ifindex == fdb->ifindex &&
		    memcmp(s->fdbs[i].lladdr, fdb->lladdr, 6) == 0)
			return true;
	return false;
}

/*
 * Another accepted lease (not skip) wants an FDB entry for this MAC on this device (two
 * leases of one node during a subnet change): deleting it would cut that one off.
 */
static bool fdb_shared(struct dp *dp, const struct dp_lease *skip, const struct nl_neigh *fdb)
{
	for (size_t i = 0; i < dp->n_leases; i++) {
		const struct dp_lease *o = &dp->leases[i];
		struct dp_state s = {};
		bool found;

		if (o == skip || o->reject != DP_REJECT_NONE)
			continue;
		if (lease_state(dp, o, &s) < 0) {
			dp_state_clear(&s);
			return true; /* cannot tell: keeping an entry is the safe mistake */
		}
		found = state_has_fdb(&s, fdb);
		dp_state_clear(&s);
		if (found)
			return true;
	}
	return false;
}

/* operations ---------------------------------------------------------------------------- */

static void log_op(const struct dp_op *op, int r, const char *errmsg)
{
	char a[IP_PREFIX_STRLEN], b[IP_ADDR_STRLEN], mac[18];
	const char *verb = op->op == DP_OP_REPLACE ? "replace" : "delete";

	switch (op->obj) {
	case DP_OBJ_NEIGH:
		log_warning_errno(r, "neighbour %s %s lladdr %s on ifindex %d failed: %s", verb,
				  ip_addr_to_string(&op->neigh.dst, b),
				  mac_format(op->neigh.lladdr, mac), op->neigh.ifindex, errmsg);
		break;
	case DP_OBJ_FDB:
		log_warning_errno(r, "fdb %s %s dst %s on ifindex %d failed: %s", verb,
				  mac_format(op->neigh.lladdr, mac),
				  op->neigh.dst.family ? ip_addr_to_string(&op->neigh.dst, b) : "-",
				  op->neigh.ifindex, errmsg);
		break;
	case DP_OBJ_ROUTE:
		log_warning_errno(r, "route %s %s via %s dev %d failed: %s", verb,
				  ip_prefix_to_string(&op->route.dst, a),
				  op->route.gw.family ? ip_addr_to_string(&op->route.gw, b) : "-",
				  op->route.oif, errmsg);
		break;
	}
}

static int apply_op(struct dp *dp, const struct dp_op *op)
{
	int r = 0;

	switch (op->obj) {
	case DP_OBJ_NEIGH:
	case DP_OBJ_FDB:
		r = op->op == DP_OP_REPLACE ? nl_neigh_replace(dp->nl, &op->neigh)
					    : nl_neigh_del(dp->nl, &op->neigh);
		break;
	case DP_OBJ_ROUTE:
		r = op->op == DP_OP_REPLACE ? nl_route_replace(dp->nl, &op->route)
					    : nl_route_del(dp->nl, &op->route);
		break;
	}
	if (r < 0) {
		dp->m_errors++;
		log_op(op, r, nl_sock_errmsg(dp->nl));
	}
	return r;
}

/*
 * The gateway a failed FDB entry serves: the address of the wanted neighbour entry with the
 * same MAC on the same device (the route via it must wait for both).
 */
static bool fdb_gateway(const struct dp_state *want, const struct nl_neigh *fdb,
			struct ip_addr *ret)
{
	for (size_t i = 0; i < want->n_neighs; i++)
		if (want->neighs[i].ifindex == fdb->ifindex &&
		    memcmp(want->neighs[i].lladdr, fdb->lladdr, 6) == 0) {
			*ret = want->neighs[i].dst;
			return true;
		}
	return false;
}

static bool in_list(const struct ip_addr *list, size_t n, const struct ip_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (ip_addr_equal(&list[i], a))
			return true;
	return false;
}

/*
 * Apply ops in order. A failed neighbour or FDB replace skips the route of the same
 * gateway (the route must never come before its entries); the pass retries later.
 */
static int apply_ops(struct dp *dp, const struct dp_lease *changing, const struct dp_state *want,
		     const struct dp_op *ops, size_t n)
{
	_cleanup_free_ struct ip_addr *failed = NULL; /* gateways whose ARP or FDB failed */
	size_t n_failed = 0;
	int first = 0;

	for (size_t i = 0; i < n; i++) {
		const struct dp_op *op = &ops[i];
		struct ip_addr gw = {};
		int r;

		if (op->op == DP_OP_DELETE && op->obj == DP_OBJ_FDB &&
		    fdb_shared(dp, changing, &op->neigh))
			continue;
		if (op->op == DP_OP_REPLACE && op->obj == DP_OBJ_ROUTE && op->route.gw.family &&
		    in_list(failed, n_failed, &op->route.gw))
			continue; /* its entries are missing: the kernel would ARP into nowhere */
		r = apply_op(dp, op);
		if (r < 0 && !first)
			first = r;
		if (r < 0 && op->op == DP_OP_REPLACE && op->obj != DP_OBJ_ROUTE) {
			if (op->obj == DP_OBJ_NEIGH)
				gw = op->neigh.dst;
			else if (!fdb_gateway(want, &op->neigh, &gw))
				continue;
			if (!failed)
				failed = calloc(n, sizeof(*failed));
			if (failed)
				failed[n_failed++] = gw;
		}
	}
	return first;
}

/* Program the move from old (may be NULL) to new (may be NULL) for one lease. */
static int program(struct dp *dp, const struct dp_lease *changing, const struct dp_lease *old,
		   const struct dp_lease *new)
{
	struct dp_state want = {}, have = {};
	_cleanup_free_ struct dp_op *ops = NULL;
	size_t n = 0;
	int r = 0;

	if (old)
		r = lease_state(dp, old, &have);
	if (r >= 0 && new)
		r = lease_state(dp, new, &want);
	if (r >= 0)
		r = dp_diff(&want, &have, true, &ops, &n);
	if (r >= 0)
		r = apply_ops(dp, changing, &want, ops, n);
	dp_state_clear(&want);
	dp_state_clear(&have);
	if (r < 0)
		schedule_retry(dp);
	return r;
}

/* backend events ------------------------------------------------------------------------ */

int dp_lease_added(struct dp *dp, const struct lease *l)
{
	struct dp_lease *dl = find_lease(dp, &l->subnet);
	struct dp_lease old, new = { .lease = *l };
	bool had = dl != NULL;

	if (had)
		old = *dl;
	else {
		dl = insert_lease(dp);
		if (!dl)
			return -ENOMEM;
	}
	new.reject = had ? old.reject : DP_REJECT_NONE;
	evaluate(dp, &new, !had || !lease_attrs_equal(&old.lease.attrs, &l->attrs));
	*dl = new;
	program(dp, dl, had ? &old : NULL, dl);
	return dl->reject == DP_REJECT_NONE ? 0 : -EINVAL;
}

int dp_lease_removed(struct dp *dp, const struct lease *l)
{
	struct dp_lease *dl = find_lease(dp, &l->subnet);
	struct dp_lease old;

	if (!dl)
		return 0;
	old = *dl;
	drop_lease(dp, dl);
	return program(dp, NULL, &old, NULL);
}

/* What our own lease puts on the kind's devices; counts what it had to fix. */
static int own_sync(struct dp *dp)
{
	int r;

	if (!dp->kind->own_sync || !dp->have_own)
		return 0;
	r = dp->kind->own_sync(dp->ks, &dp->own);
	if (r > 0)
		dp->m_repairs += (uint64_t)r;
	return MIN(r, 0);
}

int dp_lease_acquired(struct dp *dp, const struct lease *own)
{
	int r;

	dp->own = *own;
	dp->have_own = true;
	/* a cached remote copy of our own subnet is not a peer */
	for (size_t i = 0; i < dp->n_leases;) {
		struct dp_lease *dl = &dp->leases[i];

		if (ip_prefix_equal(&dl->lease.subnet, &own->subnet)) {
			struct dp_lease old = *dl;

			drop_lease(dp, dl);
			program(dp, NULL, &old, NULL);
			continue;
		}
		i++;
	}
	r = own_sync(dp);
	schedule_pass(dp, REPAIR_DEBOUNCE_USEC);
	return r;
}

void dp_leases_synced(struct dp *dp)
{
	dp->synced = true;
	schedule_pass(dp, REPAIR_DEBOUNCE_USEC);
}

/* full pass ----------------------------------------------------------------------------- */

bool dp_in_network(const struct dp *dp, const struct ip_prefix *p)
{
	if (p->addr.family == AF_INET)
		return dp->cfg.enable_ipv4 && p->len >= dp->cfg.network.len &&
		       ip_prefix_contains(&dp->cfg.network, &p->addr);
	if (p->addr.family == AF_INET6)
		return dp->cfg.enable_ipv6 && p->len >= dp->cfg.ipv6_network.len &&
		       ip_prefix_contains(&dp->cfg.ipv6_network, &p->addr);
	return false;
}

static bool is_our_dev(const struct dp *dp, int ifindex)
{
	return ifindex && dp->kind->owns_link && dp->kind->owns_link(dp->ks, ifindex, NULL);
}

static int dump_have(struct dp *dp, const struct dp_state *want, struct dp_state *have)
{
	const struct nl_route_filter f = { .table = RT_TABLE_MAIN, .protocol = NL_RTPROT_LINEN };
	_cleanup_free_ struct nl_route *routes = NULL;
	size_t n = 0;
	int r;

	r = nl_route_dump(dp->nl, AF_UNSPEC, &f, &routes, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (routes[i].protocol == NL_RTPROT_LINEN && dp_in_network(dp, &routes[i].dst) &&
		    (r = dp_state_add_route(have, &routes[i])) < 0)
			return r;
	if (!dp->kind->dump_have)
		return 0;
	return dp->kind->dump_have(dp->ks, want, have);
}

int dp_reconcile(struct dp *dp)
{
	struct dp_state want = {}, have = {};
	_cleanup_free_ struct dp_op *ops = NULL;
	size_t n = 0;
	int r, k;

	uint64_t start = now_usec();

	dp->m_passes++;
	dp->repair_deadline = 0;
	if (dp->kind->devices_ensure) {
		r = dp->kind->devices_ensure(dp->ks);
		if (r < 0) {
			schedule_retry(dp);
			dp->m_last_pass_usec = now_usec() - start;
			return r;
		}
	}
	k = own_sync(dp);
	for (size_t i = 0; i < dp->n_leases; i++) {
		evaluate(dp, &dp->leases[i], false);
		r = lease_state(dp, &dp->leases[i], &want);
		if (r < 0)
			goto out;
	}
	dp_state_sort(&want);
	r = dump_have(dp, &want, &have);
	if (r < 0) {
		log_warning_errno(r, "reconcile: failed to read the kernel's state");
		goto out;
	}
	r = dp_diff(&want, &have, dp->synced, &ops, &n);
	if (r < 0)
		goto out;
	dp->last_fix_usec = n ? now_usec() : 0;
	if (n) {
		log_info("reconcile: %zu entr%s to fix", n, n == 1 ? "y" : "ies");
		dp->m_repairs += n;
	}
	r = apply_ops(dp, NULL, &want, ops, n);
out:
	/* one retry per failed pass, so the backoff doubles once per pass */
	if (r < 0 || k < 0)
		schedule_retry(dp);
	else
		dp->repair_backoff = 0;
	dp_state_clear(&want);
	dp_state_clear(&have);
	dp->m_last_pass_usec = now_usec() - start;
	return r < 0 ? r : k;
}

static void repair_fired(struct loop_timer *t, void *userdata)
{
	dp_reconcile(userdata);
}

/* monitor ------------------------------------------------------------------------------- */

static bool lease_subnet_match(const struct dp *dp, const struct ip_prefix *p)
{
	for (size_t i = 0; i < dp->n_leases; i++) {
		const struct lease *l = &dp->leases[i].lease;

		if (dp->leases[i].reject != DP_REJECT_NONE)
			continue;
		if (ip_prefix_equal(&l->subnet, p) ||
		    (l->subnet6.addr.family && ip_prefix_equal(&l->subnet6, p)))
			return true;
	}
	return false;
}

static bool lease_gateway_match(const struct dp *dp, const struct ip_addr *a)
{
	for (size_t i = 0; i < dp->n_leases; i++) {
		const struct lease *l = &dp->leases[i].lease;

		if (dp->leases[i].reject == DP_REJECT_NONE &&
		    (ip_addr_equal(&l->subnet.addr, a) ||
		     (l->subnet6.addr.family && ip_addr_equal(&l->subnet6.addr, a))))
			return true;
	}
	return false;
}

bool dp_event_relevant(const struct dp *dp, const struct nl_event *ev)
{
	switch (ev->kind) {
	case NL_EVENT_LINK:
		/* our device gone, down or changed; the underlay going down drops routes */
		return ev->link.ifindex == dp->ext.ifindex ||
		       (dp->kind->owns_link &&
			dp->kind->owns_link(dp->ks, ev->link.ifindex, ev->link.name));
	case NL_EVENT_ADDR:
		return is_our_dev(dp, ev->addr.ifindex);
	case NL_EVENT_ROUTE:
		if (ev->route.table && ev->route.table != RT_TABLE_MAIN)
			return false;
		/* ours deleted, or another route put in place of one of ours */
		if (ev->deleted)
			return ev->route.protocol == NL_RTPROT_LINEN &&
			       lease_subnet_match(dp, &ev->route.dst);
		return ev->route.protocol != NL_RTPROT_LINEN &&
		       lease_subnet_match(dp, &ev->route.dst);
	case NL_EVENT_NEIGH:
		if (!is_our_dev(dp, ev->neigh.ifindex))
			return false;
		if (ev->neigh.family == AF_BRIDGE)
			return ev->deleted;
		/* an entry for one of our peers' addresses deleted (the kernel marks it FAILED
		 * before it says so) or not permanent; the kernel's entries for anything else
		 * (IPv6 link-local) are none of our business */
		return (ev->deleted || !(ev->neigh.state & NUD_PERMANENT)) &&
		       lease_gateway_match(dp, &ev->neigh.dst);
	}
	return false;
}

static int event_cb(const struct nl_event *ev, void *userdata)
{
	struct dp *dp = userdata;

	if (dp_event_relevant(dp, ev))
		schedule_pass(dp, REPAIR_DEBOUNCE_USEC);
	return 0;
}

static void monitor_ready(struct loop_io *io, int fd, uint32_t revents, void *userdata)
{
	struct dp *dp = userdata;
	int r = nl_monitor_read(dp->mon, event_cb, dp);

	if (r == -ENOBUFS) {
		dp->m_overruns++;
		log_info("netlink monitor overrun: events lost, running a full pass");
		schedule_pass(dp, REPAIR_DEBOUNCE_USEC);
	} else if (r < 0 && r != -EAGAIN)
		log_debug_errno(r, "netlink monitor read failed");
}

/* life cycle ---------------------------------------------------------------------------- */

void dp_schedule_pass(struct dp *dp)
{
	schedule_pass(dp, REPAIR_DEBOUNCE_USEC);
}

int dp_new(const struct dp_kind *kind, void *kind_state, const struct net_config *cfg,
	   const struct backend_ext_iface *ext, const struct backend_env *env, struct dp **ret)
{
	struct dp *dp;
	int r;

	if (!env || !env->loop || !kind || !kind->lease_accept || !kind->lease_state)
		return -EINVAL;
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	dp->kind = kind;
	dp->ks = kind_state;
	dp->loop = env->loop;
	dp->cfg = *cfg;
	dp->ext = *ext;
	r = loop_timer_new(dp->loop, repair_fired, dp, &dp->t_repair);
	if (r < 0)
		goto fail;
#ifdef LINEN_TEST_HOOKS
	if (test_next_sock) {
		dp->nl = TAKE_PTR(test_next_sock);
		test_last = dp;
		*ret = dp;
		return 0;
	}
#endif
	r = nl_sock_open(&dp->nl);
	if (r < 0)
		goto fail;
	r = nl_monitor_open(NL_MON_LINK | NL_MON_ADDR | NL_MON_ROUTE | NL_MON_NEIGH, &dp->mon);
	if (r < 0)
		goto fail;
	r = loop_io_add(dp->loop, nl_monitor_fd(dp->mon), EPOLLIN, monitor_ready, dp,
			&dp->mon_io);
	if (r < 0)
		goto fail;
#ifdef LINEN_TEST_HOOKS
	test_last = dp;
#endif
	*ret = dp;
	return 0;
fail:
	dp_free(dp);
	return r;
}

struct dp *dp_free(struct dp *dp)
{
	if (!dp)
		return NULL;
#ifdef LINEN_TEST_HOOKS
	if (test_last == dp)
		test_last = NULL;
#endif
	/* memory only: devices, entries and routes stay for the next linend */
	loop_io_free(dp->mon_io);
	nl_monitor_free(dp->mon);
	loop_timer_free(dp->t_repair);
	nl_sock_free(dp->nl);
	free(dp->leases);
	free(dp);
	return NULL;
}

int dp_metrics(struct dp *dp, FILE *f)
{
	size_t programmed = 0, rejected = 0;

	for (size_t i = 0; i < dp->n_leases; i++) {
		if (dp->leases[i].reject == DP_REJECT_NONE)
			programmed++;
		else
			rejected++;
	}
	fputs("# HELP linend_leases_rejected_total Remote leases refused by the dataplane.\n"
	      "# TYPE linend_leases_rejected_total counter\n", f);
	for (int r = 1; r < _DP_REJECT_MAX; r++)
		fprintf(f, "linend_leases_rejected_total{reason=\"%s\"} %" PRIu64 "\n",
			dp_reject_str(r), dp->m_rejected[r]);
	fprintf(f,
		"# TYPE linend_dataplane_leases gauge\n"
		"linend_dataplane_leases{state=\"programmed\"} %zu\n"
		"linend_dataplane_leases{state=\"rejected\"} %zu\n"
		"# HELP linend_dataplane_passes_total Full reconciliation passes.\n"
		"# TYPE linend_dataplane_passes_total counter\n"
		"linend_dataplane_passes_total %" PRIu64 "\n"
		"# HELP linend_dataplane_repairs_total Entries a pass found missing or wrong.\n"
		"# TYPE linend_dataplane_repairs_total counter\n"
		"linend_dataplane_repairs_total %" PRIu64 "\n"
		"# TYPE linend_dataplane_errors_total counter\n"
		"linend_dataplane_errors_total %" PRIu64 "\n"
		"# TYPE linend_netlink_monitor_overruns_total counter\n"
		"linend_netlink_monitor_overruns_total %" PRIu64 "\n"
		"# HELP linend_dataplane_last_pass_seconds Duration of the last full pass.\n"
		"# TYPE linend_dataplane_last_pass_seconds gauge\n"
		"linend_dataplane_last_pass_seconds %.6f\n",
		programmed, rejected, dp->m_passes, dp->m_repairs, dp->m_errors,
		dp->m_overruns, (double)dp->m_last_pass_usec / 1e6);
	if (dp->kind->metrics)
		return dp->kind->metrics(dp->ks, f);
	return 0;
}
