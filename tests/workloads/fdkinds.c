/* Descriptors ckptrestore rebuilds beyond paths, each with state in it, and
 * after a restore the proof that each works on: a Unix stream socketpair
 * with bytes queued on both ends, a FIFO with bytes waiting, eventfds (one
 * a semaphore), timerfds (relative, absolute, one expired and not read),
 * a signalfd, an inotify watch of DIR and an epoll instance watching some
 * of them.  It sleeps until DIR/go appears, then reads every object once
 * and writes what it found to OUT, one "key value" line each, and
 * "done" last.
 *
 * Usage: fdkinds READY-FILE OUT DIR KINDS (KINDS: a comma-separated list
 * of sock, fifo, fd (eventfd, timerfd, signalfd), inotify, epoll; or all;
 * dgram: a datagram socketpair and a seqpacket one with messages of
 * varied sizes queued, each message's bytes 'a' + its place; fork: a
 * child takes the socketpair's
 * second end and the FIFO's reading end, and reads them). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>

#include "workload.h"

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static bool want(const char *kinds, const char *k)
{
	const char *s = kinds;
	size_t n = strlen(k);

	if (strcmp(kinds, "all") == 0)
		return true;
	while ((s = strstr(s, k))) {
		if ((s == kinds || s[-1] == ',') && (s[n] == ',' || s[n] == '\0'))
			return true;
		s += n;
	}
	return false;
}

static int64_t now_ns(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* What is waiting on fd, as text (no more than the buffer). */
static void show_bytes(FILE *out, const char *key, int fd)
{
	char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	fprintf(out, "%s %s\n", key, n > 0 ? (buf[n] = 0, buf) : n == 0 ? "EOF" : strerror(errno));
}

static void show_count(FILE *out, const char *key, int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		fprintf(out, "%s %llu\n", key, (unsigned long long)v);
	else
		fprintf(out, "%s %s\n", key, errno == EAGAIN ? "EAGAIN" : strerror(errno));
}

static void wait_for(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	while (access(path, F_OK) != 0) {
		struct timespec t = { 0, 50000000 };

		nanosleep(&t, NULL);
	}
}

/* Every message waiting on fd: "size,size,..." ("!" after one whose bytes
 * are not all 'a' + its place). */
static void show_msgs(FILE *out, const char *key, int fd)
{
	static char buf[8192];
	ssize_t n;

	fprintf(out, "%s", key);
	for (int i = 0; (n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0; i++) {
		bool same = true;

		for (ssize_t k = 0; k < n; k++)
			same = same && buf[k] == 'a' + i;
		fprintf(out, "%s%zd%s", i ? "," : " ", n, same ? "" : "!");
	}
	fprintf(out, "\n");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	int dg[2] = { -1, -1 }, sq[2] = { -1, -1 };
	int sp[2] = { -1, -1 }, fifo_r = -1, fifo_w = -1, efd = -1, sem = -1, trel = -1, tabs = -1, tdone = -1;
	int sfd = -1, ifd = -1, epfd = -1, out_fd;
	int64_t abs_end = 0;
	char path[4096];

	if (argc < 5) {
		fprintf(stderr, "usage: %s READY-FILE OUT DIR KINDS\n", argv[0]);
		return 2;
	}
	const char *dir = argv[3], *kinds = argv[4];

	out_fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (out_fd < 0)
		die(argv[2]);
	if (want(kinds, "sock")) {
		/* sp[1] has "sock-a1sock-a2" to read, sp[0] "sock-b1". */
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0 || write(sp[0], "sock-a1", 7) != 7 ||
		    write(sp[0], "sock-a2", 7) != 7 || write(sp[1], "sock-b1", 7) != 7 ||
		    fcntl(sp[1], F_SETFL, O_NONBLOCK) < 0)
			die("socketpair");
	}
	if (want(kinds, "dgram") && strcmp(kinds, "all") != 0) {
		static const size_t dsizes[] = { 5, 1, 300, 4096, 12 }, qsizes[] = { 3, 100, 7 };
		static char buf[4096];

		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sq) < 0)
			die("socketpair");
		for (size_t i = 0; i < sizeof(dsizes) / sizeof(dsizes[0]); i++) {
			memset(buf, 'a' + (int)i, dsizes[i]);
			if (send(dg[0], buf, dsizes[i], 0) != (ssize_t)dsizes[i])
				die("send");
		}
		for (size_t i = 0; i < sizeof(qsizes) / sizeof(qsizes[0]); i++) {
			memset(buf, 'a' + (int)i, qsizes[i]);
			if (send(sq[0], buf, qsizes[i], 0) != (ssize_t)qsizes[i])
				die("send");
		}
		if (send(sq[1], "back", 4, 0) != 4)
			die("send");
	}
	if (want(kinds, "fifo")) {
		snprintf(path, sizeof(path), "%s/fifo", dir);
		unlink(path);
		if (mkfifo(path, 0600) < 0 || (fifo_r = open(path, O_RDONLY | O_NONBLOCK)) < 0 ||
		    (fifo_w = open(path, O_WRONLY)) < 0 || write(fifo_w, "fifo-bytes", 10) != 10)
			die("fifo");
	}
	if (want(kinds, "fd")) {
		struct itimerspec rel = { .it_value = { 60, 0 } }, done = { .it_value = { 0, 1000000 } };
		struct itimerspec abs = { 0 };
		sigset_t mask;

		/* 5 + 3; a semaphore of 2 */
		efd = eventfd(5, 0);
		sem = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
		if (efd < 0 || sem < 0 || eventfd_write(efd, 3) < 0)
			die("eventfd");
		trel = timerfd_create(CLOCK_MONOTONIC, 0);
		tabs = timerfd_create(CLOCK_REALTIME, 0);
		tdone = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
		abs_end = now_ns(CLOCK_REALTIME) + 6000000000LL;
		abs.it_value.tv_sec = (time_t)(abs_end / 1000000000);
		abs.it_value.tv_nsec = (long)(abs_end % 1000000000);
		if (trel < 0 || tabs < 0 || tdone < 0 || timerfd_settime(trel, 0, &rel, NULL) < 0 ||
		    timerfd_settime(tabs, TFD_TIMER_ABSTIME, &abs, NULL) < 0 ||
		    timerfd_settime(tdone, 0, &done, NULL) < 0)
			die("timerfd");
		sigemptyset(&mask);
		sigaddset(&mask, SIGUSR2);
		if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 || (sfd = signalfd(-1, &mask, SFD_NONBLOCK)) < 0)
			die("signalfd");
	}
	if (want(kinds, "inotify")) {
		if ((ifd = inotify_init1(IN_NONBLOCK)) < 0 || inotify_add_watch(ifd, dir, IN_CREATE) != 1)
			die("inotify");
	}
	if (want(kinds, "epoll")) {
		struct epoll_event ev = { .events = EPOLLIN };

		if ((epfd = epoll_create1(0)) < 0)
			die("epoll_create1");
		/* Ready after restore: the eventfd, the socket, the FIFO; not
		 * ready: the 60 s timer. */
		ev.data.u64 = 0xfeed;
		if (efd >= 0 && epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &ev) < 0)
			die("epoll_ctl");
		ev.data.u64 = 0xbeef;
		if (sp[0] >= 0 && epoll_ctl(epfd, EPOLL_CTL_ADD, sp[0], &ev) < 0)
			die("epoll_ctl");
		ev.data.u64 = 0xf1f0;
		if (fifo_r >= 0 && epoll_ctl(epfd, EPOLL_CTL_ADD, fifo_r, &ev) < 0)
			die("epoll_ctl");
		ev.data.u64 = 0x7117;
		if (trel >= 0 && epoll_ctl(epfd, EPOLL_CTL_ADD, trel, &ev) < 0)
			die("epoll_ctl");
	}
	/* The one-shot timer of 1 ms has expired, unread, by now. */
	usleep(20000);
	pid_t child = 0;

	if (want(kinds, "fork") && strcmp(kinds, "all") != 0) {
		/* The other ends in a child: one end per process. */
		if ((child = fork()) < 0)
			die("fork");
		if (child == 0) {
			close(sp[0]);
			close(fifo_w);
			wait_for(dir, "go");
			FILE *out = fdopen(out_fd, "a");

			if (!out)
				die("fdopen");
			show_bytes(out, "sock1", sp[1]);
			fprintf(out, "sock1-nonblock %d\n", (fcntl(sp[1], F_GETFL) & O_NONBLOCK) != 0);
			show_bytes(out, "fifo", fifo_r);
			fclose(out);
			/* Once the parent has read what was queued. */
			wait_for(dir, "after");
			if (write(sp[1], "after", 5) != 5)
				die("write");
			_exit(0);
		}
		close(sp[1]);
		close(fifo_r);
		sp[1] = fifo_r = -1;
	}
	workload_ready(ready, "abs_end=%lld\nchild=%d\n", (long long)abs_end, (int)child);
	wait_for(dir, "go");
	FILE *out = fdopen(out_fd, "a");

	if (!out)
		die("fdopen");
	if (epfd >= 0) {
		struct epoll_event evs[8];
		uint64_t data[8];
		int n = epoll_wait(epfd, evs, 8, 0);

		fprintf(out, "epoll");
		for (int i = 0; i < n; i++)
			data[i] = evs[i].data.u64;
		qsort(data, n > 0 ? (size_t)n : 0, sizeof(data[0]), cmp_u64);
		for (int i = 0; i < n; i++)
			fprintf(out, " %llx", (unsigned long long)data[i]);
		fprintf(out, "\n");
	}
	if (sp[0] >= 0) {
		show_bytes(out, "sock0", sp[0]);
		if (sp[1] >= 0) {
			show_bytes(out, "sock1", sp[1]);
			fprintf(out, "sock1-nonblock %d\n", (fcntl(sp[1], F_GETFL) & O_NONBLOCK) != 0);
			/* Still connected: what one end sends the other reads. */
			if (write(sp[1], "after", 5) != 5)
				die("write");
		} else if (child > 0) {
			snprintf(path, sizeof(path), "%s/after", dir);
			if (close(open(path, O_CREAT | O_WRONLY, 0600)) < 0 || waitpid(child, NULL, 0) < 0)
				die("after");
		}
		show_bytes(out, "sock0-after", sp[0]);
	}
	if (dg[0] >= 0) {
		show_msgs(out, "dgram", dg[1]);
		show_msgs(out, "seqp", sq[1]);
		show_bytes(out, "seqp-back", sq[0]);
	}
	if (fifo_r >= 0) {
		show_bytes(out, "fifo", fifo_r);
		if (write(fifo_w, "more", 4) != 4)
			die("write");
		show_bytes(out, "fifo-after", fifo_r);
	}
	if (efd >= 0) {
		show_count(out, "eventfd", efd);
		show_count(out, "sem1", sem);
		show_count(out, "sem2", sem);
		show_count(out, "sem3", sem);
		show_count(out, "timer-expired", tdone);
		struct itimerspec left;

		if (timerfd_gettime(trel, &left) < 0)
			die("timerfd_gettime");
		fprintf(out, "timer-left-ms %lld\n", (long long)left.it_value.tv_sec * 1000 + left.it_value.tv_nsec / 1000000);
		/* The absolute timer ends at its time: when it is still armed,
		 * now and the time left say when (a slow run may come here
		 * after it fired: "fired"); then it fires, not earlier. */
		struct pollfd pf = { .fd = tabs, .events = POLLIN };
		struct itimerspec at;

		if (timerfd_gettime(tabs, &at) < 0)
			die("timerfd_gettime");
		if (at.it_value.tv_sec || at.it_value.tv_nsec)
			fprintf(out, "timer-abs-end-off-ms %lld\n",
				(long long)((now_ns(CLOCK_REALTIME) + at.it_value.tv_sec * 1000000000LL + at.it_value.tv_nsec -
					     abs_end) / 1000000));
		else
			fprintf(out, "timer-abs-end-off-ms fired\n");

		if (poll(&pf, 1, 10000) == 1) {
			int64_t late = now_ns(CLOCK_REALTIME) - abs_end;

			fprintf(out, "timer-abs-late-ms %lld\n", (long long)(late / 1000000));
		} else {
			fprintf(out, "timer-abs-late-ms never\n");
		}
		struct signalfd_siginfo si;

		pf.fd = sfd;
		fprintf(out, "signal %d\n", poll(&pf, 1, 5000) == 1 && read(sfd, &si, sizeof(si)) == sizeof(si) ?
			(int)si.ssi_signo : 0);
	}
	if (ifd >= 0) {
		char buf[4096] __attribute__((aligned(8)));
		ssize_t n = read(ifd, buf, sizeof(buf));
		const struct inotify_event *ev = (const struct inotify_event *)buf;

		if (n >= (ssize_t)sizeof(*ev) && ev->len)
			fprintf(out, "inotify %d %s%s\n", ev->wd, ev->mask & IN_CREATE ? "create " : "", ev->name);
		else
			fprintf(out, "inotify none\n");
	}
	fprintf(out, "done\n");
	fclose(out);
	for (;;)
		pause();
}
