// SPDX-License-Identifier: Apache-2.0
/*
 * etcd.c - etcd v3 over its grpc-gateway: JSON bodies, base64 keys and values, 64-bit
 * integers as strings, errors as {"error","code","message"}, and the watch as a stream of
 * newline-separated {"result":{...}} objects.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "linend/curl-loop.h"
#include "linend/etcd.h"

#define ETCD_MAX_REPLY (64U << 20)

struct etcd_req;

struct etcd_client {
	struct loop *loop;
	struct curl_loop *curl;
	char **endpoints;
	size_t n_endpoints;
	size_t current;
	char *cafile, *certfile, *keyfile, *username, *password;
	unsigned timeout_ms;
	char *token;
	bool authenticating;
	struct etcd_req *waiting_auth; /* sent once a token is there */
	struct etcd_req *inflight;     /* every request on the multi handle */
	struct etcd_stats stats;
};

struct etcd_watch {
	struct etcd_client *c;
	struct etcd_req *req;
	etcd_watch_cb cb;
	void *userdata;
	bool in_callback;
	bool stop; /* freed by the user while in a callback: abort the transfer */
	bool finished;
};

struct etcd_req {
	struct etcd_client *c;
	char *path;
	char *body;
	etcd_cb cb;
	void *userdata;
	struct etcd_watch *watch;
	CURL *easy;
	struct curl_slist *headers;
	char *buf;
	size_t len, cap;
	size_t tried; /* endpoints tried for this attempt */
	bool auth_retried;
	bool is_auth;
	struct etcd_req *next, **pprev; /* inflight or waiting list */
};

static int req_send(struct etcd_req *req);

/* base64 ---------------------------------------------------------------------------------- */

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *etcd_base64_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	char *out, *o;

	out = malloc((len + 2) / 3 * 4 + 1);
	if (!out)
		return NULL;
	o = out;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		*o++ = b64chars[(v >> 18) & 63];
		*o++ = b64chars[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64chars[(v >> 6) & 63] : '=';
		*o++ = i + 2 < len ? b64chars[v & 63] : '=';
	}
	*o = 0;
	return out;
}

static int b64val(char ch)
{
	const char *p = ch ? strchr(b64chars, ch) : NULL;

	if (ch == '-')
		return 62; /* URL-safe alphabet, accepted for robustness */
	if (ch == '_')
		return 63;
	return p ? (int)(p - b64chars) : -1;
}

int etcd_base64_decode(const char *s, char **ret, size_t *ret_len)
{
	size_t n = strlen(s), len = 0;
	uint32_t acc = 0;
	int bits = 0;
	char *out;

	out = malloc(n / 4 * 3 + 4);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int v;

		if (s[i] == '=')
			break;
		v = b64val(s[i]);
		if (v < 0) {
			free(out);
			return -EINVAL;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[len++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[len] = 0;
	*ret = out;
	if (ret_len)
		*ret_len = len;
	return 0;
}

char *etcd_prefix_end(const char *prefix)
{
	size_t n = strlen(prefix);
	char *end = strdup(prefix);

	if (!end)
		return NULL;
	/* Increment the last byte that is not 0xff, dropping the 0xff tail. */
	while (n > 0) {
		if ((unsigned char)end[n - 1] != 0xff) {
			end[n - 1]++;
			end[n] = 0;
			return end;
		}
		n--;
	}
	/* All 0xff (or empty): "\0" means "to the end of the keyspace". */
	end[0] = 0;
	return end;
}

/* reply parsing -------------------------------------------------------------------------- */

static int64_t json_int64(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return 0;
}

static uint64_t json_uint64(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return (uint64_t)json_integer_value(v);
	if (json_is_string(v))
		return strtoull(json_string_value(v), NULL, 10);
	return 0;
}

static void header_parse(const json_t *h, struct etcd_header *ret)
{
	if (!json_is_object(h))
		return;
	ret->cluster_id = json_uint64(h, "cluster_id");
	ret->member_id = json_uint64(h, "member_id");
	ret->revision = json_int64(h, "revision");
}

static void kv_done(struct etcd_kv *kv)
{
	free(kv->key);
	free(kv->value);
	*kv = (struct etcd_kv){};
}

static int kv_parse(const json_t *o, struct etcd_kv *ret)
{
	const char *k = json_object_get_string(o, "key");
	const char *v = json_object_get_string(o, "value");
	struct etcd_kv kv = {};
	int r;

	if (!json_is_object(o) || !k)
		return -EBADMSG;
	r = etcd_base64_decode(k, &kv.key, NULL);
	if (r < 0)
		return r == -ENOMEM ? r : -EBADMSG;
	r = etcd_base64_decode(v ? v : "", &kv.value, &kv.value_len);
	if (r < 0) {
		free(kv.key);
		return r == -ENOMEM ? r : -EBADMSG;
	}
	kv.create_revision = json_int64(o, "create_revision");
	kv.mod_revision = json_int64(o, "mod_revision");
	kv.version = json_int64(o, "version");
	kv.lease = json_int64(o, "lease");
	*ret = kv;
	return 0;
}

static int kvs_append(const json_t *arr, struct etcd_kv **kvs, size_t *n)
{
	size_t i, add = json_array_size(arr);
	struct etcd_kv *nk;
	json_t *e;

	if (!json_is_array(arr) || add == 0)
		return 0;
	nk = realloc(*kvs, (*n + add) * sizeof(**kvs));
	if (!nk)
		return -ENOMEM;
	*kvs = nk;
	json_array_foreach(arr, i, e) {
		int r = kv_parse(e, &nk[*n]);

		if (r < 0)
			return r;
		(*n)++;
	}
	return 0;
}

static int grpc_to_errno(int code)
{
	switch (code) {
	case 0:
		return 0;
	case 3:
		return -EINVAL;
	case 4:
		return -ETIMEDOUT;
	case 5:
		return -ENOENT;
	case 7:
		return -EPERM;
	case 11:
		return -ERANGE;
	case 14:
		return -EAGAIN;
	case 16:
		return -EACCES;
	default:
		return -EIO;
	}
}

void etcd_result_done(struct etcd_result *r)
{
	for (size_t i = 0; i < r->n_kvs; i++)
		kv_done(&r->kvs[i]);
	free(r->kvs);
	r->kvs = NULL;
	r->n_kvs = 0;
}

/* The message stays owned by root; callers keep root alive while they use r. */
static int result_from_json(json_t *root, long http_status, struct etcd_result *r)
{
	json_t *o = root, *responses, *e;
	size_t i;
	int ret;

	if (!json_is_object(root))
		return -EBADMSG;
	if (json_object_get(root, "error") || json_object_get(root, "code")) {
		r->code = (int)json_int64(root, "code");
		r->message = json_object_get_string(root, "message");
		if (!r->message)
			r->message = json_object_get_string(root, "error");
		r->error = grpc_to_errno(r->code);
		if (r->error == 0)
			r->error = -EIO;
		return 0;
	}
	if (http_status != 0 && http_status != 200) {
		r->error = -EIO;
		return 0;
	}
	/* keepalive replies come wrapped like a stream message */
	if (json_is_object(json_object_get(root, "result")))
		o = json_object_get(root, "result");
	header_parse(json_object_get(o, "header"), &r->header);
	ret = kvs_append(json_object_get(o, "kvs"), &r->kvs, &r->n_kvs);
	if (ret < 0)
		return ret;
	r->succeeded = json_is_true(json_object_get(o, "succeeded"));
	responses = json_object_get(o, "responses");
	json_array_foreach(responses, i, e) {
		json_t *rr = json_object_get(e, "response_range");

		if (rr) {
			ret = kvs_append(json_object_get(rr, "kvs"), &r->kvs, &r->n_kvs);
			if (ret < 0)
				return ret;
		}
	}
	r->lease_id = json_int64(o, "ID");
	r->ttl = json_int64(o, "TTL");
	return 0;
}

int etcd_result_parse(const char *body, size_t len, long http_status, struct etcd_result *r)
{
	_cleanup_json_ json_t *root = json_loadb(body, len, 0, NULL);
	int ret;

	*r = (struct etcd_result){};
	if (!root)
		return -EBADMSG;
	ret = result_from_json(root, http_status, r);
	r->message = NULL; /* owned by root, gone after return */
	if (ret < 0)
		etcd_result_done(r);
	return ret;
}

void etcd_watch_update_done(struct etcd_watch_update *u)
{
	for (size_t i = 0; i < u->n_events; i++)
		kv_done(&u->events[i].kv);
	free(u->events);
	u->events = NULL;
	u->n_events = 0;
}

int etcd_watch_update_parse(const char *line, size_t len, struct etcd_watch_update *u)
{
	_cleanup_json_ json_t *root = json_loadb(line, len, 0, NULL);
	json_t *res, *events, *e;
	size_t i;

	*u = (struct etcd_watch_update){};
	if (!json_is_object(root))
		return -EBADMSG;
	res = json_object_get(root, "result");
	if (!json_is_object(res)) {
		/* {"error":{...}} on a broken stream */
		u->kind = ETCD_WATCH_CLOSED;
		u->error = -EIO;
		return 0;
	}
	header_parse(json_object_get(res, "header"), &u->header);
	u->compact_revision = json_int64(res, "compact_revision");
	if (u->compact_revision > 0) {
		u->kind = ETCD_WATCH_COMPACTED;
		return 0;
	}
	if (json_is_true(json_object_get(res, "canceled"))) {
		u->kind = ETCD_WATCH_CLOSED;
		u->error = -ECANCELED;
		return 0;
	}
	if (json_is_true(json_object_get(res, "created"))) {
		u->kind = ETCD_WATCH_CREATED;
		return 0;
	}
	u->kind = ETCD_WATCH_EVENTS;
	events = json_object_get(res, "events");
	if (!json_is_array(events) || json_array_size(events) == 0)
		return 0; /* progress notification */
	u->events = calloc(json_array_size(events), sizeof(*u->events));
	if (!u->events)
		return -ENOMEM;
	json_array_foreach(events, i, e) {
		const char *type = json_object_get_string(e, "type");
		struct etcd_event *ev = &u->events[u->n_events];
		int r;

		r = kv_parse(json_object_get(e, "kv"), &ev->kv);
		if (r < 0) {
			etcd_watch_update_done(u);
			return r;
		}
		ev->type = type && streq(type, "DELETE") ? ETCD_EVENT_DELETE : ETCD_EVENT_PUT;
		u->n_events++;
	}
	return 0;
}

/* requests ------------------------------------------------------------------------------- */

static void req_unlink(struct etcd_req *req)
{
	if (!req->pprev)
		return;
	*req->pprev = req->next;
	if (req->next)
		req->next->pprev = req->pprev;
	req->next = NULL;
	req->pprev = NULL;
}

static void req_link(struct etcd_req **head, struct etcd_req *req)
{
	req->next = *head;
	if (*head)
		(*head)->pprev = &req->next;
	*head = req;
	req->pprev = head;
}

static void req_free(struct etcd_req *req)
{
	if (!req)
		return;
	req_unlink(req);
	if (req->easy) {
		curl_loop_remove(req->c->curl, req->easy);
		curl_easy_cleanup(req->easy);
	}
	curl_slist_free_all(req->headers);
	free(req->path);
	free(req->body);
	free(req->buf);
	free(req);
}

static void watch_deliver(struct etcd_watch *w, const struct etcd_watch_update *u)
{
	w->in_callback = true;
	w->cb(w, u, w->userdata);
	w->in_callback = false;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct etcd_req *req = userdata;
	size_t n = size * nmemb;

	if (req->len + n + 1 > ETCD_MAX_REPLY)
		return 0;
	if (req->len + n + 1 > req->cap) {
		size_t cap = MAX(req->cap * 2, req->len + n + 1);
		char *nb = realloc(req->buf, cap);

		if (!nb)
			return 0;
		req->buf = nb;
		req->cap = cap;
	}
	memcpy(req->buf + req->len, ptr, n);
	req->len += n;
	req->buf[req->len] = 0;

	if (req->watch) {
		struct etcd_watch *w = req->watch;
		uint64_t now = now_usec();
		char *nl;

		/* Deliver every complete line; keep the partial tail. */
		while (!w->finished && (nl = memchr(req->buf, '\n', req->len))) {
			size_t linelen = (size_t)(nl - req->buf);
			struct etcd_watch_update u;
			int r;

			r = etcd_watch_update_parse(req->buf, linelen, &u);
			memmove(req->buf, nl + 1, req->len - linelen - 1);
			req->len -= linelen + 1;
			req->buf[req->len] = 0;
			if (linelen == 0)
				continue;
			if (r < 0) {
				u = (struct etcd_watch_update){ .kind = ETCD_WATCH_CLOSED, .error = r };
				w->finished = true;
			}
			u.received_usec = now;
			if (u.kind == ETCD_WATCH_COMPACTED || u.kind == ETCD_WATCH_CLOSED)
				w->finished = true;
			watch_deliver(w, &u);
			etcd_watch_update_done(&u);
			if (w->stop)
				break;
		}
		if (w->stop || w->finished)
			return 0; /* abort the transfer; the done callback frees */
	}
	return n;
}

static bool transport_error(CURLcode code)
{
	switch (code) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_PEER_FAILED_VERIFICATION:
		return true;
	default:
		return false;
	}
}

static int curl_to_errno(CURLcode code)
{
	switch (code) {
	case CURLE_OK:
		return 0;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
		return -EPROTO;
	default:
		return -EIO;
	}
}

static void auth_start(struct etcd_client *c);

static void watch_fail(struct etcd_watch *w, int error)
{
	struct etcd_watch_update u = { .kind = ETCD_WATCH_CLOSED, .error = error,
				       .received_usec = now_usec() };

	w->finished = true;
	if (!w->stop)
		watch_deliver(w, &u);
}

static void req_finish(struct etcd_req *req, const struct etcd_result *r)
{
	struct etcd_client *c = req->c;

	if (r->error < 0)
		c->stats.errors++;
	if (req->watch) {
		struct etcd_watch *w = req->watch;

		watch_fail(w, r->error < 0 ? r->error : -EIO);
		req_free(req);
		free(w);
		return;
	}
	if (req->cb)
		req->cb(c, r, req->userdata);
	req_free(req);
}

static void req_done(CURL *easy, CURLcode code, void *userdata)
{
	struct etcd_req *req = userdata;
	struct etcd_client *c = req->c;
	struct etcd_result r = {};
	long status = 0;

	/* read everything needed from the handle before it goes */
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(req->easy);
	req->easy = NULL;
	req_unlink(req);

	if (req->watch) {
		struct etcd_watch *w = req->watch;

		if (!w->finished && !w->stop) {
			struct etcd_watch_update u = {
				.kind = ETCD_WATCH_CLOSED,
				.error = code == CURLE_OK ? -ECONNRESET : curl_to_errno(code),
				.received_usec = now_usec(),
			};

			if (code != CURLE_OK && transport_error(code) && c->n_endpoints > 1) {
				c->current = (c->current + 1) % c->n_endpoints;
				c->stats.failovers++;
			}
			c->stats.errors++;
			w->finished = true;
			watch_deliver(w, &u);
		}
		req_free(req);
		free(w);
		return;
	}

	if (code != CURLE_OK) {
		if (transport_error(code) && ++req->tried < c->n_endpoints) {
			c->current = (c->current + 1) % c->n_endpoints;
			c->stats.failovers++;
			free(req->buf);
			req->buf = NULL;
			req->len = req->cap = 0;
			if (req_send(req) >= 0)
				return;
		} else if (transport_error(code) && c->n_endpoints > 1) {
			/* start the next attempt elsewhere */
			c->current = (c->current + 1) % c->n_endpoints;
		}
		r.error = curl_to_errno(code);
		r.message = curl_easy_strerror(code);
		req_finish(req, &r);
		return;
	}

	{
		_cleanup_json_ json_t *root = NULL;

		root = json_loadb(req->buf ? req->buf : "", req->len, 0, NULL);
		if (!root || result_from_json(root, status, &r) < 0) {
			etcd_result_done(&r);
			r = (struct etcd_result){ .error = -EBADMSG, .message = "unparsable reply" };
			req_finish(req, &r);
			return;
		}
		/* An expired or revoked token: authenticate again and resend once. */
		if (r.code == 16 && c->username && !req->is_auth && !req->auth_retried) {
			etcd_result_done(&r);
			req->auth_retried = true;
			free(c->token);
			c->token = NULL;
			free(req->buf);
			req->buf = NULL;
			req->len = req->cap = 0;
			req->tried = 0;
			if (req_send(req) >= 0)
				return;
			r = (struct etcd_result){ .error = -EACCES };
		}
		if (req->is_auth && r.error == 0) {
			const char *tok = json_object_get_string(root, "token");

			free(c->token);
			c->token = tok ? strdup(tok) : NULL;
		}
		req_finish(req, &r);
		etcd_result_done(&r);
	}
}

static int req_send(struct etcd_req *req)
{
	struct etcd_client *c = req->c;
	_cleanup_free_ char *url = NULL;
	CURL *easy;
	int r;

	if (c->username && !c->token && !req->is_auth) {
		req_unlink(req);
		req_link(&c->waiting_auth, req);
		auth_start(c);
		return 0;
	}
	if (asprintf(&url, "%s%s", c->endpoints[c->current], req->path) < 0)
		return -ENOMEM;
	easy = curl_easy_init();
	if (!easy)
		return -ENOMEM;
	curl_slist_free_all(req->headers);
	req->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (c->token && !req->is_auth) {
		_cleanup_free_ char *h = NULL;

		if (asprintf(&h, "Authorization: %s", c->token) < 0) {
			curl_easy_cleanup(easy);
			return -ENOMEM;
		}
		req->headers = curl_slist_append(req->headers, h);
	}
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, req->headers);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, req);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPIDLE, 10L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPINTVL, 5L);
	if (!req->watch)
		curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	if (c->cafile)
		curl_easy_setopt(easy, CURLOPT_CAINFO, c->cafile);
	if (c->certfile)
		curl_easy_setopt(easy, CURLOPT_SSLCERT, c->certfile);
	if (c->keyfile)
		curl_easy_setopt(easy, CURLOPT_SSLKEY, c->keyfile);
	curl_easy_setopt(easy, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	req->easy = easy;
	r = curl_loop_add(c->curl, easy, req_done, req);
	if (r < 0) {
		curl_easy_cleanup(easy);
		req->easy = NULL;
		return r;
	}
	req_unlink(req);
	req_link(&c->inflight, req);
	c->stats.requests++;
	return 0;
}

static int req_new(struct etcd_client *c, const char *path, json_t *body, etcd_cb cb,
		   void *userdata, struct etcd_req **ret)
{
	struct etcd_req *req;

	if (!body)
		return -ENOMEM;
	req = calloc(1, sizeof(*req));
	if (!req) {
		json_decref(body);
		return -ENOMEM;
	}
	req->c = c;
	req->cb = cb;
	req->userdata = userdata;
	req->path = strdup(path);
	req->body = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!req->path || !req->body) {
		req_free(req);
		return -ENOMEM;
	}
	*ret = req;
	return 0;
}

static int call(struct etcd_client *c, const char *path, json_t *body, etcd_cb cb,
		void *userdata)
{
	struct etcd_req *req;
	int r;

	r = req_new(c, path, body, cb, userdata, &req);
	if (r < 0)
		return r;
	r = req_send(req);
	if (r < 0)
		req_free(req);
	return r;
}

/* Authentication: one request at a time; everything else waits for the token. */
static void auth_done(struct etcd_client *c, const struct etcd_result *r, void *userdata)
{
	struct etcd_req *w;
	struct etcd_result fail = { .error = r->error < 0 ? r->error : -EACCES,
				    .message = r->message };

	c->authenticating = false;
	while ((w = c->waiting_auth)) {
		req_unlink(w);
		if (c->token) {
			if (req_send(w) >= 0)
				continue;
		}
		req_finish(w, &fail);
	}
}

static void auth_start(struct etcd_client *c)
{
	struct etcd_req *req;

	if (c->authenticating)
		return;
	if (req_new(c, "/v3/auth/authenticate",
		    json_pack("{s:s, s:s}", "name", c->username, "password",
			      c->password ? c->password : ""),
		    auth_done, NULL, &req) < 0)
		return;
	req->is_auth = true;
	c->authenticating = true;
	if (req_send(req) < 0) {
		c->authenticating = false;
		req_free(req);
	}
}

/* client --------------------------------------------------------------------------------- */

int etcd_client_new(struct loop *l, const struct etcd_options *o, struct etcd_client **ret)
{
	struct etcd_client *c;
	size_t n = 0;

	while (o->endpoints && o->endpoints[n])
		n++;
	if (n == 0)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->loop = l;
	if (curl_loop_new(l, &c->curl) < 0)
		goto oom;
	c->endpoints = calloc(n + 1, sizeof(char *));
	if (!c->endpoints)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		size_t len;

		c->endpoints[i] = strdup(o->endpoints[i]);
		if (!c->endpoints[i])
			goto oom;
		len = strlen(c->endpoints[i]);
		while (len > 0 && c->endpoints[i][len - 1] == '/')
			c->endpoints[i][--len] = 0;
	}
	c->n_endpoints = n;
	c->timeout_ms = o->request_timeout_ms ? o->request_timeout_ms : 10000;
#define DUP(f)                                   \
	if (o->f && *o->f) {                     \
		c->f = strdup(o->f);             \
		if (!c->f)                       \
			goto oom;                \
	}
	DUP(cafile);
	DUP(certfile);
	DUP(keyfile);
	DUP(username);
	DUP(password);
#undef DUP
	*ret = c;
	return 0;
oom:
	etcd_client_free(c);
	return -ENOMEM;
}

struct etcd_client *etcd_client_free(struct etcd_client *c)
{
	if (!c)
		return NULL;
	while (c->inflight) {
		struct etcd_req *req = c->inflight;

		free(req->watch);
		req_free(req);
	}
	while (c->waiting_auth)
		req_free(c->waiting_auth);
	curl_loop_free(c->curl);
	strv_free(c->endpoints);
	free(c->cafile);
	free(c->certfile);
	free(c->keyfile);
	free(c->username);
	free(c->password);
	free(c->token);
	free(c);
	return NULL;
}

const struct etcd_stats *etcd_client_stats(const struct etcd_client *c)
{
	return &c->stats;
}

const char *etcd_client_endpoint(const struct etcd_client *c)
{
	return c->endpoints[c->current];
}

/* operations ----------------------------------------------------------------------------- */

static json_t *b64_string(const char *s)
{
	_cleanup_free_ char *e = etcd_base64_encode(s, strlen(s));

	return e ? json_string(e) : NULL;
}

static json_t *int64_string(int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return json_string(buf);
}

int etcd_range(struct etcd_client *c, const char *key, const char *range_end, etcd_cb cb,
	       void *userdata)
{
	json_t *body = json_pack("{s:o}", "key", b64_string(key));

	if (body && range_end)
		json_object_set_new(body, "range_end", b64_string(range_end));
	return call(c, "/v3/kv/range", body, cb, userdata);
}

int etcd_range_prefix(struct etcd_client *c, const char *prefix, etcd_cb cb, void *userdata)
{
	_cleanup_free_ char *end = etcd_prefix_end(prefix);

	if (!end)
		return -ENOMEM;
	return etcd_range(c, prefix, end, cb, userdata);
}

static json_t *put_request(const char *key, const char *value, int64_t lease)
{
	json_t *o = json_pack("{s:o, s:o}", "key", b64_string(key), "value", b64_string(value));

	if (o && lease)
		json_object_set_new(o, "lease", int64_string(lease));
	return o;
}

static int txn_put(struct etcd_client *c, json_t *compare, const char *key, const char *value,
		   int64_t lease, etcd_cb cb, void *userdata)
{
	json_t *body = json_pack("{s:[o], s:[{s:o}], s:[{s:{s:o}}]}",
				 "compare", compare,
				 "success", "request_put", put_request(key, value, lease),
				 "failure", "request_range", "key", b64_string(key));

	return call(c, "/v3/kv/txn", body, cb, userdata);
}

int etcd_txn_create(struct etcd_client *c, const char *key, const char *value, int64_t lease,
		    etcd_cb cb, void *userdata)
{
	json_t *cmp = json_pack("{s:o, s:s, s:s, s:s}", "key", b64_string(key), "target",
				"VERSION", "result", "EQUAL", "version", "0");

	return txn_put(c, cmp, key, value, lease, cb, userdata);
}

int etcd_txn_replace(struct etcd_client *c, const char *key, int64_t mod_revision,
		     const char *value, int64_t lease, etcd_cb cb, void *userdata)
{
	json_t *cmp = json_pack("{s:o, s:s, s:s, s:o}", "key", b64_string(key), "target", "MOD",
				"result", "EQUAL", "mod_revision", int64_string(mod_revision));

	return txn_put(c, cmp, key, value, lease, cb, userdata);
}

int etcd_delete(struct etcd_client *c, const char *key, etcd_cb cb, void *userdata)
{
	return call(c, "/v3/kv/deleterange", json_pack("{s:o}", "key", b64_string(key)), cb,
		    userdata);
}

int etcd_lease_grant(struct etcd_client *c, int64_t ttl, etcd_cb cb, void *userdata)
{
	return call(c, "/v3/lease/grant", json_pack("{s:o}", "TTL", int64_string(ttl)), cb,
		    userdata);
}

int etcd_lease_keepalive(struct etcd_client *c, int64_t id, etcd_cb cb, void *userdata)
{
	return call(c, "/v3/lease/keepalive", json_pack("{s:o}", "ID", int64_string(id)), cb,
		    userdata);
}

int etcd_lease_revoke(struct etcd_client *c, int64_t id, etcd_cb cb, void *userdata)
{
	return call(c, "/v3/lease/revoke", json_pack("{s:o}", "ID", int64_string(id)), cb,
		    userdata);
}

int etcd_watch_start(struct etcd_client *c, const char *key, const char *range_end,
		     int64_t start_revision, etcd_watch_cb cb, void *userdata,
		     struct etcd_watch **ret)
{
	_cleanup_free_ char *end = range_end ? strdup(range_end) : etcd_prefix_end(key);
	struct etcd_watch *w;
	struct etcd_req *req;
	json_t *create;
	int r;

	if (!end)
		return -ENOMEM;
	create = json_pack("{s:o, s:o}", "key", b64_string(key), "range_end", b64_string(end));
	if (create && start_revision > 0)
		json_object_set_new(create, "start_revision", int64_string(start_revision));
	w = calloc(1, sizeof(*w));
	if (!w) {
		json_decref(create);
		return -ENOMEM;
	}
	r = req_new(c, "/v3/watch", json_pack("{s:o}", "create_request", create), NULL, NULL,
		    &req);
	if (r < 0) {
		free(w);
		return r;
	}
	w->c = c;
	w->cb = cb;
	w->userdata = userdata;
	w->req = req;
	req->watch = w;
	r = req_send(req);
	if (r < 0) {
		req_free(req);
		free(w);
		return r;
	}
	*ret = w;
	return 0;
}

void etcd_watch_free(struct etcd_watch *w)
{
	if (!w || w->stop)
		return;
	if (w->in_callback) {
		/* inside curl's write callback: abort from there, free when done */
		w->stop = true;
		return;
	}
	if (w->finished)
		return; /* freeing itself already */
	req_free(w->req);
	free(w);
}
