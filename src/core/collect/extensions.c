/* The ckpttools extension records of an image (docs/extensions.md):
 * EXT_PRODUCER, and EXT_USERS, the users of every shared object observed
 * system-wide while the tree is frozen.  EXT_DIGEST records are the
 * writer's (ckpt_writer_digests).
 *
 * Observing users walks every task of the system once:
 *   namespaces   one stat of /proc/TID/ns/X per task and kind;
 *   mm, sighand  once per thread group (CLONE_THREAD implies CLONE_VM and
 *                CLONE_SIGHAND), counted for each of its threads;
 *   signal       the thread group's threads, no system call at all;
 *   files, fs    per thread, a binary search in kcmp(2) order (emit.c);
 *   open files   per distinct descriptor table, each descriptor's device
 *                and inode are looked up among the image's open files
 *                first; only a match costs kcmp calls.
 * So the cost is O(system tasks x log objects) calls, not a kcmp storm of
 * objects x tasks. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "ckpt/ext.h"
#include "collect/collect_impl.h"

static uint64_t ns_between(const struct timespec *a, const struct timespec *b)
{
	int64_t d = (int64_t)(b->tv_sec - a->tv_sec) * 1000000000 + (b->tv_nsec - a->tv_nsec);

	return d > 0 ? (uint64_t)d : 0;
}

int ckpt_write_producer(struct collect *c)
{
	struct ckpt_emit *e = &c->e;
	struct timespec now;
	struct utsname u;
	size_t len = 0;
	char *cmdline = ckpt_proc_readf(&len, "/proc/%d/cmdline", (int)c->t->root);

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (uname(&u) < 0)
		u.nodename[0] = '\0';
	/* argv is NUL-separated: joined by single spaces. */
	while (cmdline && len > 0 && cmdline[len - 1] == '\0')
		len--;
	for (size_t i = 0; cmdline && i < len; i++)
		if (cmdline[i] == '\0')
			cmdline[i] = ' ';
	if (cmdline)
		cmdline[len] = '\0';
	ckpt_emit_begin(e, "EXT_PRODUCER", 0);
	ckpt_emit_set(e, "ext_version", CKPT_EXT_VERSION);
	ckpt_emit_set(e, "root_pid", (uint32_t)c->t->root);
	ckpt_emit_set(e, "time_ns", (uint64_t)c->t->frozen_wall.tv_sec * 1000000000 +
					    (uint64_t)c->t->frozen_wall.tv_nsec);
	ckpt_emit_set(e, "frozen_ns", ns_between(&c->t->frozen_mono, &now));
	ckpt_emit_put(e);
	ckpt_emit_raw(e, "STRING", "ckpt " PACKAGE_VERSION, strlen("ckpt " PACKAGE_VERSION) + 1);
	ckpt_emit_raw(e, "STRING", u.nodename, strlen(u.nodename) + 1);
	ckpt_emit_raw(e, "STRING", cmdline ? cmdline : "", cmdline ? len + 1 : 1);
	free(cmdline);
	return e->failed ? -1 : 0;
}

/* --- observed users -------------------------------------------------------- */

struct dev_ino {
	uint64_t dev, ino;
};

static int cmp_dev_ino(const void *a, const void *b)
{
	const struct dev_ino *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return (x->ino > y->ino) - (x->ino < y->ino);
}

struct census {
	struct collect *c;
	uint32_t *observed;		/* per c->objs entry */
	uint32_t *userns_observed;	/* per c->userns entry */
	struct dev_ino *files;		/* what the image's open files are open on */
	size_t n_files;
	bool partial;			/* some process could not be looked at */
};

static void count_ns(struct census *k, pid_t tid)
{
	static const struct { const char *name; uint32_t objtype; } kinds[] = {
		{ "uts", CKPT_OBJ_UTS_NS }, { "ipc", CKPT_OBJ_IPC_NS }, { "net", CKPT_OBJ_NET_NS },
	};
	struct collect *c = k->c;

	for (size_t i = 0; i < CKPT_ARRAY_LEN(kinds); i++) {
		uint64_t ino = ckpt_proc_ns_inode(tid, kinds[i].name);

		for (size_t o = 0; ino && o < c->n_objs; o++)
			if (c->objs[o].objtype == kinds[i].objtype && c->objs[o].ino == ino)
				k->observed[o]++;
	}
	uint64_t ino = ckpt_proc_ns_inode(tid, "user");

	for (size_t u = 0; ino && u < c->n_userns; u++)
		if (c->userns[u].a == ino)
			k->userns_observed[u]++;
}

static void count_kcmp(struct census *k, uint32_t objtype, pid_t tid, int fd, uint32_t n)
{
	const struct shared_obj *o = ckpt_shared_kcmp(k->c, objtype, tid, fd);

	if (o)
		k->observed[o - k->c->objs] += n;
}

/* Every descriptor of tid's table that names an open file of the image. */
static void count_fds(struct census *k, pid_t tgid, pid_t tid)
{
	char path[64];
	DIR *d;
	struct dirent *de;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/fd", (int)tgid, (int)tid);
	d = opendir(path);
	if (!d)
		return;		/* gone, or a kernel thread */
	while ((de = readdir(d))) {
		char fdpath[96];
		struct stat st;
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (end == de->d_name || *end)
			continue;
		snprintf(fdpath, sizeof(fdpath), "%s/%ld", path, fd);
		if (stat(fdpath, &st) < 0)
			continue;
		struct dev_ino key = { (uint64_t)st.st_dev, (uint64_t)st.st_ino };

		if (bsearch(&key, k->files, k->n_files, sizeof(key), cmp_dev_ino))
			count_kcmp(k, CKPT_OBJ_FILE, tid, (int)fd, 1);
	}
	closedir(d);
}

static int list_tids(pid_t tgid, pid_t **tids, size_t *n)
{
	char path[48];
	DIR *d;
	struct dirent *de;

	*tids = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)tgid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (end == de->d_name || *end)
			continue;
		pid_t *slot = ckpt_push(tids, n, sizeof(pid_t));

		if (!slot) {
			closedir(d);
			return -1;
		}
		*slot = (pid_t)tid;
	}
	closedir(d);
	return 0;
}

static void count_process(struct census *k, pid_t tgid)
{
	struct collect *c = k->c;
	pid_t *tids;
	size_t n;

	/* kcmp(2) and /proc/PID/ns and fd need ptrace read access: without
	 * it (run unprivileged, another user's process) nothing of the
	 * process can be counted, so every count is a lower bound. */
	if (syscall(SYS_kcmp, getpid(), tgid, KCMP_VM, 0, 0) < 0 && (errno == EPERM || errno == EACCES)) {
		k->partial = true;
		return;
	}
	if (list_tids(tgid, &tids, &n) < 0 || n == 0) {
		free(tids);
		return;
	}
	/* The group's mm, sighand and signal: one look, through one live
	 * thread, for all its live threads.  In the tree the frozen threads
	 * say which live: a zombie leader whose threads run on holds no mm,
	 * and the image names none for it.  Elsewhere the leader speaks for
	 * the group (a zombie leader there only hides a CLONE_VM sharer). */
	const struct ckpt_thread *live;
	uint32_t n_live;
	pid_t rep = tgid;

	if (ckpt_tree_group(c->t, tgid, &live, &n_live))
		rep = live ? live->tid : 0;
	else
		n_live = (uint32_t)n;
	if (rep > 0) {
		count_kcmp(k, CKPT_OBJ_MM, rep, 0, n_live);
		count_kcmp(k, CKPT_OBJ_SIGHAND, rep, 0, n_live);
		for (size_t o = 0; o < c->n_objs; o++)
			if (c->objs[o].objtype == CKPT_OBJ_SIGNAL && c->objs[o].tgid == tgid)
				k->observed[o] += n_live;
	}
	/* Descriptors: each distinct table once.  The table of rep (or of
	 * the first thread) is walked; a thread sharing it is not again. */
	pid_t walked = rep > 0 ? rep : tids[0];

	if (k->n_files)
		count_fds(k, tgid, walked);
	for (size_t i = 0; i < n; i++) {
		pid_t tid = tids[i];

		count_ns(k, tid);
		count_kcmp(k, CKPT_OBJ_FILE_TABLE, tid, 0, 1);
		count_kcmp(k, CKPT_OBJ_FS, tid, 0, 1);
		if (tid == walked || !k->n_files || syscall(SYS_kcmp, walked, tid, KCMP_FILES, 0, 0) == 0)
			continue;
		count_fds(k, tgid, tid);
	}
	free(tids);
}

static uint32_t method_of(uint32_t objtype, bool fd)
{
	switch (objtype) {
	case CKPT_OBJ_UTS_NS: case CKPT_OBJ_IPC_NS: case CKPT_OBJ_NET_NS:
		return CKPT_USERS_NS_INODE;
	case CKPT_OBJ_MM: case CKPT_OBJ_FILE_TABLE: case CKPT_OBJ_FS: case CKPT_OBJ_SIGHAND:
	case CKPT_OBJ_SIGNAL:
		return CKPT_USERS_KCMP;
	case CKPT_OBJ_FILE:
		return fd ? CKPT_USERS_FD_KCMP : CKPT_USERS_NONE;
	default:
		return CKPT_USERS_NONE;
	}
}

static int emit_users(struct collect *c, const struct ckpt_ext_user *u, size_t n, uint32_t flags)
{
	for (size_t at = 0; at < n && !c->e.failed; at += CKPT_EXT_USERS_MAX) {
		size_t part = n - at < CKPT_EXT_USERS_MAX ? n - at : CKPT_EXT_USERS_MAX;
		size_t len = ckpt_ext_users_len(part);
		uint8_t *rec = malloc(len);

		if (!rec)
			return ckpt_oom(c);
		ckpt_ext_users_encode(u + at, part, rec);
		ckpt_le_store(rec + CKPT_EXT_USERS_FLAGS_OFF, 4, flags);
		/* The encoder frames the record; the emitter frames it again. */
		ckpt_emit_raw(&c->e, "EXT_USERS", rec + 8, len - 8);
		free(rec);
	}
	return c->e.failed ? -1 : 0;
}

int ckpt_write_users(struct collect *c)
{
	struct census k = { .c = c };
	struct ckpt_ext_user *users = NULL;
	size_t n_users = 0;
	DIR *proc = NULL;
	struct dirent *de;
	int rc = -1;

	k.observed = calloc(c->n_objs + 1, sizeof(uint32_t));
	k.userns_observed = calloc(c->n_userns + 1, sizeof(uint32_t));
	k.files = calloc(c->n_objs + 1, sizeof(*k.files));
	if (!k.observed || !k.userns_observed || !k.files) {
		ckpt_oom(c);
		goto out;
	}
	for (size_t o = 0; o < c->n_objs; o++)
		if (c->objs[o].objtype == CKPT_OBJ_FILE && c->objs[o].fd >= 0)
			k.files[k.n_files++] = (struct dev_ino){ c->objs[o].dev, c->objs[o].ino };
	qsort(k.files, k.n_files, sizeof(*k.files), cmp_dev_ino);
	proc = opendir("/proc");
	if (!proc) {
		ckpt_emit_fail(&c->e, "cannot list /proc: %s", strerror(errno));
		goto out;
	}
	while ((de = readdir(proc)) && !ckpt_emit_stopped(&c->e)) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (end != de->d_name && !*end && pid > 0)
			count_process(&k, (pid_t)pid);
	}
	if (c->e.failed)
		goto out;
	users = calloc(c->n_objs + c->n_userns + 1, sizeof(*users));
	if (!users) {
		ckpt_oom(c);
		goto out;
	}
	for (size_t u = 0; u < c->n_userns; u++)
		users[n_users++] = (struct ckpt_ext_user){ .objref = c->userns[u].ref, .objtype = CKPT_OBJ_USER_NS,
							   .observed = k.userns_observed[u],
							   .method = CKPT_USERS_NS_INODE, .ident = c->userns[u].a };
	for (size_t o = 0; o < c->n_objs; o++) {
		const struct shared_obj *s = &c->objs[o];
		uint32_t method = method_of(s->objtype, s->fd >= 0);

		if (method == CKPT_USERS_NONE)
			continue;
		users[n_users++] = (struct ckpt_ext_user){
			.objref = s->ref, .objtype = s->objtype, .observed = k.observed[o], .method = method,
			.ident = method == CKPT_USERS_NS_INODE ? s->ino : 0,
		};
	}
	rc = emit_users(c, users, n_users, k.partial ? CKPT_EXT_USERS_PARTIAL : 0);
out:
	if (proc)
		closedir(proc);
	free(users);
	free(k.observed);
	free(k.userns_observed);
	free(k.files);
	return c->e.failed ? -1 : rc;
}
