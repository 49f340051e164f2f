/* A job of a terminal: descriptors 0-2 on a terminal that is also its
 * controlling one (a shell job's), counting and reading lines.
 *
 *   ttyjob READY-FILE
 *
 * Every 50 ms it writes "tick N" (N counting up from 1) to standard
 * output; a line read from standard input is answered "got LINE", and the
 * line "where" with "where fg=F pgrp=G sid=S ws=ROWSxCOLS" (the terminal's
 * foreground group, its own group and session, the window size), written
 * through a descriptor of /dev/tty (its controlling terminal) it opened; the
 * line "quit" ends it with status 0 (a poll interrupted, as a restore may
 * leave it, is no end).  Ready once "tick 5" is written,
 * with count=5 and the terminal's name (tty=/dev/pts/N). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <stdbool.h>

#include "workload.h"

static void say(const char *line)
{
	if (write(1, line, strlen(line)) < 0)
		_exit(3);
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	/* volatile: the count lives in memory a restore must bring back. */
	volatile unsigned long count = 0;
	char buf[512];
	size_t have = 0;
	int tty;

	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "ttyjob: standard input and output must be a terminal\n");
		return 2;
	}
	if ((tty = open("/dev/tty", O_WRONLY | O_CLOEXEC)) < 0) {
		perror("/dev/tty");
		return 2;
	}
	for (;;) {
		struct pollfd p = { .fd = 0, .events = POLLIN };
		int r = poll(&p, 1, 50);

		if (r > 0 && (p.revents & POLLIN)) {
			ssize_t n = read(0, buf + have, sizeof(buf) - 1 - have);

			if (n <= 0)
				return 4;
			have += (size_t)n;
			char *nl;

			while ((nl = memchr(buf, '\n', have))) {
				*nl = '\0';
				if (strcmp(buf, "quit") == 0)
					return 0;
				if (strcmp(buf, "where") == 0) {
					struct winsize ws = { 0 };
					char line[160];

					ioctl(0, TIOCGWINSZ, &ws);
					snprintf(line, sizeof(line), "where fg=%d pgrp=%d sid=%d ws=%ux%u\n",
						 (int)tcgetpgrp(0), (int)getpgrp(), (int)getsid(0), ws.ws_row,
						 ws.ws_col);
					if (write(tty, line, strlen(line)) < 0)
						_exit(3);
				}
				char line[600];

				snprintf(line, sizeof(line), "got %s\n", buf);
				say(line);
				have -= (size_t)(nl + 1 - buf);
				memmove(buf, nl + 1, have);
			}
			if (have == sizeof(buf) - 1)
				have = 0;
		} else if ((r < 0 && errno != EINTR) || (r > 0 && (p.revents & (POLLHUP | POLLERR)))) {
			return 5;
		}
		char line[64];

		snprintf(line, sizeof(line), "tick %lu\n", ++count);
		say(line);
		if (count == 5)
			workload_ready(ready, "count=5\ntty=%s\n", ttyname(0));
	}
}
