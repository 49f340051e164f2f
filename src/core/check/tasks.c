/* Task rules (rev 6): what every live task needs for a restart to rebuild
 * it, and what the pid table and the thread groups must say.  They judge
 * the image model and need no extension record: an image whose digests
 * were recomputed, or that has none, is judged the same.
 *
 * A zombie (TASK.exit_state non-zero) released its mm, files, fs and
 * namespaces: it needs only its credentials' task entry and its signal. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_impl.h"

#define REV6	CKPT_DIALECT_BIT(CKPT_DIALECT_REV6)

enum { R_TASK_REFS, R_PID_NUMBER, R_THREAD_GROUP, R_SIGNAL_SHARED, R_USERNS_CYCLE };

static const struct ckpt_rule rules[] = {
	[R_TASK_REFS] = { "task-refs", "tasks", CKPT_SEV_ERROR, REV6,
		"A live task lacks a reference restart needs: its TASK_CREDS (cred and ecred), "
		"TASK_NS, or a TASK_OBJS mm, files, fs, sighand or signal objref." },
	[R_PID_NUMBER] = { "pid-number", "tasks", CKPT_SEV_ERROR, REV6,
		"A PIDS entry's pid is 0 or negative, or two PIDS entries give one pid number at "
		"the same level (two tasks with one pid)." },
	[R_THREAD_GROUP] = { "thread-group", "tasks", CKPT_SEV_ERROR, REV6,
		"A thread's vtgid names a task that is itself a thread of another group, or a "
		"thread's process group or session differs from its leader's." },
	[R_SIGNAL_SHARED] = { "signal-shared", "tasks", CKPT_SEV_ERROR, REV6,
		"Two thread groups share one signal object (only CLONE_THREAD shares it), or two "
		"tasks share a sighand object without sharing their mm (CLONE_SIGHAND needs "
		"CLONE_VM)." },
	[R_USERNS_CYCLE] = { "userns-cycle", "tasks", CKPT_SEV_ERROR, REV6,
		"A USER_NS's chain of creators loops (a namespace that is its own creator, or an "
		"ancestor of itself) instead of ending at the root namespace (creator_ref 0)." },
};

struct userns {
	int32_t objref, creator;
	uint64_t index, offset;		/* the USER_NS record; its creator_ref field */
};

struct state {
	bool on;
	int32_t last_objref;
	uint32_t last_objtype;
	bool last_was_objref;
	struct userns *userns;
	size_t n_userns, cap_userns;
	uint64_t pids_index, pids_offset;	/* the PIDS BUFFER */
};

static int ta_begin(struct ckpt_check *c, void *stp, const struct ckpt_image *img)
{
	struct state *st = stp;

	(void)img;
	st->on = check_schema(c)->dialect == CKPT_DIALECT_REV6;
	return 0;
}

static uint64_t field(const struct ckpt_record *rec, const char *name, uint32_t *offset)
{
	const struct ckpt_field *f = ckpt_rtype_field(rec->rt, name);

	if (offset)
		*offset = f ? f->offset : 0;
	return f && ckpt_field_fits(f, rec->avail) ? ckpt_field_u64(f, rec->data) : 0;
}

static void ta_record(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		      const struct ckpt_role *role)
{
	struct state *st = stp;
	bool was_objref = st->last_was_objref;

	st->last_was_objref = false;
	if (!st->on || !rec->rt)
		return;
	if (role->name) {
		if (role->parent && strcmp(role->parent->name, "PIDS") == 0)
			st->pids_index = rec->index, st->pids_offset = rec->offset;
		return;
	}
	if (strcmp(rec->rt->name, "OBJREF") == 0) {
		st->last_objtype = (uint32_t)field(rec, "objtype", NULL);
		st->last_objref = (int32_t)(uint32_t)field(rec, "objref", NULL);
		st->last_was_objref = true;
	} else if (strcmp(rec->rt->name, "USER_NS") == 0 && was_objref && st->last_objtype == CKPT_OBJ_USER_NS) {
		if (st->n_userns == st->cap_userns) {
			size_t cap = st->cap_userns ? st->cap_userns * 2 : 16;
			struct userns *u = realloc(st->userns, cap * sizeof(*u));

			if (!u) {
				check_out_of_memory(c);
				return;
			}
			st->userns = u;
			st->cap_userns = cap;
		}
		uint32_t at;
		int32_t creator = (int32_t)(uint32_t)field(rec, "creator_ref", &at);

		st->userns[st->n_userns++] = (struct userns){ st->last_objref, creator, rec->index,
							      rec->offset + at };
	}
}

static uint64_t field_at(const struct ckpt_model *m, uint64_t i, const char *name)
{
	const struct ckpt_model_record *r = ckpt_model_record(m, i);
	const struct ckpt_field *f = r && r->rt ? ckpt_rtype_field(r->rt, name) : NULL;

	return r ? r->offset + (f ? f->offset : 0) : 0;
}

static void check_refs(struct ckpt_check *c, const struct ckpt_model *m)
{
	for (size_t i = 0; i < m->n_tasks; i++) {
		const struct ckpt_model_task *t = &m->tasks[i];
		const char *missing = NULL, *rec = "TASK";
		uint64_t at = t->record;

		if (t->creds_record == CKPT_MODEL_NONE)
			missing = "TASK_CREDS record";
		else if (!t->cred_ref || !t->ecred_ref)
			missing = !t->cred_ref ? "cred_ref" : "ecred_ref", rec = "TASK_CREDS", at = t->creds_record;
		else if (t->exit_state)
			continue;
		else if (t->ns_record == CKPT_MODEL_NONE)
			missing = "TASK_NS record";
		else if (!t->ns_ref)
			missing = "ns_objref", rec = "TASK_NS", at = t->ns_record;
		else if (t->objs_record == CKPT_MODEL_NONE)
			missing = "TASK_OBJS record";
		else {
			rec = "TASK_OBJS", at = t->objs_record;
			missing = !t->mm_ref ? "mm_objref" : !t->files_ref ? "files_objref" :
				  !t->fs_ref ? "fs_objref" : !t->sighand_ref ? "sighand_objref" :
				  !t->signal_ref ? "signal_objref" : NULL;
		}
		if (!missing)
			continue;
		uint64_t off = strcmp(rec, "TASK") == 0 ? field_at(m, at, "state") :
			       strchr(missing, ' ') ? field_at(m, at, "") : field_at(m, at, missing);

		check_report(c, &rules[R_TASK_REFS], -1, at, off, rec,
			     "task %zu (pid %" PRId64 ", %s) is live but has no %s", i + 1, t->pid,
			     t->comm[0] ? t->comm : "?", missing);
	}
}

static int cmp_i64(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

/* PIDS numbers: positive, and each number once (at the outermost level,
 * where every task of the image has one). */
static void check_pids(struct ckpt_check *c, const struct state *st, const struct ckpt_model *m)
{
	int64_t *sorted;

	for (size_t k = 0; k < m->n_pid_numbers; k++)
		if (m->pid_numbers[k] <= 0) {
			check_report(c, &rules[R_PID_NUMBER], -1, st->pids_index, st->pids_offset, "BUFFER",
				     "PIDS entry %zu gives pid %" PRId64 ", but pids are positive", k + 1,
				     m->pid_numbers[k]);
			return;
		}
	if (m->n_pid_numbers < 2)
		return;
	if (!(sorted = malloc(m->n_pid_numbers * sizeof(*sorted)))) {
		check_out_of_memory(c);
		return;
	}
	memcpy(sorted, m->pid_numbers, m->n_pid_numbers * sizeof(*sorted));
	qsort(sorted, m->n_pid_numbers, sizeof(*sorted), cmp_i64);
	for (size_t k = 1; k < m->n_pid_numbers; k++)
		if (sorted[k] == sorted[k - 1]) {
			check_report(c, &rules[R_PID_NUMBER], -1, st->pids_index, st->pids_offset, "BUFFER",
				     "two PIDS entries give pid %" PRId64 ": two tasks cannot have one pid",
				     sorted[k]);
			break;
		}
	free(sorted);
}

struct vpid_ix {
	int32_t vpid;
	size_t task;
};

static int cmp_vpid(const void *a, const void *b)
{
	const struct vpid_ix *x = a, *y = b;

	if (x->vpid != y->vpid)
		return x->vpid < y->vpid ? -1 : 1;
	return x->task < y->task ? -1 : x->task > y->task;
}

/* The first task with that vpid, or NULL (threads look up their leader:
 * a sorted index, so that 100,000 threads are not a quadratic walk). */
static const struct ckpt_model_task *by_vpid(const struct ckpt_model *m, const struct vpid_ix *ix,
					     size_t n, int32_t vpid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix[mid].vpid < vpid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && ix[lo].vpid == vpid ? &m->tasks[ix[lo].task] : NULL;
}

static void check_groups(struct ckpt_check *c, const struct ckpt_model *m)
{
	struct vpid_ix *ix = malloc((m->n_tasks ? m->n_tasks : 1) * sizeof(*ix));
	size_t n = 0;

	if (!ix) {
		check_out_of_memory(c);
		return;
	}
	for (size_t i = 0; i < m->n_tasks; i++)
		if (m->tasks[i].has_tree)
			ix[n++] = (struct vpid_ix){ m->tasks[i].vpid, i };
	qsort(ix, n, sizeof(*ix), cmp_vpid);
	for (size_t i = 0; i < m->n_tasks; i++) {
		const struct ckpt_model_task *t = &m->tasks[i];

		if (!t->has_tree || t->vtgid == t->vpid || t->vtgid <= 0)
			continue;
		const struct ckpt_model_task *l = by_vpid(m, ix, n, t->vtgid);

		if (!l)
			continue;	/* tree-shape's finding */
		const char *what = l->vtgid != l->vpid ? "leader is itself a thread of another group" :
				   l->vpgid != t->vpgid ? "process group differs from its leader's" :
				   l->vsid != t->vsid ? "session differs from its leader's" : NULL;

		if (what) {
			check_report(c, &rules[R_THREAD_GROUP], -1, t->record, field_at(m, t->record, "flags"),
				     "TASK", "task %zu (pid %" PRId64 ", %s) is a thread of pid %" PRId64
				     ", but its %s", i + 1, t->pid, t->comm[0] ? t->comm : "?", l->pid, what);
			break;	/* one finding: the rest usually follow from it */
		}
	}
	free(ix);
}

struct owner {
	int32_t ref, other;		/* signal: tgid; sighand: mm */
	size_t task;
};

static int cmp_owner(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;

	if (x->ref != y->ref)
		return x->ref < y->ref ? -1 : 1;
	return x->task < y->task ? -1 : x->task > y->task;
}

static void check_shared(struct ckpt_check *c, const struct ckpt_model *m, bool signal)
{
	struct owner *o = malloc((m->n_tasks ? m->n_tasks : 1) * sizeof(*o));
	size_t n = 0;

	if (!o) {
		check_out_of_memory(c);
		return;
	}
	for (size_t i = 0; i < m->n_tasks; i++) {
		const struct ckpt_model_task *t = &m->tasks[i];
		int32_t ref = signal ? t->signal_ref : t->sighand_ref;

		if (ref > 0 && !t->exit_state && (signal || t->mm_ref > 0))
			o[n++] = (struct owner){ ref, signal ? (int32_t)t->tgid : t->mm_ref, i };
	}
	qsort(o, n, sizeof(*o), cmp_owner);
	for (size_t k = 1; k < n; k++) {
		if (o[k].ref != o[k - 1].ref || o[k].other == o[k - 1].other)
			continue;
		const struct ckpt_model_task *t = &m->tasks[o[k].task], *u = &m->tasks[o[k - 1].task];

		check_report(c, &rules[R_SIGNAL_SHARED], -1, t->objs_record, t->objs_record != CKPT_MODEL_NONE ?
			     field_at(m, t->objs_record, signal ? "signal_objref" : "sighand_objref") : 0,
			     "TASK_OBJS", "task %zu (pid %" PRId64 ", %s) shares %s %" PRId32 " with pid %" PRId64
			     " but %s", o[k].task + 1, t->pid, t->comm[0] ? t->comm : "?",
			     signal ? "signal" : "sighand", o[k].ref, u->pid,
			     signal ? "is not a thread of its group" : "not its mm");
		break;
	}
	free(o);
}

static int cmp_userns(const void *a, const void *b)
{
	const struct userns *x = a, *y = b;

	return (x->objref > y->objref) - (x->objref < y->objref);
}

static const struct userns *find_userns(const struct state *st, int32_t objref)
{
	struct userns key = { .objref = objref };

	return st->n_userns ? bsearch(&key, st->userns, st->n_userns, sizeof(key), cmp_userns) : NULL;
}

/* Follows each creator chain once: a namespace met again on the chain being
 * walked closes a loop; one met on an earlier, finished walk leads nowhere
 * new.  Each namespace is stepped through once, so a chain of a million
 * costs a million look-ups, not a million squared. */
static void check_userns(struct ckpt_check *c, struct state *st)
{
	enum { UNSEEN, ON_WALK, DONE };
	uint8_t *mark;

	if (!st->n_userns)	/* qsort and bsearch take no NULL, even for 0 */
		return;
	qsort(st->userns, st->n_userns, sizeof(*st->userns), cmp_userns);
	mark = calloc(st->n_userns, 1);
	if (!mark) {
		check_out_of_memory(c);
		return;
	}
	for (size_t i = 0; i < st->n_userns; i++) {
		const struct userns *u = &st->userns[i], *loop = NULL;

		if (mark[i] != UNSEEN)
			continue;
		for (const struct userns *p = u; p;) {
			size_t k = (size_t)(p - st->userns);

			if (mark[k] == ON_WALK) {
				loop = p;	/* on the loop, unlike u perhaps */
				break;
			}
			if (mark[k] == DONE)
				break;
			mark[k] = ON_WALK;
			/* A dangling creator is the objref rules' to judge. */
			p = p->creator > 0 ? find_userns(st, p->creator) : NULL;
		}
		for (const struct userns *p = u; p;) {
			size_t k = (size_t)(p - st->userns);

			if (mark[k] != ON_WALK)
				break;
			mark[k] = DONE;
			p = p->creator > 0 ? find_userns(st, p->creator) : NULL;
		}
		if (loop) {
			check_report(c, &rules[R_USERNS_CYCLE], -1, loop->index, loop->offset, "USER_NS",
				     "user namespace %" PRId32 " is %s", loop->objref,
				     loop->creator == loop->objref ? "its own creator" :
				     "its own ancestor through its creators");
			break;	/* one loop, one finding */
		}
	}
	free(mark);
}

static void ta_end(struct ckpt_check *c, void *stp, const struct check_outcome *out)
{
	struct state *st = stp;
	const struct ckpt_model *m = check_model(c);

	if (!st->on || out->failed || !m)
		return;
	check_refs(c, m);
	check_pids(c, st, m);
	check_groups(c, m);
	check_shared(c, m, true);
	check_shared(c, m, false);
	check_userns(c, st);
}

static void ta_release(void *stp)
{
	free(((struct state *)stp)->userns);
}

const struct check_module check_module_tasks = {
	.family = "tasks",
	.rules = rules,
	.n_rules = CKPT_ARRAY_LEN(rules),
	.state_size = sizeof(struct state),
	.begin = ta_begin,
	.record = ta_record,
	.end = ta_end,
	.release = ta_release,
	.uses_model = true,
};
