/* Decoding records through the tables: which parent a BUFFER or STRING
 * belongs to (its role), and a walk over any record's fields that every
 * view, check and diff shares. */
#ifndef CKPT_DECODE_H
#define CKPT_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "ckpt/image.h"
#include "ckpt/schema.h"

#define CKPT_PAGE_SIZE	4096u

/* The part a record plays for the record it follows. */
struct ckpt_role {
	const char *name;		/* "release", "comm", "pages"; NULL: none */
	const struct ckpt_rtype *parent;
	uint64_t parent_index;
	const struct ckpt_follow *follow;
	uint64_t count;			/* PAGES: pages announced by the parent */
};

#define CKPT_MAX_FOLLOWS 8

/* Tracks the follower records a parent announced. */
struct ckpt_roles {
	const struct ckpt_rtype *parent;
	uint64_t parent_index;
	size_t next;
	size_t n;
	const struct ckpt_follow *follows[CKPT_MAX_FOLLOWS];
	uint64_t counts[CKPT_MAX_FOLLOWS];
};

void ckpt_roles_init(struct ckpt_roles *r);
/* Gives rec its role (role->name NULL if none) and notes what it announces. */
void ckpt_roles_next(struct ckpt_roles *r, const struct ckpt_record *rec, struct ckpt_role *role);

/* The layout of a record's payload after its fixed fields. */
enum ckpt_layout_kind ckpt_record_layout(const struct ckpt_record *rec, const struct ckpt_role *role);

/* Events of a walk over one record.  Scalars come as a table field and the
 * bytes of the struct it belongs to (base + f->offset is the value). */
struct ckpt_walk_ops {
	void (*field)(void *arg, const struct ckpt_field *f, const uint8_t *base);
	/* sparse: all-zero elements are defaults (see ckpt_field.sparse) */
	void (*array_begin)(void *arg, const char *name, uint64_t count, bool sparse);
	void (*elem_begin)(void *arg, uint64_t i, const char *index_name);
	void (*elem_end)(void *arg);
	void (*array_end)(void *arg);
	/* A text payload: the bytes up to the last non-zero one. */
	void (*text)(void *arg, const char *name, const uint8_t *s, size_t len, bool terminated);
	/* Opaque bytes, delivered in order in one or more pieces. */
	/* base: the address of the first byte when the bytes are memory, else 0 */
	void (*bytes_begin)(void *arg, const char *name, uint64_t total, uint64_t base);
	void (*bytes)(void *arg, uint64_t off, const uint8_t *p, size_t n);
	void (*bytes_end)(void *arg);
	/* Something about the record a reader should know (not an error). */
	void (*note)(void *arg, const char *msg);
};

struct ckpt_walk_options {
	bool page_data;			/* deliver page contents, not just run digests */
};

/* Walks rec's fields and payload.  0, or -1 when the image failed while
 * reading the rest of a long record (see ckpt_image_error()). */
int ckpt_walk_record(struct ckpt_image *img, const struct ckpt_record *rec,
		     const struct ckpt_role *role, const struct ckpt_walk_options *opt,
		     const struct ckpt_walk_ops *ops, void *arg);

/* The digest of page runs (XXH3, 64 bits) as the views print it. */
uint64_t ckpt_page_digest(const void *data, size_t len);

#endif
