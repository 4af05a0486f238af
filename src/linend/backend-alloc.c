// SPDX-License-Identifier: Apache-2.0
/*
 * backend-alloc.c - flannel's "alloc" backend: a subnet lease and nothing else.
 *
 * No dataplane; the lease carries no BackendType (flannel writes none for alloc) and the
 * MTU is the external interface's.
 */
#include "linend/backend.h"

static int alloc_register(const struct net_config *cfg, const struct backend_ext_iface *ext,
			  const struct backend_env *env, void **ret_state,
			  struct backend_network *ret)
{
	*ret = (struct backend_network){ .mtu = ext->mtu };
	*ret_state = NULL;
	return 0;
}

static int alloc_lease(void *state, const struct lease *l)
{
	return 0;
}

static void alloc_free(void *state)
{
}

const struct backend_ops backend_alloc_ops = {
	.name = "alloc",
	.register_network = alloc_register,
	.lease_added = alloc_lease,
	.lease_removed = alloc_lease,
	.free = alloc_free,
};
