/* The encoder: the JSON document of `ckptdump --json --pages` back into an
 * image, byte for byte, through the same record tables the views use. */
#ifndef CKPT_ENCODE_H
#define CKPT_ENCODE_H

#include <stdio.h>
#include <jansson.h>

struct ckpt_encode_error {
	char path[160];		/* JSON path of the bad value: records[12].fields.vm_start */
	char reason[224];
	/* Where the document is not JSON (ckpt_encode_stream): line and
	 * column, and path "" or the record; 0 for a bad value. */
	int line, column;
};

/* Writes the image the document describes to out.  0, or -1 with *err
 * naming the JSON path and what is wrong (or the write error). */
int ckpt_encode_document(json_t *doc, FILE *out, struct ckpt_encode_error *err);

/* The same from the document's text, read from in as a stream: the
 * records are decoded and written one at a time, so memory is bounded by
 * the largest record, not the document ("dialect" must come before
 * "records", as ckptdump writes it).  What was written before an error
 * stays written. */
int ckpt_encode_stream(FILE *in, FILE *out, struct ckpt_encode_error *err);

#endif
