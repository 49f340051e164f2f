/* An image at a glance: who made it, the process tree with each task's
 * command line, memory and open files, the namespaces, and the verdict of
 * the checker, as text, JSON or YAML (ckptdump --summary, the browser's
 * summary, tree, ps, maps and fds).
 *
 * Everything comes from the model; page contents are read only for the
 * command lines and environments (the MM's arg_start/arg_end and
 * env_start/env_end), through the model's page runs, a page at a time. */
#ifndef CKPT_SUMMARY_H
#define CKPT_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "ckpt/check.h"
#include "ckpt/image.h"
#include "ckpt/model.h"
#include "ckpt/view.h"

/* -- command lines and environments -------------------------------------- */

enum ckpt_task_strings { CKPT_TASK_ARGV, CKPT_TASK_ENV };

/* Called with each string of the area, escaped with ckpt_escape() (a
 * string longer than CKPT_TASK_STRING_MAX bytes is cut there and ends in
 * "..."). */
typedef void (*ckpt_task_string_fn)(void *arg, const char *escaped);
#define CKPT_TASK_STRING_MAX 4096

/* Reads the task's argv or environment from its dumped pages, at most
 * max_bytes of it (0: no limit beyond the area).  Returns the number of
 * strings; -1 when they cannot be shown (*why says why: no mm, the dialect
 * has no such field, the pages were not dumped, a read failed). */
long ckpt_task_strings(struct ckpt_image *img, const struct ckpt_model *m, const struct ckpt_model_task *t,
		       enum ckpt_task_strings which, uint64_t max_bytes, ckpt_task_string_fn fn, void *arg,
		       char *why, size_t why_size);

/* The argv as one line: arguments joined by spaces (at most size - 1
 * bytes, cut with "...").  false (and out "") when there is none. */
bool ckpt_task_cmdline(struct ckpt_image *img, const struct ckpt_model *m, const struct ckpt_model_task *t,
		       char *out, size_t size);

/* -- VMAs --------------------------------------------------------------- */

/* The name /proc/PID/maps gives a VMA with no file: [heap], [stack],
 * [vdso], [vvar], [vvar_vclock], [vsyscall], or "" for plain anonymous
 * memory; a file VMA gets its path.  i is the VMA's place in mm. */
void ckpt_vma_name(struct ckpt_image *img, const struct ckpt_model *m, const struct ckpt_model_mm *mm,
		   size_t i, char *out, size_t size);

/* -- the summary -------------------------------------------------------- */

/* Parts of the summary. */
enum {
	CKPT_SUMMARY_IMAGE = 1 << 0,	/* producer, kernel, time, dialect, size */
	CKPT_SUMMARY_TASKS = 1 << 1,	/* the process tree, one row per process */
	CKPT_SUMMARY_TOTALS = 1 << 2,	/* memory and files over the whole image */
	CKPT_SUMMARY_NAMESPACES = 1 << 3,
	CKPT_SUMMARY_VERDICT = 1 << 4,	/* only when options.verdict is set */
	CKPT_SUMMARY_ALL = 0x1f,
};

struct ckpt_summary_options {
	enum ckpt_view_format format;
	unsigned parts;			/* 0: all */
	const char *columns;		/* -o: comma-separated task columns; NULL: the default */
	bool flat;			/* ps: no tree indentation, every thread */
	/* The checker's summary over the image (the caller runs it), or NULL. */
	const struct ckpt_check_summary *verdict;
};

struct ckpt_summary_column {
	const char *name;
	const char *doc;
	bool by_default;
};

/* Every task column, in a stable order. */
const struct ckpt_summary_column *ckpt_summary_columns(size_t *n);
/* Checks a column list: true when every name is a column; else false with
 * the first unknown name in bad. */
bool ckpt_summary_columns_valid(const char *list, char *bad, size_t bad_size);

/* The summary as a JSON document (NULL when memory runs out). */
json_t *ckpt_summary_json(struct ckpt_image *img, const struct ckpt_model *m, const char *source,
			  const struct ckpt_summary_options *opt);
/* Prints the summary in opt->format; false when writing failed. */
bool ckpt_summary_print(FILE *out, struct ckpt_image *img, const struct ckpt_model *m, const char *source,
			const struct ckpt_summary_options *opt);

/* Whether the image carries the producer's digests (EXT_DIGEST records):
 * then the checker's verdict belongs in the summary. */
bool ckpt_summary_has_digests(const struct ckpt_model *m);

/* -- one task's records -------------------------------------------------- */

/* The records of one task (or, with whole_process, of every task in its
 * thread group) and of every object they reference, transitively: a
 * malloc'd array of m->n_records flags, or NULL when memory runs out.  The
 * image's header (record 0 and its followers) is kept for context.  A
 * task's records are its TASK and followers and its own records
 * (TASK_CREDS ... up to the next task); an object's are its OBJREF and
 * the records up to the next OBJREF, TASK or task's own records. */
bool *ckpt_task_records(const struct ckpt_model *m, const struct ckpt_model_task *t, bool whole_process);

/* A JSON value as a YAML document on out (the views' YAML conventions). */
bool ckpt_yaml_write(FILE *out, json_t *doc);

#endif
