/* Difference items handed to the caller: keys, the --ignore / --only
 * filters, and the few shapes of item every comparison reports. */
#include <ctype.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diff/diff_impl.h"

void diff_fail_at(struct diff *d, const struct side *s, uint64_t record, uint64_t offset, const char *type,
		  const char *fmt, ...)
{
	va_list ap;

	if (d->failed)
		return;	/* the first error is the one reported */
	memset(d->err, 0, sizeof(*d->err));
	d->err->kind = CKPT_ERR_MALFORMED;
	d->err->index = record;
	d->err->offset = offset;
	snprintf(d->err->record, sizeof(d->err->record), "%s", type ? type : "");
	va_start(ap, fmt);
	vsnprintf(d->err->reason, sizeof(d->err->reason), fmt, ap);
	va_end(ap);
	d->sum->error_image = s == &d->a ? 'A' : 'B';
	d->failed = -1;
}

void lower_name(const char *name, char *out, size_t size)
{
	size_t i = 0;

	for (; name[i] && i + 1 < size; i++)
		out[i] = (char)tolower((unsigned char)name[i]);
	out[i] = '\0';
}

static const char *const default_ignores[] = {
	/* when and how long the producer held the tree stopped: they differ on
	 * every run and say nothing about the tree */
	"ext_producer.time_ns",
	"ext_producer.frozen_ns",
};

const char *const *ckpt_diff_default_ignores(size_t *n)
{
	*n = CKPT_ARRAY_LEN(default_ignores);
	return default_ignores;
}

static bool pattern_drops(const char *pat, const char *type, const char *key)
{
	if (fnmatch(pat, key, 0) == 0)
		return true;
	/* "cpu" alone: every field of the type */
	return !strchr(pat, '.') && fnmatch(pat, type, 0) == 0;
}

bool ckpt_diff_filtered(const struct ckpt_diff_options *opt, const char *type, const char *key)
{
	if (!opt->no_default_ignores)
		for (size_t i = 0; i < CKPT_ARRAY_LEN(default_ignores); i++)
			if (pattern_drops(default_ignores[i], type, key))
				return true;
	for (size_t i = 0; i < opt->n_ignore; i++)
		if (pattern_drops(opt->ignore[i], type, key))
			return true;
	if (!opt->n_only)
		return false;
	for (size_t i = 0; i < opt->n_only; i++)
		if (fnmatch(opt->only[i], type, 0) == 0)
			return false;
	return true;
}

void emit(struct diff *d, struct ckpt_diff_item *it)
{
	if (ckpt_diff_filtered(d->opt, it->type, it->key))
		return;
	/* Tree matching pairs the roots by place: the producer's root pid
	 * names the same task on both sides, whatever its number. */
	if (d->opt->match == CKPT_DIFF_MATCH_TREE && strcmp(it->key, "ext_producer.root_pid") == 0)
		return;
	if (!it->a.text)
		it->a.text = "";
	if (!it->b.text)
		it->b.text = "";
	d->sum->differences++;
	d->cb(d->arg, it);
}

void emit_text_change(struct diff *d, const char *object, const char *type, const char *field,
		      const char *a, const char *b)
{
	char key[160];

	snprintf(key, sizeof(key), "%s.%s", type, field);
	struct ckpt_diff_item it = {
		.kind = CKPT_DIFF_CHANGED, .object = object, .type = type, .key = key,
		.field = field, .a.text = a, .b.text = b,
	};
	emit(d, &it);
}

void emit_presence(struct diff *d, enum ckpt_diff_kind kind, const char *object, const char *type)
{
	struct ckpt_diff_item it = { .kind = kind, .object = object, .type = type, .key = type };

	emit(d, &it);
}
