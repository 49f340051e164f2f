/* Descriptor tables, open files and fs_structs of a frozen tree.
 *
 * A thread's descriptors are /proc/TGID/task/TID/fd (the link names the
 * path), fdinfo (position, flags with O_CLOEXEC standing for the
 * descriptor's close-on-exec bit) and a stat(2) through the link (what
 * kind of file it is).  Two tasks share a table, or two descriptors an open
 * file description, when kcmp(2) says so (emit.c keeps them in kcmp's
 * order, so a lookup is a binary search). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "collect/collect_impl.h"

#define FMODE_READ	0x1
#define FMODE_WRITE	0x2
#define FMODE_LSEEK	0x4
#define FMODE_PREAD	0x8
#define FMODE_PWRITE	0x10
#define FMODE_PATH	0x4000

/* One descriptor as /proc shows it. */
struct fd_facts {
	int fd;
	char path[4096];
	struct stat st;
	uint64_t pos;
	uint32_t flags;			/* fdinfo flags, O_CLOEXEC removed */
	bool cloexec;
	char *info;			/* the whole fdinfo text (fdstate.c reads the rest) */
};

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The descriptor numbers of a thread's table, ascending; -1 with errno. */
static int list_fds(pid_t tgid, pid_t tid, int **out, size_t *n)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	int *fds = NULL;
	size_t count = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/fd", (int)tgid, (int)tid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (end == de->d_name || *end || fd < 0 || fd > INT32_MAX)
			continue;
		int *slot = ckpt_push(&fds, &count, sizeof(int));

		if (!slot) {
			free(fds);
			closedir(d);
			errno = ENOMEM;
			return -1;
		}
		*slot = (int)fd;
	}
	closedir(d);
	if (count)
		qsort(fds, count, sizeof(int), cmp_int);
	*out = fds;
	*n = count;
	return 0;
}

/* 0, 1 when the descriptor was closed meanwhile (by a task outside the
 * tree sharing the table), -1 with errno. */
static int read_fd(pid_t tgid, pid_t tid, int fd, struct fd_facts *f)
{
	char path[96];
	ssize_t len;

	memset(f, 0, sizeof(*f));
	f->fd = fd;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/fd/%d", (int)tgid, (int)tid, fd);
	len = readlink(path, f->path, sizeof(f->path) - 1);
	if (len < 0 || stat(path, &f->st) < 0)
		return errno == ENOENT ? 1 : -1;
	f->path[len] = '\0';
	char *info = ckpt_proc_readf(NULL, "/proc/%d/task/%d/fdinfo/%d", (int)tgid, (int)tid, fd);

	if (!info)
		return errno == ENOENT ? 1 : -1;
	for (const char *line = info; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, "pos:", 4) == 0)
			f->pos = strtoull(line + 4, NULL, 10);
		else if (strncmp(line, "flags:", 6) == 0)
			f->flags = (uint32_t)strtoul(line + 6, NULL, 8);
	}
	f->info = info;
	f->cloexec = (f->flags & O_CLOEXEC) != 0;
	f->flags &= ~(uint32_t)O_CLOEXEC;
	return 0;
}

/* Linux's character devices of terminals: tty, console and ptmx (4, 5),
 * Unix98 pty slaves (136-143). */
static bool is_tty(const struct stat *st)
{
	unsigned major = major(st->st_rdev);

	return S_ISCHR(st->st_mode) && (major == 4 || major == 5 || (major >= 136 && major <= 143));
}

static const char *file_type_of(const struct fd_facts *f)
{
	if (S_ISFIFO(f->st.st_mode))
		return strncmp(f->path, "pipe:", 5) == 0 ? "PIPE" : "FIFO";
	if (S_ISSOCK(f->st.st_mode))
		return "SOCKET";
	if (is_tty(&f->st))
		return "TTY";
	if (strcmp(f->path, "anon_inode:[eventpoll]") == 0)
		return "EPOLL";
	if (strcmp(f->path, "anon_inode:[eventfd]") == 0)
		return "EVENTFD";
	return "GENERIC";
}

/* The f_mode the kernel derives from the access mode at open: seekable
 * (and so pread/pwrite-able) for what lives in a filesystem's blocks. */
static uint32_t fmode_of(const struct fd_facts *f)
{
	uint32_t mode = 0, acc = f->flags & O_ACCMODE;

	/* An O_PATH descriptor neither reads nor writes, whatever its access
	 * bits say (open(2) ignores them). */
	if (f->flags & O_PATH)
		return FMODE_PATH;
	if (acc == O_RDONLY || acc == O_RDWR)
		mode |= FMODE_READ;
	if (acc == O_WRONLY || acc == O_RDWR)
		mode |= FMODE_WRITE;
	if (S_ISREG(f->st.st_mode) || S_ISDIR(f->st.st_mode) || S_ISBLK(f->st.st_mode))
		mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	return mode;
}

/* The FILE object of one descriptor: an open file description seen before
 * (kcmp KCMP_FILE), or a new one written now. */
static int32_t open_file_ref(struct collect *c, const struct ckpt_thread *th, const struct fd_facts *f,
			     int32_t cred, bool *is_new)
{
	struct ckpt_emit *e = &c->e;

	const struct shared_obj *seen = ckpt_shared_kcmp(c, CKPT_OBJ_FILE, th->tid, f->fd);

	*is_new = !seen;
	if (seen)
		return seen->ref;

	/* A memfd's or an unlinked file's contents (filedata.c): an INODE
	 * object, written before the FILE that names it. */
	int32_t ino = ckpt_file_data_ref(c, th->tid, f->fd);
	/* A terminal: its TTY object (ttys.c), likewise before the FILE. */
	int32_t tty = ino >= 0 && is_tty(&f->st) ? ckpt_tty_ref(c, th, f->fd, &f->st) : 0;

	if (ino < 0 || tty < 0)
		return -1;
	int32_t ref = ckpt_emit_objref(e, "FILE");

	struct shared_obj *o = ref > 0 ? ckpt_shared_add(c, CKPT_OBJ_FILE, ref, th->tgid, th->tid, f->fd) : NULL;

	if (!o)
		return -1;
	o->dev = (uint64_t)f->st.st_dev;
	o->ino = (uint64_t)f->st.st_ino;
	ckpt_emit_begin(e, "FILE", 0);
	ckpt_emit_set_name(e, "f_type", file_type_of(f));
	ckpt_emit_set(e, "f_mode", fmode_of(f));
	ckpt_emit_set(e, "f_flags", f->flags);
	/* The opener's credentials are not in /proc: the holder's stand in. */
	ckpt_emit_set(e, "f_credref", (uint32_t)cred);
	ckpt_emit_set(e, "f_pos", f->pos);
	ckpt_emit_put(e);
	ckpt_emit_raw(e, "FILE_NAME", f->path, strlen(f->path) + 1);
	ckpt_file_data_link(c, ino);
	ckpt_file_tty_link(c, tty);
	ckpt_write_peers(c, ref, f->path, &f->st);
	if (!e->failed)
		ckpt_write_fd_state(c, ref, f->path, f->info);
	/* A pipe's contents belong to its reading side; O_PATH opens none. */
	if (!e->failed && S_ISFIFO(f->st.st_mode) && !(f->flags & O_PATH) &&
	    ((f->flags & O_ACCMODE) == O_RDONLY || (f->flags & O_ACCMODE) == O_RDWR))
		ckpt_write_pipe_data(c, th, f->fd, ref);
	if (!e->failed && S_ISSOCK(f->st.st_mode))
		ckpt_write_socket_queue(c, th, f->fd, ref);
	if (!e->failed && S_ISSOCK(f->st.st_mode))
		ckpt_write_socket_listen(c, th, f->fd, ref, &f->st);
	return e->failed ? -1 : ref;
}

static int32_t write_file_table(struct collect *c, const struct ckpt_thread *th, int32_t cred)
{
	struct ckpt_emit *e = &c->e;
	int *fds = NULL;
	size_t n = 0, kept = 0;
	struct fd_facts *facts = NULL;
	int32_t *refs = NULL, ref = -1;
	bool *is_new = NULL;
	int *kept_fds = NULL;

	if (list_fds(th->tgid, th->tid, &fds, &n) < 0)
		return ckpt_emit_fail(e, "pid %d: cannot list /proc/%d/task/%d/fd: %s", (int)th->tid,
				      (int)th->tgid, (int)th->tid, strerror(errno));
	facts = calloc(n ? n : 1, sizeof(*facts));
	refs = calloc(n ? n : 1, sizeof(*refs));
	is_new = calloc(n ? n : 1, sizeof(*is_new));
	kept_fds = calloc(n ? n : 1, sizeof(*kept_fds));
	if (!facts || !refs || !is_new || !kept_fds) {
		ckpt_oom(c);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int r = read_fd(th->tgid, th->tid, fds[i], &facts[kept]);

		if (r < 0) {
			ckpt_emit_fail(e, "pid %d: cannot read descriptor %d: %s", (int)th->tid, fds[i],
				       strerror(errno));
			goto out;
		}
		if (r == 0)
			kept++;
	}
	/* The open files first: objects come before the records naming them. */
	for (size_t i = 0; i < kept && !e->failed; i++) {
		refs[i] = open_file_ref(c, th, &facts[i], cred, &is_new[i]);
		kept_fds[i] = facts[i].fd;
	}
	if (e->failed)
		goto out;
	ref = ckpt_emit_objref(e, "FILE_TABLE");
	if (ref < 0 || !ckpt_shared_add(c, CKPT_OBJ_FILE_TABLE, ref, th->tgid, th->tid, -1))
		goto out;
	ckpt_emit_begin(e, "FILE_TABLE", 0);
	ckpt_emit_set(e, "fdt_nfds", kept);
	ckpt_emit_put(e);
	for (size_t i = 0; i < kept; i++) {
		ckpt_emit_begin(e, "FILE_DESC", 0);
		ckpt_emit_set(e, "fd_objref", (uint32_t)refs[i]);
		ckpt_emit_set(e, "fd_descriptor", (uint32_t)facts[i].fd);
		ckpt_emit_set(e, "fd_close_on_exec", facts[i].cloexec);
		ckpt_emit_put(e);
	}
	/* An epoll's interest list names other open files: written once they
	 * all have their objrefs, for the epoll files this table brought. */
	for (size_t i = 0; i < kept && !e->failed; i++)
		if (is_new[i] && strcmp(facts[i].path, "anon_inode:[eventpoll]") == 0)
			ckpt_write_epoll_items(c, th, facts[i].fd, refs[i], kept_fds, refs, kept);
out:
	for (size_t i = 0; facts && i < n; i++)
		free(facts[i].info);
	free(fds);
	free(facts);
	free(refs);
	free(is_new);
	free(kept_fds);
	return e->failed ? -1 : ref;
}

int32_t ckpt_files_ref(struct collect *c, const struct ckpt_thread *th, int32_t cred)
{
	const struct shared_obj *o = ckpt_shared_kcmp(c, CKPT_OBJ_FILE_TABLE, th->tid, 0);

	return o ? o->ref : write_file_table(c, th, cred);
}

static int read_umask(pid_t tgid, pid_t tid, uint32_t *umask)
{
	static const char *const key[] = { "Umask" };
	static const int base[] = { 8 };
	uint64_t v;

	if (ckpt_proc_status_values(tgid, tid, key, base, &v, 1) < 0)
		return -1;
	*umask = (uint32_t)v;
	return 0;
}

static int read_link(pid_t tgid, pid_t tid, const char *name, char *buf, size_t size)
{
	char path[96];
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/%s", (int)tgid, (int)tid, name);
	len = readlink(path, buf, size - 1);
	if (len < 0)
		return -1;
	buf[len] = '\0';
	return 0;
}

int32_t ckpt_fs_ref(struct collect *c, const struct ckpt_thread *th)
{
	struct ckpt_emit *e = &c->e;
	const struct shared_obj *o = ckpt_shared_kcmp(c, CKPT_OBJ_FS, th->tid, 0);
	char root[4096], cwd[4096];
	uint32_t umask = 0;

	if (o)
		return o->ref;
	if (read_umask(th->tgid, th->tid, &umask) < 0 || read_link(th->tgid, th->tid, "root", root, sizeof(root)) < 0 ||
	    read_link(th->tgid, th->tid, "cwd", cwd, sizeof(cwd)) < 0)
		return ckpt_emit_fail(e, "pid %d: cannot read its umask, root and cwd: %s", (int)th->tid,
				      strerror(errno));
	int32_t ref = ckpt_emit_objref(e, "FS");

	if (ref < 0 || !ckpt_shared_add(c, CKPT_OBJ_FS, ref, th->tgid, th->tid, -1))
		return -1;
	ckpt_emit_begin(e, "FS", 0);
	ckpt_emit_set(e, "umask", umask);
	ckpt_emit_put(e);
	ckpt_emit_raw(e, "FILE_NAME", root, strlen(root) + 1);
	ckpt_emit_raw(e, "FILE_NAME", cwd, strlen(cwd) + 1);
	return e->failed ? -1 : ref;
}
