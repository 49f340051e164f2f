/* The queue of a Unix socket, read without taking anything out of it:
 * a stream socket's bytes (EXT_SOCKET_QUEUE), a datagram or seqpacket
 * socket's messages one by one with their boundaries (EXT_SOCKET_MSGS and
 * EXT_SOCKET_MSG), and the descriptors in flight in either (SCM_RIGHTS).
 *
 * The socket is duplicated into ckpt with pidfd_getfd(2): the duplicate
 * is the task's own open file description, and the peek offset is the
 * socket's, so whatever is set on it the task would see.  The walk sets
 * SO_PEEK_OFF to the sum of the lengths seen so far before each
 * recvmsg(MSG_PEEK), and puts the socket's own value back on every path.
 * Peeking a message that carries descriptors installs fresh duplicates of
 * them in ckpt (close-on-exec): they are counted, looked at and closed. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "collect/collect_impl.h"
#include "ckpt/ext.h"

#ifndef SO_PEEK_OFF
#define SO_PEEK_OFF	42
#endif

/* Messages of one queue, at most: the tree is frozen, so only a writer
 * outside it could make a queue grow while it is walked. */
#define MAX_MSGS	(1u << 20)
/* SCM_MAX_FD descriptors, credentials and a pidfd fit with room. */
#define CMSG_ROOM	4096u
/* A datagram's first buffer; a longer one is peeked again whole. */
#define FIRST_BUF	(64u * 1024u)

struct sock_msg {
	uint8_t *data;
	uint32_t len;
	uint32_t nr_fds, nr_socket_fds;
	uint32_t addr_len;
	struct sockaddr_un addr;
};

struct queue {
	struct sock_msg *m;
	size_t n;
	uint64_t bytes;
	uint32_t nr_fds;
	bool incomplete;
};

static void queue_free(struct queue *q)
{
	for (size_t i = 0; i < q->n; i++)
		free(q->m[i].data);
	free(q->m);
}

/* Counts the descriptors of SCM_RIGHTS messages in mh (and how many are
 * sockets), closing each. */
static void take_fds(struct msghdr *mh, uint32_t *nr, uint32_t *socks)
{
	*nr = *socks = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len < CMSG_LEN(0))
			continue;
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		for (size_t i = 0; i < k; i++) {
			int fd;
			struct stat st;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
				(*socks)++;
			close(fd);
			(*nr)++;
		}
	}
}

/* Peeks the message (or, on a stream, the run) at offset off into m,
 * whose data buffer holds cap bytes.  Returns the length recvmsg
 * returned (a datagram's whole length, MSG_TRUNC), 0 at the end of the
 * queue (EAGAIN, with *end set), -1 on error (errno). */
static ssize_t peek_at(int s, int off, bool stream, struct sock_msg *m, size_t cap, bool *end)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_ROOM];
	} ctl;
	struct iovec iov = { .iov_base = m->data, .iov_len = cap };
	struct msghdr mh = {
		.msg_name = &m->addr, .msg_namelen = sizeof(m->addr),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	int flags = MSG_PEEK | MSG_DONTWAIT | MSG_CMSG_CLOEXEC | (stream ? 0 : MSG_TRUNC);

	*end = false;
	memset(&m->addr, 0, sizeof(m->addr));
	if (setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off)) < 0)
		return -1;
	ssize_t n = recvmsg(s, &mh, flags);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		*end = true;
		return 0;
	}
	if (n < 0)
		return -1;
	take_fds(&mh, &m->nr_fds, &m->nr_socket_fds);
	if (mh.msg_flags & MSG_CTRUNC) {
		errno = EMSGSIZE;	/* descriptors lost to a short control buffer */
		return -1;
	}
	m->addr_len = stream ? 0 : (uint32_t)mh.msg_namelen;
	if (m->addr_len > sizeof(m->addr))
		m->addr_len = sizeof(m->addr);
	return n;
}

/* A stream queue of avail bytes into q->m[0] (one run), counting the
 * descriptors in flight: a peek stops after a run that carries some, so
 * the walk goes on from there until all avail bytes are seen. */
static int walk_stream(int s, int avail, struct queue *q)
{
	struct sock_msg *m = calloc(1, sizeof(*m));
	int off = 0;

	if (!m || !(m->data = malloc(avail > 0 ? (size_t)avail : 1))) {
		free(m);
		return -1;
	}
	q->m = m;
	q->n = 1;
	while (off < avail) {
		struct sock_msg part = { .data = m->data + off };
		bool end;
		ssize_t n = peek_at(s, off, true, &part, (size_t)(avail - off), &end);

		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ENODATA;	/* fewer bytes than SIOCINQ said */
			return -1;
		}
		off += (int)n;
		m->nr_fds += part.nr_fds;
		m->nr_socket_fds += part.nr_socket_fds;
	}
	m->len = (uint32_t)off;
	q->bytes = (uint64_t)off;
	q->nr_fds = m->nr_fds;
	return 0;
}

/* A datagram or seqpacket queue, message by message, up to limit bytes
 * in all (*over set when beyond).  The walk ends at EAGAIN; every peek
 * moves on by a message, MAX_MSGS bounds it. */
static int walk_msgs(int s, uint64_t limit, struct queue *q, bool *over)
{
	uint64_t off = 0;

	*over = false;
	for (;;) {
		struct sock_msg m = { 0 };
		size_t cap = FIRST_BUF;
		bool end;
		ssize_t n;

		if (q->n >= MAX_MSGS || off > INT32_MAX) {
			errno = EOVERFLOW;
			return -1;
		}
		for (;;) {
			if (!(m.data = malloc(cap)))
				return -1;
			/* The head with no offset at all (SO_PEEK_OFF -1): a
			 * zero-length one peeked before is skipped otherwise. */
			n = peek_at(s, q->n ? (int)off : -1, false, &m, cap, &end);
			if (n < 0 || (size_t)n <= cap)
				break;
			/* Truncated: the same offset again with room for all of it. */
			free(m.data);
			m.data = NULL;
			if (q->bytes + (uint64_t)n > limit) {
				*over = true;
				errno = EFBIG;
				return -1;
			}
			cap = (size_t)n;
		}
		if (n < 0 || end) {
			free(m.data);
			return n < 0 ? -1 : 0;
		}
		if (q->bytes + (uint64_t)n > limit) {
			free(m.data);
			*over = true;
			errno = EFBIG;
			return -1;
		}
		struct sock_msg *slot = ckpt_push(&q->m, &q->n, sizeof(*slot));

		if (!slot) {
			free(m.data);
			return -1;
		}
		m.len = (uint32_t)n;
		*slot = m;
		q->bytes += (uint64_t)n;
		q->nr_fds += m.nr_fds;
		/* Peeking a zero-length message marks it peeked, and a peek
		 * with an offset skips those: the next peek at the same offset
		 * goes on past it.  One an earlier peek (an earlier checkpoint,
		 * the task itself) marked is skipped unseen, unless at the head:
		 * so the queue is flagged once one turns up. */
		if (n == 0)
			q->incomplete = true;
		off += (uint64_t)n;
	}
}

static int emit_msgs(struct collect *c, int32_t ref, int type, const struct queue *q, bool with_msgs)
{
	struct ckpt_emit *e = &c->e;

	ckpt_emit_begin(e, "EXT_SOCKET_MSGS", 0);
	ckpt_emit_set(e, "file_objref", (uint32_t)ref);
	ckpt_emit_set(e, "sock_type", (uint32_t)type);
	ckpt_emit_set(e, "nr_msgs", with_msgs ? q->n : 0);
	ckpt_emit_set(e, "nr_fds", q->nr_fds);
	ckpt_emit_set(e, "flags", q->incomplete ? CKPT_SOCKET_MSGS_INCOMPLETE : 0);
	ckpt_emit_put(e);
	for (size_t i = 0; with_msgs && i < q->n && !e->failed; i++) {
		const struct sock_msg *m = &q->m[i];

		if (ckpt_emit_begin(e, "EXT_SOCKET_MSG", 0) < 0)
			break;
		ckpt_emit_set(e, "file_objref", (uint32_t)ref);
		ckpt_emit_set(e, "index", i);
		ckpt_emit_set(e, "nr_bytes", m->len);
		ckpt_emit_set(e, "nr_fds", m->nr_fds);
		ckpt_emit_set(e, "nr_socket_fds", m->nr_socket_fds);
		ckpt_emit_set(e, "addr_len", m->addr_len);
		memcpy(e->b.data + 32, &m->addr, m->addr_len);
		ckpt_emit_put(e);
		if (m->len)
			ckpt_emit_raw(e, "BUFFER", m->data, m->len);
	}
	return e->failed ? -1 : 0;
}

int ckpt_write_socket_queue(struct collect *c, const struct ckpt_thread *th, int fd, int32_t ref)
{
	struct ckpt_emit *e = &c->e;
	int src = ckpt_grab_fd(th, fd), domain = 0, type = 0, listening = 0, avail = 0, old_off = -1;
	socklen_t len = sizeof(int);
	struct queue q = { 0 };
	bool over = false;
	int rc;

	if (src < 0)
		return ckpt_emit_fail(e, "pid %d: cannot duplicate socket descriptor %d (pidfd_getfd): %s",
				      (int)th->tid, fd, strerror(errno));
	/* A listening socket queues connections, not data. */
	if (getsockopt(src, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
	    getsockopt(src, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || domain != AF_UNIX ||
	    (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET) ||
	    (getsockopt(src, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening))
		goto out;
	if (getsockopt(src, SOL_SOCKET, SO_PEEK_OFF, &old_off, &len) < 0) {
		ckpt_emit_fail(e, "pid %d: socket descriptor %d: SO_PEEK_OFF: %s", (int)th->tid, fd, strerror(errno));
		goto out;
	}
	if (type == SOCK_STREAM) {
		if (ioctl(src, SIOCINQ, &avail) < 0) {
			ckpt_emit_fail(e, "pid %d: socket descriptor %d: SIOCINQ: %s", (int)th->tid, fd,
				       strerror(errno));
			goto restore;
		}
		if ((uint64_t)avail > ckpt_file_data_limit(c)) {
			errno = EFBIG;
			over = true;
			rc = -1;
		}
		else
			rc = walk_stream(src, avail, &q);
	}
	else
		rc = walk_msgs(src, ckpt_file_data_limit(c), &q, &over);
	if (rc < 0) {
		if (over)
			ckpt_emit_fail(e, "pid %d: socket descriptor %d: more than --file-data-limit %llu bytes queued",
				       (int)th->tid, fd, (unsigned long long)ckpt_file_data_limit(c));
		else
			ckpt_emit_fail(e, "pid %d: socket descriptor %d: cannot peek its queue: %s", (int)th->tid, fd,
				       strerror(errno));
		goto restore;
	}
	if (type == SOCK_STREAM) {
		ckpt_emit_begin(e, "EXT_SOCKET_QUEUE", 0);
		ckpt_emit_set(e, "file_objref", (uint32_t)ref);
		ckpt_emit_set(e, "family", (uint32_t)domain);
		ckpt_emit_set(e, "sock_type", (uint32_t)type);
		ckpt_emit_set(e, "nr_bytes", q.bytes);
		ckpt_emit_put(e);
		if (q.bytes > 0)
			ckpt_emit_raw(e, "BUFFER", q.m[0].data, (size_t)q.bytes);
		if (q.nr_fds > 0)
			emit_msgs(c, ref, type, &q, false);
	}
	else
		emit_msgs(c, ref, type, &q, true);
restore:
	/* The task's own peek offset, whatever happened above. */
	if (setsockopt(src, SOL_SOCKET, SO_PEEK_OFF, &old_off, sizeof(old_off)) < 0)
		ckpt_emit_fail(e, "pid %d: socket descriptor %d: cannot put SO_PEEK_OFF %d back: %s", (int)th->tid,
			       fd, old_off, strerror(errno));
out:
	queue_free(&q);
	close(src);
	return e->failed ? -1 : 0;
}
