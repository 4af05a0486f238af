/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netns.h - entering network namespaces and coming back.
 *
 * Owns: opening a namespace by path (checking it really is a netns) and
 * switching the calling thread into it and back. Plugins are single
 * threaded, so switching the thread is switching the process.
 */
#pragma once

/* Open a network namespace file. -ENOENT when missing, -EINVAL when not a netns. */
int netns_open(const char *path);
/* Enter the namespace fd; *ret_saved receives an fd of the current one. */
int netns_enter(int nsfd, int *ret_saved);
/* Return to a saved namespace and close the saved fd. */
int netns_restore(int *saved);
/* 1 if path names the namespace we are in now, 0 if not. */
int netns_is_current(const char *path);
