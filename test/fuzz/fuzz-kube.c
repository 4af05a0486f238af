// SPDX-License-Identifier: Apache-2.0
/* Watch lines and Status bodies from an API server, fed through the line splitter. */
#include <stddef.h>
#include <stdint.h>

#include "kube/kube.h"

static int on_line(const char *line, size_t len, void *userdata)
{
	struct kube_event e;
	struct kube_status s;

	(void)userdata;
	if (kube_event_parse(line, len, &e) >= 0) {
		if (e.type == KUBE_EVENT_ERROR && kube_status_from_json(e.object, &s) >= 0)
			(void)kube_is_gone(0, &s);
		kube_event_done(&e);
	}
	if (kube_status_parse(line, len, &s) >= 0)
		(void)kube_is_gone(0, &s);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kube_linebuf lb = { .max = 1U << 20 };
	size_t half = size / 2;

	/* the same bytes in two reads, as a stream split anywhere */
	(void)kube_linebuf_feed(&lb, (const char *)data, half, on_line, NULL);
	(void)kube_linebuf_feed(&lb, (const char *)data + half, size - half, on_line, NULL);
	kube_linebuf_done(&lb);
	return 0;
}
