// SPDX-License-Identifier: Apache-2.0
/*
 * loop.c - epoll + timerfd + signalfd, one thread.
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
#ifdef LINEN_TEST_HOOKS
	uint64_t deadline; /* fake clock */
	struct loop_timer *next_timer;
#endif
};

/* The timerfd io is the first member, so the io pointer is the timer pointer. */
#define container_of_timer(p) ((struct loop_timer *)(p))

struct signal_handler {
	int signo;
	loop_signal_fn fn;
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

#ifdef LINEN_TEST_HOOKS
	bool fake;          /* timers run on fake_now, advanced by loop_fake_advance() */
	uint64_t fake_now;
	struct loop_timer *timers; /* every live timer, for the fake clock */
#endif
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
#ifdef LINEN_TEST_HOOKS
			for (struct loop_timer **p = &l->timers; *p; p = &(*p)->next_timer)
				if (*p == container_of_timer(io)) {
					*p = (*p)->next_timer;
					break;
				}
#endif
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
#ifdef LINEN_TEST_HOOKS
	t->next_timer = l->timers;
	l->timers = t;
#endif
	*ret = t;
	return 0;
}

int loop_timer_arm(struct loop_timer *t, uint64_t usec)
{
	struct itimerspec its = {};

#ifdef LINEN_TEST_HOOKS
	if (t->io.loop->fake) {
		t->deadline = t->io.loop->fake_now + usec;
		t->armed = true;
		return 0;
	}
#endif
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
	t->armed = false;
#ifdef LINEN_TEST_HOOKS
	if (t->io.loop->fake)
		return;
#endif
	timerfd_settime(t->io.fd, 0, &its, NULL);
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
	*ret = l;
	return 0;
}

struct loop *loop_free(struct loop *l)
{
	if (!l)
		return NULL;
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

	l->quit = false; /* a loop may be run again after loop_exit() (tests) */
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

uint64_t loop_now(const struct loop *l)
{
#ifdef LINEN_TEST_HOOKS
	if (l->fake)
		return l->fake_now;
#endif
	return now_usec();
}

#ifdef LINEN_TEST_HOOKS
void loop_fake_clock(struct loop *l, uint64_t start_usec)
{
	l->fake = true;
	l->fake_now = start_usec;
}

static struct loop_timer *fake_next_due(struct loop *l, uint64_t until)
{
	struct loop_timer *best = NULL;

	for (struct loop_timer *t = l->timers; t; t = t->next_timer)
		if (!t->io.dead && t->armed && t->deadline <= until &&
		    (!best || t->deadline < best->deadline))
			best = t;
	return best;
}

unsigned loop_fake_advance(struct loop *l, uint64_t usec)
{
	uint64_t until = l->fake_now + usec;
	struct loop_timer *t;
	unsigned n = 0;

	/* in deadline order, so a timer armed by a callback for "now" runs in this call too */
	while ((t = fake_next_due(l, until))) {
		if (t->deadline > l->fake_now)
			l->fake_now = t->deadline;
		t->armed = false;
		t->fn(t, t->userdata);
		n++;
	}
	l->fake_now = until;
	reap_dead(l);
	return n;
}
#endif
