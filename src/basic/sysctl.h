/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sysctl.h - reading and writing /proc/sys entries.
 *
 * Owns: turning a key relative to /proc/sys ("net/ipv4/conf/eth0/arp_notify")
 * into a path, refusing keys that would escape /proc/sys, and the write
 * (one write(), no truncation games: procfs takes the value whole) and the
 * read (trailing newline stripped). Interface names may contain dots
 * ("flannel.1"), so keys use '/' only; callers converting the dotted
 * sysctl(8) form must do that before the interface name is inserted.
 */
#pragma once

/* Write value to /proc/sys/<key>. */
int sysctl_write(const char *key, const char *value);
/* Read /proc/sys/<key> into a malloc'ed string without the trailing newline. */
int sysctl_read(const char *key, char **ret);
/* Build the full path; -EINVAL for empty keys, absolute keys or ".." components. */
int sysctl_path(const char *key, char **ret);
