/* The encoder: each record of the JSON document is laid out through its
 * table entry, exactly inverting what the walk in decode.c shows, so that
 * `ckptdump --json --pages IMG | ckptencode` gives IMG back byte for byte.
 * Follower roles are recomputed with the readers' own ckpt_roles. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/decode.h"
#include "ckpt/encode.h"
#include "ckpt/format.h"
#include "ckpt/writer.h"
#include "encode/json_records.h"

/* A record may be longer than what its JSON gives (text and structs are
 * zero-filled to the length), but not by much: a length of 4 GiB in a
 * document of a few bytes would write gigabytes of zeros. */
#define IMPLIED_MIN	(1u << 20)	/* bytes a record may always have */
#define IMPLIED_RATIO	4u		/* else at most this many per byte of its JSON */

struct enc {
	const struct ckpt_schema *s;
	struct ckpt_encode_error *err;
	char path[128];		/* the record being encoded: records[12] */
	uint8_t *buf;		/* its bytes, frame included */
	uint64_t len;
};

static int fail(struct enc *e, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct enc *e, const char *where, const char *fmt, ...)
{
	va_list ap;

	snprintf(e->err->path, sizeof(e->err->path), "%s%s%s", e->path,
		 where && *where && *where != '[' ? "." : "", where ? where : "");
	va_start(ap, fmt);
	vsnprintf(e->err->reason, sizeof(e->err->reason), fmt, ap);
	va_end(ap);
	return -1;
}

static bool parse_number(const char *s, int base, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	*v = strtoull(s, &end, base);
	return errno == 0 && *end == '\0';
}

/* Hex text (two digits a byte) into exactly n bytes at out. */
static int put_hex(struct enc *e, const char *where, json_t *j, uint8_t *out, uint64_t n)
{
	const char *s = json_string_value(j);

	if (!s)
		return fail(e, where, "expected a string of hex digits");
	if (json_string_length(j) != 2 * n)
		return fail(e, where, "expected %" PRIu64 " bytes (%" PRIu64 " hex digits), found %zu digits",
			    n, 2 * n, json_string_length(j));
	for (uint64_t i = 0; i < n; i++) {
		int hi = ckpt_hex_digit(s[2 * i]), lo = ckpt_hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return fail(e, where, "\"%.2s\" is not a hex byte", s + 2 * i);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Whether a JSON integer fits a signed field without wrapping: an objref
 * of 2^31 is not -2^31. */
static bool signed_fits(const struct ckpt_field *f, json_int_t v)
{
	if (f->width >= 8)
		return true;
	int64_t lim = (int64_t)1 << (8 * f->width - 1);

	return v >= -lim && v < lim;
}

/* The number a scalar field's JSON value stands for. */
static int field_value(struct enc *e, const char *where, const struct ckpt_field *f, json_t *j,
		       uint64_t *v)
{
	const char *s = json_string_value(j);

	switch (f->kind) {
	case CKPT_K_UINT:
	case CKPT_K_TIME:
		if (json_is_integer(j) && json_integer_value(j) >= 0)
			*v = (uint64_t)json_integer_value(j);
		else if (!s || !parse_number(s, 10, v))
			return fail(e, where, "expected a non-negative integer");
		break;
	case CKPT_K_INT:
	case CKPT_K_OBJREF:
		if (!json_is_integer(j))
			return fail(e, where, "expected an integer");
		if (!signed_fits(f, json_integer_value(j)))
			return fail(e, where, "%" JSON_INTEGER_FORMAT " is out of range for a %" PRIu32
				    "-byte signed field", json_integer_value(j), f->width);
		*v = (uint64_t)json_integer_value(j);
		break;
	case CKPT_K_HEX:
		if (!s || strncmp(s, "0x", 2) != 0 || !parse_number(s + 2, 16, v))
			return fail(e, where, "expected a \"0x...\" hexadecimal string");
		break;
	case CKPT_K_OCTAL:
		if (!s || s[0] != '0' || !parse_number(s, 8, v))
			return fail(e, where, "expected an octal string such as \"0022\"");
		break;
	case CKPT_K_ENUM:
	case CKPT_K_SENUM:
		if (json_is_integer(j)) {
			if (f->kind == CKPT_K_ENUM && json_integer_value(j) < 0)
				return fail(e, where, "expected a name or a non-negative integer");
			if (f->kind == CKPT_K_SENUM && !signed_fits(f, json_integer_value(j)))
				return fail(e, where, "%" JSON_INTEGER_FORMAT " is out of range for a %" PRIu32
					    "-byte signed field", json_integer_value(j), f->width);
			*v = (uint64_t)json_integer_value(j);
		} else if (!s || (!ckpt_names_value(f->names, s, v) && !parse_number(s, 10, v))) {
			return fail(e, where, "expected one of the %s names or an integer",
				    f->names ? f->names->what : "known");
		}
		break;
	case CKPT_K_FLAGS:
	case CKPT_K_SIGSET: {
		size_t i;
		json_t *x;

		if (!json_is_array(j))
			return fail(e, where, "expected an array of %s names", f->names ? f->names->what : "flag");
		*v = 0;
		json_array_foreach(j, i, x) {
			const char *n = json_string_value(x);
			uint64_t bit;
			char sub[160];

			snprintf(sub, sizeof(sub), "%s[%zu]", where, i);
			if (n && ckpt_names_value(f->names, n, &bit))
				*v |= f->kind == CKPT_K_SIGSET ? (bit >= 1 && bit <= 64 ? 1ULL << (bit - 1) : 0) : bit;
			else if (n && strncmp(n, "0x", 2) == 0 && parse_number(n + 2, 16, &bit))
				*v |= bit;
			else
				return fail(e, sub, "expected a %s name or a \"0x...\" bit mask",
					    f->names ? f->names->what : "flag");
		}
		break;
	}
	default:
		return fail(e, where, "not a numeric field");
	}
	if (!ckpt_field_value_fits(f, *v))
		return fail(e, where, "value does not fit in %" PRIu32 " bytes", f->width);
	return 0;
}

/* One scalar field into base (room bytes from base are the record's). */
static int put_field(struct enc *e, const char *where, const struct ckpt_field *f, json_t *j,
		     uint8_t *base, uint64_t room)
{
	uint64_t v;

	if ((uint64_t)f->offset + f->width > room)
		return fail(e, where, "the field lies past the end of the record");
	if (!j) {
		if (f->kind == CKPT_K_PAD)
			return 0;	/* zero padding is not shown */
		return fail(e, where, "missing");
	}
	switch (f->kind) {
	case CKPT_K_CHARS: {
		const char *s = json_string_value(j);

		if (!s)
			return fail(e, where, "expected a string");
		memset(base + f->offset, 0, f->width);
		if (ckpt_unescape(s, base + f->offset, f->width) < 0)
			return fail(e, where, "bad escape, or longer than %" PRIu32 " bytes", f->width);
		return 0;
	}
	case CKPT_K_BYTES:
	case CKPT_K_PAD:
		return put_hex(e, where, j, base + f->offset, f->width);
	default:
		if (field_value(e, where, f, j, &v) < 0)
			return -1;
		ckpt_le_store(base + f->offset, f->width, v);
		return 0;
	}
}

/* The fields of one array element, which may be a bare value when the
 * element has a single shown field (as the views collapse it). */
static int put_element(struct enc *e, const char *where, const struct ckpt_field *elem, size_t n_elem,
		       json_t *j, uint8_t *base, uint64_t room)
{
	char sub[160];

	if (!json_is_object(j)) {
		const struct ckpt_field *only = NULL;

		for (size_t k = 0; k < n_elem; k++)
			if (elem[k].kind != CKPT_K_PAD)
				only = only ? NULL : &elem[k];
		if (!only)
			return fail(e, where, "expected an object");
		return put_field(e, where, only, j, base, room);
	}
	for (size_t k = 0; k < n_elem; k++) {
		snprintf(sub, sizeof(sub), "%s.%s", where, elem[k].name);
		if (put_field(e, sub, &elem[k], json_object_get(j, elem[k].name), base, room) < 0)
			return -1;
	}
	return 0;
}

static int put_extra(struct enc *e, json_t *fields, uint64_t covered)
{
	json_t *extra = json_object_get(fields, "extra");

	if (!extra)
		return 0;
	if (!json_is_string(extra) || json_string_length(extra) / 2 > e->len - covered)
		return fail(e, "fields.extra", "expected hex bytes that fit after the fields (%" PRIu64 " bytes)",
			    e->len - covered);
	return put_hex(e, "fields.extra", extra, e->buf + covered, json_string_length(extra) / 2);
}

/* A record described by fields; returns where the fields end in *covered. */
static int put_fields(struct enc *e, const struct ckpt_rtype *rt, json_t *fields)
{
	uint64_t covered = rt == e->s->preamble ? 0 : e->s->hdr_len;
	char where[160];
	const char *key;
	json_t *x;

	json_object_foreach(fields, key, x)
		if (!ckpt_rtype_field(rt, key) && strcmp(key, "extra") != 0)
			return fail(e, "fields", "%s has no field named \"%s\"", rt->name, key);
	for (size_t i = 0; i < rt->n_fields; i++) {
		const struct ckpt_field *f = &rt->fields[i];
		json_t *j = json_object_get(fields, f->name);
		uint64_t end;

		snprintf(where, sizeof(where), "fields.%s", f->name);
		if (f->kind != CKPT_K_ARRAY) {
			if (put_field(e, where, f, j, e->buf, e->len) < 0)
				return -1;
			end = (uint64_t)f->offset + f->width;
		} else {
			size_t n, k;
			json_t *el;

			if (!json_is_array(j))
				return fail(e, where, "expected an array");
			n = json_array_size(j);
			if (f->count && n != f->count)
				return fail(e, where, "expected %" PRIu32 " entries, found %zu", f->count, n);
			if (f->count_field) {
				const struct ckpt_field *cf = ckpt_rtype_field(rt, f->count_field);

				if (cf && ckpt_field_u64(cf, e->buf) != n)
					return fail(e, where, "%zu entries, but %s is %" PRIu64, n,
						    f->count_field, ckpt_field_u64(cf, e->buf));
			}
			end = f->offset + (uint64_t)n * f->stride;
			if (end > e->len)
				return fail(e, where, "%zu entries do not fit in a %" PRIu64 "-byte record", n, e->len);
			json_array_foreach(j, k, el) {
				char sub[200];

				snprintf(sub, sizeof(sub), "%s[%zu]", where, k);
				if (put_element(e, sub, f->elem, f->n_elem, el,
						e->buf + f->offset + k * f->stride, f->stride) < 0)
					return -1;
			}
		}
		if (end > covered)
			covered = end;
	}
	return put_extra(e, fields, covered);
}

static int put_text(struct enc *e, json_t *fields, const char *name, uint64_t at)
{
	json_t *j = json_object_get(fields, name);
	char where[64];

	snprintf(where, sizeof(where), "fields.%s", name);
	if (!json_is_string(j))
		return fail(e, where, "expected a string");
	if (ckpt_unescape(json_string_value(j), e->buf + at, e->len - at) < 0)
		return fail(e, where, "bad escape, or longer than the record's %" PRIu64 " bytes", e->len - at);
	return 0;
}

static int put_structs(struct enc *e, const struct ckpt_layout *l, const char *name, json_t *fields)
{
	json_t *a = json_object_get(fields, name), *el;
	uint64_t at = e->s->hdr_len;
	char where[160];
	size_t k;

	snprintf(where, sizeof(where), "fields.%s", name);
	if (!json_is_array(a))
		return fail(e, where, "expected an array");
	if (at + json_array_size(a) * (uint64_t)l->stride > e->len)
		return fail(e, where, "%zu entries do not fit in the record", json_array_size(a));
	json_array_foreach(a, k, el) {
		char sub[200];

		snprintf(sub, sizeof(sub), "%s[%zu]", where, k);
		if (put_element(e, sub, l->elem, l->n_elem, el, e->buf + at, l->stride) < 0)
			return -1;
		at += l->stride;
	}
	return put_extra(e, fields, at);
}

static int put_pids(struct enc *e, json_t *fields)
{
	json_t *a = json_object_get(fields, "pids"), *el;
	uint64_t at = e->s->hdr_len;
	size_t k;

	if (!json_is_array(a))
		return fail(e, "fields.pids", "expected an array");
	json_array_foreach(a, k, el) {
		char where[64];
		json_t *nr = json_object_get(el, "nr"), *x;
		json_int_t depth = json_integer_value(json_object_get(el, "depth"));
		size_t i;

		snprintf(where, sizeof(where), "fields.pids[%zu]", k);
		if (!json_is_array(nr) || !json_is_integer(json_object_get(el, "depth")) || depth < 0 ||
		    json_array_size(nr) != (size_t)depth + 1)
			return fail(e, where, "expected {\"depth\": D, \"nr\": [D + 1 integers]}");
		if (at + 4 + 4 * json_array_size(nr) > e->len)
			return fail(e, where, "does not fit in the record");
		if (depth > UINT32_MAX)
			return fail(e, where, "depth %" JSON_INTEGER_FORMAT " is out of range", depth);
		ckpt_le_store(e->buf + at, 4, (uint64_t)depth);
		at += 4;
		json_array_foreach(nr, i, x) {
			if (!json_is_integer(x) || json_integer_value(x) < INT32_MIN ||
			    json_integer_value(x) > INT32_MAX)
				return fail(e, where, "nr[%zu] is not a 32-bit integer", i);
			ckpt_le_store(e->buf + at, 4, (uint64_t)json_integer_value(x));
			at += 4;
		}
	}
	return put_extra(e, fields, at);
}

static int put_pages(struct enc *e, json_t *fields)
{
	json_t *runs = json_object_get(fields, "runs"), *r;
	uint64_t n = 0, at, data_at;
	size_t k;

	if (!json_is_array(runs))
		return fail(e, "fields.runs", "expected an array of page runs");
	json_array_foreach(runs, k, r) {
		json_t *p = json_object_get(r, "pages");

		if (!json_is_integer(p) || json_integer_value(p) < 0)
			return fail(e, "fields.runs", "run %zu has no page count", k);
		n += (uint64_t)json_integer_value(p);
	}
	at = e->s->hdr_len;
	if (n > (e->len - at) / (8 + CKPT_PAGE_SIZE))
		return fail(e, "fields.runs", "%" PRIu64 " pages do not fit in the record", n);
	data_at = at + 8 * n;
	json_array_foreach(runs, k, r) {
		char where[64];
		uint64_t start, pages = (uint64_t)json_integer_value(json_object_get(r, "pages"));
		const char *s = json_string_value(json_object_get(r, "start"));
		json_t *data = json_object_get(r, "data");

		snprintf(where, sizeof(where), "fields.runs[%zu]", k);
		if (!s || strncmp(s, "0x", 2) != 0 || !parse_number(s + 2, 16, &start))
			return fail(e, where, "expected \"start\": \"0x...\"");
		if (!data)
			return fail(e, where, "no page data: produce the JSON with ckptdump --json --pages");
		for (uint64_t i = 0; i < pages; i++, at += 8)
			ckpt_le_store(e->buf + at, 8, start + i * CKPT_PAGE_SIZE);
		snprintf(where, sizeof(where), "fields.runs[%zu].data", k);
		if (put_hex(e, where, data, e->buf + data_at, pages * CKPT_PAGE_SIZE) < 0)
			return -1;
		data_at += pages * CKPT_PAGE_SIZE;
	}
	return put_extra(e, fields, data_at);
}

static int put_payload(struct enc *e, const struct ckpt_role *role, enum ckpt_layout_kind layout,
		       json_t *fields)
{
	uint64_t at = e->s->hdr_len;

	/* The views show nothing for an empty payload, whatever its layout. */
	if (at == e->len && json_object_size(fields) == 0)
		return 0;
	switch (layout) {
	case CKPT_L_STRING:
		return put_text(e, fields, "text", at);
	case CKPT_L_ERRMSG:
		if (json_object_get(fields, "text"))
			return put_text(e, fields, "text", at);
		if (at >= e->len)
			return fail(e, "length", "too short for an error message");
		e->buf[at] = 0;
		return put_text(e, fields, "message", at + 1);
	case CKPT_L_STRUCTS:
		return put_structs(e, &role->follow->layout, role->name, fields);
	case CKPT_L_PIDS:
		return put_pids(e, fields);
	case CKPT_L_PAGES:
		return put_pages(e, fields);
	case CKPT_L_BYTES:
		break;
	}
	json_t *b = json_object_get(fields, "bytes");

	if (!b)
		return at == e->len ? 0 : fail(e, "fields.bytes", "missing");
	return put_hex(e, "fields.bytes", b, e->buf + at, e->len - at);
}

static int encode_record(struct enc *e, json_t *j, uint64_t index, struct ckpt_roles *roles,
			 struct ckpt_writer *w, uint64_t json_size)
{
	json_t *type_id = json_object_get(j, "type_id"), *length = json_object_get(j, "length");
	json_t *fields = json_object_get(j, "fields");
	const struct ckpt_rtype *rt;
	bool preamble = index == 0 && e->s->preamble;
	uint32_t hdr = preamble ? 0 : e->s->hdr_len;

	if (!json_is_object(j))
		return fail(e, NULL, "expected a record object");
	if (!json_is_integer(type_id) || json_integer_value(type_id) < 0 ||
	    json_integer_value(type_id) > UINT32_MAX)
		return fail(e, "type_id", "expected a record type number");
	if (!json_is_integer(length) || json_integer_value(length) < hdr ||
	    json_integer_value(length) > UINT32_MAX)
		return fail(e, "length", "expected a length of at least %" PRIu32 " bytes", hdr);
	if (!json_is_object(fields))
		return fail(e, "fields", "expected an object");
	uint32_t type = (uint32_t)json_integer_value(type_id);

	e->len = (uint64_t)json_integer_value(length);
	rt = preamble ? e->s->preamble : ckpt_schema_type(e->s, type);
	if (rt && (e->len < rt->min_len || e->len > rt->max_len))
		return fail(e, "length", "%" PRIu64 " is not a valid length for %s (%" PRIu32 " to %" PRIu32 ")",
			    e->len, rt->name, rt->min_len, rt->max_len);
	if (e->len > IMPLIED_MIN && e->len / IMPLIED_RATIO > json_size)
		return fail(e, "length", "%" PRIu64 " bytes from %" PRIu64 " bytes of JSON: the document does "
			    "not give this record's contents", e->len, json_size);
	free(e->buf);
	e->buf = calloc(1, e->len ? e->len : 1);
	if (!e->buf)
		return fail(e, "length", "out of memory for %" PRIu64 " bytes", e->len);
	if (hdr) {
		ckpt_le_store(e->buf, 4, type);
		ckpt_le_store(e->buf + 4, 4, e->len);
	}

	struct ckpt_record rec = {
		.index = index, .type = type, .len = e->len, .hdr_len = hdr, .rt = rt,
		.data = e->buf, .avail = (size_t)e->len,
	};
	struct ckpt_role role;

	if (rt && rt->n_fields) {
		if (put_fields(e, rt, fields) < 0)
			return -1;
		ckpt_roles_next(roles, &rec, &role);
	} else {
		ckpt_roles_next(roles, &rec, &role);
		if (put_payload(e, &role, ckpt_record_layout(&rec, &role), fields) < 0)
			return -1;
	}
	const char *want = json_string_value(json_object_get(j, "role"));

	if ((want || role.name) && (!want || !role.name || strcmp(want, role.name) != 0))
		return fail(e, "role", "the record is %s%s%s here, not %s%s%s",
			    role.name ? "the " : "", role.name ? role.name : "no follower",
			    role.name ? " follower" : "", want ? "\"" : "", want ? want : "a follower",
			    want ? "\"" : "");

	struct ckpt_rbuf b = { .schema = e->s, .rt = rt, .data = e->buf, .len = (size_t)e->len };

	if (ckpt_writer_put(w, &b) < 0) {
		snprintf(e->err->path, sizeof(e->err->path), "%s", e->path);
		snprintf(e->err->reason, sizeof(e->err->reason), "write error: %s", strerror(w->error));
		return -1;
	}
	return 0;
}

/* How many bytes of JSON text a decoded record came from, about: what
 * bounds the length it may claim (see IMPLIED_RATIO). */
static uint64_t json_size(json_t *j)
{
	uint64_t n = 2;
	const char *key;
	json_t *x;
	size_t i;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		json_object_foreach(j, key, x)
			n += strlen(key) + 4 + json_size(x);
		return n;
	case JSON_ARRAY:
		json_array_foreach(j, i, x)
			n += 1 + json_size(x);
		return n;
	case JSON_STRING:
		return 2 + json_string_length(j);
	default:
		return 8;
	}
}

int ckpt_encode_document(json_t *doc, FILE *out, struct ckpt_encode_error *err)
{
	struct enc e = { .err = err };
	const char *dialect = json_string_value(json_object_get(doc, "dialect"));
	json_t *records = json_object_get(doc, "records"), *j;
	struct ckpt_writer w;
	struct ckpt_roles roles;
	size_t i;
	int ret = 0;

	memset(err, 0, sizeof(*err));
	if (!dialect || !(e.s = ckpt_schema_by_id(dialect))) {
		snprintf(err->path, sizeof(err->path), "dialect");
		snprintf(err->reason, sizeof(err->reason), "expected one of linux-cr-v17, linux-cr-rev6, linuxcr-2009");
		return -1;
	}
	if (!json_is_array(records)) {
		snprintf(err->path, sizeof(err->path), "records");
		snprintf(err->reason, sizeof(err->reason), "expected an array of records");
		return -1;
	}
	ckpt_writer_init(&w, out, e.s);
	ckpt_roles_init(&roles);
	json_array_foreach(records, i, j) {
		snprintf(e.path, sizeof(e.path), "records[%zu]", i);
		if (encode_record(&e, j, i, &roles, &w, json_size(j)) < 0) {
			ret = -1;
			break;
		}
	}
	free(e.buf);
	return ret;
}

int ckpt_encode_stream(FILE *in, FILE *out, struct ckpt_encode_error *err)
{
	struct enc e = { .err = err };
	struct json_records *r = json_records_new(in);
	struct ckpt_writer w;
	struct ckpt_roles roles;
	const char *key;
	json_t *v;
	size_t index;
	int ret = -1;

	memset(err, 0, sizeof(*err));
	if (!r) {
		snprintf(err->reason, sizeof(err->reason), "out of memory");
		return -1;
	}
	for (;;) {
		enum json_records_event ev = json_records_next(r, &key, &v, &index);

		if (ev == JR_ERROR) {
			err->line = json_records_line(r);
			err->column = json_records_column(r);
			if (e.s && json_records_seen_records(r))
				snprintf(err->path, sizeof(err->path), "records[%zu]", index);
			snprintf(err->reason, sizeof(err->reason), "%s", json_records_reason(r));
			break;
		}
		if (ev == JR_END) {
			if (!json_records_seen_records(r)) {
				snprintf(err->path, sizeof(err->path), "records");
				snprintf(err->reason, sizeof(err->reason), "expected an array of records");
				break;
			}
			if (!e.s) {
				snprintf(err->path, sizeof(err->path), "dialect");
				snprintf(err->reason, sizeof(err->reason),
					 "expected one of linux-cr-v17, linux-cr-rev6, linuxcr-2009");
				break;
			}
			ret = 0;
			break;
		}
		if (ev == JR_MEMBER) {
			if (strcmp(key, "dialect") == 0) {
				const char *dialect = json_string_value(v);

				if (!dialect || !(e.s = ckpt_schema_by_id(dialect))) {
					snprintf(err->path, sizeof(err->path), "dialect");
					snprintf(err->reason, sizeof(err->reason),
						 "expected one of linux-cr-v17, linux-cr-rev6, linuxcr-2009");
					json_decref(v);
					break;
				}
			}
			json_decref(v);
			continue;
		}
		/* JR_RECORD */
		if (!e.s) {
			snprintf(err->path, sizeof(err->path), "dialect");
			snprintf(err->reason, sizeof(err->reason),
				 "missing before the records (it must precede them)");
			json_decref(v);
			break;
		}
		if (index == 0) {
			ckpt_writer_init(&w, out, e.s);
			ckpt_roles_init(&roles);
		}
		snprintf(e.path, sizeof(e.path), "records[%zu]", index);
		int rc = encode_record(&e, v, index, &roles, &w, json_size(v));

		json_decref(v);
		if (rc < 0)
			break;
	}
	json_records_free(r);
	free(e.buf);
	return ret;
}
