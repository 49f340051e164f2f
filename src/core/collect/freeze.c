/* Freezing a process tree with ptrace and letting it go again.
 *
 * Every thread is attached with PTRACE_SEIZE (which, unlike PTRACE_ATTACH,
 * sends no SIGSTOP the task could observe) and stopped with
 * PTRACE_INTERRUPT; waitpid(__WALL) collects the stop.  Seized tasks cannot
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collect/collect_impl.h"

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

/* Seizes and stops one thread.  1: stopped; 0: it is gone (or a zombie,
 * which cannot be traced and needs no stopping); -1: error in err. */
static int seize_thread(struct ckpt_tree *t, size_t i, char *err, size_t errsize)
{
	struct ckpt_thread *th = &t->threads[i];
	int status;

	if (th->state == 'Z' || th->state == 'X')
		return 0;
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
	for (;;) {
		pid_t r = waitpid(th->tid, &status, __WALL);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsize, "cannot stop pid %d: waitpid: %s", (int)th->tid, strerror(errno));
			return -1;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			th->seized = false;
			return 0;
		}
		if (WIFSTOPPED(status)) {
			/* A signal-delivery-stop: the thread is stopped, but the
			 * signal it was about to take must go back with the detach.
			 * Group-stops and the interrupt report PTRACE_EVENT_STOP. */
			if ((status >> 16) == 0 && WSTOPSIG(status) != SIGTRAP)
				th->resend_signal = WSTOPSIG(status);
			return 1;
		}
	}
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

/* Seizes the threads of a process that are not seized yet. */
static int scan_threads(struct ckpt_tree *t, pid_t tgid, bool *changed, char *err, size_t errsize)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	int rc = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)tgid);
	d = opendir(path);
	if (!d)
		return 0;	/* gone: the process exited */
	while (rc == 0 && (de = readdir(d))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);
		struct ckpt_proc_stat st;

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

int ckpt_freeze(pid_t root, struct ckpt_tree **out, char *err, size_t errsize)
{
	struct ckpt_tree *t = calloc(1, sizeof(*t));
	struct ckpt_proc_stat st;
	bool changed;

	*out = NULL;
	if (!t) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	t->root = root;
	if (ckpt_proc_stat(root, root, &st) < 0) {
		snprintf(err, errsize, "no process %d: %s", (int)root, strerror(errno));
		free(t);
		return -1;
	}
	if (st.f[1] != root) {
		snprintf(err, errsize, "%d is a thread, not a process: give its thread group id %lld",
			 (int)root, st.f[1]);
		free(t);
		return -1;
	}
	if (root == getpid()) {
		snprintf(err, errsize, "cannot checkpoint a tree that holds ckpt itself");
		free(t);
		return -1;
	}
	if (add_process(t, root, (pid_t)st.f[4], 0) < 0) {
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

void ckpt_thaw(struct ckpt_tree *t)
{
	if (!t)
		return;
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
