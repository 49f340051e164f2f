/* Unix stream socketpairs whose both ends are in the image: the restorer
 * makes a socketpair, writes back through each end the bytes that were
 * queued to be read on the other (EXT_SOCKET_QUEUE), in order, and the
 * tasks take the ends with pidfd_getfd(2), as they take pipe ends.  The
 * ends are told apart by their inodes: EXT_PEERS holds each socket's and
 * its peer's.  What the image does not hold stays as a new socketpair has
 * it: the addresses a connected pair was bound to (an accepted connection
 * comes back as a socketpair), socket options, a shutdown. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "restore/restore_impl.h"

#define FILE_TYPE_SOCKET 4

/* A stream socket the image can rebuild: its queue and its peer known. */
static bool stream_end(const struct rs_fdkind *k)
{
	return k->has_queue && k->has_peers && k->family == AF_UNIX && k->sock_type == SOCK_STREAM && k->peer_ino;
}

static const struct rs_fdkind *peer_of(const struct ckpt_restore_plan *p, const struct rs_fdkind *k)
{
	for (size_t i = 0; i < p->n_kinds; i++)
		if (&p->kinds[i] != k && stream_end(&p->kinds[i]) && p->kinds[i].ino == k->peer_ino &&
		    p->kinds[i].peer_ino == k->ino)
			return &p->kinds[i];
	return NULL;
}

static bool made(const struct rs_pipe *pipes, size_t n, int32_t file)
{
	for (size_t i = 0; i < n; i++)
		if (pipes[i].read_file == file || pipes[i].write_file == file)
			return true;
	return false;
}

/* The bytes queued to be read on one end, written through the other
 * without blocking: what does not fit is an error, not a hang. */
static int queue_back(int through, const struct rs_fdkind *k, char *err, size_t errsize)
{
	size_t done = 0;

	while (done < k->queue_len) {
		ssize_t w = send(through, k->queue + done, k->queue_len - done, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errsize, "file %d (socket): %zu of its %zu queued bytes written back: %s",
				 (int)k->file, done, k->queue_len, w < 0 ? strerror(errno) : "no room");
			return -1;
		}
		done += (size_t)w;
	}
	return 0;
}

static int set_flags(int fd, const struct rs_file *f, char *err, size_t errsize)
{
	if (fcntl(fd, F_SETFL, (int)(f->f_flags & (O_NONBLOCK | O_ASYNC))) < 0) {
		snprintf(err, errsize, "file %d (socket): fcntl(F_SETFL): %s", (int)f->objref, strerror(errno));
		return -1;
	}
	return 0;
}

int rs_sockets_make(const struct ckpt_restore_plan *p, struct rs_pipe *pipes, size_t *n, char *err, size_t errsize)
{
	for (size_t i = 0; i < p->n_kinds; i++) {
		const struct rs_fdkind *a = &p->kinds[i], *b;
		const struct rs_file *fa = rs_file(p, a->file), *fb;
		struct rs_pipe *q;

		/* Each FILE in one entry at most: the list has room for that. */
		if (!fa || fa->f_type != FILE_TYPE_SOCKET || !stream_end(a) || made(pipes, *n, a->file) ||
		    !(b = peer_of(p, a)) || !(fb = rs_file(p, b->file)) || fb->f_type != FILE_TYPE_SOCKET ||
		    made(pipes, *n, b->file))
			continue;
		q = &pipes[(*n)++];
		memset(q, 0, sizeof(*q));
		q->read_file = a->file;
		q->write_file = b->file;
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, q->fd) < 0) {
			q->fd[0] = q->fd[1] = -1;
			snprintf(err, errsize, "file %d (socket): socketpair: %s", (int)a->file, strerror(errno));
			return -1;
		}
		/* a's queue is read on a: it was sent through b. */
		if (queue_back(q->fd[1], a, err, errsize) < 0 || queue_back(q->fd[0], b, err, errsize) < 0 ||
		    set_flags(q->fd[0], fa, err, errsize) < 0 || set_flags(q->fd[1], fb, err, errsize) < 0)
			return -1;
	}
	return 0;
}
