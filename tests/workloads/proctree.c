/* A process tree for the restorer: the root (a session leader) with a
 * child that leads its own process group and has a grandchild in that
 * group, and a second child that leads its own session.  The first child
 * counts every 20 ms from a counter in its memory.
 *
 *   proctree READY-FILE OUT-FILE [pipe]
 *
 * Without "pipe" the child appends "COUNT\n" to OUT-FILE itself; with it,
 * it writes the 8-byte count into a pipe and the root reads it and appends
 * it to OUT-FILE (a pipe whose ends are in two processes of the tree).
 * Ready after 5 counts, with child=, grandchild=, session= pids. */
#include "config.h"

#include <fcntl.h>
#include <time.h>

#include "workload.h"

static void tick(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	const char *out = argc > 2 ? argv[2] : "proctree.out";
	int use_pipe = argc > 3 && strcmp(argv[3], "pipe") == 0;
	volatile uint64_t count = 0;
	pid_t child, grandchild = 0, session;
	int p[2] = { -1, -1 }, fd, report[2];

	for (int i = 0; i < 3; i++) {
		int null = open("/dev/null", i == 0 ? O_RDONLY : O_WRONLY);

		if (null != i && (null < 0 || dup2(null, i) < 0 || close(null) < 0))
			return 1;
	}
	if ((use_pipe && pipe(p) < 0) || pipe(report) < 0)
		return 1;
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		setpgid(0, 0);
		grandchild = fork();
		if (grandchild == 0) {
			close(report[0]);
			close(report[1]);
			if (use_pipe) {
				close(p[0]);
				close(p[1]);
			}
			workload_idle();
		}
		if (write(report[1], &grandchild, sizeof(grandchild)) != (ssize_t)sizeof(grandchild))
			_exit(1);
		close(report[1]);
		close(report[0]);
		if (use_pipe) {
			close(p[0]);
			fd = p[1];
		} else {
			fd = open(out, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC, 0644);
		}
		for (;;) {
			char line[32];
			int n;

			count++;
			if (use_pipe) {
				uint64_t v = count;

				if (write(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
					_exit(1);
			} else {
				n = snprintf(line, sizeof(line), "%llu\n", (unsigned long long)count);
				if (write(fd, line, (size_t)n) != n)
					_exit(1);
			}
			tick();
		}
	}
	close(report[1]);
	if (read(report[0], &grandchild, sizeof(grandchild)) != (ssize_t)sizeof(grandchild))
		return 1;
	close(report[0]);
	session = fork();
	if (session < 0)
		return 1;
	if (session == 0) {
		setsid();
		if (use_pipe) {
			close(p[0]);
			close(p[1]);
		}
		workload_idle();
	}
	if (!use_pipe) {
		tick();
		for (int i = 0; i < 5; i++)
			tick();
		workload_ready(ready, "child=%d\ngrandchild=%d\nsession=%d\n", (int)child, (int)grandchild,
			       (int)session);
		workload_idle();
	}
	close(p[1]);
	fd = open(out, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC, 0644);
	for (int n = 0;; n++) {
		uint64_t v;
		char line[32];
		int len;

		if (read(p[0], &v, sizeof(v)) != (ssize_t)sizeof(v))
			return 1;
		len = snprintf(line, sizeof(line), "%llu\n", (unsigned long long)v);
		if (write(fd, line, (size_t)len) != len)
			return 1;
		if (n == 5)
			workload_ready(ready, "child=%d\ngrandchild=%d\nsession=%d\n", (int)child, (int)grandchild,
				       (int)session);
	}
}
