/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libcni.h - the public C API of linen's libcni, for container runtimes.
 *
 * Loads CNI network configuration lists and runs their plugin chains (ADD, CHECK, DEL,
 * GC, STATUS, VERSION) the way the reference Go libcni does, including its result cache
 * (<cacheDir>/results/<net>-<containerID>-<ifname>, readable by either implementation).
 *
 * Everything crossing this header is a C string, a size or an opaque handle: results,
 * capability arguments and version information are JSON text. Every function returns 0
 * or a negative errno; on failure, functions taking a struct libcni_error fill it with
 * the CNI error code (see the spec: 1 version, 4 env, 6 decode, 7 config, 11 try again,
 * 50/51 status, 999 internal ...) and a message. Strings returned through char ** are the
 * caller's to free(). Handles are not thread-safe; distinct handles may be used from
 * different threads. Plugins are run with fork/exec, each in its own process group (killed
 * as a whole at the time limit); the embedder must not set SIGCHLD to SIG_IGN nor reap
 * children it did not start (waitpid(-1)), or plugin exit statuses are lost. The library
 * never logs nor exits.
 */
#ifndef LINEN_CNI_LIBCNI_H
#define LINEN_CNI_LIBCNI_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBCNI_DEFAULT_CACHE_DIR "/var/lib/cni"
#define LIBCNI_DEFAULT_TIMEOUT_MS 60000u

struct libcni_error {
	unsigned code;     /* CNI error code; 0 when unknown */
	char msg[1024];
	char details[1024];
};

/* The runtime handle: plugin search path, cache directory, time limit per plugin run. */
struct libcni;
/* A parsed network configuration list (a .conflist, or a legacy .conf wrapped as one). */
struct libcni_netconf;
/* One attachment: container id, netns path, interface name, CNI_ARGS pairs, capability
 * arguments, optional cache directory override. */
struct libcni_rt;

/* A (container id, ifname) pair still in use, for GC. */
struct libcni_attachment {
	const char *container_id;
	const char *ifname;
};

/* cni_path: ':'-separated directories holding plugin binaries. cache_dir: NULL for
 * LIBCNI_DEFAULT_CACHE_DIR. -ENOMEM. */
int libcni_new(const char *cni_path, const char *cache_dir, struct libcni **ret);
struct libcni *libcni_free(struct libcni *c);
/* Time limit for each plugin execution; 0 = none. Default LIBCNI_DEFAULT_TIMEOUT_MS. */
void libcni_set_timeout(struct libcni *c, unsigned timeout_ms);

/* Load network `name` from dir: the first .conflist (lexical order) with that name, then
 * legacy .conf and .json files; plugins in <dir>/<name>/ (.conf files) are appended unless
 * loadOnlyInlinedPlugins. -ENOENT when no file defines it. */
int libcni_netconf_load(const char *dir, const char *name, struct libcni_netconf **ret,
			struct libcni_error *err);
int libcni_netconf_from_bytes(const char *data, size_t len, struct libcni_netconf **ret,
			      struct libcni_error *err);
int libcni_netconf_from_file(const char *path, struct libcni_netconf **ret,
			     struct libcni_error *err);
struct libcni_netconf *libcni_netconf_free(struct libcni_netconf *nc);
const char *libcni_netconf_name(const struct libcni_netconf *nc);
/* The spec version the chain is run with: highest of cniVersion and cniVersions that we
 * support. */
const char *libcni_netconf_version(const struct libcni_netconf *nc);
size_t libcni_netconf_plugin_count(const struct libcni_netconf *nc);
/* The plugin's "type", or NULL when i is out of range. */
const char *libcni_netconf_plugin_type(const struct libcni_netconf *nc, size_t i);
/* The configuration's source bytes. */
const char *libcni_netconf_bytes(const struct libcni_netconf *nc, size_t *ret_len);

/* netns may be NULL (DEL of a vanished container). -ENOMEM. Names are validated when
 * an operation runs, not here. */
int libcni_rt_new(const char *container_id, const char *netns, const char *ifname,
		  struct libcni_rt **ret);
struct libcni_rt *libcni_rt_free(struct libcni_rt *rt);
/* Append a CNI_ARGS pair; key and value must not be empty nor contain ';' or '='. */
int libcni_rt_add_arg(struct libcni_rt *rt, const char *key, const char *value);
/* Capability arguments: a JSON object {"portMappings": [...], ...}; NULL clears. */
int libcni_rt_set_capability_args(struct libcni_rt *rt, const char *json,
				  struct libcni_error *err);
/* A cache directory for this attachment, used when the handle was created without one
 * (the reference's deprecated RuntimeConf.CacheDir). */
int libcni_rt_set_cache_dir(struct libcni_rt *rt, const char *cache_dir);

/* ADD every plugin in order, each getting the previous result as prevResult, then cache
 * the final result. *ret_result: the final result as JSON text (may be NULL to ignore). */
int libcni_add(struct libcni *c, const struct libcni_netconf *nc, const struct libcni_rt *rt,
	       char **ret_result, struct libcni_error *err);
/* CHECK (spec >= 0.4.0; a no-op with disableCheck) with the cached result. */
int libcni_check(struct libcni *c, const struct libcni_netconf *nc, const struct libcni_rt *rt,
		 struct libcni_error *err);
/* DEL in reverse order with the cached result (spec >= 0.4.0); removes the cache entry
 * when every plugin succeeded. A corrupt cache entry is dropped and DEL runs without
 * prevResult. */
int libcni_del(struct libcni *c, const struct libcni_netconf *nc, const struct libcni_rt *rt,
	       struct libcni_error *err);
/* GC: DEL every cached attachment of this network not in valid[] (valid == NULL: none
 * are valid), then (spec >= 1.1.0) GC every plugin with cni.dev/valid-attachments.
 * Keeps going past failures; err holds them all joined. A no-op with disableGC. */
int libcni_gc(struct libcni *c, const struct libcni_netconf *nc,
	      const struct libcni_attachment *valid, size_t n_valid, struct libcni_error *err);
/* STATUS of every plugin in order (spec >= 1.1.0, else success); first failure wins. */
int libcni_status(struct libcni *c, const struct libcni_netconf *nc, struct libcni_error *err);
/* VERSION of plugin `type`: {"cniVersion":"...","supportedVersions":[...]} as JSON text.
 * Plugins predating VERSION are reported as supporting 0.1.0 (or 0.1.0 and 0.2.0). */
int libcni_version_info(struct libcni *c, const char *type, char **ret_json,
			struct libcni_error *err);
/* Check that every plugin exists and supports the list's version; *ret_caps (may be
 * NULL) gets the JSON array of capabilities enabled by any plugin. */
int libcni_validate(struct libcni *c, const struct libcni_netconf *nc, char **ret_caps,
		    struct libcni_error *err);

/* The cached result of an attachment, converted to the list's version. -ENOENT when there
 * is none, -EBADMSG when the cache entry is corrupt. */
int libcni_get_cached_result(struct libcni *c, const struct libcni_netconf *nc,
			     const struct libcni_rt *rt, char **ret_json, struct libcni_error *err);
/* Cached attachments (of container_id, or all when NULL) as a JSON array of
 * {"containerId","network","ifName","netns"?,"cniArgs"?,"capabilityArgs"?}. */
int libcni_get_cached_attachments(struct libcni *c, const char *container_id, char **ret_json);

#ifdef __cplusplus
}
#endif

#endif
