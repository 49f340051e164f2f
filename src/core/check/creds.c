/* Credential rules: values a kernel never stores in a credential, judged
 * against the target kernel (its last capability, its securebits), as each
 * record goes by.  Every dialect with the fields is judged. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_impl.h"

#define NGROUPS_MAX	65536u
#define ID_INVALID	UINT64_C(0xffffffff)

enum { R_CRED_IDS, R_CAP_RANGE, R_SECUREBITS, R_GROUPS };

static const struct ckpt_rule rules[] = {
	[R_CRED_IDS] = { "cred-ids", "creds", CKPT_SEV_ERROR, CKPT_DIALECTS_ALL,
		"A credential's uid or gid (real, saved, effective, fs) or a USER's uid is -1 "
		"(4294967295), which the kernel never stores." },
	[R_CAP_RANGE] = { "cred-cap-range", "creds", CKPT_SEV_ERROR, CKPT_DIALECTS_ALL,
		"A capability set holds a bit past the last capability of the target kernel "
		"(cap_last_cap of its profile; not judged when the profile does not say)." },
	[R_SECUREBITS] = { "cred-securebits", "creds", CKPT_SEV_ERROR, CKPT_DIALECTS_ALL,
		"The securebits hold a bit the target kernel does not know." },
	[R_GROUPS] = { "cred-groups", "creds", CKPT_SEV_ERROR, CKPT_DIALECTS_ALL,
		"A GROUPINFO holds more than NGROUPS_MAX (65536) groups, or its groups are not "
		"sorted ascending without repeats, as the kernel keeps them." },
};

static const char *const id_fields[] = { "uid", "suid", "euid", "fsuid", "gid", "sgid", "egid", "fsgid" };
static const char *const cap_fields[] = { "cap_inheritable", "cap_permitted", "cap_effective", "cap_bset" };

struct state {
	unsigned last_cap;
	uint64_t securebits_known;
};

static bool at_least(const struct ckpt_kernel_profile *p, unsigned a, unsigned b, unsigned c)
{
	return p->major != a ? p->major > a : p->minor != b ? p->minor > b : p->patch >= c;
}

static int cr_begin(struct ckpt_check *c, void *stp, const struct ckpt_image *img)
{
	struct state *st = stp;
	const struct ckpt_kernel_profile *p = check_options(c)->target;

	(void)img;
	/* The last capability as the target's profile says (a profile that
	 * does not say leaves the sets unjudged), the securebits by the
	 * version that added them; with no target, the newest kernel's. */
	st->last_cap = p ? (p->cap_last_cap ? p->cap_last_cap : 63) : 40;
	st->securebits_known = !p || at_least(p, 6, 14, 0) ? 0xfff : at_least(p, 4, 3, 0) ? 0xff : 0x3f;
	return 0;
}

static void cr_field(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		     const struct ckpt_field *f, const uint8_t *base)
{
	struct state *st = stp;
	const char *type = rec->rt ? rec->rt->name : "";
	uint64_t v = ckpt_field_u64(f, base);

	if ((strcmp(type, "CRED") == 0 || strcmp(type, "USER") == 0) && f->width == 4) {
		for (size_t i = 0; i < CKPT_ARRAY_LEN(id_fields); i++)
			if (strcmp(f->name, id_fields[i]) == 0 && v == ID_INVALID)
				check_report_rec(c, &rules[R_CRED_IDS], -1, rec, check_field_offset(rec, f, base),
						 "%s is -1 (4294967295), which the kernel never stores", f->name);
		return;
	}
	if (strcmp(f->name, "securebits") == 0 && (v & ~st->securebits_known)) {
		check_report_rec(c, &rules[R_SECUREBITS], -1, rec, check_field_offset(rec, f, base),
				 "securebits 0x%" PRIx64 " hold bits 0x%" PRIx64 " the target kernel does not know",
				 v, v & ~st->securebits_known);
		return;
	}
	for (size_t i = 0; i < CKPT_ARRAY_LEN(cap_fields); i++) {
		uint64_t over = st->last_cap >= 63 ? 0 : v & ~((UINT64_C(2) << st->last_cap) - 1);

		if (strcmp(f->name, cap_fields[i]) == 0 && f->width == 8 && over)
			check_report_rec(c, &rules[R_CAP_RANGE], -1, rec, check_field_offset(rec, f, base),
					 "%s 0x%" PRIx64 " holds bits 0x%" PRIx64 " past the target kernel's "
					 "last capability (%u)", f->name, v, over, st->last_cap);
	}
}

static void cr_record(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		      const struct ckpt_role *role)
{
	const struct ckpt_field *nf;

	(void)stp;
	if (!rec->rt || role->name || strcmp(rec->rt->name, "GROUPINFO") != 0 ||
	    !(nf = ckpt_rtype_field(rec->rt, "ngroups")) || !ckpt_field_fits(nf, rec->avail))
		return;
	uint64_t n = ckpt_field_u64(nf, rec->data);
	const uint64_t first = 12;	/* the groups array */

	if (n > NGROUPS_MAX) {
		check_report_rec(c, &rules[R_GROUPS], -1, rec, rec->offset + nf->offset,
				 "ngroups is %" PRIu64 ", more than NGROUPS_MAX (%u)", n, NGROUPS_MAX);
		return;
	}
	for (uint64_t i = 1; i < n && first + 4 * (i + 1) <= rec->avail; i++) {
		uint32_t a = (uint32_t)ckpt_le_load(rec->data + first + 4 * (i - 1), 4);
		uint32_t b = (uint32_t)ckpt_le_load(rec->data + first + 4 * i, 4);

		if (a >= b) {
			check_report_rec(c, &rules[R_GROUPS], -1, rec, rec->offset + first + 4 * i,
					 "group %" PRIu64 " (%" PRIu32 ") %s group %" PRIu64 " (%" PRIu32 "): the "
					 "kernel keeps groups sorted, each once", i + 1, b,
					 a == b ? "repeats" : "sorts before", i, a);
			return;
		}
	}
}

const struct check_module check_module_creds = {
	.family = "creds",
	.rules = rules,
	.n_rules = CKPT_ARRAY_LEN(rules),
	.state_size = sizeof(struct state),
	.begin = cr_begin,
	.record = cr_record,
	.field = cr_field,
};
