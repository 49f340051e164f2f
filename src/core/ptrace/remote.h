/* Remote system calls: a ptrace-stopped thread runs system calls on our
 * behalf, then goes back to exactly the state it was stopped in.
 * Internal to libckpt; x86_64 only.  Shared by the producer (state only
 * visible from inside a task) and the restorer (building a task).
 *
 * Use:
 *	ckpt_remote_begin(&r, tid, options, err, sizeof(err));
 *	ckpt_remote_syscall(&r, __NR_getpid, args, &ret, ...);  (any number)
 *	ckpt_remote_end(&r, err, sizeof(err));
 *	ptrace(PTRACE_DETACH, tid, 0, 0);	(the caller's business)
 *
 * The thread must be attached (PTRACE_SEIZE or PTRACE_ATTACH) and in a
 * ptrace-stop of any kind.  Signals that arrive while the helper runs the
 * thread are the helper's: it takes them out of the way and queues them
 * again, with their siginfo, in ckpt_remote_end().  A thread held in a
 * signal-delivery-stop should have that signal handed over with
 * ckpt_remote_take_signal() and be detached with 0: passed to
 * PTRACE_DETACH instead it is not lost (the thread then sits in a
 * syscall-exit-stop, where the kernel re-sends it with send_sig()), but
 * loses its siginfo and, when the thread was in an interruptible call, the
 * handler runs before that call is made again instead of ending it with
 * EINTR.
 *
 * Registers written back by ckpt_remote_end(): if the thread was frozen in
 * an interrupted call and a signal is waiting for it, the raw ones, so the
 * kernel's signal path ends or restarts the call as it would have (a
 * signal sent after end and before the detach still meets the normalised
 * ones: the handler runs, then the call is made again); otherwise the
 * normalised ones. */
#ifndef CKPT_PTRACE_REMOTE_H
#define CKPT_PTRACE_REMOTE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#define CKPT_REMOTE_TIMEOUT_MS 5000	/* per stop, unless the caller sets another */

struct ckpt_remote {
	pid_t tid;
	/* raw: the registers as frozen, what the producer saves in an image
	 * (orig_ax and a restart code in ax tell a restorer the thread was in
	 * a system call).  regs: the same state normalised as the kernel
	 * would on a return without a handler (an interrupted call set up to
	 * run again, orig_ax -1); ckpt_remote_end() writes these back. */
	struct user_regs_struct raw, regs;
	bool normalised;		/* regs differ from raw beyond orig_ax */
	bool restart;			/* frozen in a call the kernel would restart */
	bool wrote_raw;			/* set by end: raw went back, not regs */

	/* Settable after begin. */
	int timeout_ms;			/* bound on each wait for a stop */
	volatile sig_atomic_t *stop;	/* non-zero: give up (e.g. set by SIGINT) */
	/* Set by a call that made a task the tracer follows (its
	 * PTRACE_EVENT_FORK, VFORK or CLONE stop): its pid in the tracer's
	 * pid namespace, which differs from what the call returns when the
	 * thread lives in a child namespace.  0: none yet. */
	pid_t new_child;

	/* Private. */
	unsigned long options;		/* the tracer's own ptrace options */
	int mem;			/* /proc/TID/mem */
	uint64_t syscall_ip;		/* address of a 0f 05; 0: not found yet */
	uint64_t stub;			/* resume stub (resume_stub.h) at syscall_ip; 0: none */
	bool stub_written;		/* its bytes are in the task this session */
	uint64_t scratch;		/* remote scratch mapping, 0 if none */
	size_t scratch_len;
	siginfo_t *caught;		/* signals taken out of the way, in order */
	size_t n_caught, cap_caught;
	bool active;			/* between begin and end */
	bool ran;			/* the thread has been resumed at least once */
	bool gone;			/* exited or killed: nothing more to do */
	bool lost;			/* running and could not be stopped again */
};

/* Takes over a ptrace-stopped thread: saves and normalises its registers,
 * opens its memory, and adds PTRACE_O_TRACESYSGOOD to its ptrace options.
 * options: the options the tracer set itself (PTRACE_SEIZE's data,
 * PTRACE_SETOPTIONS), restored by ckpt_remote_end(); ptrace(2) cannot
 * report them.  A thread held in a syscall-enter-stop is understood only if
 * options already had PTRACE_O_TRACESYSGOOD.  0, or -1 with err. */
int ckpt_remote_begin(struct ckpt_remote *r, pid_t tid, unsigned long options, char *err, size_t errsize);

/* The kernel's own return path for a thread stopped inside a system call,
 * with no handler to run: a call interrupted by -ERESTARTSYS,
 * -ERESTARTNOINTR or -ERESTARTNOHAND is set up to run again (ax = orig_ax,
 * ip back over the 2-byte instruction), one interrupted by
 * -ERESTART_RESTARTBLOCK to run restart_syscall, which resumes from what the
 * kernel kept (nanosleep's end time).  orig_ax becomes -1 in every case, so
 * nothing is restarted twice.  Returns whether anything but orig_ax changed. */
bool ckpt_remote_normalise(struct user_regs_struct *regs);

/* Runs system calls from ip, which must hold 0f 05 in an executable mapping
 * (the restorer's own code page, in tasks that die with it).  Without it
 * the first call finds a place for the resume stub in the thread's [vdso]
 * (resume_stub.h), or else a 0f 05 there or in its other executable
 * mappings: see ckpt_remote_find_syscall(). */
void ckpt_remote_set_syscall_ip(struct ckpt_remote *r, uint64_t ip);

/* Runs system calls from the resume stub at stub, a place found by
 * ckpt_remote_find_syscall() (r->stub) for another thread of the same
 * process in this freeze: the place is the process's, not the thread's. */
void ckpt_remote_set_stub(struct ckpt_remote *r, uint64_t stub);

/* The thread is in a signal-delivery-stop for sig: the helper keeps it
 * with its siginfo and queues it again at end; the caller detaches with 0.
 * Right after begin only.  0, or -1 with err. */
int ckpt_remote_take_signal(struct ckpt_remote *r, int sig, char *err, size_t errsize);

/* Finds where the calls run from, as the first call does without
 * ckpt_remote_set_syscall_ip(): room for the resume stub after the image of
 * the thread's [vdso] (r->stub then), so that the thread runs on correctly
 * if the tracer dies during a call.  Without that room (no vdso, a vdso
 * that fills its mapping), the first 0f 05 of the vdso or of another
 * executable mapping, as before the stub: a tracer killed during a call
 * then leaves the thread at that instruction with the call's registers, and
 * it crashes.  0, or -1 with err. */
int ckpt_remote_find_syscall(struct ckpt_remote *r, char *err, size_t errsize);

/* Makes the thread run system call nr(args[0..5]); *ret is what the kernel
 * returned (negative errno on failure).  0 when the call was made, whatever
 * it returned; -1 with err when it could not be (thread gone, ptrace error,
 * timeout, *stop set). */
int ckpt_remote_syscall(struct ckpt_remote *r, long nr, const long args[6], long *ret, char *err,
			size_t errsize);

/* A private anonymous read-write mapping of at least size bytes in the
 * thread, kept until ckpt_remote_end(); asking for more than the current
 * one replaces it.  *addr is its remote address.  0, or -1 with err. */
int ckpt_remote_map_scratch(struct ckpt_remote *r, size_t size, uint64_t *addr, char *err, size_t errsize);

/* Unmaps the scratch now (ckpt_remote_end() does otherwise). */
int ckpt_remote_unmap_scratch(struct ckpt_remote *r, char *err, size_t errsize);

/* Thread memory through /proc/TID/mem: reads leave copy-on-write sharing
 * intact, writes reach read-only pages too.  0, or -1 with err. */
int ckpt_remote_write(struct ckpt_remote *r, uint64_t addr, const void *buf, size_t len, char *err,
		      size_t errsize);
int ckpt_remote_read(struct ckpt_remote *r, uint64_t addr, void *buf, size_t len, char *err, size_t errsize);

/* Signals the helper has taken out of the way so far (queued again at end). */
size_t ckpt_remote_caught(const struct ckpt_remote *r);

/* Unmaps the scratch, queues caught signals again, writes the registers
 * back (see above: normalised ones have orig_ax -1, so an interrupted call
 * runs again exactly once), restores the tracer's options.  The thread is left in a ptrace-stop
 * for the caller to detach.  Safe after any failure and without begin
 * having succeeded (r zeroed).  0, or -1 with err: the thread is gone, or
 * could not be put back (then it must be killed, not detached). */
int ckpt_remote_end(struct ckpt_remote *r, char *err, size_t errsize);

/* --- remote_query.c: state only visible from inside the thread ------------ */

/* One handler as rt_sigaction(2) keeps it (x86_64 struct kernel_sigaction). */
struct ckpt_remote_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

struct ckpt_remote_altstack {
	uint64_t sp;
	int32_t flags;
	uint64_t size;
};

struct ckpt_remote_itimer {
	int64_t interval_sec, interval_usec;
	int64_t value_sec, value_usec;
};

/* Each returns 0 on success, -1 when the call could not be made, or the
 * positive errno the call failed with; err says why in both cases. */
int ckpt_remote_get_sigaction(struct ckpt_remote *r, int sig, struct ckpt_remote_sigaction *out, char *err,
			      size_t errsize);
int ckpt_remote_get_altstack(struct ckpt_remote *r, struct ckpt_remote_altstack *out, char *err, size_t errsize);
int ckpt_remote_get_itimer(struct ckpt_remote *r, int which, struct ckpt_remote_itimer *out, char *err,
			   size_t errsize);
/* prctl(PR_GET_NO_NEW_PRIVS), prctl(PR_GET_SECUREBITS), personality(0xffffffff). */
int ckpt_remote_get_no_new_privs(struct ckpt_remote *r, long *out, char *err, size_t errsize);
int ckpt_remote_get_securebits(struct ckpt_remote *r, long *out, char *err, size_t errsize);
int ckpt_remote_get_personality(struct ckpt_remote *r, long *out, char *err, size_t errsize);

#endif
