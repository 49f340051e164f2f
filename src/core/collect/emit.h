/* The record emitter of the producer: records built by field name through
 * the rev 6 tables and handed to the writer (emit.c). */
#ifndef CKPT_COLLECT_EMIT_H
#define CKPT_COLLECT_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt/collect.h"
#include "ckpt/writer.h"

/* --- emit.c: records through the tables ------------------------------------ */

struct ckpt_emit {
	struct ckpt_writer w;
	const struct ckpt_schema *s;
	struct ckpt_rbuf b;		/* the record being built */
	int32_t next_ref;		/* next objref to hand out */
	uint64_t records;
	char *err;
	size_t errsize;
	bool failed;			/* first failure's reason is in err */
	int write_errno;		/* errno of a failed write, else 0 */
	const struct ckpt_collect_options *opt;
	struct ckpt_collect_progress progress;
};

/* Each returns 0 or -1; the first failure is kept in e->err.  Building a
 * record by a wrong field name is a bug caught by the tests, but reported
 * like any other failure rather than crashing. */
int ckpt_emit_begin(struct ckpt_emit *e, const char *type, size_t len);
int ckpt_emit_set(struct ckpt_emit *e, const char *field, uint64_t v);
int ckpt_emit_set_name(struct ckpt_emit *e, const char *field, const char *name);
int ckpt_emit_set_chars(struct ckpt_emit *e, const char *field, const char *s);
int ckpt_emit_put(struct ckpt_emit *e);
/* A BUFFER/STRING/FILE_NAME/... of raw payload bytes. */
int ckpt_emit_raw(struct ckpt_emit *e, const char *type, const void *p, size_t n);
/* The same, NUL-padded to exactly n bytes (uts strings, comm). */
int ckpt_emit_padded(struct ckpt_emit *e, const char *type, const char *s, size_t n);
/* Hands out the next objref and writes its OBJREF record. */
int32_t ckpt_emit_objref(struct ckpt_emit *e, const char *objtype);
int ckpt_emit_fail(struct ckpt_emit *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether the caller asked to stop; sets the error when it did. */
bool ckpt_emit_stopped(struct ckpt_emit *e);

#endif
