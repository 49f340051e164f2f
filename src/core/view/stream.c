/* A JSON document written member by member, its long array element by
 * element: the output of a check or a diff is never held whole.
 *
 * The text is what jansson's json_dumpf(JSON_INDENT(2)) gives for the
 * whole document: each value is dumped on its own with that indentation
 * and shifted right by its depth. */
#include <stdlib.h>
#include <string.h>

#include "ckpt/report.h"

#define INDENT 2
#define DUMP_FLAGS (JSON_INDENT(INDENT) | JSON_PRESERVE_ORDER)

struct ckpt_json_stream {
	FILE *out;
	bool failed;
	size_t members;		/* top-level members written */
	bool in_array;
	size_t items;		/* elements of the open array */
};

struct ckpt_json_stream *ckpt_json_stream_new(FILE *out)
{
	struct ckpt_json_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->out = out;
	fputc('{', out);
	return s;
}

/* value dumped alone, each line after the first shifted by `depth` levels. */
static void put_value(struct ckpt_json_stream *s, json_t *value, int depth)
{
	char *text = value ? json_dumps(value, DUMP_FLAGS | JSON_ENCODE_ANY) : NULL;

	json_decref(value);
	if (!text) {
		s->failed = true;
		fputs("null", s->out);
		return;
	}
	for (const char *p = text; *p; p++) {
		fputc(*p, s->out);
		if (*p == '\n')
			fprintf(s->out, "%*s", depth * INDENT, "");
	}
	free(text);
}

static void put_key(struct ckpt_json_stream *s, const char *key)
{
	json_t *k = json_string(key);

	fputs(s->members++ ? ",\n" : "\n", s->out);
	fprintf(s->out, "%*s", INDENT, "");
	put_value(s, k, 1);
	fputs(": ", s->out);
}

void ckpt_json_stream_member(struct ckpt_json_stream *s, const char *key, json_t *value)
{
	if (!s) {
		json_decref(value);
		return;
	}
	put_key(s, key);
	put_value(s, value, 1);
}

void ckpt_json_stream_array_begin(struct ckpt_json_stream *s, const char *key)
{
	if (!s)
		return;
	put_key(s, key);
	fputc('[', s->out);
	s->in_array = true;
	s->items = 0;
}

void ckpt_json_stream_array_item(struct ckpt_json_stream *s, json_t *value)
{
	if (!s || !s->in_array) {
		json_decref(value);
		return;
	}
	fputs(s->items++ ? ",\n" : "\n", s->out);
	fprintf(s->out, "%*s", 2 * INDENT, "");
	put_value(s, value, 2);
}

void ckpt_json_stream_array_end(struct ckpt_json_stream *s)
{
	if (!s || !s->in_array)
		return;
	if (s->items)
		fprintf(s->out, "\n%*s", INDENT, "");
	fputc(']', s->out);
	s->in_array = false;
}

bool ckpt_json_stream_end(struct ckpt_json_stream *s)
{
	bool ok;

	if (!s)
		return false;
	ckpt_json_stream_array_end(s);
	fputs(s->members ? "\n}\n" : "}\n", s->out);
	ok = !s->failed && !ferror(s->out);
	free(s);
	return ok;
}
