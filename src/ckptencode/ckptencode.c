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
	json_error_t jerr;
	json_t *doc;
	FILE *out = stdout;
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
	/* Opened here, so that a missing file or a directory is said as the
	 * system says it, not as a parse error at line -1. */
	FILE *in = strcmp(input, "-") == 0 ? stdin : fopen(input, "re");
	struct stat st;

	if (!in || (fstat(fileno(in), &st) == 0 && S_ISDIR(st.st_mode))) {
		fprintf(stderr, "ckptencode: %s: %s\n", shown, strerror(in ? EISDIR : errno));
		if (in)
			fclose(in);
		return PROGRAM_EXIT_TROUBLE;
	}
	doc = json_loadf(in, JSON_REJECT_DUPLICATES, &jerr);
	if (in != stdin)
		fclose(in);
	if (!doc) {
		/* jansson quotes the offending token: it may carry control bytes. */
		program_escape(jerr.text, reason, sizeof(reason));
		if (jerr.line > 0)
			fprintf(stderr, "ckptencode: %s: line %d column %d: %s\n",
				shown, jerr.line, jerr.column, reason);
		else
			fprintf(stderr, "ckptencode: %s: %s\n", shown, reason);
		return PROGRAM_EXIT_TROUBLE;
	}
	if (!output && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "ckptencode: not writing an image to a terminal; use -o FILE\n");
		json_decref(doc);
		return PROGRAM_EXIT_TROUBLE;
	}
	/* Images hold memory and environments: never readable by others. */
	if (output) {
		int fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		out = fd < 0 ? NULL : fdopen(fd, "wb");
		if (!out) {
			program_escape(output, shown, sizeof(shown));
			fprintf(stderr, "ckptencode: %s: %s\n", shown, strerror(errno));
			json_decref(doc);
			return PROGRAM_EXIT_TROUBLE;
		}
	}
	int status = 0;

	if (ckpt_encode_document(doc, out, &err) < 0) {
		program_escape(err.path, shown, sizeof(shown));
		program_escape(err.reason, reason, sizeof(reason));
		fprintf(stderr, "ckptencode: %s: %s\n", shown, reason);
		status = PROGRAM_EXIT_TROUBLE;
	}
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "ckptencode: write error: %s\n", strerror(errno));
		status = PROGRAM_EXIT_TROUBLE;
	}
	if (output && fclose(out) != 0 && !status) {
		program_escape(output, shown, sizeof(shown));
		fprintf(stderr, "ckptencode: %s: %s\n", shown, strerror(errno));
		status = PROGRAM_EXIT_TROUBLE;
	}
	if (status && output)
		unlink(output);
	json_decref(doc);
	return status;
}
