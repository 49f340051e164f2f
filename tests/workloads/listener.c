/* An ordinary server: listens on DIR/sock (Unix stream, backlog 7, its
 * file mode 0640), on 127.0.0.1 at an ephemeral TCP port (SO_REUSEADDR,
 * non-blocking, backlog 9), on an abstract Unix name (seqpacket, backlog
 * 3) and on [::1] at an ephemeral TCP port (IPV6_V6ONLY, SO_REUSEADDR,
 * backlog 4), and answers each connection on any with the number of
 * connections it has served, counting this one ("3\n"), then closes it.
 * A restore that loses its memory starts again at 1.
 *
 *   listener READY DIR [waiting]
 *	ready: unix=DIR/sock tcp=PORT abstract=NAME tcp6=PORT.  "waiting":
 *	it connects to the first two itself, closes its ends and never
 *	accepts: a connection waits on each of them.  "fork": a child it
 *	forks after listening serves (a prefork server): parent and child
 *	hold the same four listening sockets; ready: child=PID too.
 *   listener --connect unix PATH | tcp PORT | abstract NAME | tcp6 PORT
 *	the client: prints the answer.
 *   listener --hold PORT
 *	listens on 127.0.0.1:PORT (SO_REUSEADDR) until killed: the address
 *	is in use. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "workload.h"

static unsigned long served;

static int unix_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -1;
	strcpy(sun->sun_path, path);
	return 0;
}

/* An abstract name: a NUL, then name; its length. */
static socklen_t abstract_addr(const char *name, struct sockaddr_un *sun)
{
	size_t n = strlen(name);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n + 1 > sizeof(sun->sun_path))
		n = sizeof(sun->sun_path) - 1;
	memcpy(sun->sun_path + 1, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static void inet6_addr_of(int port, struct sockaddr_in6 *sin6)
{
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)port);
	sin6->sin6_addr = in6addr_loopback;
}

static void inet_addr_of(int port, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static int tcp_listener(int port, int backlog, int flags)
{
	struct sockaddr_in sin;
	int one = 1, s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);

	inet_addr_of(port, &sin);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(s, backlog) < 0)
		return -1;
	return s;
}

static int client(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct sockaddr_in sin;
	char buf[64];
	ssize_t n;
	int s;

	if (argc < 4)
		return 2;
	if (strcmp(argv[2], "unix") == 0) {
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (s < 0 || unix_addr(argv[3], &sun) < 0 || connect(s, (struct sockaddr *)&sun, sizeof(sun)) < 0)
			return 1;
	} else if (strcmp(argv[2], "abstract") == 0) {
		socklen_t len = abstract_addr(argv[3], &sun);

		s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&sun, len) < 0)
			return 1;
	} else if (strcmp(argv[2], "tcp6") == 0) {
		struct sockaddr_in6 sin6;

		inet6_addr_of(atoi(argv[3]), &sin6);
		s = socket(AF_INET6, SOCK_STREAM, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&sin6, sizeof(sin6)) < 0)
			return 1;
	} else {
		inet_addr_of(atoi(argv[3]), &sin);
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			return 1;
	}
	while ((n = read(s, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			return 1;
	return n < 0;
}

/* Connects to the listener at addr and closes its end: the connection
 * waits in the listener's queue until accepted. */
static int leave_waiting(int family, const struct sockaddr *addr, socklen_t len)
{
	int s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0 || connect(s, addr, len) < 0)
		return -1;
	return close(s);
}

static void answer(int listener)
{
	char line[32];
	int c = accept4(listener, NULL, NULL, SOCK_CLOEXEC);

	if (c < 0)
		return;
	served++;
	snprintf(line, sizeof(line), "%lu\n", served);
	/* A client gone before the answer changes nothing. */
	ssize_t w = write(c, line, strlen(line));

	(void)w;
	close(c);
}

/* The abstract seqpacket listener and the TCP6 one; ready facts for both
 * in facts. */
static int more_listeners(int *as, int *t6, char *facts, size_t size)
{
	struct sockaddr_un sun;
	struct sockaddr_in6 sin6;
	socklen_t len = sizeof(sin6);
	char name[64];
	int one = 1;

	snprintf(name, sizeof(name), "ckpttools-listener-%d", (int)getpid());
	*as = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (*as < 0 || bind(*as, (struct sockaddr *)&sun, abstract_addr(name, &sun)) < 0 || listen(*as, 3) < 0)
		return -1;
	inet6_addr_of(0, &sin6);
	*t6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*t6 < 0 || setsockopt(*t6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
	    setsockopt(*t6, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(*t6, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 || listen(*t6, 4) < 0 ||
	    getsockname(*t6, (struct sockaddr *)&sin6, &len) < 0)
		return -1;
	snprintf(facts, size, "abstract=%s\ntcp6=%d\n", name, ntohs(sin6.sin6_port));
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct pollfd pf[4];
	char path[256], more[128];
	FILE *ready;
	int us, ts, as, t6;

	if (argc > 1 && strcmp(argv[1], "--connect") == 0)
		return client(argc, argv);
	if (argc > 2 && strcmp(argv[1], "--hold") == 0) {
		if (tcp_listener(atoi(argv[2]), 1, 0) < 0)
			return 1;
		workload_idle();
	}
	ready = workload_open(argc, argv);
	if (argc < 3)
		return 2;
	snprintf(path, sizeof(path), "%s/sock", argv[2]);
	unlink(path);
	us = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (us < 0 || unix_addr(path, &sun) < 0 || bind(us, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(path, 0640) < 0 || listen(us, 7) < 0)
		return 1;
	if ((ts = tcp_listener(0, 9, SOCK_NONBLOCK)) < 0 || getsockname(ts, (struct sockaddr *)&sin, &len) < 0 ||
	    more_listeners(&as, &t6, more, sizeof(more)) < 0)
		return 1;
	if (argc > 3 && strcmp(argv[3], "waiting") == 0) {
		if (leave_waiting(AF_UNIX, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
		    leave_waiting(AF_INET, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			return 1;
		workload_ready(ready, "unix=%s\ntcp=%d\n%s", path, ntohs(sin.sin_port), more);
		workload_idle();
	}
	if (argc > 3 && strcmp(argv[3], "fork") == 0) {
		pid_t child = fork();

		if (child < 0)
			return 1;
		if (child > 0) {
			workload_ready(ready, "unix=%s\ntcp=%d\n%schild=%d\n", path, ntohs(sin.sin_port), more,
				       (int)child);
			workload_idle();
		}
		fclose(ready);
	} else {
		workload_ready(ready, "unix=%s\ntcp=%d\n%s", path, ntohs(sin.sin_port), more);
	}
	pf[0] = (struct pollfd){ .fd = us, .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = ts, .events = POLLIN };
	pf[2] = (struct pollfd){ .fd = as, .events = POLLIN };
	pf[3] = (struct pollfd){ .fd = t6, .events = POLLIN };
	for (;;) {
		if (poll(pf, 4, -1) < 0 && errno != EINTR)
			return 1;
		for (int i = 0; i < 4; i++)
			if (pf[i].revents & POLLIN)
				answer(pf[i].fd);
	}
}
