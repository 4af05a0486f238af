/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plugin-util.h - small pieces many plugins need around their verbs (part of the plugin SDK).
 *
 * Owns: the host-wide lock file a plugin holds while it changes shared state (one nft table,
 * one tc tree), the chained-plugin prevResult rules (required, passed through in the config's
 * version), CNI errors built from a negative errno the way the firewall plugins report them,
 * teardown's first-error keeping, and switching on IP forwarding. The netlink-facing helpers
 * are in plugin-net.h.
 */
#pragma once

#include "libcni/error.h"
#include "skel/skel.h"

/*
 * Take an exclusive flock(2) on path (created 0600, its directory 0755 if missing), waiting
 * for other holders. The lock lasts while *ret_fd is open. On failure err gets code 5 (IO) and
 * "<who>: lock <path>: <strerror>".
 */
int skel_lock_file(const char *who, const char *path, int *ret_fd, struct cni_error *err);

/* A chained plugin's precondition: code 7 "must be called as chained plugin (no prevResult)". */
int skel_require_prev_result(const struct skel_request *req, struct cni_error *err);

/* Hand prevResult (converted to the config's cniVersion) on as the ADD result. */
int skel_pass_prev_result(struct skel_request *req, struct cni_result **ret_result);

/*
 * Code 999 "<who>: <what>: <strerror(-r)>", with details when not NULL (e.g. the text of the
 * failed command). Returns r.
 */
int skel_errno_error(struct cni_error *err, int r, const char *who, const char *what,
		     const char *details);

/*
 * CHECK's verdict on the state of the attachment (req's containerID/ifname): -ENOENT is
 * "<who>: <what> of <id>/<if> are missing", -EUCLEAN "... differ from the config", another
 * error "<who>: cannot read <what>: <strerror>" (code 999 each). Returns 0 for r >= 0.
 */
int skel_check_error(const struct skel_request *req, int r, const char *who, const char *what,
		     struct cni_error *err);

/*
 * Teardown's "keep going, report the first": when r < 0 and nothing failed before, *first
 * becomes e (or code 999 strerror(-r) when e has no message) and *first_r r.
 */
void skel_keep_first(struct cni_error *first, int *first_r, int r, const struct cni_error *e);

/* Code 999 "<what>: <text>" when the failed tool gave text (nft's), else "<what>: <strerror>".
 * Returns -EINVAL. */
int skel_text_error(struct cni_error *err, const char *what, int r, const char *text);

/* The reference's ip.EnableIP4Forward/EnableIP6Forward: switch on net/ipv4/ip_forward or
 * net/ipv6/conf/all/forwarding, writing only when it is not on already. */
int skel_enable_forward(int family);

/*
 * The crash and rollback tests' hook at a named step: LINEN_TEST_PAUSE_AT=<step> stops the
 * process with SIGSTOP there, LINEN_TEST_FAIL_AT=<step> fails it (code 999 "test failure
 * injected at <step>"). Only in test builds (meson -Dtest_hooks=true): an installed plugin
 * reads no such variable.
 */
#ifdef LINEN_TEST_HOOKS
int skel_test_hook(const char *step, struct cni_error *err);
#else
static inline int skel_test_hook(const char *step, struct cni_error *err)
{
	return 0;
}
#endif

/*
 * One entry of GC's cni.dev/valid-attachments (libcni's GCAttachment, a Go struct: keys
 * match in any case): its containerID and ifname, borrowed; NULL for a member that is
 * missing or not a string.
 */
void skel_attachment(const json_t *entry, const char **ret_container_id, const char **ret_ifname);
