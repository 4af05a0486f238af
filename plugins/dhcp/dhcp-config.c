// SPDX-License-Identifier: Apache-2.0
/*
 * dhcp-config.c - dhcp IPAM config decoding; see dhcp-config.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/godec.h"
#include "basic/macro.h"
#include "dhcp-config.h"
#include "dhcp-packet.h"

static const struct {
	const char *name;
	uint8_t code;
} option_names[] = {
	{ "dhcp-client-identifier", DHCP_OPT_CLIENT_ID },
	{ "subnet-mask", DHCP_OPT_SUBNET_MASK },
	{ "routers", DHCP_OPT_ROUTER },
	{ "host-name", DHCP_OPT_HOST_NAME },
	{ "user-class", DHCP_OPT_USER_CLASS },
	{ "vendor-class-identifier", DHCP_OPT_VENDOR_CLASS },
};

int dhcp_option_parse(const char *name, uint8_t *ret, char err[static DHCP_ERR_MAX])
{
	unsigned long v = 0;
	const char *p;

	for (size_t i = 0; i < sizeof(option_names) / sizeof(option_names[0]); i++)
		if (strcmp(name, option_names[i].name) == 0) {
			*ret = option_names[i].code;
			return 0;
		}
	/* strconv.ParseUint(name, 10, 8): its two errors, word for word. */
	if (!*name)
		goto syntax;
	for (p = name; *p; p++) {
		if (*p < '0' || *p > '9')
			goto syntax;
		if (v <= 255)
			v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 255) {
		snprintf(err, DHCP_ERR_MAX, "Can not parse option \"%s\": Can not parse option: "
			 "strconv.ParseUint: parsing \"%s\": value out of range", name, name);
		return -EINVAL;
	}
	*ret = (uint8_t)v;
	return 0;
syntax:
	snprintf(err, DHCP_ERR_MAX, "Can not parse option \"%s\": Can not parse option: "
		 "strconv.ParseUint: parsing \"%s\": invalid syntax", name, name);
	return -EINVAL;
}

/* The value of CNI_ARGS key `key` (Go's split on ";" then the first "="; the last pair
 * with that key wins, as a map assignment does). */
static const char *cni_arg(const char *args, const char *key, size_t *ret_len)
{
	const char *found = NULL, *p = args;
	size_t klen = strlen(key);

	if (!args)
		return NULL;
	while (*p) {
		const char *end = strchrnul(p, ';'), *eq = memchr(p, '=', end - p);

		if (eq && (size_t)(eq - p) == klen && strncmp(p, key, klen) == 0) {
			found = eq + 1;
			*ret_len = end - found;
		}
		p = *end ? end + 1 : end;
	}
	return found;
}

static struct dhcp_provided *provided_slot(struct dhcp_config *c, uint8_t code)
{
	for (size_t i = 0; i < c->n_provide; i++)
		if (c->provide[i].code == code)
			return &c->provide[i];
	c->provide[c->n_provide].code = code;
	return &c->provide[c->n_provide++];
}

static void prl_add(struct dhcp_config *c, uint8_t code)
{
	if (memchr(c->prl, code, c->prl_len))
		return;
	c->prl[c->prl_len++] = code;
}

static int decode_ipam(const json_t *netconf, const char *prefix, const json_t **ret_ipam,
		       struct godec *di, char *path, char *err)
{
	struct godec d = { .prefix = prefix, .strct = "NetConf", .path = "", .msg = err,
			   .msg_size = DHCP_ERR_MAX };
	int r;

	*ret_ipam = NULL;
	r = godec_object(&d, netconf, "ipam", "main.IPAMConfig", ret_ipam);
	if (r < 0)
		return r;
	*di = godec_nested(&d, "IPAMConfig", "ipam", path);
	return 0;
}

/* What json.Unmarshal into the reference's NetConf checks: every type, no value. */
static int check_types(const json_t *netconf, const char *prefix, const json_t **ret_ipam,
		       char err[static DHCP_ERR_MAX])
{
	char path[GODEC_PATH_MAX], pp[GODEC_PATH_MAX], pq[GODEC_PATH_MAX];
	const json_t *ipam, *provide = NULL, *request = NULL;
	struct godec di, dp, dq;
	json_t *e;
	size_t i;
	int r;

	r = decode_ipam(netconf, prefix, &ipam, &di, path, err);
	if (r < 0)
		return r;
	if ((r = godec_string(&di, ipam, "daemonSocketPath", NULL, NULL)) < 0 ||
	    (r = godec_string(&di, ipam, "type", NULL, NULL)) < 0 ||
	    (r = godec_array(&di, ipam, "provide", "[]main.ProvideOption", &provide)) < 0 ||
	    (r = godec_array(&di, ipam, "request", "[]main.RequestOption", &request)) < 0)
		return r;
	dp = godec_nested(&di, "ProvideOption", "provide", pp);
	dq = godec_nested(&di, "RequestOption", "request", pq);
	if (provide)
		json_array_foreach(provide, i, e) {
			if (json_is_null(e))
				continue;
			if (!json_is_object(e))
				return godec_type_error(&di, e, "provide", "main.ProvideOption");
			if ((r = godec_text(&dp, e, "option", "main.DHCPOption", NULL, NULL)) < 0 ||
			    (r = godec_string(&dp, e, "value", NULL, NULL)) < 0 ||
			    (r = godec_string(&dp, e, "fromArg", NULL, NULL)) < 0)
				return r;
		}
	if (request)
		json_array_foreach(request, i, e) {
			if (json_is_null(e))
				continue;
			if (!json_is_object(e))
				return godec_type_error(&di, e, "request", "main.RequestOption");
			if ((r = godec_bool(&dq, e, "skipDefault", NULL, NULL)) < 0 ||
			    (r = godec_text(&dq, e, "option", "main.DHCPOption", NULL, NULL)) < 0)
				return r;
		}
	*ret_ipam = ipam;
	return 0;
}

int dhcp_config_socket_path(const json_t *netconf, const char **ret,
			    char err[static DHCP_ERR_MAX])
{
	const json_t *ipam;
	const char *s = NULL;
	int r;

	/* The reference's plugin decodes the whole config here: its type errors come first. */
	r = check_types(netconf, "", &ipam, err);
	if (r < 0)
		return r;
	(void)godec_string(&(struct godec){ .prefix = "", .strct = "IPAMConfig", .path = "ipam",
					    .msg = err, .msg_size = DHCP_ERR_MAX },
			   ipam, "daemonSocketPath", &s, NULL);
	*ret = s && *s ? s : NULL;
	return 0;
}

int dhcp_config_parse(const json_t *netconf, const char *cni_args, const char *prefix,
		      struct dhcp_config *ret, char err[static DHCP_ERR_MAX])
{
	_cleanup_free_ struct dhcp_config *c = calloc(1, sizeof(*c));
	char pp[GODEC_PATH_MAX], pq[GODEC_PATH_MAX];
	const json_t *ipam, *provide = NULL, *request = NULL;
	struct godec di, dp, dq;
	bool skip_default = false;
	json_t *e;
	size_t i;
	int r;

	if (!c)
		return -ENOMEM;
	r = check_types(netconf, prefix, &ipam, err);
	if (r < 0)
		return r;
	/* Types are checked: the reads below cannot fail. */
	di = (struct godec){ .prefix = prefix, .strct = "IPAMConfig", .path = "ipam", .msg = err,
			     .msg_size = DHCP_ERR_MAX };
	(void)godec_string(&di, ipam, "daemonSocketPath", &c->socket_path, NULL);
	(void)godec_array(&di, ipam, "provide", "[]main.ProvideOption", &provide);
	(void)godec_array(&di, ipam, "request", "[]main.RequestOption", &request);
	if (c->socket_path && !*c->socket_path)
		c->socket_path = NULL;
	dp = godec_nested(&di, "ProvideOption", "provide", pp);
	dq = godec_nested(&di, "RequestOption", "request", pq);

	if (provide)
		json_array_foreach(provide, i, e) {
			const char *opt = "", *value = "", *from = "", *arg;
			struct dhcp_provided *slot;
			uint8_t code;
			size_t alen = 0;

			(void)godec_text(&dp, e, "option", "main.DHCPOption", &opt, NULL);
			(void)godec_string(&dp, e, "value", &value, NULL);
			(void)godec_string(&dp, e, "fromArg", &from, NULL);
			r = dhcp_option_parse(opt, &code, err);
			if (r < 0)
				return r;
			if (*value) {
				if (strlen(value) > 255) {
					snprintf(err, DHCP_ERR_MAX,
						 "value too long for option \"%s\": \"%s\"", opt,
						 value);
					return -EINVAL;
				}
				slot = provided_slot(c, code);
				slot->len = strlen(value);
				memcpy(slot->val, value, slot->len);
			}
			arg = cni_arg(cni_args, from, &alen);
			if (arg) {
				if (alen > 255) {
					snprintf(err, DHCP_ERR_MAX,
						 "value too long for option \"%s\" from CNI_ARGS "
						 "\"%s\": \"%s\"", opt, from, value);
					return -EINVAL;
				}
				slot = provided_slot(c, code);
				slot->len = alen;
				memcpy(slot->val, arg, alen);
			}
		}

	if (request)
		json_array_foreach(request, i, e) {
			const char *opt = "";
			bool skip = false;
			uint8_t code;

			(void)godec_bool(&dq, e, "skipDefault", &skip, NULL);
			(void)godec_text(&dq, e, "option", "main.DHCPOption", &opt, NULL);
			skip_default |= skip;
			r = dhcp_option_parse(opt, &code, err);
			if (r < 0)
				return r;
			prl_add(c, code);
		}
	if (!skip_default) {
		prl_add(c, DHCP_OPT_SUBNET_MASK);
		prl_add(c, DHCP_OPT_ROUTER);
	}
	memcpy(ret, c, sizeof(*c));
	return 0;
}

void dhcp_client_id(const char *container_id, const char *net_name, const char *ifname,
		    char *ret)
{
	/* Longer identifiers are cut: an option holds at most 255 bytes, one is the type. */
	snprintf(ret, DHCP_CLIENT_ID_MAX + 1, "%s/%s/%s", container_id, net_name, ifname);
}
