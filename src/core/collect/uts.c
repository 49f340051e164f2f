/* The uname strings of a task's uts namespace.
 *
 * /proc/sys/kernel/hostname answers for the namespace of the READER, even
 * through /proc/PID/root, so the only way to see a task's own hostname is
 * to enter its namespace: a short-lived child does setns(2) into
 * /proc/PID/ns/uts, calls uname(2) and sends the answer back through a
 * pipe, leaving ckpt's own namespace untouched. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collect/collect_impl.h"

static void copy_uts(struct ckpt_uts *u, const struct utsname *n)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->sysname, sizeof(u->sysname), "%s", n->sysname);
	snprintf(u->nodename, sizeof(u->nodename), "%s", n->nodename);
	snprintf(u->release, sizeof(u->release), "%s", n->release);
	snprintf(u->version, sizeof(u->version), "%s", n->version);
	snprintf(u->machine, sizeof(u->machine), "%s", n->machine);
	snprintf(u->domainname, sizeof(u->domainname), "%s", n->domainname);
}

int ckpt_uts_of(pid_t tid, struct ckpt_uts *u, char *err, size_t errsize)
{
	char path[64];
	struct stat mine, theirs;
	struct utsname n;
	int pipefd[2], status, fd;
	pid_t child;

	snprintf(path, sizeof(path), "/proc/%d/ns/uts", (int)tid);
	if (stat(path, &theirs) < 0) {
		snprintf(err, errsize, "pid %d: cannot read its uts namespace: %s", (int)tid, strerror(errno));
		return -1;
	}
	/* Our own namespace: no need to fork. */
	if (stat("/proc/self/ns/uts", &mine) == 0 && mine.st_ino == theirs.st_ino &&
	    mine.st_dev == theirs.st_dev) {
		if (uname(&n) < 0) {
			snprintf(err, errsize, "uname: %s", strerror(errno));
			return -1;
		}
		copy_uts(u, &n);
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errsize, "pid %d: cannot open %s: %s", (int)tid, path, strerror(errno));
		return -1;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(err, errsize, "pipe: %s", strerror(errno));
		close(fd);
		return -1;
	}
	child = fork();
	if (child < 0) {
		snprintf(err, errsize, "fork: %s", strerror(errno));
		close(fd);
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (child == 0) {
		/* Only async-signal-safe calls from here: the parent may hold
		 * locks.  The answer is the raw struct, or a 4-byte errno. */
		close(pipefd[0]);
		if (setns(fd, CLONE_NEWUTS) < 0 || uname(&n) < 0) {
			int e = errno;

			if (write(pipefd[1], &e, sizeof(e)) < 0)
				_exit(1);
			_exit(1);
		}
		_exit(write(pipefd[1], &n, sizeof(n)) == (ssize_t)sizeof(n) ? 0 : 1);
	}
	close(fd);
	close(pipefd[1]);
	size_t got = 0;
	char *dst = (char *)&n;

	while (got < sizeof(n)) {
		ssize_t r = read(pipefd[0], dst + got, sizeof(n) - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(pipefd[0]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (got != sizeof(n)) {
		int e = 0;

		if (got == sizeof(e))
			memcpy(&e, &n, sizeof(e));
		snprintf(err, errsize, "pid %d: cannot enter its uts namespace: %s", (int)tid,
			 e ? strerror(e) : "helper failed");
		return -1;
	}
	copy_uts(u, &n);
	return 0;
}
