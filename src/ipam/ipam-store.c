// SPDX-License-Identifier: Apache-2.0
/*
 * ipam-store.c - the host-local on-disk store.
 *
 * Byte-compatible with the reference plugin's backend/disk so that a node can
 * switch implementations without losing an allocation. Differences, all
 * invisible to the reference: address files are 0600 and appear atomically
 * with their content (O_TMPFILE + linkat, falling back to O_EXCL), and only
 * files named by an IP address are ever matched or removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "ipam/ipam-store.h"

#define LAST_PREFIX "last_reserved_ip."
#define OWNER_MAX 4096

bool ipam_valid_id(const char *s)
{
	if (!s || !*s)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	      (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (const char *p = s + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return false;
	return true;
}

bool ipam_valid_ifname(const char *s)
{
	size_t n;

	if (!s || !*s)
		return false;
	n = strlen(s);
	if (n > 15 || streq(s, ".") || streq(s, ".."))
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || (*p >= '\t' && *p <= '\r'))
			return false;
	return true;
}

static int store_open(const char *data_dir, const char *network, bool create,
		      struct ipam_store **ret)
{
	_cleanup_(ipam_store_closep) struct ipam_store *s = NULL;
	int r;

	/* The name becomes a path component: no separators, no "..", nothing odd. */
	if (!ipam_valid_id(network) || !data_dir || !*data_dir)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->dir_fd = s->lock_fd = -1;
	if (asprintf(&s->path, "%s/%s", data_dir, network) < 0) {
		s->path = NULL;
		return -ENOMEM;
	}
	if (create) {
		r = mkdir_p(s->path, 0755);
		if (r < 0)
			return r;
	}
	s->dir_fd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dir_fd < 0)
		return -errno;
	s->lock_fd = openat(s->dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->lock_fd < 0)
		return -errno;
	*ret = TAKE_PTR(s);
	return 0;
}

int ipam_store_open(const char *data_dir, const char *network, struct ipam_store **ret)
{
	return store_open(data_dir, network, true, ret);
}

int ipam_store_open_existing(const char *data_dir, const char *network, struct ipam_store **ret)
{
	return store_open(data_dir, network, false, ret);
}

struct ipam_store *ipam_store_close(struct ipam_store *s)
{
	if (!s)
		return NULL;
	ipam_store_unlock(s);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	free(s->path);
	free(s);
	return NULL;
}

int ipam_store_lock(struct ipam_store *s)
{
	while (flock(s->lock_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -errno;
	s->locked = true;
	return 0;
}

void ipam_store_unlock(struct ipam_store *s)
{
	if (s->locked)
		(void)flock(s->lock_fd, LOCK_UN);
	s->locked = false;
}

static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

enum ipam_owner_kind ipam_owner_parse(const char *content, size_t len, char **ret_id,
				      char **ret_ifname)
{
	const char *b = content, *e = content + len, *sep;
	_cleanup_free_ char *id = NULL, *ifname = NULL;

	/* strings.TrimSpace, as the reference compares trimmed content. */
	while (b < e && is_space(*b))
		b++;
	while (e > b && is_space(e[-1]))
		e--;
	if (memchr(b, 0, (size_t)(e - b)))
		return IPAM_OWNER_CORRUPT;
	sep = memmem(b, (size_t)(e - b), "\r\n", 2);
	id = strndup(b, sep ? (size_t)(sep - b) : (size_t)(e - b));
	if (!id)
		return IPAM_OWNER_CORRUPT;
	if (!ipam_valid_id(id))
		return IPAM_OWNER_CORRUPT;
	if (sep) {
		ifname = strndup(sep + 2, (size_t)(e - sep - 2));
		if (!ifname || !ipam_valid_ifname(ifname))
			return IPAM_OWNER_CORRUPT;
	}
	if (ret_id)
		*ret_id = TAKE_PTR(id);
	if (ret_ifname)
		*ret_ifname = TAKE_PTR(ifname);
	return sep ? IPAM_OWNER_IFNAME : IPAM_OWNER_LEGACY;
}

static int read_owner(int dir_fd, const char *name, struct ipam_entry *e)
{
	char buf[OWNER_MAX + 1];
	_cleanup_close_ int fd = -1;
	size_t len = 0;

	fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT; /* removed meanwhile by a non-locking writer */
		e->kind = IPAM_OWNER_CORRUPT; /* a symlink, a fifo we cannot open... */
		return 0;
	}
	while (len < sizeof(buf)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e->kind = IPAM_OWNER_CORRUPT;
			return 0;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		/*
		 * A short read of a regular file is its end (writers hold the lock we
		 * hold, or link complete files): saves one read() per address.
		 */
		if (len < sizeof(buf))
			break;
	}
	if (len > OWNER_MAX) {
		e->kind = IPAM_OWNER_CORRUPT;
		return 0;
	}
	e->kind = ipam_owner_parse(buf, len, &e->id, &e->ifname);
	return 0;
}

static void entry_done(struct ipam_entry *e)
{
	free(e->name);
	free(e->id);
	free(e->ifname);
}

void ipam_scan_done(struct ipam_scan *scan)
{
	for (size_t i = 0; i < scan->n_entries; i++)
		entry_done(&scan->entries[i]);
	free(scan->entries);
	strv_free(scan->foreign);
	*scan = (struct ipam_scan){};
}

static int push_foreign(struct ipam_scan *scan, size_t *n, const char *name)
{
	char **v = realloc(scan->foreign, (*n + 2) * sizeof(char *));

	if (!v)
		return -ENOMEM;
	scan->foreign = v;
	v[*n] = strdup(name);
	if (!v[*n])
		return -ENOMEM;
	v[++*n] = NULL;
	return 0;
}

int ipam_store_scan(struct ipam_store *s, bool read_owners, struct ipam_scan *ret)
{
	struct ipam_scan scan = {};
	size_t cap = 0, n_foreign = 0;
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	fd = openat(s->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while (r >= 0) {
		struct ipam_entry e = {};

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				r = -errno;
			break;
		}
		if (streq(de->d_name, ".") || streq(de->d_name, "..") ||
		    streq(de->d_name, "lock") || startswith(de->d_name, LAST_PREFIX))
			continue;
		if (ip_addr_parse(de->d_name, &e.addr) < 0) {
			r = push_foreign(&scan, &n_foreign, de->d_name);
			continue;
		}
		if (read_owners) {
			if (read_owner(s->dir_fd, de->d_name, &e) == -ENOENT)
				continue;
		}
		e.name = strdup(de->d_name);
		if (!e.name) {
			entry_done(&e);
			r = -ENOMEM;
			break;
		}
		if (scan.n_entries == cap) {
			struct ipam_entry *ne;

			cap = cap ? cap * 2 : 64;
			ne = realloc(scan.entries, cap * sizeof(*ne));
			if (!ne) {
				entry_done(&e);
				r = -ENOMEM;
				break;
			}
			scan.entries = ne;
		}
		scan.entries[scan.n_entries++] = e;
	}
	closedir(d);
	if (r < 0) {
		ipam_scan_done(&scan);
		return r;
	}
	*ret = scan;
	return 0;
}

bool ipam_entry_owned_by(const struct ipam_entry *e, const char *id, const char *ifname,
			 bool allow_legacy)
{
	switch (e->kind) {
	case IPAM_OWNER_IFNAME:
		return streq(e->id, id) && streq(e->ifname, ifname);
	case IPAM_OWNER_LEGACY:
		return allow_legacy && streq(e->id, id);
	case IPAM_OWNER_UNREAD:
	case IPAM_OWNER_CORRUPT:
		return false;
	}
	return false;
}

int ipam_store_reserve(struct ipam_store *s, const struct ip_addr *a, const char *id,
		       const char *ifname)
{
	char name[IP_ADDR_STRLEN], proc[64];
	_cleanup_free_ char *content = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (!ipam_valid_id(id) || !ipam_valid_ifname(ifname))
		return -EINVAL;
	ip_addr_to_string(a, name);
	if (asprintf(&content, "%s\r\n%s", id, ifname) < 0)
		return -ENOMEM;

	/*
	 * Write an anonymous file and link it into place: the name appears with
	 * its whole content or not at all, and linkat() fails with EEXIST exactly
	 * like O_EXCL when the address is taken.
	 */
	fd = openat(s->dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0) {
		r = loop_write(fd, content, strlen(content));
		if (r < 0)
			return r;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, proc, s->dir_fd, name, AT_SYMLINK_FOLLOW) == 0)
			return 0;
		if (errno == EEXIST)
			return -EEXIST;
		if (errno != ENOENT && errno != EXDEV && errno != EPERM)
			return -errno;
		/* No /proc: fall through to the reference's way. */
		close(TAKE_FD(fd));
	} else if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
		return -errno;
	}
	fd = openat(s->dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	r = loop_write(fd, content, strlen(content));
	if (r < 0) {
		(void)unlinkat(s->dir_fd, name, 0);
		return r;
	}
	return 0;
}

int ipam_store_release(struct ipam_store *s, const char *name)
{
	if (unlinkat(s->dir_fd, name, 0) < 0)
		return -errno;
	return 0;
}

int ipam_store_get_last(struct ipam_store *s, size_t set, struct ip_addr *ret)
{
	char name[64], buf[IP_ADDR_STRLEN + 8];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(name, sizeof(name), LAST_PREFIX "%zu", set);
	fd = openat(s->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	/* The reference writes the bare address; tolerate a trailing newline. */
	buf[strcspn(buf, " \t\r\n")] = 0;
	return ip_addr_parse(buf, ret);
}

int ipam_store_set_last(struct ipam_store *s, size_t set, const struct ip_addr *a)
{
	char name[64], text[IP_ADDR_STRLEN];
	_cleanup_close_ int fd = -1;

	/* Only a hint for round-robin; a torn write just restarts the scan elsewhere. */
	snprintf(name, sizeof(name), LAST_PREFIX "%zu", set);
	ip_addr_to_string(a, text);
	fd = openat(s->dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	return loop_write(fd, text, strlen(text));
}
