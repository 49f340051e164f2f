/* ckpt_diff: the header, then each task with the objects it reaches, then
 * records of no task (dialects without tasks).
 *
 * Matching is what this file knows: tasks by pid or tree place, an object
 * pair through the fields that name it (compared once; reached again with
 * another partner, its sharing differs), VMAs by start or by file and
 * offset, descriptors by number.  Comparing records is fields.c's,
 * pages diff_pages.c's. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/decode.h"
#include "diff/diff_impl.h"

/* -- tasks ---------------------------------------------------------------- */

static int64_t task_pid(const struct ckpt_model *m, size_t i)
{
	return ckpt_model_task_pid(m, &m->tasks[i]);
}

/* match[i] = B's task for A's task i, or -1; tasks that share a pid are
 * paired in image order.  B's pid index is the model's. */
static bool match_by_pid(const struct ckpt_model *ma, const struct ckpt_model *mb, long *match)
{
	const struct ckpt_model_pid *idx = mb->by_pid;
	uint8_t *taken = calloc(mb->n_tasks ? mb->n_tasks : 1, 1);

	if (!taken || (mb->n_tasks && !idx)) {
		free(taken);
		return false;
	}
	for (size_t i = 0; i < ma->n_tasks; i++) {
		struct ckpt_model_pid key = { task_pid(ma, i), 0 };
		size_t lo = 0, hi = mb->n_tasks;

		match[i] = -1;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (idx[mid].pid < key.pid)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < mb->n_tasks && idx[lo].pid == key.pid; lo++)
			if (!taken[idx[lo].task]) {
				taken[idx[lo].task] = 1;
				match[i] = (long)idx[lo].task;
				break;
			}
	}
	free(taken);
	return true;
}

/* The tree as lists: each task's first child process, first thread and
 * next sibling, in image order; roots are processes whose parent is not in
 * the image. */
struct tree {
	long *child, *thread, *next, *last_child, *last_thread;
	long root, last_root;
};

static long find_pid(const struct ckpt_model *m, int64_t pid)
{
	const struct ckpt_model_task *t = pid > 0 ? ckpt_model_task_by_pid(m, pid) : NULL;

	return t ? (long)(t - m->tasks) : -1;
}

static bool tree_build(const struct ckpt_model *m, struct tree *t)
{
	size_t n = m->n_tasks ? m->n_tasks : 1;

	t->child = malloc(n * sizeof(long));
	t->thread = malloc(n * sizeof(long));
	t->next = malloc(n * sizeof(long));
	t->last_child = malloc(n * sizeof(long));
	t->last_thread = malloc(n * sizeof(long));
	if (!t->child || !t->thread || !t->next || !t->last_child || !t->last_thread)
		return false;
	for (size_t i = 0; i < m->n_tasks; i++)
		t->child[i] = t->thread[i] = t->next[i] = t->last_child[i] = t->last_thread[i] = -1;
	t->root = t->last_root = -1;
	for (size_t i = 0; i < m->n_tasks; i++) {
		const struct ckpt_model_task *k = &m->tasks[i];
		bool is_thread = k->has_tree && k->tgid && k->tgid != k->pid;
		long up = is_thread ? find_pid(m, k->tgid) : k->has_tree ? find_pid(m, k->ppid) : -1;
		long *first, *last;

		if (up == (long)i)
			up = -1;
		if (up < 0) {
			first = &t->root;
			last = &t->last_root;
		} else if (is_thread) {
			first = &t->thread[up];
			last = &t->last_thread[up];
		} else {
			first = &t->child[up];
			last = &t->last_child[up];
		}
		if (*last < 0)
			*first = (long)i;
		else
			t->next[*last] = (long)i;
		*last = (long)i;
	}
	return true;
}

static void tree_free(struct tree *t)
{
	free(t->child);
	free(t->thread);
	free(t->next);
	free(t->last_child);
	free(t->last_thread);
}

/* Pairs siblings in order, level by level, from a worklist of matched
 * parents (no recursion: a deep tree is just a long list). */
static bool match_by_tree(const struct ckpt_model *ma, const struct ckpt_model *mb, long *match)
{
	struct tree ta = { 0 }, tb = { 0 };
	long *work = malloc((ma->n_tasks + 1) * sizeof(long));
	size_t nw = 0;
	bool ok = work && tree_build(ma, &ta) && tree_build(mb, &tb);

	for (size_t i = 0; i < ma->n_tasks; i++)
		match[i] = -1;
	if (ok) {
		for (long x = ta.root, y = tb.root; x >= 0 && y >= 0; x = ta.next[x], y = tb.next[y]) {
			match[x] = y;
			work[nw++] = x;
		}
		while (nw) {
			long pa = work[--nw], pb = match[pa];

			for (long x = ta.thread[pa], y = tb.thread[pb]; x >= 0 && y >= 0; x = ta.next[x], y = tb.next[y])
				if (match[x] < 0) {
					match[x] = y;
					work[nw++] = x;
				}
			for (long x = ta.child[pa], y = tb.child[pb]; x >= 0 && y >= 0; x = ta.next[x], y = tb.next[y])
				if (match[x] < 0) {
					match[x] = y;
					work[nw++] = x;
				}
		}
	}
	free(work);
	tree_free(&ta);
	tree_free(&tb);
	return ok;
}

static void task_label(const struct ckpt_model *ma, size_t ia, const struct ckpt_model *mb, long ib,
		       char *out, size_t size)
{
	int64_t pa = task_pid(ma, ia);

	if (ib >= 0 && task_pid(mb, (size_t)ib) != pa)
		snprintf(out, size, "task %" PRId64 " -> %" PRId64 " (%s)", pa, task_pid(mb, (size_t)ib),
			 ma->tasks[ia].comm);
	else
		snprintf(out, size, "task %" PRId64 " (%s)", pa, ma->tasks[ia].comm);
}

static int cmp_pair(const void *x, const void *y)
{
	const int64_t *a = x, *b = y;

	return a[0] < b[0] ? -1 : a[0] > b[0];
}

/* B's pid as A calls it, under tree matching. */
static int64_t as_a_pid(const struct diff *d, int64_t pid)
{
	size_t lo = 0, hi = d->n_pidmap;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->pidmap[mid][0] < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->n_pidmap && d->pidmap[lo][0] == pid ? d->pidmap[lo][1] : pid;
}

static int64_t tree_value(int32_t raw, int64_t pid)
{
	return raw > 0 ? pid : raw;
}

static void compare_tree(struct diff *d, const char *label, const struct ckpt_model_task *a,
			 const struct ckpt_model_task *b)
{
	const char *names[] = { "ppid", "tgid", "pgid", "sid", "depth" };
	/* A value that names a PID object compares as its pid; 0 (a pid of
	 * an ancestor namespace) and the markers (CKPT_PID_ROOT...) compare
	 * as themselves: they name no pid, and differ from each other. */
	int64_t va[] = { tree_value(a->vppid, a->ppid), tree_value(a->vtgid, a->tgid),
			 tree_value(a->vpgid, a->pgid), tree_value(a->vsid, a->sid), a->depth };
	int64_t vb[] = { tree_value(b->vppid, b->ppid), tree_value(b->vtgid, b->tgid),
			 tree_value(b->vpgid, b->pgid), tree_value(b->vsid, b->sid), b->depth };

	if (!a->has_tree || !b->has_tree)
		return;
	for (size_t i = 0; i < CKPT_ARRAY_LEN(names); i++) {
		/* the depth is a number of namespace levels, not a pid */
		int64_t mapped = d->pidmap && i < 4 && vb[i] > 0 ? as_a_pid(d, vb[i]) : vb[i];

		if (va[i] == mapped)
			continue;
		char ta[32], tb[32], key[32];

		snprintf(ta, sizeof(ta), "%" PRId64, va[i]);
		snprintf(tb, sizeof(tb), "%" PRId64, vb[i]);
		snprintf(key, sizeof(key), "tree.%s", names[i]);
		struct ckpt_diff_item it = {
			.kind = CKPT_DIFF_CHANGED, .object = label, .type = "tree", .key = key,
			.field = names[i],
			.a = { .is_num = true, .num = va[i], .text = ta },
			.b = { .is_num = true, .num = vb[i], .text = tb },
		};
		emit(d, &it);
	}
}

/* -- VMAs and descriptors ------------------------------------------------- */

static void vma_label(const char *mm_label, const struct ckpt_model_vma *a, const struct ckpt_model_vma *b,
		      char *out, size_t size)
{
	const struct ckpt_model_vma *v = a ? a : b;
	int n = snprintf(out, size, "%s vma 0x%" PRIx64 "-0x%" PRIx64, mm_label, v->start, v->end);

	if (a && b && (a->start != b->start || a->end != b->end) && n > 0 && (size_t)n < size)
		n += snprintf(out + n, size - (size_t)n, " -> 0x%" PRIx64 "-0x%" PRIx64, b->start, b->end);
	if (v->path && n > 0 && (size_t)n < size)
		snprintf(out + n, size - (size_t)n, " %s", v->path);
}

/* An added or removed VMA, named by its range, protection and file. */
static void vma_presence(struct diff *d, enum ckpt_diff_kind kind, const char *mm_label,
			 const struct ckpt_model_vma *v)
{
	/* VM_READ, VM_WRITE, VM_EXEC, VM_SHARED as /proc prints them. */
	char perm[5] = {
		v->flags & 0x1 ? 'r' : '-', v->flags & 0x2 ? 'w' : '-',
		v->flags & 0x4 ? 'x' : '-', v->flags & 0x8 ? 's' : 'p', 0,
	};
	char label[2048];

	snprintf(label, sizeof(label), "%s vma 0x%" PRIx64 "-0x%" PRIx64 " %s%s%s", mm_label, v->start, v->end,
		 perm, v->path ? " " : "", v->path ? v->path : "");
	struct ckpt_diff_item it = {
		.kind = kind, .object = label, .type = "vma", .key = "vma", .has_vma = true,
		.vma_start = v->start, .vma_end = v->end, .perm = perm, .path = v->path,
	};
	emit(d, &it);
}

/* An added or removed descriptor: its number, file, access and position
 * ("fd 3 -> /etc/hostname (r, pos 0)"). */
static void fd_presence(struct diff *d, enum ckpt_diff_kind kind, const struct side *s, const char *table_label,
			const struct ckpt_model_fd *f)
{
	const struct ckpt_model_object *o = ckpt_model_object(s->m, f->file_ref);
	const char *path = ckpt_model_object_path(s->m, o);
	uint64_t first = o ? ckpt_model_object_first(o) : CKPT_MODEL_NONE;
	uint64_t flags = 0, pos = 0;
	struct ckpt_error err;
	bool has_flags = first != CKPT_MODEL_NONE &&
			 ckpt_model_field_u64(s->img, s->m, first, "f_flags", &flags, &err) == 0;
	bool has_pos = first != CKPT_MODEL_NONE && ckpt_model_field_u64(s->img, s->m, first, "f_pos", &pos, &err) == 0;
	const char *access = !has_flags ? NULL : (flags & 3) == 0 ? "r" : (flags & 3) == 1 ? "w" : "rw";
	char label[1400], more[64] = "";

	if (access && has_pos)
		snprintf(more, sizeof(more), " (%s, pos %" PRIu64 ")", access, pos);
	else if (access)
		snprintf(more, sizeof(more), " (%s)", access);
	snprintf(label, sizeof(label), "%s fd %" PRId32 " -> %s%s", table_label, f->fd, path ? path : "(no path)", more);
	struct ckpt_diff_item it = {
		.kind = kind, .object = label, .type = "file_desc", .key = "file_desc", .has_fd = true,
		.fd = f->fd, .path = path, .access = access, .has_pos = has_pos, .pos = pos,
	};
	emit(d, &it);
}

/* What a mapping maps: its file (by a digest of the path, so that long
 * paths fit the key) and offset, or for an anonymous one its length and
 * flags. */
static void vma_key(const struct ckpt_model_vma *v, char *out, size_t size)
{
	if (v->path)
		snprintf(out, size, "f%016" PRIx64 "%016" PRIx64, v->pgoff,
			 ckpt_page_digest(v->path, strlen(v->path)));
	else
		snprintf(out, size, "a%016" PRIx64 "%016" PRIx64, v->end - v->start, v->flags);
}

/* match[i] = B's VMA for A's VMA i: the same start; else, for a VMA that
 * moved, the next free one with the same file and offset (file mappings)
 * or the same length and flags (anonymous ones), in order. */
static bool match_vmas(const struct ckpt_model_mm *a, const struct ckpt_model_mm *b, long *match, uint8_t *taken)
{
	struct keyed *ka = malloc((a->n_vmas ? a->n_vmas : 1) * sizeof(*ka));
	struct keyed *kb = malloc((b->n_vmas ? b->n_vmas : 1) * sizeof(*kb));
	long *m2 = malloc((a->n_vmas ? a->n_vmas : 1) * sizeof(long));
	size_t *back = malloc((a->n_vmas ? a->n_vmas : 1) * sizeof(size_t));
	size_t *bback = malloc((b->n_vmas ? b->n_vmas : 1) * sizeof(size_t));
	size_t na = 0, nb = 0;
	bool ok = ka && kb && m2 && back && bback;

	for (size_t i = 0; ok && i < a->n_vmas; i++) {
		snprintf(ka[i].key, sizeof(ka[i].key), "%016" PRIx64, a->vmas[i].start);
		ka[i].pos = i;
	}
	for (size_t j = 0; ok && j < b->n_vmas; j++) {
		snprintf(kb[j].key, sizeof(kb[j].key), "%016" PRIx64, b->vmas[j].start);
		kb[j].pos = j;
	}
	if (ok)
		pair_keys(ka, a->n_vmas, kb, b->n_vmas, match, NULL, NULL);
	for (size_t i = 0; ok && i < a->n_vmas; i++)
		if (match[i] >= 0)
			taken[match[i]] = 1;
	/* the rest: by what they map */
	for (size_t i = 0; ok && i < a->n_vmas; i++) {
		const struct ckpt_model_vma *v = &a->vmas[i];

		if (match[i] >= 0)
			continue;
		vma_key(v, ka[na].key, sizeof(ka[na].key));
		ka[na].pos = na;
		back[na++] = i;
	}
	for (size_t j = 0; ok && j < b->n_vmas; j++) {
		const struct ckpt_model_vma *v = &b->vmas[j];

		if (taken[j])
			continue;
		vma_key(v, kb[nb].key, sizeof(kb[nb].key));
		kb[nb].pos = nb;
		bback[nb++] = j;
	}
	if (ok)
		pair_keys(ka, na, kb, nb, m2, NULL, NULL);
	for (size_t k = 0; ok && k < na; k++)
		if (m2[k] >= 0) {
			match[back[k]] = (long)bback[m2[k]];
			taken[bback[m2[k]]] = 1;
		}
	free(ka);
	free(kb);
	free(m2);
	free(back);
	free(bback);
	return ok;
}

static void compare_one(struct diff *d, const char *label, uint64_t ra, uint64_t rb)
{
	uint32_t ia = (uint32_t)ra, ib = (uint32_t)rb;	/* record indices */
	struct idx_list la = { &ia, 1, 1 }, lb = { &ib, 1, 1 };

	compare_groups(d, label, &la, &lb, false);
}

static void drain(struct diff *d);

/* Pages that cannot be compared: placed outside their VMA, or announced
 * but not in their buffer. */
static bool pages_placed(struct diff *d, const struct side *s, const struct ckpt_model_mm *mm)
{
	for (size_t i = 0; i < mm->n_vmas; i++) {
		const struct ckpt_model_vma *v = &mm->vmas[i];
		const struct ckpt_model_record *r;

		if (v->stray_pages) {
			r = ckpt_model_record(s->m, v->stray_record);
			diff_fail_at(d, s, v->stray_record, r ? r->offset : 0, "BUFFER",
				     "%" PRIu64 " pages lie outside their VMA 0x%" PRIx64 "-0x%" PRIx64
				     " (record %" PRIu64 "): cannot compare", v->stray_pages, v->start, v->end,
				     v->record);
			return false;
		}
		if (v->lost_pages) {
			r = ckpt_model_record(s->m, v->lost_record);
			diff_fail_at(d, s, v->lost_record, r ? r->offset : 0, "BUFFER",
				     "%" PRIu64 " pages of VMA 0x%" PRIx64 "-0x%" PRIx64 " are announced but "
				     "not in the buffer: cannot compare", v->lost_pages, v->start, v->end);
			return false;
		}
	}
	return true;
}

static void compare_mm(struct diff *d, const char *label, const struct ckpt_model_mm *a,
		       const struct ckpt_model_mm *b)
{
	long *match = malloc((a->n_vmas ? a->n_vmas : 1) * sizeof(long));
	uint8_t *taken = calloc(b->n_vmas ? b->n_vmas : 1, 1);
	char vl[2048];

	if (!pages_placed(d, &d->a, a) || !pages_placed(d, &d->b, b))
		goto out;

	if (!match || !taken) {
		d->failed = -2;
		goto out;
	}
	if (!match_vmas(a, b, match, taken)) {
		d->failed = -2;
		goto out;
	}
	for (size_t i = 0; i < a->n_vmas && !d->failed; i++) {
		const struct ckpt_model_vma *va = &a->vmas[i];

		if (match[i] < 0) {
			vma_presence(d, CKPT_DIFF_REMOVED, label, va);
			continue;
		}
		const struct ckpt_model_vma *vb = &b->vmas[match[i]];

		vma_label(label, va, vb, vl, sizeof(vl));
		compare_one(d, vl, va->record, vb->record);
		drain(d);
		if (!d->failed)
			compare_pages(d, vl, va, a, vb, b);
	}
	for (size_t j = 0; j < b->n_vmas && !d->failed; j++)
		if (!taken[j])
			vma_presence(d, CKPT_DIFF_ADDED, label, &b->vmas[j]);
out:
	free(match);
	free(taken);
}

/* The descriptors of two file tables (the model's), paired by number. */
static void compare_fds(struct diff *d, const char *label, const struct ckpt_model_file_table *ta,
			const struct ckpt_model_file_table *tb)
{
	size_t na = ta ? ta->n_fds : 0, nb = tb ? tb->n_fds : 0;
	const struct ckpt_model_fd *fa = ta ? &d->a.m->fds[ta->first_fd] : NULL;
	const struct ckpt_model_fd *fb = tb ? &d->b.m->fds[tb->first_fd] : NULL;
	struct keyed *ka = malloc((na ? na : 1) * sizeof(*ka)), *kb = malloc((nb ? nb : 1) * sizeof(*kb));
	long *match = malloc((na ? na : 1) * sizeof(long));
	uint8_t *taken = calloc(nb ? nb : 1, 1);
	char fl[1200];

	if (!ka || !kb || !match || !taken) {
		d->failed = -2;
		goto out;
	}
	for (size_t i = 0; i < na; i++) {
		snprintf(ka[i].key, sizeof(ka[i].key), "%" PRId32, fa[i].fd);
		ka[i].pos = i;
	}
	for (size_t j = 0; j < nb; j++) {
		snprintf(kb[j].key, sizeof(kb[j].key), "%" PRId32, fb[j].fd);
		kb[j].pos = j;
	}
	pair_keys(ka, na, kb, nb, match, NULL, NULL);
	for (size_t i = 0; i < na && !d->failed; i++) {
		snprintf(fl, sizeof(fl), "%s fd %" PRId32, label, fa[i].fd);
		if (match[i] < 0) {
			fd_presence(d, CKPT_DIFF_REMOVED, &d->a, label, &fa[i]);
			continue;
		}
		taken[match[i]] = 1;
		compare_one(d, fl, fa[i].record, fb[match[i]].record);
		drain(d);
	}
	for (size_t j = 0; j < nb && !d->failed; j++)
		if (!taken[j])
			fd_presence(d, CKPT_DIFF_ADDED, &d->b, label, &fb[j]);
out:
	free(ka);
	free(kb);
	free(match);
	free(taken);
}

/* -- objects -------------------------------------------------------------- */

static void compare_object(struct diff *d, struct pending *p)
{
	const char *label = p->label;
	int32_t ra = p->ra, rb = p->rb;
	long ja = object_index(&d->a, ra), jb = object_index(&d->b, rb);

	/* A reference to nothing cannot be compared: never "same". */
	if (ja < 0 || jb < 0) {
		const struct side *s = ja < 0 ? &d->a : &d->b;
		const struct ref_site *at = ja < 0 ? &p->sa : &p->sb;

		diff_fail_at(d, s, at->record, at->offset, at->type, "%s %" PRId32 " names no object: cannot compare",
			     at->field, ja < 0 ? ra : rb);
		return;
	}
	const struct ckpt_model_object *oa = &d->a.m->objects[ja];
	char type[48];
	const char *tn = d->a.m->schema->objtypes ? ckpt_names_lookup(d->a.m->schema->objtypes, oa->objtype) : NULL;

	lower_name(tn ? tn : "object", type, sizeof(type));
	if (d->a.paired[ja] == rb && d->b.paired[jb] == ra)
		return;
	if (d->a.paired[ja] || d->b.paired[jb]) {
		/* A shares what B keeps apart, or the other way round: said
		 * once per pair of objects. */
		if (d->a.other_partner[ja] == rb && d->b.other_partner[jb] == ra)
			return;
		d->a.other_partner[ja] = rb;
		d->b.other_partner[jb] = ra;
		char key[64], ta[1100], tb[1100];

		snprintf(key, sizeof(key), "%s.sharing", type);
		if (d->a.paired[ja])
			snprintf(ta, sizeof(ta), "shared with %s", d->a.label[ja] ? d->a.label[ja] : "?");
		else
			snprintf(ta, sizeof(ta), "its own");
		if (d->b.paired[jb])
			snprintf(tb, sizeof(tb), "shared with %s", d->b.label[jb] ? d->b.label[jb] : "?");
		else
			snprintf(tb, sizeof(tb), "its own");
		struct ckpt_diff_item it = {
			.kind = CKPT_DIFF_SHARING, .object = label, .type = type, .key = key,
			.field = "sharing", .a.text = ta, .b.text = tb,
		};
		emit(d, &it);
		return;
	}
	d->a.paired[ja] = rb;
	d->b.paired[jb] = ra;
	/* the pair keeps the label (one copy for both sides; A frees it) */
	d->a.label[ja] = d->b.label[jb] = p->label;
	p->label = NULL;
	/* What these records name is compared by the caller's drain(), not
	 * here: no recursion along a chain of objects. */
	struct idx_list la = group_object(&d->a.g, (size_t)ja), lb = group_object(&d->b.g, (size_t)jb);

	compare_groups(d, label, &la, &lb, false);
	if (d->failed)
		return;
	const struct ckpt_model_mm *mma = ckpt_model_mm(d->a.m, ra), *mmb = ckpt_model_mm(d->b.m, rb);

	if (mma && mmb)
		compare_mm(d, label, mma, mmb);
	const struct ckpt_model_file_table *fta = ckpt_model_file_table(d->a.m, ra);
	const struct ckpt_model_file_table *ftb = ckpt_model_file_table(d->b.m, rb);

	if ((fta && fta->n_fds) || (ftb && ftb->n_fds))
		compare_fds(d, label, fta, ftb);
}

/* Compares the pairs the last records named, depth first, in the order
 * they were named; an explicit stack, so a long chain of objects cannot
 * exhaust the C stack. */
static void drain(struct diff *d)
{
	struct pending *stack = NULL;
	size_t n = 0, cap = 0;

	for (;;) {
		/* the newly found pairs go on top, first one uppermost */
		if (n + d->n_found > cap) {
			size_t ncap = (n + d->n_found) * 2 + 8;
			struct pending *p = realloc(stack, ncap * sizeof(*p));

			if (!p) {
				d->failed = -2;
				break;
			}
			stack = p;
			cap = ncap;
		}
		for (size_t i = d->n_found; i > 0; i--)
			stack[n++] = d->found[i - 1];
		d->n_found = 0;
		if (!n || d->failed)
			break;
		struct pending p = stack[--n];

		compare_object(d, &p);
		free(p.label);
	}
	for (size_t i = 0; i < n; i++)
		free(stack[i].label);
	for (size_t i = 0; i < d->n_found; i++)
		free(d->found[i].label);
	d->n_found = 0;
	free(stack);
}

/* -- the whole ------------------------------------------------------------ */

static const char *end_name(enum ckpt_image_end e)
{
	switch (e) {
	case CKPT_END_TAIL: return "TAIL";
	case CKPT_END_ERROR: return "ERROR record";
	case CKPT_END_EOF: return "end of data";
	default: return "none";
	}
}

/* Every tree value that names a PID object must name one that resolves
 * to a pid: a pid that cannot be known cannot be compared. */
static bool tree_resolves(struct diff *d, const struct side *s)
{
	const struct ckpt_model *m = s->m;

	for (size_t i = 0; i < m->n_tasks; i++) {
		const struct ckpt_model_task *t = &m->tasks[i];
		const char *names[] = { "vpid", "vppid", "vtgid", "vpgid", "vsid" };
		int32_t v[] = { t->vpid, t->vppid, t->vtgid, t->vpgid, t->vsid };
		int64_t p[] = { t->pid, t->ppid, t->tgid, t->pgid, t->sid };

		if (!t->has_tree)
			continue;
		for (size_t k = 0; k < CKPT_ARRAY_LEN(names); k++)
			if (v[k] > 0 && p[k] == 0) {
				const struct ckpt_model_record *r = ckpt_model_record(m, t->record);

				diff_fail_at(d, s, t->record, r ? r->offset : 0, "TASK",
					     "task %zu's TREE entry: %s %" PRId32 " names no PID object with a pid: "
					     "cannot compare", i, names[k], v[k]);
				return false;
			}
	}
	return true;
}

static void compare_tasks(struct diff *d)
{
	const struct ckpt_model *ma = d->a.m, *mb = d->b.m;
	long *match = malloc((ma->n_tasks ? ma->n_tasks : 1) * sizeof(long));
	uint8_t *taken = calloc(mb->n_tasks ? mb->n_tasks : 1, 1);
	char label[256];

	if (!tree_resolves(d, &d->a) || !tree_resolves(d, &d->b))
		goto out;
	if (!match || !taken ||
	    !(d->opt->match == CKPT_DIFF_MATCH_TREE ? match_by_tree(ma, mb, match) : match_by_pid(ma, mb, match))) {
		d->failed = -2;
		goto out;
	}
	if (d->opt->match == CKPT_DIFF_MATCH_TREE) {
		d->pidmap = malloc((ma->n_tasks ? ma->n_tasks : 1) * sizeof(*d->pidmap));
		if (!d->pidmap) {
			d->failed = -2;
			goto out;
		}
		for (size_t i = 0; i < ma->n_tasks; i++)
			if (match[i] >= 0) {
				d->pidmap[d->n_pidmap][0] = task_pid(mb, (size_t)match[i]);
				d->pidmap[d->n_pidmap++][1] = task_pid(ma, i);
			}
		qsort(d->pidmap, d->n_pidmap, sizeof(*d->pidmap), cmp_pair);
	}
	for (size_t i = 0; i < ma->n_tasks; i++)
		if (match[i] >= 0)
			taken[match[i]] = 1;
	for (size_t i = 0; i < ma->n_tasks && !d->failed; i++) {
		task_label(ma, i, mb, match[i], label, sizeof(label));
		if (match[i] < 0) {
			struct ckpt_diff_item it = {
				.kind = CKPT_DIFF_REMOVED, .object = label, .type = "task", .key = "task",
				.pid = task_pid(ma, i), .comm = ma->tasks[i].comm,
			};

			emit(d, &it);
			continue;
		}
		const struct ckpt_model_task *ta = &ma->tasks[i], *tb = &mb->tasks[match[i]];

		compare_tree(d, label, ta, tb);
		struct idx_list la = group_task(&d->a.g, i), lb = group_task(&d->b.g, (size_t)match[i]);

		compare_groups(d, label, &la, &lb, false);
		drain(d);
		/* An MM written among the task's records, not behind an OBJREF. */
		if (!d->failed && ta->mm_ref <= 0 && tb->mm_ref <= 0) {
			const struct ckpt_model_mm *ka = ckpt_model_task_mm(ma, ta), *kb = ckpt_model_task_mm(mb, tb);
			char ml[300];

			snprintf(ml, sizeof(ml), "%s mm", label);
			if (ka && kb)
				compare_mm(d, ml, ka, kb);
		}
	}
	for (size_t j = 0; j < mb->n_tasks && !d->failed; j++)
		if (!taken[j]) {
			snprintf(label, sizeof(label), "task %" PRId64 " (%s)", task_pid(mb, j), mb->tasks[j].comm);
			struct ckpt_diff_item it = {
				.kind = CKPT_DIFF_ADDED, .object = label, .type = "task", .key = "task",
				.pid = task_pid(mb, j), .comm = mb->tasks[j].comm,
			};

			emit(d, &it);
		}
out:
	free(match);
	free(taken);
}

int ckpt_diff_models(struct ckpt_image *a, const struct ckpt_model *ma,
		     struct ckpt_image *b, const struct ckpt_model *mb,
		     const struct ckpt_diff_options *opt, ckpt_diff_cb cb, void *arg,
		     struct ckpt_diff_summary *summary, struct ckpt_error *err)
{
	struct diff d = {
		.a = { .img = a, .m = ma, .owns_labels = true }, .b = { .img = b, .m = mb },
		.opt = opt, .cb = cb, .arg = arg, .sum = summary, .err = err,
		.cross = ma->schema != mb->schema,
	};

	memset(summary, 0, sizeof(*summary));
	memset(err, 0, sizeof(*err));
	if (!groups_build(&d.a) || !groups_build(&d.b)) {
		d.failed = -2;
		goto out;
	}
	for (const struct side *s = &d.a; s; s = s == &d.a ? &d.b : NULL)
		if (s->m->stray_pages) {
			const struct ckpt_model_record *r = ckpt_model_record(s->m, s->m->stray_record);

			diff_fail_at(&d, s, s->m->stray_record, r ? r->offset : 0, "BUFFER",
				     "%" PRIu64 " pages belong to no VMA: cannot compare", s->m->stray_pages);
			goto out;
		}
	if (d.cross)
		emit_text_change(&d, "image", "image", "dialect", ma->schema->title, mb->schema->title);
	compare_groups(&d, "header", &d.a.g.header, &d.b.g.header, true);
	if (ma->end != mb->end)
		emit_text_change(&d, "image", "image", "end", end_name(ma->end), end_name(mb->end));
	bool tasks_a = ckpt_schema_type_by_name(ma->schema, "TASK") != NULL;
	bool tasks_b = ckpt_schema_type_by_name(mb->schema, "TASK") != NULL;

	if (!d.failed && tasks_a && tasks_b)
		compare_tasks(&d);
	if (!d.failed && tasks_a == tasks_b) {
		compare_groups(&d, NULL, &d.a.g.loose, &d.b.g.loose, false);
	} else if (!d.failed) {
		/* A dialect without tasks (LinuxC/R) against one with them: its
		 * objects meet the other's in image order, type by type. */
		struct idx_list all = { 0 };
		const struct side *s = tasks_a ? &d.a : &d.b;

		for (size_t j = 0; j < s->m->n_objects; j++)
			if (ckpt_model_object_first(&s->m->objects[j]) != CKPT_MODEL_NONE &&
			    !idx_push(&all, ckpt_model_object_first(&s->m->objects[j])))
				d.failed = -2;
		if (!d.failed)
			compare_groups(&d, NULL, tasks_a ? &all : &d.a.g.loose, tasks_a ? &d.b.g.loose : &all, false);
		idx_free(&all);
	}
	if (!d.failed)
		drain(&d);
out:
	if (d.failed == -2 && !err->reason[0]) {
		err->kind = CKPT_ERR_IO;
		snprintf(err->reason, sizeof(err->reason), "out of memory");
	}
	groups_free(&d.a);
	groups_free(&d.b);
	for (size_t i = 0; i < d.n_found; i++)
		free(d.found[i].label);
	free(d.found);
	free(d.pidmap);
	free(d.page_a);
	free(d.page_b);
	return d.failed ? -1 : 0;
}
