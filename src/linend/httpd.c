// SPDX-License-Identifier: Apache-2.0
/* httpd.c - accept, read a request line, answer, close. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "basic/ip.h"
#include "basic/macro.h"
#include "linend/httpd.h"

#define MAX_CONNS 32
/* how long accepting pauses after a failure that would repeat at once (EMFILE) */
#define ACCEPT_BACKOFF_USEC 100000ULL

struct conn {
	struct httpd *h;
	int fd;
	struct loop_io *io;
	char req[4096];
	size_t req_len;
	char *resp;
	size_t resp_len, resp_off;
	struct conn *next, **pprev;
};

struct httpd {
	struct loop *loop;
	int fd;
	struct loop_io *io;
	struct loop_timer *t_resume; /* re-enables accepting after a backoff */
	httpd_handler fn;
	void *userdata;
	struct conn *conns;
	unsigned n_conns;
	uint64_t accept_errors;
};

static void conn_free(struct conn *c)
{
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	c->h->n_conns--;
	loop_io_free(c->io);
	close(c->fd);
	free(c->resp);
	free(c);
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown Status"; /* a handler's status we have no phrase for */
	}
}

static void conn_respond(struct conn *c)
{
	char path[1024] = "/", method[16] = "";
	const char *ctype = "text/plain; charset=utf-8";
	_cleanup_free_ char *body = NULL;
	int status = 404;

	if (sscanf(c->req, "%15s %1023s", method, path) < 2)
		status = 400;
	else if (!streq(method, "GET") && !streq(method, "HEAD"))
		status = 405;
	else {
		char *q = strchr(path, '?');

		if (q)
			*q = 0;
		c->h->fn(path, &status, &ctype, &body, c->h->userdata);
	}
	if (asprintf(&c->resp,
		     "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n\r\n%s",
		     status, reason(status), ctype, body ? strlen(body) : 0,
		     streq(method, "HEAD") ? "" : (body ? body : "")) < 0) {
		c->resp = NULL;
		return;
	}
	c->resp_len = strlen(c->resp);
}

static void conn_io(struct loop_io *io, int fd, uint32_t revents, void *userdata)
{
	struct conn *c = userdata;
	ssize_t n;

	if (!c->resp) {
		n = read(fd, c->req + c->req_len, sizeof(c->req) - 1 - c->req_len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			conn_free(c);
			return;
		}
		c->req_len += (size_t)n;
		c->req[c->req_len] = 0;
		if (!strstr(c->req, "\r\n\r\n") && !strstr(c->req, "\n\n") &&
		    c->req_len < sizeof(c->req) - 1)
			return;
		conn_respond(c);
		if (!c->resp) {
			conn_free(c);
			return;
		}
		loop_io_set_events(c->io, EPOLLOUT);
	}
	n = write(fd, c->resp + c->resp_off, c->resp_len - c->resp_off);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		conn_free(c);
		return;
	}
	c->resp_off += (size_t)n;
	if (c->resp_off == c->resp_len)
		conn_free(c);
}

static void accept_resume(struct loop_timer *t, void *userdata)
{
	struct httpd *h = userdata;

	loop_io_set_events(h->io, EPOLLIN);
}

/*
 * The listening socket stays readable while a connection waits, and the loop is
 * level-triggered: after a failure that would repeat at once (out of fds or memory), stop
 * watching it for a moment instead of spinning.
 */
static void accept_pause(struct httpd *h)
{
	h->accept_errors++;
	if (loop_io_set_events(h->io, 0) >= 0)
		loop_timer_arm(h->t_resume, ACCEPT_BACKOFF_USEC);
}

static void accept_io(struct loop_io *io, int fd, uint32_t revents, void *userdata)
{
	struct httpd *h = userdata;

	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				accept_pause(h);
			return;
		}
		if (h->n_conns >= MAX_CONNS) {
			/* make room: the oldest connection is the likeliest to be stuck */
			struct conn *old = h->conns;

			while (old && old->next)
				old = old->next;
			if (old)
				conn_free(old);
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(cfd);
			accept_pause(h);
			return;
		}
		c->h = h;
		c->fd = cfd;
		if (loop_io_add(h->loop, cfd, EPOLLIN, conn_io, c, &c->io) < 0) {
			close(cfd);
			free(c);
			return;
		}
		c->next = h->conns;
		if (h->conns)
			h->conns->pprev = &c->next;
		h->conns = c;
		c->pprev = &h->conns;
		h->n_conns++;
	}
}

int httpd_new(struct loop *l, const char *ip, uint16_t port, httpd_handler fn, void *userdata,
	      struct httpd **ret)
{
	struct sockaddr_storage ss = {};
	struct ip_addr a;
	socklen_t sl;
	struct httpd *h;
	int one = 1, r;

	if (ip_addr_parse(ip && *ip ? ip : "0.0.0.0", &a) < 0)
		return -EINVAL;
	if (a.family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		s->sin_addr = a.in;
		s->sin_port = htons(port);
		sl = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		s->sin6_addr = a.in6;
		s->sin6_port = htons(port);
		sl = sizeof(*s);
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->loop = l;
	h->fn = fn;
	h->userdata = userdata;
	h->fd = socket(a.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd < 0) {
		r = -errno;
		free(h);
		return r;
	}
	setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(h->fd, (struct sockaddr *)&ss, sl) < 0 || listen(h->fd, 64) < 0) {
		r = -errno;
		close(h->fd);
		free(h);
		return r;
	}
	r = loop_timer_new(l, accept_resume, h, &h->t_resume);
	if (r < 0) {
		close(h->fd);
		free(h);
		return r;
	}
	r = loop_io_add(l, h->fd, EPOLLIN, accept_io, h, &h->io);
	if (r < 0) {
		loop_timer_free(h->t_resume);
		close(h->fd);
		free(h);
		return r;
	}
	*ret = h;
	return 0;
}

struct httpd *httpd_free(struct httpd *h)
{
	if (!h)
		return NULL;
	while (h->conns)
		conn_free(h->conns);
	loop_io_free(h->io);
	loop_timer_free(h->t_resume);
	close(h->fd);
	free(h);
	return NULL;
}

uint16_t httpd_port(const struct httpd *h)
{
	struct sockaddr_storage ss = {};
	socklen_t sl = sizeof(ss);

	if (getsockname(h->fd, (struct sockaddr *)&ss, &sl) < 0)
		return 0;
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

uint64_t httpd_accept_errors(const struct httpd *h)
{
	return h->accept_errors;
}
