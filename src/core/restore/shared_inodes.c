/* INODE objects that more than one process of the image uses: shared
 * anonymous memory a parent and its child both map, a memfd or an
 * unlinked file several processes map or hold.  Each is made ONCE, in the
 * restorer, before any task (as inodes.c makes an object one process
 * uses, but here): shared anonymous memory as an anonymous shared mapping
 * reopened through /proc/self/map_files (so that /proc and a later ckpt
 * see "/dev/zero (deleted)" again), a memfd of its name, an unlinked file
 * as an O_TMPFILE in its old directory (a memfd when that is gone); its
 * size set, its saved runs written once.  Every process that uses it takes
 * the restorer's descriptor with pidfd_getfd(2) (inodes.c) and maps or
 * reopens it from there: one object, so a write by one after the restore
 * is seen by the others, as before the checkpoint.  Seals are added here
 * once every process has mapped it (a write seal refuses writable shared
 * mappings made after it), before any task runs.  (Open file
 * descriptions several processes hold are shared.c's.) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ckpt/ext.h"
#include "restore/restore_impl.h"

/* How many processes (thread group leaders) use object ino. */
static size_t users(const struct ckpt_restore_plan *p, int32_t ino)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_tasks; i++)
		if (p->tasks[i].pid == p->tasks[i].tgid && rs_task_uses_inode(p, &p->tasks[i], ino))
			n++;
	return n;
}

static int make_memfd(const struct rs_inode *n)
{
	char name[256] = "ckptrestore";

	if (n->path && strncmp(n->path, "/memfd:", 7) == 0)
		rs_live_name(n->path + 7, name, 250);	/* memfd names hold 249 bytes */
	return memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
}

static int make_shm(const struct rs_inode *n)
{
	size_t len = (size_t)((n->size + CKPT_PAGE_SIZE - 1) & ~(uint64_t)(CKPT_PAGE_SIZE - 1));
	void *at = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char path[96];
	int fd, e;

	if (at == MAP_FAILED)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", (unsigned long)(uintptr_t)at,
		 (unsigned long)(uintptr_t)at + (unsigned long)len);
	fd = open(path, O_RDWR | O_CLOEXEC);
	e = errno;
	munmap(at, len);
	errno = e;
	return fd;
}

static int make_unlinked(const struct rs_inode *n)
{
	char dir[4096], *slash;
	int fd;

	if (!n->path || n->path[0] != '/')
		return make_memfd(n);
	rs_live_name(n->path, dir, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = 0;
	else
		*slash = 0;
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, (mode_t)(n->mode & 07777));
	return fd >= 0 ? fd : make_memfd(n);
}

static int make_objects(const struct ckpt_restore_plan *p, struct rs_shares *s, char *err, size_t errsize)
{
	for (size_t i = 0; i < p->n_inodes; i++) {
		const struct rs_inode *o = &p->inodes[i];
		int fd;

		if (users(p, o->objref) < 2)
			continue;
		if (o->flags & (CKPT_INODE_PARTIAL | CKPT_INODE_NO_CONTENTS)) {
			snprintf(err, errsize, "object %d: its contents are not in the image", o->objref);
			return -1;
		}
		fd = o->kind == CKPT_INODE_SHM_ANON && o->size ? make_shm(o) :
		     o->kind == CKPT_INODE_UNLINKED ? make_unlinked(o) : make_memfd(o);
		if (fd < 0) {
			snprintf(err, errsize, "object %d: cannot make it: %s", o->objref, strerror(errno));
			return -1;
		}
		s->objs[s->n_objs++] = (struct rs_shared){ .ino = o->objref, .fd = fd };
		if (ftruncate(fd, (off_t)o->size) < 0) {
			snprintf(err, errsize, "object %d: ftruncate(%" PRIu64 "): %s", o->objref, o->size,
				 strerror(errno));
			return -1;
		}
		if (rs_inode_fill(p, o, fd, err, errsize) < 0)
			return -1;
	}
	return 0;
}

int rs_shared_make(const struct ckpt_restore_plan *p, struct rs_shares **out, char *err, size_t errsize)
{
	struct rs_shares *s = calloc(1, sizeof(*s));

	*out = s;
	if (!s || !(s->objs = calloc(p->n_inodes ? p->n_inodes : 1, sizeof(*s->objs)))) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	return make_objects(p, s, err, errsize);
}

int rs_shared_fd(const struct rs_ctx *x, int32_t ino)
{
	for (size_t i = 0; ino && x->shares && i < x->shares->n_objs; i++)
		if (x->shares->objs[i].ino == ino)
			return x->shares->objs[i].fd;
	return -1;
}

bool rs_shared_any(const struct ckpt_restore_plan *p)
{
	for (size_t i = 0; i < p->n_inodes; i++)
		if (users(p, p->inodes[i].objref) > 1)
			return true;
	return false;
}

int rs_shared_seal(const struct ckpt_restore_plan *p, const struct rs_shares *s, char *err, size_t errsize)
{
	for (size_t i = 0; s && i < s->n_objs; i++) {
		const struct rs_inode *o = rs_inode(p, s->objs[i].ino);

		if (o && o->seals && o->kind == CKPT_INODE_MEMFD &&
		    fcntl(s->objs[i].fd, F_ADD_SEALS, (int)o->seals) < 0) {
			snprintf(err, errsize, "object %d: F_ADD_SEALS(0x%x): %s", o->objref, o->seals,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

void rs_shared_close(struct rs_shares *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_objs; i++)
		if (s->objs[i].fd >= 0)
			close(s->objs[i].fd);
	free(s->objs);
	free(s);
}
