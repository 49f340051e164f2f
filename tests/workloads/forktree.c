/* A small tree: the root, a child with a grandchild of its own, and a
 * second child that exited and is left unreaped (a zombie). */
#include "config.h"

#include <signal.h>
#include <sys/wait.h>

#include "workload.h"

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	int pipefd[2];
	pid_t child, grandchild = 0, zombie;
	siginfo_t si;

	if (pipe(pipefd) < 0)
		return 1;
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		pid_t g = fork();

		if (g == 0)
			workload_idle();
		if (write(pipefd[1], &g, sizeof(g)) != (ssize_t)sizeof(g))
			_exit(1);
		workload_idle();
	}
	if (read(pipefd[0], &grandchild, sizeof(grandchild)) != (ssize_t)sizeof(grandchild))
		return 1;
	zombie = fork();
	if (zombie < 0)
		return 1;
	if (zombie == 0)
		_exit(7);
	/* Wait until it has exited, without reaping it. */
	if (waitid(P_PID, (id_t)zombie, &si, WEXITED | WNOWAIT) < 0)
		return 1;
	workload_ready(ready, "child=%d\ngrandchild=%d\nzombie=%d\n", (int)child, (int)grandchild, (int)zombie);
	workload_idle();
}
