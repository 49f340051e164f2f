/* The inside of a view: each format supplies these operations. */
#ifndef CKPT_VIEW_INTERNAL_H
#define CKPT_VIEW_INTERNAL_H

#include "ckpt/view.h"

struct view_ops {
	void *(*create)(FILE *out, const struct ckpt_view_options *opt);
	void (*begin)(void *priv, const char *source, const struct ckpt_image *img);
	int (*record)(void *priv, struct ckpt_image *img, const struct ckpt_record *rec,
		      const struct ckpt_role *role);
	void (*end)(void *priv, const struct ckpt_image *img, const struct ckpt_error *err);
	bool (*destroy)(void *priv);
};

extern const struct view_ops view_text_ops;
extern const struct view_ops view_json_ops;
extern const struct view_ops view_yaml_ops;

/* Image-level facts shared by the JSON and YAML documents. */
json_t *view_image_json(const char *source, const struct ckpt_image *img);
const char *view_end_name(enum ckpt_image_end end);

#endif
