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

struct owner {
	enum owner_kind kind;
	size_t idx;
};

bool idx_push(struct idx_list *l, uint64_t v)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		uint64_t *p = realloc(l->v, ncap * sizeof(*p));

		if (!p)
			return false;
		l->v = p;
		l->cap = ncap;
	}
	l->v[l->n++] = v;
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

static struct idx_list *list_of(struct groups *g, struct owner o)
{
	switch (o.kind) {
	case OWN_HEADER: return &g->header;
	case OWN_LOOSE: return &g->loose;
	case OWN_TASK: return &g->task[o.idx];
	case OWN_OBJECT: return &g->object[o.idx];
	default: return NULL;
	}
}

bool groups_build(struct side *s)
{
	const struct ckpt_model *m = s->m;
	struct groups *g = &s->g;
	size_t n = m->n_records;
	struct owner *own = calloc(n ? n : 1, sizeof(*own));
	long *obj_at = malloc((n ? n : 1) * sizeof(*obj_at));	/* OBJREF / first record -> object */
	long *task_at = malloc((n ? n : 1) * sizeof(*task_at));
	bool ok = false;

	g->task = calloc(m->n_tasks ? m->n_tasks : 1, sizeof(*g->task));
	g->object = calloc(m->n_objects ? m->n_objects : 1, sizeof(*g->object));
	g->digest = calloc(n ? n : 1, sizeof(*g->digest));
	g->has_digest = calloc(n ? n : 1, 1);
	s->paired = calloc(m->n_objects ? m->n_objects : 1, sizeof(*s->paired));
	s->b_taken = calloc(m->n_objects ? m->n_objects : 1, 1);
	s->other_partner = calloc(m->n_objects ? m->n_objects : 1, sizeof(*s->other_partner));
	s->label = calloc(m->n_objects ? m->n_objects : 1, sizeof(*s->label));
	if (!own || !obj_at || !task_at || !g->task || !g->object || !g->digest ||
	    !g->has_digest || !s->paired || !s->b_taken || !s->other_partner || !s->label)
		goto out;
	for (size_t i = 0; i < n; i++)
		obj_at[i] = task_at[i] = -1;
	for (size_t j = 0; j < m->n_objects; j++) {
		if (m->objects[j].objref_record < n)
			obj_at[m->objects[j].objref_record] = (long)j;
		if (ckpt_model_object_first(&m->objects[j]) < n)
			obj_at[ckpt_model_object_first(&m->objects[j])] = (long)j;
	}
	for (size_t t = 0; t < m->n_tasks; t++)
		if (m->tasks[t].record < n)
			task_at[m->tasks[t].record] = (long)t;

	long cur_task = -1, last_mm = -1, last_ft = -1;
	struct owner ext_owner = { OWN_SKIP, 0 };
	bool after_ext = false;

	for (size_t i = 0; i < n; i++) {
		const struct ckpt_model_record *r = &m->records[i];
		struct owner o = { OWN_SKIP, 0 };
		bool ext_string = false;

		if (r->parent != CKPT_MODEL_NONE && r->parent < i) {
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
				o = (struct owner){ .kind = OWN_OBJECT, .idx = (size_t)last_ft };
		} else if (is_ext(m, r)) {
			if (r->type == CKPT_EXT_DIGEST || named(r, "EXT_DIGEST"))
				harvest_digests(s, i);
			else if (r->type != CKPT_EXT_USERS && !named(r, "EXT_USERS"))
				o.kind = OWN_HEADER;
			ext_owner = o;
			after_ext = true;
			own[i] = o;
			struct idx_list *l = list_of(g, o);

			if (l && !idx_push(l, i))
				goto out;
			continue;
		} else if (r->type == m->schema->objref_type && m->schema->objref_type) {
			o.kind = OWN_SKIP;
		} else if (obj_at[i] >= 0) {
			o = (struct owner){ OWN_OBJECT, (size_t)obj_at[i] };
			if (named(r, "MM"))
				last_mm = obj_at[i];
			else if (named(r, "FILE_TABLE"))
				last_ft = obj_at[i];
		} else if (named(r, "VMA") || named(r, "PGARR") || named(r, "HPAGE") || named(r, "FILE_DESC")) {
			/* matched on their own terms, from the model */
			o.kind = OWN_SEMANTIC;
		} else if ((named(r, "MM_CONTEXT") || named(r, "MM_CONTEXT_LDT")) && last_mm >= 0) {
			o = (struct owner){ OWN_OBJECT, (size_t)last_mm };
		} else if (named(r, "TAIL") || named(r, "ERROR") || named(r, "PIDS") || named(r, "TREE")) {
			o.kind = OWN_SKIP;
		} else if (task_at[i] >= 0) {
			cur_task = task_at[i];
			o = (struct owner){ OWN_TASK, (size_t)cur_task };
		} else if (cur_task >= 0) {
			o = (struct owner){ OWN_TASK, (size_t)cur_task };
		} else if (i == 0 || named(r, "HEADER") || named(r, "HEADER_ARCH") ||
			   named(r, "CONTAINER") || named(r, "LSM_INFO")) {
			o.kind = OWN_HEADER;
		} else {
			o.kind = OWN_LOOSE;
		}
		if (!ext_string)
			after_ext = false;
		own[i] = o;
		struct idx_list *l = list_of(g, o);

		if (l && !idx_push(l, i))
			goto out;
	}
	ok = true;
out:
	free(own);
	free(obj_at);
	free(task_at);
	return ok;
}

void groups_free(struct side *s)
{
	struct groups *g = &s->g;

	idx_free(&g->header);
	idx_free(&g->loose);
	for (size_t i = 0; g->task && i < s->m->n_tasks; i++)
		idx_free(&g->task[i]);
	for (size_t i = 0; g->object && i < s->m->n_objects; i++)
		idx_free(&g->object[i]);
	free(g->task);
	free(g->object);
	free(g->digest);
	free(g->has_digest);
	for (size_t i = 0; s->label && i < s->m->n_objects; i++)
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
