/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fileio.h - whole-file reads and crash-safe writes.
 *
 * Owns: read_full_file() with a size cap, write_file_atomic() (temp file in
 * the same directory, fsync, rename, fsync of the directory) and mkdir_p().
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Read a whole file (NUL-terminated). -EFBIG when larger than max. */
int read_full_file(const char *path, size_t max, char **ret, size_t *ret_len);
/* Read all of an fd until EOF (NUL-terminated). */
int read_full_fd(int fd, size_t max, char **ret, size_t *ret_len);
/* Replace path atomically with data, created with exactly this mode. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* Create a directory and its parents; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode);
/* write() until done, retrying on EINTR. */
int loop_write(int fd, const void *buf, size_t len);
