/* Namespaces: the NS object of a task and the UTS, IPC and NET namespaces
 * it names, one object per namespace inode. */
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
int32_t ckpt_ns_ref(struct collect *c, const struct ckpt_thread *th)
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
