/* A thread that sends itself SIGUSR1 with tgkill(2) as fast as it can and
 * catches it: frozen at a random moment it is often in a
 * signal-delivery-stop, the signal dequeued but not yet handled, which ckpt
 * must write among its pending signals. */
#define _GNU_SOURCE
#include <signal.h>

#include "workload.h"

static volatile unsigned long handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	pid_t self = getpid();

	signal(SIGUSR1, on_usr1);
	workload_ready(ready, "storm=%d\n", (int)self);
	for (;;)
		syscall(SYS_tgkill, self, self, SIGUSR1);
}
