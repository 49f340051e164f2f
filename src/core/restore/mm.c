/* The address space: our code page at an address free in both layouts,
 * everything of the restorer's copy unmapped, the vdso moved to where the
 * image had it, every VMA mapped at its address, the saved pages copied in
 * (pages.c), the final protections, and PR_SET_MM_MAP. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "restore/restore_impl.h"

#define VM_READ 0x1ULL
#define VM_WRITE 0x2ULL
#define VM_EXEC 0x4ULL
#define VM_SHARED 0x8ULL
#define VM_MAYWRITE 0x20ULL
#define VM_GROWSDOWN 0x100ULL
/* The top of a 4-level x86_64 user address space. */
#define USER_TOP 0x7ffffffff000ULL
#define VMA_VDSO 1
#define VMA_ANON 2
#define VMA_FILE 3

/* The task's current mappings (a copy of the restorer's). */
struct live_vma {
	uint64_t start, end;
	char name[32];			/* "[vdso]", "[vvar]", ... or "" */
};

static int live_maps(struct rs_ctx *x, struct live_vma **out, size_t *n)
{
	char path[64], line[4096];
	struct live_vma *v = NULL;
	size_t cap = 0;
	FILE *f;

	*n = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)x->pid);
	if (!(f = fopen(path, "re")))
		return rs_fail(x, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e;
		int pos = 0;

		if (sscanf(line, "%llx-%llx %*s %*s %*s %*s%n", &s, &e, &pos) < 2)
			continue;
		if (*n == cap) {
			struct live_vma *nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (!nv) {
				free(v);
				fclose(f);
				return rs_fail(x, "out of memory");
			}
			v = nv;
		}
		char *name = line + pos;

		name += strspn(name, " ");
		name[strcspn(name, "\n")] = 0;
		v[*n].start = s;
		v[*n].end = e;
		snprintf(v[*n].name, sizeof(v[*n].name), "%s", name[0] == '[' ? name : "");
		(*n)++;
	}
	fclose(f);
	*out = v;
	return 0;
}

static bool special(const struct live_vma *v)
{
	return strcmp(v->name, "[vdso]") == 0 || strncmp(v->name, "[vvar", 5) == 0 ||
	       strcmp(v->name, "[vsyscall]") == 0;
}

static bool overlaps(uint64_t s, uint64_t e, uint64_t s2, uint64_t e2)
{
	return s < e2 && s2 < e;
}

/* An area of len bytes free in the image's layout and the task's. */
static uint64_t free_area(const struct ckpt_model_mm *mm, const struct live_vma *live, size_t n_live, uint64_t len)
{
	for (uint64_t a = 0x10000000ULL; a + len < 0x7ff000000000ULL; a += 0x1000000ULL) {
		bool busy = false;

		for (size_t i = 0; !busy && mm && i < mm->n_vmas; i++)
			busy = overlaps(a, a + len, mm->vmas[i].start, mm->vmas[i].end);
		for (size_t i = 0; !busy && i < n_live; i++)
			busy = overlaps(a, a + len, live[i].start, live[i].end);
		if (!busy)
			return a;
	}
	return 0;
}

static int place_code(struct rs_ctx *x, const struct ckpt_model_mm *mm, const struct live_vma *live, size_t n_live)
{
	static const uint8_t code[] = { 0x0f, 0x05, 0xcc };	/* syscall; int3 */
	/* Room for the code and scratch, and for the vdso on its way. */
	uint64_t addr = free_area(mm, live, n_live, 16ULL << 20);
	char why[256];
	long ret;

	if (!addr)
		return rs_fail(x, "no free area for the restorer's code");
	if (rs_call(x, "mmap(restorer code)", SYS_mmap, (long)addr, RS_CODE_SIZE + RS_SCRATCH_SIZE,
		    PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0,
		    &ret) < 0)
		return -1;
	if ((uint64_t)ret != addr)
		return rs_fail(x, "our code page landed at 0x%lx, not 0x%" PRIx64, ret, addr);
	if (ckpt_remote_write(&x->r, addr, code, sizeof(code), why, sizeof(why)) < 0)
		return rs_fail(x, "%s", why);
	x->code = addr;
	ckpt_remote_set_syscall_ip(&x->r, addr);
	return 0;
}

/* Everything but the vdso areas and our code goes, a few calls for the
 * whole range: munmap(2) takes ranges with holes in them. */
static int unmap_rest(struct rs_ctx *x, const struct live_vma *live, size_t n_live)
{
	uint64_t keep[16][2], from = 0x1000;	/* below: mmap_min_addr, never mapped */
	size_t n_keep = 0;

	for (size_t i = 0; i < n_live && n_keep < 15; i++)
		if (special(&live[i]) && strcmp(live[i].name, "[vsyscall]") != 0) {
			keep[n_keep][0] = live[i].start;
			keep[n_keep++][1] = live[i].end;
		}
	keep[n_keep][0] = x->code;
	keep[n_keep++][1] = x->code + RS_CODE_SIZE + RS_SCRATCH_SIZE;
	/* In address order (few entries). */
	for (size_t i = 1; i < n_keep; i++)
		for (size_t k = i; k > 0 && keep[k - 1][0] > keep[k][0]; k--) {
			uint64_t s0 = keep[k][0], e0 = keep[k][1];

			keep[k][0] = keep[k - 1][0];
			keep[k][1] = keep[k - 1][1];
			keep[k - 1][0] = s0;
			keep[k - 1][1] = e0;
		}
	for (size_t i = 0; i <= n_keep; i++) {
		uint64_t to = i < n_keep ? keep[i][0] : USER_TOP;

		if (to > from && rs_call(x, "munmap", SYS_munmap, (long)from, (long)(to - from), 0, 0, 0, 0, NULL) < 0)
			return -1;
		if (i < n_keep)
			from = keep[i][1];
	}
	return 0;
}

/* [vvar], [vvar_vclock] and [vdso] of this kernel, moved in order onto the
 * image's VDSO areas when their sizes match: through a parking place
 * first, so that no move lands on an area not yet moved. */
static int move_vdso(struct rs_ctx *x, const struct ckpt_model_mm *mm, const struct live_vma *live, size_t n_live)
{
	const struct live_vma *mine[8];
	const struct ckpt_model_vma *theirs[8];
	size_t n_mine = 0, n_theirs = 0;
	uint64_t park = x->code + (4ULL << 20), at;

	for (size_t i = 0; i < n_live; i++)
		if (special(&live[i]) && strcmp(live[i].name, "[vsyscall]") != 0 && n_mine < 8)
			mine[n_mine++] = &live[i];
	for (size_t i = 0; i < mm->n_vmas; i++)
		if (mm->vmas[i].type == VMA_VDSO && n_theirs < 8)
			theirs[n_theirs++] = &mm->vmas[i];
	if (n_theirs == 0)
		return 0;
	if (n_mine != n_theirs)
		return rs_fail(x, "the image has %zu vdso areas but this kernel has %zu", n_theirs, n_mine);
	for (size_t i = 0; i < n_mine; i++)
		if (mine[i]->end - mine[i]->start != theirs[i]->end - theirs[i]->start)
			return rs_fail(x, "vdso area %zu is %" PRIu64 " bytes in the image but %" PRIu64
				       " on this kernel (%s)", i, theirs[i]->end - theirs[i]->start,
				       mine[i]->end - mine[i]->start, mine[i]->name);
	at = park;
	for (size_t i = 0; i < n_mine; i++) {
		uint64_t len = mine[i]->end - mine[i]->start;

		if (rs_call(x, "mremap(vdso)", SYS_mremap, (long)mine[i]->start, (long)len, (long)len,
			    MREMAP_MAYMOVE | MREMAP_FIXED, (long)at, 0, NULL) < 0)
			return -1;
		at += len;
	}
	at = park;
	for (size_t i = 0; i < n_mine; i++) {
		uint64_t len = mine[i]->end - mine[i]->start;

		if (rs_call(x, "mremap(vdso)", SYS_mremap, (long)at, (long)len, (long)len,
			    MREMAP_MAYMOVE | MREMAP_FIXED, (long)theirs[i]->start, 0, NULL) < 0)
			return -1;
		at += len;
	}
	return 0;
}

static int prot_of(uint64_t flags)
{
	return (flags & VM_READ ? PROT_READ : 0) | (flags & VM_WRITE ? PROT_WRITE : 0) |
	       (flags & VM_EXEC ? PROT_EXEC : 0);
}

static int map_vma(struct rs_ctx *x, const struct ckpt_model_vma *v)
{
	int prot = prot_of(v->flags);
	int flags = MAP_FIXED | (v->flags & VM_SHARED ? MAP_SHARED : MAP_PRIVATE);
	uint64_t len = v->end - v->start;
	int32_t ino = rs_vma_ino(x->plan, v->record);
	long fd = -1, ifd = -1, ret;

	/* Saved pages are written while the area is writable. */
	if (v->pages && !(v->flags & VM_SHARED))
		prot |= PROT_READ | PROT_WRITE;
	if (ino) {
		/* The object made by rs_inodes_create; kept open until the
		 * descriptors are placed. */
		if ((ifd = rs_inode_fd(x, ino)) < 0)
			return rs_fail(x, "mapping 0x%" PRIx64 ": object %d was not made", v->start, ino);
	} else if (v->type == VMA_ANON) {
		flags |= MAP_ANONYMOUS | (v->flags & VM_GROWSDOWN ? MAP_GROWSDOWN : 0);
	} else {
		const struct rs_file *f = rs_file(x->plan, v->file_ref);

		if (!f || !f->path)
			return rs_fail(x, "mapping 0x%" PRIx64 ": no file path in the image", v->start);
		fd = rs_open(x, f->path, (v->flags & VM_SHARED) && (v->flags & VM_MAYWRITE) ? O_RDWR : O_RDONLY);
		if (fd < 0)
			return -1;
	}
	if (rs_call(x, "mmap", SYS_mmap, (long)v->start, (long)len, prot, flags, ifd >= 0 ? ifd : fd,
		    (long)(v->type == VMA_ANON && !ino ? 0 : v->pgoff * 4096), &ret) < 0)
		return -1;
	if (fd >= 0 && rs_call(x, "close", SYS_close, fd, 0, 0, 0, 0, 0, NULL) < 0)
		return -1;
	if ((uint64_t)ret != v->start)
		return rs_fail(x, "mapping 0x%" PRIx64 " landed at 0x%lx", v->start, ret);
	return 0;
}

static int set_mm_map(struct rs_ctx *x, const struct rs_mm *m)
{
	struct prctl_mm_map map = {
		.start_code = m->start_code, .end_code = m->end_code,
		.start_data = m->start_data, .end_data = m->end_data,
		.start_brk = m->start_brk, .brk = m->brk,
		.start_stack = m->start_stack,
		.arg_start = m->arg_start, .arg_end = m->arg_end,
		.env_start = m->env_start, .env_end = m->env_end,
		.exe_fd = (uint32_t)-1,
	};
	const struct rs_file *exe = rs_file(x->plan, m->exe);
	uint8_t args[RS_AUXV_MAX * 8 + sizeof(map)];
	uint64_t at;
	long fd = -1;

	/* A child made by its restored parent has that exe already, and
	 * the kernel refuses to replace an exe that is still mapped. */
	if (exe && exe->path) {
		char link[64], now[4096];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/%d/exe", (int)x->pid);
		n = readlink(link, now, sizeof(now) - 1);
		if (n > 0 && (size_t)n == strlen(exe->path) && memcmp(now, exe->path, (size_t)n) == 0)
			exe = NULL;
	}
	/* The exe first: its path goes through the scratch too. */
	if (exe && exe->path && (fd = rs_open(x, exe->path, O_RDONLY)) < 0)
		return -1;
	map.exe_fd = fd >= 0 ? (uint32_t)fd : (uint32_t)-1;
	/* The auxv at the scratch's start, the map after it. */
	memset(args, 0, sizeof(args));
	memcpy(args, m->auxv, m->n_auxv * 8);
	if (m->n_auxv) {
		map.auxv = (__u64 *)(uintptr_t)(x->code + RS_CODE_SIZE);
		map.auxv_size = (uint32_t)(m->n_auxv * 8);
	}
	memcpy(args + RS_AUXV_MAX * 8, &map, sizeof(map));
	if (rs_scratch(x, args, sizeof(args), &at) < 0)
		return -1;
	at += RS_AUXV_MAX * 8;
	if (rs_call(x, "prctl(PR_SET_MM_MAP)", SYS_prctl, PR_SET_MM, PR_SET_MM_MAP, (long)at, sizeof(map), 0, 0,
		    NULL) < 0)
		return -1;
	if (fd >= 0 && rs_call(x, "close", SYS_close, fd, 0, 0, 0, 0, 0, NULL) < 0)
		return -1;
	return 0;
}

int rs_mm_restore(struct rs_ctx *x)
{
	const struct rs_mm *m = rs_mm(x->plan, x->task->mm);
	const struct ckpt_model_mm *mm = m ? m->model : NULL;
	struct live_vma *live = NULL;
	size_t n_live = 0;
	uint64_t pages = 0;
	struct rs_pages pg;
	int rc = -1;

	if (!mm)
		return rs_fail(x, "the image holds no address space for it");
	if (live_maps(x, &live, &n_live) < 0)
		return -1;
	rs_pages_open(&pg);
	if (place_code(x, mm, live, n_live) < 0 || unmap_rest(x, live, n_live) < 0 ||
	    move_vdso(x, mm, live, n_live) < 0 || rs_inodes_create(x) < 0)
		goto out;
	for (size_t i = 0; i < mm->n_vmas; i++) {
		const struct ckpt_model_vma *v = &mm->vmas[i];

		if (v->type == VMA_VDSO)
			continue;
		if (map_vma(x, v) < 0 || rs_pages_write(x, &pg, mm, v, rs_vma_ino(x->plan, v->record)) < 0)
			goto out;
		pages += v->pages;
		if (v->pages && !(v->flags & VM_SHARED) && prot_of(v->flags) != (PROT_READ | PROT_WRITE) &&
		    rs_call(x, "mprotect", SYS_mprotect, (long)v->start, (long)(v->end - v->start),
			    prot_of(v->flags), 0, 0, 0, NULL) < 0)
			goto out;
	}
	if (set_mm_map(x, m) < 0)
		goto out;
	rs_log(x, 1, "task %d: %zu areas, %" PRIu64 " pages (%" PRIu64 " by UFFDIO_COPY)", (int)x->pid, mm->n_vmas,
	       pages, pg.uffd_bytes / CKPT_PAGE_SIZE);
	rc = 0;
out:
	rs_pages_close(&pg);
	free(live);
	return rc;
}
