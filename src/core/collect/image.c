/* The image of a frozen tree: header, process tree, then per task (in tree
 * order) its records, each shared object written once behind an OBJREF the
 * first time a task uses it, then the tail.
 *
 * Every record is built by field name through the rev 6 tables (emit.c);
 * the facts come from /proc and ptrace (proc.c, uts.c, pages.c). */
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


/* --- header ---------------------------------------------------------------- */

/* The xstate size the kernel hands out through ptrace (the user ABI size
 * of the features enabled in XCR0), from a frozen thread: what CPU_FPU
 * records hold, so HEADER_ARCH says the same. */
static void probe_xstate_size(struct collect *c)
{
#if defined(__x86_64__)
	static uint8_t buf[1 << 16];

	if (!c->prof.has_xsave)
		return;
	for (size_t i = 0; i < c->t->n_threads; i++) {
		struct iovec iov = { buf, sizeof(buf) };

		if (c->t->threads[i].seized &&
		    ptrace(PTRACE_GETREGSET, c->t->threads[i].tid, (void *)(long)NT_X86_XSTATE, &iov) == 0) {
			c->prof.xstate_size = (unsigned)iov.iov_len;
			return;
		}
	}
#else
	(void)c;
#endif
}

static int write_header(struct collect *c)
{
	struct ckpt_emit *e = &c->e;
	char err[256];
	unsigned arch;
	struct ckpt_uts u;

	if (ckpt_kernel_profile_running(&c->prof, err, sizeof(err)) < 0)
		return ckpt_emit_fail(e, "%s", err);
	arch = ckpt_kernel_arch_id(c->prof.arch);
	if (arch != 2)
		return ckpt_emit_fail(e, "linux-cr rev 6 images are written for x86_64 only, not %s",
				      c->prof.arch);
	if (ckpt_uts_of(getpid(), &u, err, sizeof(err)) < 0)
		return ckpt_emit_fail(e, "%s", err);
	ckpt_emit_begin(e, "HEADER", 0);
	ckpt_emit_set(e, "magic", e->s->head_magic);
	ckpt_emit_set(e, "arch_id", arch);
	ckpt_emit_set(e, "major", c->prof.major);
	ckpt_emit_set(e, "minor", c->prof.minor);
	ckpt_emit_set(e, "patch", c->prof.patch);
	ckpt_emit_set(e, "rev", 6);
	/* The profile's constants are named like the HEADER fields. */
	for (int i = 0; i < CKPT_KERNEL_NCONST; i++)
		ckpt_emit_set(e, ckpt_kernel_const_names[i], c->prof.consts[i]);
	ckpt_emit_set(e, "time", (uint64_t)time(NULL));
	/* A tree, not a whole container. */
	ckpt_emit_set_name(e, "uflags", "SUBTREE");
	ckpt_emit_put(e);
	ckpt_emit_padded(e, "BUFFER", u.release, 65);
	ckpt_emit_padded(e, "BUFFER", u.version, 65);
	ckpt_emit_padded(e, "BUFFER", u.machine, 65);

	probe_xstate_size(c);
	ckpt_emit_begin(e, "HEADER_ARCH", 0);
	ckpt_emit_set(e, "has_fxsr", c->prof.has_fxsr);
	ckpt_emit_set(e, "has_xsave", c->prof.has_xsave);
	ckpt_emit_set(e, "xstate_size", c->prof.xstate_size);
	ckpt_emit_put(e);

	/* No LSM: an empty name and an empty LSM_INFO. */
	ckpt_emit_begin(e, "CONTAINER", 0);
	ckpt_emit_put(e);
	ckpt_emit_padded(e, "BUFFER", "", 11);
	return ckpt_emit_raw(e, "LSM_INFO", NULL, 0);
}

/* --- process tree ---------------------------------------------------------- */

static bool have_pid(const struct collect *c, pid_t pid)
{
	for (size_t i = 0; i < c->n_pids; i++)
		if (c->pid_nums[i] == pid)
			return true;
	return false;
}

/* The objref of a pid object, once they are written. */
static int32_t pid_ref(const struct collect *c, pid_t pid)
{
	if (pid <= 0)
		return CKPT_PID_NULL;
	for (size_t i = 0; i < c->n_pids; i++)
		if (c->pid_nums[i] == pid)
			return c->pid_refs[i];
	return 0;
}

static bool add_pid(struct collect *c, pid_t pid)
{
	if (pid <= 0 || have_pid(c, pid))
		return true;
	pid_t *slot = ckpt_push(&c->pid_nums, &c->n_pids, sizeof(pid_t));

	if (!slot)
		return false;
	*slot = pid;
	return true;
}

/* PIDS + BUFFER, the PID objects, TREE + BUFFER.  The pid objects are the
 * tasks' pids, then process-group and session ids of tasks outside the
 * tree (which restart must create as placeholders). */
static int write_tree(struct collect *c)
{
	struct ckpt_emit *e = &c->e;
	struct ckpt_tree *t = c->t;
	size_t n = t->n_threads, n_nums = 0, nbuf = 0;
	struct ckpt_proc_stat *st = calloc(n ? n : 1, sizeof(*st));
	struct ckpt_proc_creds *cr = calloc(n ? n : 1, sizeof(*cr));
	uint8_t *buf = NULL;
	int rc = -1;

	if (!st || !cr)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (ckpt_proc_stat(t->threads[i].tgid, t->threads[i].tid, &st[i]) < 0 ||
		    ckpt_proc_creds(t->threads[i].tgid, t->threads[i].tid, &cr[i]) < 0) {
			ckpt_emit_fail(e, "pid %d: cannot read /proc/%d/task/%d: %s", (int)t->threads[i].tid,
				       (int)t->threads[i].tgid, (int)t->threads[i].tid, strerror(errno));
			goto out;
		}
		if (!add_pid(c, t->threads[i].tid))
			goto nomem;
	}
	for (size_t i = 0; i < n; i++)
		if (!add_pid(c, (pid_t)st[i].f[5]) || !add_pid(c, (pid_t)st[i].f[6]))
			goto nomem;
	c->pid_refs = calloc(c->n_pids ? c->n_pids : 1, sizeof(*c->pid_refs));
	buf = malloc(c->n_pids * 4 * 33 + 24 * n + 8);
	if (!c->pid_refs || !buf)
		goto nomem;
	/* Packed { u32 depth; s32 numbers[depth + 1] }: a task's numbers are
	 * its NSpid line, outermost first; other pids are numbers of ours. */
	for (size_t k = 0; k < c->n_pids; k++) {
		const struct ckpt_proc_creds *who = NULL;

		for (size_t i = 0; i < n && !who; i++)
			if (t->threads[i].tid == c->pid_nums[k] && cr[i].nspid_depth > 0)
				who = &cr[i];
		uint32_t depth = who ? (uint32_t)who->nspid_depth : 0;

		ckpt_le_store(buf + nbuf, 4, depth);
		nbuf += 4;
		for (uint32_t d = 0; d <= depth; d++) {
			ckpt_le_store(buf + nbuf, 4, (uint32_t)(who ? who->nspid[d] : c->pid_nums[k]));
			nbuf += 4;
			n_nums++;
		}
	}
	ckpt_emit_begin(e, "PIDS", 0);
	ckpt_emit_set(e, "nr_pids", c->n_pids);
	ckpt_emit_set(e, "nr_vpids", n_nums);
	ckpt_emit_put(e);
	ckpt_emit_raw(e, "BUFFER", buf, nbuf);
	/* TREE entries refer to the pids as objects: they come first. */
	for (size_t k = 0; k < c->n_pids; k++)
		c->pid_refs[k] = ckpt_emit_objref(e, "PID");

	ckpt_emit_begin(e, "TREE", 0);
	ckpt_emit_set(e, "nr_tasks", n);
	ckpt_emit_put(e);
	/* The BUFFER's layout has named fields: fill each entry through them. */
	const struct ckpt_rtype *tree_rt = ckpt_schema_type_by_name(e->s, "TREE");
	const struct ckpt_layout *lay = &tree_rt->follows[0].layout;

	memset(buf, 0, 24 * n);
	for (size_t i = 0; i < n; i++) {
		const struct ckpt_thread *th = &t->threads[i];
		pid_t ppid = (pid_t)st[i].f[4];
		int32_t vppid = pid_ref(c, ppid);
		struct { const char *name; uint64_t v; } vals[] = {
			{ "vpid", (uint32_t)pid_ref(c, th->tid) },
			{ "vppid", (uint32_t)(vppid > 0 && vppid != CKPT_PID_NULL ? vppid : CKPT_PID_ROOT) },
			{ "vtgid", (uint32_t)pid_ref(c, th->tgid) },
			{ "vpgid", (uint32_t)pid_ref(c, (pid_t)st[i].f[5]) },
			{ "vsid", (uint32_t)pid_ref(c, (pid_t)st[i].f[6]) },
			{ "depth", (uint32_t)cr[i].nspid_depth },
		};

		for (size_t v = 0; v < CKPT_ARRAY_LEN(vals); v++)
			for (size_t f = 0; f < lay->n_elem; f++)
				if (strcmp(lay->elem[f].name, vals[v].name) == 0)
					ckpt_field_put(&lay->elem[f], buf + lay->stride * i, vals[v].v);
	}
	rc = ckpt_emit_raw(e, "BUFFER", buf, lay->stride * n);
	goto out;
nomem:
	ckpt_oom(c);
out:
	for (size_t i = 0; cr && i < n; i++)
		ckpt_proc_creds_free(&cr[i]);
	free(cr);
	free(st);
	free(buf);
	return e->failed ? -1 : rc;
}

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
static int32_t cred_ref(struct collect *c, const struct ckpt_thread *th)
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

/* --- namespaces ------------------------------------------------------------ */

/* A namespace object of a type without contents in the image: the OBJREF
 * and an empty record, shared by inode.  Their contents (SysV IPC objects,
 * network devices and sockets) are not collected. */
static int32_t bare_ns_ref(struct collect *c, uint32_t objtype, const char *type, pid_t tid, uint64_t ino)
{
	struct ckpt_emit *e = &c->e;

	for (size_t i = 0; i < c->n_objs; i++)
		if (c->objs[i].objtype == objtype && c->objs[i].ino == ino)
			return c->objs[i].ref;
	int32_t ref = ckpt_emit_objref(e, type);
	struct shared_obj *o = ref > 0 ? ckpt_shared_add(c, objtype, ref, tid, tid, -1) : NULL;

	if (!o)
		return -1;
	o->ino = ino;
	ckpt_emit_raw(e, type, NULL, 0);
	return e->failed ? -1 : ref;
}

static int32_t uts_ns_ref(struct collect *c, pid_t tid, uint64_t ino)
{
	struct ckpt_emit *e = &c->e;
	struct ckpt_uts u;
	char err[256];

	for (size_t i = 0; i < c->n_objs; i++)
		if (c->objs[i].objtype == CKPT_OBJ_UTS_NS && c->objs[i].ino == ino)
			return c->objs[i].ref;
	if (ckpt_uts_of(tid, &u, err, sizeof(err)) < 0)
		return ckpt_emit_fail(e, "%s", err);
	int32_t ref = ckpt_emit_objref(e, "UTS_NS");
	struct shared_obj *o = ref > 0 ? ckpt_shared_add(c, CKPT_OBJ_UTS_NS, ref, tid, tid, -1) : NULL;

	if (!o)
		return -1;
	o->ino = ino;
	ckpt_emit_begin(e, "UTS_NS", 0);
	ckpt_emit_set_chars(e, "sysname", u.sysname);
	ckpt_emit_set_chars(e, "nodename", u.nodename);
	ckpt_emit_set_chars(e, "release", u.release);
	ckpt_emit_set_chars(e, "version", u.version);
	ckpt_emit_set_chars(e, "machine", u.machine);
	ckpt_emit_set_chars(e, "domainname", u.domainname);
	ckpt_emit_put(e);
	return e->failed ? -1 : ref;
}

/* The NS object of a live thread: one per combination of uts, ipc and net
 * namespaces, each of those shared by inode. */
static int32_t ns_ref(struct collect *c, const struct ckpt_thread *th)
{
	struct ckpt_emit *e = &c->e;
	static const char *const names[] = { "uts", "ipc", "net" };
	uint64_t ino[3];

	for (int i = 0; i < 3; i++) {
		ino[i] = ckpt_proc_ns_inode(th->tid, names[i]);
		if (!ino[i])
			return ckpt_emit_fail(e, "pid %d: cannot read /proc/%d/ns/%s: %s", (int)th->tid,
					      (int)th->tid, names[i], strerror(errno));
	}
	for (size_t i = 0; i < c->n_nsets; i++)
		if (memcmp(c->nsets[i].ino, ino, sizeof(ino)) == 0)
			return c->nsets[i].ref;
	int32_t uts = uts_ns_ref(c, th->tid, ino[0]);
	int32_t ipc = uts > 0 ? bare_ns_ref(c, CKPT_OBJ_IPC_NS, "IPC_NS", th->tid, ino[1]) : -1;
	int32_t net = ipc > 0 ? bare_ns_ref(c, CKPT_OBJ_NET_NS, "NET_NS", th->tid, ino[2]) : -1;

	if (net < 0)
		return -1;
	struct ns_set *set = ckpt_push(&c->nsets, &c->n_nsets, sizeof(*set));

	if (!set)
		return ckpt_oom(c);
	memcpy(set->ino, ino, sizeof(ino));
	set->ref = ckpt_emit_objref(e, "NS");
	ckpt_emit_begin(e, "NS", 0);
	ckpt_emit_set(e, "uts_objref", (uint32_t)uts);
	ckpt_emit_set(e, "ipc_objref", (uint32_t)ipc);
	ckpt_emit_set(e, "net_objref", (uint32_t)net);
	ckpt_emit_put(e);
	return e->failed ? -1 : set->ref;
}

/* --- memory ---------------------------------------------------------------- */

/* smaps VmFlags codes and the rev 6 (2.6.37) flag each stands for; codes
 * with no 2.6.37 counterpart (uffd, soft-dirty, wipe-on-fork, ...) are
 * not carried. */
static const struct { char code[3]; const char *flag; } vmflag_codes[] = {
	{ "rd", "VM_READ" }, { "wr", "VM_WRITE" }, { "ex", "VM_EXEC" }, { "sh", "VM_SHARED" },
	{ "mr", "VM_MAYREAD" }, { "mw", "VM_MAYWRITE" }, { "me", "VM_MAYEXEC" },
	{ "ms", "VM_MAYSHARE" }, { "gd", "VM_GROWSDOWN" }, { "pf", "VM_PFNMAP" },
	{ "dw", "VM_DENYWRITE" }, { "lo", "VM_LOCKED" }, { "io", "VM_IO" },
	{ "sr", "VM_SEQ_READ" }, { "rr", "VM_RAND_READ" }, { "dc", "VM_DONTCOPY" },
	{ "de", "VM_DONTEXPAND" }, { "ac", "VM_ACCOUNT" }, { "nr", "VM_NORESERVE" },
	{ "ht", "VM_HUGETLB" }, { "nl", "VM_NONLINEAR" }, { "hg", "VM_HUGEPAGE" },
	{ "mm", "VM_MIXEDMAP" }, { "mg", "VM_MERGEABLE" },
};

static uint64_t vm_flags_of(const struct ckpt_field *f, const char *codes)
{
	uint64_t flags = 0;

	for (const char *p = codes; *p;) {
		while (*p == ' ')
			p++;
		if (!p[0] || !p[1])
			break;
		for (size_t i = 0; i < CKPT_ARRAY_LEN(vmflag_codes); i++) {
			uint64_t bit;

			if (p[0] == vmflag_codes[i].code[0] && p[1] == vmflag_codes[i].code[1] &&
			    ckpt_names_value(f->names, vmflag_codes[i].flag, &bit))
				flags |= bit;
		}
		p += 2;
	}
	return flags;
}

/* x86_64 page protection of a mapping, as the kernel's protection_map
 * derives it: present, user, accessed; writable only when shared (a
 * private mapping is copy-on-write); NX unless executable; PROT_NONE is
 * _PAGE_PROTNONE (the bit _PAGE_GLOBAL names) and accessed. */
static uint64_t page_prot_of(const struct ckpt_proc_vma *v)
{
	uint64_t prot;

	if (!(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return 0x100 | 0x20;
	prot = 0x1 | 0x4 | 0x20;
	if (v->shared && (v->prot & PROT_WRITE))
		prot |= 0x2;
	if (!(v->prot & PROT_EXEC))
		prot |= 1ULL << 63;
	return prot;
}

enum vma_kind { KIND_ANON, KIND_FILE, KIND_VDSO, KIND_SHM_ANON, KIND_SHM_IPC, KIND_HUGETLB };

static enum vma_kind vma_kind(const struct ckpt_proc_vma *v)
{
	if (strstr(v->vmflags, "ht"))
		return KIND_HUGETLB;
	if (v->path[0] == '[' && strncmp(v->path, "[anon", 5) != 0 && strcmp(v->path, "[heap]") != 0 &&
	    strncmp(v->path, "[stack", 6) != 0)
		return KIND_VDSO;	/* [vdso], [vvar], [vsyscall], [uprobes] */
	if (v->inode == 0)
		return KIND_ANON;
	if (strncmp(v->path, "/dev/zero", 9) == 0 && v->shared)
		return KIND_SHM_ANON;
	if (strncmp(v->path, "/SYSV", 5) == 0)
		return KIND_SHM_IPC;
	return KIND_FILE;
}

static const char *const vma_type_names[] = {
	[KIND_ANON] = "ANON", [KIND_FILE] = "FILE", [KIND_VDSO] = "VDSO",
	[KIND_SHM_ANON] = "SHM_ANON", [KIND_SHM_IPC] = "SHM_IPC_SKIP", [KIND_HUGETLB] = "HUGETLB_SKIP",
};

/* Contents are saved for anonymous memory and private writable file
 * mappings: everything else restart can map again from its file. */
static bool vma_has_contents(const struct ckpt_proc_vma *v, enum vma_kind k)
{
	return k == KIND_ANON || k == KIND_SHM_ANON || (k == KIND_FILE && !v->shared && (v->prot & PROT_WRITE));
}

/* The FILE object of a mapped file (or the executable), by device and
 * inode; written with its path the first time. */
static int32_t file_ref(struct collect *c, uint64_t dev, uint64_t ino, const char *path, bool writable,
			int32_t cred)
{
	struct ckpt_emit *e = &c->e;
	struct key_ref *k = ckpt_find_key(c->files, c->n_files, dev, ino);

	if (k)
		return k->ref;
	int32_t ref = ckpt_define_key(c, &c->files, &c->n_files, dev, ino, "FILE");

	if (ref < 0)
		return -1;
	ckpt_emit_begin(e, "FILE", 0);
	ckpt_emit_set_name(e, "f_type", "GENERIC");
	/* The mode and flags a mapping implies: read (and write for a
	 * shared writable one); the descriptor it came from is not known. */
	ckpt_emit_set(e, "f_mode", 0x1 | 0x4 | 0x8 | (writable ? 0x2 | 0x10 : 0));
	ckpt_emit_set(e, "f_flags", (writable ? O_RDWR : O_RDONLY) | 0100000 /* O_LARGEFILE */);
	ckpt_emit_set(e, "f_credref", (uint32_t)cred);
	ckpt_emit_put(e);
	size_t len = strlen(path);

	if (len >= 4096)
		len = 4095;
	char *name = strndup(path, len);

	if (!name)
		return ckpt_oom(c);
	ckpt_emit_raw(e, "FILE_NAME", name, len + 1);
	free(name);
	return e->failed ? -1 : ref;
}

static uint64_t file_size(pid_t pid, const struct ckpt_proc_vma *v)
{
	char path[96];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", (int)pid,
		 (unsigned long long)v->start, (unsigned long long)v->end);
	if (stat(path, &st) == 0 || (v->path[0] == '/' && stat(v->path, &st) == 0))
		return (uint64_t)st.st_size;
	return 0;
}

/* The saved auxv, padded with AT_NULL entries to the kernel's array. */
static int write_auxv(struct collect *c, pid_t pid)
{
	size_t len = 0, want = (size_t)c->prof.consts[1] * 8;
	char *auxv = ckpt_proc_readf(&len, "/proc/%d/auxv", (int)pid);

	if (!auxv)
		return ckpt_emit_fail(&c->e, "pid %d: cannot read its auxv: %s", (int)pid, strerror(errno));
	if (len < want) {
		char *bigger = realloc(auxv, want);

		if (!bigger) {
			free(auxv);
			return ckpt_oom(c);
		}
		auxv = bigger;
		memset(auxv + len, 0, want - len);
		len = want;
	}
	int rc = ckpt_emit_raw(&c->e, "BUFFER", auxv, len);

	free(auxv);
	return rc;
}

/* The address space is read through a live thread of the group: once the
 * leader has exited (pthread_exit) and waits as a zombie for the others,
 * its smaps, maps, pagemap and mem are empty or refuse, while /proc/TID of
 * any live thread shows the mm they all share. */
static int32_t write_mm(struct collect *c, const struct ckpt_thread *th, int32_t cred)
{
	pid_t pid = th->tid;
	struct ckpt_emit *e = &c->e;
	struct ckpt_proc_vma *vmas = NULL;
	struct ckpt_proc_stat st;
	size_t n = 0;
	int32_t exe = 0, ref = -1;
	int32_t *vma_file = NULL;
	struct ckpt_pages *pages = NULL;
	char exe_path[4096];
	struct stat exe_st;
	char link[64];

	if (ckpt_proc_smaps(pid, &vmas, &n) < 0 || ckpt_proc_stat(th->tgid, pid, &st) < 0)
		return ckpt_emit_fail(e, "pid %d: cannot read its memory map: %s", (int)pid, strerror(errno));
	vma_file = calloc(n ? n : 1, sizeof(*vma_file));
	if (!vma_file) {
		ckpt_oom(c);
		goto out;
	}
	/* The files first: objects come before the records that use them. */
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	ssize_t l = readlink(link, exe_path, sizeof(exe_path) - 1);

	if (l > 0 && stat(link, &exe_st) == 0) {
		exe_path[l] = '\0';
		exe = file_ref(c, exe_st.st_dev, exe_st.st_ino, exe_path, false, cred);
	}
	uint64_t resident = 0, brk = (uint64_t)st.f[47];

	for (size_t i = 0; i < n && !e->failed; i++) {
		enum vma_kind k = vma_kind(&vmas[i]);

		if (k == KIND_FILE || k == KIND_SHM_ANON)
			vma_file[i] = file_ref(c, makedev(vmas[i].dev_major, vmas[i].dev_minor), vmas[i].inode,
					       vmas[i].path, vmas[i].shared && (vmas[i].prot & PROT_WRITE), cred);
		if (vma_has_contents(&vmas[i], k))
			resident += (vmas[i].rss_kb + vmas[i].swap_kb) / 4;
		/* The current break is not in /proc: the heap ends at it,
		 * rounded up to a page. */
		if (strcmp(vmas[i].path, "[heap]") == 0)
			brk = vmas[i].end;
	}
	e->progress.pages_total += c->e.opt->no_pages ? 0 : resident;
	char *filter = ckpt_proc_readf(NULL, "/proc/%d/coredump_filter", (int)pid);
	/* mm->flags: the dump filter sits above the two "dumpable" bits. */
	uint64_t mm_flags = filter ? strtoull(filter, NULL, 16) << 2 : 0;

	free(filter);
	ref = ckpt_emit_objref(e, "MM");
	ckpt_emit_begin(e, "MM", 0);
	ckpt_emit_set(e, "map_count", n);
	ckpt_emit_set(e, "exe_objref", (uint32_t)exe);
	ckpt_emit_set(e, "flags", mm_flags);
	ckpt_emit_set(e, "start_code", (uint64_t)st.f[26]);
	ckpt_emit_set(e, "end_code", (uint64_t)st.f[27]);
	ckpt_emit_set(e, "start_data", (uint64_t)st.f[45]);
	ckpt_emit_set(e, "end_data", (uint64_t)st.f[46]);
	ckpt_emit_set(e, "start_brk", (uint64_t)st.f[47]);
	ckpt_emit_set(e, "brk", brk);
	ckpt_emit_set(e, "start_stack", (uint64_t)st.f[28]);
	ckpt_emit_set(e, "arg_start", (uint64_t)st.f[48]);
	ckpt_emit_set(e, "arg_end", (uint64_t)st.f[49]);
	ckpt_emit_set(e, "env_start", (uint64_t)st.f[50]);
	ckpt_emit_set(e, "env_end", (uint64_t)st.f[51]);
	ckpt_emit_put(e);
	write_auxv(c, pid);

	const struct ckpt_field *flags_field =
		ckpt_rtype_field(ckpt_schema_type_by_name(e->s, "VMA"), "vm_flags");

	if (!c->e.opt->no_pages)
		pages = ckpt_pages_new(pid, e);
	for (size_t i = 0; i < n && !ckpt_emit_stopped(e); i++) {
		const struct ckpt_proc_vma *v = &vmas[i];
		enum vma_kind k = vma_kind(v);

		ckpt_emit_begin(e, "VMA", 0);
		ckpt_emit_set_name(e, "vma_type", vma_type_names[k]);
		ckpt_emit_set(e, "vma_objref", (uint32_t)vma_file[i]);
		ckpt_emit_set(e, "ino_size", vma_file[i] > 0 ? file_size(pid, v) : 0);
		ckpt_emit_set(e, "vm_start", v->start);
		ckpt_emit_set(e, "vm_end", v->end);
		ckpt_emit_set(e, "vm_page_prot", page_prot_of(v));
		ckpt_emit_set(e, "vm_flags", vm_flags_of(flags_field, v->vmflags));
		ckpt_emit_set(e, "vm_pgoff", v->offset / CKPT_PAGE_SIZE);
		ckpt_emit_put(e);
		if (pages && vma_has_contents(v, k)) {
			/* Nothing resident: only the end marker. */
			if (v->rss_kb + v->swap_kb == 0) {
				ckpt_emit_begin(e, "PGARR", 0);
				ckpt_emit_put(e);
			} else {
				ckpt_pages_dump(pages, v->start, v->end);
			}
		}
	}
out:
	ckpt_pages_free(pages);
	free(vma_file);
	free(vmas);
	return e->failed ? -1 : ref;
}

/* The MM object of a thread: shared with an earlier task when kcmp(2)
 * says they have the same address space (threads, CLONE_VM). */
static int32_t mm_ref(struct collect *c, const struct ckpt_thread *th, int32_t cred)
{
	/* CLONE_THREAD implies CLONE_VM: the group's first thread decides. */
	for (size_t i = 0; i < c->n_objs; i++)
		if (c->objs[i].objtype == CKPT_OBJ_MM && c->objs[i].tgid == th->tgid)
			return c->objs[i].ref;
	const struct shared_obj *o = ckpt_shared_kcmp(c, CKPT_OBJ_MM, th->tid, 0);

	if (o)
		return o->ref;
	int32_t ref = write_mm(c, th, cred);

	if (ref > 0 && !ckpt_shared_add(c, CKPT_OBJ_MM, ref, th->tgid, th->tid, -1))
		return -1;
	return ref;
}

/* --- tasks ----------------------------------------------------------------- */

static uint32_t task_state_of(char letter)
{
	switch (letter) {
	case 'S': return 0x1;	/* TASK_INTERRUPTIBLE */
	case 'D': return 0x2;	/* TASK_UNINTERRUPTIBLE */
	case 'I': return 0x2;	/* idle: uninterruptible, not counted as load */
	case 'T': return 0x4;	/* __TASK_STOPPED */
	case 't': return 0x8;	/* __TASK_TRACED */
	case 'Z': case 'X': return 0x40;	/* TASK_DEAD */
	default: return 0;	/* TASK_RUNNING */
	}
}

static int write_cpu(struct collect *c, const struct ckpt_thread *th)
{
	struct ckpt_emit *e = &c->e;
#if defined(__x86_64__)
	struct user_regs_struct regs;
	struct iovec iov = { &regs, sizeof(regs) };

	if (ptrace(PTRACE_GETREGSET, th->tid, (void *)(long)NT_PRSTATUS, &iov) < 0)
		return ckpt_emit_fail(e, "pid %d: cannot read its registers: %s", (int)th->tid, strerror(errno));
	/* The CPU record's names are pt_regs' (bp, ax, ...); fs and gs
	 * are the segment bases, fsindex/gsindex the selectors. */
	const struct { const char *field; uint64_t v; } map[] = {
		{ "r15", regs.r15 }, { "r14", regs.r14 }, { "r13", regs.r13 }, { "r12", regs.r12 },
		{ "bp", regs.rbp }, { "bx", regs.rbx }, { "r11", regs.r11 }, { "r10", regs.r10 },
		{ "r9", regs.r9 }, { "r8", regs.r8 }, { "ax", regs.rax }, { "cx", regs.rcx },
		{ "dx", regs.rdx }, { "si", regs.rsi }, { "di", regs.rdi }, { "orig_ax", regs.orig_rax },
		{ "ip", regs.rip }, { "sp", regs.rsp }, { "flags", regs.eflags },
		{ "fs", regs.fs_base }, { "gs", regs.gs_base },
		{ "fsindex", regs.fs & 0xffff }, { "gsindex", regs.gs & 0xffff },
		{ "cs", regs.cs & 0xffff }, { "ss", regs.ss & 0xffff },
		{ "ds", regs.ds & 0xffff }, { "es", regs.es & 0xffff },
	};

	size_t size = c->prof.xstate_size;
	uint8_t *xstate = calloc(1, size ? size : 1);
	struct iovec xiov = { xstate, size };

	if (!xstate)
		return ckpt_oom(c);
	if (ptrace(PTRACE_GETREGSET, th->tid, (void *)(long)(c->prof.has_xsave ? NT_X86_XSTATE : NT_PRFPREG),
		   &xiov) < 0) {
		free(xstate);
		return ckpt_emit_fail(e, "pid %d: cannot read its FPU state: %s", (int)th->tid, strerror(errno));
	}
	if (xiov.iov_len != size) {
		free(xstate);
		return ckpt_emit_fail(e, "pid %d: its FPU state is %zu bytes, not the %zu of HEADER_ARCH",
				      (int)th->tid, xiov.iov_len, size);
	}
	ckpt_emit_begin(e, "CPU", 0);
	for (size_t i = 0; i < CKPT_ARRAY_LEN(map); i++)
		ckpt_emit_set(e, map[i].field, map[i].v);
	/* Every task has an FPU context now: the kernel allocates it eagerly. */
	ckpt_emit_set(e, "used_math", 1);
	ckpt_emit_put(e);
	ckpt_emit_raw(e, "CPU_FPU", xstate, size);
	free(xstate);
	return e->failed ? -1 : 0;
#else
	(void)th;
	return ckpt_emit_fail(e, "registers: only x86_64 is supported");
#endif
}

static int write_task(struct collect *c, const struct ckpt_thread *th)
{
	struct ckpt_emit *e = &c->e;
	struct ckpt_proc_stat st;
	bool zombie = !th->seized;
	uint64_t robust_head = 0;
	size_t robust_len = 0;

	if (ckpt_proc_stat(th->tgid, th->tid, &st) < 0)
		return ckpt_emit_fail(e, "pid %d: cannot read its stat: %s", (int)th->tid, strerror(errno));
	if (!zombie && syscall(SYS_get_robust_list, th->tid, &robust_head, &robust_len) < 0)
		return ckpt_emit_fail(e, "pid %d: get_robust_list: %s", (int)th->tid, strerror(errno));
	ckpt_emit_begin(e, "TASK", 0);
	ckpt_emit_set(e, "state", task_state_of(th->state));
	if (zombie) {
		ckpt_emit_set_name(e, "exit_state", "EXIT_ZOMBIE");
		ckpt_emit_set(e, "exit_code", (uint32_t)st.f[52]);
	}
	ckpt_emit_set(e, "exit_signal", (uint32_t)(int32_t)st.f[38]);
	ckpt_emit_set(e, "robust_futex_head_len", robust_len);
	ckpt_emit_set(e, "robust_futex_list", robust_head);
	ckpt_emit_put(e);
	ckpt_emit_padded(e, "STRING", st.comm, 16);

	int32_t cred = cred_ref(c, th);
	/* A zombie has released its namespaces, mm, files, fs and signal
	 * handlers: its task record and credentials are all there is. */
	int32_t ns = 0, mm = 0, files = 0, fs = 0, sighand = 0, signal = 0;

	if (!zombie && cred > 0) {
		ns = ns_ref(c, th);
		mm = ns > 0 ? mm_ref(c, th, cred) : -1;
		files = mm > 0 ? ckpt_files_ref(c, th, cred) : -1;
		fs = files > 0 ? ckpt_fs_ref(c, th) : -1;
		sighand = fs > 0 ? ckpt_sighand_ref(c, th) : -1;
		signal = sighand > 0 ? ckpt_signal_ref(c, th) : -1;
	}
	if (e->failed)
		return -1;
	ckpt_emit_begin(e, "TASK_CREDS", 0);
	ckpt_emit_set(e, "cred_ref", (uint32_t)cred);
	ckpt_emit_set(e, "ecred_ref", (uint32_t)cred);
	ckpt_emit_put(e);
	ckpt_emit_begin(e, "TASK_NS", 0);
	ckpt_emit_set(e, "ns_objref", (uint32_t)ns);
	ckpt_emit_put(e);
	ckpt_emit_begin(e, "TASK_OBJS", 0);
	ckpt_emit_set(e, "files_objref", (uint32_t)files);
	ckpt_emit_set(e, "mm_objref", (uint32_t)mm);
	ckpt_emit_set(e, "fs_objref", (uint32_t)fs);
	ckpt_emit_set(e, "sighand_objref", (uint32_t)sighand);
	ckpt_emit_set(e, "signal_objref", (uint32_t)signal);
	ckpt_emit_put(e);
	if (zombie)
		return e->failed ? -1 : 0;
	/* x86_64: three TLS descriptors of 8 bytes in the GDT. */
	ckpt_emit_begin(e, "THREAD", 0);
	ckpt_emit_set(e, "gdt_entry_tls_entries", 3);
	ckpt_emit_set(e, "sizeof_tls_array", 24);
	ckpt_emit_put(e);
	if (write_cpu(c, th) < 0)
		return -1;
	return ckpt_write_signal_task(c, th);
}

static void free_collect(struct collect *c)
{
	for (size_t i = 0; i < c->n_creds; i++)
		ckpt_proc_creds_free(&c->creds[i].c);
	for (size_t i = 0; i < c->n_groupinfos; i++)
		free(c->groupinfos[i].groups);
	free(c->creds);
	free(c->groupinfos);
	free(c->users);
	free(c->userns);
	free(c->nsets);
	free(c->objs);
	for (size_t i = 0; i < CKPT_OBJ_MAX; i++)
		free(c->sorted[i]);
	free(c->files);
	free(c->pid_nums);
	free(c->pid_refs);
	ckpt_rbuf_free(&c->e.b);
	ckpt_writer_release(&c->e.w);
}

int ckpt_collect_write(struct ckpt_tree *t, FILE *out, const struct ckpt_collect_options *opt,
		       struct ckpt_collect_stats *stats, int *write_errno, char *err, size_t errsize)
{
	static const struct ckpt_collect_options defaults;
	struct collect c = { .t = t };
	struct ckpt_emit *e = &c.e;

	e->s = ckpt_schema_for(CKPT_DIALECT_REV6);
	e->next_ref = 1;
	e->err = err;
	e->errsize = errsize;
	e->opt = opt ? opt : &defaults;
	ckpt_writer_init(&e->w, out, e->s);
	err[0] = '\0';
	if (ckpt_writer_digests(&e->w) < 0)
		ckpt_emit_fail(e, "out of memory");

	if (!e->failed && write_header(&c) == 0 && write_tree(&c) == 0) {
		for (size_t i = 0; i < t->n_threads && !ckpt_emit_stopped(e); i++)
			if (write_task(&c, &t->threads[i]) < 0)
				break;
	}
	/* The extension records after the task data; the writer adds the
	 * last EXT_DIGEST before the TAIL. */
	if (!e->failed && ckpt_write_producer(&c) == 0)
		ckpt_write_users(&c);
	if (!e->failed) {
		ckpt_emit_begin(e, "TAIL", 0);
		ckpt_emit_set(e, "magic", e->s->tail_magic);
		ckpt_emit_put(e);
	}
	if (!e->failed && fflush(out) != 0) {
		e->write_errno = errno;
		ckpt_emit_fail(e, "write error: %s", strerror(errno));
	}
	if (e->failed && !e->write_errno) {
		/* A reader of a stream learns why it ends early: an ERROR
		 * record and its message (a NUL, then the text) close it. */
		struct ckpt_emit tail = *e;
		char msg[600];
		size_t len = strlen(err);

		if (len > sizeof(msg) - 2)
			len = sizeof(msg) - 2;
		msg[0] = '\0';
		memcpy(msg + 1, err, len);
		msg[len + 1] = '\0';
		tail.failed = false;
		tail.b = (struct ckpt_rbuf){ 0 };
		char scratch[256];

		tail.err = scratch;
		tail.errsize = sizeof(scratch);
		ckpt_emit_begin(&tail, "ERROR", 0);
		ckpt_emit_put(&tail);
		ckpt_emit_raw(&tail, "STRING", msg, len + 2);
		fflush(out);
	}
	if (stats) {
		stats->records = e->records;
		stats->pages = e->progress.pages_done;
		stats->bytes = e->w.offset;
	}
	if (write_errno)
		*write_errno = e->write_errno;
	int rc = e->failed ? -1 : 0;

	free_collect(&c);
	return rc;
}
