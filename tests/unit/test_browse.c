/* The browser's command layer in-process (what fuzz_browse drives): command
 * lines against the rev 6 sample, output and errors caught in memory, and
 * the inputs the fuzzer found to misbehave. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "browse.h"
#include "ckpt/image.h"
#include "ckpt/model.h"

struct session {
	struct browse b;
	char *out, *err;
	size_t out_len, err_len;
	char path[4096];
};

static void session_open(struct session *s, const char *sample)
{
	struct ckpt_error err;

	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s/%s", samples_dir(), sample);
	s->b.path = s->path;
	s->b.spool_fd = -1;
	s->b.cur = CKPT_MODEL_NONE;
	s->b.img = ckpt_image_open(s->path, &err);
	ck_assert_msg(s->b.img != NULL, "%s", err.reason);
	s->b.m = ckpt_model_build(s->b.img);
	ck_assert(s->b.m != NULL && !s->b.m->failed);
}

/* Runs one command line; its status, with what it wrote in s->out/s->err. */
static int session_run(struct session *s, const char *line)
{
	int r;

	free(s->out);
	free(s->err);
	s->b.out = open_memstream(&s->out, &s->out_len);
	s->b.err = open_memstream(&s->err, &s->err_len);
	ck_assert(s->b.out && s->b.err);
	r = browse_run_line(&s->b, line, NULL);
	fclose(s->b.out);
	fclose(s->b.err);
	return r;
}

static void session_close(struct session *s)
{
	free(s->out);
	free(s->err);
	ckpt_model_free(s->b.m);
	ckpt_image_close(s->b.img);
}

/* One table drives dispatch, help and completion: every row runs, has its
 * help, and completes; a name that is no row is unknown to all three. */
START_TEST(test_browse_command_table)
{
	struct session s;
	char line[128];

	session_open(&s, "rev6-tasks.ckpt");
	ck_assert_uint_gt(browse_n_commands, 0);
	for (size_t i = 0; i < browse_n_commands; i++) {
		const struct browse_command_info *c = &browse_commands[i];
		char **cands;
		bool completes = false;

		ck_assert_msg(c->usage && *c->usage && c->summary && *c->summary && c->help,
			      "%s: usage, summary and help", c->name);
		ck_assert_msg(!(c->run && c->run_text), "%s: two handlers", c->name);
		ck_assert_ptr_eq(browse_command_find(c->name), c);
		snprintf(line, sizeof(line), "help %s", c->name);
		ck_assert_int_eq(session_run(&s, line), 0);
		ck_assert_ptr_nonnull(strstr(s.out, c->summary));
		/* Dispatch: whatever the command makes of no arguments, it is
		 * not an unknown command. */
		ck_assert_int_ge(session_run(&s, c->name), -1);
		ck_assert_msg(!s.err || !strstr(s.err, "unknown command"), "%s: not dispatched",
			      c->name);
		cands = ckpt_browse_complete(s.b.m, c->name);
		for (size_t k = 0; cands && cands[k]; k++) {
			completes |= strcmp(cands[k], c->name) == 0;
			free(cands[k]);
		}
		free(cands);
		ck_assert_msg(completes, "%s: does not complete", c->name);
	}
	ck_assert_ptr_null(browse_command_find("nosuch"));
	ck_assert_int_eq(session_run(&s, "help nosuch"), -1);
	session_close(&s);
}
END_TEST

START_TEST(test_browse_line)
{
	struct session s;

	session_open(&s, "rev6-tasks.ckpt");
	ck_assert_int_eq(session_run(&s, "ps; search \"a;b\" 1"), 0);
	ck_assert_ptr_nonnull(strstr(s.out, "init-worker"));
	ck_assert_ptr_nonnull(strstr(s.out, "(not found in dumped pages)"));
	ck_assert_int_eq(s.err_len, 0);
	ck_assert_int_eq(session_run(&s, "nosuch; info"), -1);
	ck_assert_str_eq(s.err, "ckptdump: nosuch: unknown command (try help)\n");
	ck_assert_ptr_nonnull(strstr(s.out, "records    71"));
	ck_assert_int_eq(session_run(&s, "info; quit; ps"), 1);
	ck_assert_ptr_null(strstr(s.out, "init-worker"));
	session_close(&s);
}
END_TEST

/* A regex with back-references held a session for minutes on one page
 * (glibc backtracks; found while writing fuzz_browse); such a regex is
 * refused at once. */
START_TEST(test_browse_search_backref)
{
	struct session s;

	session_open(&s, "rev6-tasks.ckpt");
	ck_assert_int_eq(session_run(&s, "search /(.*)(.*)(.*)\\3\\2\\1x/"), -1);
	ck_assert_str_eq(s.err, "ckptdump: search: /(.*)(.*)(.*)\\3\\2\\1x/: back-references "
			 "(\\1 to \\9) are not supported\n");
	ck_assert_int_eq(s.out_len, 0);
	/* An escaped backslash before a digit is no back-reference. */
	ck_assert_int_eq(session_run(&s, "search /\\\\1/"), 0);
	ck_assert_int_eq(s.err_len, 0);
	session_close(&s);
}
END_TEST

/* fuzz_browse: stacked quantifiers (0x+++...) and nested bounds make
 * glibc's regcomp take time exponential in their number; the input the
 * fuzzer found ran for over a minute.  Refused before regcomp, at once. */
START_TEST(test_browse_search_complex)
{
	static const char *const refused[] = {
		"search /0x++++++++++++++++++++++++++++++++++bgof200\\f]0/",
		"search /((a{1,100}){1,100}){1,100}/",
		"search /((a|b){1,255}){1,255}/",
	};
	struct session s;

	session_open(&s, "rev6-tasks.ckpt");
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		ck_assert_int_eq(session_run(&s, refused[i]), -1);
		ck_assert_msg(strstr(s.err, ": too complex (") != NULL, "%s: %s", refused[i], s.err);
	}
	/* Ordinary regexes, brackets holding ( and {, still run. */
	ck_assert_int_eq(session_run(&s, "search /0x7fff5a3bf000 \\+0f[0-9a-f]0/"), 0);
	ck_assert_ptr_nonnull(strstr(s.out, "0x00007fff5a3bffe5  pid 1"));
	ck_assert_int_eq(session_run(&s, "search /[({]{1,8}x|[[:alpha:]]{2,50}q+/"), 0);
	ck_assert_int_eq(s.err_len, 0);
	session_close(&s);
}
END_TEST

/* An interrupt (Ctrl-C at a terminal) stops the command running and the
 * rest of its line. */
START_TEST(test_browse_interrupted)
{
	struct session s;

	session_open(&s, "rev6-tasks.ckpt");
	browse_interrupted = 1;
	ck_assert_int_eq(session_run(&s, "ls; ps"), 0);
	browse_interrupted = 0;
	ck_assert_int_eq(s.out_len, 0);
	ck_assert_int_eq(session_run(&s, "ls"), 0);
	ck_assert_ptr_nonnull(strstr(s.out, "TAIL"));
	session_close(&s);
}
END_TEST

/* Ctrl-C during `check` ends the pass without a verdict; a later check
 * runs whole. */
START_TEST(test_browse_check_interrupted)
{
	struct session s;

	session_open(&s, "rev6-ext.ckpt");
	s.b.out = open_memstream(&s.out, &s.out_len);
	s.b.err = open_memstream(&s.err, &s.err_len);
	ck_assert(s.b.out && s.b.err);
	browse_interrupted = 1;
	ck_assert_int_eq(browse_run_command(&s.b, "check"), 0);
	browse_interrupted = 0;
	fclose(s.b.out);
	fclose(s.b.err);
	ck_assert_msg(strstr(s.out, "check: stopped after 0 records: no verdict") != NULL, "%s", s.out);
	ck_assert_ptr_null(strstr(s.out, "go"));
	ck_assert_int_eq(session_run(&s, "check"), 0);
	ck_assert_msg(strncmp(s.out, "go: 0 errors", 12) == 0, "%s", s.out);
	session_close(&s);
}
END_TEST

Suite *browse_suite(void)
{
	Suite *s = suite_create("browse");
	TCase *tc = tcase_create("commands");

	tcase_add_test(tc, test_browse_line);
	tcase_add_test(tc, test_browse_command_table);
	tcase_add_test(tc, test_browse_search_backref);
	tcase_add_test(tc, test_browse_search_complex);
	tcase_add_test(tc, test_browse_interrupted);
	tcase_add_test(tc, test_browse_check_interrupted);
	suite_add_tcase(s, tc);
	return s;
}
