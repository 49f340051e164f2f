/* ckptdump -i: the interactive browser.  Internal to ckptdump. */
#ifndef CKPTDUMP_BROWSE_H
#define CKPTDUMP_BROWSE_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "ckpt/image.h"
#include "ckpt/model.h"

/* What a command takes, for help and completion. */
enum browse_arg {
	BROWSE_ARG_NONE,
	BROWSE_ARG_TYPE,	/* a record type name */
	BROWSE_ARG_RECORD,	/* show: a record number, next, prev, --json... */
	BROWSE_ARG_PID,
	BROWSE_ARG_OBJREF,
	BROWSE_ARG_COMMAND,	/* help */
	BROWSE_ARG_OTHER,
};

struct browse;

/* One command of the browser: this table alone drives dispatch, `help`
 * and completion (browse_commands.c). */
struct browse_command_info {
	const char *name;
	const char *usage;
	const char *summary;
	enum browse_arg arg;
	const char *help;	/* the rest of `help NAME` */
	/* Runs it on its words (argv[0] is the name); 0, or -1 after an error
	 * line.  NULL: the line layer handles it (quit). */
	int (*run)(struct browse *b, int argc, char **argv);
	/* Instead of run: takes the rest of the line unsplit (search, whose
	 * "string" and /regex/ have their own quoting). */
	int (*run_text)(struct browse *b, const char *args);
};

extern const struct browse_command_info browse_commands[];
extern const size_t browse_n_commands;
const struct browse_command_info *browse_command_find(const char *name);

/* Candidates for the word at the end of `line` (a whole command line, up
 * to the cursor): a NULL-terminated, malloc'd list of malloc'd strings, or
 * NULL when there are none.  The same function drives readline. */
char **ckpt_browse_complete(const struct ckpt_model *m, const char *line);

/* A browser session over one image. */
struct browse {
	const char *path;
	char shown[1024];		/* path, escaped for the terminal */
	struct ckpt_image *img;
	struct ckpt_model *m;
	uint64_t cur;			/* last record shown, or CKPT_MODEL_NONE */
	int spool_fd;			/* -: the spooled copy (for check), else -1 */
	FILE *out;			/* command output */
	FILE *err;			/* error lines (stderr) */
	bool interactive;
};

/* Runs one command (one `;`-separated part, already split); 0 on success,
 * -1 after an error was reported on b->err. */
int browse_run_command(struct browse *b, const char *cmd);

/* Set (by the interactive session's SIGINT handler) to stop the running
 * command: long loops check it, end early and say so.  The session clears
 * it before each command line. */
extern volatile sig_atomic_t browse_interrupted;

/* Takes the output of one command (when browse_run_line is given one). */
typedef void (*browse_output_fn)(struct browse *b, const char *text, size_t len);

/* Runs a line of `;`-separated commands, writing each command's output to
 * b->out, or if output is given, collecting it and handing it to output.
 * 0, -1 if any command failed, 1 on quit or exit. */
int browse_run_line(struct browse *b, const char *line, browse_output_fn output);

/* ckptdump -i PATH [-c COMMANDS]: the exit status. */
int browse_main(const char *path, const char *commands);

#endif
