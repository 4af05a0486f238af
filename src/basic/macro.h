/* SPDX-License-Identifier: Apache-2.0 */
/*
 * macro.h - ownership helpers shared by every module.
 *
 * Owns: the _cleanup_ attribute family, TAKE_PTR/TAKE_FD for explicit
 * ownership transfer, and a few small compile-time helpers.
 */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _pure_ __attribute__((pure))
#define _warn_unused_result_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Hand ownership of a pointer to the caller: returns it and clears the source. */
#define TAKE_PTR(p)                          \
	({                                   \
		__typeof__(p) *_pp_ = &(p);  \
		__typeof__(p) _p_ = *_pp_;   \
		*_pp_ = NULL;                \
		_p_;                         \
	})

#define TAKE_FD(fd)                  \
	({                           \
		int *_pfd_ = &(fd);  \
		int _fd_ = *_pfd_;   \
		*_pfd_ = -1;         \
		_fd_;                \
	})

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

/* Free a NULL-terminated vector of strings and the vector itself. */
static inline void strv_free(char **v)
{
	if (!v)
		return;
	for (char **s = v; *s; s++)
		free(*s);
	free(v);
}

static inline void strv_freep(char ***v)
{
	strv_free(*v);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_strv_free_ _cleanup_(strv_freep)

/* Define foo_freep() for a destructor foo_free(struct foo *). */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func) \
	static inline void func##p(type *p)     \
	{                                       \
		if (*p)                         \
			func(*p);               \
	}

static inline int negative_errno(void)
{
	/* Some libc paths leave errno at 0 on failure; never turn that into success. */
	return errno > 0 ? -errno : -EIO;
}

static inline int streq_ptr(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

#define streq(a, b) (strcmp((a), (b)) == 0)

static inline const char *startswith(const char *s, const char *prefix)
{
	size_t l = strlen(prefix);

	return strncmp(s, prefix, l) == 0 ? s + l : NULL;
}
