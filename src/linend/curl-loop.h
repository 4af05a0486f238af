/* SPDX-License-Identifier: Apache-2.0 */
/*
 * curl-loop.h - libcurl's multi interface driven by linend's event loop.
 *
 * Owns: one curl multi handle, its sockets (watched with loop_io_*) and its timer (a
 * loop_timer), driven through curl_multi_socket_action so curl never polls on its own, and
 * the completion callback of each transfer. The HTTP client side (etcd.c) uses it; the loop
 * itself knows only file descriptors, timers and signals.
 */
#pragma once

#include <curl/curl.h>

#include "basic/macro.h"
#include "linend/loop.h"

struct curl_loop;

/* A transfer finished; the easy handle is already detached from the multi. */
typedef void (*curl_loop_fn)(CURL *easy, CURLcode code, void *userdata);

int curl_loop_new(struct loop *l, struct curl_loop **ret);
/* Aborts nothing: remove every transfer first. */
struct curl_loop *curl_loop_free(struct curl_loop *cl);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct curl_loop *, curl_loop_free);

/* Start a transfer; fn runs when it ends. */
int curl_loop_add(struct curl_loop *cl, CURL *easy, curl_loop_fn fn, void *userdata);
/* Abort a running transfer without calling its callback. */
void curl_loop_remove(struct curl_loop *cl, CURL *easy);
