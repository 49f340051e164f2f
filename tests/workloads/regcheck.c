/* Threads whose registers are checked around every system call: a task
 * resumed with registers that are not exactly its own (a tracer killed
 * during a remote system call) says so, or dies, instead of going on.
 *
 *   regcheck READY-FILE OUT-FILE [dirty-vdso]
 *
 * Three threads each sleep 1 ms at a time in clock_nanosleep, made by hand
 * with every register the kernel preserves across a system call loaded
 * with values from the thread's own seed, and compare them all afterwards.
 * A SIGALRM handler (an interval timer, every 3 ms) and a SIGUSR1 storm
 * keep signal handlers running and signals arriving at any moment.  The
 * main thread writes "PROGRESS SLEEPS ALARMS USR1S\n" to OUT-FILE every
 * 20 ms; a wrong register writes "BAD thread T register R" and exits 3.
 * Ready after 5 lines.  dirty-vdso: first writes a byte 0x5a where ckpt
 * would put its resume stub, just after its own vdso's ELF image (a
 * private copy of the page, through /proc/self/mem): padding that is not
 * zero is not ckpt's to use. */
#define _GNU_SOURCE
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <time.h>

#include "workload.h"

#define NTHREADS 3

static atomic_ulong sleeps, alarms, usr1s;
static int out_fd;

static void on_alarm(int sig)
{
	(void)sig;
	atomic_fetch_add(&alarms, 1);
}

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&usr1s, 1);
}

static void bad(long thread, const char *reg)
{
	char line[96];
	int n = snprintf(line, sizeof(line), "BAD thread %ld register %s\n", thread, reg);

	if (write(out_fd, line, (size_t)n) < 0)
		_exit(4);
	_exit(3);
}

static void *sleeper(void *arg)
{
	long t = (long)arg;
	struct timespec ts = { 0, 1000000 };

	for (uint64_t i = 0;; i++) {
		uint64_t seed = workload_pattern((uint64_t)t << 32 | (i & 0xffffffff));
		register uint64_t r8 asm("r8") = seed ^ 8, r9 asm("r9") = seed ^ 9;
		register uint64_t r10 asm("r10") = 0;	/* clock_nanosleep's 4th argument */
		register uint64_t r12 asm("r12") = seed ^ 12, r13 asm("r13") = seed ^ 13;
		register uint64_t r14 asm("r14") = seed ^ 14, r15 asm("r15") = seed ^ 15;
		uint64_t rbx = seed ^ 3, rdi = CLOCK_MONOTONIC, rsi = 0, rdx = (uint64_t)&ts;
		long ret;

		asm volatile("syscall"
			     : "=a"(ret), "+b"(rbx), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r8), "+r"(r9),
			       "+r"(r10), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
			     : "a"((long)SYS_clock_nanosleep)
			     : "rcx", "r11", "memory");
		if (ret != 0 && ret != -EINTR)
			bad(t, "rax");
		if (rbx != (seed ^ 3))
			bad(t, "rbx");
		if (rdi != CLOCK_MONOTONIC || rsi != 0 || rdx != (uint64_t)&ts)
			bad(t, "rdi/rsi/rdx");
		if (r8 != (seed ^ 8) || r9 != (seed ^ 9) || r10 != 0)
			bad(t, "r8/r9/r10");
		if (r12 != (seed ^ 12) || r13 != (seed ^ 13) || r14 != (seed ^ 14) || r15 != (seed ^ 15))
			bad(t, "r12-r15");
		atomic_fetch_add(&sleeps, 1);
	}
	return NULL;
}

static void *storm(void *arg)
{
	pid_t self = getpid();

	(void)arg;
	for (;;) {
		syscall(SYS_tgkill, self, syscall(SYS_gettid), SIGUSR1);
		usleep(500);
	}
	return NULL;
}

/* A byte just after the end of its vdso's ELF image (16-aligned: where
 * ckpt would put its stub), written through /proc/self/mem. */
static int dirty_vdso(void)
{
	const unsigned char *base = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	unsigned char dirt = 0x5a;
	uint64_t end;
	int mem, ok;

	if (!base)
		return -1;
	end = eh->e_shoff + (uint64_t)eh->e_shnum * eh->e_shentsize;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff) + i;

		if (ph->p_offset + ph->p_filesz > end)
			end = ph->p_offset + ph->p_filesz;
	}
	mem = open("/proc/self/mem", O_RDWR);
	if (mem < 0)
		return -1;
	ok = pwrite(mem, &dirt, 1, (off_t)((uint64_t)base + ((end + 15) & ~15ull))) == 1;
	close(mem);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	const char *out = argc > 2 ? argv[2] : "regcheck.out";
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	struct itimerval it = { { 0, 3000 }, { 0, 3000 } };
	pthread_t th;

	if (argc > 3 && !strcmp(argv[3], "dirty-vdso") && dirty_vdso() < 0)
		return 1;
	out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out_fd < 0 || sigaction(SIGALRM, &sa, NULL) < 0)
		return 1;
	sa.sa_handler = on_usr1;
	if (sigaction(SIGUSR1, &sa, NULL) < 0 || setitimer(ITIMER_REAL, &it, NULL) < 0)
		return 1;
	for (long t = 0; t < NTHREADS; t++)
		if (pthread_create(&th, NULL, sleeper, (void *)t) != 0)
			return 1;
	if (pthread_create(&th, NULL, storm, NULL) != 0)
		return 1;
	for (unsigned long line = 1;; line++) {
		char buf[96];
		int n = snprintf(buf, sizeof(buf), "PROGRESS %lu %lu %lu\n", atomic_load(&sleeps),
				 atomic_load(&alarms), atomic_load(&usr1s));

		if (write(out_fd, buf, (size_t)n) != n)
			return 1;
		if (line == 5)
			workload_ready(ready, "threads=%d\n", NTHREADS + 2);
		usleep(20000);
	}
}
