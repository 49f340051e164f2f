/* Shorthands for writing record tables (table_*.c).  Internal to libckpt.
 *
 * The last argument of every F_* is the field's one-line doc, a string
 * literal: it is the field's line in ckpt-image(5) (tools/mkdocs.c) and in
 * the browser.  Leaving it out compiles, but test_tables fails on a field
 * without one. */
#ifndef CKPT_TABLE_H
#define CKPT_TABLE_H

#include "ckpt/schema.h"
#include "schema/names.h"

#define F_U(n, off, w, ...)		{ .name = (n), .offset = (off), .width = (w), .kind = CKPT_K_UINT, \
				  .doc = "" __VA_ARGS__ }
#define F_I(n, off, w, ...)		{ .name = (n), .offset = (off), .width = (w), .kind = CKPT_K_INT, \
				  .doc = "" __VA_ARGS__ }
#define F_O(n, off, w, ...)		{ .name = (n), .offset = (off), .width = (w), .kind = CKPT_K_OCTAL, \
				  .doc = "" __VA_ARGS__ }
#define F_X(n, off, w, ...)		{ .name = (n), .offset = (off), .width = (w), .kind = CKPT_K_HEX, \
				  .doc = "" __VA_ARGS__ }
#define F_ENUM(n, off, w, nm, ...)	{ .name = (n), .offset = (off), .width = (w), .kind = CKPT_K_ENUM, .names = &(nm), \
				  .doc = "" __VA_ARGS__ }
#define F_SENUM(n, off, w, nm, ...)	{ .name = (n), .offset = (off), .width = (w), .kind = CKPT_K_SENUM, .names = &(nm), \
				  .doc = "" __VA_ARGS__ }
#define F_FLAGS(n, off, w, nm, ...)	{ .name = (n), .offset = (off), .width = (w), .kind = CKPT_K_FLAGS, .names = &(nm), \
				  .doc = "" __VA_ARGS__ }
#define F_SIGSET(n, off, ...)	{ .name = (n), .offset = (off), .width = 8, .kind = CKPT_K_SIGSET, .names = &ckpt_names_signal, \
				  .doc = "" __VA_ARGS__ }
#define F_CHARS(n, off, w, ...)	{ .name = (n), .offset = (off), .width = (w), .kind = CKPT_K_CHARS, \
				  .doc = "" __VA_ARGS__ }
#define F_BYTES(n, off, w, ...)	{ .name = (n), .offset = (off), .width = (w), .kind = CKPT_K_BYTES, \
				  .doc = "" __VA_ARGS__ }
#define F_PAD(n, off, w, ...)	{ .name = (n), .offset = (off), .width = (w), .kind = CKPT_K_PAD, \
				  .doc = "" __VA_ARGS__ }
#define F_REF(n, off, ot, ...)	{ .name = (n), .offset = (off), .width = 4, .kind = CKPT_K_OBJREF, .objtype = (ot), \
				  .doc = "" __VA_ARGS__ }
/* An objref field that may also hold the marker values named in sp. */
#define F_REF_SPECIAL(n, off, ot, sp, ...) \
	{ .name = (n), .offset = (off), .width = 4, .kind = CKPT_K_OBJREF, .objtype = (ot), \
	  .specials = &(sp), .doc = "" __VA_ARGS__ }
/* A fixed-width signature that is not a C string (no terminating NUL). */
#define F_SIGNATURE(n, off, w, ...)	{ .name = (n), .offset = (off), .width = (w), .kind = CKPT_K_CHARS, \
				  .no_nul = true, .doc = "" __VA_ARGS__ }
#define F_TIME(n, off, ...)		{ .name = (n), .offset = (off), .width = 8, .kind = CKPT_K_TIME, \
				  .doc = "" __VA_ARGS__ }
/* Fields restart compares with the running kernel (restart_checked). */
#define F_U_CHECKED(n, off, w, ...)	{ .name = (n), .offset = (off), .width = (w), .kind = CKPT_K_UINT, \
				  .restart_checked = true, .doc = "" __VA_ARGS__ }
#define F_X_CHECKED(n, off, w, ...)	{ .name = (n), .offset = (off), .width = (w), .kind = CKPT_K_HEX, \
				  .restart_checked = true, .doc = "" __VA_ARGS__ }
#define F_ENUM_CHECKED(n, off, w, nm, ...) { .name = (n), .offset = (off), .width = (w), .kind = CKPT_K_ENUM, \
				  .names = &(nm), .restart_checked = true, .doc = "" __VA_ARGS__ }
#define F_FLAGS_CHECKED(n, off, w, nm, ...) { .name = (n), .offset = (off), .width = (w), .kind = CKPT_K_FLAGS, \
				  .names = &(nm), .restart_checked = true, .doc = "" __VA_ARGS__ }
/* An array of structs: fixed count (cnt > 0), counted by a sibling field
 * (cf != NULL), or filling the rest of the record (neither). */
#define F_ARRAY(n, off, el, str, cnt, cf, idx, ...) \
	{ .name = (n), .offset = (off), .width = 0, .kind = CKPT_K_ARRAY, .elem = (el), \
	  .n_elem = CKPT_ARRAY_LEN(el), .stride = (str), .count = (cnt), .count_field = (cf), \
	  .names = (idx), .doc = "" __VA_ARGS__ }
/* A sparse table whose element i is named by names(i + base), e.g. the
 * action of signal i + 1; all-zero elements are defaults. */
#define F_ARRAY_NAMED(n, off, el, str, cnt, idx, base, ...) \
	{ .name = (n), .offset = (off), .width = 0, .kind = CKPT_K_ARRAY, .elem = (el), \
	  .n_elem = CKPT_ARRAY_LEN(el), .stride = (str), .count = (cnt), .names = &(idx), \
	  .index_base = (base), .sparse = true, .doc = "" __VA_ARGS__ }

#define FIELDS(a)	.fields = (a), .n_fields = CKPT_ARRAY_LEN(a)
#define FOLLOWS(a)	.follows = (a), .n_follows = CKPT_ARRAY_LEN(a)
#define EXACT(l)	.size_rule = CKPT_SIZE_EXACT, .min_len = (l), .max_len = (l)
#define RANGE(lo, hi)	.size_rule = CKPT_SIZE_RANGE, .min_len = (lo), .max_len = (hi)

/* Upper bound of the known record types that are not bulk data: larger ones
 * are refused as malformed.  (Unknown types may be longer: extension records
 * are skipped by length, and are read in chunks, never whole.) */
#define CKPT_MAX_SMALL_RECORD	(1u << 20)

/* linux-cr magics (both linux-cr dialects). */
#define CKPT_MAGIC_HEAD		0x00feed0cc0a2d200ULL
#define CKPT_MAGIC_TAIL		0x002d2a0cc0deef00ULL

extern const struct ckpt_schema ckpt_schema_v17;
extern const struct ckpt_schema ckpt_schema_rev6;
extern const struct ckpt_schema ckpt_schema_linuxcr;

#define L_STRING	{ .kind = CKPT_L_STRING }
#define L_STRUCTS(el, str, idx) { .kind = CKPT_L_STRUCTS, .elem = (el), .n_elem = CKPT_ARRAY_LEN(el), \
				  .stride = (str), .index_names = (idx) }

#endif
