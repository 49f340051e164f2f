/* Image byte sources.  The mmap window keeps page data from ever being
 * resident all at once; the stream buffer grows only as data arrives, so a
 * lying length cannot make us allocate more than the input justifies. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt/image.h"
#include "source.h"

#define MAP_WINDOW	(32u << 20)
#define STREAM_MIN_CAP	(64u << 10)

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

static const uint8_t *map_peek(struct source *s, uint64_t off, size_t n, size_t *got)
{
	if (!in_range(s, off, n, got))
		return NULL;
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
	madvise(m, wlen, MADV_SEQUENTIAL);
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
