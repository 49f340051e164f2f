/* A thread that spins inside an rseq critical section, for ckpt to freeze
 * there: the section is one "jmp ." (2 bytes), its abort handler counts
 * the aborts and enters it again.  Uses glibc's rseq registration
 * (__rseq_offset, glibc 2.35; signature 0x53053053); ready says
 * skip=1 when there is none.
 *
 * Usage: rseqcs READY-FILE */
#define _GNU_SOURCE
#include <sys/rseq.h>

#include "workload.h"

volatile long rseqcs_aborts;

/* rdi: &rseq->rseq_cs, rsi: the descriptor.  The 4 bytes before the
 * abort handler are the signature (inside a ud1, as librseq lays it). */
__asm__(".text\n"
	".globl rseqcs_enter, rseqcs_start, rseqcs_end, rseqcs_abort\n"
	"rseqcs_enter:\n"
	"	movq %rsi, (%rdi)\n"
	"rseqcs_start:\n"
	"	jmp rseqcs_start\n"
	"rseqcs_end:\n"
	"	ret\n"
	"	.byte 0x0f, 0xb9, 0x3d\n"
	"	.long 0x53053053\n"
	"rseqcs_abort:\n"
	"	lock incq rseqcs_aborts(%rip)\n"
	"	jmp rseqcs_enter\n");

extern char rseqcs_start[], rseqcs_end[], rseqcs_abort[];
extern void rseqcs_enter(volatile uint64_t *slot, const void *desc);

static struct {
	uint32_t version, flags;
	uint64_t start_ip, post_commit_offset, abort_ip;
} __attribute__((aligned(32))) desc;

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);

	if (__rseq_size == 0) {
		workload_ready(ready, "skip=1\n");
		for (;;)
			pause();
	}
	desc.start_ip = (uint64_t)(uintptr_t)rseqcs_start;
	desc.post_commit_offset = (uint64_t)(rseqcs_end - rseqcs_start);
	desc.abort_ip = (uint64_t)(uintptr_t)rseqcs_abort;
	struct rseq *rs = (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);

	workload_ready(ready, "start_ip=0x%lx\nend_ip=0x%lx\nabort_ip=0x%lx\n", (unsigned long)desc.start_ip,
		       (unsigned long)(uintptr_t)rseqcs_end, (unsigned long)desc.abort_ip);
	rseqcs_enter((volatile uint64_t *)&rs->rseq_cs, &desc);
	return 0;
}
