/* Listening sockets of this host: what sock_diag(7) says of them, and
 * whether an address a restore would bind is free now.  Used by the
 * producer (collect/listen.c: backlog and waiting connections), the gate
 * (check/restorable.c: restore-listen-socket) and the restorer
 * (restore/listen.c: a stale socket file is removed, nothing else).
 * Internal to libckpt; Linux only. */
#ifndef CKPT_CHECK_SOCKDIAG_H
#define CKPT_CHECK_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A listening socket, found by its inode in this network namespace. */
struct ckpt_listen_diag {
	uint32_t backlog;		/* sk_max_ack_backlog */
	uint32_t pending;		/* connections waiting to be accepted */
	uint64_t vfs_dev, vfs_ino;	/* a named Unix socket's file (UNIX_DIAG_VFS), else 0 */
};

/* family AF_UNIX, AF_INET or AF_INET6.  1 found, 0 no listening socket
 * with that inode here, -1 with errno when sock_diag cannot be asked. */
int ckpt_sockdiag_listener(int family, uint64_t ino, struct ckpt_listen_diag *out);

/* The options of a listening socket EXT_SOCKET_LISTEN holds: a boolean
 * (bit, one of its `options`) or a number (its own field); where each is
 * read (family 0 any, -1 AF_INET and AF_INET6, else that one only; tcp: TCP
 * sockets only).  A number that getsockopt(2) reports doubled (a buffer
 * size) is set again halved. */
struct ckpt_listen_option {
	uint32_t bit;
	const char *field;
	int level, name;
	int family;
	bool tcp, halve;
};
#define CKPT_LISTEN_N_OPTIONS 18
extern const struct ckpt_listen_option ckpt_listen_options[CKPT_LISTEN_N_OPTIONS];
/* Whether option o applies to a socket of family (tcp: a TCP one). */
bool ckpt_listen_option_applies(const struct ckpt_listen_option *o, int family, bool tcp);

/* What a restore would bind, as EXT_SOCKET_LISTEN holds it. */
struct ckpt_listen_addr {
	int family, type, protocol;
	uint32_t options;		/* CKPT_LISTEN_* booleans */
	uint32_t ifindex;
	const uint8_t *addr;
	size_t addr_len;
};

/* Sets on socket s the boolean options among which that a has on
 * (IPV6_V6ONLY on or off).  0, or -1 with why. */
int ckpt_listen_set_booleans(int s, const struct ckpt_listen_addr *a, uint32_t which, char *why, size_t size);

enum ckpt_addr_state {
	CKPT_ADDR_FREE,			/* bind(2) would take it */
	CKPT_ADDR_STALE,		/* a Unix socket file no socket is bound to: removed, then free */
	CKPT_ADDR_BUSY,			/* in use, or cannot be bound: why says which */
};

/* Whether the address can be bound now, asking without binding a path
 * (a probe bind of an abstract name or an inet address is closed at once). */
enum ckpt_addr_state ckpt_listen_addr_state(const struct ckpt_listen_addr *a, char *why, size_t size);

/* The address as text for messages: "/path", "@abstract", "1.2.3.4:80",
 * "[::1]:80". */
void ckpt_listen_addr_text(const struct ckpt_listen_addr *a, char *out, size_t size);

#endif
