/* Pages of a private file mapping that differ from the file, whatever the
 * mapping's protection is now: a file of three pages (bytes 0xaa) mapped
 * privately; the pattern written into pages 0 and 1, then page 0 made
 * PROT_READ and page 1 PROT_NONE; page 2 only read (the file's own page,
 * nothing to save).  The file is the ready file's path plus ".data". */
#include "config.h"

#include <fcntl.h>
#include <sys/mman.h>

#include "workload.h"

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	const size_t page = 4096, size = 3 * page;
	char path[4096], fill[4096];
	volatile uint8_t sink;
	int fd;

	snprintf(path, sizeof(path), "%s.data", argv[1]);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	memset(fill, 0xaa, sizeof(fill));
	for (int i = 0; i < 3; i++)
		if (fd < 0 || write(fd, fill, sizeof(fill)) != (ssize_t)sizeof(fill))
			return 1;
	uint64_t *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);

	if (map == MAP_FAILED)
		return 1;
	close(fd);
	for (size_t i = 0; i < 2 * page / 8; i++)
		map[i] = workload_pattern(i);
	sink = ((volatile uint8_t *)map)[2 * page];
	(void)sink;
	if (mprotect(map, page, PROT_READ) < 0 || mprotect((char *)map + page, page, PROT_NONE) < 0)
		return 1;
	workload_ready(ready, "addr=%#llx\nfile=%s\n", (unsigned long long)(uintptr_t)map, path);
	workload_idle();
}
