/* The rseq critical-section abort a frozen thread is owed (rseq.c).
 * Internal to libckpt. */
#ifndef CKPT_COLLECT_RSEQ_H
#define CKPT_COLLECT_RSEQ_H

#include <stdint.h>

/* struct rseq_cs of the uapi, 32 bytes little-endian. */
#define CKPT_RSEQ_CS_LEN	32u
/* Offset of the rseq_cs pointer in struct rseq. */
#define CKPT_RSEQ_CS_PTR_OFF	8u

struct ckpt_rseq_cs {
	uint32_t version, flags;
	uint64_t start_ip, post_commit_offset, abort_ip;
};

void ckpt_rseq_cs_parse(const uint8_t raw[CKPT_RSEQ_CS_LEN], struct ckpt_rseq_cs *cs);

enum ckpt_rseq_verdict {
	CKPT_RSEQ_OUTSIDE,	/* ip is not in the critical section: nothing to do */
	CKPT_RSEQ_ABORT,	/* ip is in it: the thread resumes at abort_ip */
	CKPT_RSEQ_INVALID,	/* the kernel would refuse the descriptor (SIGSEGV) */
};

/* What the kernel does on the thread's return to user space
 * (rseq_ip_fixup) after it was preempted at ip with this descriptor
 * registered: the descriptor's checks (version 0, addresses below
 * task_size, no overflow, abort_ip outside the section), then whether
 * start_ip <= ip < start_ip + post_commit_offset, then the signature:
 * sig_at_abort (the 4 bytes before abort_ip) must be the registered sig. */
enum ckpt_rseq_verdict ckpt_rseq_decide(uint64_t ip, const struct ckpt_rseq_cs *cs, uint32_t sig,
					uint32_t sig_at_abort, uint64_t task_size);

#endif
