/* Page contents: the hot path of a checkpoint.
 *
 * /proc/PID/pagemap tells which pages of a range are present (bit 63) or
 * swapped (bit 62); pages never touched are not written.  The present pages
 * are gathered in batches of up to BATCH_PAGES, read with one
 * process_vm_readv(2) per batch (one iovec per run of adjacent pages)
 * straight into the BUFFER record that carries them, and written out; no
 * more than one batch is ever held.  A page that process_vm_readv cannot
 * read (a mapping without PROT_READ) is read through /proc/PID/mem, which
 * the tracer may read regardless of protection. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "collect_impl.h"

#define PAGE_SIZE_BYTES	4096u
/* 4 MiB of page data per PGARR: large enough that the per-record and
 * per-syscall costs vanish, small enough to keep memory flat. */
#define BATCH_PAGES	1024u
/* pagemap entries read at once (covers 32 MiB of address space). */
#define PAGEMAP_CHUNK	8192u
#define PM_PRESENT	(1ULL << 63)
#define PM_SWAPPED	(1ULL << 62)
#define MAX_IOV		1024

struct ckpt_pages {
	pid_t pid;			/* a live thread of the mm's group */
	struct ckpt_emit *e;
	int pagemap_fd;
	int mem_fd;			/* /proc/PID/mem, opened on first need */
	uint64_t *pm;			/* a chunk of pagemap entries */
	uint64_t addrs[BATCH_PAGES];	/* the batch being gathered */
	size_t n;
	struct ckpt_rbuf full;		/* reused BUFFER for full batches */
	bool have_full;
};

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
	p->mem_fd = -1;
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
	if (p->pagemap_fd >= 0)
		close(p->pagemap_fd);
	if (p->mem_fd >= 0)
		close(p->mem_fd);
	if (p->have_full)
		ckpt_rbuf_free(&p->full);
	free(p->pm);
	free(p);
}

/* Reads the pages whose iovecs did not come through process_vm_readv. */
static int read_via_mem(struct ckpt_pages *p, uint8_t *dst, uint64_t addr, size_t len)
{
	if (p->mem_fd < 0) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/mem", (int)p->pid);
		p->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (p->mem_fd < 0)
			return -1;
	}
	while (len) {
		ssize_t r = pread(p->mem_fd, dst, len, (off_t)addr);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		dst += r;
		addr += (uint64_t)r;
		len -= (size_t)r;
	}
	return 0;
}

/* Fills dst with the n pages at addrs (ascending). */
static int read_pages(struct ckpt_pages *p, uint8_t *dst, const uint64_t *addrs, size_t n)
{
	struct iovec local[MAX_IOV], remote[MAX_IOV];
	size_t i = 0;

	while (i < n) {
		size_t niov = 0, first = i;
		size_t bytes = 0;

		while (i < n && niov < MAX_IOV) {
			size_t run = 1;

			while (i + run < n && addrs[i + run] == addrs[i] + run * PAGE_SIZE_BYTES)
				run++;
			remote[niov] = (struct iovec){ (void *)(uintptr_t)addrs[i], run * PAGE_SIZE_BYTES };
			local[niov] = (struct iovec){ dst + (i - first) * PAGE_SIZE_BYTES + 0, run * PAGE_SIZE_BYTES };
			niov++;
			bytes += run * PAGE_SIZE_BYTES;
			i += run;
		}
		ssize_t got = process_vm_readv(p->pid, local, niov, remote, niov, 0);

		if (got < 0)
			got = 0;
		/* Whatever did not come through (an unreadable mapping, a
		 * partial transfer) is read page by page through /proc/PID/mem. */
		if ((size_t)got < bytes) {
			size_t done_pages = (size_t)got / PAGE_SIZE_BYTES;

			for (size_t k = first + done_pages; k < i; k++) {
				if (read_via_mem(p, dst + (k - first) * PAGE_SIZE_BYTES, addrs[k], PAGE_SIZE_BYTES) < 0)
					return ckpt_emit_fail(p->e, "pid %d: cannot read the page at %#llx: %s",
							      (int)p->pid, (unsigned long long)addrs[k], strerror(errno));
			}
		}
		dst += bytes;
	}
	return 0;
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

/* PGARR {nr_pages} + BUFFER {addresses, pages} for the gathered batch. */
static int flush(struct ckpt_pages *p)
{
	struct ckpt_emit *e = p->e;
	size_t n = p->n, len = 8 + n * (8 + PAGE_SIZE_BYTES);
	struct ckpt_rbuf one, *b;

	if (!n)
		return 0;
	if (ckpt_emit_stopped(e))
		return -1;
	if (ckpt_emit_begin(e, "PGARR", 0) < 0 || ckpt_emit_set(e, "nr_pages", n) < 0 ||
	    ckpt_emit_put(e) < 0)
		return -1;
	if (n == BATCH_PAGES) {
		if (!p->have_full) {
			if (ckpt_rbuf_init(&p->full, e->s, "BUFFER", len) < 0)
				return ckpt_emit_fail(e, "out of memory");
			p->have_full = true;
		}
		b = &p->full;
	} else {
		if (ckpt_rbuf_init(&one, e->s, "BUFFER", len) < 0)
			return ckpt_emit_fail(e, "out of memory");
		b = &one;
	}
	/* The pages layout: n little-endian addresses, then n pages. */
	for (size_t i = 0; i < n; i++)
		ckpt_le_store(b->data + 8 + 8 * i, 8, p->addrs[i]);
	int rc = read_pages(p, b->data + 8 + 8 * n, p->addrs, n);

	if (rc == 0 && ckpt_writer_put(&e->w, b) < 0) {
		e->write_errno = e->w.error;
		rc = ckpt_emit_fail(e, "write error: %s", strerror(e->w.error));
	}
	if (b == &one)
		ckpt_rbuf_free(&one);
	if (rc == 0) {
		e->records++;
		report_progress(p, n);
	}
	p->n = 0;
	return rc;
}

int ckpt_pages_dump(struct ckpt_pages *p, uint64_t start, uint64_t end)
{
	struct ckpt_emit *e = p->e;

	for (uint64_t at = start; at < end;) {
		size_t want = (size_t)((end - at) / PAGE_SIZE_BYTES);

		if (want > PAGEMAP_CHUNK)
			want = PAGEMAP_CHUNK;
		ssize_t r = pread(p->pagemap_fd, p->pm, want * sizeof(*p->pm),
				  (off_t)(at / PAGE_SIZE_BYTES * sizeof(*p->pm)));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return ckpt_emit_fail(e, "pid %d: cannot read its pagemap at %#llx: %s", (int)p->pid,
					      (unsigned long long)at, r < 0 ? strerror(errno) : "end of file");
		size_t got = (size_t)r / sizeof(*p->pm);

		for (size_t i = 0; i < got; i++) {
			if (!(p->pm[i] & (PM_PRESENT | PM_SWAPPED)))
				continue;
			p->addrs[p->n++] = at + i * PAGE_SIZE_BYTES;
			if (p->n == BATCH_PAGES && flush(p) < 0)
				return -1;
		}
		at += got * PAGE_SIZE_BYTES;
	}
	if (flush(p) < 0)
		return -1;
	/* nr_pages 0 ends the vma's pages. */
	if (ckpt_emit_begin(e, "PGARR", 0) < 0 || ckpt_emit_put(e) < 0)
		return -1;
	return 0;
}
