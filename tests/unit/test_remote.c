/* Remote system calls in a ptrace-stopped child (src/core/ptrace/).
 *
 * Each case forks a child, seizes and interrupts it, runs calls in it and
 * lets it go.  The child tells through its exit status whether what it was
 * doing when frozen (a read, a sleep, waiting for signals) went on as if
 * nothing had happened. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ptrace/remote.h"
#include "ptrace/wait.h"
#include "suites.h"

#define ERESTARTNOHAND 514
#define ERESTARTSYS 512
#define ERESTART_RESTARTBLOCK 516

static const char marker[] = "ckpt remote marker";

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 }, NULL);
}

static void idle_forever(void)
{
	for (;;)
		pause();
}

/* Waits until the child sits in system call nr (/proc/PID/syscall). */
static void wait_in_syscall(pid_t pid, long nr)
{
	char path[64], buf[256];
	int64_t deadline = now_ms() + 5000;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	while (now_ms() < deadline) {
		FILE *f = fopen(path, "r");
		long got = -2;

		if (f) {
			/* "running" when it is not in a call at all. */
			if (fgets(buf, sizeof(buf), f) && buf[0] >= '0' && buf[0] <= '9')
				got = strtol(buf, NULL, 10);
			fclose(f);
		}
		if (got == nr)
			return;
		sleep_ms(5);
	}
	ck_abort_msg("pid %d never blocked in system call %ld", (int)pid, nr);
}

static void freeze(pid_t pid)
{
	int status;

	ck_assert_int_eq(ptrace(PTRACE_SEIZE, pid, NULL, NULL), 0);
	ck_assert_int_eq(ptrace(PTRACE_INTERRUPT, pid, NULL, NULL), 0);
	ck_assert_int_eq(ckpt_wait_stop(pid, 5000, NULL, &status), CKPT_WAIT_STOPPED);
}

/* The child's exit code, waiting at most 5 s; -1 if it did not exit. */
static int reap(pid_t pid)
{
	int64_t deadline = now_ms() + 5000;
	int status;

	while (now_ms() < deadline) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		ck_assert_int_ge(w, 0);
		sleep_ms(5);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static void finish(pid_t pid)
{
	kill(pid, SIGKILL);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	reap(pid);
}

static void begin(struct ckpt_remote *r, pid_t pid)
{
	char err[256] = "";

	ck_assert_msg(ckpt_remote_begin(r, pid, 0, err, sizeof(err)) == 0, "%s", err);
}

static long rcall(struct ckpt_remote *r, long nr, const long args[6])
{
	char err[256] = "";
	long ret = 0;

	ck_assert_msg(ckpt_remote_syscall(r, nr, args, &ret, err, sizeof(err)) == 0, "%s", err);
	return ret;
}

/* ckpt_remote_end, then the registers as the thread holds them. */
static void end_and_check_regs(struct ckpt_remote *r)
{
	struct user_regs_struct now, want;
	char err[256] = "";

	ck_assert_msg(ckpt_remote_end(r, err, sizeof(err)) == 0, "%s", err);
	want = r->wrote_raw ? r->raw : r->regs;
	ck_assert_int_eq(ptrace(PTRACE_GETREGS, r->tid, NULL, &now), 0);
	ck_assert_uint_eq(now.rip, want.rip);
	ck_assert_uint_eq(now.rsp, want.rsp);
	ck_assert_uint_eq(now.rax, want.rax);
	ck_assert_uint_eq(now.rdi, want.rdi);
	ck_assert_uint_eq(now.rcx, want.rcx);
	ck_assert_uint_eq(now.r11, want.r11);
	ck_assert_int_eq((long)now.orig_rax, r->wrote_raw ? (long)r->raw.orig_rax : -1);
}

static bool mapped_at(pid_t pid, uint64_t addr)
{
	char path[64], line[512];
	FILE *f;
	bool found = false;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strtoull(line, NULL, 16) == addr;
	fclose(f);
	return found;
}

START_TEST(test_remote_ids)
{
	pid_t pid = fork();
	struct ckpt_remote r;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		idle_forever();
	wait_in_syscall(pid, SYS_pause);
	freeze(pid);
	begin(&r, pid);
	/* Frozen in pause(): the kernel's answer for the caller-less restart. */
	ck_assert_int_eq((long)r.raw.orig_rax, SYS_pause);
	ck_assert_int_eq((long)r.raw.rax, -ERESTARTNOHAND);
	ck_assert(r.normalised);
	ck_assert_uint_eq(r.regs.rip, r.raw.rip - 2);
	ck_assert_uint_eq(r.regs.rax, SYS_pause);
	ck_assert_int_eq(rcall(&r, SYS_getpid, NULL), pid);
	ck_assert_int_eq(rcall(&r, SYS_gettid, NULL), pid);
	ck_assert_int_eq(rcall(&r, SYS_getppid, NULL), getpid());
	ck_assert_int_eq(rcall(&r, SYS_close, (const long[6]){ -1 }), -EBADF);
	end_and_check_regs(&r);
	finish(pid);
}
END_TEST

START_TEST(test_remote_scratch)
{
	pid_t pid;
	struct ckpt_remote r;
	char err[256] = "";
	uint64_t addr;
	unsigned char out[10000], in[sizeof(out)];
	char seen[sizeof(marker)];
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		idle_forever();
	wait_in_syscall(pid, SYS_pause);
	freeze(pid);
	begin(&r, pid);
	ck_assert_msg(ckpt_remote_map_scratch(&r, sizeof(out), &addr, err, sizeof(err)) == 0, "%s", err);
	ck_assert(mapped_at(pid, addr));
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i * 7 + 3);
	ck_assert_msg(ckpt_remote_write(&r, addr, out, sizeof(out), err, sizeof(err)) == 0, "%s", err);
	memset(in, 0, sizeof(in));
	ck_assert_msg(ckpt_remote_read(&r, addr, in, sizeof(in), err, sizeof(err)) == 0, "%s", err);
	ck_assert_mem_eq(in, out, sizeof(out));
	/* The thread itself sees what was written: it writes the scratch
	 * into its copy of a pipe we read. */
	ck_assert_int_eq(rcall(&r, SYS_write, (const long[6]){ p[1], (long)addr, 100 }), 100);
	ck_assert_int_eq(read(p[0], in, 100), 100);
	ck_assert_mem_eq(in, out, 100);
	/* Its own data, at the address it has in our copy of the program. */
	ck_assert_msg(ckpt_remote_read(&r, (uint64_t)(uintptr_t)marker, seen, sizeof(seen), err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_str_eq(seen, marker);
	end_and_check_regs(&r);
	ck_assert(!mapped_at(pid, addr));
	close(p[0]);
	close(p[1]);
	finish(pid);
}
END_TEST

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
}

static void install_usr1(void)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_RESTART | SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaddset(&sa.sa_mask, SIGRTMIN + 3);
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
}

START_TEST(test_remote_sigaction)
{
	uint64_t mine[4];
	struct ckpt_remote_sigaction got;
	struct ckpt_remote r;
	char err[256] = "";
	pid_t pid;

	/* What the kernel keeps for this sigaction, asked in this process. */
	install_usr1();
	ck_assert_int_eq(syscall(SYS_rt_sigaction, SIGUSR1, NULL, mine, 8), 0);
	signal(SIGUSR1, SIG_DFL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		install_usr1();
		signal(SIGPIPE, SIG_IGN);
		signal(SIGINT, SIG_DFL);	/* the test runner may catch it */
		idle_forever();
	}
	wait_in_syscall(pid, SYS_pause);
	freeze(pid);
	begin(&r, pid);
	ck_assert_msg(ckpt_remote_get_sigaction(&r, SIGUSR1, &got, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(got.handler, (uint64_t)(uintptr_t)on_signal);
	ck_assert_uint_eq(got.handler, mine[0]);
	ck_assert_uint_eq(got.flags, mine[1]);
	ck_assert(got.flags & SA_RESTART);
	ck_assert(got.flags & SA_SIGINFO);
	ck_assert_uint_eq(got.restorer, mine[2]);
	ck_assert_uint_eq(got.mask, mine[3]);
	ck_assert_uint_eq(got.mask, 1ULL << (SIGUSR2 - 1) | 1ULL << (SIGTERM - 1) | 1ULL << (SIGRTMIN + 3 - 1));
	ck_assert_msg(ckpt_remote_get_sigaction(&r, SIGPIPE, &got, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(got.handler, (uint64_t)(uintptr_t)SIG_IGN);
	ck_assert_msg(ckpt_remote_get_sigaction(&r, SIGINT, &got, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(got.handler, (uint64_t)(uintptr_t)SIG_DFL);
	/* A call the kernel refuses is a result, not a failure of the helper. */
	ck_assert_int_eq(ckpt_remote_get_sigaction(&r, 65, &got, err, sizeof(err)), EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "rt_sigaction"));
	end_and_check_regs(&r);
	finish(pid);
}
END_TEST

/* What the child set, sent up a pipe to compare with the remote answers. */
struct facts {
	long personality;
	uint64_t altstack_sp;
	uint64_t altstack_size;
};

static char altstack[65536];

START_TEST(test_remote_query)
{
	struct ckpt_remote_altstack ss;
	struct ckpt_remote_itimer it;
	struct ckpt_remote r;
	struct facts f;
	char err[256] = "";
	long v;
	int p[2];
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		stack_t st = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
		struct itimerval iv = { .it_interval = { 50, 250000 }, .it_value = { 100, 0 } };

		if (sigaltstack(&st, NULL) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    personality(ADDR_NO_RANDOMIZE | (unsigned)personality(0xffffffff)) < 0 ||
		    setitimer(ITIMER_REAL, &iv, NULL) < 0)
			_exit(1);
		f = (struct facts){ personality(0xffffffff), (uint64_t)(uintptr_t)altstack, sizeof(altstack) };
		if (write(p[1], &f, sizeof(f)) != sizeof(f))
			_exit(1);
		idle_forever();
	}
	ck_assert_int_eq(read(p[0], &f, sizeof(f)), sizeof(f));
	wait_in_syscall(pid, SYS_pause);
	freeze(pid);
	begin(&r, pid);
	ck_assert_msg(ckpt_remote_get_altstack(&r, &ss, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(ss.sp, f.altstack_sp);
	ck_assert_uint_eq(ss.size, f.altstack_size);
	ck_assert_int_eq(ss.flags, 0);
	ck_assert_msg(ckpt_remote_get_no_new_privs(&r, &v, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(v, 1);
	ck_assert_msg(ckpt_remote_get_securebits(&r, &v, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(v, prctl(PR_GET_SECUREBITS));
	ck_assert_msg(ckpt_remote_get_personality(&r, &v, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(v, f.personality);
	ck_assert(v & ADDR_NO_RANDOMIZE);
	ck_assert_msg(ckpt_remote_get_itimer(&r, ITIMER_REAL, &it, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(it.interval_sec, 50);
	ck_assert_int_eq(it.interval_usec, 250000);
	ck_assert(it.value_sec > 90 && it.value_sec <= 100);
	end_and_check_regs(&r);
	close(p[0]);
	close(p[1]);
	finish(pid);
}
END_TEST

/* Remote calls of several kinds, as the producer will make them. */
static void some_calls(struct ckpt_remote *r, pid_t pid)
{
	struct ckpt_remote_sigaction sa;
	char err[256] = "";
	uint64_t addr;

	ck_assert_int_eq(rcall(r, SYS_getpid, NULL), pid);
	ck_assert_msg(ckpt_remote_map_scratch(r, 4096, &addr, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(ckpt_remote_get_sigaction(r, SIGUSR1, &sa, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(rcall(r, SYS_getppid, NULL), getpid());
}

START_TEST(test_remote_read_goes_on)
{
	char buf[16];
	struct ckpt_remote r;
	int p[2];
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		ssize_t n;

		close(p[1]);
		n = read(p[0], buf, sizeof(buf));
		if (n < 0)
			_exit(errno == EINTR ? 2 : errno == ERESTARTSYS ? 3 : 4);
		_exit(n == 5 && !memcmp(buf, "hello", 5) ? 0 : 5);
	}
	close(p[0]);
	wait_in_syscall(pid, SYS_read);
	freeze(pid);
	begin(&r, pid);
	ck_assert_int_eq((long)r.raw.orig_rax, SYS_read);
	ck_assert_int_eq((long)r.raw.rax, -ERESTARTSYS);
	ck_assert_uint_eq(r.regs.rip, r.raw.rip - 2);
	ck_assert_uint_eq(r.regs.rax, SYS_read);
	some_calls(&r, pid);
	end_and_check_regs(&r);
	ck_assert_int_eq(ptrace(PTRACE_DETACH, pid, NULL, NULL), 0);
	/* Back in read(), not returned from it: nothing written yet. */
	wait_in_syscall(pid, SYS_read);
	ck_assert_int_eq(write(p[1], "hello", 5), 5);
	ck_assert_int_eq(reap(pid), 0);
	close(p[1]);
}
END_TEST

START_TEST(test_remote_sleep_goes_on)
{
	struct ckpt_remote r;
	pid_t pid = fork();
	int64_t start = now_ms();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct timespec a, b;
		int rc;

		clock_gettime(CLOCK_MONOTONIC, &a);
		rc = nanosleep(&(struct timespec){ 0, 300000000 }, NULL);
		clock_gettime(CLOCK_MONOTONIC, &b);
		int64_t slept = ((int64_t)b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;

		if (rc < 0)
			_exit(errno == EINTR ? 2 : 3);
		/* Its end time is the kernel's (restart_syscall): not
		 * shorter, and not started over after the stop. */
		_exit(slept < 290 ? 4 : slept > 1000 ? 5 : 0);
	}
	wait_in_syscall(pid, SYS_clock_nanosleep);
	freeze(pid);
	begin(&r, pid);
	ck_assert_int_eq((long)r.raw.rax, -ERESTART_RESTARTBLOCK);
	ck_assert_uint_eq(r.regs.rax, SYS_restart_syscall);
	ck_assert_uint_eq(r.regs.rip, r.raw.rip - 2);
	some_calls(&r, pid);
	sleep_ms(100);
	end_and_check_regs(&r);
	ck_assert_int_eq(ptrace(PTRACE_DETACH, pid, NULL, NULL), 0);
	ck_assert_int_eq(reap(pid), 0);
	/* The whole sleep, stop included, about its 300 ms. */
	ck_assert_int_lt(now_ms() - start, 1000);
}
END_TEST

/* Signals that arrive while the helper drives the child reach it afterwards,
 * with the siginfo they were sent with. */
static volatile sig_atomic_t usr1_code = -100, usr1_pid, rt_value;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	usr1_code = si->si_code;
	usr1_pid = si->si_pid;
}

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	rt_value = si->si_value.sival_int;
}

START_TEST(test_remote_signals_kept)
{
	struct ckpt_remote r;
	pid_t parent = getpid(), pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sigaction a = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };
		struct sigaction b = { .sa_sigaction = on_rt, .sa_flags = SA_SIGINFO };

		sigemptyset(&a.sa_mask);
		sigemptyset(&b.sa_mask);
		if (sigaction(SIGUSR1, &a, NULL) < 0 || sigaction(SIGRTMIN, &b, NULL) < 0)
			_exit(1);
		while (usr1_code == -100 || !rt_value)
			pause();
		_exit(usr1_code == SI_USER && usr1_pid == parent && rt_value == 42 ? 0 : 2);
	}
	wait_in_syscall(pid, SYS_pause);
	freeze(pid);
	begin(&r, pid);
	ck_assert_int_eq(kill(pid, SIGUSR1), 0);
	ck_assert_int_eq(sigqueue(pid, SIGRTMIN, (union sigval){ .sival_int = 42 }), 0);
	ck_assert_int_eq(rcall(&r, SYS_getpid, NULL), pid);
	ck_assert_uint_eq(ckpt_remote_caught(&r), 2);
	some_calls(&r, pid);
	end_and_check_regs(&r);
	/* pause() ends with EINTR after the handlers, as it would have. */
	ck_assert(r.wrote_raw);
	ck_assert_int_eq(ptrace(PTRACE_DETACH, pid, NULL, NULL), 0);
	ck_assert_int_eq(reap(pid), 0);
}
END_TEST

/* Seized without an interrupt, the child stops for the signal it is sent
 * (a signal-delivery-stop), which the helper takes over. */
START_TEST(test_remote_signal_stop)
{
	struct ckpt_remote r;
	char err[256] = "";
	pid_t parent = getpid(), pid;
	int status;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sigaction a = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };

		sigemptyset(&a.sa_mask);
		if (sigaction(SIGUSR1, &a, NULL) < 0)
			_exit(1);
		while (usr1_code == -100)
			pause();
		_exit(usr1_code == SI_QUEUE && usr1_pid == parent ? 0 : 2);
	}
	wait_in_syscall(pid, SYS_pause);
	ck_assert_int_eq(ptrace(PTRACE_SEIZE, pid, NULL, NULL), 0);
	ck_assert_int_eq(sigqueue(pid, SIGUSR1, (union sigval){ .sival_int = 7 }), 0);
	ck_assert_int_eq(ckpt_wait_stop(pid, 5000, NULL, &status), CKPT_WAIT_STOPPED);
	ck_assert_int_eq(WSTOPSIG(status), SIGUSR1);
	ck_assert_int_eq(status >> 16, 0);
	begin(&r, pid);
	ck_assert_int_eq(ckpt_remote_take_signal(&r, SIGUSR2, err, sizeof(err)), -1);
	ck_assert_msg(ckpt_remote_take_signal(&r, SIGUSR1, err, sizeof(err)) == 0, "%s", err);
	some_calls(&r, pid);
	end_and_check_regs(&r);
	ck_assert_int_eq(ptrace(PTRACE_DETACH, pid, NULL, NULL), 0);
	ck_assert_int_eq(reap(pid), 0);
}
END_TEST

/* A signal with an SA_RESTART handler arrives during the remote calls: the
 * handler runs, then read() goes on, as the kernel does without us. */
START_TEST(test_remote_read_restarts_after_handler)
{
	char buf[16];
	struct ckpt_remote r;
	int p[2];
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sigaction a = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO | SA_RESTART };
		ssize_t n;

		sigemptyset(&a.sa_mask);
		close(p[1]);
		if (sigaction(SIGUSR1, &a, NULL) < 0)
			_exit(1);
		n = read(p[0], buf, sizeof(buf));
		if (n < 0)
			_exit(errno == EINTR ? 2 : 3);
		_exit(n != 5 || memcmp(buf, "hello", 5) ? 5 : usr1_code == -100 ? 6 : 0);
	}
	close(p[0]);
	wait_in_syscall(pid, SYS_read);
	freeze(pid);
	begin(&r, pid);
	ck_assert_int_eq(kill(pid, SIGUSR1), 0);
	some_calls(&r, pid);
	ck_assert_uint_eq(ckpt_remote_caught(&r), 1);
	end_and_check_regs(&r);
	ck_assert_int_eq(ptrace(PTRACE_DETACH, pid, NULL, NULL), 0);
	wait_in_syscall(pid, SYS_read);
	ck_assert_int_eq(write(p[1], "hello", 5), 5);
	ck_assert_int_eq(reap(pid), 0);
	close(p[1]);
}
END_TEST

START_TEST(test_remote_killed_midway)
{
	struct ckpt_remote r;
	char err[256] = "";
	uint64_t addr;
	long ret = 0;
	pid_t pid, killer;
	int64_t start;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		idle_forever();
	wait_in_syscall(pid, SYS_pause);
	freeze(pid);
	begin(&r, pid);
	ck_assert_msg(ckpt_remote_map_scratch(&r, 4096, &addr, err, sizeof(err)) == 0, "%s", err);
	struct timespec ten = { 10, 0 };

	ck_assert_msg(ckpt_remote_write(&r, addr, &ten, sizeof(ten), err, sizeof(err)) == 0, "%s", err);
	killer = fork();
	ck_assert_int_ge(killer, 0);
	if (killer == 0) {
		sleep_ms(200);
		kill(pid, SIGKILL);
		_exit(0);
	}
	/* The child sleeps 10 s on our behalf and is killed 200 ms in. */
	start = now_ms();
	ck_assert_int_eq(ckpt_remote_syscall(&r, SYS_nanosleep, (const long[6]){ (long)addr }, &ret, err, sizeof(err)),
			 -1);
	ck_assert_int_lt(now_ms() - start, 3000);
	ck_assert_msg(strstr(err, "killed by signal 9") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "remote system call") != NULL, "%s", err);
	/* Nothing more can be done, and saying so does not hang. */
	ck_assert_int_eq(ckpt_remote_syscall(&r, SYS_getpid, NULL, &ret, err, sizeof(err)), -1);
	ck_assert_int_eq(ckpt_remote_end(&r, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "gone"));
	ck_assert_int_eq(ckpt_remote_end(&r, err, sizeof(err)), 0);
	ck_assert_int_eq(reap(killer), 0);
}
END_TEST

START_TEST(test_remote_timeout)
{
	struct ckpt_remote r;
	char err[256] = "";
	long ret = 0;
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		idle_forever();
	wait_in_syscall(pid, SYS_pause);
	freeze(pid);
	begin(&r, pid);
	/* A call that does not return (pause) is given up after the bound,
	 * and the child is stopped again, fit for more calls. */
	r.timeout_ms = 300;
	int64_t start = now_ms();

	ck_assert_int_eq(ckpt_remote_syscall(&r, SYS_pause, NULL, &ret, err, sizeof(err)), -1);
	ck_assert_int_ge(now_ms() - start, 290);
	ck_assert_int_lt(now_ms() - start, 3000);
	ck_assert_msg(strstr(err, "timed out") != NULL, "%s", err);
	ck_assert_int_eq(rcall(&r, SYS_getpid, NULL), pid);
	end_and_check_regs(&r);
	finish(pid);
}
END_TEST

START_TEST(test_wait_bounded)
{
	volatile sig_atomic_t stop = 0;
	int status = 0;
	pid_t pid = fork();
	int64_t start;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		idle_forever();
	ck_assert_int_eq(ptrace(PTRACE_SEIZE, pid, NULL, NULL), 0);
	/* Seized, never stopped: the wait ends at its bound. */
	start = now_ms();
	ck_assert_int_eq(ckpt_wait_stop(pid, 200, &stop, &status), CKPT_WAIT_TIMEOUT);
	ck_assert_int_ge(now_ms() - start, 190);
	ck_assert_int_lt(now_ms() - start, 2000);
	stop = 1;
	start = now_ms();
	ck_assert_int_eq(ckpt_wait_stop(pid, 5000, &stop, &status), CKPT_WAIT_INTERRUPTED);
	ck_assert_int_lt(now_ms() - start, 1000);
	stop = 0;
	ck_assert_int_eq(ptrace(PTRACE_INTERRUPT, pid, NULL, NULL), 0);
	ck_assert_int_eq(ckpt_wait_stop(pid, 5000, &stop, &status), CKPT_WAIT_STOPPED);
	ck_assert(WIFSTOPPED(status));
	ck_assert_int_eq(status >> 16, PTRACE_EVENT_STOP);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(ckpt_wait_stop(pid, 5000, &stop, &status), CKPT_WAIT_EXITED);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_int_eq(ckpt_wait_stop(pid, 100, &stop, &status), CKPT_WAIT_ERROR);
	ck_assert_int_eq(errno, ECHILD);
}
END_TEST

Suite *remote_suite(void)
{
	Suite *s = suite_create("remote");
	TCase *tc = tcase_create("remote");

	tcase_add_test(tc, test_remote_ids);
	tcase_add_test(tc, test_remote_scratch);
	tcase_add_test(tc, test_remote_sigaction);
	tcase_add_test(tc, test_remote_query);
	tcase_add_test(tc, test_remote_read_goes_on);
	tcase_add_test(tc, test_remote_sleep_goes_on);
	tcase_add_test(tc, test_remote_signals_kept);
	tcase_add_test(tc, test_remote_signal_stop);
	tcase_add_test(tc, test_remote_read_restarts_after_handler);
	tcase_add_test(tc, test_remote_killed_midway);
	tcase_add_test(tc, test_remote_timeout);
	tcase_add_test(tc, test_wait_bounded);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
