// SPDX-License-Identifier: Apache-2.0
/*
 * kube.c - requests and watches on a curl-loop. One request is one easy handle; a watch is
 * a GET that never ends on its own, its body split into lines as it arrives.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/fileio.h"
#include "basic/json-util.h"
#include "basic/macro.h"
#include "kube/kube.h"
#include "linend/curl-loop.h"

#define KUBE_MAX_REPLY (64U << 20)
#define KUBE_TOKEN_MAX (64U << 10)

struct kube_req;

struct kube_client {
	struct curl_loop *curl;
	struct kube_config cfg;
	char *token;              /* the current bearer token */
	struct timespec token_mtime;
	struct kube_req *inflight;
	struct kube_stats stats;
};

struct kube_watch {
	struct kube_req *req;
	kube_watch_cb cb;
	void *userdata;
	struct kube_linebuf lines;
	bool in_callback;
	bool stop;     /* stopped by the user inside a callback: abort the transfer */
	bool finished; /* delivered GONE or CLOSED */
	bool gone;
	long http_status;
};

struct kube_req {
	struct kube_client *c;
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	kube_reply_cb cb;
	void *userdata;
	struct kube_watch *watch;
	char *buf;
	size_t len, cap;
	struct kube_req *next, **pprev;
};

static void req_free(struct kube_req *req)
{
	if (!req)
		return;
	if (req->easy) {
		curl_loop_remove(req->c->curl, req->easy);
		curl_easy_cleanup(req->easy);
	}
	if (req->pprev) {
		*req->pprev = req->next;
		if (req->next)
			req->next->pprev = req->pprev;
	}
	curl_slist_free_all(req->headers);
	free(req->body);
	free(req->buf);
	free(req);
}

static void watch_free(struct kube_watch *w)
{
	kube_linebuf_done(&w->lines);
	free(w);
}

/*
 * The bearer token: a static one, or the token file, re-read whenever its mtime changes so
 * a rotated service-account token is picked up without a restart.
 */
static int token_refresh(struct kube_client *c)
{
	_cleanup_free_ char *t = NULL;
	struct stat st;
	size_t len;
	int r;

	if (!c->cfg.token_file)
		return 0;
	if (stat(c->cfg.token_file, &st) < 0)
		return c->token ? 0 : -errno;
	if (c->token && st.st_mtim.tv_sec == c->token_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == c->token_mtime.tv_nsec)
		return 0;
	r = read_full_file(c->cfg.token_file, KUBE_TOKEN_MAX, &t, &len);
	if (r < 0)
		return c->token ? 0 : r;
	while (len > 0 && strchr(" \t\r\n", t[len - 1]))
		t[--len] = 0;
	free(c->token);
	c->token = TAKE_PTR(t);
	c->token_mtime = st.st_mtim;
	return 0;
}

int kube_client_new(struct loop *l, const struct kube_config *cfg, struct kube_client **ret)
{
	struct kube_client *c;
	int r;

	if (!cfg->server)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	r = curl_loop_new(l, &c->curl);
	if (r < 0) {
		free(c);
		return r;
	}
#define DUP(f)                                            \
	do {                                              \
		if (cfg->f && !(c->cfg.f = strdup(cfg->f))) \
			goto oom;                         \
	} while (0)
#define DUPB(f)                                                         \
	do {                                                            \
		if (cfg->f) {                                           \
			c->cfg.f = malloc(cfg->f##_len + 1);            \
			if (!c->cfg.f)                                  \
				goto oom;                               \
			memcpy(c->cfg.f, cfg->f, cfg->f##_len + 1);     \
			c->cfg.f##_len = cfg->f##_len;                  \
		}                                                       \
	} while (0)
	DUP(server);
	DUP(ca_file);
	DUP(token);
	DUP(token_file);
	DUP(cert_file);
	DUP(key_file);
	DUPB(ca_data);
	DUPB(cert_data);
	DUPB(key_data);
#undef DUP
#undef DUPB
	c->cfg.insecure = cfg->insecure;
	if (c->cfg.token) {
		c->token = strdup(c->cfg.token);
		if (!c->token)
			goto oom;
	}
	r = token_refresh(c);
	if (r < 0) {
		kube_client_free(c);
		return r;
	}
	*ret = c;
	return 0;
oom:
	kube_client_free(c);
	return -ENOMEM;
}

struct kube_client *kube_client_free(struct kube_client *c)
{
	if (!c)
		return NULL;
	while (c->inflight) {
		struct kube_req *req = c->inflight;

		if (req->watch)
			watch_free(req->watch);
		req_free(req);
	}
	curl_loop_free(c->curl);
	kube_config_done(&c->cfg);
	free(c->token);
	free(c);
	return NULL;
}

const char *kube_client_server(const struct kube_client *c)
{
	return c->cfg.server;
}

struct kube_stats *kube_client_stats(struct kube_client *c)
{
	return &c->stats;
}

static int curl_to_errno(CURLcode code)
{
	switch (code) {
	case CURLE_OK:
		return 0;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		return -EPROTO;
	default:
		return -EIO;
	}
}

static void watch_deliver(struct kube_watch *w, const struct kube_watch_update *u)
{
	w->in_callback = true;
	w->cb(u, w->userdata);
	w->in_callback = false;
}

static int watch_line(const char *line, size_t len, void *userdata)
{
	struct kube_req *req = userdata;
	struct kube_watch *w = req->watch;
	struct kube_watch_update u = { .received_usec = now_usec() };
	struct kube_event e;
	int r;

	r = kube_event_parse(line, len, &e);
	if (r < 0) {
		u.kind = KUBE_WATCH_CLOSED;
		u.error = r;
		u.message = "unparsable watch event";
		w->finished = true;
		watch_deliver(w, &u);
		return r;
	}
	req->c->stats.watch_events++;
	if (e.type == KUBE_EVENT_ERROR) {
		struct kube_status s = {};

		kube_status_from_json(e.object, &s);
		u.kind = kube_is_gone(0, &s) ? KUBE_WATCH_GONE : KUBE_WATCH_CLOSED;
		u.error = kube_http_errno(e.code ? e.code : 500);
		u.http_status = e.code;
		u.message = s.message;
		u.event = &e;
		w->finished = true;
		watch_deliver(w, &u);
		kube_event_done(&e);
		return -ECANCELED;
	}
	u.kind = KUBE_WATCH_EVENT;
	u.event = &e;
	watch_deliver(w, &u);
	kube_event_done(&e);
	return w->stop ? -ECANCELED : 0;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct kube_req *req = userdata;
	size_t n = size * nmemb;

	if (req->watch) {
		struct kube_watch *w = req->watch;
		long status = 0;

		curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
		w->http_status = status;
		/* an HTTP error answer is one Status body, read whole in req_done */
		if (status == 200) {
			if (kube_linebuf_feed(&w->lines, ptr, n, watch_line, req) < 0 ||
			    w->stop || w->finished)
				return 0; /* abort; req_done frees */
			return n;
		}
	}
	if (req->len + n + 1 > KUBE_MAX_REPLY)
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
	return n;
}

static void req_done(CURL *easy, CURLcode code, void *userdata)
{
	struct kube_req *req = userdata;
	struct kube_client *c = req->c;
	_cleanup_json_ json_t *json = NULL;
	struct kube_status s = {};
	struct kube_reply r = {};
	long status = 0;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(req->easy);
	req->easy = NULL;

	if (req->buf && req->len) {
		json = json_loadb(req->buf, req->len, 0, NULL);
		if (json && kube_status_from_json(json, &s) >= 0 && s.message[0])
			r.message = s.message;
	}
	r.http_status = status;
	if (code != CURLE_OK && !(req->watch && status == 200)) {
		r.error = curl_to_errno(code);
		if (!r.message)
			r.message = curl_easy_strerror(code);
	} else if (status < 200 || status >= 300) {
		r.error = kube_http_errno(status);
	}
	if (r.error < 0)
		c->stats.errors++;

	if (req->watch) {
		struct kube_watch *w = req->watch;

		if (!w->finished && !w->stop) {
			struct kube_watch_update u = {
				.kind = kube_is_gone(status, json ? &s : NULL) ? KUBE_WATCH_GONE
									      : KUBE_WATCH_CLOSED,
				.error = r.error,
				.http_status = status,
				.message = r.message,
				.received_usec = now_usec(),
			};

			/* a stream that ended mid-line lost its last event: say so */
			if (!u.error && kube_linebuf_pending(&w->lines))
				u.error = -ECONNRESET;
			w->finished = true;
			watch_deliver(w, &u);
		}
		watch_free(w);
		req_free(req);
		return;
	}
	r.body = req->buf ? req->buf : "";
	r.len = req->len;
	r.json = json;
	if (req->cb)
		req->cb(&r, req->userdata);
	req_free(req);
}

static int req_start(struct kube_client *c, const char *method, const char *path,
		     const char *query, const char *content_type, const char *body,
		     struct kube_req **ret)
{
	_cleanup_free_ char *url = kube_url(c->cfg.server, path, query);
	struct kube_req *req;
	CURL *easy;

	if (!url)
		return -ENOMEM;
	/* a token file that cannot be read now keeps the token read before */
	(void)token_refresh(c);
	req = calloc(1, sizeof(*req));
	if (!req)
		return -ENOMEM;
	req->c = c;
	easy = curl_easy_init();
	if (!easy || (body && !(req->body = strdup(body)))) {
		if (easy)
			curl_easy_cleanup(easy);
		free(req);
		return -ENOMEM;
	}
	req->headers = curl_slist_append(NULL, "Accept: application/json");
	if (content_type) {
		_cleanup_free_ char *h = NULL;

		if (asprintf(&h, "Content-Type: %s", content_type) >= 0)
			req->headers = curl_slist_append(req->headers, h);
	}
	if (c->token && *c->token) {
		_cleanup_free_ char *h = NULL;

		if (asprintf(&h, "Authorization: Bearer %s", c->token) >= 0)
			req->headers = curl_slist_append(req->headers, h);
	}
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
	if (req->body)
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, req->headers);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, req);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPIDLE, 10L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPINTVL, 5L);
	curl_easy_setopt(easy, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (c->cfg.insecure) {
		curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (c->cfg.ca_data) {
		struct curl_blob b = { c->cfg.ca_data, c->cfg.ca_data_len, CURL_BLOB_COPY };

		curl_easy_setopt(easy, CURLOPT_CAINFO_BLOB, &b);
	} else if (c->cfg.ca_file) {
		curl_easy_setopt(easy, CURLOPT_CAINFO, c->cfg.ca_file);
	}
	if (c->cfg.cert_data) {
		struct curl_blob b = { c->cfg.cert_data, c->cfg.cert_data_len, CURL_BLOB_COPY };

		curl_easy_setopt(easy, CURLOPT_SSLCERT_BLOB, &b);
	} else if (c->cfg.cert_file) {
		curl_easy_setopt(easy, CURLOPT_SSLCERT, c->cfg.cert_file);
	}
	if (c->cfg.key_data) {
		struct curl_blob b = { c->cfg.key_data, c->cfg.key_data_len, CURL_BLOB_COPY };

		curl_easy_setopt(easy, CURLOPT_SSLKEY_BLOB, &b);
	} else if (c->cfg.key_file) {
		curl_easy_setopt(easy, CURLOPT_SSLKEY, c->cfg.key_file);
	}
	req->easy = easy;
	*ret = req;
	return 0;
}

static int req_go(struct kube_req *req)
{
	struct kube_client *c = req->c;
	int r;

	r = curl_loop_add(c->curl, req->easy, req_done, req);
	if (r < 0)
		return r;
	req->next = c->inflight;
	if (c->inflight)
		c->inflight->pprev = &req->next;
	c->inflight = req;
	req->pprev = &c->inflight;
	c->stats.requests++;
	return 0;
}

static int request(struct kube_client *c, const char *method, const char *path,
		   const char *content_type, const char *body, kube_reply_cb cb, void *userdata)
{
	_cleanup_free_ char *p = strdup(path);
	struct kube_req *req;
	char *q;
	int r;

	if (!p)
		return -ENOMEM;
	q = strchr(p, '?');
	if (q)
		*q++ = 0;
	r = req_start(c, method, p, q, content_type, body, &req);
	if (r < 0)
		return r;
	/* requests other than watches must end */
	curl_easy_setopt(req->easy, CURLOPT_TIMEOUT_MS, 30000L);
	req->cb = cb;
	req->userdata = userdata;
	r = req_go(req);
	if (r < 0)
		req_free(req);
	return r;
}

int kube_get(struct kube_client *c, const char *path, kube_reply_cb cb, void *userdata)
{
	return request(c, "GET", path, NULL, NULL, cb, userdata);
}

int kube_patch(struct kube_client *c, const char *path, const char *content_type,
	       const char *body, kube_reply_cb cb, void *userdata)
{
	return request(c, "PATCH", path, content_type, body, cb, userdata);
}

int kube_watch_start(struct kube_client *c, const char *path, const char *rv,
		     unsigned timeout_s, kube_watch_cb cb, void *userdata, struct kube_watch **ret)
{
	_cleanup_free_ char *q = kube_watch_query(rv, timeout_s ? timeout_s : 300);
	struct kube_watch *w;
	struct kube_req *req;
	int r;

	if (!q)
		return -ENOMEM;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	r = req_start(c, "GET", path, q, NULL, NULL, &req);
	if (r < 0) {
		free(w);
		return r;
	}
	/* a server that stops talking: the server's own timeout plus a margin */
	curl_easy_setopt(req->easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(req->easy, CURLOPT_LOW_SPEED_TIME,
			 (long)(timeout_s ? timeout_s : 300) + 30);
	w->cb = cb;
	w->userdata = userdata;
	w->req = req;
	req->watch = w;
	r = req_go(req);
	if (r < 0) {
		req_free(req);
		free(w);
		return r;
	}
	*ret = w;
	return 0;
}

void kube_watch_stop(struct kube_watch *w)
{
	if (!w || w->stop)
		return;
	if (w->in_callback) {
		/* inside curl's write callback or req_done: abort from there */
		w->stop = true;
		return;
	}
	if (w->finished)
		return; /* freeing itself already */
	req_free(w->req);
	watch_free(w);
}
