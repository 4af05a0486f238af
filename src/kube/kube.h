/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube.h - a small asynchronous Kubernetes API client on linend's event loop.
 *
 * Owns: the connection config (a kubeconfig file, an API URL, or the in-cluster service
 * account), TLS through libcurl (CA file or blob, client certificate and key, verified unless
 * insecure-skip-tls-verify), the bearer token (a token file is re-read when it changes: bound
 * service-account tokens rotate), GET and PATCH requests on a curl-loop, and the list-then-
 * watch protocol: a streamed watch split into lines (an event may arrive across several
 * reads), BOOKMARKs, and "410 Gone" as the HTTP status or an ERROR event. It is generic over
 * resources: nothing here knows what a Node is. A resourceVersion is an opaque string, only
 * ever compared for equality. Nothing here logs above debug; callers decide.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/macro.h"
#include "linend/loop.h"

#define KUBE_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* Connection config -------------------------------------------------------------------- */

struct kube_config {
	char *server;           /* "https://host:port", no trailing '/' */
	char *ca_file;          /* certificate-authority */
	char *ca_data;          /* certificate-authority-data, decoded PEM */
	size_t ca_data_len;
	bool insecure;          /* insecure-skip-tls-verify */
	char *token;            /* user token */
	char *token_file;       /* tokenFile / token-file: re-read when it changes */
	char *cert_file, *key_file;
	char *cert_data, *key_data; /* decoded PEM */
	size_t cert_data_len, key_data_len;
};

void kube_config_done(struct kube_config *c);
/*
 * Parse a kubeconfig (YAML) and pick current-context's cluster and user. Relative file
 * paths are taken from base_dir (the kubeconfig's directory). ret_error: a static text
 * saying what is wrong, for the caller's log.
 */
int kube_config_parse(const char *yaml, size_t len, const char *base_dir,
		      struct kube_config *ret, const char **ret_error);
/* The in-cluster config: KUBERNETES_SERVICE_HOST/PORT and sa_dir's token and ca.crt. */
int kube_config_in_cluster(const char *sa_dir, struct kube_config *ret,
			   const char **ret_error);
/*
 * flanneld's clientcmd.BuildConfigFromFlags: a kubeconfig file (its server replaced by
 * api_url if given), else api_url alone, else in-cluster.
 */
int kube_config_load(const char *kubeconfig, const char *api_url, struct kube_config *ret,
		     const char **ret_error);

/* Pure helpers (parsers, unit-tested and fuzzed) ------------------------------------------ */

/* server + path + "?" + query (NULL: none); path and query are passed as given. */
char *kube_url(const char *server, const char *path, const char *query);
/* The watch query: watch=1&resourceVersion=RV&allowWatchBookmarks=true&timeoutSeconds=N. */
char *kube_watch_query(const char *rv, unsigned timeout_s);
/* Append one query parameter value, percent-encoded, to a malloc'd string. */
int kube_query_escape(const char *s, char **ret);

/* A byte stream split into lines ("\n"; a trailing "\r" dropped). */
struct kube_linebuf {
	char *buf;
	size_t len, cap;
	size_t max; /* 0: 16 MiB; a longer line is an error (-EMSGSIZE) */
};
typedef int (*kube_line_fn)(const char *line, size_t len, void *userdata);
/*
 * Append data and call fn for each complete non-empty line. fn returning < 0 stops and
 * that value is returned; the rest stays buffered.
 */
int kube_linebuf_feed(struct kube_linebuf *lb, const char *data, size_t len, kube_line_fn fn,
		      void *userdata);
/* Bytes of an incomplete final line still held (a stream that ended mid-line). */
size_t kube_linebuf_pending(const struct kube_linebuf *lb);
void kube_linebuf_done(struct kube_linebuf *lb);

enum kube_event_type {
	KUBE_EVENT_ADDED,
	KUBE_EVENT_MODIFIED,
	KUBE_EVENT_DELETED,
	KUBE_EVENT_BOOKMARK,
	KUBE_EVENT_ERROR,
};

struct kube_event {
	enum kube_event_type type;
	json_t *object;          /* owned; a Status for ERROR */
	const char *rv;          /* object's metadata.resourceVersion, or NULL; inside object */
	int code;                /* ERROR: the Status code (410: gone) */
};

/* Parse one watch line: {"type":…,"object":{…}}. -EBADMSG: not a watch event. */
int kube_event_parse(const char *line, size_t len, struct kube_event *ret);
void kube_event_done(struct kube_event *e);

struct kube_status {
	int code;
	char reason[64];
	char message[256];
};
/* Parse a Status object (or body); -EBADMSG if it is not one. */
int kube_status_from_json(const json_t *o, struct kube_status *ret);
int kube_status_parse(const char *body, size_t len, struct kube_status *ret);
/* 410 Gone, as an HTTP status or a Status/ERROR event with code 410 (reason Expired/Gone). */
bool kube_is_gone(long http_status, const struct kube_status *s);
/* An HTTP status as -errno: 401/403 -EACCES, 404 -ENOENT, 409 -EEXIST, 410 -ESTALE,
 * 422/400 -EINVAL, 429/5xx -EAGAIN, else -EIO. */
int kube_http_errno(long http_status);

/* The client ---------------------------------------------------------------------------- */

struct kube_client;

struct kube_reply {
	int error;           /* 0, or -errno (transport or HTTP) */
	long http_status;    /* 0: no answer */
	const char *message; /* the Status message or curl's text, else NULL */
	const char *body;    /* NUL-terminated */
	size_t len;
	json_t *json;        /* the parsed body, or NULL */
};
typedef void (*kube_reply_cb)(const struct kube_reply *r, void *userdata);

struct kube_stats {
	uint64_t requests;
	uint64_t errors;
	uint64_t watch_events;
	uint64_t watch_restarts;
	uint64_t relists;
};

int kube_client_new(struct loop *l, const struct kube_config *cfg, struct kube_client **ret);
/* Aborts every request in flight without calling callbacks. */
struct kube_client *kube_client_free(struct kube_client *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kube_client *, kube_client_free);
const char *kube_client_server(const struct kube_client *c);
struct kube_stats *kube_client_stats(struct kube_client *c);

/* GET path (+query). */
int kube_get(struct kube_client *c, const char *path, kube_reply_cb cb, void *userdata);
/* PATCH path with body; content_type e.g. "application/strategic-merge-patch+json". */
int kube_patch(struct kube_client *c, const char *path, const char *content_type,
	       const char *body, kube_reply_cb cb, void *userdata);

/* A streamed watch ----------------------------------------------------------------------- */

enum kube_watch_kind {
	KUBE_WATCH_EVENT,  /* event (ADDED/MODIFIED/DELETED/BOOKMARK) */
	KUBE_WATCH_GONE,   /* 410: the version is too old; list again (watch ended) */
	KUBE_WATCH_CLOSED, /* the stream ended or failed (watch ended): resume from the last rv */
};

struct kube_watch_update {
	enum kube_watch_kind kind;
	const struct kube_event *event;
	int error;          /* CLOSED: 0 (server timeout), -errno */
	long http_status;
	const char *message;
	uint64_t received_usec;
};

struct kube_watch;
typedef void (*kube_watch_cb)(const struct kube_watch_update *u, void *userdata);

/* Watch a collection path (e.g. "/api/v1/nodes") from rv; the watch frees itself after
 * GONE or CLOSED. */
int kube_watch_start(struct kube_client *c, const char *path, const char *rv,
		     unsigned timeout_s, kube_watch_cb cb, void *userdata, struct kube_watch **ret);
/* Stop a watch; allowed inside its callback. */
void kube_watch_stop(struct kube_watch *w);
