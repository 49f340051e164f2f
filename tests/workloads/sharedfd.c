/* A memfd and an unlinked file whose open file descriptions a parent and
 * its forked child share: after a restore a seek by one must move the
 * position the other sees, as before the checkpoint.
 *
 *   sharedfd READY-FILE OUT-FILE DIR
 *
 * The parent makes a memfd "ckptsharedfd" of one page and an unlinked file
 * (DIR/gone) of one page, both left at position 4096, and forks.  Once
 * DIR/go exists the child seeks the memfd to 1000 and reads 10 bytes, the
 * unlinked file to 50 and reads 7, and exits; the parent reaps it and
 * appends "memfd-pos P\nunlinked-pos Q\ndone\n" to OUT-FILE (1010 and 57
 * when the descriptions are shared, 4096 when they are not). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "workload.h"

#define PAGE 4096

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void wait_go(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/go", dir);
	while (access(path, F_OK) != 0) {
		struct timespec t = { 0, 50000000 };

		nanosleep(&t, NULL);
	}
}

static void seek_read(int fd, off_t at, size_t len)
{
	char buf[64];

	if (lseek(fd, at, SEEK_SET) != at || read(fd, buf, len) != (ssize_t)len)
		_exit(1);
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	char page[PAGE], path[4096];
	int mfd, gone, out;
	pid_t child;

	if (argc < 4) {
		fprintf(stderr, "usage: %s READY-FILE OUT-FILE DIR\n", argv[0]);
		return 2;
	}
	memset(page, 0x5a, sizeof(page));
	if ((out = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0)
		die(argv[2]);
	if ((mfd = memfd_create("ckptsharedfd", 0)) < 0 || write(mfd, page, PAGE) != PAGE)
		die("memfd");
	snprintf(path, sizeof(path), "%s/gone", argv[3]);
	if ((gone = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0 || write(gone, page, PAGE) != PAGE ||
	    unlink(path) < 0)
		die(path);
	if ((child = fork()) < 0)
		die("fork");
	if (child == 0) {
		wait_go(argv[3]);
		seek_read(mfd, 1000, 10);
		seek_read(gone, 50, 7);
		_exit(0);
	}
	workload_ready(ready, "child=%d\n", (int)child);
	wait_go(argv[3]);
	if (waitpid(child, NULL, 0) != child)
		die("waitpid");
	dprintf(out, "memfd-pos %lld\nunlinked-pos %lld\ndone\n", (long long)lseek(mfd, 0, SEEK_CUR),
		(long long)lseek(gone, 0, SEEK_CUR));
	for (;;)
		pause();
}
