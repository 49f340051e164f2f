/* Bounded waits for one traced thread (src/core/ptrace/).
 *
 * The producer's freeze, the remote-syscall helper and the restorer all wait
 * for a tracee to reach a ptrace-stop.  A plain waitpid() can block forever
 * (a task in uninterruptible sleep, a stop that never comes), so every wait
 * here has a deadline and can be cut short by a flag a signal handler sets. */
#ifndef CKPT_PTRACE_WAIT_H
#define CKPT_PTRACE_WAIT_H

#include <signal.h>
#include <sys/types.h>

enum ckpt_wait_result {
	CKPT_WAIT_STOPPED,	/* in a ptrace-stop; *status as waitpid() gave it */
	CKPT_WAIT_EXITED,	/* exited or killed; *status says which */
	CKPT_WAIT_TIMEOUT,	/* still running when the time was up */
	CKPT_WAIT_INTERRUPTED,	/* *stop became non-zero */
	CKPT_WAIT_ERROR,	/* waitpid failed: errno (ECHILD: not our tracee, or reaped) */
};

/* Waits at most timeout_ms (0: look once) for tid to stop or end.  stop
 * may be NULL.  Collects the state change as waitpid(__WALL) does, so an
 * exit status is consumed here. */
enum ckpt_wait_result ckpt_wait_stop(pid_t tid, int timeout_ms, volatile sig_atomic_t *stop, int *status);

/* A word for a wait result, for error messages. */
const char *ckpt_wait_result_name(enum ckpt_wait_result w);

#endif
