/* Internals of the producer (src/core/collect/): the frozen tree, the /proc
 * readers and the record emitter they share.  Linux only. */
#ifndef CKPT_COLLECT_IMPL_H
#define CKPT_COLLECT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

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
	struct timespec frozen_wall, frozen_mono;	/* when the last thread stopped */
};

/* Whether tgid is a process of the tree; if so, *live is its first seized
 * (live) thread or NULL, and *n_live how many of its threads are live. */
bool ckpt_tree_group(const struct ckpt_tree *t, pid_t tgid, const struct ckpt_thread **live, uint32_t *n_live);

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
int ckpt_proc_smaps(pid_t pid, struct ckpt_proc_vma **out, size_t *n);

/* The values of the named "Key:" lines of a thread's status, each parsed
 * in its base (SigBlk is hex, Umask octal); -1 with errno (ENOTSUP when a
 * line is missing: an older kernel). */
int ckpt_proc_status_values(pid_t tgid, pid_t tid, const char *const *keys, const int *bases,
			    uint64_t *values, size_t n);

/* The first n resource limits {soft, hard} of /proc/PID/limits, unlimited
 * as all ones; -1 with errno. */
int ckpt_proc_limits(pid_t pid, uint64_t (*lim)[2], size_t n);

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
/* pid: a live thread of the address space's group. */
struct ckpt_pages *ckpt_pages_new(pid_t pid, struct ckpt_emit *e);
void ckpt_pages_free(struct ckpt_pages *p);
/* Writes the PGARR records of every present page of [start, end), then the
 * PGARR with nr_pages 0 that ends the vma. */
int ckpt_pages_dump(struct ckpt_pages *p, uint64_t start, uint64_t end);

/* --- image.c and its helpers: the state of one image being written ------- */

#include "ckpt/kernel.h"
#include "ckpt/schema.h"

/* Shared objects seen so far, by the key that makes two of them one. */
struct cred_obj {
	struct ckpt_proc_creds c;	/* owns c.groups */
	int32_t ref;
};
struct key_ref {
	uint64_t a, b;
	int32_t ref;
};
struct groups_obj {
	uint32_t *groups;
	size_t n;
	int32_t ref;
};

/* An object shared between tasks, with a task (and descriptor) that holds
 * it: what kcmp(2) compares new tasks against, and what the observed-users
 * count starts from.  Namespaces are keyed by inode instead. */
struct shared_obj {
	int32_t ref;
	uint32_t objtype;		/* CKPT_OBJ_* */
	pid_t tgid, tid;		/* a task holding it */
	int fd;				/* FILE: tid's descriptor for it */
	uint64_t dev, ino;		/* FILE: what it is open on; namespaces: ino */
};

/* An NS object: the uts, ipc and net namespace inodes it stands for. */
struct ns_set {
	uint64_t ino[3];
	int32_t ref;
};

struct collect {
	struct ckpt_emit e;
	struct ckpt_tree *t;
	struct ckpt_kernel_profile prof;
	pid_t *pid_nums;		/* pid objects: number i has objref pid_refs[i] */
	int32_t *pid_refs;
	size_t n_pids;
	struct cred_obj *creds;
	size_t n_creds;
	struct groups_obj *groupinfos;
	size_t n_groupinfos;
	struct key_ref *users, *userns, *files;
	size_t n_users, n_userns, n_files;
	struct ns_set *nsets;
	size_t n_nsets;
	struct shared_obj *objs;
	size_t n_objs;
	size_t *sorted[CKPT_OBJ_MAX];	/* objs indices in kcmp order, per type */
	size_t n_sorted[CKPT_OBJ_MAX];
};

/* Appends one zeroed element to a growing array; NULL when out of memory. */
void *ckpt_push(void *arrayp, size_t *n, size_t size);
struct key_ref *ckpt_find_key(struct key_ref *a, size_t n, uint64_t ka, uint64_t kb);
static inline int ckpt_oom(struct collect *c)
{
	return ckpt_emit_fail(&c->e, "out of memory");
}
/* Remembers a new object under the key (ka, kb) and writes its OBJREF;
 * the object's own records follow.  Its objref, or -1 (the error is set). */
int32_t ckpt_define_key(struct collect *c, struct key_ref **a, size_t *n, uint64_t ka, uint64_t kb,
			const char *objtype);
/* Records a shared object held by tid (for a FILE: through its descriptor
 * fd, -1 for a mapped file); NULL when out of memory (the error is set). */
struct shared_obj *ckpt_shared_add(struct collect *c, uint32_t objtype, int32_t ref, pid_t tgid, pid_t tid,
				   int fd);
/* The mm, file table, fs, sighand or open file (tid's descriptor fd, else
 * 0) object tid shares with a task seen before, by kcmp(2); NULL if none. */
const struct shared_obj *ckpt_shared_kcmp(const struct collect *c, uint32_t objtype, pid_t tid, int fd);

/* --- files.c: descriptor tables, open files, fs ---------------------------- */

/* The FILE_TABLE / FS objects of a live thread (written the first time);
 * -1 on failure. */
int32_t ckpt_files_ref(struct collect *c, const struct ckpt_thread *th, int32_t cred);
int32_t ckpt_fs_ref(struct collect *c, const struct ckpt_thread *th);

/* --- ext.c: the extension records ckpttools adds -------------------------- */

/* EXT_PRODUCER, then EXT_USERS with the users of every shared object seen
 * system-wide now (docs/extensions.md). */
int ckpt_write_producer(struct collect *c);
int ckpt_write_users(struct collect *c);

/* --- signals.c ------------------------------------------------------------- */

int32_t ckpt_sighand_ref(struct collect *c, const struct ckpt_thread *th);
int32_t ckpt_signal_ref(struct collect *c, const struct ckpt_thread *th);
/* SIGNAL_TASK and the thread's private SIGPENDING. */
int ckpt_write_signal_task(struct collect *c, const struct ckpt_thread *th);

#endif
