/* SPDX-License-Identifier: Apache-2.0 */
/*
 * skel.h - the plugin SDK: everything a CNI plugin's main() needs.
 *
 * Owns: reading and validating the CNI environment and stdin exactly like
 * the reference skel package, dispatching to the plugin's verb callbacks,
 * rendering the result in the config's version, printing errors as CNI error
 * JSON, delegation to other plugins (IPAM), running code inside a netns, and
 * every plugin's --help.
 */
#pragma once

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "libcni/args.h"
#include "libcni/error.h"
#include "libcni/result.h"
#include "libcni/version.h"

enum skel_command {
	SKEL_ADD,
	SKEL_DEL,
	SKEL_CHECK,
	SKEL_GC,
	SKEL_STATUS,
	SKEL_VERSION,
};

struct skel_request {
	enum skel_command command;
	const char *container_id, *netns, *ifname, *cni_path; /* from env; NULL where allowed */
	struct cni_args args;       /* parsed CNI_ARGS */
	json_t *config;             /* the whole stdin object (owned by skel) */
	const char *stdin_data;
	size_t stdin_len;
	const char *cni_version;    /* config's cniVersion ("0.1.0" if absent) */
	const char *name;           /* network name */
	struct cni_result *prev_result; /* prevResult converted to cni_version, or NULL */
	const json_t *runtime_config;   /* borrowed, may be NULL */
	const json_t *valid_attachments; /* GC: array of {containerID, ifname}, may be NULL */
};

struct skel_plugin {
	const char *name;                /* "about" text on stderr when CNI_COMMAND is unset */
	const char *const *versions;     /* supported spec versions, NULL-terminated */
	int (*add)(struct skel_request *req, struct cni_result **ret_result, struct cni_error *err);
	int (*del)(struct skel_request *req, struct cni_error *err);
	int (*check)(struct skel_request *req, struct cni_error *err);  /* NULL = succeed */
	int (*gc)(struct skel_request *req, struct cni_error *err);     /* NULL = succeed */
	int (*status)(struct skel_request *req, struct cni_error *err); /* NULL = succeed */
};

/* Run the plugin; returns the process exit code (0 or 1). Reads the real environment,
 * stdin, and writes stdout/stderr. A callback returning < 0 without setting err->msg
 * reports code 999 with strerror(-r). "--help" or "-h" as the first argument prints
 * skel_usage() on stdout and returns 0, for every plugin. */
int skel_main(int argc, char **argv, const struct skel_plugin *p);

/* The usage text of --help: what the plugin is, how a runtime runs it, its versions, the docs. */
void skel_usage(FILE *out, const char *argv0, const struct skel_plugin *p);

/* The same with explicit inputs, for tests: envp replaces the environment, stdin_fd and
 * out/errout replace stdin/stdout/stderr. */
int skel_run(const struct skel_plugin *p, char *const envp[], int stdin_fd, FILE *out,
	     FILE *errout);

/* Delegation: run plugin `type` (found on CNI_PATH) with our environment, CNI_COMMAND
 * overridden, and the given stdin (usually req->stdin_data). The ADD result is parsed and
 * converted to req->cni_version. */
int skel_delegate_add(const struct skel_request *req, const char *type, const char *stdin_data,
		      size_t len, struct cni_result **ret_result, struct cni_error *err);
/* command: "DEL", "CHECK", "GC" or "STATUS". */
int skel_delegate(const struct skel_request *req, const char *type, const char *command,
		  const char *stdin_data, size_t len, struct cni_error *err);

/* Run fn(userdata) inside the netns at netns_path and come back. Returns fn's return value,
 * or -ENOENT when the namespace is gone, -EINVAL when the path is not a netns. */
int skel_in_netns(const char *netns_path, int (*fn)(void *userdata), void *userdata);

/* The string form of a command ("ADD", ...). */
const char *skel_command_to_string(enum skel_command c);
