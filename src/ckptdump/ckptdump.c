/* ckptdump: print the records of a checkpoint image as text, JSON or YAML. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ckpt/decode.h"
#include "ckpt/format.h"
#include "ckpt/image.h"
#include "ckpt/model.h"
#include "ckpt/summary.h"
#include "ckpt/view.h"

#include "common/program.h"

#include "browse.h"
#include "dump_summary.h"

#define MAX_TYPE_FILTER 64

struct filter {
	const char *type_names[MAX_TYPE_FILTER];
	size_t n_types;
	bool has_offset;
	uint64_t offset;
	bool has_index;
	uint64_t index_lo, index_hi;
	/* --pid / --tid: the records of that task (or thread group) and of
	 * the objects they reference, found in a first pass. */
	const char *task_opt;		/* "--pid" or "--tid", or NULL */
	int64_t task_id;
	bool *keep;
	size_t n_keep;
	int spool_fd;			/* the spooled standard input, or -1 */
};

static void columns_help(FILE *out);

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ckptdump [OPTION]... IMAGE\n"
		"       ckptdump --summary [-j|-y] [-o COLUMNS] IMAGE\n"
		"       ckptdump -i IMAGE [-c 'COMMAND; ...']\n"
		"Print the records of a Linux checkpoint image (linux-cr rev 1 and rev 6,\n"
		"LinuxC/R).  IMAGE may be - for standard input.\n"
		"\n"
		"  -j, --json              print a JSON document (shape in ckptdump(1))\n"
		"  -y, --yaml              print the same document as YAML\n"
		"  -t, --type NAME[,NAME]  only records of these types (names or numbers)\n"
		"      --offset N          only the record that holds byte N\n"
		"      --index N[-M]       only record N (or records N to M)\n"
		"      --pid PID           only the records of process PID (all its threads)\n"
		"                          and of the objects they reference\n"
		"      --tid TID           the same for one thread\n"
		"  -p, --pages             also hexdump the contents of dumped pages\n"
		"      --summary           the image at a glance: producer, kernel, the process\n"
		"                          tree with memory and files per task, namespaces\n"
		"  -o, --output COLUMNS    with --summary: the task columns, comma-separated\n"
		"  -i, --interactive       browse the image at a prompt (commands: help)\n"
		"  -c, --command CMDS      with -i: run these ;-separated commands and exit\n"
		"      --list-types        list the record types of every dialect and exit\n"
		"  -h, --help              show this help and exit\n"
		"  -V, --version           show the version and exit\n"
		"\n"
		"Task columns of --summary (default: the ones marked *):\n");
	columns_help(out);
	fprintf(out,
		"\n"
		"Exit status: 0 if the image was read to its end, 2 if it is malformed or\n"
		"unreadable (records before the fault are printed first) or on bad usage.\n");
}

static void columns_help(FILE *out)
{
	size_t n;
	const struct ckpt_summary_column *cols = ckpt_summary_columns(&n);

	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %c %-9s %s\n", cols[i].by_default ? '*' : ' ', cols[i].name, cols[i].doc);
}

static void columns_list(FILE *out)
{
	size_t n;
	const struct ckpt_summary_column *cols = ckpt_summary_columns(&n);

	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? "," : "", cols[i].name);
	fputc('\n', out);
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno == 0 && *end == '\0';
}

static bool type_known_anywhere(const char *name)
{
	size_t n;
	const struct ckpt_schema *const *all = ckpt_schemas(&n);
	uint64_t num;

	if (parse_u64(name, &num))
		return true;
	for (size_t i = 0; i < n; i++)
		if (ckpt_schema_type_by_name(all[i], name))
			return true;
	return false;
}

static bool add_types(struct filter *f, char *list)
{
	for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!type_known_anywhere(t)) {
			fprintf(stderr, "ckptdump: --type %s: no dialect has a record type of that name "
				"(see --list-types)\n", t);
			return false;
		}
		if (f->n_types == MAX_TYPE_FILTER) {
			fprintf(stderr, "ckptdump: --type: at most %d types\n", MAX_TYPE_FILTER);
			return false;
		}
		f->type_names[f->n_types++] = t;
	}
	return true;
}

static bool parse_index(struct filter *f, const char *arg)
{
	char buf[64];
	char *dash;

	snprintf(buf, sizeof(buf), "%s", arg);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (!parse_u64(buf, &f->index_lo))
		return false;
	f->index_hi = f->index_lo;
	if (dash && !parse_u64(dash + 1, &f->index_hi))
		return false;
	f->has_index = f->index_lo <= f->index_hi;
	return f->has_index;
}

static void list_types(void)
{
	size_t n;
	const struct ckpt_schema *const *all = ckpt_schemas(&n);

	for (size_t i = 0; i < n; i++) {
		const struct ckpt_schema *s = all[i];

		printf("%s: %s\n", s->id, s->title);
		if (s->preamble)
			printf("  %5s  %-16s %s\n", "-", s->preamble->name, s->preamble->doc ? s->preamble->doc : "");
		for (size_t k = 0; k < s->n_types; k++)
			printf("  %5" PRIu32 "  %-16s %s\n", s->types[k].type, s->types[k].name,
			       s->types[k].doc ? s->types[k].doc : "");
	}
}

static bool type_selected(const struct filter *f, const struct ckpt_schema *s,
			  const struct ckpt_record *rec)
{
	if (!f->n_types)
		return true;
	for (size_t i = 0; i < f->n_types; i++) {
		uint64_t num;

		if (parse_u64(f->type_names[i], &num)) {
			if (num == rec->type)
				return true;
		} else if (rec->rt && ckpt_schema_type_by_name(s, f->type_names[i]) == rec->rt) {
			return true;
		}
	}
	return false;
}

static bool selected(const struct filter *f, const struct ckpt_schema *s, const struct ckpt_record *rec)
{
	if (f->task_opt && (rec->index >= f->n_keep || !f->keep[rec->index]))
		return false;
	if (f->has_index && (rec->index < f->index_lo || rec->index > f->index_hi))
		return false;
	if (f->has_offset && (f->offset < rec->offset || f->offset - rec->offset >= rec->len))
		return false;
	return type_selected(f, s, rec);
}

/* --pid/--tid: the first pass, over the model.  0, or the exit status. */
static int select_task(const char *path, struct filter *f)
{
	struct ckpt_error err;
	struct ckpt_image *img;
	struct ckpt_model *m;
	char shown[1024], msg[512];
	int status = 0;

	program_shown_name(path, shown, sizeof(shown));
	if (strcmp(path, "-") == 0) {
		/* Two passes over standard input: it is spooled. */
		int fd = program_spool_stdin();

		if (fd < 0) {
			fprintf(stderr, "ckptdump: copying standard input to a temporary file: %s\n", strerror(errno));
			return PROGRAM_EXIT_TROUBLE;
		}
		f->spool_fd = fd;
		fd = dup(fd);
		img = fd < 0 ? NULL : ckpt_image_open_fd(fd, &err);
		if (fd < 0)
			snprintf(err.reason, sizeof(err.reason), "%s", strerror(errno));
	} else {
		img = ckpt_image_open(path, &err);
	}
	if (!img) {
		ckpt_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "ckptdump: %s: %s\n", shown, msg);
		return PROGRAM_EXIT_TROUBLE;
	}
	m = ckpt_model_build(img);
	if (!m) {
		fprintf(stderr, "ckptdump: %s: out of memory\n", shown);
		ckpt_image_close(img);
		return PROGRAM_EXIT_TROUBLE;
	}
	const struct ckpt_model_task *t = ckpt_model_task_by_pid(m, f->task_id);

	if (!t) {
		fprintf(stderr, "ckptdump: %s %" PRId64 ": %s has no task with that %s%s\n", f->task_opt, f->task_id,
			shown, strcmp(f->task_opt, "--pid") == 0 ? "pid" : "tid",
			m->failed ? " in the part before its fault" : "");
		status = PROGRAM_EXIT_TROUBLE;
	} else {
		f->keep = ckpt_task_records(m, t, strcmp(f->task_opt, "--pid") == 0);
		f->n_keep = m->n_records;
		if (!f->keep) {
			fprintf(stderr, "ckptdump: %s: out of memory\n", shown);
			status = PROGRAM_EXIT_TROUBLE;
		}
	}
	ckpt_model_free(m);
	ckpt_image_close(img);
	return status;
}

static int dump(const char *path, const struct ckpt_view_options *vopt, const struct filter *f)
{
	struct ckpt_error err;
	int fd = f->spool_fd >= 0 ? dup(f->spool_fd) : -1;
	struct ckpt_image *img = f->spool_fd >= 0 ? (fd >= 0 ? ckpt_image_open_fd(fd, &err) : NULL) :
				 ckpt_image_open(path, &err);
	struct ckpt_view *view = ckpt_view_new(stdout, vopt);
	char shown[1024];
	int status = 0;
	char msg[512], beyond[256] = "";
	uint64_t n_records = 0;

	/* The name reaches the terminal: never let it carry control bytes. */
	program_shown_name(path, shown, sizeof(shown));
	if (!view) {
		fprintf(stderr, "ckptdump: out of memory\n");
		ckpt_image_close(img);
		return PROGRAM_EXIT_TROUBLE;
	}
	ckpt_view_begin(view, shown, img);
	if (img) {
		const struct ckpt_schema *s = ckpt_image_schema(img);
		struct ckpt_roles roles;
		struct ckpt_record rec;
		struct ckpt_role role;
		int r;

		ckpt_roles_init(&roles);
		while ((r = ckpt_image_next_record(img, &rec)) == 1) {
			ckpt_roles_next(&roles, &rec, &role);
			n_records++;
			if (selected(f, s, &rec) && ckpt_view_record(view, img, &rec, &role) < 0) {
				r = -1;
				break;
			}
		}
		if (r < 0) {
			err = *ckpt_image_error(img);
			status = PROGRAM_EXIT_TROUBLE;
		} else if (f->has_index && f->index_lo >= n_records) {
			/* Nothing printed because nothing is there: say so. */
			snprintf(beyond, sizeof(beyond), "--index %" PRIu64 ": the image has %" PRIu64
				 " records (0 to %" PRIu64 ")", f->index_lo, n_records, n_records ? n_records - 1 : 0);
		} else if (f->has_offset && f->offset >= ckpt_image_position(img)) {
			snprintf(beyond, sizeof(beyond), "--offset %" PRIu64 ": the image is %" PRIu64 " bytes long",
				 f->offset, ckpt_image_position(img));
		}
	} else {
		status = PROGRAM_EXIT_TROUBLE;
	}
	ckpt_view_end(view, img, status ? &err : NULL);
	if (!ckpt_view_free(view)) {
		fprintf(stderr, "ckptdump: error writing output: %s\n", strerror(errno));
		status = PROGRAM_EXIT_TROUBLE;
	}
	if (status && (img || err.reason[0])) {
		ckpt_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "ckptdump: %s: %s\n", shown, msg);
	}
	if (!status && beyond[0]) {
		fprintf(stderr, "ckptdump: %s: %s\n", shown, beyond);
		status = PROGRAM_EXIT_TROUBLE;
	}
	ckpt_image_close(img);
	return status;
}

int main(int argc, char **argv)
{
	enum { OPT_OFFSET = 256, OPT_INDEX, OPT_LIST_TYPES, OPT_SUMMARY, OPT_PID, OPT_TID };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "yaml", no_argument, NULL, 'y' },
		{ "type", required_argument, NULL, 't' },
		{ "offset", required_argument, NULL, OPT_OFFSET },
		{ "index", required_argument, NULL, OPT_INDEX },
		{ "pages", no_argument, NULL, 'p' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "command", required_argument, NULL, 'c' },
		{ "list-types", no_argument, NULL, OPT_LIST_TYPES },
		{ "summary", no_argument, NULL, OPT_SUMMARY },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "tid", required_argument, NULL, OPT_TID },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ckpt_view_options vopt = { .format = CKPT_VIEW_TEXT };
	struct filter f = { .spool_fd = -1 };
	bool browse = false;
	const char *commands = NULL;
	struct ckpt_summary_options sopt = { .format = CKPT_VIEW_TEXT };
	bool summary = false;
	/* Options that shape the record dump, and the first one given: the
	 * browser and the summary take none of them. */
	const char *dump_opt = NULL, *format_opt = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "jyt:phVic:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
		case 'y':
		case 't':
		case 'p':
		case OPT_OFFSET:
		case OPT_INDEX:
		case OPT_PID:
		case OPT_TID:
			if (c == 'j' || c == 'y') {
				if (!format_opt)
					format_opt = c == 'j' ? "--json" : "--yaml";
			} else if (!dump_opt) {
				dump_opt = c == 't' ? "--type" : c == 'p' ? "--pages" :
					   c == OPT_OFFSET ? "--offset" : c == OPT_INDEX ? "--index" :
					   c == OPT_PID ? "--pid" : "--tid";
			}
			break;
		default:
			break;
		}
		switch (c) {
		case 'j':
			vopt.format = CKPT_VIEW_JSON;
			break;
		case 'y':
			vopt.format = CKPT_VIEW_YAML;
			break;
		case OPT_SUMMARY:
			summary = true;
			break;
		case OPT_PID:
		case OPT_TID: {
			const char *name = c == OPT_PID ? "--pid" : "--tid";
			char *end;

			if (f.task_opt) {
				fprintf(stderr, "ckptdump: %s: give one of --pid and --tid, once\n", name);
				return PROGRAM_EXIT_TROUBLE;
			}
			errno = 0;
			f.task_id = strtoll(optarg, &end, 0);
			if (!*optarg || *end || errno || f.task_id <= 0) {
				char esc[256];

				program_escape(optarg, esc, sizeof(esc));
				fprintf(stderr, "ckptdump: %s %s: not a %s (a positive number)\n", name, esc,
					c == OPT_PID ? "pid" : "tid");
				return PROGRAM_EXIT_TROUBLE;
			}
			f.task_opt = name;
			break;
		}
		case 'o': {
			char bad[80];

			if (!ckpt_summary_columns_valid(optarg, bad, sizeof(bad))) {
				char esc[320];

				program_escape(bad, esc, sizeof(esc));
				fprintf(stderr, "ckptdump: --output: unknown column '%s'; the columns are:\n  ", esc);
				columns_list(stderr);
				return PROGRAM_EXIT_TROUBLE;
			}
			sopt.columns = optarg;
			break;
		}
		case 't':
			if (!add_types(&f, optarg))
				return PROGRAM_EXIT_TROUBLE;
			break;
		case OPT_OFFSET:
			if (!parse_u64(optarg, &f.offset)) {
				fprintf(stderr, "ckptdump: --offset %s: not a byte offset\n", optarg);
				return PROGRAM_EXIT_TROUBLE;
			}
			f.has_offset = true;
			break;
		case OPT_INDEX:
			if (!parse_index(&f, optarg)) {
				fprintf(stderr, "ckptdump: --index %s: expected N or N-M with N <= M\n", optarg);
				return PROGRAM_EXIT_TROUBLE;
			}
			break;
		case 'p':
			vopt.page_data = true;
			break;
		case 'i':
			browse = true;
			break;
		case 'c':
			commands = optarg;
			break;
		case OPT_LIST_TYPES:
			list_types();
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			program_print_version(stdout, "ckptdump");
			return 0;
		default:
			usage(stderr);
			return PROGRAM_EXIT_TROUBLE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "ckptdump: %s\n", optind == argc ? "no image given" : "one image at a time");
		usage(stderr);
		return PROGRAM_EXIT_TROUBLE;
	}
	if (commands && !browse) {
		fprintf(stderr, "ckptdump: -c goes with -i\n");
		return PROGRAM_EXIT_TROUBLE;
	}
	if (browse && (summary || dump_opt || format_opt || sopt.columns)) {
		fprintf(stderr, "ckptdump: -i does not take %s (the browser's commands have their own: "
			"help)\n", summary ? "--summary" : sopt.columns ? "--output" : dump_opt ? dump_opt : format_opt);
		return PROGRAM_EXIT_TROUBLE;
	}
	if (summary && dump_opt) {
		fprintf(stderr, "ckptdump: --summary does not take %s (it covers the whole image)\n", dump_opt);
		return PROGRAM_EXIT_TROUBLE;
	}
	if (sopt.columns && !summary) {
		fprintf(stderr, "ckptdump: --output goes with --summary\n");
		return PROGRAM_EXIT_TROUBLE;
	}
	if (browse)
		return browse_main(argv[optind], commands);
	if (summary) {
		sopt.format = vopt.format;
		return dump_summary(argv[optind], &sopt);
	}
	int status = f.task_opt ? select_task(argv[optind], &f) : 0;

	if (!status)
		status = dump(argv[optind], &vopt, &f);
	free(f.keep);
	if (f.spool_fd >= 0)
		close(f.spool_fd);
	return status;
}
