// SPDX-License-Identifier: Apache-2.0
/*
 * test-httpd.c - linend's HTTP server on a real loop, in a network namespace of its own
 * (loopback only): out of file descriptors, accepting backs off instead of spinning the
 * level-triggered loop, and answers once fds are free again; reason phrases per status.
 * Needs root for the namespace; skips (77) without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "linend/httpd.h"
#include "linend/loop.h"

static void handler(const char *path, int *ret_status, const char **ret_ctype, char **ret_body,
		    void *userdata)
{
	*ret_status = streq(path, "/healthz") ? 200 : 404;
	*ret_body = strdup("hello");
}

static void stop(struct loop_timer *t, void *userdata)
{
	loop_exit(userdata, 0);
}

static struct loop_timer *t_stop;

/* Run the loop for usec (real time); the timer exists before fds run out. */
static void run_for(struct loop *l, uint64_t usec)
{
	if (!t_stop)
		assert_int_equal(loop_timer_new(l, stop, l, &t_stop), 0);
	assert_int_equal(loop_timer_arm(t_stop, usec), 0);
	assert_int_equal(loop_run(l), 0);
}

static void run_done(void)
{
	loop_timer_free(t_stop);
	t_stop = NULL;
}

/* after a failed test too: the next one has a loop of its own */
static int teardown(void **state)
{
	t_stop = NULL;
	return 0;
}

static int client(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Send req, let the server run, read the answer. */
static void ask(struct loop *l, int fd, const char *req, char *buf, size_t len)
{
	ssize_t n;

	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	run_for(l, 200000);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	n = read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = 0;
}

static void test_emfile_backs_off_and_recovers(void **state)
{
	_cleanup_(loop_freep) struct loop *l = NULL;
	struct httpd *h = NULL;
	int fds[4096], n = 0, c;
	struct rlimit saved, low;
	uint64_t before, wakeups;
	char buf[512];

	assert_int_equal(loop_new(&l), 0);
	assert_int_equal(httpd_new(l, "127.0.0.1", 0, handler, NULL, &h), 0);
	run_for(l, 1000);
	c = client(httpd_port(h));
	/* use up every file descriptor: the server's accept4 fails with EMFILE */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	low.rlim_cur = 64;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (n < (int)ELEMENTSOF(fds)) {
		int fd = dup(0);

		if (fd < 0) {
			assert_int_equal(errno, EMFILE);
			break;
		}
		fds[n++] = fd;
	}
	assert_true(n < (int)ELEMENTSOF(fds));
	before = loop_wakeups(l);
	run_for(l, 500000);
	wakeups = loop_wakeups(l) - before;
	while (n > 0)
		close(fds[--n]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	/* spinning costs hundreds of thousands of wake-ups; a 100 ms back-off about ten */
	assert_true(httpd_accept_errors(h) >= 1);
	if (wakeups >= 30)
		fail_msg("%" PRIu64 " wake-ups in 0.5 s: the loop spins", wakeups);
	ask(l, c, "GET /healthz HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, "HTTP/1.0 200 OK\r\n"));
	assert_non_null(strstr(buf, "\r\n\r\nhello"));
	close(c);
	httpd_free(h);
	run_done();
}

static void test_reason_phrases(void **state)
{
	_cleanup_(loop_freep) struct loop *l = NULL;
	struct httpd *h = NULL;
	static const struct {
		const char *req, *status;
	} cases[] = {
		{ "GET /healthz HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n" },
		{ "x\r\n\r\n", "HTTP/1.0 400 Bad Request\r\n" },
		{ "GET /nope HTTP/1.0\r\n\r\n", "HTTP/1.0 404 Not Found\r\n" },
		{ "POST /healthz HTTP/1.0\r\n\r\n", "HTTP/1.0 405 Method Not Allowed\r\n" },
	};
	char buf[512];

	assert_int_equal(loop_new(&l), 0);
	assert_int_equal(httpd_new(l, "127.0.0.1", 0, handler, NULL, &h), 0);
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		int c = client(httpd_port(h));

		ask(l, c, cases[i].req, buf, sizeof(buf));
		close(c);
		if (!startswith(buf, cases[i].status))
			fail_msg("%s: got \"%s\"", cases[i].req, buf);
	}
	httpd_free(h);
	run_done();
}

/* A namespace of our own with lo up: only loopback traffic, nothing of the host's. */
static int netns_setup(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd;

	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)) {
		close(fd);
		return -errno;
	}
	close(fd);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_emfile_backs_off_and_recovers, teardown),
		cmocka_unit_test_teardown(test_reason_phrases, teardown),
	};

	if (netns_setup() < 0) {
		printf("1..0 # SKIP needs root for a network namespace of its own\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
