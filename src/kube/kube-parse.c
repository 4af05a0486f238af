// SPDX-License-Identifier: Apache-2.0
/*
 * kube-parse.c - the pure parts of the Kubernetes client: URLs, the watch stream's line
 * splitting, watch events and Status objects. No I/O, so unit tests and the fuzz target
 * link only this file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "basic/macro.h"
#include "kube/kube.h"

#define KUBE_LINE_MAX (16U << 20)

char *kube_url(const char *server, const char *path, const char *query)
{
	char *url;
	size_t n = strlen(server);

	/* a server given with a trailing '/' must not double it */
	while (n > 0 && server[n - 1] == '/')
		n--;
	if (asprintf(&url, "%.*s%s%s%s", (int)n, server, path, query ? "?" : "",
		     query ? query : "") < 0)
		return NULL;
	return url;
}

int kube_query_escape(const char *s, char **ret)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out, *o;

	out = malloc(strlen(s) * 3 + 1);
	if (!out)
		return -ENOMEM;
	o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = 0;
	*ret = out;
	return 0;
}

char *kube_watch_query(const char *rv, unsigned timeout_s)
{
	_cleanup_free_ char *erv = NULL;
	char *q;

	/* a resourceVersion is opaque: escape it, never interpret it */
	if (kube_query_escape(rv ? rv : "", &erv) < 0)
		return NULL;
	if (asprintf(&q, "watch=1%s%s&allowWatchBookmarks=true&timeoutSeconds=%u",
		     *erv ? "&resourceVersion=" : "", erv, timeout_s) < 0)
		return NULL;
	return q;
}

/* line splitting ------------------------------------------------------------------------ */

int kube_linebuf_feed(struct kube_linebuf *lb, const char *data, size_t len, kube_line_fn fn,
		      void *userdata)
{
	size_t max = lb->max ? lb->max : KUBE_LINE_MAX;
	size_t start = 0;
	char *nl;

	if (len > max || lb->len + len > max + max)
		return -EMSGSIZE;
	if (lb->len + len + 1 > lb->cap) {
		size_t cap = MAX(lb->cap * 2, lb->len + len + 1);
		char *nb = realloc(lb->buf, cap);

		if (!nb)
			return -ENOMEM;
		lb->buf = nb;
		lb->cap = cap;
	}
	if (len)
		memcpy(lb->buf + lb->len, data, len);
	lb->len += len;
	lb->buf[lb->len] = 0;

	while ((nl = memchr(lb->buf + start, '\n', lb->len - start))) {
		size_t linelen = (size_t)(nl - (lb->buf + start));
		const char *line = lb->buf + start;
		int r = 0;

		start += linelen + 1;
		if (linelen > 0 && line[linelen - 1] == '\r')
			linelen--;
		if (linelen > 0)
			r = fn(line, linelen, userdata);
		if (r < 0) {
			memmove(lb->buf, lb->buf + start, lb->len - start);
			lb->len -= start;
			lb->buf[lb->len] = 0;
			return r;
		}
	}
	memmove(lb->buf, lb->buf + start, lb->len - start);
	lb->len -= start;
	lb->buf[lb->len] = 0;
	/* a partial line may not grow without bound */
	if (lb->len > max)
		return -EMSGSIZE;
	return 0;
}

size_t kube_linebuf_pending(const struct kube_linebuf *lb)
{
	return lb->len;
}

void kube_linebuf_done(struct kube_linebuf *lb)
{
	free(lb->buf);
	*lb = (struct kube_linebuf){ .max = lb->max };
}

/* Status and events ---------------------------------------------------------------------- */

int kube_status_from_json(const json_t *o, struct kube_status *ret)
{
	const char *kind = json_object_get_string(o, "kind");
	const char *reason = json_object_get_string(o, "reason");
	const char *message = json_object_get_string(o, "message");
	json_t *code = json_object_get(o, "code");
	struct kube_status s = {};

	if (!json_is_object(o) || !streq_ptr(kind, "Status"))
		return -EBADMSG;
	if (code && !json_is_integer(code))
		return -EBADMSG;
	if (code) {
		json_int_t v = json_integer_value(code);

		if (v < 0 || v > 999)
			return -EBADMSG;
		s.code = (int)v;
	}
	snprintf(s.reason, sizeof(s.reason), "%s", reason ? reason : "");
	snprintf(s.message, sizeof(s.message), "%s", message ? message : "");
	*ret = s;
	return 0;
}

int kube_status_parse(const char *body, size_t len, struct kube_status *ret)
{
	_cleanup_json_ json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);

	if (!o)
		return -EBADMSG;
	return kube_status_from_json(o, ret);
}

bool kube_is_gone(long http_status, const struct kube_status *s)
{
	if (http_status == 410)
		return true;
	if (!s)
		return false;
	/* the code is what the API promises; the reason alone covers servers that omit it */
	return s->code == 410 || (s->code == 0 && (streq(s->reason, "Expired") ||
						   streq(s->reason, "Gone")));
}

int kube_http_errno(long http_status)
{
	if (http_status >= 200 && http_status < 300)
		return 0;
	switch (http_status) {
	case 400:
	case 422:
		return -EINVAL;
	case 401:
	case 403:
		return -EACCES;
	case 404:
		return -ENOENT;
	case 409:
		return -EEXIST;
	case 410:
		return -ESTALE;
	case 429:
		return -EAGAIN;
	default:
		return http_status >= 500 ? -EAGAIN : -EIO;
	}
}

static const char *const event_types[] = {
	[KUBE_EVENT_ADDED] = "ADDED",
	[KUBE_EVENT_MODIFIED] = "MODIFIED",
	[KUBE_EVENT_DELETED] = "DELETED",
	[KUBE_EVENT_BOOKMARK] = "BOOKMARK",
	[KUBE_EVENT_ERROR] = "ERROR",
};

void kube_event_done(struct kube_event *e)
{
	if (e->object)
		json_decref(e->object);
	*e = (struct kube_event){};
}

int kube_event_parse(const char *line, size_t len, struct kube_event *ret)
{
	_cleanup_json_ json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	const char *type;
	json_t *obj, *meta;
	struct kube_event e = {};
	size_t i;

	if (!json_is_object(root))
		return -EBADMSG;
	type = json_object_get_string(root, "type");
	obj = json_object_get(root, "object");
	if (!type || !json_is_object(obj))
		return -EBADMSG;
	for (i = 0; i < ELEMENTSOF(event_types); i++)
		if (streq(type, event_types[i]))
			break;
	if (i == ELEMENTSOF(event_types))
		return -EBADMSG;
	e.type = (enum kube_event_type)i;
	meta = json_object_get(obj, "metadata");
	if (meta && !json_is_object(meta))
		return -EBADMSG;
	e.rv = json_object_get_string(meta, "resourceVersion");
	if (e.type == KUBE_EVENT_ERROR) {
		struct kube_status s;

		/* an ERROR whose object is not a Status still ends the watch, as code 500 */
		e.code = kube_status_from_json(obj, &s) >= 0 ? s.code : 500;
	} else if (e.type == KUBE_EVENT_BOOKMARK && !e.rv) {
		return -EBADMSG;
	}
	e.object = json_incref(obj);
	*ret = e;
	return 0;
}
