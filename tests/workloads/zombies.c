/* Two children left unreaped (zombies): one exited with code 42, one
 * killed by SIGTERM.  The parent counts its SIGCHLD handler's runs, waits
 * for them only when SIGUSR1 comes, and appends "exited STATUS" and
 * "killed STATUS" (the raw wait statuses) and "sigchld RUNS" to OUT-FILE;
 * then it idles.
 *
 *   zombies READY-FILE OUT-FILE
 *
 * Ready once both are zombies, with exited=, killed= pids and sigchld=
 * (the runs so far: a restore must not add one). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include "workload.h"

static volatile sig_atomic_t reap, sigchld;

static void on_chld(int sig)
{
	(void)sig;
	sigchld++;
}

static void on_usr1(int sig)
{
	(void)sig;
	reap = 1;
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	const char *out = argc > 2 ? argv[2] : "zombies.out";
	struct sigaction sa = { .sa_handler = on_usr1 };
	pid_t exited, killed;
	siginfo_t si;
	int status;
	FILE *f;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		return 1;
	sa.sa_handler = on_chld;
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		return 1;
	exited = fork();
	if (exited < 0)
		return 1;
	if (exited == 0)
		_exit(42);
	killed = fork();
	if (killed < 0)
		return 1;
	if (killed == 0) {
		signal(SIGTERM, SIG_DFL);
		raise(SIGTERM);
		_exit(1);
	}
	/* Both dead, neither reaped (the SIGCHLD handler may interrupt). */
	while (waitid(P_PID, (id_t)exited, &si, WEXITED | WNOWAIT) < 0)
		if (errno != EINTR)
			return 1;
	while (waitid(P_PID, (id_t)killed, &si, WEXITED | WNOWAIT) < 0)
		if (errno != EINTR)
			return 1;
	workload_ready(ready, "exited=%d\nkilled=%d\nsigchld=%d\n", (int)exited, (int)killed, (int)sigchld);
	while (!reap)
		usleep(10000);
	if (!(f = fopen(out, "a")))
		return 1;
	if (waitpid(exited, &status, 0) != exited)
		fprintf(f, "exited none\n");
	else
		fprintf(f, "exited %d\n", status);
	if (waitpid(killed, &status, 0) != killed)
		fprintf(f, "killed none\n");
	else
		fprintf(f, "killed %d\n", status);
	fprintf(f, "sigchld %d\n", (int)sigchld);
	fclose(f);
	workload_idle();
}
