/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loop.h - linend's single-threaded event loop.
 *
 * Owns: one epoll instance and everything that wakes the daemon — file
 * descriptors, one-shot timers (a timerfd each), signals (one signalfd) and
 * libcurl's multi interface (its sockets and its timer are driven through
 * curl_multi_socket_action, so curl never polls on its own). Nothing in the
 * daemon sleeps or spins: when there is no work, epoll_wait blocks.
 */
#pragma once

#include <curl/curl.h>
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
/* A transfer finished; the easy handle is already detached from the multi. */
typedef void (*loop_curl_fn)(CURL *easy, CURLcode code, void *userdata);

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

/* Start a transfer on the loop's curl multi handle; fn runs when it ends. */
int loop_curl_add(struct loop *l, CURL *easy, loop_curl_fn fn, void *userdata);
/* Abort a running transfer without calling its callback. */
void loop_curl_remove(struct loop *l, CURL *easy);

/* Run until loop_exit(); returns the exit code given there. */
int loop_run(struct loop *l);
void loop_exit(struct loop *l, int code);
/* Number of epoll wake-ups so far (the idle-CPU benchmark reads it). */
uint64_t loop_wakeups(const struct loop *l);

/* CLOCK_MONOTONIC and CLOCK_REALTIME in microseconds. */
uint64_t now_usec(void);
uint64_t realtime_usec(void);
