/* Table-driven record building and writing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/writer.h"
#include "ckpt/ext.h"

static int rbuf_alloc(struct ckpt_rbuf *b, const struct ckpt_schema *s, size_t len, uint32_t type)
{
	b->schema = s;
	b->len = len;
	b->data = calloc(1, len ? len : 1);
	if (!b->data)
		return -1;
	if (s->hdr_len == 8 && !(b->rt && b->rt == s->preamble)) {
		ckpt_le_store(b->data, 4, type);
		ckpt_le_store(b->data + 4, 4, len);
	}
	return 0;
}

int ckpt_rbuf_init(struct ckpt_rbuf *b, const struct ckpt_schema *s, const char *type, size_t len)
{
	memset(b, 0, sizeof(*b));
	b->rt = ckpt_schema_type_by_name(s, type);
	if (!b->rt)
		return -1;
	if (!len)
		len = b->rt->min_len;
	if (len < b->rt->min_len || len > b->rt->max_len || len > UINT32_MAX)
		return -1;
	return rbuf_alloc(b, s, len, b->rt->type);
}

int ckpt_rbuf_init_raw(struct ckpt_rbuf *b, const struct ckpt_schema *s, uint32_t type,
		       const void *payload, size_t payload_len)
{
	memset(b, 0, sizeof(*b));
	if (payload_len > UINT32_MAX - s->hdr_len)
		return -1;
	b->rt = ckpt_schema_type(s, type);
	if (rbuf_alloc(b, s, s->hdr_len + payload_len, type) < 0)
		return -1;
	if (payload_len)
		memcpy(b->data + s->hdr_len, payload, payload_len);
	return 0;
}

void ckpt_rbuf_free(struct ckpt_rbuf *b)
{
	free(b->data);
	b->data = NULL;
}

static const struct ckpt_field *scalar_field(const struct ckpt_rbuf *b, const char *name)
{
	const struct ckpt_field *f = b->rt ? ckpt_rtype_field(b->rt, name) : NULL;

	if (!f || f->kind == CKPT_K_ARRAY || !ckpt_field_fits(f, b->len))
		return NULL;
	return f;
}

int ckpt_rbuf_set(struct ckpt_rbuf *b, const char *field, uint64_t v)
{
	const struct ckpt_field *f = scalar_field(b, field);

	if (!f || f->width > 8 || !ckpt_field_value_fits(f, v))
		return -1;
	ckpt_field_put(f, b->data, v);
	return 0;
}

int ckpt_rbuf_set_name(struct ckpt_rbuf *b, const char *field, const char *value_name)
{
	const struct ckpt_field *f = scalar_field(b, field);
	uint64_t v;

	if (!f || !ckpt_names_value(f->names, value_name, &v))
		return -1;
	if (f->kind == CKPT_K_SIGSET)
		v = 1ULL << (v - 1);
	return ckpt_rbuf_set(b, field, v);
}

int ckpt_rbuf_set_chars(struct ckpt_rbuf *b, const char *field, const char *s)
{
	const struct ckpt_field *f = scalar_field(b, field);
	size_t n = strlen(s);

	if (!f || f->kind != CKPT_K_CHARS || n > f->width)
		return -1;
	memset(b->data + f->offset, 0, f->width);
	memcpy(b->data + f->offset, s, n);
	return 0;
}

int ckpt_rbuf_set_elem(struct ckpt_rbuf *b, const char *array, size_t i, const char *field, uint64_t v)
{
	const struct ckpt_field *a = b->rt ? ckpt_rtype_field(b->rt, array) : NULL;

	if (!a || a->kind != CKPT_K_ARRAY)
		return -1;
	for (size_t k = 0; k < a->n_elem; k++) {
		const struct ckpt_field *f = &a->elem[k];
		uint64_t at = a->offset + (uint64_t)i * a->stride;

		if (strcmp(f->name, field) != 0)
			continue;
		if (at + f->offset + f->width > b->len || !ckpt_field_value_fits(f, v))
			return -1;
		ckpt_field_put(f, b->data + at, v);
		return 0;
	}
	return -1;
}

void ckpt_writer_init(struct ckpt_writer *w, FILE *out, const struct ckpt_schema *s)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->schema = s;
}

int ckpt_writer_digests(struct ckpt_writer *w)
{
	if (w->schema->dialect != CKPT_DIALECT_REV6 || w->records) {
		errno = EINVAL;
		return -1;
	}
	if (!w->digests) {
		w->digests = malloc(sizeof(*w->digests));
		if (!w->digests)
			return -1;
	}
	ckpt_digest_batch_init(w->digests, 0);
	ckpt_roles_init(&w->roles);
	return 0;
}

void ckpt_writer_release(struct ckpt_writer *w)
{
	free(w->digests);
	w->digests = NULL;
}

int ckpt_writer_raw(struct ckpt_writer *w, const void *p, size_t n)
{
	if (w->error)
		return -1;
	if (n && fwrite(p, 1, n, w->out) != n) {
		w->error = errno ? errno : EIO;
		return -1;
	}
	w->offset += n;
	return 0;
}

int ckpt_writer_align(struct ckpt_writer *w)
{
	static const uint8_t zeros[64];
	uint32_t a = w->schema->align ? w->schema->align : 1;
	uint64_t pad = (a - w->offset % a) % a;

	return ckpt_writer_raw(w, zeros, (size_t)pad);
}

/* One framed record, counted. */
static int writer_record(struct ckpt_writer *w, const uint8_t *data, size_t len)
{
	if (ckpt_writer_align(w) < 0 || ckpt_writer_raw(w, data, len) < 0)
		return -1;
	w->records++;
	return 0;
}

int ckpt_writer_flush_digests(struct ckpt_writer *w)
{
	uint8_t *rec;
	size_t len;
	int rc;

	if (!w->digests)
		return 0;
	len = ckpt_digest_batch_len(w->digests);
	rec = malloc(len);
	if (!rec) {
		w->error = ENOMEM;
		return -1;
	}
	ckpt_digest_batch_encode(w->digests, rec);
	rc = writer_record(w, rec, len);
	free(rec);
	/* The digest record covers itself through its self field, so the
	 * next batch starts after it. */
	ckpt_digest_batch_init(w->digests, w->records);
	return rc;
}

int ckpt_writer_put(struct ckpt_writer *w, const struct ckpt_rbuf *b)
{
	bool tail = b->rt && b->rt->type == w->schema->tail_type;

	return ckpt_writer_put_digested(w, b, w->digests && !tail ? ckpt_digest(b->data, b->len) : 0);
}

int ckpt_writer_put_digested(struct ckpt_writer *w, const struct ckpt_rbuf *b, uint64_t digest)
{
	if (!w->digests)
		return writer_record(w, b->data, b->len);
	if (b->rt && b->rt->type == w->schema->tail_type && ckpt_writer_flush_digests(w) < 0)
		return -1;
	if (writer_record(w, b->data, b->len) < 0)
		return -1;
	if (b->rt && b->rt->type == w->schema->tail_type)
		return 0;
	ckpt_digest_batch_add(w->digests, digest);

	struct ckpt_record rec = {
		.type = b->rt ? b->rt->type : 0, .len = b->len, .hdr_len = w->schema->hdr_len,
		.rt = b->rt, .data = b->data, .avail = b->len,
	};
	struct ckpt_role role;

	ckpt_roles_next(&w->roles, &rec, &role);
	if (rec.type == w->schema->objref_type)
		w->after_objref = true;
	else if (!w->roles.parent)
		w->after_objref = false;
	/* At a record boundary that splits nothing; a batch holds up to
	 * CKPT_EXT_DIGEST_MAX, so waiting for one is always possible. */
	if (w->digests->count >= CKPT_EXT_DIGEST_EVERY &&
	    ((!w->roles.parent && !w->after_objref) || w->digests->count >= CKPT_EXT_DIGEST_MAX - 1))
		return ckpt_writer_flush_digests(w);
	return 0;
}
