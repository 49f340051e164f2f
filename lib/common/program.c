/* Program plumbing shared by the ckpttools programs (see program.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ckpt/format.h"

#include "program.h"

void program_print_version(FILE *out, const char *prog)
{
	fprintf(out, "%s (%s) %s\n", prog, PACKAGE_NAME, PACKAGE_VERSION);
}

void program_escape(const char *s, char *out, size_t size)
{
	ckpt_escape((const uint8_t *)s, strlen(s), out, size);
}

void program_shown_name(const char *path, char *out, size_t size)
{
	if (strcmp(path, "-") == 0)
		snprintf(out, size, "(stdin)");
	else
		program_escape(path, out, size);
}

int program_spool_stdin(void)
{
	FILE *tmp = tmpfile();
	char buf[1 << 16];
	size_t n;

	if (!tmp)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (fwrite(buf, 1, n, tmp) != n) {
			fclose(tmp);
			return -1;
		}
	if (ferror(stdin) || fflush(tmp) != 0) {
		fclose(tmp);
		return -1;
	}
	int fd = dup(fileno(tmp));

	fclose(tmp);
	return fd;
}
