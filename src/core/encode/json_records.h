/* A reader of the encoder's JSON document that never holds it whole: the
 * top-level object is tokenized here, its "records" array element by
 * element, and each member or element (a small document of its own) is
 * handed to jansson.  Memory is bounded by the largest record, not the
 * document.  Internal to the encoder. */
#ifndef CKPT_ENCODE_JSON_RECORDS_H
#define CKPT_ENCODE_JSON_RECORDS_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

/* The longest JSON text of one member or record accepted (a BUFFER of
 * 128 MiB of pages is 256 MiB of hex). */
#define JSON_RECORDS_VALUE_MAX	(256u << 20)
/* Top-level members other than "records" (ckptdump writes six). */
#define JSON_RECORDS_MEMBERS_MAX 64u

enum json_records_event {
	JR_MEMBER,	/* a top-level member other than "records": key, value */
	JR_RECORD,	/* the next element of "records": value, index */
	JR_END,		/* the document ended well; records says whether it had them */
	JR_ERROR,	/* line, column and reason say what is wrong */
};

struct json_records;

struct json_records *json_records_new(FILE *in);
void json_records_free(struct json_records *r);

/* The next event.  *value (MEMBER, RECORD) is the caller's to json_decref;
 * *key (MEMBER) lives until the next call. */
enum json_records_event json_records_next(struct json_records *r, const char **key, json_t **value,
					  size_t *index);
/* After JR_ERROR: where and why.  After JR_END: whether "records" was seen. */
int json_records_line(const struct json_records *r);
int json_records_column(const struct json_records *r);
const char *json_records_reason(const struct json_records *r);
int json_records_seen_records(const struct json_records *r);

#endif
