/* The bounded image reader: framing, dialect detection, size rules. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt/image.h"
#include "io/source.h"
#include "schema/table.h"

#define TYPE_CACHE 1024

struct ckpt_image {
	struct source src;
	const struct ckpt_schema *schema;
	struct ckpt_error err;
	int state;			/* 1 reading, 0 ended, -1 failed */
	enum ckpt_image_end end;
	uint64_t pos;			/* offset of the next record */
	uint64_t index;			/* index of the next record */
	uint64_t cur_off, cur_len;	/* the record last handed out */
	uint64_t cur_index;
	const char *cur_name;
	bool preamble_done;
	bool after_error;		/* ERROR seen: its STRING comes next */
	/* Handed out whole however long: the record after a TREE (its
	 * BUFFER of 24-byte entries), up to this many bytes; 0 otherwise. */
	uint64_t tree_buffer_max;
	uint64_t tree_buffer_index;	/* the index that record must have */
	/* The table entries of small type numbers, looked up once each: the
	 * schema's table is a list, and every record needs its entry. */
	const struct ckpt_rtype *rt_of[TYPE_CACHE];
	bool rt_cached[TYPE_CACHE];
};

static const struct ckpt_rtype *rtype(struct ckpt_image *img, uint32_t type)
{
	if (type >= TYPE_CACHE)
		return ckpt_schema_type(img->schema, type);
	if (!img->rt_cached[type]) {
		img->rt_of[type] = ckpt_schema_type(img->schema, type);
		img->rt_cached[type] = true;
	}
	return img->rt_of[type];
}

static void set_error(struct ckpt_error *err, uint64_t off, uint64_t index,
		      const char *record, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void set_error(struct ckpt_error *err, uint64_t off, uint64_t index,
		      const char *record, const char *fmt, ...)
{
	va_list ap;

	err->kind = CKPT_ERR_MALFORMED;
	err->offset = off;
	err->index = index;
	snprintf(err->record, sizeof(err->record), "%s", record ? record : "");
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
}

void ckpt_error_format(const struct ckpt_error *err, char *buf, size_t size)
{
	if (err->record[0])
		snprintf(buf, size, "byte %" PRIu64 " (0x%" PRIx64 "), record %" PRIu64 " (%s): %s",
			 err->offset, err->offset, err->index, err->record, err->reason);
	else
		snprintf(buf, size, "byte %" PRIu64 " (0x%" PRIx64 "), record %" PRIu64 ": %s",
			 err->offset, err->offset, err->index, err->reason);
}

/* Reports a read failure (errno) or a premature end at `off`. */
static void short_read(struct ckpt_image *img, uint64_t rec_off, const char *record,
		       uint64_t need, size_t got, const char *what)
{
	if (img->src.io_errno) {
		set_error(&img->err, rec_off, img->index, record, "read error: %s",
			  strerror(img->src.io_errno));
		img->err.kind = CKPT_ERR_IO;
	} else
		set_error(&img->err, rec_off, img->index, record,
			  "%s needs %" PRIu64 " bytes but the image ends after %zu",
			  what, need, got);
}

static int fail(struct ckpt_image *img)
{
	img->state = -1;
	return -1;
}

static const char *dialect_list =
	"supported: linux-cr rev 1 (RFC v17), linux-cr rev 6 (final, x86_64), LinuxC/R version 1";

static bool detect(struct ckpt_image *img)
{
	size_t got;
	const uint8_t *p = source_peek(&img->src, 0, 26, &got);

	if (!p) {
		p = source_peek(&img->src, 0, got, &got);
		if (img->src.io_errno) {
			set_error(&img->err, 0, 0, NULL, "read error: %s", strerror(img->src.io_errno));
			return false;
		}
		if (got >= 8 && memcmp(p, "LinuxC/R", 8) == 0)
			goto linuxcr;
		set_error(&img->err, 0, 0, NULL,
			  "image is %zu bytes long, too short for any image header (%s)",
			  got, dialect_list);
		return false;
	}
	if (memcmp(p, "LinuxC/R", 8) == 0)
		goto linuxcr;

	uint32_t type = (uint32_t)ckpt_le_load(p, 4);
	uint64_t magic = ckpt_le_load(p + 8, 8);
	unsigned rev = (unsigned)ckpt_le_load(p + 24, 2);

	if (type != 1 || magic != CKPT_MAGIC_HEAD) {
		set_error(&img->err, 0, 0, NULL,
			  "unknown image format: first bytes %02x %02x %02x %02x %02x %02x %02x %02x "
			  "are neither a linux-cr header (magic 0x%016" PRIx64 ") nor \"LinuxC/R\" (%s)",
			  p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7],
			  (uint64_t)CKPT_MAGIC_HEAD, dialect_list);
		return false;
	}
	if (rev == 1) {
		img->schema = &ckpt_schema_v17;
		return true;
	}
	if (rev == 6) {
		unsigned arch = (unsigned)ckpt_le_load(p + 16, 2);
		const char *an = ckpt_names_lookup(&ckpt_names_arch, arch);

		if (arch != 2) {
			set_error(&img->err, 0, 0, "HEADER",
				  "linux-cr rev 6 image for arch %u (%s); record layouts are known "
				  "for x86_64 (2) only", arch, an ? an : "unknown");
			return false;
		}
		img->schema = &ckpt_schema_rev6;
		return true;
	}
	set_error(&img->err, 0, 0, "HEADER", "linux-cr revision %u is not supported (%s)",
		  rev, dialect_list);
	return false;

linuxcr:
	img->schema = &ckpt_schema_linuxcr;
	return true;
}

/* The LinuxC/R header has no frame: check it whole and hand it out. */
static int next_preamble(struct ckpt_image *img, struct ckpt_record *rec)
{
	const struct ckpt_rtype *rt = img->schema->preamble;
	size_t got;
	const uint8_t *p = source_peek(&img->src, 0, rt->min_len, &got);

	if (!p) {
		short_read(img, 0, rt->name, rt->min_len, got, "the LinuxC/R header");
		return fail(img);
	}
	uint64_t version = ckpt_le_load(p + 8, 8);
	uint32_t arch = (uint32_t)ckpt_le_load(p + 80, 4);

	if (version != 1) {
		set_error(&img->err, 8, 0, rt->name,
			  "LinuxC/R image version %" PRIu64 " is not supported (supported: 1)", version);
		return fail(img);
	}
	if (arch != 1) {
		set_error(&img->err, 80, 0, rt->name,
			  "LinuxC/R arch %" PRIu32 " is not supported (supported: 1, X86_32)", arch);
		return fail(img);
	}
	*rec = (struct ckpt_record){
		.offset = 0, .index = 0, .type = 0, .len = rt->min_len, .hdr_len = 0,
		.rt = rt, .data = p, .avail = rt->min_len,
	};
	img->preamble_done = true;
	img->cur_off = 0;
	img->cur_len = rt->min_len;
	img->pos = rt->min_len;
	img->index = 1;
	return 1;
}

/* Where the next record starts, and whether the gap before it is clean. */
static bool skip_padding(struct ckpt_image *img)
{
	uint32_t a = img->schema->align;
	uint64_t next = (img->pos + a - 1) / a * a;

	if (next == img->pos)
		return true;
	size_t got;
	const uint8_t *p = source_peek(&img->src, img->pos, next - img->pos, &got);

	if (!p) {
		if (img->src.io_errno) {
			short_read(img, img->pos, NULL, next - img->pos, got, "padding");
			return false;
		}
		if (got == 0)
			return true;	/* the image ends at the end of the last record */
		set_error(&img->err, img->pos, img->index, NULL,
			  "image ends inside the padding after the previous record "
			  "(%zu of %" PRIu64 " bytes)", got, next - img->pos);
		return false;
	}
	for (uint64_t i = 0; i < next - img->pos; i++)
		if (p[i]) {
			set_error(&img->err, img->pos + i, img->index, NULL,
				  "padding byte is 0x%02x, not zero", p[i]);
			return false;
		}
	img->pos = next;
	return true;
}

static bool at_eof(struct ckpt_image *img)
{
	size_t got;

	return source_peek(&img->src, img->pos, 1, &got) == NULL && !img->src.io_errno;
}

static int finish(struct ckpt_image *img)
{
	const struct ckpt_schema *s = img->schema;

	if (img->after_error) {
		set_error(&img->err, img->pos, img->index, NULL,
			  "image ends after an ERROR record without its message STRING");
		return fail(img);
	}
	if (img->end == CKPT_END_NONE) {
		if (s->tail_type) {
			set_error(&img->err, img->pos, img->index, NULL,
				  "image ends without a TAIL record (truncated or incomplete image)");
			img->err.kind = CKPT_ERR_NO_TAIL;
			return fail(img);
		}
		img->end = CKPT_END_EOF;
	}
	img->state = 0;
	return 0;
}

static bool check_size(struct ckpt_image *img, const struct ckpt_rtype *rt, uint64_t len)
{
	if (rt->size_rule == CKPT_SIZE_EXACT && len != rt->min_len) {
		set_error(&img->err, img->pos, img->index, rt->name,
			  "length %" PRIu64 " is wrong for %s (must be %" PRIu32 ")",
			  len, rt->name, rt->min_len);
		return false;
	}
	if (rt->size_rule == CKPT_SIZE_RANGE && (len < rt->min_len || len > rt->max_len)) {
		set_error(&img->err, img->pos, img->index, rt->name,
			  "length %" PRIu64 " is out of range for %s (%" PRIu32 " to %" PRIu32 ")",
			  len, rt->name, rt->min_len, rt->max_len);
		return false;
	}
	return true;
}

/* Counted arrays must lie inside the record, so consumers can trust them. */
/* The TREE of a big tree is followed by a BUFFER longer than
 * CKPT_INLINE_MAX (43,690 tasks and more): its entries are read as a whole
 * by every consumer, so it is handed out whole, bounded by what the TREE
 * announced (nr_tasks, at most CKPT_TREE_TASKS_MAX of them) rather than by
 * the length field alone. */
#define CKPT_TREE_TASKS_MAX	(1u << 22)	/* the kernel's PID_MAX_LIMIT */
#define CKPT_TREE_ENTRY_LEN	24u

static void note_tree(struct ckpt_image *img, const struct ckpt_record *rec)
{
	const struct ckpt_field *f;
	uint64_t n;

	img->tree_buffer_max = 0;
	if (!rec->rt || strcmp(rec->rt->name, "TREE") != 0)
		return;
	f = ckpt_rtype_field(rec->rt, "nr_tasks");
	if (!f || !ckpt_field_fits(f, rec->avail))
		return;
	n = ckpt_field_u64(f, rec->data);
	if (n > CKPT_TREE_TASKS_MAX)
		n = CKPT_TREE_TASKS_MAX;
	img->tree_buffer_max = img->schema->hdr_len + CKPT_TREE_ENTRY_LEN * n;
	img->tree_buffer_index = rec->index + 1;
}

/* How many bytes of record `index`, of len bytes, are handed out with it. */
static size_t inline_len(const struct ckpt_image *img, uint64_t index, uint64_t len)
{
	if (len <= CKPT_INLINE_MAX)
		return (size_t)len;
	if (index == img->tree_buffer_index && len <= img->tree_buffer_max)
		return (size_t)len;
	return CKPT_INLINE_MAX;
}

static bool check_arrays(struct ckpt_image *img, const struct ckpt_record *rec)
{
	const struct ckpt_rtype *rt = rec->rt;

	for (size_t i = 0; i < rt->n_fields; i++) {
		const struct ckpt_field *f = &rt->fields[i];
		bool fits;

		if (f->kind != CKPT_K_ARRAY)
			continue;
		uint64_t n = ckpt_array_count(rt, f, rec->data, rec->avail, &fits);

		if (!fits) {
			const struct ckpt_field *cf = f->count_field ? ckpt_rtype_field(rt, f->count_field) : NULL;
			uint64_t want = cf && ckpt_field_fits(cf, rec->avail) ? ckpt_field_u64(cf, rec->data) : 0;

			set_error(&img->err, rec->offset, rec->index, rt->name,
				  "%s says %" PRIu64 " %s entries of %" PRIu32 " bytes, but only %" PRIu64
				  " fit in the %" PRIu64 "-byte record",
				  f->count_field ? f->count_field : "count", want, f->name, f->stride, n,
				  rec->len);
			return false;
		}
	}
	return true;
}

int ckpt_image_next_record(struct ckpt_image *img, struct ckpt_record *rec)
{
	const struct ckpt_schema *s = img->schema;

	if (img->state != 1)
		return img->state;
	if (s->preamble && !img->preamble_done)
		return next_preamble(img, rec);
	if (img->index > 0) {
		img->pos = img->cur_off + img->cur_len;
		if (!skip_padding(img))
			return fail(img);
	}
	if (at_eof(img))
		return finish(img);
	if (img->src.io_errno) {
		short_read(img, img->pos, NULL, 1, 0, "the next record");
		return fail(img);
	}
	if (img->end != CKPT_END_NONE) {
		set_error(&img->err, img->pos, img->index, NULL,
			  "unexpected data after the %s record that ended the image",
			  img->end == CKPT_END_TAIL ? "TAIL" : "ERROR");
		return fail(img);
	}

	size_t got;
	const uint8_t *p = source_peek(&img->src, img->pos, s->hdr_len, &got);

	if (!p) {
		short_read(img, img->pos, NULL, s->hdr_len, got, "the record header");
		return fail(img);
	}
	uint32_t type = (uint32_t)ckpt_le_load(p, 4);
	uint64_t len = ckpt_le_load(p + 4, 4);
	const struct ckpt_rtype *rt = rtype(img, type);
	const char *name = rt ? rt->name : "unknown type";

	if (img->index == 0 && type != s->header_type) {
		set_error(&img->err, img->pos, 0, name, "the first record must be HEADER");
		return fail(img);
	}
	if (len < s->hdr_len) {
		set_error(&img->err, img->pos, img->index, name,
			  "length %" PRIu64 " is shorter than the %" PRIu32 "-byte record header",
			  len, s->hdr_len);
		return fail(img);
	}
	if (rt && !check_size(img, rt, len))
		return fail(img);
	if (img->after_error && type != s->string_type) {
		set_error(&img->err, img->pos, img->index, name,
			  "an ERROR record must be followed by its message STRING");
		return fail(img);
	}
	uint64_t size = source_size(&img->src);

	if (size && len > size - img->pos) {
		set_error(&img->err, img->pos, img->index, name,
			  "length %" PRIu64 " runs past the end of the image (%" PRIu64 " bytes remain)",
			  len, size - img->pos);
		return fail(img);
	}
	size_t avail = inline_len(img, img->index, len);

	p = source_peek(&img->src, img->pos, avail, &got);
	if (!p) {
		short_read(img, img->pos, name, len, got, "the record");
		return fail(img);
	}
	*rec = (struct ckpt_record){
		.offset = img->pos, .index = img->index, .type = type, .len = len,
		.hdr_len = s->hdr_len, .rt = rt, .data = p, .avail = avail,
	};
	if (rt && !check_arrays(img, rec))
		return fail(img);
	note_tree(img, rec);

	if (img->after_error) {
		img->after_error = false;
		img->end = CKPT_END_ERROR;
	} else if (s->error_type && type == s->error_type) {
		img->after_error = true;
	} else if (s->tail_type && type == s->tail_type) {
		img->end = CKPT_END_TAIL;
	}
	img->cur_off = img->pos;
	img->cur_len = len;
	img->cur_index = img->index;
	img->cur_name = name;
	img->index++;
	return 1;
}

ssize_t ckpt_image_record_bytes(struct ckpt_image *img, uint64_t from,
				const uint8_t **p, size_t max)
{
	if (from >= img->cur_len)
		return 0;
	uint64_t left = img->cur_len - from;
	size_t n = left < max ? (size_t)left : max;
	size_t got;

	if (n > CKPT_INLINE_MAX)
		n = CKPT_INLINE_MAX;
	*p = source_peek(&img->src, img->cur_off + from, n, &got);
	if (!*p) {
		/* A stream learns only now that a long record is cut short. */
		img->index = img->cur_index;
		short_read(img, img->cur_off, img->cur_name, img->cur_len, (size_t)from + got,
			   "the record");
		img->state = -1;
		return -1;
	}
	return (ssize_t)n;
}

ssize_t ckpt_image_read_at(struct ckpt_image *img, uint64_t offset, void *buf, size_t len)
{
	uint64_t size = source_size(&img->src);
	size_t done = 0;

	if (img->src.kind == SOURCE_STREAM) {
		errno = ESPIPE;	/* a stream cannot go back */
		return -1;
	}
	if (offset >= size)
		return 0;
	if (len > size - offset)
		len = (size_t)(size - offset);
	/* A file is read, not mapped: the bytes are copied anyway, and
	 * pread(2) spares the page faults of a fresh mapping and keeps them
	 * out of the resident set. */
	if (img->src.kind == SOURCE_MAP) {
		while (done < len) {
			ssize_t n = pread(img->src.fd, (uint8_t *)buf + done, len - done, (off_t)(offset + done));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				if (n == 0)
					errno = EIO;	/* the file shrank under us */
				return -1;
			}
			done += (size_t)n;
		}
		return (ssize_t)done;
	}
	/* In slices no larger than a record handed out whole, so the map
	 * window stays bounded whatever the caller asks for. */
	while (done < len) {
		size_t n = len - done < CKPT_INLINE_MAX ? len - done : CKPT_INLINE_MAX;
		size_t got;
		const uint8_t *p = source_peek(&img->src, offset + done, n, &got);

		if (!p) {
			errno = img->src.io_errno ? img->src.io_errno : EIO;
			return -1;
		}
		memcpy((uint8_t *)buf + done, p, n);
		done += n;
	}
	return (ssize_t)done;
}

int ckpt_image_record_at(struct ckpt_image *img, uint64_t offset, uint64_t index,
			 struct ckpt_record *rec, struct ckpt_error *err)
{
	const struct ckpt_schema *s = img->schema;
	uint64_t size = source_size(&img->src);
	size_t got;
	const uint8_t *p;

	if (img->src.kind == SOURCE_STREAM) {
		set_error(err, offset, index, NULL, "a stream cannot be read out of order");
		return -1;
	}
	if (offset >= size) {
		set_error(err, offset, index, NULL, "offset is past the end of the image (%" PRIu64 " bytes)",
			  size);
		return -1;
	}
	img->pos = offset;
	img->index = index;
	if (s->preamble && offset == 0) {
		img->preamble_done = false;
		if (next_preamble(img, rec) < 0)
			goto failed;
		img->cur_index = 0;
		img->cur_name = s->preamble->name;
		return 1;
	}
	p = source_peek(&img->src, offset, s->hdr_len, &got);
	if (!p) {
		short_read(img, offset, NULL, s->hdr_len, got, "the record header");
		goto failed;
	}
	uint32_t type = (uint32_t)ckpt_le_load(p, 4);
	uint64_t len = ckpt_le_load(p + 4, 4);
	const struct ckpt_rtype *rt = ckpt_schema_type(s, type);
	const char *name = rt ? rt->name : "unknown type";

	if (len < s->hdr_len || len > size - offset) {
		set_error(&img->err, offset, index, name, "length %" PRIu64 " does not frame a record here",
			  len);
		goto failed;
	}
	if (rt && !check_size(img, rt, len))
		goto failed;
	size_t avail = inline_len(img, index, len);

	p = source_peek(&img->src, offset, avail, &got);
	if (!p) {
		short_read(img, offset, name, len, got, "the record");
		goto failed;
	}
	*rec = (struct ckpt_record){
		.offset = offset, .index = index, .type = type, .len = len,
		.hdr_len = s->hdr_len, .rt = rt, .data = p, .avail = avail,
	};
	if (rt && !check_arrays(img, rec))
		goto failed;
	note_tree(img, rec);
	img->cur_off = offset;
	img->cur_len = len;
	img->cur_index = index;
	img->cur_name = name;
	return 1;
failed:
	*err = img->err;
	return -1;
}

static struct ckpt_image *start(struct ckpt_image *img, struct ckpt_error *err)
{
	img->state = 1;
	if (!detect(img)) {
		*err = img->err;
		ckpt_image_close(img);
		return NULL;
	}
	return img;
}

struct ckpt_image *ckpt_image_open_fd(int fd, struct ckpt_error *err)
{
	struct ckpt_image *img = calloc(1, sizeof(*img));

	if (!img) {
		close(fd);
		set_error(err, 0, 0, NULL, "out of memory");
		return NULL;
	}
	if (source_open_fd(&img->src, fd) < 0) {
		set_error(err, 0, 0, NULL, "cannot read: %s", strerror(errno));
		free(img);
		return NULL;
	}
	return start(img, err);
}

struct ckpt_image *ckpt_image_open(const char *path, struct ckpt_error *err)
{
	int fd;

	if (strcmp(path, "-") == 0)
		fd = dup(STDIN_FILENO);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_error(err, 0, 0, NULL, "cannot open: %s", strerror(errno));
		return NULL;
	}
	return ckpt_image_open_fd(fd, err);
}

struct ckpt_image *ckpt_image_open_mem(const void *buf, size_t len, struct ckpt_error *err)
{
	struct ckpt_image *img = calloc(1, sizeof(*img));

	if (!img) {
		set_error(err, 0, 0, NULL, "out of memory");
		return NULL;
	}
	source_open_mem(&img->src, buf, len);
	return start(img, err);
}

void ckpt_image_close(struct ckpt_image *img)
{
	if (!img)
		return;
	source_close(&img->src);
	free(img);
}

const struct ckpt_error *ckpt_image_error(const struct ckpt_image *img) { return &img->err; }
const struct ckpt_schema *ckpt_image_schema(const struct ckpt_image *img) { return img->schema; }
enum ckpt_dialect ckpt_image_dialect(const struct ckpt_image *img) { return img->schema->dialect; }
enum ckpt_image_end ckpt_image_end(const struct ckpt_image *img) { return img->end; }
uint64_t ckpt_image_size(const struct ckpt_image *img) { return source_size(&img->src); }

void ckpt_image_set_window(struct ckpt_image *img, size_t bytes)
{
	source_set_window(&img->src, bytes);
}
uint64_t ckpt_image_position(const struct ckpt_image *img) { return img->cur_off + img->cur_len; }

void ckpt_image_set_access(struct ckpt_image *img, enum ckpt_access access)
{
	source_set_skim(&img->src, access == CKPT_ACCESS_SKIM);
}
