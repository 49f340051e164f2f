/* The JSON form of records, and the JSON view.  The document shape is an
 * interface (ckptdump(1), JSON OUTPUT): change it only with the version. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/format.h"
#include "view/view.h"

static json_t *hex_string(const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *s = malloc(2 * n + 1);
	json_t *j;

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = hex[p[i] >> 4];
		s[2 * i + 1] = hex[p[i] & 15];
	}
	j = json_stringn(s, 2 * n);
	free(s);
	return j;
}

static json_t *escaped_string(const uint8_t *p, size_t n)
{
	size_t need = ckpt_escape(p, n, NULL, 0) + 1;
	char *s = malloc(need);
	json_t *j;

	if (!s)
		return NULL;
	ckpt_escape(p, n, s, need);
	j = json_string(s);
	free(s);
	return j;
}

static json_t *name_list(const struct ckpt_names *names, uint64_t v, bool sigset)
{
	const char *set[64];
	uint64_t rest;
	size_t n = ckpt_flags_names(names, v, sigset, set, 64, &rest);
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(set[i]));
	if (rest) {
		char buf[24];

		snprintf(buf, sizeof(buf), "0x%" PRIx64, rest);
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

json_t *ckpt_field_json(const struct ckpt_field *f, const uint8_t *base)
{
	const uint8_t *p = base + f->offset;
	uint64_t u = f->width <= 8 ? ckpt_field_u64(f, base) : 0;
	const char *name;
	char buf[32];

	switch (f->kind) {
	case CKPT_K_UINT:
	case CKPT_K_TIME:
		if (u > (uint64_t)INT64_MAX) {
			snprintf(buf, sizeof(buf), "%" PRIu64, u);
			return json_string(buf);
		}
		return json_integer((json_int_t)u);
	case CKPT_K_INT:
	case CKPT_K_OBJREF:
		return json_integer((json_int_t)ckpt_field_s64(f, base));
	case CKPT_K_HEX:
		snprintf(buf, sizeof(buf), "0x%0*" PRIx64, (int)(f->width * 2), u);
		return json_string(buf);
	case CKPT_K_OCTAL:
		snprintf(buf, sizeof(buf), "0%03" PRIo64, u);
		return json_string(buf);
	case CKPT_K_ENUM:
		name = ckpt_names_lookup(f->names, u);
		if (name)
			return json_string(name);
		if (u > (uint64_t)INT64_MAX) {
			snprintf(buf, sizeof(buf), "%" PRIu64, u);
			return json_string(buf);
		}
		return json_integer((json_int_t)u);
	case CKPT_K_SENUM: {
		int64_t s = ckpt_field_s64(f, base);

		name = s >= 0 ? ckpt_names_lookup(f->names, (uint64_t)s) : NULL;
		return name ? json_string(name) : json_integer((json_int_t)s);
	}
	case CKPT_K_FLAGS:
	case CKPT_K_SIGSET:
		return name_list(f->names, u, f->kind == CKPT_K_SIGSET);
	case CKPT_K_CHARS: {
		bool term;

		return escaped_string(p, ckpt_text_len(p, f->width, &term));
	}
	case CKPT_K_BYTES:
	case CKPT_K_PAD:
		return hex_string(p, f->width);
	case CKPT_K_ARRAY:
		break;
	}
	return json_null();
}

json_t *ckpt_error_json(const struct ckpt_error *err)
{
	return json_pack("{s:I, s:I, s:o, s:s}",
			 "offset", (json_int_t)err->offset,
			 "index", (json_int_t)err->index,
			 "record", err->record[0] ? json_string(err->record) : json_null(),
			 "reason", err->reason);
}

#define MAX_DEPTH 8

struct builder {
	json_t *record;
	json_t *stack[MAX_DEPTH];	/* objects and arrays being filled */
	const char *elem_name[MAX_DEPTH];
	int depth;
	char *hex;			/* bytes item being collected */
	size_t hex_len, hex_cap;
	const char *bytes_name;
	bool failed;
};

static json_t *top(struct builder *b) { return b->stack[b->depth]; }

static void push(struct builder *b, json_t *j, const char *elem_name)
{
	if (b->depth + 1 >= MAX_DEPTH) {
		b->failed = true;
		json_decref(j);
		return;
	}
	b->stack[++b->depth] = j;
	b->elem_name[b->depth] = elem_name;
}

static void b_field(void *arg, const struct ckpt_field *f, const uint8_t *base)
{
	struct builder *b = arg;

	json_object_set_new(top(b), f->name, ckpt_field_json(f, base));
}

static void b_array_begin(void *arg, const char *name, uint64_t count, bool sparse)
{
	struct builder *b = arg;
	json_t *a = json_array();

	(void)count;
	(void)sparse;
	json_object_set(top(b), name, a);
	push(b, a, NULL);
	json_decref(a);
}

static void b_elem_begin(void *arg, uint64_t i, const char *index_name)
{
	struct builder *b = arg;
	json_t *o = json_object();

	(void)i;
	if (index_name)
		json_object_set_new(o, "name", json_string(index_name));
	push(b, o, index_name);
}

static void b_elem_end(void *arg)
{
	struct builder *b = arg;
	json_t *o = top(b);
	json_t *arr;

	b->depth--;
	arr = top(b);
	/* A one-field element without a name reads better as the bare value. */
	if (json_object_size(o) == 1 && !b->elem_name[b->depth + 1]) {
		void *it = json_object_iter(o);

		json_array_append(arr, json_object_iter_value(it));
		json_decref(o);
	} else {
		json_array_append_new(arr, o);
	}
}

static void b_array_end(void *arg)
{
	struct builder *b = arg;

	b->depth--;
}

static void b_text(void *arg, const char *name, const uint8_t *s, size_t len, bool terminated)
{
	struct builder *b = arg;

	json_object_set_new(top(b), name, escaped_string(s, len));
	if (!terminated)
		json_object_set_new(top(b), "terminated", json_false());
}

static void b_bytes_begin(void *arg, const char *name, uint64_t total, uint64_t base)
{
	struct builder *b = arg;

	(void)base;
	b->bytes_name = name;
	b->hex_len = 0;
	if (total > SIZE_MAX / 2 - 1) {
		b->failed = true;
		return;
	}
	b->hex_cap = (size_t)total * 2 + 1;
	free(b->hex);
	b->hex = malloc(b->hex_cap);
	if (!b->hex)
		b->failed = true;
}

static void b_bytes(void *arg, uint64_t off, const uint8_t *p, size_t n)
{
	struct builder *b = arg;
	static const char hex[] = "0123456789abcdef";

	(void)off;
	if (!b->hex)
		return;
	for (size_t i = 0; i < n && b->hex_len + 2 < b->hex_cap; i++) {
		b->hex[b->hex_len++] = hex[p[i] >> 4];
		b->hex[b->hex_len++] = hex[p[i] & 15];
	}
}

static void b_bytes_end(void *arg)
{
	struct builder *b = arg;

	if (b->hex)
		json_object_set_new(top(b), b->bytes_name, json_stringn(b->hex, b->hex_len));
	free(b->hex);
	b->hex = NULL;
}

static void b_note(void *arg, const char *msg)
{
	struct builder *b = arg;
	json_t *notes = json_object_get(b->record, "notes");

	if (!notes) {
		notes = json_array();
		json_object_set_new(b->record, "notes", notes);
	}
	json_array_append_new(notes, json_string(msg));
}

static const struct ckpt_walk_ops builder_ops = {
	.field = b_field, .array_begin = b_array_begin, .elem_begin = b_elem_begin,
	.elem_end = b_elem_end, .array_end = b_array_end, .text = b_text,
	.bytes_begin = b_bytes_begin, .bytes = b_bytes, .bytes_end = b_bytes_end,
	.note = b_note,
};

/* Addresses are "0x.." strings, which jq cannot add: each address range a
 * record holds as X_start and X_end (a VMA's vm_start and vm_end, an
 * MM's arg and env areas) also gets its length as a number, X_length,
 * next to the fields (not among them: the encoder writes those). */
static void add_lengths(json_t *record, json_t *fields)
{
	const char *k;
	json_t *v;

	json_object_foreach(fields, k, v) {
		size_t n = strlen(k);
		char other[96], name[96];

		if (n < 7 || n >= sizeof(other) || strcmp(k + n - 6, "_start") != 0 || !json_is_string(v))
			continue;
		snprintf(other, sizeof(other), "%.*s_end", (int)(n - 6), k);
		json_t *e = json_object_get(fields, other);

		if (!json_is_string(e))
			continue;
		char *end1, *end2;
		uint64_t a = strtoull(json_string_value(v), &end1, 16), z = strtoull(json_string_value(e), &end2, 16);

		if (*end1 || *end2 || z < a)
			continue;
		snprintf(name, sizeof(name), "%.*s_length", (int)(n - 6), k);
		json_object_set_new(record, name, json_integer((json_int_t)(z - a)));
	}
}

json_t *ckpt_record_json(struct ckpt_image *img, const struct ckpt_record *rec,
			 const struct ckpt_role *role, bool page_data)
{
	struct builder b = { 0 };
	struct ckpt_walk_options opt = { .page_data = page_data };
	json_t *fields = json_object();

	b.record = json_pack("{s:I, s:I, s:o, s:I, s:I}",
			     "index", (json_int_t)rec->index,
			     "offset", (json_int_t)rec->offset,
			     "type", rec->rt ? json_string(rec->rt->name) : json_string("unknown"),
			     "type_id", (json_int_t)rec->type,
			     "length", (json_int_t)rec->len);
	if (role && role->name) {
		json_object_set_new(b.record, "role", json_string(role->name));
		json_object_set_new(b.record, "parent", json_integer((json_int_t)role->parent_index));
	}
	json_object_set_new(b.record, "fields", fields);
	b.stack[0] = fields;
	if (ckpt_walk_record(img, rec, role, &opt, &builder_ops, &b) < 0 || b.failed) {
		free(b.hex);
		json_decref(b.record);
		return NULL;
	}
	add_lengths(b.record, fields);
	return b.record;
}

/* The JSON view: a document whose records are written one per line as they
 * are read, so memory stays bounded by the largest record. */
struct json_view {
	FILE *out;
	struct ckpt_view_options opt;
	size_t n;
	bool begun;
};

static void *jv_create(FILE *out, const struct ckpt_view_options *opt)
{
	struct json_view *v = calloc(1, sizeof(*v));

	if (v) {
		v->out = out;
		v->opt = *opt;
	}
	return v;
}

static void jv_begin(void *priv, const char *source, const struct ckpt_image *img)
{
	struct json_view *v = priv;
	json_t *head = view_image_json(source, img);
	char *s = json_dumps(head, JSON_COMPACT);
	size_t len = s ? strlen(s) : 0;

	/* Open the object and leave it open for "records". */
	if (len >= 2)
		fprintf(v->out, "%.*s,\n\"records\": [\n", (int)(len - 1), s);
	free(s);
	json_decref(head);
	v->begun = true;
}

static int jv_record(void *priv, struct ckpt_image *img, const struct ckpt_record *rec,
		     const struct ckpt_role *role)
{
	struct json_view *v = priv;
	json_t *j = ckpt_record_json(img, rec, role, v->opt.page_data);

	if (!j)
		return -1;
	char *s = json_dumps(j, JSON_COMPACT);

	if (s)
		fprintf(v->out, "%s%s", v->n++ ? ",\n" : "", s);
	free(s);
	json_decref(j);
	return 0;
}

static void jv_end(void *priv, const struct ckpt_image *img, const struct ckpt_error *err)
{
	struct json_view *v = priv;
	const char *end = img ? view_end_name(ckpt_image_end(img)) : NULL;
	json_t *e = err ? ckpt_error_json(err) : json_null();
	char *es = json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);

	fprintf(v->out, "%s],\n\"end\": %s%s%s,\n\"error\": %s\n}\n", v->n ? "\n" : "",
		end ? "\"" : "", end ? end : "null", end ? "\"" : "", es ? es : "null");
	free(es);
	json_decref(e);
}

static bool jv_destroy(void *priv)
{
	struct json_view *v = priv;
	bool ok = fflush(v->out) == 0 && !ferror(v->out);

	free(v);
	return ok;
}

const struct view_ops view_json_ops = {
	.create = jv_create, .begin = jv_begin, .record = jv_record,
	.end = jv_end, .destroy = jv_destroy,
};
