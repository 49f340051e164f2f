/* Interval timers for the restorer: ITIMER_REAL every 10 ms with a SIGALRM
 * handler counting ticks in memory, and ITIMER_VIRTUAL and ITIMER_PROF
 * armed far ahead (1000 s, then every 500 s), which never fire here.
 *
 *   itimer READY-FILE OUT-FILE
 *
 * The main loop waits for a tick and appends "TICKS\n" to OUT-FILE, so a
 * restored process whose timer was not re-armed writes nothing more.
 * Ready after 5 ticks. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/time.h>

#include "workload.h"

static volatile sig_atomic_t ticks;

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	const char *out = argc > 2 ? argv[2] : "itimer.out";
	struct itimerval real = { { 0, 10000 }, { 0, 10000 } }, far = { { 500, 0 }, { 1000, 0 } };
	struct sigaction sa;
	sigset_t alarm, none;
	char line[32];
	int fd, seen = 0;

	if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644)) < 0)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&alarm);
	sigaddset(&alarm, SIGALRM);
	sigemptyset(&none);
	/* SIGALRM blocked outside sigsuspend: no tick is lost between the
	 * test of the count and the wait. */
	if (sigaction(SIGALRM, &sa, NULL) < 0 || sigprocmask(SIG_BLOCK, &alarm, NULL) < 0 ||
	    setitimer(ITIMER_VIRTUAL, &far, NULL) < 0 || setitimer(ITIMER_PROF, &far, NULL) < 0 ||
	    setitimer(ITIMER_REAL, &real, NULL) < 0)
		return 1;
	for (;;) {
		while (ticks == seen)
			sigsuspend(&none);
		seen = ticks;
		snprintf(line, sizeof(line), "%d\n", seen);
		if (write(fd, line, strlen(line)) < 0)
			return 1;
		if (seen == 5 && ready) {
			workload_ready(ready, "out=%s\n", out);
			ready = NULL;
		}
	}
}
