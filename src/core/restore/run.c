/* Running a plan: create the task, drive it with remote system calls
 * through the steps, set its final registers and let it go.  Every failure
 * (and a stop request) kills and reaps what was created. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ckpt/format.h"
#include "restore/restore_impl.h"

void rs_log(const struct rs_ctx *x, int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!x->opt || !x->opt->log || x->opt->verbose < level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	x->opt->log(x->opt->log_arg, level, line);
}

int rs_fail(struct rs_ctx *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(x->err, x->errsize, "task %d (%s): ", (int)x->task->pid, x->task->comm);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < x->errsize)
		vsnprintf(x->err + n, x->errsize - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

int rs_call(struct rs_ctx *x, const char *what, long nr, long a0, long a1, long a2, long a3, long a4, long a5,
	    long *ret)
{
	const long args[6] = { a0, a1, a2, a3, a4, a5 };
	char why[256];
	long r;

	if (x->opt && x->opt->stop && *x->opt->stop)
		return rs_fail(x, "%s: interrupted", what);
	if (ckpt_remote_syscall(&x->r, nr, args, &r, why, sizeof(why)) < 0)
		return rs_fail(x, "%s: %s", what, why);
	if (ret)
		*ret = r;
	if (r < 0 && r > -4096)
		return rs_fail(x, "%s: %s", what, strerror((int)-r));
	return 0;
}

int rs_scratch(struct rs_ctx *x, const void *buf, size_t len, uint64_t *addr)
{
	char why[256];

	if (len > RS_SCRATCH_SIZE)
		return rs_fail(x, "%zu bytes do not fit the scratch area", len);
	*addr = x->code + RS_CODE_SIZE;
	if (ckpt_remote_write(&x->r, *addr, buf, len, why, sizeof(why)) < 0)
		return rs_fail(x, "%s", why);
	return 0;
}

long rs_open(struct rs_ctx *x, const char *path, int flags)
{
	uint64_t at;
	long fd = 0;

	if (rs_scratch(x, path, strlen(path) + 1, &at) < 0)
		return -1;
	if (rs_call(x, "openat", SYS_openat, AT_FDCWD, (long)at, flags | O_CLOEXEC, 0, 0, 0, &fd) < 0) {
		char shown[256];

		if (!(fd < 0 && fd > -4096))
			return -1;
		ckpt_escape((const uint8_t *)path, strlen(path), shown, sizeof(shown));
		return rs_fail(x, "cannot open %s: %s", shown, strerror((int)-fd));
	}
	return fd;
}

/* The task's own last steps before its registers: clear the death signal
 * it took from the restorer (it must outlive us), then unmap our code:
 * the task runs nothing more until the exit stop of that very call. */
static int finish(struct rs_ctx *x)
{
	if (rs_call(x, "prctl(PR_SET_PDEATHSIG)", SYS_prctl, 1 /* PR_SET_PDEATHSIG */, 0, 0, 0, 0, 0, NULL) < 0)
		return -1;
	if (ckpt_remote_caught(&x->r))
		return rs_fail(x, "a signal came during the restore");
	return rs_call(x, "munmap(restorer code)", SYS_munmap, (long)x->code, RS_CODE_SIZE + RS_SCRATCH_SIZE, 0,
		       0, 0, 0, NULL);
}

/* The restorer's rseq registration, inherited by the copy, points into
 * memory about to go: the kernel would fault the task on its next
 * preemption.  (The image does not hold the task's own registration.) */
static int drop_rseq(struct rs_ctx *x)
{
	struct __ptrace_rseq_configuration conf;
	long n = ptrace(PTRACE_GET_RSEQ_CONFIGURATION, x->pid, (void *)sizeof(conf), &conf);

	if (n <= 0 || !conf.rseq_abi_pointer)
		return 0;
	return rs_call(x, "rseq(unregister)", SYS_rseq, (long)conf.rseq_abi_pointer, (long)conf.rseq_abi_size,
		       1 /* RSEQ_FLAG_UNREGISTER */, (long)conf.signature, 0, 0, NULL);
}

/* Per-thread pointers glibc gave the kernel: the robust futex list and
 * the tid word cleared at exit. */
int rs_thread_pointers(struct rs_ctx *x)
{
	const struct rs_task *t = x->task;

	if (t->robust_len && rs_call(x, "set_robust_list", SYS_set_robust_list, (long)t->robust_list,
				     t->robust_len, 0, 0, 0, 0, NULL) < 0)
		return -1;
	return rs_call(x, "set_tid_address", SYS_set_tid_address, (long)t->clear_child_tid, 0, 0, 0, 0, 0, NULL);
}

/* The task's name (comm), which the copy took from the restorer. */
int rs_name(struct rs_ctx *x)
{
	uint8_t comm[16] = { 0 };
	uint64_t at;

	if (ckpt_unescape(x->task->comm, comm, sizeof(comm) - 1) < 0)
		return 0;
	if (rs_scratch(x, comm, sizeof(comm), &at) < 0)
		return -1;
	return rs_call(x, "prctl(PR_SET_NAME)", SYS_prctl, 15 /* PR_SET_NAME */, (long)at, 0, 0, 0, 0, NULL);
}

/* The leader: the shared state, then the other threads, then its own
 * credentials (clone3 with a tid needs the privileges they may drop). */
static int build(struct rs_ctx *x, pid_t *tids, size_t *n_tids)
{
	char why[256];

	if (ckpt_remote_begin(&x->r, x->pid, PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE, why,
			      sizeof(why)) < 0)
		return rs_fail(x, "%s", why);
	x->r.timeout_ms = x->opt && x->opt->timeout_ms > 0 ? x->opt->timeout_ms : CKPT_REMOTE_TIMEOUT_MS;
	x->r.stop = x->opt ? x->opt->stop : NULL;
	if (drop_rseq(x) < 0 || rs_mm_restore(x) < 0 || rs_thread_pointers(x) < 0 || rs_name(x) < 0 ||
	    rs_files_restore(x) < 0 || rs_uts_restore(x) < 0 || rs_signals_restore(x) < 0 ||
	    rs_limits_restore(x) < 0 || rs_threads_restore(x, tids, n_tids) < 0 || rs_creds_restore(x) < 0 ||
	    finish(x) < 0)
		return -1;
	if (ckpt_remote_end(&x->r, why, sizeof(why)) < 0)
		return rs_fail(x, "%s", why);
	return rs_regs_restore(x);
}

int ckpt_restore_run(const struct ckpt_restore_plan *p, const struct ckpt_restore_options *opt, pid_t *root,
		     char *err, size_t errsize)
{
	struct rs_ctx x = { .plan = p, .opt = opt, .err = err, .errsize = errsize };
	pid_t *tids;
	size_t n_tids = 0;

	*root = 0;
	if (!p->go) {
		snprintf(err, errsize, "the image did not pass the gate (%" PRIu64 " errors)", p->findings);
		return -1;
	}
	for (size_t i = 1; i < p->n_tasks; i++)
		if (p->tasks[i].tgid != p->tasks[0].pid) {
			snprintf(err, errsize, "task %" PRId64 " is another process: only one is restored",
				 p->tasks[i].pid);
			return -1;
		}
	if (!(tids = calloc(p->n_tasks, sizeof(*tids)))) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	x.task = &p->tasks[0];
	x.pid = rs_create_task(x.task, opt, err, errsize);
	if (x.pid < 0) {
		free(tids);
		return -1;
	}
	rs_log(&x, 1, "task %d (%s): created, stopped", (int)x.pid, x.task->comm);
	if (build(&x, tids, &n_tids) < 0) {
		char why[64];

		ckpt_remote_end(&x.r, why, sizeof(why));
		/* SIGKILL to the leader ends every thread. */
		rs_kill_task(x.pid);
		free(tids);
		return -1;
	}
	/* The memory is whole and every thread set: the order they are let
	 * go in does not matter; the leader last, so that a failure above
	 * still finds it stopped. */
	for (size_t i = 0; i <= n_tids; i++) {
		pid_t t = i < n_tids ? tids[i] : x.pid;

		if (ptrace(PTRACE_DETACH, t, NULL, NULL) < 0) {
			int e = errno;

			rs_kill_task(x.pid);
			snprintf(err, errsize, "task %d: PTRACE_DETACH: %s", (int)t, strerror(e));
			free(tids);
			return -1;
		}
	}
	free(tids);
	rs_log(&x, 1, "task %d (%s): running", (int)x.pid, x.task->comm);
	*root = x.pid;
	return 0;
}
