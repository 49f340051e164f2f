/* Page contents: the hot path of a checkpoint.
 *
 * /proc/PID/pagemap tells which pages of a range are present (bit 63) or
 * swapped (bit 62); pages never touched are not written.  The present pages
 * are gathered in batches of up to BATCH_PAGES; each batch becomes a PGARR
 * record and a BUFFER record holding the addresses and the page contents.
 *
 * Reading must not change the tree.  process_vm_readv(2) pins the pages it
 * reads, and pinning an anonymous page that is copy-on-write shared with
 * another process (after fork) unshares it (kernels since 5.18): the task
 * gets a private copy, and a forked tree's shared memory doubles.  A pread
 * of /proc/PID/mem neither pins nor unshares (and reads any protection),
 * but costs about 1.8 times the CPU (a bounce page per 4 KiB).  So pagemap
 * decides per page: a present page that only this page table maps (bit 56)
 * has nothing to unshare and is read with process_vm_readv, one iovec per
 * run; every other one (COW shared, swapped, the zero page) with one pread
 * of /proc/PID/mem per run of adjacent pages (docs/benchmarks.md).
 *
 * In a private file mapping only the pages the task has replaced with
 * private copies differ from the file (written, relocated: RELRO, whatever
 * the protection is now); pagemap tells them apart: present without bit
 * 61 (file page or shared anonymous), or swapped (only private copies are
 * swapped out of a private mapping).  Those alone are written.
 *
 * Batches go to two lanes in turn.  A lane reads its batch into its own
 * buffer, hashes it for EXT_DIGEST, then waits for its turn and writes it:
 * reading and hashing happen in parallel, the writes in batch order, and a
 * buffer stays on the core that filled it (handing a filled buffer to
 * another thread to write cost a quarter more time in the reads).  The
 * writes into the output are the one part that cannot overlap (a tmpfs
 * file takes one write at a time), so they must follow each other without
 * a gap: a lane that has written its batch gathers the next one from the
 * pagemap itself, at once, rather than waiting for the caller to hand it
 * one (with three threads on two cores, the caller was often not running
 * when a lane fell idle, and the writes stood still a quarter of the time).
 * The caller gathers a range's first batch; a full one starts the lanes'
 * threads (once per address space) and opens the range to them, then the
 * caller only waits, checking its stop flag and reporting progress.  The
 * caller runs a lane's work itself for a range of less than a full batch
 * (small mappings, small processes) and when no thread can be started.
 * Each lane holds at most one batch, so at most two are in memory.
 *
 * The image writer is used by one thread at a time: the lane whose turn it
 * is, and the caller only once every batch of the range is written (the
 * end marker, the next VMA).  Lanes report failures here; the caller turns
 * them into the collection's error.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "ckpt/decode.h"
#include "ckpt/ext.h"
#include "collect/collect_impl.h"

/* 4 MiB of page data per PGARR: large enough that the per-record and
 * per-syscall costs vanish, small enough to keep memory flat. */
#define BATCH_PAGES	1024u
/* pagemap entries read at once (covers 32 MiB of address space). */
#define PAGEMAP_CHUNK	8192u
#define PM_PRESENT	(1ULL << 63)
#define PM_SWAPPED	(1ULL << 62)
#define PM_FILE		(1ULL << 61)
#define PM_EXCLUSIVE	(1ULL << 56)	/* mapped by this page table only */
#define MAX_IOV		1024
/* Low bit of a gathered page address: read it through /proc/PID/mem. */
#define ADDR_SHARED	1ULL
#define LANES		2u

enum lane_failure { LANE_OK, LANE_NOMEM, LANE_READ, LANE_WRITE, LANE_PAGEMAP, LANE_STOPPED };

struct page_lane {
	struct ckpt_pages *p;
	pthread_t thread;
	bool started;
	bool busy;			/* holds a batch not yet written */
	bool threaded;			/* ... for the lane's thread to write */
	uint64_t seq;			/* the batch's place in the write order */
	uint64_t addrs[BATCH_PAGES];
	size_t n;
	struct ckpt_rbuf full;		/* reused BUFFER for full batches */
	bool have_full;
	int mem_fd;			/* /proc/PID/mem, opened on first need */
};

struct ckpt_pages {
	pid_t pid;			/* a live thread of the mm's group */
	struct ckpt_emit *e;
	int pagemap_fd;

	/* The range being gathered into batches, by one thread at a time
	 * (the caller for the first batch, then the lanes): held while a
	 * batch is gathered and given its place in the write order. */
	pthread_mutex_t gather;
	uint64_t at, end;		/* the part of the range not read yet */
	bool private_copies;
	uint64_t *pm;			/* a chunk of pagemap entries */
	uint64_t pm_base;		/* the address of pm[0] */
	size_t pm_got, pm_next;		/* entries in pm, the next to look at */

	pthread_mutex_t lock;		/* guards everything below */
	pthread_cond_t cond;		/* lanes: a batch, the range, a turn */
	pthread_cond_t done;		/* the caller: the range is written */
	struct page_lane lanes[LANES];
	bool threads_failed;		/* pthread_create failed: run lanes inline */
	bool range_open;		/* idle lanes gather from the range */
	bool range_more;		/* ... which has pages left to look at */
	uint64_t handed;		/* batches given a place in the order */
	uint64_t turn;			/* the next batch to write */
	uint64_t pages_written;		/* for progress */
	uint64_t batches_written;
	bool quit;
	/* The first failure of a lane; later batches are skipped. */
	enum lane_failure failure;
	int failure_errno;
	uint64_t failure_addr;
};

static void lane_fail(struct ckpt_pages *p, enum lane_failure f, int err, uint64_t addr)
{
	pthread_mutex_lock(&p->lock);
	if (p->failure == LANE_OK) {
		p->failure = f;
		p->failure_errno = err;
		p->failure_addr = addr;
	}
	pthread_mutex_unlock(&p->lock);
}

/* Reads [addr, addr + len) of the address space through /proc/PID/mem. */
static int read_via_mem(struct page_lane *l, uint8_t *dst, uint64_t addr, size_t len)
{
	if (l->mem_fd < 0) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/mem", (int)l->p->pid);
		l->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (l->mem_fd < 0)
			return -1;
	}
	while (len) {
		ssize_t r = pread(l->mem_fd, dst, len, (off_t)addr);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		dst += r;
		addr += (uint64_t)r;
		len -= (size_t)r;
	}
	return 0;
}

/* Reads pages that only this address space maps with process_vm_readv,
 * one iovec per run, up to MAX_IOV runs per call; whatever does not come
 * through (a mapping without PROT_READ, a partial transfer) is read
 * through /proc/PID/mem. */
static int read_exclusive(struct page_lane *l, uint8_t *dst, const uint64_t *addrs, size_t n)
{
	struct iovec local[MAX_IOV], remote[MAX_IOV];
	size_t i = 0;

	while (i < n) {
		size_t niov = 0, first = i, bytes = 0;

		while (i < n && niov < MAX_IOV) {
			size_t run = 1;

			while (i + run < n && addrs[i + run] == addrs[i] + run * CKPT_PAGE_SIZE)
				run++;
			remote[niov] = (struct iovec){ (void *)(uintptr_t)addrs[i], run * CKPT_PAGE_SIZE };
			local[niov] = (struct iovec){ dst + (i - first) * CKPT_PAGE_SIZE, run * CKPT_PAGE_SIZE };
			niov++;
			bytes += run * CKPT_PAGE_SIZE;
			i += run;
		}
		ssize_t got = process_vm_readv(l->p->pid, local, niov, remote, niov, 0);

		if (got < 0)
			got = 0;
		for (size_t k = first + (size_t)got / CKPT_PAGE_SIZE; k < i; k++) {
			if (read_via_mem(l, dst + (k - first) * CKPT_PAGE_SIZE, addrs[k], CKPT_PAGE_SIZE) < 0) {
				lane_fail(l->p, LANE_READ, errno, addrs[k]);
				return -1;
			}
		}
		dst += bytes;
	}
	return 0;
}

/* Fills dst with the lane's n pages (ascending addresses).  Each stretch
 * of pages of one kind goes the way that suits it: shared or swapped ones
 * (ADDR_SHARED) with one pread of /proc/PID/mem per run of adjacent pages,
 * the others with process_vm_readv. */
static int read_pages(struct page_lane *l, uint8_t *dst)
{
	uint64_t *addrs = l->addrs;
	size_t i = 0, n = l->n;

	while (i < n) {
		bool shared = addrs[i] & ADDR_SHARED;
		size_t run = 1;

		if (!shared) {
			while (i + run < n && !(addrs[i + run] & ADDR_SHARED))
				run++;
			if (read_exclusive(l, dst, addrs + i, run) < 0)
				return -1;
		} else {
			uint64_t at = addrs[i] & ~ADDR_SHARED;

			while (i + run < n && addrs[i + run] == (at + run * CKPT_PAGE_SIZE) + ADDR_SHARED)
				run++;
			if (read_via_mem(l, dst, at, run * CKPT_PAGE_SIZE) < 0) {
				lane_fail(l->p, LANE_READ, errno, at);
				return -1;
			}
		}
		dst += run * CKPT_PAGE_SIZE;
		i += run;
	}
	return 0;
}

/* PGARR {nr_pages} + BUFFER {addresses, pages}, in the lane's turn. */
static int write_batch(struct page_lane *l, const struct ckpt_rbuf *b, uint64_t digest)
{
	struct ckpt_emit *e = l->p->e;
	struct ckpt_rbuf hdr;
	int rc;

	if (ckpt_rbuf_init(&hdr, e->s, "PGARR", 0) < 0) {
		lane_fail(l->p, LANE_NOMEM, ENOMEM, 0);
		return -1;
	}
	rc = ckpt_rbuf_set(&hdr, "nr_pages", l->n) < 0 || ckpt_writer_put(&e->w, &hdr) < 0 ||
	     ckpt_writer_put_digested(&e->w, b, digest) < 0 ? -1 : 0;
	ckpt_rbuf_free(&hdr);
	if (rc < 0)
		lane_fail(l->p, LANE_WRITE, e->w.error ? e->w.error : EIO, 0);
	return rc;
}

/* Whether the pagemap entry names a page to save. */
static bool wanted(uint64_t pm, bool private_copies)
{
	if (pm & PM_SWAPPED)
		return true;
	return (pm & PM_PRESENT) && !(private_copies && (pm & PM_FILE));
}

/* Gathers the range's next batch into the lane, with p->gather held: up
 * to BATCH_PAGES addresses in ascending order, the pagemap read a chunk at
 * a time.  The number of pages; 0 at the end of the range or on a failure
 * (reported). */
static size_t gather_pages(struct ckpt_pages *p, struct page_lane *l)
{
	size_t n = 0;

	while (n < BATCH_PAGES) {
		if (p->pm_next == p->pm_got) {
			if (p->at >= p->end)
				break;
			size_t want = (size_t)((p->end - p->at) / CKPT_PAGE_SIZE);

			if (want > PAGEMAP_CHUNK)
				want = PAGEMAP_CHUNK;
			ssize_t r = pread(p->pagemap_fd, p->pm, want * sizeof(*p->pm),
					  (off_t)(p->at / CKPT_PAGE_SIZE * sizeof(*p->pm)));

			if (r < 0 && errno == EINTR)
				continue;
			if (r < (ssize_t)sizeof(*p->pm)) {
				/* errno 0: the pagemap ended early. */
				lane_fail(p, LANE_PAGEMAP, r < 0 ? errno : 0, p->at);
				p->at = p->end;
				return 0;
			}
			p->pm_base = p->at;
			p->pm_got = (size_t)r / sizeof(*p->pm);
			p->pm_next = 0;
			p->at += p->pm_got * CKPT_PAGE_SIZE;
		}
		while (p->pm_next < p->pm_got && n < BATCH_PAGES) {
			uint64_t pm = p->pm[p->pm_next];
			uint64_t addr = p->pm_base + p->pm_next++ * CKPT_PAGE_SIZE;

			if (!wanted(pm, p->private_copies))
				continue;
			/* Only a page mapped by this address space alone
			 * may be pinned (process_vm_readv) without changing
			 * anything; a swapped one is not known to be so. */
			bool alone = (pm & PM_PRESENT) && (pm & PM_EXCLUSIVE);

			l->addrs[n++] = addr | (alone ? 0 : ADDR_SHARED);
		}
	}
	return n;
}

/* Whether nothing of the range is left to gather (p->gather held). */
static bool range_exhausted(const struct ckpt_pages *p)
{
	return p->at >= p->end && p->pm_next == p->pm_got;
}

/* Gathers the next batch into the idle lane l and gives it its place in
 * the write order (for its thread to run if threaded).  The number of
 * pages; 0 when the range is done.  The range is closed to the lanes when
 * nothing of it is left. */
static size_t take_batch(struct ckpt_pages *p, struct page_lane *l, bool threaded)
{
	size_t n;
	bool ok;

	pthread_mutex_lock(&p->gather);
	pthread_mutex_lock(&p->lock);
	ok = p->failure == LANE_OK;
	pthread_mutex_unlock(&p->lock);
	n = ok ? gather_pages(p, l) : 0;
	pthread_mutex_lock(&p->lock);
	if (p->failure != LANE_OK)
		n = 0;
	if (n) {
		l->n = n;
		l->seq = p->handed++;
		l->busy = true;
		l->threaded = threaded;
	}
	p->range_more = n && !range_exhausted(p);
	if (!p->range_more) {
		p->range_open = false;
		if (p->turn == p->handed)
			pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	pthread_mutex_unlock(&p->gather);
	return n;
}

/* A lane's whole job for its batch: read, hash, wait for the turn, write. */
static void lane_run(struct page_lane *l)
{
	struct ckpt_pages *p = l->p;
	struct ckpt_emit *e = p->e;
	size_t hdr = e->s->hdr_len, len = hdr + l->n * (8 + CKPT_PAGE_SIZE);
	struct ckpt_rbuf one, *b = NULL;
	uint64_t digest = 0;
	bool ok;

	pthread_mutex_lock(&p->lock);
	ok = p->failure == LANE_OK;
	pthread_mutex_unlock(&p->lock);
	if (ok && l->n == BATCH_PAGES) {
		if (!l->have_full && ckpt_rbuf_init(&l->full, e->s, "BUFFER", len) == 0)
			l->have_full = true;
		b = l->have_full ? &l->full : NULL;
	} else if (ok && ckpt_rbuf_init(&one, e->s, "BUFFER", len) == 0) {
		b = &one;
	}
	if (ok && !b) {
		lane_fail(p, LANE_NOMEM, ENOMEM, 0);
		ok = false;
	}
	if (ok) {
		/* The pages layout: n little-endian addresses, then n pages. */
		for (size_t i = 0; i < l->n; i++)
			ckpt_le_store(b->data + hdr + 8 * i, 8, l->addrs[i] & ~ADDR_SHARED);
		ok = read_pages(l, b->data + hdr + 8 * l->n) == 0;
		/* The writer's digest pointer is set before the first record. */
		if (ok && e->w.digests)
			digest = ckpt_digest(b->data, b->len);
	}
	pthread_mutex_lock(&p->lock);
	while (p->turn != l->seq)
		pthread_cond_wait(&p->cond, &p->lock);
	ok = ok && p->failure == LANE_OK;
	pthread_mutex_unlock(&p->lock);
	if (ok)
		ok = write_batch(l, b, digest) == 0;
	if (b == &one)
		ckpt_rbuf_free(&one);
	pthread_mutex_lock(&p->lock);
	if (ok) {
		p->pages_written += l->n;
		p->batches_written++;
	}
	p->turn++;
	l->busy = false;
	l->threaded = false;
	pthread_cond_broadcast(&p->cond);
	if (!p->range_open && p->turn == p->handed)
		pthread_cond_broadcast(&p->done);
	pthread_mutex_unlock(&p->lock);
}

/* A lane's thread: runs the batch it was handed, else gathers the next
 * one of an open range itself. */
static void *lane_main(void *arg)
{
	struct page_lane *l = arg;
	struct ckpt_pages *p = l->p;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		bool mine = l->busy && l->threaded;
		bool gather = !l->busy && p->range_open && p->failure == LANE_OK;

		if (!mine && !gather) {
			if (p->quit)
				break;
			pthread_cond_wait(&p->cond, &p->lock);
			continue;
		}
		pthread_mutex_unlock(&p->lock);
		if (mine || take_batch(p, l, true))
			lane_run(l);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Starts the lane threads; false if not all could be (lanes then run
 * inline, and the ones started stay idle). */
static bool start_lanes(struct ckpt_pages *p)
{
	sigset_t all, old;
	bool ok = true;

	/* Stop signals are the collecting thread's business: it checks the
	 * flag their handler sets, and a lane never waits for long. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned i = 0; i < LANES && ok; i++) {
		if (pthread_create(&p->lanes[i].thread, NULL, lane_main, &p->lanes[i]) == 0)
			p->lanes[i].started = true;
		else
			ok = false;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ok)
		return true;
	/* All or none: a started lane would take batches meant to run inline. */
	pthread_mutex_lock(&p->lock);
	p->quit = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < LANES; i++) {
		if (p->lanes[i].started)
			pthread_join(p->lanes[i].thread, NULL);
		p->lanes[i].started = false;
	}
	p->quit = false;
	return false;
}

/* Progress as the lanes have written it; p->lock not held. */
static void report_progress(struct ckpt_pages *p)
{
	struct ckpt_emit *e = p->e;
	uint64_t before = e->progress.pages_done, written, batches;

	pthread_mutex_lock(&p->lock);
	written = p->pages_written;
	batches = p->batches_written;
	p->pages_written = p->batches_written = 0;
	pthread_mutex_unlock(&p->lock);
	e->records += 2 * batches;
	e->progress.pages_done += written;
	if (e->progress.pages_done > e->progress.pages_total)
		e->progress.pages_total = e->progress.pages_done;
	/* About every 64 MiB. */
	if (e->opt && e->opt->progress && (before >> 14) != (e->progress.pages_done >> 14))
		e->opt->progress(e->opt->progress_arg, &e->progress);
}

/* How often the caller looks at its stop flag and the progress while the
 * lanes write a range. */
#define WAIT_STEP_NS	(50 * 1000 * 1000L)

/* Waits until the range is closed and every batch given a place is
 * written, stopping the lanes when the caller is asked to stop; the first
 * failure as the collection's error. */
static int drain(struct ckpt_pages *p)
{
	struct ckpt_emit *e = p->e;
	enum lane_failure f;
	int err;
	uint64_t addr;

	pthread_mutex_lock(&p->lock);
	while (p->range_open || p->turn != p->handed) {
		struct timespec until;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += WAIT_STEP_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->done, &p->lock, &until);
		if (!p->range_open && p->turn == p->handed)
			break;
		pthread_mutex_unlock(&p->lock);
		/* A lane skips what is left once a failure is set. */
		if (ckpt_emit_stopped(e))
			lane_fail(p, LANE_STOPPED, EINTR, 0);
		report_progress(p);
		pthread_mutex_lock(&p->lock);
		if (p->failure != LANE_OK)
			p->range_open = false;
	}
	f = p->failure;
	err = p->failure_errno;
	addr = p->failure_addr;
	pthread_mutex_unlock(&p->lock);
	report_progress(p);
	switch (f) {
	case LANE_OK:
		return 0;
	case LANE_NOMEM:
		return ckpt_emit_fail(e, "out of memory");
	case LANE_READ:
		return ckpt_emit_fail(e, "pid %d: cannot read the page at %#llx: %s", (int)p->pid,
				      (unsigned long long)addr, strerror(err));
	case LANE_WRITE:
		e->write_errno = err;
		return ckpt_emit_fail(e, "write error: %s", strerror(err));
	case LANE_PAGEMAP:
		return ckpt_emit_fail(e, "pid %d: cannot read its pagemap at %#llx: %s", (int)p->pid,
				      (unsigned long long)addr, err ? strerror(err) : "end of file");
	case LANE_STOPPED:
		return -1;	/* the reason is set already */
	}
	return -1;
}

struct ckpt_pages *ckpt_pages_new(pid_t pid, struct ckpt_emit *e)
{
	struct ckpt_pages *p = calloc(1, sizeof(*p));
	char path[64];

	if (!p) {
		ckpt_emit_fail(e, "out of memory");
		return NULL;
	}
	p->pid = pid;
	p->e = e;
	pthread_mutex_init(&p->gather, NULL);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->done, &attr);
	pthread_condattr_destroy(&attr);
	for (unsigned i = 0; i < LANES; i++) {
		p->lanes[i].p = p;
		p->lanes[i].mem_fd = -1;
	}
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	p->pagemap_fd = open(path, O_RDONLY | O_CLOEXEC);
	p->pm = malloc(PAGEMAP_CHUNK * sizeof(*p->pm));
	if (p->pagemap_fd < 0 || !p->pm) {
		ckpt_emit_fail(e, "pid %d: cannot read %s: %s", (int)pid, path,
			       p->pm ? strerror(errno) : "out of memory");
		ckpt_pages_free(p);
		return NULL;
	}
	return p;
}

void ckpt_pages_free(struct ckpt_pages *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->range_open = false;
	while (p->turn != p->handed)
		pthread_cond_wait(&p->done, &p->lock);
	p->quit = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < LANES; i++) {
		struct page_lane *l = &p->lanes[i];

		if (l->started)
			pthread_join(l->thread, NULL);
		if (l->have_full)
			ckpt_rbuf_free(&l->full);
		if (l->mem_fd >= 0)
			close(l->mem_fd);
	}
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->gather);
	if (p->pagemap_fd >= 0)
		close(p->pagemap_fd);
	free(p->pm);
	free(p);
}

/* The range's batches: the caller gathers and runs them itself until a
 * full batch shows the range is worth the lanes' threads, then opens the
 * rest of the range to them. */
static void dump_range(struct ckpt_pages *p, uint64_t start, uint64_t end, bool private_copies)
{
	pthread_mutex_lock(&p->gather);
	p->at = start;
	p->end = end;
	p->private_copies = private_copies;
	p->pm_got = p->pm_next = 0;
	pthread_mutex_unlock(&p->gather);
	for (;;) {
		if (ckpt_emit_stopped(p->e)) {
			lane_fail(p, LANE_STOPPED, EINTR, 0);
			return;
		}
		/* The lanes are idle: every batch handed so far is written. */
		struct page_lane *l = &p->lanes[p->handed % LANES];
		size_t n = take_batch(p, l, false);

		if (!n)
			return;
		if (n == BATCH_PAGES && !l->started && !p->threads_failed)
			p->threads_failed = !start_lanes(p);
		if (n == BATCH_PAGES && l->started) {
			/* The lane runs it, and both gather the rest. */
			pthread_mutex_lock(&p->lock);
			l->threaded = true;
			p->range_open = p->range_more;
			pthread_cond_broadcast(&p->cond);
			pthread_mutex_unlock(&p->lock);
			return;
		}
		lane_run(l);
		report_progress(p);
		if (n < BATCH_PAGES)
			return;
	}
}

int ckpt_pages_dump(struct ckpt_pages *p, uint64_t start, uint64_t end, bool private_copies)
{
	struct ckpt_emit *e = p->e;

	dump_range(p, start, end, private_copies);
	/* Whatever happened, every lane is idle before the caller writes
	 * again. */
	if (drain(p) < 0)
		return -1;
	/* nr_pages 0 ends the vma's pages. */
	if (ckpt_emit_begin(e, "PGARR", 0) < 0 || ckpt_emit_put(e) < 0)
		return -1;
	return 0;
}
