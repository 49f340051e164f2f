/* Semantic rules: what the records say about the process tree, the address
 * spaces and the credentials, across records.  The relations come from the
 * image model (include/ckpt/model.h), which the engine builds during its
 * pass; what a single record can tell (a page buffer's size, a cred's
 * capability sets) is judged as the record goes by.
 *
 * The tree and memory rules are rev 6 rules: they need the TREE entries,
 * TASK_OBJS and the x86_64 address space.  The capability rule reads any
 * record with both capability sets, in every dialect. */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_impl.h"

#define REV6	CKPT_DIALECT_BIT(CKPT_DIALECT_REV6)

/* The top of x86_64 user space with 4-level page tables (TASK_SIZE_MAX):
 * the last page below 2^47 is a guard page no mapping may cover. */
#define X86_64_TASK_SIZE	((UINT64_C(1) << 47) - CKPT_PAGE_SIZE)

enum {
	R_PIDS_COUNT, R_TREE_COUNT, R_TREE_SHAPE, R_TREE_DEPTH, R_THREAD_SHARED,
	R_VMA_BOUNDS, R_VMA_ORDER, R_MAP_COUNT, R_PGARR_SIZE, R_PAGE_OUTSIDE, R_PAGE_DUPLICATE,
	R_CRED_CAPS,
};

static const struct ckpt_rule rules[] = {
	[R_PIDS_COUNT] = { "pids-count", "semantics", CKPT_SEV_ERROR, REV6,
		"PIDS.nr_pids differs from the entries its BUFFER packs, the BUFFER ends inside "
		"an entry, or more PID objects are defined than it has entries." },
	[R_TREE_COUNT] = { "tree-count", "semantics", CKPT_SEV_ERROR, REV6,
		"TREE.nr_tasks, the entries of the TREE's BUFFER and the TASK records of the image "
		"are not all the same number." },
	[R_TREE_SHAPE] = { "tree-shape", "semantics", CKPT_SEV_ERROR, REV6,
		"The TREE entries do not form a tree rooted at the first task: a task's pid is "
		"missing or repeated, a process's parent is not an earlier task, or a thread's "
		"leader is not an earlier task with the same parent." },
	[R_TREE_DEPTH] = { "tree-depth", "semantics", CKPT_SEV_ERROR, REV6,
		"A TREE entry's depth differs from the depth of its pid in PIDS, or a task lies "
		"in a shallower pid namespace than its parent." },
	[R_THREAD_SHARED] = { "thread-shared", "semantics", CKPT_SEV_ERROR, REV6,
		"A thread does not share its thread group leader's mm, sighand and signal objects "
		"(TASK_OBJS); a task that has exited (a zombie) may name none." },
	[R_VMA_BOUNDS] = { "vma-bounds", "semantics", CKPT_SEV_ERROR, REV6,
		"A VMA is empty or reversed, not page aligned, or reaches beyond the x86_64 user "
		"address space (0x7ffffffff000); a VDSO VMA of the vsyscall page "
		"(0xffffffffff600000) is the kernel's gate area and allowed." },
	[R_VMA_ORDER] = { "vma-order", "semantics", CKPT_SEV_ERROR, REV6,
		"The VMAs of an MM are not sorted by address, or two of them overlap." },
	[R_MAP_COUNT] = { "mm-map-count", "semantics", CKPT_SEV_ERROR, REV6,
		"MM.map_count differs from the number of VMA records of that MM." },
	[R_PGARR_SIZE] = { "pgarr-size", "semantics", CKPT_SEV_ERROR, REV6,
		"A PGARR's page BUFFER is not exactly nr_pages addresses and nr_pages pages "
		"(8 + 4104 * nr_pages bytes)." },
	[R_PAGE_OUTSIDE] = { "page-outside-vma", "semantics", CKPT_SEV_ERROR, REV6,
		"A dumped page's address is not page aligned or lies outside the VMA whose "
		"PGARR records carry it." },
	[R_PAGE_DUPLICATE] = { "page-duplicate", "semantics", CKPT_SEV_ERROR, REV6,
		"A page of an address space is dumped more than once." },
	[R_CRED_CAPS] = { "cred-caps", "semantics", CKPT_SEV_ERROR, CKPT_DIALECTS_ALL,
		"A credential's effective capabilities are not a subset of its permitted ones." },
};

/* Where a record with a count field that the model does not keep sits. */
struct counted {
	bool seen;
	uint64_t index, offset, value;
	uint32_t field_offset;
};

struct state {
	const struct ckpt_schema *s;
	uint32_t pids_type, tree_type;
	/* Per record type of the dialect (by position in its table): the
	 * capability fields, when the type has both. */
	const struct ckpt_field **cap_eff, **cap_perm;
	struct counted pids, tree;
	struct counted tree_buffer;	/* the TREE's BUFFER: index, offset */
};

static int se_begin(struct ckpt_check *c, void *stp, const struct ckpt_image *img)
{
	struct state *st = stp;
	const struct ckpt_schema *s = check_schema(c);
	const struct ckpt_rtype *rt;

	(void)img;
	st->s = s;
	if ((rt = ckpt_schema_type_by_name(s, "PIDS")))
		st->pids_type = rt->type;
	if ((rt = ckpt_schema_type_by_name(s, "TREE")))
		st->tree_type = rt->type;
	st->cap_eff = calloc(s->n_types ? s->n_types : 1, sizeof(*st->cap_eff));
	st->cap_perm = calloc(s->n_types ? s->n_types : 1, sizeof(*st->cap_perm));
	if (!st->cap_eff || !st->cap_perm)
		return -1;
	for (size_t i = 0; i < s->n_types; i++) {
		const struct ckpt_field *e = ckpt_rtype_field(&s->types[i], "cap_effective");
		const struct ckpt_field *p = ckpt_rtype_field(&s->types[i], "cap_permitted");

		if (e && p) {
			st->cap_eff[i] = e;
			st->cap_perm[i] = p;
		}
	}
	return 0;
}

static void note_count(struct counted *k, const struct ckpt_record *rec, const char *field)
{
	const struct ckpt_field *f = ckpt_rtype_field(rec->rt, field);

	if (k->seen || !f || !ckpt_field_fits(f, rec->avail))
		return;
	*k = (struct counted){ true, rec->index, rec->offset, ckpt_field_u64(f, rec->data), f->offset };
}

static void check_caps(struct ckpt_check *c, struct state *st, const struct ckpt_record *rec)
{
	size_t t = (size_t)(rec->rt - st->s->types);

	if (rec->rt < st->s->types || t >= st->s->n_types || !st->cap_eff[t])
		return;
	const struct ckpt_field *e = st->cap_eff[t], *p = st->cap_perm[t];

	if (!ckpt_field_fits(e, rec->avail) || !ckpt_field_fits(p, rec->avail))
		return;
	uint64_t eff = ckpt_field_u64(e, rec->data), perm = ckpt_field_u64(p, rec->data);

	if (eff & ~perm)
		check_report_rec(c, &rules[R_CRED_CAPS], -1, rec, check_field_offset(rec, e, rec->data),
				 "cap_effective 0x%" PRIx64 " holds capabilities 0x%" PRIx64
				 " that cap_permitted 0x%" PRIx64 " lacks", eff, eff & ~perm, perm);
}

static void check_page_buffer(struct ckpt_check *c, const struct ckpt_record *rec,
			      const struct ckpt_role *role)
{
	const uint64_t per_page = 8 + CKPT_PAGE_SIZE;
	uint64_t n = role->count;
	bool fits = n <= (UINT64_MAX - rec->hdr_len) / per_page;

	if (fits && rec->len == rec->hdr_len + n * per_page)
		return;
	check_report_rec(c, &rules[R_PGARR_SIZE], -1, rec, rec->offset,
			 "the PGARR of record %" PRIu64 " announces %" PRIu64 " pages, so its BUFFER "
			 "must be %s%" PRIu64 " bytes long, but it is %" PRIu64, role->parent_index, n,
			 fits ? "" : "more than ", fits ? rec->hdr_len + n * per_page : UINT64_MAX,
			 rec->len);
}

static void se_record(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		      const struct ckpt_role *role)
{
	struct state *st = stp;

	if (!rec->rt)
		return;
	if (role->name) {
		if (role->follow && role->follow->layout.kind == CKPT_L_PAGES)
			check_page_buffer(c, rec, role);
		else if (role->parent && role->parent->type == st->tree_type && !st->tree_buffer.seen)
			st->tree_buffer = (struct counted){ true, rec->index, rec->offset, 0, 0 };
		return;
	}
	if (st->pids_type && rec->type == st->pids_type)
		note_count(&st->pids, rec, "nr_pids");
	else if (st->tree_type && rec->type == st->tree_type)
		note_count(&st->tree, rec, "nr_tasks");
	else
		check_caps(c, st, rec);
}

/* -- the tree -------------------------------------------------------------- */

struct pid_slot {
	int32_t objref;
	size_t k;		/* its PIDS entry */
};

static int cmp_slot(const void *a, const void *b)
{
	const struct pid_slot *x = a, *y = b;

	if (x->objref != y->objref)
		return x->objref < y->objref ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/* The PID objects by objref, each once (its first definition; a second is
 * objref-duplicate's finding): slot k is the k-th PIDS entry. */
static struct pid_slot *pid_slots(const struct ckpt_model *m, size_t *n)
{
	struct pid_slot *slots = malloc((m->n_objects ? m->n_objects : 1) * sizeof(*slots));
	size_t k = 0, u = 0;

	if (!slots)
		return NULL;
	for (size_t i = 0; i < m->n_objects; i++)
		if (m->objects[i].objtype == CKPT_OBJ_PID && m->objects[i].objref > 0)
			slots[k] = (struct pid_slot){ m->objects[i].objref, k }, k++;
	qsort(slots, k, sizeof(*slots), cmp_slot);
	for (size_t i = 0; i < k; i++)
		if (!u || slots[u - 1].objref != slots[i].objref)
			slots[u++] = slots[i];
	*n = u;
	return slots;
}

/* The PIDS entry a PID objref names (objects and entries come in the same
 * order), or SIZE_MAX. */
static size_t pid_entry(const struct pid_slot *slots, size_t n, int32_t objref)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (slots[mid].objref == objref)
			return slots[mid].k;
		if (slots[mid].objref < objref)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

/* The image offset of field `name` of model record i (its record offset if
 * the type has no such field), and of byte `at` of TREE entry e. */
static uint64_t field_at(const struct ckpt_model *m, uint64_t i, const char *name)
{
	const struct ckpt_model_record *r = ckpt_model_record(m, i);
	const struct ckpt_field *f = r && r->rt ? ckpt_rtype_field(r->rt, name) : NULL;

	return r ? r->offset + (f ? f->offset : 0) : 0;
}

static uint64_t entry_at(const struct state *st, size_t e, unsigned at)
{
	return st->tree_buffer.offset + 8 + 24 * (uint64_t)e + at;
}

static void report_entry(struct ckpt_check *c, const struct state *st, int rule, size_t e,
			 unsigned at, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void report_entry(struct ckpt_check *c, const struct state *st, int rule, size_t e,
			 unsigned at, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	check_report(c, &rules[rule], -1, st->tree_buffer.index, entry_at(st, e, at), "BUFFER",
		     "task %zu's TREE entry: %s", e + 1, msg);
}

/* Tasks by vpid, for the look-ups of the tree rules (a tree of thousands
 * of tasks must not cost a quadratic walk). */
struct by_vpid {
	int32_t vpid;
	size_t task;
};

static int cmp_vpid(const void *a, const void *b)
{
	const struct by_vpid *x = a, *y = b;

	if (x->vpid != y->vpid)
		return x->vpid < y->vpid ? -1 : 1;
	return x->task < y->task ? -1 : x->task > y->task;
}

static struct by_vpid *index_tasks(const struct ckpt_model *m)
{
	struct by_vpid *ix = malloc((m->n_tasks ? m->n_tasks : 1) * sizeof(*ix));

	if (!ix)
		return NULL;
	for (size_t i = 0; i < m->n_tasks; i++)
		ix[i] = (struct by_vpid){ m->tasks[i].vpid, i };
	qsort(ix, m->n_tasks, sizeof(*ix), cmp_vpid);
	return ix;
}

/* The first task whose vpid is v, if it comes before task `before`; -1
 * otherwise. */
static long task_with_vpid(const struct by_vpid *ix, size_t n, size_t before, int32_t v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {	/* the first entry with vpid >= v */
		size_t mid = lo + (hi - lo) / 2;

		if (ix[mid].vpid < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && ix[lo].vpid == v && ix[lo].task < before ? (long)ix[lo].task : -1;
}

static void check_counts(struct ckpt_check *c, const struct state *st, const struct ckpt_model *m,
			 size_t pid_objects)
{
	if (st->pids.seen) {
		uint64_t at = st->pids.offset + st->pids.field_offset;

		if (st->pids.value != m->n_pid_numbers)
			check_report(c, &rules[R_PIDS_COUNT], -1, st->pids.index, at, "PIDS",
				     "nr_pids is %" PRIu64 " but the PIDS buffer packs %zu entries",
				     st->pids.value, m->n_pid_numbers);
		else if (m->pids_rest)
			check_report(c, &rules[R_PIDS_COUNT], -1, st->pids.index, at, "PIDS",
				     "the PIDS buffer ends with %" PRIu64 " bytes that make no whole entry",
				     m->pids_rest);
		else if (pid_objects > m->n_pid_numbers)
			check_report(c, &rules[R_PIDS_COUNT], -1, st->pids.index, at, "PIDS",
				     "the image defines %zu PID objects but PIDS has only %zu entries",
				     pid_objects, m->n_pid_numbers);
	}
	if (st->tree.seen && (st->tree.value != m->n_tree || m->n_tree != m->n_tasks))
		check_report(c, &rules[R_TREE_COUNT], -1, st->tree.index,
			     st->tree.offset + st->tree.field_offset, "TREE",
			     "nr_tasks is %" PRIu64 ", the TREE buffer has %zu entries and the image "
			     "has %zu TASK records", st->tree.value, m->n_tree, m->n_tasks);
}

/* One finding per task at most: the first thing wrong with its entry. */
static void check_tree(struct ckpt_check *c, const struct state *st, const struct ckpt_model *m,
		       const struct pid_slot *slots, size_t n_slots, const struct by_vpid *ix)
{
	size_t nt = m->n_tasks;

	for (size_t i = 0; i < m->n_tasks && m->tasks[i].has_tree; i++) {
		const struct ckpt_model_task *t = &m->tasks[i];
		size_t pk = t->vpid > 0 ? pid_entry(slots, n_slots, t->vpid) : SIZE_MAX;

		if (pk == SIZE_MAX || pk >= m->n_pid_numbers) {
			report_entry(c, st, R_TREE_SHAPE, i, 0, "vpid %" PRId32 " names no PIDS entry",
				     t->vpid);
			continue;
		}
		if (task_with_vpid(ix, nt, i, t->vpid) >= 0) {
			report_entry(c, st, R_TREE_SHAPE, i, 0, "vpid %" PRId32 " is an earlier task's too",
				     t->vpid);
			continue;
		}
		if (t->depth != m->pid_depths[pk]) {
			report_entry(c, st, R_TREE_DEPTH, i, 20,
				     "depth is %" PRIu32 ", but its pid's PIDS entry has depth %" PRIu32,
				     t->depth, m->pid_depths[pk]);
			continue;
		}
		if (i == 0) {
			if (task_with_vpid(ix, nt, nt, t->vppid) >= 0 || t->vtgid != t->vpid)
				report_entry(c, st, R_TREE_SHAPE, i, 4,
					     "the root must be a thread group leader whose parent lies "
					     "outside the image, but its vppid is %" PRId32 " and its vtgid %" PRId32,
					     t->vppid, t->vtgid);
			continue;
		}
		if (t->vtgid != t->vpid) {
			long l = task_with_vpid(ix, nt, i, t->vtgid);

			if (l < 0)
				report_entry(c, st, R_TREE_SHAPE, i, 8,
					     "a thread whose vtgid %" PRId32 " is no earlier task", t->vtgid);
			else if (m->tasks[l].vppid != t->vppid)
				report_entry(c, st, R_TREE_SHAPE, i, 4,
					     "a thread whose vppid %" PRId32 " is not its leader's (%" PRId32 ")",
					     t->vppid, m->tasks[l].vppid);
			continue;
		}
		long p = task_with_vpid(ix, nt, i, t->vppid);

		if (p < 0)
			report_entry(c, st, R_TREE_SHAPE, i, 4,
				     "vppid %" PRId32 " is no earlier task, so the task hangs outside the "
				     "tree rooted at task 1", t->vppid);
		else if (t->depth < m->tasks[p].depth)
			report_entry(c, st, R_TREE_DEPTH, i, 20,
				     "depth %" PRIu32 " is less than its parent's (%" PRIu32 ")",
				     t->depth, m->tasks[p].depth);
	}
}

/* Threads share mm, sighand and signal with their leader. */
static void check_threads(struct ckpt_check *c, const struct ckpt_model *m, const struct by_vpid *ix)
{
	static const struct {
		const char *field;
		size_t at;
	} shared[] = {
		{ "mm_objref", offsetof(struct ckpt_model_task, mm_ref) },
		{ "sighand_objref", offsetof(struct ckpt_model_task, sighand_ref) },
		{ "signal_objref", offsetof(struct ckpt_model_task, signal_ref) },
	};

	for (size_t i = 1; i < m->n_tasks && m->tasks[i].has_tree; i++) {
		const struct ckpt_model_task *t = &m->tasks[i];
		long l = t->vtgid != t->vpid ? task_with_vpid(ix, m->n_tasks, i, t->vtgid) : -1;

		if (l < 0 || t->objs_record == CKPT_MODEL_NONE || m->tasks[l].objs_record == CKPT_MODEL_NONE)
			continue;
		for (size_t k = 0; k < CKPT_ARRAY_LEN(shared); k++) {
			int32_t mine, theirs;

			memcpy(&mine, (const char *)t + shared[k].at, sizeof(mine));
			memcpy(&theirs, (const char *)&m->tasks[l] + shared[k].at, sizeof(theirs));
			/* A task that has exited released its mm (the kernel's
			 * exit_mm), and nothing restores a zombie's signal
			 * state, so a zombie leader of live threads may name
			 * none of them. */
			if (mine == theirs || (theirs == 0 && m->tasks[l].exit_state) ||
			    (mine == 0 && t->exit_state))
				continue;
			check_report(c, &rules[R_THREAD_SHARED], -1, t->objs_record,
				     field_at(m, t->objs_record, shared[k].field), "TASK_OBJS",
				     "task %zu is a thread of task %ld, but its %s is %" PRId32 " where "
				     "its leader's is %" PRId32, i + 1, l + 1, shared[k].field, mine, theirs);
			break;
		}
	}
}

/* -- memory ---------------------------------------------------------------- */

/* The image offset of the address slot of the page at addr in run r. */
static uint64_t slot_at(const struct ckpt_model *m, const struct ckpt_model_run *r, uint64_t addr)
{
	const struct ckpt_model_record *b = ckpt_model_record(m, r->record);

	if (!b)		/* the lean model keeps every page buffer: never */
		return 0;
	uint64_t first_page = b->offset + 8 + 8 * b->count;
	uint64_t i = (r->offset - first_page) / CKPT_PAGE_SIZE + (addr - r->start) / CKPT_PAGE_SIZE;

	return b->offset + 8 + 8 * i;
}

/* The x86_64 vsyscall page: /proc/PID/maps lists it, so a producer that
 * reads maps may save it as a VDSO VMA; it is the kernel's fixed gate
 * area, not user space, and restart maps it by itself. */
#define X86_64_VSYSCALL		UINT64_C(0xffffffffff600000)
#define VMA_TYPE_VDSO		1

static bool vma_sound(const struct ckpt_model_vma *v)
{
	const uint64_t mask = CKPT_PAGE_SIZE - 1;

	if (v->type == VMA_TYPE_VDSO && v->start == X86_64_VSYSCALL && v->end == X86_64_VSYSCALL + CKPT_PAGE_SIZE)
		return true;
	return v->start < v->end && !(v->start & mask) && !(v->end & mask) && v->end <= X86_64_TASK_SIZE;
}

/* false when the VMAs overlap: their pages are then judged by the VMA
 * each belongs to, not for duplicates. */
static bool check_vmas(struct ckpt_check *c, const struct ckpt_model *m, const struct ckpt_model_mm *mm)
{
	bool disjoint = true;

	if (mm->map_count != mm->n_vmas)
		check_report(c, &rules[R_MAP_COUNT], -1, mm->record, field_at(m, mm->record, "map_count"),
			     "MM", "map_count is %" PRIu64 " but %zu VMA records follow the MM",
			     mm->map_count, mm->n_vmas);
	for (size_t k = 0; k < mm->n_vmas; k++) {
		const struct ckpt_model_vma *v = &mm->vmas[k];
		uint64_t at = field_at(m, v->record, "vm_start");

		if (!vma_sound(v)) {
			check_report(c, &rules[R_VMA_BOUNDS], -1, v->record, at, "VMA",
				     "the VMA 0x%" PRIx64 "-0x%" PRIx64 " is %s", v->start, v->end,
				     v->start >= v->end ? "empty or reversed" :
				     (v->start | v->end) & (CKPT_PAGE_SIZE - 1) ? "not page aligned" :
				     "beyond the end of user space (0x7ffffffff000)");
			continue;
		}
		if (k == 0 || v->start >= mm->vmas[k - 1].end)
			continue;
		disjoint = false;
		check_report(c, &rules[R_VMA_ORDER], -1, v->record, at, "VMA",
			     "the VMA 0x%" PRIx64 "-0x%" PRIx64 " starts before the end of the VMA "
			     "before it (record %" PRIu64 ", 0x%" PRIx64 "-0x%" PRIx64 ")",
			     v->start, v->end, mm->vmas[k - 1].record, mm->vmas[k - 1].start,
			     mm->vmas[k - 1].end);
	}
	return disjoint;
}

static int cmp_run(const void *a, const void *b)
{
	const struct ckpt_model_run *x = *(const struct ckpt_model_run *const *)a;
	const struct ckpt_model_run *y = *(const struct ckpt_model_run *const *)b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static void check_pages(struct ckpt_check *c, const struct ckpt_model *m, const struct ckpt_model_mm *mm,
			bool disjoint)
{
	const uint64_t mask = CKPT_PAGE_SIZE - 1;
	bool misplaced = !disjoint;

	for (size_t k = 0; k < mm->n_vmas; k++) {
		const struct ckpt_model_vma *v = &mm->vmas[k];

		if (!vma_sound(v)) {	/* vma-bounds says so; its pages cannot be judged */
			misplaced = true;
			continue;
		}
		for (size_t i = v->first_run; i < v->first_run + v->n_runs; i++) {
			const struct ckpt_model_run *r = &mm->runs[i];
			uint64_t last = r->start + (r->pages - 1) * CKPT_PAGE_SIZE;
			uint64_t bad = (r->start & mask) || r->start < v->start ? r->start :
				       last >= v->end || last < r->start ? (v->end > r->start ? v->end : r->start) :
				       UINT64_MAX;

			if (bad == UINT64_MAX)
				continue;
			bad = bad - ((bad - r->start) & mask);
			misplaced = true;
			check_report(c, &rules[R_PAGE_OUTSIDE], -1, r->record, slot_at(m, r, bad), "BUFFER",
				     "the page at 0x%" PRIx64 " is %s the VMA 0x%" PRIx64 "-0x%" PRIx64
				     " (record %" PRIu64 ") whose pages this buffer carries", bad,
				     bad & mask ? "not page aligned, in" : "outside", v->start, v->end, v->record);
		}
	}
	/* Overlap is judged on pages placed where they belong. */
	if (misplaced || mm->n_runs < 2)
		return;
	const struct ckpt_model_run **sorted = malloc(mm->n_runs * sizeof(*sorted));

	if (!sorted) {
		check_out_of_memory(c);
		return;
	}
	for (size_t i = 0; i < mm->n_runs; i++)
		sorted[i] = &mm->runs[i];
	qsort(sorted, mm->n_runs, sizeof(*sorted), cmp_run);
	for (size_t i = 1; i < mm->n_runs; i++) {
		const struct ckpt_model_run *p = sorted[i - 1], *r = sorted[i];

		if (r->start >= p->start + p->pages * CKPT_PAGE_SIZE)
			continue;
		/* Report the copy that comes later in the image. */
		const struct ckpt_model_run *later = r->offset > p->offset ? r : p;
		uint64_t addr = r->start;

		check_report(c, &rules[R_PAGE_DUPLICATE], -1, later->record, slot_at(m, later, addr),
			     "BUFFER", "the page at 0x%" PRIx64 " is dumped again (first by record %" PRIu64 ")",
			     addr, later == r ? p->record : r->record);
	}
	free(sorted);
}

static void se_end(struct ckpt_check *c, void *stp, const struct check_outcome *out)
{
	struct state *st = stp;
	const struct ckpt_model *m = check_model(c);

	/* Relations are judged on whole images only: a cut image is already
	 * an error, and what lies beyond the cut is unknown. */
	if (out->failed || !m || st->s->dialect != CKPT_DIALECT_REV6)
		return;
	size_t n_slots;
	struct pid_slot *slots = pid_slots(m, &n_slots);

	if (!slots) {
		check_out_of_memory(c);
		return;
	}
	check_counts(c, st, m, n_slots);
	if (st->tree_buffer.seen) {
		struct by_vpid *ix = index_tasks(m);

		if (ix) {
			check_tree(c, st, m, slots, n_slots, ix);
			check_threads(c, m, ix);
			free(ix);
		} else {
			check_out_of_memory(c);
		}
	}
	free(slots);
	for (size_t i = 0; i < m->n_mms; i++) {
		bool disjoint = check_vmas(c, m, &m->mms[i]);

		check_pages(c, m, &m->mms[i], disjoint);
	}
}

static void se_release(void *stp)
{
	struct state *st = stp;

	free(st->cap_eff);
	free(st->cap_perm);
}

const struct check_module check_module_semantics = {
	.family = "semantics",
	.rules = rules,
	.n_rules = CKPT_ARRAY_LEN(rules),
	.state_size = sizeof(struct state),
	.begin = se_begin,
	.record = se_record,
	.end = se_end,
	.release = se_release,
	.uses_model = true,
};
