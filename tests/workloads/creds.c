/* Distinct real, effective and saved ids, supplementary groups and
 * reduced capabilities (root only: writes skip=1 otherwise). */
#include "config.h"

#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "workload.h"

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	gid_t groups[] = { 1234, 5678 };
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	if (geteuid() != 0) {
		workload_ready(ready, "skip=1\n");
		workload_idle();
	}
	/* Keep the permitted set across the uid change, drop one bounding
	 * capability, then narrow the sets. */
	if (prctl(PR_SET_KEEPCAPS, 1) < 0 || prctl(PR_CAPBSET_DROP, CAP_SYS_MODULE) < 0 ||
	    setgroups(2, groups) < 0 || setresgid(1001, 1002, 1003) < 0 || setresuid(2001, 2002, 2003) < 0)
		return 1;
	data[0].permitted = (1u << CAP_KILL) | (1u << CAP_NET_BIND_SERVICE);
	data[0].effective = 1u << CAP_KILL;
	data[0].inheritable = 1u << CAP_NET_BIND_SERVICE;
	if (syscall(SYS_capset, &hdr, data) < 0)
		return 1;
	prctl(PR_SET_DUMPABLE, 1);
	workload_ready(ready, "uids=2001,2002,2003\n");
	workload_idle();
}
