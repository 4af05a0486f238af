/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lease.h - typed subnet leases and flannel's byte formats for them.
 *
 * Owns: struct lease (what every other part of linend, backends included, works on), the
 * etcd key of a lease ("10.5.34.0-24", dual-stack "10.5.34.0-24&fd00::-64") and its value,
 * flannel's LeaseAttrs JSON with the fields in flannel's order:
 *   {"PublicIP":"…","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,…}}
 * Parsing validates everything, including the vxlan BackendData, so a backend never sees
 * JSON and never sees a malformed lease. Pure code: no I/O, no logging.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/ip.h"
#include "basic/mac.h" /* mac_parse, mac_format: the leases' vtepMAC */

#define LEASE_TYPE_MAX 32
#define LEASE_KEY_MAX (IP_PREFIX_STRLEN * 2 + 2)
/* the longest extension BackendData string we carry (decoded bytes) */
#define LEASE_DATA_MAX 1024

enum backend_data_kind {
	BACKEND_DATA_NONE,  /* absent, null, or a backend whose data we do not interpret */
	BACKEND_DATA_VXLAN, /* {"VNI":1,"VtepMAC":"c6:d2:32:6f:8f:44"} */
	/*
	 * extension: flannel stores the PreStartupCommand's output as a JSON string and hands
	 * the decoded string to the peers' commands. We keep the decoded bytes (NULs included)
	 * and re-encode them as Go's encoding/json does, so a value flanneld wrote round-trips
	 * byte for byte.
	 */
	BACKEND_DATA_STRING,
};

struct backend_data {
	enum backend_data_kind kind;
	uint32_t vni;
	uint8_t vtep_mac[6];
	uint16_t len;              /* STRING: bytes in str */
	char str[LEASE_DATA_MAX];  /* STRING: not NUL-terminated */
};

struct lease_attrs {
	struct ip_addr public_ip;   /* AF_INET */
	struct ip_addr public_ipv6; /* family 0: JSON null */
	char backend_type[LEASE_TYPE_MAX]; /* "": omitted (udp, alloc) */
	struct backend_data data;   /* BackendData */
	struct backend_data data6;  /* BackendV6Data */
};

struct lease {
	struct ip_prefix subnet;  /* IPv4, always set for etcd leases */
	struct ip_prefix subnet6; /* family 0: no IPv6 part */
	struct lease_attrs attrs;
	int64_t etcd_lease;   /* 0: a reservation (a key without TTL) */
	int64_t mod_revision; /* of the etcd key */
};

/* "10.5.34.0-24" or "10.5.34.0-24&fd00::-64" into buf (LEASE_KEY_MAX bytes). */
const char *lease_key_format(const struct ip_prefix *subnet, const struct ip_prefix *subnet6,
			     char buf[static LEASE_KEY_MAX]);
/* Parse a key (the part after "<prefix>/subnets/"); host bits are cleared. -EINVAL else. */
int lease_key_parse(const char *s, struct ip_prefix *ret_subnet, struct ip_prefix *ret_subnet6);

/* The value JSON, byte for byte as flanneld writes it. */
int lease_attrs_format(const struct lease_attrs *a, char **ret);
/* Parse a value; -EINVAL for anything a backend could not use. */
int lease_attrs_parse(const char *json, size_t len, struct lease_attrs *ret);
/* s as Go's json.Marshal encodes a string (quotes included), appended to *buf. */
int lease_json_string(const char *s, size_t n, char **buf, size_t *len);
bool lease_attrs_equal(const struct lease_attrs *a, const struct lease_attrs *b);

