/* ckptdump -i: a command line, split at `;` into commands, each run in
 * turn.  No readline or terminal here, so the fuzzer and the tests run
 * command lines in-process. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"

volatile sig_atomic_t browse_interrupted;

int browse_run_line(struct browse *b, const char *line, browse_output_fn output)
{
	int status = 0;
	const char *s = line;

	while (*s && !browse_interrupted) {
		/* `;` inside "..." or /.../ does not separate commands. */
		const char *e = s;
		char quote = 0;

		for (; *e && (quote || *e != ';'); e++) {
			if (quote && *e == '\\' && e[1])
				e++;
			else if (quote && *e == quote)
				quote = 0;
			else if (!quote && (*e == '"' || (*e == '/' && (e == s || e[-1] == ' '))))
				quote = *e;
		}
		char *cmd = strndup(s, (size_t)(e - s));

		if (!cmd) {
			fprintf(b->err, "ckptdump: out of memory\n");
			return -1;
		}
		char *w = cmd + strspn(cmd, " \t");
		size_t wl = strcspn(w, " \t");

		if ((wl == 4 && strncmp(w, "quit", 4) == 0) || (wl == 4 && strncmp(w, "exit", 4) == 0)) {
			free(cmd);
			return status ? -1 : 1;
		}
		if (output) {
			/* The command writes to memory; output decides where it goes. */
			char *text = NULL;
			size_t len = 0;
			FILE *mem = open_memstream(&text, &len);
			FILE *out = b->out;

			if (mem) {
				b->out = mem;
				status |= browse_run_command(b, cmd);
				fclose(mem);
				b->out = out;
				output(b, text, len);
				free(text);
			} else {
				status |= browse_run_command(b, cmd);
			}
		} else {
			status |= browse_run_command(b, cmd);
			fflush(b->out);
		}
		free(cmd);
		s = *e ? e + 1 : e;
	}
	return status ? -1 : 0;
}
