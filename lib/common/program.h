/* What every ckpttools program does the same way: exit statuses, the
 * --version line, names shown on the terminal, and `-` (standard input)
 * made seekable.  A noinst convenience library: not part of libckpt's API. */
#ifndef CKPT_COMMON_PROGRAM_H
#define CKPT_COMMON_PROGRAM_H

#include <stddef.h>
#include <stdio.h>

/* Exit statuses shared by all programs (documented in each man page). */
enum program_exit {
	PROGRAM_EXIT_OK = 0,		/* go / same / done */
	PROGRAM_EXIT_FOUND = 1,		/* no-go (ckptcheck), differ (ckptdiff) */
	PROGRAM_EXIT_TROUBLE = 2,	/* unreadable input, usage, I/O or memory */
};

/* Prints "PROG (PACKAGE) VERSION" on out. */
void program_print_version(FILE *out, const char *prog);

/* The name of an input as it may reach a terminal: "(stdin)" for "-",
 * otherwise the path with control and non-UTF-8 bytes escaped. */
void program_shown_name(const char *path, char *out, size_t size);

/* Escapes any untrusted text (a token, a name) for a message. */
void program_escape(const char *s, char *out, size_t size);

/* Copies standard input to an unlinked temporary file and returns a
 * descriptor on it (offset 0 unspecified: readers use pread), or -1 with
 * errno set.  Random access over a pipe needs this. */
int program_spool_stdin(void);

#endif
