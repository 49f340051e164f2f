/* A file reopened by path that more than one process holds (a shell's
 * stdout inherited by its children, a log both write at one offset): one
 * open file description in the image, so one again after a restore.
 * Opened per task it would be two, each with its own offset.  The
 * restorer opens it once, with its status flags, at its position, and
 * every task takes it with pidfd_getfd(2), as it takes pipe ends.
 * The open is the restorer's (its credentials; the tasks' own opens are
 * made before their credentials too), with the path as the image has it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ckpt/format.h"
#include "restore/restore_impl.h"

#define FILE_TYPE_GENERIC 1

/* What open(2) takes back of f_flags (as files.c). */
#define OPEN_FLAGS (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECT | O_NOATIME | O_LARGEFILE | \
		    O_DIRECTORY | O_NOFOLLOW | O_PATH)

/* Whether FILE file is held in two descriptor tables or more. */
static bool in_two_tables(const struct ckpt_restore_plan *p, int32_t file)
{
	int32_t first = 0;

	for (size_t i = 0; i < p->n_fds; i++) {
		if (p->fds[i].file != file)
			continue;
		if (!first)
			first = p->fds[i].table;
		else if (p->fds[i].table != first)
			return true;
	}
	return false;
}

int rs_shared_files_make(const struct ckpt_restore_plan *p, struct rs_pipe *pipes, size_t *n, char *err,
			 size_t errsize)
{
	for (size_t i = 0; i < p->n_files; i++) {
		const struct rs_file *f = &p->files[i];
		char shown[256];
		int fd;

		if (f->f_type != FILE_TYPE_GENERIC || f->ino || !f->path || f->path[0] != '/' ||
		    rs_pipes_holds(pipes, *n, f->objref) || !in_two_tables(p, f->objref))
			continue;
		fd = open(f->path, (int)(f->f_flags & OPEN_FLAGS) | O_CLOEXEC);
		if (fd < 0 || (f->f_pos && !(f->f_flags & O_PATH) && lseek(fd, (off_t)f->f_pos, SEEK_SET) < 0)) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			ckpt_escape((const uint8_t *)f->path, strlen(f->path), shown, sizeof(shown));
			snprintf(err, errsize, "%s (shared by several processes): %s: %s", shown,
				 fd < 0 ? "open" : "lseek", strerror(e));
			return -1;
		}
		rs_pipes_add_one(pipes, n, f->objref, fd);
	}
	return 0;
}

/* The restorer's descriptor of shared object ino, or -1. */
static int object_fd(const struct rs_shares *s, int32_t ino)
{
	for (size_t i = 0; s && i < s->n_objs; i++)
		if (s->objs[i].ino == ino)
			return s->objs[i].fd;
	return -1;
}

/* The same for a memfd or an unlinked file (an INODE object) that several
 * processes hold through one description: a new open of the object the
 * restorer made once (shared_inodes.c), at its position, handed out like
 * the files above.  Opened per task it would be two descriptions. */
int rs_shared_inode_files_make(const struct ckpt_restore_plan *p, const struct rs_shares *s, struct rs_pipe *pipes,
			       size_t *n, char *err, size_t errsize)
{
	for (size_t i = 0; i < p->n_files; i++) {
		const struct rs_file *f = &p->files[i];
		int obj = f->ino ? object_fd(s, f->ino) : -1;
		char path[64];
		int fd;

		if (obj < 0 || rs_pipes_holds(pipes, *n, f->objref) || !in_two_tables(p, f->objref))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", obj);
		fd = open(path, (int)(f->f_flags & OPEN_FLAGS) | O_CLOEXEC);
		if (fd < 0 || (f->f_pos && !(f->f_flags & O_PATH) && lseek(fd, (off_t)f->f_pos, SEEK_SET) < 0)) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			snprintf(err, errsize, "file %d (object %d, shared by several processes): %s: %s", f->objref,
				 f->ino, fd < 0 ? "open" : "lseek", strerror(e));
			return -1;
		}
		rs_pipes_add_one(pipes, n, f->objref, fd);
	}
	return 0;
}
