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
#include "ckpt/report.h"
#include "ckpt/view.h"

#include "common/program.h"

/* The version of the --json document shape (documented in ckptdiff(1)). */
#define DIFF_JSON_VERSION 1

/* Two images open at once: a smaller map window each keeps memory low
 * (mapped pages count in the peak RSS; 2 MiB costs no measurable time). */
#define DIFF_WINDOW	(2u << 20)

enum output { OUT_TEXT, OUT_JSON, OUT_STAT, OUT_QUIET };

struct stat_row {
	char type[48];
	uint64_t changed, added, removed;
};

/* Pages that differ, per task (the task the mm was reached through). */
struct task_pages {
	char task[96];		/* "task 1 (init)" */
	int64_t pid;
	uint64_t changed, added, removed;
};

struct run {
	enum output output;
	bool color;
	bool page_bytes;
	struct ckpt_diff_text *text;	/* OUT_TEXT, OUT_STAT */
	struct ckpt_json_stream *json;	/* OUT_JSON: items written as found */
	struct stat_row *rows;
	size_t n_rows, cap_rows;
	uint64_t pages_changed, pages_added, pages_removed, page_vmas;
	struct task_pages *tasks;
	size_t n_tasks, cap_tasks;
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
		"      --ignore KEY[,KEY]   drop differences of these keys (globs: header.time,\n"
		"                           cpu.*; a bare type such as cpu drops all of it)\n"
		"      --only TYPE[,TYPE]   report only these types (task, cred, uts_ns, vma,\n"
		"                           pages, header, ...)\n"
		"  -p, --pages              show the first differing bytes of changed pages\n"
		"      --stat               print a summary table instead of each difference\n"
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

/* The task an object was reached through: "task 1 (init)" of
 * "task 1 (init) mm vma ...". */
static bool task_of(const char *object, char *out, size_t size, int64_t *pid)
{
	const char *close = strchr(object, ')');
	char *end;

	if (strncmp(object, "task ", 5) != 0 || !close || (size_t)(close - object) + 2 > size)
		return false;
	*pid = strtoll(object + 5, &end, 10);
	snprintf(out, size, "%.*s", (int)(close - object + 1), object);
	return end != object + 5;
}

static void count_task_pages(struct run *r, const struct ckpt_diff_item *it)
{
	char task[96];
	int64_t pid;
	size_t i = 0;

	if (!task_of(it->object, task, sizeof(task), &pid))
		return;
	while (i < r->n_tasks && strcmp(r->tasks[i].task, task) != 0)
		i++;
	if (i == r->n_tasks) {
		if (r->n_tasks == r->cap_tasks) {
			size_t ncap = r->cap_tasks ? r->cap_tasks * 2 : 16;
			struct task_pages *p = realloc(r->tasks, ncap * sizeof(*p));

			if (!p)
				return;
			r->tasks = p;
			r->cap_tasks = ncap;
		}
		memset(&r->tasks[i], 0, sizeof(r->tasks[i]));
		snprintf(r->tasks[i].task, sizeof(r->tasks[i].task), "%s", task);
		r->tasks[i].pid = pid;
		r->n_tasks++;
	}
	r->tasks[i].changed += it->changed;
	r->tasks[i].added += it->added;
	r->tasks[i].removed += it->removed;
}

static void human(uint64_t b, char *out, size_t size)
{
	static const char units[] = "BKMGTPE";
	int i = 0;
	uint64_t v = b;

	while (v >= 1024 * 10 && i < 6) {
		v /= 1024;
		i++;
	}
	if (i == 0 && b >= 1024 && b % 1024 == 0) {
		v = b / 1024;
		i = 1;
	}
	snprintf(out, size, "%" PRIu64 "%c", v, units[i]);
}

/* One line per task whose pages differ: pages and bytes. */
static void print_task_pages(struct run *r)
{
	for (size_t i = 0; i < r->n_tasks; i++) {
		const struct task_pages *t = &r->tasks[i];
		char c[32], a[32], d[32];

		human(t->changed * 4096, c, sizeof(c));
		human(t->added * 4096, a, sizeof(a));
		human(t->removed * 4096, d, sizeof(d));
		printf("memory %s: %" PRIu64 " page%s changed (%s), %" PRIu64 " added (%s), %" PRIu64
		       " removed (%s)\n", t->task, t->changed, t->changed == 1 ? "" : "s", c, t->added, a,
		       t->removed, d);
	}
}

static json_t *task_pages_json(const struct run *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->n_tasks; i++) {
		const struct task_pages *t = &r->tasks[i];

		json_array_append_new(a, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "task", t->task,
			"pid", (json_int_t)t->pid, "changed", (json_int_t)t->changed, "added", (json_int_t)t->added,
			"removed", (json_int_t)t->removed, "changed_bytes", (json_int_t)(t->changed * 4096),
			"added_bytes", (json_int_t)(t->added * 4096), "removed_bytes", (json_int_t)(t->removed * 4096)));
	}
	return a;
}

static void count(struct run *r, const struct ckpt_diff_item *it)
{
	size_t i = 0;

	if (it->kind == CKPT_DIFF_PAGES) {
		r->pages_changed += it->changed;
		r->pages_added += it->added;
		r->pages_removed += it->removed;
		r->page_vmas++;
		count_task_pages(r, it);
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
		ckpt_diff_text_item(r->text, it);
	else if (r->output == OUT_JSON)
		ckpt_json_stream_array_item(r->json, ckpt_diff_item_json(it));
}

static void print_stat(struct run *r, const struct ckpt_diff_summary *s)
{
	if (!s->differences)
		return;
	ckpt_diff_text_heading(r->text);
	printf("%-16s %8s %8s %8s\n", "type", "changed", "added", "removed");
	for (size_t i = 0; i < r->n_rows; i++)
		printf("%-16s %8" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n", r->rows[i].type,
		       r->rows[i].changed, r->rows[i].added, r->rows[i].removed);
	if (r->page_vmas)
		printf("pages: %" PRIu64 " changed, %" PRIu64 " added, %" PRIu64 " removed in %" PRIu64
		       " VMA%s\n", r->pages_changed, r->pages_added, r->pages_removed, r->page_vmas,
		       r->page_vmas == 1 ? "" : "s");
	print_task_pages(r);
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
	return json_pack("{s:I, s:o, s:{s:I, s:I, s:I}, s:o, s:I, s:I}",
			 "differences", (json_int_t)s->differences,
			 "by_type", by,
			 "pages", "changed", (json_int_t)r->pages_changed,
			 "added", (json_int_t)r->pages_added, "removed", (json_int_t)r->pages_removed,
			 "pages_by_task", task_pages_json(r),
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
	/* the diff follows references through the records it compares */
	in->m = ckpt_model_build_without_refs(in->img);
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

static void print_type(void *arg, const char *name)
{
	size_t *col = arg;

	fprintf(stderr, "%s%s", *col ? ", " : "  ", name);
	*col += strlen(name) + 2;
	if (*col > 68) {
		fputs(",\n", stderr);
		*col = 0;
	}
}

/* An --only or --ignore word that can match nothing is a usage error: a
 * typo would otherwise make two different images "the same". */
static bool check_pattern(const char *opt, const char *w, bool is_key)
{
	int r = ckpt_diff_pattern_check(w, is_key);
	char esc[256];
	size_t col = 0;

	if (r == 0)
		return true;
	program_escape(w, esc, sizeof(esc));
	if (r == -2) {
		fprintf(stderr, "ckptdiff: %s %s: no field of that name (keys are TYPE.FIELD, with the field "
			"names ckptdump prints)\n", opt, esc);
		return false;
	}
	fprintf(stderr, "ckptdiff: %s %s: no such type; the types are:\n", opt, esc);
	ckpt_diff_type_names(print_type, &col);
	fputc('\n', stderr);
	return false;
}

/* Splits a comma-separated list in place onto *list, each word checked. */
static bool add_list(char *s, const char ***list, size_t *n, const char *opt, bool is_key)
{
	for (char *save = NULL, *w = strtok_r(s, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!check_pattern(opt, w, is_key))
			return false;
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
		/* No -i, -o, -s: in ckptdump -i is --interactive and -o
		 * --output, in ckpt and ckptencode -o is --output, in ckptcheck
		 * -s is --skip (one letter, one meaning across the toolkit). */
		{ "ignore", required_argument, NULL, 'I' },
		{ "only", required_argument, NULL, 'O' },
		{ "pages", no_argument, NULL, 'p' },
		{ "stat", no_argument, NULL, 'S' },
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
		case 'o':
		case 's': {
			const char *lng = c == 'i' ? "--ignore" : c == 'o' ? "--only" : "--stat";
			const char *other = c == 'i' ? "ckptdump -i is --interactive" :
					    c == 'o' ? "ckpt -o and ckptencode -o are --output" : "ckptcheck -s is --skip";

			fprintf(stderr, "ckptdiff: -%c is no longer short for %s (%s): write %s%s%s\n", c, lng, other, lng,
				optarg ? " " : "", optarg ? optarg : "");
			return PROGRAM_EXIT_TROUBLE;
		}
		case 'I':
			if (!add_list(optarg, &ignore, &n_ignore, "--ignore", true))
				return PROGRAM_EXIT_TROUBLE;
			break;
		case 'O':
			if (!add_list(optarg, &only, &n_only, "--only", false))
				return PROGRAM_EXIT_TROUBLE;
			break;
		case 'p': opt.page_bytes = true; break;
		case 'S': stat = true; break;
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
	if (output == OUT_JSON) {
		/* The differences are written as they are found: the document
		 * says whether the images are identical after them. */
		run.json = ckpt_json_stream_new(stdout);
		ckpt_json_stream_member(run.json, "ckptdiff", json_integer(DIFF_JSON_VERSION));
		ckpt_json_stream_member(run.json, "a", json_pack("{s:s, s:s}", "image", a.shown,
								 "dialect", a.m->schema->id));
		ckpt_json_stream_member(run.json, "b", json_pack("{s:s, s:s}", "image", b.shown,
								 "dialect", b.m->schema->id));
		ckpt_json_stream_member(run.json, "match_by",
					json_string(opt.match == CKPT_DIFF_MATCH_TREE ? "tree" : "pid"));
		ckpt_json_stream_array_begin(run.json, "differences");
	} else {
		run.text = ckpt_diff_text_new(stdout, run.color, a.shown, a.m->schema->title, b.shown,
					      b.m->schema->title);
	}
	if ((output == OUT_JSON && !run.json) || (output != OUT_JSON && !run.text)) {
		fprintf(stderr, "ckptdiff: out of memory\n");
		goto out;
	}
	if (ckpt_diff_models(a.img, a.m, b.img, b.m, &opt, on_item, &run, &sum, &err) < 0) {
		char msg[512];
		const char *where = sum.error_image == 'B' ? b.shown : a.shown;

		fflush(stdout);
		ckpt_error_format(&err, msg, sizeof(msg));
		if (output != OUT_QUIET) {
			if (sum.error_image)
				fprintf(stderr, "ckptdiff: %s: %s\n", where, msg);
			else
				fprintf(stderr, "ckptdiff: %s\n", err.reason);
		}
		if (run.json) {
			/* what was written stays a whole document, with the reason */
			ckpt_json_stream_array_end(run.json);
			ckpt_json_stream_member(run.json, "identical", json_null());
			ckpt_json_stream_member(run.json, "error",
						json_pack("{s:s?, s:s}", "image", sum.error_image ? where : NULL,
							  "message", sum.error_image ? msg : err.reason));
			ckpt_json_stream_end(run.json);
			run.json = NULL;
		}
		goto out;
	}
	status = sum.differences ? PROGRAM_EXIT_FOUND : PROGRAM_EXIT_OK;
	if (output == OUT_TEXT)
		print_task_pages(&run);
	if (output == OUT_STAT) {
		print_stat(&run, &sum);
	} else if (output == OUT_JSON) {
		ckpt_json_stream_array_end(run.json);
		ckpt_json_stream_member(run.json, "identical", json_boolean(!sum.differences));
		ckpt_json_stream_member(run.json, "summary", stat_json(&run, &sum));
		if (!ckpt_json_stream_end(run.json))
			status = PROGRAM_EXIT_TROUBLE;
		run.json = NULL;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "ckptdiff: writing the output failed\n");
		status = PROGRAM_EXIT_TROUBLE;
	}
out:
	if (run.json)
		ckpt_json_stream_end(run.json);
	ckpt_diff_text_free(run.text);
	free(run.rows);
	free(run.tasks);
	close_input(&a);
	close_input(&b);
	free(ignore);
	free(only);
	return status;
}
