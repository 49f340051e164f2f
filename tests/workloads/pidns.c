/* Process trees with pid namespaces of their own, for the restorer.
 *
 *   pidns READY-FILE OUT-FILE container [pipe]
 *   pidns READY-FILE OUT-FILE nested [pipe]
 *   pidns READY-FILE OUT-FILE joined
 *   pidns READY-FILE OUT-FILE crossgroup
 *
 * container: a launcher makes the init of a new pid namespace (pid 1 there,
 * a session leader, like a container's), which forks two children; the
 * test checkpoints the init by its pid here.  nested: the root, in the
 * test's namespace, forks a child there, then the init of a new namespace
 * (pid 1), whose child (pid 2) makes the init of a namespace below that
 * one: five processes on three levels.  joined: the root unshares its pid
 * namespace for its children and forks two: pid 1 there, and pid 2, which
 * joined a namespace it did not start.  crossgroup: the root forks the
 * init of a new namespace, whose child stays in the root's process group
 * while the init makes a group of its own: the child's group is led from
 * the namespace above, where setpgid(2) in the child cannot name it.
 *
 * Every process but the launcher appends "TAG COUNT PID PPID" to OUT-FILE
 * every 20 ms, PID and PPID as getpid() and getppid() see them (in its own
 * namespace).  With "pipe" the init's children (container) or the
 * deepest process (nested) write their lines into a pipe, and the init
 * (the root) appends them for them.  Ready after a few counts, with
 * init= (container) or the pids here of each process (nested). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "workload.h"

static const char *out_path;
static int pipe_w = -1;

/* fork(2) into a new pid namespace: the child is its pid 1. */
static pid_t newpid_fork(void)
{
	return (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_NEWPID | SIGCHLD), 0UL, 0UL, 0UL, 0UL);
}

static void tick(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

static void line(int fd, const char *tag, unsigned long long count)
{
	char buf[96];
	int n = snprintf(buf, sizeof(buf), "%s %llu %d %d\n", tag, count, (int)getpid(), (int)getppid());

	if (write(fd, buf, (size_t)n) != n)
		_exit(1);
}

/* Counts for ever; a pid 1 reaps what comes to it on the way. */
static void __attribute__((noreturn)) count(const char *tag)
{
	volatile unsigned long long n = 0;
	int fd = pipe_w >= 0 ? pipe_w : open(out_path, O_WRONLY | O_APPEND | O_CREAT, 0644);

	if (fd < 0)
		_exit(1);
	for (;;) {
		line(fd, tag, ++n);
		tick();
		while (getpid() == 1 && waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}

/* Counts, and appends what comes through the pipe's reading end r. */
static void __attribute__((noreturn)) count_and_relay(const char *tag, int r)
{
	volatile unsigned long long n = 0;
	int fd = open(out_path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	char buf[512];

	fcntl(r, F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t got;

		line(fd, tag, ++n);
		/* Lines from the pipe, whole: each writer writes one at a time. */
		while ((got = read(r, buf, sizeof(buf))) > 0)
			if (write(fd, buf, (size_t)got) != got)
				_exit(1);
		tick();
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}

/* The init of container mode, which appends its children's lines. */
static void __attribute__((noreturn)) container_init(int use_pipe)
{
	int p[2] = { -1, -1 };

	setsid();
	if (use_pipe && pipe(p) < 0)
		_exit(1);
	for (int i = 0; i < 2; i++) {
		pid_t c = fork();

		if (c < 0)
			_exit(1);
		if (c == 0) {
			if (use_pipe) {
				close(p[0]);
				pipe_w = p[1];
			}
			count(i == 0 ? "a" : "b");
		}
	}
	if (!use_pipe)
		count("init");
	close(p[1]);
	count_and_relay("init", p[0]);
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	const char *mode = argc > 3 ? argv[3] : "container";
	pid_t init, side, x;

	out_path = argc > 2 ? argv[2] : "pidns.out";
	for (int i = 0; i < 3; i++) {
		int null = open("/dev/null", i == 0 ? O_RDONLY : O_WRONLY);

		if (null != i && (null < 0 || dup2(null, i) < 0 || close(null) < 0))
			return 1;
	}
	if (strcmp(mode, "container") == 0) {
		if ((init = newpid_fork()) < 0) {
			perror("clone(CLONE_NEWPID)");
			return 1;
		}
		if (init == 0)
			container_init(argc > 4 && strcmp(argv[4], "pipe") == 0);
		for (int i = 0; i < 10; i++)
			tick();
		workload_ready(ready, "init=%d\n", (int)init);
		/* Reaps the init when the test kills it: its pid comes free. */
		for (;;)
			if (wait(NULL) < 0 && errno == ECHILD)
				pause();
	}
	if (strcmp(mode, "joined") == 0) {
		if (unshare(CLONE_NEWPID) < 0) {
			perror("unshare(CLONE_NEWPID)");
			return 1;
		}
		if ((side = fork()) == 0)
			count("first");
		if ((x = fork()) == 0)
			count("second");
		for (int i = 0; i < 10; i++)
			tick();
		workload_ready(ready, "first=%d\nsecond=%d\n", (int)side, (int)x);
		count("root");
	}
	if (strcmp(mode, "crossgroup") == 0) {
		if ((x = newpid_fork()) == 0) {
			if (fork() == 0)
				count("y");
			if (setpgid(0, 0) < 0)
				_exit(1);
			count("x");
		}
		if (x < 0)
			return 1;
		for (int i = 0; i < 10; i++)
			tick();
		workload_ready(ready, "x=%d\n", (int)x);
		count("root");
	}
	/* nested */
	int use_pipe = argc > 4 && strcmp(argv[4], "pipe") == 0, p[2] = { -1, -1 };

	if (use_pipe && pipe(p) < 0)
		return 1;
	if ((side = fork()) == 0)
		count("side");
	if ((x = newpid_fork()) == 0) {
		pid_t y = fork();

		if (y == 0) {
			if (newpid_fork() == 0) {
				if (use_pipe) {
					close(p[0]);
					pipe_w = p[1];
				}
				count("z");
			}
			count("y");
		}
		count("x");
	}
	if (side < 0 || x < 0)
		return 1;
	for (int i = 0; i < 10; i++)
		tick();
	workload_ready(ready, "side=%d\nx=%d\n", (int)side, (int)x);
	if (use_pipe) {
		close(p[1]);
		count_and_relay("root", p[0]);
	}
	count("root");
}
