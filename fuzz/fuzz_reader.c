/* libFuzzer harness: the reader, the roles and the views over any input, as
 * ckptdump runs them.  Every input is read and shown as text with its page
 * data; one in four sizes is also shown as JSON, one in four as YAML: those
 * two views cost five to seven times the text view (a jansson or libyaml
 * document per record), and they share the record walker the text view
 * already drives, so rendering every input in all three would only slow
 * the campaign.  Choosing by size keeps an input's run deterministic. */
#include <stdint.h>
#include <stdio.h>

#include "ckpt/decode.h"
#include "ckpt/image.h"
#include "ckpt/view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink;

static void render(const uint8_t *data, size_t size, enum ckpt_view_format format, bool pages)
{
	struct ckpt_view_options opt = { .format = format, .page_data = pages };
	struct ckpt_view *v = ckpt_view_new(sink, &opt);
	struct ckpt_error err;
	struct ckpt_image *img = ckpt_image_open_mem(data, size, &err);
	struct ckpt_roles roles;
	struct ckpt_record rec;
	struct ckpt_role role;
	int r = -1;

	ckpt_view_begin(v, "fuzz", img);
	if (img) {
		ckpt_roles_init(&roles);
		while ((r = ckpt_image_next_record(img, &rec)) == 1) {
			ckpt_roles_next(&roles, &rec, &role);
			if (ckpt_view_record(v, img, &rec, &role) < 0) {
				r = -1;
				break;
			}
		}
		if (r < 0)
			err = *ckpt_image_error(img);
	}
	ckpt_view_end(v, img, r < 0 ? &err : NULL);
	ckpt_view_free(v);
	ckpt_image_close(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!sink)
		sink = fopen("/dev/null", "w");
	render(data, size, CKPT_VIEW_TEXT, true);
	if (size % 4 == 1)
		render(data, size, CKPT_VIEW_JSON, size % 8 == 1);
	else if (size % 4 == 3)
		render(data, size, CKPT_VIEW_YAML, size % 8 == 3);
	return 0;
}
