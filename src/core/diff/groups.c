/* Which records describe which object.
 *
 * One pass over the model's record index gives every record an owner: the
 * image header, a task (the records after its TASK that no OBJREF claims),
 * a shared object (the record after its OBJREF and what follows it), or the
 * semantic lists the diff matches on its own terms (a FILE_TABLE's
 * descriptors; VMAs and pages, which the model already holds per MM).
 * Types are recognised by table name, as in the model. */
#include <stdlib.h>
#include <string.h>

#include "ckpt/ext.h"
#include "ckpt/schema.h"
#include "diff/diff_impl.h"

/* Extension records of task and descriptor state: each describes what the
 * records just before it describe (docs/extensions.md). */
#define EXT_STATE_FIRST	CKPT_EXT_TASK_SECURITY
#define EXT_STATE_LAST	20029u

enum owner_kind { OWN_SKIP, OWN_HEADER, OWN_LOOSE, OWN_TASK, OWN_OBJECT, OWN_SEMANTIC };

bool idx_push(struct idx_list *l, uint64_t v)
{
	if (l->n == l->cap) {
		/* most objects and tasks have a handful of records */
		size_t ncap = l->cap ? l->cap * 2 : 2;
		uint32_t *p = realloc(l->v, ncap * sizeof(*p));

		if (!p)
			return false;
		l->v = p;
		l->cap = ncap;
	}
	l->v[l->n++] = (uint32_t)v;
	return true;
}

void idx_free(struct idx_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

long object_index(const struct side *s, int32_t objref)
{
	const struct ckpt_model_object *o = objref > 0 ? ckpt_model_object(s->m, objref) : NULL;

	return o ? (long)(o - s->m->objects) : -1;
}

static bool named(const struct ckpt_model_record *r, const char *name)
{
	return r->rt && strcmp(r->rt->name, name) == 0;
}

static bool is_ext(const struct ckpt_model *m, const struct ckpt_model_record *r)
{
	if (r->rt)
		return strncmp(r->rt->name, "EXT_", 4) == 0;
	return m->schema->dialect == CKPT_DIALECT_REV6 && r->type >= CKPT_EXT_FIRST && r->type <= CKPT_EXT_LAST;
}

/* EXT_DIGEST: algo u16@8 (1 = XXH3-64), count u32@12, first u64@16,
 * self u64@24, digests[count]@32.  A record that does not fit its own
 * description (or covers records it cannot) is not used: the diff then
 * reads the bytes, which is always right. */
static void harvest_digests(struct side *s, uint64_t index)
{
	const struct ckpt_model_record *r = &s->m->records[index];
	uint8_t head[CKPT_EXT_DIGEST_HDR_LEN];

	if (r->len < sizeof(head) || ckpt_image_read_at(s->img, r->offset, head, sizeof(head)) != sizeof(head))
		return;
	uint64_t algo = ckpt_le_load(head + 8, 2), count = ckpt_le_load(head + 12, 4);
	uint64_t first = ckpt_le_load(head + 16, 8);

	if (algo != CKPT_DIGEST_XXH3_64 || count > CKPT_EXT_DIGEST_MAX ||
	    r->len != CKPT_EXT_DIGEST_HDR_LEN + 8 * count ||
	    first > index || index - first != count)
		return;
	uint8_t buf[8 * 256];

	for (uint64_t done = 0; done < count;) {
		uint64_t n = count - done < 256 ? count - done : 256;

		if (ckpt_image_read_at(s->img, r->offset + CKPT_EXT_DIGEST_HDR_LEN + 8 * done, buf, 8 * n) !=
		    (ssize_t)(8 * n))
			return;
		for (uint64_t i = 0; i < n; i++) {
			s->g.digest[first + done + i] = ckpt_le_load(buf + 8 * i, 8);
			s->g.has_digest[first + done + i] = 1;
		}
		done += n;
	}
}

/* The records of task t / object j: a window on the flat array. */
struct idx_list group_task(const struct groups *g, size_t t)
{
	return (struct idx_list){ g->flat + g->task_at[t], g->task_at[t + 1] - g->task_at[t], 0 };
}

struct idx_list group_object(const struct groups *g, size_t j)
{
	return (struct idx_list){ g->flat + g->object_at[j], g->object_at[j + 1] - g->object_at[j], 0 };
}

/* Who owns each record, in 8 bytes: tasks and objects are numbered below
 * UINT32_MAX (checked). */
struct owner {
	uint32_t kind;
	uint32_t idx;
};

/* Records of the header and loose ones go to their lists now; those of
 * tasks and objects are counted, then laid out in one flat array (most
 * tasks and objects have a handful of records: one list each cost more
 * than the records themselves). */
static bool place(struct groups *g, struct owner o, size_t i)
{
	switch (o.kind) {
	case OWN_HEADER: return idx_push(&g->header, i);
	case OWN_LOOSE: return idx_push(&g->loose, i);
	case OWN_TASK: g->task_at[o.idx + 1]++; return true;
	case OWN_OBJECT: g->object_at[o.idx + 1]++; return true;
	default: return true;
	}
}

/* Turns counts (in at[k + 1]) into starts, from `base`. */
static uint32_t starts(uint32_t *at, size_t n, uint32_t base)
{
	at[0] = base;
	for (size_t k = 0; k < n; k++)
		at[k + 1] += at[k];
	return at[n];
}

bool groups_build(struct side *s)
{
	const struct ckpt_model *m = s->m;
	struct groups *g = &s->g;
	size_t n = m->n_records;
	struct owner *own = NULL;
	int32_t *obj_at = NULL;		/* OBJREF / first record -> object, or -1 */
	uint32_t *fill = NULL;
	bool ok = false;

	if (m->n_objects >= INT32_MAX || m->n_tasks >= UINT32_MAX || n >= UINT32_MAX)
		return false;
	own = calloc(n ? n : 1, sizeof(*own));
	obj_at = malloc((n ? n : 1) * sizeof(*obj_at));
	g->task_at = calloc(m->n_tasks + 1, sizeof(*g->task_at));
	g->object_at = calloc(m->n_objects + 1, sizeof(*g->object_at));
	g->digest = calloc(n ? n : 1, sizeof(*g->digest));
	g->has_digest = calloc(n ? n : 1, 1);
	s->paired = calloc(m->n_objects ? m->n_objects : 1, sizeof(*s->paired));
	s->b_taken = calloc(m->n_objects ? m->n_objects : 1, 1);
	s->other_partner = calloc(m->n_objects ? m->n_objects : 1, sizeof(*s->other_partner));
	s->label = calloc(m->n_objects ? m->n_objects : 1, sizeof(*s->label));
	if (!own || !obj_at || !g->task_at || !g->object_at || !g->digest ||
	    !g->has_digest || !s->paired || !s->b_taken || !s->other_partner || !s->label)
		goto out;
	for (size_t i = 0; i < n; i++)
		obj_at[i] = -1;
	for (size_t j = 0; j < m->n_objects; j++) {
		if (m->objects[j].objref_record < n)
			obj_at[m->objects[j].objref_record] = (int32_t)j;
		if (ckpt_model_object_first(&m->objects[j]) < n)
			obj_at[ckpt_model_object_first(&m->objects[j])] = (int32_t)j;
	}

	/* tasks are in image order: the next one's TASK record is met next */
	size_t next_task = 0;
	long cur_task = -1, last_mm = -1, last_ft = -1;
	struct owner ext_owner = { OWN_SKIP, 0 };
	bool after_ext = false;

	for (size_t i = 0; i < n; i++) {
		const struct ckpt_model_record *r = &m->records[i];
		struct owner o = { OWN_SKIP, 0 };
		bool ext_string = false;
		bool is_task = false;

		while (next_task < m->n_tasks && m->tasks[next_task].record < i)
			next_task++;
		if (next_task < m->n_tasks && m->tasks[next_task].record == i)
			is_task = true;
		if (r->parent != CKPT_MODEL_NO_PARENT && r->parent < i) {
			o = own[r->parent];
		} else if (after_ext && r->type == m->schema->string_type) {
			/* the STRINGs of an extension record the table does not
			 * know yet (EXT_PRODUCER's) stay with it */
			o = ext_owner;
			ext_string = true;
		} else if (r->type >= EXT_STATE_FIRST && r->type <= EXT_STATE_LAST && i > 0 && is_ext(m, r)) {
			/* after a FILE_TABLE's descriptors (an epoll's items): the table */
			o = own[i - 1];
			if (o.kind == OWN_SEMANTIC && last_ft >= 0)
				o = (struct owner){ .kind = OWN_OBJECT, .idx = (uint32_t)last_ft };
		} else if (is_ext(m, r)) {
			if (r->type == CKPT_EXT_DIGEST || named(r, "EXT_DIGEST"))
				harvest_digests(s, i);
			else if (r->type != CKPT_EXT_USERS && !named(r, "EXT_USERS"))
				o.kind = OWN_HEADER;
			ext_owner = o;
			after_ext = true;
			own[i] = o;
			if (!place(g, o, i))
				goto out;
			continue;
		} else if (r->type == m->schema->objref_type && m->schema->objref_type) {
			o.kind = OWN_SKIP;
		} else if (obj_at[i] >= 0) {
			o = (struct owner){ OWN_OBJECT, (uint32_t)obj_at[i] };
			if (named(r, "MM"))
				last_mm = obj_at[i];
			else if (named(r, "FILE_TABLE"))
				last_ft = obj_at[i];
		} else if (named(r, "VMA") || named(r, "PGARR") || named(r, "HPAGE") || named(r, "FILE_DESC")) {
			/* matched on their own terms, from the model */
			o.kind = OWN_SEMANTIC;
		} else if ((named(r, "MM_CONTEXT") || named(r, "MM_CONTEXT_LDT")) && last_mm >= 0) {
			o = (struct owner){ OWN_OBJECT, (uint32_t)last_mm };
		} else if (named(r, "TAIL") || named(r, "ERROR") || named(r, "PIDS") || named(r, "TREE")) {
			o.kind = OWN_SKIP;
		} else if (is_task) {
			cur_task = (long)next_task;
			o = (struct owner){ OWN_TASK, (uint32_t)cur_task };
		} else if (cur_task >= 0) {
			o = (struct owner){ OWN_TASK, (uint32_t)cur_task };
		} else if (i == 0 || named(r, "HEADER") || named(r, "HEADER_ARCH") ||
			   named(r, "CONTAINER") || named(r, "LSM_INFO")) {
			o.kind = OWN_HEADER;
		} else {
			o.kind = OWN_LOOSE;
		}
		if (!ext_string)
			after_ext = false;
		own[i] = o;
		if (!place(g, o, i))
			goto out;
	}
	free(obj_at);
	obj_at = NULL;
	/* the flat array: every task's records, then every object's */
	uint32_t total = starts(g->object_at, m->n_objects, starts(g->task_at, m->n_tasks, 0));

	g->flat = malloc((total ? total : 1) * sizeof(*g->flat));
	fill = malloc((m->n_tasks + m->n_objects + 1) * sizeof(*fill));
	if (!g->flat || !fill)
		goto out;
	memcpy(fill, g->task_at, m->n_tasks * sizeof(*fill));
	memcpy(fill + m->n_tasks, g->object_at, m->n_objects * sizeof(*fill));
	for (size_t i = 0; i < n; i++)
		if (own[i].kind == OWN_TASK)
			g->flat[fill[own[i].idx]++] = (uint32_t)i;
		else if (own[i].kind == OWN_OBJECT)
			g->flat[fill[m->n_tasks + own[i].idx]++] = (uint32_t)i;
	ok = true;
out:
	free(own);
	free(obj_at);
	free(fill);
	return ok;
}

void groups_free(struct side *s)
{
	struct groups *g = &s->g;

	idx_free(&g->header);
	idx_free(&g->loose);
	free(g->flat);
	free(g->task_at);
	free(g->object_at);
	free(g->digest);
	free(g->has_digest);
	/* both sides point to one copy of a pair's label: A's */
	for (size_t i = 0; s->owns_labels && s->label && i < s->m->n_objects; i++)
		free(s->label[i]);
	free(s->label);
	free(s->other_partner);
	free(s->paired);
	free(s->b_taken);
	s->label = NULL;
	s->other_partner = NULL;
	memset(g, 0, sizeof(*g));
	s->paired = NULL;
	s->b_taken = NULL;
}
