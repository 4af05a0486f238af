// SPDX-License-Identifier: Apache-2.0
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "basic/macro.h"
#include "basic/netns.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

int netns_open(const char *path)
{
	_cleanup_close_ int fd = -1;
	struct statfs sfs;

	if (!path || !*path)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &sfs) < 0)
		return -errno;
	/* /proc/<pid>/ns/net is nsfs; a bind-mounted /run/netns/x is too. */
	if (sfs.f_type != NSFS_MAGIC && sfs.f_type != PROC_SUPER_MAGIC)
		return -EINVAL;
	return TAKE_FD(fd);
}

int netns_enter(int nsfd, int *ret_saved)
{
	_cleanup_close_ int saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (saved < 0)
		return -errno;
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return -errno;
	*ret_saved = TAKE_FD(saved);
	return 0;
}

int netns_restore(int *saved)
{
	int r = 0;

	if (*saved < 0)
		return 0;
	if (setns(*saved, CLONE_NEWNET) < 0)
		r = -errno;
	close(*saved);
	*saved = -1;
	return r;
}

int netns_is_current(const char *path)
{
	struct stat a, b;

	if (stat(path, &a) < 0)
		return -errno;
	if (stat("/proc/thread-self/ns/net", &b) < 0)
		return -errno;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}
