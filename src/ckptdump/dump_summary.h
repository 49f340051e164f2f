/* ckptdump --summary: an image at a glance.  Internal to ckptdump. */
#ifndef CKPTDUMP_DUMP_SUMMARY_H
#define CKPTDUMP_DUMP_SUMMARY_H

#include "ckpt/summary.h"

/* Prints the summary of the image at path ("-": standard input); returns
 * the exit status. */
int dump_summary(const char *path, const struct ckpt_summary_options *opt);

/* The verdict of the checker's image rules over a second reading of the
 * image (path, or a dup of spool_fd when >= 0); false when it could not
 * run. */
bool dump_summary_verdict(const char *path, int spool_fd, struct ckpt_check_summary *sum);

#endif
