/* Files a restore cannot open by path: an unlinked file of two pages
 * (bytes 0x55, then 0x56) mapped privately read-only, and a memfd of
 * MIB MiB (argument 2, default 2) mapped shared whose first page the
 * process wrote (0x4d, or argument 3), pages 16 to 315 (0x4f: more than
 * one run of the image) and its last page (0x4c).  The unlinked file is the ready file's path plus
 * ".gone". */
#include "config.h"

#include <fcntl.h>
#include <sys/mman.h>

#include "workload.h"

#define PAGE 4096u

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	size_t mib = argc > 2 ? strtoull(argv[2], NULL, 0) : 2;
	char path[4096], buf[PAGE];
	int fd, mfd;

	snprintf(path, sizeof(path), "%s.gone", argv[1]);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return 1;
	for (int i = 0; i < 2; i++) {
		memset(buf, 0x55 + i, sizeof(buf));
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return 1;
	}
	void *gone = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);

	close(fd);
	if (gone == MAP_FAILED || unlink(path) < 0)
		return 1;
	mfd = memfd_create("ckptdata", MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, (off_t)(mib << 20)) < 0)
		return 1;
	uint8_t *mem = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);

	close(mfd);
	if (mem == MAP_FAILED)
		return 1;
	memset(mem, argc > 3 ? (int)strtol(argv[3], NULL, 0) : 0x4d, PAGE);
	memset(mem + 16 * PAGE, 0x4f, 300 * PAGE);
	memset(mem + (mib << 20) - PAGE, 0x4c, PAGE);
	workload_ready(ready, "gone=%#llx\nmemfd=%#llx\n", (unsigned long long)(uintptr_t)gone,
		       (unsigned long long)(uintptr_t)mem);
	workload_idle();
}
