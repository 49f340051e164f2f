/* libFuzzer harness: every ckptcheck rule over any input, in-process, as
 * ckptcheck runs them, against one fixed kernel profile (the rev 6 test
 * kernel, tests/profiles/linux-2.6.37-ckpt-v23.json), so the kernel rules
 * run and the result depends on the input alone. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/check.h"
#include "ckpt/image.h"
#include "ckpt/kernel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char profile_json[] =
	"{\"format\": \"ckpt-kernel-profile\", \"version\": 1,"
	" \"kernel\": {\"major\": 2, \"minor\": 6, \"patch\": 37, \"release\": \"2.6.37-ckpt-v23\"},"
	" \"arch\": \"x86_64\","
	" \"constants\": {\"task_comm_len\": 16, \"at_vector_size\": 44, \"signal_nsig\": 64,"
	" \"uts_sysname_len\": 65, \"uts_nodename_len\": 65, \"uts_release_len\": 65,"
	" \"uts_version_len\": 65, \"uts_machine_len\": 65, \"uts_domainname_len\": 65,"
	" \"rlimit_nlimits\": 16, \"n_tty_buf_size\": 4096, \"tty_termios_nccs\": 19},"
	" \"x86\": {\"has_fxsr\": 1, \"has_xsave\": 1, \"xstate_size\": 832}}";

static FILE *sink;
static struct ckpt_kernel_profile profile;

/* Prints each finding the way ckptcheck does, so its text is formatted. */
static void on_finding(void *arg, const struct ckpt_finding *f)
{
	(void)arg;
	fprintf(sink, "%s %s record %" PRIu64 " (%s) @%" PRIu64 ": %s\n",
		ckpt_severity_name(f->severity), f->rule->id, f->index, f->record, f->offset,
		f->message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ckpt_check_options opt = { .target = &profile, .target_name = "fuzz" };
	struct ckpt_check_summary sum = { 0 };
	struct ckpt_error err;
	struct ckpt_image *img;
	struct ckpt_check *c;

	if (!sink) {
		char msg[256];

		sink = fopen("/dev/null", "w");
		if (!sink || ckpt_kernel_profile_parse(profile_json, strlen(profile_json), &profile,
						       msg, sizeof(msg)) < 0) {
			fprintf(stderr, "fuzz_check: setup: %s\n", sink ? msg : "no /dev/null");
			abort();
		}
	}
	img = ckpt_image_open_mem(data, size, &err);
	if (!img)
		return 0;
	c = ckpt_check_new(&opt);
	if (c) {
		ckpt_check_image(c, img, on_finding, NULL, &sum);
		ckpt_check_free(c);
	}
	ckpt_image_close(img);
	return 0;
}
