/* Two processes sharing one address space: a child made with
 * clone(CLONE_VM) (not a thread: its own thread group).  An argument
 * "files", "fs" or "sighand" shares that table too (CLONE_FILES,
 * CLONE_FS, CLONE_SIGHAND).  "fileschain": three processes, each its own
 * address space, one descriptor table (a child with CLONE_FILES only, and
 * its child the same way).  "filessiblings": two children sharing one
 * descriptor table their parent gave up (unshare(CLONE_FILES) after
 * making them with CLONE_FILES only), which no restore makes again. */
#include "config.h"

#include <fcntl.h>
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

/* The descriptor the child of "files" and the grandchild of "fileschain"
 * open and close in turn. */
#define FLIP_FD 100
#define STACK_SIZE (256 * 1024)

/* Set in the child of "fileschain": it makes the grandchild that flips. */
static int chain;

/* With "fs" the child flips its umask, with "sighand" its disposition of
 * SIGUSR1, with "files" whether descriptor FLIP_FD is open: shared, the
 * parent's flips with it. */
static int child_main(void *arg)
{
	int flags = *(int *)arg;

	if (chain) {
		char *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		chain = 0;
		if (stack == MAP_FAILED || clone(child_main, stack + STACK_SIZE, CLONE_FILES | SIGCHLD, arg) < 0)
			_exit(1);
		workload_idle();
	}
	for (;;) {
		shared_count++;
		if (flags & CLONE_FS)
			umask(shared_count & 1 ? 077 : 022);
		if (flags & CLONE_SIGHAND)
			signal(SIGUSR1, shared_count & 1 ? SIG_IGN : SIG_DFL);
		if ((flags & CLONE_FILES) && !(shared_count & 1)) {
			close(FLIP_FD);
		} else if (flags & CLONE_FILES) {
			int fd = open("/dev/null", O_RDONLY);

			if (fd >= 0 && fd != FLIP_FD) {
				dup2(fd, FLIP_FD);
				close(fd);
			}
		}
		usleep(10000);
	}
	return 0;
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	size_t stack_size = STACK_SIZE;
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
	else if (argc > 2 && strcmp(argv[2], "fileschain") == 0)
		flags = CLONE_FILES, chain = 1;
	else if (argc > 2 && strcmp(argv[2], "filessiblings") == 0)
		flags = CLONE_FILES;
	child = clone(child_main, stack + stack_size, flags | SIGCHLD, &flags);
	if (child < 0)
		return 1;
	/* The second child: its own stack (this process's copy of the first
	 * one is unused, but the first child may still be on it: CLONE_VM). */
	if (argc > 2 && strcmp(argv[2], "filessiblings") == 0 &&
	    ((stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED ||
	     clone(child_main, stack + stack_size, flags | SIGCHLD, &flags) < 0))
		return 1;
	/* Without CLONE_VM the count is the child's own: the descriptor it
	 * opens in the table they share says it runs. */
	while (flags & CLONE_VM ? !shared_count : fcntl(FLIP_FD, F_GETFD) < 0)
		usleep(1000);
	if (argc > 2 && strcmp(argv[2], "filessiblings") == 0 && unshare(CLONE_FILES) < 0)
		return 1;
	workload_ready(ready, "child=%d\ncount=%#llx\n", (int)child,
		       (unsigned long long)(uintptr_t)&shared_count);
	workload_idle();
}
