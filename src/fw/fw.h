/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fw.h - the nftables engine every firewall feature of linen is built on.
 *
 * Owns: running nft text as ONE libnftables transaction in the current network namespace,
 * the rendering helpers every feature shares (memstream, whole-table replace), and the rules
 * that keep outside strings (container IDs, network names, interface names, MACs) from ever
 * being spliced into nft text unchecked. Its jobs' headers come with it, each with one job:
 *  - fw-listing.h: reading our tables back, and queries over a listing (the one reader of a
 *    jump/goto target: fw_verdict_target());
 *  - fw-attach.h: per-attachment chains behind verdict maps (names, rendering, DEL, GC);
 *  - fw-reference.h: the reference plugins' chain names and their removal.
 *
 * A feature renders its owned table or objects as text with a pure function (golden-tested),
 * then applies it here. Each feature owns its own table, so a restart reconciles only our state.
 * Names we put into nft are either validated against a strict alphabet or replaced by a SHA-512
 * hash; nothing is ever quoted by escaping.
 *
 * Adding a feature (portmap, firewall, …): pick a table of its own; render with a pure function
 * into an open_memstream() and finish with fw_memstream_finish(); apply with fw_apply().
 *  - A table replaced whole (like flannel.c): fw_render_table_replace() + fw_apply(); CHECK
 *    compares fw_list_table_text() with the table rendered in nft's listing format.
 *  - Per-attachment state (like masq.c, macspoof.c): base chain dispatching through verdict maps
 *    to chains named by fw_attachment_chain_name(); DEL/GC via fw_delete_chains()/fw_gc_chains().
 * fw_identifier_valid() does not know nft's keywords: fixed names must not be one ("mark",
 * "nat", …); generated names ("c-<hex>-<hex>") never are.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "basic/ip.h"
#include "fw/fw-attach.h"
#include "fw/fw-listing.h"
#include "fw/fw-reference.h"

/* Append a copy of s to the NULL-terminated *v of n entries (*v may be NULL). */
int fw_strv_push(char ***v, size_t *n, const char *s);
/* Whether s is one of the NULL-terminated v (NULL counts as empty). */
bool fw_strv_contains(char *const *v, const char *s);
/* Whether the address of ips[i] already stands in ips[0..i): such a duplicate is written once. */
bool fw_ip_seen_before(const struct ip_prefix *ips, size_t i);

/*
 * Apply nft_text (any number of commands/blocks) as one atomic transaction. On failure returns
 * -ENOENT, -EEXIST, -EBUSY, -EPERM, -EINVAL (syntax) or -EIO, and, if ret_error_text is not NULL,
 * stores nft's error text there (the one out-parameter written on failure: it is the error).
 */
int fw_apply(const char *nft_text, char **ret_error_text);

/* A Linux interface name that is also safe inside an nft "string": [A-Za-z0-9_.@+-], 1..15. */
bool fw_ifname_valid(const char *ifname);
/* An nft identifier we accept for tables/chains/maps: [A-Za-z][A-Za-z0-9_-]*, ≤ 64 chars. */
bool fw_identifier_valid(const char *name);

/* Lower-case hex of the first nbytes of SHA-512(parts[0] NUL parts[1] NUL …); buf: 2n+1. */
int fw_hash_parts(const char *const *parts, size_t n_parts, size_t nbytes, char *buf);

/*
 * A token safe inside an nft comment (nft allows 128 bytes per comment): s itself when it is
 * 1..maxlen chars of [A-Za-z0-9_.:/@+-], otherwise "sha512:" + 24 hex of its digest
 * (FW_TOKEN_HASH_LEN chars). maxlen is clamped to [FW_TOKEN_HASH_LEN, FW_TOKEN_MAX - 1].
 */
#define FW_TOKEN_MAX 65
#define FW_TOKEN_HASH_LEN 31
const char *fw_comment_token(const char *s, size_t maxlen, char buf[static FW_TOKEN_MAX]);

/* Parse a MAC "aa:bb:cc:dd:ee:ff" (any case) into canonical lower case; -EINVAL otherwise. */
#define FW_MAC_STRLEN 18
int fw_mac_normalize(const char *s, char ret[static FW_MAC_STRLEN]);

/*
 * Finish a memstream opened by a renderer: on success hand the text to *ret, else -ENOMEM.
 * Always closes f and frees the buffer on failure.
 */
int fw_memstream_finish(FILE *f, char **buf, char **ret);

/*
 * Whole-table features: the transaction that replaces table `family name` by table_text (a
 * `table family name { … }` block, or NULL for none) atomically — declaring the table first
 * makes the delete valid whether or not it existed, so re-applying is idempotent.
 */
int fw_render_table_replace(const char *family, const char *name, const char *table_text,
			    char **ret_text);
/* Idempotently remove table `family name`. */
int fw_table_remove(const char *family, const char *name, char **ret_error_text);
