/* The restorer's internals: the plan read from an image (plan.c) and the
 * steps that rebuild one task from it (tree.c, mm.c, files.c, creds.c,
 * signals.c, regs.c).  Internal to libckpt; Linux x86_64 only. */
#ifndef CKPT_RESTORE_IMPL_H
#define CKPT_RESTORE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "check/sockdiag.h"
#include "ckpt/model.h"
#include "ckpt/restore.h"
#include "ptrace/remote.h"

#define RS_NSIG 64
#define RS_NLIMITS 16
#define RS_AUXV_MAX 64
/* Our code page in a task being built (syscall; int3), then the scratch
 * area for the arguments of remote calls. */
#define RS_CODE_SIZE 4096
#define RS_SCRATCH_SIZE (64 * 1024)
/* Numbers of one pid: a level for each pid namespace (MAX_PID_NS_LEVEL
 * levels below the first). */
#define RS_PID_LEVELS 33
/* INODE objects one process may use (shared memory, memfd, unlinked). */
#define RS_INODES_MAX 64

struct rs_file {
	int32_t objref;
	uint32_t f_type;
	uint32_t f_flags;
	uint64_t f_pos;
	char *path;			/* raw bytes, NUL-terminated */
	int32_t ino;			/* EXT_FILE_INODE: its INODE object, 0 none */
	/* A pipe end ("pipe:[INO]"): the pipe's inode, and from the EXT_PIPE
	 * after a reading end its capacity and the bytes waiting in it. */
	uint64_t pipe_ino;
	uint32_t pipe_size;
	uint8_t *pipe_data;
	size_t pipe_len;
};

/* A pipe of the image, made in the restorer: each task takes its ends
 * with pidfd_getfd(2), so every end is one open file description. */
struct rs_pipe {
	uint64_t ino;
	int32_t read_file, write_file;	/* the FILEs of its ends (0: none) */
	int fd[2];			/* the restorer's; -1 when closed */
};

/* An INODE object (EXT_INODE): memory or a file no path reopens. */
struct rs_inode_run {
	uint64_t offset, pages;		/* in the object */
	uint64_t data;			/* image offset of its bytes */
};

struct rs_inode {
	int32_t objref;
	uint32_t kind, flags, mode, seals;
	uint64_t size;
	char *path;			/* the STRING after it, or NULL */
	struct rs_inode_run *runs;
	size_t n_runs;
};

/* A VMA that names an INODE object (VMA.ino_objref), by its record. */
struct rs_vma_ino {
	uint64_t record;		/* the VMA's image record index */
	int32_t ino;
};

/* fdkinds.c: what the image says of a FILE beyond its path, from the
 * EXT_* records after it (docs/extensions.md). */
enum rs_kind { RK_NONE, RK_EVENTFD, RK_TIMERFD, RK_SIGNALFD, RK_INOTIFY, RK_EPOLL };

struct rs_epoll_item {
	uint64_t data;
	int32_t fd, file;		/* the number it was added under; its FILE */
	uint32_t events;
};

struct rs_watch {
	int32_t wd, handle_type;
	uint32_t mask, sdev, handle_bytes;
	uint8_t handle[128];
};

struct rs_fdkind {
	int32_t file;			/* the FILE's objref */
	enum rs_kind kind;
	uint64_t count;			/* eventfd */
	bool semaphore;
	uint32_t clockid, settime_flags;	/* timerfd */
	uint64_t ticks, value_sec, value_nsec, interval_sec, interval_nsec;
	uint64_t sigmask;		/* signalfd */
	struct rs_watch *watches;	/* inotify */
	size_t n_watches;
	struct rs_epoll_item *items;	/* epoll */
	size_t n_items;
	/* A socket: EXT_SOCKET_QUEUE (family, type, the bytes queued to be
	 * read) and EXT_PEERS (its inode, its peer's). */
	bool has_queue, has_peers;
	uint32_t family, sock_type, peer_ino;
	uint64_t ino;
	uint8_t *queue;
	size_t queue_len;
	/* A datagram or seqpacket socket: EXT_SOCKET_MSGS (its type, flags)
	 * and its messages in queue order (EXT_SOCKET_MSG + BUFFER). */
	bool has_msgs;
	uint32_t msgs_type, msgs_flags, msgs_fds;
	struct rs_msg { uint8_t *data; size_t len; } *msgs;
	size_t n_msgs;
	/* A listening socket: EXT_SOCKET_LISTEN (listen.c). */
	bool has_listen;
	struct rs_listen {
		uint32_t family, type, protocol, valid, backlog, pending, options, linger_sec, ifindex;
		uint32_t path_mode, path_uid, path_gid;
		uint32_t values[CKPT_LISTEN_N_OPTIONS];	/* numbers, by their place in ckpt_listen_options */
		uint8_t addr[112];
		size_t addr_len;
	} listen;
};

struct rs_fd {
	int32_t table;			/* the FILE_TABLE's objref */
	int fd;
	bool cloexec;
	int32_t file;			/* the FILE's objref */
};

struct rs_cred {
	int32_t objref;
	uint32_t uid, suid, euid, fsuid, gid, sgid, egid, fsgid;
	int32_t groupinfo;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bset;
	uint32_t securebits;
};

struct rs_groups {
	int32_t objref;
	uint32_t n;
	uint32_t *gids;
};

struct rs_mm {
	int32_t objref;
	const struct ckpt_model_mm *model;	/* VMAs and page runs */
	int32_t exe;
	uint64_t start_code, end_code, start_data, end_data, start_brk, brk, start_stack;
	uint64_t arg_start, arg_end, env_start, env_end;
	uint64_t auxv[RS_AUXV_MAX];
	size_t n_auxv;			/* words, pairs included, AT_NULL last */
};

struct rs_fs {
	int32_t objref;
	uint32_t umask;
	char *root, *pwd;
};

struct rs_sigaction {
	uint64_t handler, flags, restorer, mask;
};

struct rs_sighand {
	int32_t objref;
	struct rs_sigaction act[RS_NSIG];
};

struct rs_siginfo {
	int32_t signo, code;
	uint8_t raw[128];		/* siginfo_t as the kernel takes it */
};

struct rs_pending {
	size_t n;
	struct rs_siginfo *info;
};

struct rs_signal {
	int32_t objref;
	uint64_t rlim_cur[RS_NLIMITS], rlim_max[RS_NLIMITS];
	struct rs_pending shared;
	/* ITIMER_REAL, _VIRTUAL, _PROF: time to the next expiry and the
	 * reload interval, ns (timers.c). */
	uint64_t it_value[3], it_incr[3];
};

/* One seccomp filter of a task (EXT_SECCOMP_FILTER), classic BPF. */
struct rs_filter {
	uint32_t index;			/* 0: the one installed first */
	uint32_t n_insns;
	uint8_t *insns;			/* struct sock_filter, n_insns of them */
};

struct rs_uts {
	int32_t objref;
	char nodename[65], domainname[65];
};

struct rs_task {
	int64_t pid, ppid, tgid, pgid, sid;
	char comm[72];			/* escaped */
	uint32_t exit_signal;
	int32_t cred, mm, files, fs, sighand, signal, ns, uts;
	bool has_regs;
	struct user_regs_struct regs;
	uint8_t *xstate;
	size_t xstate_len;
	uint64_t blocked;
	struct rs_pending pending;
	int32_t robust_len;
	uint64_t robust_list, clear_child_tid;
	uint64_t sas_ss_sp, sas_ss_size;
	/* EXT_TASK_SECURITY and EXT_RSEQ, when the image has them. */
	bool has_security;
	uint32_t no_new_privs, personality, sas_ss_flags;
	uint64_t cap_ambient;
	uint64_t rseq_ptr;
	uint32_t rseq_size, rseq_sig, rseq_flags;
	/* EXT_TASK_SECURITY's seccomp mode and filter count, the oldest
	 * filters it shares with a task before it (EXT_SECCOMP_SHARED), and
	 * its own filters after them. */
	uint32_t seccomp_mode, seccomp_count;
	uint32_t seccomp_shared;
	int64_t seccomp_same_pid;
	struct rs_filter *filters;
	size_t n_filters;
	/* A zombie (TASK.exit_state) and its wait status (TASK.exit_code). */
	uint32_t exit_state, exit_code;
	/* Pid namespaces (pidlevels.c): pid, ppid, tgid, pgid and sid above
	 * are the image's outermost numbers; level counts the namespaces
	 * below the restored root's (0: in it), nspid[] holds the task's
	 * number at the root's level, then at each level below down to its
	 * own, and own_pid, own_tgid are what the task itself sees. */
	uint32_t level;
	int32_t nspid[RS_PID_LEVELS];
	int32_t own_pid, own_tgid;
};

/* One PIDS entry (pidlevels.c): its numbers in pid_numbers from first. */
struct rs_pid_entry {
	int32_t outer;			/* its number at level 0: the key */
	uint32_t depth;
	size_t first;
};

struct ckpt_restore_plan {
	struct ckpt_image *img;		/* random access for page data */
	int memfd;			/* stdin copied here, else -1 */
	struct ckpt_model *model;
	bool go;
	uint64_t findings;		/* errors of the gate */
	struct rs_task *tasks;
	size_t n_tasks;
	struct rs_file *files;
	size_t n_files;
	struct rs_fd *fds;
	size_t n_fds;
	struct rs_cred *creds;
	size_t n_creds;
	struct rs_groups *groups;
	size_t n_groups;
	struct rs_mm *mms;
	size_t n_mms;
	struct rs_fs *fss;
	size_t n_fss;
	struct rs_sighand *sighands;
	size_t n_sighands;
	struct rs_signal *signals;
	size_t n_signals;
	struct rs_uts *utss;
	size_t n_utss;
	struct { int32_t objref, uts; } *nss;
	size_t n_nss;
	struct rs_inode *inodes;
	size_t n_inodes;
	struct rs_vma_ino *vma_inos;
	size_t n_vma_inos;
	struct rs_fdkind *kinds;	/* fdkinds.c */
	size_t n_kinds;
	struct rs_tty *ttys;		/* ttys.c */
	size_t n_ttys;
	struct rs_tty_ref *tty_refs;
	size_t n_tty_refs;
	uint64_t time_ns;		/* EXT_PRODUCER: CLOCK_REALTIME at the freeze's end */
	struct rs_pid_entry *pid_entries;	/* pidlevels.c */
	size_t n_pid_entries;
	int32_t *pid_numbers;		/* RS_PID_LEVELS per entry */
	uint32_t root_depth;		/* the root's TREE depth */
};

/* Look-ups by objref; NULL when the image has no such object. */
const struct rs_file *rs_file(const struct ckpt_restore_plan *p, int32_t ref);
const struct rs_cred *rs_cred(const struct ckpt_restore_plan *p, int32_t ref);
const struct rs_groups *rs_groups(const struct ckpt_restore_plan *p, int32_t ref);
const struct rs_mm *rs_mm(const struct ckpt_restore_plan *p, int32_t ref);
const struct rs_fs *rs_fs(const struct ckpt_restore_plan *p, int32_t ref);
const struct rs_sighand *rs_sighand(const struct ckpt_restore_plan *p, int32_t ref);
const struct rs_signal *rs_signal(const struct ckpt_restore_plan *p, int32_t ref);
const struct rs_uts *rs_uts(const struct ckpt_restore_plan *p, int32_t ref);
const struct rs_inode *rs_inode(const struct ckpt_restore_plan *p, int32_t ref);

/* An INODE object more than one process uses (shared anonymous memory,
 * a memfd, an unlinked file): made once in the restorer (shared_inodes.c) and
 * taken by each process with pidfd_getfd(2). */
struct rs_shared {
	int32_t ino;
	int fd;				/* the restorer's; -1 when closed */
};

struct rs_shares {
	struct rs_shared *objs;
	size_t n_objs;
};

/* One task being built: the restorer's handle on it. */
struct rs_ctx {
	const struct ckpt_restore_plan *plan;
	const struct ckpt_restore_options *opt;
	const struct rs_task *task;
	pid_t pid;			/* as the restorer sees it */
	struct ckpt_remote r;
	uint64_t code;			/* our code page in the task: syscall; int3 */
	char *err;
	size_t errsize;
	const struct rs_pipe *pipes;	/* run.c's, for files.c */
	size_t n_pipes;
	/* inodes.c: the task's descriptors of its INODE objects while its
	 * address space and descriptors are built. */
	struct { int32_t ino; long fd; } inode_fds[RS_INODES_MAX];
	size_t n_inode_fds;
	struct rs_shares *shares;	/* run.c's (shared_inodes.c), for inodes.c */
	/* The pid, as the task sees it, of a process holding the restorer's
	 * descriptors at their numbers (pipe ends, externals): 0 the
	 * restorer itself; with --pid-ns the namespace's init (pidns.c). */
	pid_t fd_source;
	/* The task's fs is its parent's, whole (made with CLONE_FS): its
	 * cwd, root and umask are not set again (run.c, files.c). */
	bool fs_of_parent;
	/* Its descriptor table is its parent's (made with CLONE_FILES once
	 * the parent's is whole): it places, closes and adds to epoll files
	 * nothing there; only its own INODE descriptors come and go. */
	bool files_of_parent;
	/* The task's descriptor of a pidfd of that process, when it cannot
	 * see it (pidlevels.c); 0 none: it opens one with pidfd_open(2).
	 * src_shared: it is the parent's, in the table they share, which
	 * the parent closes. */
	long src_fd;
	bool src_shared;
};

/* A remote system call that must succeed: -1 with err naming what failed. */
int rs_call(struct rs_ctx *x, const char *what, long nr, long a0, long a1, long a2, long a3, long a4,
	    long a5, long *ret);
/* Writes len bytes to the task's scratch page and returns its address. */
int rs_scratch(struct rs_ctx *x, const void *buf, size_t len, uint64_t *addr);
/* The restorer's descriptor mine (or, with --pid-ns, the init's copy of
 * it), taken into the task with pidfd_getfd(2) (through x->src_fd when
 * the task has one, pidlevels.c); what names it in errors.
 * The task's new fd, or -1 with err. */
long rs_take_fd(struct rs_ctx *x, int mine, const char *what);
/* Opens path in the task (close-on-exec); the fd, or -1 with err. */
long rs_open(struct rs_ctx *x, const char *path, int flags);
void rs_log(const struct rs_ctx *x, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int rs_fail(struct rs_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* files.c: the image's pipes, made in the restorer with their waiting
 * bytes; closed by rs_pipes_close.  0, or -1 with err. */
int rs_pipes_make(const struct ckpt_restore_plan *p, struct rs_pipe **out, size_t *n, char *err, size_t errsize);
void rs_pipes_close(struct rs_pipe *pipes, size_t n);
/* Whether an entry of pipes already stands for FILE file. */
bool rs_pipes_holds(const struct rs_pipe *pipes, size_t n, int32_t file);
/* Appends the entry of an object made for one FILE (fd[0]; no second end)
 * and returns it; pipes has room for one per FILE. */
struct rs_pipe *rs_pipes_add_one(struct rs_pipe *pipes, size_t *n, int32_t file, int fd);

/* ttys.c: the image's terminals (EXT_TTY), and which FILE or SIGNAL
 * names which (EXT_FILE_TTY, SIGNAL.tty_objref), read after the plan. */
struct rs_tty {
	int32_t objref;
	uint32_t kind, flags;
	int32_t index, sid, pgrp;
	uint32_t iflag, oflag, cflag, lflag, ispeed, ospeed;
	uint8_t line, cc[19];
	uint16_t ws[4];			/* rows, cols, xpixel, ypixel */
};
struct rs_tty_ref {
	int32_t from;			/* a FILE's or a SIGNAL's objref */
	int32_t tty;
};
int rs_ttys_read(struct ckpt_restore_plan *p, char *err, size_t errsize);
void rs_ttys_free(struct ckpt_restore_plan *p);
/* The terminal a FILE or a SIGNAL (objref from) names, or NULL. */
const struct rs_tty *rs_tty_of(const struct ckpt_restore_plan *p, int32_t from);
/* Sets t's termios and window size on the terminal at fd; -1 with errno. */
int rs_tty_set(int fd, const struct rs_tty *t);
/* ptys.c: whether terminal t is one end of a pty made again (its master
 * is in the image), and the pairs made (see below). */
bool rs_tty_rebuilt(const struct ckpt_restore_plan *p, const struct rs_tty *t);
int rs_ptys_make(const struct ckpt_restore_plan *p, struct rs_pipe *pipes, size_t *n, char *err, size_t errsize);
/* ttys.c: the pty pairs of the image made again (ptys.c: both ends in the
 * image; its master FILE's entry in pipes holds the restorer's slave too,
 * in fd[1], its ino RS_PTY_KEY | index); with --shell-job a new open of
 * the caller's terminal for every FILE on a terminal outside the image.
 * Appended to pipes like the objects above (0, or -1 with err). */
#define RS_PTY_KEY (1ull << 63)
/* ptys.c: in a session leader whose controlling terminal is such a pty,
 * after its descriptors: TIOCSCTTY (before its children, which inherit
 * it); after its children: the terminal's foreground group (TIOCSPGRP).
 * With --shell-job, rs_tty_foreground makes the root's group the caller's
 * terminal's foreground group (nothing without). */
int rs_tty_session(struct rs_ctx *x);
int rs_tty_session_pgrp(struct rs_ctx *x);
int rs_ttys_make(const struct ckpt_restore_plan *p, const struct ckpt_restore_options *opt, struct rs_pipe *pipes,
		 size_t *n, char *err, size_t errsize);
int rs_tty_foreground(const struct ckpt_restore_options *opt, pid_t root, char *err, size_t errsize);

/* fdkinds.c: the records above, read after the plan (0, or -1 with err),
 * and freed; a FILE's, or NULL. */
int rs_fdkinds_read(struct ckpt_restore_plan *p, char *err, size_t errsize);
void rs_fdkinds_free(struct ckpt_restore_plan *p);
const struct rs_fdkind *rs_fdkind(const struct ckpt_restore_plan *p, int32_t file);
/* Objects other than pipes the restorer makes for the tasks to take, one
 * rs_pipe entry each (the FILE in read_file, the object in fd[0]; a
 * socketpair's second end in write_file and fd[1]), appended to pipes
 * (room for one per FILE): sockets.c socketpairs, fifos.c FIFOs, fdkinds.c
 * eventfd, timerfd, signalfd, inotify and epoll, shared.c files several
 * processes hold.  0, or -1 with err. */
int rs_sockets_make(const struct ckpt_restore_plan *p, struct rs_pipe *pipes, size_t *n, char *err, size_t errsize);
int rs_fifos_make(const struct ckpt_restore_plan *p, struct rs_pipe *pipes, size_t *n, char *err, size_t errsize);
/* listen.c: an EXT_SOCKET_LISTEN record read into l; listening sockets,
 * bound and listening again. */
void rs_listen_read(struct rs_listen *l, const struct ckpt_record *rec);
int rs_listen_make(const struct ckpt_restore_plan *p, struct rs_pipe *pipes, size_t *n, char *err, size_t errsize);
int rs_fdkinds_make(const struct ckpt_restore_plan *p, struct rs_pipe *pipes, size_t *n, char *err, size_t errsize);
/* shared.c: a file reopened by path that several processes hold. */
int rs_shared_files_make(const struct ckpt_restore_plan *p, struct rs_pipe *pipes, size_t *n, char *err,
			 size_t errsize);
/* shared.c: a memfd or unlinked file several processes hold through one
 * description, opened once from the object shared_inodes.c made (after
 * rs_shared_make; appended to pipes the same way). */
int rs_shared_inode_files_make(const struct ckpt_restore_plan *p, const struct rs_shares *s, struct rs_pipe *pipes,
			       size_t *n, char *err, size_t errsize);
/* fdkinds.c: the interest lists of the task's epoll files, added in the
 * task once every descriptor of it is placed (mine: them, by number). */
int rs_epoll_fill(struct rs_ctx *x, const struct rs_fd *const *mine, size_t n);

/* tree.c: a child of the caller with the task's pid, stopped under ptrace
 * (PTRACE_O_EXITKILL: it dies with the restorer).  Its pid, or -1 with err. */
pid_t rs_create_task(const struct rs_task *t, const struct ckpt_restore_options *opt, bool new_pid_ns, char *err,
		     size_t errsize);
/* Kills and reaps a task we created (bounded). */
void rs_kill_task(pid_t pid);
/* tree.c: after clone3 said pid is taken, whether to try again: the task
 * holding it is dying (a zombie, dead or exiting; the tree the user just
 * killed), so this waits RS_PID_POLL_MS and says yes, until *waited_ms
 * reaches RS_PID_WAIT_MS or opt->stop is set.  A live holder: no, at once. */
#define RS_PID_WAIT_MS 2000
#define RS_PID_POLL_MS 20
bool rs_pid_wait_free(pid_t pid, const struct ckpt_restore_options *opt, int *waited_ms);

/* pidns.c: pid 1 of a new pid namespace, a child of the caller stopped
 * under ptrace like rs_create_task's, that becomes the tree's init once
 * let go (reaps, exits with the status of its child root, the image pid
 * of the root).  *code: its code page (syscall; int3) and scratch. */
pid_t rs_create_init(pid_t root, const struct ckpt_restore_options *opt, uint64_t *code, char *err,
		     size_t errsize);
/* The pid a task passes to pidfd_open(2) to take the restorer's
 * descriptors (see rs_ctx.fd_source). */
long rs_fd_source(const struct rs_ctx *x);

/* pidlevels.c: the PIDS buffer's entries, read into the plan (0, or -1
 * out of memory); then each task's levels and numbers (0, or -1 with
 * err); the set_tid array of clone3 for t, innermost first (its size);
 * the number of tree task pid (outermost) as task by sees it, 0 when
 * it cannot; whether the tree goes into a new pid namespace (--pid-ns,
 * or a root below depth 0). */
int rs_pid_levels_read(struct ckpt_restore_plan *p, const struct ckpt_record *rec);
int rs_pid_levels(struct ckpt_restore_plan *p, char *err, size_t errsize);
size_t rs_set_tid(const struct rs_task *t, pid_t *tids);
int64_t rs_pid_seen_by(const struct ckpt_restore_plan *p, int64_t pid, const struct rs_task *by);
bool rs_new_pid_ns(const struct ckpt_restore_plan *p, const struct ckpt_restore_options *opt);
/* pidlevels.c: the task's inherited pidfd of the restorer's descriptors'
 * holder (x->src_fd) moved above its image descriptors (first), and
 * closed once its children are made.  0, or -1 with err. */
int rs_source_hold(struct rs_ctx *x);
int rs_source_drop(struct rs_ctx *x);
/* pidlevels.c: the pid 1 of the namespace task t joined without starting
 * it: the one live sibling before it, one level below their parent, that
 * is pid 1 there (NULL: none, or more than one).  x's task's children go
 * to the pid namespace of task in (a child of it, or itself: back to its
 * own), by setns(2) on a pidfd.  0, or -1 with err. */
const struct rs_task *rs_pid_ns_init(const struct ckpt_restore_plan *p, const struct rs_task *t);
int rs_pid_ns_enter(struct rs_ctx *x, const struct rs_task *in);

/* run.c: a child's group and session, where they differ from its
 * parent's.  0, or -1 with err. */
int rs_group_and_session(struct rs_ctx *x, const struct rs_task *parent);
/* zombie.c: the process t, just made by its parent as pid (stopped,
 * attached), becomes a zombie with its saved status; the parent keeps
 * no notification of it.  0, or -1 with the parent's err. */
int rs_zombie(struct rs_ctx *parent, const struct rs_task *t, pid_t pid);
/* zombie.c: a zombie thread group leader whose threads live on is built
 * as a process from a stand-in record (its own, with its threads'
 * objects), finishes with rs_zombie_leader_finish instead of the usual
 * last calls (*exit_ip: a syscall instruction that stays), and takes
 * exit(2) of its own status for registers (rs_zombie_leader_exit). */
bool rs_zombie_leader(const struct ckpt_restore_plan *p, const struct rs_task *t);
const struct rs_task *rs_zombie_standin(const struct ckpt_restore_plan *p, const struct rs_task *t,
					struct rs_task *out);
int rs_zombie_leader_finish(struct rs_ctx *x, uint64_t *exit_ip);
int rs_zombie_leader_exit(struct rs_ctx *x, uint64_t exit_ip);

/* run.c: steps of every thread (the leader's and the others'). */
int rs_thread_pointers(struct rs_ctx *x);
int rs_name(struct rs_ctx *x);
/* signals.c: a thread's own pending signals. */
int rs_thread_signals(struct rs_ctx *x);
/* threads.c: the process's other threads, made by the leader (after the
 * shared state, before the leader's credentials); their tids in tids
 * (room for every task of the plan).  0, or -1 with err. */
int rs_threads_restore(struct rs_ctx *leader, pid_t *tids, size_t *n_tids);

/* The steps, in the order run.c runs them; each 0, or -1 with x->err. */
int rs_mm_restore(struct rs_ctx *x);		/* mm.c: address space, then PR_SET_MM */

/* pages.c: the saved pages of one area at a time (UFFDIO_COPY into
 * private anonymous areas, else /proc/PID/mem).  Open once per address
 * space, close after its areas. */
struct rs_pages {
	uint8_t *buf;			/* image bytes on their way */
	uint8_t *ring;			/* the read-ahead's buffers (pages.c) */
	int uffd;			/* the task's userfaultfd, ours; -1 none */
	bool uffd_tried;
	uint64_t uffd_bytes;		/* placed by UFFDIO_COPY (the rest: /proc/PID/mem) */
};
void rs_pages_open(struct rs_pages *pg);
/* The area's runs into the task; ino: the INODE object it maps, 0 none.
 * The area is mapped and writable.  0, or -1 with err. */
int rs_pages_write(struct rs_ctx *x, struct rs_pages *pg, const struct ckpt_model_mm *mm,
		   const struct ckpt_model_vma *v, int32_t ino);
void rs_pages_close(struct rs_pages *pg);
int rs_files_restore(struct rs_ctx *x);		/* files.c: descriptors, cwd, root, umask */
int rs_uts_restore(struct rs_ctx *x);		/* creds.c: uts namespace */
int rs_signals_restore(struct rs_ctx *x);	/* signals.c: handlers, mask, pending */
int rs_limits_restore(struct rs_ctx *x);	/* signals.c: rlimits (prlimit from here) */
int rs_creds_restore(struct rs_ctx *x);		/* creds.c: last of the privileged steps */
int rs_regs_restore(struct rs_ctx *x);		/* regs.c: final registers and FPU */

/* inodes.c: the INODE objects the task maps or holds, made in it with
 * their contents (in rs_mm_restore, before the VMAs); their descriptors,
 * kept above every number the image gives it; closing every other
 * descriptor (files.c, first); seals and closing them (files.c, last). */
int rs_inodes_create(struct rs_ctx *x);
int32_t rs_vma_ino(const struct ckpt_restore_plan *p, uint64_t record);
long rs_inode_fd(const struct rs_ctx *x, int32_t ino);
int rs_inodes_close_others(struct rs_ctx *x);
int rs_inodes_finish(struct rs_ctx *x);
/* inodes.c, for shared_inodes.c: whether task t maps or holds object ino; the
 * object's saved runs written to out; a path without " (deleted)". */
bool rs_task_uses_inode(const struct ckpt_restore_plan *p, const struct rs_task *t, int32_t ino);
int rs_inode_fill(const struct ckpt_restore_plan *p, const struct rs_inode *n, int out, char *err, size_t errsize);
void rs_live_name(const char *path, char *out, size_t size);

/* shared_inodes.c: the objects more than one process uses, made and filled in
 * the restorer before any task; the restorer's descriptor of one (-1:
 * not shared); their seals, once every process has mapped them (before
 * the detach); closing them.  0, or -1 with err. */
int rs_shared_make(const struct ckpt_restore_plan *p, struct rs_shares **out, char *err, size_t errsize);
/* Whether the image has any such object. */
bool rs_shared_any(const struct ckpt_restore_plan *p);
int rs_shared_fd(const struct rs_ctx *x, int32_t ino);
int rs_shared_seal(const struct ckpt_restore_plan *p, const struct rs_shares *s, char *err, size_t errsize);
void rs_shared_close(struct rs_shares *s);

/* timers.c: the process's interval timers, re-armed (leader only). */
int rs_timers_restore(struct rs_ctx *x);
/* seccomp.c: the thread's seccomp mode and filters, with the restorer's
 * later calls exempt from them (PTRACE_O_SUSPEND_SECCOMP until the end of
 * the remote calls).  options: the ptrace options the thread was begun
 * with. */
int rs_seccomp_restore(struct rs_ctx *x, unsigned long options);

#endif
