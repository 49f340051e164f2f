/* Output files linked into place when complete (atomic_output.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic_output.h"

/* How many random names are tried before giving up on EEXIST. */
#define NAME_TRIES 64

/* The directory part of path ("." when it has none), malloc'd. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* A fresh hidden name beside path: DIR/.BASE.XXXXXX with random letters. */
static int hidden_name(const char *path, char *buf, size_t size)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	const char *slash = strrchr(path, '/');
	unsigned char rnd[6];
	char suffix[7];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	for (size_t i = 0; i < sizeof(rnd); i++)
		suffix[i] = letters[rnd[i] % (sizeof(letters) - 1)];
	suffix[6] = '\0';
	int n = slash ? snprintf(buf, size, "%.*s/.%s.%s", (int)(slash - path), path, slash + 1, suffix)
		      : snprintf(buf, size, ".%s.%s", path, suffix);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int atomic_output_open(struct atomic_output *o, const char *path)
{
	char *dir;
	int fd, saved;

	o->path = NULL;
	o->tmp_name = NULL;
	o->fd = -1;
	dir = dir_of(path);
	if (!dir)
		return -1;
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	saved = errno;
	free(dir);
	/* EISDIR: a kernel without O_TMPFILE; EOPNOTSUPP: a file system
	 * without it.  Anything else (ENOENT, EACCES) is the caller's. */
	if (fd < 0 && saved != EISDIR && saved != EOPNOTSUPP && saved != EINVAL) {
		errno = saved;
		return -1;
	}
	o->path = strdup(path);
	if (!o->path)
		goto fail;
	if (fd < 0) {
		size_t size = strlen(path) + 16;

		o->tmp_name = malloc(size);
		if (!o->tmp_name)
			goto fail;
		for (int i = 0; i < NAME_TRIES && fd < 0; i++) {
			if (hidden_name(path, o->tmp_name, size) < 0)
				goto fail;
			fd = open(o->tmp_name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
			if (fd < 0 && errno != EEXIST)
				goto fail;
		}
		if (fd < 0)
			goto fail;
	}
	o->fd = fd;
	/* The umask may only take bits away; make it exactly 0600. */
	if (fchmod(fd, 0600) < 0) {
		saved = errno;
		atomic_output_discard(o);
		errno = saved;
		return -1;
	}
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	free(o->path);
	free(o->tmp_name);
	o->path = o->tmp_name = NULL;
	errno = saved;
	return -1;
}

/* Gives the unnamed file a name: through /proc/self/fd (any user), else
 * AT_EMPTY_PATH (needs CAP_DAC_READ_SEARCH, but no /proc). */
static int link_unnamed(int fd, const char *name)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	return linkat(fd, "", AT_FDCWD, name, AT_EMPTY_PATH);
}

/* Links the unnamed file under the final name.  linkat(2) never replaces:
 * when the name is taken, the file gets a hidden name first and is
 * renamed over the old one, so the target always holds a whole image. */
static int link_into_place(struct atomic_output *o)
{
	size_t size = strlen(o->path) + 16;
	char *hidden;

	if (link_unnamed(o->fd, o->path) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	hidden = malloc(size);
	if (!hidden)
		return -1;
	for (int i = 0; i < NAME_TRIES; i++) {
		if (hidden_name(o->path, hidden, size) < 0)
			break;
		if (link_unnamed(o->fd, hidden) < 0) {
			if (errno == EEXIST)
				continue;
			break;
		}
		if (rename(hidden, o->path) == 0) {
			free(hidden);
			return 0;
		}
		int saved = errno;

		unlink(hidden);
		errno = saved;
		break;
	}
	int saved = errno;

	free(hidden);
	errno = saved;
	return -1;
}

/* fsync of the directory, so that the new name survives a crash too;
 * best effort (some file systems refuse it). */
static void sync_dir(const char *path)
{
	char *dir = dir_of(path);
	int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(dir);
}

int atomic_output_commit(struct atomic_output *o)
{
	int rc, saved;

	if (o->fd < 0) {
		errno = EBADF;
		return -1;
	}
	rc = fsync(o->fd);
	if (rc == 0)
		rc = o->tmp_name ? rename(o->tmp_name, o->path) : link_into_place(o);
	saved = errno;
	if (rc == 0) {
		free(o->tmp_name);
		o->tmp_name = NULL;	/* it is the final name now */
		sync_dir(o->path);
	}
	atomic_output_discard(o);
	errno = saved;
	return rc;
}

void atomic_output_discard(struct atomic_output *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp_name)
		unlink(o->tmp_name);
	free(o->tmp_name);
	free(o->path);
	o->tmp_name = NULL;
	o->path = NULL;
}
