/* libFuzzer harness: the browser's command layer.  The input is a command
 * script (lines of `;`-separated commands, as `ckptdump -i IMAGE < script`
 * reads them) run against one fixed sample, the rev 6 process tree
 * (FUZZ_SAMPLE, compiled in by fuzz/run.sh); output and error lines go to
 * /dev/null.  The session is opened once; each input starts with no record
 * shown, so a run depends on the input alone. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/image.h"
#include "ckpt/model.h"
#include "browse.h"

#ifndef FUZZ_SAMPLE
#error "FUZZ_SAMPLE: the path of the image the commands run against"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct browse session = { .path = FUZZ_SAMPLE, .spool_fd = -1 };

static void open_session(void)
{
	struct ckpt_error err;
	FILE *sink = fopen("/dev/null", "w");

	session.img = ckpt_image_open(session.path, &err);
	session.m = session.img ? ckpt_model_build(session.img) : NULL;
	if (!sink || !session.m || session.m->failed) {
		fprintf(stderr, "fuzz_browse: cannot open %s as a session\n", session.path);
		abort();
	}
	snprintf(session.shown, sizeof(session.shown), "%s", session.path);
	session.out = sink;
	session.err = sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *script = malloc(size + 1);

	if (!script)
		return 0;
	if (!session.m)
		open_session();
	memcpy(script, data, size);
	script[size] = '\0';
	session.cur = CKPT_MODEL_NONE;
	for (char *save = NULL, *line = strtok_r(script, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (browse_run_line(&session, line, NULL) == 1)
			break;
	free(script);
	return 0;
}
