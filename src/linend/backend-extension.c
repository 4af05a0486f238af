// SPDX-License-Identifier: Apache-2.0
/*
 * backend-extension.c - flannel's "extension" backend: shell commands instead of a dataplane.
 *
 * Owns: the four commands' processes. PreStartupCommand runs before our lease is claimed
 * (its output becomes our BackendData, a JSON string, as in flannel), PostStartupCommand
 * once our lease is held, then SubnetAddCommand / SubnetRemoveCommand for every remote
 * extension lease with its BackendData on stdin. Every command is `sh -c` in its own
 * process group, watched by the loop (a pidfd and its output pipe), killed with its group
 * at CommandTimeout. Unlike flanneld, which runs a command once and only logs a failure,
 * a failed subnet command is retried with backoff (EXT_MAX_ATTEMPTS in all); the commands
 * of one lease run one at a time in event order, so a remove never overtakes its add.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/log.h"
#include "linend/backend-extension.h"
#include "linend/backend.h"
#include "linend/loop.h"

/* how many subnet commands run at once over all leases */
#define EXT_PARALLEL 4

enum ext_result { EXT_OK, EXT_FAIL, EXT_TIMEOUT, EXT_RESULT_N };
static const char *const cmd_names[] = { "pre-startup", "post-startup", "subnet-add",
					 "subnet-remove" };
static const char *const result_names[] = { "ok", "fail", "timeout" };

int ext_env_build(const struct lease *l, const struct ip_prefix *network,
		  char env[EXT_ENV_MAX][EXT_ENV_LEN], size_t *ret_n)
{
	char a[IP_PREFIX_STRLEN];
	size_t n = 0;

	if (network)
		snprintf(env[n++], EXT_ENV_LEN, "NETWORK=%s", ip_prefix_to_string(network, a));
	snprintf(env[n++], EXT_ENV_LEN, "SUBNET=%s", ip_prefix_to_string(&l->subnet, a));
	snprintf(env[n++], EXT_ENV_LEN, "PUBLIC_IP=%s",
		 ip_addr_to_string(&l->attrs.public_ip, a));
	if (l->subnet6.addr.family == AF_INET6)
		snprintf(env[n++], EXT_ENV_LEN, "IPV6SUBNET=%s",
			 ip_prefix_to_string(&l->subnet6, a));
	if (l->attrs.public_ipv6.family == AF_INET6)
		snprintf(env[n++], EXT_ENV_LEN, "PUBLIC_IPV6=%s",
			 ip_addr_to_string(&l->attrs.public_ipv6, a));
	*ret_n = n;
	return 0;
}

size_t ext_stdin_build(const struct backend_data *d, char buf[static LEASE_DATA_MAX + 1])
{
	size_t n = d->kind == BACKEND_DATA_STRING ? d->len : 0;

	memcpy(buf, d->str, n);
	buf[n] = '\n';
	return n + 1;
}

void ext_out_append(struct ext_out *o, const char *p, size_t n)
{
	size_t room = EXT_OUT_KEEP - o->len, k = n < room ? n : room;

	memcpy(o->buf + o->len, p, k);
	o->len += k;
	o->dropped += n - k;
}

static bool go_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

const char *ext_out_trimmed(const struct ext_out *o, size_t *ret_len)
{
	size_t b = 0, e = o->len;

	while (b < e && go_space(o->buf[b]))
		b++;
	while (e > b && go_space(o->buf[e - 1]))
		e--;
	*ret_len = e - b;
	return o->buf + b;
}

uint64_t ext_backoff_usec(unsigned attempt)
{
	uint64_t s = attempt >= 7 ? 60 : 1ULL << (attempt ? attempt - 1 : 0);

	return (s > 60 ? 60 : s) * 1000000ULL;
}

struct ext;
struct ext_slot;

struct ext_op {
	struct ext_op *next;
	bool add;
	unsigned attempts;
	struct lease lease;
};

struct ext_run {
	struct ext *x;
	int cmd;                /* EXT_PRE_STARTUP … */
	struct ext_slot *slot;  /* subnet commands: the lease's queue */
	pid_t pid;
	int pidfd, out;
	struct loop_io *io_pid, *io_out;
	struct loop_timer *timer;
	bool timed_out;
	struct ext_out o;
};

/* The commands of one remote lease, in event order; the head runs or waits to retry. */
struct ext_slot {
	struct ext_slot *next;
	struct ext *x;
	char key[LEASE_KEY_MAX];
	struct ext_op *head, *tail;
	struct ext_run *run;
	struct loop_timer *retry;
};

struct ext {
	struct backend_config cfg;
	struct ip_prefix network;
	struct backend_env env;
	struct backend_network net;
	bool post_done;  /* subnet commands wait for it, as flannel watches only after it */
	bool post_started;
	struct ext_run *startup;
	struct ext_slot *slots;
	unsigned running;
	uint64_t runs[4][EXT_RESULT_N];
	uint64_t dropped_bytes;
};

static void pump(struct ext *x);

static struct ext_run *run_free(struct ext_run *r)
{
	if (!r)
		return NULL;
	loop_io_free(r->io_pid);
	loop_io_free(r->io_out);
	loop_timer_free(r->timer);
	if (r->pidfd >= 0)
		close(r->pidfd);
	if (r->out >= 0)
		close(r->out);
	free(r);
	return NULL;
}

static void drain(struct ext_run *r)
{
	char b[16384];
	ssize_t n;

	/* a command printing megabytes costs reads, never memory: only EXT_OUT_KEEP is kept */
	while (r->out >= 0 && (n = read(r->out, b, sizeof(b))) > 0)
		ext_out_append(&r->o, b, (size_t)n);
	if (r->out >= 0 && n == 0) {
		loop_io_free(r->io_out);
		r->io_out = NULL;
		close(r->out);
		r->out = -1;
	}
}

static void run_done(struct ext_run *r, int status);

static void on_out(struct loop_io *io, int fd, uint32_t revents, void *userdata)
{
	drain(userdata);
}

static void on_exit_(struct loop_io *io, int fd, uint32_t revents, void *userdata)
{
	struct ext_run *r = userdata;
	int status = 0;
	pid_t p = waitpid(r->pid, &status, WNOHANG);

	if (p == 0)
		return;
	/* what is in the pipe now is the output; a background child keeping it open is ignored */
	drain(r);
	run_done(r, p < 0 ? -1 : status);
}

static void on_timeout(struct loop_timer *t, void *userdata)
{
	struct ext_run *r = userdata;

	r->timed_out = true;
	kill(-r->pid, SIGKILL); /* the whole group: sh and whatever it started */
}

static void child(const char *cmd, int in, int out, char env[EXT_ENV_MAX][EXT_ENV_LEN],
		  size_t n)
{
	sigset_t s;

	/* the loop blocks the signals it reads from its signalfd: a command gets them back */
	sigemptyset(&s);
	sigprocmask(SIG_SETMASK, &s, NULL);
	signal(SIGPIPE, SIG_DFL);
	setpgid(0, 0);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	close_range(3, ~0U, 0);
	for (size_t i = 0; i < n; i++)
		putenv(env[i]);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

static int run_start(struct ext *x, int cmd, const struct lease *l, bool with_network,
		     struct ext_slot *slot, struct ext_run **ret)
{
	char env[EXT_ENV_MAX][EXT_ENV_LEN], in[LEASE_DATA_MAX + 1];
	int ip[2] = { -1, -1 }, op[2] = { -1, -1 };
	struct ext_run *r;
	size_t n = 0, inlen = 1;
	int e;

	if (l)
		ext_env_build(l, with_network ? &x->network : NULL, env, &n);
	if (l && slot)
		inlen = ext_stdin_build(&l->attrs.data, in);
	else
		in[0] = '\n';
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	*r = (struct ext_run){ .x = x, .cmd = cmd, .slot = slot, .pidfd = -1, .out = -1 };
	if (pipe2(ip, O_CLOEXEC) < 0 || pipe2(op, O_CLOEXEC) < 0)
		goto fail;
	/* at most LEASE_DATA_MAX + 1 bytes: always fits the pipe, so no write ever waits */
	if (write(ip[1], in, inlen) != (ssize_t)inlen)
		goto fail;
	close(ip[1]);
	ip[1] = -1;
	r->pid = fork();
	if (r->pid < 0)
		goto fail;
	if (r->pid == 0)
		child(x->cfg.ext_cmd[cmd], ip[0], op[1], env, n);
	setpgid(r->pid, r->pid); /* also here: the kill at the time limit must find the group */
	close(ip[0]);
	close(op[1]);
	ip[0] = op[1] = -1;
	r->out = op[0];
	fcntl(r->out, F_SETFL, O_NONBLOCK);
	r->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
	if (r->pidfd < 0) {
		e = -errno;
		kill(-r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		errno = -e;
		goto fail;
	}
	if (loop_io_add(x->env.loop, r->out, EPOLLIN, on_out, r, &r->io_out) < 0 ||
	    loop_io_add(x->env.loop, r->pidfd, EPOLLIN, on_exit_, r, &r->io_pid) < 0 ||
	    loop_timer_new(x->env.loop, on_timeout, r, &r->timer) < 0 ||
	    loop_timer_arm(r->timer, x->cfg.ext_timeout * 1000000ULL) < 0) {
		kill(-r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		run_free(r);
		return -ENOMEM;
	}
	x->running++;
	*ret = r;
	return 0;
fail:
	e = -errno;
	for (int i = 0; i < 2; i++) {
		if (ip[i] >= 0)
			close(ip[i]);
		if (op[i] >= 0)
			close(op[i]);
	}
	run_free(r);
	return e;
}

static void log_result(const struct ext_run *r, const char *what, enum ext_result res,
		       int status)
{
	size_t n;
	const char *o = ext_out_trimmed(&r->o, &n);
	char dropped[64] = "";

	if (r->o.dropped)
		snprintf(dropped, sizeof(dropped), " [output truncated: %llu bytes dropped]",
			 (unsigned long long)r->o.dropped);
	if (res == EXT_OK)
		log_info("extension %s%s: ok; output: %.*s%s", cmd_names[r->cmd], what, (int)n, o,
			 dropped);
	else if (res == EXT_TIMEOUT)
		log_warning("extension %s%s: killed after %u s; output: %.*s%s",
			    cmd_names[r->cmd], what, r->x->cfg.ext_timeout, (int)n, o, dropped);
	else
		log_warning("extension %s%s: failed (%s %d); output: %.*s%s", cmd_names[r->cmd],
			    what, WIFSIGNALED(status) ? "signal" : "exit",
			    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), (int)n,
			    o, dropped);
}

static void slot_free_if_idle(struct ext *x, struct ext_slot *s)
{
	if (s->head || s->run)
		return;
	for (struct ext_slot **p = &x->slots; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	loop_timer_free(s->retry);
	free(s);
}

static struct ext_op *slot_pop(struct ext_slot *s)
{
	struct ext_op *op = s->head;

	s->head = op->next;
	if (!s->head)
		s->tail = NULL;
	free(op);
	return NULL;
}

static void startup_done(struct ext *x, struct ext_run *r, enum ext_result res)
{
	size_t n;
	const char *o;

	x->startup = NULL;
	if (res != EXT_OK) {
		/* flanneld exits when a startup command fails; so do we */
		x->env.failed(x->env.net_changed_userdata, -ECHILD);
		return;
	}
	if (r->cmd == EXT_POST_STARTUP) {
		x->post_done = true;
		pump(x);
		return;
	}
	o = ext_out_trimmed(&r->o, &n);
	if (n > LEASE_DATA_MAX || r->o.dropped) {
		log_error("extension: PreStartupCommand printed more than %d bytes, too much "
			  "for BackendData", LEASE_DATA_MAX);
		x->env.failed(x->env.net_changed_userdata, -E2BIG);
		return;
	}
	if (r->o.len) {
		x->net.data = (struct backend_data){ .kind = BACKEND_DATA_STRING,
						     .len = (uint16_t)n };
		memcpy(x->net.data.str, o, n);
	}
	x->env.net_changed(x->env.net_changed_userdata, &x->net);
}

static void run_done(struct ext_run *r, int status)
{
	struct ext *x = r->x;
	struct ext_slot *s = r->slot;
	enum ext_result res = r->timed_out                        ? EXT_TIMEOUT :
			      WIFEXITED(status) && !WEXITSTATUS(status) ? EXT_OK :
									 EXT_FAIL;
	char what[LEASE_KEY_MAX + 32] = "";

	x->running--;
	x->runs[r->cmd][res]++;
	x->dropped_bytes += r->o.dropped;
	if (s)
		snprintf(what, sizeof(what), " %s (attempt %u)", s->key, s->head->attempts + 1);
	log_result(r, what, res, status);
	if (!s) {
		startup_done(x, r, res);
		run_free(r);
		return;
	}
	s->run = NULL;
	run_free(r);
	if (res == EXT_OK || ++s->head->attempts >= EXT_MAX_ATTEMPTS) {
		if (res != EXT_OK)
			log_error("extension %s %s: giving up after %u attempts",
				  cmd_names[s->head->add ? EXT_SUBNET_ADD : EXT_SUBNET_REMOVE],
				  s->key, EXT_MAX_ATTEMPTS);
		slot_pop(s);
	} else {
		loop_timer_arm(s->retry, ext_backoff_usec(s->head->attempts));
	}
	slot_free_if_idle(x, s);
	pump(x);
}

static void slot_retry(struct loop_timer *t, void *userdata)
{
	pump(((struct ext_slot *)userdata)->x);
}

/* Start the head command of every idle lease queue, EXT_PARALLEL at most. */
static void pump(struct ext *x)
{
	if (!x->post_done)
		return;
	for (struct ext_slot *s = x->slots, *next; s && x->running < EXT_PARALLEL; s = next) {
		int cmd, r;

		next = s->next;
		if (s->run || !s->head || loop_timer_armed(s->retry))
			continue;
		cmd = s->head->add ? EXT_SUBNET_ADD : EXT_SUBNET_REMOVE;
		if (!x->cfg.ext_cmd[cmd][0]) {
			slot_pop(s);
			slot_free_if_idle(x, s);
			continue;
		}
		r = run_start(x, cmd, &s->head->lease, false, s, &s->run);
		if (r < 0) {
			log_warning_errno(r, "extension %s %s: cannot start", cmd_names[cmd],
					  s->key);
			s->head->attempts++;
			loop_timer_arm(s->retry, ext_backoff_usec(s->head->attempts));
		}
	}
}

static int ext_register(const struct net_config *cfg, const struct backend_ext_iface *ext,
			const struct backend_env *env, void **ret_state,
			struct backend_network *ret)
{
	struct ext *x;
	int r;

	if (!env->loop || !env->failed)
		return -EINVAL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->cfg = cfg->backend;
	x->network = cfg->network;
	x->env = *env;
	x->net = (struct backend_network){ .mtu = ext->mtu, .type = "extension" };
	*ret = x->net;
	*ret_state = x;
	if (!x->cfg.ext_cmd[EXT_PRE_STARTUP][0]) {
		log_info("extension: no PreStartupCommand configured");
		return 0;
	}
	r = run_start(x, EXT_PRE_STARTUP, NULL, false, NULL, &x->startup);
	if (r < 0) {
		free(x);
		*ret_state = NULL;
		return r;
	}
	/* the daemon claims our lease once net_changed hands it the output */
	return -EINPROGRESS;
}

static int ext_acquired(void *state, const struct lease *own)
{
	struct ext *x = state;

	if (x->post_started)
		return 0;
	x->post_started = true;
	if (!x->cfg.ext_cmd[EXT_POST_STARTUP][0]) {
		x->post_done = true;
		pump(x);
		return 0;
	}
	return run_start(x, EXT_POST_STARTUP, own, true, NULL, &x->startup);
}

static struct ext_slot *slot_get(struct ext *x, const struct lease *l)
{
	char k[LEASE_KEY_MAX];
	struct ext_slot *s;

	lease_key_format(&l->subnet, &l->subnet6, k);
	for (s = x->slots; s; s = s->next)
		if (streq(s->key, k))
			return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->x = x;
	strcpy(s->key, k);
	if (loop_timer_new(x->env.loop, slot_retry, s, &s->retry) < 0) {
		free(s);
		return NULL;
	}
	s->next = x->slots;
	x->slots = s;
	return s;
}

static int ext_event(struct ext *x, const struct lease *l, bool add)
{
	struct ext_slot *s;
	struct ext_op *op;

	if (!streq(l->attrs.backend_type, "extension")) {
		log_warning("extension: ignoring a lease of type \"%s\"", l->attrs.backend_type);
		return 0;
	}
	s = slot_get(x, l);
	op = calloc(1, sizeof(*op));
	if (!s || !op) {
		free(op);
		return -ENOMEM;
	}
	/*
	 * A remove behind an add that is waiting to retry: the add has run (and failed) at least
	 * once, so the remove goes next and the add's retries stop; order is kept.
	 */
	if (!add && s->head && s->head->add && !s->run && loop_timer_armed(s->retry) &&
	    !s->head->next) {
		loop_timer_disarm(s->retry);
		slot_pop(s);
	}
	*op = (struct ext_op){ .add = add, .lease = *l };
	if (s->tail)
		s->tail->next = op;
	else
		s->head = op;
	s->tail = op;
	pump(x);
	return 0;
}

static int ext_added(void *state, const struct lease *l)
{
	return ext_event(state, l, true);
}

static int ext_removed(void *state, const struct lease *l)
{
	return ext_event(state, l, false);
}

static int ext_metrics(void *state, FILE *f)
{
	struct ext *x = state;

	fprintf(f, "# HELP linend_extension_command_runs_total Extension backend command runs.\n"
		   "# TYPE linend_extension_command_runs_total counter\n");
	for (size_t c = 0; c < ELEMENTSOF(cmd_names); c++)
		for (size_t r = 0; r < EXT_RESULT_N; r++)
			fprintf(f,
				"linend_extension_command_runs_total{command=\"%s\",result=\"%s\"}"
				" %llu\n",
				cmd_names[c], result_names[r], (unsigned long long)x->runs[c][r]);
	fprintf(f, "# HELP linend_extension_output_dropped_bytes_total Command output beyond "
		   "the kept %d bytes.\n"
		   "# TYPE linend_extension_output_dropped_bytes_total counter\n"
		   "linend_extension_output_dropped_bytes_total %llu\n"
		   "# TYPE linend_extension_commands_running gauge\n"
		   "linend_extension_commands_running %u\n",
		   EXT_OUT_KEEP, (unsigned long long)x->dropped_bytes, x->running);
	return 0;
}

static void run_kill(struct ext_run *r)
{
	if (!r)
		return;
	/* shutdown: do not leave a command running, nor a zombie */
	kill(-r->pid, SIGKILL);
	waitpid(r->pid, NULL, 0);
	run_free(r);
}

static void ext_free(void *state)
{
	struct ext *x = state;

	if (!x)
		return;
	run_kill(x->startup);
	while (x->slots) {
		struct ext_slot *s = x->slots;

		x->slots = s->next;
		run_kill(s->run);
		while (s->head)
			slot_pop(s);
		loop_timer_free(s->retry);
		free(s);
	}
	free(x);
}

const struct backend_ops backend_extension_ops = {
	.name = "extension",
	.register_network = ext_register,
	.lease_acquired = ext_acquired,
	.lease_added = ext_added,
	.lease_removed = ext_removed,
	.metrics = ext_metrics,
	.free = ext_free,
};
