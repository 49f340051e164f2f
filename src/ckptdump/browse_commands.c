/* The browser's commands.  They work from the model built when the image
 * was opened; records are decoded (and page bytes read) only when a command
 * asks for them, through random access by offset. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ckpt/check.h"
#include "ckpt/decode.h"
#include "ckpt/format.h"
#include "ckpt/summary.h"
#include "ckpt/view.h"

#include "browse.h"
#include "dump_summary.h"

#define MAX_ARGS	16
#define X_DEFAULT_LEN	256
#define X_MAX_LEN	(1u << 20)
#define SEARCH_MAX_HITS	1000
#define SEARCH_MAX_PATTERN 256
#define SEARCH_MAX_REGEX_SIZE 2048	/* regex_size() units */
#define FOLLOW_DEPTH	3

static int fail(struct browse *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Errors are one line on the session's error stream (stderr), whatever the
 * mode.  They quote what the user typed: a control byte in it is shown as
 * \xNN, never sent to the terminal (text already escaped passes as is). */
static int fail(struct browse *b, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	fflush(b->out);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fputs("ckptdump: ", b->err);
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(b->err, "\\x%02x", *p);
		else
			fputc(*p, b->err);
	}
	fputc('\n', b->err);
	return -1;
}

/* A library error (a record that cannot be read) as one line. */
static int fail_error(struct browse *b, const struct ckpt_error *err)
{
	char msg[512];

	ckpt_error_format(err, msg, sizeof(msg));
	return fail(b, "%s", msg);
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno == 0 && *end == '\0';
}

static bool parse_i64(const char *s, int64_t *v)
{
	char *end;

	if (!*s)
		return false;
	errno = 0;
	*v = strtoll(s, &end, 0);
	return errno == 0 && *end == '\0';
}

static const char *type_name(const struct ckpt_model_record *r, char *buf, size_t size)
{
	if (r->rt)
		return r->rt->name;
	snprintf(buf, size, "unknown type %" PRIu32, r->type);
	return buf;
}

/* The role of record i as the decoder gave it, rebuilt from the model. */
static void role_of(const struct ckpt_model *m, uint64_t i, struct ckpt_role *role)
{
	const struct ckpt_model_record *r = &m->records[i];

	memset(role, 0, sizeof(*role));
	if (!r->role || r->parent >= m->n_records || !m->records[r->parent].rt)
		return;
	const struct ckpt_rtype *prt = m->records[r->parent].rt;

	for (size_t k = 0; k < prt->n_follows; k++)
		if (prt->follows[k].type == r->type && strcmp(prt->follows[k].role, r->role) == 0) {
			role->follow = &prt->follows[k];
			break;
		}
	role->name = r->role;
	role->parent = prt;
	role->parent_index = r->parent;
	role->count = r->count;
}

/* The one-line summary `ls` prints: the same head line the text view uses. */
static void record_line(struct browse *b, uint64_t i)
{
	const struct ckpt_model_record *r = &b->m->records[i];
	char tn[48];

	fprintf(b->out, "[%" PRIu64 "] %s", i, type_name(r, tn, sizeof(tn)));
	if (r->role && r->parent < b->m->n_records)
		fprintf(b->out, " %s (of %s [%" PRIu64 "])", r->role,
			type_name(&b->m->records[r->parent], tn, sizeof(tn)), (uint64_t)r->parent);
	fprintf(b->out, " @%" PRIu64 " (0x%" PRIx64 ") len %" PRIu64 "\n", r->offset, r->offset, (uint64_t)r->len);
}

/* Prints record i as ckptdump does. */
static int render(struct browse *b, uint64_t i, enum ckpt_view_format fmt)
{
	struct ckpt_view_options vopt = { .format = fmt };
	struct ckpt_record rec;
	struct ckpt_role role;
	struct ckpt_error err;
	struct ckpt_view *v;
	int r;

	if (i >= b->m->n_records)
		return fail(b, "no record %" PRIu64 " (the image has %zu readable records)", i, b->m->n_records);
	if (ckpt_image_record_at(b->img, b->m->records[i].offset, i, &rec, &err) < 0) {
		char msg[512];

		ckpt_error_format(&err, msg, sizeof(msg));
		return fail(b, "%s", msg);
	}
	role_of(b->m, i, &role);
	v = ckpt_view_new(b->out, &vopt);
	if (!v)
		return fail(b, "out of memory");
	if (fmt != CKPT_VIEW_TEXT)
		ckpt_view_begin(v, b->shown, b->img);
	r = ckpt_view_record(v, b->img, &rec, &role);
	if (fmt != CKPT_VIEW_TEXT)
		ckpt_view_end(v, b->img, NULL);
	ckpt_view_free(v);
	b->cur = i;
	if (r < 0) {
		char msg[512];

		ckpt_error_format(ckpt_image_error(b->img), msg, sizeof(msg));
		return fail(b, "%s", msg);
	}
	return 0;
}

/* Record i and the records that follow it as its data (FILE + FILE_NAME). */
static int render_with_followers(struct browse *b, uint64_t i)
{
	int status = render(b, i, CKPT_VIEW_TEXT);

	for (uint64_t k = i + 1; k < b->m->n_records && b->m->records[k].parent == i; k++)
		status |= render(b, k, CKPT_VIEW_TEXT);
	return status;
}

static const struct ckpt_model_task *find_task(struct browse *b, const char *arg)
{
	int64_t pid;
	const struct ckpt_model_task *t;

	if (!parse_i64(arg, &pid)) {
		fail(b, "%s: not a pid", arg);
		return NULL;
	}
	t = ckpt_model_task_by_pid(b->m, pid);
	if (!t) {
		if (!b->m->n_tasks)
			fail(b, "the image has no tasks");
		else
			fail(b, "no task with pid %s (see ps)", arg);
	}
	return t;
}

/* -- info, ls, show, goto ------------------------------------------------ */

static const char *end_text(const struct ckpt_model *m)
{
	if (m->failed)
		return "stopped by an error";
	switch (m->end) {
	case CKPT_END_TAIL: return "TAIL";
	case CKPT_END_ERROR: return "ERROR record (the checkpoint failed)";
	case CKPT_END_EOF: return "end of data (this dialect has no trailer)";
	case CKPT_END_NONE: break;
	}
	return "not reached";
}

static int cmd_info(struct browse *b, int argc, char **argv)
{
	const struct ckpt_model *m = b->m;
	static const char *const header_fields[] = {
		"arch_id", "major", "minor", "patch", "rev", "time", "uflags",
		"image_version", "arch", "uts_release",
	};
	uint64_t pages = 0, vmas = 0;

	(void)argv;
	if (argc > 1)
		return fail(b, "info takes no arguments");
	fprintf(b->out, "image      %s\n", b->shown);
	fprintf(b->out, "dialect    %s (%s)\n", m->schema->id, m->schema->title);
	if (m->size)
		fprintf(b->out, "size       %" PRIu64 " bytes\n", m->size);
	fprintf(b->out, "records    %zu\n", m->n_records);
	fprintf(b->out, "end        %s\n", end_text(m));
	if (m->failed) {
		char msg[512];

		ckpt_error_format(&m->err, msg, sizeof(msg));
		fprintf(b->out, "error      %s\n", msg);
	}
	if (m->n_records) {
		struct ckpt_record rec;
		struct ckpt_error err;

		if (ckpt_image_record_at(b->img, 0, 0, &rec, &err) == 1 && rec.rt) {
			fprintf(b->out, "header    ");
			for (size_t i = 0; i < CKPT_ARRAY_LEN(header_fields); i++) {
				const struct ckpt_field *f = ckpt_rtype_field(rec.rt, header_fields[i]);
				char val[256];

				if (!f || !ckpt_field_fits(f, rec.avail))
					continue;
				ckpt_format_field(f, rec.data, val, sizeof(val));
				fprintf(b->out, " %s=%s", f->name, val);
			}
			fputc('\n', b->out);
		}
	}
	for (size_t i = 0; i < m->n_mms; i++) {
		vmas += m->mms[i].n_vmas;
		for (size_t k = 0; k < m->mms[i].n_vmas; k++)
			pages += m->mms[i].vmas[k].pages;
	}
	fprintf(b->out, "tasks      %zu\n", m->n_tasks);
	fprintf(b->out, "objects    %zu\n", m->n_objects);
	fprintf(b->out, "memory     %zu mm, %" PRIu64 " VMAs, %" PRIu64 " dumped pages\n", m->n_mms, vmas, pages);
	return 0;
}

static int cmd_ls(struct browse *b, int argc, char **argv)
{
	const struct ckpt_rtype *want = NULL;
	uint64_t num = 0;
	bool by_num = false;
	size_t shown = 0;

	if (argc > 2)
		return fail(b, "usage: ls [TYPE]");
	if (argc == 2) {
		by_num = parse_u64(argv[1], &num);
		if (!by_num) {
			want = ckpt_schema_type_by_name(b->m->schema, argv[1]);
			if (!want)
				return fail(b, "ls %s: %s has no record type of that name", argv[1], b->m->schema->id);
		}
	}
	for (uint64_t i = 0; i < b->m->n_records && !browse_interrupted; i++) {
		const struct ckpt_model_record *r = &b->m->records[i];

		if (argc == 2 && (by_num ? r->type != num : r->rt != want))
			continue;
		record_line(b, i);
		shown++;
	}
	if (b->m->failed) {
		char msg[512];

		ckpt_error_format(&b->m->err, msg, sizeof(msg));
		fprintf(b->out, "# error: %s\n", msg);
	}
	return 0;
}

/* Prints only the named top-level fields of a rendered record: a field's
 * line is indented 4 spaces, its array elements deeper. */
static int show_fields(struct browse *b, uint64_t i, int nf, char **fields)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	FILE *out = b->out;
	int status;
	bool keep = false;
	int found = 0;

	if (!mem)
		return fail(b, "out of memory");
	b->out = mem;
	status = render(b, i, CKPT_VIEW_TEXT);
	b->out = out;
	fclose(mem);
	if (status < 0) {
		free(text);
		return status;
	}
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '[') {
			fprintf(b->out, "%s\n", line);
			continue;
		}
		if (strncmp(line, "    ", 4) == 0 && line[4] != ' ') {
			size_t n = strcspn(line + 4, " :");

			keep = false;
			for (int k = 0; k < nf; k++)
				if (strlen(fields[k]) == n && strncmp(line + 4, fields[k], n) == 0) {
					keep = true;
					found++;
				}
		}
		if (keep)
			fprintf(b->out, "%s\n", line);
	}
	free(text);
	if (!found)
		return fail(b, "record %" PRIu64 " has none of the fields named", i);
	return 0;
}

static int cmd_show(struct browse *b, int argc, char **argv)
{
	enum ckpt_view_format fmt = CKPT_VIEW_TEXT;
	int a = 1;
	uint64_t i;

	for (; a < argc && strncmp(argv[a], "--", 2) == 0; a++) {
		if (strcmp(argv[a], "--json") == 0)
			fmt = CKPT_VIEW_JSON;
		else if (strcmp(argv[a], "--yaml") == 0)
			fmt = CKPT_VIEW_YAML;
		else
			return fail(b, "show: unknown option %s (--json, --yaml)", argv[a]);
	}
	if (a >= argc)
		return fail(b, "usage: show [--json|--yaml] N|next|prev [FIELD...]");
	if (strcmp(argv[a], "next") == 0) {
		i = b->cur == CKPT_MODEL_NONE ? 0 : b->cur + 1;
		if (i >= b->m->n_records)
			return fail(b, "show next: record %" PRIu64 " was the last one", b->cur);
	} else if (strcmp(argv[a], "prev") == 0) {
		if (b->cur == CKPT_MODEL_NONE || b->cur == 0)
			return fail(b, "show prev: no record before this one");
		i = b->cur - 1;
	} else if (!parse_u64(argv[a], &i)) {
		return fail(b, "show %s: not a record number", argv[a]);
	}
	if (a + 1 < argc) {
		if (fmt != CKPT_VIEW_TEXT)
			return fail(b, "show: field names go with the text form only");
		return show_fields(b, i, argc - a - 1, argv + a + 1);
	}
	return render(b, i, fmt);
}

static int cmd_goto(struct browse *b, int argc, char **argv)
{
	uint64_t off, i;

	if (argc != 2 || !parse_u64(argv[1], &off))
		return fail(b, "usage: goto OFFSET (a byte offset, decimal or 0x hex)");
	i = ckpt_model_record_at(b->m, off);
	if (i == CKPT_MODEL_NONE)
		return fail(b, "goto %s: no readable record holds byte %" PRIu64, argv[1], off);
	return render(b, i, CKPT_VIEW_TEXT);
}

/* -- tasks ---------------------------------------------------------------- */

/* Takes --json (and, where yaml is set, --yaml) out of the words; -1 on
 * any other option. */
static int take_format(struct browse *b, int *argc, char **argv, enum ckpt_view_format *fmt, bool yaml)
{
	int n = 1;

	*fmt = CKPT_VIEW_TEXT;
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			*fmt = CKPT_VIEW_JSON;
		else if (yaml && strcmp(argv[i], "--yaml") == 0)
			*fmt = CKPT_VIEW_YAML;
		else if (strncmp(argv[i], "--", 2) == 0)
			return fail(b, "%s: unknown option %s (%s)", argv[0], argv[i], yaml ? "--json, --yaml" : "--json");
		else
			argv[n++] = argv[i];
	}
	*argc = n;
	return 0;
}

static int put_json(struct browse *b, json_t *doc)
{
	if (!doc)
		return fail(b, "out of memory");
	json_dumpf(doc, b->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', b->out);
	json_decref(doc);
	return 0;
}

static void add_argv(void *arg, const char *escaped)
{
	json_array_append_new(arg, json_string(escaped));
}

static int cmd_ps(struct browse *b, int argc, char **argv)
{
	const struct ckpt_model *m = b->m;
	enum ckpt_view_format fmt;
	json_t *list = NULL;
	char args[1024];

	if (take_format(b, &argc, argv, &fmt, false) < 0)
		return -1;
	if (argc > 1)
		return fail(b, "usage: ps [--json]");
	if (fmt == CKPT_VIEW_JSON)
		list = json_array();
	else if (!m->n_tasks) {
		fprintf(b->out, "(no tasks in this image)\n");
		return 0;
	} else {
		fprintf(b->out, "%7s %7s %7s %7s  %-6s %-16s %s\n", "PID", "TGID", "PPID", "THREADS", "RECORD", "COMM",
			"COMMAND");
	}
	for (size_t i = 0; i < m->n_tasks && !browse_interrupted; i++) {
		const struct ckpt_model_task *t = &m->tasks[i];
		size_t threads = ckpt_model_thread_count(m, t);
		char rec[24], ppid[24], tgid[24], thr[24];

		if (list) {
			json_t *av = json_array();
			char why[256];

			if (ckpt_task_strings(b->img, m, t, CKPT_TASK_ARGV, 64 * 1024, add_argv, av, why, sizeof(why)) < 0) {
				json_decref(av);
				av = json_null();
			}
			json_array_append_new(list, json_pack("{s:I, s:o, s:o, s:o, s:I, s:s, s:o}",
				"pid", (json_int_t)ckpt_model_task_pid(m, t),
				"tgid", t->has_tree ? json_integer(t->tgid) : json_null(),
				"ppid", t->has_tree && t->ppid ? json_integer(t->ppid) : json_null(),
				"threads", t->has_tree ? json_integer((json_int_t)threads) : json_null(),
				"record", (json_int_t)t->record, "comm", t->comm, "argv", av));
			continue;
		}
		snprintf(rec, sizeof(rec), "[%" PRIu64 "]", t->record);
		snprintf(ppid, sizeof(ppid), "-");
		snprintf(tgid, sizeof(tgid), "-");
		snprintf(thr, sizeof(thr), "-");
		if (t->has_tree) {
			if (t->ppid)
				snprintf(ppid, sizeof(ppid), "%" PRId64, t->ppid);
			snprintf(tgid, sizeof(tgid), "%" PRId64, t->tgid);
			snprintf(thr, sizeof(thr), "%zu", threads);
		}
		if (!ckpt_task_cmdline(b->img, m, t, args, sizeof(args)))
			snprintf(args, sizeof(args), "[%s]", t->comm);
		fprintf(b->out, "%7" PRId64 " %7s %7s %7s  %-6s %-16s %s\n", ckpt_model_task_pid(m, t), tgid, ppid, thr,
			rec, t->comm, args);
	}
	if (list)
		return put_json(b, list);
	if (!m->tasks[0].has_tree)
		fprintf(b->out, "# this image has no process tree: tasks are numbered in image order\n");
	return 0;
}

static int summary_part(struct browse *b, int argc, char **argv, unsigned parts)
{
	struct ckpt_summary_options opt = { .parts = parts };
	struct ckpt_check_summary verdict;

	if (take_format(b, &argc, argv, &opt.format, parts != CKPT_SUMMARY_TASKS) < 0)
		return -1;
	if (argc > 1)
		return fail(b, "usage: %s [--json%s]", argv[0], parts != CKPT_SUMMARY_TASKS ? "|--yaml" : "");
	if ((parts & CKPT_SUMMARY_VERDICT) && ckpt_summary_has_digests(b->m) &&
	    dump_summary_verdict(b->path, b->spool_fd, &verdict))
		opt.verdict = &verdict;
	if (!ckpt_summary_print(b->out, b->img, b->m, b->shown, &opt))
		return fail(b, "%s: out of memory or output error", argv[0]);
	return 0;
}

static int cmd_tree(struct browse *b, int argc, char **argv)
{
	return summary_part(b, argc, argv, CKPT_SUMMARY_TASKS);
}

static int cmd_summary(struct browse *b, int argc, char **argv)
{
	return summary_part(b, argc, argv, CKPT_SUMMARY_ALL);
}

struct env_out {
	FILE *out;
};

static void env_line(void *arg, const char *escaped)
{
	struct env_out *e = arg;

	if (*escaped)	/* padding between areas is no variable */
		fprintf(e->out, "%s\n", escaped);
}

/* The environment only on request: it may hold secrets. */
static int cmd_env(struct browse *b, int argc, char **argv)
{
	const struct ckpt_model_task *t;
	struct env_out e = { .out = b->out };
	char why[512];

	if (argc != 2)
		return fail(b, "usage: env PID");
	if (!(t = find_task(b, argv[1])))
		return -1;
	if (ckpt_task_strings(b->img, b->m, t, CKPT_TASK_ENV, 0, env_line, &e, why, sizeof(why)) < 0)
		return fail(b, "env %s: %s", argv[1], why);
	return 0;
}

struct seen {
	int32_t refs[64];
	size_t n;
};

static bool seen_before(struct seen *s, int32_t ref)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->refs[i] == ref)
			return true;
	if (s->n < CKPT_ARRAY_LEN(s->refs))
		s->refs[s->n++] = ref;
	return false;
}

/* Prints object `ref` (its first record and followers), then the objects
 * its first record refers to, to a bounded depth. */
static int follow(struct browse *b, const char *via, int32_t ref, struct seen *seen, int depth)
{
	const struct ckpt_model *m = b->m;
	const struct ckpt_model_object *o;
	char tn[48];
	int status = 0;

	if (ref <= 0 || seen_before(seen, ref))
		return 0;
	o = ckpt_model_object(m, ref);
	if (!o) {
		fprintf(b->out, "== %s %" PRId32 ": not defined in the readable part of the image\n", via, ref);
		return 0;
	}
	const char *otn = m->schema->objtypes ? ckpt_names_lookup(m->schema->objtypes, o->objtype) : NULL;
	uint64_t first = ckpt_model_object_first(o);

	if (first == CKPT_MODEL_NONE) {
		fprintf(b->out, "== %s %" PRId32 ": %s object (OBJREF [%" PRIu64 "], no records of its own)\n",
			via, ref, otn ? otn : "unknown", (uint64_t)o->objref_record);
		return 0;
	}
	fprintf(b->out, "== %s %" PRId32 ": %s [%" PRIu64 "]\n", via, ref,
		type_name(&m->records[first], tn, sizeof(tn)), first);
	status |= render_with_followers(b, first);
	if (depth >= FOLLOW_DEPTH)
		return status;
	for (size_t i = 0; i < m->n_refs; i++)
		if (m->refs[i].record == first)
			status |= follow(b, m->refs[i].field->name, m->refs[i].objref, seen, depth + 1);
	return status;
}

static int follow_task_refs(struct browse *b, const struct ckpt_model_task *t, uint64_t rec, struct seen *seen)
{
	int status = 0;

	if (rec == CKPT_MODEL_NONE)
		return 0;
	for (size_t i = 0; i < b->m->n_refs; i++)
		if (b->m->refs[i].record == rec)
			status |= follow(b, b->m->refs[i].field->name, b->m->refs[i].objref, seen, 1);
	(void)t;
	return status;
}

static int cmd_task(struct browse *b, int argc, char **argv)
{
	const struct ckpt_model *m = b->m;
	const struct ckpt_model_task *t;
	struct seen seen = { .n = 0 };
	int status = 0;

	if (argc != 2)
		return fail(b, "usage: task PID");
	if (!(t = find_task(b, argv[1])))
		return -1;
	size_t ti = (size_t)(t - m->tasks);
	uint64_t end = ti + 1 < m->n_tasks ? m->tasks[ti + 1].record : m->n_records;
	uint64_t own = t->creds_record;

	if (t->ns_record < own)
		own = t->ns_record;
	if (t->objs_record < own)
		own = t->objs_record;
	fprintf(b->out, "task %" PRId64 " (%s): TASK [%" PRIu64 "]", ckpt_model_task_pid(m, t), t->comm, t->record);
	if (t->has_tree) {
		fprintf(b->out, ", tgid %" PRId64 ", ppid ", t->tgid);
		if (t->ppid)
			fprintf(b->out, "%" PRId64, t->ppid);
		else
			fputc('-', b->out);	/* the root of the tree: its parent is outside */
		fprintf(b->out, ", pgid %" PRId64 ", sid %" PRId64, t->pgid, t->sid);
	}
	fputc('\n', b->out);
	status |= render_with_followers(b, t->record);
	/* The task's own records follow its objects' definitions. */
	for (uint64_t i = own; own != CKPT_MODEL_NONE && i < end; i++) {
		const struct ckpt_model_record *r = &m->records[i];

		if (r->rt && (strcmp(r->rt->name, "TAIL") == 0 || strcmp(r->rt->name, "ERROR") == 0))
			break;
		status |= render(b, i, CKPT_VIEW_TEXT);
	}
	status |= follow_task_refs(b, t, t->creds_record, &seen);
	status |= follow_task_refs(b, t, t->ns_record, &seen);
	status |= follow_task_refs(b, t, t->objs_record, &seen);
	const struct ckpt_model_mm *mm = ckpt_model_task_mm(m, t);

	if (mm) {
		uint64_t pages = 0;

		for (size_t i = 0; i < mm->n_vmas; i++)
			pages += mm->vmas[i].pages;
		fprintf(b->out, "== mm %" PRId32 ": MM [%" PRIu64 "], %zu VMAs, %" PRIu64 " dumped pages (maps %" PRId64 ")\n",
			mm->objref, mm->record, mm->n_vmas, pages, ckpt_model_task_pid(m, t));
	}
	return status ? -1 : 0;
}

static int cmd_creds(struct browse *b, int argc, char **argv)
{
	const struct ckpt_model_task *t;
	struct seen seen = { .n = 0 };

	if (argc != 2)
		return fail(b, "usage: creds PID");
	if (!(t = find_task(b, argv[1])))
		return -1;
	if (t->creds_record == CKPT_MODEL_NONE)
		return fail(b, "task %s has no TASK_CREDS record", argv[1]);
	return follow_task_refs(b, t, t->creds_record, &seen) ? -1 : 0;
}

static int cmd_ns(struct browse *b, int argc, char **argv)
{
	const struct ckpt_model_task *t;
	struct seen seen = { .n = 0 };

	if (argc != 2)
		return fail(b, "usage: ns PID");
	if (!(t = find_task(b, argv[1])))
		return -1;
	if (t->ns_record == CKPT_MODEL_NONE)
		return fail(b, "task %s has no TASK_NS record", argv[1]);
	return follow_task_refs(b, t, t->ns_record, &seen) ? -1 : 0;
}

/* A FILE record's kind: its f_type's name, lower case ("pipe"). */
static void file_kind(struct browse *b, uint64_t file_record, char *out, size_t size)
{
	const struct ckpt_model_record *r = ckpt_model_record(b->m, file_record);
	const struct ckpt_field *f = r && r->rt ? ckpt_rtype_field(r->rt, "f_type") : NULL;
	struct ckpt_error err;
	uint64_t v;
	const char *name = NULL;

	if (f && f->names && ckpt_model_field_u64(b->img, b->m, file_record, "f_type", &v, &err) == 0)
		name = ckpt_names_lookup(f->names, v);
	snprintf(out, size, "%s", name ? name : "?");
	for (char *c = out; *c; c++)
		*c = (char)tolower((unsigned char)*c);
}

static int cmd_fds(struct browse *b, int argc, char **argv)
{
	const struct ckpt_model *m = b->m;
	const struct ckpt_model_task *t;
	const struct ckpt_model_file_table *table;
	struct ckpt_error err;
	enum ckpt_view_format fmt;
	json_t *list = NULL;
	int64_t nfds;

	if (take_format(b, &argc, argv, &fmt, false) < 0)
		return -1;
	if (argc != 2)
		return fail(b, "usage: fds [--json] PID");
	if (!(t = find_task(b, argv[1])))
		return -1;
	if (fmt == CKPT_VIEW_JSON)
		list = json_array();
	if (!t->files_ref) {
		if (list)
			return put_json(b, list);
		fprintf(b->out, "(task %s has no file table in this image)\n", argv[1]);
		return 0;
	}
	table = ckpt_model_file_table(m, t->files_ref);
	if (!table) {
		json_decref(list);
		return fail(b, "file table %" PRId32 " is not defined in the readable part of the image", t->files_ref);
	}
	if (!list) {
		if (ckpt_model_field_s64(b->img, m, table->record, "fdt_nfds", &nfds, &err) < 0)
			return fail_error(b, &err);
		fprintf(b->out, "file table %" PRId32 ": FILE_TABLE [%" PRIu64 "], fdt_nfds %" PRId64 "\n",
			t->files_ref, table->record, nfds);
		fprintf(b->out, "%4s %-8s %-7s %6s %-8s %s\n", "FD", "KIND", "CLOEXEC", "OBJREF", "RECORD",
			"PATH (FLAGS, POS)");
	}
	for (size_t k = 0; k < table->n_fds && !browse_interrupted; k++) {
		const struct ckpt_model_fd *d = &m->fds[table->first_fd + k];
		const struct ckpt_model_object *o = ckpt_model_object(m, d->file_ref);
		char flags[512] = "?", pos[64] = "?", rec[24], kind[32] = "?";
		uint64_t file_record = o ? ckpt_model_object_first(o) : CKPT_MODEL_NONE;
		const char *path = ckpt_model_object_path(m, o);
		uint64_t upos = 0, uflags = 0;

		if (file_record != CKPT_MODEL_NONE) {
			if (ckpt_model_field_text(b->img, m, file_record, "f_flags", flags, sizeof(flags), &err) < 0 ||
			    ckpt_model_field_text(b->img, m, file_record, "f_pos", pos, sizeof(pos), &err) < 0 ||
			    ckpt_model_field_u64(b->img, m, file_record, "f_pos", &upos, &err) < 0 ||
			    ckpt_model_field_u64(b->img, m, file_record, "f_flags", &uflags, &err) < 0) {
				json_decref(list);
				return fail_error(b, &err);
			}
			file_kind(b, file_record, kind, sizeof(kind));
		}
		if (list) {
			json_array_append_new(list, json_pack("{s:i, s:s, s:b, s:i, s:I, s:o, s:o, s:o}",
				"fd", d->fd, "kind", kind, "cloexec", d->cloexec, "objref", d->file_ref,
				"record", (json_int_t)d->record, "path", path ? json_string(path) : json_null(),
				"flags", file_record != CKPT_MODEL_NONE ? json_integer((json_int_t)uflags) : json_null(),
				"pos", file_record != CKPT_MODEL_NONE ? json_integer((json_int_t)upos) : json_null()));
			continue;
		}
		snprintf(rec, sizeof(rec), "[%" PRIu64 "]", d->record);
		fprintf(b->out, "%4" PRId32 " %-8s %-7s %6" PRId32 " %-8s %s (%s, pos %s)\n", d->fd, kind,
			d->cloexec ? "yes" : "no", d->file_ref, rec, path ? path : "(no path)", flags, pos);
	}
	if (list)
		return put_json(b, list);
	if (!table->n_fds)
		fprintf(b->out, "(no FILE_DESC records)\n");
	return 0;
}

/* -- memory --------------------------------------------------------------- */

static const struct ckpt_model_mm *task_mm(struct browse *b, const struct ckpt_model_task *t, const char *pid)
{
	const struct ckpt_model_mm *mm = ckpt_model_task_mm(b->m, t);

	if (!mm)
		fail(b, "task %s has no mm in the readable part of the image", pid);
	return mm;
}

static int cmd_maps(struct browse *b, int argc, char **argv)
{
	const struct ckpt_model_task *t;
	const struct ckpt_model_mm *mm;
	enum ckpt_view_format fmt;
	json_t *list = NULL;

	if (take_format(b, &argc, argv, &fmt, false) < 0)
		return -1;
	if (argc != 2)
		return fail(b, "usage: maps [--json] PID");
	if (!(t = find_task(b, argv[1])) || !(mm = task_mm(b, t, argv[1])))
		return -1;
	if (fmt == CKPT_VIEW_JSON)
		list = json_array();
	else
		fprintf(b->out, "%-33s %-4s %-16s %6s  %s\n", "START-END", "PERM", "OFFSET", "DUMPED", "PATH");
	for (size_t i = 0; i < mm->n_vmas && !browse_interrupted; i++) {
		const struct ckpt_model_vma *v = &mm->vmas[i];
		/* VM_READ, VM_WRITE, VM_EXEC, VM_SHARED as /proc prints them. */
		char perm[5] = {
			v->flags & 0x1 ? 'r' : '-', v->flags & 0x2 ? 'w' : '-',
			v->flags & 0x4 ? 'x' : '-', v->flags & 0x8 ? 's' : 'p', 0,
		};
		char name[4200], hex[3][24];

		/* Named as /proc/PID/maps names it: a path, [heap], [stack],
		 * [vdso], ..., or nothing for plain anonymous memory. */
		ckpt_vma_name(b->img, b->m, mm, i, name, sizeof(name));
		if (list) {
			snprintf(hex[0], sizeof(hex[0]), "0x%" PRIx64, v->start);
			snprintf(hex[1], sizeof(hex[1]), "0x%" PRIx64, v->end);
			snprintf(hex[2], sizeof(hex[2]), "0x%" PRIx64, v->pgoff * CKPT_PAGE_SIZE);
			json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:s, s:s, s:I, s:I, s:s, s:I}",
				"start", hex[0], "end", hex[1],
				"length", (json_int_t)(v->end > v->start ? v->end - v->start : 0), "perm", perm,
				"offset", hex[2], "pages", (json_int_t)v->pages,
				"saved", (json_int_t)(v->pages * CKPT_PAGE_SIZE), "name", name,
				"record", (json_int_t)v->record));
			continue;
		}
		fprintf(b->out, "%016" PRIx64 "-%016" PRIx64 " %s %016" PRIx64 " %6" PRIu64 "  %s\n",
			v->start, v->end, perm, v->pgoff * CKPT_PAGE_SIZE, v->pages, name);
	}
	if (list)
		return put_json(b, list);
	return 0;
}

static void hexdump_line(FILE *out, uint64_t addr, const uint8_t *p, size_t n)
{
	fprintf(out, "%016" PRIx64 " ", addr);
	for (size_t i = 0; i < 16; i++) {
		if (i == 8)
			fputc(' ', out);
		if (i < n)
			fprintf(out, " %02x", p[i]);
		else
			fputs("   ", out);
	}
	fputs("  |", out);
	for (size_t i = 0; i < 16; i++)
		fputc(i < n ? (isprint(p[i]) ? p[i] : '.') : ' ', out);
	fputs("|\n", out);
}

static int cmd_x(struct browse *b, int argc, char **argv)
{
	const struct ckpt_model_task *t;
	const struct ckpt_model_mm *mm;
	uint64_t addr, len = X_DEFAULT_LEN;
	int a = 1;
	char first_pid[24];

	if (argc < 2 || argc > 4)
		return fail(b, "usage: x [PID] ADDR [LEN]");
	/* Three words: PID ADDR LEN; two: ADDR LEN when the first looks like an
	 * address (0x...), else PID ADDR. */
	if (argc == 4 || (argc == 3 && strncmp(argv[1], "0x", 2) != 0)) {
		if (!(t = find_task(b, argv[1])))
			return -1;
		a = 2;
	} else {
		if (!b->m->n_tasks)
			return fail(b, "the image has no tasks");
		t = &b->m->tasks[0];
	}
	snprintf(first_pid, sizeof(first_pid), "%" PRId64, ckpt_model_task_pid(b->m, t));
	if (!(mm = task_mm(b, t, first_pid)))
		return -1;
	if (!parse_u64(argv[a], &addr))
		return fail(b, "x: %s is not an address", argv[a]);
	if (a + 1 < argc && (!parse_u64(argv[a + 1], &len) || len == 0 || len > X_MAX_LEN))
		return fail(b, "x: length %s is not between 1 and %u", argv[a + 1], X_MAX_LEN);
	if (addr + len < addr)
		return fail(b, "x: the range wraps around the address space");

	uint64_t end = addr + len, dumped = 0;

	while (addr < end) {
		uint64_t off, contiguous;

		if (!ckpt_model_page_at(mm, addr, &off, &contiguous)) {
			/* Skip to the next page boundary (or the end) and say so. */
			uint64_t next = (addr | (CKPT_PAGE_SIZE - 1)) + 1;
			const struct ckpt_model_vma *v = ckpt_model_vma_at(mm, addr);

			if (next > end || next == 0)
				next = end;
			fprintf(b->out, "%016" PRIx64 "-%016" PRIx64 ": not dumped (%s)\n", addr, next,
				v ? "inside a VMA, page not saved" : "not in any VMA");
			addr = next;
			continue;
		}
		uint64_t n = end - addr < contiguous ? end - addr : contiguous;
		uint8_t buf[4096];

		while (n > 0) {
			size_t chunk = n < sizeof(buf) ? (size_t)n : sizeof(buf);
			ssize_t got = ckpt_image_read_at(b->img, off, buf, chunk);

			if (got != (ssize_t)chunk)
				return fail(b, "x: reading image byte %" PRIu64 ": %s", off,
					    got < 0 ? strerror(errno) : "short read");
			for (size_t i = 0; i < chunk; i += 16)
				hexdump_line(b->out, addr + i, buf + i, chunk - i < 16 ? chunk - i : 16);
			addr += chunk;
			off += chunk;
			n -= chunk;
			dumped += chunk;
		}
	}
	if (!dumped)
		return fail(b, "x: no byte of that range was dumped");
	return 0;
}

/* -- search --------------------------------------------------------------- */

struct pattern {
	bool regex;
	regex_t re;
	uint8_t bytes[SEARCH_MAX_PATTERN];
	size_t len;
};

static int hexval(int c)
{
	if (c == 0)
		return -1;
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "string" with \\, \" and \xNN; returns the rest of the line or NULL. */
static const char *parse_string(struct browse *b, const char *s, struct pattern *p)
{
	for (s++; *s && *s != '"'; s++) {
		int c = (unsigned char)*s;

		if (c == '\\') {
			s++;
			if (*s == 'x' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
				c = hexval(s[1]) * 16 + hexval(s[2]);
				s += 2;
			} else if (*s == 'n') {
				c = '\n';
			} else if (*s == 't') {
				c = '\t';
			} else if (*s == '\\' || *s == '"') {
				c = (unsigned char)*s;
			} else {
				fail(b, "search: unknown escape in the string");
				return NULL;
			}
		}
		if (p->len == SEARCH_MAX_PATTERN) {
			fail(b, "search: at most %d bytes", SEARCH_MAX_PATTERN);
			return NULL;
		}
		p->bytes[p->len++] = (uint8_t)c;
	}
	if (*s != '"') {
		fail(b, "search: the string has no closing quote");
		return NULL;
	}
	return s + 1;
}

/* How large glibc's compiled form of an ERE grows, roughly: it copies a
 * bounded repetition's operand once per count and x+ as xx*, so nested
 * bounds multiply (((a{1,100}){1,100}){1,100} takes minutes to compile) and
 * so do stacked quantifiers (regcomp time doubles with each + of 0x+++...).
 * Saturates at SEARCH_MAX_REGEX_SIZE + 1; 0 for what regcomp refuses. */
static uint64_t regex_size(const char *e)
{
	struct { uint64_t total, last; } st[64];
	int depth = 0;
	const uint64_t cap = SEARCH_MAX_REGEX_SIZE + 1;

#define CAPPED(x) ((x) > cap ? cap : (x))
	st[0].total = st[0].last = 0;
	for (; *e; e++) {
		uint64_t *last = &st[depth].last, *total = &st[depth].total;

		if (*e == '*' || *e == '?') {
			*last = CAPPED(*last + 1);
		} else if (*e == '+') {
			*last = CAPPED(*last * 2 + 1);
		} else if (*e == '{' && isdigit((unsigned char)e[1])) {
			char *end;
			unsigned long m = strtoul(e + 1, &end, 10), n = m;

			if (*end == ',')
				n = isdigit((unsigned char)end[1]) ? strtoul(end + 1, &end, 10) : m + 1, end += *end == ',';
			if (*end != '}')
				return 0;	/* not a bound: regcomp says what is wrong */
			if (n < m)
				n = m;
			*last = CAPPED(*last * (n > 0 ? n : 1) + 1);
			e = end;
		} else if (*e == '(' && depth + 1 < (int)CKPT_ARRAY_LEN(st)) {
			depth++;
			st[depth].total = st[depth].last = 0;
		} else if (*e == ')' && depth > 0) {
			uint64_t item = CAPPED(st[depth].total + st[depth].last + 1);

			depth--;
			st[depth].total = CAPPED(st[depth].total + st[depth].last);
			st[depth].last = item;
		} else if (*e == '|') {
			*total = CAPPED(*total + *last);
			*last = 0;
		} else {
			if (*e == '\\' && e[1]) {
				e++;
			} else if (*e == '[') {
				/* A bracket expression is one atom: []...] and [^]...]
				 * start with a literal ], [:class:] holds a ]. */
				e += e[1] == '^' ? 2 : 1;
				if (*e == ']')
					e++;
				while (*e && *e != ']')
					e += (e[0] == '[' && (e[1] == ':' || e[1] == '.' || e[1] == '=') &&
					      strchr(e + 2, ']')) ? strchr(e + 2, ']') - e + 1 : 1;
				if (!*e)
					return 0;	/* unclosed: regcomp says so */
			}
			*total = CAPPED(*total + *last);
			*last = 1;
		}
	}
	while (depth > 0) {
		uint64_t item = CAPPED(st[depth].total + st[depth].last + 1);

		depth--;
		st[depth].total = CAPPED(st[depth].total + st[depth].last);
		st[depth].last = item;
	}
#undef CAPPED
	return st[0].total + st[0].last > cap ? cap : st[0].total + st[0].last;
}

/* The pattern, then an optional pid.  Returns the pid word or "" in *pid. */
static int parse_pattern(struct browse *b, const char *args, struct pattern *p, char *pid, size_t pid_size)
{
	const char *rest;

	memset(p, 0, sizeof(*p));
	while (*args == ' ' || *args == '\t')
		args++;
	if (*args == '"') {
		rest = parse_string(b, args, p);
		if (!rest)
			return -1;
	} else if (*args == '/') {
		const char *close = strrchr(args + 1, '/');
		char expr[1024];
		int rc;

		if (!close)
			return fail(b, "search: the regex has no closing /");
		if ((size_t)(close - args - 1) >= sizeof(expr))
			return fail(b, "search: the regex is too long");
		memcpy(expr, args + 1, (size_t)(close - args - 1));
		expr[close - args - 1] = '\0';
		/* glibc matches back-references by backtracking, exponential in
		 * the page size: /(.*)(.*)\2\1x/ would hold the session for
		 * minutes on one page.  (\1 in a bracket is refused too.) */
		for (const char *c = expr; *c; c++)
			if (c[0] == '\\' && c[1] >= '1' && c[1] <= '9')
				return fail(b, "search: /%s/: back-references (\\1 to \\9) are not supported", expr);
			else if (c[0] == '\\' && c[1])
				c++;
		if (regex_size(expr) > SEARCH_MAX_REGEX_SIZE)
			return fail(b, "search: /%s/: too complex (nested or stacked repetitions would "
				    "take glibc too long)", expr);
		rc = regcomp(&p->re, expr, REG_EXTENDED);
		if (rc) {
			char msg[256];

			regerror(rc, &p->re, msg, sizeof(msg));
			return fail(b, "search: /%s/: %s", expr, msg);
		}
		p->regex = true;
		rest = close + 1;
	} else {
		/* One word of hex digits; a word after it is the pid. */
		const char *s = args;

		while (*s && *s != ' ' && *s != '\t') {
			if (hexval((unsigned char)s[0]) < 0 || hexval((unsigned char)s[1]) < 0)
				return fail(b, "search: BYTES must be an even number of hex digits in one word");
			if (p->len == SEARCH_MAX_PATTERN)
				return fail(b, "search: at most %d bytes", SEARCH_MAX_PATTERN);
			p->bytes[p->len++] = (uint8_t)(hexval((unsigned char)s[0]) * 16 + hexval((unsigned char)s[1]));
			s += 2;
		}
		rest = s;
		if (!p->len)
			return fail(b, "search: give hex BYTES, \"string\" or /regex/");
	}
	if (!p->regex && !p->len)
		return fail(b, "search: the pattern is empty");
	if (p->regex && regexec(&p->re, "", 0, NULL, 0) == 0) {
		regfree(&p->re);
		return fail(b, "search: the regex matches the empty string (it would match everywhere)");
	}
	while (*rest == ' ' || *rest == '\t')
		rest++;
	snprintf(pid, pid_size, "%s", rest);
	for (size_t n = strlen(pid); n && (pid[n - 1] == ' ' || pid[n - 1] == '\t'); n--)
		pid[n - 1] = '\0';
	if (strpbrk(pid, " \t")) {
		if (p->regex)
			regfree(&p->re);
		return fail(b, "search: unexpected words after the pattern: %s", pid);
	}
	return 0;
}

struct hits {
	size_t n;
	bool capped;
};

static void hit(struct browse *b, struct hits *h, uint64_t addr, int64_t pid)
{
	if (h->n == SEARCH_MAX_HITS) {
		h->capped = true;
		return;
	}
	h->n++;
	fprintf(b->out, "0x%016" PRIx64 "  pid %" PRId64 "\n", addr, pid);
}

/* Searches one run: bytes across pages of the run (which are contiguous in
 * memory and in the image), a regex page by page. */
static int search_run(struct browse *b, const struct ckpt_model_run *r, const struct pattern *p,
		      struct hits *h, int64_t pid)
{
	enum { CHUNK = 64 * 1024 };
	uint8_t *buf = malloc(CHUNK + SEARCH_MAX_PATTERN);
	uint64_t total = r->pages * CKPT_PAGE_SIZE, done = 0;
	size_t carry = 0;

	if (!buf)
		return fail(b, "out of memory");
	while (done < total && !h->capped && !browse_interrupted) {
		size_t n = total - done < CHUNK ? (size_t)(total - done) : CHUNK;
		ssize_t got = ckpt_image_read_at(b->img, r->offset + done, buf + carry, n);

		if (got != (ssize_t)n) {
			free(buf);
			return fail(b, "search: reading image byte %" PRIu64 ": %s", r->offset + done,
				    got < 0 ? strerror(errno) : "short read");
		}
		uint64_t base = r->start + done - carry;	/* address of buf[0] */

		if (p->regex) {
			for (size_t pg = 0; pg < n; pg += CKPT_PAGE_SIZE) {
				regmatch_t mt;
				size_t at = 0;

				while (at < CKPT_PAGE_SIZE && !h->capped) {
					mt.rm_so = (regoff_t)at;
					mt.rm_eo = CKPT_PAGE_SIZE;
					if (regexec(&p->re, (const char *)buf + carry + pg, 1, &mt, REG_STARTEND))
						break;
					hit(b, h, r->start + done + pg + (uint64_t)mt.rm_so, pid);
					at = (size_t)(mt.rm_eo > mt.rm_so ? mt.rm_eo : mt.rm_so + 1);
				}
			}
			carry = 0;
		} else {
			size_t avail = carry + n;

			const uint8_t *at = buf, *stop = buf + avail;

			while (!h->capped && (at = memmem(at, (size_t)(stop - at), p->bytes, p->len))) {
				hit(b, h, base + (uint64_t)(at - buf), pid);
				at++;
			}
			/* Keep the last len - 1 bytes: a match may span chunks. */
			carry = p->len - 1 < avail ? p->len - 1 : avail;
			memmove(buf, buf + avail - carry, carry);
		}
		done += n;
	}
	free(buf);
	return 0;
}

static int cmd_search(struct browse *b, const char *args)
{
	const struct ckpt_model *m = b->m;
	struct pattern p;
	struct hits h = { 0 };
	char pidw[64];
	const struct ckpt_model_task *only = NULL;
	int status = 0;

	if (parse_pattern(b, args, &p, pidw, sizeof(pidw)) < 0)
		return -1;
	if (pidw[0] && !(only = find_task(b, pidw))) {
		if (p.regex)
			regfree(&p.re);
		return -1;
	}
	for (size_t i = 0; i < m->n_mms && !status && !browse_interrupted; i++) {
		const struct ckpt_model_mm *mm = &m->mms[i];
		int64_t pid = 0;

		if (only && ckpt_model_task_mm(m, only) != mm)
			continue;
		/* The task asked for, else the first task using this mm, names it. */
		for (size_t k = m->n_tasks; k-- > 0;)
			if (ckpt_model_task_mm(m, &m->tasks[k]) == mm)
				pid = ckpt_model_task_pid(m, &m->tasks[k]);
		if (only)
			pid = ckpt_model_task_pid(m, only);
		for (size_t r = 0; r < mm->n_runs && !status && !h.capped && !browse_interrupted; r++)
			status = search_run(b, &mm->runs[r], &p, &h, pid);
	}
	if (p.regex)
		regfree(&p.re);
	if (status || browse_interrupted)
		return -1;
	if (h.capped)
		fprintf(b->out, "(more than %d matches; the rest are not shown)\n", SEARCH_MAX_HITS);
	if (!h.n)
		fprintf(b->out, "(not found in dumped pages)\n");
	return 0;
}

/* -- objref ---------------------------------------------------------------- */

static int cmd_objref(struct browse *b, int argc, char **argv)
{
	const struct ckpt_model *m = b->m;
	int64_t ref;
	const struct ckpt_model_object *o;
	char tn[48];
	size_t n = 0;

	if (argc != 2 || !parse_i64(argv[1], &ref) || ref <= 0 || ref > INT32_MAX)
		return fail(b, "usage: objref N (a positive object reference)");
	o = ckpt_model_object(m, (int32_t)ref);
	if (o) {
		const char *otn = m->schema->objtypes ? ckpt_names_lookup(m->schema->objtypes, o->objtype) : NULL;
		uint64_t first = ckpt_model_object_first(o);
		const char *path = ckpt_model_object_path(m, o);

		fprintf(b->out, "objref %" PRId64 ": %s, defined by OBJREF [%" PRIu64 "]", ref,
			otn ? otn : "unknown type", (uint64_t)o->objref_record);
		if (first != CKPT_MODEL_NONE)
			fprintf(b->out, ", first record %s [%" PRIu64 "]",
				type_name(&m->records[first], tn, sizeof(tn)), first);
		if (path)
			fprintf(b->out, ", path %s", path);
		fputc('\n', b->out);
	} else {
		bool used = false;

		for (size_t i = 0; i < m->n_refs && !used; i++)
			used = m->refs[i].objref == ref;
		if (!used)
			return fail(b, "objref %" PRId64 ": no such object in the readable part of the image", ref);
		fprintf(b->out, "objref %" PRId64 ": not defined in the readable part of the image\n", ref);
	}
	for (size_t i = 0; i < m->n_refs && !browse_interrupted; i++) {
		const struct ckpt_model_ref *r = &m->refs[i];

		if (r->objref != ref)
			continue;
		const struct ckpt_model_record *rr = &m->records[r->record];

		fprintf(b->out, "  [%" PRIu64 "] %s ", r->record, type_name(rr, tn, sizeof(tn)));
		if (rr->role)
			fprintf(b->out, "%s", rr->role);
		if (r->elem >= 0)
			fprintf(b->out, "[%" PRId64 "].", r->elem);
		else if (rr->role)
			fputc('.', b->out);
		fprintf(b->out, "%s\n", r->field->name);
		n++;
	}
	fprintf(b->out, "%zu reference%s\n", n, n == 1 ? "" : "s");
	return 0;
}

/* -- check --------------------------------------------------------------- */

static void on_finding(void *arg, const struct ckpt_finding *f)
{
	struct browse *b = arg;

	fprintf(b->out, "%s %s record %" PRIu64, ckpt_severity_name(f->severity), f->rule->id, f->index);
	if (f->record[0])
		fprintf(b->out, " (%s)", f->record);
	fprintf(b->out, " @%" PRIu64 " (0x%" PRIx64 "): %s\n", f->offset, f->offset, f->message);
}

/* ckptcheck's image rules (structure, header, objref) over a second,
 * independent reading of the image; kernel rules need a target kernel and
 * stay with ckptcheck --target. */
static int cmd_check(struct browse *b, int argc, char **argv)
{
	/* Ctrl-C ends the pass; the session says "interrupted". */
	struct ckpt_check_options opt = { .target = NULL, .stop = &browse_interrupted };
	struct ckpt_check_summary sum = { 0 };
	struct ckpt_error err;
	struct ckpt_image *img;
	struct ckpt_check *c;
	int r;

	(void)argv;
	if (argc > 1)
		return fail(b, "check takes no arguments");
	if (b->spool_fd >= 0) {
		int fd = dup(b->spool_fd);

		img = fd < 0 ? NULL : ckpt_image_open_fd(fd, &err);
		if (fd < 0)
			snprintf(err.reason, sizeof(err.reason), "%s", strerror(errno));
	} else {
		img = ckpt_image_open(b->path, &err);
	}
	if (!img)
		return fail(b, "check: cannot read the image again: %s", err.reason);
	c = ckpt_check_new(&opt);
	if (!c) {
		ckpt_image_close(img);
		return fail(b, "out of memory");
	}
	r = ckpt_check_image(c, img, on_finding, b, &sum);
	ckpt_check_free(c);
	ckpt_image_close(img);
	if (r < 0)
		return fail(b, "check: out of memory");
	if (sum.interrupted) {
		fprintf(b->out, "check: stopped after %" PRIu64 " records: no verdict (%" PRIu64 " errors, %" PRIu64
			" warnings, %" PRIu64 " infos so far)\n", sum.records, sum.errors, sum.warnings, sum.infos);
		return 0;
	}
	fprintf(b->out, "%s: %" PRIu64 " errors, %" PRIu64 " warnings, %" PRIu64 " infos in %" PRIu64
		" records%s (kernel rules: ckptcheck)\n", sum.errors ? "no-go" : "go", sum.errors,
		sum.warnings, sum.infos, sum.records, sum.read_whole ? "" : " read before a fault");
	return 0;
}

/* -- help, dispatch ---------------------------------------------------------- */

static int cmd_help(struct browse *b, int argc, char **argv)
{
	if (argc > 2)
		return fail(b, "usage: help [COMMAND]");
	if (argc == 2) {
		const struct browse_command_info *c = browse_command_find(argv[1]);

		if (!c)
			return fail(b, "help: no command %s (try help)", argv[1]);
		fprintf(b->out, "%s\n  %s\n%s", c->usage, c->summary, c->help);
		return 0;
	}
	for (size_t i = 0; i < browse_n_commands; i++)
		fprintf(b->out, "  %-44s %s\n", browse_commands[i].usage, browse_commands[i].summary);
	fprintf(b->out, "Commands are separated by `;`.  PID is a pid from ps; numbers may be 0x hex.\n");
	return 0;
}

/* Splits a command into words; "..." groups a word (quotes removed). */
static int split(char *s, char **argv)
{
	int argc = 0;

	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		if (argc == MAX_ARGS)
			return -1;
		if (*s == '"') {
			argv[argc++] = ++s;
			while (*s && *s != '"')
				s++;
		} else {
			argv[argc++] = s;
			while (*s && *s != ' ' && *s != '\t')
				s++;
		}
		if (*s)
			*s++ = '\0';
	}
	return argc;
}

int browse_run_command(struct browse *b, const char *cmd)
{
	const struct browse_command_info *c;
	char line[4096];
	char *argv[MAX_ARGS];
	int argc;

	if (strlen(cmd) >= sizeof(line))
		return fail(b, "command too long");
	snprintf(line, sizeof(line), "%s", cmd);
	argc = split(line, argv);
	if (argc < 0)
		return fail(b, "too many words (at most %d)", MAX_ARGS);
	if (argc == 0)
		return 0;
	c = browse_command_find(argv[0]);
	if (c && c->run_text)
		return c->run_text(b, cmd + strspn(cmd, " \t") + strlen(argv[0]));
	if (c && c->run)
		return c->run(b, argc, argv);
	char esc[128];

	ckpt_escape((const uint8_t *)argv[0], strlen(argv[0]), esc, sizeof(esc));
	return fail(b, "%s: unknown command (try help)", esc);
}

/* -- the command table ----------------------------------------------------- */

const struct browse_command_info browse_commands[] = {
	{ "info", "info", "dialect, header summary, record count, tasks, size", BROWSE_ARG_NONE,
	  "Shows the dialect, the main header fields, the image size, how the image ended\n"
	  "(or the error that stopped reading it), and counts of records, tasks and objects.\n", .run = cmd_info },
	{ "ls", "ls [TYPE]", "list records (of one type)", BROWSE_ARG_TYPE,
	  "One line per record: index, type, role, offset, length.  TYPE is a record\n"
	  "type name (completed with Tab) or number.\n", .run = cmd_ls },
	{ "show", "show [--json|--yaml] N|next|prev [FIELD...]", "print a record as ckptdump does",
	  BROWSE_ARG_RECORD,
	  "Prints record N exactly as ckptdump prints it (text, or a JSON/YAML document\n"
	  "holding that record).  `next` and `prev` move from the record last shown;\n"
	  "with FIELD names only those fields are printed (text).\n", .run = cmd_show },
	{ "goto", "goto OFFSET", "show the record holding a byte offset", BROWSE_ARG_OTHER,
	  "Shows the record that holds image byte OFFSET (decimal or 0x hex).\n", .run = cmd_goto },
	{ "summary", "summary [--json|--yaml]", "the image at a glance (ckptdump --summary)", BROWSE_ARG_NONE,
	  "Producer, kernel, time, dialect and size; the process tree with each process's\n"
	  "command line, memory by kind and open files; totals; namespaces; and, when the\n"
	  "image carries digests, the verdict of ckptcheck's image rules.\n", .run = cmd_summary, .json = true },
	{ "tree", "tree [--json]", "the process tree, one row per process", BROWSE_ARG_NONE,
	  "The task table of `summary`: processes drawn as a tree under their parents,\n"
	  "with uid, threads, state, memory by kind, open files and the command line.\n",
	  .run = cmd_tree, .json = true },
	{ "ps", "ps [--json]", "the tasks: pid, tgid, ppid, threads, comm, command line", BROWSE_ARG_NONE,
	  "One line per task in image order.  Pids come from the process tree (TREE and\n"
	  "PIDS); in a dialect without a tree tasks are numbered 1, 2, ... in image order.\n"
	  "THREADS counts the tasks of the same thread group.  COMMAND is the argv read\n"
	  "from the saved pages ([comm] when they were not saved).\n", .run = cmd_ps, .json = true },
	{ "env", "env PID", "the task's environment, one variable a line", BROWSE_ARG_PID,
	  "The environment read from the saved pages (the MM's env_start to env_end).\n"
	  "It can hold secrets: no other command shows it.\n", .run = cmd_env },
	{ "task", "task PID", "everything about one task, following its objrefs", BROWSE_ARG_PID,
	  "Prints the TASK record and its own records, then every object its TASK_CREDS,\n"
	  "TASK_NS and TASK_OBJS refer to (and the objects those refer to).\n", .run = cmd_task },
	{ "maps", "maps [--json] PID", "VMAs like /proc/PID/maps, with dumped-page counts", BROWSE_ARG_PID,
	  "START-END PERMS OFFSET DUMPED PATH, one line per VMA of the task's mm, named as\n"
	  "the kernel names them: a path, [heap], [stack], [vdso], [vvar], [vvar_vclock],\n"
	  "[vsyscall], or nothing for anonymous memory.  --json: addresses as hex strings,\n"
	  "length, pages and saved bytes as numbers.\n", .run = cmd_maps, .json = true },
	{ "x", "x [PID] ADDR [LEN]", "hexdump dumped memory at a virtual address", BROWSE_ARG_PID,
	  "Hexdumps LEN bytes (default 256, at most 1 MiB) of the dumped memory at ADDR\n"
	  "in the mm of task PID (default: the first task).  Parts that were not dumped\n"
	  "are named as such.\n", .run = cmd_x },
	{ "search", "search BYTES|\"string\"|/regex/ [PID]", "find content in dumped pages",
	  BROWSE_ARG_OTHER,
	  "Prints the virtual addresses where the content occurs in dumped pages (of task\n"
	  "PID's mm, or of every mm).  BYTES are hex digits in one word (deadbeef);\n"
	  "\"string\" takes \\\\, \\\" and \\xNN escapes; /regex/ is a POSIX extended regex\n"
	  "without back-references or deeply nested repetitions, matched page by page: a\n"
	  "match does not cross a page boundary.  At most 1000 matches are printed;\n"
	  "Ctrl-C stops a long search.\n", .run_text = cmd_search },
	{ "creds", "creds PID", "the task's credentials", BROWSE_ARG_PID,
	  "The CRED objects of TASK_CREDS and the objects they refer to.\n", .run = cmd_creds },
	{ "ns", "ns PID", "the task's namespaces", BROWSE_ARG_PID,
	  "The NS object of TASK_NS and the namespaces it refers to.\n", .run = cmd_ns },
	{ "fds", "fds [--json] PID", "the task's open files", BROWSE_ARG_PID,
	  "The FILE_TABLE of TASK_OBJS, then one line per FILE_DESC: descriptor, kind\n"
	  "(generic, pipe, socket, tty, ...), close-on-exec, file objref, path, flags,\n"
	  "position.\n", .run = cmd_fds, .json = true },
	{ "objref", "objref N", "an object's definition and every reference to it", BROWSE_ARG_OBJREF,
	  "The OBJREF record defining object N, its first record, and every record\n"
	  "field (of any record type) that refers to it.\n", .run = cmd_objref },
	{ "check", "check", "run ckptcheck's image rules and list the findings", BROWSE_ARG_NONE,
	  "Runs ckptcheck's structure, header and objref rules over the image and lists\n"
	  "the findings as ckptcheck does.  Kernel rules need a target kernel: run\n"
	  "ckptcheck (--target) for those.  The command succeeds whatever it finds.\n", .run = cmd_check },
	{ "help", "help [COMMAND]", "list the commands, or explain one", BROWSE_ARG_COMMAND,
	  "Tab completes command names, record type names, pids, objrefs and, after\n"
	  "`show N`, the field names of record N.\n", .run = cmd_help },
	{ "quit", "quit", "leave the browser (also: exit, Ctrl-D)", BROWSE_ARG_NONE, "", .run = NULL },
};

const size_t browse_n_commands = sizeof(browse_commands) / sizeof(browse_commands[0]);
