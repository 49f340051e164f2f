/* A thread group whose leader has exited with pthread_exit while its three
 * threads run on: the leader is a zombie until the last thread exits, and
 * /proc/TGID/{maps,smaps,pagemap,mem} of it show nothing.  The threads
 * hold 8 MiB of anonymous memory filled with the pattern. */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "workload.h"

#define NTHREADS 3
#define REGION (8u << 20)

static atomic_int started;
static FILE *ready;
static uint64_t *region;

/* The leader's state letter, through its task directory. */
static char leader_state(void)
{
	char path[64], buf[512];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)getpid(), (int)getpid());
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	char *paren = strrchr(buf, ')');

	return paren && paren[1] == ' ' ? paren[2] : '?';
}

static void *worker(void *arg)
{
	if (arg) {
		/* The reporter: ready once the leader is a zombie. */
		while (leader_state() != 'Z')
			usleep(1000);
		workload_ready(ready, "addr=%#llx\nsize=%u\nthreads=%d\n",
			       (unsigned long long)(uintptr_t)region, REGION, NTHREADS + 1);
	}
	atomic_fetch_add(&started, 1);
	workload_idle();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[NTHREADS];

	ready = workload_open(argc, argv);
	region = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		return 1;
	for (size_t i = 0; i < REGION / 8; i++)
		region[i] = workload_pattern(i);
	for (int i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, worker, i == NTHREADS - 1 ? (void *)1 : NULL) != 0)
			return 1;
	while (atomic_load(&started) < NTHREADS - 1)
		usleep(1000);
	pthread_exit(NULL);
}
