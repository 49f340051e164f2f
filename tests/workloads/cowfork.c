/* Copy-on-write sharing: the parent dirties 8 MiB of anonymous memory with
 * the pattern, then forks a child that only sleeps, so every page is
 * shared by the two (smaps Shared_Dirty) until one of them writes it.  The
 * child rewrites every 16th page with the value it holds, so each side
 * ends up with runs of shared pages between private ones (same bytes):
 * both of ckpt's ways of reading pages meet in one batch.  A checkpoint
 * must leave the sharing as it is. */
#include "config.h"

#include <sys/mman.h>

#include "workload.h"

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	size_t size = 8u << 20;
	uint64_t *region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t child;
	int done[2];
	char c = 0;

	if (region == MAP_FAILED)
		return 1;
	/* Its own vma, never merged with a neighbour: smaps shows it alone. */
	madvise(region, size, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < size / 8; i++)
		region[i] = workload_pattern(i);
	if (pipe(done) < 0)
		return 1;
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		for (size_t i = 0; i < size / 8; i += 16 * 4096 / 8)
			((volatile uint64_t *)region)[i] = workload_pattern(i);
		if (write(done[1], &c, 1) != 1)
			_exit(1);
		workload_idle();
	}
	if (read(done[0], &c, 1) != 1)
		return 1;
	workload_ready(ready, "addr=%#llx\nsize=%zu\nchild=%d\n", (unsigned long long)(uintptr_t)region, size,
		       (int)child);
	workload_idle();
}
