// SPDX-License-Identifier: Apache-2.0
/* backend.c - the table of dataplane backends. Add a backend by adding its ops here. */
#include <stddef.h>

#include "basic/macro.h"
#include "linend/backend.h"

static const struct backend_ops *const backends[] = {
	&backend_alloc_ops,
	&backend_extension_ops,
#ifdef LINEN_TEST_HOOKS
	&backend_log_ops, /* test builds only */
#endif
#ifdef LINEND_DATAPLANE
	&backend_vxlan_ops,
	&backend_hostgw_ops,
#endif
};

const struct backend_ops *backend_find(const char *type)
{
	for (size_t i = 0; i < ELEMENTSOF(backends); i++)
		if (streq(backends[i]->name, type))
			return backends[i];
	return NULL;
}
