/* Page contents of a matched VMA pair.
 *
 * Pages are compared at the same offset from each VMA's start (a VMA that
 * moved, ASLR, still compares its contents).  The runs of both sides are
 * walked together: pages only in A were removed, only in B added, in both
 * compared.  With trust_digests, where both images carry EXT_DIGEST and
 * the two BUFFER records holding a page have the same digest, the page
 * sits at the same place of two identical records and is not read;
 * otherwise the bytes are read in
 * bounded chunks (memcmp is cheaper than hashing both sides).  Page data is
 * never held whole: a chunk of each side at a time. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/decode.h"
#include "diff/diff_impl.h"

#define CHUNK_PAGES	256u	/* 1 MiB of each side at a time */

struct ranges {
	struct ckpt_diff_range *v;
	size_t n, cap;
	uint64_t changed, added, removed;
};

static bool add_range(struct ranges *r, enum ckpt_diff_range_kind kind, uint64_t start, uint64_t pages,
		      struct ckpt_diff_range **out)
{
	struct ckpt_diff_range *last = r->n ? &r->v[r->n - 1] : NULL;

	if (kind == CKPT_RANGE_CHANGED)
		r->changed += pages;
	else if (kind == CKPT_RANGE_ADDED)
		r->added += pages;
	else
		r->removed += pages;
	if (last && last->kind == kind && last->start + last->pages * CKPT_PAGE_SIZE == start) {
		last->pages += pages;
		if (out)
			*out = NULL;
		return true;
	}
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 16;
		struct ckpt_diff_range *p = realloc(r->v, ncap * sizeof(*p));

		if (!p)
			return false;
		r->v = p;
		r->cap = ncap;
	}
	r->v[r->n] = (struct ckpt_diff_range){ .kind = kind, .start = start, .pages = pages };
	if (out)
		*out = &r->v[r->n];
	r->n++;
	return true;
}

/* A VMA's runs that start inside it, sorted by address. */
static struct ckpt_model_run *vma_runs(const struct ckpt_model_mm *mm, const struct ckpt_model_vma *v, size_t *n)
{
	struct ckpt_model_run *r = malloc((v->n_runs ? v->n_runs : 1) * sizeof(*r));
	size_t k = 0;

	if (!r)
		return NULL;
	for (size_t i = 0; i < v->n_runs && v->first_run + i < mm->n_runs; i++) {
		const struct ckpt_model_run *run = &mm->runs[v->first_run + i];

		if (run->start >= v->start && run->pages)
			r[k++] = *run;
	}
	/* Producers write a VMA's pages in address order; sort the rest. */
	for (size_t i = 1; i < k; i++) {
		struct ckpt_model_run x = r[i];
		size_t j = i;

		for (; j > 0 && r[j - 1].start > x.start; j--)
			r[j] = r[j - 1];
		r[j] = x;
	}
	*n = k;
	return r;
}

/* Index of the page at image offset `off` inside its BUFFER record. */
static uint64_t page_index(const struct ckpt_model *m, const struct ckpt_model_run *run, uint64_t off)
{
	const struct ckpt_model_record *r = &m->records[run->record];

	return (off - (r->offset + 8 + 8 * r->count)) / CKPT_PAGE_SIZE;
}

static bool same_by_digest(struct diff *d, const struct ckpt_model_run *ra, uint64_t offa,
			   const struct ckpt_model_run *rb, uint64_t offb)
{
	const struct groups *ga = &d->a.g, *gb = &d->b.g;

	return d->opt->trust_digests && ga->has_digest[ra->record] && gb->has_digest[rb->record] &&
	       ga->digest[ra->record] == gb->digest[rb->record] &&
	       d->a.m->records[ra->record].len == d->b.m->records[rb->record].len &&
	       page_index(d->a.m, ra, offa) == page_index(d->b.m, rb, offb);
}

static int read_side(struct diff *d, struct side *s, uint64_t off, uint8_t *buf, size_t len)
{
	ssize_t got = ckpt_image_read_at(s->img, off, buf, len);

	if (got == (ssize_t)len)
		return 0;
	uint64_t rec = ckpt_model_record_at(s->m, off);

	memset(d->err, 0, sizeof(*d->err));
	d->err->kind = CKPT_ERR_IO;
	d->err->offset = off;
	d->err->index = rec == CKPT_MODEL_NONE ? 0 : rec;
	snprintf(d->err->record, sizeof(d->err->record), "BUFFER");
	snprintf(d->err->reason, sizeof(d->err->reason), "cannot read page data: %s",
		 got < 0 ? strerror(errno) : "the image is shorter than its records say");
	d->sum->error_image = s == &d->a ? 'A' : 'B';
	d->failed = -1;
	return -1;
}

/* n pages of both sides, at image offsets offa / offb, A's first page at
 * address addr. */
static bool compare_bytes(struct diff *d, struct ranges *rg, uint64_t addr, uint64_t offa, uint64_t offb,
			  uint64_t n, uint8_t *bufa, uint8_t *bufb)
{
	for (uint64_t done = 0; done < n;) {
		uint64_t k = n - done < CHUNK_PAGES ? n - done : CHUNK_PAGES;
		size_t len = (size_t)(k * CKPT_PAGE_SIZE);

		if (read_side(d, &d->a, offa + done * CKPT_PAGE_SIZE, bufa, len) < 0 ||
		    read_side(d, &d->b, offb + done * CKPT_PAGE_SIZE, bufb, len) < 0)
			return false;
		d->sum->pages_compared += k;
		for (uint64_t p = 0; p < k; p++) {
			const uint8_t *pa = bufa + p * CKPT_PAGE_SIZE, *pb = bufb + p * CKPT_PAGE_SIZE;
			struct ckpt_diff_range *nr;

			if (memcmp(pa, pb, CKPT_PAGE_SIZE) == 0)
				continue;
			if (!add_range(rg, CKPT_RANGE_CHANGED, addr + (done + p) * CKPT_PAGE_SIZE, 1, &nr))
				return false;
			if (nr && d->opt->page_bytes) {
				size_t at = 0;

				while (pa[at] == pb[at])
					at++;
				size_t from = at & ~(size_t)15;

				nr->has_bytes = true;
				nr->first_diff = nr->start + at;
				nr->bytes_at = nr->start + from;
				memcpy(nr->a_bytes, pa + from, 16);
				memcpy(nr->b_bytes, pb + from, 16);
			}
		}
		done += k;
	}
	return true;
}

void compare_pages(struct diff *d, const char *label, const struct ckpt_model_vma *va,
		   const struct ckpt_model_mm *ma, const struct ckpt_model_vma *vb,
		   const struct ckpt_model_mm *mb)
{
	size_t na, nb;
	struct ckpt_model_run *ra = vma_runs(ma, va, &na), *rb = vma_runs(mb, vb, &nb);
	struct ranges rg = { 0 };
	size_t ia = 0, ib = 0;
	uint64_t pa = 0, pb = 0;	/* pages of the current runs already passed */
	if (!d->page_a)
		d->page_a = malloc(CHUNK_PAGES * CKPT_PAGE_SIZE);
	if (!d->page_b)
		d->page_b = malloc(CHUNK_PAGES * CKPT_PAGE_SIZE);
	uint8_t *bufa = d->page_a, *bufb = d->page_b;
	bool ok = ra && rb && bufa && bufb;

	while (ok && (ia < na || ib < nb)) {
		uint64_t rela = ia < na ? ra[ia].start - va->start + pa * CKPT_PAGE_SIZE : UINT64_MAX;
		uint64_t relb = ib < nb ? rb[ib].start - vb->start + pb * CKPT_PAGE_SIZE : UINT64_MAX;
		uint64_t lefta = ia < na ? ra[ia].pages - pa : 0, leftb = ib < nb ? rb[ib].pages - pb : 0;
		uint64_t n;

		if (rela < relb) {
			n = lefta;
			if (relb != UINT64_MAX && (relb - rela) / CKPT_PAGE_SIZE < n)
				n = (relb - rela) / CKPT_PAGE_SIZE;
			if (!n)
				n = 1;	/* pages that overlap without lining up */
			ok = add_range(&rg, CKPT_RANGE_REMOVED, va->start + rela, n, NULL);
			pa += n;
		} else if (relb < rela) {
			n = leftb;
			if (rela != UINT64_MAX && (rela - relb) / CKPT_PAGE_SIZE < n)
				n = (rela - relb) / CKPT_PAGE_SIZE;
			if (!n)
				n = 1;
			ok = add_range(&rg, CKPT_RANGE_ADDED, vb->start + relb, n, NULL);
			pb += n;
		} else {
			n = lefta < leftb ? lefta : leftb;
			uint64_t offa = ra[ia].offset + pa * CKPT_PAGE_SIZE, offb = rb[ib].offset + pb * CKPT_PAGE_SIZE;

			if (same_by_digest(d, &ra[ia], offa, &rb[ib], offb))
				d->sum->pages_by_digest += n;
			else
				ok = compare_bytes(d, &rg, va->start + rela, offa, offb, n, bufa, bufb);
			pa += n;
			pb += n;
		}
		if (ia < na && pa >= ra[ia].pages) {
			ia++;
			pa = 0;
		}
		if (ib < nb && pb >= rb[ib].pages) {
			ib++;
			pb = 0;
		}
	}
	if (!ok && !d->failed)
		d->failed = -2;
	if (!d->failed && (rg.changed || rg.added || rg.removed)) {
		struct ckpt_diff_item it = {
			.kind = CKPT_DIFF_PAGES, .object = label, .type = "pages", .key = "pages",
			.changed = rg.changed, .added = rg.added, .removed = rg.removed,
			.ranges = rg.v, .n_ranges = rg.n,
		};
		emit(d, &it);
	}
	free(rg.v);
	free(ra);
	free(rb);
}
