// SPDX-License-Identifier: Apache-2.0
/*
 * nft-lib.c - libnftables, loaded on first use (see nft-lib.h).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "fw/nft-lib.h"

#define NFT_SONAME "libnftables.so.1"

static struct fw_nft_lib lib;
static int lib_state; /* 0 not tried, 1 loaded, < 0 failed */
static char lib_why[256];

static int load(void)
{
	static const struct {
		const char *name;
		size_t offset;
	} syms[] = {
		{ "nft_ctx_new", offsetof(struct fw_nft_lib, ctx_new) },
		{ "nft_ctx_free", offsetof(struct fw_nft_lib, ctx_free) },
		{ "nft_ctx_output_set_flags", offsetof(struct fw_nft_lib, ctx_output_set_flags) },
		{ "nft_ctx_buffer_output", offsetof(struct fw_nft_lib, ctx_buffer_output) },
		{ "nft_ctx_buffer_error", offsetof(struct fw_nft_lib, ctx_buffer_error) },
		{ "nft_ctx_get_output_buffer", offsetof(struct fw_nft_lib, ctx_get_output_buffer) },
		{ "nft_ctx_get_error_buffer", offsetof(struct fw_nft_lib, ctx_get_error_buffer) },
		{ "nft_run_cmd_from_buffer", offsetof(struct fw_nft_lib, run_cmd_from_buffer) },
	};
	void *h;

	h = dlopen(NFT_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(lib_why, sizeof(lib_why), "%s", dlerror());
		return -ELIBACC;
	}
	for (size_t i = 0; i < ELEMENTSOF(syms); i++) {
		void *f = dlsym(h, syms[i].name);

		if (!f) {
			snprintf(lib_why, sizeof(lib_why), "%s: no symbol %s", NFT_SONAME,
				 syms[i].name);
			dlclose(h);
			return -ELIBACC;
		}
		*(void **)((char *)&lib + syms[i].offset) = f;
	}
	/* the handle stays open: the library is used until exit */
	return 1;
}

int fw_nft_lib(const struct fw_nft_lib **ret, const char **ret_why)
{
	if (lib_state == 0) {
		lib_state = load();
		if (lib_state < 0)
			log_debug("fw: cannot load %s", lib_why);
	}
	if (lib_state < 0) {
		if (ret_why)
			*ret_why = lib_why;
		return lib_state;
	}
	*ret = &lib;
	return 0;
}

/*
 * libnftables reports failure as -1 and the cause only as text (the kernel's strerror). Map the
 * causes a caller may act on back to an errno.
 */
static int error_from_text(const char *err)
{
	static const struct {
		const char *text;
		int error;
	} table[] = {
		{ "No such file or directory", ENOENT },
		{ "File exists", EEXIST },
		{ "Device or resource busy", EBUSY },
		{ "Operation not permitted", EPERM },
		{ "syntax error", EINVAL },
		{ "Could not process rule: Invalid argument", EINVAL },
	};

	if (!err)
		return -EIO;
	for (size_t i = 0; i < ELEMENTSOF(table); i++)
		if (strstr(err, table[i].text))
			return -table[i].error;
	return -EIO;
}

/* The outcome of one nft run, out and err being its buffers (freed by the caller after). */
static int finish(int r, const char *out, const char *err, char **ret_out, char **ret_err)
{
	if (r != 0) {
		r = error_from_text(err);
		log_debug("fw: nft failed (%d): %s", r, err ? err : "");
		if (ret_err) {
			*ret_err = strdup(err && *err ? err : "nft: unknown error");
			if (!*ret_err)
				return -ENOMEM;
		}
		return r;
	}
	if (ret_out) {
		*ret_out = strdup(out ? out : "");
		if (!*ret_out)
			return -ENOMEM;
	}
	return 0;
}

int fw_nft_run(const char *cmd, unsigned output_flags, char **ret_out, char **ret_err)
{
	const struct fw_nft_lib *nft;
	const char *out, *err, *why;
	struct nft_ctx *ctx;
	int r;

	r = fw_nft_lib(&nft, &why);
	if (r < 0) {
		if (ret_err && asprintf(ret_err, "cannot load libnftables: %s", why) < 0)
			*ret_err = NULL;
		return r;
	}
	ctx = nft->ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return -ENOMEM;
	nft->ctx_output_set_flags(ctx, output_flags);
	if (nft->ctx_buffer_output(ctx) < 0 || nft->ctx_buffer_error(ctx) < 0) {
		nft->ctx_free(ctx);
		return -ENOMEM;
	}

	r = nft->run_cmd_from_buffer(ctx, cmd);
	out = nft->ctx_get_output_buffer(ctx);
	err = nft->ctx_get_error_buffer(ctx);
	r = finish(r, out, err, ret_out, ret_err);
	nft->ctx_free(ctx);
	return r;
}
