/* A process with four extra threads, each sleeping. */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>

#include "workload.h"

#define NTHREADS 4

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
	pthread_t t[NTHREADS];

	for (int i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, worker, NULL) != 0)
			return 1;
	while (atomic_load(&started) < NTHREADS)
		usleep(1000);
	workload_ready(ready, "threads=%d\n", NTHREADS + 1);
	workload_idle();
}
