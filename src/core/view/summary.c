/* The summary of an image (include/ckpt/summary.h): facts about the image,
 * the process tree with per-task memory and files, totals, namespaces and
 * the checker's verdict.
 *
 * Address spaces and file tables are shared by threads (and by processes
 * made with CLONE_VM or CLONE_FILES): each is summed once, and every task
 * using it shows its numbers.  The JSON document is the source of the
 * YAML form; the text form is printed row by row from the same facts. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/format.h"
#include "ckpt/summary.h"
#include "view/view.h"

/* -- columns -------------------------------------------------------------- */

enum col {
	COL_PID, COL_PPID, COL_TGID, COL_UID, COL_THREADS, COL_STATE, COL_VMAS, COL_PAGES, COL_SAVED,
	COL_ANON, COL_FILE, COL_SHARED, COL_STACK, COL_HEAP, COL_FDS, COL_FILES, COL_COMM, COL_ARGS,
	COL_COMMAND, N_COLS
};

static const struct ckpt_summary_column columns[N_COLS] = {
	[COL_PID] = { "PID", "process id (the thread group leader's)", true },
	[COL_PPID] = { "PPID", "parent's pid (- for a root of the image)", true },
	[COL_TGID] = { "TGID", "thread group id", false },
	[COL_UID] = { "UID", "real user id (from the task's credentials)", true },
	[COL_THREADS] = { "THREADS", "threads in the process", true },
	[COL_STATE] = { "STATE", "state as ps prints it: R, S, D, T, t, Z, X", true },
	[COL_VMAS] = { "VMAS", "memory areas of the address space", true },
	[COL_PAGES] = { "PAGES", "resident pages saved in the image", true },
	[COL_SAVED] = { "SAVED", "bytes of the pages saved", false },
	[COL_ANON] = { "ANON", "private anonymous memory mapped (bytes), heap and stack apart", true },
	[COL_FILE] = { "FILE", "private file mappings (bytes)", true },
	[COL_SHARED] = { "SHARED", "shared mappings, file or anonymous (bytes)", true },
	[COL_STACK] = { "STACK", "the [stack] area (bytes)", true },
	[COL_HEAP] = { "HEAP", "the [heap] area (bytes)", true },
	[COL_FDS] = { "FDS", "open file descriptors", true },
	[COL_FILES] = { "FILES", "open files by kind (generic, pipe, socket, tty, ...)", true },
	[COL_COMM] = { "COMM", "the command name (15 bytes at most)", false },
	[COL_ARGS] = { "ARGS", "the command line, from the saved pages", false },
	[COL_COMMAND] = { "COMMAND", "the tree drawn, then the command line (or [comm] when not saved)", true },
};

const struct ckpt_summary_column *ckpt_summary_columns(size_t *n)
{
	*n = N_COLS;
	return columns;
}

static int column_by_name(const char *s, size_t len)
{
	for (int i = 0; i < N_COLS; i++)
		if (strlen(columns[i].name) == len && strncasecmp(columns[i].name, s, len) == 0)
			return i;
	return -1;
}

/* The columns chosen, in order; returns how many (0 on an unknown name). */
static size_t parse_columns(const char *list, enum col *out, char *bad, size_t bad_size)
{
	size_t n = 0;

	if (!list) {
		for (int i = 0; i < N_COLS; i++)
			if (columns[i].by_default)
				out[n++] = (enum col)i;
		return n;
	}
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		int c = column_by_name(p, len);

		if (c < 0 || len == 0) {
			if (bad_size)
				snprintf(bad, bad_size, "%.*s", (int)(len < 64 ? len : 64), p);
			return 0;
		}
		if (n < N_COLS * 2)
			out[n++] = (enum col)c;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!n && bad_size)
		snprintf(bad, bad_size, "%s", "");
	return n;
}

bool ckpt_summary_columns_valid(const char *list, char *bad, size_t bad_size)
{
	enum col cols[N_COLS * 2];

	return parse_columns(list, cols, bad, bad_size) > 0;
}

/* -- VMAs ----------------------------------------------------------------- */

enum kind { K_ANON, K_FILE, K_SHARED, K_STACK, K_HEAP, K_SPECIAL, N_KINDS };
static const char *const kind_names[N_KINDS] = { "anon", "file", "shared", "stack", "heap", "special" };

struct mm_bounds {
	uint64_t start_brk, brk, start_stack;
	bool has_brk, has_stack;
};

static void mm_bounds(struct ckpt_image *img, const struct ckpt_model *m, const struct ckpt_model_mm *mm,
		      struct mm_bounds *b)
{
	struct ckpt_error err;

	memset(b, 0, sizeof(*b));
	b->has_brk = ckpt_model_field_u64(img, m, mm->record, "start_brk", &b->start_brk, &err) == 0 &&
		     ckpt_model_field_u64(img, m, mm->record, "brk", &b->brk, &err) == 0;
	b->has_stack = ckpt_model_field_u64(img, m, mm->record, "start_stack", &b->start_stack, &err) == 0 &&
		       b->start_stack != 0;
}

static const char *vma_type(const struct ckpt_model *m, const struct ckpt_model_vma *v)
{
	const struct ckpt_model_record *r = ckpt_model_record(m, v->record);
	const struct ckpt_field *f = r && r->rt ? ckpt_rtype_field(r->rt, "vma_type") : NULL;
	const char *name = f && f->names ? ckpt_names_lookup(f->names, v->type) : NULL;

	return name ? name : "";
}

#define VM_EXEC		0x4u
#define VM_SHARED	0x8u
#define VM_GROWSDOWN	0x100u
#define VSYSCALL_ADDR	0xffffffffff600000ull

static bool is_special(const struct ckpt_model *m, const struct ckpt_model_vma *v)
{
	return strcmp(vma_type(m, v), "VDSO") == 0;
}

/* The kernel's names of special mappings, told apart by what the image
 * keeps: [vsyscall] at its fixed address, [vdso] executable, and the data
 * pages before it: [vvar], then (since 6.13) [vvar_vclock] right after. */
static const char *special_name(const struct ckpt_model *m, const struct ckpt_model_mm *mm, size_t i)
{
	const struct ckpt_model_vma *v = &mm->vmas[i];

	if (v->start == VSYSCALL_ADDR)
		return "[vsyscall]";
	if (v->flags & VM_EXEC)
		return "[vdso]";
	if (i > 0 && is_special(m, &mm->vmas[i - 1]) && mm->vmas[i - 1].end == v->start &&
	    !(mm->vmas[i - 1].flags & VM_EXEC))
		return "[vvar_vclock]";
	return "[vvar]";
}

static enum kind vma_kind(const struct ckpt_model *m, const struct ckpt_model_vma *v, const struct mm_bounds *b)
{
	const char *t = vma_type(m, v);

	if (strcmp(t, "VDSO") == 0)
		return K_SPECIAL;
	if ((v->flags & VM_SHARED) || strncmp(t, "SHM_", 4) == 0)
		return K_SHARED;
	if (v->file_ref > 0 || v->path)
		return K_FILE;
	if (b->has_brk && b->brk >= b->start_brk && v->start <= b->brk && v->end >= b->start_brk &&
	    b->brk != 0)
		return K_HEAP;
	if ((b->has_stack && v->start <= b->start_stack && v->end >= b->start_stack) || (v->flags & VM_GROWSDOWN))
		return K_STACK;
	return K_ANON;
}

void ckpt_vma_name(struct ckpt_image *img, const struct ckpt_model *m, const struct ckpt_model_mm *mm,
		   size_t i, char *out, size_t size)
{
	const struct ckpt_model_vma *v = &mm->vmas[i];
	struct mm_bounds b;

	if (!size)
		return;
	out[0] = '\0';
	if (v->path) {
		snprintf(out, size, "%s", v->path);
		return;
	}
	if (is_special(m, v)) {
		snprintf(out, size, "%s", special_name(m, mm, i));
		return;
	}
	mm_bounds(img, m, mm, &b);
	switch (vma_kind(m, v, &b)) {
	case K_HEAP: snprintf(out, size, "[heap]"); break;
	case K_STACK: snprintf(out, size, "[stack]"); break;
	default: break;
	}
}

/* -- facts per address space and per file table ----------------------------- */

struct mm_facts {
	uint64_t vmas, pages;
	uint64_t size[N_KINDS];
	uint64_t saved[N_KINDS];
};

#define MAX_FILE_KINDS 16

struct file_facts {
	uint64_t fds;
	const char *kind[MAX_FILE_KINDS];
	uint64_t count[MAX_FILE_KINDS];
	size_t n_kinds;
};

static void mm_facts(struct ckpt_image *img, const struct ckpt_model *m, const struct ckpt_model_mm *mm,
		     struct mm_facts *f)
{
	struct mm_bounds b;

	memset(f, 0, sizeof(*f));
	mm_bounds(img, m, mm, &b);
	for (size_t i = 0; i < mm->n_vmas; i++) {
		const struct ckpt_model_vma *v = &mm->vmas[i];
		enum kind k = vma_kind(m, v, &b);

		f->vmas++;
		f->pages += v->pages;
		f->size[k] += v->end > v->start ? v->end - v->start : 0;
		f->saved[k] += v->pages * CKPT_PAGE_SIZE;
	}
}

static void count_kind(struct file_facts *f, const char *kind, uint64_t n)
{
	for (size_t i = 0; i < f->n_kinds; i++)
		if (strcmp(f->kind[i], kind) == 0) {
			f->count[i] += n;
			return;
		}
	if (f->n_kinds == MAX_FILE_KINDS)
		kind = "other";
	for (size_t i = 0; i < f->n_kinds; i++)
		if (strcmp(f->kind[i], kind) == 0) {
			f->count[i] += n;
			return;
		}
	if (f->n_kinds < MAX_FILE_KINDS) {
		f->kind[f->n_kinds] = kind;
		f->count[f->n_kinds++] = n;
	}
}

/* A file object's kind: its f_type's name ("GENERIC", "PIPE", ...). */
static const char *file_kind(struct ckpt_image *img, const struct ckpt_model *m, int32_t ref)
{
	const struct ckpt_model_object *o = ckpt_model_object(m, ref);
	uint64_t first = o ? ckpt_model_object_first(o) : CKPT_MODEL_NONE;
	const struct ckpt_model_record *r = first != CKPT_MODEL_NONE ? ckpt_model_record(m, first) : NULL;
	const struct ckpt_field *f = r && r->rt ? ckpt_rtype_field(r->rt, "f_type") : NULL;
	struct ckpt_error err;
	uint64_t v;

	if (!o)
		return "undefined";
	if (!f || !f->names || ckpt_model_field_u64(img, m, first, "f_type", &v, &err) != 0)
		return "file";
	const char *name = ckpt_names_lookup(f->names, v);

	return name ? name : "unknown";
}

static void file_facts(struct ckpt_image *img, const struct ckpt_model *m, const struct ckpt_model_file_table *t,
		       struct file_facts *f)
{
	memset(f, 0, sizeof(*f));
	for (size_t k = 0; k < t->n_fds; k++) {
		f->fds++;
		count_kind(f, file_kind(img, m, m->fds[t->first_fd + k].file_ref), 1);
	}
}

static void add_mm(struct mm_facts *to, const struct mm_facts *f)
{
	to->vmas += f->vmas;
	to->pages += f->pages;
	for (int k = 0; k < N_KINDS; k++) {
		to->size[k] += f->size[k];
		to->saved[k] += f->saved[k];
	}
}

static void add_files(struct file_facts *to, const struct file_facts *f)
{
	to->fds += f->fds;
	for (size_t i = 0; i < f->n_kinds; i++)
		count_kind(to, f->kind[i], f->count[i]);
}

/* -- per task ------------------------------------------------------------------ */

struct row {
	size_t task;			/* in m->tasks */
	int64_t pid, ppid, tgid;
	bool has_ppid;
	bool has_uid;
	uint64_t uid;
	size_t threads;
	char state;
	const struct mm_facts *mm;	/* NULL: no address space */
	const struct file_facts *files;	/* NULL: no file table */
	/* The tree: parent row (or SIZE_MAX), children in image order. */
	size_t parent, first_child, next_sibling, last_child;
};

struct summary {
	struct ckpt_image *img;
	const struct ckpt_model *m;
	const struct ckpt_summary_options *opt;
	struct mm_facts *mms;		/* per m->mms[] */
	struct file_facts *fts;		/* per m->file_tables[] */
	struct row *rows;		/* processes (or every task when flat) */
	size_t n_rows;
	struct mm_facts total_mm;
	struct file_facts total_files;
	enum col cols[N_COLS * 2];
	size_t n_cols;
};

static char task_state(struct ckpt_image *img, const struct ckpt_model *m, const struct ckpt_model_task *t)
{
	struct ckpt_error err;
	uint64_t s;

	if (t->exit_state & 0x10)
		return 'Z';
	if (t->exit_state & 0x20)
		return 'X';
	if (ckpt_model_field_u64(img, m, t->record, "state", &s, &err) != 0)
		return '-';
	if (s == 0)
		return 'R';
	if (s & 0x1)
		return 'S';
	if (s & 0x2)
		return 'D';
	if (s & 0x4)
		return 'T';
	if (s & 0x8)
		return 't';
	return '?';
}

static bool task_uid(struct ckpt_image *img, const struct ckpt_model *m, const struct ckpt_model_task *t,
		     uint64_t *uid)
{
	const struct ckpt_model_object *o = t->cred_ref > 0 ? ckpt_model_object(m, t->cred_ref) : NULL;
	uint64_t first = o ? ckpt_model_object_first(o) : CKPT_MODEL_NONE;
	struct ckpt_error err;

	return first != CKPT_MODEL_NONE && ckpt_model_field_u64(img, m, first, "uid", uid, &err) == 0;
}

static bool is_leader(const struct ckpt_model_task *t)
{
	return !t->has_tree || t->pid == t->tgid || t->tgid == 0;
}

static void summary_free(struct summary *s)
{
	free(s->mms);
	free(s->fts);
	free(s->rows);
}

/* Gathers the facts; false when memory runs out. */
static bool summary_build(struct summary *s, struct ckpt_image *img, const struct ckpt_model *m,
			  const struct ckpt_summary_options *opt)
{
	memset(s, 0, sizeof(*s));
	s->img = img;
	s->m = m;
	s->opt = opt;
	s->n_cols = parse_columns(opt->columns, s->cols, NULL, 0);
	if (!s->n_cols)
		s->n_cols = parse_columns(NULL, s->cols, NULL, 0);
	s->mms = calloc(m->n_mms ? m->n_mms : 1, sizeof(*s->mms));
	s->fts = calloc(m->n_file_tables ? m->n_file_tables : 1, sizeof(*s->fts));
	s->rows = calloc(m->n_tasks ? m->n_tasks : 1, sizeof(*s->rows));
	if (!s->mms || !s->fts || !s->rows) {
		summary_free(s);
		return false;
	}
	for (size_t i = 0; i < m->n_mms; i++) {
		mm_facts(img, m, &m->mms[i], &s->mms[i]);
		add_mm(&s->total_mm, &s->mms[i]);
	}
	for (size_t i = 0; i < m->n_file_tables; i++) {
		file_facts(img, m, &m->file_tables[i], &s->fts[i]);
		add_files(&s->total_files, &s->fts[i]);
	}
	for (size_t i = 0; i < m->n_tasks; i++) {
		const struct ckpt_model_task *t = &m->tasks[i];
		struct row *r = &s->rows[s->n_rows];

		if (!opt->flat && !is_leader(t))
			continue;
		s->n_rows++;
		r->task = i;
		r->pid = ckpt_model_task_pid(m, t);
		r->tgid = t->has_tree ? t->tgid : r->pid;
		r->ppid = t->ppid;
		r->has_ppid = t->has_tree && t->ppid != 0;
		r->has_uid = task_uid(img, m, t, &r->uid);
		r->threads = ckpt_model_thread_count(m, t);
		r->state = task_state(img, m, t);
		const struct ckpt_model_mm *mm = ckpt_model_task_mm(m, t);

		r->mm = mm ? &s->mms[mm - m->mms] : NULL;
		const struct ckpt_model_file_table *ft = t->files_ref ? ckpt_model_file_table(m, t->files_ref) : NULL;

		r->files = ft ? &s->fts[ft - m->file_tables] : NULL;
		r->parent = r->first_child = r->next_sibling = r->last_child = SIZE_MAX;
	}
	/* The tree: a process's parent is the row of its ppid's thread group. */
	if (!opt->flat)
		for (size_t i = 0; i < s->n_rows; i++) {
			struct row *r = &s->rows[i];
			const struct ckpt_model_task *p = r->has_ppid ? ckpt_model_task_by_pid(m, r->ppid) : NULL;

			if (p && p->has_tree && p->tgid && p->pid != p->tgid)
				p = ckpt_model_task_by_pid(m, p->tgid);
			if (!p)
				continue;
			/* Rows are in image order, like tasks: find p's row. */
			size_t lo = 0, hi = s->n_rows, want = (size_t)(p - m->tasks);

			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;

				if (s->rows[mid].task < want)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo == s->n_rows || s->rows[lo].task != want || lo == i)
				continue;
			r->parent = lo;
		}
	/* Children in image order; a cycle (a corrupt tree) leaves its rows
	 * rootless, so they are drawn as roots below. */
	for (size_t i = 0; i < s->n_rows; i++) {
		size_t p = s->rows[i].parent;

		if (p == SIZE_MAX)
			continue;
		if (s->rows[p].last_child == SIZE_MAX)
			s->rows[p].first_child = i;
		else
			s->rows[s->rows[p].last_child].next_sibling = i;
		s->rows[p].last_child = i;
	}
	return true;
}

/* Visits the rows depth first: roots in image order, then every row not
 * reached from a root (a cycle).  depth and, per level, whether the row is
 * the last of its siblings. */
typedef void (*visit_fn)(struct summary *s, size_t row, size_t depth, const bool *last, void *arg);

static bool walk(struct summary *s, visit_fn fn, void *arg)
{
	size_t n = s->n_rows;
	size_t *stack = malloc((n ? n : 1) * sizeof(*stack));
	bool *last = calloc(n + 1, sizeof(*last));
	bool *done = calloc(n ? n : 1, sizeof(*done));

	if (!stack || !last || !done) {
		free(stack);
		free(last);
		free(done);
		return false;
	}
	for (int pass = 0; pass < 2; pass++)
		for (size_t root = 0; root < n; root++) {
			if (done[root] || (pass == 0 && s->rows[root].parent != SIZE_MAX))
				continue;
			size_t depth = 0, cur = root;

			last[0] = true;
			for (;;) {
				done[cur] = true;
				fn(s, cur, depth, last, arg);
				size_t c = s->rows[cur].first_child;

				while (c != SIZE_MAX && done[c])
					c = s->rows[c].next_sibling;
				if (c != SIZE_MAX && depth + 1 < n) {
					stack[depth++] = cur;
					size_t nx = s->rows[c].next_sibling;

					while (nx != SIZE_MAX && done[nx])
						nx = s->rows[nx].next_sibling;
					last[depth] = nx == SIZE_MAX;
					cur = c;
					continue;
				}
				/* Up until a level has a next sibling. */
				for (;;) {
					if (depth == 0)
						goto next_root;
					size_t nx = s->rows[cur].next_sibling;

					while (nx != SIZE_MAX && done[nx])
						nx = s->rows[nx].next_sibling;
					if (nx != SIZE_MAX) {
						size_t after = s->rows[nx].next_sibling;

						while (after != SIZE_MAX && done[after])
							after = s->rows[after].next_sibling;
						last[depth] = after == SIZE_MAX;
						cur = nx;
						break;
					}
					cur = stack[--depth];
				}
			}
next_root:;
		}
	free(stack);
	free(last);
	free(done);
	return true;
}

/* -- image facts ------------------------------------------------------------ */

/* The text of record parent's follower with that role, escaped. */
static bool follower_text(struct ckpt_image *img, const struct ckpt_model *m, uint64_t parent, const char *role,
			  char *out, size_t size)
{
	for (uint64_t i = parent + 1; i < m->n_records && i < parent + 16; i++) {
		const struct ckpt_model_record *r = ckpt_model_record(m, i);
		struct ckpt_record rec;
		struct ckpt_error err;
		bool term;

		if (!r || r->parent != parent || !r->role || strcmp(r->role, role) != 0)
			continue;
		if (ckpt_image_record_at(img, r->offset, r->index, &rec, &err) != 1 || rec.avail < rec.hdr_len)
			return false;
		size_t len = rec.avail - rec.hdr_len;

		if (len > 4096)
			len = 4096;
		len = ckpt_text_len(rec.data + rec.hdr_len, len, &term);
		ckpt_escape(rec.data + rec.hdr_len, len, out, size);
		return true;
	}
	return false;
}

static uint64_t record_named(const struct ckpt_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_records; i++)
		if (m->records[i].rt && strcmp(m->records[i].rt->name, name) == 0)
			return m->records[i].index;
	return CKPT_MODEL_NONE;
}

bool ckpt_summary_has_digests(const struct ckpt_model *m)
{
	return record_named(m, "EXT_DIGEST") != CKPT_MODEL_NONE;
}

static json_t *image_json(struct summary *s, const char *source)
{
	struct ckpt_image *img = s->img;
	const struct ckpt_model *m = s->m;
	json_t *j = json_object();
	struct ckpt_error err;
	char text[4200];
	uint64_t v, major, minor, patch;

	if (!j)
		return NULL;
	ckpt_escape((const uint8_t *)source, strlen(source), text, sizeof(text));
	json_object_set_new(j, "source", json_string(text));
	json_object_set_new(j, "dialect", json_string(m->schema->id));
	json_object_set_new(j, "dialect_title", json_string(m->schema->title));
	json_object_set_new(j, "size", m->size ? json_integer((json_int_t)m->size) : json_null());
	json_object_set_new(j, "records", json_integer((json_int_t)m->n_records));
	const char *end = m->failed ? NULL : view_end_name(m->end);

	json_object_set_new(j, "end", end ? json_string(end) : json_null());
	if (m->failed) {
		json_object_set_new(j, "error", ckpt_error_json(&m->err));
	}
	/* The kernel: the release string the header carries, else its version. */
	if (m->n_records && (follower_text(img, m, 0, "release", text, sizeof(text)) ||
			     ckpt_model_field_text(img, m, 0, "uts_release", text, sizeof(text), &err) == 0)) {
		size_t n = strlen(text);

		if (n >= 2 && text[0] == '"' && text[n - 1] == '"') {
			memmove(text, text + 1, n - 2);
			text[n - 2] = '\0';
		}
		json_object_set_new(j, "kernel", json_string(text));
	} else if (m->n_records && ckpt_model_field_u64(img, m, 0, "major", &major, &err) == 0 &&
		   ckpt_model_field_u64(img, m, 0, "minor", &minor, &err) == 0 &&
		   ckpt_model_field_u64(img, m, 0, "patch", &patch, &err) == 0) {
		snprintf(text, sizeof(text), "%" PRIu64 ".%" PRIu64 ".%" PRIu64, major, minor, patch);
		json_object_set_new(j, "kernel", json_string(text));
	} else {
		json_object_set_new(j, "kernel", json_null());
	}
	if (m->n_records && ckpt_model_field_u64(img, m, 0, "time", &v, &err) == 0) {
		json_object_set_new(j, "time", json_integer((json_int_t)v));
		ckpt_model_field_text(img, m, 0, "time", text, sizeof(text), &err);
		char *paren = strchr(text, '(');

		if (paren) {
			size_t n = strlen(paren + 1);

			if (n && paren[n] == ')')
				paren[n] = '\0';
			json_object_set_new(j, "time_text", json_string(paren + 1));
		}
	} else {
		json_object_set_new(j, "time", json_null());
	}
	uint64_t prod = record_named(m, "EXT_PRODUCER");

	if (prod != CKPT_MODEL_NONE) {
		json_t *p = json_object();
		static const char *const roles[] = { "producer", "host", "cmdline" };

		for (size_t i = 0; i < CKPT_ARRAY_LEN(roles); i++)
			json_object_set_new(p, roles[i], follower_text(img, m, prod, roles[i], text, sizeof(text)) ?
					    json_string(text) : json_null());
		int64_t root;

		if (ckpt_model_field_s64(img, m, prod, "root_pid", &root, &err) == 0)
			json_object_set_new(p, "root_pid", json_integer(root));
		if (ckpt_model_field_u64(img, m, prod, "time_ns", &v, &err) == 0)
			json_object_set_new(p, "time_ns", json_integer((json_int_t)v));
		if (ckpt_model_field_u64(img, m, prod, "frozen_ns", &v, &err) == 0)
			json_object_set_new(p, "frozen_ns", json_integer((json_int_t)v));
		json_object_set_new(j, "producer", p);
	} else {
		json_object_set_new(j, "producer", json_null());
	}
	return j;
}

/* -- values of the columns ------------------------------------------------------ */

static json_t *kinds_json(const struct file_facts *f)
{
	json_t *o = json_object();
	char low[32];

	for (size_t i = 0; i < f->n_kinds; i++) {
		snprintf(low, sizeof(low), "%s", f->kind[i]);
		for (char *c = low; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		json_object_set_new(o, low, json_integer((json_int_t)f->count[i]));
	}
	return o;
}

static void kinds_text(const struct file_facts *f, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < f->n_kinds && len + 1 < size; i++) {
		int n = snprintf(out + len, size - len, "%s%" PRIu64 " ", i ? "," : "", f->count[i]);

		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
		for (const char *c = f->kind[i]; *c && len + 1 < size; c++)
			out[len++] = (char)tolower((unsigned char)*c);
		out[len] = '\0';
	}
	if (!f->n_kinds)
		snprintf(out, size, "-");
}

struct strings_json {
	json_t *a;
};

static void add_string(void *arg, const char *escaped)
{
	struct strings_json *sj = arg;

	json_array_append_new(sj->a, json_string(escaped));
}

static json_t *argv_json(struct summary *s, const struct ckpt_model_task *t)
{
	struct strings_json sj = { .a = json_array() };
	char why[256];

	if (ckpt_task_strings(s->img, s->m, t, CKPT_TASK_ARGV, 64 * 1024, add_string, &sj, why, sizeof(why)) < 0) {
		json_decref(sj.a);
		return json_null();
	}
	return sj.a;
}

static json_t *memory_json(const struct mm_facts *f, enum col c)
{
	enum kind k = c == COL_ANON ? K_ANON : c == COL_FILE ? K_FILE : c == COL_SHARED ? K_SHARED :
		      c == COL_STACK ? K_STACK : K_HEAP;

	return f ? json_integer((json_int_t)f->size[k]) : json_null();
}

static void row_json_col(struct summary *s, json_t *o, const struct row *r, enum col c)
{
	const struct ckpt_model_task *t = &s->m->tasks[r->task];

	switch (c) {
	case COL_PID: json_object_set_new(o, "pid", json_integer(r->pid)); break;
	case COL_PPID: json_object_set_new(o, "ppid", r->has_ppid ? json_integer(r->ppid) : json_null()); break;
	case COL_TGID: json_object_set_new(o, "tgid", json_integer(r->tgid)); break;
	case COL_UID: json_object_set_new(o, "uid", r->has_uid ? json_integer((json_int_t)r->uid) : json_null()); break;
	case COL_THREADS: json_object_set_new(o, "threads", json_integer((json_int_t)r->threads)); break;
	case COL_STATE: {
		char st[2] = { r->state, 0 };

		json_object_set_new(o, "state", r->state == '-' ? json_null() : json_string(st));
		break;
	}
	case COL_VMAS: json_object_set_new(o, "vmas", r->mm ? json_integer((json_int_t)r->mm->vmas) : json_integer(0)); break;
	case COL_PAGES: json_object_set_new(o, "pages", r->mm ? json_integer((json_int_t)r->mm->pages) : json_integer(0)); break;
	case COL_SAVED:
		json_object_set_new(o, "saved", json_integer(r->mm ? (json_int_t)(r->mm->pages * CKPT_PAGE_SIZE) : 0));
		break;
	case COL_ANON: json_object_set_new(o, "anon", memory_json(r->mm, c)); break;
	case COL_FILE: json_object_set_new(o, "file", memory_json(r->mm, c)); break;
	case COL_SHARED: json_object_set_new(o, "shared", memory_json(r->mm, c)); break;
	case COL_STACK: json_object_set_new(o, "stack", memory_json(r->mm, c)); break;
	case COL_HEAP: json_object_set_new(o, "heap", memory_json(r->mm, c)); break;
	case COL_FDS: json_object_set_new(o, "fds", json_integer(r->files ? (json_int_t)r->files->fds : 0)); break;
	case COL_FILES: json_object_set_new(o, "files", r->files ? kinds_json(r->files) : json_object()); break;
	case COL_COMM: json_object_set_new(o, "comm", json_string(t->comm)); break;
	case COL_ARGS:
	case COL_COMMAND:
		if (!json_object_get(o, "argv"))
			json_object_set_new(o, "argv", argv_json(s, t));
		break;
	case N_COLS: break;
	}
}

struct json_walk {
	json_t *tasks;
	json_t **by_row;
};

static void json_visit(struct summary *s, size_t row, size_t depth, const bool *last, void *arg)
{
	struct json_walk *w = arg;
	const struct row *r = &s->rows[row];
	json_t *o = json_object();

	(void)last;
	json_object_set_new(o, "pid", json_integer(r->pid));
	for (size_t i = 0; i < s->n_cols; i++)
		row_json_col(s, o, r, s->cols[i]);
	if (!s->opt->flat)
		json_object_set_new(o, "depth", json_integer((json_int_t)depth));
	json_array_append_new(w->tasks, o);
}

static json_t *totals_json(struct summary *s)
{
	json_t *mem = json_object(), *saved = json_object();

	for (int k = 0; k < N_KINDS; k++) {
		json_object_set_new(mem, kind_names[k], json_integer((json_int_t)s->total_mm.size[k]));
		json_object_set_new(saved, kind_names[k], json_integer((json_int_t)s->total_mm.saved[k]));
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:I, s:I, s:o}",
			 "tasks", (json_int_t)s->m->n_tasks, "processes", (json_int_t)(s->opt->flat ? 0 : s->n_rows),
			 "address_spaces", (json_int_t)s->m->n_mms, "vmas", (json_int_t)s->total_mm.vmas,
			 "pages", (json_int_t)s->total_mm.pages,
			 "saved", (json_int_t)(s->total_mm.pages * CKPT_PAGE_SIZE),
			 "memory", mem, "memory_saved", saved,
			 "file_tables", (json_int_t)s->m->n_file_tables, "fds", (json_int_t)s->total_files.fds,
			 "files", kinds_json(&s->total_files));
}

/* The namespaces: each NS object the tasks use, its members and users. */
static json_t *namespaces_json(struct summary *s)
{
	const struct ckpt_model *m = s->m;
	json_t *list = json_array();

	for (size_t i = 0; i < m->n_tasks; i++) {
		int32_t ref = m->tasks[i].ns_ref;
		bool seen = false;

		for (size_t k = 0; k < i && !seen; k++)
			seen = m->tasks[k].ns_ref == ref;
		if (ref <= 0 || seen)
			continue;
		const struct ckpt_model_object *o = ckpt_model_object(m, ref);
		uint64_t first = o ? ckpt_model_object_first(o) : CKPT_MODEL_NONE;
		json_t *ns = json_object(), *members = json_object(), *pids = json_array();

		json_object_set_new(ns, "objref", json_integer(ref));
		for (size_t k = 0; first != CKPT_MODEL_NONE && k < m->n_refs; k++) {
			const struct ckpt_model_ref *rf = &m->refs[k];

			if (rf->record != first)
				continue;
			const struct ckpt_model_object *mo = ckpt_model_object(m, rf->objref);
			const char *tn = mo && m->schema->objtypes ? ckpt_names_lookup(m->schema->objtypes, mo->objtype) : NULL;
			json_t *mj = json_pack("{s:i, s:s?}", "objref", rf->objref, "type", tn);
			uint64_t mfirst = mo ? ckpt_model_object_first(mo) : CKPT_MODEL_NONE;
			char text[128];
			struct ckpt_error err;

			if (mfirst != CKPT_MODEL_NONE &&
			    ckpt_model_field_text(s->img, m, mfirst, "nodename", text, sizeof(text), &err) == 0) {
				size_t n = strlen(text);

				if (n >= 2 && text[0] == '"' && text[n - 1] == '"') {
					memmove(text, text + 1, n - 2);
					text[n - 2] = '\0';
				}
				json_object_set_new(mj, "nodename", json_string(text));
			}
			json_object_set_new(members, rf->field->name, mj);
		}
		for (size_t k = i; k < m->n_tasks; k++)
			if (m->tasks[k].ns_ref == ref)
				json_array_append_new(pids, json_integer(ckpt_model_task_pid(m, &m->tasks[k])));
		json_object_set_new(ns, "members", members);
		json_object_set_new(ns, "pids", pids);
		json_array_append_new(list, ns);
	}
	return list;
}

static json_t *verdict_json(const struct ckpt_check_summary *v)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:b}", "verdict", v->errors ? "no-go" : "go",
			 "errors", (json_int_t)v->errors, "warnings", (json_int_t)v->warnings,
			 "infos", (json_int_t)v->infos, "records", (json_int_t)v->records,
			 "read_whole", v->read_whole);
}

json_t *ckpt_summary_json(struct ckpt_image *img, const struct ckpt_model *m, const char *source,
			  const struct ckpt_summary_options *opt)
{
	struct summary s;
	unsigned parts = opt->parts ? opt->parts : CKPT_SUMMARY_ALL;
	json_t *doc;

	if (!summary_build(&s, img, m, opt))
		return NULL;
	doc = json_pack("{s:i}", "ckptdump_summary", CKPT_VIEW_SHAPE_VERSION);
	if (doc && (parts & CKPT_SUMMARY_IMAGE))
		json_object_set_new(doc, "image", image_json(&s, source));
	if (doc && (parts & CKPT_SUMMARY_TASKS)) {
		struct json_walk w = { .tasks = json_array() };

		if (!walk(&s, json_visit, &w)) {
			json_decref(w.tasks);
			json_decref(doc);
			summary_free(&s);
			return NULL;
		}
		json_object_set_new(doc, "tasks", w.tasks);
	}
	if (doc && (parts & CKPT_SUMMARY_TOTALS))
		json_object_set_new(doc, "totals", totals_json(&s));
	if (doc && (parts & CKPT_SUMMARY_NAMESPACES))
		json_object_set_new(doc, "namespaces", namespaces_json(&s));
	if (doc && (parts & CKPT_SUMMARY_VERDICT) && opt->verdict)
		json_object_set_new(doc, "check", verdict_json(opt->verdict));
	summary_free(&s);
	return doc;
}

/* -- text ----------------------------------------------------------------------- */

static void human(uint64_t b, char *out, size_t size)
{
	static const char units[] = "BKMGTPE";
	double v = (double)b;
	int i = 0;

	while (v >= 1024 && i < 6) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(out, size, "%" PRIu64 "B", b);
	else if (v < 10 && v != (double)(uint64_t)v)
		snprintf(out, size, "%.1f%c", v, units[i]);
	else
		snprintf(out, size, "%.0f%c", v, units[i]);
}

static int col_width(enum col c)
{
	switch (c) {
	case COL_PID: case COL_PPID: case COL_TGID: return 7;
	case COL_UID: return 6;
	case COL_THREADS: return 7;
	case COL_STATE: return 5;
	case COL_VMAS: return 5;
	case COL_PAGES: return 6;
	case COL_FDS: return 4;
	case COL_FILES: return 16;
	case COL_COMM: return 16;
	case COL_ARGS: case COL_COMMAND: return 0;
	default: return 7;
	}
}

static bool col_left(enum col c)
{
	return c == COL_STATE || c == COL_FILES || c == COL_COMM || c == COL_ARGS || c == COL_COMMAND;
}

struct text_walk {
	FILE *out;
	char *prefix;		/* the tree drawn so far */
	size_t prefix_size;
};

static void put_cell(FILE *out, enum col c, const char *text, bool first)
{
	int w = col_width(c);

	if (!first)
		fputc(' ', out);
	if (!w)
		fputs(text, out);
	else if (col_left(c))
		fprintf(out, "%-*s", w, text);
	else
		fprintf(out, "%*s", w, text);
}

static void mem_cell(const struct mm_facts *f, enum kind k, char *buf, size_t size)
{
	if (!f)
		snprintf(buf, size, "-");
	else
		human(f->size[k], buf, size);
}

static void tree_prefix(size_t depth, const bool *last, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	/* Deep trees are drawn to 32 levels, then marked. */
	for (size_t d = 1; d <= depth && len + 8 < size; d++) {
		const char *piece = d == depth ? (last[d] ? "`- " : "|- ") : (last[d] ? "   " : "|  ");

		if (d > 32) {
			len += (size_t)snprintf(out + len, size - len, "[%zu] ", depth);
			break;
		}
		len += (size_t)snprintf(out + len, size - len, "%s", piece);
	}
}

static void text_visit(struct summary *s, size_t row, size_t depth, const bool *last, void *arg)
{
	struct text_walk *w = arg;
	const struct row *r = &s->rows[row];
	const struct ckpt_model_task *t = &s->m->tasks[r->task];
	char buf[8192], args[4096];

	for (size_t i = 0; i < s->n_cols; i++) {
		enum col c = s->cols[i];

		switch (c) {
		case COL_PID: snprintf(buf, sizeof(buf), "%" PRId64, r->pid); break;
		case COL_PPID:
			if (r->has_ppid)
				snprintf(buf, sizeof(buf), "%" PRId64, r->ppid);
			else
				snprintf(buf, sizeof(buf), "-");
			break;
		case COL_TGID: snprintf(buf, sizeof(buf), "%" PRId64, r->tgid); break;
		case COL_UID:
			if (r->has_uid)
				snprintf(buf, sizeof(buf), "%" PRIu64, r->uid);
			else
				snprintf(buf, sizeof(buf), "-");
			break;
		case COL_THREADS: snprintf(buf, sizeof(buf), "%zu", r->threads); break;
		case COL_STATE: snprintf(buf, sizeof(buf), "%c", r->state); break;
		case COL_VMAS: snprintf(buf, sizeof(buf), "%" PRIu64, r->mm ? r->mm->vmas : 0); break;
		case COL_PAGES: snprintf(buf, sizeof(buf), "%" PRIu64, r->mm ? r->mm->pages : 0); break;
		case COL_SAVED: human(r->mm ? r->mm->pages * CKPT_PAGE_SIZE : 0, buf, sizeof(buf)); break;
		case COL_ANON: mem_cell(r->mm, K_ANON, buf, sizeof(buf)); break;
		case COL_FILE: mem_cell(r->mm, K_FILE, buf, sizeof(buf)); break;
		case COL_SHARED: mem_cell(r->mm, K_SHARED, buf, sizeof(buf)); break;
		case COL_STACK: mem_cell(r->mm, K_STACK, buf, sizeof(buf)); break;
		case COL_HEAP: mem_cell(r->mm, K_HEAP, buf, sizeof(buf)); break;
		case COL_FDS: snprintf(buf, sizeof(buf), "%" PRIu64, r->files ? r->files->fds : 0); break;
		case COL_FILES:
			if (r->files)
				kinds_text(r->files, buf, sizeof(buf));
			else
				snprintf(buf, sizeof(buf), "-");
			break;
		case COL_COMM: snprintf(buf, sizeof(buf), "%s", t->comm); break;
		case COL_ARGS:
			if (!ckpt_task_cmdline(s->img, s->m, t, buf, sizeof(buf)))
				snprintf(buf, sizeof(buf), "-");
			break;
		case COL_COMMAND: {
			char pre[256];

			tree_prefix(s->opt->flat ? 0 : depth, last, pre, sizeof(pre));
			if (ckpt_task_cmdline(s->img, s->m, t, args, sizeof(args)))
				snprintf(buf, sizeof(buf), "%s%s", pre, args);
			else
				snprintf(buf, sizeof(buf), "%s[%s]", pre, t->comm);
			break;
		}
		case N_COLS: buf[0] = '\0'; break;
		}
		put_cell(w->out, c, buf, i == 0);
	}
	fputc('\n', w->out);
}

static void text_header(struct summary *s, FILE *out)
{
	for (size_t i = 0; i < s->n_cols; i++)
		put_cell(out, s->cols[i], columns[s->cols[i]].name, i == 0);
	fputc('\n', out);
}

static void text_image(FILE *out, json_t *im)
{
	json_t *p = json_object_get(im, "producer");
	json_t *k = json_object_get(im, "kernel");
	json_t *size = json_object_get(im, "size");
	json_t *t = json_object_get(im, "time_text");
	json_t *end = json_object_get(im, "end");

	fprintf(out, "image      %s\n", json_string_value(json_object_get(im, "source")));
	if (p && json_is_object(p)) {
		json_t *prod = json_object_get(p, "producer"), *host = json_object_get(p, "host");
		json_t *cmd = json_object_get(p, "cmdline");

		fprintf(out, "producer   %s", json_is_string(prod) ? json_string_value(prod) : "?");
		if (json_is_string(host))
			fprintf(out, " on %s", json_string_value(host));
		if (json_is_string(cmd))
			fprintf(out, ": %s", json_string_value(cmd));
		fputc('\n', out);
	} else {
		fprintf(out, "producer   (not recorded)\n");
	}
	fprintf(out, "kernel     %s\n", json_is_string(k) ? json_string_value(k) : "(not recorded)");
	if (json_is_string(t))
		fprintf(out, "time       %s\n", json_string_value(t));
	fprintf(out, "dialect    %s (%s)\n", json_string_value(json_object_get(im, "dialect")),
		json_string_value(json_object_get(im, "dialect_title")));
	fprintf(out, "size       ");
	if (json_is_integer(size))
		fprintf(out, "%" JSON_INTEGER_FORMAT " bytes, ", json_integer_value(size));
	fprintf(out, "%" JSON_INTEGER_FORMAT " records, end %s\n", json_integer_value(json_object_get(im, "records")),
		json_is_string(end) ? json_string_value(end) : "not reached (error)");
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void text_totals(struct summary *s, FILE *out)
{
	char a[32], b[32], kinds[512];
	const struct ckpt_model *m = s->m;

	human(s->total_mm.pages * CKPT_PAGE_SIZE, a, sizeof(a));
	fprintf(out, "tasks      %zu (%zu %s), %zu address %s, %" PRIu64 " %s, %" PRIu64 " %s saved (%s)\n",
		m->n_tasks, s->n_rows, plural(s->n_rows, "process", "processes"), m->n_mms,
		plural(m->n_mms, "space", "spaces"), s->total_mm.vmas, plural(s->total_mm.vmas, "VMA", "VMAs"),
		s->total_mm.pages, plural(s->total_mm.pages, "page", "pages"), a);
	fprintf(out, "memory    ");
	for (int k = 0; k < N_KINDS; k++) {
		human(s->total_mm.size[k], a, sizeof(a));
		human(s->total_mm.saved[k], b, sizeof(b));
		fprintf(out, " %s %s (%s saved)%s", kind_names[k], a, b, k + 1 < N_KINDS ? "," : "\n");
	}
	kinds_text(&s->total_files, kinds, sizeof(kinds));
	fprintf(out, "files      %zu file %s, %" PRIu64 " %s: %s\n", m->n_file_tables,
		plural(m->n_file_tables, "table", "tables"), s->total_files.fds,
		plural(s->total_files.fds, "descriptor", "descriptors"), kinds);
}

static void text_namespaces(FILE *out, json_t *list)
{
	size_t i;
	json_t *ns;

	if (!json_array_size(list)) {
		fprintf(out, "namespaces (none recorded)\n");
		return;
	}
	fprintf(out, "namespaces\n");
	json_array_foreach(list, i, ns) {
		const char *k;
		json_t *mj, *pid;
		size_t n, pi;

		fprintf(out, "  NS %" JSON_INTEGER_FORMAT ":", json_integer_value(json_object_get(ns, "objref")));
		json_object_foreach(json_object_get(ns, "members"), k, mj) {
			json_t *tn = json_object_get(mj, "type"), *node = json_object_get(mj, "nodename");

			fprintf(out, " %s %" JSON_INTEGER_FORMAT, k, json_integer_value(json_object_get(mj, "objref")));
			if (json_is_string(tn) || json_is_string(node)) {
				fprintf(out, " (%s", json_is_string(tn) ? json_string_value(tn) : "?");
				if (json_is_string(node))
					fprintf(out, " %s", json_string_value(node));
				fputc(')', out);
			}
		}
		n = json_array_size(json_object_get(ns, "pids"));
		fprintf(out, "; %zu task%s:", n, n == 1 ? "" : "s");
		json_array_foreach(json_object_get(ns, "pids"), pi, pid) {
			if (pi == 16) {
				fprintf(out, " ...");
				break;
			}
			fprintf(out, " %" JSON_INTEGER_FORMAT, json_integer_value(pid));
		}
		fputc('\n', out);
	}
}

static void text_verdict(FILE *out, const struct ckpt_check_summary *v)
{
	fprintf(out, "check      %s: %" PRIu64 " errors, %" PRIu64 " warnings, %" PRIu64 " infos in %" PRIu64
		" records%s (image rules; kernel rules: ckptcheck)\n", v->errors ? "no-go" : "go", v->errors,
		v->warnings, v->infos, v->records, v->read_whole ? "" : " read before a fault");
}

static bool print_text(FILE *out, struct ckpt_image *img, const struct ckpt_model *m, const char *source,
		       const struct ckpt_summary_options *opt)
{
	struct summary s;
	unsigned parts = opt->parts ? opt->parts : CKPT_SUMMARY_ALL;
	bool ok = true;

	if (!summary_build(&s, img, m, opt))
		return false;
	if (parts & CKPT_SUMMARY_IMAGE) {
		json_t *im = image_json(&s, source);

		if (im)
			text_image(out, im);
		ok = im != NULL;
		json_decref(im);
	}
	if (parts & CKPT_SUMMARY_TASKS) {
		struct text_walk w = { .out = out };

		if (parts != CKPT_SUMMARY_TASKS)
			fputc('\n', out);
		if (!s.n_rows) {
			fprintf(out, "(no tasks in this image)\n");
		} else {
			text_header(&s, out);
			ok = ok && walk(&s, text_visit, &w);
			if (!m->tasks[0].has_tree)
				fprintf(out, "# this image has no process tree: tasks are numbered in image order\n");
		}
		if (parts != CKPT_SUMMARY_TASKS)
			fputc('\n', out);
	}
	if (parts & CKPT_SUMMARY_TOTALS)
		text_totals(&s, out);
	if (parts & CKPT_SUMMARY_NAMESPACES) {
		json_t *ns = namespaces_json(&s);

		text_namespaces(out, ns);
		json_decref(ns);
	}
	if ((parts & CKPT_SUMMARY_VERDICT) && opt->verdict)
		text_verdict(out, opt->verdict);
	summary_free(&s);
	return ok;
}

bool ckpt_summary_print(FILE *out, struct ckpt_image *img, const struct ckpt_model *m, const char *source,
			const struct ckpt_summary_options *opt)
{
	bool ok;

	if (opt->format == CKPT_VIEW_TEXT) {
		ok = print_text(out, img, m, source, opt);
	} else {
		json_t *doc = ckpt_summary_json(img, m, source, opt);

		if (!doc)
			return false;
		if (opt->format == CKPT_VIEW_JSON)
			ok = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 && fputc('\n', out) != EOF;
		else
			ok = ckpt_yaml_write(out, doc);
		json_decref(doc);
	}
	return ok && fflush(out) == 0 && !ferror(out);
}
