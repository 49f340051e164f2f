/* Image byte sources.  The mmap window keeps page data from ever being
 * resident all at once; the stream buffer grows only as data arrives, so a
 * lying length cannot make us allocate more than the input justifies. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/source.h"

#define MAP_WINDOW	(32u << 20)
#define STREAM_MIN_CAP	(64u << 10)
/* Skimming asks the disk for this much past a record start, and up to
 * SKIM_MAX_BATCH while consecutive requests continue each other. */
#define SKIM_MIN_BATCH	(16u << 10)
#define SKIM_MAX_BATCH	(4u << 20)
#define SKIM_STRIDE_DEPTH 16

int source_open_fd(struct source *s, int fd)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	if (fstat(fd, &st) < 0)
		return -1;
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		s->kind = SOURCE_MAP;
		s->size = (uint64_t)st.st_size;
		s->cap = MAP_WINDOW;
	} else if (S_ISREG(st.st_mode)) {
		s->kind = SOURCE_MEM;	/* empty file: nothing to map */
		s->size = 0;
	} else {
		s->kind = SOURCE_STREAM;
	}
	return 0;
}

void source_open_mem(struct source *s, const void *buf, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->kind = SOURCE_MEM;
	s->fd = -1;
	s->base = buf;
	s->size = len;
	s->win_len = len;
}

void source_close(struct source *s)
{
	if (s->kind == SOURCE_MAP && s->base)
		munmap((void *)s->base, s->win_len);
	free(s->buf);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->base = NULL;
	s->buf = NULL;
}

void source_set_window(struct source *s, size_t bytes)
{
	if (s->kind != SOURCE_MAP)
		return;
	if (s->base && s->win_len > bytes) {
		munmap((void *)s->base, s->win_len);
		s->base = NULL;
		s->win_len = 0;
	}
	s->cap = bytes;
}

uint64_t source_size(const struct source *s)
{
	return s->kind == SOURCE_STREAM ? 0 : s->size;
}

/* Whether [off, off + n) lies inside a source of known size. */
static bool in_range(const struct source *s, uint64_t off, size_t n, size_t *got)
{
	if (off >= s->size) {
		*got = 0;
		return false;
	}
	if (n > s->size - off) {
		*got = (size_t)(s->size - off);
		return false;
	}
	*got = n;
	return true;
}

static int map_advice(const struct source *s)
{
	return s->skim ? MADV_RANDOM : MADV_SEQUENTIAL;
}

void source_set_skim(struct source *s, int skim)
{
	if (s->kind != SOURCE_MAP)
		return;
	s->skim = skim;
	s->ra_off = s->ra_end = 0;
	s->ra_len = 0;
	s->jump_off = s->stride = s->guess_end = 0;
	if (s->base)
		madvise((void *)s->base, s->win_len, map_advice(s));
}

/* While skimming, page faults read only the page they hit (MADV_RANDOM):
 * the kernel's read-ahead would otherwise read the page data an index pass
 * jumps over, the whole file in the end.  Instead each request not yet
 * asked of the disk starts one read of its first bytes and a batch after
 * them, in one I/O rather than a fault per page; requests that continue
 * the last batch double it, so dense runs of small records are read in
 * large sequential batches. */
/* Each jump waits for the disk, and where the next record starts is known
 * only once this one is read: the index pass is a chain of reads, one disk
 * latency each.  But page arrays are mostly cut in equal chunks, so jumps
 * repeat their stride: after two equal jumps the next SKIM_STRIDE_DEPTH
 * record starts are asked for at once, and the disk serves them together.
 * A wrong guess costs SKIM_MIN_BATCH bytes each. */
static void skim_stride(struct source *s, uint64_t off, uint64_t pagesz)
{
	uint64_t stride = off > s->jump_off ? off - s->jump_off : 0;

	if (stride && stride == s->stride) {
		for (unsigned k = 1; k <= SKIM_STRIDE_DEPTH; k++) {
			uint64_t at = off + k * stride;

			if (at >= s->size)
				break;
			if (at <= s->guess_end)
				continue;
			uint64_t start = at / pagesz * pagesz;
			uint64_t len = s->size - start < SKIM_MIN_BATCH ? s->size - start : SKIM_MIN_BATCH;

			posix_fadvise(s->fd, (off_t)start, (off_t)len, POSIX_FADV_WILLNEED);
			s->guess_end = at;
		}
	}
	s->stride = stride;
	s->jump_off = off;
}

static void skim_ahead(struct source *s, uint64_t off, size_t n)
{
	/* A request hands out up to CKPT_INLINE_MAX bytes of which an index
	 * pass touches the start: covered if its first page was asked for. */
	if (off >= s->ra_off && off + (n < 4096 ? n : 4096) <= s->ra_end)
		return;
	long pagesz = sysconf(_SC_PAGESIZE);

	if (s->ra_len && off >= s->ra_off && off <= s->ra_end + s->ra_len) {
		s->ra_len = s->ra_len * 2 > SKIM_MAX_BATCH ? SKIM_MAX_BATCH : s->ra_len * 2;
	} else {
		s->ra_len = SKIM_MIN_BATCH;
		skim_stride(s, off, (uint64_t)pagesz);
	}
	uint64_t start = off / (uint64_t)pagesz * (uint64_t)pagesz;
	uint64_t end = off + s->ra_len;

	if (start < s->ra_end && off >= s->ra_off)
		start = s->ra_end;	/* the part before was asked for already */
	if (end > s->size)
		end = s->size;
	if (end > start)
		posix_fadvise(s->fd, (off_t)start, (off_t)(end - start), POSIX_FADV_WILLNEED);
	if (off < s->ra_off || off > s->ra_end)
		s->ra_off = start;
	s->ra_end = end;
}

static const uint8_t *map_peek(struct source *s, uint64_t off, size_t n, size_t *got)
{
	if (!in_range(s, off, n, got))
		return NULL;
	if (s->skim)
		skim_ahead(s, off, n);
	if (s->base && off >= s->win_off && off + n <= s->win_off + s->win_len)
		return s->base + (off - s->win_off);

	long pagesz = sysconf(_SC_PAGESIZE);
	uint64_t woff = off / (uint64_t)pagesz * (uint64_t)pagesz;
	uint64_t wlen = s->cap;

	if (off + n - woff > wlen)
		wlen = off + n - woff;
	if (wlen > s->size - woff)
		wlen = s->size - woff;
	if (s->base)
		munmap((void *)s->base, s->win_len);
	void *m = mmap(NULL, wlen, PROT_READ, MAP_PRIVATE, s->fd, (off_t)woff);

	if (m == MAP_FAILED) {
		s->base = NULL;
		s->io_errno = errno;
		*got = 0;
		return NULL;
	}
	madvise(m, wlen, map_advice(s));
	s->base = m;
	s->win_off = woff;
	s->win_len = wlen;
	return s->base + (off - woff);
}

/* Makes buf[head .. head + want) holdable: consumed bytes are dropped by
 * moving the live ones to the front only when the end is reached, so the
 * cost stays linear in the bytes read. */
static int stream_room(struct source *s, size_t want)
{
	if (s->head + want <= s->cap)
		return 0;
	if (s->head) {
		memmove(s->buf, s->buf + s->head, s->win_len);
		s->head = 0;
	}
	if (want <= s->cap)
		return 0;
	size_t ncap = s->cap ? s->cap : STREAM_MIN_CAP;

	while (ncap < want)
		ncap *= 2;
	uint8_t *nb = realloc(s->buf, ncap);

	if (!nb) {
		s->io_errno = ENOMEM;
		return -1;
	}
	s->buf = nb;
	s->cap = ncap;
	return 0;
}

/* Reads until want bytes are buffered at head, the stream ends, or a read
 * fails.  The buffer grows only as data arrives: a lying length cannot make
 * it larger than twice what was really read. */
static int stream_fill(struct source *s, size_t want)
{
	while (s->win_len < want && !s->eof) {
		size_t grow = s->win_len + (s->win_len ? s->win_len : STREAM_MIN_CAP);

		if (stream_room(s, want < grow ? want : grow) < 0)
			return -1;
		if (s->head + s->win_len == s->cap && stream_room(s, s->win_len + 1) < 0)
			return -1;
		ssize_t r = read(s->fd, s->buf + s->head + s->win_len, s->cap - s->head - s->win_len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			s->io_errno = errno;
			return -1;
		}
		if (r == 0)
			s->eof = 1;
		s->win_len += (size_t)r;
	}
	return 0;
}

static void stream_consume(struct source *s, size_t n)
{
	s->head += n;
	s->win_len -= n;
	s->win_off += n;
	if (!s->win_len)
		s->head = 0;
}

static const uint8_t *stream_peek(struct source *s, uint64_t off, size_t n, size_t *got)
{
	*got = 0;
	if (off < s->win_off) {
		s->io_errno = ESPIPE;	/* a stream cannot go back */
		return NULL;
	}
	if (off >= s->win_off + s->win_len) {
		/* Skip the unread rest of a long record without keeping it. */
		uint64_t skip = off - (s->win_off + s->win_len);

		stream_consume(s, s->win_len);
		while (skip > 0 && !s->eof) {
			if (stream_fill(s, 1) < 0)
				return NULL;
			size_t used = s->win_len < skip ? s->win_len : (size_t)skip;

			stream_consume(s, used);
			skip -= used;
		}
		if (skip > 0)
			return NULL;
	} else {
		stream_consume(s, (size_t)(off - s->win_off));
	}
	if (stream_fill(s, n) < 0)
		return NULL;
	if (s->win_len < n) {
		*got = s->win_len;
		return NULL;
	}
	*got = n;
	return s->buf + s->head;
}

const uint8_t *source_peek(struct source *s, uint64_t off, size_t n, size_t *got)
{
	switch (s->kind) {
	case SOURCE_MEM:
		if (!in_range(s, off, n, got))
			return NULL;
		return s->base + off;
	case SOURCE_MAP:
		return map_peek(s, off, n, got);
	case SOURCE_STREAM:
		return stream_peek(s, off, n, got);
	}
	return NULL;
}
