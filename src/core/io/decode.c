/* Roles of follower records and the generic walk over a record. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "ckpt/decode.h"
#include "ckpt/format.h"
#include "schema/table.h"

void ckpt_roles_init(struct ckpt_roles *r)
{
	memset(r, 0, sizeof(*r));
}

static void announce(struct ckpt_roles *r, const struct ckpt_record *rec)
{
	const struct ckpt_rtype *rt = rec->rt;

	r->parent = NULL;
	r->n = r->next = 0;
	for (size_t i = 0; i < rt->n_follows && r->n < CKPT_MAX_FOLLOWS; i++) {
		const struct ckpt_follow *fo = &rt->follows[i];
		uint64_t count = 0;

		if (fo->if_nonzero) {
			const struct ckpt_field *f = ckpt_rtype_field(rt, fo->if_nonzero);

			if (f && ckpt_field_fits(f, rec->avail) && ckpt_field_u64(f, rec->data) == 0)
				continue;
		}
		if (fo->count_field) {
			const struct ckpt_field *f = ckpt_rtype_field(rt, fo->count_field);

			if (f && ckpt_field_fits(f, rec->avail))
				count = ckpt_field_u64(f, rec->data);
		}
		r->follows[r->n] = fo;
		r->counts[r->n] = count;
		r->n++;
	}
	if (r->n) {
		r->parent = rt;
		r->parent_index = rec->index;
	}
}

void ckpt_roles_next(struct ckpt_roles *r, const struct ckpt_record *rec, struct ckpt_role *role)
{
	memset(role, 0, sizeof(*role));
	if (r->parent && r->next < r->n && rec->type == r->follows[r->next]->type) {
		role->name = r->follows[r->next]->role;
		role->parent = r->parent;
		role->parent_index = r->parent_index;
		role->follow = r->follows[r->next];
		role->count = r->counts[r->next];
		if (++r->next == r->n)
			r->parent = NULL;
	} else {
		r->parent = NULL;	/* a parent's data ends at the first stranger */
	}
	if (rec->rt && rec->rt->n_follows)
		announce(r, rec);
}

enum ckpt_layout_kind ckpt_record_layout(const struct ckpt_record *rec, const struct ckpt_role *role)
{
	if (role && role->follow)
		return role->follow->layout.kind;
	if (rec->rt)
		return rec->rt->payload;
	return CKPT_L_BYTES;
}

uint64_t ckpt_page_digest(const void *data, size_t len)
{
	return XXH3_64bits(data, len);
}

struct walk {
	struct ckpt_image *img;
	const struct ckpt_record *rec;
	const struct ckpt_walk_ops *ops;
	void *arg;
	const struct ckpt_walk_options *opt;
};

static void note(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct walk *w, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->ops->note)
		w->ops->note(w->arg, msg);
}

static void scalar(struct walk *w, const struct ckpt_field *f, const uint8_t *base)
{
	if (f->kind == CKPT_K_PAD && ckpt_pad_is_zero(f, base))
		return;
	w->ops->field(w->arg, f, base);
}

/* Returns the end offset of what the fields cover. */
static uint64_t walk_fields(struct walk *w, const struct ckpt_rtype *rt)
{
	const uint8_t *base = w->rec->data;
	uint64_t covered = w->rec->hdr_len;

	for (size_t i = 0; i < rt->n_fields; i++) {
		const struct ckpt_field *f = &rt->fields[i];
		uint64_t end;

		if (f->kind != CKPT_K_ARRAY) {
			if (!ckpt_field_fits(f, w->rec->avail))
				continue;
			scalar(w, f, base);
			end = (uint64_t)f->offset + f->width;
		} else {
			bool fits;
			uint64_t n = ckpt_array_count(rt, f, base, w->rec->avail, &fits);

			w->ops->array_begin(w->arg, f->name, n, f->sparse);
			for (uint64_t j = 0; j < n; j++) {
				const uint8_t *eb = base + f->offset + j * f->stride;

				w->ops->elem_begin(w->arg, j, ckpt_names_lookup(f->names, j + f->index_base));
				for (size_t k = 0; k < f->n_elem; k++)
					scalar(w, &f->elem[k], eb);
				w->ops->elem_end(w->arg);
			}
			w->ops->array_end(w->arg);
			end = f->offset + n * f->stride;
		}
		if (end > covered)
			covered = end;
	}
	return covered;
}

/* Delivers bytes [from, to) of the record as one bytes item. */
static int emit_bytes(struct walk *w, const char *name, uint64_t from, uint64_t to, uint64_t base)
{
	w->ops->bytes_begin(w->arg, name, to - from, base);
	for (uint64_t pos = from; pos < to;) {
		const uint8_t *p;
		ssize_t n = ckpt_image_record_bytes(w->img, pos, &p, (size_t)(to - pos));

		if (n <= 0) {
			w->ops->bytes_end(w->arg);
			return -1;
		}
		w->ops->bytes(w->arg, pos - from, p, (size_t)n);
		pos += (uint64_t)n;
	}
	w->ops->bytes_end(w->arg);
	return 0;
}

static void emit_text(struct walk *w, const char *name, const uint8_t *s, size_t len)
{
	bool terminated;
	size_t n = ckpt_text_len(s, len, &terminated);

	w->ops->text(w->arg, name, s, n, terminated);
}

static int walk_structs(struct walk *w, const struct ckpt_layout *l, const char *name,
			uint64_t from)
{
	uint64_t n = (w->rec->len - from) / l->stride;

	w->ops->array_begin(w->arg, name, n, false);
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *p;
		ssize_t got = ckpt_image_record_bytes(w->img, from + i * l->stride, &p, l->stride);

		if (got != (ssize_t)l->stride) {
			w->ops->array_end(w->arg);
			return -1;
		}
		w->ops->elem_begin(w->arg, i, ckpt_names_lookup(l->index_names, i));
		for (size_t k = 0; k < l->n_elem; k++)
			scalar(w, &l->elem[k], p);
		w->ops->elem_end(w->arg);
	}
	w->ops->array_end(w->arg);
	uint64_t end = from + n * l->stride;

	if (end < w->rec->len) {
		note(w, "%" PRIu64 " bytes after the last whole %s entry", w->rec->len - end, name);
		return emit_bytes(w, "extra", end, w->rec->len, 0);
	}
	return 0;
}

static const struct ckpt_field pids_depth = F_U("depth", 0, 4);
static const struct ckpt_field pids_nr = F_I("nr", 0, 4);

/* PIDS buffer: packed { u32 depth; s32 nr[depth + 1] } entries. */
static int walk_pids(struct walk *w, uint64_t from)
{
	uint64_t pos = from, end = w->rec->len;
	const uint8_t *p;

	w->ops->array_begin(w->arg, "pids", 0, false);
	for (uint64_t i = 0; end - pos >= 4; i++) {
		if (ckpt_image_record_bytes(w->img, pos, &p, 4) != 4)
			return -1;
		uint64_t depth = ckpt_le_load(p, 4);

		if ((depth + 1) * 4 > end - pos - 4) {
			note(w, "pids entry %" PRIu64 " at record byte %" PRIu64 " declares depth %" PRIu64
			     ", more than the buffer holds", i, pos, depth);
			break;
		}
		w->ops->elem_begin(w->arg, i, NULL);
		w->ops->field(w->arg, &pids_depth, p);
		pos += 4;
		w->ops->array_begin(w->arg, "nr", depth + 1, false);
		for (uint64_t j = 0; j <= depth; j++, pos += 4) {
			if (ckpt_image_record_bytes(w->img, pos, &p, 4) != 4)
				return -1;
			w->ops->elem_begin(w->arg, j, NULL);
			w->ops->field(w->arg, &pids_nr, p);
			w->ops->elem_end(w->arg);
		}
		w->ops->array_end(w->arg);
		w->ops->elem_end(w->arg);
	}
	w->ops->array_end(w->arg);
	if (pos < end)
		return emit_bytes(w, "extra", pos, end, 0);
	return 0;
}

struct page_run {
	uint64_t start, pages;
};

static const struct ckpt_field page_count_field = F_U("page_count", 0, 8);
static const struct ckpt_field run_start = F_X("start", 0, 8);
static const struct ckpt_field run_pages = F_U("pages", 8, 8);
static const struct ckpt_field run_digest = F_X("xxh3", 16, 8);

/* PGARR buffer: N addresses, then N pages.  Runs of contiguous addresses
 * are summarised by a digest; page data is read once, front to back. */
static int walk_pages(struct walk *w, uint64_t from, uint64_t announced)
{
	uint64_t room = (w->rec->len - from) / (8 + CKPT_PAGE_SIZE);
	uint64_t n = announced;
	struct page_run *runs = NULL;
	size_t nruns = 0, cap = 0;
	int ret = -1;
	uint8_t buf[24];

	if (announced > room || announced * (8 + CKPT_PAGE_SIZE) != w->rec->len - from) {
		note(w, "buffer holds %" PRIu64 " bytes; %" PRIu64 " announced pages need %" PRIu64,
		     w->rec->len - from, announced,
		     announced > room ? 0 : announced * (8 + CKPT_PAGE_SIZE));
		if (n > room)
			n = room;
	}
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *p;

		if (ckpt_image_record_bytes(w->img, from + 8 * i, &p, 8) != 8)
			goto out;
		uint64_t a = ckpt_le_load(p, 8);

		if (nruns && runs[nruns - 1].start + runs[nruns - 1].pages * CKPT_PAGE_SIZE == a) {
			runs[nruns - 1].pages++;
			continue;
		}
		if (nruns == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct page_run *nr = realloc(runs, ncap * sizeof(*nr));

			if (!nr)
				goto out;
			runs = nr;
			cap = ncap;
		}
		runs[nruns++] = (struct page_run){ a, 1 };
	}
	ckpt_le_store(buf, 8, n);
	w->ops->field(w->arg, &page_count_field, buf);
	w->ops->array_begin(w->arg, "runs", nruns, false);

	uint64_t pos = from + 8 * n;
	XXH3_state_t *st = XXH3_createState();

	if (!st)
		goto out;
	for (size_t r = 0; r < nruns; r++) {
		w->ops->elem_begin(w->arg, r, NULL);
		ckpt_le_store(buf, 8, runs[r].start);
		ckpt_le_store(buf + 8, 8, runs[r].pages);
		w->ops->field(w->arg, &run_start, buf);
		w->ops->field(w->arg, &run_pages, buf);
		if (w->opt && w->opt->page_data)
			w->ops->bytes_begin(w->arg, "data", runs[r].pages * CKPT_PAGE_SIZE, runs[r].start);
		XXH3_64bits_reset(st);
		for (uint64_t i = 0; i < runs[r].pages; i++, pos += CKPT_PAGE_SIZE) {
			const uint8_t *p;

			if (ckpt_image_record_bytes(w->img, pos, &p, CKPT_PAGE_SIZE) != CKPT_PAGE_SIZE) {
				XXH3_freeState(st);
				goto out;
			}
			XXH3_64bits_update(st, p, CKPT_PAGE_SIZE);
			if (w->opt && w->opt->page_data)
				w->ops->bytes(w->arg, i * CKPT_PAGE_SIZE, p, CKPT_PAGE_SIZE);
		}
		if (w->opt && w->opt->page_data)
			w->ops->bytes_end(w->arg);
		ckpt_le_store(buf + 16, 8, XXH3_64bits_digest(st));
		w->ops->field(w->arg, &run_digest, buf);
		w->ops->elem_end(w->arg);
	}
	XXH3_freeState(st);
	w->ops->array_end(w->arg);
	ret = 0;
	if (pos < w->rec->len)
		ret = emit_bytes(w, "extra", pos, w->rec->len, 0);
out:
	free(runs);
	return ret;
}

/* A text longer than the record's inline bytes, read whole (up to
 * TEXT_WHOLE_MAX): a view shows it all and the encoder gets it back. */
#define TEXT_WHOLE_MAX	(64u << 20)

static int walk_long_text(struct walk *w, uint64_t from)
{
	size_t n = (size_t)(w->rec->len - from), done = 0;
	uint8_t *text = malloc(n ? n : 1);

	if (!text)
		return -1;
	while (done < n) {
		const uint8_t *p;
		ssize_t got = ckpt_image_record_bytes(w->img, from + done, &p, n - done);

		if (got <= 0) {
			free(text);
			return -1;
		}
		memcpy(text + done, p, (size_t)got);
		done += (size_t)got;
	}
	emit_text(w, "text", text, n);
	free(text);
	return 0;
}

int ckpt_walk_record(struct ckpt_image *img, const struct ckpt_record *rec,
		     const struct ckpt_role *role, const struct ckpt_walk_options *opt,
		     const struct ckpt_walk_ops *ops, void *arg)
{
	struct walk w = { .img = img, .rec = rec, .ops = ops, .arg = arg, .opt = opt };
	uint64_t from = rec->hdr_len;

	if (rec->rt && rec->rt->n_fields) {
		from = walk_fields(&w, rec->rt);
		if (from < rec->len)
			return emit_bytes(&w, "extra", from, rec->len, 0);
		return 0;
	}
	if (from >= rec->len)
		return 0;

	enum ckpt_layout_kind layout = ckpt_record_layout(rec, role);
	const struct ckpt_layout *l = role && role->follow ? &role->follow->layout : NULL;
	size_t inline_len = rec->avail > from ? rec->avail - (size_t)from : 0;

	switch (layout) {
	case CKPT_L_STRING:
		if (rec->len > rec->avail && rec->len - from <= TEXT_WHOLE_MAX)
			return walk_long_text(&w, from);
		emit_text(&w, "text", rec->data + from, inline_len);
		if (rec->len > rec->avail)
			note(&w, "text shown up to its first %zu bytes", inline_len);
		return 0;
	case CKPT_L_ERRMSG:
		/* The kernel puts a NUL before the message so it can be found
		 * from the end of a damaged image. */
		if (inline_len && rec->data[from] == 0)
			emit_text(&w, "message", rec->data + from + 1, inline_len - 1);
		else
			emit_text(&w, "text", rec->data + from, inline_len);
		return 0;
	case CKPT_L_STRUCTS:
		return walk_structs(&w, l, role->name, from);
	case CKPT_L_PIDS:
		return walk_pids(&w, from);
	case CKPT_L_PAGES:
		return walk_pages(&w, from, role ? role->count : 0);
	case CKPT_L_BYTES:
		break;
	}
	return emit_bytes(&w, "bytes", from, rec->len, 0);
}
