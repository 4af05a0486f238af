/* SPDX-License-Identifier: Apache-2.0 */
/*
 * invoke.h - finding and running a CNI plugin binary.
 *
 * Owns: the CNI_PATH lookup (reference FindInPath rules), building a plugin
 * environment from a base one plus CNI_* overrides, and executing a plugin
 * with a stdin blob under a time limit: stdout captured, stderr forwarded,
 * error JSON on stdout (or stderr text) turned into a struct cni_error,
 * retries while the binary is being written ("text file busy").
 *
 * Used by the runtime (api.c) and by the SDK for delegation.
 */
#pragma once

#include <stddef.h>

#include "libcni/error.h"

/* Limit on what a plugin may print on stdout/stderr (a result is a few KiB). */
#define CNI_EXEC_OUTPUT_MAX (4u * 1024 * 1024)
#define CNI_EXEC_TIMEOUT_DEFAULT_MS 60000u

/* First regular file <dir>/<type> over the ':'-separated cni_path.
 * -EINVAL for an empty type or one containing '/' or '\', -ENOENT when not found
 * (or cni_path empty), -ENOMEM. */
int cni_find_plugin(const char *type, const char *cni_path, char **ret_path);

/* As cni_find_plugin, also filling err with the reference's messages
 * (code 7 for a bad name, 999 "failed to find plugin ..." when missing). */
int cni_find_plugin_err(const char *type, const char *cni_path, char **ret_path,
			struct cni_error *err);

/* Run the plugin at path with envp and stdin_data. timeout_ms 0 = no limit.
 *   exit 0          → 0, *ret_stdout (NUL-terminated) and *ret_len;
 *   non-zero exit   → -EPROTO, err from the error JSON on stdout; when stdout is
 *                     empty or not an error object, code 999 with the stderr text or
 *                     the raw stdout quoted;
 *   killed by signal→ -EPROTO, code 999 "netplugin killed by signal N";
 *   time limit      → -ETIME, the plugin's process group is killed, code 999
 *                     "netplugin timed out after N ms";
 *   exec failure    → -errno, code 999 (ETXTBSY is retried up to 5 times, 1 s apart).
 * The plugin's stderr is copied to our stderr (unless it became err->msg). */
int cni_exec_plugin(const char *path, char *const envp[], const char *stdin_data,
		    size_t stdin_len, unsigned timeout_ms, char **ret_stdout, size_t *ret_len,
		    struct cni_error *err);

/*
 * The same for a delegate a plugin runs (its IPAM): no time limit of its own, in the caller's
 * process group (not a new one), and killed when the caller dies, so whatever ends the plugin
 * ends its delegate too.
 */
int cni_exec_delegate(const char *path, char *const envp[], const char *stdin_data,
		      size_t stdin_len, char **ret_stdout, size_t *ret_len, struct cni_error *err);

/* A new NULL-terminated "K=V" vector: base without the keys named in overrides, then the
 * overrides (NULL entries in overrides are skipped). NULL on ENOMEM. Free with strv_free(). */
char **cni_env_build(char *const base[], const char *const overrides[]);
