/* ckptencode: turn the JSON document of `ckptdump --json --pages` (possibly
 * edited) back into a checkpoint image. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt/encode.h"
#include "common/atomic_output.h"

#include "common/program.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ckptencode [OPTION]... [JSON]\n"
		"Write the checkpoint image that a ckptdump JSON document describes.\n"
		"JSON is a file, or - (the default) for standard input.  The document must\n"
		"hold page data: produce it with ckptdump --json --pages.\n"
		"\n"
		"  -o, --output FILE   write the image to FILE (default: standard output)\n"
		"  -h, --help          show this help and exit\n"
		"  -V, --version       show the version and exit\n"
		"\n"
		"Exit status: 0 on success; 2 if the document is not valid JSON, a value\n"
		"is wrong (the message names its JSON path), or the image cannot be written.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL, *input = "-";
	char shown[1024], reason[1024];
	FILE *in = stdin, *out = stdout;
	struct ckpt_encode_error err;
	int c;

	while ((c = getopt_long(argc, argv, "o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			program_print_version(stdout, "ckptencode");
			return 0;
		default:
			usage(stderr);
			return PROGRAM_EXIT_TROUBLE;
		}
	}
	if (optind < argc)
		input = argv[optind++];
	if (optind != argc) {
		fprintf(stderr, "ckptencode: one document at a time\n");
		return PROGRAM_EXIT_TROUBLE;
	}
	program_shown_name(input, shown, sizeof(shown));
	if (strcmp(input, "-") != 0 && !(in = fopen(input, "re"))) {
		fprintf(stderr, "ckptencode: %s: %s\n", shown, strerror(errno));
		return PROGRAM_EXIT_TROUBLE;
	}
	if (!output && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "ckptencode: not writing an image to a terminal; use -o FILE\n");
		if (in != stdin)
			fclose(in);
		return PROGRAM_EXIT_TROUBLE;
	}
	/* Images hold memory and environments: never readable by others.
	 * The target keeps its old contents until the new image is whole,
	 * and a failed or killed run leaves nothing (atomic_output.h). */
	struct atomic_output file = { .fd = -1 };

	struct stat st;
	/* -o /dev/stdout, a device or a fifo: written into as it is; a new
	 * file renamed over it would replace the node. */
	bool direct = output && stat(output, &st) == 0 && !S_ISREG(st.st_mode);

	if (direct) {
		int fd = open(output, O_WRONLY | O_CLOEXEC | O_NOCTTY);

		out = fd < 0 ? NULL : fdopen(fd, "wb");
		if (!out) {
			if (fd >= 0)
				close(fd);
			program_escape(output, shown, sizeof(shown));
			fprintf(stderr, "ckptencode: %s: %s\n", shown, strerror(errno));
			if (in != stdin)
				fclose(in);
			return PROGRAM_EXIT_TROUBLE;
		}
	} else if (output) {
		if (atomic_output_open(&file, output) < 0) {
			program_escape(output, shown, sizeof(shown));
			fprintf(stderr, "ckptencode: %s: %s\n", shown, strerror(errno));
			if (in != stdin)
				fclose(in);
			return PROGRAM_EXIT_TROUBLE;
		}
		int fd = dup(file.fd);

		out = fd < 0 ? NULL : fdopen(fd, "wb");
		if (!out) {
			if (fd >= 0)
				close(fd);
			program_escape(output, shown, sizeof(shown));
			fprintf(stderr, "ckptencode: %s: %s\n", shown, strerror(errno));
			atomic_output_discard(&file);
			if (in != stdin)
				fclose(in);
			return PROGRAM_EXIT_TROUBLE;
		}
	}
	int status = 0;

	/* The document is read as a stream, a record at a time. */
	if (ckpt_encode_stream(in, out, &err) < 0) {
		/* the reason may quote a token or a name: escaped */
		program_escape(err.reason, reason, sizeof(reason));
		if (err.line) {
			char where[200];

			program_escape(err.path, where, sizeof(where));
			fprintf(stderr, "ckptencode: %s: line %d column %d: %s%s%s\n", shown, err.line, err.column,
				where, where[0] ? ": " : "", reason);
		} else {
			program_escape(err.path, shown, sizeof(shown));
			fprintf(stderr, "ckptencode: %s: %s\n", shown, reason);
		}
		status = PROGRAM_EXIT_TROUBLE;
	}
	if (in != stdin)
		fclose(in);
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "ckptencode: write error: %s\n", strerror(errno));
		status = PROGRAM_EXIT_TROUBLE;
	}
	if (output && fclose(out) != 0 && !status) {
		program_escape(output, shown, sizeof(shown));
		fprintf(stderr, "ckptencode: %s: %s\n", shown, strerror(errno));
		status = PROGRAM_EXIT_TROUBLE;
	}
	if (output && !direct && !status && atomic_output_commit(&file) < 0) {
		program_escape(output, shown, sizeof(shown));
		fprintf(stderr, "ckptencode: cannot write %s: %s\n", shown, strerror(errno));
		status = PROGRAM_EXIT_TROUBLE;
	}
	if (output)
		atomic_output_discard(&file);
	return status;
}
