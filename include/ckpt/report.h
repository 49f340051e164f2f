/* Reports: ckptcheck's findings and ckptdiff's items rendered as text or
 * as JSON, and a JSON document written as it is produced (a streamed
 * array of items between ordinary members), so that millions of findings
 * or differences take bounded memory.  Next to the record views. */
#ifndef CKPT_REPORT_H
#define CKPT_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

#include "ckpt/check.h"
#include "ckpt/diff.h"

/* -- a streamed JSON document ---------------------------------------------- */

/* Written with two-space indentation and members in the order given, as
 * json_dumpf(JSON_INDENT(2) | JSON_PRESERVE_ORDER) would write the whole
 * document.  Every call takes ownership of the json_t it is given. */
struct ckpt_json_stream;

struct ckpt_json_stream *ckpt_json_stream_new(FILE *out);
void ckpt_json_stream_member(struct ckpt_json_stream *s, const char *key, json_t *value);
/* An array member whose elements follow one at a time. */
void ckpt_json_stream_array_begin(struct ckpt_json_stream *s, const char *key);
void ckpt_json_stream_array_item(struct ckpt_json_stream *s, json_t *value);
void ckpt_json_stream_array_end(struct ckpt_json_stream *s);
/* Closes the document and frees s; false if building or writing failed. */
bool ckpt_json_stream_end(struct ckpt_json_stream *s);

/* -- findings --------------------------------------------------------------- */

/* "error RULE record N (TYPE) @OFF (0xOFF): message" and a newline. */
void ckpt_finding_print(FILE *out, const struct ckpt_finding *f);
/* {"rule", "severity", "record", "offset", "type"?, "message"} */
json_t *ckpt_finding_json(const struct ckpt_finding *f);

/* -- diff items ------------------------------------------------------------- */

/* The text of a diff: a "---"/"+++" heading before the first item, an
 * object line when the object changes, a line per difference. */
struct ckpt_diff_text;

struct ckpt_diff_text *ckpt_diff_text_new(FILE *out, bool color, const char *name_a, const char *title_a,
					  const char *name_b, const char *title_b);
/* The heading alone (written once, before the first item). */
void ckpt_diff_text_heading(struct ckpt_diff_text *t);
void ckpt_diff_text_item(struct ckpt_diff_text *t, const struct ckpt_diff_item *it);
void ckpt_diff_text_free(struct ckpt_diff_text *t);

/* "changed", "added", "removed", "pages", "sharing" */
const char *ckpt_diff_kind_name(enum ckpt_diff_kind k);
const char *ckpt_diff_range_kind_name(enum ckpt_diff_range_kind k);
/* One item as ckptdiff --json writes it (its "differences" element). */
json_t *ckpt_diff_item_json(const struct ckpt_diff_item *it);

#endif
