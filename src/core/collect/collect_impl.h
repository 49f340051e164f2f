/* Internals of the producer (src/core/collect/): the frozen tree, the /proc
 * readers and the record emitter they share.  Linux only. */
#ifndef CKPT_COLLECT_IMPL_H
#define CKPT_COLLECT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <signal.h>
#include <time.h>

#include "ckpt/collect.h"
#include "ckpt/writer.h"

/* One thread of the tree, as seized. */
struct ckpt_thread {
	pid_t tid;
	pid_t tgid;
	char state;		/* /proc state letter seen before seizing */
	bool seized;		/* attached (zombies cannot be) */
	bool stopped;		/* its ptrace stop was collected */
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
	volatile sig_atomic_t *stop;	/* the caller's stop flag, or NULL */
	unsigned stop_wait_ms;		/* how long one thread may take to stop */
};

/* How long one thread may take to reach its ptrace stop by default.  A
 * thread in an uninterruptible sleep (a vfork parent, a hung NFS server)
 * may never get there; the rest of the tree is stopped meanwhile. */
#define CKPT_FREEZE_STOP_MS 10000

/* Whether tgid is a process of the tree; if so, *live is its first seized
 * (live) thread or NULL, and *n_live how many of its threads are live. */
bool ckpt_tree_group(const struct ckpt_tree *t, pid_t tgid, const struct ckpt_thread **live, uint32_t *n_live);

#include "collect/proc.h"
#include "collect/emit.h"

/* --- pages.c --------------------------------------------------------------- */

struct ckpt_pages;
/* pid: a live thread of the address space's group. */
struct ckpt_pages *ckpt_pages_new(pid_t pid, struct ckpt_emit *e);
void ckpt_pages_free(struct ckpt_pages *p);
/* Writes the PGARR records of every present or swapped page of [start,
 * end) (with private_copies: only the pages a private file mapping has
 * replaced with private copies), then the PGARR with nr_pages 0 that ends
 * the vma. */
int ckpt_pages_dump(struct ckpt_pages *p, uint64_t start, uint64_t end, bool private_copies);

/* --- the state of one image being written (image.c drives it) ----------- */

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
	struct key_ref *inodes;		/* INODE objects (filedata.c), by dev and ino */
	size_t n_inodes;
	struct ns_set *nsets;
	size_t n_nsets;
	struct shared_obj *objs;
	size_t n_objs;
	size_t *sorted[CKPT_OBJ_MAX];	/* objs indices in kcmp order, per type */
	size_t n_sorted[CKPT_OBJ_MAX];
	struct ckpt_peers *peers;	/* peers.c: the system's descriptors, scanned once */
	/* remote_state.c: the 0f 05 found for the last thread group's remote
	 * calls (its threads are written one after the other), and whether it
	 * is the group's resume stub (ptrace/resume_stub.h). */
	pid_t syscall_tgid;
	uint64_t syscall_ip;
	bool syscall_stub;
	/* security.c: the distinct seccomp filter chains written so far. */
	struct ckpt_seccomp_chain *seccomp_chains;
	size_t n_seccomp_chains;
	/* ttys.c: TTY objects, by kind and pty index or device number. */
	struct key_ref *ttys;
	size_t n_ttys;
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

/* --- the parts of an image, each written by its own file ----------------- */

/* tree.c: PIDS and TREE (every pid object the tasks refer to). */
int ckpt_write_tree(struct collect *c);
/* creds.c, namespaces.c, mm.c: a live thread's CRED, NS and MM objects
 * (written the first time); the objref, or -1 on failure. */
int32_t ckpt_cred_ref(struct collect *c, const struct ckpt_thread *th);
int32_t ckpt_ns_ref(struct collect *c, const struct ckpt_thread *th);
int32_t ckpt_mm_ref(struct collect *c, const struct ckpt_thread *th, int32_t cred);
/* tasks.c: one thread's TASK and everything after it. */
int ckpt_write_task(struct collect *c, const struct ckpt_thread *th);

/* --- files.c: descriptor tables, open files, fs ---------------------------- */

/* The FILE_TABLE / FS objects of a live thread (written the first time);
 * -1 on failure. */
int32_t ckpt_files_ref(struct collect *c, const struct ckpt_thread *th, int32_t cred);
int32_t ckpt_fs_ref(struct collect *c, const struct ckpt_thread *th);

/* --- peers.c: EXT_PEERS --------------------------------------------------- */

struct stat;
/* After a pipe, FIFO or socket FILE's records: the EXT_PEERS record saying
 * who outside the tree holds its inode (scanning the system once); nothing
 * for other files.  0 or -1. */
int ckpt_write_peers(struct collect *c, int32_t ref, const char *path, const struct stat *st);
void ckpt_peers_free(struct ckpt_peers *p);
/* --- filedata.c: contents a restore cannot open by path ------------------- */

/* CKPT_INODE_* kind of a file by the path /proc shows for it (shm_anon:
 * the mapping is shared anonymous memory), or 0 when reopening it by path
 * will do. */
int ckpt_file_data_kind(const char *shown, bool shm_anon);
/* The INODE object of the file open at link (/proc/PID/map_files/A-B,
 * /proc/TID/fd/N), written with all its contents the first time (OBJREF,
 * EXT_INODE, STRING, EXT_INODE_PAGES runs); 0 when it needs none after
 * all (not a regular file, not unlinked), -1 on failure (the error is set:
 * unreadable, or a memfd or unlinked file over --file-data-limit). */
struct ckpt_file_window {
	pid_t pid;			/* the mapping task */
	uint64_t start, end, pgoff;	/* the mapping, its offset in pages */
	uint64_t dev, ino;		/* the object, as maps shows it */
	bool shared;			/* MAP_SHARED: its pages are the object's */
};
/* w (a mapping, or NULL for a descriptor): when link may not be opened
 * (map_files needs CAP_CHECKPOINT_RESTORE), the object is written from
 * what the mapping shows, flagged PARTIAL. */
int32_t ckpt_inode_ref(struct collect *c, const char *link, const char *shown, int kind,
		       const struct ckpt_file_window *w);
/* For files.c: the INODE object of descriptor fd of tid when it is a memfd
 * or an unlinked file, else 0; -1 on failure.  Call it before writing the
 * descriptor's FILE object (objects come before their users), then
 * ckpt_file_data_link() among the FILE's records (after its FILE_NAME). */
int32_t ckpt_file_data_ref(struct collect *c, pid_t tid, int fd);
/* EXT_FILE_INODE naming ino_ref; nothing when ino_ref is 0. */
int ckpt_file_data_link(struct collect *c, int32_t ino_ref);
/* --file-data-limit in bytes (the default when the option is 0). */
uint64_t ckpt_file_data_limit(const struct collect *c);

/* --- extensions.c: the extension records ckpttools adds -------------------------- */

/* EXT_PRODUCER, then EXT_USERS with the users of every shared object seen
 * system-wide now (docs/extensions.md). */
int ckpt_write_producer(struct collect *c);
int ckpt_write_users(struct collect *c);

/* --- signals.c ------------------------------------------------------------- */

#include <signal.h>

/* What ckpt_write_task learns of a thread before its records are written:
 * the signal it was taking when frozen, and what only a system call made
 * by the task itself returns (remote calls, made and finished before its
 * address space is read, so that their scratch mapping is never seen). */
#define CKPT_EXTRA_SECUREBITS	0x1u
#define CKPT_EXTRA_SIGALTSTACK	0x2u
#define CKPT_EXTRA_ITIMERS	0x4u
#define CKPT_EXTRA_SIGACTIONS	0x8u
#define CKPT_EXTRA_FILTERS	0x10u	/* security.c: the seccomp programs */
#define CKPT_EXTRA_BLOCKED	0x20u	/* the real blocked mask, by rt_sigprocmask */
struct ckpt_task_extra {
	uint32_t valid;			/* CKPT_EXTRA_*: which values below were read */
	uint32_t securebits;
	uint64_t ss_sp, ss_size;
	uint32_t ss_flags;
	bool delivering;		/* stopped in signal-delivery-stop: */
	siginfo_t delivered;		/* the signal, dequeued but not yet handled */
	/* The blocked mask the thread returns to: /proc's SigBlk shows the
	 * temporary one of a sigsuspend, ppoll, pselect6 or epoll_pwait. */
	uint64_t blocked;
	/* The thread group's, read through its first thread written. */
	uint64_t itimer[3][2];		/* real, virtual, prof: value, interval (ns) */
	struct {
		uint64_t handler, flags, restorer, mask;
	} action[64];			/* signal i + 1 */
};

/* signals.c: the handlers (when x has them) and itimers (likewise). */
int32_t ckpt_sighand_ref(struct collect *c, const struct ckpt_thread *th, const struct ckpt_task_extra *x);
int32_t ckpt_signal_ref(struct collect *c, const struct ckpt_thread *th, const struct ckpt_task_extra *x);
/* SIGNAL_TASK and the thread's private SIGPENDING, with the signal it was
 * taking when frozen (x->delivering) among the queued ones. */
int ckpt_write_signal_task(struct collect *c, const struct ckpt_thread *th, const struct ckpt_task_extra *x);

/* --- rseq.c ---------------------------------------------------------------- */

#if defined(__x86_64__)
#include <sys/user.h>
/* A thread frozen inside an rseq critical section: regs->rip becomes the
 * section's abort_ip, in regs and in the live thread, as the kernel would
 * set it on the thread's return to user space.  0, or -1 with the error. */
int ckpt_rseq_fixup(struct collect *c, const struct ckpt_thread *th, struct user_regs_struct *regs);
#endif

/* --- security.c ------------------------------------------------------------ */

/* EXT_TASK_SECURITY, its EXT_SECCOMP_FILTERs (and EXT_SECCOMP_SHARED for
 * the filters it shares with a task written before) and EXT_RSEQ. */
int ckpt_write_task_security(struct collect *c, const struct ckpt_thread *th, const struct ckpt_task_extra *x);
void ckpt_seccomp_chains_free(struct collect *c);

/* --- remote_state.c: the remote calls that fill a ckpt_task_extra ----------- */

/* Runs, in the frozen thread th, the calls that read its alternate signal
 * stack and securebits, and, for the first thread written of its group,
 * the group's handlers and itimers; then puts the thread back.  A thread
 * under seccomp is run with its filters suspended
 * (PTRACE_O_SUSPEND_SECCOMP), or not at all when that is refused: a
 * filter may kill a task for a call it never makes itself.  0 (x->valid
 * says what was read), or -1 with the error set. */
int ckpt_read_remote_state(struct collect *c, const struct ckpt_thread *th, struct ckpt_task_extra *x);

/* --- fdstate.c ------------------------------------------------------------- */

/* The extension record of an eventfd, timerfd, signalfd or inotify file
 * (nothing for other files), from its fdinfo text; written right after its
 * FILE record. */
int ckpt_write_fd_state(struct collect *c, int32_t ref, const char *path, const char *fdinfo);
/* EXT_PIPE and a BUFFER: the bytes waiting in the pipe that th's
 * descriptor fd reads, file ref. */
int ckpt_write_pipe_data(struct collect *c, const struct ckpt_thread *th, int fd, int32_t ref);
/* fanotify.c: EXT_FANOTIFY, the group's flags and marks, from the fdinfo
 * text of the fanotify file ref. */
int ckpt_write_fanotify(struct collect *c, int32_t ref, const char *fdinfo);
/* A descriptor of th's table duplicated into ckpt (pidfd_getfd(2)), or -1
 * with errno (fdstate.c). */
int ckpt_grab_fd(const struct ckpt_thread *th, int fd);
/* sockets.c: the queue of th's Unix socket fd, file ref: EXT_SOCKET_QUEUE
 * and a BUFFER for a stream socket, EXT_SOCKET_MSGS and its messages for a
 * datagram or seqpacket one, and the descriptors in flight in either
 * (nothing for other sockets and listening ones). */
int ckpt_write_socket_queue(struct collect *c, const struct ckpt_thread *th, int fd, int32_t ref);
/* listen.c: EXT_SOCKET_LISTEN for th's listening socket fd (file ref, its
 * fstat st); nothing for a socket that does not listen. */
int ckpt_write_socket_listen(struct collect *c, const struct ckpt_thread *th, int fd, int32_t ref,
			     const struct stat *st);
/* EXT_EPOLL: the interest list of the epoll file ref, from its fdinfo tfd lines; refs[i] is
 * the FILE of descriptor fds[i] of the same table (n of them), which a tfd
 * names when kcmp(KCMP_EPOLL_TFD) confirms it. */
int ckpt_write_epoll_items(struct collect *c, const struct ckpt_thread *th, int epfd, int32_t ref,
			   const int *fds, const int32_t *refs, size_t n);

/* --- ttys.c: terminals ------------------------------------------------------- */

/* The TTY object of the terminal open at th's descriptor fd (st: its
 * stat), written the first time (OBJREF, EXT_TTY); -1 on failure.  Call
 * it before writing the descriptor's FILE object, then
 * ckpt_file_tty_link() among the FILE's records. */
int32_t ckpt_tty_ref(struct collect *c, const struct ckpt_thread *th, int fd, const struct stat *st);
/* EXT_FILE_TTY naming tty_ref; nothing when tty_ref is 0. */
int ckpt_file_tty_link(struct collect *c, int32_t tty_ref);
/* The TTY object of a controlling terminal (stat's tty_nr), written now
 * when no descriptor brought it; -1 on failure. */
int32_t ckpt_ctty_ref(struct collect *c, uint64_t tty_nr);

/* struct ptrace_rseq_configuration of the uapi (security.c writes it to
 * EXT_RSEQ, rseq.c follows it to the critical section). */
struct rseq_config {
	uint64_t rseq_abi_pointer;
	uint32_t rseq_abi_size;
	uint32_t signature;
	uint32_t flags;
	uint32_t pad;
};

#endif
