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
 * another thread to write cost a quarter more time in the reads).  Full
 * batches run on the lanes' threads, started with an address space's
 * second full batch; the caller runs a lane's work itself for the rest
 * (the last batch of a mapping, small processes) and when no thread can be
 * started.  Each lane holds at most one batch, so at most two are in
 * memory.
 *
 * The image writer is used by one thread at a time: the lane whose turn it
 * is, and the caller only once every handed batch is written (the end
 * marker, the next VMA).  Lanes report failures here; the caller turns
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

enum lane_failure { LANE_OK, LANE_NOMEM, LANE_READ, LANE_WRITE };

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
	uint64_t *pm;			/* a chunk of pagemap entries */
	uint64_t addrs[BATCH_PAGES];	/* the batch being gathered */
	size_t n;

	pthread_mutex_t lock;		/* guards everything below */
	pthread_cond_t cond;
	struct page_lane lanes[LANES];
	bool threads_failed;		/* pthread_create failed: run lanes inline */
	uint64_t full_batches;		/* gathered so far */
	uint64_t handed;		/* batches handed to lanes */
	uint64_t turn;			/* the next batch to write */
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
		write_batch(l, b, digest);
	if (b == &one)
		ckpt_rbuf_free(&one);
	pthread_mutex_lock(&p->lock);
	p->turn++;
	l->busy = false;
	l->threaded = false;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void *lane_main(void *arg)
{
	struct page_lane *l = arg;
	struct ckpt_pages *p = l->p;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!(l->busy && l->threaded) && !p->quit)
			pthread_cond_wait(&p->cond, &p->lock);
		if (!(l->busy && l->threaded))
			break;
		pthread_mutex_unlock(&p->lock);
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

/* Waits until every handed batch is written; the first lane failure as
 * the collection's error. */
static int drain(struct ckpt_pages *p)
{
	struct ckpt_emit *e = p->e;
	enum lane_failure f;
	int err;
	uint64_t addr;

	pthread_mutex_lock(&p->lock);
	while (p->turn != p->handed)
		pthread_cond_wait(&p->cond, &p->lock);
	f = p->failure;
	err = p->failure_errno;
	addr = p->failure_addr;
	pthread_mutex_unlock(&p->lock);
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
	}
	return -1;
}

static void report_progress(struct ckpt_pages *p, size_t n)
{
	struct ckpt_emit *e = p->e;
	uint64_t before = e->progress.pages_done;

	e->progress.pages_done += n;
	if (e->progress.pages_done > e->progress.pages_total)
		e->progress.pages_total = e->progress.pages_done;
	/* About every 64 MiB. */
	if (e->opt && e->opt->progress && (before >> 14) != (e->progress.pages_done >> 14))
		e->opt->progress(e->opt->progress_arg, &e->progress);
}

/* Hands the gathered batch to the next lane in turn. */
static int flush(struct ckpt_pages *p)
{
	struct ckpt_emit *e = p->e;
	size_t n = p->n;
	bool failed, inline_run = n < BATCH_PAGES;

	if (!n)
		return 0;
	p->n = 0;
	if (ckpt_emit_stopped(e))
		return -1;
	/* Full batches go to the lane threads, started with the second one:
	 * a small process (many mappings of a few pages) gains nothing from
	 * threads, and would pay for starting them and for every hand-off. */
	if (n == BATCH_PAGES && ++p->full_batches == 2 && !p->threads_failed)
		p->threads_failed = !start_lanes(p);

	struct page_lane *l = &p->lanes[p->handed % LANES];

	inline_run = inline_run || !l->started;

	pthread_mutex_lock(&p->lock);
	while (l->busy)
		pthread_cond_wait(&p->cond, &p->lock);
	failed = p->failure != LANE_OK;
	if (!failed) {
		memcpy(l->addrs, p->addrs, n * sizeof(*p->addrs));
		l->n = n;
		l->seq = p->handed++;
		l->busy = true;
		l->threaded = !inline_run;
		pthread_cond_broadcast(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
	if (failed) {
		drain(p);
		return -1;
	}
	if (inline_run)
		lane_run(l);
	e->records += 2;
	report_progress(p, n);
	return 0;
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
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
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
	while (p->turn != p->handed)
		pthread_cond_wait(&p->cond, &p->lock);
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
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	if (p->pagemap_fd >= 0)
		close(p->pagemap_fd);
	free(p->pm);
	free(p);
}

/* Whether the pagemap entry names a page to save. */
static bool wanted(uint64_t pm, bool private_copies)
{
	if (pm & PM_SWAPPED)
		return true;
	return (pm & PM_PRESENT) && !(private_copies && (pm & PM_FILE));
}

static int dump_range(struct ckpt_pages *p, uint64_t start, uint64_t end, bool private_copies)
{
	struct ckpt_emit *e = p->e;

	for (uint64_t at = start; at < end;) {
		size_t want = (size_t)((end - at) / CKPT_PAGE_SIZE);

		if (want > PAGEMAP_CHUNK)
			want = PAGEMAP_CHUNK;
		ssize_t r = pread(p->pagemap_fd, p->pm, want * sizeof(*p->pm),
				  (off_t)(at / CKPT_PAGE_SIZE * sizeof(*p->pm)));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return ckpt_emit_fail(e, "pid %d: cannot read its pagemap at %#llx: %s", (int)p->pid,
					      (unsigned long long)at, r < 0 ? strerror(errno) : "end of file");
		size_t got = (size_t)r / sizeof(*p->pm);

		for (size_t i = 0; i < got; i++) {
			if (!wanted(p->pm[i], private_copies))
				continue;
			/* Only a page mapped by this address space alone
			 * may be pinned (process_vm_readv) without changing
			 * anything; a swapped one is not known to be so. */
			bool alone = (p->pm[i] & PM_PRESENT) && (p->pm[i] & PM_EXCLUSIVE);

			p->addrs[p->n++] = (at + i * CKPT_PAGE_SIZE) | (alone ? 0 : ADDR_SHARED);
			if (p->n == BATCH_PAGES && flush(p) < 0)
				return -1;
		}
		at += got * CKPT_PAGE_SIZE;
	}
	return flush(p);
}

int ckpt_pages_dump(struct ckpt_pages *p, uint64_t start, uint64_t end, bool private_copies)
{
	struct ckpt_emit *e = p->e;
	/* Whatever happened, every lane is idle before the caller writes
	 * again. */
	int rc = dump_range(p, start, end, private_copies);

	if (drain(p) < 0 || rc < 0) {
		p->n = 0;
		return -1;
	}
	/* nr_pages 0 ends the vma's pages. */
	if (ckpt_emit_begin(e, "PGARR", 0) < 0 || ckpt_emit_put(e) < 0)
		return -1;
	return 0;
}
