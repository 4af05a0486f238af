// SPDX-License-Identifier: Apache-2.0
/*
 * fwtest - drive src/fw from the integration tests, in whatever network namespace it runs in
 * (`ip netns exec`). Exit 0 on success, 1 on error, 2 when CHECK finds nothing (-ENOENT),
 * 3 when CHECK finds something different (-EUCLEAN).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "fw/flannel.h"
#include "fw/fw.h"
#include "fw/macspoof.h"
#include "fw/masq.h"

static int usage(void)
{
	fputs("usage: fwtest apply FILE | exists FAMILY TABLE\n"
	      "  masq-add|masq-check NET CID IF IP/LEN... | masq-del NET CID IF\n"
	      "  masq-gc NET [CID IF]...\n"
	      "  macspoof-add|macspoof-check NET CID IF HOSTIF MAC | macspoof-del NET CID IF\n"
	      "  macspoof-gc NET [CID IF]...\n"
	      "  flannel-apply|flannel-check 4|6 NETWORK SUBNET [nomasq] [noforward] [norandom]\n"
	      "  flannel-remove 4|6 | flannel-render 4|6 NETWORK SUBNET [...]\n", stderr);
	return 1;
}

static int finish(const char *what, int r, char *err)
{
	if (r == 0) {
		free(err);
		return 0;
	}
	fprintf(stderr, "fwtest: %s: %s%s%s\n", what, strerror(-r), err ? "\n" : "",
		err ? err : "");
	free(err);
	return r == -ENOENT ? 2 : r == -EUCLEAN ? 3 : 1;
}

static int parse_ips(char **argv, int n, struct ip_prefix **ret)
{
	struct ip_prefix *ips = calloc(n ? n : 1, sizeof(*ips));

	if (!ips)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		if (ip_prefix_parse(argv[i], &ips[i]) < 0) {
			free(ips);
			return -EINVAL;
		}
	*ret = ips;
	return 0;
}

static int parse_attachments(char **argv, int n, struct fw_attachment **ret)
{
	struct fw_attachment *a;

	if (n % 2)
		return -EINVAL;
	a = calloc(n / 2 + 1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	for (int i = 0; i < n / 2; i++) {
		a[i].container_id = argv[2 * i];
		a[i].ifname = argv[2 * i + 1];
	}
	*ret = a;
	return 0;
}

static int parse_flannel(int argc, char **argv, struct fw_flannel_rules *r)
{
	memset(r, 0, sizeof(*r));
	if (argc < 4)
		return -EINVAL;
	r->family = streq(argv[1], "6") ? AF_INET6 : AF_INET;
	if (ip_prefix_parse(argv[2], &r->network) < 0 || ip_prefix_parse(argv[3], &r->subnet) < 0)
		return -EINVAL;
	r->masquerade = r->forward = r->fully_random = true;
	for (int i = 4; i < argc; i++) {
		if (streq(argv[i], "nomasq"))
			r->masquerade = false;
		else if (streq(argv[i], "noforward"))
			r->forward = false;
		else if (streq(argv[i], "norandom"))
			r->fully_random = false;
		else
			return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	_cleanup_free_ struct ip_prefix *ips = NULL;
	_cleanup_free_ struct fw_attachment *att = NULL;
	struct fw_flannel_rules fl;
	const char *cmd;
	char *err = NULL;
	int r;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	argv++;
	argc--;

	if (streq(cmd, "apply") && argc == 2) {
		_cleanup_free_ char *text = NULL;

		r = read_full_file(argv[1], 1 << 20, &text, NULL);
		if (r < 0)
			return finish("read", r, NULL);
		return finish(cmd, fw_apply(text, &err), err);
	}
	if (streq(cmd, "exists") && argc == 3) {
		r = fw_table_exists(argv[1], argv[2]);
		if (r < 0)
			return finish(cmd, r, NULL);
		printf("%d\n", r);
		return 0;
	}
	if ((streq(cmd, "masq-add") || streq(cmd, "masq-check")) && argc >= 5) {
		if (parse_ips(argv + 4, argc - 4, &ips) < 0)
			return usage();
		if (streq(cmd, "masq-add"))
			r = fw_masq_add(argv[1], argv[2], argv[3], ips, argc - 4, &err);
		else
			r = fw_masq_check(argv[1], argv[2], argv[3], ips, argc - 4);
		return finish(cmd, r, err);
	}
	if (streq(cmd, "masq-del") && argc == 4)
		return finish(cmd, fw_masq_del(argv[1], argv[2], argv[3], &err), err);
	if ((streq(cmd, "masq-gc") || streq(cmd, "macspoof-gc")) && argc >= 2) {
		if (parse_attachments(argv + 2, argc - 2, &att) < 0)
			return usage();
		if (streq(cmd, "masq-gc"))
			r = fw_masq_gc(argv[1], att, (argc - 2) / 2, &err);
		else
			r = fw_macspoof_gc(argv[1], att, (argc - 2) / 2, &err);
		return finish(cmd, r, err);
	}
	if (streq(cmd, "macspoof-add") && argc == 6)
		return finish(cmd, fw_macspoof_add(argv[1], argv[2], argv[3], argv[4], argv[5],
						   &err), err);
	if (streq(cmd, "macspoof-check") && argc == 6)
		return finish(cmd, fw_macspoof_check(argv[1], argv[2], argv[3], argv[4], argv[5]),
			      NULL);
	if (streq(cmd, "macspoof-del") && argc == 4)
		return finish(cmd, fw_macspoof_del(argv[1], argv[2], argv[3], &err), err);
	if (streq(cmd, "flannel-remove") && argc == 2)
		return finish(cmd, fw_flannel_remove(streq(argv[1], "6") ? AF_INET6 : AF_INET,
						     &err), err);
	if (startswith(cmd, "flannel-")) {
		if (parse_flannel(argc, argv, &fl) < 0)
			return usage();
		if (streq(cmd, "flannel-apply"))
			return finish(cmd, fw_flannel_apply(&fl, &err), err);
		if (streq(cmd, "flannel-check"))
			return finish(cmd, fw_flannel_check(&fl), NULL);
		if (streq(cmd, "flannel-render")) {
			_cleanup_free_ char *text = NULL;

			r = fw_flannel_render_apply(&fl, &text);
			if (r < 0)
				return finish(cmd, r, NULL);
			fputs(text, stdout);
			return 0;
		}
	}
	return usage();
}
