// SPDX-License-Identifier: Apache-2.0
/*
 * kubeconfig.c - where the API server is and who we are: a kubeconfig file (libyaml's
 * document API, walked for the few fields clientcmd uses), an API URL, or the pod's service
 * account.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "kube/kube.h"

#define KUBECONFIG_MAX (4U << 20)

void kube_config_done(struct kube_config *c)
{
	free(c->server);
	free(c->ca_file);
	free(c->ca_data);
	free(c->token);
	free(c->token_file);
	free(c->cert_file);
	free(c->key_file);
	free(c->cert_data);
	free(c->key_data);
	*c = (struct kube_config){};
}

static void yaml_document_freep(yaml_document_t **d)
{
	if (*d)
		yaml_document_delete(*d);
}

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    k->data.scalar.length == strlen(key) &&
		    memcmp(k->data.scalar.value, key, k->data.scalar.length) == 0)
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

/* A scalar's text, or NULL; a scalar holding a NUL is refused as not a string. */
static const char *scalar(yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return NULL;
	return (const char *)n->data.scalar.value;
}

static const char *map_str(yaml_document_t *d, yaml_node_t *map, const char *key)
{
	return scalar(map_get(d, map, key));
}

/* The entry of a named list (clusters, users, contexts) called name: its inner object. */
static yaml_node_t *named(yaml_document_t *d, yaml_node_t *root, const char *list,
			  const char *name, const char *inner)
{
	yaml_node_t *seq = map_get(d, root, list);

	if (!seq || seq->type != YAML_SEQUENCE_NODE || !name)
		return NULL;
	for (yaml_node_item_t *i = seq->data.sequence.items.start;
	     i < seq->data.sequence.items.top; i++) {
		yaml_node_t *e = yaml_document_get_node(d, *i);

		if (streq_ptr(map_str(d, e, "name"), name))
			return map_get(d, e, inner);
	}
	return NULL;
}

static int path_dup(const char *base_dir, const char *p, char **ret)
{
	char *s;

	if (p[0] == '/' || !base_dir)
		s = strdup(p);
	else if (asprintf(&s, "%s/%s", base_dir, p) < 0)
		s = NULL;
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

static int b64_dup(const char *s, char **ret, size_t *ret_len)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), len = 0;
	uint32_t acc = 0;
	int bits = 0;
	char *out = malloc(n / 4 * 3 + 4);

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *p;

		if (s[i] == '=')
			break;
		if (strchr(" \t\r\n", s[i]))
			continue;
		p = strchr(tbl, s[i]);
		if (!p) {
			free(out);
			return -EINVAL;
		}
		acc = (acc << 6) | (uint32_t)(p - tbl);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[len++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[len] = 0;
	*ret = out;
	*ret_len = len;
	return 0;
}

int kube_config_parse(const char *text, size_t len, const char *base_dir,
		      struct kube_config *ret, const char **ret_error)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	_cleanup_(yaml_document_freep) yaml_document_t *d = NULL;
	_cleanup_(kube_config_done) struct kube_config c = {};
	yaml_node_t *root, *ctx, *cluster, *user;
	const char *cur, *v;
	int r;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	r = yaml_parser_load(&parser, &doc);
	yaml_parser_delete(&parser);
	if (!r) {
		*ret_error = "kubeconfig is not valid YAML";
		return -EINVAL;
	}
	d = &doc;
	root = yaml_document_get_root_node(d);
	if (!root || root->type != YAML_MAPPING_NODE) {
		*ret_error = "kubeconfig is not a YAML mapping";
		return -EINVAL;
	}
	cur = map_str(d, root, "current-context");
	if (!cur || !*cur) {
		*ret_error = "kubeconfig has no current-context";
		return -EINVAL;
	}
	ctx = named(d, root, "contexts", cur, "context");
	if (!ctx) {
		*ret_error = "kubeconfig: current-context not found in contexts";
		return -EINVAL;
	}
	cluster = named(d, root, "clusters", map_str(d, ctx, "cluster"), "cluster");
	if (!cluster) {
		*ret_error = "kubeconfig: the context's cluster not found in clusters";
		return -EINVAL;
	}
	/* a context without a user is anonymous; a named user that is missing is an error */
	v = map_str(d, ctx, "user");
	user = v && *v ? named(d, root, "users", v, "user") : NULL;
	if (v && *v && !user) {
		*ret_error = "kubeconfig: the context's user not found in users";
		return -EINVAL;
	}

	v = map_str(d, cluster, "server");
	if (!v || !*v) {
		*ret_error = "kubeconfig: the cluster has no server";
		return -EINVAL;
	}
	c.server = strdup(v);
	if (!c.server)
		return -ENOMEM;
	v = map_str(d, cluster, "insecure-skip-tls-verify");
	c.insecure = v && streq(v, "true");
	if ((v = map_str(d, cluster, "certificate-authority-data"))) {
		if (b64_dup(v, &c.ca_data, &c.ca_data_len) < 0) {
			*ret_error = "kubeconfig: certificate-authority-data is not base64";
			return -EINVAL;
		}
	} else if ((v = map_str(d, cluster, "certificate-authority"))) {
		r = path_dup(base_dir, v, &c.ca_file);
		if (r < 0)
			return r;
	}
	if ((v = map_str(d, user, "token")) && *v) {
		c.token = strdup(v);
		if (!c.token)
			return -ENOMEM;
	} else if ((v = map_str(d, user, "tokenFile")) || (v = map_str(d, user, "token-file"))) {
		r = path_dup(base_dir, v, &c.token_file);
		if (r < 0)
			return r;
	}
	if ((v = map_str(d, user, "client-certificate-data"))) {
		if (b64_dup(v, &c.cert_data, &c.cert_data_len) < 0) {
			*ret_error = "kubeconfig: client-certificate-data is not base64";
			return -EINVAL;
		}
	} else if ((v = map_str(d, user, "client-certificate"))) {
		r = path_dup(base_dir, v, &c.cert_file);
		if (r < 0)
			return r;
	}
	if ((v = map_str(d, user, "client-key-data"))) {
		if (b64_dup(v, &c.key_data, &c.key_data_len) < 0) {
			*ret_error = "kubeconfig: client-key-data is not base64";
			return -EINVAL;
		}
	} else if ((v = map_str(d, user, "client-key"))) {
		r = path_dup(base_dir, v, &c.key_file);
		if (r < 0)
			return r;
	}
	if (!!(c.cert_data || c.cert_file) != !!(c.key_data || c.key_file)) {
		*ret_error = "kubeconfig: a client certificate needs its key and a key its certificate";
		return -EINVAL;
	}
	*ret = c;
	c = (struct kube_config){};
	return 0;
}

int kube_config_in_cluster(const char *sa_dir, struct kube_config *ret, const char **ret_error)
{
	_cleanup_(kube_config_done) struct kube_config c = {};
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	int r;

	if (!host || !*host || !port || !*port) {
		*ret_error = "not in a cluster: KUBERNETES_SERVICE_HOST and _PORT are not set "
			     "(give --kube-api-url or --kubeconfig-file)";
		return -ENXIO;
	}
	/* an IPv6 service address needs brackets in a URL */
	if (asprintf(&c.server, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host,
		     port) < 0) {
		c.server = NULL;
		return -ENOMEM;
	}
	r = path_dup(sa_dir, "token", &c.token_file);
	if (r < 0)
		return r;
	r = path_dup(sa_dir, "ca.crt", &c.ca_file);
	if (r < 0)
		return r;
	*ret = c;
	c = (struct kube_config){};
	return 0;
}

int kube_config_load(const char *kubeconfig, const char *api_url, struct kube_config *ret,
		     const char **ret_error)
{
	_cleanup_(kube_config_done) struct kube_config c = {};
	_cleanup_free_ char *text = NULL, *dir = NULL;
	size_t len;
	int r;

	if (kubeconfig && *kubeconfig) {
		char *slash;

		r = read_full_file(kubeconfig, KUBECONFIG_MAX, &text, &len);
		if (r < 0) {
			*ret_error = "cannot read the kubeconfig file";
			return r;
		}
		dir = strdup(kubeconfig);
		if (!dir)
			return -ENOMEM;
		slash = strrchr(dir, '/');
		if (slash)
			*slash = 0;
		else
			strcpy(dir, ".");
		r = kube_config_parse(text, len, dir, &c, ret_error);
		if (r < 0)
			return r;
		if (api_url && *api_url) {
			free(c.server);
			c.server = strdup(api_url);
			if (!c.server)
				return -ENOMEM;
		}
	} else if (api_url && *api_url) {
		c.server = strdup(api_url);
		if (!c.server)
			return -ENOMEM;
	} else {
		r = kube_config_in_cluster(KUBE_SA_DIR, &c, ret_error);
		if (r < 0)
			return r;
	}
	*ret = c;
	c = (struct kube_config){};
	return 0;
}
