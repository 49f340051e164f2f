/* Descriptors whose state is more than a path: eventfd (its counter and
 * mode), timerfd (clock, setting, time left, period, expirations not read),
 * signalfd (its mask), inotify (its watches, by file handle) and epoll
 * (its interest list).  Each is made in the restorer, with its status
 * flags, and taken by the tasks with pidfd_getfd(2) like a pipe end, so
 * one FILE of the image is one open file description again.  An epoll's
 * items name descriptors of the task: they are added in the task, by
 * remote epoll_ctl, once every descriptor of it is placed.  The records
 * are read here, after the plan, so plan.c only calls in. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "ckpt/format.h"
#include "restore/restore_impl.h"

#ifndef TFD_IOC_SET_TICKS
#define TFD_IOC_SET_TICKS _IOW('T', 0, uint64_t)
#endif
#ifndef IN_MASK_CREATE
#define IN_MASK_CREATE 0x10000000
#endif

static uint64_t fld(const struct ckpt_record *rec, const char *name)
{
	const struct ckpt_field *f = rec->rt ? ckpt_rtype_field(rec->rt, name) : NULL;

	return f && ckpt_field_fits(f, rec->avail) ? ckpt_field_u64(f, rec->data) : 0;
}

/* Element i of array `array` of rec: its bytes, or NULL past the record. */
static const uint8_t *element(const struct ckpt_record *rec, const char *array, uint64_t i)
{
	const struct ckpt_field *a = rec->rt ? ckpt_rtype_field(rec->rt, array) : NULL;

	if (!a || !a->stride || a->offset + (i + 1) * a->stride > rec->avail)
		return NULL;
	return rec->data + a->offset + i * a->stride;
}

/* Elements of array `array` the record holds: its count field, and no
 * more than fit in the record (an untrusted count allocates nothing). */
static uint64_t held(const struct ckpt_record *rec, const char *array, const char *count)
{
	const struct ckpt_field *a = rec->rt ? ckpt_rtype_field(rec->rt, array) : NULL;
	uint64_t n = fld(rec, count);

	if (!a || !a->stride || a->offset > rec->avail)
		return 0;
	return n < (rec->avail - a->offset) / a->stride ? n : (rec->avail - a->offset) / a->stride;
}

static bool is(const struct ckpt_record *rec, const char *name)
{
	return rec->rt && strcmp(rec->rt->name, name) == 0;
}

const struct rs_fdkind *rs_fdkind(const struct ckpt_restore_plan *p, int32_t file)
{
	for (size_t i = 0; file && i < p->n_kinds; i++)
		if (p->kinds[i].file == file)
			return &p->kinds[i];
	return NULL;
}

/* The entry of FILE file, made when absent; NULL when memory ran out. */
static struct rs_fdkind *kind_of(struct ckpt_restore_plan *p, int32_t file)
{
	struct rs_fdkind *k = (struct rs_fdkind *)rs_fdkind(p, file), *more;

	if (k)
		return k;
	if (!(more = realloc(p->kinds, (p->n_kinds + 1) * sizeof(*more))))
		return NULL;
	p->kinds = more;
	k = &p->kinds[p->n_kinds++];
	memset(k, 0, sizeof(*k));
	k->file = file;
	return k;
}

/* The BUFFER a record announces comes right after it: where its bytes go. */
struct pending_data {
	size_t kind;			/* index in p->kinds */
	bool is_queue, is_msg;		/* a stream queue, or message n_msgs - 1 */
};

static int read_one(struct ckpt_restore_plan *p, const struct ckpt_record *rec, struct pending_data *next)
{
	struct rs_fdkind *k;

	if (is(rec, "EXT_PRODUCER")) {
		/* The fdinfo was read while the tree was frozen: by the end
		 * of the freeze at the latest. */
		p->time_ns = fld(rec, "time_ns") + fld(rec, "frozen_ns");
		return 0;
	}
	next->is_queue = next->is_msg = false;
	if (is(rec, "EXT_EPOLL"))
		k = kind_of(p, (int32_t)fld(rec, "epfile_objref"));
	else if (is(rec, "EXT_PEERS"))
		k = kind_of(p, (int32_t)fld(rec, "objref"));
	else
		k = kind_of(p, (int32_t)fld(rec, "file_objref"));
	if (!k)
		return -1;
	if (is(rec, "EXT_EVENTFD")) {
		k->kind = RK_EVENTFD;
		k->semaphore = fld(rec, "semaphore") != 0;
		k->count = fld(rec, "count");
	} else if (is(rec, "EXT_TIMERFD")) {
		k->kind = RK_TIMERFD;
		k->clockid = (uint32_t)fld(rec, "clockid");
		k->ticks = fld(rec, "ticks");
		k->settime_flags = (uint32_t)fld(rec, "settime_flags");
		k->value_sec = fld(rec, "value_sec");
		k->value_nsec = fld(rec, "value_nsec");
		k->interval_sec = fld(rec, "interval_sec");
		k->interval_nsec = fld(rec, "interval_nsec");
	} else if (is(rec, "EXT_SIGNALFD")) {
		k->kind = RK_SIGNALFD;
		k->sigmask = fld(rec, "sigmask");
	} else if (is(rec, "EXT_INOTIFY")) {
		uint64_t n = held(rec, "watches", "nr_watches");
		const uint8_t *w;

		k->kind = RK_INOTIFY;
		free(k->watches);
		k->n_watches = 0;
		if (!(k->watches = calloc(n ? n : 1, sizeof(*k->watches))))
			return -1;
		for (uint64_t i = 0; i < n && (w = element(rec, "watches", i)); i++) {
			struct rs_watch *x = &k->watches[k->n_watches++];

			x->wd = (int32_t)ckpt_le_load(w, 4);
			x->mask = (uint32_t)ckpt_le_load(w + 4, 4);
			x->sdev = (uint32_t)ckpt_le_load(w + 12, 4);
			x->handle_type = (int32_t)ckpt_le_load(w + 24, 4);
			x->handle_bytes = (uint32_t)ckpt_le_load(w + 28, 4);
			if (x->handle_bytes > sizeof(x->handle))
				x->handle_bytes = sizeof(x->handle);
			memcpy(x->handle, w + 32, x->handle_bytes);
		}
	} else if (is(rec, "EXT_EPOLL")) {
		uint64_t n = held(rec, "items", "num_items");
		const uint8_t *e;

		k->kind = RK_EPOLL;
		free(k->items);
		k->n_items = 0;
		if (!(k->items = calloc(n ? n : 1, sizeof(*k->items))))
			return -1;
		for (uint64_t i = 0; i < n && (e = element(rec, "items", i)); i++) {
			struct rs_epoll_item *it = &k->items[k->n_items++];

			it->data = ckpt_le_load(e, 8);
			it->fd = (int32_t)ckpt_le_load(e + 8, 4);
			it->file = (int32_t)ckpt_le_load(e + 12, 4);
			it->events = (uint32_t)ckpt_le_load(e + 16, 4);
		}
	} else if (is(rec, "EXT_SOCKET_QUEUE")) {
		k->has_queue = true;
		k->family = (uint32_t)fld(rec, "family");
		k->sock_type = (uint32_t)fld(rec, "sock_type");
		next->kind = (size_t)(k - p->kinds);
		next->is_queue = true;
	} else if (is(rec, "EXT_SOCKET_MSGS")) {
		k->has_msgs = true;
		k->msgs_type = (uint32_t)fld(rec, "sock_type");
		k->msgs_flags = (uint32_t)fld(rec, "flags");
		k->msgs_fds = (uint32_t)fld(rec, "nr_fds");
	} else if (is(rec, "EXT_SOCKET_MSG")) {
		/* One per record: as many as the image holds records. */
		struct rs_msg *more = realloc(k->msgs, (k->n_msgs + 1) * sizeof(*more));

		if (!more)
			return -1;
		k->msgs = more;
		k->msgs[k->n_msgs].data = NULL;
		k->msgs[k->n_msgs++].len = 0;
		next->kind = (size_t)(k - p->kinds);
		next->is_msg = true;
	} else if (is(rec, "EXT_SOCKET_LISTEN")) {
		rs_listen_read(&k->listen, rec);
		k->has_listen = true;
	} else if (is(rec, "EXT_PEERS")) {
		k->has_peers = true;
		k->ino = fld(rec, "ino");
		k->peer_ino = (uint32_t)fld(rec, "peer_ino");
	}
	return 0;
}

int rs_fdkinds_read(struct ckpt_restore_plan *p, char *err, size_t errsize)
{
	static const char *const types[] = {
		"EXT_PRODUCER", "EXT_EVENTFD", "EXT_TIMERFD", "EXT_SIGNALFD", "EXT_INOTIFY", "EXT_EPOLL",
		"EXT_SOCKET_QUEUE", "EXT_PEERS", "EXT_SOCKET_MSGS", "EXT_SOCKET_MSG", "EXT_SOCKET_LISTEN",
	};
	struct pending_data next = { 0 };	/* what the record just read announced */

	for (size_t i = 0; i < p->model->n_records; i++) {
		const struct ckpt_model_record *mr = &p->model->records[i];
		bool data = (next.is_queue || next.is_msg) && mr->role && strcmp(mr->role, "data") == 0;
		bool want = data;
		struct ckpt_record rec;
		struct ckpt_error e;

		for (size_t t = 0; !want && mr->rt && t < CKPT_ARRAY_LEN(types); t++)
			want = strcmp(mr->rt->name, types[t]) == 0;
		if (!want) {
			next.is_queue = next.is_msg = false;
			continue;
		}
		if (ckpt_image_record_at(p->img, mr->offset, mr->index, &rec, &e) < 0) {
			char msg[300];

			ckpt_error_format(&e, msg, sizeof(msg));
			snprintf(err, errsize, "%s", msg);
			return -1;
		}
		if (data) {
			/* The BUFFER right after an EXT_SOCKET_QUEUE or an
			 * EXT_SOCKET_MSG: its bytes. */
			struct rs_fdkind *k = &p->kinds[next.kind];
			size_t len = rec.avail > rec.hdr_len ? rec.avail - rec.hdr_len : 0;
			uint8_t **to = next.is_queue ? &k->queue : &k->msgs[k->n_msgs - 1].data;

			free(*to);
			if (!(*to = malloc(len ? len : 1)))
				goto oom;
			memcpy(*to, rec.data + rec.hdr_len, len);
			if (next.is_queue)
				k->queue_len = len;
			else
				k->msgs[k->n_msgs - 1].len = len;
			next.is_queue = next.is_msg = false;
			continue;
		}
		if (read_one(p, &rec, &next) < 0)
			goto oom;
	}
	return 0;
oom:
	snprintf(err, errsize, "out of memory reading the plan");
	return -1;
}

void rs_fdkinds_free(struct ckpt_restore_plan *p)
{
	for (size_t i = 0; i < p->n_kinds; i++) {
		free(p->kinds[i].watches);
		free(p->kinds[i].items);
		free(p->kinds[i].queue);
		for (size_t m = 0; m < p->kinds[i].n_msgs; m++)
			free(p->kinds[i].msgs[m].data);
		free(p->kinds[i].msgs);
	}
	free(p->kinds);
	p->kinds = NULL;
	p->n_kinds = 0;
}

/* -- making them -------------------------------------------------------------- */

static int made_fail(char *err, size_t errsize, int32_t file, const char *kind, const char *what)
{
	snprintf(err, errsize, "file %d (%s): %s: %s", (int)file, kind, what, strerror(errno));
	return -1;
}

static int make_eventfd(const struct rs_fdkind *k, char *err, size_t errsize)
{
	int fd = eventfd(0, EFD_CLOEXEC | (k->semaphore ? EFD_SEMAPHORE : 0));

	if (fd < 0)
		return made_fail(err, errsize, k->file, "eventfd", "eventfd");
	/* The counter: one write adds it (up to 2^64 - 2, the kernel's bound). */
	if (k->count && write(fd, &k->count, sizeof(k->count)) != (ssize_t)sizeof(k->count)) {
		made_fail(err, errsize, k->file, "eventfd", "write of its counter");
		close(fd);
		return -1;
	}
	return fd;
}

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* The timer as it was: a relative timer gets the time it had left (the
 * time the tree was down does not count); an absolute one (TFD_TIMER_ABSTIME)
 * its end time again, found from the freeze's CLOCK_REALTIME and the time
 * left then, so it fires when it would have, at once if that has passed
 * (with the periods missed since counted by the kernel on read).  The
 * time left was read at some point of the freeze: the end of the freeze
 * is taken, so a timer may fire late by up to the freeze, never early.  The
 * expirations not read yet are put back with TFD_IOC_SET_TICKS. */
static int make_timerfd(const struct ckpt_restore_plan *p, const struct rs_fdkind *k, char *err, size_t errsize)
{
	int fd = timerfd_create((clockid_t)k->clockid, TFD_CLOEXEC);
	struct itimerspec its = { .it_interval = { (time_t)k->interval_sec, (long)k->interval_nsec },
				  .it_value = { (time_t)k->value_sec, (long)k->value_nsec } };
	int flags = (int)(k->settime_flags & (TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET));

	if (fd < 0)
		return made_fail(err, errsize, k->file, "timerfd", "timerfd_create");
	/* The gate refuses larger times: no overflow below. */
	if (k->value_sec >= (1ull << 32) || k->interval_sec >= (1ull << 32)) {
		errno = ERANGE;
		made_fail(err, errsize, k->file, "timerfd", "its time");
		close(fd);
		return -1;
	}
	if ((k->value_sec || k->value_nsec) && (flags & TFD_TIMER_ABSTIME)) {
		struct timespec real, own;
		int64_t end;

		if (clock_gettime(CLOCK_REALTIME, &real) < 0 || clock_gettime((clockid_t)k->clockid, &own) < 0) {
			made_fail(err, errsize, k->file, "timerfd", "clock_gettime");
			close(fd);
			return -1;
		}
		/* Its end on its own clock: now there, plus what is left of
		 * it on the realtime clock. */
		/* In 128 bits: the image's freeze time is untrusted. */
		__int128 at = (__int128)ns_of(&own) + (__int128)(k->value_sec * 1000000000 + k->value_nsec % 1000000000) -
			      ((__int128)ns_of(&real) - (__int128)p->time_ns);

		end = at <= 0 ? 1 : at > INT64_MAX ? INT64_MAX : (int64_t)at;
		its.it_value.tv_sec = (time_t)(end / 1000000000);
		its.it_value.tv_nsec = (long)(end % 1000000000);
	}
	if (timerfd_settime(fd, flags, &its, NULL) < 0) {
		made_fail(err, errsize, k->file, "timerfd", "timerfd_settime");
		close(fd);
		return -1;
	}
	if (k->ticks && ioctl(fd, TFD_IOC_SET_TICKS, &k->ticks) < 0) {
		made_fail(err, errsize, k->file, "timerfd", "TFD_IOC_SET_TICKS of its expirations");
		close(fd);
		return -1;
	}
	return fd;
}

static int make_signalfd(const struct rs_fdkind *k, char *err, size_t errsize)
{
	uint64_t mask = k->sigmask;
	int fd = (int)syscall(SYS_signalfd4, -1, &mask, sizeof(mask), O_CLOEXEC);

	return fd < 0 ? made_fail(err, errsize, k->file, "signalfd", "signalfd4") : fd;
}

/* A mount of the device the kernel numbered sdev (MAJOR << 20 | MINOR),
 * opened for open_by_handle_at(2) (which refuses an O_PATH one); -1
 * when none is mounted. */
static int mount_of(uint32_t sdev)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int fd = -1;

	if (!f)
		return -1;
	while (fd < 0 && fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		char root[4096], at[4096];

		if (sscanf(line, "%*u %*u %u:%u %4095s %4095s", &maj, &min, root, at) != 4 || maj != sdev >> 20 ||
		    min != (sdev & 0xfffff))
			continue;
		/* Octal escapes (\040) in a mount point are left: such a
		 * mount is skipped and the next of the device tried. */
		fd = open(at, O_RDONLY | O_CLOEXEC);
	}
	fclose(f);
	return fd;
}

/* A watch that takes the next watch descriptor and goes, so that the
 * next real watch gets the one after (the kernel hands them out in turn,
 * wrapping, not reusing the lowest free). */
static int skip_wd(int ifd, int *got)
{
	static const char *const spare[] = { "/", "/proc", "/dev", "/sys", "/tmp", "/etc", "/usr", "/var" };

	for (size_t i = 0; i < CKPT_ARRAY_LEN(spare); i++) {
		int wd = inotify_add_watch(ifd, spare[i], IN_ATTRIB | IN_MASK_CREATE);

		if (wd >= 0) {
			*got = wd;
			return inotify_rm_watch(ifd, wd);
		}
	}
	return -1;
}

static int add_watch(int ifd, const struct rs_watch *w, int *got)
{
	struct {
		struct file_handle h;
		unsigned char bytes[128];
	} fh;
	int mnt = mount_of(w->sdev), fd;
	char path[64];

	if (mnt < 0) {
		errno = ENOENT;
		return -1;
	}
	fh.h.handle_bytes = w->handle_bytes;
	fh.h.handle_type = w->handle_type;
	memcpy(fh.h.f_handle, w->handle, w->handle_bytes);
	fd = (int)syscall(SYS_open_by_handle_at, mnt, &fh.h, O_PATH | O_CLOEXEC);
	close(mnt);
	if (fd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	*got = inotify_add_watch(ifd, path, w->mask);
	close(fd);
	return *got < 0 ? -1 : 0;
}

static int by_wd(const void *a, const void *b)
{
	const struct rs_watch *x = a, *y = b;

	return (x->wd > y->wd) - (x->wd < y->wd);
}

/* Watches in the order of their descriptors, each at its own: the ones
 * between them taken by spare watches.  Events queued at the checkpoint
 * are not in the image and are not made up. */
static int make_inotify(const struct rs_fdkind *k, char *err, size_t errsize)
{
	int fd = inotify_init1(IN_CLOEXEC), next = 1, got = 0;
	struct rs_watch *w = malloc((k->n_watches ? k->n_watches : 1) * sizeof(*w));

	if (fd < 0 || !w) {
		free(w);
		if (fd >= 0)
			close(fd);
		return made_fail(err, errsize, k->file, "inotify", fd < 0 ? "inotify_init1" : "out of memory");
	}
	if (k->n_watches)
		memcpy(w, k->watches, k->n_watches * sizeof(*w));
	qsort(w, k->n_watches, sizeof(*w), by_wd);
	for (size_t i = 0; i < k->n_watches; i++) {
		for (int spare = 0; next < w[i].wd && spare < 65536; spare++) {
			if (skip_wd(fd, &got) < 0)
				goto fail;
			next = got + 1;
		}
		if (add_watch(fd, &w[i], &got) < 0) {
			snprintf(err, errsize, "file %d (inotify): watch %d (inode of device %u:%u): %s",
				 (int)k->file, (int)w[i].wd, w[i].sdev >> 20, w[i].sdev & 0xfffff, strerror(errno));
			goto out;
		}
		if (got != w[i].wd) {
			snprintf(err, errsize, "file %d (inotify): watch %d came back as %d", (int)k->file,
				 (int)w[i].wd, got);
			goto out;
		}
		next = got + 1;
	}
	free(w);
	return fd;
fail:
	made_fail(err, errsize, k->file, "inotify", "a spare watch");
out:
	free(w);
	close(fd);
	return -1;
}

/* Whether FILE f is of the kind its record says (f_type, path): an image
 * that says otherwise gets nothing made, so each FILE has one entry at
 * most in the restorer's list, which has room for one per FILE. */
static bool kind_matches(const struct rs_file *f, enum rs_kind kind)
{
	const char *path = f->path ? f->path : "";

	switch (kind) {
	case RK_EVENTFD:
		return f->f_type == 7;
	case RK_EPOLL:
		return f->f_type == 6;
	case RK_TIMERFD:
		return f->f_type == 1 && strcmp(path, "anon_inode:[timerfd]") == 0;
	case RK_SIGNALFD:
		return f->f_type == 1 && strcmp(path, "anon_inode:[signalfd]") == 0;
	case RK_INOTIFY:
		return f->f_type == 1 && strcmp(path, "anon_inode:inotify") == 0;
	default:
		return false;
	}
}

int rs_fdkinds_make(const struct ckpt_restore_plan *p, struct rs_pipe *pipes, size_t *n, char *err, size_t errsize)
{
	for (size_t i = 0; i < p->n_kinds; i++) {
		const struct rs_fdkind *k = &p->kinds[i];
		const struct rs_file *f = rs_file(p, k->file);
		int fd;

		if (!f || !kind_matches(f, k->kind) || rs_pipes_holds(pipes, *n, k->file))
			continue;
		switch (k->kind) {
		case RK_EVENTFD:
			fd = make_eventfd(k, err, errsize);
			break;
		case RK_TIMERFD:
			fd = make_timerfd(p, k, err, errsize);
			break;
		case RK_SIGNALFD:
			fd = make_signalfd(k, err, errsize);
			break;
		case RK_INOTIFY:
			fd = make_inotify(k, err, errsize);
			break;
		case RK_EPOLL:
			fd = epoll_create1(EPOLL_CLOEXEC);
			if (fd < 0)
				made_fail(err, errsize, k->file, "epoll", "epoll_create1");
			break;
		default:
			fd = -1;
			break;
		}
		if (fd < 0)
			return -1;
		rs_pipes_add_one(pipes, n, k->file, fd);
		/* Status flags belong to the description: O_NONBLOCK and the
		 * like, as the image has them. */
		if (fcntl(fd, F_SETFL, (int)(f->f_flags & (O_NONBLOCK | O_APPEND | O_ASYNC))) < 0)
			return made_fail(err, errsize, k->file, "descriptor", "fcntl(F_SETFL)");
	}
	return 0;
}

/* -- epoll interest lists ---------------------------------------------------- */

static const struct rs_fd *fd_numbered(const struct rs_fd *const *mine, size_t n, int fd)
{
	for (size_t i = 0; i < n; i++)
		if (mine[i]->fd == fd)
			return mine[i];
	return NULL;
}

int rs_epoll_fill(struct rs_ctx *x, const struct rs_fd *const *mine, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct rs_fdkind *k = rs_fdkind(x->plan, mine[i]->file);
		bool first = true;

		if (!k || k->kind != RK_EPOLL)
			continue;
		/* One interest list per FILE: filled through its first
		 * descriptor of this table. */
		for (size_t j = 0; j < i; j++)
			first = first && mine[j]->file != mine[i]->file;
		if (!first)
			continue;
		for (size_t m = 0; m < k->n_items; m++) {
			const struct rs_epoll_item *it = &k->items[m];
			const struct rs_fd *target = fd_numbered(mine, n, it->fd);
			struct epoll_event ev = { .events = it->events, .data.u64 = it->data };
			long args[6] = { mine[i]->fd, EPOLL_CTL_ADD, it->fd, 0, 0, 0 };
			uint64_t at;
			char why[256];
			long r;

			if (!target || target->file != it->file)
				return rs_fail(x, "descriptor %d (epoll): its item %d is not that file any more",
					       mine[i]->fd, (int)it->fd);
			if (rs_scratch(x, &ev, sizeof(ev), &at) < 0)
				return -1;
			args[3] = (long)at;
			if (ckpt_remote_syscall(&x->r, SYS_epoll_ctl, args, &r, why, sizeof(why)) < 0)
				return rs_fail(x, "epoll_ctl: %s", why);
			/* Another process sharing the table added it already. */
			if (r < 0 && r != -EEXIST)
				return rs_fail(x, "descriptor %d (epoll): epoll_ctl(ADD %d): %s", mine[i]->fd,
					       (int)it->fd, strerror((int)-r));
		}
		rs_log(x, 1, "task %d: descriptor %d: epoll with %zu items", (int)x->pid, mine[i]->fd, k->n_items);
	}
	return 0;
}
