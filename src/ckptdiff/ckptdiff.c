/* ckptdiff: what differs between two checkpoint images, object by object.
 * Exit 0 same, 1 different, 2 trouble, as diff(1). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "ckpt/diff.h"
#include "ckpt/format.h"
#include "ckpt/image.h"
#include "ckpt/model.h"
#include "ckpt/view.h"

#include "common/program.h"

/* The version of the --json document shape (documented in ckptdiff(1)). */
#define DIFF_JSON_VERSION 1

/* Two images open at once: a smaller map window each keeps memory low. */
#define DIFF_WINDOW	(8u << 20)

enum output { OUT_TEXT, OUT_JSON, OUT_STAT, OUT_QUIET };

struct stat_row {
	char type[48];
	uint64_t changed, added, removed;
};

struct run {
	enum output output;
	bool color;
	bool page_bytes;
	const char *name_a, *name_b;	/* escaped, for output */
	const char *title_a, *title_b;
	bool started;
	char last_object[2048];
	json_t *items;
	struct stat_row *rows;
	size_t n_rows, cap_rows;
	uint64_t pages_changed, pages_added, pages_removed, page_vmas;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ckptdiff [OPTION]... IMAGE-A IMAGE-B\n"
		"Compare two Linux checkpoint images object by object: header, tasks, credentials,\n"
		"namespaces, files, address spaces, VMAs and page contents.  One image may be -\n"
		"for standard input.\n"
		"\n"
		"  -m, --match-by HOW       pair tasks by pid (default) or by place in the\n"
		"                           process tree (tree)\n"
		"  -i, --ignore KEY[,KEY]   drop differences of these keys (globs: header.time,\n"
		"                           cpu.*; a bare type such as cpu drops all of it)\n"
		"  -o, --only TYPE[,TYPE]   report only these types (task, cred, uts_ns, vma,\n"
		"                           pages, header, ...)\n"
		"  -p, --pages              show the first differing bytes of changed pages\n"
		"  -s, --stat               print a summary table instead of each difference\n"
		"  -j, --json               print a JSON document (shape in ckptdiff(1))\n"
		"  -q, --quiet              print nothing; the exit status says it all\n"
		"      --color[=WHEN]       colour: auto (default; a terminal, unless NO_COLOR\n"
		"                           is set), always or never\n"
		"      --trust-digests      take page runs with equal EXT_DIGEST digests as\n"
		"                           equal without reading them (verify the images\n"
		"                           with ckptcheck first)\n"
		"      --all                also report what is ignored by default\n"
		"                           (ext_producer.time_ns, ext_producer.frozen_ns)\n"
		"  -h, --help               show this help and exit\n"
		"  -V, --version            show the version and exit\n"
		"\n"
		"Exit status: 0 if the images are the same (after --ignore and --only), 1 if\n"
		"they differ, 2 if an image cannot be read, holds something that cannot be\n"
		"compared (a reference to nothing, pages outside their VMA...), or on bad\n"
		"usage.\n");
}

/* -- output --------------------------------------------------------------- */

#define C_RED	"\033[31m"
#define C_GREEN	"\033[32m"
#define C_BOLD	"\033[1m"
#define C_CYAN	"\033[36m"
#define C_OFF	"\033[0m"

static const char *col(const struct run *r, const char *c)
{
	return r->color ? c : "";
}

static void start_text(struct run *r)
{
	if (r->started)
		return;
	r->started = true;
	printf("%s--- %s (%s)%s\n", col(r, C_RED), r->name_a, r->title_a, col(r, C_OFF));
	printf("%s+++ %s (%s)%s\n", col(r, C_GREEN), r->name_b, r->title_b, col(r, C_OFF));
}

static void object_line(struct run *r, const char *object)
{
	if (strcmp(r->last_object, object) == 0)
		return;
	snprintf(r->last_object, sizeof(r->last_object), "%s", object);
	printf("%s%s%s\n", col(r, C_BOLD), object, col(r, C_OFF));
}

static const char *range_kind(enum ckpt_diff_range_kind k)
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
static void flag_change(struct run *r, const struct ckpt_diff_item *it)
{
	if (!is_flags(it->a.field) || !is_flags(it->b.field) || it->a.field->kind != it->b.field->kind)
		return;
	uint64_t va = ckpt_field_u64(it->a.field, it->a.base), vb = ckpt_field_u64(it->b.field, it->b.base);
	bool sig = it->a.field->kind == CKPT_K_SIGSET;
	char set[1024], cleared[1024];

	ckpt_format_flags(it->a.field->names, vb & ~va, sig, set, sizeof(set));
	ckpt_format_flags(it->a.field->names, va & ~vb, sig, cleared, sizeof(cleared));
	printf("    ");
	if (vb & ~va)
		printf("%sset %s%s", col(r, C_GREEN), set, col(r, C_OFF));
	if ((vb & ~va) && (va & ~vb))
		printf("; ");
	if (va & ~vb)
		printf("%scleared %s%s", col(r, C_RED), cleared, col(r, C_OFF));
	putchar('\n');
}

static void text_item(struct run *r, const struct ckpt_diff_item *it)
{
	start_text(r);
	switch (it->kind) {
	case CKPT_DIFF_ADDED:
		r->last_object[0] = '\0';
		printf("%s+ %s%s\n", col(r, C_GREEN), it->object, col(r, C_OFF));
		return;
	case CKPT_DIFF_REMOVED:
		r->last_object[0] = '\0';
		printf("%s- %s%s\n", col(r, C_RED), it->object, col(r, C_OFF));
		return;
	case CKPT_DIFF_CHANGED:
	case CKPT_DIFF_SHARING:
		object_line(r, it->object);
		printf("  %s.%s: %s%s%s -> %s%s%s\n", it->type, it->field, col(r, C_RED), it->a.text,
		       col(r, C_OFF), col(r, C_GREEN), it->b.text, col(r, C_OFF));
		flag_change(r, it);
		if (it->blocks_restore)
			printf("    %snote: blocks a restore on the other kernel (restart checks it)%s\n",
			       col(r, C_CYAN), col(r, C_OFF));
		return;
	case CKPT_DIFF_PAGES:
		object_line(r, it->object);
		printf("  pages: %" PRIu64 " changed, %" PRIu64 " added, %" PRIu64 " removed\n",
		       it->changed, it->added, it->removed);
		for (size_t i = 0; i < it->n_ranges; i++) {
			const struct ckpt_diff_range *g = &it->ranges[i];
			const char *c = g->kind == CKPT_RANGE_ADDED ? C_GREEN : g->kind == CKPT_RANGE_REMOVED ? C_RED : "";

			printf("    %s%-7s 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64 " page%s)%s\n", col(r, c),
			       range_kind(g->kind), g->start, g->start + g->pages * 4096, g->pages,
			       g->pages == 1 ? "" : "s", *c ? col(r, C_OFF) : "");
			if (g->has_bytes) {
				char ha[64], hb[64];

				hex16(g->a_bytes, ha);
				hex16(g->b_bytes, hb);
				printf("      first difference at 0x%" PRIx64 "\n", g->first_diff);
				printf("      %s- %016" PRIx64 "  %s%s\n", col(r, C_RED), g->bytes_at, ha, col(r, C_OFF));
				printf("      %s+ %016" PRIx64 "  %s%s\n", col(r, C_GREEN), g->bytes_at, hb, col(r, C_OFF));
			}
		}
		return;
	}
}

static const char *kind_name(enum ckpt_diff_kind k)
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

static json_t *json_item(const struct ckpt_diff_item *it)
{
	json_t *j = json_object();

	json_object_set_new(j, "object", json_string(it->object));
	json_object_set_new(j, "type", json_string(it->type));
	json_object_set_new(j, "key", json_string(it->key));
	json_object_set_new(j, "change", json_string(kind_name(it->kind)));
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

			json_object_set_new(o, "change", json_string(range_kind(g->kind)));
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

static void count(struct run *r, const struct ckpt_diff_item *it)
{
	size_t i = 0;

	if (it->kind == CKPT_DIFF_PAGES) {
		r->pages_changed += it->changed;
		r->pages_added += it->added;
		r->pages_removed += it->removed;
		r->page_vmas++;
	}
	while (i < r->n_rows && strcmp(r->rows[i].type, it->type) != 0)
		i++;
	if (i == r->n_rows) {
		if (r->n_rows == r->cap_rows) {
			size_t ncap = r->cap_rows ? r->cap_rows * 2 : 16;
			struct stat_row *p = realloc(r->rows, ncap * sizeof(*p));

			if (!p)
				return;
			r->rows = p;
			r->cap_rows = ncap;
		}
		memset(&r->rows[i], 0, sizeof(r->rows[i]));
		snprintf(r->rows[i].type, sizeof(r->rows[i].type), "%s", it->type);
		r->n_rows++;
	}
	if (it->kind == CKPT_DIFF_ADDED)
		r->rows[i].added++;
	else if (it->kind == CKPT_DIFF_REMOVED)
		r->rows[i].removed++;
	else
		r->rows[i].changed++;
}

static void on_item(void *arg, const struct ckpt_diff_item *it)
{
	struct run *r = arg;

	count(r, it);
	if (r->output == OUT_TEXT)
		text_item(r, it);
	else if (r->output == OUT_JSON)
		json_array_append_new(r->items, json_item(it));
}

static void print_stat(struct run *r, const struct ckpt_diff_summary *s)
{
	if (!s->differences)
		return;
	start_text(r);
	printf("%-16s %8s %8s %8s\n", "type", "changed", "added", "removed");
	for (size_t i = 0; i < r->n_rows; i++)
		printf("%-16s %8" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n", r->rows[i].type,
		       r->rows[i].changed, r->rows[i].added, r->rows[i].removed);
	if (r->page_vmas)
		printf("pages: %" PRIu64 " changed, %" PRIu64 " added, %" PRIu64 " removed in %" PRIu64
		       " VMA%s\n", r->pages_changed, r->pages_added, r->pages_removed, r->page_vmas,
		       r->page_vmas == 1 ? "" : "s");
	printf("%" PRIu64 " difference%s\n", s->differences, s->differences == 1 ? "" : "s");
}

static json_t *stat_json(const struct run *r, const struct ckpt_diff_summary *s)
{
	json_t *by = json_object();

	for (size_t i = 0; i < r->n_rows; i++)
		json_object_set_new(by, r->rows[i].type,
				    json_pack("{s:I, s:I, s:I}", "changed", (json_int_t)r->rows[i].changed,
					      "added", (json_int_t)r->rows[i].added,
					      "removed", (json_int_t)r->rows[i].removed));
	return json_pack("{s:I, s:o, s:{s:I, s:I, s:I}, s:I, s:I}",
			 "differences", (json_int_t)s->differences,
			 "by_type", by,
			 "pages", "changed", (json_int_t)r->pages_changed,
			 "added", (json_int_t)r->pages_added, "removed", (json_int_t)r->pages_removed,
			 "pages_compared", (json_int_t)s->pages_compared,
			 "pages_by_digest", (json_int_t)s->pages_by_digest);
}

/* -- input ---------------------------------------------------------------- */

/* Comparing reads pages at random, which a pipe cannot do: standard input
 * is spooled to a temporary file first (program_spool_stdin). */
struct input {
	char shown[1024];
	struct ckpt_image *img;
	struct ckpt_model *m;
};

static bool open_input(const char *path, struct input *in, enum output output)
{
	struct ckpt_error err;
	char msg[512];

	program_shown_name(path, in->shown, sizeof(in->shown));
	if (strcmp(path, "-") == 0) {
		int fd = program_spool_stdin();

		if (fd < 0) {
			if (output != OUT_QUIET)
				fprintf(stderr, "ckptdiff: (stdin): cannot copy to a temporary file: %s\n",
					strerror(errno));
			return false;
		}
		in->img = ckpt_image_open_fd(fd, &err);
	} else {
		in->img = ckpt_image_open(path, &err);
	}
	if (!in->img) {
		ckpt_error_format(&err, msg, sizeof(msg));
		if (output != OUT_QUIET)
			fprintf(stderr, "ckptdiff: %s: %s\n", in->shown, msg);
		return false;
	}
	in->m = ckpt_model_build(in->img);
	if (!in->m) {
		if (output != OUT_QUIET)
			fprintf(stderr, "ckptdiff: %s: out of memory\n", in->shown);
		return false;
	}
	if (in->m->failed) {
		ckpt_error_format(&in->m->err, msg, sizeof(msg));
		if (output != OUT_QUIET)
			fprintf(stderr, "ckptdiff: %s: %s\n", in->shown, msg);
		return false;
	}
	ckpt_image_set_window(in->img, DIFF_WINDOW);
	return true;
}

static void close_input(struct input *in)
{
	ckpt_model_free(in->m);
	if (in->img)
		ckpt_image_close(in->img);
}

/* Splits a comma-separated list in place onto *list. */
static bool add_list(char *s, const char ***list, size_t *n)
{
	for (char *save = NULL, *w = strtok_r(s, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		const char **p = realloc(*list, (*n + 1) * sizeof(*p));

		if (!p)
			return false;
		*list = p;
		(*list)[(*n)++] = w;
	}
	return true;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "match-by", required_argument, NULL, 'm' },
		{ "ignore", required_argument, NULL, 'i' },
		{ "only", required_argument, NULL, 'o' },
		{ "pages", no_argument, NULL, 'p' },
		{ "stat", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "color", optional_argument, NULL, 'C' },
		{ "colour", optional_argument, NULL, 'C' },
		{ "all", no_argument, NULL, 'A' },
		{ "trust-digests", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ckpt_diff_options opt = { .match = CKPT_DIFF_MATCH_PID };
	const char **ignore = NULL, **only = NULL;
	size_t n_ignore = 0, n_only = 0;
	enum output output = OUT_TEXT;
	const char *color = "auto";
	bool json = false, stat = false;
	int c;

	while ((c = getopt_long(argc, argv, "m:i:o:psjqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (strcmp(optarg, "pid") == 0)
				opt.match = CKPT_DIFF_MATCH_PID;
			else if (strcmp(optarg, "tree") == 0)
				opt.match = CKPT_DIFF_MATCH_TREE;
			else {
				fprintf(stderr, "ckptdiff: --match-by takes pid or tree\n");
				return PROGRAM_EXIT_TROUBLE;
			}
			break;
		case 'i':
			if (!add_list(optarg, &ignore, &n_ignore))
				return PROGRAM_EXIT_TROUBLE;
			break;
		case 'o':
			if (!add_list(optarg, &only, &n_only))
				return PROGRAM_EXIT_TROUBLE;
			break;
		case 'p': opt.page_bytes = true; break;
		case 's': stat = true; break;
		case 'j': json = true; break;
		case 'q': output = OUT_QUIET; break;
		case 'A': opt.no_default_ignores = true; break;
		case 'T': opt.trust_digests = true; break;
		case 'C':
			color = optarg ? optarg : "always";
			if (strcmp(color, "auto") && strcmp(color, "always") && strcmp(color, "never")) {
				fprintf(stderr, "ckptdiff: --color takes auto, always or never\n");
				return PROGRAM_EXIT_TROUBLE;
			}
			break;
		case 'h': usage(stdout); return PROGRAM_EXIT_OK;
		case 'V': program_print_version(stdout, "ckptdiff"); return PROGRAM_EXIT_OK;
		default: usage(stderr); return PROGRAM_EXIT_TROUBLE;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "ckptdiff: two images expected\n");
		usage(stderr);
		return PROGRAM_EXIT_TROUBLE;
	}
	if (strcmp(argv[optind], "-") == 0 && strcmp(argv[optind + 1], "-") == 0) {
		fprintf(stderr, "ckptdiff: only one image can come from standard input\n");
		return PROGRAM_EXIT_TROUBLE;
	}
	if (output != OUT_QUIET)
		output = json ? OUT_JSON : stat ? OUT_STAT : OUT_TEXT;
	opt.ignore = ignore;
	opt.n_ignore = n_ignore;
	opt.only = only;
	opt.n_only = n_only;

	struct input a = { 0 }, b = { 0 };
	struct run run = { .output = output, .page_bytes = opt.page_bytes };
	struct ckpt_diff_summary sum;
	struct ckpt_error err;
	int status = PROGRAM_EXIT_TROUBLE;
	const char *nc = getenv("NO_COLOR");

	run.color = strcmp(color, "always") == 0 ||
		    (strcmp(color, "auto") == 0 && isatty(STDOUT_FILENO) && !(nc && *nc));
	if (!open_input(argv[optind], &a, output) || !open_input(argv[optind + 1], &b, output))
		goto out;
	run.name_a = a.shown;
	run.name_b = b.shown;
	run.title_a = a.m->schema->title;
	run.title_b = b.m->schema->title;
	if (output == OUT_JSON)
		run.items = json_array();
	if (ckpt_diff_models(a.img, a.m, b.img, b.m, &opt, on_item, &run, &sum, &err) < 0) {
		char msg[512];

		fflush(stdout);
		ckpt_error_format(&err, msg, sizeof(msg));
		if (output != OUT_QUIET)
		{
			if (sum.error_image)
				fprintf(stderr, "ckptdiff: %s: %s\n", sum.error_image == 'B' ? b.shown : a.shown, msg);
			else
				fprintf(stderr, "ckptdiff: %s\n", err.reason);
		}
		goto out;
	}
	status = sum.differences ? PROGRAM_EXIT_FOUND : PROGRAM_EXIT_OK;
	if (output == OUT_STAT) {
		print_stat(&run, &sum);
	} else if (output == OUT_JSON) {
		json_t *doc = json_pack("{s:i, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:b, s:O, s:o}",
					"ckptdiff", DIFF_JSON_VERSION,
					"a", "image", a.shown, "dialect", a.m->schema->id,
					"b", "image", b.shown, "dialect", b.m->schema->id,
					"match_by", opt.match == CKPT_DIFF_MATCH_TREE ? "tree" : "pid",
					"identical", !sum.differences,
					"differences", run.items,
					"summary", stat_json(&run, &sum));

		if (doc) {
			json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			putchar('\n');
			json_decref(doc);
		}
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "ckptdiff: writing the output failed\n");
		status = PROGRAM_EXIT_TROUBLE;
	}
out:
	json_decref(run.items);
	free(run.rows);
	close_input(&a);
	close_input(&b);
	free(ignore);
	free(only);
	return status;
}
