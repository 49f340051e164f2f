/* Record pairs compared through the record tables.
 *
 * Records of two groups are paired by type (a follower by its parent's type
 * and its role) and by order within the group; fields by name, so that the
 * same record type of two dialects compares the fields both have.  OBJREF
 * fields are not compared as numbers (each image numbers its objects): the
 * objects they name are paired and compared in turn. */
#include <ctype.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/decode.h"
#include "ckpt/format.h"
#include "diff/diff_impl.h"

#define VALUE_MAX 2048

/* -- one record pair ------------------------------------------------------ */

struct rside {
	struct side *s;
	const struct ckpt_model_record *mr;
	struct ckpt_record rec;
};

/* What a pair of records is being compared as. */
struct ctx {
	struct diff *d;
	const char *object;
	char type[48];			/* lower-case type of the record (or parent) */
	bool header;
	const struct ckpt_rtype *rt_a, *rt_b;
	struct rside *ra, *rb;
};

static void field_item(struct ctx *c, const char *shown, const char *keyfield,
		       const struct ckpt_field *fa, const uint8_t *ba, const struct ckpt_field *fb,
		       const uint8_t *bb)
{
	char key[256], ta[VALUE_MAX], tb[VALUE_MAX];

	snprintf(key, sizeof(key), "%s.%s", c->type, keyfield);
	if (ba)
		ckpt_format_field(fa, ba, ta, sizeof(ta));
	else
		snprintf(ta, sizeof(ta), "(absent)");
	if (bb)
		ckpt_format_field(fb, bb, tb, sizeof(tb));
	else
		snprintf(tb, sizeof(tb), "(absent)");
	struct ckpt_diff_item it = {
		.kind = CKPT_DIFF_CHANGED, .object = c->object, .type = c->type, .key = key,
		.field = shown,
		.a = { .field = ba ? fa : NULL, .base = ba, .absent = !ba, .text = ta },
		.b = { .field = bb ? fb : NULL, .base = bb, .absent = !bb, .text = tb },
		.header = c->header,
		.blocks_restore = fa->restart_checked || fb->restart_checked,
	};
	emit(c->d, &it);
}

static bool numeric(enum ckpt_kind k)
{
	return k != CKPT_K_CHARS && k != CKPT_K_BYTES && k != CKPT_K_PAD && k != CKPT_K_ARRAY;
}

static bool values_equal(const struct ckpt_field *fa, const uint8_t *ba,
			 const struct ckpt_field *fb, const uint8_t *bb)
{
	if (fa->kind == CKPT_K_CHARS && fb->kind == CKPT_K_CHARS) {
		bool t;
		size_t la = ckpt_text_len(ba + fa->offset, fa->width, &t);
		size_t lb = ckpt_text_len(bb + fb->offset, fb->width, &t);

		return la == lb && memcmp(ba + fa->offset, bb + fb->offset, la) == 0;
	}
	if (fa->width == fb->width)
		return memcmp(ba + fa->offset, bb + fb->offset, fa->width) == 0;
	if (numeric(fa->kind) && numeric(fb->kind) && fa->width <= 8 && fb->width <= 8) {
		bool sa = fa->kind == CKPT_K_INT || fa->kind == CKPT_K_SENUM;

		return sa ? ckpt_field_s64(fa, ba) == ckpt_field_s64(fb, bb)
			  : ckpt_field_u64(fa, ba) == ckpt_field_u64(fb, bb);
	}
	return false;
}

static const struct ckpt_field *find_field(const struct ckpt_field *fields, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(fields[i].name, name) == 0)
			return &fields[i];
	return NULL;
}

/* The name an OBJREF field gives the object it names: the object type, or
 * the field's own name when an earlier field names the same type
 * (ecred_ref after cred_ref). */
static void ref_name(const struct ckpt_field *fields, const struct ckpt_field *f,
		     const struct side *s, int32_t ref, char *out, size_t size)
{
	const struct ckpt_model *m = s->m;
	long j = object_index(s, ref);
	const struct ckpt_model_object *o = j >= 0 ? &m->objects[j] : NULL;
	const char *tn = o && m->schema->objtypes ? ckpt_names_lookup(m->schema->objtypes, o->objtype) : NULL;
	bool twice = false;

	for (const struct ckpt_field *p = fields; p < f; p++)
		if (p->kind == CKPT_K_OBJREF && p->objtype == f->objtype)
			twice = true;
	if (tn && !twice) {
		lower_name(tn, out, size);
		return;
	}
	lower_name(f->name, out, size);
	static const char *const suffixes[] = { "_objref", "_ref", "ref" };

	for (size_t i = 0; i < CKPT_ARRAY_LEN(suffixes); i++) {
		size_t l = strlen(out), sl = strlen(suffixes[i]);

		if (l > sl && strcmp(out + l - sl, suffixes[i]) == 0) {
			out[l - sl] = '\0';
			break;
		}
	}
}

static struct ref_site site_of(const struct rside *r, const struct ckpt_field *f)
{
	return (struct ref_site){ r->mr->index, r->mr->offset, r->mr->rt ? r->mr->rt->name : "", f->name };
}

static void add_found(struct diff *d, const char *label, int32_t ra, int32_t rb, struct ref_site sa,
		      struct ref_site sb)
{
	if (d->n_found == d->cap_found) {
		size_t ncap = d->cap_found ? d->cap_found * 2 : 8;
		struct pending *p = realloc(d->found, ncap * sizeof(*p));

		if (!p) {
			d->failed = -2;
			return;
		}
		d->found = p;
		d->cap_found = ncap;
	}
	char *l = strdup(label);

	if (!l) {
		d->failed = -2;
		return;
	}
	d->found[d->n_found++] = (struct pending){ l, ra, rb, sa, sb };
}

static void compare_ref(struct ctx *c, const struct ckpt_field *fields_a, const struct ckpt_field *fa,
			const uint8_t *ba, const struct ckpt_field *fb, const uint8_t *bb,
			const char *shown, const char *keyfield)
{
	int32_t va = (int32_t)ckpt_field_s64(fa, ba), vb = (int32_t)ckpt_field_s64(fb, bb);
	char name[64], label[1024];

	if (va > 0 && vb > 0) {
		ref_name(fields_a, fa, &c->d->a, va, name, sizeof(name));
		snprintf(label, sizeof(label), "%s %s", c->object, name);
		add_found(c->d, label, va, vb, site_of(c->ra, fa), site_of(c->rb, fb));
	} else if (va > 0 || vb > 0) {
		const struct side *s = va > 0 ? &c->d->a : &c->d->b;
		const struct rside *r = va > 0 ? c->ra : c->rb;
		int32_t v = va > 0 ? va : vb;

		/* Only on one side, but it must still name something. */
		if (object_index(s, v) < 0) {
			diff_fail_at(c->d, s, r->mr->index, r->mr->offset, r->mr->rt ? r->mr->rt->name : "",
				     "%s %" PRId32 " names no object: cannot compare", (va > 0 ? fa : fb)->name, v);
			return;
		}
		ref_name(fields_a, fa, va > 0 ? &c->d->a : &c->d->b, va > 0 ? va : vb, name, sizeof(name));
		snprintf(label, sizeof(label), "%s %s", c->object, name);
		emit_presence(c->d, va > 0 ? CKPT_DIFF_REMOVED : CKPT_DIFF_ADDED, label, name);
	} else if (va != vb) {
		field_item(c, shown, keyfield, fa, ba, fb, bb);	/* markers */
	}
}

static void compare_fields(struct ctx *c, const struct ckpt_field *fa_list, size_t na,
			   const struct ckpt_field *fb_list, size_t nb,
			   const uint8_t *ba, size_t avail_a, const uint8_t *bb, size_t avail_b,
			   const char *prefix, const char *keyprefix);

static void compare_array(struct ctx *c, const struct ckpt_field *fa, const struct ckpt_field *fb)
{
	bool fits;
	uint64_t na = ckpt_array_count(c->rt_a, fa, c->ra->rec.data, c->ra->rec.avail, &fits);
	uint64_t nb = ckpt_array_count(c->rt_b, fb, c->rb->rec.data, c->rb->rec.avail, &fits);

	for (uint64_t i = 0; i < na && i < nb; i++) {
		uint64_t oa = fa->offset + i * fa->stride, ob = fb->offset + i * fb->stride;
		char prefix[128], keyprefix[128];
		const char *iname = fa->names ? ckpt_names_lookup(fa->names, i + fa->index_base) : NULL;

		if (oa + fa->stride > c->ra->rec.avail || ob + fb->stride > c->rb->rec.avail)
			break;
		if (iname)
			snprintf(prefix, sizeof(prefix), "%s[%s].", fa->name, iname);
		else
			snprintf(prefix, sizeof(prefix), "%s[%" PRIu64 "].", fa->name, i);
		snprintf(keyprefix, sizeof(keyprefix), "%s.", fa->name);
		compare_fields(c, fa->elem, fa->n_elem, fb->elem, fb->n_elem, c->ra->rec.data + oa,
			       fa->stride, c->rb->rec.data + ob, fb->stride, prefix, keyprefix);
	}
	if (na != nb) {
		char ta[64], tb[64], key[128];

		snprintf(ta, sizeof(ta), "%" PRIu64 " entries", na);
		snprintf(tb, sizeof(tb), "%" PRIu64 " entries", nb);
		snprintf(key, sizeof(key), "%s.%s", c->type, fa->name);
		struct ckpt_diff_item it = {
			.kind = CKPT_DIFF_CHANGED, .object = c->object, .type = c->type, .key = key,
			.field = fa->name, .header = c->header,
			.a = { .is_num = true, .num = (int64_t)na, .text = ta },
			.b = { .is_num = true, .num = (int64_t)nb, .text = tb },
		};
		emit(c->d, &it);
	}
}

static void compare_fields(struct ctx *c, const struct ckpt_field *fa_list, size_t na,
			   const struct ckpt_field *fb_list, size_t nb,
			   const uint8_t *ba, size_t avail_a, const uint8_t *bb, size_t avail_b,
			   const char *prefix, const char *keyprefix)
{
	for (size_t i = 0; i < na; i++) {
		const struct ckpt_field *fa = &fa_list[i];
		const struct ckpt_field *fb = find_field(fb_list, nb, fa->name);
		char shown[256], keyfield[256];

		if (!fb || fa->kind == CKPT_K_PAD)
			continue;
		snprintf(shown, sizeof(shown), "%s%s", prefix, fa->name);
		snprintf(keyfield, sizeof(keyfield), "%s%s", keyprefix, fa->name);
		if (fa->kind == CKPT_K_ARRAY || fb->kind == CKPT_K_ARRAY) {
			/* arrays sit at the top level of a record */
			if (fa->kind == fb->kind && !*prefix)
				compare_array(c, fa, fb);
			continue;
		}
		bool in_a = ckpt_field_fits(fa, avail_a), in_b = ckpt_field_fits(fb, avail_b);

		if (!in_a && !in_b)
			continue;
		if (!in_a || !in_b) {
			field_item(c, shown, keyfield, fa, in_a ? ba : NULL, fb, in_b ? bb : NULL);
			continue;
		}
		if (fa->kind == CKPT_K_OBJREF && fb->kind == CKPT_K_OBJREF) {
			compare_ref(c, fa_list, fa, ba, fb, bb, shown, keyfield);
			continue;
		}
		if (!values_equal(fa, ba, fb, bb))
			field_item(c, shown, keyfield, fa, ba, fb, bb);
	}
}

/* The table entry that made a follower what it is. */
static const struct ckpt_follow *follow_of(const struct side *s, const struct ckpt_model_record *r)
{
	if (!r->role || r->parent >= s->m->n_records)
		return NULL;
	const struct ckpt_rtype *prt = s->m->records[r->parent].rt;

	for (size_t i = 0; prt && i < prt->n_follows; i++)
		if (strcmp(prt->follows[i].role, r->role) == 0)
			return &prt->follows[i];
	return NULL;
}

static void text_of(const struct ckpt_record *rec, bool errmsg, char *out, size_t size)
{
	size_t n = rec->avail > rec->hdr_len ? rec->avail - rec->hdr_len : 0;
	const uint8_t *p = rec->data + rec->hdr_len;
	bool t;

	if (errmsg && n && p[0] == 0) {
		p++;
		n--;
	}
	n = ckpt_text_len(p, n, &t);
	char *esc = malloc(size);

	if (!esc) {
		snprintf(out, size, "?");
		return;
	}
	ckpt_escape(p, n, esc, size);
	snprintf(out, size, "\"%s\"", esc);
	free(esc);
}

static void compare_payload(struct ctx *c, const char *role)
{
	struct side *sa = c->ra->s, *sb = c->rb->s;
	const struct ckpt_record *a = &c->ra->rec, *b = &c->rb->rec;
	const struct ckpt_follow *fla = follow_of(sa, c->ra->mr), *flb = follow_of(sb, c->rb->mr);
	enum ckpt_layout_kind ka = fla ? fla->layout.kind : a->rt ? a->rt->payload : CKPT_L_BYTES;
	enum ckpt_layout_kind kb = flb ? flb->layout.kind : b->rt ? b->rt->payload : CKPT_L_BYTES;
	const char *what = role ? role : "payload";

	if (ka == CKPT_L_PIDS || ka == CKPT_L_PAGES)
		return;
	if ((ka == CKPT_L_STRING || ka == CKPT_L_ERRMSG) && (kb == CKPT_L_STRING || kb == CKPT_L_ERRMSG)) {
		char ta[VALUE_MAX], tb[VALUE_MAX];

		text_of(a, ka == CKPT_L_ERRMSG, ta, sizeof(ta));
		text_of(b, kb == CKPT_L_ERRMSG, tb, sizeof(tb));
		if (strcmp(ta, tb) != 0) {
			char key[160];

			snprintf(key, sizeof(key), "%s.%s", c->type, what);
			struct ckpt_diff_item it = {
				.kind = CKPT_DIFF_CHANGED, .object = c->object, .type = c->type,
				.key = key, .field = what, .header = c->header,
				.a.text = ta, .b.text = tb,
			};
			emit(c->d, &it);
		}
		return;
	}
	if (ka == CKPT_L_STRUCTS && kb == CKPT_L_STRUCTS && fla->layout.stride && flb->layout.stride) {
		const struct ckpt_layout *la = &fla->layout, *lb = &flb->layout;
		uint64_t na = (a->avail - a->hdr_len) / la->stride, nb = (b->avail - b->hdr_len) / lb->stride;
		char keyprefix[128];

		snprintf(keyprefix, sizeof(keyprefix), "%s.", what);
		for (uint64_t i = 0; i < na && i < nb; i++) {
			char prefix[128];

			snprintf(prefix, sizeof(prefix), "%s[%" PRIu64 "].", what, i);
			compare_fields(c, la->elem, la->n_elem, lb->elem, lb->n_elem,
				       a->data + a->hdr_len + i * la->stride, la->stride,
				       b->data + b->hdr_len + i * lb->stride, lb->stride, prefix, keyprefix);
		}
		if (na != nb) {
			char ta[64], tb[64], key[160];

			snprintf(ta, sizeof(ta), "%" PRIu64 " entries", na);
			snprintf(tb, sizeof(tb), "%" PRIu64 " entries", nb);
			snprintf(key, sizeof(key), "%s.%s", c->type, what);
			struct ckpt_diff_item it = {
				.kind = CKPT_DIFF_CHANGED, .object = c->object, .type = c->type,
				.key = key, .field = what, .header = c->header,
				.a = { .is_num = true, .num = (int64_t)na, .text = ta },
				.b = { .is_num = true, .num = (int64_t)nb, .text = tb },
			};
			emit(c->d, &it);
		}
		return;
	}
	/* Opaque bytes: equal or not, and a digest to tell versions apart. */
	size_t la = a->avail - a->hdr_len, lb = b->avail - b->hdr_len;

	if (la == lb && memcmp(a->data + a->hdr_len, b->data + b->hdr_len, la) == 0)
		return;
	char ta[96], tb[96], key[160];

	snprintf(ta, sizeof(ta), "%zu bytes, xxh3 %016" PRIx64, la, ckpt_page_digest(a->data + a->hdr_len, la));
	snprintf(tb, sizeof(tb), "%zu bytes, xxh3 %016" PRIx64, lb, ckpt_page_digest(b->data + b->hdr_len, lb));
	snprintf(key, sizeof(key), "%s.%s", c->type, what);
	struct ckpt_diff_item it = {
		.kind = CKPT_DIFF_CHANGED, .object = c->object, .type = c->type, .key = key,
		.field = what, .header = c->header, .a.text = ta, .b.text = tb,
	};
	emit(c->d, &it);
}

static bool load(struct rside *r, struct diff *d)
{
	struct ckpt_error err;

	if (ckpt_image_record_at(r->s->img, r->mr->offset, (uint64_t)(r->mr - r->s->m->records),
				 &r->rec, &err) < 0) {
		*d->err = err;
		d->failed = -1;
		return false;
	}
	return true;
}

/* The type a record is paired and keyed by: its table name, or for a
 * follower its parent's. */
static const char *group_type(const struct side *s, const struct ckpt_model_record *r, char *buf, size_t size)
{
	if (r->role && r->parent < s->m->n_records && s->m->records[r->parent].rt)
		return s->m->records[r->parent].rt->name;
	if (r->rt)
		return r->rt->name;
	snprintf(buf, size, "type %" PRIu32, r->type);
	return buf;
}

static void compare_pair(struct diff *d, const char *object, bool header,
			 const struct ckpt_model_record *ma, const struct ckpt_model_record *mb)
{
	struct rside ra = { .s = &d->a, .mr = ma }, rb = { .s = &d->b, .mr = mb };
	struct ctx c = { .d = d, .object = object, .header = header, .ra = &ra, .rb = &rb };
	char buf[32];

	if (!load(&ra, d) || !load(&rb, d))
		return;
	lower_name(group_type(&d->a, ma, buf, sizeof(buf)), c.type, sizeof(c.type));
	if (ma->role) {
		compare_payload(&c, ma->role);
		return;
	}
	c.rt_a = ma->rt;
	c.rt_b = mb->rt;
	if (ma->rt && mb->rt && (ma->rt->n_fields || mb->rt->n_fields))
		compare_fields(&c, ma->rt->fields, ma->rt->n_fields, mb->rt->fields, mb->rt->n_fields,
			       ra.rec.data, ra.rec.avail, rb.rec.data, rb.rec.avail, "", "");
	else
		compare_payload(&c, NULL);
}

/* The pairing key of a record: type name, and role for a follower. */
static void pair_key(const struct side *s, uint64_t i, char *out, size_t size)
{
	const struct ckpt_model_record *r = &s->m->records[i];
	char buf[32];

	snprintf(out, size, "%s%s%s", group_type(s, r, buf, sizeof(buf)), r->role ? "." : "",
		 r->role ? r->role : "");
}

/* Across dialects, a record the other dialect cannot have (a type or a
 * role its tables lack) is not a difference: only what both can say is
 * compared. */
static bool other_can_have(const struct diff *d, const struct side *s, uint64_t i)
{
	const struct ckpt_schema *other = s == &d->a ? d->b.m->schema : d->a.m->schema;
	const struct ckpt_model_record *r = &s->m->records[i];
	char buf[32];
	const struct ckpt_rtype *rt;

	if (!d->cross)
		return true;
	rt = ckpt_schema_type_by_name(other, group_type(s, r, buf, sizeof(buf)));
	if (!rt || !r->role)
		return rt != NULL;
	for (size_t k = 0; k < rt->n_follows; k++)
		if (strcmp(rt->follows[k].role, r->role) == 0)
			return true;
	return false;
}

static struct keyed *keys_of(const struct side *s, const struct idx_list *l)
{
	struct keyed *k = malloc((l->n ? l->n : 1) * sizeof(*k));

	for (size_t i = 0; k && i < l->n; i++) {
		pair_key(s, l->v[i], k[i].key, sizeof(k[i].key));
		k[i].pos = i;
	}
	return k;
}

/* Whether the record at position i of l follows a record of l that has
 * no partner: the parent's added or removed line already covers it. */
static bool parent_unpaired(const struct side *s, const struct idx_list *l, size_t i,
			    const long *match, const uint8_t *used)
{
	uint64_t parent = s->m->records[l->v[i]].parent;

	if (parent == CKPT_MODEL_NO_PARENT)
		return false;
	for (size_t k = i; k-- > 0 && i - k <= CKPT_MAX_FOLLOWS;)
		if (l->v[k] == parent)
			return match ? match[k] < 0 : !used[k];
	return false;
}

void compare_groups(struct diff *d, const char *label, const struct idx_list *la,
		    const struct idx_list *lb, bool header)
{
	struct keyed *ka = keys_of(&d->a, la), *kb = keys_of(&d->b, lb);
	long *match = malloc((la->n ? la->n : 1) * sizeof(*match));
	size_t *ord_a = malloc((la->n ? la->n : 1) * sizeof(size_t));
	size_t *ord_b = malloc((lb->n ? lb->n : 1) * sizeof(size_t));
	uint8_t *used = calloc(lb->n ? lb->n : 1, 1);
	char obj[1024], type[48], what[1100], buf[32];
	bool loose = !label;

	if (!ka || !kb || !match || !ord_a || !ord_b || !used) {
		d->failed = -2;
		goto out;
	}
	pair_keys(ka, la->n, kb, lb->n, match, ord_a, ord_b);
	for (size_t i = 0; i < la->n && !d->failed; i++) {
		const struct ckpt_model_record *ma = &d->a.m->records[la->v[i]];

		lower_name(group_type(&d->a, ma, buf, sizeof(buf)), type, sizeof(type));
		if (loose)
			snprintf(obj, sizeof(obj), "%s #%zu", type, ord_a[i] + 1);
		else
			snprintf(obj, sizeof(obj), "%s", label);
		if (match[i] < 0) {
			if (!other_can_have(d, &d->a, la->v[i]) || parent_unpaired(&d->a, la, i, match, NULL))
				continue;
			snprintf(what, sizeof(what), loose ? "%s" : "%s %s", obj, ma->role ? ma->role : type);
			emit_presence(d, CKPT_DIFF_REMOVED, what, type);
			continue;
		}
		used[match[i]] = 1;
		compare_pair(d, obj, header, ma, &d->b.m->records[lb->v[match[i]]]);
	}
	for (size_t j = 0; j < lb->n && !d->failed; j++) {
		if (used[j] || !other_can_have(d, &d->b, lb->v[j]) || parent_unpaired(&d->b, lb, j, NULL, used))
			continue;
		const struct ckpt_model_record *mb = &d->b.m->records[lb->v[j]];

		lower_name(group_type(&d->b, mb, buf, sizeof(buf)), type, sizeof(type));
		if (loose)
			snprintf(what, sizeof(what), "%s #%zu", type, ord_b[j] + 1);
		else
			snprintf(what, sizeof(what), "%s %s", label, mb->role ? mb->role : type);
		emit_presence(d, CKPT_DIFF_ADDED, what, type);
	}
out:
	free(ka);
	free(kb);
	free(match);
	free(ord_a);
	free(ord_b);
	free(used);
}
