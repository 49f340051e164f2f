/* Refcount rules (rev 6, ckpttools EXT_USERS records): the users each
 * shared object had system-wide at checkpoint time against the users the
 * image itself gives it, counted the same way (docs/extensions.md):
 * namespaces by the tasks whose TASK_NS (user namespaces: whose cred's
 * USER) names them, mm/files/fs/sighand/signal by the tasks whose
 * TASK_OBJS names them, open files by the FILE_DESCs naming them (every
 * descriptor slot holds a reference, and each table is written once).
 * More observed than counted is the kernel's leak
 * detection moved to check time: something outside the image held it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_impl.h"
#include "ckpt/ext.h"

#define REV6	CKPT_DIALECT_BIT(CKPT_DIALECT_REV6)

enum { R_EXTERNAL, R_UNDERCOUNT, R_ENTRY, R_PARTIAL };

static const struct ckpt_rule rules[] = {
	[R_EXTERNAL] = { "users-external", "refcount", CKPT_SEV_ERROR, REV6,
		"More users of a shared object were observed at checkpoint time than the image "
		"accounts for: something outside the image held it (an error for mm, file tables, "
		"fs, sighand and signal; an info line for namespaces, which a subtree checkpoint "
		"shares with its host by design, even with --strict; open files are the files "
		"family's to judge)." },
	[R_UNDERCOUNT] = { "users-undercount", "refcount", CKPT_SEV_ERROR, REV6,
		"Fewer users of a shared object were observed at checkpoint time than the image "
		"itself gives it: the EXT_USERS record and the image disagree." },
	[R_ENTRY] = { "users-entry", "refcount", CKPT_SEV_ERROR, REV6,
		"An EXT_USERS entry names an objref no OBJREF defines, gives another object type "
		"than its OBJREF, names a type whose users are not counted, or repeats an earlier "
		"entry." },
	[R_PARTIAL] = { "users-partial", "refcount", CKPT_SEV_INFO, REV6,
		"The producer could not look at every task of the system (EXT_USERS flag PARTIAL, "
		"typically ckpt run unprivileged): observed counts are lower bounds, so users outside "
		"the image may have gone unseen and the refcount rules cannot rule them out." },
};

struct entry {
	int32_t objref;
	uint32_t objtype, observed, method;
	uint64_t index, offset;		/* the EXT_USERS record; the entry */
	uint64_t counted;
	bool skip;			/* reported by users-entry */
};

struct state {
	bool on;
	bool partial_seen;		/* users-partial was reported */
	struct entry *e;
	size_t n, cap;
	/* The model's objects by objref (first definition first), so that
	 * look-ups do not walk every object. */
	const struct ckpt_model_object **objs;
	size_t n_objs;
};

static bool is_namespace(uint32_t t)
{
	return t == CKPT_OBJ_UTS_NS || t == CKPT_OBJ_IPC_NS || t == CKPT_OBJ_NET_NS || t == CKPT_OBJ_USER_NS;
}

static bool counted_type(uint32_t t)
{
	return is_namespace(t) || t == CKPT_OBJ_MM || t == CKPT_OBJ_FILE_TABLE || t == CKPT_OBJ_FS ||
	       t == CKPT_OBJ_SIGHAND || t == CKPT_OBJ_SIGNAL || t == CKPT_OBJ_FILE;
}

static int rc_begin(struct ckpt_check *c, void *stp, const struct ckpt_image *img)
{
	struct state *st = stp;

	(void)img;
	st->on = check_schema(c)->dialect == CKPT_DIALECT_REV6;
	return 0;
}

static void rc_record(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		      const struct ckpt_role *role)
{
	struct state *st = stp;
	uint32_t n;

	(void)role;
	if (!st->on || rec->type != CKPT_EXT_USERS || !rec->rt ||
	    !ckpt_ext_users_count(rec->data, rec->avail, &n))
		return;
	if (!st->partial_seen && rec->avail >= CKPT_EXT_USERS_HDR_LEN &&
	    (ckpt_le_load(rec->data + CKPT_EXT_USERS_FLAGS_OFF, 4) & CKPT_EXT_USERS_PARTIAL)) {
		st->partial_seen = true;
		check_report(c, &rules[R_PARTIAL], -1, rec->index, rec->offset + CKPT_EXT_USERS_FLAGS_OFF,
			     "EXT_USERS", "the observed users are partial (some tasks of the system could not "
			     "be looked at): outside users may exist that no rule here can see");
	}
	for (uint32_t i = 0; i < n; i++) {
		struct ckpt_ext_user u;

		if (!ckpt_ext_users_entry(rec->data, rec->avail, i, &u))
			break;
		if (st->n == st->cap) {
			size_t cap = st->cap ? st->cap * 2 : 64;
			struct entry *e = realloc(st->e, cap * sizeof(*e));

			if (!e) {
				check_out_of_memory(c);
				return;
			}
			st->e = e;
			st->cap = cap;
		}
		st->e[st->n++] = (struct entry){
			.objref = u.objref, .objtype = u.objtype, .observed = u.observed,
			.method = u.method, .index = rec->index,
			.offset = rec->offset + CKPT_EXT_USERS_HDR_LEN + (uint64_t)CKPT_EXT_USER_LEN * i,
		};
	}
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->objref != y->objref)
		return x->objref < y->objref ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static struct entry *find(struct state *st, int32_t objref)
{
	size_t lo = 0, hi = st->n;

	if (objref <= 0)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->e[mid].objref == objref) {
			while (mid > 0 && st->e[mid - 1].objref == objref)
				mid--;	/* the first entry; repeats are users-entry's */
			return st->e[mid].skip ? NULL : &st->e[mid];
		}
		if (st->e[mid].objref < objref)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void count(struct state *st, int32_t objref)
{
	struct entry *e = find(st, objref);

	if (e)
		e->counted++;
}

/* The objref that field `name` of record `record` holds (0: none). */
static int32_t ref_in(const struct ckpt_model *m, uint64_t record, const char *name)
{
	size_t lo = 0, hi = m->n_refs;

	if (record == CKPT_MODEL_NONE)
		return 0;
	while (lo < hi) {	/* the first ref of the record */
		size_t mid = lo + (hi - lo) / 2;

		if (m->refs[mid].record < record)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < m->n_refs && m->refs[lo].record == record; lo++)
		if (strcmp(m->refs[lo].field->name, name) == 0)
			return m->refs[lo].objref;
	return 0;
}

static int cmp_object(const void *a, const void *b)
{
	const struct ckpt_model_object *x = *(const struct ckpt_model_object *const *)a;
	const struct ckpt_model_object *y = *(const struct ckpt_model_object *const *)b;

	if (x->objref != y->objref)
		return x->objref < y->objref ? -1 : 1;
	return x < y ? -1 : x > y;
}

static bool index_objects(struct state *st, const struct ckpt_model *m)
{
	st->objs = malloc((m->n_objects ? m->n_objects : 1) * sizeof(*st->objs));
	if (!st->objs)
		return false;
	for (size_t i = 0; i < m->n_objects; i++)
		st->objs[i] = &m->objects[i];
	st->n_objs = m->n_objects;
	qsort(st->objs, st->n_objs, sizeof(*st->objs), cmp_object);
	return true;
}

/* The object an objref names (its first definition), or NULL. */
static const struct ckpt_model_object *object(const struct state *st, int32_t objref)
{
	size_t lo = 0, hi = st->n_objs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->objs[mid]->objref < objref)
			lo = mid + 1;
		else
			hi = mid;
	}
	return objref > 0 && lo < st->n_objs && st->objs[lo]->objref == objref ? st->objs[lo] : NULL;
}

static uint64_t object_record(const struct state *st, int32_t objref)
{
	const struct ckpt_model_object *o = object(st, objref);

	return o ? ckpt_model_object_first(o) : CKPT_MODEL_NONE;
}

/* Entries that cannot be judged: said once, then left out. */
static void check_entries(struct ckpt_check *c, struct state *st, const struct ckpt_model *m)
{
	for (size_t i = 0; i < st->n; i++) {
		struct entry *e = &st->e[i];
		const struct ckpt_model_object *o = object(st, e->objref);
		const char *tn = ckpt_names_lookup(m->schema->objtypes, e->objtype);
		char why[160];

		if (i > 0 && st->e[i - 1].objref == e->objref)
			snprintf(why, sizeof(why), "repeats the entry at byte %" PRIu64, st->e[i - 1].offset);
		else if (!o)
			snprintf(why, sizeof(why), "names objref %" PRId32 ", which no OBJREF defines", e->objref);
		else if (o->objtype != e->objtype)
			snprintf(why, sizeof(why), "gives objref %" PRId32 " the type %s, but its OBJREF "
				 "(record %" PRIu64 ") defines a %s", e->objref, tn ? tn : "unknown",
				 (uint64_t)o->objref_record, ckpt_names_lookup(m->schema->objtypes, o->objtype) ?
				 ckpt_names_lookup(m->schema->objtypes, o->objtype) : "unknown type");
		else if (!counted_type(e->objtype) && e->method != CKPT_USERS_NONE)
			snprintf(why, sizeof(why), "gives users of objref %" PRId32 ", a %s, whose users "
				 "are not counted", e->objref, tn ? tn : "unknown type");
		else
			continue;
		e->skip = true;
		check_report(c, &rules[R_ENTRY], -1, e->index, e->offset, "EXT_USERS", "the entry %s", why);
	}
}

static void count_users(struct state *st, const struct ckpt_model *m)
{
	for (size_t i = 0; i < m->n_tasks; i++) {
		const struct ckpt_model_task *t = &m->tasks[i];
		uint64_t ns = object_record(st, t->ns_ref);
		uint64_t user = object_record(st, ref_in(m, object_record(st, t->cred_ref), "user_ref"));

		count(st, t->mm_ref);
		count(st, t->files_ref);
		count(st, t->fs_ref);
		count(st, t->sighand_ref);
		count(st, t->signal_ref);
		count(st, ref_in(m, ns, "uts_objref"));
		count(st, ref_in(m, ns, "ipc_objref"));
		count(st, ref_in(m, ns, "net_objref"));
		count(st, ref_in(m, user, "userns_ref"));
	}
	for (size_t i = 0; i < m->n_records; i++) {
		const struct ckpt_model_record *r = &m->records[i];

		if (r->rt && strcmp(r->rt->name, "FILE_DESC") == 0) {
			struct entry *e = find(st, ref_in(m, r->index, "fd_objref"));

			if (e)
				e->counted++;
		}
	}
}

/* Which task holds each object: (objref, task) pairs of every task's
 * TASK_OBJS, TASK_NS and credential objects and the namespaces they name,
 * sorted, so that naming the holder of a finding is a binary search. */
struct held {
	int32_t objref;
	size_t task;
};

static int cmp_held(const void *a, const void *b)
{
	const struct held *x = a, *y = b;

	if (x->objref != y->objref)
		return x->objref < y->objref ? -1 : 1;
	return x->task < y->task ? -1 : x->task > y->task;
}

#define HELD_PER_TASK 12

static struct held *index_holders(const struct state *st, const struct ckpt_model *m, size_t *n)
{
	struct held *h = malloc((m->n_tasks ? m->n_tasks : 1) * HELD_PER_TASK * sizeof(*h));
	size_t k = 0;

	if (!h)
		return NULL;
	for (size_t i = 0; i < m->n_tasks; i++) {
		const struct ckpt_model_task *t = &m->tasks[i];
		uint64_t ns = object_record(st, t->ns_ref);
		uint64_t user = object_record(st, ref_in(m, object_record(st, t->cred_ref), "user_ref"));
		const int32_t refs[HELD_PER_TASK] = {
			t->mm_ref, t->files_ref, t->fs_ref, t->sighand_ref, t->signal_ref, t->ns_ref,
			t->cred_ref, t->ecred_ref, ref_in(m, ns, "uts_objref"), ref_in(m, ns, "ipc_objref"),
			ref_in(m, ns, "net_objref"), ref_in(m, user, "userns_ref"),
		};

		for (size_t r = 0; r < HELD_PER_TASK; r++)
			if (refs[r] > 0)
				h[k++] = (struct held){ refs[r], i };
	}
	qsort(h, k, sizeof(*h), cmp_held);
	*n = k;
	return h;
}

/* "held by task 12 (comm)": the first task naming objref; "held by no
 * task" else. */
static void holder(const struct ckpt_model *m, const struct held *h, size_t n, int32_t objref,
		   char *out, size_t size)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h[mid].objref < objref)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && h[lo].objref == objref) {
		const struct ckpt_model_task *t = &m->tasks[h[lo].task];

		snprintf(out, size, "held by task %" PRId64 " (%s)", t->pid, t->comm[0] ? t->comm : "?");
	} else {
		snprintf(out, size, "held by no task");
	}
}

static void rc_end(struct ckpt_check *c, void *stp, const struct check_outcome *out)
{
	struct state *st = stp;
	const struct ckpt_model *m = check_model(c);

	if (!st->on || out->failed || !m || !st->n)
		return;
	if (!index_objects(st, m)) {
		check_out_of_memory(c);
		return;
	}
	qsort(st->e, st->n, sizeof(*st->e), cmp_entry);
	check_entries(c, st, m);
	count_users(st, m);
	size_t n_held = 0;
	struct held *held = index_holders(st, m, &n_held);

	if (!held) {
		check_out_of_memory(c);
		return;
	}
	for (size_t i = 0; i < st->n; i++) {
		const struct entry *e = &st->e[i];
		const char *tn = ckpt_names_lookup(m->schema->objtypes, e->objtype);

		if (e->skip || e->method == CKPT_USERS_NONE || e->observed == e->counted)
			continue;
		char who[128];

		holder(m, held, n_held, e->objref, who, sizeof(who));
		if (e->observed < e->counted) {
			check_report(c, &rules[R_UNDERCOUNT], -1, e->index, e->offset + 8, "EXT_USERS",
				     "objref %" PRId32 " (%s, %s) had %" PRIu32 " users at checkpoint time, "
				     "fewer than the %" PRIu64 " the image gives it", e->objref, tn, who,
				     e->observed, e->counted);
			continue;
		}
		bool ns = is_namespace(e->objtype);

		/* An open file held outside: whether the restorer can rebuild
		 * it depends on what it is (descriptors.c judges it, naming
		 * the descriptor and path). */
		if (e->objtype == CKPT_OBJ_FILE)
			continue;
		check_report(c, &rules[R_EXTERNAL], ns ? CKPT_SEV_INFO : CKPT_SEV_ERROR,
			     e->index, e->offset + 8, "EXT_USERS",
			     "objref %" PRId32 " (%s, %s) had %" PRIu32 " users at checkpoint time but "
			     "%" PRIu64 " inside the image: %s", e->objref, tn, who, e->observed, e->counted,
			     ns ? "the image shares it with processes outside it" :
			     "something outside the image also held it");
	}
	free(held);
}

static void rc_release(void *stp)
{
	struct state *st = stp;

	free(st->e);
	free(st->objs);
}

const struct check_module check_module_refcount = {
	.family = "refcount",
	.rules = rules,
	.n_rules = CKPT_ARRAY_LEN(rules),
	.state_size = sizeof(struct state),
	.begin = rc_begin,
	.record = rc_record,
	.end = rc_end,
	.release = rc_release,
	.uses_model = true,
};
