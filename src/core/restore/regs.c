/* The task's final state, set at the stop after its last remote call:
 * the registers (fs/gs base included), the FPU/xstate, the blocked mask.
 * A task frozen inside a system call resumes as the kernel would resume
 * it after a signal without a handler: the call runs again. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "restore/restore_impl.h"

#define ERESTART_RESTARTBLOCK 516

int rs_regs_restore(struct rs_ctx *x)
{
	struct user_regs_struct regs = x->task->regs;
	uint64_t mask = x->task->blocked;

	/* A sleep cut short by the freeze (its remaining time lived in the
	 * kernel's restart block, which a new task lacks) is made again from
	 * its saved arguments; the other restart codes as the helper says. */
	if ((long long)regs.orig_rax >= 0 && (long long)regs.rax == -ERESTART_RESTARTBLOCK &&
	    (regs.orig_rax == SYS_nanosleep || regs.orig_rax == SYS_clock_nanosleep)) {
		regs.rax = regs.orig_rax;
		regs.rip -= 2;
		regs.orig_rax = (unsigned long long)-1;
	} else {
		ckpt_remote_normalise(&regs);
	}
	if (ptrace(PTRACE_SETREGS, x->pid, NULL, &regs) < 0)
		return rs_fail(x, "PTRACE_SETREGS: %s", strerror(errno));
	if (x->task->xstate_len) {
		struct iovec iov = { .iov_base = x->task->xstate, .iov_len = x->task->xstate_len };

		if (ptrace(PTRACE_SETREGSET, x->pid, (void *)NT_X86_XSTATE, &iov) < 0)
			return rs_fail(x, "PTRACE_SETREGSET(NT_X86_XSTATE, %zu bytes): %s", x->task->xstate_len,
				       strerror(errno));
	}
	if (ptrace(PTRACE_SETSIGMASK, x->pid, (void *)sizeof(mask), &mask) < 0)
		return rs_fail(x, "PTRACE_SETSIGMASK: %s", strerror(errno));
	return 0;
}
