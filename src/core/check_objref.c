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

#include "check_impl.h"
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

struct object {
	int32_t ref;
	uint32_t objtype;
	bool known_type;		/* objtype is one the dialect names */
	bool referenced;
	uint64_t index, offset;		/* its OBJREF record */
};

struct state {
	const struct ckpt_names *objtypes;
	const struct ckpt_field *f_objtype, *f_objref;
	uint32_t objref_type;
	/* Per object type: the record type named like it, 0 if none. */
	uint32_t record_of[64];
	/* Objects in definition order, each objref once.  Producers number
	 * objects 1, 2, 3... as they define them, so objref r is usually at
	 * position r - 1 and is found there; only the others go into an
	 * open-addressing index (slot = position + 1; 0 is empty), which then
	 * stays small, and a large image costs no hashing. */
	struct object *objs;
	size_t n, cap;
	uint32_t *slots;
	size_t n_slots, n_hashed;
	/* The object records still owed by OBJREFs seen (innermost last): an
	 * object's op may define the objects it needs before its record. */
	struct {
		uint32_t type;
		int32_t ref;
		uint64_t index;
	} owed[32];
	size_t n_owed;
};

static size_t hash(int32_t ref, size_t n_slots)
{
	return ((uint32_t)ref * 2654435761u) & (n_slots - 1);
}

static bool in_place(const struct state *st, size_t pos)
{
	return (uint64_t)st->objs[pos].ref == (uint64_t)pos + 1;
}

static struct object *find(struct state *st, int32_t ref)
{
	if (ref > 0 && (size_t)ref <= st->n && in_place(st, (size_t)ref - 1))
		return &st->objs[ref - 1];
	if (!st->n_slots)
		return NULL;
	for (size_t h = hash(ref, st->n_slots);; h = (h + 1) & (st->n_slots - 1)) {
		if (!st->slots[h])
			return NULL;
		if (st->objs[st->slots[h] - 1].ref == ref)
			return &st->objs[st->slots[h] - 1];
	}
}

static bool grow(struct state *st, bool hashed)
{
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		struct object *o = realloc(st->objs, cap * sizeof(*o));

		if (!o)
			return false;
		st->objs = o;
		st->cap = cap;
	}
	/* Keep the index at most half full. */
	if (hashed && (st->n_hashed + 1) * 2 > st->n_slots) {
		size_t ns = st->n_slots ? st->n_slots * 2 : 128;
		uint32_t *s = calloc(ns, sizeof(*s));

		if (!s)
			return false;
		for (size_t i = 0; i < st->n; i++) {
			if (in_place(st, i))
				continue;
			size_t h = hash(st->objs[i].ref, ns);

			while (s[h])
				h = (h + 1) & (ns - 1);
			s[h] = (uint32_t)(i + 1);
		}
		free(st->slots);
		st->slots = s;
		st->n_slots = ns;
	}
	return true;
}

static void add(struct ckpt_check *c, struct state *st, const struct object *o)
{
	bool hashed = (uint64_t)o->ref != (uint64_t)st->n + 1;

	if (st->n >= UINT32_MAX - 1 || !grow(st, hashed)) {
		check_out_of_memory(c);
		return;
	}
	st->objs[st->n] = *o;
	if (hashed) {
		size_t h = hash(o->ref, st->n_slots);

		while (st->slots[h])
			h = (h + 1) & (st->n_slots - 1);
		st->slots[h] = (uint32_t)(st->n + 1);
		st->n_hashed++;
	}
	st->n++;
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
	bool known = ckpt_names_lookup(st->objtypes, type) != NULL;

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
	struct object *prev = find(st, (int32_t)ref);

	if (prev) {
		check_report_rec(c, &rules[R_DUPLICATE], -1, rec, ref_off,
				 "objref %" PRId64 " (%s) was already defined by record %" PRIu64
				 " as %s", ref, objtype_name(st, type), prev->index,
				 objtype_name(st, prev->objtype));
		return;
	}
	struct object o = {
		.ref = (int32_t)ref, .objtype = (uint32_t)type, .known_type = known,
		.index = rec->index, .offset = rec->offset,
	};

	add(c, st, &o);
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

	if (f->kind != CKPT_K_OBJREF || !st->objref_type)
		return;
	int64_t v = ckpt_field_s64(f, base);

	if (v == 0 || (f->specials && ckpt_names_lookup(f->specials, (uint64_t)v)))
		return;
	struct object *o = v > 0 && v <= INT32_MAX ? find(st, (int32_t)v) : NULL;
	uint64_t off = check_field_offset(rec, f, base);

	if (!o) {
		check_report_rec(c, &rules[R_UNDEFINED], -1, rec, off,
				 "%s refers to objref %" PRId64 ", which no earlier OBJREF defines "
				 "(a %s was expected)", f->name, v, objtype_name(st, (uint64_t)f->objtype));
		return;
	}
	o->referenced = true;
	if (f->objtype && o->known_type && o->objtype != (uint32_t)f->objtype)
		check_report_rec(c, &rules[R_TYPE], -1, rec, off,
				 "%s refers to objref %" PRId64 ", a %s (defined by record %" PRIu64
				 "), but must refer to a %s", f->name, v, objtype_name(st, o->objtype),
				 o->index, objtype_name(st, (uint64_t)f->objtype));
}

static void ob_end(struct ckpt_check *c, void *stp, const struct check_outcome *out)
{
	struct state *st = stp;

	/* References may lie beyond a fault: judge only whole images. */
	if (out->failed)
		return;
	for (size_t i = 0; i < st->n; i++)
		if (!st->objs[i].referenced)
			check_report(c, &rules[R_UNREFERENCED], -1, st->objs[i].index, st->objs[i].offset,
				     "OBJREF",
				     "objref %" PRId32 " (%s) is defined but nothing in the image refers to it",
				     st->objs[i].ref, objtype_name(st, st->objs[i].objtype));
}

static void ob_release(void *stp)
{
	struct state *st = stp;

	free(st->objs);
	free(st->slots);
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
};
