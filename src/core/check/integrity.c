/* Integrity rules (rev 6, ckpttools extension records): every record is
 * hashed as it goes by and compared with the EXT_DIGEST record that covers
 * it (docs/extensions.md).  Memory is bounded: the digests of the records
 * since the last EXT_DIGEST (at most CKPT_EXT_DIGEST_MAX of them) and the
 * mismatches found, which are reported at the end, when the model can name
 * the page run a corrupted page buffer carries. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_impl.h"
#include "ckpt/ext.h"

#define REV6	CKPT_DIALECT_BIT(CKPT_DIALECT_REV6)

enum { R_MISMATCH, R_SELF, R_COVERAGE, R_NONE };

static const struct ckpt_rule rules[] = {
	[R_MISMATCH] = { "digest-mismatch", "integrity", CKPT_SEV_ERROR, REV6,
		"A record's bytes do not match its digest in the EXT_DIGEST record that covers it: "
		"the record (for page data, the page run: its VMA and addresses) is corrupt." },
	[R_SELF] = { "digest-self", "integrity", CKPT_SEV_ERROR, REV6,
		"An EXT_DIGEST record is itself corrupt: its self digest does not match, or its "
		"algorithm or length is wrong; the records it covers are left unverified." },
	[R_COVERAGE] = { "digest-coverage", "integrity", CKPT_SEV_ERROR, REV6,
		"The EXT_DIGEST records do not cover every record before the TAIL exactly once, in "
		"order: a record was inserted, deleted or moved, or a digest record is missing "
		"(an image with other ckpttools extension records but no EXT_DIGEST included)." },
	[R_NONE] = { "digest-none", "integrity", CKPT_SEV_INFO, REV6,
		"The image carries no EXT_DIGEST records, so its contents cannot be verified (an "
		"error with --strict); also said of long records that a stream could not give "
		"twice (the walk of their fields read them first)." },
};

/* A corrupt record, reported at the end. */
struct mismatch {
	uint64_t index, offset;
	uint64_t digest_index;		/* the EXT_DIGEST that names it */
	const struct ckpt_rtype *rt;
};

struct state {
	bool on;
	uint32_t tail_type;
	/* Digests of the records since the last EXT_DIGEST, first at index
	 * pending_first; overflow: more came than any digest record covers. */
	uint64_t pending[CKPT_EXT_DIGEST_MAX];
	bool unknown[CKPT_EXT_DIGEST_MAX];	/* its bytes could not be read */
	/* Where they are: the model of a check keeps no index of all records. */
	uint64_t pending_offset[CKPT_EXT_DIGEST_MAX];
	const struct ckpt_rtype *pending_rt[CKPT_EXT_DIGEST_MAX];
	uint32_t n_pending;
	uint64_t pending_first, pending_first_offset;
	bool overflow;
	struct ckpt_digest_state *partial;	/* a long record being hashed */
	bool partial_lost;			/* its bytes could not be read */
	uint64_t digests_seen, last_digest;
	bool saw_ext;			/* another ckpttools extension record */
	uint64_t ext_index;
	struct mismatch *bad;
	size_t n_bad, cap_bad;
	uint64_t unread;			/* long records a stream could not give twice */
};

static int in_begin(struct ckpt_check *c, void *stp, const struct ckpt_image *img)
{
	struct state *st = stp;
	const struct ckpt_schema *s = check_schema(c);

	(void)img;
	st->on = s->dialect == CKPT_DIALECT_REV6;
	st->tail_type = s->tail_type;
	return 0;
}

static void add_pending(struct state *st, const struct ckpt_record *rec, uint64_t digest, bool unknown)
{
	if (!st->n_pending) {
		st->pending_first = rec->index;
		st->pending_first_offset = rec->offset;
	}
	if (st->n_pending == CKPT_EXT_DIGEST_MAX) {
		st->overflow = true;
		return;
	}
	st->unknown[st->n_pending] = unknown;
	st->pending_offset[st->n_pending] = rec->offset;
	st->pending_rt[st->n_pending] = rec->rt;
	st->pending[st->n_pending++] = digest;
}

static void note_mismatch(struct ckpt_check *c, struct state *st, uint32_t pending, uint64_t index,
			  uint64_t digest_index)
{
	if (st->n_bad == st->cap_bad) {
		size_t cap = st->cap_bad ? st->cap_bad * 2 : 16;
		struct mismatch *b = realloc(st->bad, cap * sizeof(*b));

		if (!b) {
			check_out_of_memory(c);
			return;
		}
		st->bad = b;
		st->cap_bad = cap;
	}
	st->bad[st->n_bad++] = (struct mismatch){
		.index = index, .offset = st->pending_offset[pending], .digest_index = digest_index,
		.rt = st->pending_rt[pending],
	};
}

static void on_digest(struct ckpt_check *c, struct state *st, const struct ckpt_record *rec)
{
	struct ckpt_ext_digest d;
	uint64_t want_first = st->digests_seen ? st->last_digest + 1 : 0;
	uint64_t first = st->n_pending ? st->pending_first : rec->index;

	st->digests_seen++;
	st->last_digest = rec->index;
	if (!ckpt_ext_digest_parse(rec->data, rec->avail, &d)) {
		check_report_rec(c, &rules[R_SELF], -1, rec, rec->offset,
				 "this EXT_DIGEST is malformed (algorithm, count or length), so records "
				 "%" PRIu64 " to %" PRIu64 " are unverified", want_first, rec->index - 1);
		goto reset;
	}
	if (ckpt_ext_digest_self(rec->data, rec->avail) != d.self) {
		check_report_rec(c, &rules[R_SELF], -1, rec, rec->offset + 24,
				 "this EXT_DIGEST's self digest does not match its bytes, so records "
				 "%" PRIu64 " to %" PRIu64 " are unverified", want_first, rec->index - 1);
		goto reset;
	}
	if (d.first != want_first || d.first + d.count != rec->index || st->overflow) {
		/* Records were inserted, deleted or moved: digests compared by
		 * position would blame the innocent records after the gap. */
		check_report_rec(c, &rules[R_COVERAGE], -1, rec, rec->offset + 12,
				 "this EXT_DIGEST covers records %" PRIu64 " to %" PRIu64 ", but the "
				 "records since the previous one are %" PRIu64 " to %" PRIu64,
				 d.first, d.first + d.count - 1, want_first, rec->index - 1);
		goto reset;
	}
	/* Compare what both sides know about. */
	for (uint32_t i = 0; i < st->n_pending; i++) {
		uint64_t idx = first + i;

		if (idx < d.first || idx - d.first >= d.count || st->unknown[i])
			continue;
		if (ckpt_ext_digest_at(&d, (uint32_t)(idx - d.first)) != st->pending[i])
			note_mismatch(c, st, i, idx, rec->index);
	}
reset:
	st->n_pending = 0;
	st->overflow = false;
}

static void in_record(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		      const struct ckpt_role *role)
{
	struct state *st = stp;

	(void)role;
	if (!st->on)
		return;
	if (rec->type == CKPT_EXT_DIGEST && rec->rt) {
		on_digest(c, st, rec);
		return;
	}
	if (rec->type == st->tail_type)
		return;
	if (rec->type >= CKPT_EXT_FIRST && rec->type <= CKPT_EXT_LAST && !st->saw_ext) {
		st->saw_ext = true;
		st->ext_index = rec->index;
	}
	if (rec->len == rec->avail) {
		add_pending(st, rec, ckpt_digest(rec->data, rec->avail), false);
		return;
	}
	st->partial = ckpt_digest_begin();
	st->partial_lost = false;
	if (!st->partial) {
		check_out_of_memory(c);
		return;
	}
	ckpt_digest_update(st->partial, rec->data, rec->avail);
}

static void in_bytes(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		     const uint8_t *p, size_t n, bool last)
{
	struct state *st = stp;

	(void)c;
	if (!st->partial)
		return;
	if (p)
		ckpt_digest_update(st->partial, p, n);
	else
		st->partial_lost = true;
	if (!last)
		return;
	uint64_t d = ckpt_digest_end(st->partial);

	st->partial = NULL;
	st->unread += st->partial_lost;
	add_pending(st, rec, d, st->partial_lost);
}

/* The page run a PGARR or its page BUFFER holds, for a message. */
static void describe_run(const struct ckpt_model *m, const struct mismatch *b, char *buf, size_t size)
{
	uint64_t buffer = b->index;

	buf[0] = '\0';
	if (b->rt && strcmp(b->rt->name, "PGARR") == 0)
		buffer = b->index + 1;
	for (size_t i = 0; i < m->n_mms; i++) {
		const struct ckpt_model_mm *mm = &m->mms[i];

		for (size_t k = 0; k < mm->n_vmas; k++) {
			const struct ckpt_model_vma *v = &mm->vmas[k];
			uint64_t lo = UINT64_MAX, hi = 0, pages = 0;

			for (size_t r = v->first_run; r < v->first_run + v->n_runs; r++)
				if (mm->runs[r].record == buffer) {
					const struct ckpt_model_run *run = &mm->runs[r];

					lo = run->start < lo ? run->start : lo;
					if (run->start + run->pages * CKPT_PAGE_SIZE > hi)
						hi = run->start + run->pages * CKPT_PAGE_SIZE;
					pages += run->pages;
				}
			if (!pages)
				continue;
			snprintf(buf, size, " (the page run of record %" PRIu64 ": %" PRIu64 " page%s in "
				 "0x%" PRIx64 "-0x%" PRIx64 " of the VMA 0x%" PRIx64 "-0x%" PRIx64
				 ", record %" PRIu64 ")", buffer, pages, pages == 1 ? "" : "s", lo, hi,
				 v->start, v->end, v->record);
			return;
		}
	}
}

static void in_end(struct ckpt_check *c, void *stp, const struct check_outcome *out)
{
	struct state *st = stp;
	const struct ckpt_model *m = check_model(c);

	if (!st->on)
		return;
	for (size_t i = 0; i < st->n_bad; i++) {
		const struct mismatch *b = &st->bad[i];
		char run[200] = "";

		if (m)
			describe_run(m, b, run, sizeof(run));
		check_report(c, &rules[R_MISMATCH], -1, b->index, b->offset, b->rt ? b->rt->name : "",
			     "the record's bytes do not match its digest in the EXT_DIGEST of record "
			     "%" PRIu64 "%s", b->digest_index, run);
	}
	if (out->failed)
		return;
	if (st->unread)
		check_report(c, &rules[R_NONE], -1, out->last_index, out->last_offset, "",
			     "%" PRIu64 " records longer than 1 MiB were read once for other rules and, "
			     "from a stream, could not be verified; check the image as a file", st->unread);
	if (!st->digests_seen && st->saw_ext) {
		check_report(c, &rules[R_COVERAGE], -1, st->pending_first,
			     st->pending_first_offset,
			     "", "the image carries ckpttools extension records (record %" PRIu64 "), "
			     "whose producer always writes EXT_DIGEST records, but none is left",
			     st->ext_index);
		return;
	}
	if (!st->digests_seen) {
		check_report(c, &rules[R_NONE], check_options(c)->strict ? CKPT_SEV_ERROR : -1,
			     out->last_index, out->last_offset, "",
			     "the image carries no EXT_DIGEST records; its contents are not verified");
		return;
	}
	if (st->n_pending)
		check_report(c, &rules[R_COVERAGE], -1, st->pending_first,
			     st->pending_first_offset,
			     "", "records %" PRIu64 " to %" PRIu64 " come after the last EXT_DIGEST "
			     "(record %" PRIu64 ") and are not covered", st->pending_first,
			     st->pending_first + st->n_pending - 1, st->last_digest);
}

static void in_release(void *stp)
{
	struct state *st = stp;

	if (st->partial)
		ckpt_digest_end(st->partial);
	free(st->bad);
}

const struct check_module check_module_integrity = {
	.family = "integrity",
	.rules = rules,
	.n_rules = CKPT_ARRAY_LEN(rules),
	.state_size = sizeof(struct state),
	.begin = in_begin,
	.record = in_record,
	.bytes = in_bytes,
	.end = in_end,
	.release = in_release,
	.uses_model = true,
};
