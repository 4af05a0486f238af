// SPDX-License-Identifier: Apache-2.0
/*
 * cni-driver - the one runtime stand-in bench/cni-bench.sh uses for every implementation.
 *
 * Owns: running a conflist's plugins the way libcni does (ADD in order with each result as the
 * next plugin's prevResult, DEL in reverse with the final ADD result as prevResult, `name` and
 * `cniVersion` injected), exec'ing each plugin with a plain CNI_* environment, and timing each
 * exec from fork() to wait4() with the process's peak RSS from its rusage. Nothing else runs
 * between the clock reads, so two implementations measured by it pay the same driver costs.
 *
 *   cni-driver [--host-netns P] [--result-out F] [--prev F] ADD|DEL|CHECK CONFLIST CNI_PATH
 *              NETNS CONTAINERID IFNAME
 *   cni-driver [--host-netns P] time -- COMMAND ARGS...
 *
 * Output (stdout), one line per process then a total (`time` prints the command's stdout first):
 *   P <type> <microseconds> <maxrss KiB>
 *   T <microseconds>
 * On a plugin failure its output goes to stderr and the exit status is 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Run argv with envp, feeding in (may be NULL) and collecting stdout into *out. */
static int run(char *const argv[], char *const envp[], const char *in, char **out,
	       long long *ret_us, long *ret_rss_kb, int *ret_status)
{
	int pin[2], pout[2], status = 0;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	struct rusage ru;
	long long t0, t1;
	pid_t pid;

	if (!buf || pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0)
		return -errno;
	t0 = now_us();
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	if (in) {
		size_t n = strlen(in), off = 0;

		while (off < n) {
			ssize_t k = write(pin[1], in + off, n - off);

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			off += (size_t)k;
		}
	}
	close(pin[1]);
	for (;;) {
		ssize_t k;

		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb)
				break;
			buf = nb;
		}
		k = read(pout[0], buf + len, cap - len - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	buf[len] = 0;
	close(pout[0]);
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -errno;
	t1 = now_us();
	*out = buf;
	*ret_us = t1 - t0;
	*ret_rss_kb = ru.ru_maxrss;
	*ret_status = status;
	return 0;
}

static char *find_plugin(const char *path, const char *type)
{
	char *copy = strdup(path), *save = NULL, *dir, *p = NULL;

	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if (asprintf(&p, "%s/%s", dir, type) < 0)
			break;
		if (access(p, X_OK) == 0)
			break;
		free(p);
		p = NULL;
	}
	free(copy);
	return p;
}

static int enter_netns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static int cmd_time(char **argv)
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	char *out = NULL;
	long long us;
	long rss;
	int status, r;

	r = run(argv, envp, NULL, &out, &us, &rss, &status);
	if (r < 0) {
		fprintf(stderr, "cni-driver: %s: %s\n", argv[0], strerror(-r));
		return 1;
	}
	fputs(out, stdout); /* the command's own report first, then ours */
	free(out);
	printf("P %s %lld %ld\nT %lld\n", argv[0], us, rss, us);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static json_t *load_json_file(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);

	if (!j)
		fprintf(stderr, "cni-driver: %s: %s\n", path, e.text);
	return j;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host-netns", required_argument, NULL, 'n' },
		{ "result-out", required_argument, NULL, 'o' },
		{ "prev", required_argument, NULL, 'p' },
		{}
	};
	const char *host_netns = NULL, *result_out = NULL, *prev_path = NULL;
	const char *cmd, *cni_path, *netns, *cid, *ifname;
	json_t *list, *plugins, *prev = NULL;
	long long total = 0;
	size_t n;
	int c, r;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) >= 0)
		switch (c) {
		case 'n': host_netns = optarg; break;
		case 'o': result_out = optarg; break;
		case 'p': prev_path = optarg; break;
		default: return 2;
		}
	if (host_netns && (r = enter_netns(host_netns)) < 0) {
		fprintf(stderr, "cni-driver: netns %s: %s\n", host_netns, strerror(-r));
		return 1;
	}
	if (optind < argc && strcmp(argv[optind], "time") == 0) {
		optind++;
		if (optind < argc && strcmp(argv[optind], "--") == 0)
			optind++;
		if (optind >= argc)
			return 2;
		return cmd_time(argv + optind);
	}
	if (argc - optind != 6) {
		fprintf(stderr, "usage: cni-driver [--host-netns P] [--result-out F] [--prev F] "
				"ADD|DEL|CHECK CONFLIST CNI_PATH NETNS CONTAINERID IFNAME\n");
		return 2;
	}
	cmd = argv[optind];
	cni_path = argv[optind + 2];
	netns = argv[optind + 3];
	cid = argv[optind + 4];
	ifname = argv[optind + 5];
	list = load_json_file(argv[optind + 1]);
	if (!list)
		return 1;
	if (prev_path && !(prev = load_json_file(prev_path)))
		return 1;
	plugins = json_object_get(list, "plugins");
	n = json_array_size(plugins);

	for (size_t k = 0; k < n; k++) {
		bool del = strcmp(cmd, "DEL") == 0;
		size_t i = del ? n - 1 - k : k;
		json_t *p = json_deep_copy(json_array_get(plugins, i));
		const char *type = json_string_value(json_object_get(p, "type"));
		char *path = type ? find_plugin(cni_path, type) : NULL;
		char *in, *out = NULL, e_cmd[64], e_id[300], e_ns[300], e_if[64], e_path[4200];
		char *envp[] = { e_cmd, e_id, e_ns, e_if, e_path,
				 "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
		char *pargv[] = { path, NULL };
		long long us;
		long rss;
		int status;

		if (!path) {
			fprintf(stderr, "cni-driver: plugin %s not found in %s\n", type ? type : "?",
				cni_path);
			return 1;
		}
		json_object_set(p, "name", json_object_get(list, "name"));
		json_object_set(p, "cniVersion", json_object_get(list, "cniVersion"));
		if (prev)
			json_object_set(p, "prevResult", prev);
		in = json_dumps(p, JSON_COMPACT);
		snprintf(e_cmd, sizeof(e_cmd), "CNI_COMMAND=%s", cmd);
		snprintf(e_id, sizeof(e_id), "CNI_CONTAINERID=%s", cid);
		snprintf(e_ns, sizeof(e_ns), "CNI_NETNS=%s", netns);
		snprintf(e_if, sizeof(e_if), "CNI_IFNAME=%s", ifname);
		snprintf(e_path, sizeof(e_path), "CNI_PATH=%s", cni_path);
		r = run(pargv, envp, in, &out, &us, &rss, &status);
		if (r < 0) {
			fprintf(stderr, "cni-driver: %s: %s\n", path, strerror(-r));
			return 1;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "cni-driver: %s %s failed: %s\n", type, cmd, out);
			return 1;
		}
		printf("P %s %lld %ld\n", type, us, rss);
		total += us;
		if (strcmp(cmd, "ADD") == 0) {
			json_t *res = json_loads(out, 0, NULL);

			if (!res) {
				fprintf(stderr, "cni-driver: %s: unparsable result\n", type);
				return 1;
			}
			json_decref(prev);
			prev = res;
		}
		free(out);
		free(in);
		free(path);
		json_decref(p);
	}
	printf("T %lld\n", total);
	if (result_out && prev && strcmp(cmd, "ADD") == 0 &&
	    json_dump_file(prev, result_out, JSON_COMPACT) < 0)
		return 1;
	json_decref(prev);
	json_decref(list);
	return 0;
}
