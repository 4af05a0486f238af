/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sbr-config.h - the pure parts of the source-based routing (sbr) plugin.
 *
 * Owns: its config (an optional fixed "table"), which of prevResult's addresses belong to
 * the interface, the reference's choice of table ids (the first from 100 that no rule and
 * no main-table route names, then the next free one per address), and which of the
 * interface's routes follow an address into its table.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "basic/ip.h"
#include "libcni/error.h"
#include "libcni/result.h"

#define SBR_FIRST_TABLE 100

struct sbr_config {
	bool has_table; /* only rules into this table, the routes are the user's */
	int table;
};

/* Errors: code 7 "failed to parse network configuration: <Go type error>". */
int sbr_config_parse(const json_t *config, struct sbr_config *ret, struct cni_error *err);

/*
 * The indexes into prev->ips of the addresses on ifname: those naming no interface (or an
 * index out of range) and those naming ifname. *ret is malloc'ed, *ret_n may be 0. Error
 * "No IP addresses supplied on interface: <ifname>" (code 999) when prev has no address.
 */
int sbr_select_ips(const struct cni_result *prev, const char *ifname, size_t **ret,
		   size_t *ret_n, struct cni_error *err);

/* The first id >= candidate in neither used list (tables of rules and of routes). */
uint32_t sbr_next_table(const uint32_t *used, size_t n_used, uint32_t candidate);

/*
 * A route of the interface moves into the address's table when its preferred source or
 * gateway is in the address's subnet, or when it has neither.
 */
bool sbr_route_follows(const struct ip_prefix *address, const struct ip_addr *prefsrc,
		       const struct ip_addr *gw);
