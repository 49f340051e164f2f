/* Seccomp filters for the restorer, installed in this order:
 *   1. getppid fails with errno 42, seccomp(2) with EPERM (so the next
 *      filters go in with prctl(PR_SET_SECCOMP));
 *   2. getuid returns SECCOMP_RET_TRACE (no tracer: ENOSYS);
 *   3. prctl fails with EPERM, and munmap kills the process.
 * A restorer that installs them must keep them from its own later calls
 * (seccomp, prctl, munmap of its code page).
 *
 *   filtered READY-FILE OUT-FILE [strict]
 *
 * Every 20 ms it counts and appends "COUNT GETPPID-ERRNO GETUID-ERRNO\n"
 * to OUT-FILE ("N 42 38" while the filters hold).  Ready after 5 counts.
 *
 * With "strict": no filters but strict mode (read, write, _exit and
 * sigreturn only): it spins instead of sleeping and appends "COUNT\n"
 * every few million turns; its ready file is written, not closed.
 *
 * With "fork": the parent installs the first two filters and forks; the
 * child inherits them, installs the third and counts; the parent waits.
 * (The child's image then shares its two oldest filters with the
 * parent's: EXT_SECCOMP_SHARED.) */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <time.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "workload.h"

#define NR offsetof(struct seccomp_data, nr)
/* nr == SYSCALL: return ACTION, else allow (3 instructions, + the load). */
#define ON(sys, action) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (sys), 0, 1), BPF_STMT(BPF_RET | BPF_K, (action))

#define LEN(prog) ((unsigned short)(sizeof(prog) / sizeof((prog)[0])))

static int count(int fd, FILE *ready, pid_t parent);

static int install(struct sock_filter *prog, unsigned short len, int with_prctl)
{
	struct sock_fprog fp = { len, prog };

	if (with_prctl)
		return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0);
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp);
}

/* Strict mode: nothing but write(2) from here on. */
static int strict(FILE *ready, int fd)
{
	char line[64], said[64];
	int rfd = fileno(ready);

	snprintf(said, sizeof(said), "pid=%d\nready=1\n", (int)getpid());
	fflush(ready);
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) < 0)
		return 1;
	for (unsigned long count = 1;; count++) {
		for (volatile unsigned long spin = 0; spin < 40000000; spin++)
			;
		snprintf(line, sizeof(line), "%lu\n", count);
		if (write(fd, line, strlen(line)) < 0)
			return 1;
		if (count == 5) {
			if (write(rfd, said, strlen(said)) < 0)
				return 1;
		}
	}
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	const char *out = argc > 2 ? argv[2] : "filtered.out";
	struct sock_filter first[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
		ON(SYS_getppid, SECCOMP_RET_ERRNO | 42),
		ON(SYS_seccomp, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_filter second[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
		ON(SYS_getuid, SECCOMP_RET_TRACE),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_filter third[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
		ON(SYS_prctl, SECCOMP_RET_ERRNO | EPERM),
		ON(SYS_munmap, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	bool forked = argc > 3 && strcmp(argv[3], "fork") == 0;
	int fd;

	if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644)) < 0)
		return 1;
	if (argc > 3 && strcmp(argv[3], "strict") == 0)
		return strict(ready, fd);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || install(first, LEN(first), 0) < 0 ||
	    install(second, LEN(second), 1) < 0)
		return 1;
	/* "fork": the child inherits the first two and adds the third, its
	 * own; the child counts, the parent waits. */
	if (forked) {
		pid_t parent = getpid(), child = fork();

		if (child < 0)
			return 1;
		if (child > 0)
			workload_idle();
		if (install(third, LEN(third), 1) < 0)
			return 1;
		return count(fd, ready, parent);
	}
	if (install(third, LEN(third), 1) < 0)
		return 1;
	return count(fd, ready, 0);
}

/* Every 20 ms: the count and what getppid and getuid fail with; the
 * ready file after 5 (pid= the parent's when forked). */
static int count(int fd, FILE *ready, pid_t parent)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	char line[64];

	for (unsigned long n = 1;; n++) {
		int ppid_errno, uid_errno;

		errno = 0;
		ppid_errno = syscall(SYS_getppid) < 0 ? errno : 0;
		errno = 0;
		uid_errno = syscall(SYS_getuid) < 0 ? errno : 0;
		snprintf(line, sizeof(line), "%lu %d %d\n", n, ppid_errno, uid_errno);
		if (write(fd, line, strlen(line)) < 0)
			return 1;
		if (n == 5 && ready && parent) {
			fprintf(ready, "pid=%d\nchild=%d\nready=1\n", (int)parent, (int)getpid());
			if (fclose(ready) != 0)
				return 1;
			ready = NULL;
		} else if (n == 5 && ready) {
			workload_ready(ready, "parent=0\n");
			ready = NULL;
		}
		nanosleep(&tick, NULL);
	}
}
