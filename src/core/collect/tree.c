/* The process tree: the PIDS and TREE records, and the pid objects every
 * task record refers to. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <time.h>
#include <unistd.h>
#include <elf.h>
#include <linux/kcmp.h>

#include "ckpt/kernel.h"
#include "collect/collect_impl.h"

/* --- process tree ---------------------------------------------------------- */

static bool have_pid(const struct collect *c, pid_t pid)
{
	for (size_t i = 0; i < c->n_pids; i++)
		if (c->pid_nums[i] == pid)
			return true;
	return false;
}

/* The objref of a pid object, once they are written. */
static int32_t pid_ref(const struct collect *c, pid_t pid)
{
	if (pid <= 0)
		return CKPT_PID_NULL;
	for (size_t i = 0; i < c->n_pids; i++)
		if (c->pid_nums[i] == pid)
			return c->pid_refs[i];
	return 0;
}

static bool add_pid(struct collect *c, pid_t pid)
{
	if (pid <= 0 || have_pid(c, pid))
		return true;
	pid_t *slot = ckpt_push(&c->pid_nums, &c->n_pids, sizeof(pid_t));

	if (!slot)
		return false;
	*slot = pid;
	return true;
}

/* PIDS + BUFFER, the PID objects, TREE + BUFFER.  The pid objects are the
 * tasks' pids, then process-group and session ids of tasks outside the
 * tree (which restart must create as placeholders). */
int ckpt_write_tree(struct collect *c)
{
	struct ckpt_emit *e = &c->e;
	struct ckpt_tree *t = c->t;
	size_t n = t->n_threads, n_nums = 0, nbuf = 0;
	struct ckpt_proc_stat *st = calloc(n ? n : 1, sizeof(*st));
	struct ckpt_proc_creds *cr = calloc(n ? n : 1, sizeof(*cr));
	uint8_t *buf = NULL;
	int rc = -1;

	if (!st || !cr)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (ckpt_proc_stat(t->threads[i].tgid, t->threads[i].tid, &st[i]) < 0 ||
		    ckpt_proc_creds(t->threads[i].tgid, t->threads[i].tid, &cr[i]) < 0) {
			ckpt_emit_fail(e, "pid %d: cannot read /proc/%d/task/%d: %s", (int)t->threads[i].tid,
				       (int)t->threads[i].tgid, (int)t->threads[i].tid, strerror(errno));
			goto out;
		}
		if (!add_pid(c, t->threads[i].tid))
			goto nomem;
	}
	for (size_t i = 0; i < n; i++)
		if (!add_pid(c, (pid_t)st[i].f[5]) || !add_pid(c, (pid_t)st[i].f[6]))
			goto nomem;
	c->pid_refs = calloc(c->n_pids ? c->n_pids : 1, sizeof(*c->pid_refs));
	buf = malloc(c->n_pids * 4 * 33 + 24 * n + 8);
	if (!c->pid_refs || !buf)
		goto nomem;
	/* Packed { u32 depth; s32 numbers[depth + 1] }: a task's numbers are
	 * its NSpid line, outermost first; other pids are numbers of ours. */
	for (size_t k = 0; k < c->n_pids; k++) {
		const struct ckpt_proc_creds *who = NULL;

		for (size_t i = 0; i < n && !who; i++)
			if (t->threads[i].tid == c->pid_nums[k] && cr[i].nspid_depth > 0)
				who = &cr[i];
		uint32_t depth = who ? (uint32_t)who->nspid_depth : 0;

		ckpt_le_store(buf + nbuf, 4, depth);
		nbuf += 4;
		for (uint32_t d = 0; d <= depth; d++) {
			ckpt_le_store(buf + nbuf, 4, (uint32_t)(who ? who->nspid[d] : c->pid_nums[k]));
			nbuf += 4;
			n_nums++;
		}
	}
	ckpt_emit_begin(e, "PIDS", 0);
	ckpt_emit_set(e, "nr_pids", c->n_pids);
	ckpt_emit_set(e, "nr_vpids", n_nums);
	ckpt_emit_put(e);
	ckpt_emit_raw(e, "BUFFER", buf, nbuf);
	/* TREE entries refer to the pids as objects: they come first. */
	for (size_t k = 0; k < c->n_pids; k++)
		c->pid_refs[k] = ckpt_emit_objref(e, "PID");

	ckpt_emit_begin(e, "TREE", 0);
	ckpt_emit_set(e, "nr_tasks", n);
	ckpt_emit_put(e);
	/* The BUFFER's layout has named fields: fill each entry through them. */
	const struct ckpt_rtype *tree_rt = ckpt_schema_type_by_name(e->s, "TREE");
	const struct ckpt_layout *lay = &tree_rt->follows[0].layout;

	memset(buf, 0, 24 * n);
	for (size_t i = 0; i < n; i++) {
		const struct ckpt_thread *th = &t->threads[i];
		pid_t ppid = (pid_t)st[i].f[4];
		int32_t vppid = pid_ref(c, ppid);
		struct { const char *name; uint64_t v; } vals[] = {
			{ "vpid", (uint32_t)pid_ref(c, th->tid) },
			{ "vppid", (uint32_t)(vppid > 0 && vppid != CKPT_PID_NULL ? vppid : CKPT_PID_ROOT) },
			{ "vtgid", (uint32_t)pid_ref(c, th->tgid) },
			{ "vpgid", (uint32_t)pid_ref(c, (pid_t)st[i].f[5]) },
			{ "vsid", (uint32_t)pid_ref(c, (pid_t)st[i].f[6]) },
			{ "depth", (uint32_t)cr[i].nspid_depth },
		};

		for (size_t v = 0; v < CKPT_ARRAY_LEN(vals); v++)
			for (size_t f = 0; f < lay->n_elem; f++)
				if (strcmp(lay->elem[f].name, vals[v].name) == 0)
					ckpt_field_put(&lay->elem[f], buf + lay->stride * i, vals[v].v);
	}
	rc = ckpt_emit_raw(e, "BUFFER", buf, lay->stride * n);
	goto out;
nomem:
	ckpt_oom(c);
out:
	for (size_t i = 0; cr && i < n; i++)
		ckpt_proc_creds_free(&cr[i]);
	free(cr);
	free(st);
	free(buf);
	return e->failed ? -1 : rc;
}
