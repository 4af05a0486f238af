// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the config parsers of static, host-device, tap and sbr with the same input, with
 * CNI_ARGS taken from its first line: each either fails with a message or yields a config
 * whose derived forms hold (static's result renders in 1.0.0 and 0.2.0 where allowed; the
 * host-device state file, when the input is one, formats and parses back the same).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "plugins/host-device/host-device-config.h"
#include "plugins/sbr/sbr-config.h"
#include "plugins/static/static-config.h"
#include "plugins/tap/tap-config.h"

static void must_fail_with_message(int r, const struct cni_error *err)
{
	if (r < 0 && r != -ENOMEM && r != -EINVAL)
		abort();
	if (r == -EINVAL && !err->msg[0])
		abort();
}

static void check_static(const json_t *j, const struct cni_args *a)
{
	struct static_config *c = NULL;
	struct cni_result *res = NULL;
	struct cni_error err = {};
	json_t *out = NULL;
	int r = static_config_parse(j, "1.0.0", a, &c, &err);

	must_fail_with_message(r, &err);
	if (r < 0)
		return;
	if (static_config_result(c, &res) == 0) {
		if (cni_result_to_json(res, "1.0.0", &out, &err) < 0)
			abort();
		json_decref(out);
		(void)static_config_check(c, res, "eth0", &err);
	}
	cni_result_free(res);
	static_config_free(c);
}

static void check_state(const char *s)
{
	struct hostdev_state a = {}, b = {};
	char *text;

	if (hostdev_state_parse(s, &a) < 0)
		return;
	text = hostdev_state_format(&a);
	if (!text || hostdev_state_parse(text, &b) < 0 || a.up != b.up || a.n_addrs != b.n_addrs)
		abort();
	for (size_t i = 0; i < a.n_addrs; i++)
		if (!ip_prefix_equal(&a.addrs[i], &b.addrs[i]))
			abort();
	free(text);
	hostdev_state_done(&a);
	hostdev_state_done(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hostdev_config *hd = NULL;
	struct tap_config *tap = NULL;
	struct sbr_config sbr;
	struct cni_error err = {};
	struct cni_args a = {};
	char *s, *nl;
	json_t *j;

	if (size > 16384)
		return 0;
	s = strndup((const char *)data, size);
	if (!s)
		return 0;
	check_state(s);
	nl = strchr(s, '\n');
	if (nl)
		*nl = 0;
	if (cni_args_parse(nl ? s : NULL, &a, &err) < 0) {
		free(s);
		return 0;
	}
	j = json_loads(nl ? nl + 1 : s, 0, NULL);
	if (j) {
		check_static(j, &a);
		must_fail_with_message(hostdev_config_parse(j, "/nonexistent", &hd, &err), &err);
		hostdev_config_free(hd);
		must_fail_with_message(tap_config_parse(j, &a, &tap, &err), &err);
		tap_config_free(tap);
		must_fail_with_message(sbr_config_parse(j, &sbr, &err), &err);
		json_decref(j);
	}
	cni_args_done(&a);
	free(s);
	return 0;
}
