/* Bounded waits for one traced thread.
 *
 * A stop is not something a file descriptor can report: a pidfd polls
 * readable only when the task exits, and SIGCHLD belongs to the program, not
 * to the library.  So the wait polls waitpid(WNOHANG).  The pause between
 * polls starts short and doubles: a remote system call reaches its stops in
 * tens of microseconds, and a restorer makes thousands of them, while a task
 * that takes long to stop should not cost a busy loop. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>

#include "wait.h"

#ifndef __WALL
#define __WALL 0x40000000
#endif

#define PAUSE_FIRST_NS	10000L		/* 10 us */
#define PAUSE_MAX_NS	2000000L	/* 2 ms: the latency of noticing *stop */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

enum ckpt_wait_result ckpt_wait_stop(pid_t tid, int timeout_ms, volatile sig_atomic_t *stop, int *status)
{
	int64_t deadline = now_ns() + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000;
	long pause_ns = PAUSE_FIRST_NS;

	for (;;) {
		int st = 0;
		pid_t r = waitpid(tid, &st, __WALL | WNOHANG);

		if (r < 0 && errno != EINTR)
			return CKPT_WAIT_ERROR;
		if (r == tid) {
			*status = st;
			if (WIFSTOPPED(st))
				return CKPT_WAIT_STOPPED;
			if (WIFEXITED(st) || WIFSIGNALED(st))
				return CKPT_WAIT_EXITED;
			continue;	/* WIFCONTINUED: not asked for, but harmless */
		}
		if (stop && *stop)
			return CKPT_WAIT_INTERRUPTED;
		int64_t left = deadline - now_ns();

		if (left <= 0)
			return CKPT_WAIT_TIMEOUT;
		if (pause_ns > left)
			pause_ns = (long)left;
		/* A signal cutting the pause short is fine: the loop looks again. */
		nanosleep(&(struct timespec){ .tv_sec = 0, .tv_nsec = pause_ns }, NULL);
		if (pause_ns < PAUSE_MAX_NS)
			pause_ns = pause_ns * 2 > PAUSE_MAX_NS ? PAUSE_MAX_NS : pause_ns * 2;
	}
}

const char *ckpt_wait_result_name(enum ckpt_wait_result w)
{
	switch (w) {
	case CKPT_WAIT_STOPPED:
		return "stopped";
	case CKPT_WAIT_EXITED:
		return "ended";
	case CKPT_WAIT_TIMEOUT:
		return "timed out";
	case CKPT_WAIT_INTERRUPTED:
		return "interrupted";
	case CKPT_WAIT_ERROR:
		break;
	}
	return "wait failed";
}
