/* SPDX-License-Identifier: Apache-2.0 */
/*
 * skel-internal.h - state shared between skel.c and delegate.c.
 */
#pragma once

/* The environment of the running skel_run() (environ under skel_main()). */
extern char *const *skel_envp;
