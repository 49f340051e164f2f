/* Restorable rules: the kinds of state ckptrestore (src/core/restore/)
 * cannot rebuild.  The restorer runs these rules before it creates any
 * task and refuses an image with a finding, so ckptcheck says go exactly
 * when ckptrestore can restore the image.  When the restorer learns to
 * rebuild something, its rule goes (or narrows) in the same commit.
 *
 * Only the rev 6 dialect is restored (ckpt writes it; the others come from
 * kernels that restarted them with sys_restart), so the rules judge rev 6
 * images only, and among them those ckpt wrote (they carry EXT_PRODUCER):
 * an image the kernel wrote is restarted by the kernel's sys_restart, whose
 * limits the kernel rules judge.  Findings name the task, the object and
 * what is missing. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_impl.h"
#include "check/sockdiag.h"
#include "ckpt/ext.h"
#include "ckpt/format.h"
#include "schema/names.h"

#define R6 CKPT_DIALECT_BIT(CKPT_DIALECT_REV6)

enum {
	R_ZOMBIE,
	R_TREE,
	R_CPU,
	R_FILE_TYPE,
	R_FILE_UNNAMED,
	R_VMA_TYPE,
	R_VMA_PAGES,
	R_HANDLER,
	R_ITIMER,
	R_SEM_UNDO,
	R_SECCOMP,
	R_FD_IN_FLIGHT,
	R_SHARED_OBJECT,
	R_PID_NS,
	R_LISTEN,
};

static const struct ckpt_rule rules[] = {
	[R_ZOMBIE] = { "restore-zombie", "restorable", CKPT_SEV_ERROR, R6,
		"A zombie ckptrestore does not make again (TASK.exit_state set): a zombie thread, or a "
		"zombie root without live threads; zombie processes and zombie leaders whose threads "
		"live on are made again." },
	[R_TREE] = { "restore-tree", "restorable", CKPT_SEV_ERROR, R6,
		"A process whose parent is not a process listed before it in the image (the root "
		"aside), or whose session or group it cannot reach from its parent's (setsid, "
		"setpgid; a group it joins must be led by a process its pid namespace sees): "
		"ckptrestore makes every child from its restored parent." },
	[R_CPU] = { "restore-cpu", "restorable", CKPT_SEV_ERROR, R6,
		"A task without its registers (CPU) or its FPU state (CPU_FPU): it cannot be resumed." },
	[R_FILE_TYPE] = { "restore-file-type", "restorable", CKPT_SEV_ERROR, R6,
		"A descriptor of a kind ckptrestore cannot rebuild (terminals: restore-tty): a socket other than one end "
		"of a Unix socketpair (stream, datagram, seqpacket) whose other end and whole queues are "
		"in the image (no message with a sender address), a pipe whose "
		"other end is not in the image, an eventfd, timerfd, signalfd, inotify or epoll file "
		"without its EXT_* record (or with a timer clock or time out of range, an inotify watch "
		"without a file handle, an epoll item "
		"whose file is not at its number any more, "
		"or an epoll file held in two tables), another anon_inode file; unless declared with "
		"--external fd:PID:FD (a listening socket with its EXT_SOCKET_LISTEN: restore-listen-socket "
		"instead)." },
	[R_FILE_UNNAMED] = { "restore-file-unnamed", "restorable", CKPT_SEV_ERROR, R6,
		"A descriptor or mapping of a deleted or unnamed file (or shared anonymous memory) "
		"whose contents the image does not hold in an INODE object (EXT_INODE), or holds "
		"PARTIAL or NO_CONTENTS." },
	[R_VMA_TYPE] = { "restore-vma-type", "restorable", CKPT_SEV_ERROR, R6,
		"A mapping of a kind ckptrestore cannot rebuild (shared anonymous memory without its "
		"INODE object, SysV shm, hugetlb)." },
	[R_VMA_PAGES] = { "restore-vma-pages", "restorable", CKPT_SEV_ERROR, R6,
		"A private file mapping that was written and made read-only again (VM_ACCOUNT "
		"without VM_WRITE, e.g. a relocated GOT) has no saved pages: restored from the file "
		"it would hold the unrelocated bytes." },
	[R_HANDLER] = { "restore-handler", "restorable", CKPT_SEV_ERROR, R6,
		"A caught signal whose handler the image does not hold (written as SIG_ERR)." },
	[R_ITIMER] = { "restore-itimer", "restorable", CKPT_SEV_ERROR, R6,
		"A process whose interval timers ckpt could not read (its EXT_TASK_SECURITY.valid "
		"without 0x4): armed or not, ckptrestore would leave them disarmed." },
	[R_SEM_UNDO] = { "restore-sem-undo", "restorable", CKPT_SEV_ERROR, R6,
		"SysV semaphore undo state (TASK_OBJS.sem_undo_objref): not restored." },
	[R_SECCOMP] = { "restore-seccomp", "restorable", CKPT_SEV_ERROR, R6,
		"A task in seccomp filter mode whose filters the image does not hold whole "
		"(EXT_TASK_SECURITY.valid without 0x10, fewer EXT_SECCOMP_FILTER records and "
		"EXT_SECCOMP_SHARED filters than seccomp_filters, or shared with no task before it), "
		"a filter that returns SECCOMP_RET_USER_NOTIF (its listener is not restored), or a "
		"seccomp mode ckptrestore does not know." },
	[R_FD_IN_FLIGHT] = { "restore-fd-in-flight", "restorable", CKPT_SEV_ERROR, R6,
		"A Unix socket whose queue holds descriptors in flight (SCM_RIGHTS, "
		"EXT_SOCKET_MSGS.nr_fds): ckptrestore does not send descriptors again." },
	[R_SHARED_OBJECT] = { "restore-shared-task-object", "restorable", CKPT_SEV_ERROR, R6,
		"Two processes (different thread groups) sharing one address space, descriptor table, "
		"fs or signal handler table (TASK_OBJS mm, files, fs, sighand objref; clone without "
		"CLONE_THREAD) other than a live child with its live parent (handlers: with the address "
		"space too), e.g. siblings sharing one their parent does not: ckptrestore would give "
		"each its own copy." },
	[R_PID_NS] = { "restore-pid-ns", "restorable", CKPT_SEV_ERROR, R6,
		"A process one level below its parent's pid namespace (TREE depth) that is not pid 1 "
		"there while no single live sibling before it is (it joined a namespace by setns(2)), "
		"one more than a level below its parent, or one more than 31 levels below the image "
		"root's or 32 below ckpt's: ckptrestore makes each namespace of the tree with its "
		"pid 1 (clone3 with CLONE_NEWPID) and puts later children there with setns(2)." },
	[R_LISTEN] = { "restore-listen-socket", "restorable", CKPT_SEV_ERROR, R6,
		"A listening socket (EXT_SOCKET_LISTEN) ckptrestore cannot listen with again: connections "
		"waiting to be accepted (pending: they would be lost), facts ckpt could not read (valid "
		"without ADDR, OPTIONS, QUEUE, or PATH for a named Unix socket), a kind other than a Unix "
		"stream or seqpacket socket or a TCP one, a Unix socket bound to a relative path, or an "
		"address that cannot be bound on this host now: in use by another socket, a file that is "
		"not a socket at its path, its directory gone (a socket file no socket is bound to is "
		"what the killed tree left: ckptrestore removes it)." },
};

struct file_fact {
	int32_t objref;
	uint32_t f_type, f_flags;
	uint64_t index, offset;		/* the FILE record */
	char path[96];			/* escaped, for messages */
	bool unnamed;
	int32_t ino;			/* EXT_FILE_INODE: its INODE object */
	uint32_t kinds;			/* KIND_*: the EXT_* records that describe it */
	uint32_t family, sock_type, peer_ino;	/* EXT_SOCKET_QUEUE, EXT_PEERS */
	uint64_t sock_ino;
	int32_t epoll_table;		/* an epoll file: the first table holding it */
	uint32_t fds_in_flight;		/* EXT_SOCKET_MSGS.nr_fds */
	uint32_t msgs_type, msgs_flags;	/* EXT_SOCKET_MSGS */
	bool msg_named;			/* an EXT_SOCKET_MSG with a sender address */
	bool bad_state;			/* an eventfd or timerfd state the kernel would refuse */
};

/* The records after a FILE that the restorer rebuilds it from. */
enum {
	KIND_EVENTFD = 0x1, KIND_TIMERFD = 0x2, KIND_SIGNALFD = 0x4, KIND_INOTIFY = 0x8, KIND_EPOLL = 0x10,
	KIND_SOCKET_QUEUE = 0x20, KIND_PEERS = 0x40, KIND_SOCKET_MSGS = 0x80, KIND_LISTEN = 0x100,
};

/* A listening socket (EXT_SOCKET_LISTEN). */
struct listen_fact {
	int32_t file;
	uint32_t family, type, protocol, valid, pending, options, ifindex;
	uint8_t addr[CKPT_EXT_SOCKET_LISTEN_ADDR_MAX];
	uint32_t addr_len;
};

/* An item of an epoll's interest list (EXT_EPOLL). */
struct epitem_fact {
	int32_t epfile, file;
	int64_t fd;
};

/* An INODE object (EXT_INODE). */
struct inode_fact {
	int32_t objref;
	uint32_t flags;
};

/* A VMA naming an INODE object, by its record index. */
struct vma_ino_fact {
	uint64_t record;
	int32_t ino;
};

struct fd_fact {
	int32_t table, file;
	int64_t fd;
};

/* A PIDS entry: its number in ckpt's namespace and in its own. */
struct pid_fact {
	int32_t outer, inner;
};

struct sighand_fact {
	int32_t objref;
	int caught_unknown;		/* first signal with SIG_ERR, 0 none */
	uint64_t index, offset;
};

struct signal_fact {
	int32_t objref;
	uint64_t index, offset;
};

struct task_fact {
	uint64_t index, offset;
	bool has_cpu, has_fpu;
	uint32_t seccomp;		/* EXT_TASK_SECURITY.seccomp_mode */
	bool has_security;		/* an EXT_TASK_SECURITY */
	uint32_t valid;			/* its valid bits */
	uint32_t filters, filters_read;	/* seccomp_filters; EXT_SECCOMP_FILTER records */
	uint32_t filters_shared;	/* EXT_SECCOMP_SHARED.count */
	int64_t filters_same;		/* EXT_SECCOMP_SHARED.same_pid */
	bool user_notif;		/* a filter returns SECCOMP_RET_USER_NOTIF */
	int32_t files, sighand, signal, sem_undo;
};

struct state {
	bool user_space;		/* an EXT_PRODUCER: ckpt wrote the image */
	uint32_t obj_type;		/* the OBJREF just read: applies to the next record */
	int32_t obj_ref;
	struct file_fact *files;
	size_t n_files, cap_files;
	struct fd_fact *fds;
	size_t n_fds, cap_fds;
	int32_t cur_table;
	struct sighand_fact *sighands;
	size_t n_sighands, cap_sighands;
	struct signal_fact *signals;
	size_t n_signals, cap_signals;
	struct task_fact *tasks;
	size_t n_tasks, cap_tasks;
	struct inode_fact *inodes;
	size_t n_inodes, cap_inodes;
	struct vma_ino_fact *vma_inos;
	size_t n_vma_inos, cap_vma_inos;
	struct epitem_fact *epitems;
	size_t n_epitems, cap_epitems;
	struct listen_fact *listens;
	size_t n_listens, cap_listens;
	struct pid_fact *pids;		/* the PIDS entries, sorted by outer */
	size_t n_pids, cap_pids;
};

#define GROW(c, st, name) \
	((struct name##_fact *)check_grow((void **)&(st)->name##s, &(st)->n_##name##s, &(st)->cap_##name##s, \
				    sizeof(struct name##_fact)))

/* Whether a seccomp program has a "ret #SECCOMP_RET_USER_NOTIF": the
 * listener descriptor that answers it is not in the image. */
static bool returns_user_notif(const struct ckpt_record *rec)
{
	uint64_t n = check_field_u64(rec, "nr_insns");

	for (uint64_t i = 0; i < n && 16 + (i + 1) * 8 <= rec->avail; i++) {
		const uint8_t *insn = rec->data + 16 + i * 8;
		uint32_t code = (uint32_t)ckpt_le_load(insn, 2), k = (uint32_t)ckpt_le_load(insn + 4, 4);

		/* BPF_RET | BPF_K; SECCOMP_RET_ACTION_FULL, SECCOMP_RET_USER_NOTIF */
		if (code == 0x06 && (k & 0xffff0000u) == 0x7fc00000u)
			return true;
	}
	return false;
}

static struct task_fact *cur_task(struct state *st)
{
	return st->n_tasks ? &st->tasks[st->n_tasks - 1] : NULL;
}

static void file_name(struct state *st, const struct ckpt_record *rec)
{
	struct file_fact *f = st->n_files ? &st->files[st->n_files - 1] : NULL;
	const uint8_t *s = rec->data + rec->hdr_len;
	size_t len = rec->avail > rec->hdr_len ? rec->avail - rec->hdr_len : 0;
	bool terminated;

	if (!f)
		return;
	len = ckpt_text_len(s, len, &terminated);
	ckpt_escape(s, len, f->path, sizeof(f->path));
	/* A path is reopened only when it names a file: not "pipe:[N]",
	 * "anon_inode:...", "/memfd:..." or "... (deleted)". */
	f->unnamed = len == 0 || s[0] != '/' || (len >= 10 && memcmp(s + len - 10, " (deleted)", 10) == 0) ||
		     (len >= 7 && memcmp(s, "/memfd:", 7) == 0);
}

static struct file_fact *file_by_ref(struct state *st, int32_t ref)
{
	for (size_t i = st->n_files; ref && i-- > 0;)
		if (st->files[i].objref == ref)
			return &st->files[i];
	return NULL;
}

/* A timerfd setting the restorer can make: a clock timerfd_create(2)
 * takes (REALTIME, MONOTONIC, BOOTTIME and their ALARM forms), times in
 * range (what fits the restorer's nanosecond arithmetic: 2^32 s). */
static bool timerfd_ok(const struct ckpt_record *rec)
{
	uint64_t clock = check_field_u64(rec, "clockid");

	return (clock == 0 || clock == 1 || clock == 7 || clock == 8 || clock == 9) &&
	       check_field_u64(rec, "value_sec") < (1ull << 32) && check_field_u64(rec, "value_nsec") < 1000000000 &&
	       check_field_u64(rec, "interval_sec") < (1ull << 32) &&
	       check_field_u64(rec, "interval_nsec") < 1000000000;
}

/* Whether every inotify watch has a file handle to open its file by
 * (fdinfo has none where the filesystem cannot export handles) and all
 * of them are in the record. */
static bool watches_ok(const struct ckpt_record *rec)
{
	const struct ckpt_field *a = ckpt_rtype_field(rec->rt, "watches");
	uint64_t n = check_field_u64(rec, "nr_watches");

	for (uint64_t i = 0; a && i < n; i++) {
		const uint8_t *w = rec->data + a->offset + i * a->stride;
		uint64_t bytes;

		if (a->offset + (i + 1) * a->stride > rec->avail)
			return false;
		bytes = ckpt_le_load(w + 28, 4);
		if (bytes == 0 || bytes > 128)
			return false;
	}
	return a != NULL;
}

/* The EXT_* records of descriptors with more than a path: which FILE has
 * them; an epoll's items. */
static bool fd_kind_record(struct ckpt_check *c, struct state *st, const struct ckpt_record *rec)
{
	static const struct { const char *type; uint32_t kind; } kinds[] = {
		{ "EXT_EVENTFD", KIND_EVENTFD }, { "EXT_TIMERFD", KIND_TIMERFD }, { "EXT_SIGNALFD", KIND_SIGNALFD },
		{ "EXT_INOTIFY", KIND_INOTIFY }, { "EXT_SOCKET_QUEUE", KIND_SOCKET_QUEUE },
	};
	struct file_fact *f;

	(void)c;
	for (size_t i = 0; i < CKPT_ARRAY_LEN(kinds); i++)
		if (check_record_is(rec, kinds[i].type) && (f = file_by_ref(st, (int32_t)check_field_u64(rec, "file_objref")))) {
			f->kinds |= kinds[i].kind;
			if (kinds[i].kind == KIND_EVENTFD && check_field_u64(rec, "count") == UINT64_MAX)
				f->bad_state = true;
			if (kinds[i].kind == KIND_TIMERFD && !timerfd_ok(rec))
				f->bad_state = true;
			if (kinds[i].kind == KIND_INOTIFY && !watches_ok(rec))
				f->bad_state = true;
			if (kinds[i].kind == KIND_SOCKET_QUEUE) {
				f->family = (uint32_t)check_field_u64(rec, "family");
				f->sock_type = (uint32_t)check_field_u64(rec, "sock_type");
			}
		}
	if (check_record_is(rec, "EXT_SOCKET_MSGS") && (f = file_by_ref(st, (int32_t)check_field_u64(rec, "file_objref")))) {
		f->kinds |= KIND_SOCKET_MSGS;
		f->msgs_type = (uint32_t)check_field_u64(rec, "sock_type");
		f->msgs_flags = (uint32_t)check_field_u64(rec, "flags");
	}
	if (check_record_is(rec, "EXT_SOCKET_MSG") && check_field_u64(rec, "addr_len") &&
	    (f = file_by_ref(st, (int32_t)check_field_u64(rec, "file_objref"))))
		f->msg_named = true;
	if (check_record_is(rec, "EXT_PEERS") && (f = file_by_ref(st, (int32_t)check_field_u64(rec, "objref")))) {
		f->kinds |= KIND_PEERS;
		f->sock_ino = check_field_u64(rec, "ino");
		f->peer_ino = (uint32_t)check_field_u64(rec, "peer_ino");
	}
	if (check_record_is(rec, "EXT_EPOLL") && (f = file_by_ref(st, (int32_t)check_field_u64(rec, "epfile_objref")))) {
		const struct ckpt_field *a = ckpt_rtype_field(rec->rt, "items");
		uint64_t n = check_field_u64(rec, "num_items");

		f->kinds |= KIND_EPOLL;
		for (uint64_t i = 0; a && i < n && a->offset + (i + 1) * a->stride <= rec->avail; i++) {
			const uint8_t *e = rec->data + a->offset + i * a->stride;
			struct epitem_fact *it = GROW(c, st, epitem);

			if (!it)
				return false;
			it->epfile = f->objref;
			it->fd = (int32_t)ckpt_le_load(e + 8, 4);
			it->file = (int32_t)ckpt_le_load(e + 12, 4);
		}
	}
	return true;
}

/* EXT_SOCKET_LISTEN: the facts of a listening socket; false when memory
 * ran out. */
static bool listen_record(struct state *st, const struct ckpt_record *rec)
{
	struct file_fact *f = file_by_ref(st, (int32_t)check_field_u64(rec, "file_objref"));
	struct listen_fact *l;

	if (!f)
		return true;
	if (!(l = GROW(NULL, st, listen)))
		return false;
	f->kinds |= KIND_LISTEN;
	l->file = f->objref;
	l->family = (uint32_t)check_field_u64(rec, "family");
	l->type = (uint32_t)check_field_u64(rec, "sock_type");
	l->protocol = (uint32_t)check_field_u64(rec, "protocol");
	l->valid = (uint32_t)check_field_u64(rec, "valid");
	l->pending = (uint32_t)check_field_u64(rec, "pending");
	l->options = (uint32_t)check_field_u64(rec, "options");
	l->ifindex = (uint32_t)check_field_u64(rec, "ifindex");
	l->addr_len = (uint32_t)check_field_u64(rec, "addr_len");
	if (l->addr_len > sizeof(l->addr) || rec->avail < CKPT_EXT_SOCKET_LISTEN_ADDR_OFF + l->addr_len)
		l->addr_len = 0;
	else
		memcpy(l->addr, rec->data + CKPT_EXT_SOCKET_LISTEN_ADDR_OFF, l->addr_len);
	return true;
}

/* The PIDS buffer: { u32 depth; s32 numbers[depth + 1] } packed, ckpt's
 * number first, the task's own last (pids-count judges its shape). */
static bool read_pids(struct state *st, const struct ckpt_record *rec)
{
	for (uint64_t pos = rec->hdr_len; rec->avail >= pos + 8;) {
		uint64_t depth = ckpt_le_load(rec->data + pos, 4);
		struct pid_fact *f;

		if ((depth + 1) * 4 > rec->avail - pos - 4)
			break;
		if (!(f = check_grow((void **)&st->pids, &st->n_pids, &st->cap_pids, sizeof(*f))))
			return false;
		f->outer = (int32_t)ckpt_le_load(rec->data + pos + 4, 4);
		f->inner = (int32_t)ckpt_le_load(rec->data + pos + 4 + 4 * depth, 4);
		pos += 4 + 4 * (depth + 1);
	}
	return true;
}

static void rs_record(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		      const struct ckpt_role *role)
{
	struct state *st = stp;
	uint32_t objtype = st->obj_type;
	int32_t objref = st->obj_ref;
	struct task_fact *t;
	bool ok = true;

	st->obj_type = 0;
	st->obj_ref = 0;
	if (!rec->rt)
		return;
	if (check_record_is(rec, "EXT_PRODUCER")) {
		st->user_space = true;
	} else if (check_record_is(rec, "BUFFER") && role->name && strcmp(role->name, "pids") == 0) {
		ok = read_pids(st, rec);
	} else if (check_record_is(rec, "OBJREF")) {
		st->obj_type = (uint32_t)check_field_u64(rec, "objtype");
		st->obj_ref = (int32_t)check_field_u64(rec, "objref");
	} else if (check_record_is(rec, "FILE")) {
		struct file_fact *f = GROW(c, st, file);

		if ((ok = f)) {
			f->objref = objtype ? objref : 0;
			f->f_type = (uint32_t)check_field_u64(rec, "f_type");
			f->f_flags = (uint32_t)check_field_u64(rec, "f_flags");
			f->index = rec->index;
			f->offset = rec->offset;
		}
	} else if (check_record_is(rec, "FILE_NAME") && role->name && strcmp(role->name, "path") == 0 && role->parent &&
		   strcmp(role->parent->name, "FILE") == 0) {
		file_name(st, rec);
	} else if (check_record_is(rec, "EXT_EVENTFD") || check_record_is(rec, "EXT_TIMERFD") || check_record_is(rec, "EXT_SIGNALFD") ||
		   check_record_is(rec, "EXT_INOTIFY") || check_record_is(rec, "EXT_EPOLL") || check_record_is(rec, "EXT_SOCKET_QUEUE") ||
		   check_record_is(rec, "EXT_PEERS") || check_record_is(rec, "EXT_SOCKET_MSG")) {
		ok = fd_kind_record(c, st, rec);
	} else if (check_record_is(rec, "EXT_SOCKET_LISTEN")) {
		ok = listen_record(st, rec);
	} else if (check_record_is(rec, "EXT_FILE_INODE") && st->n_files) {
		st->files[st->n_files - 1].ino = (int32_t)check_field_u64(rec, "ino_objref");
	} else if (check_record_is(rec, "EXT_SOCKET_MSGS")) {
		ok = fd_kind_record(c, st, rec);
		if (st->n_files && st->files[st->n_files - 1].objref == (int32_t)check_field_u64(rec, "file_objref"))
			st->files[st->n_files - 1].fds_in_flight += (uint32_t)check_field_u64(rec, "nr_fds");
	} else if (check_record_is(rec, "EXT_INODE")) {
		struct inode_fact *n = GROW(c, st, inode);

		if ((ok = n)) {
			n->objref = objtype ? objref : 0;
			n->flags = (uint32_t)check_field_u64(rec, "flags");
		}
	} else if (check_record_is(rec, "VMA") && check_field_u64(rec, "ino_objref")) {
		struct vma_ino_fact *v = GROW(c, st, vma_ino);

		if ((ok = v)) {
			v->record = rec->index;
			v->ino = (int32_t)check_field_u64(rec, "ino_objref");
		}
	} else if (check_record_is(rec, "FILE_TABLE")) {
		st->cur_table = objtype ? objref : 0;
	} else if (check_record_is(rec, "FILE_DESC")) {
		struct fd_fact *d = GROW(c, st, fd);

		if ((ok = d)) {
			struct file_fact *f;

			d->table = st->cur_table;
			d->file = (int32_t)check_field_u64(rec, "fd_objref");
			d->fd = (int32_t)check_field_u64(rec, "fd_descriptor");
			if ((f = file_by_ref(st, d->file)) && f->f_type == 6 && !f->epoll_table)
				f->epoll_table = d->table;
		}
	} else if (check_record_is(rec, "SIGHAND")) {
		struct sighand_fact *h = GROW(c, st, sighand);
		const struct ckpt_field *a = ckpt_rtype_field(rec->rt, "action");

		if ((ok = h)) {
			h->objref = objtype ? objref : 0;
			h->index = rec->index;
			h->offset = rec->offset;
			for (uint32_t i = 0; a && a->elem && i < a->count; i++) {
				const uint8_t *base = rec->data + a->offset + (size_t)i * a->stride;
				const struct ckpt_field *hf = NULL;

				for (size_t k = 0; k < a->n_elem; k++)
					if (strcmp(a->elem[k].name, "handler") == 0)
						hf = &a->elem[k];
				if (!hf || (size_t)(base - rec->data) + hf->offset + hf->width > rec->avail)
					break;
				if (ckpt_field_u64(hf, base) == UINT64_MAX) {
					h->caught_unknown = (int)i + 1;
					break;
				}
			}
		}
	} else if (check_record_is(rec, "SIGNAL")) {
		struct signal_fact *s = GROW(c, st, signal);

		if ((ok = s)) {
			s->objref = objtype ? objref : 0;
			s->index = rec->index;
			s->offset = rec->offset;
		}
	} else if (check_record_is(rec, "TASK")) {
		if ((ok = (t = GROW(c, st, task)))) {
			t->index = rec->index;
			t->offset = rec->offset;
		}
	} else if (check_record_is(rec, "TASK_OBJS") && (t = cur_task(st))) {
		t->files = (int32_t)check_field_u64(rec, "files_objref");
		t->sighand = (int32_t)check_field_u64(rec, "sighand_objref");
		t->signal = (int32_t)check_field_u64(rec, "signal_objref");
		t->sem_undo = (int32_t)check_field_u64(rec, "sem_undo_objref");
	} else if (check_record_is(rec, "EXT_TASK_SECURITY") && (t = cur_task(st))) {
		t->has_security = true;
		t->valid = (uint32_t)check_field_u64(rec, "valid");
		t->seccomp = (uint32_t)check_field_u64(rec, "seccomp_mode");
		t->filters = (uint32_t)check_field_u64(rec, "seccomp_filters");
	} else if (check_record_is(rec, "EXT_SECCOMP_SHARED") && (t = cur_task(st))) {
		t->filters_shared = (uint32_t)check_field_u64(rec, "count");
		t->filters_same = (int32_t)check_field_u64(rec, "same_pid");
	} else if (check_record_is(rec, "EXT_SECCOMP_FILTER") && (t = cur_task(st))) {
		t->seccomp = t->seccomp ? t->seccomp : 2;
		t->filters_read++;
		t->user_notif |= returns_user_notif(rec);
	} else if (check_record_is(rec, "CPU") && (t = cur_task(st))) {
		t->has_cpu = true;
		/* A task that never used the FPU starts with a fresh one. */
		t->has_fpu = check_field_u64(rec, "used_math") == 0;
	} else if (role->name && strcmp(role->name, "fpu") == 0 && (t = cur_task(st))) {
		t->has_fpu = rec->len - rec->hdr_len > 0;
	}
	if (!ok)
		check_out_of_memory(c);
}

static const struct file_fact *find_file(const struct state *st, int32_t ref)
{
	for (size_t i = 0; ref && i < st->n_files; i++)
		if (st->files[i].objref == ref)
			return &st->files[i];
	return NULL;
}

static struct inode_fact *find_inode(struct state *st, int32_t ref)
{
	for (size_t i = 0; ref && i < st->n_inodes; i++)
		if (st->inodes[i].objref == ref)
			return &st->inodes[i];
	return NULL;
}

static int32_t vma_ino(const struct state *st, uint64_t record)
{
	for (size_t i = 0; i < st->n_vma_inos; i++)
		if (st->vma_inos[i].record == record)
			return st->vma_inos[i].ino;
	return 0;
}

/* Why INODE object ref cannot be restored, or NULL: its contents are
 * missing.  One several processes use is made once and shared again. */
static const char *inode_refusal(struct state *st, int32_t ref)
{
	struct inode_fact *n = find_inode(st, ref);

	if (!n)
		return "its INODE object is not in the image";
	if (n->flags & 0x2)
		return "its INODE object is PARTIAL (ckpt ran without CAP_CHECKPOINT_RESTORE)";
	if (n->flags & 0x1)
		return "its INODE object has NO_CONTENTS (ckpt --no-pages)";
	return NULL;
}

static const char *task_name(const struct ckpt_model_task *mt, char *buf, size_t size)
{
	snprintf(buf, size, "task %" PRId64 " (%s)", mt->pid, mt->comm);
	return buf;
}

static void judge_vmas(struct ckpt_check *c, struct state *st, const struct ckpt_model *m,
		       const struct ckpt_model_task *mt, const char *who)
{
	const struct ckpt_model_mm *mm = ckpt_model_task_mm(m, mt);

	for (size_t i = 0; mm && i < mm->n_vmas; i++) {
		const struct ckpt_model_vma *v = &mm->vmas[i];
		const struct ckpt_model_record *r = ckpt_model_record(m, v->record);
		uint64_t off = r ? r->offset : 0;
		const char *kind = ckpt_names_lookup(&ckpt_names_vma_type, v->type);
		const struct file_fact *f = find_file(st, v->file_ref);

		int32_t ino = vma_ino(st, v->record);
		const char *why = ino ? inode_refusal(st, ino) : NULL;

		if (v->type == 4 && ino) {
			/* Shared anonymous memory: restored from its object. */
			if (why)
				check_report(c, &rules[R_VMA_TYPE], -1, v->record, off, "VMA",
					     "%s: mapping 0x%" PRIx64 "-0x%" PRIx64 " is shared anonymous memory: %s",
					     who, v->start, v->end, why);
			continue;
		}
		if (v->type != 1 && v->type != 2 && v->type != 3) {
			check_report(c, &rules[R_VMA_TYPE], -1, v->record, off, "VMA",
				     "%s: mapping 0x%" PRIx64 "-0x%" PRIx64 " is %s memory, which is not restored",
				     who, v->start, v->end, kind ? kind : "unknown");
			continue;
		}
		if (v->type == 3 && f && f->unnamed && ino && why)
			check_report(c, &rules[R_FILE_UNNAMED], -1, v->record, off, "VMA",
				     "%s: mapping 0x%" PRIx64 "-0x%" PRIx64 " maps %s: %s",
				     who, v->start, v->end, f->path, why);
		else if (v->type == 3 && f && f->unnamed && !ino)
			check_report(c, &rules[R_FILE_UNNAMED], -1, v->record, off, "VMA",
				     "%s: mapping 0x%" PRIx64 "-0x%" PRIx64 " maps %s, which no path reopens",
				     who, v->start, v->end, f->path);
		/* VM_WRITE 0x2, VM_SHARED 0x8, VM_ACCOUNT 0x100000 */
		if (v->type == 3 && (v->flags & 0x100000) && !(v->flags & 0xa) && v->pages == 0)
			check_report(c, &rules[R_VMA_PAGES], -1, v->record, off, "VMA",
				     "%s: mapping 0x%" PRIx64 "-0x%" PRIx64 " of %s was written privately "
				     "but the image holds none of its pages",
				     who, v->start, v->end, f ? f->path : "a file");
	}
}

/* A pipe end whose other end is in the image too: the restorer makes the
 * pipe and gives each task its ends (O_ACCMODE 3; a pipe end is read-only
 * or write-only). */
static bool pipe_peer(const struct state *st, const struct file_fact *f)
{
	if (strncmp(f->path, "pipe:[", 6) != 0)
		return false;
	for (size_t i = 0; i < st->n_files; i++) {
		const struct file_fact *g = &st->files[i];

		if (g->f_type == 2 && strcmp(g->path, f->path) == 0 && (g->f_flags & 3) != (f->f_flags & 3) &&
		    ((g->f_flags & 3) == 0 || (f->f_flags & 3) == 0))
			return true;
	}
	return false;
}

/* The type of a Unix socket whose queue the image holds whole: 1 stream
 * (its bytes), 2 datagram or 5 seqpacket (its messages, none with a
 * sender address); 0 when it holds none. */
static uint32_t socket_type(const struct file_fact *f)
{
	if ((f->kinds & KIND_SOCKET_QUEUE) && f->family == 1 && f->sock_type == 1)
		return 1;
	if ((f->kinds & KIND_SOCKET_MSGS) && !(f->msgs_flags & 0x1) && !f->msg_named &&
	    (f->msgs_type == 2 || f->msgs_type == 5))
		return f->msgs_type;
	return 0;
}

/* A Unix socket whose peer is in the image too, both with their queues:
 * the restorer makes the socketpair and writes the queues back. */
static bool socket_pair(const struct state *st, const struct file_fact *f)
{
	uint32_t type = socket_type(f);

	if (!type || !(f->kinds & KIND_PEERS) || !f->peer_ino)
		return false;
	for (size_t i = 0; i < st->n_files; i++) {
		const struct file_fact *g = &st->files[i];

		if (g != f && (g->kinds & KIND_PEERS) && socket_type(g) == type && g->sock_ino == f->peer_ino &&
		    g->peer_ino == f->sock_ino)
			return true;
	}
	return false;
}

/* Whether table holds file at descriptor fd. */
static bool holds(const struct state *st, int32_t table, int64_t fd, int32_t file)
{
	for (size_t i = 0; i < st->n_fds; i++)
		if (st->fds[i].table == table && st->fds[i].fd == fd)
			return st->fds[i].file == file;
	return false;
}

/* Why an epoll file cannot be rebuilt in table, or NULL. */
static const char *epoll_refusal(const struct state *st, const struct file_fact *f, int32_t table)
{
	if (!(f->kinds & KIND_EPOLL))
		return "the image holds no interest list (EXT_EPOLL) for it";
	if (f->epoll_table != table)
		return "it is held in another descriptor table too";
	for (size_t i = 0; i < st->n_epitems; i++) {
		const struct epitem_fact *it = &st->epitems[i];

		if (it->epfile == f->objref && (!it->file || !holds(st, table, it->fd, it->file)))
			return "an item's file is not at the number it was added under any more";
	}
	return NULL;
}

/* Why a descriptor of a kind other than a named file or a pipe cannot be
 * rebuilt, or NULL when it can. */
static const char *kind_refusal(const struct state *st, const struct file_fact *f, int32_t table)
{
	static const struct { const char *path; uint32_t kind; } anon[] = {
		{ "anon_inode:[timerfd]", KIND_TIMERFD }, { "anon_inode:[signalfd]", KIND_SIGNALFD },
		{ "anon_inode:inotify", KIND_INOTIFY },
	};

	switch (f->f_type) {
	case 1:
		for (size_t i = 0; i < CKPT_ARRAY_LEN(anon); i++)
			if (strcmp(f->path, anon[i].path) == 0)
				return !(f->kinds & anon[i].kind) ? "the image holds no EXT_* record of its state" :
				       f->bad_state ? (anon[i].kind == KIND_INOTIFY ? "a watched file has no file handle to "
						       "open it by" : "its clock or times are out of range") : NULL;
		return "";
	case 3:
		return f->unnamed ? "no path reopens it" : NULL;
	case 4:
		/* restore-listen-socket judges it. */
		if (socket_pair(st, f) || (f->kinds & KIND_LISTEN))
			return NULL;
		if ((f->kinds & KIND_SOCKET_MSGS) && (f->msgs_flags & 0x1))
			return "its queue was not read to the end (EXT_SOCKET_MSGS INCOMPLETE)";
		if (f->msg_named)
			return "a message queued on it has a sender address, which is not sent from again";
		if (!socket_type(f))
			return "the image holds no queue of it (only Unix socketpairs are restored)";
		if (!f->peer_ino)
			return "it is not connected, or the image does not name its peer";
		return "its peer is not in the image";
	case 6:
		return epoll_refusal(st, f, table);
	case 7:
		return !(f->kinds & KIND_EVENTFD) ? "the image holds no EXT_EVENTFD record of its counter" :
		       f->bad_state ? "its counter is 2^64 - 1, which no eventfd holds" : NULL;
	default:
		return "";
	}
}

/* Why listening socket l cannot listen again on this host, or NULL. */
static const char *listen_refusal(const struct listen_fact *l, char *why, size_t size)
{
	struct ckpt_listen_addr a = {
		.family = (int)l->family, .type = (int)l->type, .protocol = (int)l->protocol,
		.options = l->options, .ifindex = l->ifindex, .addr = l->addr, .addr_len = l->addr_len,
	};
	bool named = l->family == 1 && l->addr_len > 2 && l->addr[2] == '/';
	bool unix_ok = l->family == 1 && (l->type == 1 || l->type == 5);
	bool tcp_ok = (l->family == 2 || l->family == 10) && l->type == 1 && l->protocol == 6;

	if (!unix_ok && !tcp_ok) {
		snprintf(why, size, "it is of family %u, type %u, protocol %u: only Unix stream and seqpacket "
			 "sockets and TCP ones are made again", l->family, l->type, l->protocol);
		return why;
	}
	if ((l->valid & CKPT_LISTEN_ALL) != CKPT_LISTEN_ALL || (named && !(l->valid & CKPT_LISTEN_PATH))) {
		snprintf(why, size, "ckpt could not read its %s", !(l->valid & CKPT_LISTEN_ADDR) ? "address" :
			 !(l->valid & CKPT_LISTEN_OPTIONS) ? "options" : !(l->valid & CKPT_LISTEN_QUEUE) ?
			 "backlog and waiting connections (sock_diag)" : "socket file (gone or replaced)");
		return why;
	}
	if (l->pending) {
		snprintf(why, size, "%u connection(s) wait to be accepted, which a restore would lose", l->pending);
		return why;
	}
	if (ckpt_listen_addr_state(&a, why, size) == CKPT_ADDR_BUSY)
		return why;
	return NULL;
}

static void judge_listen(struct ckpt_check *c, const struct state *st, const struct file_fact *f, int64_t fd,
			 const char *who)
{
	for (size_t i = 0; i < st->n_listens; i++) {
		const struct listen_fact *l = &st->listens[i];
		struct ckpt_listen_addr a = {
			.family = (int)l->family, .addr = l->addr, .addr_len = l->addr_len,
		};
		char why[256], shown[160];

		if (l->file != f->objref || !listen_refusal(l, why, sizeof(why)))
			continue;
		ckpt_listen_addr_text(&a, shown, sizeof(shown));
		check_report(c, &rules[R_LISTEN], -1, f->index, f->offset, "FILE",
			     "%s: descriptor %" PRId64 " listens on %s, which is not restored: %s", who, fd, shown,
			     why);
	}
}

static void judge_files(struct ckpt_check *c, struct state *st, const struct task_fact *t, int64_t pid,
			const char *who)
{
	const struct ckpt_check_options *opt = check_options(c);

	for (size_t i = 0; t->files && i < st->n_fds; i++) {
		const struct fd_fact *d = &st->fds[i];
		const struct file_fact *f;

		if (d->table != t->files || !(f = find_file(st, d->file)))
			continue;
		/* Declared external: the restorer's own descriptor goes there. */
		if (ckpt_external_match(opt->externals, opt->n_externals, (int32_t)pid, (int32_t)d->fd))
			continue;
		if (f->fds_in_flight)
			check_report(c, &rules[R_FD_IN_FLIGHT], -1, f->index, f->offset, "FILE",
				     "%s: descriptor %" PRId64 " (%s) has %" PRIu32 " descriptor(s) in flight in its "
				     "queue, which are not sent again", who, d->fd, f->path, f->fds_in_flight);
		if (f->f_type == 2 && pipe_peer(st, f))
			continue;
		if (f->f_type == 4 && (f->kinds & KIND_LISTEN))
			judge_listen(c, st, f, d->fd, who);
		/* Terminals are restore-tty's (terminals.c). */
		if (f->f_type == 5)
			continue;
		const char *refusal = f->f_type == 2 ? "" : NULL;

		if (f->f_type != 2 && (f->f_type != 1 || strncmp(f->path, "anon_inode:", 11) == 0))
			refusal = kind_refusal(st, f, t->files);
		if (refusal) {
			const char *kind = ckpt_names_lookup(&ckpt_names_file_type, f->f_type);

			check_report(c, &rules[R_FILE_TYPE], -1, f->index, f->offset, "FILE",
				     "%s: descriptor %" PRId64 " is a %s (%s), which is not restored%s%s", who, d->fd,
				     kind ? kind : "file of unknown kind", f->path, *refusal ? ": " : "", refusal);
		} else if (f->f_type != 1 || strncmp(f->path, "anon_inode:", 11) == 0) {
			continue;
		} else if (f->unnamed && f->ino) {
			const char *why = inode_refusal(st, f->ino);

			if (why)
				check_report(c, &rules[R_FILE_UNNAMED], -1, f->index, f->offset, "FILE",
					     "%s: descriptor %" PRId64 " is %s: %s", who, d->fd, f->path, why);
		} else if (f->unnamed) {
			check_report(c, &rules[R_FILE_UNNAMED], -1, f->index, f->offset, "FILE",
				     "%s: descriptor %" PRId64 " is %s, which no path reopens", who, d->fd, f->path);
		}
	}
}

static void judge_signals(struct ckpt_check *c, struct state *st, const struct task_fact *t, const char *who)
{
	for (size_t i = 0; t->sighand && i < st->n_sighands; i++) {
		const struct sighand_fact *h = &st->sighands[i];

		if (h->objref == t->sighand && h->caught_unknown)
			check_report(c, &rules[R_HANDLER], -1, h->index, h->offset, "SIGHAND",
				     "%s: signal %d is caught but the image does not hold its handler", who,
				     h->caught_unknown);
	}
}

/* Whether a live process with pid ppid comes before task i in the image. */
static bool made_before(const struct ckpt_model *m, size_t i, int64_t ppid)
{
	for (size_t k = 0; ppid > 0 && k < i; k++)
		if (m->tasks[k].pid == ppid && m->tasks[k].tgid == ppid && !m->tasks[k].exit_state)
			return true;
	return false;
}

/* A child gets its parent's session and group from the fork; it can only
 * make a session of its own, or a group of its own, or join a group of
 * its session that a process made before it is in. */
/* Whether task mt can name its group's leader in its own pid namespace,
 * as setpgid(2) needs: a leader outside the image has only ckpt's number,
 * one of the image only the numbers from its depth up. */
static bool leader_seen(const struct ckpt_model *m, const struct ckpt_model_task *mt)
{
	for (size_t k = 0; k < m->n_tasks; k++)
		if (m->tasks[k].pid == mt->pgid)
			return m->tasks[k].depth >= mt->depth;
	return mt->depth == 0;
}

static bool group_reachable(const struct ckpt_model *m, size_t i)
{
	const struct ckpt_model_task *mt = &m->tasks[i], *parent = NULL;

	for (size_t k = 0; k < i; k++)
		if (m->tasks[k].pid == mt->ppid)
			parent = &m->tasks[k];
	if (!parent)
		return false;
	if (mt->sid == mt->pid)
		return mt->pgid == mt->pid;
	if (mt->sid != parent->sid)
		return false;
	if (mt->pgid == mt->pid || mt->pgid == parent->pgid)
		return true;
	for (size_t k = 0; k < i; k++)
		if (m->tasks[k].pgid == mt->pgid && m->tasks[k].sid == mt->sid && !m->tasks[k].exit_state)
			return leader_seen(m, mt);
	return false;
}

/* A zombie the restorer recreates: a thread group leader, either with
 * threads that live on (built as a process, then it exits alone) or,
 * unless it is the root, none (made by its parent, then it dies). */
static bool zombie_process(const struct ckpt_model *m, size_t i)
{
	const struct ckpt_model_task *mt = &m->tasks[i];

	if (mt->pid != mt->tgid)
		return false;
	for (size_t k = 0; k < m->n_tasks; k++)
		if (k != i && m->tasks[k].tgid == mt->pid && !m->tasks[k].exit_state)
			return true;
	return i != 0;
}

/* Whether task i's EXT_SECCOMP_SHARED names a task before it with at
 * least that many filters. */
static bool shares_with(const struct ckpt_model *m, const struct state *st, size_t i)
{
	const struct task_fact *t = &st->tasks[i];

	for (size_t k = 0; k < i && k < m->n_tasks; k++)
		if (m->tasks[k].pid == t->filters_same)
			return st->tasks[k].filters_read + (uint64_t)st->tasks[k].filters_shared >= t->filters_shared;
	return false;
}

/* One live task's reference to an object only its thread group may
 * share (threads are made with their process's objects). */
struct share_ref {
	int32_t ref;
	uint32_t kind;			/* index into share_kinds */
	size_t task;			/* in image order */
};

static const char *const share_kinds[] = {
	"address space (MM", "descriptor table (FILES", "fs (FS", "signal handler table (SIGHAND",
};

static int share_ref_cmp(const void *a, const void *b)
{
	const struct share_ref *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->ref != y->ref)
		return x->ref < y->ref ? -1 : 1;
	return x->task < y->task ? -1 : x->task > y->task;
}

/* The live parent process of live process i, listed before it; NULL
 * when there is none. */
static const struct ckpt_model_task *live_parent(const struct ckpt_model *m, size_t i)
{
	const struct ckpt_model_task *mt = &m->tasks[i];

	if (mt->pid != mt->tgid || mt->exit_state)
		return NULL;
	for (size_t k = 0; k < i; k++)
		if (m->tasks[k].pid == mt->ppid)
			return m->tasks[k].tgid == mt->ppid && !m->tasks[k].exit_state ? &m->tasks[k] : NULL;
	return NULL;
}

/* Whether task i shares an object of kind (share_kinds) with its parent
 * in a way the restorer makes again (restore/run.c): the address space
 * (CLONE_VM), the descriptor table (CLONE_FILES), the fs (CLONE_FS), the
 * signal handlers with the address space (CLONE_SIGHAND needs CLONE_VM). */
static bool made_with_parent(const struct ckpt_model *m, size_t i, uint32_t kind)
{
	const struct ckpt_model_task *mt = &m->tasks[i], *pt = live_parent(m, i);
	bool mm = pt && mt->mm_ref && pt->mm_ref == mt->mm_ref;

	switch (kind) {
	case 0:
		return mm;
	case 1:
		return pt && mt->files_ref && pt->files_ref == mt->files_ref;
	case 2:
		return pt && mt->fs_ref && pt->fs_ref == mt->fs_ref;
	case 3:
		return mm && mt->sighand_ref && pt->sighand_ref == mt->sighand_ref;
	default:
		return false;
	}
}

/* Two thread groups holding one MM, FILES, FS or SIGHAND object: the
 * restorer makes each process with clone3 and no sharing flag but
 * CLONE_VM, CLONE_FILES, CLONE_FS and CLONE_SIGHAND (a child sharing them
 * with its parent), so they would come back with copies of their own.  Sorted,
 * not pairwise: an image may hold hundreds of thousands of tasks. */
static void judge_shared(struct ckpt_check *c, const struct state *st, const struct ckpt_model *m)
{
	size_t n = m->n_tasks < st->n_tasks ? m->n_tasks : st->n_tasks, k = 0;
	struct share_ref *refs;

	if (!n)
		return;
	if (!(refs = calloc(n * 4, sizeof(*refs)))) {
		check_out_of_memory(c);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ckpt_model_task *mt = &m->tasks[i];
		const int32_t r[4] = { mt->mm_ref, mt->files_ref, mt->fs_ref, mt->sighand_ref };

		for (uint32_t j = 0; !mt->exit_state && mt->has_tree && j < 4; j++)
			if (r[j])
				refs[k++] = (struct share_ref){ .ref = r[j], .kind = j, .task = i };
	}
	qsort(refs, k, sizeof(*refs), share_ref_cmp);
	for (size_t i = 0, first = 0; i < k; i++) {
		const struct ckpt_model_task *mt = &m->tasks[refs[i].task], *owner;
		char who[128], whom[128];

		if (i == 0 || refs[i].kind != refs[first].kind || refs[i].ref != refs[first].ref) {
			first = i;
			continue;
		}
		owner = &m->tasks[refs[first].task];
		/* One finding per thread group: its threads follow it. */
		if (mt->tgid == owner->tgid || mt->tgid == m->tasks[refs[i - 1].task].tgid)
			continue;
		if (made_with_parent(m, refs[i].task, refs[i].kind))
			continue;
		task_name(mt, who, sizeof(who));
		task_name(owner, whom, sizeof(whom));
		check_report(c, &rules[R_SHARED_OBJECT], -1, st->tasks[refs[i].task].index,
			     st->tasks[refs[i].task].offset, "TASK",
			     "%s: shares its %s objref %d) with %s, another process, which is not restored: "
			     "each would get a copy of its own", who, share_kinds[refs[i].kind], refs[i].ref, whom);
	}
	free(refs);
}

static int pid_fact_cmp(const void *a, const void *b)
{
	const struct pid_fact *x = a, *y = b;

	return (x->outer > y->outer) - (x->outer < y->outer);
}

/* Whether exactly one live process before process i, with its parent and
 * its depth, is pid 1 at that depth: the namespace i joined (a later
 * child after unshare(CLONE_NEWPID)), which the restorer enters. */
static bool joined_sibling(const struct state *st, const struct ckpt_model *m, size_t i)
{
	const struct ckpt_model_task *mt = &m->tasks[i];
	size_t inits = 0;

	for (size_t k = 0; k < i; k++) {
		const struct ckpt_model_task *s = &m->tasks[k];
		struct pid_fact key = { .outer = (int32_t)s->pid };
		const struct pid_fact *f;

		if (s->ppid != mt->ppid || s->pid != s->tgid || s->depth != mt->depth || s->exit_state)
			continue;
		f = st->n_pids ? bsearch(&key, st->pids, st->n_pids, sizeof(key), pid_fact_cmp) : NULL;
		inits += f && f->inner == 1;
	}
	return inits == 1;
}

/* Process i's pid namespace against its parent's (restore/pidlevels.c):
 * the same, or one level below with i its pid 1. */
static void judge_pid_ns(struct ckpt_check *c, const struct state *st, const struct ckpt_model *m, size_t i,
			 const char *who)
{
	const struct ckpt_model_task *mt = &m->tasks[i], *parent = NULL;
	const struct task_fact *t = &st->tasks[i];
	struct pid_fact key = { .outer = (int32_t)mt->pid };
	const struct pid_fact *f;

	if (mt->depth > 32 || mt->depth > m->tasks[0].depth + 31) {
		check_report(c, &rules[R_PID_NS], -1, t->index, t->offset, "TASK",
			     "%s: its pid namespace is %" PRIu32 " levels below ckpt's and %" PRId64 " below the "
			     "image root's (the kernel nests 32)", who, mt->depth,
			     (int64_t)mt->depth - (int64_t)m->tasks[0].depth);
		return;
	}
	for (size_t k = 0; k < i && !parent; k++)
		if (m->tasks[k].pid == mt->ppid)
			parent = &m->tasks[k];
	/* The root, an orphan (restore-tree), or a namespace above the
	 * parent's (tree-depth): judged elsewhere. */
	if (i == 0 || !parent || mt->depth <= parent->depth)
		return;
	f = st->n_pids ? bsearch(&key, st->pids, st->n_pids, sizeof(key), pid_fact_cmp) : NULL;
	if (mt->depth > parent->depth + 1)
		check_report(c, &rules[R_PID_NS], -1, t->index, t->offset, "TASK",
			     "%s: its pid namespace is %" PRIu32 " levels below its parent's", who,
			     mt->depth - parent->depth);
	else if ((!f || f->inner != 1) && !joined_sibling(st, m, i))
		check_report(c, &rules[R_PID_NS], -1, t->index, t->offset, "TASK",
			     "%s: is pid %" PRId32 ", not 1, in the pid namespace below its parent's, and not one "
			     "live sibling before it is pid 1 there: it joined a namespace it did not start",
			     who, f ? f->inner : 0);
}

static void rs_end(struct ckpt_check *c, void *stp, const struct check_outcome *out)
{
	struct state *st = stp;
	const struct ckpt_model *m = check_model(c);
	size_t processes = 0;

	(void)out;
	if (!m || !st->user_space)
		return;
	if (st->n_pids)
		qsort(st->pids, st->n_pids, sizeof(*st->pids), pid_fact_cmp);
	for (size_t i = 0; i < m->n_tasks && i < st->n_tasks; i++) {
		const struct ckpt_model_task *mt = &m->tasks[i];
		const struct task_fact *t = &st->tasks[i];
		char who[128];

		task_name(mt, who, sizeof(who));
		if (mt->has_tree && mt->pid == mt->tgid)
			judge_pid_ns(c, st, m, i, who);
		if (mt->exit_state && !zombie_process(m, i))
			check_report(c, &rules[R_ZOMBIE], -1, t->index, t->offset, "TASK",
				     "%s: is a zombie (exit_state 0x%x) %s", who, mt->exit_state,
				     mt->pid != mt->tgid ? "thread, and zombie threads are not recreated" :
				     "root without live threads, and such a zombie is made by its parent");
		if (mt->exit_state)
			continue;
		if (!t->has_cpu || !t->has_fpu)
			check_report(c, &rules[R_CPU], -1, t->index, t->offset, "TASK",
				     "%s: the image holds no %s", who, !t->has_cpu ? "registers (CPU)" :
				     "FPU state (CPU_FPU)");
		if (t->seccomp > 2)
			check_report(c, &rules[R_SECCOMP], -1, t->index, t->offset, "TASK",
				     "%s: runs in seccomp mode %u, which is not known", who, t->seccomp);
		else if (t->seccomp == 2 && (!t->has_security || !(t->valid & 0x10) ||
					     t->filters_read + (uint64_t)t->filters_shared < t->filters ||
					     !(t->filters_read + t->filters_shared)))
			check_report(c, &rules[R_SECCOMP], -1, t->index, t->offset, "TASK",
				     "%s: runs under %u seccomp filters but the image holds %u of them "
				     "(ckpt without CAP_SYS_ADMIN?)", who, t->filters,
				     t->filters_read + t->filters_shared);
		else if (t->seccomp == 2 && t->filters_shared && !shares_with(m, st, i))
			check_report(c, &rules[R_SECCOMP], -1, t->index, t->offset, "TASK",
				     "%s: shares %u seccomp filters with task %" PRId64 ", which is not a task "
				     "before it holding that many", who, t->filters_shared, t->filters_same);
		else if (t->seccomp == 2 && t->user_notif)
			check_report(c, &rules[R_SECCOMP], -1, t->index, t->offset, "TASK",
				     "%s: a seccomp filter answers through a listener (SECCOMP_RET_USER_NOTIF), "
				     "which is not restored", who);
		/* Threads are restored with their process; the rest is shared. */
		if (mt->has_tree && mt->pid != mt->tgid)
			continue;
		/* The restorer makes each child from its parent, made before it. */
		if (++processes > 1 && !made_before(m, i, mt->ppid))
			check_report(c, &rules[R_TREE], -1, t->index, t->offset, "TASK",
				     "%s: its parent %" PRId64 " is not a process the image lists before it, "
				     "so it cannot be made by its parent", who, mt->ppid);
		else if (processes > 1 && !group_reachable(m, i))
			check_report(c, &rules[R_TREE], -1, t->index, t->offset, "TASK",
				     "%s: its session %" PRId64 " and group %" PRId64 " cannot be reached from its "
				     "parent's by setsid or setpgid", who, mt->sid, mt->pgid);
		if (t->sem_undo)
			check_report(c, &rules[R_SEM_UNDO], -1, t->index, t->offset, "TASK",
				     "%s: has SysV semaphore undo state (objref %d)", who, t->sem_undo);
		judge_vmas(c, st, m, mt, who);
		judge_files(c, st, t, mt->pid, who);
		judge_signals(c, st, t, who);
		/* The timers are the process's, read in the thread that wrote
		 * its SIGNAL: the first of the group, its leader. */
		if (t->has_security && !(t->valid & 0x4))
			check_report(c, &rules[R_ITIMER], -1, t->index, t->offset, "TASK",
				     "%s: its interval timers could not be read, so they would not be re-armed", who);
	}
	judge_shared(c, st, m);
}

static void rs_release(void *stp)
{
	struct state *st = stp;

	free(st->files);
	free(st->fds);
	free(st->sighands);
	free(st->signals);
	free(st->tasks);
	free(st->inodes);
	free(st->vma_inos);
	free(st->epitems);
	free(st->listens);
	free(st->pids);
}

const struct check_module check_module_restorable = {
	.family = "restorable",
	.rules = rules,
	.n_rules = CKPT_ARRAY_LEN(rules),
	.state_size = sizeof(struct state),
	.record = rs_record,
	.end = rs_end,
	.uses_model = true,
	.release = rs_release,
};
