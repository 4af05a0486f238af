// SPDX-License-Identifier: Apache-2.0
/*
 * dhcp.c - the dhcp IPAM plugin and, as `dhcp daemon`, the daemon holding the leases.
 *
 * The plugin side only forwards: ADD and CHECK ask the daemon to Allocate (CHECK of a lease
 * the daemon does not hold acquires one, as the reference's), DEL to Release. Errors keep
 * the reference's words and code 999: "error dialing DHCP daemon: ..." when no daemon
 * listens, "error calling DHCP.<method>: ..." for the daemon's own.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/json-util.h"
#include "basic/macro.h"
#include "dhcp-config.h"
#include "dhcp-daemon.h"
#include "skel/skel.h"

#define REPLY_MAX (1 << 20)

static int dial(const char *path, struct cni_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char e[128];

	if (fd < 0)
		return -errno;
	if (strlen(path) >= sizeof(sa.sun_path))
		return cni_error_set(err, CNI_ERR_INTERNAL, "error dialing DHCP daemon: dial unix "
				     "%s: connect: invalid argument", path);
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		/* Go prints errno texts in lower case. */
		snprintf(e, sizeof(e), "%s", strerror(errno));
		e[0] = (char)(e[0] >= 'A' && e[0] <= 'Z' ? e[0] - 'A' + 'a' : e[0]);
		return cni_error_set(err, CNI_ERR_INTERNAL,
				     "error dialing DHCP daemon: dial unix %s: connect: %s", path, e);
	}
	return TAKE_FD(fd);
}

static int rpc_call(struct skel_request *req, const char *method, json_t **ret_result,
		    struct cni_error *err)
{
	_cleanup_json_ json_t *call = NULL, *reply = NULL;
	_cleanup_free_ char *out = NULL, *in = NULL, *netns = NULL;
	_cleanup_close_ int fd = -1;
	const char *path = NULL, *emsg;
	char msg[DHCP_ERR_MAX];
	size_t len;
	int r;

	r = dhcp_config_socket_path(req->config, &path, msg);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "error obtaining socketPath: error "
				     "parsing socket path conf: %s", msg);
	fd = dial(path ? path : DHCP_DEFAULT_SOCKET, err);
	if (fd < 0)
		return fd;
	/* The daemon runs elsewhere: give it an absolute namespace path. */
	if (req->netns && req->netns[0] != '/') {
		_cleanup_free_ char *cwd = getcwd(NULL, 0);

		if (!cwd || asprintf(&netns, "%s/%s", cwd, req->netns) < 0)
			return -ENOMEM;
	}
	call = json_pack("{ss ss ss ss ss}", "method", method, "containerID",
			 req->container_id ? req->container_id : "", "netns",
			 netns ? netns : req->netns ? req->netns : "", "ifName",
			 req->ifname ? req->ifname : "", "args",
			 getenv("CNI_ARGS") ? getenv("CNI_ARGS") : "");
	if (!call || json_object_set_new(call, "stdinData",
					 json_stringn(req->stdin_data, req->stdin_len)) < 0)
		return -ENOMEM;
	out = call ? json_dumps(call, JSON_COMPACT) : NULL;
	if (!out)
		return -ENOMEM;
	r = loop_write(fd, out, strlen(out));
	if (r < 0 || shutdown(fd, SHUT_WR) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "error calling DHCP.%s: %s", method,
				     strerror(r < 0 ? -r : errno));
	r = read_full_fd(fd, REPLY_MAX, &in, &len);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, "error calling DHCP.%s: %s", method,
				     strerror(-r));
	reply = json_loadb(in, len, 0, NULL);
	if (!reply)
		return cni_error_set(err, CNI_ERR_INTERNAL, "error calling DHCP.%s: unexpected EOF",
				     method);
	emsg = json_string_value(json_object_get(reply, "error"));
	if (emsg)
		return cni_error_set(err, CNI_ERR_INTERNAL, "error calling DHCP.%s: %s", method,
				     emsg);
	if (ret_result)
		*ret_result = json_incref(json_object_get(reply, "result"));
	return 0;
}

static int cmd_add(struct skel_request *req, struct cni_result **ret_result,
		   struct cni_error *err)
{
	_cleanup_json_ json_t *res = NULL;
	int r = rpc_call(req, "Allocate", &res, err);

	if (r < 0)
		return r;
	if (!res)
		return cni_error_set(err, CNI_ERR_INTERNAL, "error calling DHCP.Allocate: no result");
	return cni_result_from_json(res, "1.1.0", ret_result, err);
}

static int cmd_check(struct skel_request *req, struct cni_error *err)
{
	return rpc_call(req, "Allocate", NULL, err);
}

static int cmd_del(struct skel_request *req, struct cni_error *err)
{
	return rpc_call(req, "Release", NULL, err);
}

int main(int argc, char **argv)
{
	static const struct skel_plugin plugin = {
		.name = "CNI dhcp plugin (linen)",
		.versions = cni_versions_all,
		.add = cmd_add,
		.del = cmd_del,
		.check = cmd_check,
	};

	if (argc > 1 && strcmp(argv[1], "daemon") == 0)
		return dhcp_daemon_main(argc - 2, argv + 2);
	return skel_main(argc, argv, &plugin);
}
