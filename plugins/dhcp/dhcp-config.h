/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dhcp-config.h - the dhcp IPAM config and the client identity derived from a request.
 *
 * Owns: decoding "ipam" (daemonSocketPath, provide, request) through godec with the
 * reference's Go types, option names ("routers", "subnet-mask", ... or a number), the
 * parameter request list (subnet mask and router unless some entry has skipDefault), the
 * provided option values (a CNI_ARGS value named by fromArg wins over value), and the client
 * identifier "<containerID>/<netName>/<ifName>" cut at 254 bytes.
 * Pure: no I/O; errors are the reference's texts in a caller buffer.
 */
#pragma once

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_DEFAULT_SOCKET "/run/cni/dhcp.sock"
#define DHCP_CLIENT_ID_MAX 254
#define DHCP_ERR_MAX 1024

struct dhcp_provided {
	uint8_t code;
	uint8_t len;
	uint8_t val[255];
};

struct dhcp_config {
	const char *socket_path;          /* borrowed from the JSON; NULL = default */
	uint8_t prl[256];                 /* option 55, in order, no duplicates */
	size_t prl_len;
	struct dhcp_provided provide[256]; /* one per code, in first-given order */
	size_t n_provide;
};

/*
 * Decode netconf (the whole stdin object) with CNI_ARGS (may be NULL). The netconf must
 * outlive ret. On error returns -EINVAL with the reference's text in err (Go type errors
 * after "prefix"), ret untouched.
 */
int dhcp_config_parse(const json_t *netconf, const char *cni_args, const char *prefix,
		      struct dhcp_config *ret, char err[static DHCP_ERR_MAX]);

/* Only the socket path (the plugin side); *ret = NULL for the default. */
int dhcp_config_socket_path(const json_t *netconf, const char **ret,
			    char err[static DHCP_ERR_MAX]);

/* An option name from dhcp-options(5) we know, or a decimal 0..255. */
int dhcp_option_parse(const char *name, uint8_t *ret, char err[static DHCP_ERR_MAX]);

/* The client identifier string (without the type byte the wire form adds); ret holds at
 * least DHCP_CLIENT_ID_MAX + 1 bytes. */
void dhcp_client_id(const char *container_id, const char *net_name, const char *ifname,
		    char *ret);
