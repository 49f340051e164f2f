/* The YAML view: the same document as the JSON view, written through
 * libyaml's emitter, one record at a time. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "ckpt/summary.h"
#include "view/view.h"

struct yaml_view {
	FILE *out;
	struct ckpt_view_options opt;
	yaml_emitter_t em;
	bool ok;
};

static void emit(struct yaml_view *v, yaml_event_t *ev)
{
	if (v->ok && !yaml_emitter_emit(&v->em, ev))
		v->ok = false;
}

static void scalar(struct yaml_view *v, const char *s, size_t len, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len,
					  style == YAML_PLAIN_SCALAR_STYLE, style != YAML_PLAIN_SCALAR_STYLE,
					  style)) {
		v->ok = false;
		return;
	}
	emit(v, &ev);
}

static void plain(struct yaml_view *v, const char *s)
{
	scalar(v, s, strlen(s), YAML_PLAIN_SCALAR_STYLE);
}

static bool all_scalars(json_t *a)
{
	size_t i;
	json_t *x;

	json_array_foreach(a, i, x)
		if (json_is_object(x) || json_is_array(x))
			return false;
	return true;
}

/* Strings are always quoted: "0x10" or "no" must stay strings in YAML 1.1. */
static void emit_json(struct yaml_view *v, json_t *j)
{
	yaml_event_t ev;
	char buf[32];

	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *x;

		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
		emit(v, &ev);
		json_object_foreach(j, k, x) {
			plain(v, k);
			emit_json(v, x);
		}
		yaml_mapping_end_event_initialize(&ev);
		emit(v, &ev);
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *x;

		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, all_scalars(j) ?
						     YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
		emit(v, &ev);
		json_array_foreach(j, i, x)
			emit_json(v, x);
		yaml_sequence_end_event_initialize(&ev);
		emit(v, &ev);
		break;
	}
	case JSON_STRING:
		scalar(v, json_string_value(j), json_string_length(j), YAML_DOUBLE_QUOTED_SCALAR_STYLE);
		break;
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		plain(v, buf);
		break;
	case JSON_REAL:
		snprintf(buf, sizeof(buf), "%.17g", json_real_value(j));
		plain(v, buf);
		break;
	case JSON_TRUE:
		plain(v, "true");
		break;
	case JSON_FALSE:
		plain(v, "false");
		break;
	case JSON_NULL:
		plain(v, "null");
		break;
	}
}

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
	FILE *out = data;

	return fwrite(buffer, 1, size, out) == size;
}

static void *yv_create(FILE *out, const struct ckpt_view_options *opt)
{
	struct yaml_view *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->out = out;
	v->opt = *opt;
	v->ok = true;
	if (!yaml_emitter_initialize(&v->em)) {
		free(v);
		return NULL;
	}
	yaml_emitter_set_output(&v->em, write_handler, out);
	yaml_emitter_set_unicode(&v->em, 0);
	yaml_emitter_set_width(&v->em, -1);
	return v;
}

static void yv_begin(void *priv, const char *source, const struct ckpt_image *img)
{
	struct yaml_view *v = priv;
	yaml_event_t ev;
	json_t *head = view_image_json(source, img);
	const char *k;
	json_t *x;

	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	emit(v, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0);
	emit(v, &ev);
	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
	emit(v, &ev);
	json_object_foreach(head, k, x) {
		plain(v, k);
		emit_json(v, x);
	}
	json_decref(head);
	plain(v, "records");
	yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
	emit(v, &ev);
}

static int yv_record(void *priv, struct ckpt_image *img, const struct ckpt_record *rec,
		     const struct ckpt_role *role)
{
	struct yaml_view *v = priv;
	json_t *j = ckpt_record_json(img, rec, role, v->opt.page_data);

	if (!j)
		return -1;
	emit_json(v, j);
	json_decref(j);
	if (v->ok && !yaml_emitter_flush(&v->em))
		v->ok = false;
	return 0;
}

static void yv_end(void *priv, const struct ckpt_image *img, const struct ckpt_error *err)
{
	struct yaml_view *v = priv;
	yaml_event_t ev;
	const char *end = img ? view_end_name(ckpt_image_end(img)) : NULL;

	yaml_sequence_end_event_initialize(&ev);
	emit(v, &ev);
	plain(v, "end");
	if (end)
		scalar(v, end, strlen(end), YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	else
		plain(v, "null");
	plain(v, "error");
	if (err) {
		json_t *e = ckpt_error_json(err);

		emit_json(v, e);
		json_decref(e);
	} else {
		plain(v, "null");
	}
	yaml_mapping_end_event_initialize(&ev);
	emit(v, &ev);
	yaml_document_end_event_initialize(&ev, 1);
	emit(v, &ev);
	yaml_stream_end_event_initialize(&ev);
	emit(v, &ev);
	yaml_emitter_flush(&v->em);
}

static bool yv_destroy(void *priv)
{
	struct yaml_view *v = priv;
	bool ok = v->ok && fflush(v->out) == 0 && !ferror(v->out);

	yaml_emitter_delete(&v->em);
	free(v);
	return ok;
}

const struct view_ops view_yaml_ops = {
	.create = yv_create, .begin = yv_begin, .record = yv_record,
	.end = yv_end, .destroy = yv_destroy,
};

/* One whole JSON value as a YAML document (the summary's YAML form). */
bool ckpt_yaml_write(FILE *out, json_t *doc)
{
	struct ckpt_view_options opt = { .format = CKPT_VIEW_YAML };
	struct yaml_view *v = yv_create(out, &opt);
	yaml_event_t ev;

	if (!v)
		return false;
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	emit(v, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0);
	emit(v, &ev);
	emit_json(v, doc);
	yaml_document_end_event_initialize(&ev, 1);
	emit(v, &ev);
	yaml_stream_end_event_initialize(&ev);
	emit(v, &ev);
	yaml_emitter_flush(&v->em);
	return yv_destroy(v);
}
