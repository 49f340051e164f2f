/* One task's records and the objects they reference (ckptdump --pid,
 * --tid): a closure over the model's references.
 *
 * Where a task's or an object's records end is read from the order the
 * image has them in: an object's definition (its OBJREF and what follows)
 * ends at the next OBJREF, the next TASK, or the first record of a task's
 * own (TASK_CREDS, TASK_NS or TASK_OBJS, whichever comes first); a file
 * table's descriptors and an mm's VMAs are found through the model. */
#include <stdlib.h>
#include <string.h>

#include "ckpt/summary.h"

struct closure {
	const struct ckpt_model *m;
	bool *keep;
	bool *boundary;		/* records where a definition ends */
	bool *seen;		/* objects already followed, by position */
	size_t *queue;		/* objects to follow, by position */
	size_t n_queue;
};

static bool named(const struct ckpt_model_record *r, const char *name)
{
	return r->rt && strcmp(r->rt->name, name) == 0;
}

/* The first reference of a record at or after index lo (refs are in image
 * order). */
static size_t first_ref(const struct ckpt_model *m, uint64_t lo)
{
	size_t a = 0, b = m->n_refs;

	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (m->refs[mid].record < lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a;
}

/* Keeps records [lo, hi) and queues the objects they reference. */
static void keep_range(struct closure *c, uint64_t lo, uint64_t hi)
{
	const struct ckpt_model *m = c->m;

	if (hi > m->n_records)
		hi = m->n_records;
	for (uint64_t i = lo; i < hi; i++)
		c->keep[i] = true;
	for (size_t k = first_ref(m, lo); k < m->n_refs && m->refs[k].record < hi; k++) {
		const struct ckpt_model_object *o = ckpt_model_object(m, m->refs[k].objref);

		if (!o)
			continue;
		size_t pos = (size_t)(o - m->objects);

		if (!c->seen[pos]) {
			c->seen[pos] = true;
			c->queue[c->n_queue++] = pos;
		}
	}
}

static uint64_t next_boundary(const struct closure *c, uint64_t from)
{
	uint64_t i = from;

	while (i < c->m->n_records && !c->boundary[i])
		i++;
	return i;
}

static void keep_task(struct closure *c, const struct ckpt_model_task *t)
{
	const struct ckpt_model *m = c->m;
	size_t ti = (size_t)(t - m->tasks);
	uint64_t end = ti + 1 < m->n_tasks ? m->tasks[ti + 1].record : m->n_records;
	uint64_t own = t->creds_record;

	if (t->ns_record < own)
		own = t->ns_record;
	if (t->objs_record < own)
		own = t->objs_record;
	/* The TASK and its followers, up to the first object definition. */
	keep_range(c, t->record, next_boundary(c, t->record + 1));
	if (own == CKPT_MODEL_NONE || own >= end)
		return;
	/* Its own records, up to the next task (or the trailer). */
	uint64_t stop = own;

	while (stop < end && !named(&m->records[stop], "TAIL") && !named(&m->records[stop], "ERROR") &&
	       !(stop > own && named(&m->records[stop], "OBJREF")))
		stop++;
	keep_range(c, own, stop);
}

bool *ckpt_task_records(const struct ckpt_model *m, const struct ckpt_model_task *t, bool whole_process)
{
	struct closure c = { .m = m };
	size_t n = m->n_records ? m->n_records : 1;

	c.keep = calloc(n, sizeof(*c.keep));
	c.boundary = calloc(n, sizeof(*c.boundary));
	c.seen = calloc(m->n_objects ? m->n_objects : 1, sizeof(*c.seen));
	c.queue = malloc((m->n_objects ? m->n_objects : 1) * sizeof(*c.queue));
	if (!c.keep || !c.boundary || !c.seen || !c.queue || m->sparse) {
		free(c.keep);
		c.keep = NULL;
		goto out;
	}
	for (size_t i = 0; i < m->n_records; i++) {
		const struct ckpt_model_record *r = &m->records[i];

		c.boundary[i] = named(r, "OBJREF") || named(r, "TASK") || named(r, "TAIL") || named(r, "ERROR");
	}
	for (size_t i = 0; i < m->n_tasks; i++) {
		const struct ckpt_model_task *x = &m->tasks[i];

		if (x->creds_record < m->n_records)
			c.boundary[x->creds_record] = true;
		if (x->ns_record < m->n_records)
			c.boundary[x->ns_record] = true;
		if (x->objs_record < m->n_records)
			c.boundary[x->objs_record] = true;
	}
	/* The header and its followers say what the image is. */
	if (m->n_records) {
		c.keep[0] = true;
		for (size_t i = 1; i < m->n_records && m->records[i].parent == 0; i++)
			c.keep[i] = true;
	}
	for (size_t i = 0; i < m->n_tasks; i++) {
		const struct ckpt_model_task *x = &m->tasks[i];

		if (x == t || (whole_process && t->has_tree && x->has_tree && x->tgid == t->tgid && t->tgid))
			keep_task(&c, x);
	}
	while (c.n_queue) {
		const struct ckpt_model_object *o = &m->objects[c.queue[--c.n_queue]];
		uint64_t r = o->objref_record;

		keep_range(&c, r, next_boundary(&c, r + 1));
		/* A file table's descriptors and an mm's VMAs (with their
		 * pages) may come after the definition of a file they use
		 * first: they are found through the model, not by order. */
		const struct ckpt_model_file_table *ft = ckpt_model_file_table(m, o->objref);
		const struct ckpt_model_mm *mm = ckpt_model_mm(m, o->objref);

		if (ft && ft->record == ckpt_model_object_first(o))
			for (size_t k = 0; k < ft->n_fds; k++) {
				uint64_t d = m->fds[ft->first_fd + k].record;

				keep_range(&c, d, next_boundary(&c, d + 1));
			}
		if (mm && mm->record == ckpt_model_object_first(o))
			for (size_t k = 0; k < mm->n_vmas; k++) {
				uint64_t v = mm->vmas[k].record;

				keep_range(&c, v, next_boundary(&c, v + 1));
			}
	}
out:
	free(c.boundary);
	free(c.seen);
	free(c.queue);
	return c.keep;
}
