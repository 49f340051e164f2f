/* The resume stub (src/core/ptrace/resume_stub.h): a thread whose tracer
 * is SIGKILLed in the middle of a remote system call runs on as it was.
 *
 * The tracer is a process of its own (forked here) that seizes the child,
 * makes remote calls in it and is killed at a chosen moment: by the test
 * hook of remote.c (after the registers are set, at the syscall-enter- or
 * -exit-stop of call N) or, should the hook be off in this process, by
 * itself after its calls, with the thread still at the stub.  The child
 * checks every register the kernel preserves around each of its own system
 * calls, counts its rounds in shared memory and exits 0 when told to,
 * 3 on a wrong register; a crash is a signal. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ptrace/remote.h"
#include "ptrace/resume_stub.h"
#include "ptrace/wait.h"
#include "suites.h"

struct shared {
	volatile uint64_t rounds;
	volatile int quit;
};

static void nap_ms(long ms)
{
	nanosleep(&(struct timespec){ .tv_sec = 0, .tv_nsec = ms * 1000000 }, NULL);
}

/* The child: 1 ms sleeps made by hand, registers checked after each. */
static void __attribute__((noreturn)) checked_sleeper(struct shared *sh)
{
	struct timespec ts = { 0, 1000000 };

	for (uint64_t i = 1; !sh->quit; i++) {
		uint64_t seed = i * 0x9e3779b97f4a7c15ULL;
		register uint64_t r8 asm("r8") = seed ^ 8, r9 asm("r9") = seed ^ 9, r10 asm("r10") = 0;
		register uint64_t r12 asm("r12") = seed ^ 12, r13 asm("r13") = seed ^ 13;
		register uint64_t r14 asm("r14") = seed ^ 14, r15 asm("r15") = seed ^ 15;
		uint64_t rbx = seed ^ 3, rdi = CLOCK_MONOTONIC, rsi = 0, rdx = (uint64_t)&ts;
		long ret;

		asm volatile("syscall"
			     : "=a"(ret), "+b"(rbx), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r8), "+r"(r9), "+r"(r10),
			       "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
			     : "a"((long)SYS_clock_nanosleep)
			     : "rcx", "r11", "memory");
		if ((ret != 0 && ret != -EINTR) || rbx != (seed ^ 3) || rdi != CLOCK_MONOTONIC || rsi != 0 ||
		    rdx != (uint64_t)&ts || r8 != (seed ^ 8) || r9 != (seed ^ 9) || r10 != 0 || r12 != (seed ^ 12) ||
		    r13 != (seed ^ 13) || r14 != (seed ^ 14) || r15 != (seed ^ 15))
			_exit(3);
		sh->rounds++;
	}
	_exit(0);
}

/* The tracer: freezes pid, makes `calls` remote calls (getpid, then
 * getitimer into scratch...), and dies of SIGKILL on the way (the hook
 * was set by the caller) or just after. */
static void __attribute__((noreturn)) doomed_tracer(pid_t pid, int calls)
{
	struct ckpt_remote r;
	char err[256];
	int status;
	long ret;
	uint64_t scratch;

	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0 || ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) < 0 ||
	    ckpt_wait_stop(pid, 5000, NULL, &status) != CKPT_WAIT_STOPPED)
		_exit(10);
	memset(&r, 0, sizeof(r));
	if (ckpt_remote_begin(&r, pid, 0, err, sizeof(err)) < 0 || ckpt_remote_find_syscall(&r, err, sizeof(err)) < 0)
		_exit(11);
	if (!r.stub)
		_exit(12);	/* this kernel's vdso has no room: nothing to test */
	for (int i = 0; i < calls; i++) {
		if (i % 2 == 0) {
			if (ckpt_remote_syscall(&r, SYS_getpid, NULL, &ret, err, sizeof(err)) < 0 || ret != pid)
				_exit(13);
		} else if (ckpt_remote_map_scratch(&r, 64, &scratch, err, sizeof(err)) < 0 ||
			   ckpt_remote_syscall(&r, SYS_getitimer, (const long[6]){ 0, (long)scratch }, &ret, err,
					       sizeof(err)) < 0) {
			_exit(14);
		}
	}
	raise(SIGKILL);
	_exit(15);
}

/* TracerPid of pid, and whether it is stopped (t or T). */
static void tracer_state(pid_t pid, long *tracer, bool *stopped)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	*tracer = -1;
	*stopped = false;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "TracerPid:", 10))
			*tracer = strtol(line + 10, NULL, 10);
		if (!strncmp(line, "State:", 6)) {
			char c = line[6 + strspn(line + 6, " \t")];

			*stopped = c == 't' || c == 'T';
		}
	}
	fclose(f);
}

static void killed_tracer_case(int calls, const char *kill_at, int kill_after)
{
	struct shared *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t child, tracer;
	int status;
	long tracer_pid;
	bool stopped;
	uint64_t before;

	ck_assert_ptr_ne(sh, MAP_FAILED);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0)
		checked_sleeper(sh);
	while (sh->rounds < 20)
		nap_ms(1);
	tracer = fork();
	ck_assert_int_ge(tracer, 0);
	if (tracer == 0) {
		char n[16];

		snprintf(n, sizeof(n), "%d", kill_after);
		setenv("CKPT_TEST_KILL_AFTER_REMOTE_CALLS", n, 1);
		setenv("CKPT_TEST_KILL_AT", kill_at, 1);
		doomed_tracer(child, calls);
	}
	ck_assert_int_eq(waitpid(tracer, &status, 0), tracer);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "tracer: status 0x%x", status);
	/* Released by the kernel: untraced, running, rounds go on. */
	nap_ms(20);
	tracer_state(child, &tracer_pid, &stopped);
	ck_assert_int_eq(tracer_pid, 0);
	ck_assert(!stopped);
	before = sh->rounds;
	for (int i = 0; i < 300 && sh->rounds <= before + 5; i++)
		nap_ms(10);
	ck_assert_msg(sh->rounds > before + 5, "killed at %s of call %d: the child made no progress", kill_at, kill_after);
	sh->quit = 1;
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "killed at %s of call %d: child status 0x%x",
		      kill_at, kill_after, status);
	munmap(sh, 4096);
}

START_TEST(test_stub_tracer_killed)
{
	static const char *const points[] = { "regs", "entry", "exit" };

	for (int p = 0; p < 3; p++)
		for (int nth = 1; nth <= 4; nth++)
			killed_tracer_case(4, points[p], nth);
	/* After all of its calls, the thread sitting at the stub. */
	killed_tracer_case(3, "regs", 0);
}
END_TEST

/* The stub's place in this process's own vdso, and refusals. */
START_TEST(test_stub_place)
{
	uint64_t base = getauxval(AT_SYSINFO_EHDR), start = 0, end = 0, at;
	char line[512];
	FILE *maps = fopen("/proc/self/maps", "r");
	int mem = open("/proc/self/mem", O_RDWR);
	unsigned char one = 0x90, zero = 0, stub[CKPT_STUB_SIZE];

	ck_assert_ptr_nonnull(maps);
	ck_assert_int_ge(mem, 0);
	while (fgets(line, sizeof(line), maps))
		if (strstr(line, "[vdso]"))
			sscanf(line, "%lx-%lx", (unsigned long *)&start, (unsigned long *)&end);
	fclose(maps);
	if (!base || !start) {
		close(mem);
		return;		/* no vdso: nothing to place */
	}
	ck_assert_uint_eq(base, start);
	at = ckpt_stub_place(mem, start, end);
	ck_assert_uint_ne(at, 0);
	ck_assert_uint_eq(at % 16, 0);
	ck_assert_uint_le(at + CKPT_STUB_SIZE, end);
	ck_assert_uint_eq(at / 4096, (at + CKPT_STUB_SIZE - 1) / 4096);
	/* Past the ELF image: its section headers end before. */
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;

	ck_assert_uint_ge(at, start + eh->e_shoff + (uint64_t)eh->e_shnum * eh->e_shentsize);
	/* A stub of ours left behind is ours to use again... */
	ckpt_stub_build(stub, &(struct user_regs_struct){ .rip = 0x1234, .rax = 77 });
	ck_assert_int_eq(pwrite(mem, stub, sizeof(stub), (off_t)at), (ssize_t)sizeof(stub));
	ck_assert_uint_eq(ckpt_stub_place(mem, start, end), at);
	memset(stub, 0, sizeof(stub));
	ck_assert_int_eq(pwrite(mem, stub, sizeof(stub), (off_t)at), (ssize_t)sizeof(stub));
	/* ...a byte of anyone else's is not. */
	ck_assert_int_eq(pwrite(mem, &one, 1, (off_t)(end - 1)), 1);
	ck_assert_uint_eq(ckpt_stub_place(mem, start, end), 0);
	ck_assert_int_eq(pwrite(mem, &zero, 1, (off_t)(end - 1)), 1);
	ck_assert_uint_eq(ckpt_stub_place(mem, start, end), at);
	/* Bounds: a mapping cut short of the image, an empty one, no ELF. */
	ck_assert_uint_eq(ckpt_stub_place(mem, start, start + 64), 0);
	ck_assert_uint_eq(ckpt_stub_place(mem, start, start), 0);
	ck_assert_uint_eq(ckpt_stub_place(mem, start + 4096, end), 0);
	close(mem);
}
END_TEST

/* The bytes: a syscall first, then each rip-relative load aims at its
 * slot (checked through the data written for distinct values). */
START_TEST(test_stub_bytes)
{
	unsigned char b[CKPT_STUB_SIZE];
	uint64_t v;

	ckpt_stub_build(b, &(struct user_regs_struct){ .rip = 0x1111, .rsp = 0x2222, .eflags = 0x246, .r15 = 0x15 });
	ck_assert_int_eq(b[0], 0x0f);
	ck_assert_int_eq(b[1], 0x05);
	memcpy(&v, b + CKPT_STUB_MASK_SET_OFF, 8);
	ck_assert_uint_eq(v, 0);
	/* The last instruction, jmp qword [rip+d]: its target holds rip. */
	for (int i = 0; i + 6 <= CKPT_STUB_MASK_OFF; i++) {
		int32_t d;

		if (b[i] != 0xff || b[i + 1] != 0x25)
			continue;
		memcpy(&d, b + i + 2, 4);
		memcpy(&v, b + i + 6 + d, 8);
		ck_assert_uint_eq(v, 0x1111);
		return;
	}
	ck_abort_msg("no jmp [rip+d] in the stub");
}
END_TEST

Suite *resume_stub_suite(void)
{
	Suite *s = suite_create("resume_stub");
	TCase *tc = tcase_create("resume_stub");

	tcase_add_test(tc, test_stub_bytes);
	tcase_add_test(tc, test_stub_place);
	tcase_add_test(tc, test_stub_tracer_killed);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
