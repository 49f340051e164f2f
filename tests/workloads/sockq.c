/* Unix sockets with something queued: a datagram socketpair and a
 * seqpacket socketpair holding messages of varied sizes (one longer than
 * ckpt's first peek buffer), a stream socketpair whose two ends are held
 * here, and one whose ends the parent and its child hold apart.  With
 * "inflight", a datagram carries two descriptors (SCM_RIGHTS), a stream
 * socket one in the middle of its bytes, a datagram socketpair holds
 * a zero-length message before another, and a named datagram socket one
 * message from a named sender.  On SIGUSR1
 * the parent reads every queue and writes what it read to READY-FILE.after
 * (nothing a checkpoint peeked may be missing), with each socket's
 * SO_PEEK_OFF (a checkpoint must have put back -1).
 *
 * Usage: sockq READY-FILE [inflight] */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "workload.h"

#ifndef SO_PEEK_OFF
#define SO_PEEK_OFF	42
#endif

static const size_t dgram_sizes[] = { 5, 1, 300, 4096, 70000, 12, 999, 2 };
static const size_t seqp_sizes[] = { 3, 100, 7, 2000 };
#define NDGRAM	(sizeof(dgram_sizes) / sizeof(dgram_sizes[0]))
#define NSEQP	(sizeof(seqp_sizes) / sizeof(seqp_sizes[0]))

static volatile sig_atomic_t verify;

static void on_usr1(int sig)
{
	(void)sig;
	verify = 1;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Message i: its size in bytes, each 'a' + i. */
static void send_msgs(int fd, const size_t *sizes, size_t n)
{
	static char buf[70000];

	for (size_t i = 0; i < n; i++) {
		memset(buf, 'a' + (int)i, sizes[i]);
		if (send(fd, buf, sizes[i], MSG_DONTWAIT) != (ssize_t)sizes[i])
			die("send");
	}
}

/* Reads fd's queue, appending "size/ok" per message to out. */
static void drain(FILE *out, const char *name, int fd)
{
	static char buf[80000];
	int off = 0;
	socklen_t len = sizeof(off);
	ssize_t n;
	int i = 0;

	getsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &off, &len);
	fprintf(out, "%s_peek_off=%d\n%s=", name, off, name);
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0) {
		bool same = true;

		for (ssize_t k = 0; k < n; k++)
			same = same && buf[k] == buf[0];
		fprintf(out, "%s%zd%s", i++ ? "," : "", n, same ? "" : "!");
		if (n == 0)
			break;
	}
	fprintf(out, "\n");
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	bool inflight = argc > 2 && strcmp(argv[2], "inflight") == 0;
	int dg[2], sq[2], st[2], pc[2], fl[2] = { -1, -1 }, fs[2] = { -1, -1 }, zq[2] = { -1, -1 }, carried[2];

	signal(SIGUSR1, on_usr1);
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sq) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, st) < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, pc) < 0)
		die("socketpair");
	send_msgs(dg[0], dgram_sizes, NDGRAM);
	send_msgs(sq[0], seqp_sizes, NSEQP);
	if (write(st[0], "ssssss", 6) != 6 || write(pc[0], "to-child", 8) != 8)
		die("write");
	if (inflight) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(2 * sizeof(int))];
		} ctl;
		struct iovec iov = { .iov_base = "fds", .iov_len = 3 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, fl) < 0 || pipe(carried) < 0)
			die("inflight");
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(2 * sizeof(int));
		memcpy(CMSG_DATA(cm), (int[]){ carried[0], dg[1] }, 2 * sizeof(int));
		if (sendmsg(fl[0], &mh, 0) != 3)
			die("sendmsg");
		/* The stream: "xx", then "yy" with the pipe, then "zz". */
		iov.iov_base = "yy";
		iov.iov_len = 2;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		mh.msg_controllen = CMSG_SPACE(sizeof(int));
		memcpy(CMSG_DATA(cm), &carried[1], sizeof(int));
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, fs) < 0 || write(fs[0], "xx", 2) != 2 ||
		    sendmsg(fs[0], &mh, 0) != 2 || write(fs[0], "zz", 2) != 2)
			die("stream inflight");
		/* A zero-length datagram first: a peek cannot see past it. */
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, zq) < 0 || send(zq[0], "", 0, 0) != 0 ||
		    send(zq[0], "after", 5, 0) != 5)
			die("zero-length");
		close(carried[0]);
		close(carried[1]);
	}
	/* An unconnected datagram socket with an abstract name, and one
	 * message from a sender with a name of its own (inflight only: the
	 * restorer does not rebind named sockets). */
	struct sockaddr_un rx = { .sun_family = AF_UNIX }, tx = { .sun_family = AF_UNIX };
	int named = -1, sender = -1;
	socklen_t rx_len = 0, tx_len = 0;

	if (inflight) {
		named = socket(AF_UNIX, SOCK_DGRAM, 0);
		sender = socket(AF_UNIX, SOCK_DGRAM, 0);
		rx_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				     (size_t)snprintf(rx.sun_path + 1, sizeof(rx.sun_path) - 1, "sockq-rx-%d",
						      (int)getpid()));
		tx_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				     (size_t)snprintf(tx.sun_path + 1, sizeof(tx.sun_path) - 1, "sockq-tx-%d",
						      (int)getpid()));
		if (named < 0 || sender < 0 || bind(named, (struct sockaddr *)&rx, rx_len) < 0 ||
		    bind(sender, (struct sockaddr *)&tx, tx_len) < 0 ||
		    sendto(sender, "hello", 5, 0, (struct sockaddr *)&rx, rx_len) != 5)
			die("named");
	}
	pid_t child = fork();

	if (child < 0)
		die("fork");
	if (child == 0) {
		close(pc[0]);
		for (;;)
			pause();
	}
	close(pc[1]);
	workload_ready(ready,
		       "child=%d\ndgram_r=%d\ndgram_w=%d\nseqp_r=%d\nseqp_w=%d\nstream_a=%d\nstream_b=%d\n"
		       "parent_end=%d\nchild_end=%d\nflight_r=%d\nflight_stream=%d\nzero_r=%d\nnamed=%d\nsender_len=%d\n",
		       (int)child, dg[1], dg[0], sq[1], sq[0], st[0], st[1], pc[0], pc[1], fl[1], fs[1], zq[1], named,
		       (int)tx_len);
	while (!verify)
		pause();
	char path[4096];

	snprintf(path, sizeof(path), "%s.after", argv[1]);
	FILE *out = fopen(path, "w");

	if (!out)
		die(path);
	drain(out, "dgram", dg[1]);
	drain(out, "seqp", sq[1]);
	drain(out, "stream", st[1]);
	fprintf(out, "done=1\n");
	fclose(out);
	for (;;)
		pause();
}
