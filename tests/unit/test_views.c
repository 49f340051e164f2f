/* Views and value formats: escaping, names, JSON values, streaming views. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "ckpt/format.h"
#include "ckpt/view.h"
#include "ckpt/writer.h"

START_TEST(test_escape)
{
	const uint8_t in[] = "a\\b\n\x1b\xff\"z";
	char out[64];
	size_t n = ckpt_escape(in, sizeof(in) - 1, out, sizeof(out));

	ck_assert_str_eq(out, "a\\\\b\\n\\x1b\\xff\"z");
	ck_assert_uint_eq(n, strlen(out));
	/* Truncated output is still terminated and reports the full size. */
	ck_assert_uint_eq(ckpt_escape(in, sizeof(in) - 1, out, 4), n);
	ck_assert_uint_eq(strlen(out), 3);
}
END_TEST

START_TEST(test_text_len)
{
	bool term;

	ck_assert_uint_eq(ckpt_text_len((const uint8_t *)"ab\0\0", 4, &term), 2);
	ck_assert(term);
	ck_assert_uint_eq(ckpt_text_len((const uint8_t *)"abcd", 4, &term), 4);
	ck_assert(!term);
	/* Bytes after an inner NUL are kept: nothing in the image is hidden. */
	ck_assert_uint_eq(ckpt_text_len((const uint8_t *)"a\0b\0", 4, &term), 3);
}
END_TEST

static const struct ckpt_field *field_of(const char *dialect, const char *type, const char *name)
{
	const struct ckpt_rtype *rt = ckpt_schema_type_by_name(ckpt_schema_by_id(dialect), type);

	ck_assert(rt != NULL);
	const struct ckpt_field *f = ckpt_rtype_field(rt, name);

	ck_assert_msg(f != NULL, "%s.%s", type, name);
	return f;
}

START_TEST(test_format_values)
{
	uint8_t rec[96] = { 0 };
	char out[512];
	const struct ckpt_field *f = field_of("linux-cr-rev6", "VMA", "vm_flags");

	ckpt_le_store(rec + f->offset, 8, 0x1 | 0x2 | 0x8000000000ULL);
	ckpt_format_field(f, rec, out, sizeof(out));
	ck_assert_str_eq(out, "0x0000008000000003 (VM_READ|VM_WRITE|0x8000000000)");

	f = field_of("linux-cr-rev6", "VMA", "vma_type");
	ckpt_le_store(rec + f->offset, 4, 2);
	ckpt_format_field(f, rec, out, sizeof(out));
	ck_assert_str_eq(out, "2 (ANON)");
	ckpt_le_store(rec + f->offset, 4, 99);
	ckpt_format_field(f, rec, out, sizeof(out));
	ck_assert_str_eq(out, "99");

	f = field_of("linux-cr-rev6", "TASK", "exit_signal");
	ckpt_le_store(rec + f->offset, 4, 0xffffffff);
	ckpt_format_field(f, rec, out, sizeof(out));
	ck_assert_str_eq(out, "-1");

	f = field_of("linux-cr-rev6", "SIGNAL_TASK", "blocked");
	ckpt_le_store(rec + f->offset, 8, (1ULL << 1) | (1ULL << 63));
	ckpt_format_field(f, rec, out, sizeof(out));
	ck_assert_str_eq(out, "0x8000000000000002 (SIGINT|SIGRTMAX)");

	f = field_of("linux-cr-rev6", "FS", "umask");
	ckpt_le_store(rec + f->offset, 4, 022);
	ckpt_format_field(f, rec, out, sizeof(out));
	ck_assert_str_eq(out, "0022");
}
END_TEST

START_TEST(test_json_values)
{
	uint8_t rec[400] = { 0 };
	const struct ckpt_field *f = field_of("linux-cr-rev6", "HEADER", "uflags");
	json_t *j;

	ckpt_le_store(rec + f->offset, 8, 0x1 | 0x100);
	j = ckpt_field_json(f, rec);
	ck_assert_uint_eq(json_array_size(j), 2);
	ck_assert_str_eq(json_string_value(json_array_get(j, 0)), "SUBTREE");
	ck_assert_str_eq(json_string_value(json_array_get(j, 1)), "0x100");
	json_decref(j);

	f = field_of("linux-cr-rev6", "HEADER", "arch_id");
	ckpt_le_store(rec + f->offset, 2, 2);
	j = ckpt_field_json(f, rec);
	ck_assert_str_eq(json_string_value(j), "X86_64");
	json_decref(j);

	/* Unsigned values past 2^63 - 1 stay exact, as decimal strings. */
	f = field_of("linux-cr-rev6", "PGARR", "nr_pages");
	ckpt_le_store(rec + f->offset, 8, UINT64_MAX);
	j = ckpt_field_json(f, rec);
	ck_assert_str_eq(json_string_value(j), "18446744073709551615");
	json_decref(j);

	f = field_of("linux-cr-rev6", "UTS_NS", "nodename");
	memcpy(rec + f->offset, "host\x1b[2J", 8);
	j = ckpt_field_json(f, rec);
	ck_assert_str_eq(json_string_value(j), "host\\x1b[2J");
	json_decref(j);
}
END_TEST

/* Renders a whole in-memory image through a view into a string. */
static char *render(const void *buf, size_t len, enum ckpt_view_format fmt, int *status)
{
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	struct ckpt_view_options opt = { .format = fmt };
	struct ckpt_view *v = ckpt_view_new(f, &opt);
	struct ckpt_error err;
	struct ckpt_image *img = ckpt_image_open_mem(buf, len, &err);
	struct ckpt_roles roles;
	struct ckpt_record rec;
	struct ckpt_role role;
	int r = -1;

	ckpt_view_begin(v, "test", img);
	if (img) {
		ckpt_roles_init(&roles);
		while ((r = ckpt_image_next_record(img, &rec)) == 1) {
			ckpt_roles_next(&roles, &rec, &role);
			ck_assert_int_eq(ckpt_view_record(v, img, &rec, &role), 0);
		}
		if (r < 0)
			err = *ckpt_image_error(img);
	}
	ckpt_view_end(v, img, r < 0 ? &err : NULL);
	ck_assert(ckpt_view_free(v));
	ckpt_image_close(img);
	fclose(f);
	*status = r;
	return out;
}

/* A v17 image whose task name tries to drive the terminal. */
static char *hostile_image(size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	const struct ckpt_schema *s = ckpt_schema_by_id("linux-cr-v17");
	struct ckpt_writer w;
	struct ckpt_rbuf b;
	char uts[65] = "2.6.31";
	const char comm[16] = "\x1b]0;pwned\x07\x1b[2JXY";	/* 16 bytes, no NUL */

	ckpt_writer_init(&w, f, s);
	ck_assert_int_eq(ckpt_rbuf_init(&b, s, "HEADER", 0), 0);
	ckpt_rbuf_set(&b, "magic", 0x00feed0cc0a2d200ULL);
	ckpt_rbuf_set(&b, "rev", 1);
	ckpt_writer_put(&w, &b);
	ckpt_rbuf_free(&b);
	for (int i = 0; i < 3; i++) {
		ckpt_rbuf_init_raw(&b, s, 2, uts, sizeof(uts));
		ckpt_writer_put(&w, &b);
		ckpt_rbuf_free(&b);
	}
	ckpt_rbuf_init(&b, s, "TASK", 0);
	ckpt_writer_put(&w, &b);
	ckpt_rbuf_free(&b);
	ckpt_rbuf_init_raw(&b, s, 3, comm, sizeof(comm));
	ckpt_writer_put(&w, &b);
	ckpt_rbuf_free(&b);
	ckpt_rbuf_init_raw(&b, s, 7777, "\x01\x02", 2);
	ckpt_writer_put(&w, &b);
	ckpt_rbuf_free(&b);
	ckpt_rbuf_init(&b, s, "TAIL", 0);
	ckpt_rbuf_set(&b, "magic", 0x002d2a0cc0deef00ULL);
	ckpt_writer_put(&w, &b);
	ckpt_rbuf_free(&b);
	fclose(f);
	return buf;
}

START_TEST(test_text_view_is_terminal_safe)
{
	size_t len;
	char *img = hostile_image(&len);
	int status;
	char *out = render(img, len, CKPT_VIEW_TEXT, &status);

	ck_assert_int_eq(status, 0);
	for (const char *p = out; *p; p++)
		ck_assert_msg((unsigned char)*p >= 0x20 || *p == '\n', "control byte 0x%02x in output", *p);
	ck_assert_ptr_nonnull(strstr(out, "\"\\x1b]0;pwned\\x07\\x1b[2JXY\" (no NUL terminator)"));
	ck_assert_ptr_nonnull(strstr(out, "unknown type 7777 @"));
	free(out);
	free(img);
}
END_TEST

START_TEST(test_json_view_document)
{
	size_t len;
	char *img = hostile_image(&len);
	int status;
	char *out = render(img, len, CKPT_VIEW_JSON, &status);
	json_error_t e;
	json_t *doc = json_loads(out, 0, &e);

	ck_assert_msg(doc != NULL, "%s: %s", e.text, out);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "ckptdump")), CKPT_VIEW_SHAPE_VERSION);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "dialect")), "linux-cr-v17");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "end")), "tail");
	ck_assert(json_is_null(json_object_get(doc, "error")));
	json_t *recs = json_object_get(doc, "records");

	ck_assert_uint_eq(json_array_size(recs), 8);
	json_t *comm = json_array_get(recs, 5);

	ck_assert_str_eq(json_string_value(json_object_get(comm, "role")), "comm");
	ck_assert_int_eq(json_integer_value(json_object_get(comm, "parent")), 4);
	ck_assert(json_is_false(json_object_get(json_object_get(comm, "fields"), "terminated")));
	json_t *unk = json_array_get(recs, 6);

	ck_assert_str_eq(json_string_value(json_object_get(unk, "type")), "unknown");
	ck_assert_int_eq(json_integer_value(json_object_get(unk, "type_id")), 7777);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(unk, "fields"), "bytes")), "0102");
	json_decref(doc);
	free(out);

	/* Cut short: the document still parses and carries the error. */
	out = render(img, len - 3, CKPT_VIEW_JSON, &status);
	ck_assert_int_eq(status, -1);
	doc = json_loads(out, 0, &e);
	ck_assert_msg(doc != NULL, "%s", e.text);
	json_t *err = json_object_get(doc, "error");

	ck_assert_int_eq(json_integer_value(json_object_get(err, "index")), 7);
	ck_assert_str_eq(json_string_value(json_object_get(err, "record")), "TAIL");
	ck_assert(json_is_null(json_object_get(doc, "end")));
	json_decref(doc);
	free(out);
	free(img);
}
END_TEST

START_TEST(test_sparse_arrays)
{
	size_t len;
	unsigned char *img = read_sample("rev6-tasks.ckpt", &len);
	int status;
	char *text = render(img, len, CKPT_VIEW_TEXT, &status);
	char *json = render(img, len, CKPT_VIEW_JSON, &status);

	/* Text elides default signal actions and says so; JSON keeps all 64. */
	ck_assert_ptr_nonnull(strstr(text, "[16] SIGCHLD handler=0x0000000000401000"));
	ck_assert_ptr_nonnull(strstr(text, "(62 more entries with all values zero, the defaults, not shown)"));
	ck_assert_ptr_null(strstr(text, "[0] SIGHUP"));
	/* Non-sparse arrays show zero elements: root's group 0, AT_NULL. */
	ck_assert_ptr_nonnull(strstr(text, "[0] gid=0"));
	ck_assert_ptr_nonnull(strstr(text, "(AT_NULL)"));

	json_t *doc = json_loads(json, 0, NULL);
	json_t *recs = json_object_get(doc, "records");
	size_t i;
	json_t *r;
	bool seen = false;

	json_array_foreach(recs, i, r) {
		if (strcmp(json_string_value(json_object_get(r, "type")), "SIGHAND") != 0)
			continue;
		json_t *action = json_object_get(json_object_get(r, "fields"), "action");

		ck_assert_uint_eq(json_array_size(action), 64);
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(action, 16), "name")), "SIGCHLD");
		seen = true;
	}
	ck_assert(seen);
	json_decref(doc);
	free(text);
	free(json);
	free(img);
}
END_TEST

START_TEST(test_writer_rejects)
{
	const struct ckpt_schema *s = ckpt_schema_by_id("linux-cr-rev6");
	struct ckpt_rbuf b;

	ck_assert_int_eq(ckpt_rbuf_init(&b, s, "NOSUCH", 0), -1);
	ck_assert_int_eq(ckpt_rbuf_init(&b, s, "VMA", 72), -1);
	ck_assert_int_eq(ckpt_rbuf_init(&b, s, "VMA", 0), 0);
	ck_assert_int_eq(ckpt_rbuf_set(&b, "hugetlb_shift", 0x10000), -1);	/* u16 */
	ck_assert_int_eq(ckpt_rbuf_set(&b, "no_such_field", 1), -1);
	ck_assert_int_eq(ckpt_rbuf_set(&b, "vm_start", 0x1000), 0);
	ck_assert_uint_eq(ckpt_le_load(b.data + 32, 8), 0x1000);
	ck_assert_uint_eq(ckpt_le_load(b.data, 4), 402);
	ck_assert_uint_eq(ckpt_le_load(b.data + 4, 4), 80);
	ckpt_rbuf_free(&b);
}
END_TEST

Suite *views_suite(void)
{
	Suite *s = suite_create("views");
	TCase *tc = tcase_create("views");

	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_text_len);
	tcase_add_test(tc, test_format_values);
	tcase_add_test(tc, test_json_values);
	tcase_add_test(tc, test_text_view_is_terminal_safe);
	tcase_add_test(tc, test_json_view_document);
	tcase_add_test(tc, test_sparse_arrays);
	tcase_add_test(tc, test_writer_rejects);
	suite_add_tcase(s, tc);
	return s;
}
