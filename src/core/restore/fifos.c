/* FIFOs, by their paths.  The restorer opens each FIFO of the image
 * O_RDWR first: with that reader and writer held, every open of it with
 * O_NONBLOCK returns at once (a reader-only or writer-only open alone
 * would wait for the other side, and a lone non-blocking writer fails
 * with ENXIO).  Each FILE is then opened with its own flags and
 * O_NONBLOCK, which is cleared again when the image does not have it, and
 * the bytes that were waiting (EXT_PIPE of a reading FILE) are written
 * back through the restorer's open, which is then closed.  The tasks take
 * their FILEs with pidfd_getfd(2), as they take pipe ends. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt/format.h"
#include "restore/restore_impl.h"

#define FILE_TYPE_FIFO 3

/* What open(2) takes back of f_flags. */
#define OPEN_FLAGS (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_NOATIME | O_LARGEFILE | O_PATH)

static int fifo_fail(char *err, size_t errsize, const struct rs_file *f, const char *what)
{
	char shown[256];

	ckpt_escape((const uint8_t *)f->path, strlen(f->path), shown, sizeof(shown));
	snprintf(err, errsize, "%s (FIFO): %s: %s", shown, what, strerror(errno));
	return -1;
}

static bool fifo(const struct rs_file *f)
{
	return f->f_type == FILE_TYPE_FIFO && f->path && f->path[0] == '/';
}

/* One FIFO: every FILE of the image on its path. */
static int make_one(const struct ckpt_restore_plan *p, size_t first, struct rs_pipe *pipes, size_t *n, char *err,
		    size_t errsize)
{
	const struct rs_file *f0 = &p->files[first];
	int keep = open(f0->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	const struct rs_file *bytes = NULL;
	struct stat st;
	int rc = -1;

	if (keep < 0)
		return fifo_fail(err, errsize, f0, "open");
	if (fstat(keep, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		errno = S_ISFIFO(st.st_mode) ? errno : EINVAL;
		fifo_fail(err, errsize, f0, "not a FIFO any more");
		goto out;
	}
	for (size_t i = first; i < p->n_files; i++) {
		const struct rs_file *f = &p->files[i];
		int fd;

		if (!fifo(f) || strcmp(f->path, f0->path) != 0)
			continue;
		if (!bytes && f->pipe_size)
			bytes = f;
		fd = open(f->path, (int)(f->f_flags & OPEN_FLAGS) | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			fifo_fail(err, errsize, f, "open");
			goto out;
		}
		rs_pipes_add_one(pipes, n, f->objref, fd);
		if (!(f->f_flags & O_NONBLOCK) && !(f->f_flags & O_PATH) &&
		    fcntl(fd, F_SETFL, (int)(f->f_flags & OPEN_FLAGS & ~O_NONBLOCK & ~O_ACCMODE)) < 0) {
			fifo_fail(err, errsize, f, "fcntl(F_SETFL)");
			goto out;
		}
	}
	if (bytes && fcntl(keep, F_SETPIPE_SZ, (int)bytes->pipe_size) < 0) {
		fifo_fail(err, errsize, bytes, "fcntl(F_SETPIPE_SZ)");
		goto out;
	}
	if (bytes && bytes->pipe_len && write(keep, bytes->pipe_data, bytes->pipe_len) != (ssize_t)bytes->pipe_len) {
		fifo_fail(err, errsize, bytes, "write of its waiting bytes");
		goto out;
	}
	rc = 0;
out:
	close(keep);
	return rc;
}

int rs_fifos_make(const struct ckpt_restore_plan *p, struct rs_pipe *pipes, size_t *n, char *err, size_t errsize)
{
	for (size_t i = 0; i < p->n_files; i++) {
		bool seen = false;

		if (!fifo(&p->files[i]))
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = fifo(&p->files[k]) && strcmp(p->files[k].path, p->files[i].path) == 0;
		if (!seen && make_one(p, i, pipes, n, err, errsize) < 0)
			return -1;
	}
	return 0;
}
