/* The inside of ckpt_diff: which records make up which object, record pairs
 * compared through the tables, pages compared per VMA.  Internal. */
#ifndef CKPT_DIFF_IMPL_H
#define CKPT_DIFF_IMPL_H

#include "ckpt/diff.h"

/* Record indices, in image order (cap 0: a window on another's array);
 * 32 bits, as the model's parent indices: a model holds fewer records. */
struct idx_list {
	uint32_t *v;
	size_t n, cap;
};

/* The records of one image grouped by what they describe. */
struct groups {
	struct idx_list header;		/* HEADER and what follows it, HEADER_ARCH, ... */
	/* Per model task its own records, per model object its records (not
	 * the OBJREF): flat[task_at[t] .. task_at[t + 1]), the same with
	 * object_at; read them with group_task() / group_object(). */
	uint32_t *flat;
	uint32_t *task_at, *object_at;
	struct idx_list loose;		/* records of no task or object (LinuxC/R) */
	/* EXT_DIGEST: the digest of each covered record */
	uint64_t *digest;
	uint8_t *has_digest;
};

/* One side of the comparison. */
struct side {
	struct ckpt_image *img;
	const struct ckpt_model *m;
	struct groups g;
	int32_t *paired;		/* per object: the other side's objref paired with it */
	int32_t *other_partner;		/* per object: a second partner already reported */
	char **label;			/* per object: where it was first reached */
	bool owns_labels;		/* A's; B's point to the same strings */
	uint8_t *b_taken;		/* per object (B only): already paired */
};

/* Where a reference was read: to name it when it names no object. */
struct ref_site {
	uint64_t record, offset;
	const char *type, *field;
};

/* A pair of objects waiting to be compared. */
struct pending {
	char *label;
	int32_t ra, rb;
	struct ref_site sa, sb;
};

struct diff {
	struct side a, b;
	const struct ckpt_diff_options *opt;
	ckpt_diff_cb cb;
	void *arg;
	struct ckpt_diff_summary *sum;
	struct ckpt_error *err;
	int failed;
	bool cross;			/* different dialects */
	/* pairs found while comparing records, compared after them */
	struct pending *found;
	size_t n_found, cap_found;
	uint8_t *page_a, *page_b;	/* page windows, allocated on first use */
	/* tree match: B pid -> A pid, as (b, a) pairs sorted by b */
	int64_t (*pidmap)[2];
	size_t n_pidmap;
};

/* Stops the comparison: something in s's image cannot be compared
 * (record `record` at byte `offset`, of type `type`). */
void diff_fail_at(struct diff *d, const struct side *s, uint64_t record, uint64_t offset, const char *type,
		  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

bool idx_push(struct idx_list *l, uint64_t v);
void idx_free(struct idx_list *l);

/* groups.c: which records belong to which task or object. */
bool groups_build(struct side *s);
void groups_free(struct side *s);
struct idx_list group_task(const struct groups *g, size_t t);
struct idx_list group_object(const struct groups *g, size_t j);
/* The index in the model of the (first) object with that objref, or -1. */
long object_index(const struct side *s, int32_t objref);

/* items.c: items handed to the caller. */
/* Hands an item to the caller unless the options filter it. */
void emit(struct diff *d, struct ckpt_diff_item *it);
void emit_text_change(struct diff *d, const char *object, const char *type, const char *field,
		      const char *a, const char *b);
void emit_presence(struct diff *d, enum ckpt_diff_kind kind, const char *object, const char *type);
/* "task.comm" style keys: lower-cased type name. */
void lower_name(const char *name, char *out, size_t size);

/* fields.c */
/* Compares two lists of records (one object's, one task's...) by type and
 * order; OBJREF fields add pairs to d->found. */
void compare_groups(struct diff *d, const char *label, const struct idx_list *la,
		    const struct idx_list *lb, bool header);

/* pair.c: pairing items of two lists by key. */
struct keyed {
	char key[96];
	size_t pos;		/* the item's place in its list */
	size_t ord;		/* set by pair_keys: how many before it share its key */
};

/* match[pos of an A item] = pos of the B item with the same key and the
 * same rank among that key's items, or -1; ord_a / ord_b (if not NULL)
 * receive each item's rank.  Reorders ka and kb. */
void pair_keys(struct keyed *ka, size_t na, struct keyed *kb, size_t nb, long *match,
	       size_t *ord_a, size_t *ord_b);

/* contents.c: page contents compared per VMA. */
void compare_pages(struct diff *d, const char *label, const struct ckpt_model_vma *va,
		   const struct ckpt_model_mm *ma, const struct ckpt_model_vma *vb,
		   const struct ckpt_model_mm *mb);

#endif
