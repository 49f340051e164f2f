/* libFuzzer harness: the JSON encoder over any document text. */
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "ckpt/encode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct ckpt_encode_error err;
	json_t *doc = json_loadb((const char *)data, size, 0, NULL);

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (doc) {
		ckpt_encode_document(doc, sink, &err);
		json_decref(doc);
	}
	return 0;
}
