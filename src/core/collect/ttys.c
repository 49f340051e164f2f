/* Terminals of a frozen tree: one object per tty_struct (a pty's master
 * and its slave are two), written once behind an OBJREF of type TTY with
 * its EXT_TTY record, before the first FILE open on it or the SIGNAL
 * naming it as a session's controlling terminal.
 *
 * The state is read by ioctls on a pidfd_getfd(2) duplicate of a
 * descriptor of the tree: a terminal's ioctls act on the tty, not on the
 * descriptor, so a duplicate answers like the task's own.  TIOCGSID and
 * TIOCGPGRP on a slave answer only a caller whose controlling terminal it
 * is; the session and foreground group of such a terminal come from the
 * /proc/PID/stat (session, tty_nr, tpgid) of a task of the tree that has
 * it as its controlling terminal instead.  A controlling terminal no
 * descriptor of the tree is open on is opened by its /dev/pts path (or
 * /dev/char/MAJ:MIN) with O_NOCTTY, or written without its state.
 *
 * The bytes queued in a terminal's input and output buffers are counted
 * (FIONREAD, TIOCOUTQ), not saved: reading them would take them from the
 * task. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ckpt/ext.h"
#include "collect/collect_impl.h"

/* struct termios2 of the uapi (asm/termbits.h clashes with termios.h). */
struct k_termios2 {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[19];
	uint32_t c_ispeed, c_ospeed;
};
/* struct termios of the uapi: termios2 without the speeds. */
struct k_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[19];
};

#define K_TCGETS2	_IOR('T', 0x2A, struct k_termios2)
#ifndef TIOCGPTLCK
#define TIOCGPTLCK	_IOR('T', 0x39, int)
#endif
#ifndef TIOCGPKT
#define TIOCGPKT	_IOR('T', 0x38, int)
#endif
#ifndef TIOCGDEV
#define TIOCGDEV	_IOR('T', 0x32, unsigned int)
#endif

/* The kernel's new_encode_dev(), the form of stat's tty_nr and TIOCGDEV. */
static uint64_t kernel_dev(unsigned maj, unsigned min)
{
	return (uint64_t)((min & 0xffu) | (maj << 8) | ((min & ~0xffu) << 12));
}

static void kernel_dev_split(uint64_t dev, unsigned *maj, unsigned *min)
{
	*maj = (unsigned)((dev & 0xfff00u) >> 8);
	*min = (unsigned)((dev & 0xffu) | ((dev >> 12) & 0xfff00u));
}

/* What the device number of an open terminal file says it is; index: a
 * pty slave's number. */
static int tty_kind(unsigned maj, unsigned min, int32_t *index)
{
	*index = -1;
	if (maj >= 136 && maj <= 143) {
		*index = (int32_t)((maj - 136) * 256 + min);
		return CKPT_TTY_PTY_SLAVE;
	}
	if (maj == 5 && min == 2)
		return CKPT_TTY_PTY_MASTER;
	if (maj == 5 && min == 0)
		return CKPT_TTY_ALIAS;
	if ((maj == 5 && min == 1) || (maj == 4 && min < 64))
		return CKPT_TTY_CONSOLE;
	return CKPT_TTY_OTHER;
}

struct tty_facts {
	int kind;
	uint32_t flags;
	int32_t index;
	uint64_t rdev, real_rdev;
	int32_t sid, pgrp;
	struct k_termios2 t;
	struct winsize ws;
	uint32_t inq, outq;
};

/* The session and foreground group of the terminal real_rdev, from the
 * stat of a process of the tree whose controlling terminal it is. */
static void session_from_tree(struct collect *c, struct tty_facts *f)
{
	for (size_t i = 0; i < c->t->n_procs; i++) {
		struct ckpt_proc_stat st;
		pid_t pid = c->t->procs[i].tgid;

		if (ckpt_proc_stat(pid, pid, &st) == 0 && st.f[7] != 0 && (uint64_t)st.f[7] == f->real_rdev) {
			f->sid = (int32_t)st.f[6];
			f->pgrp = st.f[8] > 0 ? (int32_t)st.f[8] : 0;
			return;
		}
	}
}

/* What the terminal open at fd (ckpt's own descriptor) tells. */
static void read_state(int fd, struct tty_facts *f)
{
	struct k_termios t1;
	unsigned int dev = 0;
	int v = 0;

	if (ioctl(fd, TIOCGDEV, &dev) == 0)
		f->real_rdev = dev;
	if (ioctl(fd, K_TCGETS2, &f->t) == 0) {
		f->flags |= CKPT_TTY_STATE | CKPT_TTY_TERMIOS2;
	} else if (ioctl(fd, TCGETS, &t1) == 0) {
		memcpy(&f->t, &t1, sizeof(t1));
		f->flags |= CKPT_TTY_STATE;
	}
	if ((f->flags & CKPT_TTY_STATE) && ioctl(fd, TIOCGWINSZ, &f->ws) < 0)
		memset(&f->ws, 0, sizeof(f->ws));
	int in = 0, out = 0;

	if (ioctl(fd, FIONREAD, &in) == 0 && ioctl(fd, TIOCOUTQ, &out) == 0) {
		f->inq = (uint32_t)in;
		f->outq = (uint32_t)out;
		f->flags |= CKPT_TTY_QUEUES;
	}
	if (f->kind != CKPT_TTY_PTY_MASTER)
		return;
	if (ioctl(fd, TIOCGPTN, &v) == 0)
		f->index = v;
	int locked = 0, packet = 0;

	if (ioctl(fd, TIOCGPTLCK, &locked) == 0 && ioctl(fd, TIOCGPKT, &packet) == 0)
		f->flags |= CKPT_TTY_LOCK_READ | (locked ? CKPT_TTY_LOCKED : 0) | (packet ? CKPT_TTY_PACKET : 0);
	/* The slave's session and group: a master may ask for them. */
	pid_t sid = 0, pgrp = 0;

	if (ioctl(fd, TIOCGSID, &sid) == 0)
		f->sid = (int32_t)sid;
	if (ioctl(fd, TIOCGPGRP, &pgrp) == 0)
		f->pgrp = (int32_t)pgrp;
}

static int32_t write_tty(struct collect *c, struct tty_facts *f)
{
	struct ckpt_emit *e = &c->e;
	uint64_t key = f->kind == CKPT_TTY_PTY_MASTER || f->kind == CKPT_TTY_PTY_SLAVE ? (uint64_t)(uint32_t)f->index
										       : f->real_rdev;

	if (f->kind != CKPT_TTY_PTY_MASTER && !f->sid)
		session_from_tree(c, f);
	int32_t ref = ckpt_define_key(c, &c->ttys, &c->n_ttys, (uint64_t)f->kind, key, "TTY");

	if (ref < 0)
		return -1;
	ckpt_emit_begin(e, "EXT_TTY", 0);
	ckpt_emit_set(e, "kind", (uint64_t)f->kind);
	ckpt_emit_set(e, "flags", f->flags);
	ckpt_emit_set(e, "index", (uint32_t)f->index);
	ckpt_emit_set(e, "rdev", f->rdev);
	ckpt_emit_set(e, "real_rdev", f->real_rdev);
	ckpt_emit_set(e, "sid", (uint32_t)f->sid);
	ckpt_emit_set(e, "pgrp", (uint32_t)f->pgrp);
	if (f->flags & CKPT_TTY_STATE) {
		ckpt_emit_set(e, "c_iflag", f->t.c_iflag);
		ckpt_emit_set(e, "c_oflag", f->t.c_oflag);
		ckpt_emit_set(e, "c_cflag", f->t.c_cflag);
		ckpt_emit_set(e, "c_lflag", f->t.c_lflag);
		ckpt_emit_set(e, "c_line", f->t.c_line);
		/* A BYTES field: placed where the record table says. */
		const struct ckpt_field *cc = ckpt_rtype_field(e->b.rt, "c_cc");

		if (!e->failed && cc)
			memcpy(e->b.data + cc->offset, f->t.c_cc,
			       cc->width < sizeof(f->t.c_cc) ? cc->width : sizeof(f->t.c_cc));
		if (f->flags & CKPT_TTY_TERMIOS2) {
			ckpt_emit_set(e, "c_ispeed", f->t.c_ispeed);
			ckpt_emit_set(e, "c_ospeed", f->t.c_ospeed);
		}
		ckpt_emit_set(e, "ws_row", f->ws.ws_row);
		ckpt_emit_set(e, "ws_col", f->ws.ws_col);
		ckpt_emit_set(e, "ws_xpixel", f->ws.ws_xpixel);
		ckpt_emit_set(e, "ws_ypixel", f->ws.ws_ypixel);
	}
	ckpt_emit_set(e, "inq", f->inq);
	ckpt_emit_set(e, "outq", f->outq);
	ckpt_emit_put(e);
	return e->failed ? -1 : ref;
}

/* The object already written for (kind, key), or 0. */
static int32_t seen(struct collect *c, int kind, uint64_t key)
{
	struct key_ref *k = ckpt_find_key(c->ttys, c->n_ttys, (uint64_t)kind, key);

	return k ? k->ref : 0;
}

int32_t ckpt_tty_ref(struct collect *c, const struct ckpt_thread *th, int fd, const struct stat *st)
{
	struct tty_facts f = { 0 };
	unsigned maj = major(st->st_rdev), min = minor(st->st_rdev);
	int32_t ref;

	f.kind = tty_kind(maj, min, &f.index);
	f.rdev = kernel_dev(maj, min);
	f.real_rdev = f.rdev;
	/* A slave, a console or another line is known by its device alone. */
	if (f.kind == CKPT_TTY_PTY_SLAVE && (ref = seen(c, f.kind, (uint64_t)(uint32_t)f.index)))
		return ref;
	if ((f.kind == CKPT_TTY_CONSOLE || f.kind == CKPT_TTY_OTHER) && (ref = seen(c, f.kind, f.rdev)))
		return ref;
	int dup = ckpt_grab_fd(th, fd);

	if (dup < 0)
		return ckpt_emit_fail(&c->e, "pid %d: cannot duplicate terminal descriptor %d (pidfd_getfd): %s",
				      (int)th->tid, fd, strerror(errno));
	read_state(dup, &f);
	close(dup);
	if (f.kind == CKPT_TTY_PTY_MASTER && f.index < 0)
		return ckpt_emit_fail(&c->e, "pid %d: descriptor %d: a pty master without an index (TIOCGPTN)",
				      (int)th->tid, fd);
	if (f.kind == CKPT_TTY_PTY_MASTER || f.kind == CKPT_TTY_ALIAS) {
		uint64_t key = f.kind == CKPT_TTY_ALIAS ? f.real_rdev : (uint64_t)(uint32_t)f.index;

		if ((ref = seen(c, f.kind, key)))
			return ref;
	}
	return write_tty(c, &f);
}

int ckpt_file_tty_link(struct collect *c, int32_t tty_ref)
{
	struct ckpt_emit *e = &c->e;

	if (tty_ref <= 0)
		return 0;
	ckpt_emit_begin(e, "EXT_FILE_TTY", 0);
	ckpt_emit_set(e, "tty_objref", (uint32_t)tty_ref);
	return ckpt_emit_put(e);
}

int32_t ckpt_ctty_ref(struct collect *c, uint64_t tty_nr)
{
	struct tty_facts f = { 0 };
	unsigned maj, min;
	char path[64];
	int32_t ref;
	int fd;

	kernel_dev_split(tty_nr, &maj, &min);
	f.kind = tty_kind(maj, min, &f.index);
	f.rdev = f.real_rdev = tty_nr;
	if ((ref = seen(c, f.kind, f.kind == CKPT_TTY_PTY_SLAVE ? (uint64_t)(uint32_t)f.index : tty_nr)))
		return ref;
	if (f.kind == CKPT_TTY_PTY_SLAVE)
		snprintf(path, sizeof(path), "/dev/pts/%d", (int)f.index);
	else
		snprintf(path, sizeof(path), "/dev/char/%u:%u", maj, min);
	/* No descriptor of the tree is open on it: ckpt's own open, never
	 * its controlling terminal; without it, the object has no state. */
	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		struct stat st;

		if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && kernel_dev(major(st.st_rdev), minor(st.st_rdev)) == tty_nr)
			read_state(fd, &f);
		close(fd);
	}
	return write_tty(c, &f);
}
