/* Writing images: records are built by field name through the record
 * tables, so every producer (the sample generator, ckpt, the JSON encoder)
 * lays out bytes the same way the readers decode them. */
#ifndef CKPT_WRITER_H
#define CKPT_WRITER_H

#include <stdint.h>
#include <stdio.h>

#include "ckpt/decode.h"
#include "ckpt/schema.h"

/* One record being built; data holds the whole record, frame included. */
struct ckpt_rbuf {
	const struct ckpt_schema *schema;
	const struct ckpt_rtype *rt;
	uint8_t *data;
	size_t len;
};

/* A zeroed record of the named type, len bytes long (0: the type's minimum
 * length), its frame filled in.  -1 if the type is unknown or len breaks
 * the type's size rule. */
int ckpt_rbuf_init(struct ckpt_rbuf *b, const struct ckpt_schema *s, const char *type, size_t len);
/* A record of a raw type number with the given payload (unknown types too). */
int ckpt_rbuf_init_raw(struct ckpt_rbuf *b, const struct ckpt_schema *s, uint32_t type,
		       const void *payload, size_t payload_len);
void ckpt_rbuf_free(struct ckpt_rbuf *b);
/* Field setters; -1 if the field does not exist or the value does not fit. */
int ckpt_rbuf_set(struct ckpt_rbuf *b, const char *field, uint64_t v);
int ckpt_rbuf_set_name(struct ckpt_rbuf *b, const char *field, const char *value_name);
int ckpt_rbuf_set_chars(struct ckpt_rbuf *b, const char *field, const char *s);
int ckpt_rbuf_set_elem(struct ckpt_rbuf *b, const char *array, size_t i, const char *field, uint64_t v);

struct ckpt_digest_batch;

struct ckpt_writer {
	FILE *out;
	const struct ckpt_schema *schema;
	uint64_t offset;
	uint64_t records;	/* records written: the next record's index */
	int error;		/* errno of the first failed write */
	struct ckpt_digest_batch *digests;	/* NULL: no EXT_DIGEST records */
	/* The followers announced so far: a digest record may not come
	 * between a parent and the records that carry its data. */
	struct ckpt_roles roles;
	bool after_objref;	/* nor between an OBJREF and its object */
};

void ckpt_writer_init(struct ckpt_writer *w, FILE *out, const struct ckpt_schema *s);
/* From now on, write EXT_DIGEST records (docs/extensions.md): one after
 * every CKPT_EXT_DIGEST_EVERY records and one just before the TAIL, so
 * the caller only writes its records.  Rev 6 only; call before the first
 * record.  -1 (errno set) if the dialect has no digests or out of memory. */
int ckpt_writer_digests(struct ckpt_writer *w);
/* Writes the EXT_DIGEST covering the records since the last one, now (the
 * writer does this by itself before a TAIL). */
int ckpt_writer_flush_digests(struct ckpt_writer *w);
/* Frees what ckpt_writer_digests allocated; the FILE stays open. */
void ckpt_writer_release(struct ckpt_writer *w);
/* Writes a record (and the zero padding the dialect puts before the next). */
int ckpt_writer_put(struct ckpt_writer *w, const struct ckpt_rbuf *b);
/* The same, with the record's digest already computed by the caller
 * (ckpt_digest of its bytes; ignored without digests), so that hashing a
 * big record can happen outside whatever orders the writes. */
int ckpt_writer_put_digested(struct ckpt_writer *w, const struct ckpt_rbuf *b, uint64_t digest);
/* Writes bytes as they are (an unframed header, or a deliberately odd image). */
int ckpt_writer_raw(struct ckpt_writer *w, const void *p, size_t n);
/* Zero padding up to the dialect's alignment. */
int ckpt_writer_align(struct ckpt_writer *w);

#endif
