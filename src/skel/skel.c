// SPDX-License-Identifier: Apache-2.0
/*
 * skel.c - the plugin SDK's main loop.
 *
 * Mirrors the reference skel package: required variables per verb (CNI_PATH
 * included), the "about" text when CNI_COMMAND is unset, the network name /
 * container id / ifname checks, exact config-version membership, CHECK from
 * 0.4.0 and GC/STATUS from 1.1.0, error JSON on stdout with exit 1. Where the
 * reference is known to be wrong we do better: an unknown verb is reported
 * before stdin is read, and the own-netns check runs before the callback.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/godec.h"
#include "basic/json-util.h"
#include "basic/netns.h"
#include "libcni/conf.h"
#include "skel/plugin-config.h"
#include "skel/skel.h"
#include "skel/skel-internal.h"

#define SKEL_STDIN_MAX (64u << 20)

extern char **environ;

/* The environment the current run reads, kept for delegation. */
char *const *skel_envp;

const char *skel_command_to_string(enum skel_command c)
{
	switch (c) {
	case SKEL_ADD:
		return "ADD";
	case SKEL_DEL:
		return "DEL";
	case SKEL_CHECK:
		return "CHECK";
	case SKEL_GC:
		return "GC";
	case SKEL_STATUS:
		return "STATUS";
	case SKEL_VERSION:
		return "VERSION";
	}
	return "?";
}

static int command_from_string(const char *s, enum skel_command *ret)
{
	static const enum skel_command all[] = {
		SKEL_ADD, SKEL_DEL, SKEL_CHECK, SKEL_GC, SKEL_STATUS, SKEL_VERSION,
	};

	for (size_t i = 0; i < ELEMENTSOF(all); i++)
		if (streq(s, skel_command_to_string(all[i]))) {
			*ret = all[i];
			return 0;
		}
	return -EINVAL;
}

static const char *env_get(char *const *envp, const char *key)
{
	size_t l = strlen(key);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, key, l) == 0 && (*envp)[l] == '=')
			return *envp + l + 1;
	return NULL;
}

/* Empty counts as unset, as in the reference. */
static const char *env_nonempty(char *const *envp, const char *key)
{
	const char *v = env_get(envp, key);

	return v && *v ? v : NULL;
}

enum {
	REQ_CONTAINERID = 1 << 0,
	REQ_NETNS = 1 << 1,
	REQ_IFNAME = 1 << 2,
	REQ_PATH = 1 << 3,
};

static unsigned required_vars(enum skel_command c)
{
	switch (c) {
	case SKEL_ADD:
	case SKEL_CHECK:
		return REQ_CONTAINERID | REQ_NETNS | REQ_IFNAME | REQ_PATH;
	case SKEL_DEL:
		return REQ_CONTAINERID | REQ_IFNAME | REQ_PATH;
	case SKEL_GC:
	case SKEL_STATUS:
		return REQ_PATH;
	case SKEL_VERSION:
		return 0;
	}
	return 0;
}

static void print_json(FILE *out, const json_t *j, size_t flags)
{
	_cleanup_free_ char *s = cni_json_dumps_go(j, flags);

	if (s)
		fputs(s, out);
	fflush(out);
}

static int print_error(FILE *out, const struct cni_error *e, const char *version)
{
	_cleanup_json_ json_t *j = cni_error_to_json(e, version ? version : CNI_VERSION_LATEST);

	if (j)
		print_json(out, j, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	return 1;
}

static int print_version(FILE *out, const struct skel_plugin *p)
{
	_cleanup_json_ json_t *j = json_object(), *a = json_array();

	if (!j || !a)
		return -ENOMEM;
	for (const char *const *v = p->versions; v && *v; v++)
		if (json_array_append_new(a, json_string(*v)) < 0)
			return -ENOMEM;
	if (json_object_set_new(j, "cniVersion", json_string(CNI_VERSION_LATEST)) < 0 ||
	    json_object_set(j, "supportedVersions", a) < 0)
		return -ENOMEM;
	/* The reference uses a JSON encoder here: compact, with a newline. */
	print_json(out, j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	fflush(out);
	return 0;
}

static void print_about(FILE *errout, const struct skel_plugin *p)
{
	fprintf(errout, "%s\nCNI protocol versions supported: ", p->name);
	for (const char *const *v = p->versions; v && *v; v++)
		fprintf(errout, "%s%s", v == p->versions ? "" : ", ", *v);
	fputc('\n', errout);
	fflush(errout);
}

/* `config is "X", plugin supports ["a" "b"]`, the reference's %q formatting. */
static int version_mismatch(struct cni_error *err, const char *config, const char *const *list)
{
	char buf[sizeof(err->details)];
	size_t used = 0;

	buf[0] = '\0';
	for (const char *const *v = list; v && *v; v++) {
		int w = snprintf(buf + used, sizeof(buf) - used, "%s\"%s\"", v == list ? "" : " ",
				 *v);
		if (w > 0)
			used = MIN(used + (size_t)w, sizeof(buf) - 1);
	}
	cni_error_set(err, CNI_ERR_INCOMPATIBLE_VERSION, "incompatible CNI versions");
	return cni_error_set_details(err, "config is \"%.200s\", plugin supports [%s]", config,
				     buf);
}

static int check_versions(const struct skel_plugin *p, enum skel_command cmd,
			  const char *version, struct cni_error *err)
{
	const char *min = NULL;

	if (cmd == SKEL_CHECK)
		min = "0.4.0";
	else if (cmd == SKEL_GC || cmd == SKEL_STATUS)
		min = CNI_VERSION_LATEST;
	if (min) {
		bool plugin_ok = false;

		if (!cni_version_valid(version))
			return cni_error_set(err, CNI_ERR_DECODE, "unable to parse version \"%.200s\"",
					     version);
		if (cni_version_cmp(version, min) < 0)
			return cni_error_set(err, CNI_ERR_INCOMPATIBLE_VERSION,
					     "config version does not allow %s",
					     skel_command_to_string(cmd));
		for (const char *const *v = p->versions; v && *v; v++)
			if (cni_version_cmp(*v, version) >= 0)
				plugin_ok = true;
		if (!plugin_ok)
			return cni_error_set(err, CNI_ERR_INCOMPATIBLE_VERSION,
					     "plugin version does not allow %s",
					     skel_command_to_string(cmd));
	}
	if (!cni_version_in(version, p->versions))
		return version_mismatch(err, version, p->versions);
	return 0;
}

static bool netns_override(char *const *envp)
{
	const char *v = env_get(envp, "CNI_NETNS_OVERRIDE");

	return v && (streq(v, "1") || strcasecmp(v, "true") == 0);
}

static void request_done(struct skel_request *req)
{
	cni_args_done(&req->args);
	json_decref(req->config);
	cni_result_free(req->prev_result);
}

static int parse_request(struct skel_request *req, struct cni_error *err)
{
	json_error_t je;
	struct godec d;
	int r;

	req->config = json_loadb(req->stdin_data, req->stdin_len, 0, &je);
	if (!req->config)
		return cni_error_set(err, CNI_ERR_DECODE, "error unmarshall network config: %s",
				     je.text);
	if (!json_is_object(req->config))
		return cni_error_set(err, CNI_ERR_DECODE,
				     "error unmarshall network config: not a JSON object");

	/* The reference's skel reads these two with encoding/json, so with its rules and words */
	d = skel_godec(err, "error unmarshall network config: ", "");
	r = godec_string(&d, req->config, "name", &req->name, NULL);
	if (r < 0) {
		err->code = CNI_ERR_DECODE;
		return r;
	}
	r = cni_validate_network_name(req->name, err);
	if (r < 0)
		return r;
	d = skel_godec(err, "decoding version from network config: ", "");
	r = godec_string(&d, req->config, "cniVersion", &req->cni_version, NULL);
	if (r < 0) {
		err->code = CNI_ERR_DECODE;
		return r;
	}
	cni_error_clear(err);
	if (!req->cni_version || !*req->cni_version)
		req->cni_version = "0.1.0";
	return 0;
}

static int validate_ids(struct skel_request *req, struct cni_error *err)
{
	bool teardown = req->command == SKEL_GC || req->command == SKEL_STATUS;
	int r;

	/* GC and STATUS are not about one attachment; check the ids only when given. */
	if (!teardown || req->container_id) {
		r = cni_validate_container_id(req->container_id, err);
		if (r < 0)
			return r;
	}
	if (!teardown || req->ifname) {
		r = cni_validate_ifname(req->ifname, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_extras(struct skel_request *req, char *const *envp, struct cni_error *err)
{
	json_t *prev;
	int r;

	r = cni_args_parse(env_get(envp, "CNI_ARGS"), &req->args, err);
	/* Teardown must not be blocked by arguments the plugin might not even read. */
	if (r < 0 && (r == -ENOMEM || req->command == SKEL_ADD || req->command == SKEL_CHECK))
		return r;

	prev = godec_get(req->config, "prevResult");
	if (prev && !json_is_null(prev)) {
		r = cni_result_from_json(prev, req->cni_version, &req->prev_result, err);
		if (r < 0) {
			if (r == -ENOMEM)
				return r;
			return cni_error_set(err, CNI_ERR_DECODE, "could not parse prevResult: %.900s",
					     err->msg);
		}
		/* Plugins see prevResult in the config's version, like the reference. */
		r = cni_result_set_version(req->prev_result, req->cni_version);
		if (r < 0)
			return r;
	}
	req->runtime_config = godec_get(req->config, "runtimeConfig");
	req->valid_attachments = json_object_get(req->config, "cni.dev/valid-attachments");
	if (!req->valid_attachments)
		req->valid_attachments = json_object_get(req->config, "cni.dev/attachments");
	return 0;
}

static int check_netns(const struct skel_request *req, char *const *envp,
		       struct cni_error *err)
{
	if (!req->netns || netns_override(envp))
		return 0;
	/* An unusable path is the plugin's to report; only our own netns is refused here. */
	if (netns_is_current(req->netns) == 1)
		return cni_error_set(err, CNI_ERR_INVALID_NETNS,
				     "plugin's netns and netns from CNI_NETNS should not be the same");
	return 0;
}

static int dispatch(const struct skel_plugin *p, struct skel_request *req,
		    struct cni_result **ret_result, struct cni_error *err)
{
	switch (req->command) {
	case SKEL_ADD:
		if (!p->add)
			return cni_error_set(err, CNI_ERR_INTERNAL, "plugin does not implement ADD");
		return p->add(req, ret_result, err);
	case SKEL_DEL:
		if (!p->del)
			return cni_error_set(err, CNI_ERR_INTERNAL, "plugin does not implement DEL");
		return p->del(req, err);
	case SKEL_CHECK:
		return p->check ? p->check(req, err) : 0;
	case SKEL_GC:
		return p->gc ? p->gc(req, err) : 0;
	case SKEL_STATUS:
		return p->status ? p->status(req, err) : 0;
	case SKEL_VERSION:
		return 0;
	}
	return -EINVAL;
}

static int run(const struct skel_plugin *p, char *const *envp, int stdin_fd, FILE *out,
	       FILE *errout, struct skel_request *req, struct cni_error *err)
{
	_cleanup_free_ char *data = NULL;
	_cleanup_(cni_result_freep) struct cni_result *result = NULL;
	_cleanup_json_ json_t *rj = NULL;
	const char *cmd = env_nonempty(envp, "CNI_COMMAND");
	char missing[256] = "";
	unsigned req_vars = 0;
	size_t len;
	int r;

	if (cmd && command_from_string(cmd, &req->command) == 0)
		req_vars = required_vars(req->command);
	req->container_id = env_nonempty(envp, "CNI_CONTAINERID");
	req->netns = env_nonempty(envp, "CNI_NETNS");
	req->ifname = env_nonempty(envp, "CNI_IFNAME");
	req->cni_path = env_nonempty(envp, "CNI_PATH");

	/* In the reference's order; CNI_ARGS is never required. */
	if (!cmd)
		strcat(missing, ",CNI_COMMAND");
	if ((req_vars & REQ_CONTAINERID) && !req->container_id)
		strcat(missing, ",CNI_CONTAINERID");
	if ((req_vars & REQ_NETNS) && !req->netns)
		strcat(missing, ",CNI_NETNS");
	if ((req_vars & REQ_IFNAME) && !req->ifname)
		strcat(missing, ",CNI_IFNAME");
	if ((req_vars & REQ_PATH) && !req->cni_path)
		strcat(missing, ",CNI_PATH");
	if (missing[0]) {
		if (!cmd && p->name && *p->name) {
			print_about(errout, p);
			return 0;
		}
		return cni_error_set(err, CNI_ERR_INVALID_ENV, "required env variables [%s] missing",
				     missing + 1);
	}
	if (command_from_string(cmd, &req->command) < 0)
		return cni_error_set(err, CNI_ERR_INVALID_ENV, "unknown CNI_COMMAND: %.200s", cmd);

	if (req->command == SKEL_VERSION) {
		/* The reference ignores stdin for VERSION. */
		r = print_version(out, p);
		if (r < 0)
			return cni_error_set(err, CNI_ERR_IO, "%s", strerror(-r));
		return 0;
	}

	r = read_full_fd(stdin_fd, SKEL_STDIN_MAX, &data, &len);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_IO, "error reading from stdin: %s", strerror(-r));
	req->stdin_data = data;
	req->stdin_len = len;

	if ((r = parse_request(req, err)) < 0 || (r = validate_ids(req, err)) < 0 ||
	    (r = check_versions(p, req->command, req->cni_version, err)) < 0 ||
	    (r = parse_extras(req, envp, err)) < 0)
		return r;
	if (req->command == SKEL_ADD || req->command == SKEL_DEL || req->command == SKEL_CHECK) {
		r = check_netns(req, envp, err);
		if (r < 0)
			return r;
	}

	r = dispatch(p, req, &result, err);
	if (r < 0)
		return r;
	if (req->command != SKEL_ADD)
		return 0;
	if (!result)
		return cni_error_set(err, CNI_ERR_INTERNAL, "plugin returned no result");
	r = cni_result_to_json(result, req->cni_version, &rj, err);
	if (r < 0)
		return r;
	{
		_cleanup_free_ char *s = cni_result_dumps(rj);

		if (!s)
			return -ENOMEM;
		fputs(s, out);
		if (fflush(out) != 0)
			return cni_error_set(err, CNI_ERR_IO, "error writing result: %s",
					     strerror(errno));
	}
	return 0;
}

int skel_run(const struct skel_plugin *p, char *const envp[], int stdin_fd, FILE *out,
	     FILE *errout)
{
	struct skel_request req = { .command = SKEL_VERSION };
	struct cni_error err = {};
	int r;

	skel_envp = envp;
	r = run(p, envp, stdin_fd, out, errout, &req, &err);
	if (r < 0 && !cni_error_is_set(&err))
		cni_error_set(&err, CNI_ERR_INTERNAL, "%s", strerror(-r));
	if (r < 0) {
		bool known = cni_version_in(req.cni_version, p->versions);

		r = print_error(out, &err, known ? req.cni_version : NULL);
	}
	request_done(&req);
	skel_envp = NULL;
	return r;
}

void skel_usage(FILE *out, const char *argv0, const struct skel_plugin *p)
{
	const char *prog = argv0 && strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;

	fprintf(out,
		"%s\n"
		"\n"
		"Usage: CNI_COMMAND=ADD|DEL|CHECK|GC|STATUS|VERSION CNI_CONTAINERID=<id> \\\n"
		"       CNI_NETNS=<netns path> CNI_IFNAME=<interface> CNI_PATH=<plugin dirs> \\\n"
		"       [CNI_ARGS=K=V;...] %s < network-config.json\n"
		"\n"
		"A CNI plugin: a container runtime (containerd, CRI-O, podman, cnitool) runs it with\n"
		"the CNI_* variables above and the network configuration as JSON on stdin; it prints\n"
		"the result (or a CNI error) as JSON on stdout. It is not meant to be run by hand.\n"
		"Without CNI_COMMAND it prints its name and versions on stderr.\n"
		"\n"
		"CNI protocol versions supported: ",
		p->name ? p->name : "CNI plugin (linen)", prog && *prog ? prog : "plugin");
	for (const char *const *v = p->versions; v && *v; v++)
		fprintf(out, "%s%s", v == p->versions ? "" : ", ", *v);
	fprintf(out,
		"\n"
		"\n"
		"Specification: https://github.com/containernetworking/cni/blob/main/SPEC.md\n"
		"Documentation: linen's README.md and docs/plugin-sdk.md\n");
	fflush(out);
}

int skel_main(int argc, char **argv, const struct skel_plugin *p)
{
	/* Asked by a person, not a runtime: runtimes never pass arguments. */
	if (argc > 1 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
		skel_usage(stdout, argv[0], p);
		return 0;
	}
	return skel_run(p, environ, STDIN_FILENO, stdout, stderr);
}

int skel_in_netns(const char *netns_path, int (*fn)(void *userdata), void *userdata)
{
	_cleanup_close_ int fd = -1;
	int saved = -1, r, k;

	fd = netns_open(netns_path);
	if (fd < 0)
		return fd;
	r = netns_enter(fd, &saved);
	if (r < 0)
		return r;
	r = fn(userdata);
	k = netns_restore(&saved);
	/* Being stuck in the wrong namespace trumps whatever fn returned. */
	return k < 0 ? k : r;
}
