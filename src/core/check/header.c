/* Header rules: what the image header itself must hold, independent of
 * the kernel it will be restored on.  (A wrong magic, revision or rev 6
 * arch makes an image unrecognisable: the reader refuses to open it.) */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "check/check_impl.h"

#define CR	(CKPT_DIALECT_BIT(CKPT_DIALECT_V17) | CKPT_DIALECT_BIT(CKPT_DIALECT_REV6))

enum { R_UFLAGS, R_BUFFER_SIZE };

static const struct ckpt_rule rules[] = {
	[R_UFLAGS] = { "header-uflags", "header", CKPT_SEV_ERROR, CR,
		"The header's uflags hold a flag restart does not know (rev 6 knows SUBTREE and "
		"NETNS; v17 restart accepts no flag at all)." },
	[R_BUFFER_SIZE] = { "header-buffer-size", "header", CKPT_SEV_ERROR, CR,
		"A record whose size the header's constants fix has another size: the uts "
		"release, version and machine BUFFERs (uts_*_len bytes) and each task's comm "
		"STRING (task_comm_len bytes)." },
};

/* Follower roles whose payload length is a header constant. */
static const struct {
	const char *role;
	const char *const_field;
} sized_roles[] = {
	{ "release", "uts_release_len" },
	{ "version", "uts_version_len" },
	{ "machine", "uts_machine_len" },
	{ "comm", "task_comm_len" },
};

struct state {
	bool have_header;
	uint64_t sizes[CKPT_ARRAY_LEN(sized_roles)];
	bool sized[CKPT_ARRAY_LEN(sized_roles)];
};

static void header(struct ckpt_check *c, struct state *st, const struct ckpt_record *rec)
{
	const struct ckpt_schema *s = check_schema(c);
	const struct ckpt_field *f = ckpt_rtype_field(rec->rt, "uflags");

	st->have_header = true;
	for (size_t i = 0; i < CKPT_ARRAY_LEN(sized_roles); i++) {
		const struct ckpt_field *cf = ckpt_rtype_field(rec->rt, sized_roles[i].const_field);

		if (cf && ckpt_field_fits(cf, rec->avail)) {
			st->sizes[i] = ckpt_field_u64(cf, rec->data);
			st->sized[i] = true;
		}
	}
	if (!f || !ckpt_field_fits(f, rec->avail))
		return;
	uint64_t v = ckpt_field_u64(f, rec->data), known = 0;

	/* v17's restart insists on uflags == 0; rev 6 knows the flags its
	 * table names. */
	if (s->dialect != CKPT_DIALECT_V17)
		for (size_t i = 0; f->names && i < f->names->count; i++)
			known |= f->names->names[i].value;
	if (v & ~known)
		check_report_rec(c, &rules[R_UFLAGS], -1, rec, check_field_offset(rec, f, rec->data),
				 "uflags 0x%" PRIx64 " has unknown flag bits 0x%" PRIx64 " (known: 0x%" PRIx64 ")",
				 v, v & ~known, known);
}

static void hd_record(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		      const struct ckpt_role *role)
{
	struct state *st = stp;
	const struct ckpt_schema *s = check_schema(c);

	if (rec->index == 0 && s->header_type && rec->type == s->header_type && rec->rt) {
		header(c, st, rec);
		return;
	}
	if (!role->name || !st->have_header)
		return;
	for (size_t i = 0; i < CKPT_ARRAY_LEN(sized_roles); i++) {
		uint64_t len = rec->len - rec->hdr_len;

		if (!st->sized[i] || strcmp(role->name, sized_roles[i].role) != 0 || len == st->sizes[i])
			continue;
		check_report_rec(c, &rules[R_BUFFER_SIZE], -1, rec, rec->offset,
				 "the %s %s holds %" PRIu64 " bytes, but the header's %s is %" PRIu64,
				 role->name, rec->rt ? rec->rt->name : "record", len,
				 sized_roles[i].const_field, st->sizes[i]);
	}
}

const struct check_module check_module_header = {
	.family = "header",
	.rules = rules,
	.n_rules = CKPT_ARRAY_LEN(rules),
	.state_size = sizeof(struct state),
	.record = hd_record,
};
