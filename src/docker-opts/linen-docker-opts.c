// SPDX-License-Identifier: Apache-2.0
/*
 * linen-docker-opts - write Docker daemon options from linend's (or flanneld's)
 * subnet.env: the equivalent of flannel's mk-docker-opts.sh, with the same flags and the
 * same output file, for dockerd's --bip, --mtu and --ip-masq.
 *
 * Differences from the script, on purpose: -m works (the script documents it but its
 * getopts string lacks it, so -m prints the usage and fails); -k must be a shell variable
 * name (the script eval's it); the output file is replaced atomically, so dockerd's unit
 * never reads a half-written file; an unreadable subnet.env is an error (a missing one is
 * not, as with the script, which then writes only the combined key).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/fileio.h"
#include "basic/macro.h"
#include "docker-opts/docker-opts.h"

extern char **environ;

static void usage(FILE *f)
{
	fputs("Usage: linen-docker-opts [-f FLANNEL-ENV-FILE] [-d DOCKER-ENV-FILE] [-i] [-c] [-m]\n"
	      "                         [-k COMBINED-KEY]\n"
	      "\n"
	      "Generate Docker daemon options based on the flannel env file written by linend\n"
	      "(or flanneld), as flannel's mk-docker-opts.sh does.\n"
	      "OPTIONS:\n"
	      "\t-f\tPath to flannel env file. Defaults to /run/flannel/subnet.env\n"
	      "\t-d\tPath to Docker env file to write to. Defaults to /run/docker_opts.env\n"
	      "\t-i\tOutput each Docker option as individual var. e.g. DOCKER_OPT_MTU=1500\n"
	      "\t-c\tOutput combined Docker options into DOCKER_OPTS var\n"
	      "\t-k\tSet the combined options key to this value (default DOCKER_OPTS=)\n"
	      "\t-m\tDo not output --ip-masq (useful for older Docker version)\n"
	      "\t-h\tShow this help\n"
	      "\n"
	      "Example (a dockerd drop-in, see deploy/systemd/):\n"
	      "  linen-docker-opts -c && . /run/docker_opts.env && dockerd $DOCKER_OPTS\n",
	      f);
}

int main(int argc, char **argv)
{
	struct docker_opts_options o = { .ip_masq = true, .key = "DOCKER_OPTS" };
	const char *env_file = "/run/flannel/subnet.env", *out_file = "/run/docker_opts.env";
	_cleanup_free_ char *text = NULL, *out = NULL;
	int c, r;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
	while ((c = getopt(argc, argv, "f:d:ick:mh")) != -1) {
		switch (c) {
		case 'f':
			env_file = optarg;
			break;
		case 'd':
			out_file = optarg;
			break;
		case 'i':
			o.individual = true;
			break;
		case 'c':
			o.combined = true;
			break;
		case 'k':
			o.key = optarg;
			break;
		case 'm':
			o.ip_masq = false;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "linen-docker-opts: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 1;
	}
	if (!docker_opts_key_valid(o.key)) {
		fprintf(stderr, "linen-docker-opts: -k '%s' is not a shell variable name\n", o.key);
		return 1;
	}
	if (!o.individual && !o.combined)
		o.individual = o.combined = true;

	r = read_full_file(env_file, 1024 * 1024, &text, NULL);
	if (r < 0 && r != -ENOENT) {
		fprintf(stderr, "linen-docker-opts: cannot read %s: %s\n", env_file, strerror(-r));
		return 1;
	}
	r = docker_opts_render(text, environ, &o, &out);
	if (r < 0) {
		fprintf(stderr, "linen-docker-opts: %s\n", strerror(-r));
		return 1;
	}
	r = write_file_atomic(out_file, out, strlen(out), 0644);
	if (r < 0) {
		fprintf(stderr, "linen-docker-opts: cannot write %s: %s\n", out_file, strerror(-r));
		return 1;
	}
	return 0;
}
