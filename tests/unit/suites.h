#ifndef CKPT_TEST_SUITES_H
#define CKPT_TEST_SUITES_H

#include <check.h>

Suite *tables_suite(void);
Suite *reader_suite(void);
Suite *views_suite(void);
Suite *check_suite(void);
Suite *model_suite(void);
Suite *ext_suite(void);
Suite *diff_suite(void);
Suite *browse_suite(void);
Suite *proc_parse_suite(void);
Suite *remote_suite(void);
Suite *resume_stub_suite(void);
Suite *json_records_suite(void);
Suite *rseq_suite(void);

/* The sample directory (CKPT_SAMPLES) and a whole sample read into memory. */
const char *samples_dir(void);
unsigned char *read_sample(const char *name, size_t *len);

#endif
