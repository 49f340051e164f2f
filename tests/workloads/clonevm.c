/* Two processes sharing one address space: a child made with
 * clone(CLONE_VM) (not a thread: its own thread group). */
#include "config.h"

#include <sched.h>
#include <signal.h>
#include <sys/mman.h>

#include "workload.h"

static volatile int shared_flag;

static int child_main(void *arg)
{
	(void)arg;
	shared_flag = 1;
	workload_idle();
	return 0;
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	size_t stack_size = 256 * 1024;
	char *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t child;

	if (stack == MAP_FAILED)
		return 1;
	child = clone(child_main, stack + stack_size, CLONE_VM | SIGCHLD, NULL);
	if (child < 0)
		return 1;
	while (!shared_flag)
		usleep(1000);
	workload_ready(ready, "child=%d\n", (int)child);
	workload_idle();
}
