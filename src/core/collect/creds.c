/* Credentials: CRED and its USER, USER_NS and GROUPINFO objects, one
 * object per distinct set seen in the tree. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <time.h>
#include <unistd.h>
#include <elf.h>
#include <linux/kcmp.h>

#include "ckpt/kernel.h"
#include "collect/collect_impl.h"

/* --- credentials ----------------------------------------------------------- */

static bool same_creds(const struct ckpt_proc_creds *a, const struct ckpt_proc_creds *b)
{
	return memcmp(a->uid, b->uid, sizeof(a->uid)) == 0 && memcmp(a->gid, b->gid, sizeof(a->gid)) == 0 &&
	       a->cap_inh == b->cap_inh && a->cap_prm == b->cap_prm && a->cap_eff == b->cap_eff &&
	       a->cap_bnd == b->cap_bnd && a->n_groups == b->n_groups &&
	       (a->n_groups == 0 || memcmp(a->groups, b->groups, a->n_groups * sizeof(*a->groups)) == 0);
}

#ifndef NS_GET_PARENT
#define NS_GET_PARENT 0xb702	/* _IO(0xb7, 0x2) */
#endif

/* The USER_NS object of the namespace open at fd (consumed), written after
 * its parent's: creator_ref names the parent, 0 where the chain leaves
 * what ckpt can see (the initial namespace, or one above ckpt's own). */
static int32_t userns_of_fd(struct collect *c, int fd, int depth)
{
	struct ckpt_emit *e = &c->e;
	struct stat st;
	int32_t parent = 0;

	if (fstat(fd, &st) < 0) {
		close(fd);
		return ckpt_emit_fail(e, "user namespace: fstat: %s", strerror(errno));
	}
	struct key_ref *k = ckpt_find_key(c->userns, c->n_userns, st.st_ino, 0);

	if (k) {
		close(fd);
		return k->ref;
	}
	/* Nesting is limited to 32 levels by the kernel. */
	int pfd = depth < 33 ? ioctl(fd, NS_GET_PARENT) : -1;

	close(fd);
	if (pfd >= 0)
		parent = userns_of_fd(c, pfd, depth + 1);
	if (parent < 0)
		return -1;
	int32_t ref = ckpt_define_key(c, &c->userns, &c->n_userns, st.st_ino, 0, "USER_NS");

	if (ref < 0)
		return -1;
	ckpt_emit_begin(e, "USER_NS", 0);
	ckpt_emit_set(e, "creator_ref", (uint32_t)parent);
	ckpt_emit_put(e);
	return e->failed ? -1 : ref;
}

static int32_t userns_ref(struct collect *c, pid_t tid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ckpt_emit_fail(&c->e, "pid %d: cannot open %s: %s", (int)tid, path, strerror(errno));
	return userns_of_fd(c, fd, 0);
}

static int32_t user_ref(struct collect *c, uint32_t uid, int32_t ns_ref)
{
	struct ckpt_emit *e = &c->e;
	struct key_ref *k = ckpt_find_key(c->users, c->n_users, uid, (uint64_t)ns_ref);

	if (k)
		return k->ref;
	int32_t ref = ckpt_define_key(c, &c->users, &c->n_users, uid, (uint64_t)ns_ref, "USER");

	if (ref < 0)
		return -1;
	ckpt_emit_begin(e, "USER", 0);
	ckpt_emit_set(e, "uid", uid);
	ckpt_emit_set(e, "userns_ref", (uint32_t)ns_ref);
	ckpt_emit_put(e);
	return e->failed ? -1 : ref;
}

static int32_t groupinfo_ref(struct collect *c, const uint32_t *groups, size_t n)
{
	struct ckpt_emit *e = &c->e;

	for (size_t i = 0; i < c->n_groupinfos; i++)
		if (c->groupinfos[i].n == n &&
		    (n == 0 || memcmp(c->groupinfos[i].groups, groups, n * sizeof(*groups)) == 0))
			return c->groupinfos[i].ref;
	struct groups_obj *g = ckpt_push(&c->groupinfos, &c->n_groupinfos, sizeof(*g));

	if (!g)
		return ckpt_oom(c);
	g->groups = malloc((n ? n : 1) * sizeof(*groups));
	if (!g->groups)
		return ckpt_oom(c);
	if (n)
		memcpy(g->groups, groups, n * sizeof(*groups));
	g->n = n;
	g->ref = ckpt_emit_objref(e, "GROUPINFO");
	/* Sized 16 + 4n as the kernel wrote it (4 bytes of slack). */
	if (ckpt_emit_begin(e, "GROUPINFO", 16 + 4 * n) < 0)
		return -1;
	ckpt_emit_set(e, "ngroups", n);
	for (size_t i = 0; i < n && !e->failed; i++)
		if (ckpt_rbuf_set_elem(&e->b, "groups", i, "gid", groups[i]) < 0)
			ckpt_emit_fail(e, "GROUPINFO.groups[%zu]: cannot set", i);
	ckpt_emit_put(e);
	return e->failed ? -1 : g->ref;
}

/* The cred of a thread, written (with its user, user namespace and groups)
 * the first time an equal one is seen. */
int32_t ckpt_cred_ref(struct collect *c, const struct ckpt_thread *th)
{
	struct ckpt_emit *e = &c->e;
	struct ckpt_proc_creds pc;

	if (ckpt_proc_creds(th->tgid, th->tid, &pc) < 0)
		return ckpt_emit_fail(e, "pid %d: cannot read its credentials: %s", (int)th->tid, strerror(errno));
	for (size_t i = 0; i < c->n_creds; i++) {
		if (same_creds(&c->creds[i].c, &pc)) {
			ckpt_proc_creds_free(&pc);
			return c->creds[i].ref;
		}
	}
	int32_t ns = userns_ref(c, th->tid);
	/* A cred's user is its real uid's. */
	int32_t user = ns > 0 ? user_ref(c, pc.uid[0], ns) : -1;
	int32_t groups = user > 0 ? groupinfo_ref(c, pc.groups, pc.n_groups) : -1;
	struct cred_obj *obj = groups > 0 ? ckpt_push(&c->creds, &c->n_creds, sizeof(*obj)) : NULL;

	if (!obj) {
		ckpt_proc_creds_free(&pc);
		return groups > 0 ? ckpt_oom(c) : -1;
	}
	obj->c = pc;
	obj->ref = ckpt_emit_objref(e, "CRED");
	ckpt_emit_begin(e, "CRED", 0);
	ckpt_emit_set(e, "uid", pc.uid[0]);
	ckpt_emit_set(e, "euid", pc.uid[1]);
	ckpt_emit_set(e, "suid", pc.uid[2]);
	ckpt_emit_set(e, "fsuid", pc.uid[3]);
	ckpt_emit_set(e, "gid", pc.gid[0]);
	ckpt_emit_set(e, "egid", pc.gid[1]);
	ckpt_emit_set(e, "sgid", pc.gid[2]);
	ckpt_emit_set(e, "fsgid", pc.gid[3]);
	ckpt_emit_set(e, "user_ref", (uint32_t)user);
	ckpt_emit_set(e, "groupinfo_ref", (uint32_t)groups);
	ckpt_emit_set(e, "cap_inheritable", pc.cap_inh);
	ckpt_emit_set(e, "cap_permitted", pc.cap_prm);
	ckpt_emit_set(e, "cap_effective", pc.cap_eff);
	ckpt_emit_set(e, "cap_bset", pc.cap_bnd);
	ckpt_emit_put(e);
	return e->failed ? -1 : obj->ref;
}
