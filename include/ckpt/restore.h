/* Restoring a checkpoint image: the restart half of ckpt, in user space.
 *
 * ckpt_restore_plan_open() reads an image, runs every ckptcheck rule on it
 * (the restorable rules name what cannot be rebuilt) and reads it into a
 * plan; ckpt_restore_run() then creates the tasks with their old pids,
 * rebuilds them with remote system calls under ptrace and lets them run.
 * Nothing is created before the whole plan is read and judged, and a
 * failed run kills and reaps every task it created.  Linux x86_64, root. */
#ifndef CKPT_RESTORE_H
#define CKPT_RESTORE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ckpt/check.h"

struct ckpt_restore_options {
	/* Findings of the gate (every rule's, as ckptcheck reports them). */
	ckpt_finding_fn on_finding;
	void *finding_arg;
	/* Progress lines ("mapped 23 areas of task 5464"), level 1 and 2
	 * (-v, -vv); NULL: none. */
	void (*log)(void *arg, int level, const char *line);
	void *log_arg;
	int verbose;
	/* Non-zero: stop, kill and reap what was created (set by SIGINT). */
	volatile sig_atomic_t *stop;
	/* Bound on each wait for a task to stop, in ms (0: 5000). */
	int timeout_ms;
	/* Descriptors declared outside the image (--external fd:PID:FD, as
	 * ckptcheck takes them): the gate does not hold them against the
	 * image, and the restored task gets the caller's own descriptor FD
	 * there (the same open file description), whatever the image says. */
	const struct ckpt_external *externals;
	size_t n_externals;
	/* Restore into a new pid namespace (--pid-ns): every task takes its
	 * image pid there, whatever pids are taken here. */
	bool pid_ns;
	/* --shell-job: the tree is a job of the caller's terminal.  Every
	 * descriptor on a terminal outside the image (the gate allows no
	 * other) is a new open of terminal_fd, the caller's descriptor of
	 * its terminal (ckpt_restore_terminal()), with the image's flags;
	 * the tree joins the caller's session, and the root's process group
	 * is made the terminal's foreground group as it is let go (given
	 * back to the caller's on a failure).  termios and the window size
	 * are left as they are unless restore_termios. */
	bool shell_job;
	int terminal_fd;
	bool restore_termios;
};

/* --shell-job: the caller's terminal, the first of its standard input,
 * output and error that is a terminal, else its controlling terminal
 * (/dev/tty): a new descriptor of it (close-on-exec), or -1 with err
 * saying the caller has none. */
int ckpt_restore_terminal(char *err, size_t errsize);
/* Makes process group pgid (0: the caller's) the foreground group of the
 * terminal at fd (SIGTTOU held off meanwhile), as a shell does when a job
 * stops, ends or is resumed.  0, or -1 with errno. */
int ckpt_restore_terminal_foreground(int fd, pid_t pgid);

struct ckpt_restore_plan;

/* Opens the image at path ("-" for standard input, copied first to an
 * anonymous file so its pages can be read in any order), runs the gate and
 * reads the plan.  Returns 0 when the image can be restored, 1 when the
 * gate refused it (the findings went to opt->on_finding), -1 when it
 * cannot be read (err says why, with the byte offset and record).  *out is
 * set for 0 and 1, NULL otherwise. */
int ckpt_restore_plan_open(const char *path, const struct ckpt_restore_options *opt,
			   struct ckpt_restore_plan **out, char *err, size_t errsize);
void ckpt_restore_plan_free(struct ckpt_restore_plan *p);

/* Tasks in the plan, and the pid of the root as the image has it. */
size_t ckpt_restore_plan_tasks(const struct ckpt_restore_plan *p);
pid_t ckpt_restore_plan_root(const struct ckpt_restore_plan *p);
/* One line per task and per kind of state, what a run would do
 * (--dry-run): "task 5464 (t): 23 areas, 41 pages; 4 descriptors". */
void ckpt_restore_plan_describe(const struct ckpt_restore_plan *p, void (*line)(void *arg, const char *s),
				void *arg);

/* Restores the plan's tasks, children of the caller, and lets them run
 * from where they were frozen.  *root: the root's pid.  0, or -1 with err
 * (then nothing created is left: every task was killed and reaped). */
int ckpt_restore_run(const struct ckpt_restore_plan *p, const struct ckpt_restore_options *opt,
		     pid_t *root, char *err, size_t errsize);
/* The same; *child: the caller's child that ends with the root's status
 * (the root, or with pid_ns and a root that is not pid 1 the namespace's
 * init, which exits with the root's status: 128 + N for signal N). */
int ckpt_restore_run_ns(const struct ckpt_restore_plan *p, const struct ckpt_restore_options *opt,
			pid_t *root, pid_t *child, char *err, size_t errsize);

#endif
