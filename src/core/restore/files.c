/* Descriptors, cwd, root and umask.  Every descriptor the task has from
 * the restorer goes; each file of the image is opened in the task from its
 * path with its status flags, placed at its number (in ascending order, so
 * the number opened is always free or below the one wanted), positioned,
 * and given its close-on-exec flag.  Descriptors of one open file
 * description are dups of one open, as they were. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "restore/restore_impl.h"

/* What open(2) takes back of f_flags. */
#define OPEN_FLAGS (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECT | O_NOATIME | O_LARGEFILE | \
		    O_DIRECTORY | O_NOFOLLOW | O_PATH)

static int by_fd(const void *a, const void *b)
{
	const struct rs_fd *x = *(const struct rs_fd *const *)a, *y = *(const struct rs_fd *const *)b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

/* A descriptor declared external: the restorer's own descriptor of that
 * number, taken into the task with pidfd_getfd(2) (the task is still
 * privileged) and moved to its number. */
static int place_external(struct rs_ctx *x, const struct rs_fd *d)
{
	long fd = rs_take_fd(x, d->fd, "external");

	if (fd < 0)
		return rs_fail(x, "descriptor %d (external): cannot take the restorer's descriptor %d", d->fd, d->fd);
	if (fd != d->fd && (rs_call(x, "dup3", SYS_dup3, fd, d->fd, d->cloexec ? O_CLOEXEC : 0, 0, 0, 0, NULL) < 0 ||
			    rs_call(x, "close", SYS_close, fd, 0, 0, 0, 0, 0, NULL) < 0))
		return -1;
	if (fd == d->fd && rs_call(x, "fcntl(F_SETFD)", SYS_fcntl, fd, F_SETFD, d->cloexec ? FD_CLOEXEC : 0, 0, 0, 0,
				   NULL) < 0)
		return -1;
	rs_log(x, 1, "task %d: descriptor %d is the restorer's own (external)", (int)x->pid, d->fd);
	return 0;
}

/* A pipe end: the restorer's end of that pipe taken into the task with
 * pidfd_getfd(2) (one description for every task that holds it, as in
 * the image) and moved to its number. */
static int place_pipe(struct rs_ctx *x, const struct rs_fd *d, const struct rs_file *f)
{
	long fd;
	int mine = -1;

	for (size_t i = 0; i < x->n_pipes; i++)
		if (x->pipes[i].read_file == f->objref)
			mine = x->pipes[i].fd[0];
		else if (x->pipes[i].write_file == f->objref)
			mine = x->pipes[i].fd[1];
	if (mine < 0)
		return rs_fail(x, "descriptor %d: %s has no other end in the image", d->fd, f->path);
	if ((fd = rs_take_fd(x, mine, "pipe")) < 0)
		return -1;
	if (fd != d->fd)
		return rs_call(x, "dup3", SYS_dup3, fd, d->fd, d->cloexec ? O_CLOEXEC : 0, 0, 0, 0, NULL) < 0 ||
		       rs_call(x, "close", SYS_close, fd, 0, 0, 0, 0, 0, NULL) < 0 ? -1 : 0;
	return rs_call(x, "fcntl(F_SETFD)", SYS_fcntl, fd, F_SETFD, d->cloexec ? FD_CLOEXEC : 0, 0, 0, 0, NULL);
}

static void pipe_fail(char *err, size_t errsize, const struct rs_file *f, const char *what)
{
	snprintf(err, errsize, "%s: %s: %s", f->path, what, strerror(errno));
}

/* Without blocking: bytes that do not fit are an error, not a hang. */
static bool write_waiting(int fd, const struct rs_file *f)
{
	int fl = fcntl(fd, F_GETFL);
	bool ok;

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return false;
	ok = write(fd, f->pipe_data, f->pipe_len) == (ssize_t)f->pipe_len;
	if (fcntl(fd, F_SETFL, fl) < 0)
		ok = false;
	return ok;
}

int rs_pipes_make(const struct ckpt_restore_plan *p, struct rs_pipe **out, size_t *n, char *err, size_t errsize)
{
	struct rs_pipe *pipes = calloc(p->n_files ? p->n_files : 1, sizeof(*pipes));

	*out = pipes;
	*n = 0;
	if (!pipes) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < p->n_files; i++) {
		const struct rs_file *f = &p->files[i];
		struct rs_pipe *q = NULL;
		bool reader = (f->f_flags & O_ACCMODE) == O_RDONLY;

		if (!f->pipe_ino)
			continue;
		for (size_t k = 0; k < *n; k++)
			if (pipes[k].ino == f->pipe_ino)
				q = &pipes[k];
		if (!q) {
			q = &pipes[(*n)++];
			q->ino = f->pipe_ino;
			if (pipe2(q->fd, O_CLOEXEC) < 0) {
				q->fd[0] = q->fd[1] = -1;
				pipe_fail(err, errsize, f, "pipe2");
				return -1;
			}
		}
		if (reader) {
			q->read_file = f->objref;
			/* Status flags belong to the description: set once here. */
			if ((f->f_flags & O_NONBLOCK) && fcntl(q->fd[0], F_SETFL, O_NONBLOCK) < 0) {
				pipe_fail(err, errsize, f, "fcntl(F_SETFL)");
				return -1;
			}
			if (f->pipe_size && fcntl(q->fd[0], F_SETPIPE_SZ, (int)f->pipe_size) < 0) {
				pipe_fail(err, errsize, f, "fcntl(F_SETPIPE_SZ)");
				return -1;
			}
			/* The bytes waiting: they fit, the pipe is as large as it was. */
			if (f->pipe_len && !write_waiting(q->fd[1], f)) {
				pipe_fail(err, errsize, f, "write of its waiting bytes");
				return -1;
			}
		} else {
			q->write_file = f->objref;
			if ((f->f_flags & O_NONBLOCK) && fcntl(q->fd[1], F_SETFL, O_NONBLOCK) < 0) {
				pipe_fail(err, errsize, f, "fcntl(F_SETFL)");
				return -1;
			}
		}
	}
	/* The other kinds the restorer makes, handed out the same way. */
	if (rs_sockets_make(p, pipes, n, err, errsize) < 0 || rs_listen_make(p, pipes, n, err, errsize) < 0 ||
	    rs_fifos_make(p, pipes, n, err, errsize) < 0 ||
	    rs_fdkinds_make(p, pipes, n, err, errsize) < 0 || rs_shared_files_make(p, pipes, n, err, errsize) < 0)
		return -1;
	return 0;
}

/* Whether the restorer made FILE file (a pipe end, a socket, a FIFO...). */
static bool made(const struct rs_ctx *x, int32_t file)
{
	for (size_t i = 0; i < x->n_pipes; i++)
		if (x->pipes[i].read_file == file || x->pipes[i].write_file == file)
			return true;
	return false;
}

void rs_pipes_close(struct rs_pipe *pipes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 2; k++)
			if (pipes[i].fd[k] >= 0)
				close(pipes[i].fd[k]);
	free(pipes);
}

bool rs_pipes_holds(const struct rs_pipe *pipes, size_t n, int32_t file)
{
	for (size_t i = 0; i < n; i++)
		if (pipes[i].read_file == file || pipes[i].write_file == file)
			return true;
	return false;
}

struct rs_pipe *rs_pipes_add_one(struct rs_pipe *pipes, size_t *n, int32_t file, int fd)
{
	struct rs_pipe *q = &pipes[(*n)++];

	memset(q, 0, sizeof(*q));
	q->read_file = file;
	q->fd[0] = fd;
	q->fd[1] = -1;
	return q;
}

static int place(struct rs_ctx *x, const struct rs_fd *d, const struct rs_fd *const *placed, size_t n_placed)
{
	const struct rs_file *f = rs_file(x->plan, d->file);
	long fd = -1;

	if (x->opt && ckpt_external_match(x->opt->externals, x->opt->n_externals, (int32_t)x->task->pid, d->fd))
		return place_external(x, d);

	if (!f || !f->path)
		return rs_fail(x, "descriptor %d: the image has no file for it", d->fd);
	for (size_t i = 0; i < n_placed; i++)
		if (placed[i]->file == d->file && !(x->opt && ckpt_external_match(x->opt->externals,
				x->opt->n_externals, (int32_t)x->task->pid, placed[i]->fd))) {
			/* Another descriptor of the same description. */
			return rs_call(x, "dup3", SYS_dup3, placed[i]->fd, d->fd, d->cloexec ? O_CLOEXEC : 0, 0, 0, 0,
				       NULL);
		}
	if (f->pipe_ino || made(x, f->objref))
		return place_pipe(x, d, f);
	if (f->ino) {
		/* A memfd or unlinked file: a new open of the object made
		 * with the address space (its own description). */
		long ifd = rs_inode_fd(x, f->ino);
		char path[64];

		if (ifd < 0)
			return rs_fail(x, "descriptor %d: object %d was not made", d->fd, f->ino);
		snprintf(path, sizeof(path), "/proc/self/fd/%ld", ifd);
		fd = rs_open(x, path, (int)(f->f_flags & OPEN_FLAGS));
	} else {
		fd = rs_open(x, f->path, (int)(f->f_flags & OPEN_FLAGS));
	}
	if (fd < 0)
		return -1;
	if (fd != d->fd) {
		if (rs_call(x, "dup3", SYS_dup3, fd, d->fd, d->cloexec ? O_CLOEXEC : 0, 0, 0, 0, NULL) < 0 ||
		    rs_call(x, "close", SYS_close, fd, 0, 0, 0, 0, 0, NULL) < 0)
			return -1;
	} else if (!d->cloexec && rs_call(x, "fcntl(F_SETFD)", SYS_fcntl, fd, F_SETFD, 0, 0, 0, 0, NULL) < 0) {
		return -1;
	}
	if (f->f_pos && !(f->f_flags & O_PATH)) {
		long ret;

		if (rs_call(x, "lseek", SYS_lseek, d->fd, (long)f->f_pos, SEEK_SET, 0, 0, 0, &ret) < 0)
			return -1;
	}
	return 0;
}

static int descriptors(struct rs_ctx *x)
{
	const struct ckpt_restore_plan *p = x->plan;
	const struct rs_fd **mine = calloc(p->n_fds ? p->n_fds : 1, sizeof(*mine));
	size_t n = 0;
	int rc = 0;

	if (!mine)
		return rs_fail(x, "out of memory");
	/* The table is the parent's, whole: closing "every other"
	 * descriptor or placing them again would tear it down under the
	 * parent.  Only the descriptors this task's address space took of
	 * its INODE objects (above every number of the table) go. */
	if (x->files_of_parent) {
		free(mine);
		if (rs_inodes_finish(x) < 0)
			return -1;
		rs_log(x, 1, "task %d: its parent's descriptor table", (int)x->pid);
		return 0;
	}
	for (size_t i = 0; i < p->n_fds; i++)
		if (x->task->files && p->fds[i].table == x->task->files)
			mine[n++] = &p->fds[i];
	qsort(mine, n, sizeof(*mine), by_fd);
	/* All but the INODE objects' descriptors, above every number placed. */
	if (rs_inodes_close_others(x) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = place(x, mine[i], mine, i);
	if (rc == 0)
		rc = rs_epoll_fill(x, mine, n);
	if (rc == 0)
		rc = rs_inodes_finish(x);
	if (rc == 0)
		rs_log(x, 1, "task %d: %zu descriptors", (int)x->pid, n);
	free(mine);
	return rc;
}

int rs_files_restore(struct rs_ctx *x)
{
	const struct rs_fs *fs = rs_fs(x->plan, x->task->fs);
	uint64_t at;

	if (descriptors(x) < 0)
		return -1;
	if (!fs || x->fs_of_parent)
		return 0;
	if (fs->root && strcmp(fs->root, "/") != 0 &&
	    (rs_scratch(x, fs->root, strlen(fs->root) + 1, &at) < 0 ||
	     rs_call(x, "chroot", SYS_chroot, (long)at, 0, 0, 0, 0, 0, NULL) < 0))
		return -1;
	if (fs->pwd && (rs_scratch(x, fs->pwd, strlen(fs->pwd) + 1, &at) < 0 ||
			rs_call(x, "chdir", SYS_chdir, (long)at, 0, 0, 0, 0, 0, NULL) < 0))
		return -1;
	return rs_call(x, "umask", SYS_umask, (long)fs->umask, 0, 0, 0, 0, 0, NULL);
}
