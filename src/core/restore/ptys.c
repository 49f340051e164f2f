/* Pty pairs with both ends in the image (a program like script(1) or a
 * terminal multiplexer in the tree).  The pair is made again in the
 * restorer (posix_openpt; the image's termios, window size, packet mode
 * and lock applied through the master), its master taken by the tasks
 * with pidfd_getfd(2) like a socketpair end, and each FILE on its slave a
 * new open of the slave with the FILE's status flags.  A session leader
 * whose controlling terminal it was gets it back by a remote
 * ioctl(TIOCSCTTY) on a descriptor of it taken for the while, before its
 * children are made (a child inherits the leader's terminal at fork), and
 * the foreground group by TIOCSPGRP once they all are.  The new pty's
 * index is the kernel's choice: it may differ from the image's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ckpt/ext.h"
#include "restore/restore_impl.h"

#define FILE_TYPE_TTY 5
/* What open(2) takes back of a terminal FILE's f_flags. */
#define TTY_OPEN_FLAGS (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC)
/* The kernel's O_LARGEFILE (glibc's is 0 on 64-bit systems). */
#define K_O_LARGEFILE 0100000

/* A pty end's other end of the image: a slave's master, or NULL. */
static const struct rs_tty *pty_end(const struct ckpt_restore_plan *p, int32_t index, uint32_t kind)
{
	for (size_t i = 0; i < p->n_ttys; i++)
		if (p->ttys[i].index == index && p->ttys[i].kind == kind)
			return &p->ttys[i];
	return NULL;
}

/* Whether the terminal t is one end of a pty made again (its master is in
 * the image). */
bool rs_tty_rebuilt(const struct ckpt_restore_plan *p, const struct rs_tty *t)
{
	return t && (t->kind == CKPT_TTY_PTY_MASTER ||
		     (t->kind == CKPT_TTY_PTY_SLAVE && pty_end(p, t->index, CKPT_TTY_PTY_MASTER)));
}

/* The pair's entry in pipes, by the image's pty index; NULL if none. */
static const struct rs_pipe *pair_of(const struct rs_pipe *pipes, size_t n, int32_t index)
{
	for (size_t i = 0; i < n; i++)
		if (pipes[i].ino == (RS_PTY_KEY | (uint32_t)index))
			return &pipes[i];
	return NULL;
}

static int pty_fail(char *err, size_t errsize, int32_t index, const char *what)
{
	snprintf(err, errsize, "pty %d of the image: %s: %s", (int)index, what, strerror(errno));
	return -1;
}

/* A new open of the slave of master with open flags flags,
 * close-on-exec; -1 with errno.  With O_LARGEFILE by its path, as open(2)
 * sets it, else by TIOCGPTPEER, which drops it.  O_CLOEXEC is not given
 * to TIOCGPTPEER: the kernel would keep it in the file's flags, where
 * fdinfo shows it as the descriptor's close-on-exec bit. */
static int peer(int master, int flags, bool largefile)
{
	char name[64];
	int fd, e;

	if (largefile) {
		if ((e = ptsname_r(master, name, sizeof(name))) != 0) {
			errno = e;
			return -1;
		}
		return open(name, flags | O_NOCTTY | O_CLOEXEC);
	}
	fd = ioctl(master, TIOCGPTPEER, flags | O_NOCTTY);

	if (fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* The pair of master FILE f (terminal m): a new pty with the image's
 * settings (the slave's, which the master answered for), its slave open
 * in the restorer for TIOCSCTTY; appended to pipes. */
static int make_pair(const struct ckpt_restore_plan *p, const struct rs_file *f, const struct rs_tty *m,
		     struct rs_pipe *pipes, size_t *n, char *err, size_t errsize)
{
	const struct rs_tty *s = pty_end(p, m->index, CKPT_TTY_PTY_SLAVE), *set = s && (s->flags & CKPT_TTY_STATE) ? s : m;
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), slave = -1, on = 1, off = 0;
	struct rs_pipe *q;

	if (master < 0)
		return pty_fail(err, errsize, m->index, "posix_openpt");
	q = rs_pipes_add_one(pipes, n, f->objref, master);
	q->ino = RS_PTY_KEY | (uint32_t)m->index;
	if ((f->f_flags & O_NONBLOCK) && fcntl(master, F_SETFL, O_NONBLOCK) < 0)
		return pty_fail(err, errsize, m->index, "fcntl(F_SETFL)");
	if ((set->flags & CKPT_TTY_STATE) && rs_tty_set(master, set) < 0)
		return pty_fail(err, errsize, m->index, "its termios and window size");
	if ((m->flags & CKPT_TTY_PACKET) && ioctl(master, TIOCPKT, &on) < 0)
		return pty_fail(err, errsize, m->index, "TIOCPKT");
	/* Unlocked to open the slave; locked again when it was. */
	if (ioctl(master, TIOCSPTLCK, &off) < 0 || (slave = peer(master, O_RDWR, false)) < 0)
		return pty_fail(err, errsize, m->index, "its slave");
	q->fd[1] = slave;
	return 0;
}

/* A new open of the pair's slave for FILE f, with its status flags. */
static int open_slave(const struct rs_file *f, const struct rs_tty *t, struct rs_pipe *pipes, size_t *n,
		      char *err, size_t errsize)
{
	const struct rs_pipe *pair = pair_of(pipes, *n, t->index);
	int fd;

	if (!pair)
		return snprintf(err, errsize, "pty %d of the image: no master made", (int)t->index), -1;
	fd = peer(pair->fd[0], (int)(f->f_flags & TTY_OPEN_FLAGS), (f->f_flags & K_O_LARGEFILE) != 0);
	if (fd < 0)
		return pty_fail(err, errsize, t->index, "TIOCGPTPEER");
	rs_pipes_add_one(pipes, n, f->objref, fd);
	return 0;
}

/* Each locked pty locked again, once its slaves are open. */
static int relock(const struct ckpt_restore_plan *p, const struct rs_pipe *pipes, size_t n, char *err,
		  size_t errsize)
{
	int on = 1;

	for (size_t i = 0; i < p->n_ttys; i++) {
		const struct rs_tty *m = &p->ttys[i];
		const struct rs_pipe *pair;

		if (m->kind == CKPT_TTY_PTY_MASTER && (m->flags & CKPT_TTY_LOCKED) &&
		    (pair = pair_of(pipes, n, m->index)) && ioctl(pair->fd[0], TIOCSPTLCK, &on) < 0)
			return pty_fail(err, errsize, m->index, "TIOCSPTLCK");
	}
	return 0;
}

/* The restorer's slave of the pty that the task's session had as its
 * controlling terminal, when the task leads that session; -1 if none. */
static int session_slave(const struct rs_ctx *x, const struct rs_tty **tp)
{
	const struct rs_tty *t = x->task->sid == x->task->pid ? rs_tty_of(x->plan, x->task->signal) : NULL;
	const struct rs_pipe *pair;

	if (!t || t->kind != CKPT_TTY_PTY_SLAVE || !rs_tty_rebuilt(x->plan, t) ||
	    !(pair = pair_of(x->pipes, x->n_pipes, t->index)))
		return -1;
	*tp = t;
	return pair->fd[1];
}

int rs_tty_session(struct rs_ctx *x)
{
	const struct rs_tty *t;
	int mine = session_slave(x, &t);
	long fd;

	if (mine < 0)
		return 0;
	if ((fd = rs_take_fd(x, mine, "pty slave")) < 0 ||
	    rs_call(x, "ioctl(TIOCSCTTY)", SYS_ioctl, fd, TIOCSCTTY, 0, 0, 0, 0, NULL) < 0 ||
	    rs_call(x, "close", SYS_close, fd, 0, 0, 0, 0, 0, NULL) < 0)
		return -1;
	rs_log(x, 1, "task %d: pty %d is its session's controlling terminal again", (int)x->pid, (int)t->index);
	return 0;
}

int rs_tty_session_pgrp(struct rs_ctx *x)
{
	const struct rs_tty *t;
	int mine = session_slave(x, &t);
	int32_t pgrp;
	uint64_t at;
	long fd;
	bool found = false;

	if (mine < 0 || t->pgrp <= 0)
		return 0;
	pgrp = t->pgrp;
	/* A group of the session the image holds: the others are gone. */
	for (size_t i = 0; i < x->plan->n_tasks; i++)
		if (x->plan->tasks[i].pgid == pgrp && x->plan->tasks[i].sid == x->task->sid && !x->plan->tasks[i].exit_state)
			found = true;
	if (!found)
		return 0;
	/* Its number as the task sees it, in its pid namespace (pidlevels.c). */
	pgrp = (int32_t)rs_pid_seen_by(x->plan, t->pgrp, x->task);
	if ((fd = rs_take_fd(x, mine, "pty slave")) < 0 || rs_scratch(x, &pgrp, sizeof(pgrp), &at) < 0 ||
	    rs_call(x, "ioctl(TIOCSPGRP)", SYS_ioctl, fd, TIOCSPGRP, (long)at, 0, 0, 0, NULL) < 0 ||
	    rs_call(x, "close", SYS_close, fd, 0, 0, 0, 0, 0, NULL) < 0)
		return -1;
	rs_log(x, 1, "task %d: group %d is its terminal's foreground group again", (int)x->pid, (int)t->pgrp);
	return 0;
}

int rs_ptys_make(const struct ckpt_restore_plan *p, struct rs_pipe *pipes, size_t *n, char *err, size_t errsize)
{
	/* The masters first, then their slaves. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < p->n_files; i++) {
			const struct rs_file *f = &p->files[i];
			const struct rs_tty *t = f->f_type == FILE_TYPE_TTY ? rs_tty_of(p, f->objref) : NULL;

			if (!rs_tty_rebuilt(p, t) || (t->kind == CKPT_TTY_PTY_MASTER) != (pass == 0) ||
			    rs_pipes_holds(pipes, *n, f->objref))
				continue;
			if (pass == 0 ? make_pair(p, f, t, pipes, n, err, errsize) < 0 :
					open_slave(f, t, pipes, n, err, errsize) < 0)
				return -1;
		}
	return relock(p, pipes, *n, err, errsize);
}
