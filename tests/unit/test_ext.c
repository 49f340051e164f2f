/* The extension records' encodings and the writer's digest records
 * (docs/extensions.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/ext.h"
#include "ckpt/image.h"
#include "ckpt/writer.h"
#include "suites.h"

START_TEST(test_digest_batch_round_trip)
{
	struct ckpt_digest_batch *b = malloc(sizeof(*b));
	struct ckpt_ext_digest d;
	uint8_t rec[CKPT_EXT_DIGEST_HDR_LEN + 8 * 3];

	ck_assert_ptr_nonnull(b);
	ckpt_digest_batch_init(b, 17);
	for (uint64_t i = 0; i < 3; i++)
		ck_assert(ckpt_digest_batch_add(b, 0x1111111111111111ULL * (i + 1)));
	ck_assert_uint_eq(ckpt_digest_batch_len(b), sizeof(rec));
	ck_assert_uint_eq(ckpt_digest_batch_encode(b, rec), sizeof(rec));

	ck_assert_uint_eq(ckpt_le_load(rec, 4), CKPT_EXT_DIGEST);
	ck_assert_uint_eq(ckpt_le_load(rec + 4, 4), sizeof(rec));
	ck_assert(ckpt_ext_digest_parse(rec, sizeof(rec), &d));
	ck_assert_uint_eq(d.algo, CKPT_DIGEST_XXH3_64);
	ck_assert_uint_eq(d.first, 17);
	ck_assert_uint_eq(d.count, 3);
	ck_assert_uint_eq(ckpt_ext_digest_at(&d, 2), 0x3333333333333333ULL);
	ck_assert_uint_eq(d.self, ckpt_ext_digest_self(rec, sizeof(rec)));

	/* A flip of any bit is seen: in the self field or elsewhere, the
	 * stored and recomputed self digests disagree. */
	for (size_t bit = 0; bit < 8 * sizeof(rec); bit++) {
		rec[bit / 8] ^= (uint8_t)(1u << bit % 8);
		ck_assert_msg(ckpt_le_load(rec + 24, 8) != ckpt_ext_digest_self(rec, sizeof(rec)),
			      "flip of bit %zu unnoticed", bit);
		rec[bit / 8] ^= (uint8_t)(1u << bit % 8);
	}

	/* A count that disagrees with the length, or an unknown algorithm. */
	ck_assert(!ckpt_ext_digest_parse(rec, sizeof(rec) - 8, &d));
	ckpt_le_store(rec + 8, 2, 2);
	ck_assert(!ckpt_ext_digest_parse(rec, sizeof(rec), &d));
	ck_assert(!ckpt_ext_digest_parse(rec, 16, &d));

	ckpt_digest_batch_init(b, 0);
	for (unsigned i = 0; i < CKPT_EXT_DIGEST_MAX; i++)
		ck_assert(ckpt_digest_batch_add(b, i));
	ck_assert(!ckpt_digest_batch_add(b, 0));
	free(b);
}
END_TEST

START_TEST(test_digest_incremental)
{
	static const char text[] = "the same bytes in one piece or in three";
	struct ckpt_digest_state *st = ckpt_digest_begin();

	ck_assert_ptr_nonnull(st);
	ckpt_digest_update(st, text, 5);
	ckpt_digest_update(st, text + 5, 20);
	ckpt_digest_update(st, text + 25, sizeof(text) - 25);
	ck_assert_uint_eq(ckpt_digest_end(st), ckpt_digest(text, sizeof(text)));
	ck_assert_uint_ne(ckpt_digest(text, sizeof(text)), ckpt_digest(text, sizeof(text) - 1));
}
END_TEST

/* A socket's peer inode sits in what was padding: old images read 0. */
START_TEST(test_peer_round_trip)
{
	const struct ckpt_ext_peer in = { .objref = 9, .flags = 0, .ino = 12345, .outside_readers = 1,
					  .outside_writers = 2, .scanned = 3, .peer_ino = 12346 };
	uint8_t rec[CKPT_EXT_PEERS_LEN];
	struct ckpt_ext_peer out;

	ckpt_ext_peer_encode(&in, rec);
	ck_assert(ckpt_ext_peer_parse(rec, sizeof(rec), &out));
	ck_assert_int_eq(out.objref, 9);
	ck_assert_uint_eq(out.ino, 12345);
	ck_assert_uint_eq(out.scanned, 3);
	ck_assert_uint_eq(out.peer_ino, 12346);
	ck_assert_uint_eq(ckpt_le_load(rec + 36, 4), 12346);
	memset(rec + 36, 0, 4);
	ck_assert(ckpt_ext_peer_parse(rec, sizeof(rec), &out));
	ck_assert_uint_eq(out.peer_ino, 0);
}
END_TEST

START_TEST(test_users_round_trip)
{
	const struct ckpt_ext_user in[2] = {
		{ 3, CKPT_OBJ_MM, 2, CKPT_USERS_KCMP, 0 },
		{ -7, CKPT_OBJ_UTS_NS, 140, CKPT_USERS_NS_INODE, 4026531838ULL },
	};
	uint8_t rec[CKPT_EXT_USERS_HDR_LEN + 2 * CKPT_EXT_USER_LEN];
	struct ckpt_ext_user out;
	uint32_t n;

	ck_assert_uint_eq(ckpt_ext_users_len(2), sizeof(rec));
	ck_assert_uint_eq(ckpt_ext_users_encode(in, 2, rec), sizeof(rec));
	ck_assert_uint_eq(ckpt_le_load(rec, 4), CKPT_EXT_USERS);
	ck_assert(ckpt_ext_users_count(rec, sizeof(rec), &n));
	ck_assert_uint_eq(n, 2);
	for (uint32_t i = 0; i < 2; i++) {
		ck_assert(ckpt_ext_users_entry(rec, sizeof(rec), i, &out));
		ck_assert_int_eq(out.objref, in[i].objref);
		ck_assert_uint_eq(out.objtype, in[i].objtype);
		ck_assert_uint_eq(out.observed, in[i].observed);
		ck_assert_uint_eq(out.method, in[i].method);
		ck_assert_uint_eq(out.ident, in[i].ident);
	}
	ck_assert(!ckpt_ext_users_entry(rec, sizeof(rec), 2, &out));
	ck_assert(!ckpt_ext_users_count(rec, sizeof(rec) - 1, &n));
	ckpt_le_store(rec + 8, 4, 3);
	ck_assert(!ckpt_ext_users_count(rec, sizeof(rec), &n));
}
END_TEST

/* Checks every EXT_DIGEST of an image the way the format promises:
 * contiguous coverage from record 0, digests of whole records, a valid
 * self field, and one just before the TAIL.  Returns the number of
 * digest records. */
static unsigned verify_digests(const void *img_bytes, size_t img_len)
{
	struct ckpt_error err;
	struct ckpt_image *img = ckpt_image_open_mem(img_bytes, img_len, &err);
	struct ckpt_record rec;
	uint64_t *seen = NULL;
	size_t nseen = 0, cap = 0;
	uint64_t covered_to = 0;
	unsigned ndigest = 0;
	bool last_was_digest = false;
	int rc;

	ck_assert_ptr_nonnull(img);
	while ((rc = ckpt_image_next_record(img, &rec)) == 1) {
		ck_assert_uint_eq(rec.avail, rec.len);
		if (rec.type == CKPT_EXT_DIGEST) {
			struct ckpt_ext_digest d;

			ck_assert(ckpt_ext_digest_parse(rec.data, rec.len, &d));
			ck_assert_uint_eq(d.self, ckpt_ext_digest_self(rec.data, rec.len));
			ck_assert_uint_eq(d.first, covered_to);
			ck_assert_uint_eq(d.first + d.count, rec.index);
			for (uint32_t i = 0; i < d.count; i++)
				ck_assert_uint_eq(ckpt_ext_digest_at(&d, i), seen[d.first + i]);
			covered_to = rec.index + 1;
			ndigest++;
			last_was_digest = true;
		} else if (rec.type == 9001) {
			ck_assert_msg(last_was_digest, "TAIL not preceded by EXT_DIGEST");
			last_was_digest = false;
		} else {
			last_was_digest = false;
		}
		if (nseen == cap) {
			cap = cap ? 2 * cap : 256;
			seen = realloc(seen, cap * sizeof(*seen));
			ck_assert_ptr_nonnull(seen);
		}
		seen[nseen++] = ckpt_digest(rec.data, rec.len);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(ckpt_image_end(img), CKPT_END_TAIL);
	ckpt_image_close(img);
	free(seen);
	return ndigest;
}

START_TEST(test_writer_digests)
{
	const struct ckpt_schema *s = ckpt_schema_by_id("linux-cr-rev6");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct ckpt_writer w;
	struct ckpt_rbuf b;

	ck_assert_ptr_nonnull(f);
	ckpt_writer_init(&w, f, s);
	ck_assert_int_eq(ckpt_writer_digests(&w), 0);
	ck_assert_int_eq(ckpt_rbuf_init(&b, s, "HEADER", 0), 0);
	ck_assert_int_eq(ckpt_rbuf_set(&b, "magic", 0x00feed0cc0a2d200ULL), 0);
	ck_assert_int_eq(ckpt_rbuf_set_name(&b, "arch_id", "X86_64"), 0);
	ck_assert_int_eq(ckpt_rbuf_set(&b, "rev", 6), 0);
	ck_assert_int_eq(ckpt_writer_put(&w, &b), 0);
	ckpt_rbuf_free(&b);
	/* The header and 2499 records: full batches after records 0..1023
	 * and 1025..2048, then the rest and the final one before the TAIL. */
	for (unsigned i = 1; i < 2500; i++) {
		char text[32];

		snprintf(text, sizeof(text), "record %u", i);
		ck_assert_int_eq(ckpt_rbuf_init_raw(&b, s, 5, text, strlen(text) + 1), 0);
		ck_assert_int_eq(ckpt_writer_put(&w, &b), 0);
		ckpt_rbuf_free(&b);
	}
	ck_assert_int_eq(ckpt_rbuf_init(&b, s, "TAIL", 0), 0);
	ck_assert_int_eq(ckpt_rbuf_set(&b, "magic", 0x002d2a0cc0deef00ULL), 0);
	ck_assert_int_eq(ckpt_writer_put(&w, &b), 0);
	ckpt_rbuf_free(&b);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(w.error, 0);
	ck_assert_uint_eq(w.records, 2500 + 3 + 1);
	ckpt_writer_release(&w);

	ck_assert_uint_eq(verify_digests(buf, len), 3);
	free(buf);

	/* Digests are a rev 6 extension, and start with the first record. */
	ckpt_writer_init(&w, stdout, ckpt_schema_by_id("linux-cr-v17"));
	ck_assert_int_eq(ckpt_writer_digests(&w), -1);
	ckpt_writer_init(&w, stdout, s);
	w.records = 1;
	ck_assert_int_eq(ckpt_writer_digests(&w), -1);
	ckpt_writer_release(&w);
}
END_TEST

START_TEST(test_sample_digests)
{
	size_t len;
	unsigned char *img = read_sample("rev6-ext.ckpt", &len);

	ck_assert_uint_eq(verify_digests(img, len), 1);
	free(img);
}
END_TEST

Suite *ext_suite(void)
{
	Suite *s = suite_create("ext");
	TCase *tc = tcase_create("ext");

	tcase_add_test(tc, test_digest_batch_round_trip);
	tcase_add_test(tc, test_digest_incremental);
	tcase_add_test(tc, test_users_round_trip);
	tcase_add_test(tc, test_peer_round_trip);
	tcase_add_test(tc, test_writer_digests);
	tcase_add_test(tc, test_sample_digests);
	suite_add_tcase(s, tc);
	return s;
}
