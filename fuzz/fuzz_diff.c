/* libFuzzer harness: ckptdiff of the input against a fixed sample
 * (FUZZ_SAMPLE, samples/rev6-tasks.ckpt), in-process as ckptdiff runs it:
 * both models, then the object-by-object comparison with page bytes, in
 * both directions, matching by pid or by tree position as the input's
 * length decides.  Every difference's text is formatted, so views run. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/diff.h"
#include "ckpt/image.h"
#include "ckpt/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink;
static uint8_t *sample;
static size_t sample_len;

static void on_item(void *arg, const struct ckpt_diff_item *it)
{
	(void)arg;
	fprintf(sink, "%d %s %s %s %s", (int)it->kind, it->object ? it->object : "",
		it->type ? it->type : "", it->key ? it->key : "", it->field ? it->field : "");
	if (it->a.text)
		fprintf(sink, " %s", it->a.text);
	if (it->b.text)
		fprintf(sink, " %s", it->b.text);
	for (size_t i = 0; i < it->n_ranges; i++)
		fprintf(sink, " %llx+%llu", (unsigned long long)it->ranges[i].start,
			(unsigned long long)it->ranges[i].pages);
	fputc('\n', sink);
}

static void setup(void)
{
	FILE *f = fopen(FUZZ_SAMPLE, "rb");
	long n;

	sink = fopen("/dev/null", "w");
	if (!f || !sink || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) <= 0) {
		fprintf(stderr, "fuzz_diff: cannot read %s\n", FUZZ_SAMPLE);
		abort();
	}
	rewind(f);
	sample_len = (size_t)n;
	sample = malloc(sample_len);
	if (!sample || fread(sample, 1, sample_len, f) != sample_len)
		abort();
	fclose(f);
}

static void diff_one_way(struct ckpt_image *a, const struct ckpt_model *ma,
			 struct ckpt_image *b, const struct ckpt_model *mb,
			 const struct ckpt_diff_options *opt)
{
	struct ckpt_diff_summary sum = { 0 };
	struct ckpt_error err;

	ckpt_diff_models(a, ma, b, mb, opt, on_item, NULL, &sum, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ckpt_diff_options opt = {
		.match = size % 2 ? CKPT_DIFF_MATCH_TREE : CKPT_DIFF_MATCH_PID,
		.page_bytes = true,
		.trust_digests = size % 3 == 0,
	};
	struct ckpt_error err;
	struct ckpt_image *in, *ref;
	struct ckpt_model *min = NULL, *mref = NULL;

	if (!sample)
		setup();
	in = ckpt_image_open_mem(data, size, &err);
	ref = ckpt_image_open_mem(sample, sample_len, &err);
	if (!in || !ref)
		goto out;
	min = ckpt_model_build(in);
	mref = ckpt_model_build(ref);
	/* ckptdiff refuses an image its model pass could not read whole. */
	if (!min || !mref || min->failed || mref->failed)
		goto out;
	diff_one_way(in, min, ref, mref, &opt);
	diff_one_way(ref, mref, in, min, &opt);
out:
	ckpt_model_free(min);
	ckpt_model_free(mref);
	if (in)
		ckpt_image_close(in);
	if (ref)
		ckpt_image_close(ref);
	return 0;
}
