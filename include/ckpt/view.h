/* Views: any image printed record by record as text, JSON or YAML, from the
 * record tables alone.  Output is streamed: one record at a time. */
#ifndef CKPT_VIEW_H
#define CKPT_VIEW_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

#include "ckpt/decode.h"
#include "ckpt/image.h"

enum ckpt_view_format { CKPT_VIEW_TEXT, CKPT_VIEW_JSON, CKPT_VIEW_YAML };

/* The version of the JSON/YAML document shape (documented in ckptdump(1)). */
#define CKPT_VIEW_SHAPE_VERSION 1

struct ckpt_view_options {
	enum ckpt_view_format format;
	bool page_data;		/* hexdump page contents instead of run digests */
};

struct ckpt_view;

struct ckpt_view *ckpt_view_new(FILE *out, const struct ckpt_view_options *opt);
/* img may be NULL when the image could not be opened at all. */
void ckpt_view_begin(struct ckpt_view *v, const char *source, const struct ckpt_image *img);
/* 0, or -1 when the image failed while the record was being read. */
int ckpt_view_record(struct ckpt_view *v, struct ckpt_image *img,
		     const struct ckpt_record *rec, const struct ckpt_role *role);
/* err: the error that stopped the image, or NULL. */
void ckpt_view_end(struct ckpt_view *v, const struct ckpt_image *img, const struct ckpt_error *err);
/* Frees the view; false if writing the output failed. */
bool ckpt_view_free(struct ckpt_view *v);

/* One record as a JSON object (the "records" element of the JSON view);
 * NULL if the image failed while reading it. */
json_t *ckpt_record_json(struct ckpt_image *img, const struct ckpt_record *rec,
			 const struct ckpt_role *role, bool page_data);
/* A field's value as JSON (integer, "0x.." string, name, list of names). */
json_t *ckpt_field_json(const struct ckpt_field *f, const uint8_t *base);
json_t *ckpt_error_json(const struct ckpt_error *err);

#endif
