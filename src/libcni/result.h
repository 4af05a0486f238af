/* SPDX-License-Identifier: Apache-2.0 */
/*
 * result.h - the CNI result, one typed model for every spec version.
 *
 * Owns: parsing a result of any version (0.1.0 ... 1.1.0) into struct
 * cni_result, and rendering it in any version with the reference's
 * conversion rules and output format (4-space indent, Go struct key order).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "basic/ip.h"
#include "basic/macro.h"
#include "libcni/error.h"

struct cni_interface {
	char *name;
	char *mac;
	char *sandbox;
	unsigned mtu;      /* 1.1.0; 0 = none */
	char *socket_path; /* 1.1.0 */
	char *pci_id;      /* 1.1.0 */
};

struct cni_ipconfig {
	struct ip_prefix address;
	struct ip_addr gateway; /* family 0 = none */
	int interface;          /* index into interfaces, -1 = none */
};

struct cni_route {
	struct ip_prefix dst;
	struct ip_addr gw; /* family 0 = none */
	int mtu, advmss, priority; /* 0 = none */
	bool has_table;
	int table;
	bool has_scope;
	int scope;
};

struct cni_dns {
	char **nameservers; /* NULL-terminated strvs, NULL = none */
	char *domain;
	char **search;
	char **options;
};

struct cni_result {
	char *cni_version;
	struct cni_interface *interfaces;
	size_t n_interfaces;
	struct cni_ipconfig *ips;
	size_t n_ips;
	struct cni_route *routes;
	size_t n_routes;
	struct cni_dns dns;
};

/* An empty result with cniVersion CNI_VERSION_LATEST; NULL on ENOMEM. */
struct cni_result *cni_result_new(void);
struct cni_result *cni_result_free(struct cni_result *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cni_result *, cni_result_free);
/* Deep copy; NULL on ENOMEM. */
struct cni_result *cni_result_dup(const struct cni_result *r);

/* Returns the new interface's index (>= 0) or -ENOMEM. mac/sandbox may be NULL. */
int cni_result_add_interface(struct cni_result *r, const char *name, const char *mac,
			     const char *sandbox);
/* gw may be NULL; iface -1 for none. Returns the index or -ENOMEM. */
int cni_result_add_ip(struct cni_result *r, const struct ip_prefix *addr,
		      const struct ip_addr *gw, int iface);
/* gw may be NULL. Returns the index or -ENOMEM. */
int cni_result_add_route(struct cni_result *r, const struct ip_prefix *dst,
			 const struct ip_addr *gw);
/* Set cniVersion (copied). */
int cni_result_set_version(struct cni_result *r, const char *version);

/* Parse a result of any version; one lacking cniVersion is read as default_version.
 * Errors: code 6 (decode) for bad JSON shapes, 1 for an unknown version, 7 for bad values. */
int cni_result_from_json(const json_t *j, const char *default_version, struct cni_result **ret,
			 struct cni_error *err);
/* Render in `version` (the reference's conversion rules). 0.1.0/0.2.0 need an IP
 * ("cannot convert: no valid IP addresses"); an unknown version is code 1. */
int cni_result_to_json(const struct cni_result *r, const char *version, json_t **ret,
		       struct cni_error *err);
/* Parse then render. */
int cni_result_convert_json(const json_t *in, const char *in_default_version,
			    const char *to_version, json_t **ret, struct cni_error *err);
/* The reference's output format: 4-space indent, keys in insertion order (the renderers
 * insert in Go struct order), no trailing newline. NULL on ENOMEM. */
char *cni_result_dumps(const json_t *j);
/* json_dumps() with Go's encoding/json string escaping on top (<, >, & and U+2028/U+2029 as
 * \u escapes), so output matches the reference byte for byte. NULL on ENOMEM. */
char *cni_json_dumps_go(const json_t *j, size_t flags);
