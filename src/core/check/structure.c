/* Structure rules: framing, record types, the fixed opening of the image,
 * how it ends, and what the record tables say about single fields (enum
 * values, string termination, padding). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "check/check_impl.h"
#include "ckpt/ext.h"
#include "ckpt/format.h"

#define ALL	CKPT_DIALECTS_ALL
#define CR	(CKPT_DIALECT_BIT(CKPT_DIALECT_V17) | CKPT_DIALECT_BIT(CKPT_DIALECT_REV6))

enum {
	R_FRAMING, R_TAIL_MISSING, R_TAIL_MAGIC, R_ERROR_RECORD, R_TYPE_UNKNOWN,
	R_PREFIX_ORDER, R_FOLLOWER_MISSING, R_FOLLOWER_ORPHAN, R_ENUM_UNKNOWN, R_STRING_UNTERMINATED,
	R_PADDING_NONZERO,
};

static const struct ckpt_rule rules[] = {
	[R_FRAMING] = { "framing", "structure", CKPT_SEV_ERROR, ALL,
		"The reader could not frame the image to its end: a record length, size rule, "
		"counted array, padding or the image header is malformed, or the image is cut short "
		"inside a record." },
	[R_TAIL_MISSING] = { "tail-missing", "structure", CKPT_SEV_ERROR, CR,
		"The image ends cleanly after a record but without the TAIL record that closes "
		"a complete image." },
	[R_TAIL_MAGIC] = { "tail-magic", "structure", CKPT_SEV_ERROR, CR,
		"The TAIL record's magic is not the format's tail magic." },
	[R_ERROR_RECORD] = { "image-error-record", "structure", CKPT_SEV_ERROR, CR,
		"The checkpoint failed: the image ends in an ERROR record (its message is quoted)." },
	[R_TYPE_UNKNOWN] = { "type-unknown", "structure", CKPT_SEV_WARNING, ALL,
		"A record type the dialect does not define: in rev 6 a warning (extension records "
		"are skipped by their length), in v17 and LinuxC/R an error (their restart refuses "
		"any type it does not expect)." },
	[R_PREFIX_ORDER] = { "prefix-order", "structure", CKPT_SEV_ERROR, ALL,
		"The image does not open with the dialect's fixed record sequence (rev 6: HEADER "
		"and 3 BUFFERs, HEADER_ARCH, CONTAINER with BUFFER and LSM_INFO, PIDS and BUFFER, "
		"TREE and BUFFER; v17: HEADER and 3 BUFFERs; OBJREF records may come in between)." },
	[R_FOLLOWER_MISSING] = { "follower-missing", "structure", CKPT_SEV_ERROR, ALL,
		"A record is not followed by the records its table says carry its data (the "
		"HEADER's uts BUFFERs, a TASK's comm STRING, a PGARR's pages BUFFER, ...)." },
	[R_FOLLOWER_ORPHAN] = { "follower-orphan", "structure", CKPT_SEV_WARNING, ALL,
		"A record that only carries a parent's data (a BUFFER, STRING, FILE_NAME, ...) comes "
		"where no parent announced it: a warning in rev 6, whose tables do not describe "
		"every record that writes buffers, an error in v17." },
	[R_ENUM_UNKNOWN] = { "enum-unknown", "structure", CKPT_SEV_WARNING, ALL,
		"An enumerated field holds a value its table does not name (for signal-number "
		"fields, zero and negative values mean none and are not reported)." },
	[R_STRING_UNTERMINATED] = { "string-unterminated", "structure", CKPT_SEV_ERROR, ALL,
		"A fixed character field or a text payload has no NUL terminator where the format "
		"requires one (the LinuxC/R signature is exempt: the table marks it as unterminated "
		"by design)." },
	[R_PADDING_NONZERO] = { "padding-nonzero", "structure", CKPT_SEV_WARNING, ALL,
		"A padding field holds non-zero bytes." },
};

/* One step of a dialect's fixed opening: a record type and, for a
 * follower, the role it plays for its parent. */
struct prefix_step {
	const char *type;
	const char *role;
};

static const struct prefix_step rev6_prefix[] = {
	{ "HEADER", NULL }, { "BUFFER", "release" }, { "BUFFER", "version" },
	{ "BUFFER", "machine" }, { "HEADER_ARCH", NULL }, { "CONTAINER", NULL },
	{ "BUFFER", "lsm_name" }, { "LSM_INFO", "lsm_info" }, { "PIDS", NULL },
	{ "BUFFER", "pids" }, { "TREE", NULL }, { "BUFFER", "tasks" },
};

static const struct prefix_step v17_prefix[] = {
	{ "HEADER", NULL }, { "BUFFER", "release" }, { "BUFFER", "version" },
	{ "BUFFER", "machine" },
};

/* The reader already insists the unframed header comes first. */
static const struct prefix_step linuxcr_prefix[] = {
	{ "HEADER", NULL },
};

struct state {
	const struct ckpt_schema *s;
	const struct prefix_step *prefix;
	size_t n_prefix, pos;
	bool prefix_done;
	struct ckpt_roles roles;	/* the followers announced so far */
	/* Types that some table lists as a follower and that have no fields:
	 * they exist only to carry a parent's data. */
	uint32_t carrier[16];
	size_t n_carrier;
	uint64_t error_index, error_offset;
	char error_msg[200];
	/* A text longer than the inline bytes, whose NUL is looked for in
	 * the rest of its record. */
	bool long_text, long_text_nul;
	uint64_t long_text_index;
	char long_text_role[32];
};

static int st_begin(struct ckpt_check *c, void *stp, const struct ckpt_image *img)
{
	struct state *st = stp;

	(void)img;

	st->s = check_schema(c);
	switch (st->s->dialect) {
	case CKPT_DIALECT_REV6:
		st->prefix = rev6_prefix;
		st->n_prefix = CKPT_ARRAY_LEN(rev6_prefix);
		break;
	case CKPT_DIALECT_V17:
		st->prefix = v17_prefix;
		st->n_prefix = CKPT_ARRAY_LEN(v17_prefix);
		break;
	case CKPT_DIALECT_LINUXCR:
		st->prefix = linuxcr_prefix;
		st->n_prefix = CKPT_ARRAY_LEN(linuxcr_prefix);
		break;
	case CKPT_DIALECT_NONE:
		break;
	}
	st->prefix_done = st->n_prefix == 0;
	ckpt_roles_init(&st->roles);
	for (size_t i = 0; i < st->s->n_types; i++)
		for (size_t k = 0; k < st->s->types[i].n_follows; k++) {
			uint32_t t = st->s->types[i].follows[k].type;
			const struct ckpt_rtype *rt = ckpt_schema_type(st->s, t);
			size_t j = 0;

			while (j < st->n_carrier && st->carrier[j] != t)
				j++;
			if (rt && !rt->n_fields && j == st->n_carrier &&
			    st->n_carrier < CKPT_ARRAY_LEN(st->carrier))
				st->carrier[st->n_carrier++] = t;
		}
	return 0;
}

static const char *step_text(const struct prefix_step *p, char *buf, size_t size)
{
	if (p->role)
		snprintf(buf, size, "%s (%s)", p->type, p->role);
	else
		snprintf(buf, size, "%s", p->type);
	return buf;
}

static void check_prefix(struct ckpt_check *c, struct state *st, const struct ckpt_record *rec,
			 const struct ckpt_role *role)
{
	const struct prefix_step *p = &st->prefix[st->pos];
	const struct ckpt_rtype *want = ckpt_schema_type_by_name(st->s, p->type);
	char buf[64], name[32];

	/* Objects are defined on first sight, so an OBJREF may come before
	 * the step that refers to it; a failed checkpoint may stop anywhere. */
	if (st->s->objref_type && rec->type == st->s->objref_type)
		return;
	/* So may an EXT_DIGEST: one covers at most CKPT_EXT_DIGEST_MAX
	 * records, fewer than the pid objects of a big tree's opening. */
	if (rec->type == CKPT_EXT_DIGEST && st->s->dialect == CKPT_DIALECT_REV6)
		return;
	if (st->s->error_type && rec->type == st->s->error_type) {
		st->prefix_done = true;
		return;
	}
	bool role_ok = p->role ? role->name && strcmp(role->name, p->role) == 0 : role->name == NULL;

	if (!want || rec->rt != want || !role_ok) {
		check_report_rec(c, &rules[R_PREFIX_ORDER], -1, rec, rec->offset,
				 "step %zu of the image's fixed opening must be %s, but this record is %s%s%s%s",
				 st->pos + 1, step_text(p, buf, sizeof(buf)),
				 check_record_name(rec, name, sizeof(name)),
				 role->name ? " (" : "", role->name ? role->name : "", role->name ? ")" : "");
		st->prefix_done = true;
		return;
	}
	if (++st->pos == st->n_prefix)
		st->prefix_done = true;
}

/* Reports the follower a parent announced but did not get. */
static void missing_follower(struct ckpt_check *c, struct state *st, uint64_t index,
			     uint64_t offset, const char *found)
{
	const struct ckpt_roles *r = &st->roles;
	const struct ckpt_follow *fo = r->follows[r->next];
	const struct ckpt_rtype *want = ckpt_schema_type(st->s, fo->type);

	check_report(c, &rules[R_FOLLOWER_MISSING], -1, index, offset, found,
		     "%s record %" PRIu64 " must be followed by its %s %s, but %s comes next",
		     r->parent->name, r->parent_index, fo->role, want ? want->name : "record",
		     found[0] ? found : "the end of the image");
}

static void st_record(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		      const struct ckpt_role *role)
{
	struct state *st = stp;
	const struct ckpt_schema *s = st->s;
	char name[32];
	struct ckpt_role mine;

	/* A failed checkpoint stops where it failed: its ERROR record may cut
	 * a parent short. */
	if (st->roles.parent && st->roles.next < st->roles.n &&
	    rec->type != st->roles.follows[st->roles.next]->type &&
	    !(s->error_type && rec->type == s->error_type))
		missing_follower(c, st, rec->index, rec->offset, check_record_name(rec, name, sizeof(name)));
	ckpt_roles_next(&st->roles, rec, &mine);
	if (!mine.name)
		for (size_t i = 0; i < st->n_carrier; i++)
			if (rec->type == st->carrier[i]) {
				check_report_rec(c, &rules[R_FOLLOWER_ORPHAN],
						 s->dialect == CKPT_DIALECT_V17 ? CKPT_SEV_ERROR : -1,
						 rec, rec->offset,
						 "this %s carries data, but the record before it announced none",
						 rec->rt->name);
				break;
			}
	if (!rec->rt)
		check_report_rec(c, &rules[R_TYPE_UNKNOWN],
				 s->dialect == CKPT_DIALECT_REV6 ? -1 : CKPT_SEV_ERROR, rec, rec->offset,
				 "record type %" PRIu32 " is not defined by %s; it is skipped by its "
				 "length (%" PRIu64 " bytes)", rec->type, s->title, rec->len);
	if (!st->prefix_done)
		check_prefix(c, st, rec, role);
	if (s->tail_type && rec->type == s->tail_type && rec->rt) {
		const struct ckpt_field *f = ckpt_rtype_field(rec->rt, "magic");

		if (f && ckpt_field_fits(f, rec->avail) && ckpt_field_u64(f, rec->data) != s->tail_magic)
			check_report_rec(c, &rules[R_TAIL_MAGIC], -1, rec, check_field_offset(rec, f, rec->data),
					 "TAIL magic is 0x%016" PRIx64 ", not 0x%016" PRIx64,
					 ckpt_field_u64(f, rec->data), s->tail_magic);
	}
	if (s->error_type && rec->type == s->error_type) {
		st->error_index = rec->index;
		st->error_offset = rec->offset;
	}
}

static void st_field(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		     const struct ckpt_field *f, const uint8_t *base)
{
	(void)stp;
	switch (f->kind) {
	case CKPT_K_ENUM: {
		uint64_t v = ckpt_field_u64(f, base);

		if (!ckpt_names_lookup(f->names, v))
			check_report_rec(c, &rules[R_ENUM_UNKNOWN], -1, rec, check_field_offset(rec, f, base),
					 "%s is %" PRIu64 ", which names no %s", f->name, v,
					 f->names ? f->names->what : "value");
		break;
	}
	case CKPT_K_SENUM: {
		int64_t v = ckpt_field_s64(f, base);

		if (v > 0 && !ckpt_names_lookup(f->names, (uint64_t)v))
			check_report_rec(c, &rules[R_ENUM_UNKNOWN], -1, rec, check_field_offset(rec, f, base),
					 "%s is %" PRId64 ", which names no %s", f->name, v,
					 f->names ? f->names->what : "value");
		break;
	}
	case CKPT_K_CHARS:
		if (!f->no_nul && !memchr(base + f->offset, 0, f->width))
			check_report_rec(c, &rules[R_STRING_UNTERMINATED], -1, rec,
					 check_field_offset(rec, f, base),
					 "%s fills all %" PRIu32 " bytes with no NUL terminator", f->name, f->width);
		break;
	case CKPT_K_PAD:
		/* The walk delivers a PAD field only when it is not all zero. */
		check_report_rec(c, &rules[R_PADDING_NONZERO], -1, rec, check_field_offset(rec, f, base),
				 "padding %s (%" PRIu32 " bytes) is not zero", f->name, f->width);
		break;
	default:
		break;
	}
}

static void st_text(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		    const struct ckpt_role *role, const uint8_t *s, size_t len, bool terminated)
{
	struct state *st = stp;
	enum ckpt_layout_kind layout = ckpt_record_layout(rec, role);

	if (layout == CKPT_L_ERRMSG)
		ckpt_escape(s, strnlen((const char *)s, len), st->error_msg, sizeof(st->error_msg));
	/* A text longer than the inline bytes ends beyond them: its
	 * terminator is looked for in the rest (st_bytes). */
	if (!terminated && rec->len > rec->avail) {
		st->long_text = true;
		st->long_text_nul = false;
		st->long_text_index = rec->index;
		snprintf(st->long_text_role, sizeof(st->long_text_role), "%s", role->name ? role->name : "payload");
		return;
	}
	if (!terminated)
		check_report_rec(c, &rules[R_STRING_UNTERMINATED], -1, rec, rec->offset,
				 "the %s text (%" PRIu64 " bytes) has no NUL terminator",
				 role->name ? role->name : "payload", rec->len - rec->hdr_len);
}

static void st_bytes(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		     const uint8_t *p, size_t n, bool last)
{
	struct state *st = stp;

	if (!st->long_text || st->long_text_index != rec->index)
		return;
	if (p && memchr(p, 0, n))
		st->long_text_nul = true;
	if (!last)
		return;
	st->long_text = false;
	/* p NULL: a stream gave the bytes to another reader first, so the
	 * terminator cannot be looked for; nothing is said of it. */
	if (p && !st->long_text_nul)
		check_report_rec(c, &rules[R_STRING_UNTERMINATED], -1, rec, rec->offset,
				 "the %s text (%" PRIu64 " bytes) has no NUL terminator",
				 st->long_text_role, rec->len - rec->hdr_len);
}

static void st_end(struct ckpt_check *c, void *stp, const struct check_outcome *out)
{
	struct state *st = stp;
	char buf[64];

	if (out->failed) {
		const struct ckpt_error *e = out->err;

		if (e->kind == CKPT_ERR_NO_TAIL)
			check_report(c, &rules[R_TAIL_MISSING], -1, e->index, e->offset, "",
				     "the image ends after record %" PRIu64 " without a TAIL record "
				     "(truncated or incomplete image)", out->last_index);
		else
			check_report(c, &rules[R_FRAMING], -1, e->index, e->offset, e->record,
				     "%s", e->reason);
		return;
	}
	if (st->roles.parent && st->roles.next < st->roles.n)
		missing_follower(c, st, out->last_index + 1, out->last_offset + out->last_len, "");
	if (out->end == CKPT_END_ERROR)
		check_report(c, &rules[R_ERROR_RECORD], -1, st->error_index, st->error_offset, "ERROR",
			     "the checkpoint failed; the image ends in an ERROR record: \"%s\"",
			     st->error_msg);
	else if (!st->prefix_done)
		check_report(c, &rules[R_PREFIX_ORDER], -1, out->last_index + 1,
			     out->last_offset + out->last_len, "",
			     "the image ends at step %zu of its fixed opening, before %s",
			     st->pos + 1, step_text(&st->prefix[st->pos], buf, sizeof(buf)));
}

const struct check_module check_module_structure = {
	.family = "structure",
	.rules = rules,
	.n_rules = CKPT_ARRAY_LEN(rules),
	.state_size = sizeof(struct state),
	.begin = st_begin,
	.record = st_record,
	.field = st_field,
	.text = st_text,
	.bytes = st_bytes,
	.end = st_end,
};
