/* SPDX-License-Identifier: Apache-2.0 */
/*
 * httpd.h - a tiny non-blocking HTTP/1.0 server on the event loop (healthz, readyz, metrics).
 *
 * Owns: the listening socket and its connections: reads one GET request (4 KiB max), asks
 * the handler for status and body, writes the response and closes. A slow client costs
 * one fd, never a blocked loop; at most 32 connections are open at once. A failing accept
 * (out of file descriptors) pauses accepting for 100 ms rather than spinning the loop.
 */
#pragma once

#include <stdint.h>

#include "linend/loop.h"

struct httpd;
/* Fill status, content type (static string) and a malloc'd body for path. */
typedef void (*httpd_handler)(const char *path, int *ret_status, const char **ret_ctype,
			      char **ret_body, void *userdata);

int httpd_new(struct loop *l, const char *ip, uint16_t port, httpd_handler fn, void *userdata,
	      struct httpd **ret);
struct httpd *httpd_free(struct httpd *h);
/* The bound port (port 0 asks the kernel for one). */
uint16_t httpd_port(const struct httpd *h);
/* accept() failures that paused accepting so far. */
uint64_t httpd_accept_errors(const struct httpd *h);
