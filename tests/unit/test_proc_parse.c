/* The /proc parsers (src/core/collect/proc_parse.c) on files recorded from
 * a live task (tests/data/proc/): no ptrace, no live process. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "collect/proc.h"
#include "suites.h"

/* CKPT_PROC_DATA names tests/data/proc; the default fits a run from the
 * top of the source tree. */
static char *read_proc_file(const char *name)
{
	const char *dir = getenv("CKPT_PROC_DATA");
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/data/proc", name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert(buf != NULL);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

START_TEST(stat_comm_with_parentheses_and_spaces)
{
	char *text = read_proc_file("stat");
	struct ckpt_proc_stat st;

	ck_assert_int_eq(ckpt_proc_parse_stat(text, &st), 0);
	ck_assert_str_eq(st.comm, "my (odd) na)me");
	ck_assert_int_eq(st.f[1], 22524);
	ck_assert_int_eq(st.state, 'R');
	/* The fields after the comm keep their proc(5) numbers. */
	ck_assert_int_eq(st.f[4], 22047);	/* ppid */
	ck_assert_int_eq(st.f[5], 22047);	/* pgrp */
	ck_assert_int_eq(st.f[6], 19820);	/* session */
	ck_assert_int_eq(st.f[18], 20);		/* priority */
	ck_assert_int_eq(st.f[20], 1);		/* num_threads */
	ck_assert_int_eq(st.f[22], 50190);	/* starttime */
	ck_assert_int_eq(st.f[38], 17);		/* exit_signal */
	ck_assert_int_eq(st.f[52], 0);		/* exit_code */
	free(text);
}
END_TEST

START_TEST(stat_rejects_text_without_comm)
{
	struct ckpt_proc_stat st;

	errno = 0;
	ck_assert_int_eq(ckpt_proc_parse_stat("1 bash R 0", &st), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(ckpt_proc_parse_stat("1 (bash)R 0", &st), -1);
	ck_assert_int_eq(ckpt_proc_parse_stat("", &st), -1);
}
END_TEST

START_TEST(stat_long_comm_is_cut_to_the_buffer)
{
	struct ckpt_proc_stat st;

	ck_assert_int_eq(ckpt_proc_parse_stat("7 (abcdefghijklmnopqrstuvwxyz) S 1 7", &st), 0);
	ck_assert_int_eq(strlen(st.comm), sizeof(st.comm) - 1);
	ck_assert_int_eq(st.state, 'S');
	ck_assert_int_eq(st.f[4], 1);
	ck_assert_int_eq(st.f[5], 7);
}
END_TEST

START_TEST(status_credentials)
{
	char *text = read_proc_file("status");
	struct ckpt_proc_creds c;

	ck_assert_int_eq(ckpt_proc_parse_creds(text, &c), 0);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(c.uid[i], 0);
	ck_assert_uint_eq(c.gid[0], 100);
	ck_assert_uint_eq(c.gid[1], 1001);
	ck_assert_uint_eq(c.gid[2], 1002);
	ck_assert_uint_eq(c.gid[3], 1001);
	ck_assert_uint_eq(c.n_groups, 3);
	ck_assert_uint_eq(c.groups[0], 4);
	ck_assert_uint_eq(c.groups[1], 24);
	ck_assert_uint_eq(c.groups[2], 100);
	ck_assert_uint_eq(c.cap_inh, 0);
	ck_assert_uint_eq(c.cap_prm, 0x1fffeffffffULL);
	ck_assert_uint_eq(c.cap_eff, 0x1fffeffffffULL);
	ck_assert_uint_eq(c.cap_bnd, 0x1fffeffffffULL);
	ck_assert_int_eq(c.tracer, 0);
	ck_assert_int_eq(c.nspid_depth, 0);
	ck_assert_int_eq(c.nspid[0], 22524);
	ckpt_proc_creds_free(&c);
	ck_assert_ptr_null(c.groups);
	free(text);
}
END_TEST

START_TEST(status_credentials_need_uid_gid_caps)
{
	char text[] = "Name:\tx\nUid:\t1\t2\t3\t4\nCapPrm:\t0\n";
	char nested[] = "Uid:\t5 5 5 5\nGid:\t6 6 6 6\nCapInh:\t1f\nNSpid:\t900\t12\t1\n"
			"TracerPid:\t77\nGroups:\n";
	struct ckpt_proc_creds c;

	errno = 0;
	ck_assert_int_eq(ckpt_proc_parse_creds(text, &c), -1);	/* no Gid, no CapInh */
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(ckpt_proc_parse_creds(nested, &c), 0);
	ck_assert_uint_eq(c.cap_inh, 0x1f);
	ck_assert_int_eq(c.nspid_depth, 2);
	ck_assert_int_eq(c.nspid[2], 1);
	ck_assert_int_eq(c.tracer, 77);
	ck_assert_uint_eq(c.n_groups, 0);
	ckpt_proc_creds_free(&c);
}
END_TEST

START_TEST(status_tracer)
{
	char *text = read_proc_file("status");

	ck_assert_int_eq(ckpt_proc_parse_tracer(text), 0);
	ck_assert_int_eq(ckpt_proc_parse_tracer("Name:\tx\nTracerPid:\t4242\n"), 4242);
	ck_assert_int_eq(ckpt_proc_parse_tracer("Name:\tx\n"), -1);
	free(text);
}
END_TEST

START_TEST(status_values_in_their_bases)
{
	char *text = read_proc_file("status");
	const char *const keys[] = { "SigBlk", "Umask", "Threads", "CapAmb" };
	const int bases[] = { 16, 8, 10, 16 };
	uint64_t v[4] = { 0 };
	const char *const missing[] = { "Umask", "NoSuchKey" };

	ck_assert_int_eq(ckpt_proc_parse_status_values(text, keys, bases, v, 4), 0);
	ck_assert_uint_eq(v[0], 0x10000);	/* SIGCHLD, blocked by system(3) */
	ck_assert_uint_eq(v[1], 022);
	ck_assert_uint_eq(v[2], 1);
	ck_assert_uint_eq(v[3], 0);
	errno = 0;
	ck_assert_int_eq(ckpt_proc_parse_status_values(text, missing, bases, v, 2), -1);
	ck_assert_int_eq(errno, ENOTSUP);
	free(text);
}
END_TEST

static const struct ckpt_proc_vma *vma_named(const struct ckpt_proc_vma *v, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].path, path) == 0)
			return &v[i];
	return NULL;
}

START_TEST(smaps_mappings)
{
	char *text = read_proc_file("smaps");
	struct ckpt_proc_vma *v;
	const struct ckpt_proc_vma *m;
	size_t n;

	ck_assert_int_eq(ckpt_proc_parse_smaps(text, &v, &n), 0);
	/* 26 mappings in the file; [vsyscall] is not the mm's. */
	ck_assert_uint_eq(n, 25);
	ck_assert_ptr_null(vma_named(v, n, "[vsyscall]"));

	ck_assert_uint_eq(v[0].start, 0x557a85b3a000ULL);
	ck_assert_uint_eq(v[0].end, 0x557a85b3b000ULL);
	ck_assert_str_eq(v[0].path, "/tmp/docswork/weird");
	ck_assert_uint_eq(v[0].dev_major, 0xfe);
	ck_assert_uint_eq(v[0].dev_minor, 0);
	ck_assert_uint_eq(v[0].inode, 10953143);
	ck_assert_uint_eq(v[0].prot, PROT_READ);
	ck_assert_uint_eq(v[1].prot, PROT_READ | PROT_EXEC);
	ck_assert_uint_eq(v[1].offset, 0x1000);

	m = vma_named(v, n, "[heap]");
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->start, 0x557a97302000ULL);
	ck_assert_uint_eq(m->prot, PROT_READ | PROT_WRITE);
	ck_assert(!m->shared);
	ck_assert_uint_eq(m->inode, 0);
	ck_assert_uint_eq(m->rss_kb, 4);
	ck_assert_str_eq(m->vmflags, " rd wr mr mw me ac ");

	m = vma_named(v, n, "[vdso]");
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->prot, PROT_READ | PROT_EXEC);
	ck_assert_ptr_nonnull(vma_named(v, n, "[vvar]"));
	ck_assert_ptr_nonnull(vma_named(v, n, "[vvar_vclock]"));
	ck_assert_ptr_nonnull(vma_named(v, n, "[stack]"));

	/* A deleted file keeps the kernel's suffix: the collector decides
	 * what it means. */
	m = vma_named(v, n, "/tmp/docswork/gone.dat (deleted)");
	ck_assert_ptr_nonnull(m);
	ck_assert(m->shared);
	ck_assert_uint_eq(m->prot, PROT_READ | PROT_WRITE);
	ck_assert_uint_eq(m->inode, 10953133);
	ck_assert_str_eq(m->vmflags, " rd wr sh mr mw me ms ");

	/* An anonymous mapping has no path; its resident size is its own. */
	m = &v[6];
	ck_assert_uint_eq(m->start, 0x7f0d1f04e000ULL);
	ck_assert_str_eq(m->path, "");
	ck_assert_uint_eq(m->rss_kb, 1036);
	ck_assert_uint_eq(m->swap_kb, 0);
	ck_assert_uint_eq(m->anon_kb, 1036);
	/* A file mapping's private copies: none in the executable's first. */
	ck_assert_uint_eq(v[0].anon_kb, 0);
	free(v);
	free(text);
}
END_TEST

START_TEST(smaps_rejects_a_bad_mapping_line)
{
	char text[] = "00400000-00401000 r-xp 00000000 08:01 42 /bin/x\nRss: 4 kB\n"
		      "deadbeef garbage\n";
	char empty[] = "";
	struct ckpt_proc_vma *v = (void *)1;
	size_t n = 99;

	errno = 0;
	ck_assert_int_eq(ckpt_proc_parse_smaps(text, &v, &n), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(ckpt_proc_parse_smaps(empty, &v, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(v);
}
END_TEST

START_TEST(limits_in_rlimit_order)
{
	char *text = read_proc_file("limits");
	uint64_t lim[16][2];

	ck_assert_int_eq(ckpt_proc_parse_limits(text, lim, 16), 0);
	ck_assert_uint_eq(lim[0][0], UINT64_MAX);	/* RLIMIT_CPU */
	ck_assert_uint_eq(lim[3][0], 8388608);		/* RLIMIT_STACK soft */
	ck_assert_uint_eq(lim[3][1], UINT64_MAX);
	ck_assert_uint_eq(lim[4][0], 0);		/* RLIMIT_CORE */
	ck_assert_uint_eq(lim[6][0], 96369);		/* RLIMIT_NPROC */
	ck_assert_uint_eq(lim[7][0], 20000);		/* RLIMIT_NOFILE */
	ck_assert_uint_eq(lim[7][1], 20000);
	ck_assert_uint_eq(lim[13][0], 0);		/* RLIMIT_NICE: no unit column */
	ck_assert_uint_eq(lim[15][1], UINT64_MAX);	/* RLIMIT_RTTIME */
	free(text);
}
END_TEST

START_TEST(limits_short_file_fails)
{
	char *text = read_proc_file("limits");
	char heading_only[] = "Limit                     Soft Limit           Hard Limit           Units\n";
	uint64_t lim[17][2];

	errno = 0;
	ck_assert_int_eq(ckpt_proc_parse_limits(text, lim, 17), -1);	/* 16 in the file */
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(ckpt_proc_parse_limits(heading_only, lim, 1), -1);
	free(text);
}
END_TEST

Suite *proc_parse_suite(void)
{
	Suite *s = suite_create("proc_parse");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, stat_comm_with_parentheses_and_spaces);
	tcase_add_test(tc, stat_rejects_text_without_comm);
	tcase_add_test(tc, stat_long_comm_is_cut_to_the_buffer);
	tcase_add_test(tc, status_credentials);
	tcase_add_test(tc, status_credentials_need_uid_gid_caps);
	tcase_add_test(tc, status_tracer);
	tcase_add_test(tc, status_values_in_their_bases);
	tcase_add_test(tc, smaps_mappings);
	tcase_add_test(tc, smaps_rejects_a_bad_mapping_line);
	tcase_add_test(tc, limits_in_rlimit_order);
	tcase_add_test(tc, limits_short_file_fails);
	suite_add_tcase(s, tc);
	return s;
}
