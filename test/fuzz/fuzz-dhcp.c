// SPDX-License-Identifier: Apache-2.0
/* Fuzz the DHCP reply path: frame, message, lease facts. Whatever parses must stay in bounds
 * and give option slices inside the parsed data. */
#include <stdint.h>
#include <stdlib.h>

#include "plugins/dhcp/dhcp-packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_msg m;
	struct dhcp_lease_info li;
	const uint8_t *msg;
	size_t len;

	if (dhcp_frame_parse(data, size, &msg, &len) == 0) {
		if (msg < data || msg + len > data + size)
			abort();
		(void)dhcp_msg_parse(msg, len, &m);
	}
	if (dhcp_msg_parse(data, size, &m) < 0)
		return 0;
	for (unsigned c = 0; c < 256; c++) {
		const uint8_t *p = dhcp_msg_opt(&m, c, &len);

		if (p && (p < m.data || p + len > m.data + m.data_len))
			abort();
	}
	(void)dhcp_lease_info_from_msg(&m, &li);
	return 0;
}
