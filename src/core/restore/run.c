/* Running a plan: create the task, drive it with remote system calls
 * through the steps, set its final registers and let it go.  Every failure
 * (and a stop request) kills and reaps what was created. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stddef.h>
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
#include "ptrace/wait.h"
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

long rs_take_fd(struct rs_ctx *x, int mine, const char *what)
{
	long pidfd, fd;
	char call[96];

	/* A task that cannot see the holder has a pidfd of it (pidlevels.c). */
	if (x->src_fd > 0) {
		snprintf(call, sizeof(call), "pidfd_getfd(%s)", what);
		return rs_call(x, call, SYS_pidfd_getfd, x->src_fd, mine, 0, 0, 0, 0, &fd) < 0 ? -1 : fd;
	}
	if (rs_call(x, "pidfd_open(restorer)", SYS_pidfd_open, rs_fd_source(x), 0, 0, 0, 0, 0, &pidfd) < 0)
		return -1;
	snprintf(call, sizeof(call), "pidfd_getfd(%s)", what);
	if (rs_call(x, call, SYS_pidfd_getfd, pidfd, mine, 0, 0, 0, 0, &fd) < 0) {
		/* The task is killed on failure anyway; its pidfd goes first. */
		(void)rs_call(x, "close", SYS_close, pidfd, 0, 0, 0, 0, 0, NULL);
		return -1;
	}
	if (rs_call(x, "close", SYS_close, pidfd, 0, 0, 0, 0, 0, NULL) < 0)
		return -1;
	return fd;
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

/* Whether process t shares its parent's address space (clone with
 * CLONE_VM, no CLONE_THREAD): made with CLONE_VM once the parent's is
 * whole, it takes that one instead of building its own. */
static bool shares_parent_mm(const struct rs_task *parent, const struct rs_task *t)
{
	return parent && t->mm && t->mm == parent->mm && !t->exit_state && t->pid == t->tgid;
}

/* Likewise its fs (CLONE_FS: cwd, root, umask; set in the parent before
 * its children are made), and its signal handlers (CLONE_SIGHAND, which
 * the kernel allows with CLONE_VM only; set again, to the same values). */
static bool shares_parent_fs(const struct rs_task *parent, const struct rs_task *t)
{
	return parent && t->fs && t->fs == parent->fs && !t->exit_state && t->pid == t->tgid;
}

/* And its descriptor table (CLONE_FILES): whole in the parent before its
 * children are made (files.c), so the child places none of its own. */
static bool shares_parent_files(const struct rs_task *parent, const struct rs_task *t)
{
	return parent && t->files && t->files == parent->files && !t->exit_state && t->pid == t->tgid;
}

static uint64_t sharing_flags(const struct rs_task *parent, const struct rs_task *t)
{
	uint64_t flags = shares_parent_mm(parent, t) ? CLONE_VM : 0;

	if (shares_parent_fs(parent, t))
		flags |= CLONE_FS;
	if (shares_parent_files(parent, t))
		flags |= CLONE_FILES;
	if ((flags & CLONE_VM) && t->sighand && t->sighand == parent->sighand)
		flags |= CLONE_SIGHAND;
	return flags;
}

/* The task's own last steps before its registers: clear the death signal
 * it took from the restorer (it must outlive us), then unmap our code:
 * the task runs nothing more until the exit stop of that very call.  A
 * process sharing its parent's address space leaves the code to the
 * parent, which still runs its own steps from it. */
static int finish(struct rs_ctx *x, bool mm_of_parent)
{
	if (rs_call(x, "prctl(PR_SET_PDEATHSIG)", SYS_prctl, 1 /* PR_SET_PDEATHSIG */, 0, 0, 0, 0, 0, NULL) < 0)
		return -1;
	if (ckpt_remote_caught(&x->r))
		return rs_fail(x, "a signal came during the restore");
	if (mm_of_parent)
		return 0;
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
	if (rs_call(x, "set_tid_address", SYS_set_tid_address, (long)t->clear_child_tid, 0, 0, 0, 0, 0, NULL) < 0)
		return -1;
	/* The rseq area glibc registered (EXT_RSEQ): the kernel updates it
	 * again from the first return to user space. */
	if (t->rseq_ptr && rs_call(x, "rseq", SYS_rseq, (long)t->rseq_ptr, t->rseq_size, t->rseq_flags,
				   t->rseq_sig, 0, 0, NULL) < 0)
		return -1;
	/* The alternate stack, or none: a copy of the restorer keeps the
	 * restorer's (a sanitizer's, say) unless told otherwise. */
	{
		struct {
			uint64_t sp;
			int32_t flags, pad;
			uint64_t size;
		} ss = { t->sas_ss_sp, (int32_t)(t->sas_ss_flags & 0x80000000u), 0, t->sas_ss_size };
		uint64_t at;

		if (!t->sas_ss_size)
			ss = (__typeof__(ss)){ 0, 2 /* SS_DISABLE */, 0, 0 };
		if (rs_scratch(x, &ss, sizeof(ss), &at) < 0 ||
		    rs_call(x, "sigaltstack", SYS_sigaltstack, (long)at, 0, 0, 0, 0, 0, NULL) < 0)
			return -1;
	}
	if (t->has_security && t->personality &&
	    rs_call(x, "personality", SYS_personality, t->personality, 0, 0, 0, 0, 0, NULL) < 0)
		return -1;
	return 0;
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

/* Every task made so far, in the order made: killed in the reverse order
 * on a failure, let go in the reverse order at the end. */
struct made {
	pid_t *pids;
	size_t n, cap;
};

#define TREE_OPTIONS (PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK)

static int build(struct rs_ctx *x, struct made *m, const struct rs_task *parent);

/* A process of the image whose parent is t, made by t itself with a
 * remote clone3 (a process of its own, with its old pid and exit signal;
 * CLONE_VM, CLONE_FS, CLONE_SIGHAND, CLONE_FILES when it shares those of t's), so that parent, group and session links are the
 * kernel's own.  It starts as a copy of the half-built parent, attached by
 * PTRACE_O_TRACEFORK (or TRACECLONE for another exit signal), stopped. */
static pid_t make_child(struct rs_ctx *parent, const struct rs_task *t, long *src_fd)
{
	struct {
		struct clone_args args;
		pid_t tid[RS_PID_LEVELS];
	} in;
	uint64_t at = parent->code + RS_CODE_SIZE;
	enum ckpt_wait_result w;
	int waited = 0;
	long pid = 0, opened = 0;
	int status;

	/* A child below its parent's pid namespace that is not its pid 1
	 * joined the one an earlier sibling started (pidlevels.c). */
	const struct rs_task *ns_init = t->level > parent->task->level && t->own_pid != 1 ?
					rs_pid_ns_init(parent->plan, t) : NULL;

	memset(&in, 0, sizeof(in));
	in.args.flags = sharing_flags(parent->task, t);
	/* A child below its parent's pid namespace starts one, as its pid 1
	 * (pidlevels.c); its number at each level is set down to the root's. */
	if (t->level > parent->task->level && !ns_init)
		in.args.flags |= CLONE_NEWPID;
	in.args.exit_signal = t->exit_signal && t->exit_signal < 65 ? t->exit_signal : SIGCHLD;
	in.args.set_tid_size = rs_set_tid(t, in.tid);
	in.args.set_tid = at + offsetof(__typeof__(in), tid);
	if (rs_scratch(parent, &in, sizeof(in), &at) < 0)
		return -1;
	/* It will not see the holder of the restorer's descriptors: it
	 * inherits a pidfd of it, the parent's or one opened for it. */
	*src_fd = parent->src_fd;
	if (t->level > 0 && !*src_fd) {
		if (rs_call(parent, "pidfd_open(restorer)", SYS_pidfd_open, rs_fd_source(parent), 0, 0, 0, 0, 0,
			    &opened) < 0)
			return -1;
		*src_fd = opened;
	}
	if (ns_init && rs_pid_ns_enter(parent, ns_init) < 0)
		return -1;
	parent->r.new_child = 0;
	/* A pid held by a dying task of the tree just killed: wait (bounded)
	 * for it to come free (tree.c). */
	while (rs_call(parent, "clone3(process)", SYS_clone3, (long)at, sizeof(in.args), 0, 0, 0, 0, &pid) < 0) {
		if (pid == -EEXIST && !rs_new_pid_ns(parent->plan, parent->opt) &&
		    rs_pid_wait_free((pid_t)t->nspid[0], parent->opt, &waited)) {
			pid = 0;
			continue;
		}
		if (pid == -EEXIST)
			return rs_fail(parent, "pid %d is taken on this system; free it, or restore "
				       "into a new pid namespace with --pid-ns", (int)t->nspid[0]);
		return -1;
	}
	/* (In a table it shares with the child, the child closes it.) */
	/* The parent's children go to its own namespace again. */
	if (ns_init && rs_pid_ns_enter(parent, parent->task) < 0) {
		if (parent->r.new_child > 0)
			rs_kill_task(parent->r.new_child);
		return -1;
	}
	if (opened > 0 && !(in.args.flags & CLONE_FILES) &&
	    rs_call(parent, "close(restorer pidfd)", SYS_close, opened, 0, 0, 0, 0, 0, NULL) < 0) {
		if (parent->r.new_child > 0)
			rs_kill_task(parent->r.new_child);
		return -1;
	}
	/* The call returns the pid in the parent's namespace; we address
	 * the child by its pid in ours (they differ with --pid-ns). */
	if (parent->r.new_child > 0)
		pid = parent->r.new_child;
	w = ckpt_wait_stop((pid_t)pid, parent->r.timeout_ms, parent->r.stop, &status);
	if (w != CKPT_WAIT_STOPPED) {
		rs_kill_task((pid_t)pid);
		return rs_fail(parent, "child %ld did not stop for the restorer (%s)", pid, ckpt_wait_result_name(w));
	}
	return (pid_t)pid;
}

static int remember(struct rs_ctx *x, struct made *m, pid_t pid)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		pid_t *p = realloc(m->pids, cap * sizeof(*p));

		if (!p)
			return rs_fail(x, "out of memory");
		m->pids = p;
		m->cap = cap;
	}
	m->pids[m->n++] = pid;
	return 0;
}

/* The processes whose parent is x's task, depth first in image order. */
static int children(struct rs_ctx *x, struct made *m)
{
	const struct ckpt_restore_plan *p = x->plan;

	for (size_t i = 0; i < p->n_tasks; i++) {
		const struct rs_task *t = &p->tasks[i];
		struct rs_ctx c;
		long src_fd;
		pid_t pid;

		if (t == x->task || t->pid != t->tgid || t->ppid != x->task->pid)
			continue;
		if ((pid = make_child(x, t, &src_fd)) < 0)
			return -1;
		/* Not let go at the end: it is dead already. */
		if (t->exit_state && !rs_zombie_leader(p, t)) {
			if (rs_zombie(x, t, pid) < 0)
				return -1;
			continue;
		}
		if (remember(x, m, pid) < 0) {
			rs_kill_task(pid);
			return -1;
		}
		rs_log(x, 1, "task %d (%s): created by %d, stopped", (int)pid, t->comm, (int)x->pid);
		c = *x;
		c.task = t;
		c.pid = pid;
		c.src_fd = src_fd;
		c.src_shared = src_fd > 0 && src_fd == x->src_fd && (sharing_flags(x->task, t) & CLONE_FILES);
		memset(&c.r, 0, sizeof(c.r));
		if (build(&c, m, x->task) < 0)
			return -1;
	}
	return 0;
}

/* A child's group and session, where they differ from its parent's:
 * session leaders make their session, group leaders their group, members
 * join theirs (its leader, made before them in tree order, exists). */
int rs_group_and_session(struct rs_ctx *x, const struct rs_task *parent)
{
	const struct rs_task *t = x->task;

	if (t->sid == t->pid)
		return rs_call(x, "setsid", SYS_setsid, 0, 0, 0, 0, 0, 0, NULL);
	if (t->pgid == t->pid)
		return rs_call(x, "setpgid(0, 0)", SYS_setpgid, 0, 0, 0, 0, 0, 0, NULL);
	if (t->pgid != parent->pgid) {
		/* Its leader's number as the task sees it (pidlevels.c). */
		int64_t pgid = rs_pid_seen_by(x->plan, t->pgid, t);

		if (pgid <= 0)
			return rs_fail(x, "its group %" PRId64 " is led from outside its pid namespace", t->pgid);
		return rs_call(x, "setpgid", SYS_setpgid, 0, (long)pgid, 0, 0, 0, 0, NULL);
	}
	return 0;
}

static const struct rs_task *task_of(const struct ckpt_restore_plan *p, int64_t pid)
{
	for (size_t i = 0; i < p->n_tasks; i++)
		if (p->tasks[i].pid == pid)
			return &p->tasks[i];
	return NULL;
}

static bool same_ns(const struct rs_ctx *x, const struct rs_task *parent)
{
	return parent && x->task->ns && parent->ns == x->task->ns;
}

/* A process: the shared state, then its children (made by it, from this
 * half-built state, before it drops privileges), then its other threads,
 * then its own credentials (clone3 with a pid needs the privileges they
 * may drop).  A child (parent not NULL: its maker, the image's parent or
 * the --pid-ns init) starts from its parent's code page. */
static int build(struct rs_ctx *x, struct made *m, const struct rs_task *parent)
{
	pid_t tids[64], *more = tids;
	size_t n_tids = 0;
	char why[256];
	int rc = -1;
	/* A zombie leader with live threads: built from a stand-in. */
	const struct rs_task *own = x->task;
	bool zleader = rs_zombie_leader(x->plan, own);
	struct rs_task standin;
	uint64_t exit_ip = 0;
	bool mm_of_parent = shares_parent_mm(parent, own);

	x->fs_of_parent = shares_parent_fs(parent, own);
	x->files_of_parent = shares_parent_files(parent, own);

	if (ckpt_remote_begin(&x->r, x->pid, TREE_OPTIONS, why, sizeof(why)) < 0)
		return rs_fail(x, "%s", why);
	if (zleader)
		x->task = rs_zombie_standin(x->plan, own, &standin);
	x->r.timeout_ms = x->opt && x->opt->timeout_ms > 0 ? x->opt->timeout_ms : CKPT_REMOTE_TIMEOUT_MS;
	x->r.stop = x->opt ? x->opt->stop : NULL;
	if (parent) {
		ckpt_remote_set_syscall_ip(&x->r, x->code);
		if (rs_group_and_session(x, parent) < 0)
			goto out;
	}
	if (rs_source_hold(x) < 0)
		goto out;
	if (x->plan->n_tasks > CKPT_ARRAY_LEN(tids) && !(more = calloc(x->plan->n_tasks, sizeof(*more)))) {
		rs_fail(x, "out of memory");
		goto out;
	}
	/* A child in its parent's namespaces has them already, shared (one
	 * object of the image, one namespace), from the fork.  A process
	 * made with CLONE_VM has its parent's address space, whole: it makes
	 * only the objects its descriptors use. */
	if (drop_rseq(x) < 0 || (mm_of_parent ? rs_inodes_create(x) : rs_mm_restore(x)) < 0 ||
	    rs_thread_pointers(x) < 0 || rs_name(x) < 0 || rs_files_restore(x) < 0 || rs_tty_session(x) < 0 ||
	    (!same_ns(x, parent) && rs_uts_restore(x) < 0) || rs_signals_restore(x) < 0 ||
	    rs_limits_restore(x) < 0 || children(x, m) < 0 || rs_tty_session_pgrp(x) < 0)
		goto out;
	rc = rs_threads_restore(x, more, &n_tids);
	for (size_t i = 0; i < n_tids; i++)
		if (remember(x, m, more[i]) < 0)
			rc = -1;
	if (rc == 0 && rs_source_drop(x) < 0)
		rc = -1;
	/* Seccomp before the credentials, timers after them (seccomp.c,
	 * timers.c say why). */
	if (rc < 0 || rs_seccomp_restore(x, TREE_OPTIONS) < 0 || rs_creds_restore(x) < 0 ||
	    rs_timers_restore(x) < 0 || (zleader ? rs_zombie_leader_finish(x, &exit_ip) : finish(x, mm_of_parent)) < 0) {
		rc = -1;
		goto out;
	}
	rc = 0;
out:
	if (more != tids)
		free(more);
	if (ckpt_remote_end(&x->r, why, sizeof(why)) < 0 && rc == 0)
		rc = rs_fail(x, "%s", why);
	if (rc == 0)
		rc = zleader ? rs_zombie_leader_exit(x, exit_ip) : rs_regs_restore(x);
	x->task = own;
	return rc;
}

/* Every process's parent is in the image and made before it (the image
 * lists the tree root first, depth first), threads aside. */
static int tree_ok(const struct ckpt_restore_plan *p, char *err, size_t errsize)
{
	for (size_t i = 1; i < p->n_tasks; i++) {
		const struct rs_task *t = &p->tasks[i];
		const struct rs_task *parent = t->pid == t->tgid ? task_of(p, t->ppid) : task_of(p, t->tgid);

		if (!parent || parent >= t || parent->pid != parent->tgid) {
			snprintf(err, errsize, "task %" PRId64 ": its %s %" PRId64 " is not a process made before it",
				 t->pid, t->pid == t->tgid ? "parent" : "thread group leader",
				 t->pid == t->tgid ? t->ppid : t->tgid);
			return -1;
		}
	}
	return 0;
}

static void kill_made(const struct made *m)
{
	/* Every one first, so that none runs on; then each reaped. */
	for (size_t i = m->n; i-- > 0;)
		kill(m->pids[i], SIGKILL);
	for (size_t i = m->n; i-- > 0;)
		rs_kill_task(m->pids[i]);
}

/* --pid-ns with a root that is not pid 1: the namespace's init, made
 * here, makes the root (a remote clone3 with its image pid) and keeps the
 * restorer's descriptors for the tasks to take.  The root is built as its
 * child; the init stays stopped until everything is let go. */
static int build_in_init(struct rs_ctx *x, struct made *m, pid_t *child)
{
	const struct rs_task *root = &x->plan->tasks[0];
	/* The init as the root's parent: its group and session are the
	 * root's unless the root leads its own (then it makes them). */
	struct rs_task init = { .pid = 1, .tgid = 1, .pgid = root->pgid, .sid = root->sid, .comm = "init" };
	struct rs_ctx h = *x, c;
	char why[256];
	long src_fd = 0;
	pid_t pid;
	int rc = -1;

	h.task = &init;
	h.pid = rs_create_init((pid_t)root->nspid[0], x->opt, &h.code, x->err, x->errsize);
	if (h.pid < 0)
		return -1;
	*child = h.pid;
	if (remember(&h, m, h.pid) < 0) {
		rs_kill_task(h.pid);
		return -1;
	}
	rs_log(&h, 1, "pid namespace: init %d (1 inside), stopped", (int)h.pid);
	if (ckpt_remote_begin(&h.r, h.pid, TREE_OPTIONS, why, sizeof(why)) < 0)
		return rs_fail(&h, "%s", why);
	h.r.timeout_ms = x->opt && x->opt->timeout_ms > 0 ? x->opt->timeout_ms : CKPT_REMOTE_TIMEOUT_MS;
	h.r.stop = x->opt ? x->opt->stop : NULL;
	ckpt_remote_set_syscall_ip(&h.r, h.code);
	if ((pid = make_child(&h, root, &src_fd)) < 0)
		goto out;
	if (remember(&h, m, pid) < 0) {
		rs_kill_task(pid);
		goto out;
	}
	rs_log(&h, 1, "task %d (%s): created by the init, stopped", (int)pid, root->comm);
	c = h;
	c.task = root;
	c.pid = pid;
	c.src_fd = src_fd;
	memset(&c.r, 0, sizeof(c.r));
	rc = build(&c, m, &init);
	x->pid = pid;
	/* It must outlive us (-d) from the moment it is let go. */
	if (rc == 0)
		rc = rs_call(&h, "prctl(PR_SET_PDEATHSIG)", SYS_prctl, 1 /* PR_SET_PDEATHSIG */, 0, 0, 0, 0, 0, NULL);
out:
	if (ckpt_remote_end(&h.r, why, sizeof(why)) < 0 && rc == 0)
		rc = rs_fail(&h, "%s", why);
	return rc;
}

int ckpt_restore_run(const struct ckpt_restore_plan *p, const struct ckpt_restore_options *opt, pid_t *root,
		     char *err, size_t errsize)
{
	pid_t child;

	return ckpt_restore_run_ns(p, opt, root, &child, err, errsize);
}

int ckpt_restore_run_ns(const struct ckpt_restore_plan *p, const struct ckpt_restore_options *opt, pid_t *root,
			pid_t *child, char *err, size_t errsize)
{
	struct rs_ctx x = { .plan = p, .opt = opt, .err = err, .errsize = errsize };
	struct made m = { 0 };
	struct rs_pipe *pipes = NULL;
	size_t n_pipes = 0;
	struct rs_shares *shares = NULL;
	/* --pid-ns, or a root below depth 0 (pidlevels.c). */
	bool pid_ns = rs_new_pid_ns(p, opt), foreground = false;
	pid_t pid;

	*root = *child = 0;
	if (!p->go) {
		snprintf(err, errsize, "the image did not pass the gate (%" PRIu64 " errors)", p->findings);
		return -1;
	}
	if (tree_ok(p, err, errsize) < 0)
		return -1;
	/* Made before the init of --pid-ns, which keeps them for the tasks. */
	if (rs_pipes_make(p, &pipes, &n_pipes, err, errsize) < 0 ||
	    rs_ttys_make(p, opt, pipes, &n_pipes, err, errsize) < 0) {
		rs_pipes_close(pipes, n_pipes);
		return -1;
	}
	if (rs_shared_make(p, &shares, err, errsize) < 0 ||
	    rs_shared_inode_files_make(p, shares, pipes, &n_pipes, err, errsize) < 0) {
		rs_pipes_close(pipes, n_pipes);
		rs_shared_close(shares);
		return -1;
	}
	x.pipes = pipes;
	x.n_pipes = n_pipes;
	x.shares = shares;
	x.task = &p->tasks[0];
	if (pid_ns && x.task->nspid[0] != 1) {
		x.fd_source = 1;
		if (build_in_init(&x, &m, child) < 0)
			goto fail;
		pid = x.pid;
	} else {
		/* The root is pid 1 of a new namespace: nothing in it sees us,
		 * so it inherits a pidfd of ours to take our descriptors. */
		long self = pid_ns ? syscall(SYS_pidfd_open, getpid(), 0) : -1;

		if (self >= 0 && self < 3) {
			long moved = fcntl((int)self, F_DUPFD_CLOEXEC, 3);

			close((int)self);
			self = moved;
		}
		if (pid_ns && self < 0) {
			snprintf(err, errsize, "pidfd_open(ckptrestore): %s", strerror(errno));
			rs_pipes_close(pipes, n_pipes);
			rs_shared_close(shares);
			return -1;
		}
		x.src_fd = self > 0 ? self : 0;
		pid = x.pid = rs_create_task(x.task, opt, pid_ns, err, errsize);
		if (self > 0)
			close((int)self);
		if (x.pid < 0) {
			rs_pipes_close(pipes, n_pipes);
			rs_shared_close(shares);
			return -1;
		}
		*child = pid;
		rs_log(&x, 1, "task %d (%s): created, stopped", (int)x.pid, x.task->comm);
		if (remember(&x, &m, x.pid) < 0 || build(&x, &m, NULL) < 0) {
			if (!m.n)
				rs_kill_task(pid);
			goto fail;
		}
	}
	if (rs_shared_seal(p, shares, err, errsize) < 0)
		goto fail;
	/* A shell job's group takes the terminal before it runs: read from
	 * the background, the terminal would stop it. */
	if (rs_tty_foreground(opt, pid, err, errsize) < 0)
		goto fail;
	foreground = opt && opt->shell_job;
	/* The memory is whole and every thread set: the order they are let
	 * go in does not matter; the root (or the init) last, so that a
	 * failure above still finds it stopped. */
	for (size_t i = m.n; i-- > 0;) {
		pid_t t = m.pids[i];

		if (ptrace(PTRACE_DETACH, t, NULL, NULL) < 0) {
			int e = errno;

			m.n = i + 1;
			snprintf(err, errsize, "task %d: PTRACE_DETACH: %s", (int)t, strerror(e));
			goto fail;
		}
	}
	free(m.pids);
	rs_pipes_close(pipes, n_pipes);
	rs_shared_close(shares);
	rs_log(&x, 1, "task %d (%s): running", (int)pid, x.task->comm);
	*root = pid;
	return 0;
fail:
	if (foreground)
		ckpt_restore_terminal_foreground(opt->terminal_fd, 0);
	kill_made(&m);
	free(m.pids);
	rs_pipes_close(pipes, n_pipes);
	rs_shared_close(shares);
	*child = 0;
	return -1;
}
