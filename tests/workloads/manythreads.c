/* A process with N threads (the second argument, default 1000), each
 * sleeping on a small stack: a big thread group to checkpoint. */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>

#include "workload.h"

static atomic_int started;

static void *worker(void *arg)
{
	(void)arg;
	atomic_fetch_add(&started, 1);
	workload_idle();
	return NULL;
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	int n = argc > 2 ? atoi(argv[2]) : 1000;
	pthread_attr_t attr;

	if (n < 0 || n > 100000)
		return 2;
	pthread_attr_init(&attr);
	/* 10,000 threads at the default 8 MiB would reserve 80 GiB. */
	pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN > 65536 ? PTHREAD_STACK_MIN : 65536);
	for (int i = 0; i < n; i++) {
		pthread_t t;

		if (pthread_create(&t, &attr, worker, NULL) != 0) {
			perror("pthread_create");
			return 1;
		}
	}
	while (atomic_load(&started) < n)
		usleep(1000);
	workload_ready(ready, "threads=%d\n", n + 1);
	workload_idle();
}
