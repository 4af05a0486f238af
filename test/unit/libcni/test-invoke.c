// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for invoke.c: CNI_PATH lookup, environment building and running small
 * shell-script "plugins" (exit codes, error JSON, garbage, stderr fallback, signals, the
 * time limit, big outputs, "text file busy" retries).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "libcni/invoke.h"

static char tmpdir[] = "/tmp/test-invoke-XXXXXX";

static char *script(const char *name, const char *body)
{
	char *path;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
	return path;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *const plain_env[] = { "PATH=/usr/bin:/bin", NULL };

static int run(const char *path, const char *in, unsigned timeout_ms, char **out,
	       struct cni_error *err)
{
	size_t len = 0;

	memset(err, 0, sizeof(*err));
	*out = NULL;
	return cni_exec_plugin(path, plain_env, in, in ? strlen(in) : 0, timeout_ms, out, &len,
			       err);
}

static void test_find(void **state)
{
	_cleanup_free_ char *p = NULL, *dirs = NULL, *expect = NULL, *d1 = NULL, *d2 = NULL;
	struct cni_error err = {};

	assert_true(asprintf(&d1, "%s/d1", tmpdir) > 0);
	assert_true(asprintf(&d2, "%s/d2", tmpdir) > 0);
	assert_int_equal(mkdir(d1, 0755), 0);
	assert_int_equal(mkdir(d2, 0755), 0);
	/* a directory named like the plugin is not a plugin */
	{
		_cleanup_free_ char *sub = NULL;

		assert_true(asprintf(&sub, "%s/plug", d1) > 0);
		assert_int_equal(mkdir(sub, 0755), 0);
	}
	{
		_cleanup_free_ char *f = NULL;

		assert_true(asprintf(&f, "%s/plug", d2) > 0);
		close(open(f, O_CREAT | O_WRONLY, 0755));
		expect = strdup(f);
	}
	assert_true(asprintf(&dirs, "/nonexistent::%s:%s", d1, d2) > 0);
	assert_int_equal(cni_find_plugin("plug", dirs, &p), 0);
	assert_string_equal(p, expect);

	assert_int_equal(cni_find_plugin("nope", dirs, &p), -ENOENT);
	assert_int_equal(cni_find_plugin("../d2/plug", dirs, &p), -EINVAL);
	assert_int_equal(cni_find_plugin("a\\b", dirs, &p), -EINVAL);
	assert_int_equal(cni_find_plugin("", dirs, &p), -EINVAL);
	assert_int_equal(cni_find_plugin("plug", "", &p), -ENOENT);
	assert_int_equal(cni_find_plugin("plug", NULL, &p), -ENOENT);

	assert_int_equal(cni_find_plugin_err("x/y", dirs, &p, &err), -EINVAL);
	assert_int_equal(err.code, 7);
	assert_non_null(strstr(err.msg, "invalid plugin name: x/y"));
	assert_int_equal(cni_find_plugin_err("nope", dirs, &p, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "failed to find plugin \"nope\" in path"));
}

static void test_env_build(void **state)
{
	char *const base[] = { "PATH=/bin", "CNI_COMMAND=DEL", "HOME=/root", "CNI_NETNSX=1", NULL };
	const char *const over[] = { "CNI_COMMAND=ADD", "CNI_NETNS=", "CNI_COMMAND=CHECK", NULL };
	_cleanup_strv_free_ char **env = cni_env_build(base, over);
	size_t n = 0;

	assert_non_null(env);
	for (; env[n]; n++)
		;
	assert_int_equal(n, 5);
	assert_string_equal(env[0], "PATH=/bin");
	assert_string_equal(env[1], "HOME=/root");
	assert_string_equal(env[2], "CNI_NETNSX=1");
	assert_string_equal(env[3], "CNI_NETNS=");
	/* the last override of a key wins, and only once */
	assert_string_equal(env[4], "CNI_COMMAND=CHECK");
}

static void test_ok_stdin_env(void **state)
{
	_cleanup_free_ char *p = script("echo", "cat; printf ' %s' \"$CNI_COMMAND\"");
	_cleanup_strv_free_ char **env = NULL;
	const char *const over[] = { "CNI_COMMAND=ADD", NULL };
	struct cni_error err = {};
	char *out = NULL;
	size_t len = 0;

	env = cni_env_build(plain_env, over);
	assert_int_equal(cni_exec_plugin(p, env, "{\"a\":1}", 7, 5000, &out, &len, &err), 0);
	assert_string_equal(out, "{\"a\":1} ADD");
	assert_int_equal(len, strlen(out));
	free(out);
}

static void test_big_output(void **state)
{
	/* more than a pipe buffer on both streams at once must not deadlock */
	_cleanup_free_ char *p = script("big", "head -c 300000 /dev/zero | tr '\\0' a; "
				 "head -c 300000 /dev/zero | tr '\\0' b >/dev/null");
	struct cni_error err;
	char *out;

	assert_int_equal(run(p, NULL, 10000, &out, &err), 0);
	assert_int_equal(strlen(out), 300000);
	free(out);
}

static void test_error_json(void **state)
{
	_cleanup_free_ char *p = script("fail", "echo '{\"cniVersion\":\"1.0.0\",\"code\":7,"
				  "\"msg\":\"bad config\",\"details\":\"key x\"}'; "
				  "echo 'log line' >&2; exit 1");
	struct cni_error err;
	char *out;

	assert_int_equal(run(p, "{}", 5000, &out, &err), -EPROTO);
	assert_null(out);
	assert_int_equal(err.code, 7);
	assert_string_equal(err.msg, "bad config");
	assert_string_equal(err.details, "key x");
}

static void test_garbage_stdout(void **state)
{
	_cleanup_free_ char *p = script("garbage", "echo 'oops {'; exit 1");
	struct cni_error err;
	char *out;

	assert_int_equal(run(p, "{}", 5000, &out, &err), -EPROTO);
	assert_int_equal(err.code, 999);
	assert_non_null(strstr(err.msg, "not an error object"));
	assert_non_null(strstr(err.msg, "oops {"));
	assert_non_null(strstr(err.msg, "exit status 1"));
}

static void test_stderr_fallback(void **state)
{
	_cleanup_free_ char *p = script("stderr", "echo 'it broke here' >&2; exit 2");
	_cleanup_free_ char *q = script("silent", "exit 3");
	struct cni_error err;
	char *out;

	assert_int_equal(run(p, "{}", 5000, &out, &err), -EPROTO);
	assert_int_equal(err.code, 999);
	assert_string_equal(err.msg, "netplugin failed (exit status 2): \"it broke here\"");

	assert_int_equal(run(q, "{}", 5000, &out, &err), -EPROTO);
	assert_int_equal(err.code, 999);
	assert_string_equal(err.msg, "netplugin failed (exit status 3) with no error message");
}

static void test_signal(void **state)
{
	_cleanup_free_ char *p = script("crash", "kill -SEGV $$");
	struct cni_error err;
	char *out;

	assert_int_equal(run(p, "{}", 5000, &out, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "killed by signal 11"));
}

static void test_timeout(void **state)
{
	/* the child sleep keeps stdout open: the whole group must die */
	_cleanup_free_ char *p = script("hang", "sleep 100 & wait");
	_cleanup_free_ char *q = script("hang2", "exec >&- 2>&-; sleep 100");
	struct cni_error err;
	int64_t t0 = mono_ms();
	char *out;

	assert_int_equal(run(p, "{}", 300, &out, &err), -ETIME);
	assert_true(mono_ms() - t0 < 3000);
	assert_int_equal(err.code, 999);
	assert_non_null(strstr(err.msg, "timed out after 300 ms"));

	/* closing its output does not end the wait: the exit does */
	t0 = mono_ms();
	assert_int_equal(run(q, "{}", 300, &out, &err), -ETIME);
	assert_true(mono_ms() - t0 < 3000);
}

static void test_leftover_holds_stdout(void **state)
{
	/* the plugin is done, a process it left behind keeps stdout open: take the output
	 * shortly after the exit instead of waiting for that process or the time limit */
	_cleanup_free_ char *p = script("leftover", "(sleep 6) & echo '{}'; exit 0");
	struct cni_error err;
	int64_t t0 = mono_ms();
	char *out;

	assert_int_equal(run(p, "{}", 10000, &out, &err), 0);
	assert_string_equal(out, "{}\n");
	assert_true(mono_ms() - t0 < 4500); /* not the 6 s of the leftover */
	free(out);
}

static void test_std_fds_closed(void **state)
{
	/* an embedder (a daemon) with stdin/stdout/stderr closed: our pipes land on 0-2 */
	_cleanup_free_ char *p = script("stdfds", "read x; [ \"$x\" = hello ] && echo ok-$x; "
				 "echo to-stderr >&2");
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct cni_error err;
		char *out = NULL;
		int r;

		close(0);
		close(1);
		close(2);
		r = run(p, "hello\n", 5000, &out, &err);
		_exit(r == 0 && out && streq(out, "ok-hello\n") ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_exec_errors(void **state)
{
	_cleanup_free_ char *p = NULL;
	struct cni_error err;
	char *out;

	assert_true(asprintf(&p, "%s/noexec", tmpdir) > 0);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	assert_int_equal(run(p, "{}", 1000, &out, &err), -EACCES);
	assert_int_equal(err.code, 999);
	assert_non_null(strstr(err.msg, "failed to run plugin"));
	assert_int_equal(run("/nonexistent/plugin", "{}", 1000, &out, &err), -ENOENT);
}

static void test_text_busy_retry(void **state)
{
	_cleanup_free_ char *p = script("busy", "echo done");
	int sync[2];
	pid_t pid;
	char c;
	struct cni_error err;
	char *out;
	int status;

	/* another process holds the binary open for writing for ~1.2 s */
	assert_int_equal(pipe(sync), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(p, O_WRONLY);

		if (write(sync[1], "x", 1) < 0 || fd < 0)
			_exit(1);
		usleep(1200 * 1000);
		_exit(0);
	}
	close(sync[1]);
	assert_int_equal(read(sync[0], &c, 1), 1);
	close(sync[0]);
	assert_int_equal(run(p, NULL, 5000, &out, &err), 0);
	assert_string_equal(out, "done\n");
	free(out);
	waitpid(pid, &status, 0);
}

static int setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd;

	if (asprintf(&cmd, "rm -rf '%s'", tmpdir) > 0) {
		if (system(cmd) != 0) {
			/* leftovers in /tmp only */
		}
		free(cmd);
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_env_build),
		cmocka_unit_test(test_ok_stdin_env),
		cmocka_unit_test(test_big_output),
		cmocka_unit_test(test_error_json),
		cmocka_unit_test(test_garbage_stdout),
		cmocka_unit_test(test_stderr_fallback),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_leftover_holds_stdout),
		cmocka_unit_test(test_std_fds_closed),
		cmocka_unit_test(test_exec_errors),
		cmocka_unit_test(test_text_busy_retry),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
