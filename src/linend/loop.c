// SPDX-License-Identifier: Apache-2.0
/*
 * loop.c - epoll + timerfd + signalfd + curl multi, one thread.
 *
 * Sources freed while an epoll batch is being dispatched may still be named
 * by later entries of that batch, so they are only marked dead and unlinked
 * here; the memory is released after the batch.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "basic/macro.h"
#include "linend/loop.h"

enum source_kind {
	SOURCE_IO,
	SOURCE_TIMER,
	SOURCE_SIGNAL,
};

struct loop_io {
	enum source_kind kind;
	struct loop *loop;
	int fd;
	uint32_t events;
	bool dead;
	loop_io_fn fn;
	void *userdata;
	struct loop_io *next_dead;
};

struct loop_timer {
	struct loop_io io; /* the timerfd */
	bool armed;
	loop_timer_fn fn;
	void *userdata;
};

/* The timerfd io is the first member, so the io pointer is the timer pointer. */
#define container_of_timer(p) ((struct loop_timer *)(p))

struct signal_handler {
	int signo;
	loop_signal_fn fn;
	void *userdata;
};

struct curl_req {
	loop_curl_fn fn;
	void *userdata;
};

struct loop {
	int epfd;
	bool quit;
	int exit_code;
	uint64_t wakeups;
	struct loop_io *dead;

	struct loop_io *sigio;
	int sigfd;
	sigset_t sigmask;
	struct signal_handler signals[8];
	size_t n_signals;

	CURLM *multi;
	struct loop_timer *curl_timer;
};

uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t realtime_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static int io_register(struct loop *l, struct loop_io *io)
{
	struct epoll_event ev = { .events = io->events, .data.ptr = io };

	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, io->fd, &ev) < 0)
		return -errno;
	return 0;
}

int loop_io_add(struct loop *l, int fd, uint32_t events, loop_io_fn fn, void *userdata,
		struct loop_io **ret)
{
	struct loop_io *io;
	int r;

	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	*io = (struct loop_io){ .kind = SOURCE_IO, .loop = l, .fd = fd, .events = events,
				.fn = fn, .userdata = userdata };
	r = io_register(l, io);
	if (r < 0) {
		free(io);
		return r;
	}
	if (ret)
		*ret = io;
	return 0;
}

int loop_io_set_events(struct loop_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	if (io->events == events)
		return 0;
	if (epoll_ctl(io->loop->epfd, EPOLL_CTL_MOD, io->fd, &ev) < 0)
		return -errno;
	io->events = events;
	return 0;
}

static void source_kill(struct loop_io *io)
{
	if (!io || io->dead)
		return;
	epoll_ctl(io->loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	io->dead = true;
	io->next_dead = io->loop->dead;
	io->loop->dead = io;
}

void loop_io_free(struct loop_io *io)
{
	source_kill(io);
}

static void reap_dead(struct loop *l)
{
	while (l->dead) {
		struct loop_io *io = l->dead;

		l->dead = io->next_dead;
		switch (io->kind) {
		case SOURCE_TIMER:
			close(io->fd);
			free(container_of_timer(io));
			break;
		case SOURCE_SIGNAL:
		case SOURCE_IO:
			free(io);
			break;
		}
	}
}

static void timer_dispatch(struct loop_io *io, int fd, uint32_t revents, void *userdata)
{
	struct loop_timer *t = container_of_timer(io);
	uint64_t expirations;

	/* EAGAIN means it was re-armed or disarmed after the wake-up: not due. */
	if (read(fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	t->armed = false;
	t->fn(t, t->userdata);
}

int loop_timer_new(struct loop *l, loop_timer_fn fn, void *userdata, struct loop_timer **ret)
{
	struct loop_timer *t;
	int fd, r;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	t = calloc(1, sizeof(*t));
	if (!t) {
		close(fd);
		return -ENOMEM;
	}
	t->io = (struct loop_io){ .kind = SOURCE_TIMER, .loop = l, .fd = fd, .events = EPOLLIN,
				  .fn = timer_dispatch };
	t->fn = fn;
	t->userdata = userdata;
	r = io_register(l, &t->io);
	if (r < 0) {
		close(fd);
		free(t);
		return r;
	}
	*ret = t;
	return 0;
}

int loop_timer_arm(struct loop_timer *t, uint64_t usec)
{
	struct itimerspec its = {};

	/* A zero it_value would disarm; "now" is the smallest non-zero delay. */
	if (usec == 0)
		its.it_value.tv_nsec = 1;
	else {
		its.it_value.tv_sec = usec / 1000000;
		its.it_value.tv_nsec = (usec % 1000000) * 1000;
	}
	if (timerfd_settime(t->io.fd, 0, &its, NULL) < 0)
		return -errno;
	t->armed = true;
	return 0;
}

void loop_timer_disarm(struct loop_timer *t)
{
	struct itimerspec its = {};

	if (!t)
		return;
	timerfd_settime(t->io.fd, 0, &its, NULL);
	t->armed = false;
}

bool loop_timer_armed(const struct loop_timer *t)
{
	return t && t->armed;
}

void loop_timer_free(struct loop_timer *t)
{
	if (!t)
		return;
	loop_timer_disarm(t);
	source_kill(&t->io);
}

static void signal_dispatch(struct loop_io *io, int fd, uint32_t revents, void *userdata)
{
	struct loop *l = userdata;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si))
		for (size_t i = 0; i < l->n_signals; i++)
			if (l->signals[i].signo == (int)si.ssi_signo)
				l->signals[i].fn(l, (int)si.ssi_signo, l->signals[i].userdata);
}

int loop_signal_add(struct loop *l, int signo, loop_signal_fn fn, void *userdata)
{
	int fd;

	if (l->n_signals >= ELEMENTSOF(l->signals))
		return -ENOSPC;
	sigaddset(&l->sigmask, signo);
	if (sigprocmask(SIG_BLOCK, &l->sigmask, NULL) < 0)
		return -errno;
	fd = signalfd(l->sigfd, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (l->sigfd < 0) {
		int r;

		l->sigfd = fd;
		r = loop_io_add(l, fd, EPOLLIN, signal_dispatch, l, &l->sigio);
		if (r < 0)
			return r;
	}
	l->signals[l->n_signals++] = (struct signal_handler){ signo, fn, userdata };
	return 0;
}

/* curl multi glue ----------------------------------------------------------------------- */

static void curl_check_done(struct loop *l)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(l->multi, &left))) {
		struct curl_req *req = NULL;
		CURL *easy = m->easy_handle;
		CURLcode code = m->data.result;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&req);
		curl_multi_remove_handle(l->multi, easy);
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		if (req) {
			loop_curl_fn fn = req->fn;
			void *ud = req->userdata;

			free(req);
			fn(easy, code, ud);
		}
	}
}

static void curl_io_dispatch(struct loop_io *io, int fd, uint32_t revents, void *userdata)
{
	struct loop *l = userdata;
	int running, action = 0;

	if (revents & EPOLLIN)
		action |= CURL_CSELECT_IN;
	if (revents & EPOLLOUT)
		action |= CURL_CSELECT_OUT;
	if (revents & (EPOLLERR | EPOLLHUP))
		action |= CURL_CSELECT_ERR;
	curl_multi_socket_action(l->multi, fd, action, &running);
	curl_check_done(l);
}

static int curl_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct loop *l = userp;
	struct loop_io *io = socketp;
	uint32_t events = 0;

	if (what == CURL_POLL_REMOVE) {
		if (io) {
			loop_io_free(io);
			curl_multi_assign(l->multi, s, NULL);
		}
		return 0;
	}
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= EPOLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= EPOLLOUT;
	if (io)
		return loop_io_set_events(io, events) < 0 ? -1 : 0;
	if (loop_io_add(l, s, events, curl_io_dispatch, l, &io) < 0)
		return -1;
	curl_multi_assign(l->multi, s, io);
	return 0;
}

static void curl_timer_fired(struct loop_timer *t, void *userdata)
{
	struct loop *l = userdata;
	int running;

	curl_multi_socket_action(l->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	curl_check_done(l);
}

static int curl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct loop *l = userp;

	if (timeout_ms < 0) {
		loop_timer_disarm(l->curl_timer);
		return 0;
	}
	return loop_timer_arm(l->curl_timer, (uint64_t)timeout_ms * 1000) < 0 ? -1 : 0;
}

int loop_curl_add(struct loop *l, CURL *easy, loop_curl_fn fn, void *userdata)
{
	struct curl_req *req;

	req = calloc(1, sizeof(*req));
	if (!req)
		return -ENOMEM;
	req->fn = fn;
	req->userdata = userdata;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, req);
	if (curl_multi_add_handle(l->multi, easy) != CURLM_OK) {
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		free(req);
		return -EIO;
	}
	return 0;
}

void loop_curl_remove(struct loop *l, CURL *easy)
{
	struct curl_req *req = NULL;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&req);
	curl_multi_remove_handle(l->multi, easy);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
	free(req);
}

/* the loop itself ------------------------------------------------------------------------ */

int loop_new(struct loop **ret)
{
	struct loop *l;
	int r;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->sigfd = -1;
	sigemptyset(&l->sigmask);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		r = -errno;
		free(l);
		return r;
	}
	r = loop_timer_new(l, curl_timer_fired, l, &l->curl_timer);
	if (r < 0)
		goto fail;
	l->multi = curl_multi_init();
	if (!l->multi) {
		r = -ENOMEM;
		goto fail;
	}
	curl_multi_setopt(l->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
	curl_multi_setopt(l->multi, CURLMOPT_SOCKETDATA, l);
	curl_multi_setopt(l->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(l->multi, CURLMOPT_TIMERDATA, l);
	*ret = l;
	return 0;
fail:
	loop_free(l);
	return r;
}

struct loop *loop_free(struct loop *l)
{
	if (!l)
		return NULL;
	if (l->multi)
		curl_multi_cleanup(l->multi);
	loop_timer_free(l->curl_timer);
	loop_io_free(l->sigio);
	reap_dead(l);
	if (l->sigfd >= 0)
		close(l->sigfd);
	close(l->epfd);
	free(l);
	return NULL;
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[32];

	while (!l->quit) {
		int n = epoll_wait(l->epfd, evs, ELEMENTSOF(evs), -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		l->wakeups++;
		for (int i = 0; i < n; i++) {
			struct loop_io *io = evs[i].data.ptr;

			if (io->dead)
				continue;
			io->fn(io, io->fd, evs[i].events, io->userdata);
		}
		reap_dead(l);
	}
	return l->exit_code;
}

void loop_exit(struct loop *l, int code)
{
	l->quit = true;
	l->exit_code = code;
}

uint64_t loop_wakeups(const struct loop *l)
{
	return l->wakeups;
}
