/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loop.h - linend's single-threaded event loop.
 *
 * Owns: one epoll instance and everything that wakes the daemon — file
 * descriptors, one-shot timers (a timerfd each) and signals (one signalfd).
 * Protocol clients build on these (curl-loop.h drives libcurl). Nothing in the
 * daemon sleeps or spins: when there is no work, epoll_wait blocks. Test builds
 * can run the timers on a fake clock instead (loop_fake_clock).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "basic/macro.h"

struct loop;
struct loop_io;
struct loop_timer;

typedef void (*loop_io_fn)(struct loop_io *io, int fd, uint32_t revents, void *userdata);
typedef void (*loop_timer_fn)(struct loop_timer *t, void *userdata);
typedef void (*loop_signal_fn)(struct loop *l, int signo, void *userdata);

int loop_new(struct loop **ret);
struct loop *loop_free(struct loop *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct loop *, loop_free);

/* Watch fd for events (EPOLLIN/EPOLLOUT...). The fd stays owned by the caller. */
int loop_io_add(struct loop *l, int fd, uint32_t events, loop_io_fn fn, void *userdata,
		struct loop_io **ret);
int loop_io_set_events(struct loop_io *io, uint32_t events);
/* Stop watching; safe to call from inside the io's own callback. */
void loop_io_free(struct loop_io *io);

int loop_timer_new(struct loop *l, loop_timer_fn fn, void *userdata, struct loop_timer **ret);
/* Fire once after usec microseconds (re-arming replaces the old deadline). */
int loop_timer_arm(struct loop_timer *t, uint64_t usec);
void loop_timer_disarm(struct loop_timer *t);
bool loop_timer_armed(const struct loop_timer *t);
void loop_timer_free(struct loop_timer *t);

/* Block signo and deliver it through the loop's signalfd. */
int loop_signal_add(struct loop *l, int signo, loop_signal_fn fn, void *userdata);

/* Run until loop_exit(); returns the exit code given there. */
int loop_run(struct loop *l);
void loop_exit(struct loop *l, int code);
/* Number of epoll wake-ups so far (the idle-CPU benchmark reads it). */
uint64_t loop_wakeups(const struct loop *l);

/* CLOCK_MONOTONIC and CLOCK_REALTIME in microseconds. */
uint64_t now_usec(void);
uint64_t realtime_usec(void);
/* The loop's monotonic clock in microseconds: now_usec(), or the fake clock in tests. */
uint64_t loop_now(const struct loop *l);

#ifdef LINEN_TEST_HOOKS
/*
 * Tests: from now on timers run on a fake clock starting at start_usec and fire only inside
 * loop_fake_advance(), which moves the clock by usec and runs every timer that falls due, in
 * deadline order (including those armed meanwhile). Returns how many ran.
 */
void loop_fake_clock(struct loop *l, uint64_t start_usec);
unsigned loop_fake_advance(struct loop *l, uint64_t usec);
#endif
