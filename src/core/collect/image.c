/* The image of a frozen tree: header, process tree, then per task (in tree
 * order) its records, each shared object written once behind an OBJREF the
 * first time a task uses it, then the tail.
 *
 * Every record is built by field name through the rev 6 tables (emit.c);
 * the facts come from /proc and ptrace (proc.c, uts.c, pages.c). */
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


/* --- header ---------------------------------------------------------------- */

/* The xstate size the kernel hands out through ptrace (the user ABI size
 * of the features enabled in XCR0), from a frozen thread: what CPU_FPU
 * records hold, so HEADER_ARCH says the same. */
static void probe_xstate_size(struct collect *c)
{
#if defined(__x86_64__)
	static uint8_t buf[1 << 16];

	if (!c->prof.has_xsave)
		return;
	for (size_t i = 0; i < c->t->n_threads; i++) {
		struct iovec iov = { buf, sizeof(buf) };

		if (c->t->threads[i].seized &&
		    ptrace(PTRACE_GETREGSET, c->t->threads[i].tid, (void *)(long)NT_X86_XSTATE, &iov) == 0) {
			c->prof.xstate_size = (unsigned)iov.iov_len;
			return;
		}
	}
#else
	(void)c;
#endif
}

static int write_header(struct collect *c)
{
	struct ckpt_emit *e = &c->e;
	char err[256];
	unsigned arch;
	struct ckpt_uts u;

	if (ckpt_kernel_profile_running(&c->prof, err, sizeof(err)) < 0)
		return ckpt_emit_fail(e, "%s", err);
	arch = ckpt_kernel_arch_id(c->prof.arch);
	if (arch != 2)
		return ckpt_emit_fail(e, "linux-cr rev 6 images are written for x86_64 only, not %s",
				      c->prof.arch);
	if (ckpt_uts_of(getpid(), &u, err, sizeof(err)) < 0)
		return ckpt_emit_fail(e, "%s", err);
	ckpt_emit_begin(e, "HEADER", 0);
	ckpt_emit_set(e, "magic", e->s->head_magic);
	ckpt_emit_set(e, "arch_id", arch);
	ckpt_emit_set(e, "major", c->prof.major);
	ckpt_emit_set(e, "minor", c->prof.minor);
	ckpt_emit_set(e, "patch", c->prof.patch);
	ckpt_emit_set(e, "rev", 6);
	/* The profile's constants are named like the HEADER fields. */
	for (int i = 0; i < CKPT_KERNEL_NCONST; i++)
		ckpt_emit_set(e, ckpt_kernel_const_names[i], c->prof.consts[i]);
	ckpt_emit_set(e, "time", (uint64_t)time(NULL));
	/* A tree, not a whole container. */
	ckpt_emit_set_name(e, "uflags", "SUBTREE");
	ckpt_emit_put(e);
	ckpt_emit_padded(e, "BUFFER", u.release, 65);
	ckpt_emit_padded(e, "BUFFER", u.version, 65);
	ckpt_emit_padded(e, "BUFFER", u.machine, 65);

	probe_xstate_size(c);
	ckpt_emit_begin(e, "HEADER_ARCH", 0);
	ckpt_emit_set(e, "has_fxsr", c->prof.has_fxsr);
	ckpt_emit_set(e, "has_xsave", c->prof.has_xsave);
	ckpt_emit_set(e, "xstate_size", c->prof.xstate_size);
	ckpt_emit_put(e);

	/* No LSM: an empty name and an empty LSM_INFO. */
	ckpt_emit_begin(e, "CONTAINER", 0);
	ckpt_emit_put(e);
	ckpt_emit_padded(e, "BUFFER", "", 11);
	return ckpt_emit_raw(e, "LSM_INFO", NULL, 0);
}

static void free_collect(struct collect *c)
{
	for (size_t i = 0; i < c->n_creds; i++)
		ckpt_proc_creds_free(&c->creds[i].c);
	for (size_t i = 0; i < c->n_groupinfos; i++)
		free(c->groupinfos[i].groups);
	free(c->creds);
	free(c->groupinfos);
	free(c->users);
	free(c->userns);
	free(c->nsets);
	free(c->objs);
	for (size_t i = 0; i < CKPT_OBJ_MAX; i++)
		free(c->sorted[i]);
	free(c->files);
	free(c->inodes);
	free(c->ttys);
	ckpt_seccomp_chains_free(c);
	free(c->pid_nums);
	free(c->pid_refs);
	ckpt_peers_free(c->peers);
	ckpt_rbuf_free(&c->e.b);
	ckpt_writer_release(&c->e.w);
}

int ckpt_collect_write(struct ckpt_tree *t, FILE *out, const struct ckpt_collect_options *opt,
		       struct ckpt_collect_stats *stats, int *write_errno, char *err, size_t errsize)
{
	static const struct ckpt_collect_options defaults;
	struct collect c = { .t = t };
	struct ckpt_emit *e = &c.e;

	e->s = ckpt_schema_for(CKPT_DIALECT_REV6);
	e->next_ref = 1;
	e->err = err;
	e->errsize = errsize;
	e->opt = opt ? opt : &defaults;
	ckpt_writer_init(&e->w, out, e->s);
	err[0] = '\0';
	if (ckpt_writer_digests(&e->w) < 0)
		ckpt_emit_fail(e, "out of memory");

	if (!e->failed && write_header(&c) == 0 && ckpt_write_tree(&c) == 0) {
		for (size_t i = 0; i < t->n_threads && !ckpt_emit_stopped(e); i++)
			if (ckpt_write_task(&c, &t->threads[i]) < 0)
				break;
	}
	/* The extension records after the task data; the writer adds the
	 * last EXT_DIGEST before the TAIL. */
	if (!e->failed && ckpt_write_producer(&c) == 0)
		ckpt_write_users(&c);
	if (!e->failed) {
		ckpt_emit_begin(e, "TAIL", 0);
		ckpt_emit_set(e, "magic", e->s->tail_magic);
		ckpt_emit_put(e);
	}
	if (!e->failed && fflush(out) != 0) {
		e->write_errno = errno;
		ckpt_emit_fail(e, "write error: %s", strerror(errno));
	}
	if (e->failed && !e->write_errno) {
		/* A reader of a stream learns why it ends early: an ERROR
		 * record and its message (a NUL, then the text) close it. */
		struct ckpt_emit tail = *e;
		char msg[600];
		size_t len = strlen(err);

		if (len > sizeof(msg) - 2)
			len = sizeof(msg) - 2;
		msg[0] = '\0';
		memcpy(msg + 1, err, len);
		msg[len + 1] = '\0';
		tail.failed = false;
		tail.b = (struct ckpt_rbuf){ 0 };
		char scratch[256];

		tail.err = scratch;
		tail.errsize = sizeof(scratch);
		ckpt_emit_begin(&tail, "ERROR", 0);
		ckpt_emit_put(&tail);
		ckpt_emit_raw(&tail, "STRING", msg, len + 2);
		fflush(out);
	}
	if (stats) {
		stats->records = e->records;
		stats->pages = e->progress.pages_done;
		stats->bytes = e->w.offset;
	}
	if (write_errno)
		*write_errno = e->write_errno;
	int rc = e->failed ? -1 : 0;

	free_collect(&c);
	return rc;
}
