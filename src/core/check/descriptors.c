/* Descriptor rules (rev 6): can the restorer rebuild every open file of the
 * image as the tasks saw it?  A regular file or a character device such as
 * /dev/null is reopened from its path, even when something outside the
 * image also holds it (the description is then no longer shared: an info
 * line).  A pipe, FIFO, socket or terminal whose other end, or whose very
 * description, is held outside the image cannot be reconnected: an error
 * unless the user declares the descriptor with --external fd:PID:FD, the
 * same declaration ckptrestore takes.
 *
 * Who holds what outside comes from the extension records: EXT_USERS
 * (users of the same open file description) and EXT_PEERS (descriptors of
 * other processes on the same pipe, FIFO or socket inode).  An image
 * without them is still judged from what it holds: a pipe one of whose
 * ends is missing from the image has its other end somewhere else.
 *
 * Every finding names the task (pid and comm), the descriptor and the
 * path, not only an objref. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_impl.h"
#include "ckpt/ext.h"
#include "ckpt/format.h"

#define REV6	CKPT_DIALECT_BIT(CKPT_DIALECT_REV6)

/* FILE.f_type values (rev 6). */
enum { FT_GENERIC = 1, FT_PIPE, FT_FIFO, FT_SOCKET, FT_TTY, FT_EPOLL, FT_EVENTFD };
#define FMODE_READ	0x1u
#define FMODE_WRITE	0x2u

enum { R_REOPEN, R_PEER_OUTSIDE, R_PEER_UNKNOWN, R_PEERS_ENTRY, R_SOCKET_MSGS };

static const struct ckpt_rule rules[] = {
	[R_REOPEN] = { "file-reopen", "files", CKPT_SEV_INFO, REV6,
		"An open regular file or device (such as /dev/null) is also held outside the "
		"image: the restorer reopens it from its path, so its description (position, "
		"flags) is no longer shared with the outside." },
	[R_PEER_OUTSIDE] = { "file-peer-outside", "files", CKPT_SEV_ERROR, REV6,
		"A pipe, FIFO, socket or terminal whose other end (or whose very description) is "
		"held outside the image cannot be reconnected by the restorer; an info line "
		"instead when the descriptor is declared with --external fd:PID:FD." },
	[R_PEER_UNKNOWN] = { "file-peer-unknown", "files", CKPT_SEV_WARNING, REV6,
		"A pipe or FIFO end whose other end is not in the image, and no EXT_PEERS record "
		"says who holds it (or the producer's scan stopped at its bound): its reader or "
		"writer lies outside, or there is none." },
	[R_PEERS_ENTRY] = { "peers-entry", "files", CKPT_SEV_ERROR, REV6,
		"An EXT_PEERS record names a FILE that is no pipe, FIFO or socket (an objref of "
		"another type is objref-type's finding)." },
	[R_SOCKET_MSGS] = { "socket-msgs", "files", CKPT_SEV_ERROR, REV6,
		"A socket queue's records do not add up: EXT_SOCKET_MSGS not right after its "
		"socket's FILE records, or not followed by exactly nr_msgs EXT_SOCKET_MSG records "
		"of the same file, indexed 0, 1, ... in order, whose nr_fds add up to its nr_fds "
		"(a stream's has none: its descriptors are in its bytes); or an EXT_SOCKET_MSG "
		"outside such a run." },
};

struct file {
	int32_t objref;
	uint32_t type, mode;
	uint64_t index, offset;
	char path[160];			/* escaped */
	uint64_t ino;			/* a pipe's, from its "pipe:[N]" name */
	uint32_t descs;			/* FILE_DESCs naming it */
	uint32_t observed;		/* EXT_USERS, when it has an entry */
	bool has_users;
	bool has_peer;
	struct ckpt_ext_peer peer;
	uint64_t peer_index, peer_offset;
	int32_t tty;			/* EXT_FILE_TTY: its terminal object */
};

/* A terminal object (EXT_TTY): a pty's two ends pair by index. */
struct tty {
	int32_t objref;
	uint32_t kind;
	int32_t index;
};

struct desc {
	int32_t table, fd, objref;
	uint64_t index;
};

struct peer {
	struct ckpt_ext_peer p;
	uint64_t index, offset;
};

struct state {
	bool on;
	uint32_t last_objtype;
	int32_t last_objref;
	bool last_was_objref;
	int32_t table;			/* the FILE_TABLE being read */
	struct file *files;
	size_t n_files;
	struct desc *descs;
	size_t n_descs;
	struct peer *peers;
	size_t n_peers;
	struct ckpt_ext_user *users;	/* FILE entries of EXT_USERS */
	size_t n_users;
	struct tty *ttys;
	size_t n_ttys;
	/* The EXT_SOCKET_MSGS whose EXT_SOCKET_MSG records are being read. */
	struct {
		bool open;
		int32_t objref;
		bool stream;		/* descriptors in a stream's bytes: no messages */
		uint32_t nr_msgs, nr_fds, seen, fds;
		uint64_t index, offset;
	} q;
};

static void *grow(struct ckpt_check *c, void *arrayp, size_t *n, size_t size)
{
	void **a = arrayp;

	if (*n == 0 || (*n >= 8 && (*n & (*n - 1)) == 0)) {	/* 8, 16, 32, ... */
		void *p = realloc(*a, (*n ? *n * 2 : 8) * size);

		if (!p) {
			check_out_of_memory(c);
			return NULL;
		}
		*a = p;
	}
	void *slot = (char *)*a + *n * size;

	memset(slot, 0, size);
	(*n)++;
	return slot;
}

static int fd_begin(struct ckpt_check *c, void *stp, const struct ckpt_image *img)
{
	struct state *st = stp;

	(void)img;
	st->on = check_schema(c)->dialect == CKPT_DIALECT_REV6;
	return 0;
}

static void note_path(struct file *f, const struct ckpt_record *rec)
{
	size_t n = rec->avail > rec->hdr_len ? rec->avail - rec->hdr_len : 0;
	const uint8_t *s = rec->data + rec->hdr_len;
	size_t len = strnlen((const char *)s, n);
	unsigned long long ino;
	char tail;

	ckpt_escape(s, len, f->path, sizeof(f->path));
	if (f->type == FT_PIPE && sscanf(f->path, "pipe:[%llu%c", &ino, &tail) == 2 && tail == ']')
		f->ino = ino;
}

/* The run of EXT_SOCKET_MSG records of the open EXT_SOCKET_MSGS ends. */
static void close_queue(struct ckpt_check *c, struct state *st)
{
	if (!st->q.open)
		return;
	st->q.open = false;
	if (st->q.seen != st->q.nr_msgs || (st->q.stream ? st->q.nr_msgs != 0 : st->q.fds != st->q.nr_fds))
		check_report(c, &rules[R_SOCKET_MSGS], -1, st->q.index, st->q.offset, "EXT_SOCKET_MSGS",
			     "file objref %" PRId32 ": %" PRIu32 " message(s) with %" PRIu32 " descriptor(s) follow, "
			     "it says %" PRIu32 " with %" PRIu32, st->q.objref, st->q.seen, st->q.fds, st->q.nr_msgs,
			     st->q.nr_fds);
}

/* EXT_SOCKET_MSGS opens a run of EXT_SOCKET_MSG records; anything else
 * but their BUFFERs closes it. */
static void socket_queue(struct ckpt_check *c, struct state *st, const struct ckpt_record *rec)
{
	int32_t ref = (int32_t)(uint32_t)check_field_u64(rec, "file_objref");

	if (rec->type == CKPT_EXT_SOCKET_MSGS) {
		close_queue(c, st);
		st->q.open = true;
		st->q.objref = ref;
		st->q.nr_msgs = (uint32_t)check_field_u64(rec, "nr_msgs");
		st->q.nr_fds = (uint32_t)check_field_u64(rec, "nr_fds");
		st->q.seen = st->q.fds = 0;
		st->q.stream = check_field_u64(rec, "sock_type") == 1;	/* SOCK_STREAM */
		st->q.index = rec->index;
		st->q.offset = rec->offset;
		if (!st->n_files || st->files[st->n_files - 1].objref != ref ||
		    st->files[st->n_files - 1].type != FT_SOCKET)
			check_report(c, &rules[R_SOCKET_MSGS], -1, rec->index, rec->offset + 8, "EXT_SOCKET_MSGS",
				     "file objref %" PRId32 " is not the socket whose FILE comes just before", ref);
		return;
	}
	uint32_t index = (uint32_t)check_field_u64(rec, "index");

	if (!st->q.open || ref != st->q.objref || index != st->q.seen || st->q.seen >= st->q.nr_msgs) {
		check_report(c, &rules[R_SOCKET_MSGS], -1, rec->index, rec->offset, "EXT_SOCKET_MSG",
			     "message %" PRIu32 " of file objref %" PRId32 " is not the next one its EXT_SOCKET_MSGS "
			     "announces", index, ref);
		close_queue(c, st);
		return;
	}
	st->q.seen++;
	st->q.fds += (uint32_t)check_field_u64(rec, "nr_fds");
}

static void fd_record(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		      const struct ckpt_role *role)
{
	struct state *st = stp;
	bool was_objref = st->last_was_objref;

	st->last_was_objref = false;
	if (!st->on || !rec->rt)
		return;
	if (role->name) {
		if (role->parent && strcmp(role->parent->name, "FILE") == 0 && strcmp(role->name, "path") == 0 &&
		    st->n_files && st->files[st->n_files - 1].index == role->parent_index)
			note_path(&st->files[st->n_files - 1], rec);
		return;
	}
	const char *name = rec->rt->name;

	if (rec->type == CKPT_EXT_SOCKET_MSGS || rec->type == CKPT_EXT_SOCKET_MSG) {
		socket_queue(c, st, rec);
		return;
	}
	close_queue(c, st);
	if (strcmp(name, "OBJREF") == 0) {
		st->last_objtype = (uint32_t)check_field_u64(rec, "objtype");
		st->last_objref = (int32_t)(uint32_t)check_field_u64(rec, "objref");
		st->last_was_objref = true;
	} else if (strcmp(name, "FILE") == 0 && was_objref && st->last_objtype == CKPT_OBJ_FILE) {
		struct file *f = grow(c, &st->files, &st->n_files, sizeof(*f));

		if (f)
			*f = (struct file){ .objref = st->last_objref, .type = (uint32_t)check_field_u64(rec, "f_type"),
					    .mode = (uint32_t)check_field_u64(rec, "f_mode"), .index = rec->index,
					    .offset = rec->offset };
	} else if (strcmp(name, "FILE_TABLE") == 0) {
		st->table = was_objref && st->last_objtype == CKPT_OBJ_FILE_TABLE ? st->last_objref : 0;
	} else if (strcmp(name, "FILE_DESC") == 0) {
		struct desc *d = grow(c, &st->descs, &st->n_descs, sizeof(*d));

		if (d)
			*d = (struct desc){ st->table, (int32_t)(uint32_t)check_field_u64(rec, "fd_descriptor"),
					    (int32_t)(uint32_t)check_field_u64(rec, "fd_objref"), rec->index };
	} else if (rec->type == CKPT_EXT_TTY && was_objref && st->last_objtype == CKPT_OBJ_TTY) {
		struct tty *t = grow(c, &st->ttys, &st->n_ttys, sizeof(*t));

		if (t)
			*t = (struct tty){ st->last_objref, (uint32_t)check_field_u64(rec, "kind"),
					   (int32_t)(uint32_t)check_field_u64(rec, "index") };
	} else if (rec->type == CKPT_EXT_FILE_TTY && st->n_files) {
		st->files[st->n_files - 1].tty = (int32_t)(uint32_t)check_field_u64(rec, "tty_objref");
	} else if (rec->type == CKPT_EXT_PEERS) {
		struct peer *p = grow(c, &st->peers, &st->n_peers, sizeof(*p));

		if (p && ckpt_ext_peer_parse(rec->data, rec->avail, &p->p)) {
			p->index = rec->index;
			p->offset = rec->offset;
		} else if (p) {
			st->n_peers--;
		}
	} else if (rec->type == CKPT_EXT_USERS) {
		uint32_t n;

		if (!ckpt_ext_users_count(rec->data, rec->avail, &n))
			return;
		for (uint32_t i = 0; i < n; i++) {
			struct ckpt_ext_user u;

			if (!ckpt_ext_users_entry(rec->data, rec->avail, i, &u))
				break;
			if (u.objtype != CKPT_OBJ_FILE || u.method == CKPT_USERS_NONE)
				continue;
			struct ckpt_ext_user *slot = grow(c, &st->users, &st->n_users, sizeof(*slot));

			if (slot)
				*slot = u;
		}
	}
}

static int cmp_file(const void *a, const void *b)
{
	const struct file *x = a, *y = b;

	if (x->objref != y->objref)
		return x->objref < y->objref ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static struct file *find_file(struct state *st, int32_t objref)
{
	size_t lo = 0, hi = st->n_files;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->files[mid].objref < objref)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < st->n_files && st->files[lo].objref == objref ? &st->files[lo] : NULL;
}

/* Tasks by file table, to name the holder of a descriptor. */
struct by_table {
	int32_t table;
	size_t task;
};

static int cmp_by_table(const void *a, const void *b)
{
	const struct by_table *x = a, *y = b;

	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	return x->task < y->task ? -1 : x->task > y->task;
}

static const struct ckpt_model_task *table_task(const struct ckpt_model *m, const struct by_table *ix,
						size_t n, int32_t table)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix[mid].table < table)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && ix[lo].table == table ? &m->tasks[ix[lo].task] : NULL;
}

/* "task 1234 (sleep) fd 1" for the first descriptor naming f; whether any
 * descriptor naming it is declared external. */
struct holder {
	char who[128];
	int64_t pid;
	int32_t fd;
	bool declared;
	uint64_t desc_index;
};

static int cmp_desc(const void *a, const void *b)
{
	const struct desc *x = a, *y = b;

	if (x->objref != y->objref)
		return x->objref < y->objref ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* The first descriptor naming objref (descs sorted by objref). */
static size_t first_desc(const struct state *st, int32_t objref)
{
	size_t lo = 0, hi = st->n_descs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->descs[mid].objref < objref)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void describe(const struct ckpt_check *c, const struct state *st, const struct ckpt_model *m,
		     const struct by_table *ix, size_t n_ix, const struct file *f, struct holder *h)
{
	const struct ckpt_check_options *o = check_options(c);
	bool first = true;

	memset(h, 0, sizeof(*h));
	snprintf(h->who, sizeof(h->who), "no descriptor");
	h->desc_index = f->index;
	for (size_t i = first_desc(st, f->objref); i < st->n_descs && st->descs[i].objref == f->objref; i++) {
		const struct desc *d = &st->descs[i];

		const struct ckpt_model_task *t = table_task(m, ix, n_ix, d->table);
		int64_t pid = t ? t->pid : 0;

		if (pid > 0 && pid <= INT32_MAX &&
		    ckpt_external_match(o->externals, o->n_externals, (int32_t)pid, d->fd))
			h->declared = true;
		if (!first)
			continue;
		first = false;
		h->pid = pid;
		h->fd = d->fd;
		h->desc_index = d->index;
		if (t)
			snprintf(h->who, sizeof(h->who), "task %" PRId64 " (%s) fd %" PRId32, pid,
				 t->comm[0] ? t->comm : "?", d->fd);
		else
			snprintf(h->who, sizeof(h->who), "file table %" PRId32 " fd %" PRId32, d->table, d->fd);
	}
}

static const char *kind_name(uint32_t type)
{
	switch (type) {
	case FT_PIPE:
		return "pipe";
	case FT_FIFO:
		return "FIFO";
	case FT_SOCKET:
		return "socket";
	case FT_TTY:
		return "terminal";
	case FT_EPOLL:
		return "epoll instance";
	case FT_EVENTFD:
		return "eventfd";
	}
	return "file";
}

/* Pipe and FIFO ends held by a descriptor, by inode (pipes) or path
 * digest (FIFOs), to find a pipe's other end without a quadratic walk. */
struct end {
	uint64_t key;
	uint32_t mode;
	const struct file *f;
};

static int cmp_end(const void *a, const void *b)
{
	const struct end *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

static uint64_t end_key(const struct file *f)
{
	return f->type == FT_PIPE ? f->ino : ckpt_digest(f->path, strlen(f->path)) | 1;
}

/* Whether the image holds the other end of pipe f (same inode, or for a
 * FIFO the same path, the opposite direction). */
static bool other_end_inside(const struct end *ends, size_t n, const struct file *f)
{
	uint32_t want = f->mode & FMODE_WRITE ? FMODE_READ : FMODE_WRITE;
	struct end key = { .key = end_key(f) };
	const struct end *e = bsearch(&key, ends, n, sizeof(key), cmp_end);

	if (!e || (f->type == FT_PIPE && !f->ino))
		return false;
	while (e > ends && e[-1].key == key.key)
		e--;
	for (; e < ends + n && e->key == key.key; e++)
		if (e->f != f && (e->mode & want))
			return true;
	return false;
}

static bool pty_pair_inside(const struct state *st, const struct file *f);

static void judge(struct ckpt_check *c, const struct state *st, const struct ckpt_model *m,
		  const struct by_table *ix, size_t n_ix, const struct end *ends, size_t n_ends,
		  const struct file *f)
{
	struct holder h;
	char why[200] = "";
	bool shared = f->has_users && f->observed > f->descs;

	describe(c, st, m, ix, n_ix, f, &h);
	switch (f->type) {
	case FT_PIPE:
	case FT_FIFO:
		if (shared)
			snprintf(why, sizeof(why), "its description is also open outside the image (%" PRIu32
				 " users, %" PRIu32 " inside)", f->observed, f->descs);
		else if (f->has_peer && (f->mode & FMODE_WRITE) && f->peer.outside_readers)
			snprintf(why, sizeof(why), "%" PRIu32 " descriptor(s) outside the image read from it",
				 f->peer.outside_readers);
		else if (f->has_peer && (f->mode & FMODE_READ) && f->peer.outside_writers)
			snprintf(why, sizeof(why), "%" PRIu32 " descriptor(s) outside the image write to it",
				 f->peer.outside_writers);
		else if ((!f->has_peer || (f->peer.flags & CKPT_PEER_SCAN_PARTIAL)) &&
			 !other_end_inside(ends, n_ends, f)) {
			check_report(c, &rules[R_PEER_UNKNOWN], h.declared ? CKPT_SEV_INFO : -1, h.desc_index,
				     f->offset, "FILE", "%s: %s, a %s %s end, has no other end in the image and "
				     "%s%s", h.who, f->path, kind_name(f->type),
				     f->mode & FMODE_WRITE ? "write" : "read",
				     f->has_peer ? "the producer's scan of the system stopped at its bound" :
				     "no EXT_PEERS record says who holds it",
				     h.declared ? "; declared external" : "");
			return;
		}
		break;
	case FT_SOCKET:
		if (shared)
			snprintf(why, sizeof(why), "the socket is also open outside the image");
		else if (f->has_peer && (f->peer.outside_readers || f->peer.outside_writers))
			snprintf(why, sizeof(why), "processes outside the image hold the socket or its peer");
		else if (!f->has_peer || (f->peer.flags & (CKPT_PEER_UNKNOWN | CKPT_PEER_SCAN_PARTIAL)))
			snprintf(why, sizeof(why), "the image does not record who holds its peer, so it "
				 "cannot be reconnected");
		break;
	case FT_TTY:
		if (pty_pair_inside(st, f))
			return;
		/* A shell job's terminal is the restorer's (restore-tty judges
		 * which terminals may be). */
		if (check_options(c)->shell_job) {
			check_report(c, &rules[R_PEER_OUTSIDE], CKPT_SEV_INFO, h.desc_index, f->offset, "FILE",
				     "%s: %s (terminal): its other end lies outside the image; with --shell-job "
				     "it is the restorer's terminal", h.who, f->path);
			return;
		}
		snprintf(why, sizeof(why), "the other end of a terminal lies outside the image");
		break;
	case FT_EPOLL:
	case FT_EVENTFD:
		if (shared)
			snprintf(why, sizeof(why), "its description is also open outside the image");
		break;
	default:
		if (shared)
			check_report(c, &rules[R_REOPEN], -1, h.desc_index, f->offset, "FILE",
				     "%s: %s is also open outside the image (%" PRIu32 " users, %" PRIu32
				     " inside); the restorer reopens it from its path", h.who, f->path,
				     f->observed, f->descs);
		return;
	}
	if (!why[0])
		return;
	if (h.declared)
		check_report(c, &rules[R_PEER_OUTSIDE], CKPT_SEV_INFO, h.desc_index, f->offset, "FILE",
			     "%s: %s (%s): %s; declared external, the user provides it at restore",
			     h.who, f->path, kind_name(f->type), why);
	else
		check_report(c, &rules[R_PEER_OUTSIDE], -1, h.desc_index, f->offset, "FILE",
			     "%s: %s (%s): %s; declare it with --external fd:%" PRId64 ":%" PRId32
			     " if it is provided at restore", h.who, f->path, kind_name(f->type), why,
			     h.pid, h.fd);
}

static void fd_end(struct ckpt_check *c, void *stp, const struct check_outcome *out)
{
	struct state *st = stp;
	const struct ckpt_model *m = check_model(c);

	if (st->on)
		close_queue(c, st);
	if (!st->on || out->failed || !m)
		return;
	if (st->n_files)	/* qsort takes no NULL, even for 0 */
		qsort(st->files, st->n_files, sizeof(*st->files), cmp_file);
	for (size_t i = 0; i < st->n_descs; i++) {
		struct file *f = find_file(st, st->descs[i].objref);

		if (f)
			f->descs++;
	}
	for (size_t i = 0; i < st->n_users; i++) {
		struct file *f = find_file(st, st->users[i].objref);

		if (f && !f->has_users) {
			f->has_users = true;
			f->observed = st->users[i].observed;
		}
	}
	for (size_t i = 0; i < st->n_peers; i++) {
		const struct peer *p = &st->peers[i];
		struct file *f = find_file(st, p->p.objref);

		if (!f || (f->type != FT_PIPE && f->type != FT_FIFO && f->type != FT_SOCKET)) {
			check_report(c, &rules[R_PEERS_ENTRY], -1, p->index, p->offset + 8, "EXT_PEERS",
				     "objref %" PRId32 " is %s", p->p.objref,
				     f ? "no pipe, FIFO or socket" : "no FILE of the image");
			continue;
		}
		if (!f->has_peer) {
			f->has_peer = true;
			f->peer = p->p;
		}
	}
	struct by_table *ix = malloc((m->n_tasks ? m->n_tasks : 1) * sizeof(*ix));
	size_t n_ix = 0;

	if (!ix) {
		check_out_of_memory(c);
		return;
	}
	for (size_t i = 0; i < m->n_tasks; i++)
		if (m->tasks[i].files_ref > 0)
			ix[n_ix++] = (struct by_table){ m->tasks[i].files_ref, i };
	qsort(ix, n_ix, sizeof(*ix), cmp_by_table);
	if (st->n_descs)
		qsort(st->descs, st->n_descs, sizeof(*st->descs), cmp_desc);
	struct end *ends = malloc((st->n_files ? st->n_files : 1) * sizeof(*ends));
	size_t n_ends = 0;

	if (!ends) {
		free(ix);
		check_out_of_memory(c);
		return;
	}
	for (size_t i = 0; i < st->n_files; i++) {
		const struct file *f = &st->files[i];

		if (f->descs && (f->type == FT_PIPE || f->type == FT_FIFO))
			ends[n_ends++] = (struct end){ end_key(f), f->mode, f };
	}
	qsort(ends, n_ends, sizeof(*ends), cmp_end);
	for (size_t i = 0; i < st->n_files; i++)
		if (st->files[i].descs && (i == 0 || st->files[i - 1].objref != st->files[i].objref))
			judge(c, st, m, ix, n_ix, ends, n_ends, &st->files[i]);
	free(ends);
	free(ix);
}

static void fd_release(void *stp)
{
	struct state *st = stp;

	free(st->files);
	free(st->descs);
	free(st->peers);
	free(st->users);
	free(st->ttys);
}

/* Whether the other end of the pty file f is on is in the image too: a
 * slave's master, a master's slave (EXT_TTY objects of one index). */
static bool pty_pair_inside(const struct state *st, const struct file *f)
{
	const struct tty *t = NULL;

	for (size_t i = 0; f->tty && i < st->n_ttys; i++)
		if (st->ttys[i].objref == f->tty)
			t = &st->ttys[i];
	if (!t || (t->kind != CKPT_TTY_PTY_MASTER && t->kind != CKPT_TTY_PTY_SLAVE))
		return false;
	for (size_t i = 0; i < st->n_ttys; i++)
		if (st->ttys[i].index == t->index && st->ttys[i].kind != t->kind &&
		    (st->ttys[i].kind == CKPT_TTY_PTY_MASTER || st->ttys[i].kind == CKPT_TTY_PTY_SLAVE))
			return true;
	return false;
}

const struct check_module check_module_descriptors = {
	.family = "files",
	.rules = rules,
	.n_rules = CKPT_ARRAY_LEN(rules),
	.state_size = sizeof(struct state),
	.begin = fd_begin,
	.record = fd_record,
	.end = fd_end,
	.release = fd_release,
	.uses_model = true,
};
