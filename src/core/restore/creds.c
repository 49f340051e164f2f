/* The uts namespace and the credentials.  Credentials come last of the
 * steps made from inside the task: once its ids change it may lose the
 * privileges the others need.  Order: bounding set and securebits (need
 * CAP_SETPCAP), groups, gids, uids with keep-caps so the capability sets
 * survive, then the sets themselves. */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <linux/prctl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "restore/restore_impl.h"

#define SECBIT_KEEP_CAPS_BIT (1u << 4)

static const struct rs_uts *task_uts(const struct rs_ctx *x)
{
	const struct ckpt_restore_plan *p = x->plan;

	for (size_t i = 0; i < p->n_nss; i++)
		if (p->nss[i].objref == x->task->ns)
			return rs_uts(p, p->nss[i].uts);
	return NULL;
}

/* A uts namespace of its own when its names differ from ours. */
int rs_uts_restore(struct rs_ctx *x)
{
	const struct rs_uts *u = task_uts(x);
	struct utsname here;
	uint64_t at;

	if (!u || uname(&here) < 0)
		return 0;
	if (strcmp(here.nodename, u->nodename) == 0 && strcmp(here.domainname, u->domainname) == 0)
		return 0;
	if (rs_call(x, "unshare(CLONE_NEWUTS)", SYS_unshare, CLONE_NEWUTS, 0, 0, 0, 0, 0, NULL) < 0 ||
	    rs_scratch(x, u->nodename, strlen(u->nodename), &at) < 0 ||
	    rs_call(x, "sethostname", SYS_sethostname, (long)at, (long)strlen(u->nodename), 0, 0, 0, 0, NULL) < 0 ||
	    rs_scratch(x, u->domainname, strlen(u->domainname), &at) < 0 ||
	    rs_call(x, "setdomainname", SYS_setdomainname, (long)at, (long)strlen(u->domainname), 0, 0, 0, 0,
		    NULL) < 0)
		return -1;
	rs_log(x, 1, "task %d: uts namespace %s", (int)x->pid, u->nodename);
	return 0;
}

static int groups(struct rs_ctx *x, const struct rs_cred *c)
{
	const struct rs_groups *g = rs_groups(x->plan, c->groupinfo);
	uint64_t at = 0;

	if (g && g->n && rs_scratch(x, g->gids, g->n * sizeof(uint32_t), &at) < 0)
		return -1;
	return rs_call(x, "setgroups", SYS_setgroups, g ? (long)g->n : 0, (long)at, 0, 0, 0, 0, NULL);
}

/* The task's bounding set now (CapBnd of /proc/PID/status); 0 if unknown. */
static uint64_t bounding_now(pid_t pid)
{
	char path[64], line[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapBnd: %llx", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* Drops what the task's bounding set has and the image's has not. */
static int drop_bounding(struct rs_ctx *x, uint64_t bset)
{
	uint64_t now = bounding_now(x->pid);

	for (int cap = 0; cap < 64; cap++)
		if ((now & (1ULL << cap)) && !(bset & (1ULL << cap)) &&
		    rs_call(x, "prctl(PR_CAPBSET_DROP)", SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0, 0, NULL) < 0)
			return -1;
	return 0;
}

int rs_creds_restore(struct rs_ctx *x)
{
	const struct rs_cred *c = rs_cred(x->plan, x->task->cred);
	struct {
		struct __user_cap_header_struct hdr;
		struct __user_cap_data_struct data[2];
	} caps;
	uint64_t at;

	if (!c)
		return rs_fail(x, "the image holds no credentials for it");
	if (drop_bounding(x, c->cap_bset) < 0)
		return -1;
	if (rs_call(x, "prctl(PR_SET_SECUREBITS)", SYS_prctl, PR_SET_SECUREBITS,
		    (long)(c->securebits | SECBIT_KEEP_CAPS_BIT), 0, 0, 0, 0, NULL) < 0 ||
	    groups(x, c) < 0 ||
	    rs_call(x, "setresgid", SYS_setresgid, c->gid, c->egid, c->sgid, 0, 0, 0, NULL) < 0 ||
	    rs_call(x, "setfsgid", SYS_setfsgid, c->fsgid, 0, 0, 0, 0, 0, NULL) < 0 ||
	    rs_call(x, "setresuid", SYS_setresuid, c->uid, c->euid, c->suid, 0, 0, 0, NULL) < 0 ||
	    rs_call(x, "setfsuid", SYS_setfsuid, c->fsuid, 0, 0, 0, 0, 0, NULL) < 0)
		return -1;
	memset(&caps, 0, sizeof(caps));
	caps.hdr.version = _LINUX_CAPABILITY_VERSION_3;
	caps.data[0].effective = (uint32_t)c->cap_eff;
	caps.data[1].effective = (uint32_t)(c->cap_eff >> 32);
	caps.data[0].permitted = (uint32_t)c->cap_prm;
	caps.data[1].permitted = (uint32_t)(c->cap_prm >> 32);
	caps.data[0].inheritable = (uint32_t)c->cap_inh;
	caps.data[1].inheritable = (uint32_t)(c->cap_inh >> 32);
	if (rs_scratch(x, &caps, sizeof(caps), &at) < 0 ||
	    rs_call(x, "capset", SYS_capset, (long)at, (long)(at + sizeof(caps.hdr)), 0, 0, 0, 0, NULL) < 0)
		return -1;
	/* Keep-caps as the image has it (it is not a locked bit here). */
	return rs_call(x, "prctl(PR_SET_KEEPCAPS)", SYS_prctl, PR_SET_KEEPCAPS,
		       (c->securebits & SECBIT_KEEP_CAPS_BIT) ? 1 : 0, 0, 0, 0, 0, NULL);
}
