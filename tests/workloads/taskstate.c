/* Per-thread state /proc does not show as the task will have it: the
 * main thread waits in sigsuspend with a temporary mask (SIGHUP|SIGINT)
 * other than its blocked one (SIGUSR2|SIGTERM), which SigBlk shows
 * meanwhile.  Seccomp chains: the main thread installs filter A before it
 * makes two threads; the first of them adds filter B of its own (no
 * TSYNC), the second keeps A alone.
 *
 * Usage: taskstate READY-FILE */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "workload.h"

static volatile int own_tid, inherit_tid;

static void on_usr1(int sig)
{
	(void)sig;
}

/* Allows everything but call nr, which fails with errno err: a program
 * to recognise in the image. */
static void install(long nr, unsigned err)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fp = { .len = 4, .filter = prog };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0) {
		perror("seccomp");
		exit(1);
	}
}

static void *own_filter(void *arg)
{
	(void)arg;
	install(SYS_getsid, 78);
	own_tid = (int)syscall(SYS_gettid);
	for (;;)
		pause();
	return NULL;
}

static void *inherited_filter(void *arg)
{
	(void)arg;
	inherit_tid = (int)syscall(SYS_gettid);
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	sigset_t real, temp;
	pthread_t t;

	signal(SIGUSR1, on_usr1);
	sigemptyset(&real);
	sigaddset(&real, SIGUSR2);
	sigaddset(&real, SIGTERM);
	sigemptyset(&temp);
	sigaddset(&temp, SIGHUP);
	sigaddset(&temp, SIGINT);
	pthread_sigmask(SIG_SETMASK, &real, NULL);
	install(SYS_getpgid, 77);
	if (pthread_create(&t, NULL, own_filter, NULL) != 0)
		exit(1);
	while (!own_tid)
		usleep(1000);
	if (pthread_create(&t, NULL, inherited_filter, NULL) != 0)
		exit(1);
	while (!inherit_tid)
		usleep(1000);
	workload_ready(ready, "own_tid=%d\ninherit_tid=%d\n", own_tid, inherit_tid);
	for (;;)
		sigsuspend(&temp);
}
