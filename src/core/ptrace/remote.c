/* Remote system calls in a ptrace-stopped thread (x86_64).
 *
 * A call is the kernel's own syscall path run on purpose: the thread is put
 * at a `syscall` instruction with the number and arguments in its registers
 * and resumed with PTRACE_SYSCALL; it stops on entry, runs the call, stops
 * on exit, and the result is in ax.  PTRACE_O_TRACESYSGOOD and
 * PTRACE_GET_SYSCALL_INFO tell those two stops from everything else the
 * thread may stop for meanwhile (signals, group-stops, a pending
 * PTRACE_INTERRUPT), so nothing is mistaken for the end of the call.
 *
 * orig_ax is -1 whenever the thread runs for us: the kernel's restart
 * logic looks at orig_ax on the way back to user space, and must neither
 * restart the call the thread was frozen in behind our back nor restart
 * ours.  What the thread goes back to at the end is decided in
 * ckpt_remote_end().
 *
 * If the tracer dies during a call (a SIGKILL of ckpt), the kernel detaches
 * the thread as it is: with the call's registers.  Where the resume stub
 * has room (resume_stub.h) the calls run from it, so the thread then
 * finishes the call (or makes it, if it had not yet), drops its result and
 * goes back to the registers ckpt_remote_end() would have written.  A call
 * made with nobody to read its result is harmless for every call made
 * here: the producer's are getters (sigaltstack, prctl PR_GET_*,
 * getitimer, rt_sigaction with no new action, rt_sigprocmask with no new
 * set, personality(0xffffffff), getpid, gettid), the scratch's mmap (a
 * page leaked at worst) and munmap (of the scratch itself), and
 * requeue()'s rt_tgsigqueueinfo and tgkill(SIGSTOP) of a signal the thread
 * had anyway.  The restorer's tasks die with it (PTRACE_O_EXITKILL) and run
 * from its own code page once it has one (set_syscall_ip clears the stub).
 * Only one thread of a process is ever in remote calls at a time (ckpt
 * and the restorer run their sessions one after the other, from one
 * thread), so one stub per process will do. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "remote.h"
#include "resume_stub.h"
#include "wait.h"

#define ERESTARTSYS		512
#define ERESTARTNOINTR		513
#define ERESTARTNOHAND		514
#define ERESTART_RESTARTBLOCK	516

#define USER_CS_64	0x33	/* __USER_CS: the thread runs 64-bit code */
#define FLAG_TF		0x100
#define FLAG_DF		0x400
#define SYSCALL_LEN	2	/* 0f 05 */
#define REGAIN_MS	1000	/* to stop a thread again after a timeout */
#define RED_ZONE	128	/* the x86_64 ABI's, below the thread's rsp */
#define STUB_STACK	256	/* room below it for the stub's push */

/* Test hook, for tests/programs/ckpt_killed.sh only: with
 * CKPT_TEST_KILL_AFTER_REMOTE_CALLS=N in the environment, the process
 * SIGKILLs itself at the Nth remote call of its life, right after the
 * thread's registers are set for it (or, with CKPT_TEST_KILL_AT=entry or
 * exit, once the thread is in that call's syscall-enter- or -exit-stop;
 * with =masked, once requeue() has blocked every signal of a thread, from
 * call N on), the moments a killed tracer must leave its tracees safe at.  The
 * environment is read once; unset, the hook is one comparison per call. */
enum { HOOK_UNREAD, HOOK_OFF, HOOK_ON };
enum hook_point { AT_REGS, AT_ENTRY, AT_EXIT, AT_MASKED };
static int hook_state = HOOK_UNREAD;
static enum hook_point hook_at;
static unsigned long hook_calls_left;

static void read_test_hook(void)
{
	const char *n = getenv("CKPT_TEST_KILL_AFTER_REMOTE_CALLS"), *at = getenv("CKPT_TEST_KILL_AT");

	hook_state = HOOK_OFF;
	if (!n || !*n || !(hook_calls_left = strtoul(n, NULL, 10)))
		return;
	hook_at = !at ? AT_REGS : !strcmp(at, "entry") ? AT_ENTRY : !strcmp(at, "exit") ? AT_EXIT :
		  !strcmp(at, "masked") ? AT_MASKED : AT_REGS;
	hook_state = HOOK_ON;
}

static void test_hook(enum hook_point point, bool new_call)
{
	if (hook_state == HOOK_UNREAD)
		read_test_hook();
	if (hook_state != HOOK_ON)
		return;
	if (new_call && point == AT_REGS && hook_calls_left > 0)
		hook_calls_left--;
	if (hook_calls_left == 0 && point == hook_at)
		raise(SIGKILL);
}

bool ckpt_remote_normalise(struct user_regs_struct *regs)
{
	long nr = (long)regs->orig_rax, ax = (long)regs->rax;
	bool changed = false;

	if (nr >= 0) {
		if (ax == -ERESTARTSYS || ax == -ERESTARTNOINTR || ax == -ERESTARTNOHAND) {
			regs->rax = regs->orig_rax;
			regs->rip -= SYSCALL_LEN;
			changed = true;
		} else if (ax == -ERESTART_RESTARTBLOCK) {
			regs->rax = SYS_restart_syscall;
			regs->rip -= SYSCALL_LEN;
			changed = true;
		}
	}
	regs->orig_rax = (unsigned long long)-1;
	return changed;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fail_errno(const struct ckpt_remote *r, char *err, size_t errsize, const char *what)
{
	snprintf(err, errsize, "pid %d: %s: %s", (int)r->tid, what, strerror(errno));
}

/* Why a thread is no longer there, from its last wait status. */
static void note_gone(struct ckpt_remote *r, int status, const char *during, char *err, size_t errsize)
{
	r->gone = true;
	if (WIFSIGNALED(status))
		snprintf(err, errsize, "pid %d: killed by signal %d during %s", (int)r->tid, WTERMSIG(status),
			 during);
	else if (WIFEXITED(status))
		snprintf(err, errsize, "pid %d: exited with status %d during %s", (int)r->tid, WEXITSTATUS(status),
			 during);
	else
		snprintf(err, errsize, "pid %d: gone during %s", (int)r->tid, during);
}

/* ESRCH from a ptrace request: the thread is not in a ptrace-stop, most
 * likely because a SIGKILL ended it.  Says which, briefly waiting for the
 * exit to be reported. */
static void vanished(struct ckpt_remote *r, const char *request, const char *during, char *err, size_t errsize)
{
	int status;

	if (ckpt_wait_stop(r->tid, 500, NULL, &status) == CKPT_WAIT_EXITED) {
		note_gone(r, status, during, err, errsize);
		return;
	}
	snprintf(err, errsize, "pid %d: %s during %s: not in a ptrace-stop", (int)r->tid, request, during);
}

static int keep_signal(struct ckpt_remote *r, char *err, size_t errsize)
{
	siginfo_t si;

	if (ptrace(PTRACE_GETSIGINFO, r->tid, NULL, &si) < 0) {
		fail_errno(r, err, errsize, "PTRACE_GETSIGINFO in a signal-delivery-stop");
		return -1;
	}
	if (r->n_caught == r->cap_caught) {
		size_t cap = r->cap_caught ? r->cap_caught * 2 : 4;
		siginfo_t *bigger = realloc(r->caught, cap * sizeof(*bigger));

		if (!bigger) {
			snprintf(err, errsize, "pid %d: out of memory keeping signal %d", (int)r->tid, si.si_signo);
			return -1;
		}
		r->caught = bigger;
		r->cap_caught = cap;
	}
	r->caught[r->n_caught++] = si;
	return 0;
}

/* After a timeout or *stop: the thread is running (perhaps blocked in our
 * call), and must be back in a ptrace-stop before anything else is done to
 * it.  PTRACE_INTERRUPT needs PTRACE_SEIZE; an attached one stays lost. */
static void regain(struct ckpt_remote *r)
{
	int status;

	if (ptrace(PTRACE_INTERRUPT, r->tid, NULL, NULL) < 0) {
		r->lost = errno != ESRCH;
		r->gone = errno == ESRCH;
		return;
	}
	switch (ckpt_wait_stop(r->tid, REGAIN_MS, NULL, &status)) {
	case CKPT_WAIT_STOPPED:
		r->lost = false;
		/* A signal-delivery-stop is a signal we must keep; any other
		 * stop will do.  A pending interrupt left behind is passed over
		 * by the next resume (an event stop). */
		if (WSTOPSIG(status) != (SIGTRAP | 0x80) && (status >> 16) == 0 && keep_signal(r, NULL, 0) < 0)
			r->lost = true;
		return;
	case CKPT_WAIT_EXITED:
	case CKPT_WAIT_ERROR:
		r->gone = true;
		return;
	default:
		r->lost = true;
		return;
	}
}

/* Resumes the thread until it reaches the syscall-stop `op` (entry or exit)
 * at ip.  Other stops on the way are passed over; signals it was about to
 * take are kept, to be queued again at the end. */
static int run_until(struct ckpt_remote *r, uint8_t op, uint64_t ip, const char *what, char *err, size_t errsize)
{
	int64_t deadline = now_ms() + r->timeout_ms;

	for (;;) {
		int64_t left = deadline - now_ms();
		int status;
		enum ckpt_wait_result w;

		if (ptrace(PTRACE_SYSCALL, r->tid, NULL, NULL) < 0) {
			if (errno == ESRCH)
				vanished(r, "PTRACE_SYSCALL", what, err, errsize);
			else
				fail_errno(r, err, errsize, "PTRACE_SYSCALL");
			return -1;
		}
		r->ran = true;
		/* The bound is on the whole call: a stream of signals or
		 * group-stops cannot stretch it. */
		w = ckpt_wait_stop(r->tid, left > 0 ? (int)left : 0, r->stop, &status);
		if (w == CKPT_WAIT_EXITED) {
			note_gone(r, status, what, err, errsize);
			return -1;
		}
		if (w == CKPT_WAIT_ERROR) {
			r->gone = errno == ECHILD;
			fail_errno(r, err, errsize, "waitpid");
			return -1;
		}
		if (w != CKPT_WAIT_STOPPED) {
			if (w == CKPT_WAIT_TIMEOUT)
				snprintf(err, errsize, "pid %d: %s: timed out after %d ms", (int)r->tid, what,
					 r->timeout_ms);
			else
				snprintf(err, errsize, "pid %d: %s: interrupted", (int)r->tid, what);
			regain(r);
			return -1;
		}
		if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
			struct __ptrace_syscall_info info;

			if (ptrace(PTRACE_GET_SYSCALL_INFO, r->tid, (void *)sizeof(info), &info) <= 0) {
				fail_errno(r, err, errsize, "PTRACE_GET_SYSCALL_INFO");
				return -1;
			}
			/* An exit while entry is awaited: the call a thread was
			 * held in at its syscall-enter-stop, skipped (orig_ax -1)
			 * on the way to ours. */
			if (info.op == op && info.instruction_pointer == ip)
				return 0;
			if (op == PTRACE_SYSCALL_INFO_EXIT) {
				snprintf(err, errsize, "pid %d: %s: unexpected syscall stop (op %u at 0x%" PRIx64 ")",
					 (int)r->tid, what, info.op, (uint64_t)info.instruction_pointer);
				return -1;
			}
		} else if ((status >> 16) == 0) {
			if (keep_signal(r, err, errsize) < 0)
				return -1;
		} else if ((status >> 16) == PTRACE_EVENT_FORK || (status >> 16) == PTRACE_EVENT_VFORK ||
			   (status >> 16) == PTRACE_EVENT_CLONE) {
			unsigned long child = 0;

			/* The new task's pid as we see it: the call returns its
			 * number in the thread's own pid namespace. */
			if (ptrace(PTRACE_GETEVENTMSG, r->tid, NULL, &child) == 0)
				r->new_child = (pid_t)child;
		}
		/* Event stops (group-stop, interrupt, ...): go on. */
	}
}

/* The stub's bytes, with the registers ckpt_remote_end() would write back
 * (the normalised ones), once per session: they do not change between its
 * calls. */
static int write_stub(struct ckpt_remote *r, char *err, size_t errsize)
{
	unsigned char stub[CKPT_STUB_SIZE];

	ckpt_stub_build(stub, &r->regs);
	if (ckpt_remote_write(r, r->stub, stub, sizeof(stub), err, errsize) < 0)
		return -1;
	r->stub_written = true;
	return 0;
}

int ckpt_remote_syscall(struct ckpt_remote *r, long nr, const long args[6], long *ret, char *err,
			size_t errsize)
{
	static const long none[6];
	struct user_regs_struct regs;
	char what[48];

	if (!args)
		args = none;
	if (!r->active || r->gone || r->lost) {
		snprintf(err, errsize, "pid %d: no remote calls: %s", (int)r->tid,
			 !r->active ? "not begun" : r->gone ? "the thread is gone" : "the thread could not be stopped");
		return -1;
	}
	if (!r->syscall_ip && ckpt_remote_find_syscall(r, err, errsize) < 0)
		return -1;
	if (r->stub && !r->stub_written && write_stub(r, err, errsize) < 0)
		return -1;
	snprintf(what, sizeof(what), "remote system call %ld", nr);
	regs = r->regs;
	regs.rip = r->syscall_ip;
	regs.rax = (unsigned long long)nr;
	regs.orig_rax = (unsigned long long)-1;
	regs.rdi = (unsigned long long)args[0];
	regs.rsi = (unsigned long long)args[1];
	regs.rdx = (unsigned long long)args[2];
	regs.r10 = (unsigned long long)args[3];
	regs.r8 = (unsigned long long)args[4];
	regs.r9 = (unsigned long long)args[5];
	regs.eflags &= ~(unsigned long long)(FLAG_TF | FLAG_DF);
	/* The stub pushes the flags, and a signal taken there (tracer gone)
	 * builds its frame: both below the thread's red zone. */
	if (r->stub)
		regs.rsp = (r->regs.rsp - RED_ZONE - STUB_STACK) & ~15ull;
	if (ptrace(PTRACE_SETREGS, r->tid, NULL, &regs) < 0) {
		if (errno == ESRCH)
			vanished(r, "PTRACE_SETREGS", what, err, errsize);
		else
			fail_errno(r, err, errsize, "PTRACE_SETREGS");
		return -1;
	}
	if (hook_state != HOOK_OFF)
		test_hook(AT_REGS, true);
	if (run_until(r, PTRACE_SYSCALL_INFO_ENTRY, r->syscall_ip + SYSCALL_LEN, what, err, errsize) < 0)
		return -1;
	if (hook_state != HOOK_OFF)
		test_hook(AT_ENTRY, false);
	if (run_until(r, PTRACE_SYSCALL_INFO_EXIT, r->syscall_ip + SYSCALL_LEN, what, err, errsize) < 0)
		return -1;
	if (hook_state != HOOK_OFF)
		test_hook(AT_EXIT, false);
	if (ptrace(PTRACE_GETREGS, r->tid, NULL, &regs) < 0) {
		fail_errno(r, err, errsize, "PTRACE_GETREGS");
		return -1;
	}
	*ret = (long)regs.rax;
	return 0;
}

int ckpt_remote_begin(struct ckpt_remote *r, pid_t tid, unsigned long options, char *err, size_t errsize)
{
	char path[64];

	*r = (struct ckpt_remote){ .tid = tid, .timeout_ms = CKPT_REMOTE_TIMEOUT_MS, .options = options, .mem = -1 };
	if (ptrace(PTRACE_GETREGS, tid, NULL, &r->raw) < 0) {
		if (errno == ESRCH)
			snprintf(err, errsize, "pid %d: not in a ptrace-stop of ours (or gone)", (int)tid);
		else
			fail_errno(r, err, errsize, "PTRACE_GETREGS");
		return -1;
	}
	if (r->raw.cs != USER_CS_64) {
		snprintf(err, errsize, "pid %d: runs 32-bit code (cs 0x%llx): no remote calls", (int)tid, r->raw.cs);
		return -1;
	}
	r->regs = r->raw;
	if (options & PTRACE_O_TRACESYSGOOD) {
		struct __ptrace_syscall_info info;

		/* Held before its call ran: run it again as if never stopped. */
		if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof(info), &info) > 0 &&
		    info.op == PTRACE_SYSCALL_INFO_ENTRY) {
			r->regs.rax = r->regs.orig_rax;
			r->regs.rip -= SYSCALL_LEN;
		}
	}
	r->restart = ckpt_remote_normalise(&r->regs);
	r->normalised = r->restart || r->regs.rip != r->raw.rip;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)tid);
	r->mem = open(path, O_RDWR | O_CLOEXEC);
	if (r->mem < 0) {
		fail_errno(r, err, errsize, "cannot open its /proc/PID/mem");
		return -1;
	}
	if (ptrace(PTRACE_SETOPTIONS, tid, NULL, (void *)(options | PTRACE_O_TRACESYSGOOD)) < 0) {
		fail_errno(r, err, errsize, "PTRACE_SETOPTIONS");
		close(r->mem);
		r->mem = -1;
		return -1;
	}
	r->active = true;
	return 0;
}

/* The stub's bytes back to the vdso's zeros; 0 or -1 with err. */
static int clear_stub(struct ckpt_remote *r, char *err, size_t errsize)
{
	static const unsigned char zeros[CKPT_STUB_SIZE];

	if (!r->stub_written)
		return 0;
	if (ckpt_remote_write(r, r->stub, zeros, sizeof(zeros), err, errsize) < 0)
		return -1;
	r->stub_written = false;
	return 0;
}

void ckpt_remote_set_syscall_ip(struct ckpt_remote *r, uint64_t ip)
{
	/* The restorer's first calls (its code page's mmap) ran from the
	 * stub: cleared now, as the restorer then moves the vdso.  Its
	 * tasks die with it, so the window until the next call is no
	 * matter; a failure leaves bytes in a vdso about to be replaced. */
	if (r->stub_written)
		clear_stub(r, NULL, 0);
	r->stub_written = false;
	r->syscall_ip = ip;
	r->stub = 0;
}

void ckpt_remote_set_stub(struct ckpt_remote *r, uint64_t stub)
{
	r->syscall_ip = stub;
	r->stub = stub;
}

size_t ckpt_remote_caught(const struct ckpt_remote *r)
{
	return r->n_caught;
}

/* Whether a signal is pending for the thread and not blocked: then its
 * TIF_SIGPENDING is set again as it leaves the stop (ptrace_stop()
 * recalculates it). */
static bool signal_waiting(const struct ckpt_remote *r)
{
	static const char *const keys[] = { "SigPnd:", "ShdPnd:", "SigBlk:" };
	unsigned long long v[3] = { 0, 0, 0 };
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)r->tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		for (int i = 0; i < 3; i++)
			if (!strncmp(line, keys[i], strlen(keys[i])))
				v[i] = strtoull(line + strlen(keys[i]), NULL, 16);
	fclose(f);
	return ((v[0] | v[1]) & ~v[2]) != 0;
}

int ckpt_remote_take_signal(struct ckpt_remote *r, int sig, char *err, size_t errsize)
{
	if (!r->active || r->ran || r->n_caught) {
		snprintf(err, errsize, "pid %d: signal %d: taken over only right after begin", (int)r->tid, sig);
		return -1;
	}
	if (keep_signal(r, err, errsize) < 0)
		return -1;
	if (r->caught[0].si_signo != sig) {
		snprintf(err, errsize, "pid %d: stopped for signal %d, not %d", (int)r->tid, r->caught[0].si_signo, sig);
		r->n_caught = 0;
		return -1;
	}
	return 0;
}

/* Queues the kept signals again, each to this thread with the siginfo it
 * came with: a task may send itself any si_code, and the thread is the
 * sender here.  They are blocked (PTRACE_SETSIGMASK, no memory needed)
 * from the first rt_tgsigqueueinfo until the last remote call is over, or
 * the next call would take them straight back out of the queue; the kernel
 * looks at the queue again when the thread leaves its stop.  SIGSTOP cannot
 * be blocked: it goes last, by tgkill, after the scratch is gone.  The
 * thread's own mask goes into the resume stub before, so that a thread
 * whose tracer dies meanwhile gets it back (the signals not queued yet are
 * lost then). */
static int requeue(struct ckpt_remote *r, char *err, size_t errsize)
{
	uint64_t old, all = ~0ULL, info;
	long tgid, tid, ret;
	bool stop = false;
	int rc = 0;

	if (!r->n_caught)
		return ckpt_remote_unmap_scratch(r, err, errsize);
	/* Ids as the thread's pid namespace knows them.  These calls put the
	 * thread at the stub before its mask changes. */
	if (ckpt_remote_syscall(r, SYS_getpid, NULL, &tgid, err, errsize) < 0 ||
	    ckpt_remote_syscall(r, SYS_gettid, NULL, &tid, err, errsize) < 0 ||
	    ckpt_remote_map_scratch(r, sizeof(siginfo_t), &info, err, errsize) < 0)
		return -1;
	if (ptrace(PTRACE_GETSIGMASK, r->tid, (void *)sizeof(old), &old) < 0) {
		fail_errno(r, err, errsize, "PTRACE_GETSIGMASK");
		return -1;
	}
	if (r->stub_written) {
		const uint64_t mask[2] = { old, 1 };	/* the mask, and "restore it" */

		if (ckpt_remote_write(r, r->stub + CKPT_STUB_MASK_OFF, mask, sizeof(mask), err, errsize) < 0)
			return -1;
	}
	if (ptrace(PTRACE_SETSIGMASK, r->tid, (void *)sizeof(all), &all) < 0) {
		fail_errno(r, err, errsize, "PTRACE_SETSIGMASK");
		return -1;
	}
	if (hook_state != HOOK_OFF)
		test_hook(AT_MASKED, false);
	/* n_caught is read each time round: a SIGSTOP may still come. */
	for (size_t i = 0; rc == 0 && i < r->n_caught; i++) {
		siginfo_t si = r->caught[i];

		if (si.si_signo == SIGSTOP)
			continue;
		if (ckpt_remote_write(r, info, &si, sizeof(si), err, errsize) < 0 ||
		    ckpt_remote_syscall(r, SYS_rt_tgsigqueueinfo, (const long[6]){ tgid, tid, si.si_signo, (long)info },
					&ret, err, errsize) < 0)
			rc = -1;
		else if (ret < 0) {
			snprintf(err, errsize, "pid %d: cannot queue signal %d again: %s", (int)r->tid, si.si_signo,
				 strerror((int)-ret));
			rc = -1;
		}
	}
	if (rc == 0)
		rc = ckpt_remote_unmap_scratch(r, err, errsize);
	for (size_t i = 0; rc == 0 && i < r->n_caught; i++)
		stop |= r->caught[i].si_signo == SIGSTOP;
	if (rc == 0 && stop &&
	    ckpt_remote_syscall(r, SYS_tgkill, (const long[6]){ tgid, tid, SIGSTOP }, &ret, err, errsize) < 0)
		rc = -1;
	if (ptrace(PTRACE_SETSIGMASK, r->tid, (void *)sizeof(old), &old) < 0 && rc == 0) {
		fail_errno(r, err, errsize, "PTRACE_SETSIGMASK");
		rc = -1;
	}
	if (rc == 0)
		r->n_caught = 0;
	return rc;
}

int ckpt_remote_end(struct ckpt_remote *r, char *err, size_t errsize)
{
	int rc = 0;

	if (!r->active)
		return 0;
	if (!r->gone && r->lost)
		regain(r);	/* one more chance: it may have left its D state */
	if (r->gone) {
		snprintf(err, errsize, "pid %d: gone during remote calls", (int)r->tid);
		rc = -1;
	} else if (r->lost) {
		snprintf(err, errsize, "pid %d: did not stop again after a remote call: kill it, do not detach it",
			 (int)r->tid);
		rc = -1;
	} else {
		char first[256] = "";

		if ((r->ran || r->n_caught) && requeue(r, first, sizeof(first)) < 0)
			rc = -1;
		/* With a signal to take, the kernel's signal path runs when the
		 * thread leaves its stop: given the call as frozen, it decides
		 * between -EINTR and a restart from the handler's SA_RESTART,
		 * as it would have.  Without one that path does not run, and
		 * only the normalised registers restart the call. */
		r->wrote_raw = r->restart && signal_waiting(r);
		if (ptrace(PTRACE_SETREGS, r->tid, NULL, r->wrote_raw ? &r->raw : &r->regs) < 0 && rc == 0) {
			fail_errno(r, first, sizeof(first), "PTRACE_SETREGS");
			rc = -1;
		}
		if (ptrace(PTRACE_SETOPTIONS, r->tid, NULL, (void *)r->options) < 0 && rc == 0) {
			fail_errno(r, first, sizeof(first), "PTRACE_SETOPTIONS");
			rc = -1;
		}
		/* The vdso's padding as it was, once the thread no longer
		 * points into it (a failure above means it is killed).  The
		 * page stays a private copy. */
		if (rc == 0 && clear_stub(r, first, sizeof(first)) < 0)
			rc = -1;
		if (rc < 0)
			snprintf(err, errsize, "%s", first);
	}
	close(r->mem);
	r->mem = -1;
	free(r->caught);
	r->caught = NULL;
	r->n_caught = r->cap_caught = 0;
	r->active = false;
	return rc;
}
