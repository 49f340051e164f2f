/* Restorable rules of terminals: which descriptors on a terminal, and
 * which controlling terminals (SIGNAL.tty_objref), ckptrestore can give
 * back.  One of the restorable family (restorable.c says how the family
 * and the restorer agree), in a file of its own.
 *
 * A pty whose master is in the image is made again, both ends, and is
 * the controlling terminal of its session again when that session's
 * leader is in the image.  Other terminals are not rebuilt: with --shell-job
 * (ckpt_check_options.shell_job) every terminal whose other side is
 * outside the image, a pty slave or /dev/tty, is the restorer's own
 * terminal, and the tree joins the restorer's session as a job of it.
 * Without it, no terminal is restored, and the finding says to use it.
 * Judged on rev 6 images ckpt wrote (EXT_PRODUCER), from their EXT_TTY
 * and EXT_FILE_TTY records. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_impl.h"
#include "ckpt/ext.h"
#include "ckpt/format.h"

#define R6 CKPT_DIALECT_BIT(CKPT_DIALECT_REV6)
#define FILE_TYPE_TTY 5

enum { R_TTY };

static const struct ckpt_rule rules[] = {
	[R_TTY] = { "restore-tty", "restorable", CKPT_SEV_ERROR, R6,
		"A descriptor on a terminal (FILE of type TTY), or a controlling terminal (SIGNAL.tty_objref), "
		"that ckptrestore cannot give back: without --shell-job, any (its terminal lies outside the "
		"image: restore it as a job of the restorer's terminal with --shell-job); with it, a console "
		"or virtual console, a serial line or other tty driver, a second terminal outside the image "
		"besides the first, a terminal without its EXT_TTY record (an older ckpt), or a session "
		"leader whose controlling terminal is outside the image (only the terminal's own session "
		"leader has it as such).  A pty whose master is in the image is made again, both ends; as "
		"a controlling terminal only when its session's leader is in the image too." },
};

struct tty_fact {
	int32_t objref;
	uint32_t kind;
	int32_t index;
	uint64_t real_rdev;
};

struct file_fact {
	int32_t objref, tty;
	uint64_t index, offset;
	char path[96];			/* escaped, for messages */
};

struct signal_fact {
	int32_t objref, tty;
	uint64_t index, offset;
};

struct state {
	bool user_space;
	uint32_t obj_type;		/* the OBJREF just read: applies to the next record */
	int32_t obj_ref;
	struct tty_fact *ttys;
	size_t n_ttys, cap_ttys;
	struct file_fact *files;
	size_t n_files, cap_files;
	struct signal_fact *signals;
	size_t n_signals, cap_signals;
	/* The first outside terminal a --shell-job restore maps to the
	 * restorer's: its device (0 none yet). */
	uint64_t outside_rdev;
};

#define GROW(st, name) \
	((struct name##_fact *)check_grow((void **)&(st)->name##s, &(st)->n_##name##s, &(st)->cap_##name##s, \
				    sizeof(struct name##_fact)))

static void tt_record(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		      const struct ckpt_role *role)
{
	struct state *st = stp;
	uint32_t objtype = st->obj_type;
	int32_t objref = st->obj_ref;
	bool ok = true;

	/* A digest may come between an OBJREF and its record. */
	if (rec->type == CKPT_EXT_DIGEST)
		return;
	st->obj_type = 0;
	st->obj_ref = 0;
	if (!rec->rt)
		return;
	if (check_record_is(rec, "EXT_PRODUCER")) {
		st->user_space = true;
	} else if (check_record_is(rec, "OBJREF")) {
		st->obj_type = (uint32_t)check_field_u64(rec, "objtype");
		st->obj_ref = (int32_t)check_field_u64(rec, "objref");
	} else if (check_record_is(rec, "FILE")) {
		struct file_fact *f;

		if (check_field_u64(rec, "f_type") == FILE_TYPE_TTY && (ok = (f = GROW(st, file)))) {
			f->objref = objtype ? objref : 0;
			f->index = rec->index;
			f->offset = rec->offset;
		}
	} else if (check_record_is(rec, "FILE_NAME") && role->name && strcmp(role->name, "path") == 0 && role->parent &&
		   strcmp(role->parent->name, "FILE") == 0 && st->n_files &&
		   st->files[st->n_files - 1].index + 1 == rec->index) {
		const uint8_t *s = rec->data + rec->hdr_len;
		size_t len = rec->avail > rec->hdr_len ? rec->avail - rec->hdr_len : 0;
		bool terminated;

		len = ckpt_text_len(s, len, &terminated);
		ckpt_escape(s, len, st->files[st->n_files - 1].path, sizeof(st->files[0].path));
	} else if (check_record_is(rec, "EXT_FILE_TTY") && st->n_files) {
		st->files[st->n_files - 1].tty = (int32_t)check_field_u64(rec, "tty_objref");
	} else if (check_record_is(rec, "EXT_TTY")) {
		struct tty_fact *t;

		if ((ok = (t = GROW(st, tty)))) {
			t->objref = objtype == CKPT_OBJ_TTY ? objref : 0;
			t->kind = (uint32_t)check_field_u64(rec, "kind");
			t->index = (int32_t)check_field_u64(rec, "index");
			t->real_rdev = check_field_u64(rec, "real_rdev");
		}
	} else if (check_record_is(rec, "SIGNAL")) {
		struct signal_fact *s;

		if ((ok = (s = GROW(st, signal)))) {
			s->objref = objtype ? objref : 0;
			s->tty = (int32_t)check_field_u64(rec, "tty_objref");
			s->index = rec->index;
			s->offset = rec->offset;
		}
	}
	if (!ok)
		check_out_of_memory(c);
}

static const struct tty_fact *tty_by_ref(const struct state *st, int32_t ref)
{
	for (size_t i = 0; ref && i < st->n_ttys; i++)
		if (st->ttys[i].objref == ref)
			return &st->ttys[i];
	return NULL;
}

static const struct file_fact *file_by_ref(const struct state *st, int32_t ref)
{
	for (size_t i = 0; ref && i < st->n_files; i++)
		if (st->files[i].objref == ref)
			return &st->files[i];
	return NULL;
}

/* Whether the image holds the master of pty slave t. */
static bool master_inside(const struct state *st, const struct tty_fact *t)
{
	for (size_t i = 0; i < st->n_ttys; i++)
		if (st->ttys[i].kind == CKPT_TTY_PTY_MASTER && st->ttys[i].index == t->index)
			return true;
	return false;
}

/* Why terminal t cannot be given back, or NULL when --shell-job makes it
 * the restorer's terminal. */
static const char *refusal(struct state *st, const struct ckpt_check_options *opt, const struct tty_fact *t)
{
	if (!t)
		return "the image holds no terminal record (EXT_TTY) for it: written by an older ckpt";
	switch (t->kind) {
	case CKPT_TTY_PTY_MASTER:
		/* Made again with its slave (its slave outside the image is
		 * file-peer-outside's). */
		return NULL;
	case CKPT_TTY_PTY_SLAVE:
		if (master_inside(st, t))
			return NULL;
		break;
	case CKPT_TTY_ALIAS:
		break;
	case CKPT_TTY_CONSOLE:
		return "it is a console or virtual console, which is not restored";
	default:
		return "it is a serial line or another tty driver's terminal, which is not restored";
	}
	if (!opt->shell_job)
		return "its terminal lies outside the image; restore it as a job of ckptrestore's terminal "
		       "with --shell-job";
	if (st->outside_rdev && t->real_rdev != st->outside_rdev)
		return "it is a second terminal outside the image, and --shell-job gives back one";
	st->outside_rdev = t->real_rdev;
	return NULL;
}

/* Whether a live process of the image leads session sid. */
static bool session_leader_inside(const struct ckpt_model *m, int64_t sid)
{
	for (size_t i = 0; i < m->n_tasks; i++)
		if (m->tasks[i].pid == sid && m->tasks[i].tgid == sid && !m->tasks[i].exit_state)
			return true;
	return false;
}

static void task_name(const struct ckpt_model_task *mt, char *buf, size_t size)
{
	snprintf(buf, size, "task %" PRId64 " (%s)", mt->pid, mt->comm);
}

static void judge_task(struct ckpt_check *c, struct state *st, const struct ckpt_model *m,
		       const struct ckpt_model_task *mt)
{
	const struct ckpt_check_options *opt = check_options(c);
	const struct ckpt_model_file_table *ft = mt->files_ref ? ckpt_model_file_table(m, mt->files_ref) : NULL;
	char who[128];
	const char *why;

	task_name(mt, who, sizeof(who));
	for (size_t i = 0; ft && i < ft->n_fds && ft->first_fd + i < m->n_fds; i++) {
		const struct ckpt_model_fd *d = &m->fds[ft->first_fd + i];
		const struct file_fact *f = file_by_ref(st, d->file_ref);

		if (!f || ckpt_external_match(opt->externals, opt->n_externals, (int32_t)mt->pid, d->fd))
			continue;
		if ((why = refusal(st, opt, tty_by_ref(st, f->tty))))
			check_report(c, &rules[R_TTY], -1, f->index, f->offset, "FILE",
				     "%s: descriptor %" PRId32 " is on a terminal (%s), which is not restored: %s", who,
				     d->fd, f->path, why);
	}
	for (size_t i = 0; mt->signal_ref && i < st->n_signals; i++) {
		const struct signal_fact *s = &st->signals[i];
		const struct tty_fact *t;

		if (s->objref != mt->signal_ref || !s->tty)
			continue;
		t = tty_by_ref(st, s->tty);
		if (t && t->kind == CKPT_TTY_PTY_SLAVE && master_inside(st, t)) {
			/* Its session leader gets it back by TIOCSCTTY. */
			if (!session_leader_inside(m, mt->sid))
				check_report(c, &rules[R_TTY], -1, s->index, s->offset, "SIGNAL",
					     "%s: its controlling terminal is a pty of the image, but its session's "
					     "leader %" PRId64 " is not a process of the image to make it that again",
					     who, mt->sid);
			continue;
		}
		if (t && t->kind == CKPT_TTY_PTY_MASTER) {
			check_report(c, &rules[R_TTY], -1, s->index, s->offset, "SIGNAL",
				     "%s: its controlling terminal is a pty master, which is not made one again", who);
			continue;
		}
		if ((why = refusal(st, opt, t)))
			check_report(c, &rules[R_TTY], -1, s->index, s->offset, "SIGNAL",
				     "%s: its controlling terminal (objref %" PRId32 ") is not given back: %s", who, s->tty,
				     why);
		else if (mt->sid == mt->pid)
			check_report(c, &rules[R_TTY], -1, s->index, s->offset, "SIGNAL",
				     "%s: leads the session of its controlling terminal, which lies outside the image: "
				     "only that terminal's session leader has it as such; restore a tree started "
				     "from a shell", who);
	}
}

static void tt_end(struct ckpt_check *c, void *stp, const struct check_outcome *out)
{
	struct state *st = stp;
	const struct ckpt_model *m = check_model(c);

	(void)out;
	if (!m || !st->user_space)
		return;
	for (size_t i = 0; i < m->n_tasks; i++) {
		const struct ckpt_model_task *mt = &m->tasks[i];

		/* Threads share their process's table and SIGNAL. */
		if (mt->exit_state || (mt->has_tree && mt->pid != mt->tgid))
			continue;
		judge_task(c, st, m, mt);
	}
}

static void tt_release(void *stp)
{
	struct state *st = stp;

	free(st->ttys);
	free(st->files);
	free(st->signals);
}

const struct check_module check_module_terminals = {
	.family = "restorable",
	.rules = rules,
	.n_rules = CKPT_ARRAY_LEN(rules),
	.state_size = sizeof(struct state),
	.record = tt_record,
	.end = tt_end,
	.uses_model = true,
	.release = tt_release,
};
