/* Interval timers (SIGNAL.it_*): ITIMER_REAL, ITIMER_VIRTUAL and
 * ITIMER_PROF of the process, re-armed with setitimer(2) made by the task
 * itself (a timer belongs to whoever calls it; nothing sets another
 * process's).  They are armed late, after the credentials, the last state
 * the task's own code depends on, so that a timer does not run down while
 * the address space is written: the time left is the time the task had
 * left when it was frozen, give or take the few remote calls after it.
 * Should one expire before the task runs, its signal stays pending (every
 * signal is blocked while the task is built) and comes once the task's own
 * mask is set, as it would have after the freeze.  One set per process:
 * the leader arms them, its threads share them. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "restore/restore_impl.h"

/* ns to a timeval, rounded up: a timer with less than a microsecond to go
 * is armed (1 us), not disarmed (0). */
static struct timeval to_timeval(uint64_t ns)
{
	uint64_t us = ns / 1000 + (ns % 1000 != 0);

	return (struct timeval){ .tv_sec = (time_t)(us / 1000000), .tv_usec = (suseconds_t)(us % 1000000) };
}

int rs_timers_restore(struct rs_ctx *x)
{
	static const int which[3] = { ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF };
	static const char *const names[3] = { "setitimer(ITIMER_REAL)", "setitimer(ITIMER_VIRTUAL)",
					      "setitimer(ITIMER_PROF)" };
	const struct rs_signal *s = rs_signal(x->plan, x->task->signal);

	for (int i = 0; s && i < 3; i++) {
		struct itimerval it;
		uint64_t at;

		/* Disarmed in the image: the restorer's copy has none armed
		 * either (timers are not inherited by fork). */
		if (!s->it_value[i] && !s->it_incr[i])
			continue;
		/* No time left but an interval: a periodic ITIMER_REAL that
		 * had fired, its SIGALRM not yet taken.  The kernel re-arms
		 * such a timer when the task dequeues the signal, and only if
		 * its own timer has an interval, so left at 0 here the
		 * restored timer would never fire again: arm it one interval
		 * ahead (the pending SIGALRM is queued again on its own). */
		it.it_value = to_timeval(s->it_value[i] ? s->it_value[i] : s->it_incr[i]);
		it.it_interval = to_timeval(s->it_incr[i]);
		if (rs_scratch(x, &it, sizeof(it), &at) < 0 ||
		    rs_call(x, names[i], SYS_setitimer, which[i], (long)at, 0, 0, 0, 0, NULL) < 0)
			return -1;
		rs_log(x, 1, "task %d: %s: %" PRIu64 " ns left, every %" PRIu64 " ns", (int)x->pid, names[i],
		       s->it_value[i], s->it_incr[i]);
	}
	return 0;
}
