/* Terminals of a shell job (--shell-job).  The gate (check/terminals.c)
 * lets through only terminals whose other side is outside the image, all
 * one terminal: the one the tree was a job of.  Each FILE open on it
 * becomes a new open of the restorer's own terminal, with the FILE's
 * status flags, made here and taken by the tasks with pidfd_getfd(2)
 * like a pipe end (one description per FILE, as in the image).
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
#include <sys/ioctl.h>
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

int rs_ttys_make(const struct ckpt_restore_plan *p, const struct ckpt_restore_options *opt, struct rs_pipe *pipes,
		 size_t *n, char *err, size_t errsize)
{
	char path[64];
	bool any = false;

	for (size_t i = 0; i < p->n_files; i++) {
		const struct rs_file *f = &p->files[i];
		int fd;

		if (f->f_type != FILE_TYPE_TTY || rs_pipes_holds(pipes, *n, f->objref))
			continue;
		if (!opt || !opt->shell_job || opt->terminal_fd < 0) {
			/* The gate refuses this without --shell-job. */
			snprintf(err, errsize, "a descriptor on a terminal: restored only with --shell-job");
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
