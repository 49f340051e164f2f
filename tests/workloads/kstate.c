/* Kernel state only a task itself sets: signal handlers with flags and a
 * mask, an alternate signal stack, interval timers, no_new_privs, a seccomp
 * filter, ambient capabilities, securebits, a personality; and descriptors
 * whose state is more than a path and an offset: eventfd, timerfd,
 * signalfd, epoll, inotify, O_PATH, a pipe and a socketpair with bytes in
 * them.  Needs root (ambient capabilities and securebits); then sleeps in
 * nanosleep, so that ckpt finds it inside a call the kernel resumes
 * through restart_syscall.
 *
 * Usage: kstate READY-FILE DIR [unpriv] (DIR: a directory it may write
 * in; unpriv: leave out what needs root, for a run as another user). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "workload.h"

static volatile sig_atomic_t caught;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	caught++;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* CAP_NET_BIND_SERVICE into the inheritable set, then the ambient one. */
static void raise_ambient(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		die("capget");
	d[0].inheritable |= 1u << CAP_NET_BIND_SERVICE;
	if (syscall(SYS_capset, &h, d) < 0)
		die("capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0) < 0)
		die("PR_CAP_AMBIENT_RAISE");
}

/* Two instructions: load the syscall number, allow. */
static void install_filter(void)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fp = { 2, prog };

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0) < 0)
		die("PR_SET_SECCOMP");
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	static char altstack[65536];
	struct sigaction sa, back;
	char path[4096];

	if (argc < 3) {
		fprintf(stderr, "usage: %s READY-FILE DIR\n", argv[0]);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaddset(&sa.sa_mask, SIGTERM);
	if (sigaction(SIGUSR1, &sa, NULL) < 0 || sigaction(SIGUSR1, NULL, &back) < 0)
		die("sigaction");
	signal(SIGPIPE, SIG_IGN);

	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack), .ss_flags = 0 };

	if (sigaltstack(&ss, NULL) < 0)
		die("sigaltstack");
	struct itimerval it = { .it_interval = { 500, 0 }, .it_value = { 1000, 0 } };

	if (setitimer(ITIMER_REAL, &it, NULL) < 0)
		die("setitimer");
	if (personality(ADDR_NO_RANDOMIZE) < 0)
		die("personality");
	bool unpriv = argc > 3 && strcmp(argv[3], "unpriv") == 0;

	if (!unpriv) {
		raise_ambient();
		if (prctl(PR_SET_SECUREBITS, 1 << 4 /* SECBIT_KEEP_CAPS */, 0, 0, 0) < 0)
			die("PR_SET_SECUREBITS");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("PR_SET_NO_NEW_PRIVS");
	install_filter();

	/* Descriptors. */
	int efd = eventfd(7, EFD_SEMAPHORE | EFD_NONBLOCK);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	struct itimerspec its = { .it_interval = { 3, 0 }, .it_value = { 1000, 0 } };
	sigset_t sfmask;

	if (efd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0)
		die("eventfd/timerfd");
	sigemptyset(&sfmask);
	sigaddset(&sfmask, SIGUSR2);
	sigaddset(&sfmask, SIGWINCH);
	int sfd = signalfd(-1, &sfmask, 0);
	int epfd = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x1234 };

	if (sfd < 0 || epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &ev) < 0)
		die("signalfd/epoll");
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = 0x5678;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev) < 0)
		die("epoll_ctl");
	int ifd = inotify_init1(IN_NONBLOCK);

	if (ifd < 0 || inotify_add_watch(ifd, argv[2], IN_CREATE | IN_DELETE) < 0)
		die("inotify");
	snprintf(path, sizeof(path), "%s/opath", argv[2]);
	int made = open(path, O_CREAT | O_WRONLY, 0600);
	int pfd = open(path, O_PATH);

	if (made < 0 || pfd < 0)
		die("O_PATH");
	close(made);
	/* A pipe with bytes waiting, both ends here; a socketpair likewise. */
	int pp[2];

	if (pipe(pp) < 0 || write(pp[1], "pipe-bytes", 10) != 10)
		die("pipe");
	int sp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0 || write(sp[0], "sock-", 5) != 5 ||
	    write(sp[0], "bytes", 5) != 5)
		die("socketpair");
	/* A memfd held only by a descriptor: its contents must be saved. */
	int mfd = memfd_create("kstate", 0);

	if (mfd < 0 || write(mfd, "memfd-bytes", 11) != 11)
		die("memfd");

	workload_ready(ready,
		       "handler=%#llx\nflags=%#llx\nrestorer=%#llx\naltstack=%#llx\naltstack_size=%zu\n"
		       "efd=%d\ntfd=%d\nsfd=%d\nepfd=%d\nifd=%d\npfd=%d\npipe_r=%d\npipe_w=%d\nsock_a=%d\nsock_b=%d\nmemfd=%d\n",
		       (unsigned long long)(uintptr_t)on_usr1, (unsigned long long)back.sa_flags,
		       (unsigned long long)(uintptr_t)back.sa_restorer, (unsigned long long)(uintptr_t)altstack,
		       sizeof(altstack), efd, tfd, sfd, epfd, ifd, pfd, pp[0], pp[1], sp[0], sp[1], mfd);
	for (;;) {
		struct timespec t = { 100000, 0 }, rem;

		nanosleep(&t, &rem);
	}
}
