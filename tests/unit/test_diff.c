/* ckpt_diff: matching and comparison on the samples and on copies of them
 * patched in memory, item by item. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "ckpt/decode.h"
#include "ckpt/diff.h"
#include "ckpt/image.h"
#include "ckpt/model.h"

#define MAX_ITEMS 64

struct got {
	size_t n;
	struct {
		enum ckpt_diff_kind kind;
		char object[160], type[48], key[96], a[256], b[256];
		bool has_field, blocks;
		uint64_t changed, added, removed, first_diff;
		uint8_t a0, b0;
		bool has_bytes;
	} it[MAX_ITEMS];
};

static void collect(void *arg, const struct ckpt_diff_item *item)
{
	struct got *g = arg;

	ck_assert_uint_lt(g->n, MAX_ITEMS);
	g->it[g->n].kind = item->kind;
	snprintf(g->it[g->n].object, sizeof(g->it[0].object), "%s", item->object);
	snprintf(g->it[g->n].type, sizeof(g->it[0].type), "%s", item->type);
	snprintf(g->it[g->n].key, sizeof(g->it[0].key), "%s", item->key);
	snprintf(g->it[g->n].a, sizeof(g->it[0].a), "%s", item->a.text);
	snprintf(g->it[g->n].b, sizeof(g->it[0].b), "%s", item->b.text);
	g->it[g->n].has_field = item->a.field != NULL;
	g->it[g->n].blocks = item->blocks_restore;
	g->it[g->n].changed = item->changed;
	g->it[g->n].added = item->added;
	g->it[g->n].removed = item->removed;
	if (item->n_ranges && item->ranges[0].has_bytes) {
		g->it[g->n].has_bytes = true;
		g->it[g->n].first_diff = item->ranges[0].first_diff;
		g->it[g->n].a0 = item->ranges[0].a_bytes[item->ranges[0].first_diff - item->ranges[0].bytes_at];
		g->it[g->n].b0 = item->ranges[0].b_bytes[item->ranges[0].first_diff - item->ranges[0].bytes_at];
	}
	g->n++;
}

static struct ckpt_diff_summary run_diff(const void *a, size_t la, const void *b, size_t lb,
					 const struct ckpt_diff_options *opt, struct got *g)
{
	struct ckpt_error err;
	struct ckpt_image *ia = ckpt_image_open_mem(a, la, &err), *ib;

	ck_assert_msg(ia != NULL, "%s", err.reason);
	ib = ckpt_image_open_mem(b, lb, &err);
	ck_assert_msg(ib != NULL, "%s", err.reason);
	struct ckpt_model *ma = ckpt_model_build(ia), *mb = ckpt_model_build(ib);

	ck_assert(ma && mb && !ma->failed && !mb->failed);
	struct ckpt_diff_summary sum;

	memset(g, 0, sizeof(*g));
	ck_assert_int_eq(ckpt_diff_models(ia, ma, ib, mb, opt, collect, g, &sum, &err), 0);
	ck_assert_uint_eq(sum.differences, g->n);
	ckpt_model_free(ma);
	ckpt_model_free(mb);
	ckpt_image_close(ia);
	ckpt_image_close(ib);
	return sum;
}

static const struct ckpt_diff_options defaults = { .match = CKPT_DIFF_MATCH_PID };

START_TEST(test_diff_same)
{
	static const char *const names[] = { "v17-task.ckpt", "v17-error.ckpt", "rev6-tasks.ckpt",
					     "linuxcr-creds.ckpt", "rev6-ext.ckpt" };
	struct got g;

	for (size_t i = 0; i < 5; i++) {
		size_t len;
		unsigned char *buf = read_sample(names[i], &len);

		run_diff(buf, len, buf, len, &defaults, &g);
		ck_assert_msg(g.n == 0, "%s against itself: %zu differences", names[i], g.n);
		free(buf);
	}
}
END_TEST

/* rev6-tasks.ckpt: UTS_NS at 830 (nodename at +73), the first page of
 * 0x400000 at 1657, PIDS numbers at 378 and 386. */
START_TEST(test_diff_field_at_its_object)
{
	size_t len;
	unsigned char *a = read_sample("rev6-tasks.ckpt", &len), *b = malloc(len);
	struct got g;

	memcpy(b, a, len);
	memcpy(b + 830 + 73, "other-host\0\0\0\0\0\0", 16);
	run_diff(a, len, b, len, &defaults, &g);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_int_eq(g.it[0].kind, CKPT_DIFF_CHANGED);
	ck_assert_str_eq(g.it[0].object, "task 1 (init) ns uts_ns");
	ck_assert_str_eq(g.it[0].type, "uts_ns");
	ck_assert_str_eq(g.it[0].key, "uts_ns.nodename");
	ck_assert_str_eq(g.it[0].a, "\"sample-container\"");
	ck_assert_str_eq(g.it[0].b, "\"other-host\"");
	ck_assert(g.it[0].has_field);
	ck_assert(!g.it[0].blocks);

	/* filtered away, whichever way it is named */
	static const char *const ign1[] = { "uts_ns.*" }, *const ign2[] = { "uts_ns" },
			  *const only[] = { "cred" };
	struct ckpt_diff_options o = defaults;

	o.ignore = ign1;
	o.n_ignore = 1;
	run_diff(a, len, b, len, &o, &g);
	ck_assert_uint_eq(g.n, 0);
	o.ignore = ign2;
	run_diff(a, len, b, len, &o, &g);
	ck_assert_uint_eq(g.n, 0);
	o = defaults;
	o.only = only;
	o.n_only = 1;
	run_diff(a, len, b, len, &o, &g);
	ck_assert_uint_eq(g.n, 0);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_diff_header_blocks_restore)
{
	size_t len;
	unsigned char *a = read_sample("rev6-tasks.ckpt", &len), *b = malloc(len);
	struct got g;

	memcpy(b, a, len);
	b[22] = 38;	/* patch level 37 -> 38 */
	b[56] ^= 1;	/* time */
	run_diff(a, len, b, len, &defaults, &g);
	ck_assert_uint_eq(g.n, 2);
	ck_assert_str_eq(g.it[0].key, "header.patch");
	ck_assert(g.it[0].blocks);
	ck_assert_str_eq(g.it[1].key, "header.time");
	ck_assert(!g.it[1].blocks);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_diff_pages)
{
	size_t len;
	unsigned char *a = read_sample("rev6-tasks.ckpt", &len), *b = malloc(len);
	struct got g;
	struct ckpt_diff_options o = defaults;

	memcpy(b, a, len);
	b[1657 + 100] ^= 0xff;
	o.page_bytes = true;
	struct ckpt_diff_summary s = run_diff(a, len, b, len, &o, &g);

	ck_assert_uint_eq(g.n, 1);
	ck_assert_int_eq(g.it[0].kind, CKPT_DIFF_PAGES);
	ck_assert_str_eq(g.it[0].object, "task 1 (init) mm vma 0x400000-0x401000 /sbin/init");
	ck_assert_uint_eq(g.it[0].changed, 1);
	ck_assert_uint_eq(g.it[0].added, 0);
	ck_assert_uint_eq(g.it[0].removed, 0);
	ck_assert(g.it[0].has_bytes);
	ck_assert_uint_eq(g.it[0].first_diff, 0x400000 + 100);
	ck_assert_uint_eq(g.it[0].a0, a[1657 + 100]);
	ck_assert_uint_eq(g.it[0].b0, b[1657 + 100]);
	ck_assert_uint_eq(s.pages_compared, 4);	/* 1 + 3 pages, all read */
	ck_assert_uint_eq(s.pages_by_digest, 0);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_diff_match_by_tree)
{
	size_t len;
	unsigned char *a = read_sample("rev6-tasks.ckpt", &len), *b = malloc(len);
	struct got g;
	struct ckpt_diff_options o = defaults;

	memcpy(b, a, len);
	b[378] = 101;
	b[386] = 102;
	run_diff(a, len, b, len, &o, &g);
	ck_assert_uint_eq(g.n, 4);
	ck_assert_int_eq(g.it[0].kind, CKPT_DIFF_REMOVED);
	ck_assert_str_eq(g.it[0].object, "task 1 (init)");
	ck_assert_int_eq(g.it[3].kind, CKPT_DIFF_ADDED);
	ck_assert_str_eq(g.it[3].object, "task 102 (init-worker)");
	o.match = CKPT_DIFF_MATCH_TREE;
	run_diff(a, len, b, len, &o, &g);
	ck_assert_uint_eq(g.n, 0);
	/* and a real change still shows, named with both pids */
	memcpy(b + 830 + 73, "x\0", 2);
	run_diff(a, len, b, len, &o, &g);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_str_eq(g.it[0].object, "task 1 -> 101 (init) ns uts_ns");
	free(a);
	free(b);
}
END_TEST

START_TEST(test_diff_cross_dialect)
{
	size_t la, lb;
	unsigned char *a = read_sample("v17-task.ckpt", &la), *b = read_sample("rev6-tasks.ckpt", &lb);
	struct got g;
	bool comm = false;

	run_diff(a, la, b, lb, &defaults, &g);
	ck_assert_str_eq(g.it[0].key, "image.dialect");
	for (size_t i = 0; i < g.n; i++) {
		/* rev 6 only records are not differences */
		ck_assert_str_ne(g.it[i].type, "task_creds");
		ck_assert_str_ne(g.it[i].type, "cpu");
		ck_assert_str_ne(g.it[i].type, "header_arch");
		if (strcmp(g.it[i].key, "task.comm") == 0) {
			comm = true;
			ck_assert_str_eq(g.it[i].a, "\"self_checkpoint\"");
			ck_assert_str_eq(g.it[i].b, "\"init\"");
		}
	}
	ck_assert(comm);
	free(a);
	free(b);
}
END_TEST

/* The sample with an EXT_DIGEST record before its TAIL covering every
 * record; the byte at `flip` (if any) changed first. */
static unsigned char *with_digests(const unsigned char *src, size_t len, size_t flip, size_t *out_len)
{
	struct ckpt_error err;
	unsigned char *copy = malloc(len);

	memcpy(copy, src, len);
	if (flip)
		copy[flip] ^= 0xff;
	struct ckpt_image *img = ckpt_image_open_mem(copy, len, &err);
	struct ckpt_model *m = ckpt_model_build(img);
	size_t n = m->n_records - 1;	/* all but the TAIL */
	size_t tail = (size_t)m->records[n].offset, dlen = 32 + 8 * n;
	unsigned char *out = calloc(1, len + dlen);

	memcpy(out, copy, tail);
	unsigned char *d = out + tail;

	ckpt_le_store(d, 4, 20003);
	ckpt_le_store(d + 4, 4, dlen);
	ckpt_le_store(d + 8, 2, 1);
	ckpt_le_store(d + 12, 4, n);
	ckpt_le_store(d + 16, 8, 0);
	for (size_t i = 0; i < n; i++)
		ckpt_le_store(d + 32 + 8 * i, 8, ckpt_page_digest(copy + m->records[i].offset, m->records[i].len));
	ckpt_le_store(d + 24, 8, ckpt_page_digest(d, dlen));
	memcpy(out + tail + dlen, copy + tail, len - tail);
	*out_len = len + dlen;
	ckpt_model_free(m);
	ckpt_image_close(img);
	free(copy);
	return out;
}

START_TEST(test_diff_digests)
{
	size_t len, la, lb;
	unsigned char *s = read_sample("rev6-tasks.ckpt", &len);
	unsigned char *a = with_digests(s, len, 0, &la), *b = with_digests(s, len, 1657 + 5, &lb);
	struct got g;
	struct ckpt_diff_summary sum;

	/* EXT_DIGEST itself is never a difference */
	sum = run_diff(s, len, a, la, &defaults, &g);
	ck_assert_uint_eq(g.n, 0);
	/* by default every page is read */
	sum = run_diff(a, la, a, la, &defaults, &g);
	ck_assert_uint_eq(g.n, 0);
	ck_assert_uint_eq(sum.pages_by_digest, 0);
	ck_assert_uint_eq(sum.pages_compared, 4);
	/* trusted digests: equal runs are not read */
	struct ckpt_diff_options trust = defaults;

	trust.trust_digests = true;
	sum = run_diff(a, la, a, la, &trust, &g);
	ck_assert_uint_eq(g.n, 0);
	ck_assert_uint_eq(sum.pages_by_digest, 4);
	ck_assert_uint_eq(sum.pages_compared, 0);
	/* a stale digest (the page edited, the digest not): not trusted by
	 * default, so the change is found */
	unsigned char *stale = malloc(la);

	memcpy(stale, a, la);
	stale[1657 + 5] ^= 0xff;
	run_diff(a, la, stale, la, &defaults, &g);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_uint_eq(g.it[0].changed, 1);
	free(stale);
	/* a changed run is read and found; the other is still skipped */
	sum = run_diff(a, la, b, lb, &trust, &g);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_int_eq(g.it[0].kind, CKPT_DIFF_PAGES);
	ck_assert_uint_eq(g.it[0].changed, 1);
	ck_assert_uint_eq(sum.pages_compared, 1);
	ck_assert_uint_eq(sum.pages_by_digest, 3);
	free(s);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_diff_filters)
{
	static const char *const ign[] = { "cpu.*", "header.time", "signal.rlim.*" };
	static const char *const only[] = { "c*" };
	struct ckpt_diff_options o = { .ignore = ign, .n_ignore = 3 };

	ck_assert(ckpt_diff_filtered(&o, "cpu", "cpu.ip"));
	ck_assert(ckpt_diff_filtered(&o, "header", "header.time"));
	ck_assert(!ckpt_diff_filtered(&o, "header", "header.patch"));
	ck_assert(ckpt_diff_filtered(&o, "signal", "signal.rlim.cur"));
	ck_assert(!ckpt_diff_filtered(&o, "signal", "signal.it_real_value"));
	/* the producer's clock is ignored unless asked for */
	ck_assert(ckpt_diff_filtered(&o, "ext_producer", "ext_producer.time_ns"));
	o.no_default_ignores = true;
	ck_assert(!ckpt_diff_filtered(&o, "ext_producer", "ext_producer.time_ns"));
	o.only = only;
	o.n_only = 1;
	ck_assert(!ckpt_diff_filtered(&o, "cred", "cred.uid"));
	ck_assert(ckpt_diff_filtered(&o, "uts_ns", "uts_ns.nodename"));
}
END_TEST

static void count_items(void *arg, const struct ckpt_diff_item *item)
{
	(void)item;
	(*(size_t *)arg)++;
}

/* Images are untrusted: every byte of the sample, changed, against the
 * original, both ways, must give a diff or a reader error, never a crash
 * (the sanitizer build runs this too). */
START_TEST(test_diff_corrupt_sweep)
{
	size_t len;
	unsigned char *a = read_sample("rev6-tasks.ckpt", &len), *b = malloc(len);
	struct ckpt_diff_options o = { .match = CKPT_DIFF_MATCH_PID, .page_bytes = true };
	size_t compared = 0;

	for (size_t at = 0; at < len; at += at < 2000 ? 3 : 29) {
		for (int way = 0; way < 2; way++) {
			struct ckpt_error err;
			struct ckpt_diff_summary sum;
			size_t n = 0;

			memcpy(b, a, len);
			b[at] ^= way ? 0x80 : 0x01;
			struct ckpt_image *ia = ckpt_image_open_mem(a, len, &err);
			struct ckpt_image *ib = ckpt_image_open_mem(b, len, &err);

			if (!ib) {
				ckpt_image_close(ia);
				continue;
			}
			struct ckpt_model *ma = ckpt_model_build(ia), *mb = ckpt_model_build(ib);

			ck_assert(ma && mb);
			if (!mb->failed) {
				o.match = way ? CKPT_DIFF_MATCH_TREE : CKPT_DIFF_MATCH_PID;
				if (way)
					ckpt_diff_models(ib, mb, ia, ma, &o, count_items, &n, &sum, &err);
				else
					ckpt_diff_models(ia, ma, ib, mb, &o, count_items, &n, &sum, &err);
				ck_assert_uint_eq(n, sum.differences);
				compared++;
			}
			ckpt_model_free(ma);
			ckpt_model_free(mb);
			ckpt_image_close(ia);
			ckpt_image_close(ib);
		}
	}
	ck_assert_uint_gt(compared, 500);
	free(a);
	free(b);
}
END_TEST

Suite *diff_suite(void)
{
	Suite *s = suite_create("diff");
	TCase *tc = tcase_create("diff");

	tcase_add_test(tc, test_diff_same);
	tcase_add_test(tc, test_diff_field_at_its_object);
	tcase_add_test(tc, test_diff_header_blocks_restore);
	tcase_add_test(tc, test_diff_pages);
	tcase_add_test(tc, test_diff_match_by_tree);
	tcase_add_test(tc, test_diff_cross_dialect);
	tcase_add_test(tc, test_diff_digests);
	tcase_add_test(tc, test_diff_filters);
	tcase_add_test(tc, test_diff_corrupt_sweep);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
