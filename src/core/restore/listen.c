/* Listening sockets (EXT_SOCKET_LISTEN): made in the restorer like
 * socketpairs and taken by the tasks with pidfd_getfd(2).  Each is made
 * with its family, type and protocol, given its options (a boolean that
 * was on; a number where a fresh socket's differs), bound to its address
 * and put to listen with its backlog; a named Unix socket's file gets its
 * mode and owner back.  The gate (restore-listen-socket) has refused a
 * socket with connections waiting, with facts missing, or whose address
 * was in use; the address is looked at again here (check/sockdiag.c): a
 * socket file at the path that no socket is bound to is what the killed
 * tree left behind, and is removed first.  Anything else that holds the
 * address now fails the restore before any task is made. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ckpt/ext.h"
#include "restore/restore_impl.h"

#define FILE_TYPE_SOCKET 4

static uint64_t fld(const struct ckpt_record *rec, const char *name)
{
	const struct ckpt_field *f = rec->rt ? ckpt_rtype_field(rec->rt, name) : NULL;

	return f && ckpt_field_fits(f, rec->avail) ? ckpt_field_u64(f, rec->data) : 0;
}

void rs_listen_read(struct rs_listen *l, const struct ckpt_record *rec)
{
	memset(l, 0, sizeof(*l));
	l->family = (uint32_t)fld(rec, "family");
	l->type = (uint32_t)fld(rec, "sock_type");
	l->protocol = (uint32_t)fld(rec, "protocol");
	l->valid = (uint32_t)fld(rec, "valid");
	l->backlog = (uint32_t)fld(rec, "backlog");
	l->pending = (uint32_t)fld(rec, "pending");
	l->options = (uint32_t)fld(rec, "options");
	l->linger_sec = (uint32_t)fld(rec, "linger_sec");
	l->ifindex = (uint32_t)fld(rec, "ifindex");
	l->path_mode = (uint32_t)fld(rec, "path_mode");
	l->path_uid = (uint32_t)fld(rec, "path_uid");
	l->path_gid = (uint32_t)fld(rec, "path_gid");
	for (size_t i = 0; i < CKPT_LISTEN_N_OPTIONS; i++)
		if (ckpt_listen_options[i].field)
			l->values[i] = (uint32_t)fld(rec, ckpt_listen_options[i].field);
	l->addr_len = (size_t)fld(rec, "addr_len");
	if (l->addr_len > sizeof(l->addr))
		l->addr_len = sizeof(l->addr);
	if (rec->avail >= CKPT_EXT_SOCKET_LISTEN_ADDR_OFF + l->addr_len)
		memcpy(l->addr, rec->data + CKPT_EXT_SOCKET_LISTEN_ADDR_OFF, l->addr_len);
	else
		l->addr_len = 0;
}

static void addr_of(const struct rs_listen *l, struct ckpt_listen_addr *a)
{
	*a = (struct ckpt_listen_addr){
		.family = (int)l->family, .type = (int)l->type, .protocol = (int)l->protocol,
		.options = l->options, .ifindex = l->ifindex, .addr = l->addr, .addr_len = l->addr_len,
	};
}

/* The options bind(2) does not need: numbers where a fresh socket's value
 * differs (a buffer size halved: the kernel doubles what it is given), a
 * linger, the other booleans. */
static int set_options(int s, const struct rs_listen *l, const struct ckpt_listen_addr *a, char *why,
		       size_t size)
{
	bool tcp = a->family != AF_UNIX && a->protocol == IPPROTO_TCP;

	if (ckpt_listen_set_booleans(s, a, ~0u, why, size) < 0)
		return -1;
	for (size_t i = 0; i < CKPT_LISTEN_N_OPTIONS; i++) {
		const struct ckpt_listen_option *o = &ckpt_listen_options[i];
		int now = 0, want = (int)l->values[i];
		socklen_t len = sizeof(now);

		if (!o->field || !ckpt_listen_option_applies(o, a->family, tcp))
			continue;
		if (getsockopt(s, o->level, o->name, &now, &len) == 0 && now == want)
			continue;
		if (o->halve)
			want /= 2;
		if (setsockopt(s, o->level, o->name, &want, sizeof(want)) < 0) {
			snprintf(why, size, "setsockopt(%s %d): %s", o->field, want, strerror(errno));
			return -1;
		}
	}
	if (l->options & CKPT_LISTEN_LINGER) {
		struct linger lg = { .l_onoff = 1, .l_linger = (int)l->linger_sec };

		if (setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0) {
			snprintf(why, size, "setsockopt(SO_LINGER): %s", strerror(errno));
			return -1;
		}
	}
	if (a->family != AF_UNIX && l->ifindex &&
	    setsockopt(s, SOL_SOCKET, SO_BINDTOIFINDEX, &l->ifindex, sizeof(l->ifindex)) < 0) {
		snprintf(why, size, "setsockopt(SO_BINDTOIFINDEX %u): %s", l->ifindex, strerror(errno));
		return -1;
	}
	return 0;
}

/* A named Unix socket's path, NUL-terminated; NULL for another address. */
static const char *unix_path(const struct rs_listen *l, char *out, size_t size)
{
	size_t n = l->addr_len > 2 ? l->addr_len - 2 : 0;

	if (l->family != AF_UNIX || !n || l->addr[2] == 0 || n >= size)
		return NULL;
	memcpy(out, l->addr + 2, n);
	out[n] = 0;
	return out;
}

/* The socket of FILE f, listening; its descriptor, or -1 with why. */
static int make_listener(const struct rs_listen *l, const struct rs_file *f, char *why, size_t size)
{
	struct ckpt_listen_addr a;
	char pathbuf[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	const char *path = unix_path(l, pathbuf, sizeof(pathbuf));
	enum ckpt_addr_state state;
	int s;

	addr_of(l, &a);
	if ((l->valid & CKPT_LISTEN_ALL) != CKPT_LISTEN_ALL || l->pending) {
		snprintf(why, size, "the image cannot make it again (facts missing, or connections waiting)");
		return -1;
	}
	state = ckpt_listen_addr_state(&a, why, size);
	if (state == CKPT_ADDR_BUSY)
		return -1;
	if ((s = socket((int)l->family, (int)l->type | SOCK_CLOEXEC, (int)l->protocol)) < 0) {
		snprintf(why, size, "socket: %s", strerror(errno));
		return -1;
	}
	if (set_options(s, l, &a, why, size) < 0)
		goto fail;
	/* What the killed tree left at the path, and nothing else. */
	if (state == CKPT_ADDR_STALE && path && unlink(path) < 0 && errno != ENOENT) {
		snprintf(why, size, "cannot remove the stale socket file: %s", strerror(errno));
		goto fail;
	}
	if (bind(s, (const struct sockaddr *)l->addr, (socklen_t)l->addr_len) < 0) {
		snprintf(why, size, "bind: %s", strerror(errno));
		goto fail;
	}
	if (path && (l->valid & CKPT_LISTEN_PATH) &&
	    (chown(path, l->path_uid, l->path_gid) < 0 || chmod(path, l->path_mode & 07777) < 0)) {
		snprintf(why, size, "its socket file's owner and mode: %s", strerror(errno));
		goto fail;
	}
	if (listen(s, (int)l->backlog) < 0) {
		snprintf(why, size, "listen: %s", strerror(errno));
		goto fail;
	}
	/* Status flags belong to the description: set once here. */
	if (fcntl(s, F_SETFL, (int)(f->f_flags & (O_NONBLOCK | O_ASYNC))) < 0) {
		snprintf(why, size, "fcntl(F_SETFL): %s", strerror(errno));
		goto fail;
	}
	return s;
fail:
	close(s);
	return -1;
}

int rs_listen_make(const struct ckpt_restore_plan *p, struct rs_pipe *pipes, size_t *n, char *err, size_t errsize)
{
	for (size_t i = 0; i < p->n_kinds; i++) {
		const struct rs_fdkind *k = &p->kinds[i];
		const struct rs_file *f = rs_file(p, k->file);
		struct ckpt_listen_addr a;
		char why[256], shown[160];
		int fd;

		if (!k->has_listen || !f || f->f_type != FILE_TYPE_SOCKET || rs_pipes_holds(pipes, *n, k->file))
			continue;
		if ((fd = make_listener(&k->listen, f, why, sizeof(why))) < 0) {
			addr_of(&k->listen, &a);
			ckpt_listen_addr_text(&a, shown, sizeof(shown));
			snprintf(err, errsize, "file %d (socket listening on %s): %s", (int)k->file, shown, why);
			return -1;
		}
		rs_pipes_add_one(pipes, n, k->file, fd);
	}
	return 0;
}
