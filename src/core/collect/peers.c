/* EXT_PEERS: who outside the tree holds a pipe, FIFO or socket of it.
 *
 * Sharing one open file description shows in EXT_USERS, but a pipe has two
 * descriptions: `app | logger` checkpointed at app holds only the write end,
 * and the reader outside would silently lose its writer at restore.  So per
 * pipe, FIFO and socket FILE the producer scans the descriptors of every
 * process outside the tree once (bounded), and writes how many of them are
 * open on the same inode for reading and for writing, right after the
 * FILE's records.  The open mode of a descriptor is the mode of its
 * /proc/PID/fd/N link (lstat: owner read and write bits follow f_mode), so
 * the scan costs one readlink and one lstat per descriptor of the system.
 * A Unix socket's peer comes from sock_diag(7) (UNIX_DIAG_PEER): the
 * counts are then of outside descriptors on the socket or on its peer.
 * Other sockets' peers cannot be told, and the record says so. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include "check/sockdiag.h"
#include "collect/collect_impl.h"
#include "ckpt/ext.h"

/* The bounds of one system scan: a host with more is judged partially. */
#define SCAN_MAX_PROCS	65536u
#define SCAN_MAX_FDS	(1u << 20)

enum holder_kind { H_PIPE, H_SOCKET, H_PATH };

/* One descriptor of a process outside the tree. */
struct holder {
	uint64_t key;		/* pipe/socket inode, or the digest of a FIFO's path */
	uint8_t kind;		/* enum holder_kind */
	uint8_t read, write;
};

struct ckpt_peers {
	struct holder *h;	/* sorted by (kind, key) */
	size_t n;
	uint32_t scanned;
	bool partial;
};

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static int cmp_holder(const void *a, const void *b)
{
	const struct holder *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return (x->key > y->key) - (x->key < y->key);
}

/* The inode of a "pipe:[N]" / "socket:[N]" link, or false. */
static bool link_inode(const char *link, const char *prefix, uint64_t *ino)
{
	size_t n = strlen(prefix);
	char *end;

	if (strncmp(link, prefix, n) != 0)
		return false;
	errno = 0;
	*ino = strtoull(link + n, &end, 10);
	return !errno && end != link + n && end[0] == ']' && end[1] == '\0';
}

/* Scans one process's descriptors into p; false when the bound was hit. */
static bool scan_process(struct ckpt_peers *p, const char *pid, size_t *fds)
{
	char dir[64];
	DIR *d;
	struct dirent *de;

	snprintf(dir, sizeof(dir), "/proc/%s/fd", pid);
	if (!(d = opendir(dir)))
		return true;	/* gone, or not ours to read */
	while ((de = readdir(d))) {
		char path[384], link[4096];
		struct stat st;
		struct holder h = { 0 };
		ssize_t len;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (++*fds > SCAN_MAX_FDS) {
			closedir(d);
			return false;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0 || lstat(path, &st) < 0)
			continue;
		link[len] = '\0';
		if (link_inode(link, "pipe:[", &h.key))
			h.kind = H_PIPE;
		else if (link_inode(link, "socket:[", &h.key))
			h.kind = H_SOCKET;
		else if (link[0] == '/')
			h.kind = H_PATH, h.key = ckpt_digest(link, (size_t)len);
		else
			continue;
		h.read = (st.st_mode & S_IRUSR) != 0;
		h.write = (st.st_mode & S_IWUSR) != 0;
		struct holder *slot = ckpt_push(&p->h, &p->n, sizeof(*slot));

		if (!slot) {
			closedir(d);
			return false;
		}
		*slot = h;
	}
	closedir(d);
	return true;
}

/* One pass over /proc: the descriptors of every process outside the tree
 * (and not the producer itself). */
static struct ckpt_peers *scan(const struct ckpt_tree *t)
{
	struct ckpt_peers *p = calloc(1, sizeof(*p));
	pid_t *tree = malloc((t->n_threads ? t->n_threads : 1) * sizeof(*tree));
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t fds = 0;

	if (!p || !tree || !d) {
		free(p);
		free(tree);
		if (d)
			closedir(d);
		return NULL;
	}
	for (size_t i = 0; i < t->n_threads; i++)
		tree[i] = t->threads[i].tgid;
	qsort(tree, t->n_threads, sizeof(*tree), cmp_pid);
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		pid_t key = (pid_t)pid;

		if (end == de->d_name || *end || pid <= 0 || pid > INT32_MAX || key == getpid() ||
		    bsearch(&key, tree, t->n_threads, sizeof(*tree), cmp_pid))
			continue;
		if (p->scanned >= SCAN_MAX_PROCS || !scan_process(p, de->d_name, &fds)) {
			p->partial = true;
			break;
		}
		p->scanned++;
	}
	closedir(d);
	free(tree);
	if (p->n)
		qsort(p->h, p->n, sizeof(*p->h), cmp_holder);
	return p;
}

/* The peer inode of Unix socket ino (0: none, unconnected); false when
 * sock_diag cannot tell (not a Unix socket, no answer within a second). */
static bool unix_peer(uint64_t ino, uint64_t *peer)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req r;
	} req = {
		.nlh = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST },
		.r = { .sdiag_family = AF_UNIX, .udiag_states = ~0u, .udiag_ino = (uint32_t)ino,
		       .udiag_show = UDIAG_SHOW_PEER, .udiag_cookie = { ~0u, ~0u } },
	};
	const struct timeval wait = { .tv_sec = 1 };
	long buf[1024];
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	bool found = false;

	if (fd < 0 || ino > UINT32_MAX)
		goto out;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait)) < 0 ||
	    send(fd, &req, sizeof(req), 0) != (ssize_t)sizeof(req))
		goto out;
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	struct nlmsghdr *h = (struct nlmsghdr *)buf;

	if (n < 0 || !NLMSG_OK(h, (size_t)n) || h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct unix_diag_msg)))
		goto out;
	struct unix_diag_msg *msg = NLMSG_DATA(h);
	struct rtattr *a = (struct rtattr *)((char *)msg + NLMSG_ALIGN(sizeof(*msg)));
	int left = (int)(h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*msg))));

	if (msg->udiag_ino != ino)
		goto out;
	found = true;
	*peer = 0;
	for (; RTA_OK(a, left); a = RTA_NEXT(a, left))
		if (a->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(a) >= sizeof(uint32_t)) {
			uint32_t v;

			memcpy(&v, RTA_DATA(a), sizeof(v));
			*peer = v;
		}
out:
	if (fd >= 0)
		close(fd);
	return found;
}

/* Outside descriptors on (kind, key): readers and writers added. */
static void count_holders(const struct ckpt_peers *p, struct holder want, uint32_t *readers, uint32_t *writers)
{
	struct holder *h = p->n ? bsearch(&want, p->h, p->n, sizeof(*p->h), cmp_holder) : NULL;

	/* bsearch lands on any match: walk back to the first. */
	while (h && h > p->h && cmp_holder(h - 1, &want) == 0)
		h--;
	for (; h && h < p->h + p->n && cmp_holder(h, &want) == 0; h++) {
		*readers += h->read;
		*writers += h->write;
	}
}

void ckpt_peers_free(struct ckpt_peers *p)
{
	if (p) {
		free(p->h);
		free(p);
	}
}

/* Whether socket ino is a listening TCP socket, which has no peer. */
static bool tcp_listener(uint64_t ino)
{
	struct ckpt_listen_diag d;

	return ckpt_sockdiag_listener(AF_INET, ino, &d) > 0 || ckpt_sockdiag_listener(AF_INET6, ino, &d) > 0;
}

int ckpt_write_peers(struct collect *c, int32_t ref, const char *path, const struct stat *st)
{
	struct ckpt_emit *e = &c->e;
	struct holder want = { 0 };
	uint32_t flags = 0, readers = 0, writers = 0;
	uint64_t peer = 0;

	if (S_ISSOCK(st->st_mode)) {
		want.kind = H_SOCKET, want.key = (uint64_t)st->st_ino;
		if (!unix_peer((uint64_t)st->st_ino, &peer) && !tcp_listener((uint64_t)st->st_ino))
			flags |= CKPT_PEER_UNKNOWN;
	}
	else if (S_ISFIFO(st->st_mode) && strncmp(path, "pipe:", 5) == 0)
		want.kind = H_PIPE, want.key = (uint64_t)st->st_ino;
	else if (S_ISFIFO(st->st_mode))
		want.kind = H_PATH, want.key = ckpt_digest(path, strlen(path));
	else
		return 0;
	if (!c->peers && !(c->peers = scan(c->t)))
		return ckpt_oom(c);
	struct ckpt_peers *p = c->peers;

	count_holders(p, want, &readers, &writers);
	if (peer)	/* a connected Unix socket: who holds the other end */
		count_holders(p, (struct holder){ .kind = H_SOCKET, .key = peer }, &readers, &writers);
	if (p->partial)
		flags |= CKPT_PEER_SCAN_PARTIAL;
	if (ckpt_emit_begin(e, "EXT_PEERS", 0) < 0 || ckpt_emit_set(e, "objref", (uint32_t)ref) < 0 ||
	    ckpt_emit_set(e, "flags", flags) < 0 || ckpt_emit_set(e, "ino", (uint64_t)st->st_ino) < 0 ||
	    ckpt_emit_set(e, "outside_readers", readers) < 0 ||
	    ckpt_emit_set(e, "outside_writers", writers) < 0 ||
	    ckpt_emit_set(e, "scanned", p->scanned) < 0 ||
	    ckpt_emit_set(e, "peer_ino", peer <= UINT32_MAX ? (uint32_t)peer : 0) < 0)
		return -1;
	return ckpt_emit_put(e);
}
