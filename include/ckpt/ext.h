/* ckpttools extension records (rev 6 dialect, private types 20001-20099).
 *
 * ckpt appends facts the kernel format has no room for: who produced the
 * image, how many users each shared object had system-wide, and per-record
 * digests that detect and locate any corruption.  Their layouts are rows of
 * the rev 6 record table like every other record; docs/extensions.md and
 * ckpt-image(5) describe them.  This header holds the numbers both the
 * producer and the checker need, and the digest arithmetic they must agree
 * on.
 */
#ifndef CKPT_EXT_H
#define CKPT_EXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define CKPT_EXT_FIRST		20001u
#define CKPT_EXT_LAST		20099u

enum ckpt_ext_type {
	CKPT_EXT_PRODUCER = 20001,
	CKPT_EXT_USERS = 20002,
	CKPT_EXT_DIGEST = 20003,
	CKPT_EXT_PEERS = 20045,
	/* 20030-20039: file contents a restore cannot open by path. */
	CKPT_EXT_INODE = 20030,
	CKPT_EXT_INODE_PAGES = 20031,
	CKPT_EXT_FILE_INODE = 20032,
	/* Kernel state of tasks and descriptors (20010-20029). */
	CKPT_EXT_TASK_SECURITY = 20010,
	CKPT_EXT_SECCOMP_FILTER = 20011,
	CKPT_EXT_RSEQ = 20012,
	CKPT_EXT_EVENTFD = 20013,
	CKPT_EXT_TIMERFD = 20014,
	CKPT_EXT_SIGNALFD = 20015,
	CKPT_EXT_INOTIFY = 20016,
	CKPT_EXT_EPOLL = 20017,
	CKPT_EXT_PIPE = 20018,
	CKPT_EXT_SOCKET_QUEUE = 20019,
	CKPT_EXT_SOCKET_MSGS = 20020,
	CKPT_EXT_SOCKET_MSG = 20021,
	CKPT_EXT_FANOTIFY = 20022,
	CKPT_EXT_SECCOMP_SHARED = 20023,
	/* 20050-20054: terminals. */
	CKPT_EXT_TTY = 20050,
	CKPT_EXT_FILE_TTY = 20051,
	/* 20055-20059: listening sockets. */
	CKPT_EXT_SOCKET_LISTEN = 20055,
};

/* EXT_TTY: a terminal object (one tty_struct: a pty's master and slave
 * are two), right after its OBJREF (objtype TTY); EXT_FILE_TTY ties a
 * FILE of type TTY to it, and SIGNAL.tty_objref names it as a session's
 * controlling terminal. */
#define CKPT_EXT_TTY_LEN		104u
#define CKPT_EXT_FILE_TTY_LEN		16u
enum ckpt_tty_kind {
	CKPT_TTY_PTY_MASTER = 1,	/* /dev/ptmx, /dev/pts/ptmx */
	CKPT_TTY_PTY_SLAVE = 2,		/* /dev/pts/N */
	CKPT_TTY_ALIAS = 3,		/* /dev/tty: the opener's controlling terminal */
	CKPT_TTY_CONSOLE = 4,		/* /dev/console, /dev/ttyN (virtual consoles) */
	CKPT_TTY_OTHER = 5,		/* serial lines and other tty drivers */
};
/* EXT_TTY flags. */
#define CKPT_TTY_STATE		0x1u	/* termios and window size were read */
#define CKPT_TTY_TERMIOS2	0x2u	/* by TCGETS2: c_ispeed/c_ospeed hold the speeds */
#define CKPT_TTY_LOCKED		0x4u	/* a pty whose slave is locked (TIOCGPTLCK) */
#define CKPT_TTY_PACKET		0x8u	/* a pty master in packet mode (TIOCGPKT) */
#define CKPT_TTY_LOCK_READ	0x10u	/* the lock and packet bits were read */
#define CKPT_TTY_QUEUES		0x20u	/* inq and outq were read */


/* EXT_SOCKET_LISTEN: a listening Unix stream/seqpacket or TCP socket,
 * written after its FILE records: what a restore needs to listen again. */
#define CKPT_EXT_SOCKET_LISTEN_LEN	216u
#define CKPT_EXT_SOCKET_LISTEN_ADDR_OFF	104u
#define CKPT_EXT_SOCKET_LISTEN_ADDR_MAX	112u
/* valid: which facts ckpt could read. */
#define CKPT_LISTEN_ADDR		0x1u	/* addr, addr_len (getsockname) */
#define CKPT_LISTEN_OPTIONS		0x2u	/* options and the values (getsockopt) */
#define CKPT_LISTEN_QUEUE		0x4u	/* backlog, pending (sock_diag) */
#define CKPT_LISTEN_PATH		0x8u	/* path_mode, path_uid, path_gid (its socket file) */
#define CKPT_LISTEN_ALL			0x7u	/* what every listening socket needs (a named Unix one PATH too) */
/* options: boolean socket options that were on. */
#define CKPT_LISTEN_REUSEADDR		0x1u
#define CKPT_LISTEN_REUSEPORT		0x2u
#define CKPT_LISTEN_V6ONLY		0x4u
#define CKPT_LISTEN_KEEPALIVE		0x8u
#define CKPT_LISTEN_NODELAY		0x10u
#define CKPT_LISTEN_PASSCRED		0x20u
#define CKPT_LISTEN_FREEBIND		0x40u
#define CKPT_LISTEN_TRANSPARENT		0x80u
#define CKPT_LISTEN_LINGER		0x100u
#define CKPT_LISTEN_PASSSEC		0x200u

/* EXT_FANOTIFY: a 24-byte head, then nr_marks marks of
 * CKPT_EXT_FANOTIFY_MARK_LEN bytes (a 128-byte file handle last). */
#define CKPT_EXT_FANOTIFY_HDR_LEN	24u
#define CKPT_EXT_FANOTIFY_MARK_LEN	176u
#define CKPT_EXT_FANOTIFY_HANDLE_MAX	128u
#define CKPT_EXT_FANOTIFY_MAX		65536u
enum ckpt_fanotify_mark_kind {
	CKPT_FANOTIFY_INODE = 1,	/* "fanotify ino:" */
	CKPT_FANOTIFY_MOUNT = 2,	/* "fanotify mnt_id:" (FAN_MARK_MOUNT) */
	CKPT_FANOTIFY_SB = 3,		/* "fanotify sdev:" (FAN_MARK_FILESYSTEM) */
};

/* EXT_SOCKET_MSGS: the queue of a Unix datagram or seqpacket socket (or
 * the descriptors in flight in a stream socket's), then nr_msgs
 * EXT_SOCKET_MSG records, each with a BUFFER of its bytes. */
#define CKPT_EXT_SOCKET_MSGS_LEN	32u
#define CKPT_EXT_SOCKET_MSG_LEN		144u
/* EXT_SOCKET_MSGS flags: the queue holds zero-length messages, and those
 * beyond the first that an earlier peek saw are invisible to the walk. */
#define CKPT_SOCKET_MSGS_INCOMPLETE	0x1u

/* EXT_INODE: the INODE object of shared anonymous memory, a memfd or an
 * unlinked file, after its OBJREF; a STRING (the path /proc showed) and
 * its EXT_INODE_PAGES runs follow.  EXT_FILE_INODE ties an open FILE to it. */
#define CKPT_EXT_INODE_LEN		56u
#define CKPT_EXT_INODE_PAGES_LEN	24u
/* Pages per run, at most: a run's BUFFER stays under the 1 MiB that
 * readers hold inline (CKPT_INLINE_MAX), so every consumer (ckptdiff's
 * byte comparison too) sees a run whole. */
#define CKPT_EXT_INODE_PAGES_MAX	128u
#define CKPT_EXT_FILE_INODE_LEN		16u

enum ckpt_inode_kind {
	CKPT_INODE_SHM_ANON = 1,	/* MAP_SHARED|MAP_ANONYMOUS, shared /dev/zero */
	CKPT_INODE_MEMFD = 2,		/* memfd_create(2) */
	CKPT_INODE_UNLINKED = 3,	/* a file with no name left (st_nlink 0) */
};
#define CKPT_INODE_NO_CONTENTS		0x1u	/* flags: contents not saved (--no-pages) */
/* flags: read without /proc/PID/map_files (no CAP_CHECKPOINT_RESTORE):
 * only the pages the first mapping task had mapped (none for a private
 * mapping); size is a lower bound, mode and seals unknown (0). */
#define CKPT_INODE_PARTIAL		0x2u

/* EXT_PRODUCER: fixed part; STRINGs producer, host, cmdline follow. */
#define CKPT_EXT_PRODUCER_LEN		32u
#define CKPT_EXT_VERSION		1u

/* EXT_USERS: nr u32 @8, entries of CKPT_EXT_USER_LEN bytes from @16. */
#define CKPT_EXT_USERS_HDR_LEN		16u
#define CKPT_EXT_USER_LEN		24u
#define CKPT_EXT_USERS_MAX		40000u	/* entries per record, at most */
/* EXT_USERS flags u32 @12 (zero in images of ckpttools 0.x before it). */
#define CKPT_EXT_USERS_FLAGS_OFF	12u
/* The producer could not look at every task of the system (no ptrace
 * access to some): the observed counts are lower bounds, and a count
 * equal to the image's own proves no absence of outside users. */
#define CKPT_EXT_USERS_PARTIAL		0x1u

/* How the producer counted an object's users. */
enum ckpt_users_method {
	CKPT_USERS_NONE = 0,		/* not observed */
	CKPT_USERS_NS_INODE = 1,	/* tasks whose /proc/TID/ns/X has the inode */
	CKPT_USERS_KCMP = 2,		/* tasks sharing it by kcmp(2) */
	CKPT_USERS_FD_KCMP = 3,		/* descriptor slots naming it, by KCMP_FILE */
};

struct ckpt_ext_user {
	int32_t objref;
	uint32_t objtype;
	uint32_t observed;
	uint32_t method;		/* enum ckpt_users_method */
	uint64_t ident;			/* namespace inode number, else 0 */
};

/* EXT_PEERS: one record per pipe, FIFO or socket FILE, written right
 * after its FILE_NAME: who else holds its inode outside the tree. */
#define CKPT_EXT_PEERS_LEN		40u
#define CKPT_PEER_SCAN_PARTIAL		0x1u	/* the system scan stopped at its bound */
#define CKPT_PEER_UNKNOWN		0x2u	/* the peer cannot be told from /proc (sockets) */

struct ckpt_ext_peer {
	int32_t objref;			/* the FILE */
	uint32_t flags;			/* CKPT_PEER_* */
	uint64_t ino;			/* the pipe, FIFO or socket inode */
	uint32_t outside_readers;	/* descriptors outside the tree open for reading */
	uint32_t outside_writers;	/* ... for writing */
	uint32_t scanned;		/* processes scanned system-wide */
	uint32_t peer_ino;		/* a connected Unix socket's peer inode, else 0 */
};
/* Decode / encode the 40-byte record (framing header included). */
bool ckpt_ext_peer_parse(const uint8_t *rec, size_t len, struct ckpt_ext_peer *p);
void ckpt_ext_peer_encode(const struct ckpt_ext_peer *p, uint8_t out[CKPT_EXT_PEERS_LEN]);

/* EXT_DIGEST: algo u16 @8, count u32 @12, first u64 @16, self u64 @24,
 * count u64 digests from @32. */
#define CKPT_EXT_DIGEST_HDR_LEN		32u
#define CKPT_EXT_DIGEST_MAX		4096u	/* digests per record, at most */
#define CKPT_EXT_DIGEST_EVERY		1024u	/* the producer's batch size */
#define CKPT_DIGEST_XXH3_64		1u

/* The digest of one whole record (framing header included).  Incremental
 * form for records the caller sees in pieces (page data). */
uint64_t ckpt_digest(const void *data, size_t len);

struct ckpt_digest_state;
struct ckpt_digest_state *ckpt_digest_begin(void);
void ckpt_digest_update(struct ckpt_digest_state *st, const void *data, size_t len);
uint64_t ckpt_digest_end(struct ckpt_digest_state *st);	/* frees st */

/* The self field of an EXT_DIGEST record of len bytes: the digest of the
 * record with bytes 24..31 taken as zero.  len >= CKPT_EXT_DIGEST_HDR_LEN. */
uint64_t ckpt_ext_digest_self(const uint8_t *rec, size_t len);

/* Collects the digests of consecutive records and builds the EXT_DIGEST
 * record that covers them. */
struct ckpt_digest_batch {
	uint64_t first;			/* index of the first covered record */
	uint32_t count;
	uint64_t digests[CKPT_EXT_DIGEST_MAX];
};

/* Start a batch whose first record has index first. */
void ckpt_digest_batch_init(struct ckpt_digest_batch *b, uint64_t first);
/* Add the next record's digest; false when the batch is full. */
bool ckpt_digest_batch_add(struct ckpt_digest_batch *b, uint64_t digest);
/* Encode the batch as an EXT_DIGEST record into out (room for
 * ckpt_digest_batch_len(b) bytes); returns its length. */
size_t ckpt_digest_batch_len(const struct ckpt_digest_batch *b);
size_t ckpt_digest_batch_encode(const struct ckpt_digest_batch *b, uint8_t *out);

/* Decoded fixed part of an EXT_DIGEST record; false if rec (len bytes) is
 * not a well-formed one (length, algorithm, count). */
struct ckpt_ext_digest {
	uint32_t algo, count;
	uint64_t first, self;
	const uint8_t *digests;		/* count little-endian u64s */
};
bool ckpt_ext_digest_parse(const uint8_t *rec, size_t len, struct ckpt_ext_digest *d);
uint64_t ckpt_ext_digest_at(const struct ckpt_ext_digest *d, uint32_t i);

/* Encode n EXT_USERS entries as one record into out (room for
 * ckpt_ext_users_len(n) bytes); returns its length. */
size_t ckpt_ext_users_len(size_t n);
size_t ckpt_ext_users_encode(const struct ckpt_ext_user *u, size_t n, uint8_t *out);
/* Entry i of an EXT_USERS record whose length was checked by the reader. */
bool ckpt_ext_users_entry(const uint8_t *rec, size_t len, uint32_t i, struct ckpt_ext_user *u);
/* Number of entries, or false when nr does not match the length. */
bool ckpt_ext_users_count(const uint8_t *rec, size_t len, uint32_t *n);

#endif
