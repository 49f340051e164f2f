/* One task's records: TASK, its objects, THREAD, CPU and signal state. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <time.h>
#include <unistd.h>
#include <elf.h>
#include <linux/kcmp.h>

#include "ckpt/kernel.h"
#include "collect/collect_impl.h"

/* --- tasks ----------------------------------------------------------------- */

static uint32_t task_state_of(char letter)
{
	switch (letter) {
	case 'S': return 0x1;	/* TASK_INTERRUPTIBLE */
	case 'D': return 0x2;	/* TASK_UNINTERRUPTIBLE */
	case 'I': return 0x2;	/* idle: uninterruptible, not counted as load */
	case 'T': return 0x4;	/* __TASK_STOPPED */
	case 't': return 0x8;	/* __TASK_TRACED */
	case 'Z': case 'X': return 0x40;	/* TASK_DEAD */
	default: return 0;	/* TASK_RUNNING */
	}
}

#if defined(__x86_64__)
/* The registers as frozen: read before anything runs remotely in the
 * thread, which leaves an interrupted system call set up to restart. */
static int read_regs(struct collect *c, const struct ckpt_thread *th, struct user_regs_struct *regs)
{
	struct iovec iov = { regs, sizeof(*regs) };

	if (ptrace(PTRACE_GETREGSET, th->tid, (void *)(long)NT_PRSTATUS, &iov) < 0)
		return ckpt_emit_fail(&c->e, "pid %d: cannot read its registers: %s", (int)th->tid, strerror(errno));
	return 0;
}

#define ERESTART_RESTARTBLOCK	516	/* the kernel's: "restart with restart_syscall" */

/* The restart block of a thread frozen inside a sleep the kernel resumes
 * through restart_syscall(2): its kind, from the interrupted call's number,
 * and that call's arguments (at most five; the rest 0).  What the kernel keeps in the
 * block (a sleep's end time) is not visible from user space; a restorer
 * runs the call again from these (nanosleep(2) wrote the time left to its
 * rem argument when there is one, which the image's memory holds). */
static int write_restart_block(struct collect *c, const struct user_regs_struct *regs)
{
	struct ckpt_emit *e = &c->e;
	const char *fn;
	int nargs;	/* the call's arguments: the other registers mean nothing */

	if ((int64_t)regs->rax != -ERESTART_RESTARTBLOCK)
		return 0;
	switch ((long)regs->orig_rax) {
	case SYS_nanosleep: fn = "HRTIMER_NANOSLEEP"; nargs = 2; break;
	case SYS_clock_nanosleep:
		/* clock_nanosleep on a CPU-time clock (negative ids) sleeps
		 * through the posix-cpu-timers code instead. */
		fn = (int32_t)regs->rdi < 0 ? "POSIX_CPU_TIMERS" : "HRTIMER_NANOSLEEP";
		nargs = 4;
		break;
	case SYS_futex: fn = "FUTEX"; nargs = 5; break;
	case SYS_poll: fn = "POLL"; nargs = 3; break;
	case SYS_ppoll: fn = "POLL"; nargs = 5; break;
	case SYS_restart_syscall: fn = "RESTART_SYSCALL"; nargs = 0; break;
	default: fn = "NONE"; nargs = 5; break;
	}
	const uint64_t args[5] = { regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8 };
	static const char *const names[5] = { "arg_0", "arg_1", "arg_2", "arg_3", "arg_4" };

	ckpt_emit_begin(e, "RESTART_BLOCK", 0);
	ckpt_emit_set_name(e, "function_type", fn);
	for (int i = 0; i < nargs; i++)
		ckpt_emit_set(e, names[i], args[i]);
	ckpt_emit_put(e);
	return e->failed ? -1 : 0;
}
#endif

static int write_cpu(struct collect *c, const struct ckpt_thread *th, const void *regsp)
{
	struct ckpt_emit *e = &c->e;
#if defined(__x86_64__)
	const struct user_regs_struct regs = *(const struct user_regs_struct *)regsp;

	/* The CPU record's names are pt_regs' (bp, ax, ...); fs and gs
	 * are the segment bases, fsindex/gsindex the selectors. */
	const struct { const char *field; uint64_t v; } map[] = {
		{ "r15", regs.r15 }, { "r14", regs.r14 }, { "r13", regs.r13 }, { "r12", regs.r12 },
		{ "bp", regs.rbp }, { "bx", regs.rbx }, { "r11", regs.r11 }, { "r10", regs.r10 },
		{ "r9", regs.r9 }, { "r8", regs.r8 }, { "ax", regs.rax }, { "cx", regs.rcx },
		{ "dx", regs.rdx }, { "si", regs.rsi }, { "di", regs.rdi }, { "orig_ax", regs.orig_rax },
		{ "ip", regs.rip }, { "sp", regs.rsp }, { "flags", regs.eflags },
		{ "fs", regs.fs_base }, { "gs", regs.gs_base },
		{ "fsindex", regs.fs & 0xffff }, { "gsindex", regs.gs & 0xffff },
		{ "cs", regs.cs & 0xffff }, { "ss", regs.ss & 0xffff },
		{ "ds", regs.ds & 0xffff }, { "es", regs.es & 0xffff },
	};

	size_t size = c->prof.xstate_size;
	uint8_t *xstate = calloc(1, size ? size : 1);
	struct iovec xiov = { xstate, size };

	if (!xstate)
		return ckpt_oom(c);
	if (ptrace(PTRACE_GETREGSET, th->tid, (void *)(long)(c->prof.has_xsave ? NT_X86_XSTATE : NT_PRFPREG),
		   &xiov) < 0) {
		free(xstate);
		return ckpt_emit_fail(e, "pid %d: cannot read its FPU state: %s", (int)th->tid, strerror(errno));
	}
	if (xiov.iov_len != size) {
		free(xstate);
		return ckpt_emit_fail(e, "pid %d: its FPU state is %zu bytes, not the %zu of HEADER_ARCH",
				      (int)th->tid, xiov.iov_len, size);
	}
	ckpt_emit_begin(e, "CPU", 0);
	for (size_t i = 0; i < CKPT_ARRAY_LEN(map); i++)
		ckpt_emit_set(e, map[i].field, map[i].v);
	/* Every task has an FPU context now: the kernel allocates it eagerly. */
	ckpt_emit_set(e, "used_math", 1);
	ckpt_emit_put(e);
	ckpt_emit_raw(e, "CPU_FPU", xstate, size);
	free(xstate);
	return e->failed ? -1 : 0;
#else
	(void)th;
	(void)regsp;
	return ckpt_emit_fail(e, "registers: only x86_64 is supported");
#endif
}

/* The signal th was taking when it was frozen, before a remote call
 * replaces its stop (and so its siginfo). */
static int read_delivering(struct collect *c, const struct ckpt_thread *th, struct ckpt_task_extra *x)
{
	if (!th->seized || !th->resend_signal)
		return 0;
	if (ptrace(PTRACE_GETSIGINFO, th->tid, NULL, &x->delivered) < 0)
		return ckpt_emit_fail(&c->e, "pid %d: PTRACE_GETSIGINFO of the signal it was taking: %s",
				      (int)th->tid, strerror(errno));
	x->delivering = true;
	return 0;
}

int ckpt_write_task(struct collect *c, const struct ckpt_thread *th)
{
	struct ckpt_emit *e = &c->e;
	struct ckpt_proc_stat st;
	bool zombie = !th->seized;
	uint64_t robust_head = 0;
	size_t robust_len = 0;
	struct ckpt_task_extra x;
#if defined(__x86_64__)
	struct user_regs_struct regs;
#else
	int regs;
#endif

	memset(&x, 0, sizeof(x));
	memset(&regs, 0, sizeof(regs));
#if defined(__x86_64__)
	if (!zombie && (read_regs(c, th, &regs) < 0 || ckpt_rseq_fixup(c, th, &regs) < 0))
		return -1;
#endif
	if (!zombie && (read_delivering(c, th, &x) < 0 || ckpt_read_remote_state(c, th, &x) < 0))
		return -1;
	if (ckpt_proc_stat(th->tgid, th->tid, &st) < 0)
		return ckpt_emit_fail(e, "pid %d: cannot read its stat: %s", (int)th->tid, strerror(errno));
	if (!zombie && syscall(SYS_get_robust_list, th->tid, &robust_head, &robust_len) < 0)
		return ckpt_emit_fail(e, "pid %d: get_robust_list: %s", (int)th->tid, strerror(errno));
	ckpt_emit_begin(e, "TASK", 0);
	/* The PF_* flags as this kernel numbers them (stat's field 9). */
	ckpt_emit_set(e, "flags", (uint32_t)st.f[9]);
	ckpt_emit_set(e, "state", task_state_of(th->state));
	if (zombie) {
		ckpt_emit_set_name(e, "exit_state", "EXIT_ZOMBIE");
		ckpt_emit_set(e, "exit_code", (uint32_t)st.f[52]);
	}
	ckpt_emit_set(e, "exit_signal", (uint32_t)(int32_t)st.f[38]);
	if (x.valid & CKPT_EXTRA_SIGALTSTACK) {
		ckpt_emit_set(e, "sas_ss_sp", x.ss_sp);
		ckpt_emit_set(e, "sas_ss_size", (uint32_t)x.ss_size);
	}
	ckpt_emit_set(e, "robust_futex_head_len", robust_len);
	ckpt_emit_set(e, "robust_futex_list", robust_head);
	ckpt_emit_put(e);
	ckpt_emit_padded(e, "STRING", st.comm, 16);

	int32_t cred = ckpt_cred_ref(c, th);
	/* A zombie has released its namespaces, mm, files, fs and signal
	 * handlers: its task record and credentials are all there is. */
	int32_t ns = 0, mm = 0, files = 0, fs = 0, sighand = 0, signal = 0;

	if (!zombie && cred > 0) {
		ns = ckpt_ns_ref(c, th);
		mm = ns > 0 ? ckpt_mm_ref(c, th, cred) : -1;
		files = mm > 0 ? ckpt_files_ref(c, th, cred) : -1;
		fs = files > 0 ? ckpt_fs_ref(c, th) : -1;
		sighand = fs > 0 ? ckpt_sighand_ref(c, th, &x) : -1;
		signal = sighand > 0 ? ckpt_signal_ref(c, th, &x) : -1;
	}
	if (e->failed)
		return -1;
	ckpt_emit_begin(e, "TASK_CREDS", 0);
	ckpt_emit_set(e, "cred_ref", (uint32_t)cred);
	ckpt_emit_set(e, "ecred_ref", (uint32_t)cred);
	ckpt_emit_put(e);
	ckpt_emit_begin(e, "TASK_NS", 0);
	ckpt_emit_set(e, "ns_objref", (uint32_t)ns);
	ckpt_emit_put(e);
	ckpt_emit_begin(e, "TASK_OBJS", 0);
	ckpt_emit_set(e, "files_objref", (uint32_t)files);
	ckpt_emit_set(e, "mm_objref", (uint32_t)mm);
	ckpt_emit_set(e, "fs_objref", (uint32_t)fs);
	ckpt_emit_set(e, "sighand_objref", (uint32_t)sighand);
	ckpt_emit_set(e, "signal_objref", (uint32_t)signal);
	ckpt_emit_put(e);
	if (zombie)
		return e->failed ? -1 : 0;
#if defined(__x86_64__)
	if (write_restart_block(c, &regs) < 0)
		return -1;
#endif
	/* x86_64: three TLS descriptors of 8 bytes in the GDT. */
	ckpt_emit_begin(e, "THREAD", 0);
	ckpt_emit_set(e, "gdt_entry_tls_entries", 3);
	ckpt_emit_set(e, "sizeof_tls_array", 24);
	ckpt_emit_put(e);
	if (write_cpu(c, th, &regs) < 0 || ckpt_write_signal_task(c, th, &x) < 0)
		return -1;
	return ckpt_write_task_security(c, th, &x);
}
