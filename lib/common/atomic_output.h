/* Output files that appear under their final name only when complete.
 *
 * The data goes to an unnamed file (O_TMPFILE) in the target's directory,
 * linked into place by atomic_output_commit(): a program killed at any
 * point (SIGKILL included) leaves no file behind, and the target keeps
 * its old contents until the new ones are whole.  Where the file system
 * has no O_TMPFILE, a hidden ".NAME.XXXXXX" beside the target stands in
 * (removed on every path the program survives).  Files are mode 0600:
 * images hold memory and environments.  Shared by ckpt and ckptencode. */
#ifndef CKPT_COMMON_ATOMIC_OUTPUT_H
#define CKPT_COMMON_ATOMIC_OUTPUT_H

#include <stdbool.h>

struct atomic_output {
	char *path;		/* the final name */
	char *tmp_name;		/* the named stand-in, or NULL (unnamed) */
	int fd;			/* -1 once committed or discarded */
};

/* Creates the file that will become path: 0, or -1 with errno. */
int atomic_output_open(struct atomic_output *o, const char *path);
/* fsync(2)s the file and puts it under its final name, replacing what was
 * there; the descriptor is closed either way.  0, or -1 with errno (and
 * nothing left behind). */
int atomic_output_commit(struct atomic_output *o);
/* Drops the file (closes it; removes the named stand-in).  Safe to call
 * twice and after atomic_output_commit(). */
void atomic_output_discard(struct atomic_output *o);

#endif
