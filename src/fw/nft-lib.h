/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nft-lib.h - libnftables, loaded on first use.
 *
 * Owns: the dlopen() of libnftables.so.1, the table of the few calls we make, and running one
 * command through it (fw_nft_run(), the only caller of those calls). A plugin
 * that never touches nftables (bridge without ipMasq or macspoofchk, the common case) then
 * never maps libnftables, libnftnl, libxtables and libgmp: about 0.5 ms and 0.8 MiB less per
 * exec. The library is found like a linked one (the binary's rpath, then the system's).
 */
#pragma once

#include <nftables/libnftables.h>

struct fw_nft_lib {
	struct nft_ctx *(*ctx_new)(uint32_t flags);
	void (*ctx_free)(struct nft_ctx *ctx);
	void (*ctx_output_set_flags)(struct nft_ctx *ctx, unsigned int flags);
	int (*ctx_buffer_output)(struct nft_ctx *ctx);
	int (*ctx_buffer_error)(struct nft_ctx *ctx);
	const char *(*ctx_get_output_buffer)(struct nft_ctx *ctx);
	const char *(*ctx_get_error_buffer)(struct nft_ctx *ctx);
	int (*run_cmd_from_buffer)(struct nft_ctx *ctx, const char *buf);
};

/*
 * The loaded library (loaded once, kept for the life of the process). -ELIBACC when it cannot
 * be loaded or lacks a symbol; then *ret_why (if not NULL) points to the loader's message,
 * valid for the life of the process.
 */
int fw_nft_lib(const struct fw_nft_lib **ret, const char **ret_why);

/*
 * Run cmd (nft text: commands or blocks) in one libnftables context with output_flags
 * (NFT_CTX_OUTPUT_*). On success *ret_out (if not NULL) gets the output; on failure the cause
 * is mapped back to an errno (-ENOENT, -EEXIST, -EBUSY, -EPERM, -EINVAL, else -EIO) and
 * *ret_err (if not NULL) gets nft's error text.
 */
int fw_nft_run(const char *cmd, unsigned output_flags, char **ret_out, char **ret_err);
