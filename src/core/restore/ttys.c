/* Terminals.  A pty whose master is in the image is made again in the
 * restorer (posix_openpt, its slave's termios, window size, packet mode
 * and lock applied through the master), its master taken by the tasks
 * with pidfd_getfd(2) like a pipe end and each FILE on its slave a new
 * open of the slave (TIOCGPTPEER) with the FILE's status flags.  A
 * session leader whose controlling terminal it was gets it back by a
 * remote ioctl(TIOCSCTTY) on a descriptor of it taken for the while,
 * before its children are made (they inherit it), and the foreground
 * group by TIOCSPGRP once they are.  The new pty's index is the kernel's
 * choice: it may differ from the image's.
 *
 * Shell jobs (--shell-job).  The gate (check/terminals.c) lets other
 * terminals through only when their other side is outside the image, all
 * one terminal: the one the tree was a job of.  Each FILE open on it
 * becomes a new open of the restorer's own terminal, with the FILE's
 * status flags, made here and taken by the tasks like a pipe end.
 *
 * The tree joins the restorer's session (a task whose session is outside
 * the image is made in the caller's), so the terminal is its controlling
 * terminal again; the root's process group is made the foreground group
 * as the tree is let go, and the caller gives it back to its own group
 * when the tree ends (ckpt_restore_terminal_foreground()).
 *
 * Its termios and window size stay the caller's, as a shell leaves them
 * to a job it resumes, unless restore_termios asks for the image's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "ckpt/ext.h"
#include "ckpt/format.h"
#include "restore/restore_impl.h"

#define FILE_TYPE_TTY 5
/* What open(2) takes back of a terminal FILE's f_flags. */
#define TTY_OPEN_FLAGS (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC)
/* The kernel's O_LARGEFILE (glibc's is 0 on 64-bit systems). */
#define K_O_LARGEFILE 0100000

/* struct termios2 of the uapi (asm/termbits.h clashes with termios.h). */
struct k_termios2 {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[19];
	uint32_t c_ispeed, c_ospeed;
};
#define K_TCSETS2	_IOW('T', 0x2B, struct k_termios2)
#define K_TCGETS2	_IOR('T', 0x2A, struct k_termios2)

int ckpt_restore_terminal(char *err, size_t errsize)
{
	pid_t sid = getsid(0);
	int fd;

	/* A standard stream on the caller's controlling terminal. */
	for (int i = 0; i < 3; i++)
		if (isatty(i) && tcgetsid(i) == sid)
			return fcntl(i, F_DUPFD_CLOEXEC, 3);
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		snprintf(err, errsize, "--shell-job: ckptrestore has no terminal to give the tree: no controlling "
			 "terminal (/dev/tty: %s)", strerror(errno));
	return fd;
}

int ckpt_restore_terminal_foreground(int fd)
{
	sigset_t ttou, old;
	int rc, e;

	/* A background group's tcsetpgrp() is sent SIGTTOU. */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	rc = tcsetpgrp(fd, getpgrp());
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return rc;
}

int rs_tty_foreground(const struct ckpt_restore_options *opt, pid_t root, char *err, size_t errsize)
{
	sigset_t ttou, old;
	pid_t pgid = getpgid(root);
	int rc, e;

	if (!opt || !opt->shell_job)
		return 0;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	rc = pgid < 0 ? -1 : tcsetpgrp(opt->terminal_fd, pgid);
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (rc < 0)
		snprintf(err, errsize, "--shell-job: cannot make process group %d the terminal's foreground group: %s",
			 (int)pgid, strerror(e));
	return rc;
}

/* The image's termios and window size of the terminal outside it, set on
 * the caller's (restore_termios): from its first EXT_TTY with them. */
static int apply_termios(const struct ckpt_restore_plan *p, int fd, char *err, size_t errsize)
{
	for (size_t i = 0; i < p->model->n_records; i++) {
		const struct ckpt_model_record *mr = &p->model->records[i];
		struct ckpt_record rec;
		struct ckpt_error e;
		struct k_termios2 t;
		struct winsize ws;

		if (!mr->rt || strcmp(mr->rt->name, "EXT_TTY") != 0)
			continue;
		if (ckpt_image_record_at(p->img, mr->offset, mr->index, &rec, &e) < 0) {
			ckpt_error_format(&e, err, errsize);
			return -1;
		}
		if (rec.avail < CKPT_EXT_TTY_LEN)
			continue;
		uint16_t kind = (uint16_t)ckpt_le_load(rec.data + 8, 2), flags = (uint16_t)ckpt_le_load(rec.data + 10, 2);

		if ((kind != CKPT_TTY_PTY_SLAVE && kind != CKPT_TTY_ALIAS) || !(flags & CKPT_TTY_STATE))
			continue;
		/* Start from the caller's: speeds the image lacks stay. */
		if (ioctl(fd, K_TCGETS2, &t) < 0)
			goto fail;
		t.c_iflag = (uint32_t)ckpt_le_load(rec.data + 40, 4);
		t.c_oflag = (uint32_t)ckpt_le_load(rec.data + 44, 4);
		t.c_cflag = (uint32_t)ckpt_le_load(rec.data + 48, 4);
		t.c_lflag = (uint32_t)ckpt_le_load(rec.data + 52, 4);
		t.c_line = rec.data[56];
		memcpy(t.c_cc, rec.data + 57, sizeof(t.c_cc));
		if (flags & CKPT_TTY_TERMIOS2) {
			t.c_ispeed = (uint32_t)ckpt_le_load(rec.data + 76, 4);
			t.c_ospeed = (uint32_t)ckpt_le_load(rec.data + 80, 4);
		}
		ws.ws_row = (unsigned short)ckpt_le_load(rec.data + 84, 2);
		ws.ws_col = (unsigned short)ckpt_le_load(rec.data + 86, 2);
		ws.ws_xpixel = (unsigned short)ckpt_le_load(rec.data + 88, 2);
		ws.ws_ypixel = (unsigned short)ckpt_le_load(rec.data + 90, 2);
		if (ioctl(fd, K_TCSETS2, &t) < 0 || ioctl(fd, TIOCSWINSZ, &ws) < 0)
			goto fail;
		return 0;
	}
	return 0;
fail:
	snprintf(err, errsize, "--restore-termios: cannot set the terminal's settings: %s", strerror(errno));
	return -1;
}

static uint64_t fld(const struct ckpt_record *rec, const char *name)
{
	const struct ckpt_field *f = rec->rt ? ckpt_rtype_field(rec->rt, name) : NULL;

	return f && ckpt_field_fits(f, rec->avail) ? ckpt_field_u64(f, rec->data) : 0;
}

static bool named(const struct ckpt_model_record *mr, const char *name)
{
	return mr->rt && strcmp(mr->rt->name, name) == 0;
}

static int add_ref(struct ckpt_restore_plan *p, int32_t from, int32_t tty)
{
	struct rs_tty_ref *more = realloc(p->tty_refs, (p->n_tty_refs + 1) * sizeof(*more));

	if (!more)
		return -1;
	p->tty_refs = more;
	p->tty_refs[p->n_tty_refs++] = (struct rs_tty_ref){ from, tty };
	return 0;
}

static void read_tty(struct rs_tty *t, int32_t objref, const struct ckpt_record *rec)
{
	memset(t, 0, sizeof(*t));
	t->objref = objref;
	t->kind = (uint32_t)fld(rec, "kind");
	t->flags = (uint32_t)fld(rec, "flags");
	t->index = (int32_t)fld(rec, "index");
	t->sid = (int32_t)fld(rec, "sid");
	t->pgrp = (int32_t)fld(rec, "pgrp");
	t->iflag = (uint32_t)fld(rec, "c_iflag");
	t->oflag = (uint32_t)fld(rec, "c_oflag");
	t->cflag = (uint32_t)fld(rec, "c_cflag");
	t->lflag = (uint32_t)fld(rec, "c_lflag");
	t->line = (uint8_t)fld(rec, "c_line");
	if (rec->avail >= 57 + sizeof(t->cc))
		memcpy(t->cc, rec->data + 57, sizeof(t->cc));
	t->ispeed = (uint32_t)fld(rec, "c_ispeed");
	t->ospeed = (uint32_t)fld(rec, "c_ospeed");
	t->ws[0] = (uint16_t)fld(rec, "ws_row");
	t->ws[1] = (uint16_t)fld(rec, "ws_col");
	t->ws[2] = (uint16_t)fld(rec, "ws_xpixel");
	t->ws[3] = (uint16_t)fld(rec, "ws_ypixel");
}

int rs_ttys_read(struct ckpt_restore_plan *p, char *err, size_t errsize)
{
	uint32_t objtype = 0;
	int32_t objref = 0, file = 0;

	for (size_t i = 0; i < p->model->n_records; i++) {
		const struct ckpt_model_record *mr = &p->model->records[i];
		bool is_objref = named(mr, "OBJREF"), is_tty = named(mr, "EXT_TTY");
		struct ckpt_record rec;
		struct ckpt_error e;

		if (!is_objref && !is_tty && !named(mr, "EXT_FILE_TTY") && !named(mr, "SIGNAL")) {
			/* A digest may come between an OBJREF and its record. */
			if (!mr->role && mr->type != CKPT_EXT_DIGEST)
				objtype = 0;
			continue;
		}
		if (ckpt_image_record_at(p->img, mr->offset, mr->index, &rec, &e) < 0) {
			ckpt_error_format(&e, err, errsize);
			return -1;
		}
		if (is_objref) {
			objtype = (uint32_t)fld(&rec, "objtype");
			objref = (int32_t)fld(&rec, "objref");
			if (objtype == CKPT_OBJ_FILE)
				file = objref;
			continue;
		}
		if (is_tty && objtype == CKPT_OBJ_TTY) {
			struct rs_tty *more = realloc(p->ttys, (p->n_ttys + 1) * sizeof(*more));

			if (!more)
				goto oom;
			p->ttys = more;
			read_tty(&p->ttys[p->n_ttys++], objref, &rec);
		} else if (named(mr, "EXT_FILE_TTY") && file && fld(&rec, "tty_objref")) {
			if (add_ref(p, file, (int32_t)fld(&rec, "tty_objref")) < 0)
				goto oom;
		} else if (named(mr, "SIGNAL") && objtype == CKPT_OBJ_SIGNAL && fld(&rec, "tty_objref")) {
			if (add_ref(p, objref, (int32_t)fld(&rec, "tty_objref")) < 0)
				goto oom;
		}
		objtype = 0;
	}
	return 0;
oom:
	snprintf(err, errsize, "out of memory reading the terminals");
	return -1;
}

void rs_ttys_free(struct ckpt_restore_plan *p)
{
	free(p->ttys);
	free(p->tty_refs);
	p->ttys = NULL;
	p->tty_refs = NULL;
	p->n_ttys = p->n_tty_refs = 0;
}

/* The terminal FILE or SIGNAL from names, or NULL. */
static const struct rs_tty *tty_of(const struct ckpt_restore_plan *p, int32_t from)
{
	int32_t ref = 0;

	for (size_t i = 0; from && i < p->n_tty_refs; i++)
		if (p->tty_refs[i].from == from)
			ref = p->tty_refs[i].tty;
	for (size_t i = 0; ref && i < p->n_ttys; i++)
		if (p->ttys[i].objref == ref)
			return &p->ttys[i];
	return NULL;
}

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
static bool rebuilt(const struct ckpt_restore_plan *p, const struct rs_tty *t)
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
	if (set->flags & CKPT_TTY_STATE) {
		struct k_termios2 t;
		struct winsize ws = { set->ws[0], set->ws[1], set->ws[2], set->ws[3] };

		if (ioctl(master, K_TCGETS2, &t) < 0)
			return pty_fail(err, errsize, m->index, "TCGETS2");
		t.c_iflag = set->iflag;
		t.c_oflag = set->oflag;
		t.c_cflag = set->cflag;
		t.c_lflag = set->lflag;
		t.c_line = set->line;
		memcpy(t.c_cc, set->cc, sizeof(t.c_cc));
		if (set->flags & CKPT_TTY_TERMIOS2) {
			t.c_ispeed = set->ispeed;
			t.c_ospeed = set->ospeed;
		}
		if (ioctl(master, K_TCSETS2, &t) < 0 || ioctl(master, TIOCSWINSZ, &ws) < 0)
			return pty_fail(err, errsize, m->index, "its termios and window size");
	}
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
	const struct rs_tty *t = x->task->sid == x->task->pid ? tty_of(x->plan, x->task->signal) : NULL;
	const struct rs_pipe *pair;

	if (!t || t->kind != CKPT_TTY_PTY_SLAVE || !rebuilt(x->plan, t) ||
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
	if ((fd = rs_take_fd(x, mine, "pty slave")) < 0 || rs_scratch(x, &pgrp, sizeof(pgrp), &at) < 0 ||
	    rs_call(x, "ioctl(TIOCSPGRP)", SYS_ioctl, fd, TIOCSPGRP, (long)at, 0, 0, 0, NULL) < 0 ||
	    rs_call(x, "close", SYS_close, fd, 0, 0, 0, 0, 0, NULL) < 0)
		return -1;
	rs_log(x, 1, "task %d: group %d is its terminal's foreground group again", (int)x->pid, (int)pgrp);
	return 0;
}

int rs_ttys_make(const struct ckpt_restore_plan *p, const struct ckpt_restore_options *opt, struct rs_pipe *pipes,
		 size_t *n, char *err, size_t errsize)
{
	char path[64];
	bool any = false;

	/* Pty pairs: the masters first, then their slaves. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < p->n_files; i++) {
			const struct rs_file *f = &p->files[i];
			const struct rs_tty *t = f->f_type == FILE_TYPE_TTY ? tty_of(p, f->objref) : NULL;

			if (!rebuilt(p, t) || (t->kind == CKPT_TTY_PTY_MASTER) != (pass == 0) ||
			    rs_pipes_holds(pipes, *n, f->objref))
				continue;
			if (pass == 0 ? make_pair(p, f, t, pipes, n, err, errsize) < 0 :
					open_slave(f, t, pipes, n, err, errsize) < 0)
				return -1;
		}
	if (relock(p, pipes, *n, err, errsize) < 0)
		return -1;
	for (size_t i = 0; i < p->n_files; i++) {
		const struct rs_file *f = &p->files[i];
		int fd;

		if (f->f_type != FILE_TYPE_TTY || rs_pipes_holds(pipes, *n, f->objref))
			continue;
		if (!opt || !opt->shell_job || opt->terminal_fd < 0) {
			/* The gate refuses this without --shell-job. */
			snprintf(err, errsize, "a descriptor on a terminal outside the image: restored only with --shell-job");
			return -1;
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", opt->terminal_fd);
		fd = open(path, (int)(f->f_flags & TTY_OPEN_FLAGS) | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(err, errsize, "--shell-job: cannot open ckptrestore's terminal again: %s", strerror(errno));
			return -1;
		}
		rs_pipes_add_one(pipes, n, f->objref, fd);
		any = true;
	}
	if (any && opt->restore_termios)
		return apply_termios(p, opt->terminal_fd, err, errsize);
	return 0;
}
