/* Objects a restore rebuilds from INODE records, checked by the process
 * itself while it counts.
 *
 *   inodes READY-FILE OUT-FILE
 *
 * A memfd "ckptinodes" of three pages, page 0 written with write(2)
 * (0x6d) and page 1 through its shared mapping (0x6e), sealed against
 * shrinking and growing, held as a descriptor at position 4113; an
 * unlinked file (READY-FILE.gone) of one page (0x55) held at position
 * 100; and a counter in MAP_SHARED|MAP_ANONYMOUS memory.  Every 20 ms the
 * counter goes up and "COUNT STATUS\n" is appended to OUT-FILE: STATUS is
 * "ok" while every byte, seal and position above is as it was, else names
 * the first that is not.  Ready after 5 counts. */
#include "config.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>

#include "workload.h"

#define PAGE 4096u
#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW)

static bool filled(int fd, off_t at, int byte)
{
	uint8_t buf[PAGE];

	if (pread(fd, buf, PAGE, at) != PAGE)
		return false;
	for (unsigned i = 0; i < PAGE; i++)
		if (buf[i] != byte)
			return false;
	return true;
}

static const char *verify(int mfd, const uint8_t *map, int gone)
{
	if (!filled(mfd, 0, 0x6d))
		return "memfd-page0";
	for (unsigned i = 0; i < PAGE; i++)
		if (map[PAGE + i] != 0x6e || map[i] != 0x6d)
			return "memfd-mapping";
	if (!filled(mfd, 2 * PAGE, 0))
		return "memfd-page2";
	if (fcntl(mfd, F_GET_SEALS) != SEALS)
		return "memfd-seals";
	if (lseek(mfd, 0, SEEK_CUR) != PAGE + 17)
		return "memfd-position";
	if (!filled(gone, 0, 0x55))
		return "unlinked-bytes";
	if (lseek(gone, 0, SEEK_CUR) != 100)
		return "unlinked-position";
	return "ok";
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	char path[4096], buf[PAGE];
	int mfd, gone, out;
	uint8_t *map;
	volatile uint64_t *count;

	if (argc < 3)
		return 1;
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	mfd = memfd_create("ckptinodes", MFD_ALLOW_SEALING);
	if (out < 0 || mfd < 0 || ftruncate(mfd, 3 * PAGE) < 0)
		return 1;
	memset(buf, 0x6d, sizeof(buf));
	if (write(mfd, buf, PAGE) != PAGE)
		return 1;
	map = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (map == MAP_FAILED)
		return 1;
	memset(map + PAGE, 0x6e, PAGE);
	if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0 || lseek(mfd, PAGE + 17, SEEK_SET) < 0)
		return 1;
	snprintf(path, sizeof(path), "%s.gone", argv[1]);
	gone = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	memset(buf, 0x55, sizeof(buf));
	if (gone < 0 || write(gone, buf, PAGE) != PAGE || lseek(gone, 100, SEEK_SET) < 0 || unlink(path) < 0)
		return 1;
	count = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (count == MAP_FAILED)
		return 1;
	*count = 0;
	for (;;) {
		char line[64];
		int n;

		++*count;
		n = snprintf(line, sizeof(line), "%llu %s\n", (unsigned long long)*count, verify(mfd, map, gone));
		if (write(out, line, (size_t)n) != n)
			return 1;
		if (*count == 5)
			workload_ready(ready, "memfd=%d\ngone=%d\n", mfd, gone);
		usleep(20000);
	}
}
