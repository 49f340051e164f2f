/* The encoder's streaming JSON reader (see json_records.h).
 *
 * Only the structure of the top level is parsed here: '{', string keys,
 * ':', ',', '}', and for "records" '[' ... ']'.  Every value is captured
 * as text, strings and nesting honoured, and decoded by jansson with
 * JSON_REJECT_DUPLICATES, which also finds whatever else is malformed in
 * it (its line and column are shifted to the document's). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "encode/json_records.h"

enum state { S_START, S_MEMBERS, S_AFTER_MEMBER, S_RECORDS, S_AFTER_RECORD, S_DONE, S_FAILED };

struct json_records {
	FILE *in;
	enum state state;
	int line, column;		/* of the next character (1-based line) */
	int pushed;			/* a character read ahead, or EOF - 1 for none */
	char *text;			/* the value being captured */
	size_t len, cap;
	int value_line, value_column;	/* where it starts */
	char *key;
	char **keys;			/* top-level keys seen (duplicates refused) */
	size_t n_keys;
	size_t index;			/* next record's */
	bool seen_records;
	char reason[200];
};

#define NONE (EOF - 1)

struct json_records *json_records_new(FILE *in)
{
	struct json_records *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->in = in;
	r->line = 1;
	r->column = 1;
	r->pushed = NONE;
	return r;
}

void json_records_free(struct json_records *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_keys; i++)
		free(r->keys[i]);
	free(r->keys);
	free(r->text);
	free(r->key);
	free(r);
}

static enum json_records_event fail(struct json_records *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum json_records_event fail(struct json_records *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	r->state = S_FAILED;
	return JR_ERROR;
}

static int get(struct json_records *r)
{
	int c;

	if (r->pushed != NONE) {
		c = r->pushed;
		r->pushed = NONE;
	} else {
		c = getc_unlocked(r->in);
	}
	if (c == '\n') {
		r->line++;
		r->column = 1;
	} else if (c != EOF) {
		r->column++;
	}
	return c;
}

/* Gives c back (never a newline: only scalar delimiters are). */
static void unget(struct json_records *r, int c)
{
	if (c == EOF)
		return;
	r->pushed = c;
	if (c == '\n')
		r->line--;
	else
		r->column--;
}

static int get_nonspace(struct json_records *r)
{
	int c;

	do
		c = get(r);
	while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
	return c;
}

static bool append(struct json_records *r, int c)
{
	if (r->len + 1 >= r->cap) {
		if (r->cap >= JSON_RECORDS_VALUE_MAX)
			return false;
		size_t ncap = r->cap ? r->cap * 2 : 4096;
		char *p = realloc(r->text, ncap);

		if (!p)
			return false;
		r->text = p;
		r->cap = ncap;
	}
	r->text[r->len++] = (char)c;
	return true;
}

/* Captures one value starting with c into r->text; false with a reason. */
static bool capture(struct json_records *r, int c)
{
	int depth = 0;
	bool in_string = false;

	r->len = 0;
	r->value_line = r->line;
	r->value_column = r->column - 1;
	if (c == EOF) {
		fail(r, "the document ends where a value is due");
		return false;
	}
	if (c != '{' && c != '[' && c != '"') {
		/* a number, true, false or null: up to its delimiter */
		while (c != EOF && !strchr(",}] \t\r\n", c)) {
			if (!append(r, c))
				goto too_long;
			c = get(r);
		}
		unget(r, c);
		return true;
	}
	for (;;) {
		if (!append(r, c))
			goto too_long;
		if (in_string) {
			if (c == '\\') {
				c = get(r);
				if (c == EOF)
					break;
				if (!append(r, c))
					goto too_long;
			} else if (c == '"') {
				in_string = false;
				if (!depth)
					return true;
			}
		} else if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth == 0)
				return true;
		}
		c = get(r);
		if (c == EOF)
			break;
	}
	fail(r, "the document ends inside a value");
	return false;
too_long:
	fail(r, "a value longer than %u MiB (or out of memory)", JSON_RECORDS_VALUE_MAX >> 20);
	return false;
}

/* The captured text decoded; NULL with a reason placed in the document. */
static json_t *decode(struct json_records *r)
{
	json_error_t jerr;
	json_t *v = json_loadb(r->text, r->len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);

	if (!v) {
		int line = r->value_line + (jerr.line > 0 ? jerr.line - 1 : 0);
		int column = jerr.line > 1 ? jerr.column : r->value_column + (jerr.column > 0 ? jerr.column - 1 : 0);

		fail(r, "%s", jerr.text);
		r->line = line;
		r->column = column;
	}
	return v;
}

/* A member from its name on: 1 when it is handed over (*key, *value), 0
 * when "records" opened (its elements follow), -1 on an error. */
static int member(struct json_records *r, int c, const char **key, json_t **value)
{
	json_t *k;

	if (c != '"')
		return fail(r, "expected a member name"), -1;
	if (!capture(r, c) || !(k = decode(r)))
		return -1;
	free(r->key);
	r->key = strdup(json_string_value(k));
	json_decref(k);
	if (!r->key)
		return fail(r, "out of memory"), -1;
	for (size_t i = 0; i < r->n_keys; i++)
		if (strcmp(r->keys[i], r->key) == 0)
			return fail(r, "duplicate object key \"%s\"", r->key), -1;
	if (r->n_keys >= JSON_RECORDS_MEMBERS_MAX)
		return fail(r, "more than %u members", JSON_RECORDS_MEMBERS_MAX), -1;
	char **p = realloc(r->keys, (r->n_keys + 1) * sizeof(*p));

	if (!p || !(p[r->n_keys] = strdup(r->key))) {
		if (p)
			r->keys = p;
		return fail(r, "out of memory"), -1;
	}
	r->keys = p;
	r->n_keys++;
	if (get_nonspace(r) != ':')
		return fail(r, "expected ':' after \"%s\"", r->key), -1;
	c = get_nonspace(r);
	if (strcmp(r->key, "records") == 0) {
		if (c != '[')
			return fail(r, "records: expected an array of records"), -1;
		r->seen_records = true;
		c = get_nonspace(r);
		if (c == ']') {
			r->state = S_AFTER_MEMBER;
			return 0;
		}
		unget(r, c);
		r->state = S_RECORDS;
		return 0;
	}
	if (!capture(r, c) || !(*value = decode(r)))
		return -1;
	*key = r->key;
	r->state = S_AFTER_MEMBER;
	return 1;
}

enum json_records_event json_records_next(struct json_records *r, const char **key, json_t **value,
					  size_t *index)
{
	int c;

	*value = NULL;
	for (;;) {
		switch (r->state) {
		case S_START:
			if (get_nonspace(r) != '{')
				return fail(r, "expected a JSON object");
			c = get_nonspace(r);
			if (c == '}') {
				r->state = S_DONE;
				break;
			}
			goto a_member;
		case S_MEMBERS:
			c = get_nonspace(r);
a_member:
			switch (member(r, c, key, value)) {
			case 1:
				return JR_MEMBER;
			case 0:
				break;
			default:
				return JR_ERROR;
			}
			break;
		case S_AFTER_MEMBER:
			c = get_nonspace(r);
			if (c == ',') {
				r->state = S_MEMBERS;
				break;
			}
			if (c != '}')
				return fail(r, c == EOF ? "the document ends inside the object" :
					    "expected ',' or '}' after a member");
			r->state = S_DONE;
			break;
		case S_RECORDS:
			c = get_nonspace(r);
			if (!capture(r, c) || !(*value = decode(r)))
				return JR_ERROR;
			*index = r->index++;
			r->state = S_AFTER_RECORD;
			return JR_RECORD;
		case S_AFTER_RECORD:
			c = get_nonspace(r);
			if (c == ',') {
				r->state = S_RECORDS;
				break;
			}
			if (c != ']')
				return fail(r, c == EOF ? "the document ends inside the records" :
					    "expected ',' or ']' after a record");
			r->state = S_AFTER_MEMBER;
			break;
		case S_DONE:
			c = get_nonspace(r);
			if (c != EOF)
				return fail(r, "data after the end of the document");
			if (ferror(r->in))
				return fail(r, "read error");
			return JR_END;
		case S_FAILED:
			return JR_ERROR;
		}
	}
}

int json_records_line(const struct json_records *r)
{
	return r->line;
}

int json_records_column(const struct json_records *r)
{
	return r->column;
}

const char *json_records_reason(const struct json_records *r)
{
	return r->reason;
}

int json_records_seen_records(const struct json_records *r)
{
	return r->seen_records;
}
