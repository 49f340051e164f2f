/* A process in its own uts namespace with its own hostname (needs
 * CAP_SYS_ADMIN; writes skip=1 in the ready file when it cannot). */
#include "config.h"

#include <sched.h>

#include "workload.h"

#define HOSTNAME "ckpt-uts-test"

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);

	if (unshare(CLONE_NEWUTS) < 0 || sethostname(HOSTNAME, strlen(HOSTNAME)) < 0) {
		workload_ready(ready, "skip=1\n");
		workload_idle();
	}
	workload_ready(ready, "hostname=%s\n", HOSTNAME);
	workload_idle();
}
