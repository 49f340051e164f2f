/* Checking images: a registry of rules, each with a stable id, run in one
 * streaming pass over an image.  Findings are handed to the caller as they
 * are made, so memory does not grow with the image (only with what a rule
 * must remember, such as the objrefs defined so far). */
#ifndef CKPT_CHECK_H
#define CKPT_CHECK_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt/image.h"
#include "ckpt/kernel.h"

enum ckpt_severity {
	CKPT_SEV_INFO,
	CKPT_SEV_WARNING,
	CKPT_SEV_ERROR,
};

/* Dialect sets of a rule: bit (1 << enum ckpt_dialect). */
#define CKPT_DIALECT_BIT(d)	(1u << (d))
#define CKPT_DIALECTS_ALL	(CKPT_DIALECT_BIT(CKPT_DIALECT_V17) | \
				 CKPT_DIALECT_BIT(CKPT_DIALECT_REV6) | \
				 CKPT_DIALECT_BIT(CKPT_DIALECT_LINUXCR))

struct ckpt_rule {
	const char *id;			/* stable: "tail-magic", "objref-undefined" */
	const char *family;		/* "structure", "header", "kernel", "objref" */
	enum ckpt_severity severity;	/* default severity of its findings */
	unsigned dialects;		/* CKPT_DIALECT_BIT set */
	const char *doc;		/* one sentence */
};

struct ckpt_finding {
	const struct ckpt_rule *rule;
	enum ckpt_severity severity;	/* the rule's, or as an option changed it */
	uint64_t index;			/* record index */
	uint64_t offset;		/* byte offset (of the record, or the field) */
	char record[32];		/* record type name; "" when unknown */
	char message[320];		/* one plain sentence */
};

/* An object the user declares as lying outside the image (--external, the
 * same syntax for ckptcheck and ckptrestore): "fd:PID:FD" is the descriptor
 * FD of the image's task PID (its pid as the image records it), whose pipe,
 * socket or tty peer the user provides at restore time. */
enum ckpt_external_kind {
	CKPT_EXTERNAL_FD,
};

struct ckpt_external {
	enum ckpt_external_kind kind;
	int32_t pid;			/* >= 1 */
	int32_t fd;			/* >= 0 */
};

/* Parses one declaration.  0, or -1 with a one-line reason in err (the
 * spec shown escaped, so any byte is safe to print). */
int ckpt_external_parse(const char *spec, struct ckpt_external *out, char *err, size_t errsize);
/* Whether list (n entries) declares descriptor fd of task pid. */
bool ckpt_external_match(const struct ckpt_external *list, size_t n, int32_t pid, int32_t fd);

struct ckpt_check_options {
	const struct ckpt_kernel_profile *target;	/* NULL: no kernel rules run */
	const char *target_name;	/* for messages: "the running kernel", a path */
	bool allow_version_mismatch;	/* kernel-version becomes a warning */
	/* Warnings become errors (not the kernel-version warning asked for
	 * above), and so do the infos a rule names as strict errors (e.g.
	 * namespaces shared with processes outside the image). */
	bool strict;
	/* Checked before every record: once non-zero, the pass stops and
	 * judges nothing more (summary.interrupted).  NULL: never. */
	volatile sig_atomic_t *stop;
	/* Descriptors declared external (--external): their peers outside
	 * the image are the user's to provide, not a finding. */
	const struct ckpt_external *externals;
	size_t n_externals;
	/* --shell-job: a terminal whose other side is outside the image is
	 * the restorer's own terminal (ckptrestore --shell-job). */
	bool shell_job;
};

struct ckpt_check_summary {
	uint64_t records;		/* records read */
	uint64_t errors, warnings, infos;
	bool read_whole;		/* the reader reached the image's end cleanly */
	bool interrupted;		/* stopped by options.stop: the counts are partial */
};

/* Every rule, in a stable order (families in turn). */
const struct ckpt_rule *const *ckpt_check_rules(size_t *n);
const struct ckpt_rule *ckpt_check_rule(const char *id);
const char *ckpt_severity_name(enum ckpt_severity s);	/* "error", "warning", "info" */

struct ckpt_check;

struct ckpt_check *ckpt_check_new(const struct ckpt_check_options *opt);
void ckpt_check_free(struct ckpt_check *c);
/* Rule selection: every rule runs unless ckpt_check_only() named some;
 * ckpt_check_skip() turns one off.  -1 if no rule has that id. */
int ckpt_check_only(struct ckpt_check *c, const char *id);
int ckpt_check_skip(struct ckpt_check *c, const char *id);

typedef void (*ckpt_finding_fn)(void *arg, const struct ckpt_finding *f);

/* Checks the image from its current position to its end, in one pass.
 * Every finding goes to fn.  A reader failure is itself a finding (rule
 * framing or tail-missing).  0, or -1 when memory ran out. */
int ckpt_check_image(struct ckpt_check *c, struct ckpt_image *img, ckpt_finding_fn fn, void *arg,
		     struct ckpt_check_summary *sum);

#endif
