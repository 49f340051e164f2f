/* Pid namespaces of the image (PIDS: every number of a task, one per
 * level, outermost first; TREE depth).  The numbers at the levels above
 * the image root's are seen only by processes outside the tree, so the
 * tree is rebuilt from the root's level down: with a root at depth 0 in
 * the restorer's namespace (or a new one with --pid-ns), with a deeper
 * root always in a new one.  A task deeper than its parent started a
 * namespace of its own (pid 1 there): its parent makes it with
 * clone3(CLONE_NEWPID); or it is a later child after unshare(2), in the
 * namespace of the one elder sibling that is pid 1 there: its parent
 * enters that namespace with setns(2) for the clone (the gate refuses the
 * rest).  Every task gets its number at each level from its own up to the
 * root's with set_tid.
 *
 * A task below the root's level cannot see the process that holds the
 * restorer's descriptors (pipe ends, shared objects, externals), nor can
 * the tasks of a namespace whose pid 1 is the root: they take them
 * through a pidfd of that process they inherit from their maker (the
 * restorer, or a parent that opens one for the clone), kept above their
 * image descriptors until their own children are made. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "ckpt/format.h"
#include "restore/restore_impl.h"

int rs_pid_levels_read(struct ckpt_restore_plan *p, const struct ckpt_record *rec)
{
	size_t pos = rec->hdr_len;

	while (rec->avail >= pos + 4) {
		uint32_t depth = (uint32_t)ckpt_le_load(rec->data + pos, 4);
		struct rs_pid_entry *e;

		/* The gate has judged the buffer: stop at what it cannot hold. */
		if (depth >= RS_PID_LEVELS || (uint64_t)(depth + 1) * 4 > rec->avail - pos - 4)
			break;
		if ((p->n_pid_entries & (p->n_pid_entries - 1)) == 0) {
			size_t cap = p->n_pid_entries ? p->n_pid_entries * 2 : 16;
			void *a = realloc(p->pid_entries, cap * sizeof(*p->pid_entries));

			if (!a)
				return -1;
			p->pid_entries = a;
			a = realloc(p->pid_numbers, cap * RS_PID_LEVELS * sizeof(*p->pid_numbers));
			if (!a)
				return -1;
			p->pid_numbers = a;
		}
		e = &p->pid_entries[p->n_pid_entries];
		e->outer = (int32_t)ckpt_le_load(rec->data + pos + 4, 4);
		e->depth = depth;
		e->first = p->n_pid_entries++ * RS_PID_LEVELS;
		for (uint32_t d = 0; d <= depth; d++)
			p->pid_numbers[e->first + d] = (int32_t)ckpt_le_load(rec->data + pos + 4 + 4 * d, 4);
		pos += 4 + 4 * ((size_t)depth + 1);
	}
	return 0;
}

static int by_outer(const void *a, const void *b)
{
	const struct rs_pid_entry *x = a, *y = b;

	return (x->outer > y->outer) - (x->outer < y->outer);
}

/* Sorted by rs_pid_levels: an image may hold many thousand threads. */
static const struct rs_pid_entry *entry_of(const struct ckpt_restore_plan *p, int64_t pid)
{
	struct rs_pid_entry key = { .outer = (int32_t)pid };

	if (pid <= 0 || pid > INT32_MAX || !p->n_pid_entries)
		return NULL;
	return bsearch(&key, p->pid_entries, p->n_pid_entries, sizeof(key), by_outer);
}

static const struct rs_task *task_by_pid(const struct ckpt_restore_plan *p, int64_t pid)
{
	for (size_t i = 0; i < p->n_tasks; i++)
		if (p->tasks[i].pid == pid)
			return &p->tasks[i];
	return NULL;
}

int rs_pid_levels(struct ckpt_restore_plan *p, char *err, size_t errsize)
{
	const struct rs_pid_entry *root;
	const struct rs_task *leader = NULL;

	if (p->n_pid_entries)
		qsort(p->pid_entries, p->n_pid_entries, sizeof(*p->pid_entries), by_outer);
	root = entry_of(p, p->tasks[0].pid);
	p->root_depth = root ? root->depth : 0;
	for (size_t i = 0; i < p->n_tasks; i++) {
		struct rs_task *t = &p->tasks[i];
		const struct rs_pid_entry *e = entry_of(p, t->pid);

		if (!e || e->depth < p->root_depth) {
			/* Only what a depth-0 image says (the gate refuses a
			 * task above the root's level, or deeper than the
			 * kernel's levels: a refused image is only described). */
			if (p->root_depth && p->go) {
				snprintf(err, errsize, "task %" PRId64 ": no pid at the level of the image root", t->pid);
				return -1;
			}
			t->level = 0;
			t->nspid[0] = (int32_t)t->pid;
			continue;
		}
		t->level = e->depth - p->root_depth;
		for (uint32_t l = 0; l <= t->level; l++)
			t->nspid[l] = p->pid_numbers[e->first + p->root_depth + l];
	}
	for (size_t i = 0; i < p->n_tasks; i++) {
		struct rs_task *t = &p->tasks[i];

		/* Threads follow their leader in the image. */
		if (t->pid == t->tgid)
			leader = t;
		else if (!leader || leader->pid != t->tgid)
			leader = task_by_pid(p, t->tgid);
		t->own_pid = t->nspid[t->level];
		t->own_tgid = leader && leader->level == t->level ? leader->nspid[leader->level] : t->own_pid;
	}
	return 0;
}

size_t rs_set_tid(const struct rs_task *t, pid_t *tids)
{
	for (uint32_t l = 0; l <= t->level; l++)
		tids[l] = t->nspid[t->level - l];
	return (size_t)t->level + 1;
}

int64_t rs_pid_seen_by(const struct ckpt_restore_plan *p, int64_t pid, const struct rs_task *by)
{
	const struct rs_task *t = task_by_pid(p, pid);

	/* Outside the tree: known only in ckpt's namespace. */
	if (!t)
		return by->level || p->root_depth ? 0 : pid;
	return t->level >= by->level ? t->nspid[by->level] : 0;
}

bool rs_new_pid_ns(const struct ckpt_restore_plan *p, const struct ckpt_restore_options *opt)
{
	return (opt && opt->pid_ns) || p->root_depth > 0;
}

int rs_source_hold(struct rs_ctx *x)
{
	const struct ckpt_restore_plan *p = x->plan;
	long above = 0, fd;

	if (x->src_fd <= 0 || x->src_shared)
		return 0;
	for (size_t i = 0; x->task->files && i < p->n_fds; i++)
		if (p->fds[i].table == x->task->files && p->fds[i].fd >= above)
			above = p->fds[i].fd + 1L;
	if (rs_call(x, "fcntl(F_DUPFD_CLOEXEC, restorer pidfd)", SYS_fcntl, x->src_fd, F_DUPFD_CLOEXEC, above, 0, 0,
		    0, &fd) < 0 ||
	    rs_call(x, "close", SYS_close, x->src_fd, 0, 0, 0, 0, 0, NULL) < 0)
		return -1;
	x->src_fd = fd;
	return 0;
}

int rs_source_drop(struct rs_ctx *x)
{
	long fd = x->src_fd;

	x->src_fd = 0;
	if (fd <= 0 || x->src_shared)
		return 0;
	return rs_call(x, "close(restorer pidfd)", SYS_close, fd, 0, 0, 0, 0, 0, NULL);
}

const struct rs_task *rs_pid_ns_init(const struct ckpt_restore_plan *p, const struct rs_task *t)
{
	const struct rs_task *init = NULL;

	for (size_t i = 0; i < p->n_tasks && &p->tasks[i] != t; i++) {
		const struct rs_task *s = &p->tasks[i];

		if (s->ppid == t->ppid && s->pid == s->tgid && s->level == t->level && s->own_pid == 1 &&
		    !s->exit_state) {
			if (init)
				return NULL;
			init = s;
		}
	}
	return init;
}

int rs_pid_ns_enter(struct rs_ctx *x, const struct rs_task *in)
{
	long pidfd, r;

	/* The task's number as x's task sees it: its own, or a child's. */
	if (rs_call(x, "pidfd_open(namespace)", SYS_pidfd_open, in == x->task ? in->own_pid : in->nspid[x->task->level],
		    0, 0, 0, 0, 0, &pidfd) < 0)
		return -1;
	r = rs_call(x, "setns(CLONE_NEWPID)", SYS_setns, pidfd, CLONE_NEWPID, 0, 0, 0, 0, NULL);
	if (rs_call(x, "close", SYS_close, pidfd, 0, 0, 0, 0, 0, NULL) < 0)
		return -1;
	return r < 0 ? -1 : 0;
}
