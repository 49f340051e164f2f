/* The EXT_PEERS record layout (docs/extensions.md), shared by the producer
 * that writes it and the checker that judges pipes and sockets from it. */
#include <string.h>

#include "ckpt/ext.h"
#include "ckpt/schema.h"

bool ckpt_ext_peer_parse(const uint8_t *rec, size_t len, struct ckpt_ext_peer *p)
{
	if (len != CKPT_EXT_PEERS_LEN)
		return false;
	p->objref = (int32_t)(uint32_t)ckpt_le_load(rec + 8, 4);
	p->flags = (uint32_t)ckpt_le_load(rec + 12, 4);
	p->ino = ckpt_le_load(rec + 16, 8);
	p->outside_readers = (uint32_t)ckpt_le_load(rec + 24, 4);
	p->outside_writers = (uint32_t)ckpt_le_load(rec + 28, 4);
	p->scanned = (uint32_t)ckpt_le_load(rec + 32, 4);
	p->peer_ino = (uint32_t)ckpt_le_load(rec + 36, 4);
	return true;
}

void ckpt_ext_peer_encode(const struct ckpt_ext_peer *p, uint8_t out[CKPT_EXT_PEERS_LEN])
{
	memset(out, 0, CKPT_EXT_PEERS_LEN);
	ckpt_le_store(out, 4, CKPT_EXT_PEERS);
	ckpt_le_store(out + 4, 4, CKPT_EXT_PEERS_LEN);
	ckpt_le_store(out + 8, 4, (uint32_t)p->objref);
	ckpt_le_store(out + 12, 4, p->flags);
	ckpt_le_store(out + 16, 8, p->ino);
	ckpt_le_store(out + 24, 4, p->outside_readers);
	ckpt_le_store(out + 28, 4, p->outside_writers);
	ckpt_le_store(out + 32, 4, p->scanned);
	ckpt_le_store(out + 36, 4, p->peer_ino);
}
