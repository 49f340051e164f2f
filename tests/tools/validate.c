/* validate: parses a file with a real parser and says whether it is
 * well-formed.  `validate json FILE` (jansson), `validate yaml FILE`
 * (libyaml, every event up to the end of the stream). */
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include <yaml.h>

static int check_json(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &e);

	if (!j) {
		fprintf(stderr, "validate: %s: line %d column %d: %s\n", path, e.line, e.column, e.text);
		return 1;
	}
	json_decref(j);
	return 0;
}

static int check_yaml(const char *path)
{
	FILE *f = fopen(path, "rb");
	yaml_parser_t p;
	yaml_event_t ev;
	int ok = 1, done = 0;

	if (!f) {
		perror(path);
		return 1;
	}
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			fprintf(stderr, "validate: %s: line %zu: %s\n", path,
				p.problem_mark.line + 1, p.problem ? p.problem : "parse error");
			ok = 0;
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	fclose(f);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "json") == 0)
		return check_json(argv[2]);
	if (argc == 3 && strcmp(argv[1], "yaml") == 0)
		return check_yaml(argv[2]);
	fprintf(stderr, "Usage: validate json|yaml FILE\n");
	return 2;
}
