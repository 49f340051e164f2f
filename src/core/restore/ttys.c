/* Terminals: the image's terminal records (EXT_TTY, and which FILE or
 * SIGNAL names which), read after the plan; their termios set on a
 * terminal; and shell jobs (--shell-job).  Pty pairs inside the image are
 * ptys.c's.
 *
 * The gate (check/terminals.c) lets other terminals through only with
 * --shell-job, and only when their other side is outside the image, all
 * one terminal: the one the tree was a job of.  Each FILE open on it
 * becomes a new open of the restorer's own terminal, with the FILE's
 * status flags, made here and taken by the tasks with pidfd_getfd(2) like
 * a pipe end (one description per FILE, as in the image).
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

int ckpt_restore_terminal_foreground(int fd, pid_t pgid)
{
	sigset_t ttou, old;
	int rc, e;

	/* A background group's tcsetpgrp() is sent SIGTTOU. */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	rc = tcsetpgrp(fd, pgid ? pgid : getpgrp());
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return rc;
}

int rs_tty_foreground(const struct ckpt_restore_options *opt, pid_t root, char *err, size_t errsize)
{
	pid_t pgid = getpgid(root);

	if (!opt || !opt->shell_job)
		return 0;
	if (pgid < 0 || ckpt_restore_terminal_foreground(opt->terminal_fd, pgid) < 0) {
		snprintf(err, errsize, "--shell-job: cannot make process group %d the terminal's foreground group: %s",
			 (int)pgid, strerror(errno));
		return -1;
	}
	return 0;
}

int rs_tty_set(int fd, const struct rs_tty *s)
{
	struct k_termios2 t;
	struct winsize ws = { s->ws[0], s->ws[1], s->ws[2], s->ws[3] };

	/* Start from the terminal's own: speeds the image lacks stay. */
	if (ioctl(fd, K_TCGETS2, &t) < 0)
		return -1;
	t.c_iflag = s->iflag;
	t.c_oflag = s->oflag;
	t.c_cflag = s->cflag;
	t.c_lflag = s->lflag;
	t.c_line = s->line;
	memcpy(t.c_cc, s->cc, sizeof(t.c_cc));
	if (s->flags & CKPT_TTY_TERMIOS2) {
		t.c_ispeed = s->ispeed;
		t.c_ospeed = s->ospeed;
	}
	return ioctl(fd, K_TCSETS2, &t) < 0 || ioctl(fd, TIOCSWINSZ, &ws) < 0 ? -1 : 0;
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
const struct rs_tty *rs_tty_of(const struct ckpt_restore_plan *p, int32_t from)
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

int rs_ttys_make(const struct ckpt_restore_plan *p, const struct ckpt_restore_options *opt, struct rs_pipe *pipes,
		 size_t *n, char *err, size_t errsize)
{
	const struct rs_tty *outside = NULL;
	char path[64];

	if (rs_ptys_make(p, pipes, n, err, errsize) < 0)
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
		/* /dev/tty stays /dev/tty: ours is the caller's terminal. */
		const struct rs_tty *t = rs_tty_of(p, f->objref);

		snprintf(path, sizeof(path), "/proc/self/fd/%d", opt->terminal_fd);
		fd = open(t && t->kind == CKPT_TTY_ALIAS ? "/dev/tty" : path,
			  (int)(f->f_flags & TTY_OPEN_FLAGS) | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(err, errsize, "--shell-job: cannot open ckptrestore's terminal again: %s", strerror(errno));
			return -1;
		}
		rs_pipes_add_one(pipes, n, f->objref, fd);
		if (!outside || outside->kind == CKPT_TTY_ALIAS)
			outside = t;
	}
	/* --restore-termios: the job's old terminal's settings on ours. */
	if (outside && opt->restore_termios && (outside->flags & CKPT_TTY_STATE) &&
	    rs_tty_set(opt->terminal_fd, outside) < 0) {
		snprintf(err, errsize, "--restore-termios: cannot set the terminal's settings: %s", strerror(errno));
		return -1;
	}
	return 0;
}
