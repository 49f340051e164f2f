/* State only a task can ask the kernel for, read by making the frozen
 * thread run the system calls itself (src/core/ptrace/remote.h): its
 * alternate signal stack and securebits; its thread group's signal
 * handlers and interval timers.
 *
 * All of it is read before the thread's records are written and the
 * session ends before its address space is read: the helper maps a scratch
 * page in the task, which must not end up in the image.  The registers
 * the image keeps are the ones read before the session (tasks.c). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "collect/collect_impl.h"
#include "ptrace/remote.h"

#ifndef PTRACE_O_SUSPEND_SECCOMP
#define PTRACE_O_SUSPEND_SECCOMP (1 << 21)
#endif

static bool group_has(const struct collect *c, uint32_t objtype, pid_t tgid)
{
	for (size_t i = 0; i < c->n_objs; i++)
		if (c->objs[i].objtype == objtype && c->objs[i].tgid == tgid)
			return true;
	return false;
}

static int query_failed(struct collect *c, const struct ckpt_thread *th, const char *what, const char *err)
{
	return ckpt_emit_fail(&c->e, "pid %d: cannot read its %s: %s", (int)th->tid, what, err);
}

static uint64_t ns_of(int64_t sec, int64_t usec)
{
	return (uint64_t)sec * 1000000000u + (uint64_t)usec * 1000u;
}

/* rt_sigprocmask(SIG_BLOCK, NULL, &old): the thread's blocked mask.  A
 * thread frozen in sigsuspend, ppoll, pselect6 or epoll_pwait runs with
 * the call's temporary mask, which /proc's SigBlk shows; the kernel puts
 * the real one back (restore_saved_sigmask) when the thread returns to
 * user space without a signal to handle, which the helper's first resume
 * is: from then on, and so for this call, the mask is the real one.  (The
 * restarted call sets the temporary one again after the detach.)  0, -1
 * when the call could not be made, or the errno it failed with. */
static int get_blocked(struct ckpt_remote *r, uint64_t *out, char *err, size_t errsize)
{
	uint64_t scratch;
	long ret, args[6] = { SIG_BLOCK, 0, 0, 8, 0, 0 };

	if (ckpt_remote_map_scratch(r, 8, &scratch, err, errsize) < 0)
		return -1;
	args[2] = (long)scratch;
	if (ckpt_remote_syscall(r, SYS_rt_sigprocmask, args, &ret, err, errsize) < 0)
		return -1;
	if (ret < 0) {
		snprintf(err, errsize, "rt_sigprocmask: %s", strerror((int)-ret));
		return (int)-ret;
	}
	return ckpt_remote_read(r, scratch, out, sizeof(*out), err, errsize);
}

/* The queries of one session; 0 or -1 with the error set. */
static int run_queries(struct collect *c, const struct ckpt_thread *th, struct ckpt_remote *r,
		       struct ckpt_task_extra *x)
{
	char err[256];
	struct ckpt_remote_altstack ss;
	long bits;

	if (ckpt_remote_get_altstack(r, &ss, err, sizeof(err)) != 0)
		return query_failed(c, th, "alternate signal stack", err);
	x->ss_sp = ss.sp;
	x->ss_size = ss.size;
	x->ss_flags = (uint32_t)ss.flags;
	x->valid |= CKPT_EXTRA_SIGALTSTACK;
	if (ckpt_remote_get_securebits(r, &bits, err, sizeof(err)) != 0)
		return query_failed(c, th, "securebits", err);
	x->securebits = (uint32_t)bits;
	x->valid |= CKPT_EXTRA_SECUREBITS;
	if (get_blocked(r, &x->blocked, err, sizeof(err)) != 0)
		return query_failed(c, th, "blocked signal mask", err);
	x->valid |= CKPT_EXTRA_BLOCKED;

	if (!group_has(c, CKPT_OBJ_SIGNAL, th->tgid)) {
		for (int which = 0; which < 3; which++) {
			struct ckpt_remote_itimer it;

			if (ckpt_remote_get_itimer(r, which, &it, err, sizeof(err)) != 0)
				return query_failed(c, th, "interval timers", err);
			x->itimer[which][0] = ns_of(it.value_sec, it.value_usec);
			x->itimer[which][1] = ns_of(it.interval_sec, it.interval_usec);
		}
		x->valid |= CKPT_EXTRA_ITIMERS;
	}
	if (!group_has(c, CKPT_OBJ_SIGHAND, th->tgid)) {
		static const char *const keys[] = { "SigIgn", "SigCgt" };
		static const int hex[] = { 16, 16 };
		uint64_t m[2];

		if (ckpt_proc_status_values(th->tgid, th->tid, keys, hex, m, 2) < 0)
			return ckpt_emit_fail(&c->e, "pid %d: cannot read its signal masks: %s", (int)th->tid,
					      strerror(errno));
		/* A default action has nothing more to tell than SIG_DFL. */
		for (int sig = 1; sig <= 64; sig++) {
			struct ckpt_remote_sigaction sa;

			if (!((m[0] | m[1]) & (1ULL << (sig - 1))))
				continue;
			if (ckpt_remote_get_sigaction(r, sig, &sa, err, sizeof(err)) != 0)
				return query_failed(c, th, "signal handlers", err);
			x->action[sig - 1].handler = sa.handler;
			x->action[sig - 1].flags = sa.flags;
			x->action[sig - 1].restorer = sa.restorer;
			x->action[sig - 1].mask = sa.mask;
		}
		x->valid |= CKPT_EXTRA_SIGACTIONS;
	}
	return 0;
}

int ckpt_read_remote_state(struct collect *c, const struct ckpt_thread *th, struct ckpt_task_extra *x)
{
	static const char *const key[] = { "Seccomp" };
	static const int dec[] = { 10 };
	struct ckpt_remote r;
	unsigned long options = 0;
	uint64_t seccomp = 0;
	char err[256];
	int rc;

	/* Seccomp is missing from kernels without CONFIG_SECCOMP: none then. */
	if (ckpt_proc_status_values(th->tgid, th->tid, key, dec, &seccomp, 1) < 0 && errno != ENOTSUP)
		return ckpt_emit_fail(&c->e, "pid %d: cannot read its seccomp mode: %s", (int)th->tid, strerror(errno));
	if (seccomp != 0) {
		/* Needs CAP_SYS_ADMIN: without it the values stay unread and
		 * EXT_TASK_SECURITY's valid bits say so. */
		if (ptrace(PTRACE_SETOPTIONS, th->tid, NULL, (void *)(long)PTRACE_O_SUSPEND_SECCOMP) < 0)
			return 0;
		options = PTRACE_O_SUSPEND_SECCOMP;
	}
	memset(&r, 0, sizeof(r));
	if (ckpt_remote_begin(&r, th->tid, options, err, sizeof(err)) < 0) {
		ckpt_emit_fail(&c->e, "pid %d: cannot run system calls in it: %s", (int)th->tid, err);
		rc = -1;
	} else {
		r.stop = c->e.opt ? c->e.opt->stop : NULL;
		rc = 0;
		/* Finding a syscall instruction reads the task's maps, whose
		 * length grows with its threads (their stacks): once per group. */
		if (c->syscall_tgid == th->tgid && c->syscall_ip) {
			if (c->syscall_stub)
				ckpt_remote_set_stub(&r, c->syscall_ip);
			else
				ckpt_remote_set_syscall_ip(&r, c->syscall_ip);
		} else if (ckpt_remote_find_syscall(&r, err, sizeof(err)) < 0) {
			rc = ckpt_emit_fail(&c->e, "pid %d: cannot run system calls in it: %s", (int)th->tid, err);
		} else {
			c->syscall_tgid = th->tgid;
			c->syscall_ip = r.syscall_ip;
			c->syscall_stub = r.stub != 0;
		}
		if (rc == 0 && th->resend_signal) {
			/* The helper keeps the signal and queues it again at
			 * the end, siginfo and all; the detach then sends none. */
			if (ckpt_remote_take_signal(&r, th->resend_signal, err, sizeof(err)) < 0)
				rc = ckpt_emit_fail(&c->e, "pid %d: %s", (int)th->tid, err);
			else
				c->t->threads[th - c->t->threads].resend_signal = 0;
		}
		if (rc == 0)
			rc = run_queries(c, th, &r, x);
	}
	if (ckpt_remote_end(&r, err, sizeof(err)) < 0) {
		if (!r.gone) {
			/* Registers or memory could not be put back: running on
			 * would be worse than ending it (remote.h). */
			syscall(SYS_tgkill, th->tgid, th->tid, SIGKILL);
			ckpt_emit_fail(&c->e, "pid %d: could not be put back after remote system calls, killed: %s",
				       (int)th->tid, err);
		} else {
			ckpt_emit_fail(&c->e, "pid %d: ended during remote system calls: %s", (int)th->tid, err);
		}
		rc = -1;
	}
	if (options)
		ptrace(PTRACE_SETOPTIONS, th->tid, NULL, NULL);
	return rc;
}
