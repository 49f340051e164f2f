/* A pty pair with both ends in the tree, the slave the controlling
 * terminal of a session of the tree (what script(1) or a terminal
 * multiplexer makes).
 *
 *   ptypair READY-FILE OUT-FILE
 *
 * The parent opens a pty master (posix_openpt), unlocks it and forks a
 * child that makes a session of its own (setsid), opens the slave and
 * makes it its controlling terminal (TIOCSCTTY), its descriptors 0-2 on
 * it, and runs in the terminal's foreground group.  Every 50 ms the child
 * writes "tick N fg=F sid=S" to the terminal (N counting up from 1; F the
 * terminal's foreground group, tcgetpgrp(), -1 when the slave is not its
 * controlling terminal; S its session); a line read from it is answered
 * "got LINE".  The parent copies what it reads from the master to
 * OUT-FILE and, every 10 ticks it sees, writes "ping K" to the master.
 * Ready once the parent has seen "tick 5", with child=PID. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "workload.h"

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void child(int master)
{
	char name[64], buf[512], line[640];
	volatile unsigned long count = 0;
	size_t have = 0;
	int slave;

	if (ptsname_r(master, name, sizeof(name)) != 0)
		_exit(1);
	close(master);
	if (setsid() < 0 || (slave = open(name, O_RDWR | O_NOCTTY)) < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		_exit(1);
	dup2(slave, 0);
	dup2(slave, 1);
	dup2(slave, 2);
	if (slave > 2)
		close(slave);
	for (;;) {
		struct pollfd p = { .fd = 0, .events = POLLIN };
		int r = poll(&p, 1, 50);

		if (r > 0 && (p.revents & POLLIN)) {
			ssize_t n = read(0, buf + have, sizeof(buf) - 1 - have);
			char *nl;

			if (n <= 0)
				_exit(4);
			have += (size_t)n;
			while ((nl = memchr(buf, '\n', have))) {
				*nl = '\0';
				snprintf(line, sizeof(line), "got %s\n", buf);
				if (write(1, line, strlen(line)) < 0)
					_exit(3);
				have -= (size_t)(nl + 1 - buf);
				memmove(buf, nl + 1, have);
			}
			if (have == sizeof(buf) - 1)
				have = 0;
		} else if (r < 0 && errno != EINTR) {
			_exit(5);
		}
		snprintf(line, sizeof(line), "tick %lu fg=%d sid=%d\n", ++count, (int)tcgetpgrp(0), (int)getsid(0));
		if (write(1, line, strlen(line)) < 0)
			_exit(3);
	}
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	struct termios t;
	char buf[4096];
	unsigned long ticks = 0, pings = 0;
	int master, out;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: %s READY-FILE OUT-FILE\n", argv[0]);
		return 2;
	}
	if ((out = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0)
		die(argv[2]);
	if ((master = posix_openpt(O_RDWR | O_NOCTTY)) < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
		die("posix_openpt");
	/* Raw output: lines arrive as written, without \r. */
	if (tcgetattr(master, &t) == 0) {
		t.c_oflag &= ~(tcflag_t)OPOST;
		tcsetattr(master, TCSANOW, &t);
	}
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0)
		child(master);
	for (;;) {
		ssize_t n = read(master, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 4;
		if (write(out, buf, (size_t)n) != n)
			return 3;
		for (ssize_t i = 0; i + 4 < n; i++)
			if (memcmp(buf + i, "tick", 4) == 0 && ++ticks % 10 == 0) {
				char ping[32];
				int len = snprintf(ping, sizeof(ping), "ping %lu\n", ++pings);

				if (write(master, ping, (size_t)len) != len)
					return 3;
			}
		if (ticks >= 5 && ready) {
			workload_ready(ready, "child=%d\n", (int)pid);
			ready = NULL;
		}
	}
}
