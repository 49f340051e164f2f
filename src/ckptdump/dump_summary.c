/* ckptdump --summary: builds the model (one pass, no page contents), runs
 * the checker's image rules when the image carries digests, and prints the
 * library's summary. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ckpt/check.h"
#include "ckpt/model.h"

#include "common/program.h"

#include "dump_summary.h"

bool dump_summary_verdict(const char *path, int spool_fd, struct ckpt_check_summary *sum)
{
	struct ckpt_check_options copt = { .target = NULL };
	struct ckpt_error err;
	struct ckpt_image *img;
	struct ckpt_check *c;
	int r;

	if (spool_fd >= 0) {
		int fd = dup(spool_fd);

		img = fd < 0 ? NULL : ckpt_image_open_fd(fd, &err);
	} else {
		img = ckpt_image_open(path, &err);
	}
	if (!img)
		return false;
	c = ckpt_check_new(&copt);
	if (!c) {
		ckpt_image_close(img);
		return false;
	}
	memset(sum, 0, sizeof(*sum));
	r = ckpt_check_image(c, img, NULL, NULL, sum);
	ckpt_check_free(c);
	ckpt_image_close(img);
	return r == 0;
}

int dump_summary(const char *path, const struct ckpt_summary_options *opt)
{
	struct ckpt_summary_options o = *opt;
	struct ckpt_check_summary verdict;
	struct ckpt_error err;
	struct ckpt_image *img;
	struct ckpt_model *m;
	char shown[1024], msg[512];
	int spool = -1, status = 0;

	program_shown_name(path, shown, sizeof(shown));
	if (strcmp(path, "-") == 0) {
		/* Command lines are read by offset: the stream is spooled. */
		int fd = program_spool_stdin();

		if (fd < 0) {
			fprintf(stderr, "ckptdump: copying standard input to a temporary file: %s\n", strerror(errno));
			return PROGRAM_EXIT_TROUBLE;
		}
		spool = dup(fd);
		img = ckpt_image_open_fd(fd, &err);
	} else {
		img = ckpt_image_open(path, &err);
	}
	if (!img) {
		ckpt_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "ckptdump: %s: %s\n", shown, msg);
		if (spool >= 0)
			close(spool);
		return PROGRAM_EXIT_TROUBLE;
	}
	m = ckpt_model_build(img);
	if (!m) {
		fprintf(stderr, "ckptdump: %s: out of memory\n", shown);
		ckpt_image_close(img);
		if (spool >= 0)
			close(spool);
		return PROGRAM_EXIT_TROUBLE;
	}
	if (ckpt_summary_has_digests(m) && dump_summary_verdict(path, spool, &verdict))
		o.verdict = &verdict;
	if (!ckpt_summary_print(stdout, img, m, shown, &o)) {
		fprintf(stderr, "ckptdump: error writing output: %s\n", errno ? strerror(errno) : "out of memory");
		status = PROGRAM_EXIT_TROUBLE;
	}
	if (m->failed) {
		ckpt_error_format(&m->err, msg, sizeof(msg));
		fprintf(stderr, "ckptdump: %s: %s (the summary covers the records before it)\n", shown, msg);
		status = PROGRAM_EXIT_TROUBLE;
	}
	ckpt_model_free(m);
	ckpt_image_close(img);
	if (spool >= 0)
		close(spool);
	return status;
}
