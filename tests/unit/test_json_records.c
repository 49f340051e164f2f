/* The encoder's streaming reader of the top-level JSON object: members,
 * the records array element by element, strings that hold the
 * characters of the structure, and where a document goes wrong. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "suites.h"
#include "encode/json_records.h"

struct events {
	char log[1024];		/* "m:KEY r:N e" ... */
	int line, column;
	char reason[200];
};

static void read_all(const char *doc, struct events *ev)
{
	FILE *in = fmemopen((void *)doc, strlen(doc), "r");
	struct json_records *r;
	const char *key;
	json_t *v;
	size_t index;

	ck_assert_ptr_nonnull(in);
	r = json_records_new(in);
	ck_assert_ptr_nonnull(r);
	memset(ev, 0, sizeof(*ev));
	for (;;) {
		enum json_records_event e = json_records_next(r, &key, &v, &index);
		size_t n = strlen(ev->log);

		if (e == JR_MEMBER) {
			char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

			snprintf(ev->log + n, sizeof(ev->log) - n, "m:%s=%s ", key, text);
			free(text);
			json_decref(v);
		} else if (e == JR_RECORD) {
			char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

			snprintf(ev->log + n, sizeof(ev->log) - n, "r%zu:%s ", index, text);
			free(text);
			json_decref(v);
		} else {
			snprintf(ev->log + n, sizeof(ev->log) - n, e == JR_END ? "end%s" : "error",
				 e == JR_END && json_records_seen_records(r) ? "+records" : "");
			if (e == JR_ERROR) {
				ev->line = json_records_line(r);
				ev->column = json_records_column(r);
				snprintf(ev->reason, sizeof(ev->reason), "%s", json_records_reason(r));
			}
			break;
		}
	}
	json_records_free(r);
	fclose(in);
}

START_TEST(test_json_records_shape)
{
	struct events ev;

	read_all("{\"a\": 1, \"records\": [ {\"x\": \"}]\\\"{\"}, [1, [2]] , \"s\" ,3], \"b\": [true, null]}\n", &ev);
	ck_assert_str_eq(ev.log, "m:a=1 r0:{\"x\":\"}]\\\"{\"} r1:[1,[2]] r2:\"s\" r3:3 m:b=[true,null] end+records");
	read_all(" \t\r\n{ }\n", &ev);
	ck_assert_str_eq(ev.log, "end");
	read_all("{\"records\":[]}", &ev);
	ck_assert_str_eq(ev.log, "end+records");
	read_all("{\"k\\u0041\": \"v\", \"records\": [{}]}", &ev);
	ck_assert_str_eq(ev.log, "m:kA=\"v\" r0:{} end+records");
}
END_TEST

START_TEST(test_json_records_errors)
{
	struct events ev;

	read_all("[1]", &ev);
	ck_assert_str_eq(ev.log, "error");
	ck_assert_str_eq(ev.reason, "expected a JSON object");
	read_all("{\"records\": [{\"a\": 1}", &ev);
	ck_assert_str_eq(ev.log, "r0:{\"a\":1} error");
	ck_assert_str_eq(ev.reason, "the document ends inside the records");
	read_all("{\"records\": [{\"a\": \"unterminated}]}", &ev);
	ck_assert_str_eq(ev.log, "error");
	ck_assert_str_eq(ev.reason, "the document ends inside a value");
	/* jansson's own errors are placed in the document */
	read_all("{\"records\": [\n{\"a\": 1},\n  {\"b\": tru}]}", &ev);
	ck_assert_str_eq(ev.log, "r0:{\"a\":1} error");
	ck_assert_int_eq(ev.line, 3);
	ck_assert_int_ge(ev.column, 8);
	read_all("{\"records\": [{\"a\": 1, \"a\": 2}]}", &ev);
	ck_assert_str_eq(ev.log, "error");
	ck_assert(strstr(ev.reason, "duplicate") != NULL);
	read_all("{\"x\": 1, \"x\": 2}", &ev);
	ck_assert_str_eq(ev.log, "m:x=1 error");
	ck_assert_str_eq(ev.reason, "duplicate object key \"x\"");
	read_all("{\"x\": 1 \"y\": 2}", &ev);
	ck_assert_str_eq(ev.reason, "expected ',' or '}' after a member");
	read_all("{\"x\" 1}", &ev);
	ck_assert_str_eq(ev.reason, "expected ':' after \"x\"");
	read_all("{\"records\": {}}", &ev);
	ck_assert_str_eq(ev.reason, "records: expected an array of records");
	read_all("{} x", &ev);
	ck_assert_str_eq(ev.reason, "data after the end of the document");
	read_all("{\"records\": [1 2]}", &ev);
	ck_assert_str_eq(ev.reason, "expected ',' or ']' after a record");
	read_all("{\"x\": }", &ev);
	ck_assert_str_eq(ev.log, "error");
}
END_TEST

Suite *json_records_suite(void)
{
	Suite *s = suite_create("json_records");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_json_records_shape);
	tcase_add_test(tc, test_json_records_errors);
	suite_add_tcase(s, tc);
	return s;
}
