/* Shared by the workloads the ckpt tests checkpoint and by imgfacts.
 *
 * A workload takes the path of a "ready file" as its first argument and,
 * once it is in the state the test wants, writes key=value lines there,
 * "ready=1" last.  Then it waits to be killed. */
#ifndef CKPT_WORKLOAD_H
#define CKPT_WORKLOAD_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

/* The pattern of the memory workload: 64-bit word i of the region. */
static inline uint64_t workload_pattern(uint64_t i)
{
	return (i * 0x9e3779b97f4a7c15ULL) ^ 0x00c0ffee5ca1ab1eULL;
}

/* The ready file, opened at the start: a workload that changes its
 * credentials could no longer create it later.  Descriptors inherited
 * from the test harness (make's jobserver pipes, a terminal) are shared
 * with processes outside the tree; they are closed so that a checkpoint of
 * the workload is self-contained and ckptcheck's refcount rules say go. */
static inline FILE *workload_open(int argc, char **argv)
{
	FILE *f;

	syscall(SYS_close_range, 3u, ~0u, 0u);
	if (argc < 2) {
		fprintf(stderr, "usage: %s READY-FILE\n", argv[0]);
		exit(2);
	}
	f = fopen(argv[1], "w");
	if (!f) {
		perror(argv[1]);
		exit(1);
	}
	return f;
}

/* Writes the facts, then "ready=1" last: the test waits for that line. */
static inline void workload_ready(FILE *f, const char *fmt, ...)
{
	va_list ap;

	fprintf(f, "pid=%d\n", (int)getpid());
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fprintf(f, "ready=1\n");
	if (fclose(f) != 0) {
		perror("ready file");
		exit(1);
	}
}

/* Sleeps until killed. */
static inline void workload_idle(void)
{
	for (;;)
		pause();
}

#endif
