/* The thread's memory, seen from the tracer: /proc/TID/mem for reading and
 * writing (a pread does not pin pages, so copy-on-write sharing with other
 * processes survives it, unlike process_vm_readv; a pwrite reaches
 * read-only pages too), a scratch mapping for the arguments of remote calls,
 * and the search for a `syscall` instruction to run them from. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "remote.h"
#include "resume_stub.h"

#define PAGE 4096u
#define SCAN_CHUNK 65536u
#define SCAN_LIMIT (4u << 20)	/* bytes looked at per mapping */

int ckpt_remote_write(struct ckpt_remote *r, uint64_t addr, const void *buf, size_t len, char *err,
		      size_t errsize)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(r->mem, p, len, (off_t)addr);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			snprintf(err, errsize, "pid %d: cannot write %zu bytes at 0x%" PRIx64 ": %s", (int)r->tid, len,
				 addr, n < 0 ? strerror(errno) : "short write");
			return -1;
		}
		p += n;
		addr += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int ckpt_remote_read(struct ckpt_remote *r, uint64_t addr, void *buf, size_t len, char *err, size_t errsize)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(r->mem, p, len, (off_t)addr);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			snprintf(err, errsize, "pid %d: cannot read %zu bytes at 0x%" PRIx64 ": %s", (int)r->tid, len,
				 addr, n < 0 ? strerror(errno) : "unmapped");
			return -1;
		}
		p += n;
		addr += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int ckpt_remote_map_scratch(struct ckpt_remote *r, size_t size, uint64_t *addr, char *err, size_t errsize)
{
	size_t len = (size + PAGE - 1) / PAGE * PAGE;
	long ret;

	if (!len)
		len = PAGE;
	if (r->scratch && r->scratch_len >= len) {
		*addr = r->scratch;
		return 0;
	}
	if (r->scratch && ckpt_remote_unmap_scratch(r, err, errsize) < 0)
		return -1;
	if (ckpt_remote_syscall(r, SYS_mmap,
				(const long[6]){ 0, (long)len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0 },
				&ret, err, errsize) < 0)
		return -1;
	if (ret < 0 && ret > -4096) {
		snprintf(err, errsize, "pid %d: remote mmap of %zu bytes: %s", (int)r->tid, len, strerror((int)-ret));
		return -1;
	}
	r->scratch = (uint64_t)ret;
	r->scratch_len = len;
	*addr = r->scratch;
	return 0;
}

int ckpt_remote_unmap_scratch(struct ckpt_remote *r, char *err, size_t errsize)
{
	long ret;

	if (!r->scratch)
		return 0;
	if (ckpt_remote_syscall(r, SYS_munmap, (const long[6]){ (long)r->scratch, (long)r->scratch_len }, &ret, err,
				errsize) < 0)
		return -1;
	if (ret < 0) {
		snprintf(err, errsize, "pid %d: remote munmap of the scratch at 0x%" PRIx64 ": %s", (int)r->tid,
			 r->scratch, strerror((int)-ret));
		return -1;
	}
	r->scratch = 0;
	r->scratch_len = 0;
	return 0;
}

/* The first 0f 05 in [start, end), or 0.  Any such byte pair is a syscall
 * instruction when executed from its first byte, whatever the code around
 * it decodes to: the thread runs only those two bytes before its exit stop. */
static uint64_t scan(struct ckpt_remote *r, uint64_t start, uint64_t end)
{
	unsigned char *buf = malloc(SCAN_CHUNK + 1);
	uint64_t at = start, found = 0;

	if (!buf)
		return 0;
	if (end - start > SCAN_LIMIT)
		end = start + SCAN_LIMIT;
	while (at < end && !found) {
		/* One byte more than the chunk: a pair may straddle two. */
		size_t want = end - at > SCAN_CHUNK ? SCAN_CHUNK : (size_t)(end - at);
		ssize_t n = pread(r->mem, buf, want + (at + want < end), (off_t)at);

		if (n < 2)
			break;
		for (ssize_t i = 0; i + 1 < n && !found; i++)
			if (buf[i] == 0x0f && buf[i + 1] == 0x05)
				found = at + (uint64_t)i;
		at += want;
	}
	free(buf);
	return found;
}

int ckpt_remote_find_syscall(struct ckpt_remote *r, char *err, size_t errsize)
{
	char path[64], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)r->tid);
	/* The vdso first: every task has one, and it is the kernel's, not a
	 * file someone may be rewriting; its padding holds the resume stub.
	 * Then any executable mapping (no stub: remote.h says what that
	 * costs). */
	for (int pass = 0; pass < 2 && !r->syscall_ip; pass++) {
		f = fopen(path, "re");
		if (!f) {
			snprintf(err, errsize, "pid %d: cannot open %s: %s", (int)r->tid, path, strerror(errno));
			return -1;
		}
		while (!r->syscall_ip && fgets(line, sizeof(line), f)) {
			uint64_t start, end;
			char perms[5], name[256] = "";

			if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %*s %*s %*s %255s", &start, &end, perms, name) < 3)
				continue;
			if (perms[2] != 'x' || !strcmp(name, "[vsyscall]"))
				continue;
			if ((pass == 0) != !strcmp(name, "[vdso]"))
				continue;
			r->stub = pass == 0 ? ckpt_stub_place(r->mem, start, end) : 0;
			r->syscall_ip = r->stub ? r->stub : scan(r, start, end);
		}
		fclose(f);
	}
	if (!r->syscall_ip) {
		snprintf(err, errsize, "pid %d: no syscall instruction (0f 05) in its executable mappings", (int)r->tid);
		return -1;
	}
	return 0;
}
