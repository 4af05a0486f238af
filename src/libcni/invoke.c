// SPDX-License-Identifier: Apache-2.0
/*
 * invoke.c - run a plugin binary: fork/exec with a memfd as stdin, pipes for
 * stdout/stderr, poll() with a deadline and a pidfd for the exit.
 *
 * The plugin runs in its own process group so a time limit kills the whole
 * tree (a shell-script plugin's children would otherwise keep the pipes open).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "basic/fileio.h"
#include "basic/json-util.h"
#include "basic/macro.h"
#include "libcni/invoke.h"

#define EXEC_RETRIES 5
#define EXEC_RETRY_DELAY_MS 1000
/* How long output may keep flowing after the plugin exited (from something it started). */
#define CNI_EXEC_EXIT_GRACE_MS 1000

int cni_find_plugin(const char *type, const char *cni_path, char **ret_path)
{
	const char *p;

	if (!type || !*type || strchr(type, '/') || strchr(type, '\\'))
		return -EINVAL;
	if (!cni_path)
		return -ENOENT;
	p = cni_path;
	for (;;) {
		size_t n = strcspn(p, ":");

		if (n > 0) {
			_cleanup_free_ char *full = NULL;
			struct stat st;

			if (asprintf(&full, "%.*s/%s", (int)n, p, type) < 0)
				return -ENOMEM;
			if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
				*ret_path = TAKE_PTR(full);
				return 0;
			}
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	return -ENOENT;
}

int cni_find_plugin_err(const char *type, const char *cni_path, char **ret_path,
			struct cni_error *err)
{
	int r = cni_find_plugin(type, cni_path, ret_path);

	switch (r) {
	case 0:
		return 0;
	case -EINVAL:
		if (!type || !*type)
			cni_error_set(err, CNI_ERR_INVALID_CONFIG, "no plugin name provided");
		else
			cni_error_set(err, CNI_ERR_INVALID_CONFIG, "invalid plugin name: %s", type);
		return -EINVAL;
	case -ENOENT:
		if (!cni_path || !*cni_path)
			cni_error_set(err, CNI_ERR_INTERNAL,
				      "failed to find plugin \"%s\": no paths provided (CNI_PATH)",
				      type);
		else
			cni_error_set(err, CNI_ERR_INTERNAL,
				      "failed to find plugin \"%s\" in path [%s]", type, cni_path);
		return -ENOENT;
	default:
		cni_error_set(err, CNI_ERR_INTERNAL, "failed to find plugin \"%s\": %s", type,
			      strerror(-r));
		return r;
	}
}

static size_t env_key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq ? (size_t)(eq - kv) : strlen(kv);
}

static bool env_overridden(const char *kv, const char *const overrides[])
{
	size_t kl = env_key_len(kv);

	for (size_t i = 0; overrides && overrides[i]; i++)
		if (env_key_len(overrides[i]) == kl && strncmp(overrides[i], kv, kl) == 0)
			return true;
	return false;
}

char **cni_env_build(char *const base[], const char *const overrides[])
{
	_cleanup_strv_free_ char **v = NULL;
	size_t n = 0, k = 0;

	for (size_t i = 0; base && base[i]; i++)
		n++;
	for (size_t i = 0; overrides && overrides[i]; i++)
		n++;
	v = calloc(n + 1, sizeof(char *));
	if (!v)
		return NULL;
	for (size_t i = 0; base && base[i]; i++) {
		if (env_overridden(base[i], overrides))
			continue;
		/* a later duplicate of an override key must not sneak in either */
		v[k] = strdup(base[i]);
		if (!v[k])
			return NULL;
		k++;
	}
	for (size_t i = 0; overrides && overrides[i]; i++) {
		bool dup = false;

		/* the last override of a key wins */
		for (size_t j = i + 1; overrides[j]; j++)
			if (env_key_len(overrides[j]) == env_key_len(overrides[i]) &&
			    strncmp(overrides[j], overrides[i], env_key_len(overrides[i])) == 0)
				dup = true;
		if (dup)
			continue;
		v[k] = strdup(overrides[i]);
		if (!v[k])
			return NULL;
		k++;
	}
	return TAKE_PTR(v);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

struct outbuf {
	char *data;
	size_t len, cap;
	bool eof, truncated;
};

static int outbuf_read(struct outbuf *b, int fd)
{
	char tmp[8192];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (n == 0) {
		b->eof = true;
		return 0;
	}
	if (b->len + (size_t)n > CNI_EXEC_OUTPUT_MAX) {
		/* keep draining so the plugin never blocks on a full pipe */
		b->truncated = true;
		return 0;
	}
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t ncap = MAX(b->cap * 2, b->len + (size_t)n + 1);
		char *nd = realloc(b->data, MAX(ncap, (size_t)4096));

		if (!nd)
			return -ENOMEM;
		b->data = nd;
		b->cap = MAX(ncap, (size_t)4096);
	}
	memcpy(b->data + b->len, tmp, (size_t)n);
	b->len += (size_t)n;
	b->data[b->len] = 0;
	return 0;
}

static int make_stdin_fd(const char *data, size_t len)
{
	_cleanup_close_ int fd = memfd_create("cni-stdin", MFD_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = loop_write(fd, data, len);
	if (r < 0)
		return r;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	return TAKE_FD(fd);
}

/* Child side; only async-signal-safe calls between fork and exec. */
_Noreturn static void child_exec(const char *path, char *const envp[], int in_fd, int out_fd,
				 int err_fd, int report_fd, pid_t delegate_of)
{
	char *const argv[] = { (char *)path, NULL };
	struct sigaction sa = { .sa_handler = SIG_DFL };
	int fds[3] = { in_fd, out_fd, err_fd };
	sigset_t all;
	int e;

	if (delegate_of) {
		/*
		 * A delegate (IPAM run by a plugin) shares its caller's process group, so a
		 * runtime's kill of that group takes both, and dies with its caller, so a runtime
		 * that kills only the plugin's PID cannot leave it allocating after a DEL.
		 */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != delegate_of)
			_exit(127);
	} else {
		setpgid(0, 0);
	}
	/* an embedder with 0/1/2 closed hands us fds in that range: move every fd out of
	 * the way first so the dup2()s below cannot clobber one another */
	if (report_fd < 3)
		report_fd = fcntl(report_fd, F_DUPFD_CLOEXEC, 3);
	for (int i = 0; i < 3; i++)
		if (fds[i] < 3 && (fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3)) < 0)
			goto fail;
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			goto fail;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
#ifdef SYS_close_range
	/* don't leak the embedder's descriptors into plugins */
	syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
#endif
	execve(path, argv, envp);
fail:
	e = errno;
	if (report_fd >= 0 && write(report_fd, &e, sizeof(e)) < 0) {
		/* nothing more we can do */
	}
	_exit(127);
}

struct run {
	struct outbuf out, err;
	int status;
	bool timed_out;
};

static void kill_and_reap(pid_t pid, int *status)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

/* One fork/exec. Returns 0 when the plugin ran (status in run), -errno when exec failed. */
static int run_once(const char *path, char *const envp[], int in_fd, unsigned timeout_ms,
		    bool delegate, struct run *run)
{
	_cleanup_close_ int out_r = -1, out_w = -1, err_r = -1, err_w = -1, rep_r = -1,
			    rep_w = -1, pidfd = -1;
	int p[2], exec_errno = 0, status = 0;
	int64_t deadline = timeout_ms ? now_ms() + timeout_ms : 0, exit_ms = 0;
	bool exited = false;
	ssize_t n;
	pid_t pid, self;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	out_r = p[0], out_w = p[1];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	err_r = p[0], err_w = p[1];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	rep_r = p[0], rep_w = p[1];
	if (lseek(in_fd, 0, SEEK_SET) < 0)
		return -errno;

	self = getpid();
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		child_exec(path, envp, in_fd, out_w, err_w, rep_w, delegate ? self : 0);
	/* also from the parent, so the group exists before any kill(-pid) */
	if (!delegate)
		setpgid(pid, pid);
	/* our copies of the write ends must go, or we never see EOF */
	closep(&out_w);
	closep(&err_w);
	closep(&rep_w);
	out_w = err_w = rep_w = -1;

	/* the report pipe is CLOEXEC: EOF means exec succeeded */
	do
		n = read(rep_r, &exec_errno, sizeof(exec_errno));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(exec_errno)) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		return exec_errno > 0 ? -exec_errno : -EIO;
	}

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	fcntl(out_r, F_SETFL, O_NONBLOCK);
	fcntl(err_r, F_SETFL, O_NONBLOCK);

	while (!exited || !run->out.eof || !run->err.eof) {
		struct pollfd pfd[3];
		int64_t now = now_ms();
		int nfd = 0, wait = -1, r;

		if (exited) {
			/* something the plugin started still holds its stdout/stderr: the
			 * plugin itself is done, so take what it wrote and stop waiting */
			int64_t left = exit_ms + CNI_EXEC_EXIT_GRACE_MS - now;

			if (deadline)
				left = MIN(left, deadline - now);
			if (left <= 0)
				break;
			wait = (int)left;
		} else if (deadline) {
			int64_t left = deadline - now;

			if (left <= 0) {
				run->timed_out = true;
				break;
			}
			wait = (int)MIN(left, (int64_t)INT32_MAX);
		}
		/* without a pidfd, look for the exit now and then */
		if (pidfd < 0 && !exited && (wait < 0 || wait > 20))
			wait = 20;
		if (!run->out.eof)
			pfd[nfd++] = (struct pollfd){ .fd = out_r, .events = POLLIN };
		if (!run->err.eof)
			pfd[nfd++] = (struct pollfd){ .fd = err_r, .events = POLLIN };
		if (pidfd >= 0 && !exited)
			pfd[nfd++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		r = poll(pfd, (nfds_t)nfd, wait);
		if (r < 0 && errno != EINTR) {
			r = -errno;
			kill_and_reap(pid, &status);
			return r;
		}
		for (int i = 0; r > 0 && i < nfd; i++) {
			int q = 0;

			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == out_r)
				q = outbuf_read(&run->out, out_r);
			else if (pfd[i].fd == err_r)
				q = outbuf_read(&run->err, err_r);
			if (q < 0) {
				kill_and_reap(pid, &status);
				return q;
			}
		}
		if (!exited) {
			pid_t w = waitpid(pid, &status, WNOHANG);

			if (w == pid) {
				exited = true;
				exit_ms = now_ms();
			} else if (w < 0 && errno != EINTR)
				return -errno;
		}
	}
	if (run->timed_out)
		kill_and_reap(pid, &status);
	run->status = status;
	return 0;
}

static void forward_stderr(const struct outbuf *b)
{
	if (b->len > 0 && loop_write(STDERR_FILENO, b->data, b->len) < 0) {
		/* informational only */
	}
}

/* Trim trailing whitespace for messages built from plugin text. */
static size_t trimmed_len(const char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' ||
			   s[len - 1] == '\t'))
		len--;
	return len;
}

static void plugin_failure(const struct run *run, const char *how, struct cni_error *err)
{
	if (run->out.len > 0) {
		_cleanup_json_ json_t *j = json_loadb(run->out.data, run->out.len, 0, NULL);

		if (j && cni_error_from_json(j, err) == 0) {
			if (!err->msg[0])
				cni_error_set(err, err->code, "netplugin failed (%s) with an empty "
					      "error message", how);
			forward_stderr(&run->err);
			return;
		}
		cni_error_set(err, CNI_ERR_INTERNAL,
			      "netplugin failed (%s) but its diagnostic message is not an "
			      "error object: \"%.*s\"", how,
			      (int)MIN(trimmed_len(run->out.data, run->out.len), (size_t)512),
			      run->out.data);
		forward_stderr(&run->err);
		return;
	}
	if (run->err.len > 0 && trimmed_len(run->err.data, run->err.len) > 0) {
		cni_error_set(err, CNI_ERR_INTERNAL, "netplugin failed (%s): \"%.*s\"", how,
			      (int)MIN(trimmed_len(run->err.data, run->err.len), (size_t)900),
			      run->err.data);
		return;
	}
	cni_error_set(err, CNI_ERR_INTERNAL, "netplugin failed (%s) with no error message", how);
}

static int exec_plugin(const char *path, char *const envp[], const char *stdin_data,
		       size_t stdin_len, unsigned timeout_ms, bool delegate, char **ret_stdout,
		       size_t *ret_len, struct cni_error *err)
{
	_cleanup_close_ int in_fd = -1;
	struct run run = {};
	char how[64];
	int r;

	in_fd = make_stdin_fd(stdin_data ? stdin_data : "", stdin_data ? stdin_len : 0);
	if (in_fd < 0) {
		r = in_fd;
		cni_error_set(err, CNI_ERR_INTERNAL, "cannot prepare plugin stdin: %s",
			      strerror(-r));
		return r;
	}

	for (int attempt = 0;; attempt++) {
		r = run_once(path, envp, in_fd, timeout_ms, delegate, &run);
		if (r == -ETXTBSY && attempt < EXEC_RETRIES) {
			/* the binary is being written right now: wait and try again */
			sleep_ms(EXEC_RETRY_DELAY_MS);
			continue;
		}
		break;
	}
	if (r < 0) {
		free(run.out.data);
		free(run.err.data);
		cni_error_set(err, CNI_ERR_INTERNAL, "failed to run plugin %s: %s", path,
			      strerror(-r));
		return r;
	}

	if (run.timed_out) {
		forward_stderr(&run.err);
		cni_error_set(err, CNI_ERR_INTERNAL, "netplugin %s timed out after %u ms", path,
			      timeout_ms);
		r = -ETIME;
	} else if (run.out.truncated) {
		forward_stderr(&run.err);
		cni_error_set(err, CNI_ERR_INTERNAL, "netplugin %s printed more than %u bytes",
			      path, CNI_EXEC_OUTPUT_MAX);
		r = -EFBIG;
	} else if (WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0) {
		forward_stderr(&run.err);
		if (!run.out.data) {
			run.out.data = strdup("");
			if (!run.out.data) {
				free(run.err.data);
				return -ENOMEM;
			}
		}
		*ret_stdout = TAKE_PTR(run.out.data);
		if (ret_len)
			*ret_len = run.out.len;
		free(run.err.data);
		return 0;
	} else {
		if (WIFSIGNALED(run.status))
			snprintf(how, sizeof(how), "killed by signal %d", WTERMSIG(run.status));
		else
			snprintf(how, sizeof(how), "exit status %d", WEXITSTATUS(run.status));
		plugin_failure(&run, how, err);
		r = -EPROTO;
	}
	free(run.out.data);
	free(run.err.data);
	return r;
}

int cni_exec_plugin(const char *path, char *const envp[], const char *stdin_data,
		    size_t stdin_len, unsigned timeout_ms, char **ret_stdout, size_t *ret_len,
		    struct cni_error *err)
{
	return exec_plugin(path, envp, stdin_data, stdin_len, timeout_ms, false, ret_stdout,
			   ret_len, err);
}

int cni_exec_delegate(const char *path, char *const envp[], const char *stdin_data,
		      size_t stdin_len, char **ret_stdout, size_t *ret_len, struct cni_error *err)
{
	return exec_plugin(path, envp, stdin_data, stdin_len, 0, true, ret_stdout, ret_len, err);
}
