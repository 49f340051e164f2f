/* Digest arithmetic and encodings of the extension records (ext.h). */
#include <string.h>
#include <xxhash.h>

#include "ckpt/ext.h"
#include "ckpt/schema.h"

uint64_t ckpt_digest(const void *data, size_t len)
{
	return XXH3_64bits(data, len);
}

/* The opaque state is libxxhash's; the wrapper keeps xxhash.h out of the
 * public headers. */
struct ckpt_digest_state *ckpt_digest_begin(void)
{
	XXH3_state_t *st = XXH3_createState();

	if (st)
		XXH3_64bits_reset(st);
	return (struct ckpt_digest_state *)st;
}

void ckpt_digest_update(struct ckpt_digest_state *st, const void *data, size_t len)
{
	XXH3_64bits_update((XXH3_state_t *)st, data, len);
}

uint64_t ckpt_digest_end(struct ckpt_digest_state *st)
{
	uint64_t d = XXH3_64bits_digest((XXH3_state_t *)st);

	XXH3_freeState((XXH3_state_t *)st);
	return d;
}

uint64_t ckpt_ext_digest_self(const uint8_t *rec, size_t len)
{
	static const uint8_t zero[8];
	struct ckpt_digest_state *st = ckpt_digest_begin();

	if (!st)
		return 0;	/* out of memory: no digest will match */
	ckpt_digest_update(st, rec, 24);
	ckpt_digest_update(st, zero, 8);
	ckpt_digest_update(st, rec + 32, len - 32);
	return ckpt_digest_end(st);
}

void ckpt_digest_batch_init(struct ckpt_digest_batch *b, uint64_t first)
{
	b->first = first;
	b->count = 0;
}

bool ckpt_digest_batch_add(struct ckpt_digest_batch *b, uint64_t digest)
{
	if (b->count >= CKPT_EXT_DIGEST_MAX)
		return false;
	b->digests[b->count++] = digest;
	return true;
}

size_t ckpt_digest_batch_len(const struct ckpt_digest_batch *b)
{
	return CKPT_EXT_DIGEST_HDR_LEN + 8 * (size_t)b->count;
}

size_t ckpt_digest_batch_encode(const struct ckpt_digest_batch *b, uint8_t *out)
{
	size_t len = ckpt_digest_batch_len(b);

	memset(out, 0, CKPT_EXT_DIGEST_HDR_LEN);
	ckpt_le_store(out, 4, CKPT_EXT_DIGEST);
	ckpt_le_store(out + 4, 4, len);
	ckpt_le_store(out + 8, 2, CKPT_DIGEST_XXH3_64);
	ckpt_le_store(out + 12, 4, b->count);
	ckpt_le_store(out + 16, 8, b->first);
	for (uint32_t i = 0; i < b->count; i++)
		ckpt_le_store(out + CKPT_EXT_DIGEST_HDR_LEN + 8 * (size_t)i, 8, b->digests[i]);
	ckpt_le_store(out + 24, 8, ckpt_ext_digest_self(out, len));
	return len;
}

bool ckpt_ext_digest_parse(const uint8_t *rec, size_t len, struct ckpt_ext_digest *d)
{
	if (len < CKPT_EXT_DIGEST_HDR_LEN)
		return false;
	d->algo = (uint32_t)ckpt_le_load(rec + 8, 2);
	d->count = (uint32_t)ckpt_le_load(rec + 12, 4);
	d->first = ckpt_le_load(rec + 16, 8);
	d->self = ckpt_le_load(rec + 24, 8);
	d->digests = rec + CKPT_EXT_DIGEST_HDR_LEN;
	return d->algo == CKPT_DIGEST_XXH3_64 && d->count <= CKPT_EXT_DIGEST_MAX &&
	       len == CKPT_EXT_DIGEST_HDR_LEN + 8 * (size_t)d->count;
}

uint64_t ckpt_ext_digest_at(const struct ckpt_ext_digest *d, uint32_t i)
{
	return ckpt_le_load(d->digests + 8 * (size_t)i, 8);
}

size_t ckpt_ext_users_len(size_t n)
{
	return CKPT_EXT_USERS_HDR_LEN + CKPT_EXT_USER_LEN * n;
}

size_t ckpt_ext_users_encode(const struct ckpt_ext_user *u, size_t n, uint8_t *out)
{
	size_t len = ckpt_ext_users_len(n);

	memset(out, 0, CKPT_EXT_USERS_HDR_LEN);
	ckpt_le_store(out, 4, CKPT_EXT_USERS);
	ckpt_le_store(out + 4, 4, len);
	ckpt_le_store(out + 8, 4, n);
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = out + CKPT_EXT_USERS_HDR_LEN + CKPT_EXT_USER_LEN * i;

		ckpt_le_store(e, 4, (uint32_t)u[i].objref);
		ckpt_le_store(e + 4, 4, u[i].objtype);
		ckpt_le_store(e + 8, 4, u[i].observed);
		ckpt_le_store(e + 12, 4, u[i].method);
		ckpt_le_store(e + 16, 8, u[i].ident);
	}
	return len;
}

bool ckpt_ext_users_count(const uint8_t *rec, size_t len, uint32_t *n)
{
	if (len < CKPT_EXT_USERS_HDR_LEN)
		return false;
	*n = (uint32_t)ckpt_le_load(rec + 8, 4);
	return (len - CKPT_EXT_USERS_HDR_LEN) / CKPT_EXT_USER_LEN == *n &&
	       (len - CKPT_EXT_USERS_HDR_LEN) % CKPT_EXT_USER_LEN == 0;
}

bool ckpt_ext_users_entry(const uint8_t *rec, size_t len, uint32_t i, struct ckpt_ext_user *u)
{
	size_t off = CKPT_EXT_USERS_HDR_LEN + CKPT_EXT_USER_LEN * (size_t)i;

	if (len < CKPT_EXT_USERS_HDR_LEN || off > len || len - off < CKPT_EXT_USER_LEN)
		return false;
	u->objref = (int32_t)(uint32_t)ckpt_le_load(rec + off, 4);
	u->objtype = (uint32_t)ckpt_le_load(rec + off + 4, 4);
	u->observed = (uint32_t)ckpt_le_load(rec + off + 8, 4);
	u->method = (uint32_t)ckpt_le_load(rec + off + 12, 4);
	u->ident = ckpt_le_load(rec + off + 16, 8);
	return true;
}
