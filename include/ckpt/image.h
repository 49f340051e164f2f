/* Bounded, streaming reader of checkpoint images.
 *
 * An image is read front to back, one record at a time.  A regular file is
 * mapped through a sliding window; anything else (stdin, a pipe) is read as
 * a stream without seeking.  No length from the image is trusted: every
 * record is checked against the bytes that remain and against its type's
 * size rule before it is handed out, and every error names the byte offset,
 * the record index and the record type.
 */
#ifndef CKPT_IMAGE_H
#define CKPT_IMAGE_H

#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#include "ckpt/schema.h"

/* Records up to this size are handed out whole; the bytes of longer ones
 * (page data) are read in chunks with ckpt_image_record_bytes().  One
 * exception: the BUFFER right after a TREE is handed out whole up to the
 * 24 bytes per task its nr_tasks announces (2^22 tasks at most). */
#define CKPT_INLINE_MAX		(1u << 20)

/* What kind of fault an error is, for callers that act on it. */
enum ckpt_error_kind {
	CKPT_ERR_MALFORMED = 0,	/* the bytes break the format */
	CKPT_ERR_IO,		/* reading failed (errno in the reason) */
	CKPT_ERR_NO_TAIL,	/* whole records, then the data ends without a TAIL */
};

struct ckpt_error {
	enum ckpt_error_kind kind;
	uint64_t offset;	/* byte offset of the record (or of the fault) */
	uint64_t index;		/* record index, 0-based */
	char record[32];	/* record type name, or "" when not known */
	char reason[224];
};

struct ckpt_record {
	uint64_t offset;	/* byte offset of the record in the image */
	uint64_t index;		/* 0-based position in the image */
	uint32_t type;		/* type number (0 for an unframed header) */
	uint64_t len;		/* whole record, framing header included */
	uint32_t hdr_len;	/* framing header bytes at the start (0 or 8) */
	const struct ckpt_rtype *rt;	/* NULL for a type the dialect does not know */
	const uint8_t *data;	/* the first `avail` bytes of the record */
	size_t avail;		/* == len unless len > CKPT_INLINE_MAX (see above) */
};

enum ckpt_image_end {
	CKPT_END_NONE,		/* not at the end yet */
	CKPT_END_TAIL,		/* a TAIL record closed the image */
	CKPT_END_ERROR,		/* an ERROR record and its message closed it */
	CKPT_END_EOF,		/* the dialect has no trailer; the data ran out */
};

struct ckpt_image;

/* "-" reads standard input.  NULL on failure, with *err filled in. */
struct ckpt_image *ckpt_image_open(const char *path, struct ckpt_error *err);
/* Takes ownership of fd. */
struct ckpt_image *ckpt_image_open_fd(int fd, struct ckpt_error *err);
/* Reads from memory the caller keeps alive (tests, fuzzers). */
struct ckpt_image *ckpt_image_open_mem(const void *buf, size_t len, struct ckpt_error *err);
void ckpt_image_close(struct ckpt_image *img);

/* 1: *rec holds the next record; 0: the image ended cleanly; -1: the image
 * is malformed or unreadable, see ckpt_image_error().  After -1 or 0 every
 * further call returns the same. */
int ckpt_image_next_record(struct ckpt_image *img, struct ckpt_record *rec);

/* Bytes [from, from + n) of the current record, n <= max, n > 0; 0 at the
 * end of the record; -1 on a read error or when the image ends inside the
 * record.  `from` must not go backwards past bytes already passed over; a
 * read past `avail` invalidates rec->data. */
ssize_t ckpt_image_record_bytes(struct ckpt_image *img, uint64_t from,
				const uint8_t **p, size_t max);

/* Random access, for a regular file or memory (the browser, the model):
 * copies up to len bytes at `offset` into buf, never past the image size.
 * Returns the bytes copied (0 at or past the end), or -1 with errno set:
 * ESPIPE on a stream, EIO (or the mmap error) when the bytes cannot be
 * read.  It moves the map window, not the record position. */
ssize_t ckpt_image_read_at(struct ckpt_image *img, uint64_t offset, void *buf, size_t len);

/* Makes the record at `offset` (a record boundary the caller learned from an
 * earlier pass, with its index) the current one, checked like
 * ckpt_image_next_record() checks it, so that views and
 * ckpt_image_record_bytes() work on it.  1 on success, -1 (with *err filled
 * in) otherwise; the sequential position is not meant to be resumed after. */
int ckpt_image_record_at(struct ckpt_image *img, uint64_t offset, uint64_t index,
			 struct ckpt_record *rec, struct ckpt_error *err);

const struct ckpt_error *ckpt_image_error(const struct ckpt_image *img);
const struct ckpt_schema *ckpt_image_schema(const struct ckpt_image *img);
enum ckpt_dialect ckpt_image_dialect(const struct ckpt_image *img);
enum ckpt_image_end ckpt_image_end(const struct ckpt_image *img);
/* Size in bytes when known (regular file or memory), else 0. */
uint64_t ckpt_image_size(const struct ckpt_image *img);
/* A regular file is mapped through a window of at most this many bytes
 * (default 32 MiB): a program holding several images open lowers it to
 * bound its memory. */
void ckpt_image_set_window(struct ckpt_image *img, size_t bytes);
/* Bytes consumed so far. */
uint64_t ckpt_image_position(const struct ckpt_image *img);

/* How the caller is about to read a file image, for the disk: SEQUENTIAL
 * (the default) reads every byte in order, so the kernel reads far ahead;
 * SKIM reads record headers and the start of each record and jumps over
 * most page data (an index pass), so only the bytes near each record start
 * are read from disk, and runs of adjacent records in growing batches.
 * Memory and stream images ignore it. */
enum ckpt_access { CKPT_ACCESS_SEQUENTIAL, CKPT_ACCESS_SKIM };
void ckpt_image_set_access(struct ckpt_image *img, enum ckpt_access access);

/* "byte 4232 (0x1088), record 17 (VMA): reason" */
void ckpt_error_format(const struct ckpt_error *err, char *buf, size_t size);

#endif
