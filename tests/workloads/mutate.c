/* Changes four things on SIGUSR1, for ckptdiff: one page of its region,
 * a new thread, its hostname (in its own uts namespace) and a capability
 * dropped from its effective set.  Root only (writes skip=1 otherwise).
 *
 * argv[2] is a second ready file, written once the changes are made.  The
 * main thread waits in pause() before and after, so that its registers
 * are the same in checkpoints taken before and after. */
#include "config.h"

#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "workload.h"

#define REGION_PAGES 16

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static void *worker(void *arg)
{
	(void)arg;
	workload_idle();
	return NULL;
}

static int drop_effective(unsigned cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	data[cap / 32].effective &= ~(1u << (cap % 32));
	return (int)syscall(SYS_capset, &hdr, data);
}

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	struct sigaction sa = { .sa_handler = on_usr1 };
	uint64_t *region;
	pthread_t t;

	if (argc < 3 || geteuid() != 0 || unshare(CLONE_NEWUTS) < 0 || sethostname("before", 6) < 0) {
		workload_ready(ready, "skip=1\n");
		workload_idle();
	}
	region = mmap(NULL, REGION_PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED || sigaction(SIGUSR1, &sa, NULL) < 0)
		return 1;
	for (size_t i = 0; i < REGION_PAGES * 4096 / 8; i++)
		region[i] = workload_pattern(i);
	workload_ready(ready, "addr=%#llx\n", (unsigned long long)(uintptr_t)region);
	while (!go)
		pause();

	FILE *after = fopen(argv[2], "w");

	if (!after)
		return 1;
	region[3 * 4096 / 8] ^= 1;	/* one page: the fourth */
	if (pthread_create(&t, NULL, worker, NULL) != 0 || sethostname("after", 5) < 0 ||
	    drop_effective(CAP_SYS_ADMIN) < 0)
		return 1;
	workload_ready(after, "changed_page=%#llx\n", (unsigned long long)(uintptr_t)region + 3 * 4096);
	for (;;)
		pause();
}
