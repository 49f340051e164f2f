/* Objref graph rules (rev 6): every shared object is defined once by an
 * OBJREF record before anything refers to it, and every OBJREF field of
 * every record (found through the tables, inside arrays and follower
 * structs too) refers to a defined object of the field's type.
 *
 * Memory grows with the number of objects defined, never with page data. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_impl.h"
#include "ckpt/ext.h"

#define REV6	CKPT_DIALECT_BIT(CKPT_DIALECT_REV6)

enum { R_INVALID, R_DUPLICATE, R_OBJTYPE, R_RECORD, R_UNDEFINED, R_TYPE, R_UNREFERENCED };

static const struct ckpt_rule rules[] = {
	[R_INVALID] = { "objref-invalid", "objref", CKPT_SEV_ERROR, REV6,
		"An OBJREF record defines an objref that is not positive." },
	[R_DUPLICATE] = { "objref-duplicate", "objref", CKPT_SEV_ERROR, REV6,
		"An OBJREF record defines an objref that an earlier OBJREF already defined." },
	[R_OBJTYPE] = { "objtype-unknown", "objref", CKPT_SEV_ERROR, REV6,
		"An OBJREF record's object type is not one the dialect knows (0 to MAX - 1)." },
	[R_RECORD] = { "objref-record", "objref", CKPT_SEV_ERROR, REV6,
		"An OBJREF is not followed by its object's own record (for object types that name a "
		"record type, e.g. CRED, MM, FILE; OBJREFs of objects it needs may come in between)." },
	[R_UNDEFINED] = { "objref-undefined", "objref", CKPT_SEV_ERROR, REV6,
		"An objref field refers to an object no earlier OBJREF record defined (0 means "
		"none, and marker values the table names, such as CKPT_PID_ROOT, are allowed)." },
	[R_TYPE] = { "objref-type", "objref", CKPT_SEV_ERROR, REV6,
		"An objref field refers to an object of another type than the field requires." },
	[R_UNREFERENCED] = { "objref-unreferenced", "objref", CKPT_SEV_WARNING, REV6,
		"An object is defined but no record of the image refers to it." },
};

struct state {
	const struct ckpt_names *objtypes;
	const struct ckpt_field *f_objtype, *f_objref;
	uint32_t objref_type;
	/* Per object type: the record type named like it, 0 if none. */
	uint32_t record_of[64];
	bool known[64];			/* the dialect names object type t */
	/* The objects are the model's (one table for the model and these
	 * rules): referenced[i] says whether the model's object i is. */
	bool *referenced;
	size_t cap_referenced;
	/* The object records still owed by OBJREFs seen (innermost last): an
	 * object's op may define the objects it needs before its record. */
	struct {
		uint32_t type;
		int32_t ref;
		uint64_t index;
	} owed[32];
	size_t n_owed;
};

static bool known_type(const struct state *st, uint64_t objtype)
{
	if (objtype < CKPT_ARRAY_LEN(st->known))
		return st->known[objtype];
	return ckpt_names_lookup(st->objtypes, objtype) != NULL;
}

/* The object first defined as ref, NULL if none is; sets *pos to its
 * place in the model. */
static const struct ckpt_model_object *find(struct ckpt_check *c, int32_t ref, size_t *pos)
{
	const struct ckpt_model *m = check_model_so_far(c);
	const struct ckpt_model_object *o = m ? ckpt_model_object(m, ref) : NULL;

	if (o)
		*pos = (size_t)(o - m->objects);
	return o;
}

static void mark_referenced(struct ckpt_check *c, struct state *st, size_t pos)
{
	if (pos >= st->cap_referenced) {
		size_t cap = st->cap_referenced ? st->cap_referenced : 1024;

		while (cap <= pos)
			cap *= 2;
		bool *r = realloc(st->referenced, cap * sizeof(*r));

		if (!r) {
			check_out_of_memory(c);
			return;
		}
		memset(r + st->cap_referenced, 0, (cap - st->cap_referenced) * sizeof(*r));
		st->referenced = r;
		st->cap_referenced = cap;
	}
	st->referenced[pos] = true;
}

static int ob_begin(struct ckpt_check *c, void *stp, const struct ckpt_image *img)
{
	struct state *st = stp;
	const struct ckpt_schema *s = check_schema(c);
	const struct ckpt_rtype *rt = s->objref_type ? ckpt_schema_type(s, s->objref_type) : NULL;

	(void)img;
	st->objtypes = s->objtypes;
	st->objref_type = s->objref_type;
	if (rt) {
		st->f_objtype = ckpt_rtype_field(rt, "objtype");
		st->f_objref = ckpt_rtype_field(rt, "objref");
	}
	for (uint32_t t = 0; t < CKPT_ARRAY_LEN(st->record_of); t++) {
		const char *name = ckpt_names_lookup(st->objtypes, t);
		const struct ckpt_rtype *ort = name ? ckpt_schema_type_by_name(s, name) : NULL;

		st->record_of[t] = ort ? ort->type : 0;
		st->known[t] = name != NULL;
	}
	return 0;
}

static const char *objtype_name(const struct state *st, uint64_t t)
{
	const char *n = ckpt_names_lookup(st->objtypes, t);

	return n ? n : "unknown type";
}

static void define(struct ckpt_check *c, struct state *st, const struct ckpt_record *rec)
{
	if (!st->f_objtype || !st->f_objref || !ckpt_field_fits(st->f_objtype, rec->avail) ||
	    !ckpt_field_fits(st->f_objref, rec->avail))
		return;
	uint64_t type = ckpt_field_u64(st->f_objtype, rec->data);
	int64_t ref = ckpt_field_s64(st->f_objref, rec->data);
	uint64_t ref_off = check_field_offset(rec, st->f_objref, rec->data);
	bool known = known_type(st, type);
	size_t pos;

	if (!known)
		check_report_rec(c, &rules[R_OBJTYPE], -1, rec,
				 check_field_offset(rec, st->f_objtype, rec->data),
				 "objref %" PRId64 " is defined with object type %" PRIu64
				 ", which the dialect does not know", ref, type);
	if (ref <= 0) {
		check_report_rec(c, &rules[R_INVALID], -1, rec, ref_off,
				 "an OBJREF defines objref %" PRId64 "; objrefs start at 1", ref);
		return;
	}
	const struct ckpt_model_object *prev = ref <= INT32_MAX ? find(c, (int32_t)ref, &pos) : NULL;

	if (prev) {
		check_report_rec(c, &rules[R_DUPLICATE], -1, rec, ref_off,
				 "objref %" PRId64 " (%s) was already defined by record %" PRIu64
				 " as %s", ref, objtype_name(st, type), (uint64_t)prev->objref_record,
				 objtype_name(st, prev->objtype));
		return;
	}
	/* The model defines it when the engine adds this record. */
}

/* Notes the record an OBJREF's object owes: the record type named like
 * the object type, when the dialect has one (PID objects have none). */
static void owe(struct ckpt_check *c, struct state *st, const struct ckpt_record *rec)
{
	(void)c;
	if (!st->f_objtype || !st->f_objref || !ckpt_field_fits(st->f_objref, rec->avail))
		return;
	uint64_t objtype = ckpt_field_u64(st->f_objtype, rec->data);

	if (objtype >= CKPT_ARRAY_LEN(st->record_of) || !st->record_of[objtype] ||
	    st->n_owed == CKPT_ARRAY_LEN(st->owed))
		return;
	st->owed[st->n_owed].type = st->record_of[objtype];
	st->owed[st->n_owed].ref = (int32_t)ckpt_field_s64(st->f_objref, rec->data);
	st->owed[st->n_owed].index = rec->index;
	st->n_owed++;
}

static void ob_record(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		      const struct ckpt_role *role)
{
	struct state *st = stp;
	char name[32];

	if (!st->objref_type)
		return;
	if (rec->type == st->objref_type && rec->rt) {
		define(c, st, rec);
		owe(c, st, rec);
		return;
	}
	/* ckpt writes a terminal as an EXT_TTY, not the kernel's TTY record,
	 * whose layout is not known: it stands for the TTY record owed. */
	if (!role->name && st->n_owed && rec->type == CKPT_EXT_TTY &&
	    st->owed[st->n_owed - 1].type == st->record_of[CKPT_OBJ_TTY]) {
		st->n_owed--;
		return;
	}
	/* Followers belong to the record before them, and ckpttools extension
	 * records (a digest every so many records) belong to no object. */
	if (role->name || !st->n_owed || (rec->type >= CKPT_EXT_FIRST && rec->type <= CKPT_EXT_LAST))
		return;
	st->n_owed--;
	if (rec->type != st->owed[st->n_owed].type) {
		const struct ckpt_rtype *want = ckpt_schema_type(check_schema(c), st->owed[st->n_owed].type);

		check_report_rec(c, &rules[R_RECORD], -1, rec, rec->offset,
				 "the OBJREF of record %" PRIu64 " defines objref %" PRId32 " as a %s, "
				 "but this %s comes where its %s record belongs",
				 st->owed[st->n_owed].index, st->owed[st->n_owed].ref,
				 want ? want->name : "object", check_record_name(rec, name, sizeof(name)),
				 want ? want->name : "object");
		st->n_owed = 0;	/* one finding, not a cascade */
	}
}

static void ob_field(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		     const struct ckpt_field *f, const uint8_t *base)
{
	struct state *st = stp;

	/* Without the model (memory ran out) nothing can be looked up; the
	 * pass reports that it is incomplete. */
	if (f->kind != CKPT_K_OBJREF || !st->objref_type || !check_model_so_far(c))
		return;
	int64_t v = ckpt_field_s64(f, base);

	if (v == 0 || (f->specials && ckpt_names_lookup(f->specials, (uint64_t)v)))
		return;
	size_t pos = 0;
	const struct ckpt_model_object *o = v > 0 && v <= INT32_MAX ? find(c, (int32_t)v, &pos) : NULL;
	uint64_t off = check_field_offset(rec, f, base);

	if (!o) {
		check_report_rec(c, &rules[R_UNDEFINED], -1, rec, off,
				 "%s refers to objref %" PRId64 ", which no earlier OBJREF defines "
				 "(a %s was expected)", f->name, v, objtype_name(st, (uint64_t)f->objtype));
		return;
	}
	mark_referenced(c, st, pos);
	if (f->objtype && known_type(st, o->objtype) && o->objtype != (uint32_t)f->objtype)
		check_report_rec(c, &rules[R_TYPE], -1, rec, off,
				 "%s refers to objref %" PRId64 ", a %s (defined by record %" PRIu64
				 "), but must refer to a %s", f->name, v, objtype_name(st, o->objtype),
				 (uint64_t)o->objref_record, objtype_name(st, (uint64_t)f->objtype));
}

static void ob_end(struct ckpt_check *c, void *stp, const struct check_outcome *out)
{
	struct state *st = stp;
	const struct ckpt_model *m = check_model(c);

	/* References may lie beyond a fault: judge only whole images. */
	if (out->failed || !m)
		return;
	for (size_t i = 0; i < m->n_objects; i++) {
		const struct ckpt_model_object *o = &m->objects[i];

		if (o->objref <= 0 || (i < st->cap_referenced && st->referenced[i]) ||
		    ckpt_model_object(m, o->objref) != o)
			continue;
		check_report(c, &rules[R_UNREFERENCED], -1, o->objref_record, o->objref_offset, "OBJREF",
			     "objref %" PRId32 " (%s) is defined but nothing in the image refers to it",
			     o->objref, objtype_name(st, o->objtype));
	}
}

static void ob_release(void *stp)
{
	struct state *st = stp;

	free(st->referenced);
}

const struct check_module check_module_objref = {
	.family = "objref",
	.rules = rules,
	.n_rules = CKPT_ARRAY_LEN(rules),
	.state_size = sizeof(struct state),
	.begin = ob_begin,
	.record = ob_record,
	.field = ob_field,
	.end = ob_end,
	.release = ob_release,
	.uses_model = true,
};
