/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker-opts.h - Docker daemon options from a flannel subnet.env (flannel's
 * dist/mk-docker-opts.sh, as a pure function).
 *
 * Owns: reading the subnet.env variables the way `source` would for the lines flanneld
 * writes (KEY=VALUE, optional quotes, comments), turning FLANNEL_SUBNET, FLANNEL_MTU and
 * FLANNEL_IPMASQ into --bip, --mtu and --ip-masq=false, and rendering the options file
 * byte for byte as the script does: one DOCKER_OPT_<NAME>="<value>" line per option
 * (sorted by name, as bash's `compgen -v` lists them), then the combined
 * <KEY>="<previous value of KEY> <opt> <opt> ... " line. No I/O.
 */
#pragma once

#include <stdbool.h>

struct docker_opts_options {
	bool individual; /* -i */
	bool combined;   /* -c */
	bool ip_masq;    /* false with -m: never emit --ip-masq=false */
	const char *key; /* -k, default DOCKER_OPTS */
};

/* A shell variable name ([A-Za-z_][A-Za-z0-9_]*), which -k must be. */
bool docker_opts_key_valid(const char *key);

/*
 * Render the options file. env_text: the subnet.env contents (NULL: no file); envp: the
 * caller's environment, which the script sees too (FLANNEL_* not set by the file, any
 * DOCKER_OPT_* variable, and the previous value of the combined key). -EINVAL for a bad key.
 */
int docker_opts_render(const char *env_text, char *const *envp,
		       const struct docker_opts_options *o, char **ret);
