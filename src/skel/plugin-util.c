// SPDX-License-Identifier: Apache-2.0
/*
 * plugin-util.c - lock file, prevResult pass-through and errno errors for plugins
 * (see plugin-util.h).
 */
#include <errno.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/godec.h"
#include "basic/macro.h"
#include "basic/sysctl.h"
#include "skel/plugin-util.h"

static int lock_take(const char *path, int *ret_fd)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *dir = strdup(path);
	char *slash;
	int r;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		r = mkdir_p(dir, 0755);
		if (r < 0)
			return r;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0)
		return -errno;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int skel_lock_file(const char *who, const char *path, int *ret_fd, struct cni_error *err)
{
	int r = lock_take(path, ret_fd);

	if (r < 0)
		return cni_error_set(err, CNI_ERR_IO, "%s: lock %s: %s", who, path, strerror(-r));
	return 0;
}

int skel_require_prev_result(const struct skel_request *req, struct cni_error *err)
{
	if (!req->prev_result)
		return cni_error_set(err, CNI_ERR_INVALID_CONFIG,
				     "must be called as chained plugin (no prevResult)");
	return 0;
}

int skel_pass_prev_result(struct skel_request *req, struct cni_result **ret_result)
{
	if (cni_result_set_version(req->prev_result, req->cni_version) < 0)
		return -ENOMEM;
	*ret_result = TAKE_PTR(req->prev_result);
	return 0;
}

int skel_errno_error(struct cni_error *err, int r, const char *who, const char *what,
		     const char *details)
{
	cni_error_set(err, CNI_ERR_INTERNAL, "%s: %s: %s", who, what, strerror(-r));
	if (details)
		cni_error_set_details(err, "%s", details);
	return r;
}

int skel_check_error(const struct skel_request *req, int r, const char *who, const char *what,
		     struct cni_error *err)
{
	_cleanup_free_ char *reading = NULL;

	if (r >= 0)
		return 0;
	if (r == -ENOENT)
		return cni_error_set(err, CNI_ERR_INTERNAL, "%s: %s of %s/%s are missing", who,
				     what, req->container_id, req->ifname);
	if (r == -EUCLEAN)
		return cni_error_set(err, CNI_ERR_INTERNAL, "%s: %s of %s/%s differ from the config",
				     who, what, req->container_id, req->ifname);
	if (asprintf(&reading, "cannot read %s", what) < 0)
		return -ENOMEM;
	return skel_errno_error(err, r, who, reading, NULL);
}

void skel_keep_first(struct cni_error *first, int *first_r, int r, const struct cni_error *e)
{
	if (r >= 0 || *first_r < 0)
		return;
	*first_r = r;
	*first = *e;
	if (!cni_error_is_set(first))
		cni_error_set(first, CNI_ERR_INTERNAL, "%s", strerror(-r));
}

int skel_text_error(struct cni_error *err, const char *what, int r, const char *text)
{
	if (text && *text)
		return cni_error_set(err, CNI_ERR_INTERNAL, "%s: %s", what, text);
	return cni_error_set(err, CNI_ERR_INTERNAL, "%s: %s", what, strerror(-r));
}

int skel_enable_forward(int family)
{
	const char *key =
		family == AF_INET ? "net/ipv4/ip_forward" : "net/ipv6/conf/all/forwarding";
	_cleanup_free_ char *v = NULL;

	if (sysctl_read(key, &v) >= 0 && streq(v, "1"))
		return 0;
	return sysctl_write(key, "1");
}

#ifdef LINEN_TEST_HOOKS
int skel_test_hook(const char *step, struct cni_error *err)
{
	const char *p = getenv("LINEN_TEST_PAUSE_AT"), *f = getenv("LINEN_TEST_FAIL_AT");

	if (p && streq(p, step))
		raise(SIGSTOP);
	if (f && streq(f, step))
		return cni_error_set(err, CNI_ERR_INTERNAL, "test failure injected at %s", step);
	return 0;
}
#endif

void skel_attachment(const json_t *entry, const char **ret_container_id, const char **ret_ifname)
{
	if (ret_container_id)
		*ret_container_id = json_string_value(godec_get(entry, "containerID"));
	if (ret_ifname)
		*ret_ifname = json_string_value(godec_get(entry, "ifname"));
}
