/* A fanotify group with an inode mark, an ignore mark, a mount mark and
 * a filesystem mark, for ckpt to find in the group's fdinfo.  Needs
 * CAP_SYS_ADMIN: without it the ready file says skip=1.
 *
 * Usage: fanotify READY-FILE DIR (DIR: a directory it may create files in) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/fanotify.h>

#include "workload.h"

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	char watched[4096], ignored[4096];

	if (argc < 3)
		die("usage: fanotify READY-FILE DIR");
	snprintf(watched, sizeof(watched), "%s/watched", argv[2]);
	snprintf(ignored, sizeof(ignored), "%s/ignored", argv[2]);
	int w = open(watched, O_CREAT | O_WRONLY, 0600), g = open(ignored, O_CREAT | O_WRONLY, 0600);

	if (w < 0 || g < 0)
		die("create");
	close(w);
	close(g);
	int fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE);

	if (fd < 0 && errno == EPERM) {
		workload_ready(ready, "skip=1\n");
		for (;;)
			pause();
	}
	if (fd < 0)
		die("fanotify_init");
	if (fanotify_mark(fd, FAN_MARK_ADD, FAN_OPEN | FAN_CLOSE_WRITE, AT_FDCWD, watched) < 0 ||
	    fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORED_SURV_MODIFY, FAN_OPEN,
			  AT_FDCWD, ignored) < 0 ||
	    fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN, AT_FDCWD, argv[2]) < 0 ||
	    fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_CLOSE_WRITE, AT_FDCWD, argv[2]) < 0)
		die("fanotify_mark");
	workload_ready(ready, "fan_fd=%d\n", fd);
	for (;;)
		pause();
}
