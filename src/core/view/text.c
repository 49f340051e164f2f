/* The text view: one block per record, one line per field, arrays one line
 * per element, bytes as a hexdump.  Nothing from the image reaches the
 * terminal unescaped. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/format.h"
#include "view/view.h"

#define LINE_MAX_LEN 4096

struct text_view {
	FILE *out;
	struct ckpt_view_options opt;
	int depth;		/* 0: record fields, 1: in an element, 2: nested array */
	char line[LINE_MAX_LEN];	/* the element being built */
	size_t len;
	bool nested_first;
	uint64_t bytes_base;
	bool bytes_addr;
	bool elem_zero;		/* every value of this element so far is zero */
	uint64_t shown, hidden;	/* elements of the current top-level array */
	bool sparse;
};

static void *tv_create(FILE *out, const struct ckpt_view_options *opt)
{
	struct text_view *v = calloc(1, sizeof(*v));

	if (v) {
		v->out = out;
		v->opt = *opt;
	}
	return v;
}

static void tv_begin(void *priv, const char *source, const struct ckpt_image *img)
{
	struct text_view *v = priv;
	char esc[1024];

	ckpt_escape((const uint8_t *)source, strlen(source), esc, sizeof(esc));
	if (img)
		fprintf(v->out, "# %s: %s\n", esc, ckpt_image_schema(img)->title);
}

static void append(struct text_view *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void append(struct text_view *v, const char *fmt, ...)
{
	va_list ap;

	if (v->len >= sizeof(v->line) - 1)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(v->line + v->len, sizeof(v->line) - v->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		v->len += (size_t)n;
	if (v->len >= sizeof(v->line))
		v->len = sizeof(v->line) - 1;
}

static void flush_line(struct text_view *v)
{
	if (v->len)
		fprintf(v->out, "%s\n", v->line);
	v->len = 0;
	v->line[0] = '\0';
}

static void t_field(void *arg, const struct ckpt_field *f, const uint8_t *base)
{
	struct text_view *v = arg;
	char val[2048];

	ckpt_format_field(f, base, val, sizeof(val));
	if (v->depth > 0 && v->elem_zero && f->width <= sizeof(val)) {
		for (uint32_t i = 0; i < f->width; i++)
			if (base[f->offset + i])
				v->elem_zero = false;
	}
	if (v->depth == 0)
		fprintf(v->out, "    %-20s %s\n", f->name, val);
	else if (v->depth == 1)
		append(v, " %s=%s", f->name, val);
	else {
		append(v, "%s%s", v->nested_first ? "" : ",", val);
		v->nested_first = false;
	}
}

static void t_array_begin(void *arg, const char *name, uint64_t count, bool sparse)
{
	struct text_view *v = arg;

	(void)count;
	if (v->depth == 0) {
		fprintf(v->out, "    %s:\n", name);
		v->shown = v->hidden = 0;
		v->sparse = sparse;
	} else {
		append(v, " %s=[", name);
		v->nested_first = true;
	}
	v->depth++;
}

static void t_elem_begin(void *arg, uint64_t i, const char *index_name)
{
	struct text_view *v = arg;

	if (v->depth == 1) {
		v->len = 0;
		v->elem_zero = true;
		append(v, "      [%" PRIu64 "]", i);
		if (index_name)
			append(v, " %s", index_name);
	}
}

static void t_elem_end(void *arg)
{
	struct text_view *v = arg;

	if (v->depth != 1)
		return;
	/* Tables like SIGHAND are mostly defaults: say how many, not each. */
	if (v->elem_zero && v->sparse) {
		v->hidden++;
		v->len = 0;
		return;
	}
	v->shown++;
	flush_line(v);
}

static void t_array_end(void *arg)
{
	struct text_view *v = arg;

	v->depth--;
	if (v->depth >= 1) {
		append(v, "]");
		return;
	}
	if (v->hidden)
		fprintf(v->out, "      (%" PRIu64 " %sentries with all values zero, the defaults, not shown)\n",
			v->hidden, v->shown ? "more " : "");
	else if (!v->shown)
		fprintf(v->out, "      (none)\n");
}

static void t_text(void *arg, const char *name, const uint8_t *s, size_t len, bool terminated)
{
	struct text_view *v = arg;
	size_t need = ckpt_escape(s, len, NULL, 0) + 1;
	char *esc = malloc(need);

	if (!esc)
		return;
	ckpt_escape(s, len, esc, need);
	fprintf(v->out, "    %-20s \"%s\"%s\n", name, esc, terminated ? "" : " (no NUL terminator)");
	free(esc);
}

static void t_bytes_begin(void *arg, const char *name, uint64_t total, uint64_t base)
{
	struct text_view *v = arg;

	v->elem_zero = false;
	flush_line(v);
	fprintf(v->out, "%s%-20s %" PRIu64 " bytes\n", v->depth ? "        " : "    ", name, total);
	v->bytes_base = base;
	v->bytes_addr = base != 0;
}

static void t_bytes(void *arg, uint64_t off, const uint8_t *p, size_t n)
{
	struct text_view *v = arg;

	for (size_t i = 0; i < n; i += 16) {
		size_t k = n - i < 16 ? n - i : 16;
		char hex[16 * 3 + 1], asc[17];

		for (size_t j = 0; j < 16; j++) {
			if (j < k)
				snprintf(hex + 3 * j, 4, "%02x ", p[i + j]);
			else
				memcpy(hex + 3 * j, "   ", 4);
			asc[j] = j < k ? (p[i + j] >= 0x20 && p[i + j] < 0x7f ? (char)p[i + j] : '.') : ' ';
		}
		asc[16] = '\0';
		if (v->bytes_addr)
			fprintf(v->out, "        %016" PRIx64 "  %s |%s|\n", v->bytes_base + off + i, hex, asc);
		else
			fprintf(v->out, "        %08" PRIx64 "  %s |%s|\n", off + i, hex, asc);
	}
}

static void t_bytes_end(void *arg)
{
	struct text_view *v = arg;

	/* An element that continues after its bytes goes on a fresh line. */
	if (v->depth == 1)
		append(v, "       ");
}

static void t_note(void *arg, const char *msg)
{
	struct text_view *v = arg;

	flush_line(v);
	fprintf(v->out, "    note: %s\n", msg);
}

static const struct ckpt_walk_ops text_ops = {
	.field = t_field, .array_begin = t_array_begin, .elem_begin = t_elem_begin,
	.elem_end = t_elem_end, .array_end = t_array_end, .text = t_text,
	.bytes_begin = t_bytes_begin, .bytes = t_bytes, .bytes_end = t_bytes_end,
	.note = t_note,
};

static int tv_record(void *priv, struct ckpt_image *img, const struct ckpt_record *rec,
		     const struct ckpt_role *role)
{
	struct text_view *v = priv;
	struct ckpt_walk_options opt = { .page_data = v->opt.page_data };

	fprintf(v->out, "[%" PRIu64 "] ", rec->index);
	if (rec->rt)
		fprintf(v->out, "%s", rec->rt->name);
	else
		fprintf(v->out, "unknown type %" PRIu32, rec->type);
	if (role && role->name)
		fprintf(v->out, " %s (of %s [%" PRIu64 "])", role->name, role->parent->name,
			role->parent_index);
	fprintf(v->out, " @%" PRIu64 " (0x%" PRIx64 ") len %" PRIu64 "\n", rec->offset, rec->offset, rec->len);
	v->depth = 0;
	v->len = 0;
	int ret = ckpt_walk_record(img, rec, role, &opt, &text_ops, v);

	flush_line(v);
	return ret;
}

static void tv_end(void *priv, const struct ckpt_image *img, const struct ckpt_error *err)
{
	struct text_view *v = priv;
	/* The error itself goes to stderr, from the program. */
	if (!err && img) {
		switch (ckpt_image_end(img)) {
		case CKPT_END_TAIL:
			fprintf(v->out, "# end: TAIL\n");
			break;
		case CKPT_END_ERROR:
			fprintf(v->out, "# end: ERROR record (the checkpoint failed)\n");
			break;
		case CKPT_END_EOF:
			fprintf(v->out, "# end: end of data (this dialect has no trailer)\n");
			break;
		case CKPT_END_NONE:
			break;
		}
	}
}

static bool tv_destroy(void *priv)
{
	struct text_view *v = priv;
	bool ok = fflush(v->out) == 0 && !ferror(v->out);

	free(v);
	return ok;
}

const struct view_ops view_text_ops = {
	.create = tv_create, .begin = tv_begin, .record = tv_record,
	.end = tv_end, .destroy = tv_destroy,
};
