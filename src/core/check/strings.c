/* Text and scalar-range rules (rev 6): paths a restart opens, the fs
 * strings it needs, signal numbers, the producer's facts, and how long a
 * text may claim to be.  Judged record by record, without the model. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_impl.h"
#include "ckpt/ext.h"

#define REV6	CKPT_DIALECT_BIT(CKPT_DIALECT_REV6)

/* PATH_MAX with its NUL; any other text: far above a real command line
 * (a few MiB at most), far below "gigabytes". */
#define PATH_TEXT_MAX	4096u
#define TEXT_MAX	(UINT64_C(16) << 20)
#define NSIG_X86	64
#define PID_MAX_LIMIT	4194304
#define FROZEN_MAX_NS	(UINT64_C(86400) * 1000000000u)

enum { R_PATH_NUL, R_FS_EMPTY, R_SIGNAL_RANGE, R_PRODUCER, R_TEXT_SIZE };

static const struct ckpt_rule rules[] = {
	[R_PATH_NUL] = { "path-nul", "strings", CKPT_SEV_ERROR, REV6,
		"A FILE_NAME (a file's path, the root or the working directory) holds a NUL before "
		"its end: the path restart opens would be another, shorter one." },
	[R_FS_EMPTY] = { "fs-empty", "strings", CKPT_SEV_ERROR, REV6,
		"An FS object's root or working directory is empty." },
	[R_SIGNAL_RANGE] = { "signal-range", "strings", CKPT_SEV_ERROR, REV6,
		"A task's exit_signal or pdeath_signal lies outside 0.._NSIG (64); a thread's "
		"exit_signal may be -1." },
	[R_PRODUCER] = { "producer-facts", "strings", CKPT_SEV_WARNING, REV6,
		"EXT_PRODUCER facts out of range: a version this reader does not know, a root pid "
		"outside 1..4194304, no time, or a freeze longer than a day." },
	[R_TEXT_SIZE] = { "text-size", "strings", CKPT_SEV_ERROR, REV6,
		"A text claims more bytes than it can hold: a FILE_NAME longer than PATH_MAX "
		"(4096), or any other text longer than 16 MiB." },
};

static int tx_begin(struct ckpt_check *c, void *stp, const struct ckpt_image *img)
{
	(void)stp;
	(void)img;
	(void)c;
	return 0;
}

static bool is_type(const struct ckpt_record *rec, const char *name)
{
	return rec->rt && strcmp(rec->rt->name, name) == 0;
}

static void check_text(struct ckpt_check *c, const struct ckpt_record *rec, const struct ckpt_role *role)
{
	uint64_t len = rec->len - rec->hdr_len;
	bool path = is_type(rec, "FILE_NAME");

	if (len > (path ? PATH_TEXT_MAX : TEXT_MAX)) {
		check_report_rec(c, &rules[R_TEXT_SIZE], -1, rec, rec->offset,
				 "the %s text claims %" PRIu64 " bytes, more than %s", role->name, len,
				 path ? "PATH_MAX (4096)" : "16 MiB");
		return;
	}
	if (!path)
		return;
	const uint8_t *s = rec->data + rec->hdr_len;
	size_t n = rec->avail - rec->hdr_len;
	size_t used = n;

	while (used && !s[used - 1])	/* the text up to its last non-zero byte */
		used--;
	const uint8_t *nul = memchr(s, 0, used);

	if (nul)
		check_report_rec(c, &rules[R_PATH_NUL], -1, rec, rec->offset + rec->hdr_len + (uint64_t)(nul - s),
				 "the %s path holds a NUL at byte %zu of its %zu", role->name, (size_t)(nul - s), used);
	else if (!used && role->parent && strcmp(role->parent->name, "FS") == 0)
		check_report_rec(c, &rules[R_FS_EMPTY], -1, rec, rec->offset,
				 "the FS %s is empty", role->name);
}

static void tx_record(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		      const struct ckpt_role *role)
{
	(void)stp;
	if (!rec->rt || check_schema(c)->dialect != CKPT_DIALECT_REV6)
		return;
	if (role->name) {
		if (role->follow && role->follow->layout.kind == CKPT_L_STRING)
			check_text(c, rec, role);
		return;
	}
	if (is_type(rec, "TASK")) {
		static const char *const sig[] = { "exit_signal", "pdeath_signal" };

		for (size_t i = 0; i < CKPT_ARRAY_LEN(sig); i++) {
			const struct ckpt_field *f = ckpt_rtype_field(rec->rt, sig[i]);
			int64_t v = f && ckpt_field_fits(f, rec->avail) ? ckpt_field_s64(f, rec->data) : 0;

			if (v > NSIG_X86 || v < (i == 0 ? -1 : 0))
				check_report_rec(c, &rules[R_SIGNAL_RANGE], -1, rec, rec->offset + f->offset,
						 "%s is %" PRId64 ", outside 0..64", sig[i], v);
		}
	} else if (rec->type == CKPT_EXT_PRODUCER && rec->avail >= CKPT_EXT_PRODUCER_LEN) {
		uint64_t version = ckpt_le_load(rec->data + 8, 2);
		int64_t root = (int32_t)(uint32_t)ckpt_le_load(rec->data + 12, 4);
		uint64_t time = ckpt_le_load(rec->data + 16, 8), frozen = ckpt_le_load(rec->data + 24, 8);
		const char *why = version != CKPT_EXT_VERSION ? "ext_version is not 1" :
				  root < 1 || root > PID_MAX_LIMIT ? "root_pid lies outside 1..4194304" :
				  !time ? "time_ns is 0" : frozen > FROZEN_MAX_NS ? "frozen_ns is more than a day" :
				  NULL;

		if (why)
			check_report_rec(c, &rules[R_PRODUCER], -1, rec, rec->offset,
					 "%s (ext_version %" PRIu64 ", root_pid %" PRId64 ", time_ns %" PRIu64
					 ", frozen_ns %" PRIu64 ")", why, version, root, time, frozen);
	}
}

const struct check_module check_module_text = {
	.family = "strings",
	.rules = rules,
	.n_rules = CKPT_ARRAY_LEN(rules),
	.state_size = 1,
	.begin = tx_begin,
	.record = tx_record,
};
