/* 64 MiB of anonymous memory filled with a known pattern (plus an
 * untouched region after it that must not show up as pages). */
#include "config.h"

#include <sys/mman.h>

#include "workload.h"

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	size_t size = argc > 2 ? strtoull(argv[2], NULL, 0) << 20 : 64u << 20;
	uint64_t *region = mmap(NULL, size + (4u << 20), PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (region == MAP_FAILED)
		return 1;
	for (size_t i = 0; i < size / 8; i++)
		region[i] = workload_pattern(i);
	workload_ready(ready, "addr=%#llx\nsize=%zu\n", (unsigned long long)(uintptr_t)region, size);
	workload_idle();
}
