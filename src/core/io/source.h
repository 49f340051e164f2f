/* Where image bytes come from: memory, a sliding mmap window over a regular
 * file, or a stream read forward only.  Internal to libckpt. */
#ifndef CKPT_SOURCE_H
#define CKPT_SOURCE_H

#include <stddef.h>
#include <stdint.h>

enum source_kind { SOURCE_MEM, SOURCE_MAP, SOURCE_STREAM };

struct source {
	enum source_kind kind;
	int fd;
	int io_errno;		/* set when a read failed */
	uint64_t size;		/* MEM, MAP: total bytes */
	/* MEM: the bytes; MAP: the window; STREAM: the buffer */
	const uint8_t *base;
	uint8_t *buf;
	uint64_t win_off;	/* image offset of base[0] / buf[0] */
	size_t win_len;		/* bytes valid at base / buf */
	size_t cap;		/* STREAM: buffer capacity; MAP: window size */
	size_t head;		/* STREAM: buf[head] is the byte at win_off */
	int eof;
	/* MAP, skimming: [ra_off, ra_end) was asked of the disk; ra_len is
	 * the batch beyond the bytes wanted, doubled while reads run on. */
	int skim;
	uint64_t ra_off, ra_end;
	size_t ra_len;
	uint64_t jump_off, stride;	/* the last jump: where to, how far */
	uint64_t guess_end;	/* the furthest record start guessed from it */
};

int source_open_fd(struct source *s, int fd);
void source_open_mem(struct source *s, const void *buf, size_t len);
void source_close(struct source *s);
/* Image bytes [off, off + n); NULL when fewer than n remain (*got tells how
 * many do) or on a read error (io_errno).  Offsets must not go backwards past
 * the start of the previous request on a stream.  The pointer stays valid
 * until the next call. */
const uint8_t *source_peek(struct source *s, uint64_t off, size_t n, size_t *got);
/* MAP: the most bytes mapped at once from now on (a larger request still
 * maps what it needs). */
void source_set_window(struct source *s, size_t bytes);
/* Skimming (an index pass) or reading everything (the default): see
 * ckpt_image_set_access(). */
void source_set_skim(struct source *s, int skim);
/* 0 when the size is not known (stream). */
uint64_t source_size(const struct source *s);

#endif
