/* Record tables and name tables against the format reference.
 *
 * The sizes, offsets and type numbers below are re-typed from
 * ../shared/reference/linux-cr-format.md on purpose instead of being taken
 * from the tables: a test that derives its expectations from the data it
 * checks cannot catch a wrong table.
 */
#include <check.h>

#include "suites.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/schema.h"
#include "schema/table.h"

static const struct ckpt_schema *const all_schemas[] = {
	&ckpt_schema_v17, &ckpt_schema_rev6, &ckpt_schema_linuxcr,
};

static const struct ckpt_schema *schema_of(enum ckpt_dialect d)
{
	for (size_t i = 0; i < CKPT_ARRAY_LEN(all_schemas); i++)
		if (all_schemas[i]->dialect == d)
			return all_schemas[i];
	return NULL;
}

/* The preamble has no type number, so it is found by name here. */
static const struct ckpt_rtype *rtype_named(const struct ckpt_schema *s, const char *name)
{
	if (s->preamble && strcmp(s->preamble->name, name) == 0)
		return s->preamble;
	return ckpt_schema_type_by_name(s, name);
}

static const struct ckpt_field *field_of(enum ckpt_dialect d, const char *type, const char *field)
{
	const struct ckpt_schema *s = schema_of(d);
	ck_assert_ptr_nonnull(s);
	const struct ckpt_rtype *rt = rtype_named(s, type);
	ck_assert_msg(rt != NULL, "%s: no record %s", s->id, type);
	const struct ckpt_field *f = ckpt_rtype_field(rt, field);
	ck_assert_msg(f != NULL, "%s %s: no field %s", s->id, type, field);
	return f;
}

/* Bytes a field occupies in its record; 0 for an array whose length
 * depends on the record (those cannot sit in a fixed record). */
static uint64_t field_span(const struct ckpt_field *f)
{
	if (f->kind == CKPT_K_ARRAY)
		return (uint64_t)f->stride * f->count;
	return f->width;
}

/* -- (a) sizes of fixed records ------------------------------------------ */

static const struct {
	enum ckpt_dialect d;
	const char *name;
	uint32_t size;
} ref_sizes[] = {
	{ CKPT_DIALECT_V17, "HEADER", 56 },
	{ CKPT_DIALECT_V17, "TASK", 40 },
	{ CKPT_DIALECT_V17, "TAIL", 16 },
	{ CKPT_DIALECT_V17, "ERROR", 8 },

	{ CKPT_DIALECT_REV6, "HEADER", 72 },
	{ CKPT_DIALECT_REV6, "HEADER_ARCH", 16 },
	{ CKPT_DIALECT_REV6, "CONTAINER", 8 },
	{ CKPT_DIALECT_REV6, "TAIL", 16 },
	{ CKPT_DIALECT_REV6, "OBJREF", 16 },
	{ CKPT_DIALECT_REV6, "PIDS", 24 },
	{ CKPT_DIALECT_REV6, "TREE", 16 },
	{ CKPT_DIALECT_REV6, "TASK", 80 },
	{ CKPT_DIALECT_REV6, "TASK_OBJS", 32 },
	{ CKPT_DIALECT_REV6, "TASK_NS", 16 },
	{ CKPT_DIALECT_REV6, "NS", 24 },
	{ CKPT_DIALECT_REV6, "UTS_NS", 400 },
	{ CKPT_DIALECT_REV6, "TASK_CREDS", 16 },
	{ CKPT_DIALECT_REV6, "CRED", 96 },
	{ CKPT_DIALECT_REV6, "USER", 16 },
	{ CKPT_DIALECT_REV6, "USER_NS", 16 },
	{ CKPT_DIALECT_REV6, "MM", 120 },
	{ CKPT_DIALECT_REV6, "VMA", 80 },
	{ CKPT_DIALECT_REV6, "PGARR", 16 },
	{ CKPT_DIALECT_REV6, "FILE_TABLE", 16 },
	{ CKPT_DIALECT_REV6, "FILE_DESC", 24 },
	{ CKPT_DIALECT_REV6, "FILE", 48 },
	{ CKPT_DIALECT_REV6, "FS", 16 },
	{ CKPT_DIALECT_REV6, "SIGHAND", 8 + 64 * 32 },
	{ CKPT_DIALECT_REV6, "SIGNAL", 328 },
	{ CKPT_DIALECT_REV6, "SIGNAL_TASK", 16 },
	{ CKPT_DIALECT_REV6, "CPU", 192 },
	{ CKPT_DIALECT_REV6, "THREAD", 24 },
	{ CKPT_DIALECT_REV6, "RESTART_BLOCK", 56 },
	/* The reference gives ERROR's length for v17 only; rev 6 keeps the
	 * same framing and writes it the same way. */
	{ CKPT_DIALECT_REV6, "ERROR", 8 },
	/* Our own extension, sized by docs/extensions.md. */
	{ CKPT_DIALECT_REV6, "EXT_PRODUCER", 32 },
	{ CKPT_DIALECT_REV6, "EXT_PEERS", 40 },
	{ CKPT_DIALECT_REV6, "EXT_INODE", 56 },
	{ CKPT_DIALECT_REV6, "EXT_INODE_PAGES", 24 },
	{ CKPT_DIALECT_REV6, "EXT_FILE_INODE", 16 },
	{ CKPT_DIALECT_REV6, "EXT_TASK_SECURITY", 48 },
	{ CKPT_DIALECT_REV6, "EXT_RSEQ", 32 },
	{ CKPT_DIALECT_REV6, "EXT_EVENTFD", 24 },
	{ CKPT_DIALECT_REV6, "EXT_TIMERFD", 64 },
	{ CKPT_DIALECT_REV6, "EXT_SIGNALFD", 24 },
	{ CKPT_DIALECT_REV6, "EXT_PIPE", 24 },
	{ CKPT_DIALECT_REV6, "EXT_SOCKET_QUEUE", 24 },
	{ CKPT_DIALECT_REV6, "EXT_SOCKET_MSGS", 32 },
	{ CKPT_DIALECT_REV6, "EXT_SOCKET_MSG", 144 },
	{ CKPT_DIALECT_REV6, "EXT_SECCOMP_SHARED", 16 },
	{ CKPT_DIALECT_REV6, "EXT_SOCKET_LISTEN", 216 },
	{ CKPT_DIALECT_REV6, "EXT_TTY", 104 },
	{ CKPT_DIALECT_REV6, "EXT_FILE_TTY", 16 },

	{ CKPT_DIALECT_LINUXCR, "HEADER", 84 },
	{ CKPT_DIALECT_LINUXCR, "UTS_NS", 392 },
	{ CKPT_DIALECT_LINUXCR, "CRED", 72 },
};

START_TEST(test_fixed_sizes)
{
	for (size_t i = 0; i < CKPT_ARRAY_LEN(ref_sizes); i++) {
		const struct ckpt_schema *s = schema_of(ref_sizes[i].d);
		ck_assert_ptr_nonnull(s);
		const struct ckpt_rtype *rt = rtype_named(s, ref_sizes[i].name);
		ck_assert_msg(rt != NULL, "%s: no record %s", s->id, ref_sizes[i].name);
		ck_assert_msg(rt->size_rule == CKPT_SIZE_EXACT, "%s %s: not fixed",
			      s->id, rt->name);
		ck_assert_msg(rt->min_len == ref_sizes[i].size && rt->max_len == ref_sizes[i].size,
			      "%s %s: %u..%u, reference says %u", s->id, rt->name,
			      rt->min_len, rt->max_len, ref_sizes[i].size);
	}
}
END_TEST

/* A fixed record the reference does not size would be a guess. */
START_TEST(test_fixed_records_are_referenced)
{
	for (size_t k = 0; k < CKPT_ARRAY_LEN(all_schemas); k++) {
		const struct ckpt_schema *s = all_schemas[k];
		for (size_t i = 0; i <= s->n_types; i++) {
			const struct ckpt_rtype *rt = i < s->n_types ? &s->types[i] : s->preamble;
			if (!rt || rt->size_rule != CKPT_SIZE_EXACT)
				continue;
			bool found = false;
			for (size_t j = 0; j < CKPT_ARRAY_LEN(ref_sizes); j++)
				if (ref_sizes[j].d == s->dialect &&
				    strcmp(ref_sizes[j].name, rt->name) == 0)
					found = true;
			ck_assert_msg(found, "%s %s: fixed size not in the reference list",
				      s->id, rt->name);
		}
	}
}
END_TEST

static const struct {
	const char *name;
	uint32_t min, max;
} ref_rev6_ranges[] = {
	{ "GROUPINFO", 16, 16 + 4 * 65536 },
	{ "FILE_NAME", 8, 8 + 4096 },
	{ "CAPABILITIES", 8, 48 },
	{ "BUFFER", 8, UINT32_MAX },
};

START_TEST(test_rev6_ranges)
{
	for (size_t i = 0; i < CKPT_ARRAY_LEN(ref_rev6_ranges); i++) {
		const struct ckpt_rtype *rt =
			ckpt_schema_type_by_name(&ckpt_schema_rev6, ref_rev6_ranges[i].name);
		ck_assert_msg(rt != NULL, "no %s", ref_rev6_ranges[i].name);
		ck_assert_int_eq(rt->size_rule, CKPT_SIZE_RANGE);
		ck_assert_uint_eq(rt->min_len, ref_rev6_ranges[i].min);
		ck_assert_uint_eq(rt->max_len, ref_rev6_ranges[i].max);
	}
	const struct ckpt_rtype *sp = ckpt_schema_type_by_name(&ckpt_schema_rev6, "SIGPENDING");
	ck_assert_ptr_nonnull(sp);
	ck_assert_int_eq(sp->size_rule, CKPT_SIZE_RANGE);
	ck_assert_uint_eq(sp->min_len, 24);
	ck_assert_uint_ge(sp->max_len, 24 + 88 * 64);
}
END_TEST

/* -- (b) fields of fixed records cover every byte once -------------------- */

static void check_cover(const char *what, const struct ckpt_field *fields, size_t n,
			uint32_t start, uint32_t end)
{
	unsigned char *seen = calloc(end ? end : 1, 1);
	ck_assert_ptr_nonnull(seen);
	for (size_t i = 0; i < n; i++) {
		const struct ckpt_field *f = &fields[i];
		uint64_t span = field_span(f);
		ck_assert_msg(span > 0, "%s.%s: no fixed size", what, f->name);
		ck_assert_msg(f->offset >= start, "%s.%s: @%u before %u", what, f->name,
			      f->offset, start);
		ck_assert_msg(f->offset + span <= end, "%s.%s: @%u+%llu past %u", what,
			      f->name, f->offset, (unsigned long long)span, end);
		for (uint64_t b = f->offset; b < f->offset + span; b++) {
			ck_assert_msg(!seen[b], "%s.%s: byte %llu overlaps", what, f->name,
				      (unsigned long long)b);
			seen[b] = 1;
		}
	}
	for (uint32_t b = start; b < end; b++)
		ck_assert_msg(seen[b], "%s: byte %u not covered", what, b);
	free(seen);
}

START_TEST(test_fixed_coverage)
{
	char what[128];
	for (size_t k = 0; k < CKPT_ARRAY_LEN(all_schemas); k++) {
		const struct ckpt_schema *s = all_schemas[k];
		for (size_t i = 0; i < s->n_types; i++) {
			const struct ckpt_rtype *rt = &s->types[i];
			if (rt->size_rule != CKPT_SIZE_EXACT)
				continue;
			snprintf(what, sizeof what, "%s %s", s->id, rt->name);
			check_cover(what, rt->fields, rt->n_fields, s->hdr_len, rt->min_len);
		}
		if (s->preamble) {
			ck_assert_int_eq(s->preamble->size_rule, CKPT_SIZE_EXACT);
			snprintf(what, sizeof what, "%s preamble", s->id);
			check_cover(what, s->preamble->fields, s->preamble->n_fields, 0,
				    s->preamble->min_len);
		}
	}
	ck_assert_ptr_nonnull(ckpt_schema_linuxcr.preamble);
	ck_assert_uint_eq(ckpt_schema_linuxcr.preamble->min_len, 84);
}
END_TEST

/* Array elements and buffer structs: same rule inside each element. */
START_TEST(test_element_coverage)
{
	char what[160];
	for (size_t k = 0; k < CKPT_ARRAY_LEN(all_schemas); k++) {
		const struct ckpt_schema *s = all_schemas[k];
		for (size_t i = 0; i < s->n_types; i++) {
			const struct ckpt_rtype *rt = &s->types[i];
			for (size_t j = 0; j < rt->n_fields; j++) {
				const struct ckpt_field *f = &rt->fields[j];
				if (f->kind != CKPT_K_ARRAY)
					continue;
				ck_assert_ptr_nonnull(f->elem);
				ck_assert_uint_gt(f->stride, 0);
				snprintf(what, sizeof what, "%s %s.%s[]", s->id, rt->name, f->name);
				check_cover(what, f->elem, f->n_elem, 0, f->stride);
			}
			for (size_t j = 0; j < rt->n_follows; j++) {
				const struct ckpt_layout *l = &rt->follows[j].layout;
				if (l->kind != CKPT_L_STRUCTS)
					continue;
				ck_assert_ptr_nonnull(l->elem);
				ck_assert_uint_gt(l->stride, 0);
				snprintf(what, sizeof what, "%s %s -> %s", s->id, rt->name,
					 rt->follows[j].role);
				check_cover(what, l->elem, l->n_elem, 0, l->stride);
			}
		}
	}
}
END_TEST

/* -- (c) offsets from the reference --------------------------------------- */

START_TEST(test_offsets)
{
	static const struct {
		enum ckpt_dialect d;
		const char *type, *field;
		uint32_t offset, width;
	} ref[] = {
		{ CKPT_DIALECT_REV6, "VMA", "vm_start", 32, 8 },
		{ CKPT_DIALECT_REV6, "VMA", "vm_flags", 56, 8 },
		{ CKPT_DIALECT_REV6, "VMA", "hugetlb_shift", 72, 2 },
		{ CKPT_DIALECT_REV6, "CRED", "user_ref", 40, 4 },
		{ CKPT_DIALECT_REV6, "CRED", "cap_effective", 56 + 16, 8 },
		{ CKPT_DIALECT_REV6, "CPU", "ip", 8 + 8 * 16, 8 },
		{ CKPT_DIALECT_REV6, "CPU", "used_math", 188, 4 },
		{ CKPT_DIALECT_REV6, "HEADER", "arch_id", 16, 2 },
		{ CKPT_DIALECT_REV6, "HEADER", "task_comm_len", 32, 2 },
		{ CKPT_DIALECT_REV6, "HEADER", "tty_termios_nccs", 54, 2 },
		{ CKPT_DIALECT_REV6, "HEADER", "time", 56, 8 },
		{ CKPT_DIALECT_REV6, "HEADER", "uflags", 64, 8 },
		{ CKPT_DIALECT_REV6, "TASK", "robust_futex_list", 72, 8 },
		{ CKPT_DIALECT_REV6, "FILE", "f_secref", 40, 4 },
		{ CKPT_DIALECT_REV6, "SIGNAL", "tty_objref", 312, 4 },
		{ CKPT_DIALECT_REV6, "MM", "env_end", 112, 8 },
		{ CKPT_DIALECT_V17, "HEADER", "time", 40, 8 },
		{ CKPT_DIALECT_V17, "HEADER", "uflags", 48, 8 },
		{ CKPT_DIALECT_LINUXCR, "CRED", "cap_bset", 64, 8 },
		{ CKPT_DIALECT_LINUXCR, "HEADER", "arch", 80, 4 },
	};
	for (size_t i = 0; i < CKPT_ARRAY_LEN(ref); i++) {
		const struct ckpt_field *f = field_of(ref[i].d, ref[i].type, ref[i].field);
		ck_assert_msg(f->offset == ref[i].offset && f->width == ref[i].width,
			      "%s.%s: @%u/%u, reference says @%u/%u", ref[i].type, ref[i].field,
			      f->offset, f->width, ref[i].offset, ref[i].width);
	}

	/* The 21 registers are consecutive u64 from @8, ip the 17th. */
	const struct ckpt_field *r15 = field_of(CKPT_DIALECT_REV6, "CPU", "r15");
	const struct ckpt_field *gs = field_of(CKPT_DIALECT_REV6, "CPU", "gs");
	ck_assert_uint_eq(r15->offset, 8);
	ck_assert_uint_eq(gs->offset, 8 + 8 * 20);

	const struct ckpt_field *rlim = field_of(CKPT_DIALECT_REV6, "SIGNAL", "rlim");
	ck_assert_int_eq(rlim->kind, CKPT_K_ARRAY);
	ck_assert_uint_eq(rlim->offset, 8);
	ck_assert_uint_eq(rlim->count, 16);
	ck_assert_uint_eq(rlim->stride, 16);

	const struct ckpt_field *si = field_of(CKPT_DIALECT_REV6, "SIGPENDING", "siginfo");
	ck_assert_uint_eq(si->offset, 24);
	ck_assert_uint_eq(si->stride, 88);
	ck_assert_str_eq(si->count_field, "nr_pending");

	const struct ckpt_field *groups = field_of(CKPT_DIALECT_REV6, "GROUPINFO", "groups");
	ck_assert_uint_eq(groups->offset, 12);
	ck_assert_uint_eq(groups->stride, 4);
	ck_assert_str_eq(groups->count_field, "ngroups");
}
END_TEST

/* Kinds that decide how a value is shown and checked. */
START_TEST(test_kinds)
{
	static const struct {
		enum ckpt_dialect d;
		const char *type, *field;
		enum ckpt_kind kind;
		int objtype;
		const struct ckpt_names *names;
	} ref[] = {
		{ CKPT_DIALECT_REV6, "HEADER", "arch_id", CKPT_K_ENUM, 0, &ckpt_names_arch },
		{ CKPT_DIALECT_REV6, "HEADER", "time", CKPT_K_TIME, 0, NULL },
		{ CKPT_DIALECT_REV6, "HEADER", "uflags", CKPT_K_FLAGS, 0, &ckpt_names_uflags },
		{ CKPT_DIALECT_REV6, "OBJREF", "objtype", CKPT_K_ENUM, 0, &ckpt_names_obj_type },
		{ CKPT_DIALECT_REV6, "TASK_OBJS", "files_objref", CKPT_K_OBJREF, CKPT_OBJ_FILE_TABLE, NULL },
		{ CKPT_DIALECT_REV6, "TASK_OBJS", "mm_objref", CKPT_K_OBJREF, CKPT_OBJ_MM, NULL },
		{ CKPT_DIALECT_REV6, "TASK_OBJS", "signal_objref", CKPT_K_OBJREF, CKPT_OBJ_SIGNAL, NULL },
		{ CKPT_DIALECT_REV6, "TASK_NS", "ns_objref", CKPT_K_OBJREF, CKPT_OBJ_NS, NULL },
		{ CKPT_DIALECT_REV6, "NS", "net_objref", CKPT_K_OBJREF, CKPT_OBJ_NET_NS, NULL },
		{ CKPT_DIALECT_REV6, "TASK_CREDS", "ecred_ref", CKPT_K_OBJREF, CKPT_OBJ_CRED, NULL },
		{ CKPT_DIALECT_REV6, "CRED", "groupinfo_ref", CKPT_K_OBJREF, CKPT_OBJ_GROUPINFO, NULL },
		{ CKPT_DIALECT_REV6, "CRED", "cap_bset", CKPT_K_FLAGS, 0, &ckpt_names_cap },
		{ CKPT_DIALECT_REV6, "CRED", "securebits", CKPT_K_FLAGS, 0, &ckpt_names_securebits },
		{ CKPT_DIALECT_REV6, "USER", "userns_ref", CKPT_K_OBJREF, CKPT_OBJ_USER_NS, NULL },
		{ CKPT_DIALECT_REV6, "USER_NS", "creator_ref", CKPT_K_OBJREF, CKPT_OBJ_USER_NS, NULL },
		{ CKPT_DIALECT_REV6, "MM", "exe_objref", CKPT_K_OBJREF, CKPT_OBJ_FILE, NULL },
		{ CKPT_DIALECT_REV6, "VMA", "vma_type", CKPT_K_ENUM, 0, &ckpt_names_vma_type },
		{ CKPT_DIALECT_REV6, "VMA", "ino_objref", CKPT_K_OBJREF, CKPT_OBJ_INODE, NULL },
		{ CKPT_DIALECT_REV6, "VMA", "vm_page_prot", CKPT_K_FLAGS, 0, &ckpt_names_page_prot },
		{ CKPT_DIALECT_REV6, "VMA", "vm_flags", CKPT_K_FLAGS, 0, &ckpt_names_vm_flags },
		{ CKPT_DIALECT_REV6, "FILE_DESC", "fd_objref", CKPT_K_OBJREF, CKPT_OBJ_FILE, NULL },
		{ CKPT_DIALECT_REV6, "FILE", "f_type", CKPT_K_ENUM, 0, &ckpt_names_file_type },
		{ CKPT_DIALECT_REV6, "FILE", "f_mode", CKPT_K_FLAGS, 0, &ckpt_names_fmode },
		{ CKPT_DIALECT_REV6, "FILE", "f_flags", CKPT_K_FLAGS, 0, &ckpt_names_open_flags },
		{ CKPT_DIALECT_REV6, "FILE", "f_credref", CKPT_K_OBJREF, CKPT_OBJ_CRED, NULL },
		{ CKPT_DIALECT_REV6, "SIGNAL", "tty_objref", CKPT_K_OBJREF, CKPT_OBJ_TTY, NULL },
		{ CKPT_DIALECT_REV6, "SIGNAL_TASK", "blocked", CKPT_K_SIGSET, 0, &ckpt_names_signal },
		{ CKPT_DIALECT_REV6, "RESTART_BLOCK", "function_type", CKPT_K_ENUM, 0, &ckpt_names_restart_fn },
		{ CKPT_DIALECT_REV6, "UTS_NS", "nodename", CKPT_K_CHARS, 0, NULL },
		{ CKPT_DIALECT_LINUXCR, "HEADER", "arch", CKPT_K_ENUM, 0, &ckpt_names_lcr_arch },
		{ CKPT_DIALECT_LINUXCR, "CRED", "cap_effective", CKPT_K_FLAGS, 0, &ckpt_names_cap },
		{ CKPT_DIALECT_LINUXCR, "UTS_NS", "domainname", CKPT_K_CHARS, 0, NULL },
	};
	for (size_t i = 0; i < CKPT_ARRAY_LEN(ref); i++) {
		const struct ckpt_field *f = field_of(ref[i].d, ref[i].type, ref[i].field);
		ck_assert_msg(f->kind == ref[i].kind, "%s.%s: kind %d, want %d", ref[i].type,
			      ref[i].field, f->kind, ref[i].kind);
		if (ref[i].kind == CKPT_K_OBJREF)
			ck_assert_msg(f->objtype == ref[i].objtype, "%s.%s: objtype %d, want %d",
				      ref[i].type, ref[i].field, f->objtype, ref[i].objtype);
		if (ref[i].names)
			ck_assert_msg(f->names == ref[i].names, "%s.%s: wrong name table",
				      ref[i].type, ref[i].field);
	}
}
END_TEST

/* Every field is one a consumer can decode without guessing. */
static void check_fields(const char *what, const struct ckpt_field *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct ckpt_field *f = &fields[i];
		ck_assert_msg(f->name && *f->name, "%s: field %zu unnamed", what, i);
		/* Its line in ckpt-image(5) (tools/mkdocs.c). */
		ck_assert_msg(f->doc && *f->doc, "%s.%s: no doc", what, f->name);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcmp(f->name, fields[j].name) != 0,
				      "%s: field %s twice", what, f->name);
		switch (f->kind) {
		case CKPT_K_UINT: case CKPT_K_INT: case CKPT_K_HEX: case CKPT_K_OCTAL:
		case CKPT_K_ENUM: case CKPT_K_SENUM: case CKPT_K_FLAGS:
			ck_assert_msg(f->width == 1 || f->width == 2 || f->width == 4 ||
				      f->width == 8, "%s.%s: width %u", what, f->name, f->width);
			if (f->kind == CKPT_K_ENUM || f->kind == CKPT_K_SENUM ||
			    f->kind == CKPT_K_FLAGS)
				ck_assert_msg(f->names != NULL, "%s.%s: no names", what, f->name);
			break;
		case CKPT_K_SIGSET:
		case CKPT_K_TIME:
			ck_assert_uint_eq(f->width, 8);
			break;
		case CKPT_K_OBJREF:
			ck_assert_uint_eq(f->width, 4);
			ck_assert_msg(f->objtype > CKPT_OBJ_IGNORE && f->objtype < CKPT_OBJ_MAX,
				      "%s.%s: objtype %d", what, f->name, f->objtype);
			break;
		case CKPT_K_CHARS: case CKPT_K_BYTES: case CKPT_K_PAD:
			ck_assert_uint_gt(f->width, 0);
			break;
		case CKPT_K_ARRAY: {
			char sub[160];
			ck_assert_ptr_nonnull(f->elem);
			ck_assert_uint_gt(f->n_elem, 0);
			ck_assert_uint_gt(f->stride, 0);
			if (f->count_field) {
				bool found = false;
				for (size_t j = 0; j < n; j++)
					if (strcmp(fields[j].name, f->count_field) == 0 &&
					    fields[j].kind == CKPT_K_UINT)
						found = true;
				ck_assert_msg(found, "%s.%s: count field %s missing", what,
					      f->name, f->count_field);
			}
			snprintf(sub, sizeof sub, "%s.%s[]", what, f->name);
			check_fields(sub, f->elem, f->n_elem);
			break;
		}
		default:
			ck_abort_msg("%s.%s: kind %d", what, f->name, f->kind);
		}
	}
}

START_TEST(test_field_sanity)
{
	char what[128];
	for (size_t k = 0; k < CKPT_ARRAY_LEN(all_schemas); k++) {
		const struct ckpt_schema *s = all_schemas[k];
		for (size_t i = 0; i <= s->n_types; i++) {
			const struct ckpt_rtype *rt = i < s->n_types ? &s->types[i] : s->preamble;
			if (!rt)
				continue;
			snprintf(what, sizeof what, "%s %s", s->id, rt->name);
			ck_assert_msg(rt->doc && *rt->doc, "%s: no doc", what);
			ck_assert_msg(rt->min_len >= (rt == s->preamble ? 0 : s->hdr_len),
				      "%s: shorter than its frame", what);
			ck_assert_msg(rt->min_len <= rt->max_len, "%s: empty size range", what);
			check_fields(what, rt->fields, rt->n_fields);
			for (size_t j = 0; j < rt->n_follows; j++) {
				const struct ckpt_layout *lay = &rt->follows[j].layout;

				for (size_t e = 0; e < lay->n_elem; e++)
					ck_assert_msg(lay->elem[e].doc && *lay->elem[e].doc,
						      "%s %s entry .%s: no doc", what,
						      rt->follows[j].role, lay->elem[e].name);
			}
			/* Variable records may hold fields up to their longest
			 * length only. */
			for (size_t j = 0; j < rt->n_fields; j++)
				ck_assert_msg(rt->fields[j].offset + field_span(&rt->fields[j]) <=
					      rt->max_len, "%s.%s past the end", what,
					      rt->fields[j].name);
		}
	}
}
END_TEST

START_TEST(test_follows)
{
	for (size_t k = 0; k < CKPT_ARRAY_LEN(all_schemas); k++) {
		const struct ckpt_schema *s = all_schemas[k];
		for (size_t i = 0; i < s->n_types; i++) {
			const struct ckpt_rtype *rt = &s->types[i];
			for (size_t j = 0; j < rt->n_follows; j++) {
				const struct ckpt_follow *fw = &rt->follows[j];
				ck_assert_msg(fw->role && *fw->role, "%s %s: follow %zu unnamed",
					      s->id, rt->name, j);
				ck_assert_msg(ckpt_schema_type(s, fw->type) != NULL,
					      "%s %s -> %s: type %u unknown", s->id, rt->name,
					      fw->role, fw->type);
				if (fw->if_nonzero)
					ck_assert_msg(ckpt_rtype_field(rt, fw->if_nonzero) != NULL,
						      "%s %s -> %s: no field %s", s->id, rt->name,
						      fw->role, fw->if_nonzero);
				if (fw->count_field)
					ck_assert_msg(ckpt_rtype_field(rt, fw->count_field) != NULL,
						      "%s %s -> %s: no field %s", s->id, rt->name,
						      fw->role, fw->count_field);
				if (fw->layout.kind == CKPT_L_PAGES)
					ck_assert_ptr_nonnull(fw->count_field);
			}
		}
	}

	/* The follow-ups the reference names, in its order. */
	static const struct {
		const char *parent;
		uint32_t type;
		const char *role;
	} ref[] = {
		{ "HEADER", 4, "release" }, { "HEADER", 4, "version" }, { "HEADER", 4, "machine" },
		{ "CONTAINER", 4, "lsm_name" }, { "CONTAINER", 7, NULL },
		{ "PIDS", 4, "pids" }, { "TREE", 4, "tasks" }, { "TASK", 5, "comm" },
		{ "MM", 4, "saved_auxv" }, { "PGARR", 4, "pages" },
		{ "FS", 303, "root" }, { "FS", 303, "pwd" }, { "FILE", 303, "path" },
		{ "ERROR", 5, "message" },
	};
	const char *last = NULL;
	size_t at = 0;
	for (size_t i = 0; i < CKPT_ARRAY_LEN(ref); i++) {
		const struct ckpt_rtype *rt = ckpt_schema_type_by_name(&ckpt_schema_rev6, ref[i].parent);
		ck_assert_msg(rt != NULL, "no %s", ref[i].parent);
		at = (last && strcmp(last, ref[i].parent) == 0) ? at + 1 : 0;
		last = ref[i].parent;
		ck_assert_msg(at < rt->n_follows, "%s: follow %zu missing", ref[i].parent, at);
		ck_assert_uint_eq(rt->follows[at].type, ref[i].type);
		if (ref[i].role)
			ck_assert_str_eq(rt->follows[at].role, ref[i].role);
	}

	const struct ckpt_rtype *pg = ckpt_schema_type_by_name(&ckpt_schema_rev6, "PGARR");
	ck_assert_int_eq(pg->follows[0].layout.kind, CKPT_L_PAGES);
	ck_assert_str_eq(pg->follows[0].count_field, "nr_pages");
	ck_assert_str_eq(pg->follows[0].if_nonzero, "nr_pages");
	const struct ckpt_rtype *pids = ckpt_schema_type_by_name(&ckpt_schema_rev6, "PIDS");
	ck_assert_int_eq(pids->follows[0].layout.kind, CKPT_L_PIDS);
	const struct ckpt_rtype *tree = ckpt_schema_type_by_name(&ckpt_schema_rev6, "TREE");
	ck_assert_int_eq(tree->follows[0].layout.kind, CKPT_L_STRUCTS);
	ck_assert_uint_eq(tree->follows[0].layout.stride, 24);
	const struct ckpt_rtype *err = ckpt_schema_type_by_name(&ckpt_schema_rev6, "ERROR");
	ck_assert_int_eq(err->follows[0].layout.kind, CKPT_L_ERRMSG);
}
END_TEST

/* -- (d) names ------------------------------------------------------------ */

START_TEST(test_names)
{
	ck_assert_str_eq(ckpt_names_lookup(&ckpt_names_obj_type, 5), "MM");
	ck_assert_str_eq(ckpt_names_lookup(&ckpt_names_vma_type, 2), "ANON");
	ck_assert_str_eq(ckpt_names_lookup(&ckpt_names_file_type, 2), "PIPE");
	ck_assert_str_eq(ckpt_names_lookup(&ckpt_names_arch, 2), "X86_64");
	ck_assert_str_eq(ckpt_names_lookup(&ckpt_names_signal, 9), "SIGKILL");
	ck_assert_str_eq(ckpt_names_lookup(&ckpt_names_signal, 32), "SIGRTMIN");
	ck_assert_str_eq(ckpt_names_lookup(&ckpt_names_signal, 64), "SIGRTMAX");
	ck_assert_str_eq(ckpt_names_lookup(&ckpt_names_rlimit, 7), "RLIMIT_NOFILE");
	ck_assert_str_eq(ckpt_names_lookup(&ckpt_names_rlimit, 15), "RLIMIT_RTTIME");
	ck_assert_str_eq(ckpt_names_lookup(&ckpt_names_uflags, 2), "NETNS");
	ck_assert_str_eq(ckpt_names_lookup(&ckpt_names_lcr_arch, 1), "X86_32");

	uint64_t v = 0;
	ck_assert(ckpt_names_value(&ckpt_names_vm_flags, "VM_READ", &v));
	ck_assert_uint_eq(v, 1);
	ck_assert(ckpt_names_value(&ckpt_names_cap, "CAP_SYS_ADMIN", &v));
	ck_assert_uint_eq(v, 1ULL << 21);
	ck_assert(ckpt_names_value(&ckpt_names_cap, "CAP_CHECKPOINT_RESTORE", &v));
	ck_assert_uint_eq(v, 1ULL << 40);
	ck_assert(ckpt_names_value(&ckpt_names_page_prot, "_PAGE_NX", &v));
	ck_assert_uint_eq(v, 1ULL << 63);
	ck_assert(ckpt_names_value(&ckpt_names_open_flags, "O_CLOEXEC", &v));
	ck_assert_uint_eq(v, 02000000);
	ck_assert(ckpt_names_value(&ckpt_names_sa_flags, "SA_RESTORER", &v));
	ck_assert_uint_eq(v, 0x04000000);
	ck_assert(ckpt_names_value(&ckpt_names_auxv, "AT_SYSINFO_EHDR", &v));
	ck_assert_uint_eq(v, 33);
	ck_assert(!ckpt_names_value(&ckpt_names_vm_flags, "VM_NO_SUCH_FLAG", &v));
}
END_TEST

static bool has_value(const struct ckpt_names *n, uint64_t v)
{
	for (size_t i = 0; i < n->count; i++)
		if (n->names[i].value == v)
			return true;
	return false;
}

static const struct ckpt_names *const all_names[] = {
	&ckpt_names_signal, &ckpt_names_rlimit, &ckpt_names_cap, &ckpt_names_securebits,
	&ckpt_names_vm_flags, &ckpt_names_page_prot, &ckpt_names_vma_type,
	&ckpt_names_file_type, &ckpt_names_obj_type, &ckpt_names_arch, &ckpt_names_uflags,
	&ckpt_names_task_state, &ckpt_names_exit_state, &ckpt_names_task_flags,
	&ckpt_names_open_flags, &ckpt_names_fmode, &ckpt_names_sa_flags, &ckpt_names_auxv,
	&ckpt_names_itimer, &ckpt_names_restart_fn, &ckpt_names_lcr_arch,
};

/* Flag tables hold masks: a bit number there would name the wrong bit. */
static const struct ckpt_names *const flag_names[] = {
	&ckpt_names_cap, &ckpt_names_securebits, &ckpt_names_vm_flags,
	&ckpt_names_page_prot, &ckpt_names_uflags, &ckpt_names_task_state,
	&ckpt_names_exit_state, &ckpt_names_task_flags, &ckpt_names_open_flags,
	&ckpt_names_fmode, &ckpt_names_sa_flags,
};

static void check_masks(const struct ckpt_names *n)
{
	for (size_t i = 0; i < n->count; i++) {
		uint64_t v = n->names[i].value;
		ck_assert_msg(v != 0 && (v & (v - 1)) == 0, "%s: %s = %#llx is not one bit",
			      n->what, n->names[i].name, (unsigned long long)v);
	}
}

START_TEST(test_name_tables)
{
	for (size_t k = 0; k < CKPT_ARRAY_LEN(all_names); k++) {
		const struct ckpt_names *n = all_names[k];
		ck_assert_msg(n->what && *n->what, "table %zu unnamed", k);
		ck_assert_msg(n->count > 0 && n->names, "%s: empty", n->what);
		for (size_t i = 0; i < n->count; i++) {
			ck_assert_msg(n->names[i].name && *n->names[i].name, "%s: entry %zu",
				      n->what, i);
			for (size_t j = 0; j < i; j++) {
				ck_assert_msg(n->names[i].value != n->names[j].value,
					      "%s: value %#llx twice", n->what,
					      (unsigned long long)n->names[i].value);
				ck_assert_msg(strcmp(n->names[i].name, n->names[j].name) != 0,
					      "%s: %s twice", n->what, n->names[i].name);
			}
		}
	}
	for (size_t k = 0; k < CKPT_ARRAY_LEN(flag_names); k++)
		check_masks(flag_names[k]);

	/* And whatever table a FLAGS field uses. */
	for (size_t k = 0; k < CKPT_ARRAY_LEN(all_schemas); k++) {
		const struct ckpt_schema *s = all_schemas[k];
		for (size_t i = 0; i < s->n_types; i++)
			for (size_t j = 0; j < s->types[i].n_fields; j++)
				if (s->types[i].fields[j].kind == CKPT_K_FLAGS)
					check_masks(s->types[i].fields[j].names);
	}

	/* Signals 1..64 all named, nothing else. */
	ck_assert_uint_eq(ckpt_names_signal.count, 64);
	for (uint64_t sig = 1; sig <= 64; sig++)
		ck_assert_msg(has_value(&ckpt_names_signal, sig), "signal %llu unnamed",
			      (unsigned long long)sig);
	ck_assert_uint_eq(ckpt_names_rlimit.count, 16);
	ck_assert_uint_eq(ckpt_names_cap.count, 41);
	/* 0..23 are object types; 24 is only the bound restart checks. */
	for (uint64_t t = 0; t < CKPT_OBJ_MAX; t++)
		ck_assert(has_value(&ckpt_names_obj_type, t));
	ck_assert(!has_value(&ckpt_names_obj_type, CKPT_OBJ_MAX));
	ck_assert_uint_eq(ckpt_names_vma_type.count, 11);
	ck_assert_uint_eq(ckpt_names_file_type.count, 8);
}
END_TEST

/* -- (e) unique types and names ------------------------------------------- */

START_TEST(test_unique_types)
{
	for (size_t k = 0; k < CKPT_ARRAY_LEN(all_schemas); k++) {
		const struct ckpt_schema *s = all_schemas[k];
		uint32_t max = 0;
		ck_assert_uint_gt(s->n_types, 0);
		for (size_t i = 0; i < s->n_types; i++) {
			const struct ckpt_rtype *rt = &s->types[i];
			ck_assert_msg(rt->name && *rt->name, "%s: type %u unnamed", s->id, rt->type);
			ck_assert_msg(rt->type != 0, "%s %s: type 0", s->id, rt->name);
			for (size_t j = 0; j < i; j++) {
				ck_assert_msg(rt->type != s->types[j].type, "%s: type %u twice",
					      s->id, rt->type);
				ck_assert_msg(strcmp(rt->name, s->types[j].name) != 0,
					      "%s: %s twice", s->id, rt->name);
			}
			ck_assert_ptr_eq(ckpt_schema_type(s, rt->type), rt);
			ck_assert_ptr_eq(ckpt_schema_type_by_name(s, rt->name), rt);
			if (rt->type > max)
				max = rt->type;
		}
		ck_assert_uint_eq(s->max_type, max);
	}
}
END_TEST

START_TEST(test_schema_framing)
{
	for (size_t k = 0; k < CKPT_ARRAY_LEN(all_schemas); k++) {
		const struct ckpt_schema *s = all_schemas[k];
		const uint32_t roles[] = { s->header_type, s->buffer_type, s->string_type,
					   s->objref_type, s->tail_type, s->error_type };
		ck_assert_uint_eq(s->hdr_len, 8);
		for (size_t i = 0; i < CKPT_ARRAY_LEN(roles); i++)
			if (roles[i])
				ck_assert_msg(ckpt_schema_type(s, roles[i]) != NULL,
					      "%s: framing type %u not in the table", s->id, roles[i]);
	}

	const struct ckpt_schema *r6 = &ckpt_schema_rev6;
	ck_assert_str_eq(r6->id, "linux-cr-rev6");
	ck_assert_int_eq(r6->dialect, CKPT_DIALECT_REV6);
	ck_assert_uint_eq(r6->align, 1);
	ck_assert_uint_eq(r6->header_type, 1);
	ck_assert_uint_eq(r6->buffer_type, 4);
	ck_assert_uint_eq(r6->string_type, 5);
	ck_assert_uint_eq(r6->objref_type, 6);
	ck_assert_uint_eq(r6->tail_type, 9001);
	ck_assert_uint_eq(r6->error_type, 9999);
	ck_assert_uint_eq(r6->head_magic, 0x00feed0cc0a2d200ULL);
	ck_assert_uint_eq(r6->tail_magic, 0x002d2a0cc0deef00ULL);
	ck_assert_ptr_eq(r6->objtypes, &ckpt_names_obj_type);
	ck_assert_ptr_null(r6->preamble);

	const struct ckpt_schema *lcr = &ckpt_schema_linuxcr;
	ck_assert_str_eq(lcr->id, "linuxcr-2009");
	ck_assert_int_eq(lcr->dialect, CKPT_DIALECT_LINUXCR);
	ck_assert_uint_eq(lcr->align, 8);
	ck_assert_uint_eq(lcr->max_type, 2);
	ck_assert_uint_eq(lcr->tail_type, 0);
	ck_assert_uint_eq(lcr->error_type, 0);
	ck_assert_uint_eq(lcr->buffer_type, 0);
	ck_assert_ptr_nonnull(ckpt_schema_type(lcr, 1));
	ck_assert_str_eq(ckpt_schema_type(lcr, 1)->name, "UTS_NS");
	ck_assert_str_eq(ckpt_schema_type(lcr, 2)->name, "CRED");
}
END_TEST

/* -- (f) every rev 6 type of the reference -------------------------------- */

static const struct {
	uint32_t type;
	const char *name;
} ref_rev6_types[] = {
	{ 1, "HEADER" }, { 2, "HEADER_ARCH" }, { 3, "CONTAINER" }, { 4, "BUFFER" },
	{ 5, "STRING" }, { 6, "OBJREF" }, { 7, "LSM_INFO" }, { 8, "SECURITY" },
	{ 101, "PIDS" }, { 102, "TREE" }, { 103, "TASK" }, { 104, "TASK_NS" },
	{ 105, "TASK_OBJS" }, { 106, "RESTART_BLOCK" }, { 107, "THREAD" }, { 108, "CPU" },
	{ 109, "NS" }, { 110, "UTS_NS" }, { 111, "IPC_NS" }, { 112, "MNT_NS" },
	{ 113, "CAPABILITIES" }, { 114, "USER_NS" }, { 115, "CRED" }, { 116, "USER" },
	{ 117, "GROUPINFO" }, { 118, "TASK_CREDS" },
	{ 201, "CPU_FPU" }, { 202, "MM_CONTEXT_LDT" },
	{ 301, "FILE_TABLE" }, { 302, "FILE_DESC" }, { 303, "FILE_NAME" }, { 304, "FILE" },
	{ 305, "PIPE_BUF" }, { 306, "TTY" }, { 307, "TTY_LDISC" }, { 308, "EPOLL_ITEMS" },
	{ 401, "MM" }, { 402, "VMA" }, { 403, "PGARR" }, { 404, "HPAGE" },
	{ 405, "MM_CONTEXT" }, { 451, "FS" },
	{ 501, "IPC" }, { 502, "IPC_SHM" }, { 503, "IPC_MSG" }, { 504, "IPC_MSG_MSG" },
	{ 505, "IPC_SEM" }, { 506, "TASK_SEM_UNDO_LIST" }, { 507, "TASK_SEM_UNDO" },
	{ 601, "SIGHAND" }, { 602, "SIGNAL" }, { 603, "SIGNAL_TASK" }, { 604, "SIGPENDING" },
	{ 701, "SOCKET" }, { 702, "SOCKET_QUEUE" }, { 703, "SOCKET_BUFFER" },
	{ 704, "SOCKET_FRAG" }, { 705, "SOCKET_UNIX" }, { 706, "SOCKET_INET" },
	{ 707, "NET_NS" }, { 708, "NETDEV" }, { 709, "NETDEV_ADDR" },
	{ 9001, "TAIL" }, { 9999, "ERROR" },
	/* ckpttools extensions (docs/extensions.md) */
	{ 20001, "EXT_PRODUCER" }, { 20002, "EXT_USERS" }, { 20003, "EXT_DIGEST" },
	{ 20045, "EXT_PEERS" },
	{ 20030, "EXT_INODE" }, { 20031, "EXT_INODE_PAGES" }, { 20032, "EXT_FILE_INODE" },
	{ 20010, "EXT_TASK_SECURITY" }, { 20011, "EXT_SECCOMP_FILTER" }, { 20012, "EXT_RSEQ" },
	{ 20013, "EXT_EVENTFD" }, { 20014, "EXT_TIMERFD" }, { 20015, "EXT_SIGNALFD" },
	{ 20016, "EXT_INOTIFY" }, { 20017, "EXT_EPOLL" }, { 20018, "EXT_PIPE" },
	{ 20019, "EXT_SOCKET_QUEUE" }, { 20020, "EXT_SOCKET_MSGS" }, { 20021, "EXT_SOCKET_MSG" },
	{ 20022, "EXT_FANOTIFY" }, { 20023, "EXT_SECCOMP_SHARED" },
	{ 20055, "EXT_SOCKET_LISTEN" },
	{ 20050, "EXT_TTY" }, { 20051, "EXT_FILE_TTY" },
};

START_TEST(test_rev6_types)
{
	const struct ckpt_schema *s = &ckpt_schema_rev6;
	for (size_t i = 0; i < CKPT_ARRAY_LEN(ref_rev6_types); i++) {
		const struct ckpt_rtype *rt = ckpt_schema_type(s, ref_rev6_types[i].type);
		ck_assert_msg(rt != NULL, "type %u missing", ref_rev6_types[i].type);
		ck_assert_str_eq(rt->name, ref_rev6_types[i].name);
	}
	ck_assert_uint_eq(s->n_types, CKPT_ARRAY_LEN(ref_rev6_types));
	ck_assert_ptr_null(ckpt_schema_type(s, 119));
	ck_assert_ptr_null(ckpt_schema_type(s, 0));

	/* The records the reference gives no layout for are opaque, not
	 * guessed. */
	static const char *const opaque[] = {
		"LSM_INFO", "SECURITY", "IPC_NS", "MNT_NS", "CPU_FPU", "MM_CONTEXT_LDT",
		"PIPE_BUF", "TTY", "TTY_LDISC", "EPOLL_ITEMS", "HPAGE", "MM_CONTEXT",
		"IPC", "IPC_SHM", "IPC_MSG", "IPC_MSG_MSG", "IPC_SEM", "TASK_SEM_UNDO_LIST",
		"TASK_SEM_UNDO", "SOCKET", "SOCKET_QUEUE", "SOCKET_BUFFER", "SOCKET_FRAG",
		"SOCKET_UNIX", "SOCKET_INET", "NET_NS", "NETDEV", "NETDEV_ADDR",
	};
	for (size_t i = 0; i < CKPT_ARRAY_LEN(opaque); i++) {
		const struct ckpt_rtype *rt = ckpt_schema_type_by_name(s, opaque[i]);
		ck_assert_msg(rt != NULL, "no %s", opaque[i]);
		ck_assert_msg(rt->n_fields == 0, "%s has invented fields", opaque[i]);
		ck_assert_int_eq(rt->size_rule, CKPT_SIZE_RANGE);
		ck_assert_int_eq(rt->payload, CKPT_L_BYTES);
	}
}
END_TEST

Suite *tables_suite(void)
{
	Suite *s = suite_create("tables");
	TCase *tc = tcase_create("tables");

	tcase_add_test(tc, test_fixed_sizes);
	tcase_add_test(tc, test_fixed_records_are_referenced);
	tcase_add_test(tc, test_rev6_ranges);
	tcase_add_test(tc, test_fixed_coverage);
	tcase_add_test(tc, test_element_coverage);
	tcase_add_test(tc, test_offsets);
	tcase_add_test(tc, test_kinds);
	tcase_add_test(tc, test_field_sanity);
	tcase_add_test(tc, test_follows);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_name_tables);
	tcase_add_test(tc, test_unique_types);
	tcase_add_test(tc, test_schema_framing);
	tcase_add_test(tc, test_rev6_types);
	suite_add_tcase(s, tc);
	return s;
}
