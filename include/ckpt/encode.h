/* The encoder: the JSON document of `ckptdump --json --pages` back into an
 * image, byte for byte, through the same record tables the views use. */
#ifndef CKPT_ENCODE_H
#define CKPT_ENCODE_H

#include <stdio.h>
#include <jansson.h>

struct ckpt_encode_error {
	char path[160];		/* JSON path of the bad value: records[12].fields.vm_start */
	char reason[224];
};

/* Writes the image the document describes to out.  0, or -1 with *err
 * naming the JSON path and what is wrong (or the write error). */
int ckpt_encode_document(json_t *doc, FILE *out, struct ckpt_encode_error *err);

#endif
