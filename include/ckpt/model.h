/* The model of an image: what one pass over its records learns about their
 * relations, without reading page contents.
 *
 *   - a record index: offset, length, type and role of every record (a
 *     lean model, ckptcheck's, keeps only those the relations need);
 *   - the objects: objref -> objtype, defining OBJREF and first record;
 *   - every reference to an object (each OBJREF-kind field, found through
 *     the record tables, not per record type);
 *   - the tasks in image order with their tree entry and their objrefs;
 *   - per MM object its VMAs and its dumped page runs, each run with the
 *     file offset of its first page, so a page is later read by offset.
 *
 * Memory grows with the number of records, objects and page runs, never
 * with the page data.  ckptdump's browser, ckptdiff and ckptcheck's semantic
 * rules share it.
 */
#ifndef CKPT_MODEL_H
#define CKPT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt/decode.h"
#include "ckpt/image.h"
#include "ckpt/schema.h"

/* "No record" in the index fields below. */
#define CKPT_MODEL_NONE UINT64_MAX

/* A record's parent field when it follows none. */
#define CKPT_MODEL_NO_PARENT UINT32_MAX

/* 48 bytes: one per record, and an image may hold millions (a model
 * holds fewer than UINT32_MAX records: the parent index fits 32 bits). */
struct ckpt_model_record {
	uint64_t index;			/* its place in the image (records[index] when dense) */
	uint64_t offset;
	uint32_t len;			/* framing header included (a u32 in every dialect) */
	uint32_t type;
	const struct ckpt_rtype *rt;	/* NULL: a type the dialect does not know */
	const char *role;		/* "comm", "pages", ...; NULL: none */
	uint32_t parent;		/* index of the record it follows, or NO_PARENT */
	/* PAGES role: pages the parent announced, UINT32_MAX for that many
	 * or more (a buffer of any dumped page holds fewer: len is a u32). */
	uint32_t count;
};

/* 24 bytes: an image may define millions of objects.  The first record
 * and the path are found with the functions below. */
struct ckpt_model_object {
	int32_t objref;
	uint32_t objtype;		/* OBJREF.objtype */
	uint64_t objref_record : 63;	/* the OBJREF record that defines it */
	/* Its own first record follows the OBJREF (a record whose type is
	 * named like the objtype); a PID object has none. */
	uint64_t has_first_record : 1;
	uint64_t objref_offset;		/* the OBJREF record's image offset */
};

/* The object's own first record, or NONE. */
static inline uint64_t ckpt_model_object_first(const struct ckpt_model_object *o)
{
	return o->has_first_record ? (uint64_t)o->objref_record + 1 : CKPT_MODEL_NONE;
}

/* A FILE object's path (its FILE_NAME, escaped). */
struct ckpt_model_path {
	size_t object;			/* position in objects[] */
	char *path;
};

/* One OBJREF-kind field holding a positive value. */
struct ckpt_model_ref {
	uint64_t record;
	const struct ckpt_field *field;
	int64_t elem;			/* element of an array or struct list, or -1 */
	int32_t objref;
};

/* 152 bytes: an image may hold hundreds of thousands of threads. */
struct ckpt_model_task {
	uint64_t record;		/* the TASK record */
	/* Escaped with ckpt_escape(); "" when none; never NULL.  Kept once
	 * per run of tasks of the same name (threads), in the model. */
	const char *comm;
	uint32_t exit_state;		/* TASK.exit_state: non-zero for a zombie */
	/* The i-th TASK's entry of the process tree, where the dialect has a
	 * TREE: raw values (PID objrefs or markers) and the pid numbers they
	 * resolve to (0 when they do not resolve: a marker, no PIDS entry). */
	int32_t vpid, vppid, vtgid, vpgid, vsid;
	uint32_t depth;
	/* TASK_CREDS, TASK_NS, TASK_OBJS after the TASK (NONE if absent) and
	 * the objrefs they hold (0 = none). */
	int32_t cred_ref, ecred_ref, ns_ref;
	int32_t files_ref, mm_ref, fs_ref, sem_undo_ref, sighand_ref, signal_ref;
	bool has_tree;
	int64_t pid, ppid, tgid, pgid, sid;
	uint64_t creds_record, ns_record, objs_record;
};

/* Where the tasks' names are kept (model.c). */
struct ckpt_model_text_chunk;

/* Dumped pages at consecutive virtual addresses stored back to back. */
struct ckpt_model_run {
	uint64_t start;			/* virtual address of the first page */
	uint64_t pages;
	uint64_t offset;		/* image offset of the first page's bytes */
	uint64_t record;		/* the BUFFER holding them */
};

struct ckpt_model_vma {
	uint64_t record;
	uint64_t start, end;
	uint64_t flags, prot, pgoff;
	uint32_t type;			/* vma_type */
	int32_t file_ref;		/* vma_objref (0 = anonymous) */
	const char *path;		/* that FILE's path, or NULL */
	size_t first_run, n_runs;	/* its runs in the MM's run list */
	uint64_t pages;			/* dumped pages */
	/* Pages its buffers carry at addresses outside it (in its runs all
	 * the same), and pages a PGARR announced that its buffer cannot hold
	 * (not in its runs: where their bytes lie is unknown). */
	uint64_t stray_pages, lost_pages;
	uint64_t stray_record, lost_record;	/* the first such BUFFER */
};

/* One FILE_DESC of a file table. */
struct ckpt_model_fd {
	uint64_t record;		/* the FILE_DESC record */
	int32_t fd;			/* fd_descriptor */
	int32_t file_ref;		/* fd_objref */
	bool cloexec;			/* fd_close_on_exec */
};

/* A FILE_TABLE and the FILE_DESCs after it (up to the next task or table;
 * the definitions of the files they are first to use come between). */
struct ckpt_model_file_table {
	int32_t objref;			/* 0 when not behind an OBJREF */
	uint64_t record;
	size_t first_fd, n_fds;		/* its descriptors in the model's fds[] */
};

/* The pid index: one entry per task, sorted by pid then image order. */
struct ckpt_model_pid {
	int64_t pid;
	size_t task;
};

struct ckpt_model_mm {
	int32_t objref;			/* 0 when the MM was not behind an OBJREF */
	uint64_t record;
	uint64_t map_count;		/* as the MM record says */
	struct ckpt_model_vma *vmas;
	size_t n_vmas;
	struct ckpt_model_run *runs;	/* in image order */
	size_t n_runs;
};

struct ckpt_model {
	const struct ckpt_schema *schema;
	uint64_t size;			/* image bytes, 0 when not known (stream) */
	enum ckpt_image_end end;
	bool failed;			/* the pass stopped at a reader error: */
	struct ckpt_error err;		/* this one; what came before is kept */

	/* Dense: every record, records[i].index == i.  Sparse (a lean model):
	 * only the records the relations need, in image order; find them with
	 * ckpt_model_record(). */
	bool sparse;
	struct ckpt_model_record *records;
	size_t n_records;
	struct ckpt_model_object *objects;	/* in order of definition */
	size_t n_objects;
	/* The index behind ckpt_model_object(): objref r is found at
	 * objects[r - 1] when it was defined there first (producers number
	 * objects in order); other first definitions are in an open-addressing
	 * table (slot = position + 1, 0 empty). */
	uint32_t *object_slots;
	size_t n_object_slots, n_objects_hashed;
	struct ckpt_model_path *paths;		/* by object position */
	size_t n_paths;
	struct ckpt_model_ref *refs;		/* in image order */
	size_t n_refs;
	struct ckpt_model_task *tasks;		/* in image order */
	size_t n_tasks;
	struct ckpt_model_text_chunk *comms;	/* what their comm point into */
	struct ckpt_model_mm *mms;		/* in image order */
	size_t n_mms;
	int64_t *pid_numbers;	/* PIDS entries: the number in the outermost ns */
	size_t n_pid_numbers;
	uint32_t *pid_depths;	/* PIDS entries: their depth (parallel to the above) */
	uint64_t pids_rest;	/* PIDS buffer bytes after its last whole entry */
	size_t n_tree;		/* entries of the TREE buffer (tasks[i] has entry i) */
	/* Pages of no VMA (a PGARR before any VMA of its MM, or of no MM):
	 * how many and the first BUFFER carrying them. */
	uint64_t stray_pages, stray_record;
	struct ckpt_model_file_table *file_tables;	/* in image order */
	size_t n_file_tables;
	struct ckpt_model_fd *fds;	/* every table's, in image order */
	size_t n_fds;
	/* Indexes built when the pass ends: tasks by pid (ckpt_model_task_pid),
	 * the tgid of every task with a tree entry (sorted), MMs and file
	 * tables by objref (positions, sorted by objref then image order). */
	struct ckpt_model_pid *by_pid;
	int64_t *tgids;
	size_t n_tgids;
	size_t *mm_by_objref, n_mm_by_objref;
	size_t *ft_by_objref, n_ft_by_objref;
};

/* One pass over img from where it stands (freshly opened).  NULL only when
 * memory runs out; a malformed image gives a model with failed set. */
struct ckpt_model *ckpt_model_build(struct ckpt_image *img);
/* The same without the reference list (refs stays empty): for a reader
 * that follows references through the records themselves (the diff), it
 * saves 32 bytes a reference. */
struct ckpt_model *ckpt_model_build_without_refs(struct ckpt_image *img);
void ckpt_model_free(struct ckpt_model *m);

/* The same model, fed by a caller that runs its own pass (ckptcheck's
 * engine): add every record in order, with its role, then finish.  add
 * returns 0; -1 when the image failed while the record's page addresses
 * were read (see ckpt_image_error()); -2 when memory ran out.  add may read
 * a long record's bytes with ckpt_image_record_bytes() (only its page
 * addresses, beyond the record's inline bytes), so a caller that reads the
 * same record from a stream must do so after it.  finish consumes the
 * builder; failed says the pass stopped at a reader error. */
struct ckpt_model_builder;
struct ckpt_model_builder *ckpt_model_builder_new(struct ckpt_image *img);
/* A builder of a lean model, for a checker that walks the records itself:
 * its record index is sparse and keeps only the records the relations
 * need (tasks and their TASK_* records, MMs, VMAs, PGARRs, FILE_TABLEs,
 * FILE_DESCs, and every follower: buffers, names, pages), and its
 * references only those of these records and of NS, CRED and USER
 * objects, so that its memory grows with those and not with the number
 * of records. */
struct ckpt_model_builder *ckpt_model_builder_new_lean(struct ckpt_image *img);
int ckpt_model_builder_add(struct ckpt_model_builder *b, const struct ckpt_record *rec,
			   const struct ckpt_role *role);
struct ckpt_model *ckpt_model_builder_finish(struct ckpt_model_builder *b, bool failed);
void ckpt_model_builder_free(struct ckpt_model_builder *b);

/* The model as far as it is built: a checker running its own pass looks
 * up the objects defined so far (ckpt_model_object()). */
const struct ckpt_model *ckpt_model_builder_model(const struct ckpt_model_builder *b);

/* Look-ups; NULL / NONE when there is no such thing.  An object: its
 * first definition. */
const struct ckpt_model_object *ckpt_model_object(const struct ckpt_model *m, int32_t objref);
/* The object's path: a FILE object's FILE_NAME (escaped), else NULL. */
const char *ckpt_model_object_path(const struct ckpt_model *m, const struct ckpt_model_object *o);
const struct ckpt_model_mm *ckpt_model_mm(const struct ckpt_model *m, int32_t objref);
/* The task's address space: its TASK_OBJS mm_objref, or, in an image
 * without one, the MM written among the task's own records. */
const struct ckpt_model_mm *ckpt_model_task_mm(const struct ckpt_model *m, const struct ckpt_model_task *t);
/* A task's pid: its tree entry's, or with no tree its 1-based place in
 * image order. */
int64_t ckpt_model_task_pid(const struct ckpt_model *m, const struct ckpt_model_task *t);
/* The task with that pid (the first in image order), in O(log n); with no
 * tree, pid N names the N-th task (1-based). */
const struct ckpt_model_task *ckpt_model_task_by_pid(const struct ckpt_model *m, int64_t pid);
/* How many tasks share t's thread group (its tgid); 1 without a tree. */
size_t ckpt_model_thread_count(const struct ckpt_model *m, const struct ckpt_model_task *t);
/* The file table behind that objref (its first definition), or NULL. */
const struct ckpt_model_file_table *ckpt_model_file_table(const struct ckpt_model *m, int32_t objref);
/* A field of a record by name, read from the image: 0 with the value (as
 * unsigned, sign-extended for signed kinds, or as ckptdump prints it);
 * 1 when the record's type has no such field or the record is too short
 * for it; -1 when the record cannot be read (*err says why). */
int ckpt_model_field_u64(struct ckpt_image *img, const struct ckpt_model *m, uint64_t index,
			 const char *name, uint64_t *value, struct ckpt_error *err);
int ckpt_model_field_s64(struct ckpt_image *img, const struct ckpt_model *m, uint64_t index,
			 const char *name, int64_t *value, struct ckpt_error *err);
int ckpt_model_field_text(struct ckpt_image *img, const struct ckpt_model *m, uint64_t index,
			  const char *name, char *out, size_t size, struct ckpt_error *err);
/* The record with that index; NULL when there is none, or when a lean
 * model did not keep it. */
const struct ckpt_model_record *ckpt_model_record(const struct ckpt_model *m, uint64_t index);
/* The index of the record holding image byte `offset` (dense models). */
uint64_t ckpt_model_record_at(const struct ckpt_model *m, uint64_t offset);
const struct ckpt_model_vma *ckpt_model_vma_at(const struct ckpt_model_mm *mm, uint64_t addr);
/* Where the dumped page holding addr lies: image offset of that byte, and
 * how many dumped bytes follow it contiguously in the image.  false: the
 * address was not dumped. */
bool ckpt_model_page_at(const struct ckpt_model_mm *mm, uint64_t addr,
			uint64_t *offset, uint64_t *contiguous);

#endif
