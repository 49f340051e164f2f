/* The image model: one pass over the records, page contents left unread.
 *
 * Record types are recognised by their table names ("TASK", "VMA", ...):
 * this module is where the semantic relations between records live, and
 * names keep it independent of each dialect's type numbers.  Fields are
 * read by name through the tables too, so a dialect without a field simply
 * leaves the model's value at 0. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ckpt/decode.h"
#include "ckpt/format.h"
#include "ckpt/model.h"

/* An image of a million objects fills tens of MB of the model's arrays;
 * first touching them page by page, the page faults were a quarter of
 * ckptcheck's time.  Once an array is that large, each chunk is populated
 * in one call as the array reaches it (not the whole doubled capacity,
 * which could double the memory used). */
#define POPULATE_FROM	(4u << 20)
#define POPULATE_CHUNK	(1u << 20)

static void populate_ahead(void *arr, size_t cap, size_t n, size_t elem)
{
#ifdef MADV_POPULATE_WRITE
	size_t at = n * elem;

	if (cap * elem < POPULATE_FROM || at % POPULATE_CHUNK >= elem)
		return;
	uintptr_t from = ((uintptr_t)arr + at) & ~(uintptr_t)4095;
	uintptr_t to = ((uintptr_t)arr + (at + POPULATE_CHUNK < cap * elem ? at + POPULATE_CHUNK : cap * elem)) &
		       ~(uintptr_t)4095;

	/* Advice only: a kernel without it (before 5.14) faults as usual. */
	if (to > from)
		madvise((void *)from, to - from, MADV_POPULATE_WRITE);
#else
	(void)arr, (void)cap, (void)n, (void)elem;
#endif
}

/* Grows *arr (of *n elements, *cap allocated) so one more fits. */
static bool grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap) {
		populate_ahead(*arr, *cap, n, elem);
		return true;
	}
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p = realloc(*arr, ncap * elem);

	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	populate_ahead(p, ncap, n, elem);
	return true;
}

#define GROW(arr, cap, n) grow((void **)&(arr), &(cap), (n), sizeof(*(arr)))

/* The tasks' names: a chain of chunks that never move, so a task's comm
 * can point into them.  Threads follow each other with the same name:
 * a name equal to the last one kept is not kept again. */
#define COMM_CHUNK	(64u << 10)

struct ckpt_model_text_chunk {
	struct ckpt_model_text_chunk *next;
	size_t used;
	char text[COMM_CHUNK];
};

static const char *keep_comm(struct ckpt_model *m, const char *last, const char *comm)
{
	size_t n = strlen(comm) + 1;
	struct ckpt_model_text_chunk *c = m->comms;

	if (n == 1)
		return "";
	if (last && strcmp(last, comm) == 0)
		return last;
	if (n > COMM_CHUNK)
		return NULL;
	if (!c || COMM_CHUNK - c->used < n) {
		if (!(c = malloc(sizeof(*c))))
			return NULL;
		c->next = m->comms;
		c->used = 0;
		m->comms = c;
	}
	char *at = c->text + c->used;

	memcpy(at, comm, n);
	c->used += n;
	return at;
}

struct pid_object {
	int32_t objref;
	uint32_t k;
};

struct tree_entry {
	int32_t vpid, vppid, vtgid, vpgid, vsid;
	uint32_t depth;
};

/* What the builder does with a record, by its type (cached per type). */
enum kind {
	K_UNKNOWN = 0, K_OTHER, K_TASK, K_MM, K_VMA, K_TASK_REFS, K_FILE_TABLE, K_FILE_DESC,
	K_RELATED,	/* other records a lean model indexes */
	K_REFS_READ,	/* objects whose references the refcount rules follow */
};

struct builder {
	struct ckpt_model *m;
	unsigned char *kinds;		/* per entry of the schema's type table */
	unsigned char *refers;		/* the same: 0 not known yet, 1 no refs, 2 refs */
	/* Per object type: the record type named like it (NULL: none). */
	const struct ckpt_rtype *objtype_rt[64];
	/* OBJREF's fields, looked up once: every other record is an OBJREF
	 * in an image of many small objects. */
	const struct ckpt_field *f_objref, *f_objtype;
	struct ckpt_image *img;
	bool lean;			/* index only the records relations need */
	bool no_refs;			/* keep no reference list */
	size_t cap_records, cap_objects, cap_refs, cap_tasks, cap_mms, cap_pids, cap_depths, cap_paths;
	size_t cap_vmas, cap_runs;	/* of the current MM */
	size_t cap_fts, cap_fds;
	struct ckpt_model_file_table *ft;	/* the table whose FILE_DESCs follow */
	/* PID objects: (objref, k) for the k-th one, which names the k-th
	 * PIDS entry; sorted when the pass ends. */
	struct pid_object *pid_objects;
	size_t n_pid_objects, cap_pid_objects;
	struct tree_entry *tree;
	size_t n_tree, cap_tree;
	struct ckpt_model_task *task;	/* the task whose records follow */
	const char *last_comm;		/* the last name kept (keep_comm) */
	struct ckpt_model_mm *mm;	/* the MM whose VMAs follow */
	struct ckpt_model_vma *vma;	/* the VMA whose pages follow */
	bool oom;
};

static bool is(const struct ckpt_record *rec, const char *name)
{
	return rec->rt && strcmp(rec->rt->name, name) == 0;
}

/* A named field of rec as an unsigned / signed value, 0 if it has none. */
static uint64_t field_u(const struct ckpt_record *rec, const char *name)
{
	const struct ckpt_field *f = rec->rt ? ckpt_rtype_field(rec->rt, name) : NULL;

	return f && ckpt_field_fits(f, rec->avail) ? ckpt_field_u64(f, rec->data) : 0;
}

static int32_t field_ref(const struct ckpt_record *rec, const char *name)
{
	const struct ckpt_field *f = rec->rt ? ckpt_rtype_field(rec->rt, name) : NULL;

	return f && ckpt_field_fits(f, rec->avail) ? (int32_t)ckpt_field_s64(f, rec->data) : 0;
}

static bool add_ref(struct builder *b, uint64_t record, const struct ckpt_field *f,
		    int64_t elem, const uint8_t *base)
{
	int32_t v = (int32_t)ckpt_field_s64(f, base);

	if (v <= 0)
		return true;	/* 0 is "none", negative values are markers */
	if (!GROW(b->m->refs, b->cap_refs, b->m->n_refs))
		return false;
	b->m->refs[b->m->n_refs++] = (struct ckpt_model_ref){ record, f, elem, v };
	return true;
}

/* Every OBJREF-kind field of a set of table fields over `base`. */
static bool scan_fields(struct builder *b, const struct ckpt_record *rec,
			const struct ckpt_field *fields, size_t n, const uint8_t *base,
			size_t avail, int64_t elem)
{
	for (size_t i = 0; i < n; i++) {
		const struct ckpt_field *f = &fields[i];

		if (f->kind == CKPT_K_OBJREF && ckpt_field_fits(f, avail)) {
			if (!add_ref(b, rec->index, f, elem, base))
				return false;
		} else if (f->kind == CKPT_K_ARRAY && f->n_elem) {
			bool fits;
			uint64_t count = ckpt_array_count(rec->rt, f, rec->data, rec->avail, &fits);

			for (uint64_t j = 0; j < count; j++) {
				uint64_t at = f->offset + j * f->stride;

				if (at + f->stride > avail)
					break;
				if (!scan_fields(b, rec, f->elem, f->n_elem, base + at,
						 f->stride, (int64_t)j))
					return false;
			}
		}
	}
	return true;
}

/* Whether a set of table fields has an OBJREF-kind field, in arrays too. */
static bool fields_refer(const struct ckpt_field *fields, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fields[i].kind == CKPT_K_OBJREF ||
		    (fields[i].kind == CKPT_K_ARRAY && fields_refer(fields[i].elem, fields[i].n_elem)))
			return true;
	return false;
}

/* Whether records of rec's type can hold references (cached per type):
 * most records of a large image hold none. */
static bool type_refers(struct builder *b, const struct ckpt_record *rec)
{
	const struct ckpt_schema *s = b->m->schema;
	size_t t = (size_t)(rec->rt - s->types);

	if (rec->rt < s->types || t >= s->n_types)
		return fields_refer(rec->rt->fields, rec->rt->n_fields);
	if (!b->refers[t])
		b->refers[t] = fields_refer(rec->rt->fields, rec->rt->n_fields) ? 2 : 1;
	return b->refers[t] == 2;
}

/* The references a record holds: its fields, or the structs of its payload
 * (e.g. the TREE entries in their BUFFER). */
static bool scan_refs(struct builder *b, const struct ckpt_record *rec, const struct ckpt_role *role)
{
	if (rec->rt && rec->rt->n_fields)
		return !type_refers(b, rec) ||
		       scan_fields(b, rec, rec->rt->fields, rec->rt->n_fields, rec->data, rec->avail, -1);
	if (!role->follow || role->follow->layout.kind != CKPT_L_STRUCTS)
		return true;

	const struct ckpt_layout *l = &role->follow->layout;

	if (!l->stride)
		return true;
	for (uint64_t off = rec->hdr_len, j = 0; off + l->stride <= rec->avail; off += l->stride, j++)
		if (!scan_fields(b, rec, l->elem, l->n_elem, rec->data + off, l->stride, (int64_t)j))
			return false;
	return true;
}

static size_t slot_hash(int32_t ref, size_t n_slots)
{
	return ((uint32_t)ref * 2654435761u) & (n_slots - 1);
}

static bool in_place(const struct ckpt_model *m, size_t pos)
{
	return (uint64_t)m->objects[pos].objref == (uint64_t)pos + 1;
}

static const struct ckpt_model_object *hashed_object(const struct ckpt_model *m, int32_t ref)
{
	if (!m->n_objects_hashed)
		return NULL;
	for (size_t h = slot_hash(ref, m->n_object_slots);; h = (h + 1) & (m->n_object_slots - 1)) {
		if (!m->object_slots[h])
			return NULL;
		if (m->objects[m->object_slots[h] - 1].objref == ref)
			return &m->objects[m->object_slots[h] - 1];
	}
}

static void slot_insert(uint32_t *slots, size_t n_slots, int32_t ref, size_t pos)
{
	size_t h = slot_hash(ref, n_slots);

	while (slots[h])
		h = (h + 1) & (n_slots - 1);
	slots[h] = (uint32_t)(pos + 1);
}

/* Indexes the object just appended at pos, unless an earlier definition
 * of its objref has the index already. */
static bool index_object(struct ckpt_model *m, size_t pos)
{
	int32_t ref = m->objects[pos].objref;

	if (ref <= 0 || in_place(m, pos))
		return true;
	if (ref - 1 < (int64_t)pos && in_place(m, (size_t)ref - 1))
		return true;	/* a later definition of an object found in place */
	if (hashed_object(m, ref))
		return true;
	if ((m->n_objects_hashed + 1) * 2 > m->n_object_slots) {
		size_t ns = m->n_object_slots ? m->n_object_slots * 2 : 64;
		uint32_t *slots = calloc(ns, sizeof(*slots));

		if (!slots)
			return false;
		for (size_t i = 0; i < m->n_object_slots; i++)
			if (m->object_slots[i])
				slot_insert(slots, ns, m->objects[m->object_slots[i] - 1].objref,
					    m->object_slots[i] - 1);
		free(m->object_slots);
		m->object_slots = slots;
		m->n_object_slots = ns;
	}
	slot_insert(m->object_slots, m->n_object_slots, ref, pos);
	m->n_objects_hashed++;
	return true;
}

static bool on_objref(struct builder *b, const struct ckpt_record *rec)
{
	struct ckpt_model *m = b->m;

	if (m->n_objects >= UINT32_MAX - 1 || !GROW(m->objects, b->cap_objects, m->n_objects))
		return false;
	m->objects[m->n_objects++] = (struct ckpt_model_object){
		.objref = rec->rt && b->f_objref && ckpt_field_fits(b->f_objref, rec->avail) ?
			  (int32_t)ckpt_field_s64(b->f_objref, rec->data) : 0,
		.objtype = rec->rt && b->f_objtype && ckpt_field_fits(b->f_objtype, rec->avail) ?
			   (uint32_t)ckpt_field_u64(b->f_objtype, rec->data) : 0,
		.objref_record = rec->index,
		.objref_offset = rec->offset,
	};
	if (!index_object(m, m->n_objects - 1))
		return false;
	if (m->objects[m->n_objects - 1].objtype == CKPT_OBJ_PID) {
		if (!GROW(b->pid_objects, b->cap_pid_objects, b->n_pid_objects))
			return false;
		b->pid_objects[b->n_pid_objects] = (struct pid_object){
			m->objects[m->n_objects - 1].objref, (uint32_t)b->n_pid_objects };
		b->n_pid_objects++;
	}
	return true;
}

/* The record after an OBJREF starts the object when its type is named like
 * the object type (FILE, MM, CRED...); PID objects have no records. */
static void claim_first_record(struct builder *b, const struct ckpt_record *rec)
{
	struct ckpt_model *m = b->m;

	if (!m->n_objects || !rec->rt || !m->schema->objtypes)
		return;
	struct ckpt_model_object *o = &m->objects[m->n_objects - 1];

	if (o->objref_record + 1 != rec->index)
		return;
	if (o->objtype < CKPT_ARRAY_LEN(b->objtype_rt) && b->objtype_rt[o->objtype] == rec->rt)
		o->has_first_record = 1;
}

static enum kind kind_of(struct builder *b, const struct ckpt_record *rec)
{
	const struct ckpt_schema *s = b->m->schema;
	size_t t = (size_t)(rec->rt - s->types);

	if (!rec->rt || rec->rt < s->types || t >= s->n_types)
		return K_OTHER;
	if (b->kinds[t] == K_UNKNOWN)
		b->kinds[t] = is(rec, "TASK") ? K_TASK : is(rec, "MM") ? K_MM : is(rec, "VMA") ? K_VMA :
			      is(rec, "TASK_CREDS") || is(rec, "TASK_NS") || is(rec, "TASK_OBJS") ?
			      K_TASK_REFS :
			      is(rec, "FILE_TABLE") ? K_FILE_TABLE : is(rec, "FILE_DESC") ? K_FILE_DESC :
			      is(rec, "PGARR") ? K_RELATED :
			      is(rec, "NS") || is(rec, "CRED") || is(rec, "USER") ? K_REFS_READ : K_OTHER;
	return (enum kind)b->kinds[t];
}

static void copy_text(const struct ckpt_record *rec, char *out, size_t size)
{
	size_t n = rec->avail > rec->hdr_len ? rec->avail - rec->hdr_len : 0;
	bool terminated;

	n = ckpt_text_len(rec->data + rec->hdr_len, n, &terminated);
	/* Up to the first NUL: that is what the kernel would use. */
	const void *nul = memchr(rec->data + rec->hdr_len, 0, n);

	if (nul)
		n = (size_t)((const uint8_t *)nul - (rec->data + rec->hdr_len));
	ckpt_escape(rec->data + rec->hdr_len, n, out, size);
}

static bool on_path(struct builder *b, const struct ckpt_record *rec, const struct ckpt_role *role)
{
	struct ckpt_model *m = b->m;

	if (!m->n_objects)
		return true;
	size_t pos = m->n_objects - 1;

	if (ckpt_model_object_first(&m->objects[pos]) != role->parent_index ||
	    (m->n_paths && m->paths[m->n_paths - 1].object == pos))
		return true;
	char buf[4 * 4096 + 1];
	char *path;

	copy_text(rec, buf, sizeof(buf));
	if (!GROW(m->paths, b->cap_paths, m->n_paths) || !(path = strdup(buf)))
		return false;
	m->paths[m->n_paths++] = (struct ckpt_model_path){ .object = pos, .path = path };
	return true;
}

static bool on_task(struct builder *b, const struct ckpt_record *rec)
{
	struct ckpt_model *m = b->m;

	if (!GROW(m->tasks, b->cap_tasks, m->n_tasks))
		return false;
	b->task = &m->tasks[m->n_tasks++];
	*b->task = (struct ckpt_model_task){
		.record = rec->index,
		.comm = "",
		.exit_state = (uint32_t)field_u(rec, "exit_state"),
		.creds_record = CKPT_MODEL_NONE,
		.ns_record = CKPT_MODEL_NONE,
		.objs_record = CKPT_MODEL_NONE,
	};
	b->mm = NULL;
	b->vma = NULL;
	b->ft = NULL;
	return true;
}

static bool on_file_table(struct builder *b, const struct ckpt_record *rec)
{
	struct ckpt_model *m = b->m;

	if (!GROW(m->file_tables, b->cap_fts, m->n_file_tables))
		return false;
	b->ft = &m->file_tables[m->n_file_tables++];
	*b->ft = (struct ckpt_model_file_table){ .record = rec->index, .first_fd = m->n_fds };
	if (m->n_objects && ckpt_model_object_first(&m->objects[m->n_objects - 1]) == rec->index)
		b->ft->objref = m->objects[m->n_objects - 1].objref;
	return true;
}

static bool on_file_desc(struct builder *b, const struct ckpt_record *rec)
{
	struct ckpt_model *m = b->m;

	if (!b->ft)
		return true;	/* a descriptor of no table */
	if (!GROW(m->fds, b->cap_fds, m->n_fds))
		return false;
	m->fds[m->n_fds++] = (struct ckpt_model_fd){
		.record = rec->index,
		.fd = field_ref(rec, "fd_descriptor"),
		.file_ref = field_ref(rec, "fd_objref"),
		.cloexec = field_u(rec, "fd_close_on_exec") != 0,
	};
	b->ft->n_fds++;
	return true;
}

static void on_task_refs(struct builder *b, const struct ckpt_record *rec)
{
	struct ckpt_model_task *t = b->task;

	if (!t)
		return;
	if (is(rec, "TASK_CREDS") && t->creds_record == CKPT_MODEL_NONE) {
		t->creds_record = rec->index;
		t->cred_ref = field_ref(rec, "cred_ref");
		t->ecred_ref = field_ref(rec, "ecred_ref");
	} else if (is(rec, "TASK_NS") && t->ns_record == CKPT_MODEL_NONE) {
		t->ns_record = rec->index;
		t->ns_ref = field_ref(rec, "ns_objref");
	} else if (is(rec, "TASK_OBJS") && t->objs_record == CKPT_MODEL_NONE) {
		t->objs_record = rec->index;
		t->files_ref = field_ref(rec, "files_objref");
		t->mm_ref = field_ref(rec, "mm_objref");
		t->fs_ref = field_ref(rec, "fs_objref");
		t->sem_undo_ref = field_ref(rec, "sem_undo_objref");
		t->sighand_ref = field_ref(rec, "sighand_objref");
		t->signal_ref = field_ref(rec, "signal_objref");
	}
}

static bool on_mm(struct builder *b, const struct ckpt_record *rec)
{
	struct ckpt_model *m = b->m;

	if (!GROW(m->mms, b->cap_mms, m->n_mms))
		return false;
	b->mm = &m->mms[m->n_mms++];
	*b->mm = (struct ckpt_model_mm){ .record = rec->index, .map_count = field_u(rec, "map_count") };
	if (m->n_objects && ckpt_model_object_first(&m->objects[m->n_objects - 1]) == rec->index)
		b->mm->objref = m->objects[m->n_objects - 1].objref;
	b->cap_vmas = b->cap_runs = 0;
	b->vma = NULL;
	return true;
}

static bool on_vma(struct builder *b, const struct ckpt_record *rec)
{
	struct ckpt_model_mm *mm = b->mm;

	if (!mm)
		return true;	/* a VMA outside any MM: nothing to attach it to */
	if (!GROW(mm->vmas, b->cap_vmas, mm->n_vmas))
		return false;
	b->vma = &mm->vmas[mm->n_vmas++];
	*b->vma = (struct ckpt_model_vma){
		.record = rec->index,
		.start = field_u(rec, "vm_start"),
		.end = field_u(rec, "vm_end"),
		.flags = field_u(rec, "vm_flags"),
		.prot = field_u(rec, "vm_page_prot"),
		.pgoff = field_u(rec, "vm_pgoff"),
		.type = (uint32_t)field_u(rec, "vma_type"),
		.file_ref = field_ref(rec, "vma_objref"),
		.first_run = mm->n_runs,
	};
	return true;
}

static bool add_page(struct builder *b, uint64_t addr, uint64_t offset, uint64_t record)
{
	struct ckpt_model_mm *mm = b->mm;
	struct ckpt_model_run *last = mm->n_runs ? &mm->runs[mm->n_runs - 1] : NULL;

	b->vma->pages++;
	if ((addr < b->vma->start || addr - b->vma->start >= b->vma->end - b->vma->start ||
	     b->vma->end <= b->vma->start) && !b->vma->stray_pages++)
		b->vma->stray_record = record;
	if (last && last->record == record && last->start + last->pages * CKPT_PAGE_SIZE == addr &&
	    last->offset + last->pages * CKPT_PAGE_SIZE == offset && mm->n_runs > b->vma->first_run) {
		last->pages++;
		return true;
	}
	if (!GROW(mm->runs, b->cap_runs, mm->n_runs))
		return false;
	mm->runs[mm->n_runs++] = (struct ckpt_model_run){ addr, 1, offset, record };
	b->vma->n_runs = mm->n_runs - b->vma->first_run;
	return true;
}

/* Bytes [at, at + n) of rec: from its inline bytes when they hold them (a
 * stream cannot give back what record_bytes has passed), else read on. */
static int record_span(struct builder *b, const struct ckpt_record *rec, uint64_t at, size_t n,
		       const uint8_t **p)
{
	if (at + n <= rec->avail) {
		*p = rec->data + at;
		return 0;
	}
	return ckpt_image_record_bytes(b->img, at, p, n) == (ssize_t)n ? 0 : -1;
}

/* A PAGES buffer: N addresses then N pages.  Only the addresses are read;
 * pages that do not fit in the record are not recorded. */
static int on_pages(struct builder *b, const struct ckpt_record *rec, const struct ckpt_role *role)
{
	uint64_t from = rec->hdr_len;
	uint64_t room = (rec->len - from) / (8 + CKPT_PAGE_SIZE);
	uint64_t n = role->count;

	if (!b->mm || !b->vma) {
		if (!b->m->stray_pages)
			b->m->stray_record = rec->index;
		b->m->stray_pages = n > UINT64_MAX - b->m->stray_pages ? UINT64_MAX : b->m->stray_pages + n;
		return 0;
	}
	/* More pages than the buffer holds: their addresses and bytes overlap
	 * whatever follows, so none of them is placed (a count of 2^64-1
	 * would put "page data" inside the record's own frame). */
	if (role->count > room) {
		if (!b->vma->lost_pages)
			b->vma->lost_record = rec->index;
		b->vma->lost_pages = role->count > UINT64_MAX - b->vma->lost_pages ?
				     UINT64_MAX : b->vma->lost_pages + role->count;
		return 0;
	}
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *p;
		uint64_t at = from + 8 * i;

		if (record_span(b, rec, at, 8, &p) < 0)
			return -1;
		uint64_t page = rec->offset + from + 8 * role->count + i * CKPT_PAGE_SIZE;

		if (!add_page(b, ckpt_le_load(p, 8), page, rec->index))
			return -2;
	}
	return 0;
}

/* PIDS buffer: packed { u32 depth; s32 nr[depth + 1] }. */
static int on_pids(struct builder *b, const struct ckpt_record *rec)
{
	struct ckpt_model *m = b->m;
	uint64_t pos = rec->hdr_len;

	while (rec->len - pos >= 4) {
		const uint8_t *p;

		if (record_span(b, rec, pos, 4, &p) < 0)
			return -1;
		uint64_t depth = ckpt_le_load(p, 4);

		if ((depth + 1) * 4 > rec->len - pos - 4)
			break;
		if (record_span(b, rec, pos + 4, 4, &p) < 0)
			return -1;
		if (!GROW(m->pid_numbers, b->cap_pids, m->n_pid_numbers) ||
		    !GROW(m->pid_depths, b->cap_depths, m->n_pid_numbers))
			return -2;
		m->pid_depths[m->n_pid_numbers] = (uint32_t)depth;
		m->pid_numbers[m->n_pid_numbers++] = (int32_t)ckpt_le_load(p, 4);
		pos += 4 + (depth + 1) * 4;
	}
	m->pids_rest = rec->len - pos;
	return 0;
}

static bool on_tree(struct builder *b, const struct ckpt_record *rec, const struct ckpt_role *role)
{
	const struct ckpt_layout *l = &role->follow->layout;

	for (uint64_t off = rec->hdr_len; l->stride >= 24 && off + l->stride <= rec->avail; off += l->stride) {
		const uint8_t *e = rec->data + off;

		if (!GROW(b->tree, b->cap_tree, b->n_tree))
			return false;
		b->tree[b->n_tree++] = (struct tree_entry){
			(int32_t)ckpt_le_load(e, 4), (int32_t)ckpt_le_load(e + 4, 4),
			(int32_t)ckpt_le_load(e + 8, 4), (int32_t)ckpt_le_load(e + 12, 4),
			(int32_t)ckpt_le_load(e + 16, 4), (uint32_t)ckpt_le_load(e + 20, 4),
		};
	}
	return true;
}

static int one_record(struct builder *b, const struct ckpt_record *rec, const struct ckpt_role *role)
{
	struct ckpt_model *m = b->m;
	enum kind kind = kind_of(b, rec);
	bool indexed = !b->lean || role->name || (kind != K_OTHER && kind != K_REFS_READ);

	if (indexed) {
		/* a parent index must fit in 32 bits: far beyond memory */
		if (rec->index >= CKPT_MODEL_NO_PARENT || !GROW(m->records, b->cap_records, m->n_records))
			return -2;
		m->records[m->n_records++] = (struct ckpt_model_record){
			.index = rec->index, .offset = rec->offset, .len = (uint32_t)rec->len, .type = rec->type,
			.rt = rec->rt, .role = role->name,
			.parent = role->name ? (uint32_t)role->parent_index : CKPT_MODEL_NO_PARENT,
			.count = role->count < UINT32_MAX ? (uint32_t)role->count : UINT32_MAX,
		};
	}
	claim_first_record(b, rec);
	/* A lean model keeps the references of what it indexes and of the
	 * objects whose references are followed: most records of a large
	 * image are neither. */
	if (!b->no_refs && (indexed || kind == K_REFS_READ) && !scan_refs(b, rec, role))
		return -2;
	if (rec->type && rec->type == m->schema->objref_type)
		return on_objref(b, rec) ? 0 : -2;
	switch (kind) {
	case K_TASK:
		return on_task(b, rec) ? 0 : -2;
	case K_MM:
		return on_mm(b, rec) ? 0 : -2;
	case K_VMA:
		return on_vma(b, rec) ? 0 : -2;
	case K_TASK_REFS:
		on_task_refs(b, rec);
		return 0;
	case K_FILE_TABLE:
		return on_file_table(b, rec) ? 0 : -2;
	case K_FILE_DESC:
		return on_file_desc(b, rec) ? 0 : -2;
	case K_UNKNOWN:
	case K_OTHER:
	case K_RELATED:
	case K_REFS_READ:
		break;
	}
	if (!role->name)
		return 0;
	if (strcmp(role->name, "comm") == 0 && b->task && b->task->record == role->parent_index) {
		char comm[72];		/* as long as ever: longer names are cut */
		const char *kept;

		copy_text(rec, comm, sizeof(comm));
		if (!(kept = keep_comm(m, b->last_comm, comm)))
			return -2;
		b->task->comm = kept;
		if (*kept)
			b->last_comm = kept;
		return 0;
	}
	if (strcmp(role->name, "path") == 0)
		return on_path(b, rec, role) ? 0 : -2;
	if (role->follow && role->follow->layout.kind == CKPT_L_PAGES)
		return on_pages(b, rec, role);
	if (role->follow && role->follow->layout.kind == CKPT_L_PIDS)
		return on_pids(b, rec);
	if (strcmp(role->name, "tasks") == 0 && role->parent && strcmp(role->parent->name, "TREE") == 0 &&
	    role->follow->layout.kind == CKPT_L_STRUCTS)
		return on_tree(b, rec, role) ? 0 : -2;
	return 0;
}

static int cmp_pid_object(const void *x, const void *y)
{
	const struct pid_object *a = x, *b = y;

	if (a->objref != b->objref)
		return a->objref < b->objref ? -1 : 1;
	return a->k < b->k ? -1 : a->k > b->k;
}

/* A tree value as a pid number: the k-th PID object names the k-th PIDS
 * entry (both are written in the same order); the first definition of an
 * objref counts. */
static int64_t resolve_pid(const struct builder *b, int32_t v)
{
	const struct ckpt_model *m = b->m;
	size_t lo = 0, hi = b->n_pid_objects;

	if (v <= 0)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->pid_objects[mid].objref < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == b->n_pid_objects || b->pid_objects[lo].objref != v)
		return 0;
	return b->pid_objects[lo].k < m->n_pid_numbers ? m->pid_numbers[b->pid_objects[lo].k] : 0;
}

static int cmp_by_pid(const void *x, const void *y)
{
	const struct ckpt_model_pid *a = x, *b = y;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->task < b->task ? -1 : a->task > b->task;
}

static int cmp_i64(const void *x, const void *y)
{
	const int64_t *a = x, *b = y;

	return *a < *b ? -1 : *a > *b;
}

/* Sorting positions by objref: qsort has no context argument. */
static const struct ckpt_model *sorting;
static bool sorting_mms;

static int32_t objref_at(size_t pos)
{
	return sorting_mms ? sorting->mms[pos].objref : sorting->file_tables[pos].objref;
}

static int cmp_by_objref(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int32_t ra = objref_at(a), rb = objref_at(b);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	return a < b ? -1 : a > b;
}

static bool by_objref(struct ckpt_model *m, bool mms, size_t n, size_t **out, size_t *n_out)
{
	size_t k = 0;

	*out = malloc((n ? n : 1) * sizeof(**out));
	if (!*out)
		return false;
	sorting = m;
	sorting_mms = mms;
	for (size_t i = 0; i < n; i++)
		if (objref_at(i) > 0)
			(*out)[k++] = i;
	qsort(*out, k, sizeof(**out), cmp_by_objref);
	*n_out = k;
	return true;
}

/* The indexes behind the O(log n) look-ups. */
static bool build_indexes(struct builder *b)
{
	struct ckpt_model *m = b->m;
	size_t nt = m->n_tasks ? m->n_tasks : 1;

	m->by_pid = malloc(nt * sizeof(*m->by_pid));
	m->tgids = malloc(nt * sizeof(*m->tgids));
	if (!m->by_pid || !m->tgids)
		return false;
	for (size_t i = 0; i < m->n_tasks; i++) {
		m->by_pid[i] = (struct ckpt_model_pid){ ckpt_model_task_pid(m, &m->tasks[i]), i };
		if (m->tasks[i].has_tree)
			m->tgids[m->n_tgids++] = m->tasks[i].tgid;
	}
	qsort(m->by_pid, m->n_tasks, sizeof(*m->by_pid), cmp_by_pid);
	qsort(m->tgids, m->n_tgids, sizeof(*m->tgids), cmp_i64);
	return by_objref(m, true, m->n_mms, &m->mm_by_objref, &m->n_mm_by_objref) &&
	       by_objref(m, false, m->n_file_tables, &m->ft_by_objref, &m->n_ft_by_objref);
}

static bool finish(struct builder *b)
{
	struct ckpt_model *m = b->m;

	m->n_tree = b->n_tree;
	if (b->n_pid_objects)	/* qsort of NULL, 0 is undefined */
		qsort(b->pid_objects, b->n_pid_objects, sizeof(*b->pid_objects), cmp_pid_object);
	for (size_t i = 0; i < m->n_tasks && i < b->n_tree; i++) {
		struct ckpt_model_task *t = &m->tasks[i];
		const struct tree_entry *e = &b->tree[i];

		t->has_tree = true;
		t->vpid = e->vpid;
		t->vppid = e->vppid;
		t->vtgid = e->vtgid;
		t->vpgid = e->vpgid;
		t->vsid = e->vsid;
		t->depth = e->depth;
		t->pid = resolve_pid(b, e->vpid);
		t->ppid = resolve_pid(b, e->vppid);
		t->tgid = resolve_pid(b, e->vtgid);
		t->pgid = resolve_pid(b, e->vpgid);
		t->sid = resolve_pid(b, e->vsid);
	}
	for (size_t i = 0; i < m->n_mms; i++)
		for (size_t k = 0; k < m->mms[i].n_vmas; k++) {
			struct ckpt_model_vma *v = &m->mms[i].vmas[k];
			const struct ckpt_model_object *o = v->file_ref > 0 ? ckpt_model_object(m, v->file_ref) : NULL;

			v->path = o ? ckpt_model_object_path(m, o) : NULL;
		}
	return build_indexes(b);
}

struct ckpt_model_builder *ckpt_model_builder_new(struct ckpt_image *img)
{
	struct builder *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->m = calloc(1, sizeof(*b->m));
	if (!b->m) {
		free(b);
		return NULL;
	}
	b->img = img;
	b->m->schema = ckpt_image_schema(img);
	b->m->size = ckpt_image_size(img);
	b->kinds = calloc(b->m->schema->n_types + 1, 1);
	b->refers = calloc(b->m->schema->n_types + 1, 1);
	if (!b->kinds || !b->refers) {
		free(b->kinds);
		free(b->refers);
		free(b->m);
		free(b);
		return NULL;
	}
	const struct ckpt_rtype *ort = b->m->schema->objref_type ?
				       ckpt_schema_type(b->m->schema, b->m->schema->objref_type) : NULL;

	if (ort) {
		b->f_objref = ckpt_rtype_field(ort, "objref");
		b->f_objtype = ckpt_rtype_field(ort, "objtype");
	}
	for (uint32_t t = 0; t < CKPT_ARRAY_LEN(b->objtype_rt) && b->m->schema->objtypes; t++) {
		const char *name = ckpt_names_lookup(b->m->schema->objtypes, t);

		b->objtype_rt[t] = name ? ckpt_schema_type_by_name(b->m->schema, name) : NULL;
	}
	return (struct ckpt_model_builder *)b;
}

struct ckpt_model_builder *ckpt_model_builder_new_lean(struct ckpt_image *img)
{
	struct ckpt_model_builder *mb = ckpt_model_builder_new(img);

	if (mb) {
		((struct builder *)mb)->lean = true;
		((struct builder *)mb)->m->sparse = true;
	}
	return mb;
}

const struct ckpt_model *ckpt_model_builder_model(const struct ckpt_model_builder *mb)
{
	return mb ? ((const struct builder *)mb)->m : NULL;
}

int ckpt_model_builder_add(struct ckpt_model_builder *mb, const struct ckpt_record *rec,
			   const struct ckpt_role *role)
{
	return one_record((struct builder *)mb, rec, role);
}

struct ckpt_model *ckpt_model_builder_finish(struct ckpt_model_builder *mb, bool failed)
{
	struct builder *b = (struct builder *)mb;
	struct ckpt_model *m = b->m;

	if (failed) {
		m->failed = true;
		m->err = *ckpt_image_error(b->img);
	}
	m->end = ckpt_image_end(b->img);
	bool ok = finish(b);

	free(b->tree);
	free(b->pid_objects);
	free(b->kinds);
	free(b->refers);
	free(b);
	if (!ok) {
		ckpt_model_free(m);
		return NULL;
	}
	return m;
}

void ckpt_model_builder_free(struct ckpt_model_builder *mb)
{
	struct builder *b = (struct builder *)mb;

	if (!b)
		return;
	ckpt_model_free(b->m);
	free(b->tree);
	free(b->pid_objects);
	free(b->kinds);
	free(b->refers);
	free(b);
}

static struct ckpt_model *build(struct ckpt_image *img, bool no_refs)
{
	struct ckpt_model_builder *b = ckpt_model_builder_new(img);
	struct ckpt_roles roles;
	struct ckpt_record rec;
	struct ckpt_role role;
	int r;

	if (!b)
		return NULL;
	((struct builder *)b)->no_refs = no_refs;
	/* The pass reads record starts and page addresses, never page data:
	 * cold, that is a small part of a large image. */
	ckpt_image_set_access(img, CKPT_ACCESS_SKIM);
	ckpt_roles_init(&roles);
	while ((r = ckpt_image_next_record(img, &rec)) == 1) {
		ckpt_roles_next(&roles, &rec, &role);
		int s = ckpt_model_builder_add(b, &rec, &role);

		if (s == -2) {
			ckpt_image_set_access(img, CKPT_ACCESS_SEQUENTIAL);
			ckpt_model_builder_free(b);
			return NULL;
		}
		if (s < 0) {
			r = -1;
			break;
		}
	}
	ckpt_image_set_access(img, CKPT_ACCESS_SEQUENTIAL);
	return ckpt_model_builder_finish(b, r < 0);
}

struct ckpt_model *ckpt_model_build(struct ckpt_image *img)
{
	return build(img, false);
}

struct ckpt_model *ckpt_model_build_without_refs(struct ckpt_image *img)
{
	return build(img, true);
}

void ckpt_model_free(struct ckpt_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_paths; i++)
		free(m->paths[i].path);
	free(m->paths);
	for (size_t i = 0; i < m->n_mms; i++) {
		free(m->mms[i].vmas);
		free(m->mms[i].runs);
	}
	free(m->records);
	free(m->objects);
	free(m->object_slots);
	free(m->refs);
	free(m->tasks);
	while (m->comms) {
		struct ckpt_model_text_chunk *next = m->comms->next;

		free(m->comms);
		m->comms = next;
	}
	free(m->mms);
	free(m->pid_numbers);
	free(m->pid_depths);
	free(m->file_tables);
	free(m->fds);
	free(m->by_pid);
	free(m->tgids);
	free(m->mm_by_objref);
	free(m->ft_by_objref);
	free(m);
}

const struct ckpt_model_object *ckpt_model_object(const struct ckpt_model *m, int32_t objref)
{
	if (objref > 0) {
		const struct ckpt_model_object *o = hashed_object(m, objref);

		if (o)
			return o;
		return (size_t)objref <= m->n_objects && in_place(m, (size_t)objref - 1) ?
		       &m->objects[objref - 1] : NULL;
	}
	for (size_t i = 0; i < m->n_objects; i++)
		if (m->objects[i].objref == objref)
			return &m->objects[i];
	return NULL;
}

const char *ckpt_model_object_path(const struct ckpt_model *m, const struct ckpt_model_object *o)
{
	if (!o || o < m->objects || o >= m->objects + m->n_objects)
		return NULL;
	size_t pos = (size_t)(o - m->objects), lo = 0, hi = m->n_paths;

	/* Paths are added as their objects are defined: in position order. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->paths[mid].object < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n_paths && m->paths[lo].object == pos ? m->paths[lo].path : NULL;
}

/* The first position in a sorted objref index whose objref is ref. */
static const size_t *find_by_objref(const size_t *ix, size_t n, bool mms, const struct ckpt_model *m,
				    int32_t ref)
{
	size_t lo = 0, hi = n;

	if (ref <= 0 || !ix)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int32_t r = mms ? m->mms[ix[mid]].objref : m->file_tables[ix[mid]].objref;

		if (r < ref)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n || (mms ? m->mms[ix[lo]].objref : m->file_tables[ix[lo]].objref) != ref)
		return NULL;
	return &ix[lo];
}

const struct ckpt_model_mm *ckpt_model_mm(const struct ckpt_model *m, int32_t objref)
{
	const size_t *p = find_by_objref(m->mm_by_objref, m->n_mm_by_objref, true, m, objref);

	return p ? &m->mms[*p] : NULL;
}

const struct ckpt_model_file_table *ckpt_model_file_table(const struct ckpt_model *m, int32_t objref)
{
	const size_t *p = find_by_objref(m->ft_by_objref, m->n_ft_by_objref, false, m, objref);

	return p ? &m->file_tables[*p] : NULL;
}

const struct ckpt_model_mm *ckpt_model_task_mm(const struct ckpt_model *m, const struct ckpt_model_task *t)
{
	size_t ti = (size_t)(t - m->tasks), lo = 0, hi = m->n_mms;
	uint64_t end = ti + 1 < m->n_tasks ? m->tasks[ti + 1].record : UINT64_MAX;

	if (t->mm_ref > 0)
		return ckpt_model_mm(m, t->mm_ref);
	/* MMs are in image order: the first after the TASK, if before the
	 * next TASK. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->mms[mid].record <= t->record)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n_mms && m->mms[lo].record < end ? &m->mms[lo] : NULL;
}

int64_t ckpt_model_task_pid(const struct ckpt_model *m, const struct ckpt_model_task *t)
{
	return t->has_tree ? t->pid : (int64_t)(t - m->tasks) + 1;
}

const struct ckpt_model_task *ckpt_model_task_by_pid(const struct ckpt_model *m, int64_t pid)
{
	size_t lo = 0, hi = m->n_tasks;

	if (!m->by_pid)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->by_pid[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n_tasks && m->by_pid[lo].pid == pid ? &m->tasks[m->by_pid[lo].task] : NULL;
}

/* The first position in the sorted tgids whose value is >= v (> v when
 * after). */
static size_t tgid_bound(const struct ckpt_model *m, int64_t v, bool after)
{
	size_t lo = 0, hi = m->n_tgids;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->tgids[mid] < v || (after && m->tgids[mid] == v))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t ckpt_model_thread_count(const struct ckpt_model *m, const struct ckpt_model_task *t)
{
	if (!t->has_tree || !m->tgids)
		return 1;
	return tgid_bound(m, t->tgid, true) - tgid_bound(m, t->tgid, false);
}

/* Record `index` read back, and its field `name`: 0, 1 (no such field) or
 * -1 (unreadable). */
static int read_field(struct ckpt_image *img, const struct ckpt_model *m, uint64_t index, const char *name,
		      struct ckpt_record *rec, const struct ckpt_field **f, struct ckpt_error *err)
{
	const struct ckpt_model_record *r = ckpt_model_record(m, index);

	if (!r) {
		memset(err, 0, sizeof(*err));
		err->kind = CKPT_ERR_IO;
		err->index = index;
		snprintf(err->reason, sizeof(err->reason), "record %" PRIu64 " is not in the model", index);
		return -1;
	}
	if (!r->rt || !(*f = ckpt_rtype_field(r->rt, name)))
		return 1;
	if (ckpt_image_record_at(img, r->offset, index, rec, err) < 0)
		return -1;
	return rec->rt && ckpt_field_fits(*f, rec->avail) ? 0 : 1;
}

int ckpt_model_field_u64(struct ckpt_image *img, const struct ckpt_model *m, uint64_t index,
			 const char *name, uint64_t *value, struct ckpt_error *err)
{
	struct ckpt_record rec;
	const struct ckpt_field *f;
	int r = read_field(img, m, index, name, &rec, &f, err);

	*value = r == 0 ? ckpt_field_u64(f, rec.data) : 0;
	return r;
}

int ckpt_model_field_s64(struct ckpt_image *img, const struct ckpt_model *m, uint64_t index,
			 const char *name, int64_t *value, struct ckpt_error *err)
{
	struct ckpt_record rec;
	const struct ckpt_field *f;
	int r = read_field(img, m, index, name, &rec, &f, err);

	*value = r == 0 ? ckpt_field_s64(f, rec.data) : 0;
	return r;
}

int ckpt_model_field_text(struct ckpt_image *img, const struct ckpt_model *m, uint64_t index,
			  const char *name, char *out, size_t size, struct ckpt_error *err)
{
	struct ckpt_record rec;
	const struct ckpt_field *f;
	int r = read_field(img, m, index, name, &rec, &f, err);

	if (r == 0)
		ckpt_format_field(f, rec.data, out, size);
	else if (size)
		snprintf(out, size, "?");
	return r;
}

const struct ckpt_model_record *ckpt_model_record(const struct ckpt_model *m, uint64_t index)
{
	size_t lo = 0, hi = m->n_records;

	if (!m->sparse)
		return index < m->n_records ? &m->records[index] : NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->records[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n_records && m->records[lo].index == index ? &m->records[lo] : NULL;
}

uint64_t ckpt_model_record_at(const struct ckpt_model *m, uint64_t offset)
{
	size_t lo = 0, hi = m->n_records;

	/* Records are in offset order: find the last one starting at or
	 * before offset, then check that it reaches it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->records[mid].offset <= offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return CKPT_MODEL_NONE;
	const struct ckpt_model_record *r = &m->records[lo - 1];

	return offset - r->offset < r->len ? r->index : CKPT_MODEL_NONE;
}

const struct ckpt_model_vma *ckpt_model_vma_at(const struct ckpt_model_mm *mm, uint64_t addr)
{
	for (size_t i = 0; i < mm->n_vmas; i++)
		if (addr >= mm->vmas[i].start && addr < mm->vmas[i].end)
			return &mm->vmas[i];
	return NULL;
}

bool ckpt_model_page_at(const struct ckpt_model_mm *mm, uint64_t addr,
			uint64_t *offset, uint64_t *contiguous)
{
	for (size_t i = 0; i < mm->n_runs; i++) {
		const struct ckpt_model_run *r = &mm->runs[i];

		if (addr >= r->start && addr - r->start < r->pages * CKPT_PAGE_SIZE) {
			*offset = r->offset + (addr - r->start);
			*contiguous = r->pages * CKPT_PAGE_SIZE - (addr - r->start);
			return true;
		}
	}
	return false;
}
