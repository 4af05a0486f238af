/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tuning-config.h - the tuning plugin's pure parts.
 *
 * Owns: the config (sysctl, mac, mtu, promisc, allmulti, txQLen, dataDir) with
 * the reference's precedence (config < CNI_ARGS MAC < runtimeConfig.mac <
 * args.cni.*), the duplicate-sysctl-key check on the raw stdin bytes (a
 * parsed object has already lost the duplicates), turning a sysctl key into
 * a path under /proc/sys/net (dots to slashes, the first IFNAME replaced,
 * cleaned like Go's filepath.Join, refused outside net/), the regex
 * allowlist, and the backup file <dataDir>/<containerID>_<ifname>.json in
 * the reference's format (plus the sysctls we changed and the network name,
 * which the reference ignores when reading). No kernel access: unit tested.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/macro.h"
#include "libcni/args.h"
#include "libcni/error.h"

#define TUNING_DEFAULT_DATA_DIR "/run/cni/tuning"
#define TUNING_ALLOWLIST "/etc/cni/tuning/allowlist.conf"

struct tuning_sysctl {
	char *key;    /* as configured ("net.ipv4.conf.IFNAME.arp_filter") */
	char *value;
};

struct tuning_config {
	char *data_dir;
	struct tuning_sysctl *sysctls;
	size_t n_sysctls;
	char *mac;           /* as configured, NULL = leave alone */
	uint8_t mac_bytes[6];
	bool promisc;        /* true = switch on; false = leave alone */
	int mtu;             /* 0 = leave alone */
	bool has_allmulti, allmulti;
	bool has_txqlen;
	int txqlen;
};

struct tuning_config *tuning_config_free(struct tuning_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct tuning_config *, tuning_config_free);

/*
 * Parse the plugin config (whole stdin object) with CNI_ARGS (may be NULL). Unknown
 * CNI_ARGS keys are refused unless IgnoreUnknown. Errors: code 7 (bad values), 4 (CNI_ARGS).
 */
int tuning_config_parse(const json_t *config, const struct cni_args *args,
			struct tuning_config **ret, struct cni_error *err);

/* Whether any link attribute (not sysctl) is to be changed. */
bool tuning_config_touches_link(const struct tuning_config *c);

/* Refuse a top-level "sysctl" object naming one key twice (code 7). */
int tuning_check_duplicate_sysctls(const char *data, size_t len, struct cni_error *err);

/*
 * The path of key relative to /proc/sys ("net/ipv4/conf/eth0/arp_filter"). -EINVAL when the
 * key has a ".." between slashes or the cleaned path is not below net/.
 */
int tuning_sysctl_path(const char *key, const char *ifname, char **ret);

/* Whether a saved path is a plain path below net/ (no empty, "." or ".." components). */
bool tuning_sysctl_path_safe(const char *path);

/* The allowlist's regexes (one per non-blank line, trimmed). -ENOENT when there is no file. */
int tuning_allowlist_load(const char *path, char ***ret);
/* Every configured key must match one regex (unanchored, POSIX extended). Code 7 if not. */
int tuning_allowlist_check(char *const *patterns, const struct tuning_config *c,
			   struct cni_error *err);

/* What DEL restores; has_* mark what was saved. */
struct tuning_backup {
	char *mac;                     /* original MAC text, NULL = not saved */
	bool has_promisc, promisc;
	int mtu;                       /* 0 = not saved */
	bool has_allmulti, allmulti;
	bool has_txqlen;
	int txqlen;
	struct tuning_sysctl *sysctls; /* key = path relative to /proc/sys, original value */
	size_t n_sysctls;
	char *network;                 /* network name, for GC; NULL in reference files */
};

void tuning_backup_done(struct tuning_backup *b);
/* <dataDir>/<containerID>_<ifname>.json */
int tuning_backup_path(const char *data_dir, const char *container_id, const char *ifname,
		       char **ret);
/* The reference's json.MarshalIndent(…, "", " ") layout, then our extra keys. */
int tuning_backup_to_json(const struct tuning_backup *b, char **ret);
/* -EINVAL when the text is not a backup object. */
int tuning_backup_from_json(const char *data, struct tuning_backup *ret);
