/* The rseq abort decision (src/core/collect/rseq.c) on descriptor bytes
 * recorded from a live workload (tests/workloads/rseqcs: a 2-byte section
 * at 0x55bb8763a1cc, its abort handler at 0x55bb8763a1d6). */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "collect/rseq.h"
#include "suites.h"

#define SIG		0x53053053u
#define TASK_SIZE	((1ULL << 47) - 4096u)

/* struct rseq_cs as the workload laid it out in its memory. */
static const uint8_t recorded[CKPT_RSEQ_CS_LEN] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* version 0, flags 0 */
	0xcc, 0xa1, 0x63, 0x87, 0xbb, 0x55, 0x00, 0x00,	/* start_ip */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* post_commit_offset */
	0xd6, 0xa1, 0x63, 0x87, 0xbb, 0x55, 0x00, 0x00,	/* abort_ip */
};

START_TEST(test_parse)
{
	struct ckpt_rseq_cs cs;

	ckpt_rseq_cs_parse(recorded, &cs);
	ck_assert_uint_eq(cs.version, 0);
	ck_assert_uint_eq(cs.start_ip, 0x55bb8763a1ccULL);
	ck_assert_uint_eq(cs.post_commit_offset, 2);
	ck_assert_uint_eq(cs.abort_ip, 0x55bb8763a1d6ULL);
}
END_TEST

START_TEST(test_inside_aborts)
{
	struct ckpt_rseq_cs cs;

	ckpt_rseq_cs_parse(recorded, &cs);
	ck_assert_int_eq(ckpt_rseq_decide(0x55bb8763a1ccULL, &cs, SIG, SIG, TASK_SIZE), CKPT_RSEQ_ABORT);
	ck_assert_int_eq(ckpt_rseq_decide(0x55bb8763a1cdULL, &cs, SIG, SIG, TASK_SIZE), CKPT_RSEQ_ABORT);
}
END_TEST

START_TEST(test_outside_stays)
{
	struct ckpt_rseq_cs cs;

	ckpt_rseq_cs_parse(recorded, &cs);
	/* The post-commit ip is outside: the section has committed. */
	ck_assert_int_eq(ckpt_rseq_decide(0x55bb8763a1ceULL, &cs, SIG, SIG, TASK_SIZE), CKPT_RSEQ_OUTSIDE);
	ck_assert_int_eq(ckpt_rseq_decide(0x55bb8763a1cbULL, &cs, SIG, SIG, TASK_SIZE), CKPT_RSEQ_OUTSIDE);
	ck_assert_int_eq(ckpt_rseq_decide(0x55bb8763a1d6ULL, &cs, SIG, SIG, TASK_SIZE), CKPT_RSEQ_OUTSIDE);
	ck_assert_int_eq(ckpt_rseq_decide(0, &cs, SIG, SIG, TASK_SIZE), CKPT_RSEQ_OUTSIDE);
}
END_TEST

START_TEST(test_invalid)
{
	struct ckpt_rseq_cs cs, bad;

	ckpt_rseq_cs_parse(recorded, &cs);
	/* A wrong signature before abort_ip: the kernel kills the task. */
	ck_assert_int_eq(ckpt_rseq_decide(0x55bb8763a1ccULL, &cs, SIG, 0x0f0b0f0bu, TASK_SIZE), CKPT_RSEQ_INVALID);
	bad = cs;
	bad.version = 1;
	ck_assert_int_eq(ckpt_rseq_decide(0x55bb8763a1ccULL, &bad, SIG, SIG, TASK_SIZE), CKPT_RSEQ_INVALID);
	bad = cs;
	bad.abort_ip = cs.start_ip + 1;	/* inside the section */
	ck_assert_int_eq(ckpt_rseq_decide(0x55bb8763a1ccULL, &bad, SIG, SIG, TASK_SIZE), CKPT_RSEQ_INVALID);
	bad = cs;
	bad.post_commit_offset = UINT64_MAX;	/* wraps */
	ck_assert_int_eq(ckpt_rseq_decide(0x55bb8763a1ccULL, &bad, SIG, SIG, TASK_SIZE), CKPT_RSEQ_INVALID);
	bad = cs;
	bad.start_ip = TASK_SIZE;
	ck_assert_int_eq(ckpt_rseq_decide(0x55bb8763a1ccULL, &bad, SIG, SIG, TASK_SIZE), CKPT_RSEQ_INVALID);
	bad = cs;
	bad.abort_ip = 2;
	bad.start_ip = 8;
	ck_assert_int_eq(ckpt_rseq_decide(8, &bad, SIG, SIG, TASK_SIZE), CKPT_RSEQ_INVALID);
}
END_TEST

Suite *rseq_suite(void)
{
	Suite *s = suite_create("rseq");
	TCase *tc = tcase_create("decide");

	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_inside_aborts);
	tcase_add_test(tc, test_outside_stays);
	tcase_add_test(tc, test_invalid);
	suite_add_tcase(s, tc);
	return s;
}
