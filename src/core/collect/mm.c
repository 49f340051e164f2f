/* Address spaces: MM, its VMAs, the files they map, and their pages
 * (pages.c reads them). */
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

/* PGARR records follow private mappings: all the pages of anonymous ones,
 * the private copies of file ones (written, relocated: whatever the
 * protection is now).  Shared anonymous memory is an INODE object of its
 * own (filedata.c); shared file mappings map the file again. */
static bool vma_has_contents(const struct ckpt_proc_vma *v, enum vma_kind k)
{
	return k == KIND_ANON || (k == KIND_FILE && !v->shared);
}

/* Pages the PGARR records of a vma will hold, at most. */
static uint64_t vma_resident(const struct ckpt_proc_vma *v, enum vma_kind k)
{
	if (k == KIND_FILE)
		return (v->anon_kb + v->swap_kb) / 4;
	return (v->rss_kb + v->swap_kb) / 4;
}

/* The INODE object holding the contents of a mapping a restore cannot map
 * again by path (shared anonymous memory, memfd, unlinked file), read
 * through /proc/PID/map_files; 0 when it needs none. */
static int32_t vma_inode_ref(struct collect *c, pid_t pid, const struct ckpt_proc_vma *v, enum vma_kind k)
{
	int kind;
	char link[96];

	if (k != KIND_FILE && k != KIND_SHM_ANON)
		return 0;
	kind = ckpt_file_data_kind(v->path, k == KIND_SHM_ANON);
	if (!kind)
		return 0;
	/* Seen before (maps shows the inode's device and number): no need
	 * to open it again for each sharer and each of its mappings. */
	const struct key_ref *seen = ckpt_find_key(c->inodes, c->n_inodes,
						   makedev(v->dev_major, v->dev_minor), v->inode);

	if (seen)
		return seen->ref;
	snprintf(link, sizeof(link), "/proc/%d/map_files/%llx-%llx", (int)pid, (unsigned long long)v->start,
		 (unsigned long long)v->end);
	struct ckpt_file_window w = {
		.pid = pid, .start = v->start, .end = v->end, .pgoff = v->offset / CKPT_PAGE_SIZE,
		.dev = makedev(v->dev_major, v->dev_minor), .ino = v->inode, .shared = v->shared,
	};

	return ckpt_inode_ref(c, link, v->path, kind, &w);
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
	int32_t *vma_file = NULL, *vma_inode = NULL;
	struct ckpt_pages *pages = NULL;
	char exe_path[4096];
	struct stat exe_st;
	char link[64];

	if (ckpt_proc_smaps(pid, &vmas, &n) < 0 || ckpt_proc_stat(th->tgid, pid, &st) < 0)
		return ckpt_emit_fail(e, "pid %d: cannot read its memory map: %s", (int)pid, strerror(errno));
	vma_file = calloc(n ? n : 1, sizeof(*vma_file));
	vma_inode = calloc(n ? n : 1, sizeof(*vma_inode));
	if (!vma_file || !vma_inode) {
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
		if (!e->failed)
			vma_inode[i] = vma_inode_ref(c, pid, &vmas[i], k);
		if (vma_has_contents(&vmas[i], k))
			resident += vma_resident(&vmas[i], k);
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
		ckpt_emit_set(e, "ino_objref", (uint32_t)vma_inode[i]);
		ckpt_emit_set(e, "ino_size", vma_file[i] > 0 ? file_size(pid, v) : 0);
		ckpt_emit_set(e, "vm_start", v->start);
		ckpt_emit_set(e, "vm_end", v->end);
		ckpt_emit_set(e, "vm_page_prot", page_prot_of(v));
		ckpt_emit_set(e, "vm_flags", vm_flags_of(flags_field, v->vmflags));
		ckpt_emit_set(e, "vm_pgoff", v->offset / CKPT_PAGE_SIZE);
		ckpt_emit_put(e);
		if (pages && vma_has_contents(v, k)) {
			/* Nothing to save: only the end marker. */
			if (vma_resident(v, k) == 0) {
				ckpt_emit_begin(e, "PGARR", 0);
				ckpt_emit_put(e);
			} else {
				ckpt_pages_dump(pages, v->start, v->end, k == KIND_FILE);
			}
		}
	}
out:
	ckpt_pages_free(pages);
	free(vma_inode);
	free(vma_file);
	free(vmas);
	return e->failed ? -1 : ref;
}

/* The MM object of a thread: shared with an earlier task when kcmp(2)
 * says they have the same address space (threads, CLONE_VM). */
int32_t ckpt_mm_ref(struct collect *c, const struct ckpt_thread *th, int32_t cred)
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
