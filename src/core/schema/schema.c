/* Generic access to the record tables. */
#include <endian.h>
#include <string.h>

#include "schema/table.h"

static const struct ckpt_schema *const all_schemas[] = {
	&ckpt_schema_v17, &ckpt_schema_rev6, &ckpt_schema_linuxcr,
};

const struct ckpt_schema *const *ckpt_schemas(size_t *n)
{
	*n = CKPT_ARRAY_LEN(all_schemas);
	return all_schemas;
}

const struct ckpt_schema *ckpt_schema_for(enum ckpt_dialect d)
{
	for (size_t i = 0; i < CKPT_ARRAY_LEN(all_schemas); i++)
		if (all_schemas[i]->dialect == d)
			return all_schemas[i];
	return NULL;
}

const struct ckpt_schema *ckpt_schema_by_id(const char *id)
{
	for (size_t i = 0; i < CKPT_ARRAY_LEN(all_schemas); i++)
		if (strcmp(all_schemas[i]->id, id) == 0)
			return all_schemas[i];
	return NULL;
}

const struct ckpt_rtype *ckpt_schema_type(const struct ckpt_schema *s, uint32_t type)
{
	/* Tables are short (< 80 entries) and looked up once per record. */
	for (size_t i = 0; i < s->n_types; i++)
		if (s->types[i].type == type)
			return &s->types[i];
	return NULL;
}

const struct ckpt_rtype *ckpt_schema_type_by_name(const struct ckpt_schema *s, const char *name)
{
	for (size_t i = 0; i < s->n_types; i++)
		if (strcasecmp(s->types[i].name, name) == 0)
			return &s->types[i];
	if (s->preamble && strcasecmp(s->preamble->name, name) == 0)
		return s->preamble;
	return NULL;
}

const struct ckpt_field *ckpt_rtype_field(const struct ckpt_rtype *rt, const char *name)
{
	for (size_t i = 0; i < rt->n_fields; i++)
		if (strcmp(rt->fields[i].name, name) == 0)
			return &rt->fields[i];
	return NULL;
}

const char *ckpt_names_lookup(const struct ckpt_names *n, uint64_t value)
{
	if (!n)
		return NULL;
	for (size_t i = 0; i < n->count; i++)
		if (n->names[i].value == value)
			return n->names[i].name;
	return NULL;
}

bool ckpt_names_value(const struct ckpt_names *n, const char *name, uint64_t *value)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n->count; i++)
		if (strcmp(n->names[i].name, name) == 0) {
			*value = n->names[i].value;
			return true;
		}
	return false;
}

uint64_t ckpt_le_load(const uint8_t *p, unsigned width)
{
	uint64_t v = 0;
	uint32_t v32;
	uint16_t v16;

	/* Every field of every record comes through here: the common widths
	 * are one load each. */
	switch (width) {
	case 8:
		memcpy(&v, p, 8);
		return le64toh(v);
	case 4:
		memcpy(&v32, p, 4);
		return le32toh(v32);
	case 2:
		memcpy(&v16, p, 2);
		return le16toh(v16);
	case 1:
		return p[0];
	default:
		break;
	}

	for (unsigned i = 0; i < width && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void ckpt_le_store(uint8_t *p, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width && i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

bool ckpt_field_fits(const struct ckpt_field *f, size_t avail)
{
	return (uint64_t)f->offset + f->width <= avail;
}

uint64_t ckpt_field_u64(const struct ckpt_field *f, const uint8_t *rec)
{
	return ckpt_le_load(rec + f->offset, f->width);
}

int64_t ckpt_field_s64(const struct ckpt_field *f, const uint8_t *rec)
{
	uint64_t v = ckpt_field_u64(f, rec);
	unsigned bits = f->width * 8;

	if (bits == 0 || bits >= 64)
		return (int64_t)v;
	if (v & (1ULL << (bits - 1)))
		v |= ~0ULL << bits;
	return (int64_t)v;
}

void ckpt_field_put(const struct ckpt_field *f, uint8_t *rec, uint64_t v)
{
	ckpt_le_store(rec + f->offset, f->width, v);
}

bool ckpt_field_value_fits(const struct ckpt_field *f, uint64_t v)
{
	if (f->width >= 8)
		return true;
	uint64_t max = (1ULL << (8 * f->width)) - 1;

	if (f->kind == CKPT_K_INT || f->kind == CKPT_K_SENUM || f->kind == CKPT_K_OBJREF) {
		int64_t s = (int64_t)v, lim = (int64_t)(max >> 1);

		return (s >= -lim - 1 && s <= lim) || v <= max;
	}
	return v <= max;
}

uint64_t ckpt_array_count(const struct ckpt_rtype *rt, const struct ckpt_field *f,
			  const uint8_t *rec, size_t len, bool *fits)
{
	uint64_t room = len > f->offset ? (len - f->offset) / (f->stride ? f->stride : 1) : 0;
	uint64_t n;

	*fits = true;
	if (f->count)
		n = f->count;
	else if (f->count_field) {
		const struct ckpt_field *cf = ckpt_rtype_field(rt, f->count_field);

		if (!cf || !ckpt_field_fits(cf, len)) {
			*fits = false;
			return 0;
		}
		n = ckpt_field_u64(cf, rec);
	} else
		return room;
	if (n > room) {
		*fits = false;
		return room;
	}
	return n;
}
