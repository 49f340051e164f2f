/* The other threads of a process: each made by the leader itself with a
 * remote clone3 (CLONE_VM, CLONE_THREAD, the shared tables; its old tid
 * with set_tid) once the shared state is built, attached by
 * PTRACE_O_TRACECLONE, then given what is its own: robust list and tid
 * address, name, credentials, pending signals, registers, FPU and mask. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "ptrace/wait.h"
#include "restore/restore_impl.h"

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)

static pid_t make_thread(struct rs_ctx *leader, const struct rs_task *t)
{
	struct {
		struct clone_args args;
		pid_t tid[RS_PID_LEVELS];
	} in;
	uint64_t at;
	int waited = 0;
	long tid = 0;
	int status;
	enum ckpt_wait_result w;

	memset(&in, 0, sizeof(in));
	in.args.flags = THREAD_FLAGS;
	/* Its tid at every level from its namespace's to the root's. */
	in.args.set_tid_size = rs_set_tid(t, in.tid);
	/* The scratch address of in.tid, once written. */
	at = leader->code + RS_CODE_SIZE;
	in.args.set_tid = at + offsetof(__typeof__(in), tid);
	if (rs_scratch(leader, &in, sizeof(in), &at) < 0)
		return -1;
	leader->r.new_child = 0;
	/* A tid still held by a dying thread: wait for it (tree.c). */
	while (rs_call(leader, "clone3(thread)", SYS_clone3, (long)at, sizeof(in.args), 0, 0, 0, 0, &tid) < 0) {
		if (tid == -EEXIST && !(leader->opt && leader->opt->pid_ns) &&
		    rs_pid_wait_free((pid_t)t->nspid[0], leader->opt, &waited)) {
			tid = 0;
			continue;
		}
		if (tid == -EEXIST)
			return rs_fail(leader, "thread %d: its tid is taken on this system", (int)t->pid);
		return -1;
	}
	/* Its tid in our pid namespace (the call returns the leader's view). */
	if (leader->r.new_child > 0)
		tid = leader->r.new_child;
	/* Attached by PTRACE_O_TRACECLONE: it starts in a SIGSTOP stop. */
	w = ckpt_wait_stop((pid_t)tid, leader->r.timeout_ms, leader->r.stop, &status);
	if (w != CKPT_WAIT_STOPPED)
		return rs_fail(leader, "thread %ld did not stop for the restorer (%s)", tid, ckpt_wait_result_name(w));
	return (pid_t)tid;
}

/* Everything of one thread but the detach. */
static int build_thread(struct rs_ctx *leader, const struct rs_task *t, pid_t tid)
{
	struct rs_ctx x = *leader;
	char why[256];
	int rc = -1;

	x.task = t;
	x.pid = tid;
	memset(&x.r, 0, sizeof(x.r));
	if (ckpt_remote_begin(&x.r, tid, PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD, why, sizeof(why)) < 0)
		return rs_fail(&x, "%s", why);
	x.r.timeout_ms = leader->r.timeout_ms;
	x.r.stop = leader->r.stop;
	ckpt_remote_set_syscall_ip(&x.r, leader->code);
	if (rs_thread_pointers(&x) == 0 && rs_name(&x) == 0 && rs_thread_signals(&x) == 0 &&
	    rs_seccomp_restore(&x, PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD) == 0 && rs_creds_restore(&x) == 0)
		rc = 0;
	if (ckpt_remote_end(&x.r, why, sizeof(why)) < 0 && rc == 0)
		rc = rs_fail(&x, "%s", why);
	return rc == 0 ? rs_regs_restore(&x) : -1;
}

int rs_threads_restore(struct rs_ctx *leader, pid_t *tids, size_t *n_tids)
{
	const struct ckpt_restore_plan *p = leader->plan;

	*n_tids = 0;
	for (size_t i = 0; i < p->n_tasks; i++) {
		const struct rs_task *t = &p->tasks[i];
		pid_t tid;

		if (t->pid == leader->task->pid || t->tgid != leader->task->pid)
			continue;
		if ((tid = make_thread(leader, t)) < 0)
			return -1;
		tids[(*n_tids)++] = tid;
		if (build_thread(leader, t, tid) < 0)
			return -1;
	}
	if (*n_tids)
		rs_log(leader, 1, "task %d: %zu more threads", (int)leader->pid, *n_tids);
	return 0;
}
