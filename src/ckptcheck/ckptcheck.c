/* ckptcheck: the pre-restore gate.  Is this image whole, self-consistent
 * and restorable on the target kernel?  Exit 0 go, 1 no-go, 2 trouble. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ckpt/check.h"
#include "ckpt/format.h"
#include "ckpt/image.h"
#include "ckpt/kernel.h"
#include "ckpt/report.h"

#include "common/program.h"

/* The version of the --json document shape (documented in ckptcheck(1)). */
#define CHECK_JSON_VERSION 1

enum output { OUT_TEXT, OUT_JSON, OUT_QUIET };

struct run {
	enum output output;
	struct ckpt_json_stream *json;	/* OUT_JSON: findings written as found */
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ckptcheck [OPTION]... IMAGE\n"
		"       ckptcheck --save-profile FILE\n"
		"Check a Linux checkpoint image before restoring it: structure, header, kernel\n"
		"compatibility with a target kernel, the objref graph, semantics (tree, memory,\n"
		"capabilities), refcounts and integrity digests.  IMAGE may be - for standard\n"
		"input.\n"
		"\n"
		"  -j, --json                  print a JSON document (shape in ckptcheck(1))\n"
		"  -q, --quiet                 print nothing; the exit status says it all\n"
		"  -r, --rule ID[,ID]          run only these rules\n"
		"  -s, --skip ID[,ID]          do not run these rules\n"
		"      --target FILE           check against this saved kernel profile\n"
		"                              (default: the running kernel)\n"
		"      --allow-version-mismatch  a kernel version mismatch is only a warning\n"
		"  -x, --external fd:PID:FD    task PID's descriptor FD is a pipe, socket or\n"
		"                              tty whose peer outside the image is provided\n"
		"                              at restore (ckptrestore takes the same)\n"
		"      --shell-job             judge it for ckptrestore --shell-job: a terminal\n"
		"                              outside the image is the restorer's terminal\n"
		"      --strict                warnings are errors, and so is an image\n"
		"                              without integrity digests\n"
		"      --save-profile FILE     write the running kernel's profile to FILE\n"
		"                              (- for standard output) and exit\n"
		"      --list-rules            list every rule and exit\n"
		"  -h, --help                  show this help and exit\n"
		"  -V, --version               show the version and exit\n"
		"\n"
		"Exit status: 0 go (no error findings; warnings and infos allowed), 1 no-go\n"
		"(at least one error finding, a malformed image included), 2 if the image\n"
		"cannot be opened or its format is unknown, or on bad usage.\n");
}

static void list_rules(void)
{
	size_t n;
	const struct ckpt_rule *const *rules = ckpt_check_rules(&n);

	for (size_t i = 0; i < n; i++) {
		const struct ckpt_rule *r = rules[i];
		char dialects[64] = "";
		size_t ns;
		const struct ckpt_schema *const *all = ckpt_schemas(&ns);

		for (size_t k = 0; k < ns; k++)
			if (r->dialects & CKPT_DIALECT_BIT(all[k]->dialect))
				snprintf(dialects + strlen(dialects), sizeof(dialects) - strlen(dialects),
					 "%s%s", dialects[0] ? "," : "", all[k]->id);
		printf("%-22s %-8s %-10s %s\n    %s\n", r->id, ckpt_severity_name(r->severity),
		       r->family, dialects, r->doc);
	}
}

/* Applies --rule (only) or --skip to each id of a comma-separated list. */
static bool select_rules(struct ckpt_check *c, const char *opt, char *list, bool only)
{
	for (char *save = NULL, *id = strtok_r(list, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
		if ((only ? ckpt_check_only(c, id) : ckpt_check_skip(c, id)) < 0) {
			char shown[128];

			program_escape(id, shown, sizeof(shown));
			fprintf(stderr, "ckptcheck: %s %s: no rule has that id (see --list-rules)\n",
				opt, shown);
			return false;
		}
	}
	return true;
}

static void on_finding(void *arg, const struct ckpt_finding *f)
{
	struct run *run = arg;

	if (run->output == OUT_TEXT)
		ckpt_finding_print(stdout, f);
	else if (run->output == OUT_JSON)
		ckpt_json_stream_array_item(run->json, ckpt_finding_json(f));
}

static int check(const char *path, struct ckpt_check *c, const struct ckpt_kernel_profile *target,
		 const char *target_name, enum output output)
{
	struct run run = { .output = output };
	struct ckpt_check_summary sum = { 0 };
	struct ckpt_error err;
	char shown[1024], msg[512];
	int status;

	/* The name reaches the terminal: never let it carry control bytes. */
	program_shown_name(path, shown, sizeof(shown));

	struct ckpt_image *img = ckpt_image_open(path, &err);

	if (!img) {
		ckpt_error_format(&err, msg, sizeof(msg));
		if (output == OUT_JSON) {
			json_t *doc = json_pack("{s:i, s:s, s:n, s:s, s:s}", "ckptcheck", CHECK_JSON_VERSION,
						"image", shown, "dialect", "verdict", "unreadable",
						"error", msg);

			if (doc) {
				json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
				putchar('\n');
				json_decref(doc);
			}
		}
		if (output != OUT_QUIET)
			fprintf(stderr, "ckptcheck: %s: %s\n", shown, msg);
		return PROGRAM_EXIT_TROUBLE;
	}
	const char *dialect = ckpt_image_schema(img)->id;

	if (output == OUT_JSON) {
		/* Findings are written as they are found: an image with
		 * millions of them takes no more memory than one. */
		run.json = ckpt_json_stream_new(stdout);
		if (!run.json) {
			fprintf(stderr, "ckptcheck: out of memory\n");
			ckpt_image_close(img);
			return PROGRAM_EXIT_TROUBLE;
		}
		ckpt_json_stream_member(run.json, "ckptcheck", json_integer(CHECK_JSON_VERSION));
		ckpt_json_stream_member(run.json, "image", json_string(shown));
		ckpt_json_stream_member(run.json, "dialect", json_string(dialect));
		ckpt_json_stream_member(run.json, "target", json_pack("{s:s, s:s, s:s}", "name", target_name,
								      "release", target->release,
								      "arch", target->arch));
		ckpt_json_stream_array_begin(run.json, "findings");
	}
	if (ckpt_check_image(c, img, on_finding, &run, &sum) < 0) {
		fprintf(stderr, "ckptcheck: %s: out of memory\n", shown);
		if (run.json) {
			ckpt_json_stream_array_end(run.json);
			ckpt_json_stream_member(run.json, "verdict", json_string("unreadable"));
			ckpt_json_stream_member(run.json, "error", json_string("out of memory"));
			ckpt_json_stream_end(run.json);
		}
		ckpt_image_close(img);
		return PROGRAM_EXIT_TROUBLE;
	}
	status = sum.errors ? PROGRAM_EXIT_FOUND : 0;
	const char *verdict = status ? "no-go" : "go";

	if (output == OUT_TEXT) {
		printf("%s: %s: %" PRIu64 " error%s, %" PRIu64 " warning%s, %" PRIu64 " info%s in %" PRIu64
		       " record%s%s (%s; target: %s, %s)\n", shown, verdict,
		       sum.errors, sum.errors == 1 ? "" : "s", sum.warnings, sum.warnings == 1 ? "" : "s",
		       sum.infos, sum.infos == 1 ? "" : "s", sum.records, sum.records == 1 ? "" : "s",
		       sum.read_whole ? "" : " read before a fault", dialect, target_name, target->release);
	} else if (output == OUT_JSON) {
		ckpt_json_stream_array_end(run.json);
		ckpt_json_stream_member(run.json, "summary",
					json_pack("{s:I, s:b, s:I, s:I, s:I}", "records", (json_int_t)sum.records,
						  "read_whole", sum.read_whole, "errors", (json_int_t)sum.errors,
						  "warnings", (json_int_t)sum.warnings, "infos", (json_int_t)sum.infos));
		ckpt_json_stream_member(run.json, "verdict", json_string(verdict));
		if (!ckpt_json_stream_end(run.json)) {
			fprintf(stderr, "ckptcheck: cannot build the JSON document\n");
			status = PROGRAM_EXIT_TROUBLE;
		}
	}
	ckpt_image_close(img);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "ckptcheck: error writing output: %s\n", strerror(errno));
		return PROGRAM_EXIT_TROUBLE;
	}
	return status;
}

static int save_profile(const char *path)
{
	struct ckpt_kernel_profile p;
	char err[256];
	FILE *out = strcmp(path, "-") == 0 ? stdout : fopen(path, "we");

	if (!out) {
		fprintf(stderr, "ckptcheck: --save-profile %s: %s\n", path, strerror(errno));
		return PROGRAM_EXIT_TROUBLE;
	}
	if (ckpt_kernel_profile_running(&p, err, sizeof(err)) < 0) {
		fprintf(stderr, "ckptcheck: the running kernel's profile: %s\n", err);
		if (out != stdout)
			fclose(out);
		return PROGRAM_EXIT_TROUBLE;
	}
	int bad = ckpt_kernel_profile_write(&p, out) < 0;

	if (out != stdout)
		bad |= fclose(out) != 0;
	else
		bad |= fflush(out) != 0;
	if (bad) {
		fprintf(stderr, "ckptcheck: --save-profile %s: write failed: %s\n", path, strerror(errno));
		return PROGRAM_EXIT_TROUBLE;
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_LIST_RULES = 256, OPT_SAVE_PROFILE, OPT_ALLOW_VERSION, OPT_STRICT, OPT_TARGET, OPT_SHELL_JOB };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "rule", required_argument, NULL, 'r' },
		{ "skip", required_argument, NULL, 's' },
		/* No -t: ckptdump's -t is --type (one letter, one meaning). */
		{ "target", required_argument, NULL, OPT_TARGET },
		{ "allow-version-mismatch", no_argument, NULL, OPT_ALLOW_VERSION },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "shell-job", no_argument, NULL, OPT_SHELL_JOB },
		{ "external", required_argument, NULL, 'x' },
		{ "save-profile", required_argument, NULL, OPT_SAVE_PROFILE },
		{ "list-rules", no_argument, NULL, OPT_LIST_RULES },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ckpt_check_options opt = { 0 };
	struct ckpt_kernel_profile target;
	enum output output = OUT_TEXT;
	const char *target_path = NULL, *save_path = NULL;
	/* Every --rule and --skip counts, not just the last; there are
	 * fewer of them than arguments. */
	char *only[argc], *skip[argc];
	size_t n_only = 0, n_skip = 0;
	struct ckpt_external externals[argc];
	size_t n_externals = 0;
	char err[256], target_name[300];
	int c, status;

	while ((c = getopt_long(argc, argv, "jqr:s:t:x:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			output = OUT_JSON;
			break;
		case 'q':
			output = OUT_QUIET;
			break;
		case 'r':
			only[n_only++] = optarg;
			break;
		case 's':
			skip[n_skip++] = optarg;
			break;
		case OPT_TARGET:
			target_path = optarg;
			break;
		case 't':
			fprintf(stderr, "ckptcheck: -t is no longer short for --target (in ckptdump -t is --type): "
				"write --target %s\n", optarg);
			return PROGRAM_EXIT_TROUBLE;
		case 'x':
			if (ckpt_external_parse(optarg, &externals[n_externals], err, sizeof(err)) < 0) {
				fprintf(stderr, "ckptcheck: %s\n", err);
				return PROGRAM_EXIT_TROUBLE;
			}
			n_externals++;
			break;
		case OPT_ALLOW_VERSION:
			opt.allow_version_mismatch = true;
			break;
		case OPT_STRICT:
			opt.strict = true;
			break;
		case OPT_SHELL_JOB:
			opt.shell_job = true;
			break;
		case OPT_SAVE_PROFILE:
			save_path = optarg;
			break;
		case OPT_LIST_RULES:
			list_rules();
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			program_print_version(stdout, "ckptcheck");
			return 0;
		default:
			usage(stderr);
			return PROGRAM_EXIT_TROUBLE;
		}
	}
	if (save_path && optind == argc)
		return save_profile(save_path);
	if (save_path) {
		fprintf(stderr, "ckptcheck: --save-profile takes no image\n");
		return PROGRAM_EXIT_TROUBLE;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "ckptcheck: %s\n", optind == argc ? "no image given" : "one image at a time");
		usage(stderr);
		return PROGRAM_EXIT_TROUBLE;
	}
	if (target_path) {
		char shown[256];

		program_escape(target_path, shown, sizeof(shown));
		if (ckpt_kernel_profile_load(target_path, &target, err, sizeof(err)) < 0) {
			fprintf(stderr, "ckptcheck: --target %s: %s\n", shown, err);
			return PROGRAM_EXIT_TROUBLE;
		}
		snprintf(target_name, sizeof(target_name), "the target kernel of %s", shown);
	} else {
		if (ckpt_kernel_profile_running(&target, err, sizeof(err)) < 0) {
			fprintf(stderr, "ckptcheck: the running kernel's profile: %s\n", err);
			return PROGRAM_EXIT_TROUBLE;
		}
		snprintf(target_name, sizeof(target_name), "the running kernel");
	}
	opt.target = &target;
	opt.target_name = target_name;
	opt.externals = externals;
	opt.n_externals = n_externals;

	struct ckpt_check *chk = ckpt_check_new(&opt);

	if (!chk) {
		fprintf(stderr, "ckptcheck: out of memory\n");
		return PROGRAM_EXIT_TROUBLE;
	}
	bool selected = true;

	for (size_t i = 0; i < n_only && selected; i++)
		selected = select_rules(chk, "--rule", only[i], true);
	for (size_t i = 0; i < n_skip && selected; i++)
		selected = select_rules(chk, "--skip", skip[i], false);
	if (!selected) {
		ckpt_check_free(chk);
		return PROGRAM_EXIT_TROUBLE;
	}
	status = check(argv[optind], chk, &target, target_name, output);
	ckpt_check_free(chk);
	return status;
}
