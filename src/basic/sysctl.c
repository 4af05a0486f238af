// SPDX-License-Identifier: Apache-2.0
/*
 * sysctl.c - /proc/sys read/write.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "basic/sysctl.h"

int sysctl_path(const char *key, char **ret)
{
	char *p;

	if (!key || !*key || key[0] == '/')
		return -EINVAL;
	/* Reject any ".." path component, wherever it sits. */
	for (const char *s = key; s; s = strchr(s, '/')) {
		if (*s == '/')
			s++;
		if (s[0] == '.' && s[1] == '.' && (s[2] == '/' || s[2] == 0))
			return -EINVAL;
	}
	if (asprintf(&p, "/proc/sys/%s", key) < 0)
		return -ENOMEM;
	*ret = p;
	return 0;
}

int sysctl_write(const char *key, const char *value)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	size_t len;
	ssize_t n;
	int r;

	if (!value)
		return -EINVAL;
	r = sysctl_path(key, &path);
	if (r < 0)
		return r;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	len = strlen(value);
	n = write(fd, value, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int sysctl_read(const char *key, char **ret)
{
	_cleanup_free_ char *path = NULL, *data = NULL;
	size_t len;
	int r;

	r = sysctl_path(key, &path);
	if (r < 0)
		return r;
	r = read_full_file(path, 64 * 1024, &data, &len);
	if (r < 0)
		return r;
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == ' '))
		data[--len] = 0;
	*ret = TAKE_PTR(data);
	return 0;
}
