/* A parent that waits in the kernel for its vfork child, which neither
 * execs nor exits: the parent sleeps uninterruptibly (state D) and can
 * reach no ptrace stop.  "vfork" (the default) is a real vfork(2), the
 * child sharing the address space; "clone-vfork" is clone(CLONE_VFORK)
 * without CLONE_VM, a child with its own copy that the parent still waits
 * for.  The ready file names the child. */
#include "config.h"

#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "workload.h"

/* Only raw system calls in the child: with vfork it runs on the parent's
 * stack and memory. */
static void child_body(int fd, pid_t parent)
{
	char buf[96];
	pid_t self = (pid_t)syscall(SYS_getpid);
	int n = snprintf(buf, sizeof(buf), "pid=%d\nchild=%d\nready=1\n", (int)parent, (int)self);

	syscall(SYS_write, fd, buf, (size_t)n);
	syscall(SYS_close, fd);
	for (;;)
		syscall(SYS_pause);
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	bool own_mm = argc > 2 && strcmp(argv[2], "clone-vfork") == 0;
	pid_t parent = getpid();
	int fd;
	long r;

	fflush(ready);
	fd = fileno(ready);
	if (own_mm)
		r = syscall(SYS_clone, CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
	else
		r = vfork();
	if (r == 0)
		child_body(fd, parent);
	/* Reached only if the child died. */
	return 1;
}
