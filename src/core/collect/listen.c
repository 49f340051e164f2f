/* A listening socket (EXT_SOCKET_LISTEN): its family, type, bound
 * address and the options that change how it and the sockets it accepts
 * behave, read with getsockname(2) and getsockopt(2) on a duplicate
 * (pidfd_getfd(2): the task's own socket, nothing changed on it); its
 * backlog and the connections waiting to be accepted from sock_diag(7)
 * (check/sockdiag.c), which a socket does not tell through its own calls;
 * a named Unix socket's file mode and owner from the task's root.  A fact
 * that cannot be read leaves its valid bit clear: the gate then refuses to
 * restore the socket rather than guess. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "check/sockdiag.h"
#include "ckpt/ext.h"
#include "collect/collect_impl.h"

static bool get_int(int s, int level, int name, int *v)
{
	socklen_t len = sizeof(*v);

	*v = 0;
	return getsockopt(s, level, name, v, &len) == 0;
}

/* The options (check/sockdiag.c's table), written to the record begun;
 * false when one could not be read. */
static bool read_options(struct ckpt_emit *e, int s, int family, bool tcp)
{
	uint32_t options = 0;
	struct linger lg = { 0 };
	socklen_t len = sizeof(lg);
	int v;

	for (size_t i = 0; i < CKPT_LISTEN_N_OPTIONS; i++) {
		const struct ckpt_listen_option *o = &ckpt_listen_options[i];

		if (!ckpt_listen_option_applies(o, family, tcp))
			continue;
		if (!get_int(s, o->level, o->name, &v))
			return false;
		if (o->bit && v)
			options |= o->bit;
		if (o->field)
			ckpt_emit_set(e, o->field, (uint32_t)v);
	}
	if (getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &len) < 0)
		return false;
	if (lg.l_onoff) {
		options |= CKPT_LISTEN_LINGER;
		ckpt_emit_set(e, "linger_sec", (uint32_t)lg.l_linger);
	}
	ckpt_emit_set(e, "options", options);
	if (family == AF_INET || family == AF_INET6) {
		if (!get_int(s, SOL_SOCKET, SO_BINDTOIFINDEX, &v))
			return false;
		ckpt_emit_set(e, "ifindex", (uint32_t)v);
	}
	return true;
}

/* A named Unix socket's file, seen from the task's root: the one the
 * socket is bound to (the inode sock_diag names), else none. */
static bool read_path(struct ckpt_emit *e, pid_t tgid, const struct sockaddr_un *sun, socklen_t alen,
		      uint64_t vfs_ino)
{
	char path[sizeof(sun->sun_path) + 64];
	size_t n = (size_t)alen - offsetof(struct sockaddr_un, sun_path);
	struct stat st;

	if (alen <= offsetof(struct sockaddr_un, sun_path) || sun->sun_path[0] != '/' || !vfs_ino)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/root%.*s", (int)tgid, (int)strnlen(sun->sun_path, n), sun->sun_path);
	if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode) || (uint64_t)st.st_ino != vfs_ino)
		return false;
	ckpt_emit_set(e, "path_mode", (uint32_t)st.st_mode);
	ckpt_emit_set(e, "path_uid", (uint32_t)st.st_uid);
	ckpt_emit_set(e, "path_gid", (uint32_t)st.st_gid);
	return true;
}

int ckpt_write_socket_listen(struct collect *c, const struct ckpt_thread *th, int fd, int32_t ref,
			     const struct stat *st)
{
	struct ckpt_emit *e = &c->e;
	int src = ckpt_grab_fd(th, fd), listening = 0, family = 0, type = 0, protocol = 0;
	struct sockaddr_storage addr;
	socklen_t alen = sizeof(addr);
	struct ckpt_listen_diag diag;
	uint32_t valid = 0;
	bool tcp;

	if (src < 0)
		return ckpt_emit_fail(e, "pid %d: cannot duplicate socket descriptor %d (pidfd_getfd): %s",
				      (int)th->tid, fd, strerror(errno));
	if (!get_int(src, SOL_SOCKET, SO_ACCEPTCONN, &listening) || !listening) {
		close(src);
		return 0;
	}
	get_int(src, SOL_SOCKET, SO_DOMAIN, &family);
	get_int(src, SOL_SOCKET, SO_TYPE, &type);
	get_int(src, SOL_SOCKET, SO_PROTOCOL, &protocol);
	tcp = (family == AF_INET || family == AF_INET6) && protocol == IPPROTO_TCP;
	if (ckpt_emit_begin(e, "EXT_SOCKET_LISTEN", 0) < 0) {
		close(src);
		return -1;
	}
	ckpt_emit_set(e, "file_objref", (uint32_t)ref);
	ckpt_emit_set(e, "family", (uint32_t)family);
	ckpt_emit_set(e, "sock_type", (uint32_t)type);
	ckpt_emit_set(e, "protocol", (uint32_t)protocol);
	memset(&addr, 0, sizeof(addr));
	if (getsockname(src, (struct sockaddr *)&addr, &alen) == 0 && alen <= CKPT_EXT_SOCKET_LISTEN_ADDR_MAX) {
		valid |= CKPT_LISTEN_ADDR;
		ckpt_emit_set(e, "addr_len", alen);
		memcpy(e->b.data + CKPT_EXT_SOCKET_LISTEN_ADDR_OFF, &addr, alen);
	}
	if (read_options(e, src, family, tcp))
		valid |= CKPT_LISTEN_OPTIONS;
	if (ckpt_sockdiag_listener(family, (uint64_t)st->st_ino, &diag) > 0) {
		valid |= CKPT_LISTEN_QUEUE;
		ckpt_emit_set(e, "backlog", diag.backlog);
		ckpt_emit_set(e, "pending", diag.pending);
		if (family == AF_UNIX && (valid & CKPT_LISTEN_ADDR) &&
		    read_path(e, th->tgid, (const struct sockaddr_un *)&addr, alen, diag.vfs_ino))
			valid |= CKPT_LISTEN_PATH;
	}
	ckpt_emit_set(e, "valid", valid);
	ckpt_emit_put(e);
	close(src);
	return e->failed ? -1 : 0;
}
