/* INODE objects (EXT_INODE): shared anonymous memory, memfd files and
 * unlinked files, whose contents are in the image and nowhere a path could
 * reopen.  Each one the task maps or holds is made in the task before its
 * address space: shared anonymous memory as shared anonymous memory again
 * (an anonymous shared mapping, reopened through /proc/self/map_files, so
 * that /proc and a later ckpt see what they saw), a memfd as a memfd of
 * its name, an unlinked file as an O_TMPFILE in its old directory (a memfd
 * when that directory is gone).  Its size is set, its saved runs written
 * from here through /proc/PID/fd/N, and its descriptor kept above every
 * number the image gives the task while VMAs map it and descriptors are
 * reopened from it; seals are added last, once every mapping exists (a
 * write seal refuses writable shared mappings made after it). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ckpt/ext.h"
#include "restore/restore_impl.h"

#define DELETED " (deleted)"

int32_t rs_vma_ino(const struct ckpt_restore_plan *p, uint64_t record)
{
	for (size_t i = 0; i < p->n_vma_inos; i++)
		if (p->vma_inos[i].record == record)
			return p->vma_inos[i].ino;
	return 0;
}

long rs_inode_fd(const struct rs_ctx *x, int32_t ino)
{
	for (size_t i = 0; ino && i < x->n_inode_fds; i++)
		if (x->inode_fds[i].ino == ino)
			return x->inode_fds[i].fd;
	return -1;
}

/* The path without its " (deleted)". */
void rs_live_name(const char *path, char *out, size_t size)
{
	size_t len = strlen(path), dl = strlen(DELETED);

	if (len >= dl && strcmp(path + len - dl, DELETED) == 0)
		len -= dl;
	snprintf(out, size, "%.*s", (int)len, path);
}

static long make_memfd(struct rs_ctx *x, const struct rs_inode *n)
{
	char name[256] = "ckptrestore";
	uint64_t at;
	long fd;

	if (n->path && strncmp(n->path, "/memfd:", 7) == 0)
		rs_live_name(n->path + 7, name, 250);	/* memfd names hold 249 bytes */
	if (rs_scratch(x, name, strlen(name) + 1, &at) < 0 ||
	    rs_call(x, "memfd_create", SYS_memfd_create, (long)at, MFD_CLOEXEC | MFD_ALLOW_SEALING, 0, 0, 0, 0,
		    &fd) < 0)
		return -1;
	return fd;
}

/* Shared anonymous memory of the object's size, and a descriptor of it. */
static long make_shm(struct rs_ctx *x, const struct rs_inode *n)
{
	uint64_t len = (n->size + CKPT_PAGE_SIZE - 1) & ~(uint64_t)(CKPT_PAGE_SIZE - 1);
	char path[96];
	long addr, fd;

	if (rs_call(x, "mmap(shared anonymous)", SYS_mmap, 0, (long)len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0, &addr) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", (unsigned long)addr,
		 (unsigned long)(addr + (long)len));
	if ((fd = rs_open(x, path, O_RDWR)) < 0)
		return -1;
	if (rs_call(x, "munmap", SYS_munmap, addr, (long)len, 0, 0, 0, 0, NULL) < 0)
		return -1;
	return fd;
}

/* An unnamed file in the directory it was in, else a memfd. */
static long make_unlinked(struct rs_ctx *x, const struct rs_inode *n)
{
	char dir[4096];
	char *slash;
	uint64_t at;
	long fd;

	if (!n->path || n->path[0] != '/')
		return make_memfd(x, n);
	rs_live_name(n->path, dir, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = 0;
	else
		*slash = 0;
	if (rs_scratch(x, dir, strlen(dir) + 1, &at) < 0)
		return -1;
	if (rs_call(x, "openat(O_TMPFILE)", SYS_openat, AT_FDCWD, (long)at, O_TMPFILE | O_RDWR | O_CLOEXEC,
		    (long)(n->mode & 07777), 0, 0, &fd) < 0) {
		if (!(fd < 0 && fd > -4096))
			return -1;
		rs_log(x, 1, "task %d: no unnamed file in %s (%s): a memfd instead", (int)x->pid, dir,
		       strerror((int)-fd));
		return make_memfd(x, n);
	}
	return fd;
}

int rs_inode_fill(const struct ckpt_restore_plan *p, const struct rs_inode *n, int out, char *err, size_t errsize)
{
	size_t bufsize = 1u << 20;
	uint8_t *buf = malloc(bufsize);
	int rc = 0;

	if (!buf) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	for (size_t i = 0; rc == 0 && i < n->n_runs; i++) {
		const struct rs_inode_run *r = &n->runs[i];
		uint64_t total = r->pages * CKPT_PAGE_SIZE;

		if (!r->data)
			continue;
		/* Bytes past the object's size stay out of it. */
		if (r->offset >= n->size)
			continue;
		if (total > n->size - r->offset)
			total = n->size - r->offset;
		for (uint64_t done = 0; rc == 0 && done < total;) {
			size_t len = total - done < bufsize ? (size_t)(total - done) : bufsize;
			ssize_t got = ckpt_image_read_at(p->img, r->data + done, buf, len);

			if (got != (ssize_t)len) {
				snprintf(err, errsize, "cannot read the object's pages at image byte %" PRIu64 ": %s",
					 r->data + done, got < 0 ? strerror(errno) : "the image ends");
				rc = -1;
			} else if (pwrite(out, buf, len, (off_t)(r->offset + done)) != (ssize_t)len) {
				snprintf(err, errsize, "writing its shared object: %s", strerror(errno));
				rc = -1;
			}
			done += len;
		}
	}
	free(buf);
	return rc;
}

/* The saved runs, written from here through the task's descriptor. */
static int fill(struct rs_ctx *x, const struct rs_inode *n, long fd)
{
	char path[64], why[256];
	int out;

	snprintf(path, sizeof(path), "/proc/%d/fd/%ld", (int)x->pid, fd);
	if ((out = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return rs_fail(x, "%s: %s", path, strerror(errno));
	if (rs_inode_fill(x->plan, n, out, why, sizeof(why)) < 0) {
		close(out);
		return rs_fail(x, "%s", why);
	}
	close(out);
	return 0;
}

bool rs_task_uses_inode(const struct ckpt_restore_plan *p, const struct rs_task *t, int32_t ino)
{
	const struct rs_mm *m = rs_mm(p, t->mm);

	for (size_t i = 0; m && m->model && i < m->model->n_vmas; i++)
		if (rs_vma_ino(p, m->model->vmas[i].record) == ino)
			return true;
	for (size_t i = 0; t->files && i < p->n_fds; i++) {
		const struct rs_file *f;

		if (p->fds[i].table == t->files && (f = rs_file(p, p->fds[i].file)) && f->ino == ino)
			return true;
	}
	return false;
}

int rs_inodes_create(struct rs_ctx *x)
{
	const struct ckpt_restore_plan *p = x->plan;
	long above = 0;

	/* Kept above every descriptor number the image gives the task. */
	for (size_t i = 0; x->task->files && i < p->n_fds; i++)
		if (p->fds[i].table == x->task->files && p->fds[i].fd >= above)
			above = p->fds[i].fd + 1L;
	for (size_t i = 0; i < p->n_inodes; i++) {
		const struct rs_inode *n = &p->inodes[i];
		int shared = rs_shared_fd(x, n->objref);
		long fd, kept;

		if (!rs_task_uses_inode(p, x->task, n->objref))
			continue;
		if (x->n_inode_fds == RS_INODES_MAX)
			return rs_fail(x, "more than %d shared memory objects and unnamed files", RS_INODES_MAX);
		if (n->flags & (CKPT_INODE_PARTIAL | CKPT_INODE_NO_CONTENTS))
			return rs_fail(x, "object %d: its contents are not in the image", n->objref);
		if (shared >= 0) {
			/* Made and filled once, by the restorer. */
			if ((fd = rs_take_fd(x, shared, "shared object")) < 0)
				return -1;
		} else {
			fd = n->kind == CKPT_INODE_SHM_ANON && n->size ? make_shm(x, n) :
			     n->kind == CKPT_INODE_UNLINKED ? make_unlinked(x, n) : make_memfd(x, n);
			if (fd < 0)
				return -1;
			if (rs_call(x, "ftruncate", SYS_ftruncate, fd, (long)n->size, 0, 0, 0, 0, NULL) < 0 ||
			    fill(x, n, fd) < 0)
				return -1;
		}
		if (rs_call(x, "fcntl(F_DUPFD_CLOEXEC)", SYS_fcntl, fd, F_DUPFD_CLOEXEC, above, 0, 0, 0, &kept) < 0 ||
		    rs_call(x, "close", SYS_close, fd, 0, 0, 0, 0, 0, NULL) < 0)
			return -1;
		x->inode_fds[x->n_inode_fds].ino = n->objref;
		x->inode_fds[x->n_inode_fds++].fd = kept;
		rs_log(x, 1, "task %d: object %d (%" PRIu64 " bytes) made", (int)x->pid, n->objref, n->size);
	}
	return 0;
}

static int by_number(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

int rs_inodes_close_others(struct rs_ctx *x)
{
	long keep[RS_INODES_MAX + 1], from = 0;
	size_t n = x->n_inode_fds;

	for (size_t i = 0; i < n; i++)
		keep[i] = x->inode_fds[i].fd;
	/* And its pidfd of the restorer's descriptors (pidlevels.c). */
	if (x->src_fd > 0)
		keep[n++] = x->src_fd;
	qsort(keep, n, sizeof(keep[0]), by_number);
	for (size_t i = 0; i <= n; i++) {
		long to = i < n ? keep[i] - 1 : (long)~0U;

		if (to >= from && rs_call(x, "close_range", SYS_close_range, from, to, 0, 0, 0, 0, NULL) < 0)
			return -1;
		if (i < n)
			from = keep[i] + 1;
	}
	return 0;
}

int rs_inodes_finish(struct rs_ctx *x)
{
	for (size_t i = 0; i < x->n_inode_fds; i++) {
		const struct rs_inode *n = rs_inode(x->plan, x->inode_fds[i].ino);
		long fd = x->inode_fds[i].fd;

		/* Only a memfd takes seals; the others have none to add.  A
		 * shared one is sealed by the restorer once every process has
		 * mapped it (shared_inodes.c). */
		if (n && n->seals && n->kind == CKPT_INODE_MEMFD && rs_shared_fd(x, n->objref) < 0 &&
		    rs_call(x, "fcntl(F_ADD_SEALS)", SYS_fcntl, fd, F_ADD_SEALS, (long)n->seals, 0, 0, 0, NULL) < 0)
			return -1;
		if (rs_call(x, "close", SYS_close, fd, 0, 0, 0, 0, 0, NULL) < 0)
			return -1;
	}
	x->n_inode_fds = 0;
	return 0;
}
