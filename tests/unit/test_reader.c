/* The bounded reader: samples, streams, every truncation, and each kind of
 * malformed framing with the error it must report. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suites.h"
#include "ckpt/decode.h"
#include "ckpt/image.h"
#include "ckpt/writer.h"

struct summary {
	int result;		/* 0 clean end, -1 error */
	size_t records;
	enum ckpt_image_end end;
	struct ckpt_error err;
	uint64_t last_offset;	/* offset of the last good record */
	uint64_t digest;	/* over the bytes of every record, read in chunks */
};

/* Reads a whole image, touching every byte of every record. */
static void read_all(struct ckpt_image *img, struct summary *s)
{
	struct ckpt_record rec;
	int r;

	memset(s, 0, sizeof(*s));
	s->digest = 1469598103934665603ULL;
	while ((r = ckpt_image_next_record(img, &rec)) == 1) {
		const uint8_t *p;
		ssize_t n;

		s->records++;
		s->last_offset = rec.offset;
		for (uint64_t pos = 0; (n = ckpt_image_record_bytes(img, pos, &p, 65536)) > 0; pos += (uint64_t)n)
			for (ssize_t i = 0; i < n; i++)
				s->digest = (s->digest ^ p[i]) * 1099511628211ULL;
		if (n < 0) {
			r = -1;
			break;
		}
	}
	s->result = r;
	s->end = ckpt_image_end(img);
	if (r < 0)
		s->err = *ckpt_image_error(img);
}

static int read_mem(const void *buf, size_t len, struct summary *s)
{
	struct ckpt_error err;
	struct ckpt_image *img = ckpt_image_open_mem(buf, len, &err);

	if (!img) {
		memset(s, 0, sizeof(*s));
		s->result = -1;
		s->err = err;
		return -1;
	}
	read_all(img, s);
	ckpt_image_close(img);
	return s->result;
}

/* Feeds buf to the reader through a pipe, so the stream source is used. */
static int read_pipe(const void *buf, size_t len, struct summary *s)
{
	int fds[2];
	struct ckpt_error err;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		const char *p = buf;

		close(fds[0]);
		signal(SIGPIPE, SIG_DFL);
		/* Small writes: the reader must cope with short reads. */
		for (size_t off = 0; off < len;) {
			size_t n = len - off < 3001 ? len - off : 3001;
			ssize_t w = write(fds[1], p + off, n);

			if (w <= 0)
				_exit(0);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	struct ckpt_image *img = ckpt_image_open_fd(fds[0], &err);

	if (!img) {
		memset(s, 0, sizeof(*s));
		s->result = -1;
		s->err = err;
	} else {
		read_all(img, s);
		ckpt_image_close(img);
	}
	waitpid(pid, NULL, 0);
	return s->result;
}

static const struct {
	const char *name;
	enum ckpt_dialect dialect;
	size_t records;
	enum ckpt_image_end end;
} samples[] = {
	{ "v17-task.ckpt", CKPT_DIALECT_V17, 7, CKPT_END_TAIL },
	{ "v17-error.ckpt", CKPT_DIALECT_V17, 8, CKPT_END_ERROR },
	{ "rev6-tasks.ckpt", CKPT_DIALECT_REV6, 71, CKPT_END_TAIL },
	{ "linuxcr-creds.ckpt", CKPT_DIALECT_LINUXCR, 4, CKPT_END_EOF },
};

START_TEST(test_samples_read)
{
	size_t len;
	unsigned char *buf = read_sample(samples[_i].name, &len);
	struct ckpt_error err;
	struct ckpt_image *img = ckpt_image_open_mem(buf, len, &err);
	struct summary s, sp;

	ck_assert_msg(img != NULL, "%s: %s", samples[_i].name, err.reason);
	ck_assert_int_eq(ckpt_image_dialect(img), samples[_i].dialect);
	read_all(img, &s);
	ckpt_image_close(img);
	ck_assert_msg(s.result == 0, "%s: %s", samples[_i].name, s.err.reason);
	ck_assert_uint_eq(s.records, samples[_i].records);
	ck_assert_int_eq(s.end, samples[_i].end);

	/* A pipe yields exactly the same records and bytes. */
	ck_assert_int_eq(read_pipe(buf, len, &sp), 0);
	ck_assert_uint_eq(sp.records, s.records);
	ck_assert_uint_eq(sp.digest, s.digest);
	free(buf);
}
END_TEST

/* Where each record ends: the only cuts a trailer-less dialect accepts. */
static bool is_record_end(const unsigned char *buf, size_t len, size_t cut)
{
	struct ckpt_error err;
	struct ckpt_image *img = ckpt_image_open_mem(buf, len, &err);
	struct ckpt_record rec;
	bool found = false;

	while (img && ckpt_image_next_record(img, &rec) == 1)
		if (rec.offset + rec.len == cut || rec.offset == cut)
			found = true;
	ckpt_image_close(img);
	return found;
}

START_TEST(test_every_truncation)
{
	size_t len;
	unsigned char *buf = read_sample(samples[_i].name, &len);

	for (size_t cut = 0; cut < len; cut++) {
		/* A copy of exactly cut bytes, so ASan sees any over-read. */
		unsigned char *part = malloc(cut ? cut : 1);
		struct summary s;

		memcpy(part, buf, cut);
		read_mem(part, cut, &s);
		if (samples[_i].dialect == CKPT_DIALECT_LINUXCR && cut >= 84 && is_record_end(buf, len, cut)) {
			ck_assert_msg(s.result == 0, "%s cut at %zu: %s", samples[_i].name, cut, s.err.reason);
		} else {
			ck_assert_msg(s.result == -1, "%s cut at %zu was accepted", samples[_i].name, cut);
			ck_assert_msg(s.err.reason[0] != '\0', "%s cut at %zu: no reason", samples[_i].name, cut);
			ck_assert_uint_le(s.err.offset, cut);
		}
		free(part);
	}
	free(buf);
}
END_TEST

/* Streams see the same truncations through short reads. */
START_TEST(test_truncation_stream)
{
	size_t len;
	unsigned char *buf = read_sample("rev6-tasks.ckpt", &len);
	const size_t cuts[] = { 0, 7, 8, 71, 72, 100, 1609, 1615, 3000, 5720, 18000, len - 1 };

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct summary s;

		ck_assert_msg(read_pipe(buf, cuts[i], &s) == -1, "cut at %zu accepted", cuts[i]);
		ck_assert(s.err.reason[0] != '\0');
	}
	free(buf);
}
END_TEST

/* Builds a small rev 6 image: HEADER (+3 BUFFERs) and TAIL, with hooks. */
struct img {
	char *buf;
	size_t len;
	FILE *f;
	struct ckpt_writer w;
	const struct ckpt_schema *s;
};

static void img_begin(struct img *m, const char *dialect)
{
	m->s = ckpt_schema_by_id(dialect);
	m->f = open_memstream(&m->buf, &m->len);
	ckpt_writer_init(&m->w, m->f, m->s);
}

static void img_put(struct img *m, const char *type, size_t len, const char *field, uint64_t v)
{
	struct ckpt_rbuf b;

	ck_assert_int_eq(ckpt_rbuf_init(&b, m->s, type, len), 0);
	if (field)
		ck_assert_int_eq(ckpt_rbuf_set(&b, field, v), 0);
	ck_assert_int_eq(ckpt_writer_put(&m->w, &b), 0);
	ckpt_rbuf_free(&b);
}

static void img_raw(struct img *m, uint32_t type, const void *p, size_t n)
{
	struct ckpt_rbuf b;

	ck_assert_int_eq(ckpt_rbuf_init_raw(&b, m->s, type, p, n), 0);
	ck_assert_int_eq(ckpt_writer_put(&m->w, &b), 0);
	ckpt_rbuf_free(&b);
}

static void rev6_head(struct img *m)
{
	struct ckpt_rbuf b;
	char uts[65] = "x";

	img_begin(m, "linux-cr-rev6");
	ck_assert_int_eq(ckpt_rbuf_init(&b, m->s, "HEADER", 0), 0);
	ck_assert_int_eq(ckpt_rbuf_set(&b, "magic", 0x00feed0cc0a2d200ULL), 0);
	ck_assert_int_eq(ckpt_rbuf_set(&b, "rev", 6), 0);
	ck_assert_int_eq(ckpt_rbuf_set(&b, "arch_id", 2), 0);
	ck_assert_int_eq(ckpt_writer_put(&m->w, &b), 0);
	ckpt_rbuf_free(&b);
	for (int i = 0; i < 3; i++)
		img_raw(m, 4, uts, sizeof(uts));
}

static void img_tail(struct img *m)
{
	img_put(m, "TAIL", 0, "magic", 0x002d2a0cc0deef00ULL);
}

static void img_end(struct img *m)
{
	ck_assert_int_eq(fclose(m->f), 0);
}

static void expect_error(const char *buf, size_t len, uint64_t off, uint64_t index,
			 const char *record, const char *reason_part)
{
	struct summary s;

	ck_assert_int_eq(read_mem(buf, len, &s), -1);
	ck_assert_msg(strstr(s.err.reason, reason_part) != NULL, "reason \"%s\" lacks \"%s\"",
		      s.err.reason, reason_part);
	ck_assert_uint_eq(s.err.offset, off);
	ck_assert_uint_eq(s.err.index, index);
	ck_assert_str_eq(s.err.record, record);
	/* And the one-line form names all of them. */
	char line[512], want[64];

	ckpt_error_format(&s.err, line, sizeof(line));
	snprintf(want, sizeof(want), "byte %llu (0x", (unsigned long long)off);
	ck_assert_msg(strncmp(line, want, strlen(want)) == 0, "line: %s", line);
	ck_assert(strchr(line, '\n') == NULL);
}

START_TEST(test_good_minimal)
{
	struct img m;
	struct summary s;

	rev6_head(&m);
	img_tail(&m);
	img_end(&m);
	ck_assert_int_eq(read_mem(m.buf, m.len, &s), 0);
	ck_assert_uint_eq(s.records, 5);
	free(m.buf);
}
END_TEST

START_TEST(test_short_length)
{
	struct img m;
	uint32_t bad[2] = { 6, 4 };	/* OBJREF claiming 4 bytes */

	rev6_head(&m);
	fwrite(bad, 1, sizeof(bad), m.f);
	img_end(&m);
	expect_error(m.buf, m.len, 291, 4, "OBJREF", "shorter than the 8-byte record header");
	free(m.buf);
}
END_TEST

START_TEST(test_past_end)
{
	struct img m;
	uint32_t bad[2] = { 4, 1000 };	/* BUFFER of 1000 bytes, 8 present */

	rev6_head(&m);
	fwrite(bad, 1, sizeof(bad), m.f);
	img_end(&m);
	expect_error(m.buf, m.len, 291, 4, "BUFFER", "runs past the end of the image (8 bytes remain)");
	free(m.buf);
}
END_TEST

START_TEST(test_wrong_size_for_type)
{
	struct img m;
	uint8_t vma[72] = { 0 };	/* VMA must be 80 */

	rev6_head(&m);
	img_raw(&m, 402, vma, sizeof(vma) - 8);
	img_tail(&m);
	img_end(&m);
	expect_error(m.buf, m.len, 291, 4, "VMA", "length 72 is wrong for VMA (must be 80)");
	free(m.buf);
}
END_TEST

START_TEST(test_array_count_overflow)
{
	struct img m;

	rev6_head(&m);
	img_put(&m, "GROUPINFO", 16 + 8, "ngroups", 1000);
	img_tail(&m);
	img_end(&m);
	expect_error(m.buf, m.len, 291, 4, "GROUPINFO", "ngroups says 1000 groups entries");
	free(m.buf);
}
END_TEST

START_TEST(test_missing_tail)
{
	struct img m;

	rev6_head(&m);
	img_end(&m);
	expect_error(m.buf, m.len, 291, 4, "", "without a TAIL record");

	struct summary s;

	read_mem(m.buf, m.len, &s);
	ck_assert_int_eq(s.err.kind, CKPT_ERR_NO_TAIL);
	/* A cut inside a record is a format fault, not a missing TAIL. */
	read_mem(m.buf, m.len - 1, &s);
	ck_assert_int_eq(s.err.kind, CKPT_ERR_MALFORMED);
	free(m.buf);
}
END_TEST

START_TEST(test_data_after_tail)
{
	struct img m;

	rev6_head(&m);
	img_tail(&m);
	img_put(&m, "TAIL", 0, NULL, 0);
	img_end(&m);
	expect_error(m.buf, m.len, 307, 5, "", "unexpected data after the TAIL record");
	free(m.buf);
}
END_TEST

START_TEST(test_error_without_message)
{
	struct img m;

	rev6_head(&m);
	img_put(&m, "ERROR", 0, NULL, 0);
	img_tail(&m);
	img_end(&m);
	expect_error(m.buf, m.len, 299, 5, "TAIL", "must be followed by its message STRING");
	free(m.buf);
}
END_TEST

START_TEST(test_first_not_header)
{
	struct img m;

	rev6_head(&m);
	img_end(&m);
	memcpy(m.buf, "\x04\0\0\0", 4);	/* HEADER retyped as BUFFER */
	expect_error(m.buf, m.len, 0, 0, "", "unknown image format");
	free(m.buf);
}
END_TEST

START_TEST(test_bad_revision_and_arch)
{
	struct img m;

	rev6_head(&m);
	img_tail(&m);
	img_end(&m);
	m.buf[24] = 3;
	expect_error(m.buf, m.len, 0, 0, "HEADER", "linux-cr revision 3 is not supported");
	m.buf[24] = 6;
	m.buf[16] = 1;
	expect_error(m.buf, m.len, 0, 0, "HEADER", "arch 1 (X86_32); record layouts are known for x86_64 (2) only");
	free(m.buf);
}
END_TEST

START_TEST(test_unknown_type_kept)
{
	struct img m;
	struct ckpt_error err;
	struct ckpt_record rec;
	uint8_t payload[5] = { 1, 2, 3, 4, 5 };

	rev6_head(&m);
	img_raw(&m, 7777, payload, sizeof(payload));
	img_tail(&m);
	img_end(&m);
	struct ckpt_image *img = ckpt_image_open_mem(m.buf, m.len, &err);

	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(ckpt_image_next_record(img, &rec), 1);
	ck_assert_uint_eq(rec.type, 7777);
	ck_assert(rec.rt == NULL);
	ck_assert_uint_eq(rec.len, 13);
	ck_assert_mem_eq(rec.data + 8, payload, 5);
	ck_assert_int_eq(ckpt_image_next_record(img, &rec), 1);
	ck_assert_int_eq(ckpt_image_next_record(img, &rec), 0);
	ckpt_image_close(img);
	free(m.buf);
}
END_TEST

START_TEST(test_linuxcr_padding)
{
	size_t len;
	unsigned char *buf = read_sample("linuxcr-creds.ckpt", &len);

	buf[85] = 0x5a;		/* in the gap between header (84) and first object (88) */
	expect_error((char *)buf, len, 85, 1, "", "padding byte is 0x5a, not zero");
	buf[85] = 0;
	buf[8] = 2;		/* image_version */
	expect_error((char *)buf, len, 8, 0, "HEADER", "LinuxC/R image version 2 is not supported");
	free(buf);
}
END_TEST

START_TEST(test_too_short)
{
	expect_error("LinuxC", 6, 0, 0, "", "image is 6 bytes long, too short for any image header");
	expect_error("", 0, 0, 0, "", "image is 0 bytes long");
}
END_TEST

/* A page array larger than the inline limit and than the mmap window: read
 * in chunks from a file and from a pipe, with the same bytes. */
START_TEST(test_large_record_file_and_stream)
{
	const size_t npages = 9000;	/* ~37 MiB: beyond one 32 MiB window */
	struct img m;
	size_t blen = npages * (8 + 4096);
	uint8_t *pages = malloc(blen);

	ck_assert(pages != NULL);
	for (size_t i = 0; i < npages; i++)
		ckpt_le_store(pages + 8 * i, 8, 0x10000000 + 4096 * i);
	for (size_t i = 0; i < npages * 4096; i++)
		pages[8 * npages + i] = (uint8_t)(i * 31 + i / 4096);
	rev6_head(&m);
	img_put(&m, "PGARR", 0, "nr_pages", npages);
	img_raw(&m, 4, pages, blen);
	img_put(&m, "PGARR", 0, NULL, 0);
	img_tail(&m);
	img_end(&m);
	free(pages);

	char path[] = "/tmp/ckpt-large-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, m.buf, m.len), (ssize_t)m.len);
	unlink(path);
	lseek(fd, 0, SEEK_SET);

	struct ckpt_error err;
	int fd2 = dup(fd);
	struct ckpt_image *img = ckpt_image_open_fd(fd, &err);
	struct summary sf, sm, sp, ss;

	ck_assert(img != NULL);
	ck_assert_uint_eq(ckpt_image_size(img), m.len);
	read_all(img, &sf);
	ckpt_image_close(img);
	ck_assert_msg(sf.result == 0, "%s", sf.err.reason);
	ck_assert_int_eq(read_mem(m.buf, m.len, &sm), 0);
	ck_assert_int_eq(read_pipe(m.buf, m.len, &sp), 0);
	ck_assert_uint_eq(sf.records, 8);
	ck_assert_uint_eq(sf.digest, sm.digest);
	ck_assert_uint_eq(sp.digest, sm.digest);
	/* Skimming changes what is asked of the disk, never the bytes. */
	img = ckpt_image_open_fd(fd2, &err);
	ck_assert(img != NULL);
	ckpt_image_set_access(img, CKPT_ACCESS_SKIM);
	read_all(img, &ss);
	ckpt_image_close(img);
	ck_assert_msg(ss.result == 0, "%s", ss.err.reason);
	ck_assert_uint_eq(ss.digest, sm.digest);

	/* Cut inside the page data: the stream learns it while reading. */
	ck_assert_int_eq(read_pipe(m.buf, m.len - 5000, &sp), -1);
	ck_assert_msg(strstr(sp.err.reason, "ends after") != NULL, "%s", sp.err.reason);
	ck_assert_str_eq(sp.err.record, "BUFFER");
	ck_assert_int_eq(read_mem(m.buf, m.len - 5000, &sm), -1);
	ck_assert_str_eq(sm.err.record, "BUFFER");
	free(m.buf);
}
END_TEST

/* An index pass skims: it reads each record's start and jumps over the
 * page data, while the source guesses the next record starts from the
 * stride of equal page arrays (and guesses wrong at the end).  What the
 * records say must not change: the same records, offsets and first bytes
 * as from memory, across several map windows. */
static uint64_t skim_digest(struct ckpt_image *img, size_t *records)
{
	struct ckpt_record rec;
	uint64_t d = 1469598103934665603ULL;
	int r;

	*records = 0;
	while ((r = ckpt_image_next_record(img, &rec)) == 1) {
		size_t n = rec.avail < 4200 ? rec.avail : 4200;

		(*records)++;
		d = (d ^ rec.offset) * 1099511628211ULL;
		for (size_t i = 0; i < n; i++)
			d = (d ^ rec.data[i]) * 1099511628211ULL;
	}
	ck_assert_int_eq(r, 0);
	return d;
}

START_TEST(test_skim_page_arrays)
{
	const size_t narrays = 40, npages = 256;	/* 40 MiB of pages */
	size_t blen = npages * (8 + 4096);
	uint8_t *pages = calloc(1, blen);
	struct img m;

	ck_assert(pages != NULL);
	rev6_head(&m);
	for (size_t a = 0; a < narrays; a++) {
		for (size_t i = 0; i < npages; i++)
			ckpt_le_store(pages + 8 * i, 8, 0x10000000 + 4096 * (a * npages + i));
		pages[8 * npages + a] = (uint8_t)a;
		img_put(&m, "PGARR", 0, "nr_pages", npages);
		img_raw(&m, 4, pages, a == narrays - 1 ? blen / 2 : blen);
	}
	img_put(&m, "PGARR", 0, NULL, 0);
	img_tail(&m);
	img_end(&m);
	free(pages);

	char path[] = "/tmp/ckpt-skim-XXXXXX";
	int fd = mkstemp(path);
	struct ckpt_error err;
	size_t nf, nm;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, m.buf, m.len), (ssize_t)m.len);
	unlink(path);
	struct ckpt_image *img = ckpt_image_open_fd(fd, &err);
	struct ckpt_image *mem = ckpt_image_open_mem(m.buf, m.len, &err);

	ck_assert(img != NULL && mem != NULL);
	ckpt_image_set_access(img, CKPT_ACCESS_SKIM);
	ckpt_image_set_access(mem, CKPT_ACCESS_SKIM);	/* no effect on memory */
	ck_assert_uint_eq(skim_digest(img, &nf), skim_digest(mem, &nm));
	ck_assert_uint_eq(nf, nm);
	ck_assert_uint_eq(nf, 4 + 2 * narrays + 2);
	ckpt_image_close(img);
	ckpt_image_close(mem);
	free(m.buf);
}
END_TEST

/* Every byte of every record frame (and of the image header) changed three
 * ways: the reader never crashes or over-reads (ASan watches), a changed
 * length is an error unless it lands exactly on a later record, and every
 * error names a reason and an offset inside the image. */
START_TEST(test_frame_byte_changes)
{
	size_t len;
	unsigned char *buf = read_sample(samples[_i].name, &len);
	struct ckpt_error err;
	struct ckpt_image *img = ckpt_image_open_mem(buf, len, &err);
	struct ckpt_record rec;
	uint64_t frames[128];
	size_t nframes = 0;

	while (ckpt_image_next_record(img, &rec) == 1 && nframes < 128)
		if (rec.hdr_len)
			frames[nframes++] = rec.offset;
	ckpt_image_close(img);

	unsigned char *copy = malloc(len);

	for (size_t fi = 0; fi < nframes; fi++) {
		for (unsigned k = 0; k < 8; k++) {
			static const unsigned deltas[] = { 1, 128, 255 };

			for (unsigned d = 0; d < 3; d++) {
				struct summary s;

				memcpy(copy, buf, len);
				copy[frames[fi] + k] = (unsigned char)(copy[frames[fi] + k] + deltas[d]);
				read_mem(copy, len, &s);
				if (s.result < 0) {
					ck_assert(s.err.reason[0] != '\0');
					ck_assert_uint_le(s.err.offset, len);
				} else if (k >= 4) {
					/* Accepted: then the new length must frame the rest. */
					uint64_t nl = ckpt_le_load(copy + frames[fi] + 4, 4);

					ck_assert_msg(frames[fi] + nl <= len, "%s: length %llu at %llu accepted",
						      samples[_i].name, (unsigned long long)nl,
						      (unsigned long long)frames[fi]);
				}
			}
		}
	}
	free(copy);
	free(buf);
}
END_TEST

START_TEST(test_roles)
{
	size_t len;
	unsigned char *buf = read_sample("rev6-tasks.ckpt", &len);
	struct ckpt_error err;
	struct ckpt_image *img = ckpt_image_open_mem(buf, len, &err);
	struct ckpt_roles roles;
	struct ckpt_record rec;
	struct ckpt_role role;
	int pages = 0, pgarr_zero_followed = 0;
	bool last_was_empty_pgarr = false;

	ckpt_roles_init(&roles);
	while (ckpt_image_next_record(img, &rec) == 1) {
		ckpt_roles_next(&roles, &rec, &role);
		if (rec.index >= 1 && rec.index <= 3) {
			static const char *const want[] = { "release", "version", "machine" };

			ck_assert_str_eq(role.name, want[rec.index - 1]);
			ck_assert_uint_eq(role.parent_index, 0);
		}
		if (role.name && strcmp(role.name, "pages") == 0)
			pages++;
		if (last_was_empty_pgarr && role.name)
			pgarr_zero_followed++;
		last_was_empty_pgarr = rec.rt && strcmp(rec.rt->name, "PGARR") == 0 &&
				       ckpt_le_load(rec.data + 8, 8) == 0;
	}
	ck_assert_int_eq(pages, 2);
	ck_assert_int_eq(pgarr_zero_followed, 0);
	ckpt_image_close(img);
	free(buf);
}
END_TEST

Suite *reader_suite(void)
{
	Suite *s = suite_create("reader");
	TCase *tc = tcase_create("reader");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_samples_read, 0, 4);
	tcase_add_loop_test(tc, test_every_truncation, 0, 4);
	tcase_add_test(tc, test_truncation_stream);
	tcase_add_loop_test(tc, test_frame_byte_changes, 0, 4);
	tcase_add_test(tc, test_good_minimal);
	tcase_add_test(tc, test_short_length);
	tcase_add_test(tc, test_past_end);
	tcase_add_test(tc, test_wrong_size_for_type);
	tcase_add_test(tc, test_array_count_overflow);
	tcase_add_test(tc, test_missing_tail);
	tcase_add_test(tc, test_data_after_tail);
	tcase_add_test(tc, test_error_without_message);
	tcase_add_test(tc, test_first_not_header);
	tcase_add_test(tc, test_bad_revision_and_arch);
	tcase_add_test(tc, test_unknown_type_kept);
	tcase_add_test(tc, test_linuxcr_padding);
	tcase_add_test(tc, test_too_short);
	tcase_add_test(tc, test_large_record_file_and_stream);
	tcase_add_test(tc, test_skim_page_arrays);
	tcase_add_test(tc, test_roles);
	suite_add_tcase(s, tc);
	return s;
}
