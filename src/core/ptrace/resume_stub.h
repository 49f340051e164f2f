/* The resume stub: a few bytes of code in a traced process that make a
 * remote system call safe to abandon (src/core/ptrace/remote.c, x86_64).
 *
 * A remote call points the thread's registers at a `syscall` instruction
 * with our number and arguments.  If the tracer dies at that moment (a
 * SIGKILL of ckpt), the kernel detaches the thread with those registers and
 * it runs on from there.  From the stub it runs on correctly: the stub is
 *
 *	syscall				the injected call, made once
 *	[rt_sigprocmask(SIG_SETMASK, &mask)]	when the data block says so
 *	mov r64, [rip+saved]		for the 15 registers other than rsp
 *	push qword [rip+flags]; popfq
 *	mov rsp, [rip+saved rsp]
 *	jmp qword [rip+saved rip]
 *
 * followed by its data block: the registers the tracer would have written
 * back.  So a thread whose tracer vanished finishes or makes the call, its
 * result dropped (ckpt only makes calls for which that is harmless: see
 * remote.c), and then goes on exactly as it was frozen.  While a call runs, rsp is set below the red
 * zone, so the push (and a signal frame) spare the thread's own stack.
 *
 * Where: in the padding of the process's [vdso], the bytes after the end of
 * its ELF image up to the end of the mapping.  The mapping is read-only but
 * may be written (VM_MAYWRITE, for debuggers' breakpoints): a write through
 * /proc/PID/mem makes a private copy of that page for this process only, and
 * no remote mmap is needed.  The padding is written back to zeros when the
 * session ends; the private copy of the page stays (the image holds no vdso
 * contents, and its bytes are the kernel's again). */
#ifndef CKPT_PTRACE_RESUME_STUB_H
#define CKPT_PTRACE_RESUME_STUB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

/* The stub and its data block, in bytes. */
#define CKPT_STUB_SIZE 336

/* Offsets in the stub of what the tracer rewrites. */
#define CKPT_STUB_MASK_OFF (CKPT_STUB_SIZE - 16)	/* blocked mask, 8 bytes */
#define CKPT_STUB_MASK_SET_OFF (CKPT_STUB_SIZE - 8)	/* non-zero: restore it */

/* Builds the stub for address at: code, then regs (rip, rsp and eflags
 * too; orig_rax and the segment registers are not touched), no mask to
 * restore.  buf holds CKPT_STUB_SIZE bytes. */
void ckpt_stub_build(unsigned char *buf, const struct user_regs_struct *regs);

/* The stub's place in [vdso_start, vdso_end) of a process whose memory is
 * open as mem (/proc/PID/mem): after the vdso's ELF image (its header read
 * from the process and checked against the mapping's bounds), in bytes that
 * are all zero (or hold a stub a killed tracer left there), within one
 * page.  0 when there is no such room (no vdso, a
 * malformed image, padding too short or not zero). */
uint64_t ckpt_stub_place(int mem, uint64_t vdso_start, uint64_t vdso_end);

#endif
