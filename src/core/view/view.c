/* Dispatch to the view formats. */
#include <stdlib.h>
#include <string.h>

#include "ckpt/format.h"

#include "view/view.h"

struct ckpt_view {
	const struct view_ops *ops;
	void *priv;
};

struct ckpt_view *ckpt_view_new(FILE *out, const struct ckpt_view_options *opt)
{
	static const struct view_ops *const by_format[] = {
		[CKPT_VIEW_TEXT] = &view_text_ops,
		[CKPT_VIEW_JSON] = &view_json_ops,
		[CKPT_VIEW_YAML] = &view_yaml_ops,
	};
	struct ckpt_view *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->ops = by_format[opt->format];
	v->priv = v->ops->create(out, opt);
	if (!v->priv) {
		free(v);
		return NULL;
	}
	return v;
}

void ckpt_view_begin(struct ckpt_view *v, const char *source, const struct ckpt_image *img)
{
	v->ops->begin(v->priv, source, img);
}

int ckpt_view_record(struct ckpt_view *v, struct ckpt_image *img,
		     const struct ckpt_record *rec, const struct ckpt_role *role)
{
	return v->ops->record(v->priv, img, rec, role);
}

void ckpt_view_end(struct ckpt_view *v, const struct ckpt_image *img, const struct ckpt_error *err)
{
	v->ops->end(v->priv, img, err);
}

bool ckpt_view_free(struct ckpt_view *v)
{
	bool ok = v->ops->destroy(v->priv);

	free(v);
	return ok;
}

const char *view_end_name(enum ckpt_image_end end)
{
	switch (end) {
	case CKPT_END_TAIL: return "tail";
	case CKPT_END_ERROR: return "error-record";
	case CKPT_END_EOF: return "eof";
	case CKPT_END_NONE: break;
	}
	return NULL;
}

json_t *view_image_json(const char *source, const struct ckpt_image *img)
{
	const struct ckpt_schema *s = img ? ckpt_image_schema(img) : NULL;
	char name[1024];

	/* File names are bytes, JSON strings are UTF-8: escape like image text. */
	ckpt_escape((const uint8_t *)source, strlen(source), name, sizeof(name));
	source = name;
	return json_pack("{s:i, s:s, s:o, s:o}",
			 "ckptdump", CKPT_VIEW_SHAPE_VERSION,
			 "source", source,
			 "dialect", s ? json_string(s->id) : json_null(),
			 "dialect_title", s ? json_string(s->title) : json_null());
}
