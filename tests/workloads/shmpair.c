/* Objects shared between two processes, for the restorer: a parent and
 * its child share a page of shared anonymous memory, a memfd (the parent
 * also keeps its descriptor, 3) and an unlinked file, each mapped
 * MAP_SHARED.  Every 20 ms the child adds one to a counter in each; the
 * parent reads the three and appends "SHM MEMFD FILE\n" to OUT-FILE when
 * they changed: after a restore that does not share the objects again the
 * parent sees nothing move.
 *
 *   shmpair READY-FILE OUT-FILE DIR
 *
 * (DIR: where the unlinked file was.)  Ready after 5 counts, with
 * child=PID. */
#define _GNU_SOURCE
#include "config.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>

#include "workload.h"

static void tick(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

static volatile uint64_t *map(int fd)
{
	void *at = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return at == MAP_FAILED ? NULL : at;
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	const char *out = argc > 2 ? argv[2] : "shmpair.out";
	const char *dir = argc > 3 ? argv[3] : ".";
	volatile uint64_t *shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	volatile uint64_t *mem, *file;
	uint64_t seen[3] = { 0, 0, 0 };
	char path[4096], line[96];
	int mfd, ufd, fd;
	pid_t child;

	snprintf(path, sizeof(path), "%s/shmpair.gone", dir);
	mfd = memfd_create("ckptpair", MFD_CLOEXEC);
	ufd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (shm == MAP_FAILED || mfd < 0 || ufd < 0 || fd < 0 || ftruncate(mfd, 4096) < 0 ||
	    ftruncate(ufd, 4096) < 0 || unlink(path) < 0 || !(mem = map(mfd)) || !(file = map(ufd)))
		return 1;
	close(ufd);
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		close(mfd);
		close(fd);
		for (;;) {
			(*shm)++;
			(*mem)++;
			(*file)++;
			tick();
		}
	}
	for (;;) {
		uint64_t now[3] = { *shm, *mem, *file };

		if (memcmp(now, seen, sizeof(now)) != 0) {
			memcpy(seen, now, sizeof(now));
			snprintf(line, sizeof(line), "%llu %llu %llu\n", (unsigned long long)now[0],
				 (unsigned long long)now[1], (unsigned long long)now[2]);
			if (write(fd, line, strlen(line)) < 0)
				return 1;
		}
		if (ready && now[0] >= 5 && now[1] >= 5 && now[2] >= 5) {
			workload_ready(ready, "child=%d\nshm=%#llx\n", (int)child, (unsigned long long)(uintptr_t)shm);
			ready = NULL;
		}
		tick();
	}
}
