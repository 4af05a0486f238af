// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the flannel plugin's inputs: subnet.env text, then (after a line "--")
 * the plugin config JSON. Whatever parses must build a delegate whose Go-style
 * rendering reads back and renders to the same bytes; rendering any JSON
 * value must be stable the same way.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "flannel-conf.h"
#include "gojson.h"

static void check_stable(const char *text, bool delegate)
{
	_cleanup_json_ json_t *j = json_loads(text, JSON_DECODE_INT_AS_REAL, NULL);
	_cleanup_free_ char *again = NULL;

	if (!j)
		abort();
	again = delegate ? flannel_delegate_dumps(j) : gojson_dumps(j, NULL, NULL);
	if (!again || strcmp(again, text) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *in = malloc(size + 1), *out = NULL, *plain = NULL;
	_cleanup_json_ json_t *conf = NULL, *d = NULL;
	struct flannel_env env = {};
	struct cni_error err = {};
	struct flannel_conf c;
	const char *sep;
	size_t env_len;

	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = 0;
	sep = strstr(in, "\n--\n");
	env_len = sep ? (size_t)(sep - in) : size;

	conf = sep ? json_loads(sep + 4, 0, NULL) : NULL;
	if (conf) {
		plain = gojson_dumps(conf, NULL, NULL);
		if (plain)
			check_stable(plain, false);
	}
	if (flannel_env_parse(in, env_len, "subnet.env", &env, &err) < 0) {
		if (!err.msg[0])
			abort();
		return 0;
	}
	if (!env.n_networks && !env.n_networks6)
		abort();
	if (conf && flannel_conf_parse(conf, &c, &err) == 0 &&
	    flannel_delegate_build(&c, &env, &d, &err) == 0) {
		out = flannel_delegate_dumps(d);
		if (out)
			check_stable(out, true);
	}
	flannel_env_done(&env);
	return 0;
}
