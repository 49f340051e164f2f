/* mkbench: writes large synthetic rev 6 images for the benchmarks in bench/.
 *
 *   mkbench pages N FILE     one task whose mm holds N dumped pages (4 KiB
 *                            each, in runs of 512), contents pseudo-random
 *   mkbench pages N FILE PCT the same image with PCT percent of its pages
 *                            changed (one byte each, spread evenly), for
 *                            ckptdiff
 *   mkbench records N FILE   one task followed by N small records (OBJREF
 *                            + USER_NS pairs), for records-per-second figures
 *   mkbench threads N FILE   one process of N threads sharing one mm: N PID
 *                            objects, a tree of N entries, per thread a TASK,
 *                            its comm and a TASK_OBJS (about 4N records), for
 *                            the cost of tasks in check, diff and the browser
 *   mkbench findings N FILE  the same, but every thread's TREE entry names
 *                            a parent its leader does not have (one
 *                            ckptcheck finding per thread) and its comm
 *                            differs (one ckptdiff item per thread against
 *                            the threads image), for streamed reports
 *
 * Both are whole images as ckpt writes them, that ckptcheck passes against
 * their kernel (tests/profiles/linux-2.6.37-ckpt-v23.json): the fixed
 * opening, a one-task tree, and EXT_DIGEST records.
 *
 * Built through the record tables like every other producer. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/writer.h"

static const struct ckpt_schema *schema;
static struct ckpt_writer w;

static void die(const char *what)
{
	fprintf(stderr, "mkbench: %s: %s\n", what, strerror(w.error ? w.error : errno));
	exit(1);
}

static void put_fields(const char *type, size_t len, const char *const *names, const uint64_t *values,
		       size_t n)
{
	struct ckpt_rbuf b;

	if (ckpt_rbuf_init(&b, schema, type, len) < 0)
		die(type);
	for (size_t i = 0; i < n; i++)
		if (ckpt_rbuf_set(&b, names[i], values[i]) < 0)
			die(names[i]);
	if (ckpt_writer_put(&w, &b) < 0)
		die("write");
	ckpt_rbuf_free(&b);
}

static void put_raw(uint32_t type, const void *p, size_t n)
{
	struct ckpt_rbuf b;

	if (ckpt_rbuf_init_raw(&b, schema, type, p, n) < 0 || ckpt_writer_put(&w, &b) < 0)
		die("write");
	ckpt_rbuf_free(&b);
}

/* The opening of the image, for the kernel of the rev 6 sample: PIDS and
 * TREE with n_tasks threads of one process (pid 1 leads them). */
static void header(uint64_t n_tasks, bool odd_threads)
{
	static const char *const names[] = { "magic", "arch_id", "major", "minor", "patch", "rev",
		"task_comm_len", "at_vector_size", "signal_nsig", "uts_sysname_len",
		"uts_nodename_len", "uts_release_len", "uts_version_len", "uts_machine_len",
		"uts_domainname_len", "rlimit_nlimits", "n_tty_buf_size", "tty_termios_nccs" };
	static const uint64_t values[] = { 0x00feed0cc0a2d200ULL, 2, 2, 6, 37, 6,
		16, 44, 64, 65, 65, 65, 65, 65, 65, 16, 4096, 19 };
	static const char *const anames[] = { "has_fxsr", "has_xsave", "xstate_size" };
	static const uint64_t avalues[] = { 1, 1, 832 };
	static const char *const pnames[] = { "nr_pids", "nr_vpids" };
	const uint64_t pvalues[] = { n_tasks, n_tasks };
	static const char *const onames[] = { "objtype", "objref" };
	static const char *const tnames[] = { "nr_tasks" };
	const uint64_t tvalues[] = { n_tasks };
	char uts[65] = "2.6.37-bench", lsm[11] = "";
	uint8_t *pids = calloc(n_tasks, 8), *tree = calloc(n_tasks, 24);

	if (!pids || !tree)
		die("malloc");

	put_fields("HEADER", 0, names, values, sizeof(values) / sizeof(values[0]));
	for (int i = 0; i < 3; i++)
		put_raw(4, uts, sizeof(uts));
	put_fields("HEADER_ARCH", 0, anames, avalues, 3);
	put_fields("CONTAINER", 0, NULL, NULL, 0);
	put_raw(4, lsm, sizeof(lsm));
	put_raw(7, NULL, 0);	/* LSM_INFO */
	for (uint64_t i = 0; i < n_tasks; i++)
		ckpt_le_store(pids + 8 * i + 4, 4, i + 1);	/* depth 0, pid i + 1 */
	put_fields("PIDS", 0, pnames, pvalues, 2);
	put_raw(4, pids, 8 * n_tasks);
	for (uint64_t i = 0; i < n_tasks; i++) {
		const uint64_t ovalues[] = { 1, i + 1 };	/* PID i + 1 */

		put_fields("OBJREF", 0, onames, ovalues, 2);
	}
	put_fields("TREE", 0, tnames, tvalues, 1);
	for (uint64_t i = 0; i < n_tasks; i++) {
		/* vpid, vppid (CKPT_PID_ROOT: as the leader's), vtgid, vpgid, vsid, depth */
		const int32_t row[6] = { (int32_t)(i + 1), i && odd_threads ? 0 : -4097, 1, 1, 1, 0 };

		for (int k = 0; k < 6; k++)
			ckpt_le_store(tree + 24 * i + 4 * k, 4, (uint32_t)row[k]);
	}
	put_raw(4, tree, 24 * n_tasks);
	free(pids);
	free(tree);
}

/* n threads sharing the mm behind objref mm_ref. */
static void threads(uint64_t n, uint64_t mm_ref, const char *comm_prefix)
{
	static const char *const onames[] = { "objtype", "objref" };
	const uint64_t ovalues[] = { CKPT_OBJ_MM, mm_ref };
	static const char *const mnames[] = { "map_count" };
	static const uint64_t mvalues[] = { 0 };
	static const char *const tnames[] = { "exit_signal" };
	static const char *const jnames[] = { "mm_objref" };
	const uint64_t jvalues[] = { mm_ref };
	char comm[16];

	put_fields("OBJREF", 0, onames, ovalues, 2);
	put_fields("MM", 0, mnames, mvalues, 1);
	put_raw(4, NULL, 0);	/* empty saved_auxv */
	for (uint64_t i = 0; i < n; i++) {
		const uint64_t tvalues[] = { i ? (uint64_t)-1 : 17 };

		put_fields("TASK", 0, tnames, tvalues, 1);
		memset(comm, 0, sizeof(comm));
		snprintf(comm, sizeof(comm), "%s-%" PRIu64, comm_prefix, i % 100000);
		put_raw(5, comm, sizeof(comm));
		put_fields("TASK_OBJS", 0, jnames, jvalues, 1);
	}
}

static void task(void)
{
	static const char *const names[] = { "exit_signal" };
	static const uint64_t values[] = { 17 };
	char comm[16] = "bench";

	put_fields("TASK", 0, names, values, 1);
	put_raw(5, comm, sizeof(comm));
}

static void tail(void)
{
	static const char *const names[] = { "magic" };
	static const uint64_t values[] = { 0x002d2a0cc0deef00ULL };

	put_fields("TAIL", 0, names, values, 1);
}

/* xorshift: cheap, deterministic page contents that do not compress away */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Whether page i is one of the pct percent that differ (a fixed, even
 * spread: the same pages whatever the image size). */
static bool changed_page(uint64_t i, unsigned pct)
{
	return ((i * 0x9e3779b97f4a7c15ULL) >> 32) % 100 < pct;
}

static void pages(uint64_t n, unsigned pct)
{
	const uint64_t run = 512;
	const uint64_t base = 0x7f0000000000ULL;
	static const char *const vnames[] = { "vma_type", "vm_start", "vm_end", "vm_flags" };
	uint64_t vvalues[] = { 2, base, base + 2 * n * 4096, 0x100073 };
	static const char *const mnames[] = { "map_count" };
	static const uint64_t mvalues[] = { 1 };
	uint8_t *buf = malloc(run * (8 + 4096));

	if (!buf)
		die("malloc");
	put_fields("MM", 0, mnames, mvalues, 1);
	put_raw(4, NULL, 0);	/* empty saved_auxv */
	put_fields("VMA", 0, vnames, vvalues, 4);
	for (uint64_t done = 0; done < n; done += run) {
		uint64_t k = n - done < run ? n - done : run;
		static const char *const pnames[] = { "nr_pages" };
		uint64_t pvalues[] = { k };

		/* runs separated by a one-page hole */
		for (uint64_t i = 0; i < k; i++)
			ckpt_le_store(buf + 8 * i, 8, base + 4096 * (2 * done + i));
		for (uint64_t i = 0; i < k * 4096 / 8; i++)
			ckpt_le_store(buf + 8 * k + 8 * i, 8, next_random());
		for (uint64_t i = 0; pct && i < k; i++)
			if (changed_page(done + i, pct))
				buf[8 * k + 4096 * i + (done + i) % 4096] ^= 0x5a;
		put_fields("PGARR", 0, pnames, pvalues, 1);
		put_raw(4, buf, k * (8 + 4096));
	}
	put_fields("PGARR", 0, NULL, NULL, 0);
	free(buf);
}

/* A chain of user namespaces, each created by the one before, so that
 * every object but the last is referenced. */
static void records(uint64_t n)
{
	static const char *const onames[] = { "objtype", "objref" };
	static const char *const unames[] = { "creator_ref" };

	for (uint64_t i = 0; i < n / 2; i++) {
		uint64_t ov[] = { 13, i + 2 }, uv[] = { i ? i + 1 : 0 };

		put_fields("OBJREF", 0, onames, ov, 2);
		put_fields("USER_NS", 0, unames, uv, 1);
	}
}

int main(int argc, char **argv)
{
	char *end;
	uint64_t n;
	FILE *f;

	unsigned pct = 0;

	if (argc == 5 && strcmp(argv[1], "pages") == 0)
		pct = (unsigned)strtoul(argv[4], NULL, 10);
	if ((argc != 4 && !(argc == 5 && pct <= 100)) ||
	    (strcmp(argv[1], "pages") && strcmp(argv[1], "records") && strcmp(argv[1], "threads") &&
	     strcmp(argv[1], "findings"))) {
		fprintf(stderr, "Usage: mkbench pages N FILE [PCT] | mkbench records N FILE | "
			"mkbench threads|findings N FILE\n");
		return 2;
	}
	n = strtoull(argv[2], &end, 0);
	if (*end || !(f = fopen(argv[3], "wb"))) {
		fprintf(stderr, "mkbench: bad count or cannot create %s\n", argv[3]);
		return 2;
	}
	schema = ckpt_schema_by_id("linux-cr-rev6");
	ckpt_writer_init(&w, f, schema);
	if (ckpt_writer_digests(&w) < 0)
		die("digests");
	if (strcmp(argv[1], "threads") == 0 || strcmp(argv[1], "findings") == 0) {
		if (n < 1 || n > INT32_MAX - 1) {
			fprintf(stderr, "mkbench: threads: 1 to %d\n", INT32_MAX - 1);
			return 2;
		}
		header(n, strcmp(argv[1], "findings") == 0);
		threads(n, n + 1, strcmp(argv[1], "findings") == 0 ? "odd" : "bench");
	} else {
		header(1, false);
		task();
		if (strcmp(argv[1], "pages") == 0)
			pages(n, pct);
		else
			records(n);
	}
	tail();
	ckpt_writer_release(&w);
	if (fclose(f) != 0 || w.error)
		die("close");
	return 0;
}
