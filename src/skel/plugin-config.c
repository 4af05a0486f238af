// SPDX-License-Identifier: Apache-2.0
/*
 * plugin-config.c - the types.NetConf fields and CNI errors of godec (see plugin-config.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "skel/plugin-config.h"

struct godec skel_godec(struct cni_error *err, const char *prefix, const char *strct)
{
	/* a type error writes msg only; the code is set now and overwritten by any other error */
	cni_error_clear(err);
	err->code = CNI_ERR_INVALID_CONFIG;
	return (struct godec){
		.prefix = prefix,
		.strct = strct,
		.path = "",
		.msg = err->msg,
		.msg_size = sizeof(err->msg),
	};
}

int skel_decode_netconf(const struct godec *d, const json_t *config, const char **ret_ipam_type)
{
	char path[GODEC_PATH_MAX];
	const json_t *ipam = NULL, *caps = NULL;
	const char *type = NULL, *k;
	struct godec di;
	json_t *v;
	int r;

	if ((r = godec_object(d, config, "capabilities", "map[string]bool", &caps)) < 0 ||
	    (r = godec_object(d, config, "ipam", "types.IPAM", &ipam)) < 0 ||
	    (r = godec_object(d, config, "dns", "types.DNS", NULL)) < 0)
		return r;
	if (caps)
		json_object_foreach((json_t *)caps, k, v)
			if (!json_is_boolean(v) && !json_is_null(v))
				return godec_type_error(d, v, "capabilities", "bool");
	di = godec_nested(d, "IPAM", "ipam", path);
	r = godec_string(&di, ipam, "type", &type, NULL);
	if (r < 0)
		return r;
	if (ret_ipam_type)
		*ret_ipam_type = type && *type ? type : NULL;
	return 0;
}

int skel_decode_dns(const struct godec *d, const json_t *config, struct cni_dns *ret,
		    bool *ret_set)
{
	char path[GODEC_PATH_MAX];
	const json_t *dns = NULL;
	const char *domain = NULL;
	bool ns = false, search = false, opts = false;
	struct godec dd;
	int r;

	r = godec_object(d, config, "dns", "types.DNS", &dns);
	if (r < 0)
		return r;
	dd = godec_nested(d, "DNS", "dns", path);
	if ((r = godec_strv(&dd, dns, "nameservers", &ret->nameservers, &ns)) < 0 ||
	    (r = godec_string(&dd, dns, "domain", &domain, NULL)) < 0 ||
	    (r = godec_strv(&dd, dns, "search", &ret->search, &search)) < 0 ||
	    (r = godec_strv(&dd, dns, "options", &ret->options, &opts)) < 0)
		return r;
	if (domain && *domain) {
		char *s = strdup(domain);

		if (!s)
			return -ENOMEM;
		free(ret->domain);
		ret->domain = s;
	}
	*ret_set = ns || search || opts || ret->domain;
	return 0;
}
