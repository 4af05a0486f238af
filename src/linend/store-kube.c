// SPDX-License-Identifier: Apache-2.0
/*
 * store-kube.c - the lease store on Node objects, as flanneld v0.28's kube subnet manager.
 *
 * A lease is a Node: its subnet is spec.podCIDRs (one per family) or spec.podCIDR, assigned
 * by the controller manager, and its attributes are the node's <prefix>* annotations. The
 * key of an entry is lease_key_format() of the subnet, as in etcd, so the daemon's notion of
 * "our key" holds; a node whose annotations cannot be read is a garbage entry keyed
 * "node/<name>". Our own node is always listed, with our PublicIP, and with a non-zero
 * etcd_lease so the daemon re-writes it through claim(): that is where the annotations are
 * patched (only if they differ) and NetworkUnavailable is cleared, and a claim answers with
 * ttl 0 because kube leases never expire. Nodes without our kube-subnet-manager annotation
 * are not flannel's and are left out. The config comes from a file: SubnetLen/Min/Max mean
 * nothing here, so the config handed to the daemon has SubnetLen set to our podCIDR's length
 * and no SubnetMin/Max.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "basic/fileio.h"
#include "basic/json-util.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "kube/kube.h"
#include "linend/netconfig.h"
#include "linend/store-kube.h"

#define KSTORE_PREFIX_MAX 256
#define NODES_PATH "/api/v1/nodes"
#define WATCH_TIMEOUT_S 300

/* What we last saw of a node: only what a lease is made of. */
struct knode {
	char *name;
	char key[LEASE_KEY_MAX + 8 + 254];
	bool garbage;
	char *raw; /* garbage: the annotations, for the log */
	struct lease lease;
};

struct kstore;

struct kreq {
	struct kstore *s;
	struct kreq *prev, *next;
	union {
		store_config_cb config;
		store_list_cb list;
		store_claim_cb claim;
	} cb;
	void *userdata;
	struct store_claim_result res;
	char key[LEASE_KEY_MAX];
	bool condition_pending;
};

struct store_watch {
	struct kstore *s;
	struct kube_watch *w;
	store_watch_cb cb;
	void *userdata;
	struct store_rev rev;
	bool started;
};

struct kstore {
	struct kube_client *kc;
	char prefix[KSTORE_PREFIX_MAX];
	char *net_config_path;
	char *node_name;
	bool set_unavailable, condition_set;
	struct ip_addr public_ip, public_ipv6;
	struct net_config cfg;
	bool have_cfg;
	struct knode *nodes; /* sorted by name */
	size_t n_nodes;
	/* what our node's annotations were when last seen; patched only if they differ */
	json_t *own_annotations;
	struct kreq *reqs;
	struct store_watch *watch;
	uint64_t garbage_total, patches, patch_errors, watch_gone, lease_events;
	/*
	 * The daemon tells a changed lease from one seen already by its mod_revision. A
	 * resourceVersion may not be parsed into one, and changes with every kubelet
	 * heartbeat anyway: a counter of our own, bumped when a node's lease changes, is.
	 */
	int64_t gen;
};

int store_kube_prefix(const char *given, char *buf, size_t size)
{
	const char *p = given && *given ? given : "flannel.alpha.coreos.com";
	const char *slash = strchr(p, '/');
	size_t n = strlen(p);
	const char *s, *dom_end;
	bool dot = false;

	if (slash && strchr(slash + 1, '/'))
		return -EINVAL;
	if (snprintf(buf, size, "%s%s", p,
		     !slash ? "/" : (p[n - 1] == '/' || p[n - 1] == '-') ? "" : "-") >= (int)size)
		return -EINVAL;
	/* (?:[a-z0-9_-]+\.)+[a-z0-9_-]+/(?:[a-z0-9_-]+-)?$ */
	dom_end = strchr(buf, '/');
	for (s = buf; s < dom_end; s++) {
		if (*s == '.') {
			if (s == buf || s[-1] == '.' || s + 1 == dom_end)
				return -EINVAL;
			dot = true;
		} else if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
			     *s == '-')) {
			return -EINVAL;
		}
	}
	if (!dot)
		return -EINVAL;
	for (s = dom_end + 1; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '-'))
			return -EINVAL;
	if (s != dom_end + 1 && (s[-1] != '-' || s - 1 == dom_end + 1))
		return -EINVAL;
	return 0;
}

/* requests ------------------------------------------------------------------------------ */

static struct kreq *kreq_new(struct kstore *s, void *userdata)
{
	struct kreq *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->s = s;
	q->userdata = userdata;
	q->next = s->reqs;
	if (s->reqs)
		s->reqs->prev = q;
	s->reqs = q;
	return q;
}

static void kreq_free(struct kreq *q)
{
	if (!q)
		return;
	if (q->prev)
		q->prev->next = q->next;
	else
		q->s->reqs = q->next;
	if (q->next)
		q->next->prev = q->prev;
	free(q);
}

/* nodes into leases ------------------------------------------------------------------------ */

static const char *ann(const struct kstore *s, const json_t *anns, const char *name)
{
	char k[KSTORE_PREFIX_MAX + 32];

	snprintf(k, sizeof(k), "%s%s", s->prefix, name);
	return json_object_get_string(anns, k);
}

/* spec.podCIDRs (one per family, at most two), else spec.podCIDR. */
static int node_cidrs(const json_t *node, struct ip_prefix *ret4, struct ip_prefix *ret6)
{
	const json_t *spec = json_object_get(node, "spec");
	const json_t *list = json_object_get(spec, "podCIDRs");
	const char *one = json_object_get_string(spec, "podCIDR");
	struct ip_prefix p4 = {}, p6 = {};
	size_t n = json_array_size(list);

	if (n > 2)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		const char *c = json_string_value(json_array_get(list, i));
		struct ip_prefix p;

		if (!c || ip_prefix_parse(c, &p) < 0)
			return -EINVAL;
		ip_prefix_mask(&p);
		if (p.addr.family == AF_INET && !p4.addr.family)
			p4 = p;
		else if (p.addr.family == AF_INET6 && !p6.addr.family)
			p6 = p;
		else
			return -EINVAL;
	}
	if (n == 0 && one && *one) {
		if (ip_prefix_parse(one, &p4) < 0)
			return -EINVAL;
		ip_prefix_mask(&p4);
		if (p4.addr.family == AF_INET6) {
			p6 = p4;
			p4 = (struct ip_prefix){};
		}
	}
	if (!p4.addr.family && !p6.addr.family)
		return -ENOENT;
	*ret4 = p4;
	*ret6 = p6;
	return 0;
}

/* The node's annotations as flannel's LeaseAttrs JSON, so lease_attrs_parse validates them. */
static int node_attrs(const struct kstore *s, const json_t *anns, bool own,
		      struct lease_attrs *ret)
{
	_cleanup_json_ json_t *o = json_object();
	_cleanup_free_ char *text = NULL;
	const char *pip = ann(s, anns, "public-ip");
	const char *pip6 = ann(s, anns, "public-ipv6");
	const char *type = ann(s, anns, "backend-type");
	const char *data = ann(s, anns, "backend-data");
	const char *data6 = ann(s, anns, "backend-v6-data");
	const char *over = ann(s, anns, "public-ip-overwrite");
	const char *over6 = ann(s, anns, "public-ipv6-overwrite");
	char ip[IP_ADDR_STRLEN];

	if (!o)
		return -ENOMEM;
	if (over && *over)
		pip = over;
	if (over6 && *over6)
		pip6 = over6;
	/* our node always carries our address: the daemon recognises its lease by it */
	if (own)
		pip = ip_addr_to_string(&s->public_ip, ip);
	if (!pip)
		return -EINVAL;
	json_object_set_new(o, "PublicIP", json_string(pip));
	if (pip6 && *pip6)
		json_object_set_new(o, "PublicIPv6", json_string(pip6));
	if (type && *type)
		json_object_set_new(o, "BackendType", json_string(type));
	if (data) {
		json_t *d = json_loads(data, JSON_DECODE_ANY, NULL);

		if (!d) {
			if (!own)
				return -EINVAL;
		} else {
			json_object_set_new(o, "BackendData", d);
		}
	}
	if (data6) {
		json_t *d = json_loads(data6, JSON_DECODE_ANY, NULL);

		if (!d) {
			if (!own)
				return -EINVAL;
		} else {
			json_object_set_new(o, "BackendV6Data", d);
		}
	}
	text = json_dumps(o, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	return lease_attrs_parse(text, strlen(text), ret);
}

static void knode_done(struct knode *n)
{
	free(n->name);
	free(n->raw);
	*n = (struct knode){};
}

/*
 * A Node into a knode. 0: a lease (maybe garbage); -ENOENT: not ours to show (no
 * kube-subnet-manager annotation, no podCIDR yet).
 */
static int node_parse(const struct kstore *s, const json_t *node, struct knode *ret)
{
	const json_t *meta = json_object_get(node, "metadata");
	const json_t *anns = json_object_get(meta, "annotations");
	const char *name = json_object_get_string(meta, "name");
	const char *ksm = ann(s, anns, "kube-subnet-manager");
	bool own = name && s->node_name && streq(name, s->node_name);
	struct knode n = {};
	int r;

	if (!name || !*name)
		return -EINVAL;
	if (!own && !streq_ptr(ksm, "true"))
		return -ENOENT;
	n.name = strdup(name);
	if (!n.name)
		return -ENOMEM;
	r = node_cidrs(node, &n.lease.subnet, &n.lease.subnet6);
	if (r == -ENOENT) {
		knode_done(&n);
		return -ENOENT;
	}
	/* remote leases need an IPv4 subnet (flannel's lease is keyed by it) */
	if (r >= 0 && !n.lease.subnet.addr.family)
		r = -EINVAL;
	if (r >= 0)
		r = node_attrs(s, anns, own, &n.lease.attrs);
	if (r < 0) {
		n.garbage = true;
		n.raw = anns ? json_dumps(anns, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
		snprintf(n.key, sizeof(n.key), "node/%s", name);
	} else {
		lease_key_format(&n.lease.subnet, &n.lease.subnet6, n.key);
		/* our lease is re-written through claim(), see the top of the file */
		n.lease.etcd_lease = own ? 1 : 0;
	}
	*ret = n;
	return 0;
}

static bool knode_same(const struct knode *a, const struct knode *b)
{
	if (!streq(a->key, b->key) || a->garbage != b->garbage)
		return false;
	if (a->garbage)
		return streq_ptr(a->raw, b->raw);
	return ip_prefix_equal(&a->lease.subnet, &b->lease.subnet) &&
	       ip_prefix_equal(&a->lease.subnet6, &b->lease.subnet6) &&
	       lease_attrs_equal(&a->lease.attrs, &b->lease.attrs);
}

static void entry_from_knode(const struct knode *n, struct store_entry *ret)
{
	*ret = (struct store_entry){ .key = n->key, .garbage = n->garbage, .raw = n->raw,
				     .raw_len = n->raw ? strlen(n->raw) : 0, .lease = n->lease };
}

static struct knode *knode_find(struct kstore *s, const char *name, size_t *ret_pos)
{
	size_t lo = 0, hi = s->n_nodes;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s->nodes[mid].name, name);

		if (c == 0)
			return &s->nodes[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (ret_pos)
		*ret_pos = lo;
	return NULL;
}

static void nodes_clear(struct kstore *s)
{
	for (size_t i = 0; i < s->n_nodes; i++)
		knode_done(&s->nodes[i]);
	free(s->nodes);
	s->nodes = NULL;
	s->n_nodes = 0;
}

static void own_annotations_keep(struct kstore *s, const json_t *node)
{
	const json_t *anns = json_object_get(json_object_get(node, "metadata"), "annotations");

	if (s->own_annotations)
		json_decref(s->own_annotations);
	s->own_annotations = json_is_object(anns) ? json_deep_copy(anns) : json_object();
}

static int knode_cmp(const void *a, const void *b)
{
	return strcmp(((const struct knode *)a)->name, ((const struct knode *)b)->name);
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct store_entry *)a)->key, ((const struct store_entry *)b)->key);
}

/* Our node's lease must be usable: upstream's errors, word for word. */
static int own_check(struct kstore *s, const json_t *node, struct ip_prefix *ret4,
		     struct ip_prefix *ret6, char *msg, size_t msglen)
{
	struct ip_prefix p4, p6;
	char a[IP_PREFIX_STRLEN], b[IP_PREFIX_STRLEN];
	int r;

	r = node_cidrs(node, &p4, &p6);
	if (r == -ENOENT) {
		snprintf(msg, msglen, "node \"%s\" pod cidr not assigned", s->node_name);
		return -ENOENT;
	}
	if (r == -E2BIG) {
		snprintf(msg, msglen, "node \"%s\" has more than two podCIDRs", s->node_name);
		return -EINVAL;
	}
	if (r < 0) {
		snprintf(msg, msglen, "node \"%s\" has an invalid podCIDR", s->node_name);
		return -EINVAL;
	}
	if (s->have_cfg && s->cfg.enable_ipv4 && p4.addr.family &&
	    !(ip_prefix_contains(&s->cfg.network, &p4.addr) &&
	      p4.len >= s->cfg.network.len)) {
		snprintf(msg, msglen, "subnet \"%s\" specified in the flannel net config doesn't "
			 "contain \"%s\" PodCIDR of the \"%s\" node",
			 ip_prefix_to_string(&s->cfg.network, a), ip_prefix_to_string(&p4, b),
			 s->node_name);
		return -EINVAL;
	}
	if (s->have_cfg && s->cfg.enable_ipv6 && p6.addr.family &&
	    !(ip_prefix_contains(&s->cfg.ipv6_network, &p6.addr) &&
	      p6.len >= s->cfg.ipv6_network.len)) {
		snprintf(msg, msglen, "subnet \"%s\" specified in the flannel net config doesn't "
			 "contain \"%s\" IPv6 PodCIDR of the \"%s\" node",
			 ip_prefix_to_string(&s->cfg.ipv6_network, a), ip_prefix_to_string(&p6, b),
			 s->node_name);
		return -EINVAL;
	}
	if (s->have_cfg && s->cfg.enable_ipv4 && !p4.addr.family) {
		snprintf(msg, msglen, "node \"%s\" has no IPv4 podCIDR", s->node_name);
		return -EINVAL;
	}
	if (ret4)
		*ret4 = p4;
	if (ret6)
		*ret6 = p6;
	return 0;
}

/* config: the file, fitted to our podCIDR ---------------------------------------------- */

static void node_name_done(const struct kube_reply *r, void *userdata);

static void config_node_done(const struct kube_reply *r, void *userdata)
{
	struct kreq *q = userdata;
	struct kstore *s = q->s;
	_cleanup_free_ char *text = NULL, *out = NULL;
	_cleanup_json_ json_t *cfg = NULL;
	struct ip_prefix p4 = {}, p6 = {};
	char msg[512], err[256];
	size_t len;
	int e;

	if (r->error < 0) {
		snprintf(msg, sizeof(msg), "getting node \"%s\": %s", s->node_name,
			 r->message ? r->message : "request failed");
		q->cb.config(r->error == -ENOENT ? -EAGAIN : r->error, msg, NULL, 0, q->userdata);
		kreq_free(q);
		return;
	}
	e = read_full_file(s->net_config_path, 1U << 20, &text, &len);
	if (e < 0) {
		snprintf(msg, sizeof(msg), "failed to read net conf %s", s->net_config_path);
		q->cb.config(e == -ENOENT ? -EIO : e, msg, NULL, 0, q->userdata);
		kreq_free(q);
		return;
	}
	cfg = json_loadb(text, len, 0, NULL);
	if (!json_is_object(cfg)) {
		/* the daemon's parser says what is wrong with it */
		q->cb.config(0, NULL, text, len, q->userdata);
		kreq_free(q);
		return;
	}
	/* kube mode: SubnetLen/Min/Max are not ours to enforce; the podCIDR decides */
	json_object_del(cfg, "SubnetMin");
	json_object_del(cfg, "SubnetMax");
	json_object_del(cfg, "IPv6SubnetMin");
	json_object_del(cfg, "IPv6SubnetMax");
	{
		_cleanup_free_ char *t0 = json_dumps(cfg, JSON_COMPACT);

		/* parse first without our podCIDR's length, to know Network for the check */
		s->have_cfg = t0 && net_config_parse(t0, strlen(t0), &s->cfg, err,
						     sizeof(err)) >= 0;
	}
	e = own_check(s, r->json, &p4, &p6, msg, sizeof(msg));
	if (e < 0) {
		q->cb.config(e == -ENOENT ? -EAGAIN : e, msg, NULL, 0, q->userdata);
		kreq_free(q);
		return;
	}
	if (p4.addr.family)
		json_object_set_new(cfg, "SubnetLen", json_integer(p4.len));
	if (p6.addr.family)
		json_object_set_new(cfg, "IPv6SubnetLen", json_integer(p6.len));
	out = json_dumps(cfg, JSON_COMPACT);
	if (!out) {
		q->cb.config(-ENOMEM, NULL, NULL, 0, q->userdata);
		kreq_free(q);
		return;
	}
	if (net_config_parse(out, strlen(out), &s->cfg, err, sizeof(err)) >= 0)
		s->have_cfg = true;
	own_annotations_keep(s, r->json);
	q->cb.config(0, NULL, out, strlen(out), q->userdata);
	kreq_free(q);
}

static int get_own_node(struct kreq *q, kube_reply_cb cb)
{
	_cleanup_free_ char *path = NULL, *esc = NULL;
	int r;

	r = kube_query_escape(q->s->node_name, &esc);
	if (r < 0)
		return r;
	if (asprintf(&path, NODES_PATH "/%s", esc) < 0)
		return -ENOMEM;
	return kube_get(q->s->kc, path, cb, q);
}

static void node_name_done(const struct kube_reply *r, void *userdata)
{
	struct kreq *q = userdata;
	struct kstore *s = q->s;
	const char *n = json_object_get_string(json_object_get(r->json, "spec"), "nodeName");
	char msg[512];
	int e;

	if (r->error < 0 || !n || !*n) {
		snprintf(msg, sizeof(msg), "error retrieving pod spec for '%s/%s': %s",
			 getenv("POD_NAMESPACE") ?: "", getenv("POD_NAME") ?: "",
			 r->message ? r->message : "no spec.nodeName");
		q->cb.config(r->error < 0 ? r->error : -EAGAIN, msg, NULL, 0, q->userdata);
		kreq_free(q);
		return;
	}
	s->node_name = strdup(n);
	if (!s->node_name) {
		q->cb.config(-ENOMEM, NULL, NULL, 0, q->userdata);
		kreq_free(q);
		return;
	}
	e = get_own_node(q, config_node_done);
	if (e < 0) {
		q->cb.config(e, NULL, NULL, 0, q->userdata);
		kreq_free(q);
	}
}

static int ks_get_config(void *state, store_config_cb cb, void *userdata)
{
	struct kstore *s = state;
	struct kreq *q = kreq_new(s, userdata);
	int r;

	if (!q)
		return -ENOMEM;
	q->cb.config = cb;
	if (s->node_name) {
		r = get_own_node(q, config_node_done);
	} else {
		const char *ns = getenv("POD_NAMESPACE"), *pod = getenv("POD_NAME");
		_cleanup_free_ char *path = NULL;

		if (!ns || !*ns || !pod || !*pod) {
			kreq_free(q);
			return -ENXIO;
		}
		if (asprintf(&path, "/api/v1/namespaces/%s/pods/%s", ns, pod) < 0) {
			kreq_free(q);
			return -ENOMEM;
		}
		r = kube_get(s->kc, path, node_name_done, q);
	}
	if (r < 0)
		kreq_free(q);
	return r;
}

/* list ---------------------------------------------------------------------------------- */

static void list_done(const struct kube_reply *r, void *userdata)
{
	struct kreq *q = userdata;
	struct kstore *s = q->s;
	_cleanup_free_ struct store_entry *e = NULL;
	const json_t *items = json_object_get(r->json, "items");
	const char *rv = json_object_get_string(json_object_get(r->json, "metadata"),
						"resourceVersion");
	struct store_snapshot snap = {};
	struct knode *nodes;
	size_t n = 0;
	bool own_seen = false;
	char msg[512];

	if (r->error < 0 || !json_is_array(items) || !rv) {
		q->cb.list(r->error < 0 ? r->error : -EBADMSG,
			   r->message ? r->message : "not a NodeList", NULL, q->userdata);
		kreq_free(q);
		return;
	}
	nodes = calloc(json_array_size(items) + 1, sizeof(*nodes));
	e = calloc(json_array_size(items) + 1, sizeof(*e));
	if (!nodes || !e) {
		free(nodes);
		q->cb.list(-ENOMEM, NULL, NULL, q->userdata);
		kreq_free(q);
		return;
	}
	for (size_t i = 0; i < json_array_size(items); i++) {
		const json_t *node = json_array_get(items, i);
		const char *name = json_object_get_string(json_object_get(node, "metadata"),
							  "name");

		if (name && s->node_name && streq(name, s->node_name)) {
			if (own_check(s, node, NULL, NULL, msg, sizeof(msg)) < 0) {
				for (size_t j = 0; j < n; j++)
					knode_done(&nodes[j]);
				free(nodes);
				q->cb.list(-EINVAL, msg, NULL, q->userdata);
				kreq_free(q);
				return;
			}
			own_seen = true;
			own_annotations_keep(s, node);
		}
		if (node_parse(s, node, &nodes[n]) < 0)
			continue;
		{
			struct knode *old = knode_find(s, nodes[n].name, NULL);

			if (old && knode_same(old, &nodes[n]))
				nodes[n].lease.mod_revision = old->lease.mod_revision;
			else
				nodes[n].lease.mod_revision = ++s->gen;
		}
		if (nodes[n].garbage)
			s->garbage_total++;
		n++;
	}
	if (!own_seen) {
		free(nodes);
		snprintf(msg, sizeof(msg), "node \"%s\" not found", s->node_name);
		q->cb.list(-ENOENT, msg, NULL, q->userdata);
		kreq_free(q);
		return;
	}
	qsort(nodes, n, sizeof(*nodes), knode_cmp);
	nodes_clear(s);
	s->nodes = nodes;
	s->n_nodes = n;
	for (size_t i = 0; i < n; i++)
		entry_from_knode(&nodes[i], &e[i]);
	qsort(e, n, sizeof(*e), entry_cmp);
	snap.entries = e;
	snap.n_entries = n;
	snprintf(snap.rev.s, sizeof(snap.rev.s), "%s", rv);
	q->cb.list(0, NULL, &snap, q->userdata);
	kreq_free(q);
}

static int ks_list(void *state, store_list_cb cb, void *userdata)
{
	struct kstore *s = state;
	struct kreq *q = kreq_new(s, userdata);
	int r;

	if (!q)
		return -ENOMEM;
	q->cb.list = cb;
	r = kube_get(s->kc, NODES_PATH, list_done, q);
	if (r < 0)
		kreq_free(q);
	return r;
}

/* claim: our annotations, then NetworkUnavailable ------------------------------------ */

static void claim_finish(struct kreq *q)
{
	q->cb.claim(&q->res, q->userdata);
	kreq_free(q);
}

static void condition_done(const struct kube_reply *r, void *userdata)
{
	struct kreq *q = userdata;

	/* flanneld logs this and goes on: the lease is ours either way */
	if (r->error < 0)
		log_warning_errno(r->error, "failed to set NetworkUnavailable=False on node %s: %s",
				  q->s->node_name, r->message ? r->message : "");
	else
		q->s->condition_set = true;
	claim_finish(q);
}

static void condition_send(struct kreq *q)
{
	struct kstore *s = q->s;
	_cleanup_free_ char *body = NULL, *path = NULL;
	char now[32];
	time_t t = time(NULL);
	struct tm tm;

	if (!s->set_unavailable || s->condition_set) {
		claim_finish(q);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (asprintf(&body, "{\"status\":{\"conditions\":[{\"type\":\"NetworkUnavailable\","
		     "\"status\":\"False\",\"reason\":\"FlannelIsUp\",\"message\":\"Flannel is "
		     "running on this node\",\"lastHeartbeatTime\":\"%s\","
		     "\"lastTransitionTime\":\"%s\"}]}}", now, now) < 0 ||
	    asprintf(&path, NODES_PATH "/%s/status", s->node_name) < 0) {
		claim_finish(q);
		return;
	}
	if (kube_patch(s->kc, path, "application/strategic-merge-patch+json", body,
		       condition_done, q) < 0)
		claim_finish(q);
}

static void annotate_done(const struct kube_reply *r, void *userdata)
{
	struct kreq *q = userdata;

	if (r->error < 0) {
		q->s->patch_errors++;
		q->res.error = r->error;
		q->res.message = NULL;
		log_debug("annotating node %s failed: %s", q->s->node_name,
			  r->message ? r->message : "");
		claim_finish(q);
		return;
	}
	q->s->patches++;
	if (r->json)
		own_annotations_keep(q->s, r->json);
	condition_send(q);
}

static json_t *backend_data_json(const struct backend_data *d)
{
	char mac[18];

	switch (d->kind) {
	case BACKEND_DATA_NONE:
		return NULL;
	case BACKEND_DATA_VXLAN:
		return json_pack("{s:I, s:s}", "VNI", (json_int_t)d->vni, "VtepMAC",
				 mac_format(d->vtep_mac, mac));
	case BACKEND_DATA_STRING:
		return json_stringn(d->str, d->len);
	}
	return NULL;
}

static int set_ann(const struct kstore *s, json_t *o, const char *name, const char *value)
{
	char k[KSTORE_PREFIX_MAX + 32];

	snprintf(k, sizeof(k), "%s%s", s->prefix, name);
	return json_object_set_new(o, k, json_string(value));
}

static int set_ann_json(const struct kstore *s, json_t *o, const char *name, json_t *v)
{
	/* flanneld writes json.Marshal of the raw message: "null" when unset */
	_cleanup_free_ char *t = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	if (v)
		json_decref(v);
	return set_ann(s, o, name, t ? t : "null");
}

static int ks_claim(void *state, const struct store_claim *c, store_claim_cb cb, void *userdata)
{
	struct kstore *s = state;
	_cleanup_json_ json_t *want = json_object(), *changed = NULL, *patch = NULL;
	_cleanup_free_ char *body = NULL, *path = NULL;
	struct kreq *q;
	const char *k, *over;
	json_t *v;
	char ip[IP_ADDR_STRLEN];

	if (!want)
		return -ENOMEM;
	q = kreq_new(s, userdata);
	if (!q)
		return -ENOMEM;
	q->cb.claim = cb;
	lease_key_format(&c->subnet, &c->subnet6, q->key);
	q->res = (struct store_claim_result){ .key = q->key,
					      .lease = { .subnet = c->subnet,
							 .subnet6 = c->subnet6,
							 .attrs = c->attrs } };
	/* the podCIDR is assigned, not chosen: only a re-write of ours is possible */
	if (!c->prev) {
		q->res.error = -EPERM;
		q->res.message = "the kube subnet manager only uses the node's podCIDR";
		claim_finish(q);
		return 0;
	}
	set_ann(s, want, "kube-subnet-manager", "true");
	set_ann(s, want, "backend-type", c->attrs.backend_type);
	set_ann_json(s, want, "backend-data", backend_data_json(&c->attrs.data));
	set_ann(s, want, "public-ip", ip_addr_to_string(&c->attrs.public_ip, ip));
	if (c->subnet6.addr.family) {
		set_ann_json(s, want, "backend-v6-data", backend_data_json(&c->attrs.data6));
		if (c->attrs.public_ipv6.family)
			set_ann(s, want, "public-ipv6",
				ip_addr_to_string(&c->attrs.public_ipv6, ip));
	}
	/* as flanneld's two-way merge patch: only what differs, keys sorted as Go marshals */
	over = ann(s, s->own_annotations, "public-ip-overwrite");
	if (over && *over)
		set_ann(s, want, "public-ip", over);
	changed = json_object();
	if (!changed) {
		kreq_free(q);
		return -ENOMEM;
	}
	json_object_foreach(want, k, v)
		if (!json_equal(v, json_object_get(s->own_annotations, k)))
			json_object_set(changed, k, v);
	if (json_object_size(changed) == 0) {
		condition_send(q);
		return 0;
	}
	patch = json_pack("{s:{s:O}}", "metadata", "annotations", changed);
	body = patch ? json_dumps(patch, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (!body || asprintf(&path, NODES_PATH "/%s/status", s->node_name) < 0) {
		kreq_free(q);
		return -ENOMEM;
	}
	if (kube_patch(s->kc, path, "application/strategic-merge-patch+json", body,
		       annotate_done, q) < 0) {
		kreq_free(q);
		return -EIO;
	}
	return 0;
}

static int ks_renew(void *state, const struct lease *own, store_renew_cb cb, void *userdata)
{
	/* never called: a claim answers ttl 0 (kube leases do not expire) */
	return -EINVAL;
}

static int ks_remove(void *state, const char *key, store_done_cb cb, void *userdata)
{
	/* Node objects are not ours to delete */
	return -EPERM;
}

/* watch --------------------------------------------------------------------------------- */

static void watch_end(struct store_watch *w)
{
	if (w->s->watch == w)
		w->s->watch = NULL;
	free(w);
}

/* One node event against the cache: up to two store events (a key change is a removal). */
static size_t node_event(struct kstore *s, const struct kube_event *ke, struct knode *tmp,
			 struct store_event ev[static 2])
{
	const char *name = json_object_get_string(json_object_get(ke->object, "metadata"),
						  "name");
	struct knode *old;
	size_t pos = 0, n = 0;
	int r;

	if (!name)
		return 0;
	old = knode_find(s, name, &pos);
	if (ke->type == KUBE_EVENT_DELETED) {
		if (!old)
			return 0;
		ev[n].kind = STORE_EVENT_REMOVED;
		ev[n++].entry.key = strdup(old->key); /* freed by the caller */
		pos = (size_t)(old - s->nodes);
		knode_done(old);
		memmove(&s->nodes[pos], &s->nodes[pos + 1],
			(s->n_nodes - pos - 1) * sizeof(*s->nodes));
		s->n_nodes--;
		return n;
	}
	if (s->node_name && streq(name, s->node_name))
		own_annotations_keep(s, ke->object);
	r = node_parse(s, ke->object, tmp);
	if (r < 0) {
		/* no longer flannel's (annotation removed): as a deletion */
		if (!old)
			return 0;
		ev[n].kind = STORE_EVENT_REMOVED;
		ev[n++].entry.key = strdup(old->key);
		pos = (size_t)(old - s->nodes);
		knode_done(old);
		memmove(&s->nodes[pos], &s->nodes[pos + 1],
			(s->n_nodes - pos - 1) * sizeof(*s->nodes));
		s->n_nodes--;
		return n;
	}
	if (old && knode_same(old, tmp)) {
		knode_done(tmp); /* a heartbeat or a field we do not use */
		return 0;
	}
	if (tmp->garbage)
		s->garbage_total++;
	tmp->lease.mod_revision = ++s->gen;
	if (old && !streq(old->key, tmp->key)) {
		ev[n].kind = STORE_EVENT_REMOVED;
		ev[n++].entry.key = strdup(old->key);
	}
	if (old) {
		knode_done(old);
		*old = *tmp;
	} else {
		struct knode *nn = realloc(s->nodes, (s->n_nodes + 1) * sizeof(*nn));

		if (!nn) {
			knode_done(tmp);
			return n;
		}
		s->nodes = nn;
		memmove(&nn[pos + 1], &nn[pos], (s->n_nodes - pos) * sizeof(*nn));
		nn[pos] = *tmp;
		s->n_nodes++;
		old = &nn[pos];
	}
	*tmp = (struct knode){};
	ev[n].kind = STORE_EVENT_PUT;
	entry_from_knode(old, &ev[n].entry);
	ev[n].entry.key = strdup(old->key);
	n++;
	return n;
}

static void kwatch_cb(const struct kube_watch_update *u, void *userdata)
{
	struct store_watch *w = userdata;
	struct kstore *s = w->s;
	struct store_watch_update su = { .received_usec = u->received_usec };
	struct store_event ev[2] = {};
	struct knode tmp = {};
	char detail[300];

	switch (u->kind) {
	case KUBE_WATCH_EVENT:
		if (!w->started) {
			w->started = true;
			su.kind = STORE_WATCH_STARTED;
			su.rev = w->rev;
			w->cb(&su, w->userdata);
			if (!s->watch)
				return; /* stopped inside */
		}
		if (u->event->rv)
			snprintf(w->rev.s, sizeof(w->rev.s), "%s", u->event->rv);
		su.kind = STORE_WATCH_EVENTS;
		if (u->event->type != KUBE_EVENT_BOOKMARK)
			su.n_events = node_event(s, u->event, &tmp, ev);
		s->lease_events += su.n_events;
		su.events = ev;
		su.rev = w->rev;
		w->cb(&su, w->userdata);
		for (size_t i = 0; i < su.n_events; i++)
			free((char *)ev[i].entry.key);
		return;
	case KUBE_WATCH_GONE:
		s->watch_gone++;
		snprintf(detail, sizeof(detail), "410 Gone: %s", u->message ? u->message : "");
		su.kind = STORE_WATCH_RESYNC;
		su.resync = STORE_RESYNC_COMPACTED;
		su.detail = detail;
		w->cb(&su, w->userdata);
		watch_end(w);
		return;
	case KUBE_WATCH_CLOSED:
		su.kind = STORE_WATCH_CLOSED;
		su.error = u->error;
		su.detail = u->message;
		su.rev = w->rev;
		w->cb(&su, w->userdata);
		watch_end(w);
		return;
	}
}

static int ks_watch(void *state, const struct store_rev *from, store_watch_cb cb, void *userdata,
		    struct store_watch **ret)
{
	struct kstore *s = state;
	struct store_watch *w;
	int r;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct store_watch){ .s = s, .cb = cb, .userdata = userdata };
	if (from)
		w->rev = *from;
	r = kube_watch_start(s->kc, NODES_PATH, w->rev.s, WATCH_TIMEOUT_S, kwatch_cb, w, &w->w);
	if (r < 0) {
		free(w);
		return r;
	}
	s->watch = w;
	*ret = w;
	return 0;
}

static void ks_watch_stop(void *state, struct store_watch *w)
{
	if (!w)
		return;
	kube_watch_stop(w->w);
	watch_end(w);
}

static const char *ks_where(void *state)
{
	struct kstore *s = state;

	return kube_client_server(s->kc);
}

static int ks_metrics(void *state, FILE *f)
{
	struct kstore *s = state;
	const struct kube_stats *ks = kube_client_stats(s->kc);

	fprintf(f,
		"# TYPE linend_kube_requests_total counter\n"
		"linend_kube_requests_total %" PRIu64 "\n"
		"# TYPE linend_kube_errors_total counter\n"
		"linend_kube_errors_total %" PRIu64 "\n"
		"# TYPE linend_kube_watch_events_total counter\n"
		"linend_kube_watch_events_total %" PRIu64 "\n"
		"# TYPE linend_kube_watch_gone_total counter\n"
		"linend_kube_watch_gone_total %" PRIu64 "\n"
		"# TYPE linend_kube_lease_events_total counter\n"
		"linend_kube_lease_events_total %" PRIu64 "\n"
		"# TYPE linend_kube_garbage_nodes_total counter\n"
		"linend_kube_garbage_nodes_total %" PRIu64 "\n"
		"# TYPE linend_kube_annotation_patches_total counter\n"
		"linend_kube_annotation_patches_total %" PRIu64 "\n"
		"# TYPE linend_kube_annotation_patch_errors_total counter\n"
		"linend_kube_annotation_patch_errors_total %" PRIu64 "\n",
		ks->requests, ks->errors, ks->watch_events, s->watch_gone, s->lease_events,
		s->garbage_total,
		s->patches, s->patch_errors);
	return 0;
}

static void ks_free(void *state)
{
	struct kstore *s = state;

	if (!s)
		return;
	ks_watch_stop(s, s->watch);
	while (s->reqs)
		kreq_free(s->reqs);
	nodes_clear(s);
	if (s->own_annotations)
		json_decref(s->own_annotations);
	free(s->net_config_path);
	free(s->node_name);
	free(s);
}

static const struct lease_store_ops store_kube_ops = {
	.name = "kube",
	.get_config = ks_get_config,
	.list = ks_list,
	.claim = ks_claim,
	.renew = ks_renew,
	.remove = ks_remove,
	.watch = ks_watch,
	.watch_stop = ks_watch_stop,
	.where = ks_where,
	.metrics = ks_metrics,
	.free = ks_free,
};

int store_kube_new(struct kube_client *c, const struct store_kube_options *o,
		   struct lease_store *ret)
{
	struct kstore *s;
	const char *node = o->node_name && *o->node_name ? o->node_name : getenv("NODE_NAME");
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->kc = c;
	r = store_kube_prefix(o->annotation_prefix, s->prefix, sizeof(s->prefix));
	if (r < 0) {
		free(s);
		return r;
	}
	s->net_config_path = strdup(o->net_config_path && *o->net_config_path
				    ? o->net_config_path : "/etc/kube-flannel/net-conf.json");
	s->node_name = node && *node ? strdup(node) : NULL;
	s->set_unavailable = o->set_node_network_unavailable;
	s->public_ip = o->public_ip;
	s->public_ipv6 = o->public_ipv6;
	s->own_annotations = json_object();
	if (!s->net_config_path || (node && *node && !s->node_name) || !s->own_annotations) {
		ks_free(s);
		return -ENOMEM;
	}
	*ret = (struct lease_store){ .ops = &store_kube_ops, .state = s };
	return 0;
}
