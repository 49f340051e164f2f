/* Contents of files a restore cannot open again by path: shared anonymous
 * memory (MAP_SHARED|MAP_ANONYMOUS, a shared mapping of /dev/zero), memfd
 * files and unlinked files.  Each is one INODE object, keyed by the device
 * and inode of the open file, written once with ALL its pages however
 * many tasks map or hold it and whichever pages they map: OBJREF {INODE},
 * EXT_INODE, a STRING with the path /proc showed, then EXT_INODE_PAGES
 * runs (docs/extensions.md).  Mappings name it in VMA.ino_objref, open
 * files in an EXT_FILE_INODE record.
 *
 * The object is read through a descriptor of its own, opened from
 * /proc/PID/map_files/START-END or /proc/TID/fd/N: reading a file copies
 * its page cache and changes nothing in the tasks, whereas their page
 * tables hold only the pages each has touched.  Holes (SEEK_DATA /
 * SEEK_HOLE) are not written: they read as zeros after a restore too. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt/ext.h"
#include "collect/collect_impl.h"

/* The default of --file-data-limit. */
#define DEFAULT_FILE_DATA_LIMIT	(64ULL << 20)

struct extent {
	uint64_t start, end;	/* page aligned */
};

/* The page-aligned ranges of fd's first size bytes that hold data. */
static int data_extents(int fd, uint64_t size, struct extent **out, size_t *n, uint64_t *pages)
{
	uint64_t end = (size + CKPT_PAGE_SIZE - 1) & ~(uint64_t)(CKPT_PAGE_SIZE - 1);
	uint64_t at = 0;

	*out = NULL;
	*n = 0;
	*pages = 0;
	while (at < end) {
		off_t d = lseek(fd, (off_t)at, SEEK_DATA), h;

		if (d < 0 && errno == ENXIO)
			break;		/* nothing but hole up to the end */
		if (d < 0) {
			/* No SEEK_DATA here: all of it is data. */
			d = (off_t)at;
			h = (off_t)end;
		} else {
			h = lseek(fd, d, SEEK_HOLE);
			if (h < 0)
				h = (off_t)end;
		}
		uint64_t s = (uint64_t)d & ~(uint64_t)(CKPT_PAGE_SIZE - 1);
		uint64_t e = ((uint64_t)h + CKPT_PAGE_SIZE - 1) & ~(uint64_t)(CKPT_PAGE_SIZE - 1);

		if (e > end)
			e = end;
		if (s < at)
			s = at;
		if (e <= s)
			break;
		struct extent *x = ckpt_push(out, n, sizeof(*x));

		if (!x) {
			free(*out);
			*out = NULL;
			return -1;
		}
		*x = (struct extent){ s, e };
		*pages += (e - s) / CKPT_PAGE_SIZE;
		at = e;
	}
	return 0;
}

/* Reads len bytes at off; what lies beyond the end of the file (it
 * shrank, or the last page is partial) reads as zeros. */
static int read_fully(int fd, uint8_t *dst, size_t len, uint64_t off)
{
	while (len) {
		ssize_t r = pread(fd, dst, len, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			memset(dst, 0, len);
			return 0;
		}
		dst += r;
		off += (uint64_t)r;
		len -= (size_t)r;
	}
	return 0;
}

/* EXT_INODE_PAGES + BUFFER for each run of at most 128 pages; the bytes
 * at object offset `at` are read from fd at at + delta. */
static int write_runs(struct collect *c, int fd, uint64_t delta, const char *shown, const struct extent *x,
		      size_t n)
{
	struct ckpt_emit *e = &c->e;
	const size_t max = CKPT_EXT_INODE_PAGES_MAX * CKPT_PAGE_SIZE;

	for (size_t i = 0; i < n; i++) {
		for (uint64_t at = x[i].start; at < x[i].end;) {
			size_t len = x[i].end - at < max ? (size_t)(x[i].end - at) : max;

			if (ckpt_emit_stopped(e))
				return -1;
			ckpt_emit_begin(e, "EXT_INODE_PAGES", 0);
			ckpt_emit_set(e, "offset", at);
			ckpt_emit_set(e, "nr_pages", len / CKPT_PAGE_SIZE);
			if (ckpt_emit_put(e) < 0 || ckpt_emit_begin(e, "BUFFER", e->s->hdr_len + len) < 0)
				return -1;
			if (read_fully(fd, e->b.data + e->s->hdr_len, len, at + delta) < 0)
				return ckpt_emit_fail(e, "%s: cannot read its contents at offset %llu: %s", shown,
						      (unsigned long long)at, strerror(errno));
			if (ckpt_emit_put(e) < 0)
				return -1;
			e->progress.pages_done += len / CKPT_PAGE_SIZE;
			at += len;
		}
	}
	return 0;
}

/* What EXT_INODE says of an object. */
struct object {
	int kind;
	unsigned flags;
	uint32_t mode, seals;
	uint64_t size, dev, ino;
	const char *shown;
};

/* OBJREF, EXT_INODE, STRING and the runs of an object, its bytes read from
 * fd at object offset + delta; its objref, or -1. */
static int32_t write_object(struct collect *c, const struct object *o, int fd, uint64_t delta,
			    const struct extent *x, size_t n, uint64_t pages)
{
	struct ckpt_emit *e = &c->e;
	int32_t ref = ckpt_define_key(c, &c->inodes, &c->n_inodes, o->dev, o->ino, "INODE");
	size_t len = strlen(o->shown);

	if (len >= 4096)
		len = 4095;
	if (ref <= 0)
		return -1;
	e->progress.pages_total += pages;
	ckpt_emit_begin(e, "EXT_INODE", 0);
	ckpt_emit_set(e, "kind", (uint64_t)o->kind);
	ckpt_emit_set(e, "flags", o->flags);
	ckpt_emit_set(e, "mode", o->mode);
	ckpt_emit_set(e, "size", o->size);
	ckpt_emit_set(e, "dev", o->dev);
	ckpt_emit_set(e, "ino", o->ino);
	ckpt_emit_set(e, "nr_pages", pages);
	ckpt_emit_set(e, "seals", o->seals);
	ckpt_emit_put(e);
	char *name = strndup(o->shown, len);

	if (!name)
		ckpt_oom(c);
	else
		ckpt_emit_raw(e, "STRING", name, len + 1);
	free(name);
	if (!e->failed)
		write_runs(c, fd, delta, o->shown, x, n);
	return e->failed ? -1 : ref;
}

uint64_t ckpt_file_data_limit(const struct collect *c)
{
	uint64_t limit = c->e.opt ? c->e.opt->file_data_limit : 0;

	return limit ? limit : DEFAULT_FILE_DATA_LIMIT;
}

int ckpt_file_data_kind(const char *shown, bool shm_anon)
{
	static const char deleted[] = " (deleted)";
	size_t len = strlen(shown), dl = sizeof(deleted) - 1;

	if (shm_anon)
		return CKPT_INODE_SHM_ANON;
	if (strncmp(shown, "/memfd:", 7) == 0)
		return CKPT_INODE_MEMFD;
	if (len > dl && strcmp(shown + len - dl, deleted) == 0)
		return CKPT_INODE_UNLINKED;
	return 0;
}

/* The object open at link, written whole: its objref, 0 when it needs
 * none, -1 on failure, -2 (nothing written, no error set) when opening
 * link was not permitted. */
static int32_t open_object(struct collect *c, const char *link, const char *shown, int kind)
{
	struct ckpt_emit *e = &c->e;
	struct stat st;
	/* Only regular files hold contents (shmem objects are regular too);
	 * O_NONBLOCK: an unlinked FIFO must not block the open. */
	if (stat(link, &st) == 0 && !S_ISREG(st.st_mode))
		return 0;
	int fd = open(link, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0 && (errno == EPERM || errno == EACCES))
		return -2;
	if (fd < 0)
		return ckpt_emit_fail(e, "%s: cannot open %s to save its contents: %s", shown, link,
				      strerror(errno));
	if (fstat(fd, &st) < 0) {
		close(fd);
		return ckpt_emit_fail(e, "%s: cannot stat %s: %s", shown, link, strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	struct key_ref *k = ckpt_find_key(c->inodes, c->n_inodes, (uint64_t)st.st_dev, (uint64_t)st.st_ino);

	if (k) {
		close(fd);
		return k->ref;
	}
	/* A name that merely ends in " (deleted)" is still there. */
	if (kind == CKPT_INODE_UNLINKED && st.st_nlink > 0) {
		close(fd);
		return 0;
	}
	uint64_t size = st.st_size > 0 ? (uint64_t)st.st_size : 0, limit = ckpt_file_data_limit(c);

	if (kind != CKPT_INODE_SHM_ANON && size > limit) {
		close(fd);
		return ckpt_emit_fail(e, "%s: %llu bytes of %s contents exceed --file-data-limit %llu: "
				      "raise the limit to save it", shown, (unsigned long long)size,
				      kind == CKPT_INODE_MEMFD ? "memfd" : "unlinked file",
				      (unsigned long long)limit);
	}
	struct extent *x = NULL;
	size_t n = 0;
	uint64_t pages = 0;
	bool contents = !e->opt->no_pages;

	if (contents && data_extents(fd, size, &x, &n, &pages) < 0) {
		close(fd);
		return ckpt_oom(c);
	}
	/* Files without seals (not shmem) refuse F_GET_SEALS. */
	int seals = fcntl(fd, F_GET_SEALS);
	struct object o = {
		.kind = kind, .flags = contents ? 0 : CKPT_INODE_NO_CONTENTS, .mode = st.st_mode,
		.size = size, .dev = (uint64_t)st.st_dev, .ino = (uint64_t)st.st_ino,
		.seals = seals > 0 ? (uint32_t)seals : 0, .shown = shown,
	};
	int32_t ref = write_object(c, &o, fd, 0, x, n, pages);

	free(x);
	close(fd);
	return ref;
}

/* The pages a task has mapped of a shared mapping [start, end) at object
 * offset pgoff * 4096, as extents of the object. */
static int window_extents(pid_t pid, const struct ckpt_file_window *w, struct extent **out, size_t *n,
			  uint64_t *pages)
{
	char path[64];
	uint64_t pm[512];
	int fd;

	*out = NULL;
	*n = 0;
	*pages = 0;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (uint64_t at = w->start; at < w->end;) {
		size_t want = (size_t)((w->end - at) / CKPT_PAGE_SIZE);

		if (want > CKPT_ARRAY_LEN(pm))
			want = CKPT_ARRAY_LEN(pm);
		ssize_t r = pread(fd, pm, want * sizeof(*pm), (off_t)(at / CKPT_PAGE_SIZE * sizeof(*pm)));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(fd);
			free(*out);
			*out = NULL;
			return -1;
		}
		for (size_t i = 0; i < (size_t)r / sizeof(*pm); i++, at += CKPT_PAGE_SIZE) {
			if (!(pm[i] >> 63))
				continue;
			uint64_t off = w->pgoff * CKPT_PAGE_SIZE + (at - w->start);
			struct extent *last = *n ? &(*out)[*n - 1] : NULL;

			(*pages)++;
			if (last && last->end == off) {
				last->end += CKPT_PAGE_SIZE;
				continue;
			}
			struct extent *x = ckpt_push(out, n, sizeof(*x));

			if (!x) {
				close(fd);
				free(*out);
				*out = NULL;
				errno = ENOMEM;
				return -1;
			}
			*x = (struct extent){ off, off + CKPT_PAGE_SIZE };
		}
	}
	close(fd);
	return 0;
}

/* Without the right to open map_files (CAP_CHECKPOINT_RESTORE): the object
 * as far as the mapping task sees it, flagged PARTIAL.  A shared mapping
 * shows the object's own pages (those its page table maps); a private one
 * shows private copies too, so none of its pages are taken. */
static int32_t partial_ref(struct collect *c, const char *shown, int kind, const struct ckpt_file_window *w)
{
	struct ckpt_emit *e = &c->e;
	struct key_ref *k = ckpt_find_key(c->inodes, c->n_inodes, w->dev, w->ino);
	struct extent *x = NULL;
	size_t n = 0;
	uint64_t pages = 0;
	bool contents = !e->opt->no_pages && w->shared;

	if (k)
		return k->ref;
	if (contents && window_extents(w->pid, w, &x, &n, &pages) < 0)
		return ckpt_emit_fail(e, "%s: cannot read pid %d's pagemap: %s", shown, (int)w->pid,
				      strerror(errno));
	char path[64];
	int fd = -1;

	if (contents) {
		snprintf(path, sizeof(path), "/proc/%d/mem", (int)w->pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			free(x);
			return ckpt_emit_fail(e, "%s: cannot open %s: %s", shown, path, strerror(errno));
		}
	}
	struct object o = {
		.kind = kind, .flags = CKPT_INODE_PARTIAL | (e->opt->no_pages ? CKPT_INODE_NO_CONTENTS : 0),
		.size = w->pgoff * CKPT_PAGE_SIZE + (w->end - w->start), .dev = w->dev, .ino = w->ino,
		.shown = shown,
	};
	int32_t ref = write_object(c, &o, fd, w->start - w->pgoff * CKPT_PAGE_SIZE, x, n, pages);

	free(x);
	if (fd >= 0)
		close(fd);
	return ref;
}

int32_t ckpt_inode_ref(struct collect *c, const char *link, const char *shown, int kind,
		       const struct ckpt_file_window *w)
{
	int32_t ref = open_object(c, link, shown, kind);

	/* -2: map_files refused us; what the task maps will have to do. */
	if (ref == -2 && w)
		return partial_ref(c, shown, kind, w);
	if (ref == -2)
		return ckpt_emit_fail(&c->e, "%s: cannot open %s to save its contents: %s", shown, link,
				      strerror(EPERM));
	return ref;
}

int32_t ckpt_file_data_ref(struct collect *c, pid_t tid, int fd)
{
	char link[64], shown[4096];
	ssize_t l;

	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)tid, fd);
	l = readlink(link, shown, sizeof(shown) - 1);
	if (l < 0)
		return ckpt_emit_fail(&c->e, "pid %d: cannot read the link of descriptor %d: %s", (int)tid, fd,
				      strerror(errno));
	shown[l] = '\0';
	int kind = ckpt_file_data_kind(shown, false);

	return kind ? ckpt_inode_ref(c, link, shown, kind, NULL) : 0;
}

int ckpt_file_data_link(struct collect *c, int32_t ino_ref)
{
	struct ckpt_emit *e = &c->e;

	if (ino_ref <= 0)
		return e->failed ? -1 : 0;
	ckpt_emit_begin(e, "EXT_FILE_INODE", 0);
	ckpt_emit_set(e, "ino_objref", (uint32_t)ino_ref);
	return ckpt_emit_put(e);
}
