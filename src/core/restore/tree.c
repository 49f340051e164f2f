/* Creating a task with its old pid, stopped under our ptrace before it
 * runs anything of its own.  The child is a copy of the restorer until its
 * address space is replaced; it only makes raw system calls. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptrace/wait.h"
#include "restore/restore_impl.h"

/* The child's first steps: die with the restorer, become traced, take
 * its session and group as the image has them when it leads them, stop. */
static void child_start(const struct rs_task *t)
{
	syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* (In a new pid namespace getppid() is 0: the restorer is outside.) */
	if (syscall(SYS_getppid) == 1)
		syscall(SYS_exit_group, 127);
	if (syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0) < 0)
		syscall(SYS_exit_group, 127);
	if (t->sid == t->pid)
		syscall(SYS_setsid);
	else if (t->pgid == t->pid)
		syscall(SYS_setpgid, 0, 0);
	syscall(SYS_kill, syscall(SYS_getpid), SIGSTOP);
	syscall(SYS_exit_group, 127);
}

/* /proc/PID/stat's flags: the task is on its way out (do_exit). */
#define PF_EXITING_FLAG 0x4u

/* Whether the task holding pid is dying: a zombie (its parent has yet to
 * reap it), dead (X), exiting, or already gone.  Typical right after the
 * original tree was killed: its pids come free a moment later. */
static bool holder_dying(pid_t pid)
{
	char path[64], buf[1024], state = 0;
	unsigned flags = 0;
	const char *end;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return true;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return true;
	buf[len] = 0;
	/* After the command name, which may hold spaces and parentheses. */
	if (!(end = strrchr(buf, ')')) ||
	    sscanf(end + 1, " %c %*d %*d %*d %*d %*d %u", &state, &flags) != 2)
		return false;
	return state == 'Z' || state == 'X' || state == 'x' || (flags & PF_EXITING_FLAG);
}

bool rs_pid_wait_free(pid_t pid, const struct ckpt_restore_options *opt, int *waited_ms)
{
	if (*waited_ms >= RS_PID_WAIT_MS || (opt && opt->stop && *opt->stop) || !holder_dying(pid))
		return false;
	usleep(RS_PID_POLL_MS * 1000);
	*waited_ms += RS_PID_POLL_MS;
	return !(opt && opt->stop && *opt->stop);
}

pid_t rs_create_task(const struct rs_task *t, const struct ckpt_restore_options *opt, bool new_pid_ns, char *err,
		     size_t errsize)
{
	pid_t want = (pid_t)t->nspid[0];
	/* The first task of a new pid namespace is its pid 1 (the caller
	 * makes sure the image says so). */
	struct clone_args args = {
		.flags = new_pid_ns ? CLONE_NEWPID : 0,
		.exit_signal = t->exit_signal ? t->exit_signal : SIGCHLD,
		.set_tid = new_pid_ns ? 0 : (uint64_t)(uintptr_t)&want,
		.set_tid_size = new_pid_ns ? 0 : 1,
	};
	int timeout = opt && opt->timeout_ms > 0 ? opt->timeout_ms : CKPT_REMOTE_TIMEOUT_MS;
	enum ckpt_wait_result w;
	int waited = 0;
	long pid;
	int status;

	if (args.exit_signal >= 65)
		args.exit_signal = SIGCHLD;
	fflush(NULL);
	do {
		pid = syscall(SYS_clone3, &args, sizeof(args));
		if (pid == 0)
			child_start(t);
	} while (pid < 0 && errno == EEXIST && !new_pid_ns && rs_pid_wait_free(want, opt, &waited));
	if (pid < 0) {
		int e = errno;

		if (e == EEXIST)
			snprintf(err, errsize, "pid %d is taken on this system; free it, or restore into a new "
				 "pid namespace with --pid-ns", (int)want);
		else if (new_pid_ns)
			snprintf(err, errsize, "--pid-ns: cannot make a pid namespace: clone3(CLONE_NEWPID): %s%s",
				 strerror(e), e == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		else if (e == EINVAL)
			snprintf(err, errsize, "pid %d cannot be made here (above kernel.pid_max?)", (int)want);
		else
			snprintf(err, errsize, "cannot create task %d: clone3: %s", (int)want, strerror(e));
		return -1;
	}
	w = ckpt_wait_stop((pid_t)pid, timeout, opt ? opt->stop : NULL, &status);
	if (w != CKPT_WAIT_STOPPED || WSTOPSIG(status) != SIGSTOP) {
		snprintf(err, errsize, "task %d did not stop for the restorer (%s)", (int)want,
			 w == CKPT_WAIT_STOPPED ? "another stop" : ckpt_wait_result_name(w));
		rs_kill_task((pid_t)pid);
		return -1;
	}
	/* The task dies with us, whatever kills us. */
	if (ptrace(PTRACE_SETOPTIONS, (pid_t)pid, NULL, (void *)(long)(PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD)) < 0) {
		snprintf(err, errsize, "task %d: PTRACE_SETOPTIONS: %s", (int)want, strerror(errno));
		rs_kill_task((pid_t)pid);
		return -1;
	}
	return (pid_t)pid;
}

void rs_kill_task(pid_t pid)
{
	int status;

	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	/* SIGKILL ends a traced task too; it is our child, so it is reaped
	 * here.  Bounded: a task in uninterruptible sleep dies when it wakes. */
	for (int i = 0; i < 500; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG | __WALL);

		if (r == pid && (WIFEXITED(status) || WIFSIGNALED(status)))
			return;
		if (r < 0 && errno == ECHILD)
			return;
		usleep(10000);
	}
}
