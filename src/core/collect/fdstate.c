/* State of descriptors that is neither a path nor an offset: an eventfd's
 * counter, a timerfd's setting, a signalfd's mask, an inotify instance's
 * watches, an epoll instance's interest list and the bytes waiting in a
 * pipe (EXT_* records,
 * docs/extensions.md; the format's EPOLL_ITEMS has no layout in the
 * reference, so ckpt does not guess one).  All of it is in the file's
 * /proc/PID/fdinfo text, which files.c reads already; the kernel prints
 * most of those numbers in hex, some in octal, as noted at each. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "collect/collect_impl.h"

#define INOTIFY_WATCH_LEN	160	/* EXT_INOTIFY element: 32 bytes, then a 128-byte handle */
#define INOTIFY_HANDLE_MAX	128
#define INOTIFY_MAX_WATCHES	65536
#define EPOLL_ITEM_LEN		24
#define EPOLL_MAX_ITEMS		65536

/* The text after "key" at the start of a line of info, or NULL. */
static const char *value_of(const char *info, const char *key)
{
	size_t klen = strlen(key);

	for (const char *line = info; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (strncmp(line, key, klen) == 0)
			return line + klen;
	return NULL;
}

static bool get_u64(const char *info, const char *key, int base, uint64_t *v)
{
	const char *s = value_of(info, key);

	if (!s)
		return false;
	*v = strtoull(s, NULL, base);
	return true;
}

static int bad_fdinfo(struct collect *c, int32_t ref, const char *what)
{
	return ckpt_emit_fail(&c->e, "FILE objref %d: its fdinfo has no %s line", (int)ref, what);
}

static int write_eventfd(struct collect *c, int32_t ref, const char *info)
{
	struct ckpt_emit *e = &c->e;
	uint64_t count, sem = 0;

	if (!get_u64(info, "eventfd-count:", 16, &count))
		return bad_fdinfo(c, ref, "eventfd-count");
	/* eventfd-semaphore appeared in Linux 6.6; before it, the mode is not
	 * visible and 0 is written. */
	get_u64(info, "eventfd-semaphore:", 10, &sem);
	ckpt_emit_begin(e, "EXT_EVENTFD", 0);
	ckpt_emit_set(e, "file_objref", (uint32_t)ref);
	ckpt_emit_set(e, "semaphore", sem != 0);
	ckpt_emit_set(e, "count", count);
	ckpt_emit_put(e);
	return e->failed ? -1 : 0;
}

/* "(sec, nsec)" */
static bool get_timespec(const char *info, const char *key, uint64_t *sec, uint64_t *nsec)
{
	const char *s = value_of(info, key);
	unsigned long long a, b;

	if (!s || sscanf(s, " (%llu, %llu)", &a, &b) != 2)
		return false;
	*sec = a;
	*nsec = b;
	return true;
}

static int write_timerfd(struct collect *c, int32_t ref, const char *info)
{
	struct ckpt_emit *e = &c->e;
	uint64_t clockid, ticks, flags, vs, vn, is, in;

	if (!get_u64(info, "clockid:", 10, &clockid) || !get_u64(info, "ticks:", 10, &ticks) ||
	    !get_u64(info, "settime flags:", 8, &flags) || !get_timespec(info, "it_value:", &vs, &vn) ||
	    !get_timespec(info, "it_interval:", &is, &in))
		return bad_fdinfo(c, ref, "clockid, ticks, settime flags, it_value or it_interval");
	ckpt_emit_begin(e, "EXT_TIMERFD", 0);
	ckpt_emit_set(e, "file_objref", (uint32_t)ref);
	ckpt_emit_set(e, "clockid", (uint32_t)clockid);
	ckpt_emit_set(e, "ticks", ticks);
	ckpt_emit_set(e, "settime_flags", (uint32_t)flags);
	ckpt_emit_set(e, "value_sec", vs);
	ckpt_emit_set(e, "value_nsec", vn);
	ckpt_emit_set(e, "interval_sec", is);
	ckpt_emit_set(e, "interval_nsec", in);
	ckpt_emit_put(e);
	return e->failed ? -1 : 0;
}

static int write_signalfd(struct collect *c, int32_t ref, const char *info)
{
	struct ckpt_emit *e = &c->e;
	uint64_t mask;

	if (!get_u64(info, "sigmask:", 16, &mask))
		return bad_fdinfo(c, ref, "sigmask");
	ckpt_emit_begin(e, "EXT_SIGNALFD", 0);
	ckpt_emit_set(e, "file_objref", (uint32_t)ref);
	ckpt_emit_set(e, "sigmask", mask);
	ckpt_emit_put(e);
	return e->failed ? -1 : 0;
}

static void put_le(uint8_t *p, uint64_t v, size_t w)
{
	for (size_t i = 0; i < w; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* One "inotify wd:.. ino:.. sdev:.. mask:.. ignored_mask:.. fhandle-bytes:..
 * fhandle-type:.. f_handle:HEX" line (every number hex) into el. */
static bool parse_watch(const char *line, uint8_t *el)
{
	unsigned wd, sdev, mask, ign, hbytes;
	int htype;
	unsigned long ino;
	int used = 0;

	if (sscanf(line, "inotify wd:%x ino:%lx sdev:%x mask:%x ignored_mask:%x fhandle-bytes:%x fhandle-type:%x "
		   "f_handle:%n", &wd, &ino, &sdev, &mask, &ign, &hbytes, &htype, &used) != 7 || !used ||
	    hbytes > INOTIFY_HANDLE_MAX)
		return false;
	memset(el, 0, INOTIFY_WATCH_LEN);
	put_le(el, wd, 4);
	put_le(el + 4, mask, 4);
	put_le(el + 8, ign, 4);
	put_le(el + 12, sdev, 4);
	put_le(el + 16, ino, 8);
	put_le(el + 24, (uint32_t)htype, 4);
	put_le(el + 28, hbytes, 4);
	const char *h = line + used;

	for (unsigned i = 0; i < hbytes; i++) {
		unsigned byte;

		if (sscanf(h + 2 * i, "%2x", &byte) != 1)
			return false;
		el[32 + i] = (uint8_t)byte;
	}
	return true;
}

static int write_inotify(struct collect *c, int32_t ref, const char *info)
{
	struct ckpt_emit *e = &c->e;
	size_t n = 0;

	for (const char *l = strstr(info, "inotify wd:"); l; l = strstr(l + 1, "\ninotify wd:"))
		n++;
	if (n > INOTIFY_MAX_WATCHES)
		return ckpt_emit_fail(e, "FILE objref %d: %zu inotify watches, more than %d", (int)ref, n,
				      INOTIFY_MAX_WATCHES);
	if (ckpt_emit_begin(e, "EXT_INOTIFY", 16 + n * INOTIFY_WATCH_LEN) < 0)
		return -1;
	ckpt_emit_set(e, "file_objref", (uint32_t)ref);
	ckpt_emit_set(e, "nr_watches", n);
	size_t i = 0;

	for (const char *l = strstr(info, "inotify wd:"); l && i < n; l = strstr(l + 1, "\ninotify wd:")) {
		if (*l == '\n')
			l++;
		if (!parse_watch(l, e->b.data + 16 + i * INOTIFY_WATCH_LEN))
			return ckpt_emit_fail(e, "FILE objref %d: inotify watch %zu: cannot parse its fdinfo line",
					      (int)ref, i);
		i++;
	}
	ckpt_emit_put(e);
	return e->failed ? -1 : 0;
}

int ckpt_write_fd_state(struct collect *c, int32_t ref, const char *path, const char *fdinfo)
{
	if (strcmp(path, "anon_inode:[eventfd]") == 0)
		return write_eventfd(c, ref, fdinfo);
	if (strcmp(path, "anon_inode:[timerfd]") == 0)
		return write_timerfd(c, ref, fdinfo);
	if (strcmp(path, "anon_inode:[signalfd]") == 0)
		return write_signalfd(c, ref, fdinfo);
	if (strcmp(path, "anon_inode:inotify") == 0)
		return write_inotify(c, ref, fdinfo);
	if (strcmp(path, "anon_inode:[fanotify]") == 0)
		return ckpt_write_fanotify(c, ref, fdinfo);
	return 0;
}

/* struct kcmp_epoll_slot of the uapi. */
struct epoll_slot {
	uint32_t efd, tfd, toff;
};

/* The FILE objref of the target tfd (the toff-th item with that number) of
 * th's epoll epfd: the descriptor of the table holding that very file. */
static int32_t target_ref(const struct ckpt_thread *th, int epfd, int tfd, uint32_t toff, const int *fds,
			  const int32_t *refs, size_t n)
{
	struct epoll_slot slot = { (uint32_t)epfd, (uint32_t)tfd, toff };

	/* Most often the descriptor still holds the file it was added as. */
	for (size_t i = 0; i < n; i++)
		if (fds[i] == tfd && syscall(SYS_kcmp, th->tid, th->tid, KCMP_EPOLL_TFD, fds[i], &slot) == 0)
			return refs[i];
	for (size_t i = 0; i < n; i++)
		if (fds[i] != tfd && syscall(SYS_kcmp, th->tid, th->tid, KCMP_EPOLL_TFD, fds[i], &slot) == 0)
			return refs[i];
	return 0;
}

int ckpt_write_epoll_items(struct collect *c, const struct ckpt_thread *th, int epfd, int32_t ref,
			   const int *fds, const int32_t *refs, size_t n)
{
	struct ckpt_emit *e = &c->e;
	char *info = ckpt_proc_readf(NULL, "/proc/%d/task/%d/fdinfo/%d", (int)th->tgid, (int)th->tid, epfd);
	size_t items = 0;

	if (!info) {
		/* Closed meanwhile by a task outside the tree sharing the table. */
		if (errno == ENOENT)
			return 0;
		return ckpt_emit_fail(e, "pid %d: cannot read fdinfo of epoll descriptor %d: %s", (int)th->tid,
				      epfd, strerror(errno));
	}
	for (const char *l = strstr(info, "tfd:"); l; l = strstr(l + 1, "\ntfd:"))
		items++;
	if (items > EPOLL_MAX_ITEMS) {
		free(info);
		return ckpt_emit_fail(e, "pid %d: epoll descriptor %d watches %zu files, more than %d", (int)th->tid,
				      epfd, items, EPOLL_MAX_ITEMS);
	}
	if (ckpt_emit_begin(e, "EXT_EPOLL", 16 + items * EPOLL_ITEM_LEN) < 0) {
		free(info);
		return -1;
	}
	ckpt_emit_set(e, "epfile_objref", (uint32_t)ref);
	ckpt_emit_set(e, "num_items", items);
	size_t i = 0;

	for (const char *l = strstr(info, "tfd:"); l && i < items; l = strstr(l + 1, "\ntfd:"), i++) {
		int tfd;
		unsigned events;
		unsigned long long data;
		uint32_t toff = 0;
		uint8_t *el = e->b.data + 16 + i * EPOLL_ITEM_LEN;

		if (*l == '\n')
			l++;
		if (sscanf(l, "tfd: %d events: %x data: %llx", &tfd, &events, &data) != 3) {
			free(info);
			return ckpt_emit_fail(e, "pid %d: epoll descriptor %d: cannot parse item %zu of its fdinfo",
					      (int)th->tid, epfd, i);
		}
		/* The same number added twice (dup'ed files) is told apart by
		 * its rank among the items with that number. */
		for (const uint8_t *p = e->b.data + 16; p < el; p += EPOLL_ITEM_LEN)
			if ((int)(p[8] | p[9] << 8 | p[10] << 16 | (uint32_t)p[11] << 24) == tfd)
				toff++;
		put_le(el, data, 8);
		put_le(el + 8, (uint32_t)tfd, 4);
		put_le(el + 12, (uint32_t)target_ref(th, epfd, tfd, toff, fds, refs, n), 4);
		put_le(el + 16, events, 4);
	}
	free(info);
	ckpt_emit_put(e);
	return e->failed ? -1 : 0;
}

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

/* A descriptor of th's table duplicated into ckpt (pidfd_getfd(2)), or -1
 * with errno.  PIDFD_THREAD (Linux 6.9) reaches a thread whose group
 * leader has exited; older kernels take the group. */
int ckpt_grab_fd(const struct ckpt_thread *th, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, th->tid, PIDFD_THREAD);

	if (pidfd < 0)
		pidfd = (int)syscall(SYS_pidfd_open, th->tgid, 0);
	if (pidfd < 0)
		return -1;
	int got = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	int saved = errno;

	close(pidfd);
	errno = saved;
	return got;
}

/* The bytes waiting in a pipe, copied without taking them out: tee(2)
 * links the pipe's buffers into a pipe of ckpt's own as large, which is
 * then read.  (A remote read and write-back in the task would also do,
 * but it runs code in the task and briefly empties the pipe under any
 * other reader.) */
int ckpt_write_pipe_data(struct collect *c, const struct ckpt_thread *th, int fd, int32_t ref)
{
	struct ckpt_emit *e = &c->e;
	int src = ckpt_grab_fd(th, fd), own[2] = { -1, -1 }, avail = 0, cap;
	uint8_t *data = NULL;
	ssize_t n = 0;

	if (src < 0)
		return ckpt_emit_fail(e, "pid %d: cannot duplicate pipe descriptor %d (pidfd_getfd): %s", (int)th->tid,
				      fd, strerror(errno));
	cap = fcntl(src, F_GETPIPE_SZ);
	if (cap <= 0 || ioctl(src, FIONREAD, &avail) < 0 || pipe2(own, O_NONBLOCK | O_CLOEXEC) < 0) {
		ckpt_emit_fail(e, "pid %d: pipe descriptor %d: %s", (int)th->tid, fd, strerror(errno));
		goto out;
	}
	if (avail > 0) {
		if (fcntl(own[1], F_SETPIPE_SZ, cap) < cap || !(data = malloc((size_t)avail))) {
			ckpt_emit_fail(e, "pid %d: pipe descriptor %d: no room for its %d bytes: %s", (int)th->tid, fd,
				       avail, strerror(errno));
			goto out;
		}
		n = tee(src, own[1], (size_t)avail, SPLICE_F_NONBLOCK);
		if (n >= 0 && n < avail) {
			errno = EAGAIN;	/* a writer outside the tree raced us */
			n = -1;
		}
		if (n < 0 || read(own[0], data, (size_t)n) != n) {
			ckpt_emit_fail(e, "pid %d: cannot copy the %d bytes of pipe descriptor %d: %s", (int)th->tid,
				       avail, fd, strerror(errno));
			goto out;
		}
	}
	ckpt_emit_begin(e, "EXT_PIPE", 0);
	ckpt_emit_set(e, "file_objref", (uint32_t)ref);
	ckpt_emit_set(e, "pipe_size", (uint32_t)cap);
	ckpt_emit_set(e, "nr_bytes", (uint64_t)n);
	ckpt_emit_put(e);
	if (n > 0)
		ckpt_emit_raw(e, "BUFFER", data, (size_t)n);
out:
	free(data);
	if (own[0] >= 0) {
		close(own[0]);
		close(own[1]);
	}
	close(src);
	return e->failed ? -1 : 0;
}
