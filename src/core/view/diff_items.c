/* ckptdiff's items as text (a unified-diff-like listing, optionally in
 * colour) and as JSON. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/format.h"
#include "ckpt/report.h"
#include "ckpt/view.h"

struct ckpt_diff_text {
	FILE *out;
	bool color;
	char *name_a, *title_a, *name_b, *title_b;
	bool started;
	char last_object[2048];
};

struct ckpt_diff_text *ckpt_diff_text_new(FILE *out, bool color, const char *name_a, const char *title_a,
					  const char *name_b, const char *title_b)
{
	struct ckpt_diff_text *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->out = out;
	t->color = color;
	t->name_a = strdup(name_a);
	t->title_a = strdup(title_a);
	t->name_b = strdup(name_b);
	t->title_b = strdup(title_b);
	if (!t->name_a || !t->title_a || !t->name_b || !t->title_b) {
		ckpt_diff_text_free(t);
		return NULL;
	}
	return t;
}

void ckpt_diff_text_free(struct ckpt_diff_text *t)
{
	if (!t)
		return;
	free(t->name_a);
	free(t->title_a);
	free(t->name_b);
	free(t->title_b);
	free(t);
}

#define C_RED	"\033[31m"
#define C_GREEN	"\033[32m"
#define C_BOLD	"\033[1m"
#define C_CYAN	"\033[36m"
#define C_OFF	"\033[0m"

static const char *col(const struct ckpt_diff_text *r, const char *c)
{
	return r->color ? c : "";
}

void ckpt_diff_text_heading(struct ckpt_diff_text *r)
{
	if (r->started)
		return;
	r->started = true;
	fprintf(r->out, "%s--- %s (%s)%s\n", col(r, C_RED), r->name_a, r->title_a, col(r, C_OFF));
	fprintf(r->out, "%s+++ %s (%s)%s\n", col(r, C_GREEN), r->name_b, r->title_b, col(r, C_OFF));
}

static void object_line(struct ckpt_diff_text *r, const char *object)
{
	if (strcmp(r->last_object, object) == 0)
		return;
	snprintf(r->last_object, sizeof(r->last_object), "%s", object);
	fprintf(r->out, "%s%s%s\n", col(r, C_BOLD), object, col(r, C_OFF));
}

const char *ckpt_diff_range_kind_name(enum ckpt_diff_range_kind k)
{
	return k == CKPT_RANGE_CHANGED ? "changed" : k == CKPT_RANGE_ADDED ? "added" : "removed";
}

static void hex16(const uint8_t *p, char *out)
{
	for (int i = 0; i < 16; i++)
		sprintf(out + 3 * i, "%02x%s", p[i], i < 15 ? " " : "");
}

static bool is_flags(const struct ckpt_field *f)
{
	return f && (f->kind == CKPT_K_FLAGS || f->kind == CKPT_K_SIGSET) && f->width <= 8;
}

/* A flag set is easier read as what was set and what was cleared. */
static void flag_change(struct ckpt_diff_text *r, const struct ckpt_diff_item *it)
{
	if (!is_flags(it->a.field) || !is_flags(it->b.field) || it->a.field->kind != it->b.field->kind)
		return;
	uint64_t va = ckpt_field_u64(it->a.field, it->a.base), vb = ckpt_field_u64(it->b.field, it->b.base);
	bool sig = it->a.field->kind == CKPT_K_SIGSET;
	char set[1024], cleared[1024];

	ckpt_format_flags(it->a.field->names, vb & ~va, sig, set, sizeof(set));
	ckpt_format_flags(it->a.field->names, va & ~vb, sig, cleared, sizeof(cleared));
	fprintf(r->out, "    ");
	if (vb & ~va)
		fprintf(r->out, "%sset %s%s", col(r, C_GREEN), set, col(r, C_OFF));
	if ((vb & ~va) && (va & ~vb))
		fprintf(r->out, "; ");
	if (va & ~vb)
		fprintf(r->out, "%scleared %s%s", col(r, C_RED), cleared, col(r, C_OFF));
	fputc('\n', r->out);
}

void ckpt_diff_text_item(struct ckpt_diff_text *r, const struct ckpt_diff_item *it)
{
	ckpt_diff_text_heading(r);
	switch (it->kind) {
	case CKPT_DIFF_ADDED:
		r->last_object[0] = '\0';
		fprintf(r->out, "%s+ %s%s\n", col(r, C_GREEN), it->object, col(r, C_OFF));
		return;
	case CKPT_DIFF_REMOVED:
		r->last_object[0] = '\0';
		fprintf(r->out, "%s- %s%s\n", col(r, C_RED), it->object, col(r, C_OFF));
		return;
	case CKPT_DIFF_CHANGED:
	case CKPT_DIFF_SHARING:
		object_line(r, it->object);
		fprintf(r->out, "  %s.%s: %s%s%s -> %s%s%s\n", it->type, it->field, col(r, C_RED), it->a.text,
		       col(r, C_OFF), col(r, C_GREEN), it->b.text, col(r, C_OFF));
		flag_change(r, it);
		if (it->blocks_restore)
			fprintf(r->out, "    %snote: blocks a restore on the other kernel (restart checks it)%s\n",
			       col(r, C_CYAN), col(r, C_OFF));
		return;
	case CKPT_DIFF_PAGES:
		object_line(r, it->object);
		fprintf(r->out, "  pages: %" PRIu64 " changed, %" PRIu64 " added, %" PRIu64 " removed\n",
		       it->changed, it->added, it->removed);
		for (size_t i = 0; i < it->n_ranges; i++) {
			const struct ckpt_diff_range *g = &it->ranges[i];
			const char *c = g->kind == CKPT_RANGE_ADDED ? C_GREEN : g->kind == CKPT_RANGE_REMOVED ? C_RED : "";

			fprintf(r->out, "    %s%-7s 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64 " page%s)%s\n", col(r, c),
			       ckpt_diff_range_kind_name(g->kind), g->start, g->start + g->pages * 4096, g->pages,
			       g->pages == 1 ? "" : "s", *c ? col(r, C_OFF) : "");
			if (g->has_bytes) {
				char ha[64], hb[64];

				hex16(g->a_bytes, ha);
				hex16(g->b_bytes, hb);
				fprintf(r->out, "      first difference at 0x%" PRIx64 "\n", g->first_diff);
				fprintf(r->out, "      %s- %016" PRIx64 "  %s%s\n", col(r, C_RED), g->bytes_at, ha, col(r, C_OFF));
				fprintf(r->out, "      %s+ %016" PRIx64 "  %s%s\n", col(r, C_GREEN), g->bytes_at, hb, col(r, C_OFF));
			}
		}
		return;
	}
}

const char *ckpt_diff_kind_name(enum ckpt_diff_kind k)
{
	switch (k) {
	case CKPT_DIFF_CHANGED: return "changed";
	case CKPT_DIFF_ADDED: return "added";
	case CKPT_DIFF_REMOVED: return "removed";
	case CKPT_DIFF_PAGES: return "pages";
	case CKPT_DIFF_SHARING: return "sharing";
	}
	return "?";
}

static json_t *value_json(const struct ckpt_diff_value *v)
{
	if (v->absent)
		return json_null();
	if (v->field)
		return ckpt_field_json(v->field, v->base);
	if (v->is_num)
		return json_integer((json_int_t)v->num);
	return json_string(v->text);
}

static json_t *hex_json(uint64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "0x%" PRIx64, v);
	return json_string(s);
}

json_t *ckpt_diff_item_json(const struct ckpt_diff_item *it)
{
	json_t *j = json_object();

	json_object_set_new(j, "object", json_string(it->object));
	json_object_set_new(j, "type", json_string(it->type));
	json_object_set_new(j, "key", json_string(it->key));
	json_object_set_new(j, "change", json_string(ckpt_diff_kind_name(it->kind)));
	if (it->kind == CKPT_DIFF_CHANGED || it->kind == CKPT_DIFF_SHARING) {
		json_object_set_new(j, "field", json_string(it->field));
		json_object_set_new(j, "a", value_json(&it->a));
		json_object_set_new(j, "b", value_json(&it->b));
		json_object_set_new(j, "a_text", json_string(it->a.text));
		json_object_set_new(j, "b_text", json_string(it->b.text));
	}
	if (it->header) {
		json_object_set_new(j, "header", json_true());
		json_object_set_new(j, "blocks_restore", json_boolean(it->blocks_restore));
	}
	if (it->kind == CKPT_DIFF_PAGES) {
		json_t *ranges = json_array();

		for (size_t i = 0; i < it->n_ranges; i++) {
			const struct ckpt_diff_range *g = &it->ranges[i];
			json_t *o = json_object();

			json_object_set_new(o, "change", json_string(ckpt_diff_range_kind_name(g->kind)));
			json_object_set_new(o, "start", hex_json(g->start));
			json_object_set_new(o, "end", hex_json(g->start + g->pages * 4096));
			json_object_set_new(o, "pages", json_integer((json_int_t)g->pages));
			if (g->has_bytes) {
				char ha[64], hb[64];

				hex16(g->a_bytes, ha);
				hex16(g->b_bytes, hb);
				json_object_set_new(o, "first_difference", hex_json(g->first_diff));
				json_object_set_new(o, "bytes_at", hex_json(g->bytes_at));
				json_object_set_new(o, "a_bytes", json_string(ha));
				json_object_set_new(o, "b_bytes", json_string(hb));
			}
			json_array_append_new(ranges, o);
		}
		json_object_set_new(j, "pages", json_pack("{s:I, s:I, s:I, s:o}",
							  "changed", (json_int_t)it->changed,
							  "added", (json_int_t)it->added,
							  "removed", (json_int_t)it->removed,
							  "ranges", ranges));
	}
	return j;
}

