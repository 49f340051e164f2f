/* Per-thread state /proc does not show as the task will have it: the
 * main thread waits in sigsuspend with a temporary mask (SIGHUP|SIGINT)
 * other than its blocked one (SIGUSR2|SIGTERM), which SigBlk shows
 * meanwhile; a second thread has installed a seccomp filter of its own
 * (no TSYNC) and no_new_privs, which the main thread does not have.
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

static volatile int filtered_tid;

static void on_usr1(int sig)
{
	(void)sig;
}

/* Allows everything but getpgid(2) (errno 77): a program to recognise. */
static void *filtered(void *arg)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpgid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 77),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fp = { .len = 4, .filter = prog };

	(void)arg;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0) {
		perror("seccomp");
		exit(1);
	}
	filtered_tid = (int)syscall(SYS_gettid);
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
	if (pthread_create(&t, NULL, filtered, NULL) != 0)
		exit(1);
	while (!filtered_tid)
		usleep(1000);
	workload_ready(ready, "filtered_tid=%d\n", filtered_tid);
	for (;;)
		sigsuspend(&temp);
}
