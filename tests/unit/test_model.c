/* The image model: tasks, objects, VMAs and page runs of the samples, pages
 * read back through their recorded offsets, and truncated images. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suites.h"
#include "browse.h"
#include "ckpt/decode.h"
#include "ckpt/image.h"
#include "ckpt/model.h"

static struct ckpt_model *model_of(const void *buf, size_t len, struct ckpt_image **imgp)
{
	struct ckpt_error err;
	struct ckpt_image *img = ckpt_image_open_mem(buf, len, &err);
	struct ckpt_model *m;

	ck_assert_msg(img != NULL, "%s", err.reason);
	m = ckpt_model_build(img);
	ck_assert(m != NULL);
	if (imgp)
		*imgp = img;
	else
		ckpt_image_close(img);
	return m;
}

START_TEST(test_model_tasks)
{
	size_t len;
	unsigned char *buf = read_sample("rev6-tasks.ckpt", &len);
	struct ckpt_model *m = model_of(buf, len, NULL);

	ck_assert(!m->failed);
	ck_assert_int_eq(m->end, CKPT_END_TAIL);
	ck_assert_uint_eq(m->n_records, 71);
	ck_assert_uint_eq(m->n_tasks, 2);
	ck_assert_str_eq(m->tasks[0].comm, "init");
	ck_assert_str_eq(m->tasks[1].comm, "init-worker");
	ck_assert(m->tasks[0].has_tree);
	ck_assert_int_eq(m->tasks[0].pid, 1);
	ck_assert_int_eq(m->tasks[1].pid, 2);
	ck_assert_int_eq(m->tasks[1].tgid, 1);
	ck_assert_int_eq(m->tasks[0].ppid, 0);	/* CKPT_PID_ROOT: no parent in the image */
	ck_assert_int_eq(m->tasks[0].vppid, -4097);
	ck_assert_ptr_eq(ckpt_model_task_by_pid(m, 2), &m->tasks[1]);
	ck_assert_ptr_null(ckpt_model_task_by_pid(m, 3));

	/* Objrefs from TASK_CREDS, TASK_NS, TASK_OBJS. */
	const struct ckpt_model_task *t = &m->tasks[0];

	ck_assert_int_gt(t->cred_ref, 0);
	ck_assert_int_eq(t->cred_ref, t->ecred_ref);
	ck_assert_int_gt(t->ns_ref, 0);
	ck_assert_int_gt(t->mm_ref, 0);
	ck_assert_int_eq(t->mm_ref, m->tasks[1].mm_ref);
	ck_assert_str_eq(m->records[t->creds_record].rt->name, "TASK_CREDS");
	ck_assert_str_eq(m->records[t->objs_record].rt->name, "TASK_OBJS");
	ck_assert_str_eq(m->records[t->record].rt->name, "TASK");
	ck_assert_str_eq(m->records[t->record + 1].role, "comm");
	ck_assert_uint_eq(m->records[t->record + 1].parent, t->record);

	/* Objects: the CRED is defined by an OBJREF and starts with a CRED. */
	const struct ckpt_model_object *o = ckpt_model_object(m, t->cred_ref);

	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(o->objtype, CKPT_OBJ_CRED);
	ck_assert_str_eq(m->records[o->objref_record].rt->name, "OBJREF");
	ck_assert_uint_eq(ckpt_model_object_first(o), o->objref_record + 1);
	ck_assert_str_eq(m->records[ckpt_model_object_first(o)].rt->name, "CRED");
	/* A PID object has no records of its own. */
	o = ckpt_model_object(m, 1);
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(o->objtype, CKPT_OBJ_PID);
	ck_assert_uint_eq(ckpt_model_object_first(o), CKPT_MODEL_NONE);

	/* Both tasks' TASK_CREDS refer to the cred: references are found. */
	size_t cred_refs = 0;

	for (size_t i = 0; i < m->n_refs; i++)
		if (m->refs[i].objref == t->cred_ref && strcmp(m->refs[i].field->name, "cred_ref") == 0)
			cred_refs++;
	ck_assert_uint_eq(cred_refs, 2);

	ck_assert_uint_eq(ckpt_model_record_at(m, 0), 0);
	ck_assert_uint_eq(ckpt_model_record_at(m, 80), 1);
	ck_assert_uint_eq(ckpt_model_record_at(m, len), CKPT_MODEL_NONE);
	ckpt_model_free(m);
	free(buf);
}
END_TEST

/* The look-ups the programs used to derive by hand: pids, thread counts,
 * file tables and their descriptors, fields by name. */
START_TEST(test_model_api)
{
	size_t len;
	unsigned char *buf = read_sample("rev6-tasks.ckpt", &len);
	struct ckpt_image *img;
	struct ckpt_model *m = model_of(buf, len, &img);
	struct ckpt_error err;
	uint64_t u;
	int64_t v;
	char text[128];

	ck_assert_int_eq(ckpt_model_task_pid(m, &m->tasks[0]), 1);
	ck_assert_int_eq(ckpt_model_task_pid(m, &m->tasks[1]), 2);
	ck_assert_ptr_eq(ckpt_model_task_by_pid(m, 1), &m->tasks[0]);
	ck_assert_ptr_null(ckpt_model_task_by_pid(m, 0));
	ck_assert_ptr_null(ckpt_model_task_by_pid(m, -4097));
	ck_assert_uint_eq(ckpt_model_thread_count(m, &m->tasks[0]), 2);
	ck_assert_uint_eq(ckpt_model_thread_count(m, &m->tasks[1]), 2);
	/* pid order: the index is sorted */
	for (size_t i = 1; i < m->n_tasks; i++)
		ck_assert_int_le(m->by_pid[i - 1].pid, m->by_pid[i].pid);

	/* The file table both tasks share and its one descriptor. */
	const struct ckpt_model_file_table *ft = ckpt_model_file_table(m, m->tasks[0].files_ref);

	ck_assert_ptr_nonnull(ft);
	ck_assert_uint_eq(m->n_file_tables, 1);
	ck_assert_str_eq(m->records[ft->record].rt->name, "FILE_TABLE");
	ck_assert_uint_eq(ft->n_fds, 1);
	ck_assert_int_eq(m->fds[ft->first_fd].fd, 0);
	ck_assert_str_eq(m->records[m->fds[ft->first_fd].record].rt->name, "FILE_DESC");
	ck_assert_str_eq(ckpt_model_object_path(m, ckpt_model_object(m, m->fds[ft->first_fd].file_ref)),
			 "/dev/console");
	ck_assert_ptr_null(ckpt_model_file_table(m, m->tasks[0].mm_ref));
	ck_assert_ptr_eq(ckpt_model_mm(m, m->tasks[0].mm_ref), &m->mms[0]);
	ck_assert_ptr_null(ckpt_model_mm(m, m->tasks[0].files_ref));

	/* Fields by name. */
	ck_assert_int_eq(ckpt_model_field_s64(img, m, ft->record, "fdt_nfds", &v, &err), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(ckpt_model_field_u64(img, m, m->tasks[0].record, "exit_signal", &u, &err), 0);
	ck_assert_uint_eq(u, 17);
	ck_assert_int_eq(ckpt_model_field_u64(img, m, m->tasks[0].record, "no_such_field", &u, &err), 1);
	ck_assert_uint_eq(u, 0);
	uint64_t fr = ckpt_model_object_first(ckpt_model_object(m, m->fds[ft->first_fd].file_ref));

	ck_assert_int_eq(ckpt_model_field_text(img, m, fr, "f_pos", text, sizeof(text), &err), 0);
	ck_assert_str_eq(text, "42");
	ck_assert_int_eq(ckpt_model_field_u64(img, m, m->n_records + 5, "x", &u, &err), -1);
	ckpt_model_free(m);
	ckpt_image_close(img);
	free(buf);
}
END_TEST

START_TEST(test_model_memory)
{
	size_t len;
	unsigned char *buf = read_sample("rev6-tasks.ckpt", &len);
	struct ckpt_image *img;
	struct ckpt_model *m = model_of(buf, len, &img);
	const struct ckpt_model_mm *mm = ckpt_model_mm(m, m->tasks[0].mm_ref);

	ck_assert_ptr_nonnull(mm);
	ck_assert_uint_eq(mm->n_vmas, 2);
	ck_assert_uint_eq(mm->vmas[0].start, 0x400000);
	ck_assert_uint_eq(mm->vmas[0].end, 0x401000);
	ck_assert_uint_eq(mm->vmas[0].type, 3);
	ck_assert_ptr_nonnull(mm->vmas[0].path);
	ck_assert_str_eq(mm->vmas[0].path, "/sbin/init");
	ck_assert_uint_eq(mm->vmas[0].pages, 1);
	ck_assert_uint_eq(mm->vmas[1].start, 0x7fff5a3a0000);
	ck_assert_ptr_null(mm->vmas[1].path);
	ck_assert_uint_eq(mm->vmas[1].pages, 3);
	ck_assert_uint_eq(mm->vmas[1].n_runs, 2);
	ck_assert_uint_eq(mm->n_runs, 3);
	ck_assert_uint_eq(mm->runs[2].start, 0x7fff5a3bf000);
	ck_assert_uint_eq(mm->runs[2].pages, 2);
	ck_assert_ptr_eq(ckpt_model_vma_at(mm, 0x7fff5a3bf123), &mm->vmas[1]);

	/* Each page read through its offset holds what mksamples wrote. */
	static const uint64_t addrs[] = { 0x400000, 0x7fff5a3bd000, 0x7fff5a3bf000, 0x7fff5a3c0000 };

	for (size_t i = 0; i < CKPT_ARRAY_LEN(addrs); i++) {
		uint64_t off, contiguous;
		char page[32], want[32];

		ck_assert(ckpt_model_page_at(mm, addrs[i], &off, &contiguous));
		ck_assert_uint_ge(contiguous, CKPT_PAGE_SIZE);
		ck_assert_int_eq(ckpt_image_read_at(img, off, page, sizeof(page)), (ssize_t)sizeof(page));
		snprintf(want, sizeof(want), "page %#llx +0000", (unsigned long long)addrs[i]);
		ck_assert_msg(memcmp(page, want, strlen(want)) == 0, "page at %#llx", (unsigned long long)addrs[i]);
	}
	uint64_t off, contiguous;

	ck_assert(!ckpt_model_page_at(mm, 0x7fff5a3be000, &off, &contiguous));	/* not dumped */
	ck_assert(!ckpt_model_page_at(mm, 0x401000, &off, &contiguous));

	/* read_at stops at the image end. */
	char tail[64];

	ck_assert_int_eq(ckpt_image_read_at(img, len - 10, tail, sizeof(tail)), 10);
	ck_assert_int_eq(ckpt_image_read_at(img, len, tail, sizeof(tail)), 0);

	/* A record can be made current again by its offset. */
	struct ckpt_record rec;
	struct ckpt_error err;

	ck_assert_int_eq(ckpt_image_record_at(img, m->records[32].offset, 32, &rec, &err), 1);
	ck_assert_str_eq(rec.rt->name, "MM");
	ck_assert_int_eq(ckpt_image_record_at(img, 3, 1, &rec, &err), -1);
	ckpt_model_free(m);
	ckpt_image_close(img);
	free(buf);
}
END_TEST

/* A regular file goes through the mmap window: random reads by offset,
 * backwards too, and never past the end of the file. */
START_TEST(test_model_file)
{
	size_t len;
	unsigned char *buf = read_sample("rev6-tasks.ckpt", &len);
	char path[] = "/tmp/ckpt-model-XXXXXX";
	int fd = mkstemp(path);
	struct ckpt_error err;
	struct ckpt_image *img;
	struct ckpt_model *m;
	char page[32];
	uint64_t off, contiguous;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
	img = ckpt_image_open(path, &err);
	unlink(path);
	ck_assert_ptr_nonnull(img);
	m = ckpt_model_build(img);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(ckpt_model_task_mm(m, &m->tasks[1]));
	ck_assert(ckpt_model_page_at(&m->mms[0], 0x7fff5a3c0000, &off, &contiguous));
	ck_assert_int_eq(ckpt_image_read_at(img, off, page, sizeof(page)), (ssize_t)sizeof(page));
	ck_assert(memcmp(page, "page 0x7fff5a3c0000 +0000", 25) == 0);
	ck_assert(ckpt_model_page_at(&m->mms[0], 0x400020, &off, &contiguous));
	ck_assert_uint_eq(contiguous, CKPT_PAGE_SIZE - 0x20);
	ck_assert_int_eq(ckpt_image_read_at(img, off, page, sizeof(page)), (ssize_t)sizeof(page));
	ck_assert(memcmp(page, "page 0x400000 +0020", 19) == 0);
	ck_assert_int_eq(ckpt_image_read_at(img, len - 3, page, sizeof(page)), 3);
	ck_assert_int_eq(ckpt_image_read_at(img, len + 100, page, sizeof(page)), 0);
	ckpt_model_free(m);
	ckpt_image_close(img);
	free(buf);
}
END_TEST

/* A pipe: the model is built, random access is refused with ESPIPE. */
START_TEST(test_model_stream)
{
	size_t len;
	unsigned char *buf = read_sample("rev6-tasks.ckpt", &len);
	int fds[2];
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		ssize_t w = write(fds[1], buf, len);
		_exit(w == (ssize_t)len ? 0 : 1);
	}
	close(fds[1]);

	struct ckpt_error err;
	struct ckpt_image *img = ckpt_image_open_fd(fds[0], &err);
	struct ckpt_model *m;
	char b[8];

	ck_assert_ptr_nonnull(img);
	m = ckpt_model_build(img);
	ck_assert_ptr_nonnull(m);
	ck_assert(!m->failed);
	ck_assert_uint_eq(m->n_tasks, 2);
	ck_assert_uint_eq(m->mms[0].n_runs, 3);
	errno = 0;
	ck_assert_int_eq(ckpt_image_read_at(img, 0, b, sizeof(b)), -1);
	ck_assert_int_eq(errno, ESPIPE);
	ckpt_model_free(m);
	ckpt_image_close(img);
	free(buf);
}
END_TEST

START_TEST(test_model_truncated)
{
	size_t len;
	unsigned char *buf = read_sample("rev6-tasks.ckpt", &len);

	/* Every cut: no crash, what was readable is kept, the error is set. */
	for (size_t cut = 0; cut < len; cut += (cut < 1000 ? 1 : 97)) {
		unsigned char *part = malloc(cut ? cut : 1);
		struct ckpt_error err;
		struct ckpt_image *img;

		memcpy(part, buf, cut);
		img = ckpt_image_open_mem(part, cut, &err);
		if (img) {
			struct ckpt_model *m = ckpt_model_build(img);

			ck_assert_ptr_nonnull(m);
			ck_assert_msg(m->failed, "cut at %zu", cut);
			ck_assert(m->err.reason[0] != '\0');
			for (size_t i = 0; i < m->n_records; i++)
				ck_assert_uint_le(m->records[i].offset + m->records[i].len, cut);
			ckpt_model_free(m);
			ckpt_image_close(img);
		}
		free(part);
	}

	/* Cut inside the second VMA's pages: the first task and its first VMA
	 * are there. */
	struct ckpt_model *m = model_of(buf, 9000, NULL);

	ck_assert(m->failed);
	ck_assert_uint_eq(m->n_tasks, 1);
	ck_assert_str_eq(m->tasks[0].comm, "init");
	ck_assert_uint_eq(m->n_mms, 1);
	ck_assert_uint_ge(m->mms[0].n_vmas, 1);
	ck_assert_uint_eq(m->mms[0].vmas[0].pages, 1);
	ckpt_model_free(m);
	free(buf);
}
END_TEST

/* Completion of the browser's command line, through the same function
 * readline calls. */
static bool has(char **list, const char *word)
{
	for (size_t i = 0; list && list[i]; i++)
		if (strcmp(list[i], word) == 0)
			return true;
	return false;
}

static void free_list(char **list)
{
	for (size_t i = 0; list && list[i]; i++)
		free(list[i]);
	free(list);
}

START_TEST(test_browse_complete)
{
	size_t len;
	unsigned char *buf = read_sample("rev6-tasks.ckpt", &len);
	struct ckpt_image *img;
	struct ckpt_model *m = model_of(buf, len, &img);
	char **l;

	l = ckpt_browse_complete(m, "sh");
	ck_assert(has(l, "show"));
	ck_assert(!has(l, "ps"));
	free_list(l);
	l = ckpt_browse_complete(m, "");
	ck_assert(has(l, "maps") && has(l, "quit") && has(l, "objref"));
	free_list(l);
	l = ckpt_browse_complete(m, "ls VM");
	ck_assert(has(l, "VMA"));
	ck_assert(!has(l, "TASK"));
	free_list(l);
	l = ckpt_browse_complete(m, "maps ");
	ck_assert(has(l, "1") && has(l, "2"));
	free_list(l);
	l = ckpt_browse_complete(m, "show 32 ma");
	ck_assert(has(l, "map_count"));
	free_list(l);
	l = ckpt_browse_complete(m, "show --j");
	ck_assert(has(l, "--json"));
	free_list(l);
	l = ckpt_browse_complete(m, "nosuch ");
	ck_assert(l == NULL || l[0] == NULL);
	free_list(l);
	ckpt_model_free(m);
	ckpt_image_close(img);
	free(buf);
}
END_TEST

Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("model");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_model_tasks);
	tcase_add_test(tc, test_model_api);
	tcase_add_test(tc, test_model_memory);
	tcase_add_test(tc, test_model_file);
	tcase_add_test(tc, test_model_stream);
	tcase_add_test(tc, test_model_truncated);
	tcase_add_test(tc, test_browse_complete);
	suite_add_tcase(s, tc);
	return s;
}
