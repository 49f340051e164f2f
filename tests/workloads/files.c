/* Open files, pipes and signal state at known values, and a child that
 * shares the open file descriptions (not the table) after fork.
 *
 *   files READY-FILE DIR
 *
 * The parent holds (the numbers are in the ready file):
 *   fd_rw  DIR/data O_RDWR, at offset 1234
 *   fd_ro  DIR/data again, O_RDONLY|O_CLOEXEC, at offset 77 (its own description)
 *   fd_log DIR/log O_WRONLY|O_APPEND, at offset 5 after writing "hello"
 *   pipe_r, pipe_w  a pipe, the write end O_NONBLOCK, 100 bytes in it
 *   fd 50  dup of fd_rw (one description, two descriptors)
 * then forks; the child opens DIR/child O_RDONLY at offset 999 as fd 60.
 * Both: umask 027, cwd DIR, SIGUSR1 and SIGRTMIN+2 blocked, SIGUSR2
 * ignored, SIGHUP caught, RLIMIT_NOFILE 200/300.  The parent raises SIGUSR1
 * at itself (a thread's private queue) and queues SIGRTMIN+2 with value
 * 4242 to its process (the shared queue). */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "workload.h"

static void on_hup(int sig)
{
	(void)sig;
}

static int open_at(const char *dir, const char *name, int flags, off_t pos)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, flags, 0644);
	if (fd < 0 || lseek(fd, pos, SEEK_SET) < 0) {
		perror(path);
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	const char *dir = argc > 2 ? argv[2] : ".";
	char block[10000];
	int p[2];
	sigset_t set;
	struct sigaction sa = { .sa_handler = on_hup };
	struct rlimit rl = { 200, 300 };
	union sigval value = { .sival_int = 4242 };

	int fd = open_at(dir, "data", O_RDWR | O_CREAT | O_TRUNC, 0);

	memset(block, 'x', sizeof(block));
	if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
		return 1;
	lseek(fd, 1234, SEEK_SET);
	int ro = open_at(dir, "data", O_RDONLY | O_CLOEXEC, 77);
	int log = open_at(dir, "log", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0);

	if (write(log, "hello", 5) != 5 || pipe(p) < 0 || fcntl(p[1], F_SETFL, O_NONBLOCK) < 0 ||
	    write(p[1], block, 100) != 100 || dup2(fd, 50) < 0)
		return 1;
	umask(027);
	if (chdir(dir) < 0 || setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMIN + 2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGUSR2, SIG_IGN);
	sigaction(SIGHUP, &sa, NULL);

	pid_t child = fork();

	if (child < 0)
		return 1;
	if (child == 0) {
		/* The ready file is the parent's to write. */
		fclose(ready);
		int c = open_at(dir, "child", O_RDONLY | O_CREAT, 999);

		if (dup2(c, 60) < 0)
			return 1;
		close(c);
		workload_idle();
	}
	raise(SIGUSR1);
	sigqueue(getpid(), SIGRTMIN + 2, value);
	/* The child's fd 60 is open before ready: wait for it. */
	for (int i = 0; i < 2000; i++) {
		char link[64], target[4096];

		snprintf(link, sizeof(link), "/proc/%d/fd/60", (int)child);
		if (readlink(link, target, sizeof(target)) > 0)
			break;
		usleep(1000);
	}
	workload_ready(ready, "child=%d\nfd_rw=%d\nfd_ro=%d\nfd_log=%d\npipe_r=%d\npipe_w=%d\n", (int)child, fd, ro,
		       log, p[0], p[1]);
	workload_idle();
}
