/* Freezing a process tree with ptrace and letting it go again.
 *
 * Every thread is attached with PTRACE_SEIZE (which, unlike PTRACE_ATTACH,
 * sends no SIGSTOP the task could observe) and stopped with
 * PTRACE_INTERRUPT; ckpt_wait_stop() (ptrace/wait.h) collects the stop,
 * never waiting longer than a bound nor once the caller's stop flag is
 * set: a thread in an uninterruptible sleep never stops, and a vfork
 * parent (refused up front) not before its child execs.  Seized tasks cannot
 * clone, so the walk re-reads the thread lists and the children until a
 * whole round finds nothing new.  PTRACE_DETACH lets each thread run on;
 * if this process dies without detaching, the kernel detaches its tracees
 * (exit_ptrace) and, as they were stopped by PTRACE_INTERRUPT rather than a
 * stop signal, they resume.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kcmp.h>

#include "collect/collect_impl.h"
#include "ptrace/wait.h"

#ifndef __WALL
#define __WALL 0x40000000
#endif

static int add_thread(struct ckpt_tree *t, pid_t tgid, pid_t tid, char state)
{
	if (t->n_threads == t->cap_threads) {
		size_t cap = t->cap_threads ? t->cap_threads * 2 : 32;
		struct ckpt_thread *bigger = realloc(t->threads, cap * sizeof(*bigger));

		if (!bigger)
			return -1;
		t->threads = bigger;
		t->cap_threads = cap;
	}
	t->threads[t->n_threads++] = (struct ckpt_thread){ .tid = tid, .tgid = tgid, .state = state };
	return 0;
}

static int add_process(struct ckpt_tree *t, pid_t tgid, pid_t ppid, size_t depth)
{
	if (t->n_procs == t->cap_procs) {
		size_t cap = t->cap_procs ? t->cap_procs * 2 : 16;
		struct ckpt_process *bigger = realloc(t->procs, cap * sizeof(*bigger));

		if (!bigger)
			return -1;
		t->procs = bigger;
		t->cap_procs = cap;
	}
	t->procs[t->n_procs++] = (struct ckpt_process){ .tgid = tgid, .ppid = ppid, .depth = depth };
	return 0;
}

static bool have_thread(const struct ckpt_tree *t, pid_t tid)
{
	for (size_t i = 0; i < t->n_threads; i++)
		if (t->threads[i].tid == tid)
			return true;
	return false;
}

static struct ckpt_process *find_process(struct ckpt_tree *t, pid_t tgid)
{
	for (size_t i = 0; i < t->n_procs; i++)
		if (t->procs[i].tgid == tgid)
			return &t->procs[i];
	return NULL;
}

/* Why PTRACE_SEIZE said EPERM, in words a user can act on. */
static void explain_eperm(pid_t tid, char *err, size_t errsize)
{
	pid_t tracer = ckpt_proc_tracer(tid);
	char *scope = ckpt_proc_read("/proc/sys/kernel/yama/ptrace_scope", NULL);

	if (tracer > 0)
		snprintf(err, errsize, "cannot trace pid %d: already traced by pid %d (TracerPid)",
			 (int)tid, (int)tracer);
	else if (scope && atoi(scope) > 0)
		snprintf(err, errsize, "cannot trace pid %d: permission denied "
			 "(kernel.yama.ptrace_scope is %d; run as root or lower it)", (int)tid, atoi(scope));
	else
		snprintf(err, errsize, "cannot trace pid %d: permission denied "
			 "(not the owner, setuid or not dumpable, and no CAP_SYS_PTRACE)", (int)tid);
	free(scope);
}

/* The monotonic clock in milliseconds. */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How long ckpt_thaw() waits for the stops it has not collected yet. */
#define CKPT_THAW_LATE_STOP_MS 500

static bool stop_requested(const struct ckpt_tree *t)
{
	return t->stop && __atomic_load_n(t->stop, __ATOMIC_RELAXED);
}

/* A process other than tgid whose parent is tgid and that shares tid's
 * address space (kcmp KCMP_VM): the child of a vfork(2) tid waits for, or
 * 0 when there is none. */
static pid_t vfork_child_of(pid_t tgid, pid_t tid)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		struct ckpt_proc_stat st;

		if (*end || pid <= 0 || pid == tgid)
			continue;
		if (ckpt_proc_stat((pid_t)pid, (pid_t)pid, &st) < 0 || st.f[4] != tgid)
			continue;
		if (syscall(SYS_kcmp, tid, (pid_t)pid, KCMP_VM, 0, 0) == 0)
			found = (pid_t)pid;
	}
	closedir(d);
	return found;
}

/* Why a thread cannot be stopped now, when that is known before trying:
 * a vfork(2) parent sleeps in the kernel (state D, uninterruptible but
 * for SIGKILL) until its child execs or exits, and no ptrace stop can
 * happen before; with the child frozen in the tree, never.  -1 with the
 * reason in err, else 0. */
static int refuse_unstoppable(pid_t tgid, pid_t tid, char state, char *err, size_t errsize)
{
	pid_t child;

	if (state != 'D')
		return 0;
	child = vfork_child_of(tgid, tid);
	if (!child)
		return 0;
	snprintf(err, errsize, "cannot freeze pid %d (state D): it is a vfork parent waiting in the kernel "
		 "for its child %d to exec or exit, and cannot stop before; retry once the child has "
		 "exec'd, or checkpoint the child's tree (pid %d) alone", (int)tid, (int)child, (int)child);
	return -1;
}

/* What a collected stop says: a signal-delivery-stop must give its
 * signal back with the detach (group-stops and the interrupt report
 * PTRACE_EVENT_STOP, status >> 16 non-zero). */
static void note_stop(struct ckpt_thread *th, int status)
{
	if ((status >> 16) == 0 && WSTOPSIG(status) != SIGTRAP)
		th->resend_signal = WSTOPSIG(status);
	th->stopped = true;
}

/* How long a thread waits before the vfork check: most stop in
 * microseconds, and the check walks /proc. */
#define CKPT_FREEZE_VFORK_CHECK_MS 50

/* The stop of a seized thread, waited for at most t->stop_wait_ms and
 * only while the caller's stop flag is clear (ptrace/wait.h).  1: stopped;
 * 0: it is gone; -1: error in err. */
static int wait_stopped(struct ckpt_tree *t, size_t i, char *err, size_t errsize)
{
	struct ckpt_thread *th = &t->threads[i];
	unsigned first = t->stop_wait_ms < CKPT_FREEZE_VFORK_CHECK_MS ? t->stop_wait_ms : CKPT_FREEZE_VFORK_CHECK_MS;
	enum ckpt_wait_result w;
	struct ckpt_proc_stat st;
	int status = 0;

	w = ckpt_wait_stop(th->tid, (int)first, t->stop, &status);
	if (w == CKPT_WAIT_TIMEOUT) {
		if (ckpt_proc_stat(th->tgid, th->tid, &st) == 0 &&
		    refuse_unstoppable(th->tgid, th->tid, st.state, err, errsize) < 0)
			return -1;
		w = ckpt_wait_stop(th->tid, (int)(t->stop_wait_ms - first), t->stop, &status);
	}
	switch (w) {
	case CKPT_WAIT_STOPPED:
		note_stop(th, status);
		return 1;
	case CKPT_WAIT_EXITED:
		th->seized = false;
		return 0;
	case CKPT_WAIT_INTERRUPTED:
		snprintf(err, errsize, "interrupted while stopping pid %d (state %c)", (int)th->tid,
			 ckpt_proc_stat(th->tgid, th->tid, &st) == 0 ? st.state : '?');
		return -1;
	case CKPT_WAIT_TIMEOUT: {
		char *wchan = ckpt_proc_readf(NULL, "/proc/%d/task/%d/wchan", (int)th->tgid, (int)th->tid);
		char state = ckpt_proc_stat(th->tgid, th->tid, &st) == 0 ? st.state : '?';
		bool named = wchan && *wchan && strcmp(wchan, "0") != 0;

		snprintf(err, errsize, "cannot freeze pid %d: it did not stop within %u ms "
			 "(state %c%s%s): %s", (int)th->tid, t->stop_wait_ms, state,
			 named ? ", in the kernel at " : "", named ? wchan : "",
			 state == 'D' ? "an uninterruptible sleep in the kernel holds it"
				      : "it never reached a ptrace stop");
		free(wchan);
		return -1;
	}
	case CKPT_WAIT_ERROR:
		break;
	}
	snprintf(err, errsize, "cannot stop pid %d: waitpid: %s", (int)th->tid, strerror(errno));
	return -1;
}

/* Seizes one thread and asks it to stop (PTRACE_INTERRUPT); its stop is
 * collected by wait_stopped().  1: seized; 0: it is gone (or a zombie,
 * which cannot be traced and needs no stopping); -1: error in err. */
static int seize_thread(struct ckpt_tree *t, size_t i, char *err, size_t errsize)
{
	struct ckpt_thread *th = &t->threads[i];

	if (th->state == 'Z' || th->state == 'X')
		return 0;
	/* A thread that cannot stop is refused before it is traced: once
	 * seized, it could be detached only from a ptrace stop. */
	if (refuse_unstoppable(th->tgid, th->tid, th->state, err, errsize) < 0)
		return -1;
	if (ptrace(PTRACE_SEIZE, th->tid, NULL, NULL) < 0) {
		if (errno == ESRCH)
			return 0;
		if (errno == EPERM) {
			/* A task may have become a zombie since its state was read. */
			struct ckpt_proc_stat st;

			if (ckpt_proc_stat(th->tgid, th->tid, &st) == 0 && (st.state == 'Z' || st.state == 'X')) {
				th->state = st.state;
				return 0;
			}
			explain_eperm(th->tid, err, errsize);
		} else {
			snprintf(err, errsize, "cannot trace pid %d: PTRACE_SEIZE: %s", (int)th->tid, strerror(errno));
		}
		return -1;
	}
	th->seized = true;
	if (ptrace(PTRACE_INTERRUPT, th->tid, NULL, NULL) < 0 && errno != ESRCH) {
		snprintf(err, errsize, "cannot stop pid %d: PTRACE_INTERRUPT: %s", (int)th->tid, strerror(errno));
		return -1;
	}
	return 1;
}

/* Children of the tree's processes, by the ppid field of every /proc/N/stat
 * (/proc/PID/task/TID/children needs CONFIG_PROC_CHILDREN, which many
 * kernels lack). */
static int scan_children(struct ckpt_tree *t, bool *changed, char *err, size_t errsize)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d) {
		snprintf(err, errsize, "cannot read /proc: %s", strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		struct ckpt_proc_stat st;

		if (*end || pid <= 0 || find_process(t, (pid_t)pid))
			continue;
		if (ckpt_proc_stat((pid_t)pid, (pid_t)pid, &st) < 0)
			continue;
		struct ckpt_process *parent = find_process(t, (pid_t)st.f[4]);

		if (!parent)
			continue;
		if (add_process(t, (pid_t)pid, parent->tgid, parent->depth + 1) < 0) {
			closedir(d);
			snprintf(err, errsize, "out of memory");
			return -1;
		}
		*changed = true;
	}
	closedir(d);
	return 0;
}

/* Seizes the threads of a process that are not seized yet: all of them
 * are asked to stop first, then each stop is waited for, so that they
 * stop in parallel. */
static int scan_threads(struct ckpt_tree *t, pid_t tgid, bool *changed, char *err, size_t errsize)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	size_t first = t->n_threads;
	int rc = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)tgid);
	d = opendir(path);
	if (!d)
		return 0;	/* gone: the process exited */
	while (rc == 0 && (de = readdir(d))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);
		struct ckpt_proc_stat st;

		if (stop_requested(t)) {
			snprintf(err, errsize, "interrupted while freezing pid %d", (int)tgid);
			rc = -1;
			break;
		}
		if (*end || tid <= 0 || have_thread(t, (pid_t)tid))
			continue;
		if (ckpt_proc_stat(tgid, (pid_t)tid, &st) < 0)
			continue;
		if (add_thread(t, tgid, (pid_t)tid, st.state) < 0) {
			snprintf(err, errsize, "out of memory");
			rc = -1;
			break;
		}
		*changed = true;
		if (seize_thread(t, t->n_threads - 1, err, errsize) < 0)
			rc = -1;
	}
	closedir(d);
	for (size_t i = first; rc == 0 && i < t->n_threads; i++)
		if (t->threads[i].seized && !t->threads[i].stopped && wait_stopped(t, i, err, errsize) < 0)
			rc = -1;
	return rc;
}

static int cmp_thread(const void *a, const void *b)
{
	const struct ckpt_thread *x = a, *y = b;

	/* Within a process: the leader first, then by tid. */
	if (x->tgid != y->tgid)
		return 0;
	if ((x->tid == x->tgid) != (y->tid == y->tgid))
		return x->tid == x->tgid ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* Puts the processes in depth-first order (children by pid) and each
 * process's threads after it, leader first: the order of the image. */
static int order_tree(struct ckpt_tree *t)
{
	struct ckpt_process *procs = malloc(t->n_procs * sizeof(*procs));
	struct ckpt_thread *threads = malloc((t->n_threads ? t->n_threads : 1) * sizeof(*threads));
	pid_t *stack = malloc(t->n_procs * sizeof(*stack));
	size_t np = 0, nt = 0, sp = 0;

	if (!procs || !threads || !stack) {
		free(procs);
		free(threads);
		free(stack);
		return -1;
	}
	stack[sp++] = t->root;
	while (sp) {
		pid_t tgid = stack[--sp];
		struct ckpt_process *p = find_process(t, tgid);
		size_t first = nt;

		procs[np++] = *p;
		for (size_t i = 0; i < t->n_threads; i++)
			if (t->threads[i].tgid == tgid)
				threads[nt++] = t->threads[i];
		qsort(threads + first, nt - first, sizeof(*threads), cmp_thread);
		/* Push children in descending pid order so the lowest pops first. */
		size_t mark = sp;

		for (size_t i = 0; i < t->n_procs; i++)
			if (t->procs[i].ppid == tgid && t->procs[i].tgid != t->root)
				stack[sp++] = t->procs[i].tgid;
		for (size_t a = mark; a < sp; a++)
			for (size_t b = a + 1; b < sp; b++)
				if (stack[b] > stack[a]) {
					pid_t x = stack[a];

					stack[a] = stack[b];
					stack[b] = x;
				}
	}
	free(stack);
	free(t->procs);
	free(t->threads);
	t->procs = procs;
	t->n_procs = np;
	t->threads = threads;
	t->n_threads = nt;
	return 0;
}

/* Processes whose every thread is gone are dropped from the tree. */
static void drop_gone(struct ckpt_tree *t)
{
	size_t k = 0;

	for (size_t i = 0; i < t->n_threads; i++) {
		struct ckpt_thread *th = &t->threads[i];

		if (th->seized || th->state == 'Z' || th->state == 'X')
			t->threads[k++] = *th;
	}
	t->n_threads = k;
	k = 0;
	for (size_t i = 0; i < t->n_procs; i++) {
		bool any = false;

		for (size_t j = 0; j < t->n_threads; j++)
			any |= t->threads[j].tgid == t->procs[i].tgid;
		if (any || t->procs[i].tgid == t->root)
			t->procs[k++] = t->procs[i];
	}
	t->n_procs = k;
}

/* Whether pid is ckpt itself or one of its ancestors: a tree rooted there
 * holds ckpt, which cannot stop itself. */
static bool holds_self(pid_t pid)
{
	pid_t p = getpid();

	/* The walk ends at the top of the pid namespace (ppid 0); the bound
	 * guards against a /proc that changes under it. */
	for (int depth = 0; p > 0 && depth < 4096; depth++) {
		struct ckpt_proc_stat st;

		if (p == pid)
			return true;
		if (ckpt_proc_stat(p, p, &st) < 0)
			break;
		p = (pid_t)st.f[4];
	}
	return false;
}

/* Why root cannot be the root of a checkpoint, said before anything is
 * traced: -1 with the reason in err, else 0. */
static int check_root(pid_t root, pid_t *ppid, char *err, size_t errsize)
{
	static const char *const keys[] = { "Tgid" };
	static const int bases[] = { 10 };
	struct ckpt_proc_stat st;
	uint64_t tgid;

	if (ckpt_proc_stat(root, root, &st) < 0) {
		if (errno == ENOENT || errno == ESRCH)
			snprintf(err, errsize, "pid %d: no such process", (int)root);
		else
			snprintf(err, errsize, "pid %d: cannot read /proc/%d/stat: %s", (int)root, (int)root,
				 strerror(errno));
		return -1;
	}
	/* PF_KTHREAD in the flags field: a kernel thread has no user state. */
	if (st.f[9] & 0x00200000) {
		snprintf(err, errsize, "pid %d is a kernel thread (%s): it has no user-space state to checkpoint",
			 (int)root, st.comm);
		return -1;
	}
	if (ckpt_proc_status_values(root, root, keys, bases, &tgid, 1) == 0 && tgid != (uint64_t)root) {
		snprintf(err, errsize, "pid %d is a thread of process %llu, not a process: give its thread "
			 "group id %llu", (int)root, (unsigned long long)tgid, (unsigned long long)tgid);
		return -1;
	}
	if (holds_self(root)) {
		snprintf(err, errsize, "cannot checkpoint a tree that holds ckpt itself: pid %d is %s", (int)root,
			 root == getpid() ? "ckpt" : "an ancestor of ckpt");
		return -1;
	}
	*ppid = (pid_t)st.f[4];
	return 0;
}

int ckpt_freeze(pid_t root, struct ckpt_tree **out, char *err, size_t errsize)
{
	return ckpt_freeze_opts(root, NULL, out, err, errsize);
}

int ckpt_freeze_opts(pid_t root, const struct ckpt_freeze_options *opt, struct ckpt_tree **out, char *err,
		     size_t errsize)
{
	struct ckpt_tree *t;
	pid_t ppid;
	bool changed;

	*out = NULL;
	if (check_root(root, &ppid, err, errsize) < 0)
		return -1;
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	t->root = root;
	t->stop = opt ? opt->stop : NULL;
	t->stop_wait_ms = opt && opt->stop_wait_ms ? opt->stop_wait_ms : CKPT_FREEZE_STOP_MS;
	if (add_process(t, root, ppid, 0) < 0) {
		snprintf(err, errsize, "out of memory");
		free(t);
		return -1;
	}
	do {
		changed = false;
		for (size_t i = 0; i < t->n_procs; i++)
			if (scan_threads(t, t->procs[i].tgid, &changed, err, errsize) < 0)
				goto fail;
		if (scan_children(t, &changed, err, errsize) < 0)
			goto fail;
		if (stop_requested(t)) {
			snprintf(err, errsize, "interrupted while freezing the tree of pid %d", (int)root);
			goto fail;
		}
	} while (changed);
	for (size_t i = 0; i < t->n_procs; i++) {
		if (t->procs[i].tgid == getpid()) {
			snprintf(err, errsize, "cannot checkpoint a tree that holds ckpt itself");
			goto fail;
		}
	}
	drop_gone(t);
	if (!t->n_threads || t->threads[0].tgid != root) {
		bool root_alive = false;

		for (size_t i = 0; i < t->n_threads; i++)
			root_alive |= t->threads[i].tgid == root;
		if (!root_alive) {
			snprintf(err, errsize, "process %d exited while it was being frozen", (int)root);
			goto fail;
		}
	}
	if (order_tree(t) < 0) {
		snprintf(err, errsize, "out of memory");
		goto fail;
	}
	/* Every thread is stopped from here on. */
	clock_gettime(CLOCK_REALTIME, &t->frozen_wall);
	clock_gettime(CLOCK_MONOTONIC, &t->frozen_mono);
	*out = t;
	return 0;
fail:
	ckpt_thaw(t);
	return -1;
}

/* PTRACE_DETACH works only on a thread in a ptrace stop: a thread seized
 * and interrupted whose stop was not collected yet (the freeze gave up
 * before) gets a short while to reach it. */
static void collect_late_stops(struct ckpt_tree *t)
{
	int64_t deadline = now_ms() + CKPT_THAW_LATE_STOP_MS;

	for (size_t i = 0; i < t->n_threads; i++) {
		struct ckpt_thread *th = &t->threads[i];
		int64_t left = deadline - now_ms();
		int status = 0;

		if (!th->seized || th->stopped)
			continue;
		switch (ckpt_wait_stop(th->tid, left > 0 ? (int)left : 0, NULL, &status)) {
		case CKPT_WAIT_STOPPED:
			note_stop(th, status);
			break;
		case CKPT_WAIT_EXITED:
		case CKPT_WAIT_ERROR:
			th->seized = false;	/* gone */
			break;
		case CKPT_WAIT_TIMEOUT:
		case CKPT_WAIT_INTERRUPTED:
			break;
		}
	}
}

void ckpt_thaw(struct ckpt_tree *t)
{
	if (!t)
		return;
	collect_late_stops(t);
	for (size_t i = 0; i < t->n_threads; i++) {
		struct ckpt_thread *th = &t->threads[i];

		/* ESRCH: the thread was killed meanwhile; nothing to release. */
		if (th->seized)
			ptrace(PTRACE_DETACH, th->tid, NULL, (void *)(long)th->resend_signal);
		th->seized = false;
	}
	free(t->threads);
	free(t->procs);
	free(t);
}

size_t ckpt_tree_processes(const struct ckpt_tree *t)
{
	return t->n_procs;
}

size_t ckpt_tree_threads(const struct ckpt_tree *t)
{
	return t->n_threads;
}

bool ckpt_tree_group(const struct ckpt_tree *t, pid_t tgid, const struct ckpt_thread **live, uint32_t *n_live)
{
	bool found = false;

	*live = NULL;
	*n_live = 0;
	for (size_t i = 0; i < t->n_threads; i++) {
		const struct ckpt_thread *th = &t->threads[i];

		if (th->tgid != tgid)
			continue;
		found = true;
		if (th->seized) {
			if (!*live)
				*live = th;
			(*n_live)++;
		}
	}
	return found;
}
