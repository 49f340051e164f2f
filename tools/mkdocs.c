/* Writes the parts of the docs that restate the tables: the record
 * catalogue, follower table and object types of ckpt-image(5), the rule
 * section of ckptcheck(1), and the word lists of the bash completions.
 *
 *   mkdocs SRCDIR           rewrite what differs, between the markers
 *   mkdocs --check SRCDIR   change nothing; exit 1 naming each stale file
 *
 * Each generated part sits between two comment lines of its file,
 *   BEGIN GENERATED NAME (tools/mkdocs.c: run make docs) ... END GENERATED NAME
 * and everything outside them is hand-written and left as it is. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/check.h"
#include "ckpt/schema.h"
#include "schema/table.h"

/* A growing string: the generated text. */
struct text {
	char *s;
	size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = (t->cap ? t->cap * 2 : 4096) + (size_t)n;
		char *s = realloc(t->s, cap);

		if (!s) {
			perror("mkdocs");
			exit(2);
		}
		t->s = s;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* Text as roff: a backslash is \e, "->" an arrow, a hyphen \-, and a line
 * may not open with a control character. */
static void put_roff(struct text *t, const char *s)
{
	if (*s == '.' || *s == '\'')
		put(t, "\\&");
	for (; *s; s++) {
		if (*s == '\\')
			put(t, "\\e");
		else if (*s == '-' && s[1] == '>')
			put(t, "\\(->"), s++;
		else if (*s == '-')
			put(t, "\\-");	/* options and minus signs copy as typed */
		else
			put(t, "%c", *s);
	}
}

/* Roff for a name in running text: hyphens are minus signs. */
static void put_name(struct text *t, const char *s)
{
	for (; *s; s++)
		put(t, *s == '-' ? "\\-" : "%c", *s);
}

/* --- ckpt-image(5) ------------------------------------------------------- */

static const char *objtype_name(const struct ckpt_schema *s, int objtype)
{
	const char *n = s->objtypes ? ckpt_names_lookup(s->objtypes, (uint64_t)objtype) : NULL;

	return n ? n : "?";
}

static void put_kind(struct text *t, const struct ckpt_schema *s, const struct ckpt_field *f)
{
	switch (f->kind) {
	case CKPT_K_UINT: put(t, "unsigned"); break;
	case CKPT_K_INT: put(t, "signed"); break;
	case CKPT_K_HEX: put(t, "hex"); break;
	case CKPT_K_OCTAL: put(t, "octal"); break;
	case CKPT_K_ENUM: put(t, "enum (%s)", f->names->what); break;
	case CKPT_K_SENUM: put(t, "signed enum (%s)", f->names->what); break;
	case CKPT_K_FLAGS: put(t, "flags (%s)", f->names->what); break;
	case CKPT_K_SIGSET: put(t, "signal set"); break;
	case CKPT_K_CHARS: put(t, f->no_nul ? "chars, no NUL" : "chars"); break;
	case CKPT_K_OBJREF:
		if (f->objtype)
			put(t, "objref \\(-> %s", objtype_name(s, f->objtype));
		else
			put(t, "objref");
		break;
	case CKPT_K_TIME: put(t, "time"); break;
	case CKPT_K_BYTES: put(t, "bytes"); break;
	case CKPT_K_PAD: put(t, "padding"); break;
	case CKPT_K_ARRAY:
		if (f->count)
			put(t, "array[%u]", f->count);
		else
			put(t, "array[%s]", f->count_field ? f->count_field : "n");
		if (f->names)
			put(t, ", %s(i%s)", f->names->what, f->index_base ? "+1" : "");
		break;
	}
}

/* Switches the table to a row format; tbl needs .T& before each change. */
static void row_format(struct text *t, const char **cur, const char *want)
{
	if (*cur && strcmp(*cur, want) == 0)
		return;
	put(t, ".T&\n%s\n", want);
	*cur = want;
}

/* A line across the table: a record's doc, or indented by `indent` ens, a
 * field's.  Ragged right: justified text in a narrow block reads badly. */
static void put_wide_row(struct text *t, const char **fmt, int indent, const char *s)
{
	row_format(t, fmt, "l s s s.");
	put(t, "T{\n.ad l\n.nh\n");
	if (indent)
		put(t, ".in +%dn\n", indent);
	put_roff(t, s);
	put(t, "\nT}\n");
}

static void put_fields(struct text *t, const char **fmt, const struct ckpt_schema *s,
		       const struct ckpt_field *fields, size_t n, bool element);

static void put_field(struct text *t, const char **fmt, const struct ckpt_schema *s,
		      const struct ckpt_field *f, bool element)
{
	row_format(t, fmt, "l r r l.");
	put(t, "%s%s|%s%u|", element ? "\\0\\0" : "", f->name, element ? "+" : "", f->offset);
	if (f->kind == CKPT_K_ARRAY) {
		if (f->count)
			put(t, "%u\\(mu%u|", f->count, f->stride);
		else
			put(t, "n\\(mu%u|", f->stride);
	} else {
		put(t, "%u|", f->width);
	}
	put_kind(t, s, f);
	put(t, "\n");
	if (f->doc && *f->doc)
		put_wide_row(t, fmt, element ? 6 : 4, f->doc);
	if (f->kind == CKPT_K_ARRAY)
		put_fields(t, fmt, s, f->elem, f->n_elem, true);
}

static void put_fields(struct text *t, const char **fmt, const struct ckpt_schema *s,
		       const struct ckpt_field *fields, size_t n, bool element)
{
	for (size_t i = 0; i < n; i++)
		put_field(t, fmt, s, &fields[i], element);
}

static const char *type_name(const struct ckpt_schema *s, uint32_t type)
{
	const struct ckpt_rtype *rt = ckpt_schema_type(s, type);

	return rt ? rt->name : "?";
}

/* What a follower's payload holds, in words. */
static void put_payload(struct text *t, const struct ckpt_follow *fw)
{
	switch (fw->layout.kind) {
	case CKPT_L_BYTES: break;
	case CKPT_L_STRING: put(t, ": text"); break;
	case CKPT_L_ERRMSG: put(t, ": a NUL byte, then the message text"); break;
	case CKPT_L_STRUCTS:
		put(t, ": entries of %u bytes, to the end of the record:", fw->layout.stride);
		break;
	case CKPT_L_PIDS: put(t, ": packed entries { u32 depth; s32 nr[depth + 1] }"); break;
	case CKPT_L_PAGES:
		put(t, ": N u64 page addresses, then N pages of 4096 bytes (N = %s)",
		    fw->count_field ? fw->count_field : "?");
		break;
	}
}

static void put_size_rule(struct text *t, const struct ckpt_rtype *rt)
{
	if (rt->size_rule == CKPT_SIZE_EXACT)
		put(t, "exactly %u bytes", rt->min_len);
	else if (rt->max_len == UINT32_MAX)
		put(t, "%u bytes or more", rt->min_len);
	else if (rt->max_len == CKPT_MAX_SMALL_RECORD)
		put(t, "%u bytes to 1 MiB", rt->min_len);
	else
		put(t, "%u to %u bytes", rt->min_len, rt->max_len);
}

static void put_rtype(struct text *t, const char **fmt, const struct ckpt_schema *s,
		      const struct ckpt_rtype *rt, bool preamble)
{
	row_format(t, fmt, "lB s s s.");
	if (preamble)
		put(t, "\\(em\\ \\ %s (not framed), ", rt->name);
	else
		put(t, "%u\\ \\ %s, ", rt->type, rt->name);
	put_size_rule(t, rt);
	put(t, "\n");
	if (rt->doc && *rt->doc)
		put_wide_row(t, fmt, 0, rt->doc);
	if (!preamble && rt->type == s->buffer_type)
		put_wide_row(t, fmt, 0, "layout given by the record it follows (see FOLLOWER RECORDS); "
			     "shown as bytes when it follows none");
	put_fields(t, fmt, s, rt->fields, rt->n_fields, false);
	for (size_t i = 0; i < rt->n_follows; i++) {
		const struct ckpt_follow *fw = &rt->follows[i];

		row_format(t, fmt, "l s s s.");
		put(t, "T{\n\\(-> followed by %s \\fI%s\\fP", type_name(s, fw->type), fw->role);
		if (fw->if_nonzero)
			put(t, " (only when %s is not 0)", fw->if_nonzero);
		put_payload(t, fw);
		put(t, "\nT}\n");
		if (fw->layout.kind == CKPT_L_STRUCTS)
			put_fields(t, fmt, s, fw->layout.elem, fw->layout.n_elem, true);
	}
}

static void gen_catalogue(struct text *t)
{
	size_t n;
	const struct ckpt_schema *const *all = ckpt_schemas(&n);

	for (size_t k = 0; k < n; k++) {
		const struct ckpt_schema *s = all[k];
		const char *fmt = "lB2 rB2 rB2 lB.";

		put(t, ".SS ");
		put_name(t, s->id);
		put(t, " \\(em ");
		put_name(t, s->title);
		put(t, "\n");
		put(t, ".TS\ntab(|);\n%s\nField|@|Width|Kind\n", fmt);
		if (s->preamble) {
			put(t, "_\n");
			put_rtype(t, &fmt, s, s->preamble, true);
		}
		for (size_t i = 0; i < s->n_types; i++) {
			put(t, "_\n");
			put_rtype(t, &fmt, s, &s->types[i], false);
		}
		put(t, ".TE\n");
	}
}

/* The roff name of a layout in the follower table. */
static const char *payload_words(const struct ckpt_follow *fw)
{
	switch (fw->layout.kind) {
	case CKPT_L_BYTES: return "its own record";
	case CKPT_L_STRING: return "text";
	case CKPT_L_ERRMSG: return "NUL, then message";
	case CKPT_L_STRUCTS: return NULL;
	case CKPT_L_PIDS: return "packed pid lists";
	case CKPT_L_PAGES: return "N addresses, N pages";
	}
	return "?";
}

static void gen_followers(struct text *t)
{
	size_t n;
	const struct ckpt_schema *const *all = ckpt_schemas(&n);

	put(t, ".TS\ntab(|);\nlB2 lB2 lB2 lB2 lB.\nParent|Follower|Role|Payload|When\n");
	for (size_t k = 0; k < n; k++) {
		const struct ckpt_schema *s = all[k];
		bool any = false;

		for (size_t i = 0; i < s->n_types; i++)
			any |= s->types[i].n_follows > 0;
		if (!any)
			continue;
		put(t, "_\n.T&\nlI s s s s.\n%s\n.T&\nl l l l l.\n", s->id);
		for (size_t i = 0; i < s->n_types; i++) {
			const struct ckpt_rtype *rt = &s->types[i];

			for (size_t j = 0; j < rt->n_follows; j++) {
				const struct ckpt_follow *fw = &rt->follows[j];
				const char *words = payload_words(fw);

				put(t, "%s|%s|%s|", j == 0 ? rt->name : "", type_name(s, fw->type), fw->role);
				if (words)
					put(t, "%s|", words);
				else
					put(t, "%u-byte entries|", fw->layout.stride);
				if (fw->if_nonzero)
					put(t, "%s \\(!= 0\n", fw->if_nonzero);
				else
					put(t, "always\n");
			}
		}
	}
	put(t, ".TE\n");
}

static void gen_objtypes(struct text *t)
{
	const struct ckpt_schema *s = ckpt_schema_for(CKPT_DIALECT_REV6);
	const struct ckpt_names *nm = s->objtypes;

	for (size_t i = 0; i < nm->count; i++)
		put(t, "%" PRIu64 "\\ %s%s\n", nm->names[i].value, nm->names[i].name,
		    i + 1 < nm->count ? "," : ".");
}

/* --- ckptcheck(1) -------------------------------------------------------- */

/* The dialects as the rule section names them. */
static const char *dialect_short(enum ckpt_dialect d)
{
	switch (d) {
	case CKPT_DIALECT_V17: return "v17";
	case CKPT_DIALECT_REV6: return "rev 6";
	case CKPT_DIALECT_LINUXCR: return "LinuxC/R";
	case CKPT_DIALECT_NONE: break;
	}
	return "?";
}

/* The rules of one family, for its block of the rule section. */
static void gen_rules(struct text *t, const char *family)
{
	size_t n, ns;
	const struct ckpt_rule *const *rules = ckpt_check_rules(&n);
	const struct ckpt_schema *const *all = ckpt_schemas(&ns);

	for (size_t i = 0; i < n; i++) {
		const struct ckpt_rule *r = rules[i];
		bool first = true;

		if (strcmp(r->family, family) != 0)
			continue;
		put(t, ".TP\n.B ");
		put_name(t, r->id);
		put(t, "\n(%s;", ckpt_severity_name(r->severity));
		for (size_t k = 0; k < ns; k++) {
			if (!(r->dialects & CKPT_DIALECT_BIT(all[k]->dialect)))
				continue;
			put(t, "%s %s", first ? "" : ",", dialect_short(all[k]->dialect));
			first = false;
		}
		put(t, ")\n.br\n");
		put_roff(t, r->doc);
		put(t, "\n");
	}
}

/* --- completions --------------------------------------------------------- */

/* Words wrapped as the body of a bash array, 8 spaces in, lines under 80. */
static void put_words(struct text *t, const char *const *w, size_t n)
{
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(w[i]);

		if (col && col + 1 + len > 78) {
			put(t, "\n");
			col = 0;
		}
		if (!col) {
			put(t, "        %s", w[i]);
			col = 8 + len;
		} else {
			put(t, " %s", w[i]);
			col += 1 + len;
		}
	}
	if (col)
		put(t, "\n");
}

static void gen_type_names(struct text *t)
{
	size_t n, count = 0;
	const struct ckpt_schema *const *all = ckpt_schemas(&n);
	const char **w = NULL;

	/* Every dialect's names once, in table order (as --list-types). */
	for (size_t k = 0; k < n; k++) {
		const struct ckpt_schema *s = all[k];

		for (size_t i = 0; i <= s->n_types; i++) {
			const struct ckpt_rtype *rt = i == 0 ? s->preamble : &s->types[i - 1];
			bool seen = false;

			if (!rt)
				continue;
			for (size_t j = 0; j < count && !seen; j++)
				seen = strcmp(w[j], rt->name) == 0;
			if (seen)
				continue;
			const char **more = realloc(w, (count + 1) * sizeof(*w));

			if (!more) {
				perror("mkdocs");
				exit(2);
			}
			w = more;
			w[count++] = rt->name;
		}
	}
	put_words(t, w, count);
	free(w);
}

static void gen_rule_ids(struct text *t)
{
	size_t n;
	const struct ckpt_rule *const *rules = ckpt_check_rules(&n);
	const char **w = calloc(n ? n : 1, sizeof(*w));

	if (!w) {
		perror("mkdocs");
		exit(2);
	}
	for (size_t i = 0; i < n; i++)
		w[i] = rules[i]->id;
	put_words(t, w, n);
	free(w);
}

/* --- markers ------------------------------------------------------------- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct text t = { 0 };
	char buf[8192];
	size_t r;

	if (!f) {
		fprintf(stderr, "mkdocs: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	put(&t, "%s", "");
	while ((r = fread(buf, 1, sizeof(buf), f)) > 0)
		put(&t, "%.*s", (int)r, buf);
	fclose(f);
	return t.s;
}

/* Replaces what lies between the marker lines of block `name` with gen's
 * text; false (and a message) when the markers are missing. */
static bool splice(const char *path, char **doc, const char *name, const struct text *gen)
{
	char begin[128], end[128];
	char *b, *e, *body, *out;
	size_t head, tail_len;

	snprintf(begin, sizeof(begin), "BEGIN GENERATED %s ", name);
	snprintf(end, sizeof(end), "END GENERATED %s\n", name);
	b = strstr(*doc, begin);
	e = b ? strstr(b, end) : NULL;
	if (!b || !e) {
		fprintf(stderr, "mkdocs: %s: no \"BEGIN GENERATED %s\" ... \"END GENERATED %s\" lines\n",
			path, name, name);
		return false;
	}
	body = strchr(b, '\n');
	if (!body || body > e)
		return false;
	body++;
	/* The end marker's line starts at the previous newline. */
	while (e > body && e[-1] != '\n')
		e--;
	head = (size_t)(body - *doc);
	tail_len = strlen(e);
	out = malloc(head + gen->len + tail_len + 1);
	if (!out) {
		perror("mkdocs");
		exit(2);
	}
	memcpy(out, *doc, head);
	memcpy(out + head, gen->s ? gen->s : "", gen->len);
	memcpy(out + head + gen->len, e, tail_len + 1);
	free(*doc);
	*doc = out;
	return true;
}

/* Writes path when its text changed (or, checking, says it is stale). */
static int finish(const char *path, const char *old, const char *doc, bool check)
{
	FILE *f;

	if (strcmp(old, doc) == 0)
		return 0;
	if (check) {
		fprintf(stderr, "mkdocs: %s differs from the tables: run `make docs` and commit it\n", path);
		return 1;
	}
	f = fopen(path, "wb");
	if (!f || fputs(doc, f) == EOF || fclose(f) != 0) {
		fprintf(stderr, "mkdocs: cannot write %s: %s\n", path, strerror(errno));
		return 2;
	}
	printf("mkdocs: wrote %s\n", path);
	return 0;
}

typedef void (*gen_fn)(struct text *t);

struct block {
	const char *name;
	gen_fn gen;
};

static int do_file(const char *dir, const char *file, const struct block *blocks, size_t n,
		   bool rule_families, bool check)
{
	char path[4096];
	char *doc, *old;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	doc = slurp(path);
	old = strdup(doc);
	if (!old) {
		perror("mkdocs");
		exit(2);
	}
	for (size_t i = 0; i < n; i++) {
		struct text t = { 0 };

		blocks[i].gen(&t);
		if (!splice(path, &doc, blocks[i].name, &t))
			exit(2);
		free(t.s);
	}
	/* One block per rule family: a new family needs its heading and
	 * markers in the page before it can be documented. */
	if (rule_families) {
		size_t nr;
		const struct ckpt_rule *const *rules = ckpt_check_rules(&nr);

		for (size_t i = 0; i < nr; i++) {
			char name[96];
			struct text t = { 0 };

			bool seen = false;

			for (size_t k = 0; k < i && !seen; k++)
				seen = strcmp(rules[k]->family, rules[i]->family) == 0;
			if (seen)
				continue;
			snprintf(name, sizeof(name), "rules-%s", rules[i]->family);
			gen_rules(&t, rules[i]->family);
			if (!splice(path, &doc, name, &t))
				exit(2);
			free(t.s);
		}
	}
	rc = finish(path, old, doc, check);
	free(old);
	free(doc);
	return rc;
}

int main(int argc, char **argv)
{
	bool check = false;
	const char *dir;
	int rc = 0, r;
	static const struct block image[] = {
		{ "objtypes", gen_objtypes },
		{ "followers", gen_followers },
		{ "catalogue", gen_catalogue },
	};
	static const struct block types[] = { { "type-names", gen_type_names } };
	static const struct block rules[] = { { "rule-ids", gen_rule_ids } };

	if (argc == 3 && strcmp(argv[1], "--check") == 0) {
		check = true;
		dir = argv[2];
	} else if (argc == 2 && argv[1][0] != '-') {
		dir = argv[1];
	} else {
		fprintf(stderr, "usage: mkdocs [--check] SRCDIR\n");
		return 2;
	}
	r = do_file(dir, "man/ckpt-image.5", image, CKPT_ARRAY_LEN(image), false, check);
	rc = r > rc ? r : rc;
	r = do_file(dir, "man/ckptcheck.1", NULL, 0, true, check);
	rc = r > rc ? r : rc;
	r = do_file(dir, "completion/ckptdump", types, CKPT_ARRAY_LEN(types), false, check);
	rc = r > rc ? r : rc;
	r = do_file(dir, "completion/ckptcheck", rules, CKPT_ARRAY_LEN(rules), false, check);
	rc = r > rc ? r : rc;
	return rc;
}
