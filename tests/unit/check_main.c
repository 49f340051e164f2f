/* Runs the libckpt unit suites, reporting in TAP for the test driver. */
#include <stdio.h>
#include <stdlib.h>

#include "suites.h"

const char *samples_dir(void)
{
	const char *d = getenv("CKPT_SAMPLES");

	return d ? d : "samples";
}

unsigned char *read_sample(const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	unsigned char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", samples_dir(), name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert(buf != NULL);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

int main(void)
{
	SRunner *sr = srunner_create(tables_suite());
	int failed;

	srunner_add_suite(sr, reader_suite());
	srunner_add_suite(sr, views_suite());
	srunner_add_suite(sr, check_suite());
	srunner_add_suite(sr, model_suite());
	srunner_add_suite(sr, ext_suite());
	srunner_add_suite(sr, diff_suite());
	srunner_add_suite(sr, browse_suite());
	srunner_add_suite(sr, proc_parse_suite());
	srunner_add_suite(sr, remote_suite());
	srunner_add_suite(sr, resume_stub_suite());
	srunner_add_suite(sr, json_records_suite());
	srunner_add_suite(sr, rseq_suite());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
