// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz the tuning plugin's readers of outside input: the duplicate-key scan of raw stdin,
 * the config parser, sysctl keys turned into paths (an accepted path must stay below net/
 * and be one the restore path accepts), and the backup file (what parses must render and
 * parse back to the same values).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json-util.h"
#include "plugins/tuning/tuning-config.h"

static void check_paths(const struct tuning_config *c)
{
	for (size_t i = 0; i < c->n_sysctls; i++) {
		char *p = NULL;

		if (tuning_sysctl_path(c->sysctls[i].key, "eth0", &p) == 0) {
			if (strncmp(p, "net/", 4) != 0 || !tuning_sysctl_path_safe(p))
				abort();
			free(p);
		}
	}
}

static void check_backup(const char *s)
{
	struct tuning_backup a = {}, b = {};
	char *out = NULL;

	if (tuning_backup_from_json(s, &a) < 0)
		return;
	if (tuning_backup_to_json(&a, &out) < 0)
		abort();
	if (tuning_backup_from_json(out, &b) < 0)
		abort();
	if ((!a.mac) != (!b.mac) || (a.mac && strcmp(a.mac, b.mac) != 0) || a.mtu != b.mtu ||
	    a.has_promisc != b.has_promisc || a.promisc != b.promisc ||
	    a.has_allmulti != b.has_allmulti || a.has_txqlen != b.has_txqlen ||
	    a.txqlen != b.txqlen || a.n_sysctls != b.n_sysctls)
		abort();
	free(out);
	tuning_backup_done(&a);
	tuning_backup_done(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tuning_config *c = NULL;
	struct cni_error err = {};
	json_t *j;
	char *s;

	if (size > 16384)
		return 0;
	(void)tuning_check_duplicate_sysctls((const char *)data, size, &err);
	s = strndup((const char *)data, size);
	if (!s)
		return 0;
	j = json_loads(s, JSON_DECODE_ANY, NULL);
	if (json_is_object(j) && tuning_config_parse(j, NULL, &c, &err) == 0) {
		check_paths(c);
		tuning_config_free(c);
	}
	json_decref(j);
	check_backup(s);
	free(s);
	return 0;
}
