/* Kernel compatibility rules: the image against a target kernel profile
 * (the running kernel's, or one saved with --save-profile), as restart
 * would compare them. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "check/check_impl.h"

#define ALL	CKPT_DIALECTS_ALL
#define CR	(CKPT_DIALECT_BIT(CKPT_DIALECT_V17) | CKPT_DIALECT_BIT(CKPT_DIALECT_REV6))
#define REV6	CKPT_DIALECT_BIT(CKPT_DIALECT_REV6)

enum { R_VERSION, R_CONST, R_ARCH };

static const struct ckpt_rule rules[] = {
	[R_VERSION] = { "kernel-version", "kernel", CKPT_SEV_ERROR, ALL,
		"The image's kernel version (major.minor.patch) differs from the target's, which "
		"restart refuses (a warning with --allow-version-mismatch; for LinuxC/R, whose "
		"header carries only a release string, an info line when the releases differ)." },
	[R_CONST] = { "kernel-const", "kernel", CKPT_SEV_ERROR, CR,
		"A kernel constant of the header (task_comm_len, at_vector_size, signal_nsig, the "
		"six uts lengths, rlimit_nlimits, n_tty_buf_size, tty_termios_nccs) differs from "
		"the target's; one finding per constant." },
	[R_ARCH] = { "kernel-arch", "kernel", CKPT_SEV_ERROR, REV6,
		"The image's arch, or an x86 FPU fact of HEADER_ARCH (has_fxsr, has_xsave, "
		"xstate_size), differs from the target's." },
};

/* The x86 facts HEADER_ARCH carries, by field name. */
static const char *const x86_facts[] = { "has_fxsr", "has_xsave", "xstate_size" };

struct state {
	const struct ckpt_kernel_profile *t;
	const char *tname;
	const struct ckpt_rtype *header_arch;
};

static int kn_begin(struct ckpt_check *c, void *stp, const struct ckpt_image *img)
{
	struct state *st = stp;

	(void)img;
	st->t = check_options(c)->target;
	st->tname = check_options(c)->target_name ? check_options(c)->target_name : "the target kernel";
	st->header_arch = ckpt_schema_type_by_name(check_schema(c), "HEADER_ARCH");
	return 0;
}

static bool get(const struct ckpt_record *rec, const char *name, uint64_t *v,
		const struct ckpt_field **fp)
{
	const struct ckpt_field *f = ckpt_rtype_field(rec->rt, name);

	if (!f || !ckpt_field_fits(f, rec->avail))
		return false;
	*v = ckpt_field_u64(f, rec->data);
	if (fp)
		*fp = f;
	return true;
}

static void linuxcr_header(struct ckpt_check *c, struct state *st, const struct ckpt_record *rec)
{
	const struct ckpt_field *f = ckpt_rtype_field(rec->rt, "uts_release");
	char rel[65] = { 0 };

	if (!f || !ckpt_field_fits(f, rec->avail))
		return;
	memcpy(rel, rec->data + f->offset, f->width < 64 ? f->width : 64);
	for (size_t i = 0; rel[i]; i++)
		if ((unsigned char)rel[i] < 0x20 || (unsigned char)rel[i] > 0x7e)
			rel[i] = '?';
	if (strcmp(rel, st->t->release) != 0)
		check_report_rec(c, &rules[R_VERSION], CKPT_SEV_INFO, rec,
				 check_field_offset(rec, f, rec->data),
				 "the image was taken on kernel release \"%s\"; %s runs \"%s\"",
				 rel, st->tname, st->t->release);
}

static void header(struct ckpt_check *c, struct state *st, const struct ckpt_record *rec)
{
	const struct ckpt_kernel_profile *t = st->t;
	const struct ckpt_field *f = NULL;
	uint64_t maj, min, pat, v;

	if (get(rec, "major", &maj, &f) && get(rec, "minor", &min, NULL) && get(rec, "patch", &pat, NULL) &&
	    (maj != t->major || min != t->minor || pat != t->patch))
		check_report_rec(c, &rules[R_VERSION],
				 check_options(c)->allow_version_mismatch ? CKPT_SEV_WARNING : -1, rec,
				 check_field_offset(rec, f, rec->data),
				 "the image was taken on kernel %" PRIu64 ".%" PRIu64 ".%" PRIu64 " but %s is "
				 "%u.%u.%u (%s); restart demands the exact version",
				 maj, min, pat, st->tname, t->major, t->minor, t->patch, t->release);
	for (int i = 0; i < CKPT_KERNEL_NCONST; i++) {
		const char *name = ckpt_kernel_const_names[i];

		if (get(rec, name, &v, &f) && v != t->consts[i])
			check_report_rec(c, &rules[R_CONST], -1, rec, check_field_offset(rec, f, rec->data),
					 "constant %s is %" PRIu64 " in the image but %u on %s",
					 name, v, t->consts[i], st->tname);
	}
	if (get(rec, "arch_id", &v, &f)) {
		unsigned want = ckpt_kernel_arch_id(t->arch);
		const char *an = ckpt_names_lookup(f->names, v);

		if (v != want)
			check_report_rec(c, &rules[R_ARCH], -1, rec, check_field_offset(rec, f, rec->data),
					 "the image is for arch %" PRIu64 " (%s) but %s runs on %s",
					 v, an ? an : "unknown", st->tname, t->arch);
	}
}

static void header_arch(struct ckpt_check *c, struct state *st, const struct ckpt_record *rec)
{
	const unsigned want[] = { st->t->has_fxsr, st->t->has_xsave, st->t->xstate_size };
	const struct ckpt_field *f;
	uint64_t v;

	for (size_t i = 0; i < CKPT_ARRAY_LEN(x86_facts); i++)
		if (get(rec, x86_facts[i], &v, &f) && v != want[i])
			check_report_rec(c, &rules[R_ARCH], -1, rec, check_field_offset(rec, f, rec->data),
					 "%s is %" PRIu64 " in the image but %u on %s",
					 x86_facts[i], v, want[i], st->tname);
}

static void kn_record(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		      const struct ckpt_role *role)
{
	struct state *st = stp;
	const struct ckpt_schema *s = check_schema(c);

	(void)role;
	if (!st->t || !rec->rt)
		return;
	if (rec->index == 0 && s->preamble && rec->rt == s->preamble)
		linuxcr_header(c, st, rec);
	else if (rec->index == 0 && s->header_type && rec->type == s->header_type)
		header(c, st, rec);
	else if (st->header_arch && rec->rt == st->header_arch)
		header_arch(c, st, rec);
}

const struct check_module check_module_kernel = {
	.family = "kernel",
	.rules = rules,
	.n_rules = CKPT_ARRAY_LEN(rules),
	.state_size = sizeof(struct state),
	.begin = kn_begin,
	.record = kn_record,
};
