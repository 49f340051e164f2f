/* Seccomp (EXT_TASK_SECURITY.seccomp_mode, EXT_SECCOMP_FILTER): the
 * thread's filters installed again with seccomp(2) made by the thread, in
 * the order they were installed, or strict mode; the oldest ones a task
 * shares with a task before it (EXT_SECCOMP_SHARED: a thread or child
 * that inherited them) are that task's programs, installed again.  The
 * order is
 * PTRACE_SECCOMP_GET_FILTER's: the kernel counts filter_off from the
 * oldest filter, so index 0 is the one installed FIRST (a round trip of
 * tests/workloads/filtered shows it: installed from the highest index
 * down, ckpt of the restored task reads them back reversed).
 *
 * A filter may forbid the calls the restorer still makes in the thread
 * (the credentials, the timers, the parent-death signal, unmapping our
 * code page) or kill the thread for them, and one filter may forbid the
 * seccomp(2) that installs the next.  So the thread is first put under
 * PTRACE_O_SUSPEND_SECCOMP (the tracer needs CAP_SYS_ADMIN): its filters
 * then see none of our calls, whatever they return (SECCOMP_RET_TRACE
 * included, which would otherwise stop for a tracer or fail with ENOSYS),
 * until the remote calls end: ckpt_remote_end() puts back the options the
 * thread was begun with, and from then on only the registers are written
 * before the detach.  The first call the thread makes after that, a
 * system call it was frozen in and that is made again included, meets its
 * filters as it did before the checkpoint.
 *
 * The filters go in before the credentials: with the filters suspended
 * the order does not matter to our calls, and a filter installed without
 * no_new_privs needs CAP_SYS_ADMIN, which the credentials may drop.  After
 * the process's other threads are made (clone3 would copy the leader's
 * filters into them) and after its children (fork copies them too; a
 * child's own list, inherited ones included, is in its own records). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "restore/restore_impl.h"

/* Filter idx of task t's chain (0 the oldest): one of its own, or, below
 * its EXT_SECCOMP_SHARED count, the same filter of the task before it
 * that it shares them with (which may share them in turn: depth bounds a
 * malformed loop).  NULL when the image does not hold it. */
static const struct rs_filter *filter_at(const struct ckpt_restore_plan *p, const struct rs_task *t, uint32_t idx,
					 size_t depth)
{
	if (idx < t->seccomp_shared) {
		for (size_t i = 0; depth < p->n_tasks && &p->tasks[i] < t; i++)
			if (p->tasks[i].pid == t->seccomp_same_pid)
				return filter_at(p, &p->tasks[i], idx, depth + 1);
		return NULL;
	}
	for (size_t i = 0; i < t->n_filters; i++)
		if (t->filters[i].index == idx)
			return &t->filters[i];
	return NULL;
}

static int install(struct rs_ctx *x, const struct rs_filter *f)
{
	size_t len = (size_t)f->n_insns * 8;
	struct sock_fprog prog;
	uint8_t *buf;
	uint64_t at;
	int rc;

	if (!f->n_insns || f->n_insns > BPF_MAXINSNS)
		return rs_fail(x, "seccomp filter %u: %u instructions", f->index, f->n_insns);
	/* The program at the scratch's start, the sock_fprog after it. */
	if (!(buf = malloc(len + sizeof(prog))))
		return rs_fail(x, "out of memory");
	prog.len = (unsigned short)f->n_insns;
	prog.filter = (struct sock_filter *)(uintptr_t)(x->code + RS_CODE_SIZE);
	memcpy(buf, f->insns, len);
	memcpy(buf + len, &prog, sizeof(prog));
	rc = rs_scratch(x, buf, len + sizeof(prog), &at);
	free(buf);
	if (rc < 0)
		return -1;
	return rs_call(x, "seccomp(SECCOMP_SET_MODE_FILTER)", SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0,
		       (long)(at + len), 0, 0, 0, NULL);
}

int rs_seccomp_restore(struct rs_ctx *x, unsigned long options)
{
	const struct rs_task *t = x->task;
	const struct rs_filter **order;
	uint32_t n;
	int rc = 0;

	if (!t->has_security || t->seccomp_mode == SECCOMP_MODE_DISABLED)
		return 0;
	if (t->seccomp_mode != SECCOMP_MODE_STRICT && t->seccomp_mode != SECCOMP_MODE_FILTER)
		return rs_fail(x, "seccomp mode %u is not known", t->seccomp_mode);
	if (t->seccomp_mode == SECCOMP_MODE_FILTER && !t->n_filters && !t->seccomp_shared)
		return rs_fail(x, "seccomp filter mode without its filters in the image");
	if (ptrace(PTRACE_SETOPTIONS, x->pid, NULL,
		   (void *)(options | PTRACE_O_TRACESYSGOOD | PTRACE_O_SUSPEND_SECCOMP)) < 0)
		return rs_fail(x, "PTRACE_O_SUSPEND_SECCOMP: %s", strerror(errno));
	if (t->seccomp_mode == SECCOMP_MODE_STRICT)
		return rs_call(x, "seccomp(SECCOMP_SET_MODE_STRICT)", SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, 0, 0,
			       0, 0, NULL);
	n = t->seccomp_count ? t->seccomp_count : t->seccomp_shared + (uint32_t)t->n_filters;
	/* The kernel takes 32768 instructions on a chain, 4 more per filter
	 * of at least 1: far fewer filters than this. */
	if (n > 8192)
		return rs_fail(x, "%u seccomp filters", n);
	if (!(order = calloc(n ? n : 1, sizeof(*order))))
		return rs_fail(x, "out of memory");
	for (uint32_t i = 0; i < n; i++)
		if (!(order[i] = filter_at(x->plan, t, i, 0))) {
			free(order);
			return rs_fail(x, "seccomp filter %u of %u is not in the image", i, n);
		}
	for (uint32_t i = 0; rc == 0 && i < n; i++)
		rc = install(x, order[i]);
	free(order);
	if (rc == 0)
		rs_log(x, 1, "task %d: %u seccomp filters (%u shared with task %lld)", (int)x->pid, n,
		       t->seccomp_shared, (long long)t->seccomp_same_pid);
	return rc;
}
