// SPDX-License-Identifier: Apache-2.0
/* The Kubernetes client's pure parts: kubeconfig, URLs, the watch line splitter, 410. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "basic/macro.h"
#include "kube/kube.h"

static const char kubeconfig[] =
	"apiVersion: v1\n"
	"kind: Config\n"
	"clusters:\n"
	"- name: other\n"
	"  cluster:\n"
	"    server: https://wrong:1\n"
	"- name: c1\n"
	"  cluster:\n"
	"    server: https://127.0.0.1:6443\n"
	"    certificate-authority: ca.pem\n"
	"users:\n"
	"- name: u1\n"
	"  user:\n"
	"    token: abc.def\n"
	"- name: u2\n"
	"  user:\n"
	"    client-certificate-data: aGVsbG8=\n"
	"    client-key-data: d29y\n"
	"      bGQ=\n"
	"contexts:\n"
	"- name: x\n"
	"  context: {cluster: other, user: u2}\n"
	"- name: main\n"
	"  context:\n"
	"    cluster: c1\n"
	"    user: u1\n"
	"current-context: main\n";

static void test_kubeconfig(void **state)
{
	struct kube_config c = {};
	const char *err = NULL;

	(void)state;
	assert_int_equal(kube_config_parse(kubeconfig, strlen(kubeconfig), "/etc/k", &c, &err), 0);
	assert_string_equal(c.server, "https://127.0.0.1:6443");
	assert_string_equal(c.ca_file, "/etc/k/ca.pem");
	assert_null(c.ca_data);
	assert_string_equal(c.token, "abc.def");
	assert_false(c.insecure);
	kube_config_done(&c);
}

static void test_kubeconfig_other_context(void **state)
{
	_cleanup_free_ char *y = strdup(kubeconfig);
	struct kube_config c = {};
	const char *err = NULL;
	char *p;

	(void)state;
	p = strstr(y, "current-context: main");
	memcpy(p, "current-context: x   ", strlen("current-context: main"));
	assert_int_equal(kube_config_parse(y, strlen(y), "/etc/k", &c, &err), 0);
	assert_string_equal(c.server, "https://wrong:1");
	assert_null(c.token);
	assert_int_equal(c.cert_data_len, 5);
	assert_memory_equal(c.cert_data, "hello", 5);
	/* base64 folded over two YAML lines */
	assert_int_equal(c.key_data_len, 5);
	assert_memory_equal(c.key_data, "world", 5);
	kube_config_done(&c);
}

static void test_kubeconfig_data_and_insecure(void **state)
{
	static const char y[] =
		"clusters: [{name: c, cluster: {server: 'https://h:1/', "
		"certificate-authority-data: 'UEVN', insecure-skip-tls-verify: true}}]\n"
		"users: [{name: u, user: {tokenFile: /run/tok}}]\n"
		"contexts: [{name: k, context: {cluster: c, user: u}}]\n"
		"current-context: k\n";
	struct kube_config c = {};
	const char *err = NULL;

	(void)state;
	assert_int_equal(kube_config_parse(y, strlen(y), ".", &c, &err), 0);
	assert_int_equal(c.ca_data_len, 3);
	assert_memory_equal(c.ca_data, "PEM", 3);
	assert_true(c.insecure);
	assert_string_equal(c.token_file, "/run/tok");
	kube_config_done(&c);
}

static void test_kubeconfig_errors(void **state)
{
	static const char *const bad[] = {
		"",
		"- a list\n",
		"current-context: k\n",
		"contexts: [{name: k, context: {cluster: c}}]\ncurrent-context: k\n",
		"clusters: [{name: c, cluster: {}}]\n"
		"contexts: [{name: k, context: {cluster: c}}]\ncurrent-context: k\n",
		"clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
		"contexts: [{name: k, context: {cluster: c, user: nobody}}]\ncurrent-context: k\n",
		"clusters: [{name: c, cluster: {server: 'https://h', "
		"certificate-authority-data: '!!!'}}]\n"
		"contexts: [{name: k, context: {cluster: c}}]\ncurrent-context: k\n",
		"a: [unclosed\n",
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct kube_config c = {};
		const char *err = NULL;

		assert_int_equal(kube_config_parse(bad[i], strlen(bad[i]), ".", &c, &err), -EINVAL);
		assert_non_null(err);
	}
}

static void test_in_cluster(void **state)
{
	struct kube_config c = {};
	const char *err = NULL;

	(void)state;
	unsetenv("KUBERNETES_SERVICE_HOST");
	assert_int_equal(kube_config_in_cluster("/sa", &c, &err), -ENXIO);
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	assert_int_equal(kube_config_in_cluster("/sa", &c, &err), 0);
	assert_string_equal(c.server, "https://[fd00::1]:443");
	assert_string_equal(c.token_file, "/sa/token");
	assert_string_equal(c.ca_file, "/sa/ca.crt");
	kube_config_done(&c);
}

static void test_urls(void **state)
{
	_cleanup_free_ char *u1 = kube_url("https://h:6443/", "/api/v1/nodes", NULL);
	_cleanup_free_ char *u2 = kube_url("https://h:6443", "/api/v1/nodes", "limit=5");
	_cleanup_free_ char *q1 = kube_watch_query("123", 60);
	_cleanup_free_ char *q2 = kube_watch_query("a b/+&", 300);
	_cleanup_free_ char *q3 = kube_watch_query(NULL, 10);

	(void)state;
	assert_string_equal(u1, "https://h:6443/api/v1/nodes");
	assert_string_equal(u2, "https://h:6443/api/v1/nodes?limit=5");
	assert_string_equal(q1, "watch=1&resourceVersion=123&allowWatchBookmarks=true&"
				"timeoutSeconds=60");
	/* opaque: escaped as given, never parsed */
	assert_string_equal(q2, "watch=1&resourceVersion=a%20b%2F%2B%26&allowWatchBookmarks=true&"
				"timeoutSeconds=300");
	assert_string_equal(q3, "watch=1&allowWatchBookmarks=true&timeoutSeconds=10");
}

struct lines {
	char got[8][128];
	size_t n;
};

static int collect(const char *line, size_t len, void *userdata)
{
	struct lines *l = userdata;

	assert_true(l->n < 8);
	assert_true(len < 128);
	memcpy(l->got[l->n], line, len);
	l->got[l->n][len] = 0;
	l->n++;
	return 0;
}

static void test_linebuf_split(void **state)
{
	struct kube_linebuf lb = {};
	struct lines l = {};

	(void)state;
	/* one event across three reads */
	assert_int_equal(kube_linebuf_feed(&lb, "{\"type\":\"AD", 11, collect, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(kube_linebuf_feed(&lb, "DED\",", 5, collect, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(kube_linebuf_feed(&lb, "\"x\":1}\n", 7, collect, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.got[0], "{\"type\":\"ADDED\",\"x\":1}");
	assert_int_equal(kube_linebuf_pending(&lb), 0);
	/* several in one read, a CRLF, an empty line, and a tail left pending */
	assert_int_equal(kube_linebuf_feed(&lb, "a\nb\r\n\nc\nd", 9, collect, &l), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.got[1], "a");
	assert_string_equal(l.got[2], "b");
	assert_string_equal(l.got[3], "c");
	/* the truncated final line is never delivered */
	assert_int_equal(kube_linebuf_pending(&lb), 1);
	kube_linebuf_done(&lb);
}

static void test_linebuf_max(void **state)
{
	struct kube_linebuf lb = { .max = 8 };
	struct lines l = {};

	(void)state;
	assert_int_equal(kube_linebuf_feed(&lb, "12345", 5, collect, &l), 0);
	assert_int_equal(kube_linebuf_feed(&lb, "6789", 4, collect, &l), -EMSGSIZE);
	assert_int_equal(l.n, 0);
	kube_linebuf_done(&lb);
}

static void test_event_parse(void **state)
{
	static const char add[] = "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Node\","
				  "\"metadata\":{\"name\":\"n1\",\"resourceVersion\":\"77\"}}}";
	static const char bm[] = "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Node\","
				 "\"metadata\":{\"resourceVersion\":\"90\"}}}";
	static const char *const bad[] = {
		"", "[]", "{\"type\":\"ADDED\"}", "{\"type\":\"NOPE\",\"object\":{}}",
		"{\"type\":\"BOOKMARK\",\"object\":{}}", "{\"type\":1,\"object\":{}}",
		"{\"type\":\"ADDED\",\"object\":{\"metadata\":[]}}",
	};
	struct kube_event e;

	(void)state;
	assert_int_equal(kube_event_parse(add, strlen(add), &e), 0);
	assert_int_equal(e.type, KUBE_EVENT_ADDED);
	assert_string_equal(e.rv, "77");
	kube_event_done(&e);
	assert_int_equal(kube_event_parse(bm, strlen(bm), &e), 0);
	assert_int_equal(e.type, KUBE_EVENT_BOOKMARK);
	assert_string_equal(e.rv, "90");
	kube_event_done(&e);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_int_equal(kube_event_parse(bad[i], strlen(bad[i]), &e), -EBADMSG);
}

static void test_gone(void **state)
{
	static const char err410[] =
		"{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
		"\"status\":\"Failure\",\"message\":\"too old resource version: 5 (90)\","
		"\"reason\":\"Expired\",\"code\":410}}";
	static const char err500[] =
		"{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":500,"
		"\"reason\":\"InternalError\"}}";
	static const char body403[] = "{\"kind\":\"Status\",\"status\":\"Failure\","
				      "\"reason\":\"Forbidden\",\"code\":403,\"message\":\"no\"}";
	struct kube_status s;
	struct kube_event e;

	(void)state;
	assert_int_equal(kube_event_parse(err410, strlen(err410), &e), 0);
	assert_int_equal(e.type, KUBE_EVENT_ERROR);
	assert_int_equal(e.code, 410);
	assert_int_equal(kube_status_from_json(e.object, &s), 0);
	assert_true(kube_is_gone(0, &s));
	assert_string_equal(s.message, "too old resource version: 5 (90)");
	kube_event_done(&e);
	assert_int_equal(kube_event_parse(err500, strlen(err500), &e), 0);
	assert_int_equal(kube_status_from_json(e.object, &s), 0);
	assert_false(kube_is_gone(0, &s));
	kube_event_done(&e);
	/* 410 as the HTTP status, with or without a body */
	assert_true(kube_is_gone(410, NULL));
	assert_false(kube_is_gone(200, NULL));
	assert_int_equal(kube_status_parse(body403, strlen(body403), &s), 0);
	assert_false(kube_is_gone(403, &s));
	assert_int_equal(s.code, 403);
	/* Gone by reason alone when a server leaves the code out */
	s = (struct kube_status){ .reason = "Gone" };
	assert_true(kube_is_gone(0, &s));
	assert_int_equal(kube_status_parse("{\"kind\":\"Node\"}", 15, &s), -EBADMSG);
	assert_int_equal(kube_http_errno(403), -EACCES);
	assert_int_equal(kube_http_errno(500), -EAGAIN);
	assert_int_equal(kube_http_errno(410), -ESTALE);
	assert_int_equal(kube_http_errno(201), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kubeconfig),
		cmocka_unit_test(test_kubeconfig_other_context),
		cmocka_unit_test(test_kubeconfig_data_and_insecure),
		cmocka_unit_test(test_kubeconfig_errors),
		cmocka_unit_test(test_in_cluster),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_linebuf_split),
		cmocka_unit_test(test_linebuf_max),
		cmocka_unit_test(test_event_parse),
		cmocka_unit_test(test_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
