/* Listening sockets through sock_diag(7) (NETLINK_SOCK_DIAG): a dump of
 * this network namespace's listening Unix or TCP sockets gives each one's
 * inode, its backlog (wqueue / UNIX_DIAG_RQLEN's second word), the
 * connections waiting in its accept queue (rqueue) and, for a named Unix
 * socket, the inode of its file (UNIX_DIAG_VFS), without touching the task
 * that holds it.  The same dump of every Unix socket tells a socket file
 * some live socket is bound to from one a killed process left behind.
 *
 * Every receive is bounded (SO_RCVTIMEO): the kernel answers a dump at
 * once, so a timeout only means something is wrong. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "check/sockdiag.h"
#include "ckpt/ext.h"
#include "ckpt/format.h"

#include <netinet/tcp.h>

#define TCP_LISTEN_STATE 10
#define INET (-1)

const struct ckpt_listen_option ckpt_listen_options[CKPT_LISTEN_N_OPTIONS] = {
	{ CKPT_LISTEN_REUSEADDR, NULL, SOL_SOCKET, SO_REUSEADDR, 0, false, false },
	{ CKPT_LISTEN_REUSEPORT, NULL, SOL_SOCKET, SO_REUSEPORT, 0, false, false },
	{ CKPT_LISTEN_KEEPALIVE, NULL, SOL_SOCKET, SO_KEEPALIVE, 0, false, false },
	{ CKPT_LISTEN_PASSCRED, NULL, SOL_SOCKET, SO_PASSCRED, AF_UNIX, false, false },
	{ CKPT_LISTEN_PASSSEC, NULL, SOL_SOCKET, SO_PASSSEC, AF_UNIX, false, false },
	{ CKPT_LISTEN_V6ONLY, NULL, IPPROTO_IPV6, IPV6_V6ONLY, AF_INET6, false, false },
	{ CKPT_LISTEN_FREEBIND, NULL, IPPROTO_IP, IP_FREEBIND, INET, false, false },
	{ CKPT_LISTEN_TRANSPARENT, NULL, IPPROTO_IP, IP_TRANSPARENT, INET, false, false },
	{ CKPT_LISTEN_NODELAY, NULL, IPPROTO_TCP, TCP_NODELAY, INET, true, false },
	{ 0, "rcvbuf", SOL_SOCKET, SO_RCVBUF, 0, false, true },
	{ 0, "sndbuf", SOL_SOCKET, SO_SNDBUF, 0, false, true },
	{ 0, "mark", SOL_SOCKET, SO_MARK, 0, false, false },
	{ 0, "defer_accept", IPPROTO_TCP, TCP_DEFER_ACCEPT, INET, true, false },
	{ 0, "fastopen_qlen", IPPROTO_TCP, TCP_FASTOPEN, INET, true, false },
	{ 0, "keepidle", IPPROTO_TCP, TCP_KEEPIDLE, INET, true, false },
	{ 0, "keepintvl", IPPROTO_TCP, TCP_KEEPINTVL, INET, true, false },
	{ 0, "keepcnt", IPPROTO_TCP, TCP_KEEPCNT, INET, true, false },
	{ 0, "maxseg", IPPROTO_TCP, TCP_MAXSEG, INET, true, false },
};

bool ckpt_listen_option_applies(const struct ckpt_listen_option *o, int family, bool tcp)
{
	bool inet = family == AF_INET || family == AF_INET6;

	return (o->family == 0 || (o->family == INET && inet) || o->family == family) && (!o->tcp || tcp);
}
#define RECV_SIZE (64 * 1024)
#define RECV_TIMEOUT_S 2

/* Called with each answer of a dump; its payload and length. */
typedef void (*diag_each)(const void *msg, size_t len, void *arg);

/* Sends one dump request (req, len bytes after the netlink header) and
 * hands every answer to each.  0, or -1 with errno. */
static int diag_dump(const void *req, size_t req_len, diag_each each, void *arg)
{
	struct {
		struct nlmsghdr nlh;
		uint8_t body[128];
	} msg;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = RECV_TIMEOUT_S };
	uint8_t *buf;
	int s, rc = -1, e = 0;

	if (req_len > sizeof(msg.body)) {
		errno = EINVAL;
		return -1;
	}
	if ((s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) < 0)
		return -1;
	if (!(buf = malloc(RECV_SIZE))) {
		close(s);
		errno = ENOMEM;
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = (uint32_t)NLMSG_LENGTH(req_len);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.nlh.nlmsg_seq = 1;
	memcpy(msg.body, req, req_len);
	if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    sendto(s, &msg, msg.nlh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		goto out;
	for (;;) {
		ssize_t n = recv(s, buf, RECV_SIZE, 0);
		int left;

		if (n < 0) {
			if (errno == EAGAIN)
				errno = ETIMEDOUT;
			goto out;
		}
		left = (int)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				rc = 0;
				goto out;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = NLMSG_DATA(h);

				e = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*err)) && err->error ? -err->error : EPROTO;
				goto out;
			}
			each(NLMSG_DATA(h), h->nlmsg_len - NLMSG_LENGTH(0), arg);
		}
		if (n == 0) {
			e = EPROTO;
			goto out;
		}
	}
out:
	if (rc < 0 && !e)
		e = errno;
	free(buf);
	close(s);
	if (rc < 0)
		errno = e;
	return rc;
}

struct unix_search {
	uint64_t ino;			/* a socket's inode: the listener sought, or 0 */
	uint64_t vfs_dev, vfs_ino;	/* or a file some socket is bound to */
	bool found;
	struct ckpt_listen_diag diag;
};

static void unix_each(const void *msg, size_t len, void *arg)
{
	struct unix_search *q = arg;
	const struct unix_diag_msg *m = msg;
	struct ckpt_listen_diag d = { 0 };

	if (len < sizeof(*m))
		return;
	for (size_t off = NLMSG_ALIGN(sizeof(*m)); off + sizeof(struct nlattr) <= len;) {
		const struct nlattr *a = (const struct nlattr *)((const uint8_t *)msg + off);

		if (a->nla_len < sizeof(*a) || off + a->nla_len > len)
			break;
		if (a->nla_type == UNIX_DIAG_RQLEN && a->nla_len >= NLA_HDRLEN + sizeof(struct unix_diag_rqlen)) {
			const struct unix_diag_rqlen *r = (const void *)((const uint8_t *)a + NLA_HDRLEN);

			d.pending = r->udiag_rqueue;
			d.backlog = r->udiag_wqueue;
		} else if (a->nla_type == UNIX_DIAG_VFS && a->nla_len >= NLA_HDRLEN + sizeof(struct unix_diag_vfs)) {
			const struct unix_diag_vfs *v = (const void *)((const uint8_t *)a + NLA_HDRLEN);

			/* The kernel's own dev_t (major << 20 | minor), as stat(2)
			 * gives it. */
			d.vfs_dev = makedev(v->udiag_vfs_dev >> 20, v->udiag_vfs_dev & 0xfffff);
			d.vfs_ino = v->udiag_vfs_ino;
		}
		off += NLA_ALIGN(a->nla_len);
	}
	if (q->ino ? m->udiag_ino == q->ino : (d.vfs_ino == q->vfs_ino && d.vfs_dev == q->vfs_dev)) {
		q->found = true;
		q->diag = d;
	}
}

struct inet_search {
	uint64_t ino;
	bool found;
	struct ckpt_listen_diag diag;
};

static void inet_each(const void *msg, size_t len, void *arg)
{
	struct inet_search *q = arg;
	const struct inet_diag_msg *m = msg;

	if (len < sizeof(*m) || m->idiag_inode != q->ino)
		return;
	q->found = true;
	q->diag.pending = m->idiag_rqueue;
	q->diag.backlog = m->idiag_wqueue;
}

int ckpt_sockdiag_listener(int family, uint64_t ino, struct ckpt_listen_diag *out)
{
	memset(out, 0, sizeof(*out));
	if (family == AF_UNIX) {
		struct unix_diag_req req = {
			.sdiag_family = AF_UNIX, .udiag_states = 1u << TCP_LISTEN_STATE,
			.udiag_show = UDIAG_SHOW_RQLEN | UDIAG_SHOW_VFS,
			.udiag_cookie = { INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE },
		};
		struct unix_search q = { .ino = ino };

		if (!ino || diag_dump(&req, sizeof(req), unix_each, &q) < 0)
			return ino ? -1 : 0;
		*out = q.diag;
		return q.found;
	}
	if (family == AF_INET || family == AF_INET6) {
		struct inet_diag_req_v2 req = {
			.sdiag_family = (uint8_t)family, .sdiag_protocol = IPPROTO_TCP,
			.idiag_states = 1u << TCP_LISTEN_STATE,
		};
		struct inet_search q = { .ino = ino };

		if (diag_dump(&req, sizeof(req), inet_each, &q) < 0)
			return -1;
		*out = q.diag;
		return q.found;
	}
	errno = EAFNOSUPPORT;
	return -1;
}

/* Whether a Unix socket of this network namespace is bound to the file
 * dev/ino: 1, 0, or -1 with errno. */
static int unix_bound_to(uint64_t dev, uint64_t ino)
{
	struct unix_diag_req req = {
		.sdiag_family = AF_UNIX, .udiag_states = ~0u, .udiag_show = UDIAG_SHOW_VFS,
		.udiag_cookie = { INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE },
	};
	struct unix_search q = { .vfs_dev = dev, .vfs_ino = ino };

	if (diag_dump(&req, sizeof(req), unix_each, &q) < 0)
		return -1;
	return q.found;
}

/* why: what, and the reason after a colon when there is one. */
static enum ckpt_addr_state busy(char *why, size_t size, const char *what, const char *reason)
{
	snprintf(why, size, "%s%s%s", what, reason ? ": " : "", reason ? reason : "");
	return CKPT_ADDR_BUSY;
}

/* A path's socket file: free when nothing is there (and its directory is),
 * stale when no socket is bound to the socket file there. */
static enum ckpt_addr_state unix_path_state(const char *path, char *why, size_t size)
{
	struct stat st;
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	char *slash;
	int bound;

	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			return busy(why, size, "cannot look at its path", strerror(errno));
		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		if (slash)
			slash[slash == dir] = 0;
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			return busy(why, size, "the directory of its path is not there", NULL);
		return CKPT_ADDR_FREE;
	}
	if (!S_ISSOCK(st.st_mode))
		return busy(why, size, "a file that is not a socket is at its path", NULL);
	bound = unix_bound_to((uint64_t)st.st_dev, (uint64_t)st.st_ino);
	if (bound < 0)
		return busy(why, size, "cannot tell whether a socket is bound to its file (sock_diag)",
			    strerror(errno));
	if (bound)
		return busy(why, size, "it is in use: a socket of this host is bound to its file", NULL);
	return CKPT_ADDR_STALE;
}

int ckpt_listen_set_booleans(int s, const struct ckpt_listen_addr *a, uint32_t which, char *why, size_t size)
{
	bool tcp = a->family != AF_UNIX && a->protocol == IPPROTO_TCP;

	for (size_t i = 0; i < CKPT_LISTEN_N_OPTIONS; i++) {
		const struct ckpt_listen_option *o = &ckpt_listen_options[i];
		int on = (a->options & o->bit) != 0;

		if (!o->bit || !(which & o->bit) || !ckpt_listen_option_applies(o, a->family, tcp))
			continue;
		/* IPV6_V6ONLY either way: its default is a sysctl's. */
		if ((on || o->bit == CKPT_LISTEN_V6ONLY) && setsockopt(s, o->level, o->name, &on, sizeof(on)) < 0) {
			snprintf(why, size, "cannot set socket option %d:%d here: %s", o->level, o->name,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* A probe socket with the options that decide whether bind(2) succeeds. */
static int probe_socket(const struct ckpt_listen_addr *a, char *why, size_t size)
{
	/* The options that decide whether bind(2) takes the address. */
	const uint32_t binding = CKPT_LISTEN_REUSEADDR | CKPT_LISTEN_REUSEPORT | CKPT_LISTEN_V6ONLY |
				 CKPT_LISTEN_FREEBIND | CKPT_LISTEN_TRANSPARENT;
	int s = socket(a->family, a->type | SOCK_CLOEXEC, a->protocol);

	if (s < 0) {
		busy(why, size, "cannot make such a socket here", strerror(errno));
		return -1;
	}
	if (ckpt_listen_set_booleans(s, a, binding, why, size) < 0) {
		close(s);
		return -1;
	}
	if (a->family != AF_UNIX && a->ifindex &&
	    setsockopt(s, SOL_SOCKET, SO_BINDTOIFINDEX, &a->ifindex, sizeof(a->ifindex)) < 0) {
		snprintf(why, size, "cannot bind to device %u here: %s", a->ifindex, strerror(errno));
		close(s);
		return -1;
	}
	return s;
}

enum ckpt_addr_state ckpt_listen_addr_state(const struct ckpt_listen_addr *a, char *why, size_t size)
{
	int s;

	*why = 0;
	if (a->family == AF_UNIX) {
		char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
		size_t n = a->addr_len > 2 ? a->addr_len - 2 : 0;

		if (n == 0)
			return busy(why, size, "it has no address", NULL);
		if (a->addr[2] != 0) {
			if (n >= sizeof(path))
				return busy(why, size, "its path is too long", NULL);
			memcpy(path, a->addr + 2, n);
			path[n] = 0;
			if (path[0] != '/')
				return busy(why, size, "it is bound to a relative path, which names no file now", NULL);
			return unix_path_state(path, why, size);
		}
	}
	if ((s = probe_socket(a, why, size)) < 0)
		return CKPT_ADDR_BUSY;
	if (bind(s, (const struct sockaddr *)a->addr, (socklen_t)a->addr_len) < 0) {
		int e = errno;

		close(s);
		return busy(why, size, e == EADDRINUSE ? "it is in use on this host now" : "cannot bind it here",
			    strerror(e));
	}
	close(s);
	return CKPT_ADDR_FREE;
}

void ckpt_listen_addr_text(const struct ckpt_listen_addr *a, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (a->family == AF_UNIX && a->addr_len > 2) {
		size_t n = a->addr_len - 2, k;
		bool abstract = a->addr[2] == 0;

		/* A path's terminating NUL is not shown. */
		if (!abstract && (k = strnlen((const char *)a->addr + 2, n)) < n)
			n = k;
		if (size < 2) {
			if (size)
				*out = 0;
			return;
		}
		out[0] = abstract ? '@' : 0;
		ckpt_escape(a->addr + 2 + abstract, n - abstract, out + abstract, size - abstract);
	} else if (a->family == AF_INET && a->addr_len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in sin;

		memcpy(&sin, a->addr, sizeof(sin));
		inet_ntop(AF_INET, &sin.sin_addr, host, sizeof(host));
		snprintf(out, size, "%s:%u", host, ntohs(sin.sin_port));
	} else if (a->family == AF_INET6 && a->addr_len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, a->addr, sizeof(sin6));
		inet_ntop(AF_INET6, &sin6.sin6_addr, host, sizeof(host));
		snprintf(out, size, "[%s]:%u", host, ntohs(sin6.sin6_port));
	} else {
		snprintf(out, size, "an address of family %d", a->family);
	}
}
