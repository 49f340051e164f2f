/* Signal state: every handler as the image has it (the restorer's own
 * handlers, inherited by the copy, must not survive), the pending signals with their siginfo, and the resource limits. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "restore/restore_impl.h"

/* A signal's current disposition in the task, from /proc/PID/status:
 * bit sig - 1 of SigIgn and SigCgt. */
static int dispositions(pid_t pid, uint64_t *ign, uint64_t *cgt)
{
	char path[64], line[256];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "SigIgn: %llx", &v) == 1)
			*ign = v, found++;
		else if (sscanf(line, "SigCgt: %llx", &v) == 1)
			*cgt = v, found++;
	}
	fclose(f);
	return found == 2 ? 0 : -1;
}

static int handlers(struct rs_ctx *x)
{
	const struct rs_sighand *h = rs_sighand(x->plan, x->task->sighand);
	uint64_t ign = ~0ULL, cgt = ~0ULL;

	/* Not known: every signal is set. */
	dispositions(x->pid, &ign, &cgt);
	for (int sig = 1; sig <= RS_NSIG; sig++) {
		struct rs_sigaction act = { 0 };
		uint64_t at, bit = 1ULL << (sig - 1);

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (h)
			act = h->act[sig - 1];
		/* Default in the image and default here: nothing to do. */
		if (!act.handler && !act.flags && !act.restorer && !act.mask && !(ign & bit) && !(cgt & bit))
			continue;
		if (rs_scratch(x, &act, sizeof(act), &at) < 0 ||
		    rs_call(x, "rt_sigaction", SYS_rt_sigaction, sig, (long)at, 0, 8, 0, 0, NULL) < 0)
			return -1;
	}
	return 0;
}

static int queue(struct rs_ctx *x, const struct rs_pending *q, bool shared)
{
	for (size_t i = 0; i < q->n; i++) {
		uint64_t at;

		if (rs_scratch(x, q->info[i].raw, sizeof(q->info[i].raw), &at) < 0)
			return -1;
		/* From inside the task itself, any si_code is accepted (its
		 * ids as it sees them, in its pid namespace). */
		if (shared ? rs_call(x, "rt_sigqueueinfo", SYS_rt_sigqueueinfo, x->task->own_tgid, q->info[i].signo, (long)at,
				     0, 0, 0, NULL) < 0 :
			     rs_call(x, "rt_tgsigqueueinfo", SYS_rt_tgsigqueueinfo, x->task->own_tgid, x->task->own_pid,
				     q->info[i].signo, (long)at, 0, 0, NULL) < 0)
			return -1;
	}
	return 0;
}

int rs_thread_signals(struct rs_ctx *x)
{
	return queue(x, &x->task->pending, false);
}

int rs_signals_restore(struct rs_ctx *x)
{
	const struct rs_signal *s = rs_signal(x->plan, x->task->signal);
	uint64_t all = ~0ULL, at;

	/* Everything blocked while handlers change and signals are queued:
	 * nothing is delivered before the task runs its own code again. */
	if (rs_scratch(x, &all, sizeof(all), &at) < 0 ||
	    rs_call(x, "rt_sigprocmask", SYS_rt_sigprocmask, SIG_SETMASK, (long)at, 0, 8, 0, 0, NULL) < 0)
		return -1;
	/* The task's own mask is set with its registers (regs.c), once no
	 * remote call runs it any more. */
	return handlers(x) < 0 || rs_thread_signals(x) < 0 || (s && queue(x, &s->shared, true) < 0) ? -1 : 0;
}

int rs_limits_restore(struct rs_ctx *x)
{
	const struct rs_signal *s = rs_signal(x->plan, x->task->signal);

	for (int i = 0; s && i < RS_NLIMITS; i++) {
		struct rlimit64 rl = { .rlim_cur = s->rlim_cur[i], .rlim_max = s->rlim_max[i] };

		if (prlimit64(x->pid, (enum __rlimit_resource)i, &rl, NULL) < 0)
			return rs_fail(x, "prlimit(%d, %llu, %llu): %s", i, (unsigned long long)rl.rlim_cur,
				       (unsigned long long)rl.rlim_max, strerror(errno));
	}
	return 0;
}
