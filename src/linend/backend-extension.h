/* SPDX-License-Identifier: Apache-2.0 */
/*
 * backend-extension.h - the pure parts of flannel's "extension" backend.
 *
 * Owns: the environment a command gets (flannel's names), the stdin it reads, the bounded
 * output buffer, the retry schedule. backend-extension.c runs the commands on the loop.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "linend/lease.h"

#define EXT_ENV_MAX 5
#define EXT_ENV_LEN (16 + IP_PREFIX_STRLEN)
/* output kept per command (stdout and stderr together, as flannel's CombinedOutput) */
#define EXT_OUT_KEEP 4096
#define EXT_MAX_ATTEMPTS 10

struct ext_out {
	char buf[EXT_OUT_KEEP];
	size_t len;
	uint64_t dropped; /* bytes beyond EXT_OUT_KEEP, counted and thrown away */
};

/*
 * The variables for a command about lease l: SUBNET, PUBLIC_IP and, when the lease has
 * them, IPV6SUBNET and PUBLIC_IPV6; network (PostStartupCommand only) adds NETWORK.
 */
int ext_env_build(const struct lease *l, const struct ip_prefix *network,
		  char env[EXT_ENV_MAX][EXT_ENV_LEN], size_t *ret_n);
/* What a command reads on stdin: the decoded BackendData string and "\n", as flannel writes. */
size_t ext_stdin_build(const struct backend_data *d, char buf[static LEASE_DATA_MAX + 1]);
void ext_out_append(struct ext_out *o, const char *p, size_t n);
/* The output without leading and trailing white space (Go's strings.TrimSpace). */
const char *ext_out_trimmed(const struct ext_out *o, size_t *ret_len);
/* Delay before attempt number `attempt` (1 = the first retry): 1 s doubling, at most 60 s. */
uint64_t ext_backoff_usec(unsigned attempt);
