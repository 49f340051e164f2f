/* Copy-on-write sharing: the parent dirties 8 MiB of anonymous memory with
 * the pattern, then forks a child that only sleeps, so every page is
 * shared by the two (smaps Shared_Dirty) until one of them writes it.  A
 * checkpoint must leave it so. */
#include "config.h"

#include <sys/mman.h>

#include "workload.h"

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	size_t size = 8u << 20;
	uint64_t *region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t child;

	if (region == MAP_FAILED)
		return 1;
	/* Its own vma, never merged with a neighbour: smaps shows it alone. */
	madvise(region, size, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < size / 8; i++)
		region[i] = workload_pattern(i);
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0)
		workload_idle();
	workload_ready(ready, "addr=%#llx\nsize=%zu\nchild=%d\n", (unsigned long long)(uintptr_t)region, size,
		       (int)child);
	workload_idle();
}
