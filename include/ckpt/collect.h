/* Producing images of live process trees (Linux only, needs ptrace rights).
 *
 * A checkpoint is three steps: ckpt_freeze() seizes and stops every thread
 * of every task of the tree, ckpt_collect_write() reads the stopped tree
 * from /proc and ptrace and writes a linux-cr rev 6 image, and ckpt_thaw()
 * detaches every thread so the tree runs on exactly as before.  ckpt_thaw()
 * must run on every path once ckpt_freeze() returned a tree; if the tracer
 * dies without it (SIGKILL), the kernel detaches the seized threads itself.
 */
#ifndef CKPT_COLLECT_H
#define CKPT_COLLECT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct ckpt_tree;

/* Seizes the tree rooted at root: 0 and *out, or -1 with a reason naming
 * the pid that could not be traced in err; on -1 nothing is left traced. */
int ckpt_freeze(pid_t root, struct ckpt_tree **out, char *err, size_t errsize);

struct ckpt_freeze_options {
	/* Checked in every wait: when it becomes non-zero the freeze gives
	 * up ("interrupted") and releases what it had stopped. */
	volatile sig_atomic_t *stop;
	/* How long one thread may take to stop, in ms; 0: 10 s.  A thread
	 * that does not stop in time fails the freeze, naming its pid and
	 * state.  A vfork(2) parent is refused without waiting: it cannot
	 * stop until its child execs or exits. */
	unsigned stop_wait_ms;
};
/* ckpt_freeze() with options (opt may be NULL).  A thread that was seized
 * but never stopped cannot be detached by ptrace; the kernel detaches it
 * when the calling process exits. */
int ckpt_freeze_opts(pid_t root, const struct ckpt_freeze_options *opt, struct ckpt_tree **out, char *err,
		     size_t errsize);
/* Detaches every seized thread (re-delivering a signal a thread was
 * stopped for) and frees the tree; the number of threads that could not be
 * detached because they were gone already is not an error. */
void ckpt_thaw(struct ckpt_tree *t);

/* Counts of the frozen tree, for messages. */
size_t ckpt_tree_processes(const struct ckpt_tree *t);
size_t ckpt_tree_threads(const struct ckpt_tree *t);

struct ckpt_collect_progress {
	uint64_t pages_done;		/* pages written so far */
	uint64_t pages_total;		/* resident pages expected (an estimate) */
};

struct ckpt_collect_options {
	bool no_pages;			/* metadata only: no PGARR records */
	/* The largest memfd or unlinked file whose contents are saved, in
	 * bytes (0: 64 MiB); a larger one fails the checkpoint, naming it.
	 * Shared anonymous memory is saved whatever its size. */
	uint64_t file_data_limit;
	/* Checked between records and page batches: when it becomes non-zero
	 * the write stops with an error ("interrupted"). */
	volatile sig_atomic_t *stop;
	/* Called now and then while pages are written; may be NULL. */
	void (*progress)(void *arg, const struct ckpt_collect_progress *p);
	void *progress_arg;
};

struct ckpt_collect_stats {
	uint64_t records;
	uint64_t pages;
	uint64_t bytes;
};

/* Writes the image of the frozen tree to out (no seeking: a pipe works).
 * 0, or -1 with the reason in err (a write error's errno in *write_errno,
 * else 0).  The tree stays frozen either way.  Page contents are read and
 * written by two threads of the library's own (all signals blocked), so
 * out's write functions may run on them; *opt->stop is only read by the
 * calling thread. */
int ckpt_collect_write(struct ckpt_tree *t, FILE *out, const struct ckpt_collect_options *opt,
		       struct ckpt_collect_stats *stats, int *write_errno, char *err, size_t errsize);

#endif
