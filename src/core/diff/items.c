/* Difference items handed to the caller: keys, the --ignore / --only
 * filters, and the few shapes of item every comparison reports. */
#include <ctype.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

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

/* Types that are no record type: pages of a VMA, tree entries, the image
 * as a whole; and the field-less keys every type has. */
static const char *const extra_types[] = { "pages", "tree", "image" };
static const char *const extra_fields[] = { "sharing", "payload" };

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* An object type's name (a sharing item's type) stands for no record. */
static const struct ckpt_rtype objtype_marker = { .name = "" };

/* Calls fn with each name a type can have, duplicates included: the
 * extras (rt NULL), every record type, every object type (objtype_marker). */
static void each_type(void (*fn)(void *arg, const char *name, const struct ckpt_rtype *rt), void *arg)
{
	size_t n;
	const struct ckpt_schema *const *all = ckpt_schemas(&n);
	char low[40];

	for (size_t k = 0; k < CKPT_ARRAY_LEN(extra_types); k++)
		fn(arg, extra_types[k], NULL);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k <= all[i]->n_types; k++) {
			const struct ckpt_rtype *rt = k < all[i]->n_types ? &all[i]->types[k] : all[i]->preamble;

			if (!rt)
				continue;
			lower_name(rt->name, low, sizeof(low));
			fn(arg, low, rt);
		}
		/* An object reached through the second of two references of
		 * one type is named by its field (ecred_ref: "ecred"). */
		for (size_t k = 0; k < all[i]->n_types; k++)
			for (size_t f = 0; f < all[i]->types[k].n_fields; f++) {
				const struct ckpt_field *fl = &all[i]->types[k].fields[f];
				static const char *const suffixes[] = { "_objref", "_ref", "ref" };

				if (fl->kind != CKPT_K_OBJREF)
					continue;
				lower_name(fl->name, low, sizeof(low));
				for (size_t x = 0; x < CKPT_ARRAY_LEN(suffixes); x++) {
					size_t l = strlen(low), sl = strlen(suffixes[x]);

					if (l > sl && strcmp(low + l - sl, suffixes[x]) == 0) {
						low[l - sl] = '\0';
						break;
					}
				}
				fn(arg, low, &objtype_marker);
			}
		for (size_t k = 0; all[i]->objtypes && k < all[i]->objtypes->count; k++) {
			lower_name(all[i]->objtypes->names[k].name, low, sizeof(low));
			fn(arg, low, &objtype_marker);
		}
	}
}

struct unique {
	void (*fn)(void *arg, const char *name);
	void *arg;
	char seen[512][40];
	size_t n_seen;
};

static void unique_type(void *arg, const char *name, const struct ckpt_rtype *rt)
{
	struct unique *u = arg;

	(void)rt;
	for (size_t j = 0; j < u->n_seen; j++)
		if (strcmp(u->seen[j], name) == 0)
			return;
	if (u->n_seen < CKPT_ARRAY_LEN(u->seen))
		snprintf(u->seen[u->n_seen++], sizeof(u->seen[0]), "%s", name);
	u->fn(u->arg, name);
}

void ckpt_diff_type_names(void (*fn)(void *arg, const char *name), void *arg)
{
	struct unique *u = calloc(1, sizeof(*u));

	if (!u)
		return;
	u->fn = fn;
	u->arg = arg;
	each_type(unique_type, u);
	free(u);
}

/* Whether field (no globs) is something a key of record type rt can end
 * in: a field (or an array's element field), a follower's role. */
static bool rtype_has(const struct ckpt_rtype *rt, const char *field)
{
	size_t len = strcspn(field, ".[");

	for (size_t i = 0; i < rt->n_fields; i++)
		if (strlen(rt->fields[i].name) == len && strncmp(rt->fields[i].name, field, len) == 0)
			return true;
	for (size_t i = 0; i < rt->n_follows; i++)
		if (rt->follows[i].role && strcmp(rt->follows[i].role, field) == 0)
			return true;
	return false;
}

struct pattern_check {
	const char *type, *field;
	bool type_ok, field_ok;
};

/* A record that follows another one is keyed by its role in it
 * ("buffer.saved_auxv"): any type's follower role may end a key. */
static bool any_role(const char *field)
{
	size_t n, len = strcspn(field, ".[");
	const struct ckpt_schema *const *all = ckpt_schemas(&n);

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < all[i]->n_types; k++)
			for (size_t f = 0; f < all[i]->types[k].n_follows; f++) {
				const char *role = all[i]->types[k].follows[f].role;

				if (role && strlen(role) == len && strncmp(role, field, len) == 0)
					return true;
			}
	return false;
}

static void check_type(void *arg, const char *name, const struct ckpt_rtype *rt)
{
	struct pattern_check *c = arg;

	if (fnmatch(c->type, name, 0) != 0)
		return;
	c->type_ok = true;
	/* Extras and object types: their keys are not table fields. */
	if (!rt || (c->field && rtype_has(rt, c->field)))
		c->field_ok = true;
}

int ckpt_diff_pattern_check(const char *pattern, bool is_key)
{
	const char *dot = is_key ? strchr(pattern, '.') : NULL;
	char type[64];
	struct pattern_check c = { .type = type, .field = dot ? dot + 1 : NULL };

	snprintf(type, sizeof(type), "%.*s", (int)(dot ? (size_t)(dot - pattern) : strlen(pattern)), pattern);
	c.field_ok = !c.field || has_glob(c.field);
	for (size_t k = 0; c.field && k < CKPT_ARRAY_LEN(extra_fields); k++)
		if (strcmp(c.field, extra_fields[k]) == 0)
			c.field_ok = true;
	if (c.field && !c.field_ok && any_role(c.field))
		c.field_ok = true;
	each_type(check_type, &c);
	return !c.type_ok ? -1 : !c.field_ok ? -2 : 0;
}
