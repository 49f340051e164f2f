/* Two processes sharing one address space: a child made with
 * clone(CLONE_VM) (not a thread: its own thread group).  An argument
 * "files", "fs" or "sighand" shares that table too (CLONE_FILES,
 * CLONE_FS, CLONE_SIGHAND). */
#include "config.h"

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "workload.h"

/* Counted by the child, in the address space both share: a restore that
 * gives them one each leaves the parent's copy still. */
static volatile unsigned int shared_count;

/* With "fs" the child flips its umask, with "sighand" its disposition of
 * SIGUSR1: shared, the parent's flips with it. */
static int child_main(void *arg)
{
	int flags = *(int *)arg;

	for (;;) {
		shared_count++;
		if (flags & CLONE_FS)
			umask(shared_count & 1 ? 077 : 022);
		if (flags & CLONE_SIGHAND)
			signal(SIGUSR1, shared_count & 1 ? SIG_IGN : SIG_DFL);
		usleep(10000);
	}
	return 0;
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	size_t stack_size = 256 * 1024;
	char *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t child;
	int flags = CLONE_VM;

	if (stack == MAP_FAILED)
		return 1;
	if (argc > 2 && strcmp(argv[2], "files") == 0)
		flags |= CLONE_FILES;
	else if (argc > 2 && strcmp(argv[2], "fs") == 0)
		flags |= CLONE_FS;
	else if (argc > 2 && strcmp(argv[2], "sighand") == 0)
		flags |= CLONE_SIGHAND;
	child = clone(child_main, stack + stack_size, flags | SIGCHLD, &flags);
	if (child < 0)
		return 1;
	while (!shared_count)
		usleep(1000);
	workload_ready(ready, "child=%d\ncount=%#llx\n", (int)child,
		       (unsigned long long)(uintptr_t)&shared_count);
	workload_idle();
}
