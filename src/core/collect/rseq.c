/* A thread frozen inside an rseq critical section (its struct rseq's
 * rseq_cs names a descriptor whose [start_ip, start_ip +
 * post_commit_offset) holds its ip) was preempted there: the kernel moves
 * it to the descriptor's abort_ip on its way back to user space, and a
 * restore must do the same, or the section would run on as if nothing had
 * happened.  So the image's ip is abort_ip.
 *
 * The live thread gets the same ip at once, before the remote calls run
 * it: their first resume happens at the helper's own ip, outside the
 * section, where the kernel would only clear rseq_cs and forget the abort
 * owed (the thread would then finish the section once put back). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>
#include <elf.h>

#include "collect/collect_impl.h"
#include "collect/rseq.h"

#ifndef PTRACE_GET_RSEQ_CONFIGURATION
#define PTRACE_GET_RSEQ_CONFIGURATION 0x420f
#endif

/* x86_64's largest TASK_SIZE (5-level paging): a descriptor the kernel
 * refuses under 4-level paging cannot be read through /proc/PID/mem
 * either, so the bound only has to be no smaller than the kernel's. */
#define TASK_SIZE_MAX	((1ULL << 56) - 4096u)

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void ckpt_rseq_cs_parse(const uint8_t raw[CKPT_RSEQ_CS_LEN], struct ckpt_rseq_cs *cs)
{
	cs->version = (uint32_t)le64(raw) & 0xffffffffu;
	cs->flags = (uint32_t)(le64(raw) >> 32);
	cs->start_ip = le64(raw + 8);
	cs->post_commit_offset = le64(raw + 16);
	cs->abort_ip = le64(raw + 24);
}

enum ckpt_rseq_verdict ckpt_rseq_decide(uint64_t ip, const struct ckpt_rseq_cs *cs, uint32_t sig,
					uint32_t sig_at_abort, uint64_t task_size)
{
	if (cs->version > 0 || cs->start_ip >= task_size || cs->abort_ip >= task_size ||
	    cs->start_ip + cs->post_commit_offset < cs->start_ip ||
	    cs->start_ip + cs->post_commit_offset >= task_size ||
	    cs->abort_ip - cs->start_ip < cs->post_commit_offset || cs->abort_ip < 4)
		return CKPT_RSEQ_INVALID;
	if (ip - cs->start_ip >= cs->post_commit_offset)
		return CKPT_RSEQ_OUTSIDE;
	return sig_at_abort == sig ? CKPT_RSEQ_ABORT : CKPT_RSEQ_INVALID;
}

static bool read_exact(int mem, uint64_t addr, void *buf, size_t len)
{
	return addr <= TASK_SIZE_MAX - len && pread(mem, buf, len, (off_t)addr) == (ssize_t)len;
}

#if defined(__x86_64__)
int ckpt_rseq_fixup(struct collect *c, const struct ckpt_thread *th, struct user_regs_struct *regs)
{
	struct rseq_config rc;
	uint8_t raw[CKPT_RSEQ_CS_LEN];
	uint64_t cs_ptr = 0;
	uint32_t sig_at = 0;
	struct ckpt_rseq_cs cs;
	char path[64];
	int mem;

	/* Inside a system call the kernel's restart logic owns the ip (and
	 * a section makes none). */
	if ((int64_t)regs->orig_rax >= 0)
		return 0;
	memset(&rc, 0, sizeof(rc));
	if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, th->tid, (void *)sizeof(rc), &rc) < 0 || !rc.rseq_abi_pointer ||
	    rc.rseq_abi_size < CKPT_RSEQ_CS_PTR_OFF + 8)
		return 0;	/* no rseq, or a kernel without the request */
	snprintf(path, sizeof(path), "/proc/%d/task/%d/mem", (int)th->tgid, (int)th->tid);
	if ((mem = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return ckpt_emit_fail(&c->e, "pid %d: cannot open %s: %s", (int)th->tid, path, strerror(errno));
	bool in_cs = read_exact(mem, rc.rseq_abi_pointer + CKPT_RSEQ_CS_PTR_OFF, &cs_ptr, sizeof(cs_ptr)) && cs_ptr &&
		     read_exact(mem, cs_ptr, raw, sizeof(raw));

	if (in_cs) {
		ckpt_rseq_cs_parse(raw, &cs);
		if (cs.abort_ip >= 4 && !read_exact(mem, cs.abort_ip - 4, &sig_at, sizeof(sig_at)))
			sig_at = ~rc.signature;	/* unreadable: the kernel would refuse it too */
	}
	close(mem);
	if (!in_cs || ckpt_rseq_decide(regs->rip, &cs, rc.signature, sig_at, TASK_SIZE_MAX) != CKPT_RSEQ_ABORT)
		return 0;
	regs->rip = cs.abort_ip;
	struct iovec iov = { regs, sizeof(*regs) };

	if (ptrace(PTRACE_SETREGSET, th->tid, (void *)(long)NT_PRSTATUS, &iov) < 0)
		return ckpt_emit_fail(&c->e, "pid %d: cannot move it to its rseq abort handler: %s", (int)th->tid,
				      strerror(errno));
	return 0;
}
#endif
