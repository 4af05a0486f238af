/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipam-store.h - the host-local on-disk store, compatible with the reference.
 *
 * Owns: <dataDir>/<network>/ (0755) holding one file per allocated address,
 * named by its canonical text, content "<containerID>\r\n<ifname>" (legacy:
 * "<containerID>"), the round-robin cursors "last_reserved_ip.<set>", and the
 * flock on "lock" that serialises every writer (ours and the reference's).
 * A directory scan is one readdir pass; owner files are read only on demand.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/ip.h"
#include "basic/macro.h"

struct ipam_store {
	char *path; /* <dataDir>/<network> */
	int dir_fd;
	int lock_fd;
	bool locked;
};

enum ipam_owner_kind {
	IPAM_OWNER_UNREAD,  /* scan without contents */
	IPAM_OWNER_IFNAME,  /* "<id>\r\n<ifname>" */
	IPAM_OWNER_LEGACY,  /* "<id>" */
	IPAM_OWNER_CORRUPT, /* anything else: never freed or overwritten by us */
};

struct ipam_entry {
	struct ip_addr addr;
	enum ipam_owner_kind kind;
	char *name;   /* file name as found */
	char *id;     /* IFNAME/LEGACY */
	char *ifname; /* IFNAME */
};

struct ipam_scan {
	struct ipam_entry *entries; /* every file named by an IP address */
	size_t n_entries;
	char **foreign;             /* other unexpected names (NULL-terminated, may be NULL) */
};

/* The reference's container ID / network name rule: ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$ */
bool ipam_valid_id(const char *s);
/* Non-empty, <= 15 bytes, not "." or "..", no '/', ':' or whitespace. */
bool ipam_valid_ifname(const char *s);

/* Create <data_dir>/<network> if needed and open it plus its lock file (not locked yet). */
int ipam_store_open(const char *data_dir, const char *network, struct ipam_store **ret);
/* Open without creating anything: -ENOENT when the network has no directory. */
int ipam_store_open_existing(const char *data_dir, const char *network, struct ipam_store **ret);
struct ipam_store *ipam_store_close(struct ipam_store *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct ipam_store *, ipam_store_close);
int ipam_store_lock(struct ipam_store *s);
void ipam_store_unlock(struct ipam_store *s);

/* Classify a file's content like the reference (whitespace trimmed). */
enum ipam_owner_kind ipam_owner_parse(const char *content, size_t len, char **ret_id,
				      char **ret_ifname);
/* One readdir pass; with read_owners, each address file is read and classified. */
int ipam_store_scan(struct ipam_store *s, bool read_owners, struct ipam_scan *ret);
void ipam_scan_done(struct ipam_scan *scan);
/* Does the entry belong to id+ifname (legacy: to id, when allow_legacy)? */
bool ipam_entry_owned_by(const struct ipam_entry *e, const char *id, const char *ifname,
			 bool allow_legacy);

/*
 * Create the file for a atomically with its full content (never an empty or
 * half-written file, even when killed): -EEXIST when taken.
 */
int ipam_store_reserve(struct ipam_store *s, const struct ip_addr *a, const char *id,
		       const char *ifname);
/* Remove a's file; -ENOENT when absent. */
int ipam_store_release(struct ipam_store *s, const char *name);
/* The round-robin cursor of a range set; -ENOENT/-EINVAL when missing or unreadable. */
int ipam_store_get_last(struct ipam_store *s, size_t set, struct ip_addr *ret);
int ipam_store_set_last(struct ipam_store *s, size_t set, const struct ip_addr *a);
