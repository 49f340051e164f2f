/* A counter the restore tests checkpoint, kill and restore: it goes on
 * counting from where it was.
 *
 *   counter READY-FILE OUT-FILE [MIB]
 *
 * Every 20 ms it increments a counter in anonymous memory and its double
 * in the heap, and writes "COUNT HEAPVALUE\n" to OUT-FILE through a
 * descriptor opened at offset 100 (the first 100 bytes are '#'), so the
 * file shows where the position was.  Standard input, output and error
 * are its own /dev/null descriptions: nothing is shared with the test
 * harness.  MIB: that much more anonymous memory, every page written (a
 * restore that takes a while).  Ready after 5 counts, with the
 * descriptor's number. */
#include "config.h"

#include <fcntl.h>
#include <sys/mman.h>

#include "workload.h"

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	const char *out = argc > 2 ? argv[2] : "counter.out";
	char hashes[100];
	volatile uint64_t *count, *heap;
	int fd, null;

	memset(hashes, '#', sizeof(hashes));
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0644);
	count = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	heap = malloc(sizeof(*heap));
	if (fd < 0 || count == MAP_FAILED || !heap || write(fd, hashes, sizeof(hashes)) != sizeof(hashes))
		return 1;
	for (int i = 0; i < 3; i++) {
		null = open("/dev/null", i == 0 ? O_RDONLY : O_WRONLY);
		if (null != i && (null < 0 || dup2(null, i) < 0 || close(null) < 0))
			return 1;
	}
	if (argc > 3) {
		size_t len = (size_t)strtoul(argv[3], NULL, 10) << 20;
		uint8_t *big = len ? mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) :
				     NULL;

		if (big == MAP_FAILED)
			return 1;
		for (size_t i = 0; i < len; i += 4096)
			big[i] = (uint8_t)(i >> 12 | 1);
	}
	*count = 0;
	*heap = 0;
	for (;;) {
		char line[64];
		int n;

		++*count;
		*heap += 2;
		n = snprintf(line, sizeof(line), "%llu %llu\n", (unsigned long long)*count,
			     (unsigned long long)*heap);
		if (write(fd, line, (size_t)n) != n)
			return 1;
		if (*count == 5)
			workload_ready(ready, "fd=%d\n", fd);
		usleep(20000);
	}
}
