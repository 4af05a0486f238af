/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cache.h - the runtime's result cache, byte-compatible with the reference libcni.
 *
 * Owns: the file <cacheDir>/results/<net>-<containerID>-<ifname> (dirs 0700, file 0600,
 * replaced atomically), its JSON form
 *   {"kind":"cniCacheV1","containerId","config":base64(conflist),"ifName","networkName",
 *    "netns"?,"cniArgs"?:[["K","V"]...],"capabilityArgs"?:{},"result"?:{}}
 * rendered like Go's encoding/json (compact, nested keys sorted, <>& escaped), the
 * legacy format (a bare result), and listing cached attachments (GetCachedAttachments).
 *
 * Names are validated (container id / network name regex, ifname rules) before any path
 * is built, so a hostile name can never point outside the cache directory.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "basic/macro.h"

#define CNI_CACHE_KIND_V1 "cniCacheV1"
#define CNI_CACHE_DIR_DEFAULT "/var/lib/cni"
#define CNI_CACHE_FILE_MAX (16u * 1024 * 1024)

struct cni_cache_entry {
	bool legacy;        /* a bare result file: only result is set */
	char *container_id; /* required in v1 files that list as attachments */
	char *ifname;
	char *network_name;
	char *netns;        /* NULL when absent */
	char *config;       /* decoded conflist bytes (NUL-terminated), NULL when absent */
	size_t config_len;
	char **arg_keys;    /* cniArgs pairs */
	char **arg_values;
	size_t n_args;
	json_t *capability_args; /* object or NULL */
	json_t *result;          /* object or NULL */
};

struct cni_cache_entry *cni_cache_entry_free(struct cni_cache_entry *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct cni_cache_entry *, cni_cache_entry_free);

/* Append a cniArgs pair (copied). -ENOMEM. */
int cni_cache_entry_add_arg(struct cni_cache_entry *e, const char *key, const char *value);

/* Whether <net>-<cid>-<ifname>, the cache file's name, fits in one file name (NAME_MAX). */
bool cni_cache_name_fits(const char *net, const char *container_id, const char *ifname);
/* <cache_dir>/results/<net>-<cid>-<ifname>; -EINVAL when a name is not valid, -ENAMETOOLONG
 * when they do not fit together. */
int cni_cache_path(const char *cache_dir, const char *net, const char *container_id,
		   const char *ifname, char **ret_path);

/* Parse a cache file. A JSON object whose kind is not "cniCacheV1" is a legacy bare
 * result (entry->legacy, entry->result = the object). -EBADMSG for anything else
 * (not JSON, not an object, a v1 file with wrongly typed fields or bad base64). */
int cni_cache_parse(const char *data, size_t len, struct cni_cache_entry **ret);

/* Render a v1 entry exactly as the reference writes it (no trailing newline). */
int cni_cache_render(const struct cni_cache_entry *e, char **ret, size_t *ret_len);

/* Write e (v1) to its path, creating directories 0700 and the file 0600 atomically. */
int cni_cache_write(const char *cache_dir, const struct cni_cache_entry *e);

/* -ENOENT when there is no file, -EBADMSG when it is corrupt. */
int cni_cache_read(const char *cache_dir, const char *net, const char *container_id,
		   const char *ifname, struct cni_cache_entry **ret);

/* Remove the file; a missing file is success. */
int cni_cache_remove(const char *cache_dir, const char *net, const char *container_id,
		     const char *ifname);

/* GetCachedAttachments: v1 entries in <cache_dir>/results in file name order, optionally
 * only those of container_id; files that are unreadable, not v1, or lack ifName or
 * networkName are skipped, as are names that fail validation. A missing directory is an
 * empty list. *ret is a NULL-terminated array; free with cni_cache_entries_free(). */
int cni_cache_list(const char *cache_dir, const char *container_id,
		   struct cni_cache_entry ***ret, size_t *ret_n);
void cni_cache_entries_free(struct cni_cache_entry **v);

/* Base64 (standard alphabet, padded), as Go's encoding of []byte. */
char *cni_base64_encode(const void *data, size_t len);
int cni_base64_decode(const char *s, char **ret, size_t *ret_len);
