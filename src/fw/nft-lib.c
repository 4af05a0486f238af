// SPDX-License-Identifier: Apache-2.0
/*
 * nft-lib.c - libnftables, loaded on first use (see nft-lib.h).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>

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
