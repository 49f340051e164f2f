/* The interface between the check engine (check.c) and its rule families
 * (check_*.c).  Internal to libckpt.
 *
 * A family is a table of rules plus callbacks the engine calls during its
 * one pass over the image: once per record, once per field and text item
 * of the records it walks through the record tables, and once at the end.
 * A new family (refcounts, semantics, integrity) is one more module listed
 * in check.c. */
#ifndef CKPT_CHECK_IMPL_H
#define CKPT_CHECK_IMPL_H

#include "ckpt/check.h"
#include "ckpt/decode.h"
#include "ckpt/model.h"

/* How the pass ended. */
struct check_outcome {
	bool failed;			/* the reader stopped on a fault */
	const struct ckpt_error *err;	/* when failed */
	enum ckpt_image_end end;	/* when not failed */
	uint64_t records;		/* records handed out */
	/* The last record handed out (records > 0). */
	uint32_t last_type;
	uint64_t last_index, last_offset, last_len;
};

struct check_module {
	const char *family;
	const struct ckpt_rule *rules;
	size_t n_rules;
	size_t state_size;		/* the engine hands each call a zeroed state */
	/* 0, or -1 when out of memory. */
	int (*begin)(struct ckpt_check *c, void *st, const struct ckpt_image *img);
	void (*record)(struct ckpt_check *c, void *st, const struct ckpt_record *rec,
		       const struct ckpt_role *role);
	/* Scalars of the walk (inside arrays and follower structs too); base
	 * + f->offset is the value.  Zero PAD fields are not delivered. */
	void (*field)(struct ckpt_check *c, void *st, const struct ckpt_record *rec,
		      const struct ckpt_field *f, const uint8_t *base);
	/* Text payloads: the bytes up to the last non-zero one. */
	void (*text)(struct ckpt_check *c, void *st, const struct ckpt_record *rec,
		     const struct ckpt_role *role, const uint8_t *s, size_t len, bool terminated);
	/* The bytes of a record longer than its inline bytes, from rec->avail
	 * to its end, in order, after record() saw the inline ones; `last`
	 * on the final piece.  p is NULL (n 0, last) when they cannot be read
	 * again: a stream whose walk already passed over them. */
	void (*bytes)(struct ckpt_check *c, void *st, const struct ckpt_record *rec,
		      const uint8_t *p, size_t n, bool last);
	void (*end)(struct ckpt_check *c, void *st, const struct check_outcome *out);
	/* The family judges the image model (include/ckpt/model.h): the engine
	 * builds it during the pass when one of the family's rules runs, and
	 * check_model() hands it to end(). */
	bool uses_model;
	void (*release)(void *st);	/* frees what the state points to */
};

extern const struct check_module check_module_structure;
extern const struct check_module check_module_header;
extern const struct check_module check_module_kernel;
extern const struct check_module check_module_objref;
extern const struct check_module check_module_semantics;
extern const struct check_module check_module_refcount;
extern const struct check_module check_module_integrity;
extern const struct check_module check_module_descriptors;
extern const struct check_module check_module_tasks;
extern const struct check_module check_module_memory;
extern const struct check_module check_module_creds;
extern const struct check_module check_module_text;
extern const struct check_module check_module_restorable;
extern const struct check_module check_module_terminals;

/* Whether rule r runs on this image (selected, and for its dialect). */
bool check_rule_on(const struct ckpt_check *c, const struct ckpt_rule *r);
const struct ckpt_check_options *check_options(const struct ckpt_check *c);
const struct ckpt_schema *check_schema(const struct ckpt_check *c);
/* The model of the image, in end() of a family that uses_model; NULL when
 * no such family runs or memory ran out. */
const struct ckpt_model *check_model(const struct ckpt_check *c);
/* During the pass, for a family that uses_model: the model as far as it is
 * built, so that objects are looked up as they come (record() runs before
 * the current record is added, field() after); NULL when memory ran out. */
const struct ckpt_model *check_model_so_far(const struct ckpt_check *c);

/* Reports a finding of rule r (if it runs) at record index/offset; sev < 0
 * means the rule's default severity.  The message is one sentence. */
void check_report(struct ckpt_check *c, const struct ckpt_rule *r, int sev, uint64_t index,
		  uint64_t offset, const char *record, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* The same for a finding about rec (offset: the record's). */
void check_report_rec(struct ckpt_check *c, const struct ckpt_rule *r, int sev,
		      const struct ckpt_record *rec, uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* A family could not keep what it must remember: the pass goes on, but
 * ckpt_check_image() reports the failure, since its findings are partial. */
void check_out_of_memory(struct ckpt_check *c);
/* A record's field by name, as an unsigned value; 0 when the record type
 * has no such field or the record is too short to hold it. */
uint64_t check_field_u64(const struct ckpt_record *rec, const char *name);
/* Whether rec is a record of the type called name. */
bool check_record_is(const struct ckpt_record *rec, const char *name);
/* One more zeroed element at the end of *arr, which holds *n of size
 * bytes in room for *cap (doubled when full); NULL when memory ran out. */
void *check_grow(void **arr, size_t *n, size_t *cap, size_t size);

/* The image offset of field f whose struct starts at base, when base lies
 * in rec's inline bytes; else the record's offset. */
uint64_t check_field_offset(const struct ckpt_record *rec, const struct ckpt_field *f,
			    const uint8_t *base);
/* The record's type name, or "type N" for one the dialect does not know. */
const char *check_record_name(const struct ckpt_record *rec, char *buf, size_t size);

#endif
