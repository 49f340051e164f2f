/* The saved pages of a task's areas, from the image into the task: each
 * run is read from the image into a small buffer that stays in the cache
 * and goes into the task
 *
 * - for a private anonymous area (nearly all the pages of a process), by
 *   UFFDIO_COPY on a userfaultfd the task made and handed over: the kernel
 *   allocates each page and fills it from our buffer in one pass.  A write
 *   through /proc/PID/mem instead faults each page in one at a time
 *   (get_user_pages), zeroes it, then copies over the zeroes: about twice
 *   the CPU for the same gigabyte here (see docs/benchmarks.md);
 * - for every other area, and whenever the userfaultfd cannot be had or
 *   refuses a range (a kernel without it, a seccomp filter, a page already
 *   there), by pwrite(2) of /proc/PID/mem.
 *
 * The userfaultfd is registered on one area at a time, for as long as its
 * runs are copied, and unregistered before the next (and before any write
 * through /proc/PID/mem into it: a remote fault on a missing page of a
 * registered range fails): the task never runs with a registered range, and
 * the only descriptor of it is ours (the task's is closed at once), so if
 * the restorer dies the kernel drops the registrations with it.  It is made
 * with UFFD_USER_MODE_ONLY, which vm.unprivileged_userfaultfd does not
 * forbid: no fault is ever served through it, it only copies.
 *
 * The image is read with pread(2) (ckpt_image_read_at), not mapped: mapping
 * a tmpfs image costs more in page-table work (populate, then munmap) than
 * the copy into a 1 MiB buffer saves; measured, see docs/benchmarks.md.
 * An area of more than two buffers is read ahead by a second thread into a
 * ring of buffers while this one copies the last into the task: the two
 * copies of every byte (image to buffer, buffer to task) then run on two
 * cores side by side instead of one after the other.
 * Nothing of the image stays in the task, so it can be removed or
 * rewritten once the restore is done. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "restore/restore_impl.h"

#define VM_SHARED 0x8ULL
#define VMA_ANON 2
#define BUFSIZE (1u << 20)	/* the page copy buffer: stays in the cache */
#define AHEAD_SLOTS 4		/* buffers of the read-ahead ring */

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

void rs_pages_open(struct rs_pages *pg)
{
	memset(pg, 0, sizeof(*pg));
	pg->uffd = -1;
}

void rs_pages_close(struct rs_pages *pg)
{
	if (pg->uffd >= 0)
		close(pg->uffd);
	free(pg->buf);
	free(pg->ring);
	rs_pages_open(pg);
}

/* A userfaultfd of the task's address space, in our hands; -1 when the
 * task cannot make one (the pages then go through /proc/PID/mem).  Only a
 * failure to run the calls at all is an error. */
static int uffd_open(struct rs_ctx *x, struct rs_pages *pg)
{
	struct uffdio_api api = { .api = UFFD_API };
	long rfd = 0, pidfd;	/* 0: the call did not run */
	int fd = -1;

	pg->uffd_tried = true;
	if (rs_call(x, "userfaultfd", SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY, 0, 0, 0, 0, 0,
		    &rfd) < 0) {
		if (!(rfd < 0 && rfd > -4096))
			return -1;	/* the call itself failed */
		rs_log(x, 2, "task %d: no userfaultfd (%s): pages through /proc/PID/mem", (int)x->pid,
		       strerror((int)-rfd));
		return 0;
	}
	pidfd = syscall(SYS_pidfd_open, x->pid, 0);
	if (pidfd >= 0) {
		fd = (int)syscall(SYS_pidfd_getfd, (int)pidfd, (int)rfd, 0);
		close((int)pidfd);
	}
	if (fd >= 0 && ioctl(fd, UFFDIO_API, &api) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		rs_log(x, 2, "task %d: cannot take its userfaultfd (%s): pages through /proc/PID/mem", (int)x->pid,
		       strerror(errno));
	/* Ours is the only one left. */
	if (rs_call(x, "close(userfaultfd)", SYS_close, rfd, 0, 0, 0, 0, 0, NULL) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	pg->uffd = fd;
	return 0;
}

/* Image bytes [off, off + *n) in our buffer, *n cut to its size; NULL
 * with err set on failure. */
static const uint8_t *image_bytes(struct rs_ctx *x, struct rs_pages *pg, uint64_t off, size_t *n)
{
	ssize_t got;

	if (!pg->buf && !(pg->buf = malloc(BUFSIZE))) {
		rs_fail(x, "out of memory");
		return NULL;
	}
	if (*n > BUFSIZE)
		*n = BUFSIZE;
	got = ckpt_image_read_at(x->plan->img, off, pg->buf, *n);
	if (got != (ssize_t)*n) {
		rs_fail(x, "cannot read the pages at image byte %" PRIu64 ": %s", off,
			got < 0 ? strerror(errno) : "the image ends");
		return NULL;
	}
	return pg->buf;
}

/* Stops copying into the area with the userfaultfd: a write through
 * /proc/PID/mem into a range still registered would fail (a remote fault on
 * a missing page there is refused), so it goes first. */
static int unregister(struct rs_ctx *x, struct rs_pages *pg, const struct ckpt_model_vma *v, bool *uffd)
{
	struct uffdio_range range = { .start = v->start, .len = v->end - v->start };

	if (!*uffd)
		return 0;
	*uffd = false;
	if (ioctl(pg->uffd, UFFDIO_UNREGISTER, &range) < 0)
		return rs_fail(x, "task %d: cannot unregister 0x%" PRIx64 " from its userfaultfd: %s", (int)x->pid,
			       v->start, strerror(errno));
	return 0;
}

/* n bytes at addr by UFFDIO_COPY while *uffd; what it cannot place (a
 * page already there, an address outside the area) and everything after
 * it, through /proc/PID/mem. */
static int copy_in(struct rs_ctx *x, struct rs_pages *pg, const struct ckpt_model_vma *v, bool *uffd, uint64_t addr,
		   const uint8_t *src, size_t n)
{
	char why[256];
	unsigned retries = 0;

	while (*uffd && n) {
		struct uffdio_copy c = { .dst = addr, .src = (uint64_t)(uintptr_t)src, .len = n,
					 .mode = UFFDIO_COPY_MODE_DONTWAKE };
		int r = ioctl(pg->uffd, UFFDIO_COPY, &c);
		size_t done = c.copy > 0 ? (size_t)c.copy : 0;

		addr += done;
		src += done;
		n -= done;
		pg->uffd_bytes += done;
		if (done) {
			retries = 0;
			continue;
		}
		if (r == 0)
			errno = EIO;	/* nothing copied, yet no error: do not spin */
		/* The task is stopped: its mappings settle at once; if they
		 * do not, the copy goes the other way. */
		else if ((errno == EAGAIN || errno == EINTR) && ++retries < 100)
			continue;
		rs_log(x, 2, "task %d: UFFDIO_COPY at 0x%" PRIx64 ": %s: the rest through /proc/PID/mem",
		       (int)x->pid, addr, strerror(errno));
		if (unregister(x, pg, v, uffd) < 0)
			return -1;
	}
	if (n && ckpt_remote_write(&x->r, addr, src, n, why, sizeof(why)) < 0)
		return rs_fail(x, "%s", why);
	return 0;
}

/* The chunks of an area's saved pages, in order: each at most BUFSIZE
 * bytes of one run.  Both threads of a read-ahead walk the same sequence. */
struct chunk_walk {
	const struct ckpt_model_mm *mm;
	size_t run, end;		/* the run index, one past the area's last */
	uint64_t done;			/* bytes of the run walked */
};

static bool next_chunk(struct chunk_walk *w, uint64_t *off, uint64_t *addr, size_t *n)
{
	while (w->run < w->end) {
		const struct ckpt_model_run *run = &w->mm->runs[w->run];
		uint64_t total = run->pages * CKPT_PAGE_SIZE;

		if (w->done < total) {
			*n = total - w->done < BUFSIZE ? (size_t)(total - w->done) : BUFSIZE;
			*off = run->offset + w->done;
			*addr = run->start + w->done;
			w->done += *n;
			return true;
		}
		w->run++;
		w->done = 0;
	}
	return false;
}

/* The read-ahead: the reader fills chunk k into slot k % AHEAD_SLOTS once
 * the copier has taken chunk k - AHEAD_SLOTS. */
struct ahead {
	struct ckpt_image *img;
	struct chunk_walk walk;
	uint8_t *slot[AHEAD_SLOTS];
	uint64_t filled, taken;		/* chunks read, chunks copied */
	bool failed, quit;		/* the reader stopped at chunk `filled` */
	int err;			/* its errno, 0: the image ends */
	uint64_t err_off;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void *ahead_main(void *arg)
{
	struct ahead *a = arg;
	uint64_t off, addr;
	size_t n;

	for (uint64_t k = 0; next_chunk(&a->walk, &off, &addr, &n); k++) {
		pthread_mutex_lock(&a->mu);
		while (k - a->taken >= AHEAD_SLOTS && !a->quit)
			pthread_cond_wait(&a->cv, &a->mu);
		bool quit = a->quit;

		pthread_mutex_unlock(&a->mu);
		if (quit)
			break;
		ssize_t got = ckpt_image_read_at(a->img, off, a->slot[k % AHEAD_SLOTS], n);

		pthread_mutex_lock(&a->mu);
		if (got != (ssize_t)n) {
			a->failed = true;
			a->err = got < 0 ? errno : 0;
			a->err_off = off;
		} else {
			a->filled = k + 1;
		}
		pthread_cond_broadcast(&a->cv);
		pthread_mutex_unlock(&a->mu);
		if (got != (ssize_t)n)
			break;
	}
	return NULL;
}

/* The area's chunks copied in as the reader delivers them; 1 when the
 * reader thread could not be had (the caller reads them itself). */
static int write_ahead(struct rs_ctx *x, struct rs_pages *pg, const struct ckpt_model_vma *v, bool *uffd,
		       struct chunk_walk walk)
{
	struct ahead a = { .img = x->plan->img, .walk = walk };
	pthread_t th;
	uint64_t off, addr;
	size_t n;
	int rc = 0;

	if (!pg->ring && !(pg->ring = malloc((size_t)AHEAD_SLOTS * BUFSIZE)))
		return 1;
	for (int i = 0; i < AHEAD_SLOTS; i++)
		a.slot[i] = pg->ring + (size_t)i * BUFSIZE;
	pthread_mutex_init(&a.mu, NULL);
	pthread_cond_init(&a.cv, NULL);
	if (pthread_create(&th, NULL, ahead_main, &a) != 0) {
		pthread_cond_destroy(&a.cv);
		pthread_mutex_destroy(&a.mu);
		return 1;
	}
	for (uint64_t k = 0; rc == 0 && next_chunk(&walk, &off, &addr, &n); k++) {
		bool ready;

		if (x->opt && x->opt->stop && *x->opt->stop) {
			rc = rs_fail(x, "writing its pages: interrupted");
			break;
		}
		pthread_mutex_lock(&a.mu);
		while (a.filled <= k && !a.failed)
			pthread_cond_wait(&a.cv, &a.mu);
		ready = a.filled > k;
		pthread_mutex_unlock(&a.mu);
		if (!ready) {
			rc = rs_fail(x, "cannot read the pages at image byte %" PRIu64 ": %s", a.err_off,
				     a.err ? strerror(a.err) : "the image ends");
			break;
		}
		rc = copy_in(x, pg, v, uffd, addr, a.slot[k % AHEAD_SLOTS], n);
		pthread_mutex_lock(&a.mu);
		a.taken = k + 1;
		pthread_cond_broadcast(&a.cv);
		pthread_mutex_unlock(&a.mu);
	}
	pthread_mutex_lock(&a.mu);
	a.quit = true;
	pthread_cond_broadcast(&a.cv);
	pthread_mutex_unlock(&a.mu);
	pthread_join(th, NULL);
	pthread_cond_destroy(&a.cv);
	pthread_mutex_destroy(&a.mu);
	return rc;
}

int rs_pages_write(struct rs_ctx *x, struct rs_pages *pg, const struct ckpt_model_mm *mm,
		   const struct ckpt_model_vma *v, int32_t ino)
{
	struct uffdio_register reg = { .range = { .start = v->start, .len = v->end - v->start },
				       .mode = UFFDIO_REGISTER_MODE_MISSING };
	bool uffd = false;
	int rc = 0;

	if (!v->pages || v->first_run >= mm->n_runs)
		return 0;
	/* Only private anonymous memory takes UFFDIO_COPY pages of its own. */
	if (v->type == VMA_ANON && !ino && !(v->flags & VM_SHARED)) {
		if (!pg->uffd_tried && uffd_open(x, pg) < 0)
			return -1;
		uffd = pg->uffd >= 0 && ioctl(pg->uffd, UFFDIO_REGISTER, &reg) == 0;
	}
	struct chunk_walk walk = { .mm = mm, .run = v->first_run,
				   .end = v->first_run + v->n_runs < mm->n_runs ? v->first_run + v->n_runs : mm->n_runs };
	uint64_t off, addr;
	size_t n;

	rc = v->pages * CKPT_PAGE_SIZE > 2 * (uint64_t)BUFSIZE ? write_ahead(x, pg, v, &uffd, walk) : 1;
	if (rc == 1) {
		rc = 0;
		while (rc == 0 && next_chunk(&walk, &off, &addr, &n)) {
			const uint8_t *src;

			if (x->opt && x->opt->stop && *x->opt->stop)
				rc = rs_fail(x, "writing its pages: interrupted");
			else if (!(src = image_bytes(x, pg, off, &n)))
				rc = -1;
			else
				rc = copy_in(x, pg, v, &uffd, addr, src, n);
		}
	}
	if (unregister(x, pg, v, &uffd) < 0 && rc == 0)
		rc = -1;
	return rc;
}
