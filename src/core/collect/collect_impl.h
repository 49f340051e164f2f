/* Internals of the producer (src/core/collect/): the frozen tree, the /proc
 * readers and the record emitter they share.  Linux only. */
#ifndef CKPT_COLLECT_IMPL_H
#define CKPT_COLLECT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ckpt/collect.h"
#include "ckpt/writer.h"

/* One thread of the tree, as seized. */
struct ckpt_thread {
	pid_t tid;
	pid_t tgid;
	char state;		/* /proc state letter seen before seizing */
	bool seized;		/* attached (zombies cannot be) */
	int resend_signal;	/* stopped in signal-delivery-stop: re-deliver at detach */
};

/* One process (thread group); its threads are threads[first..first+count). */
struct ckpt_process {
	pid_t tgid;
	pid_t ppid;
	size_t depth;		/* in the tree, root 0: orders the walk */
};

struct ckpt_tree {
	pid_t root;
	struct ckpt_thread *threads;
	size_t n_threads, cap_threads;
	struct ckpt_process *procs;
	size_t n_procs, cap_procs;
};

/* --- proc.c: /proc readers ------------------------------------------------ */

/* The whole of a (small) /proc file, NUL-terminated; NULL with errno. */
char *ckpt_proc_read(const char *path, size_t *len);
char *ckpt_proc_readf(size_t *len, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* /proc/PID/stat, split after the comm (which may hold spaces). */
struct ckpt_proc_stat {
	char comm[17];
	char state;
	long long f[53];	/* f[n] is field n of proc(5) (1-based); 0 if absent */
};
int ckpt_proc_stat(pid_t tgid, pid_t tid, struct ckpt_proc_stat *st);

/* The credentials /proc/PID/task/TID/status shows. */
struct ckpt_proc_creds {
	uint32_t uid[4], gid[4];	/* real, effective, saved, fs */
	uint32_t *groups;
	size_t n_groups;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd;
	int nspid_depth;		/* pid-namespace depth: NSpid entries - 1 */
	pid_t nspid[32];
	pid_t tracer;			/* TracerPid */
};
int ckpt_proc_creds(pid_t tgid, pid_t tid, struct ckpt_proc_creds *c);
void ckpt_proc_creds_free(struct ckpt_proc_creds *c);
/* TracerPid of a task, or -1. */
pid_t ckpt_proc_tracer(pid_t tid);

/* One mapping of /proc/PID/smaps. */
struct ckpt_proc_vma {
	uint64_t start, end, offset;
	unsigned prot;			/* PROT_* from the permission column */
	bool shared;			/* 's' in the permission column */
	unsigned dev_major, dev_minor;
	uint64_t inode;
	char path[4096];		/* "" for anonymous, "[heap]", "/lib/..." */
	uint64_t rss_kb, swap_kb;
	char vmflags[256];		/* the VmFlags line's two-letter codes */
};
/* All mappings; -1 with errno. */
int ckpt_proc_smaps(pid_t tgid, struct ckpt_proc_vma **out, size_t *n);

/* Inode number of /proc/PID/ns/NAME, or 0 when it cannot be read. */
uint64_t ckpt_proc_ns_inode(pid_t tid, const char *name);

/* --- uts.c ---------------------------------------------------------------- */

struct ckpt_uts {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};
/* The uname strings as seen inside tid's uts namespace. */
int ckpt_uts_of(pid_t tid, struct ckpt_uts *u, char *err, size_t errsize);

/* --- emit.c: records through the tables ------------------------------------ */

struct ckpt_emit {
	struct ckpt_writer w;
	const struct ckpt_schema *s;
	struct ckpt_rbuf b;		/* the record being built */
	int32_t next_ref;		/* next objref to hand out */
	uint64_t records;
	char *err;
	size_t errsize;
	bool failed;			/* first failure's reason is in err */
	int write_errno;		/* errno of a failed write, else 0 */
	const struct ckpt_collect_options *opt;
	struct ckpt_collect_progress progress;
};

/* Each returns 0 or -1; the first failure is kept in e->err.  Building a
 * record by a wrong field name is a bug caught by the tests, but reported
 * like any other failure rather than crashing. */
int ckpt_emit_begin(struct ckpt_emit *e, const char *type, size_t len);
int ckpt_emit_set(struct ckpt_emit *e, const char *field, uint64_t v);
int ckpt_emit_set_name(struct ckpt_emit *e, const char *field, const char *name);
int ckpt_emit_set_chars(struct ckpt_emit *e, const char *field, const char *s);
int ckpt_emit_put(struct ckpt_emit *e);
/* A BUFFER/STRING/FILE_NAME/... of raw payload bytes. */
int ckpt_emit_raw(struct ckpt_emit *e, const char *type, const void *p, size_t n);
/* The same, NUL-padded to exactly n bytes (uts strings, comm). */
int ckpt_emit_padded(struct ckpt_emit *e, const char *type, const char *s, size_t n);
/* Hands out the next objref and writes its OBJREF record. */
int32_t ckpt_emit_objref(struct ckpt_emit *e, const char *objtype);
int ckpt_emit_fail(struct ckpt_emit *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether the caller asked to stop; sets the error when it did. */
bool ckpt_emit_stopped(struct ckpt_emit *e);

/* --- pages.c --------------------------------------------------------------- */

struct ckpt_pages;
struct ckpt_pages *ckpt_pages_new(pid_t tgid, struct ckpt_emit *e);
void ckpt_pages_free(struct ckpt_pages *p);
/* Writes the PGARR records of every present page of [start, end), then the
 * PGARR with nr_pages 0 that ends the vma. */
int ckpt_pages_dump(struct ckpt_pages *p, uint64_t start, uint64_t end);

#endif
