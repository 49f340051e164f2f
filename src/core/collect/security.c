/* A task's security and per-thread kernel state the format has no record
 * for: EXT_TASK_SECURITY (no_new_privs, seccomp, ambient capabilities,
 * personality, securebits), one EXT_SECCOMP_FILTER per attached filter and
 * EXT_RSEQ (docs/extensions.md).
 *
 * /proc/PID/status shows no_new_privs, the seccomp mode and filter count
 * and the ambient set; /proc/PID/personality the personality.  A filter's
 * program comes from PTRACE_SECCOMP_GET_FILTER (CAP_SYS_ADMIN; unprivileged
 * the count is kept, the programs are missing and the valid bit 0x10 is
 * clear: a restorer must not make such a task less confined than it was).
 * The rseq registration comes from PTRACE_GET_RSEQ_CONFIGURATION
 * (Linux 5.13); on an older kernel the record is left out. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include "collect/collect_impl.h"

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif
#ifndef PTRACE_GET_RSEQ_CONFIGURATION
#define PTRACE_GET_RSEQ_CONFIGURATION 0x420f
#endif

#define BPF_INSN_LEN	8	/* struct sock_filter */
#define BPF_MAXINSNS	4096	/* the kernel's limit per program */

/* struct ptrace_rseq_configuration of the uapi. */
struct rseq_config {
	uint64_t rseq_abi_pointer;
	uint32_t rseq_abi_size;
	uint32_t signature;
	uint32_t flags;
	uint32_t pad;
};

static int read_personality(const struct ckpt_thread *th, uint32_t *out)
{
	char *text = ckpt_proc_readf(NULL, "/proc/%d/task/%d/personality", (int)th->tgid, (int)th->tid);

	if (!text)
		return -1;
	*out = (uint32_t)strtoul(text, NULL, 16);
	free(text);
	return 0;
}

/* The programs of the n filters, or nothing when the kernel refuses them
 * (PTRACE_SECCOMP_GET_FILTER needs CAP_SYS_ADMIN): *read says which. */
static int write_filters(struct collect *c, const struct ckpt_thread *th, uint32_t n, bool *read)
{
	struct ckpt_emit *e = &c->e;
	uint8_t *prog = malloc(BPF_MAXINSNS * BPF_INSN_LEN);

	*read = false;
	if (!prog)
		return ckpt_oom(c);
	for (uint32_t i = 0; i < n && !e->failed; i++) {
		long got = ptrace(PTRACE_SECCOMP_GET_FILTER, th->tid, (void *)(long)i, prog);

		if (got < 0 && i == 0 && (errno == EACCES || errno == EPERM)) {
			free(prog);
			return 0;
		}
		if (got < 0) {
			ckpt_emit_fail(e, "pid %d: cannot read its seccomp filter %u: PTRACE_SECCOMP_GET_FILTER: %s",
				       (int)th->tid, i, strerror(errno));
			break;
		}
		if (got > BPF_MAXINSNS) {
			ckpt_emit_fail(e, "pid %d: seccomp filter %u has %ld instructions, more than %d", (int)th->tid,
				       i, got, BPF_MAXINSNS);
			break;
		}
		if (ckpt_emit_begin(e, "EXT_SECCOMP_FILTER", 16 + (size_t)got * BPF_INSN_LEN) < 0)
			break;
		ckpt_emit_set(e, "index", i);
		ckpt_emit_set(e, "nr_insns", (uint64_t)got);
		/* struct sock_filter is the record's element byte for byte. */
		memcpy(e->b.data + 16, prog, (size_t)got * BPF_INSN_LEN);
		ckpt_emit_put(e);
	}
	free(prog);
	*read = !e->failed;
	return e->failed ? -1 : 0;
}

static int write_rseq(struct collect *c, const struct ckpt_thread *th)
{
	struct ckpt_emit *e = &c->e;
	struct rseq_config rc;

	memset(&rc, 0, sizeof(rc));
	long got = ptrace(PTRACE_GET_RSEQ_CONFIGURATION, th->tid, (void *)sizeof(rc), &rc);

	if (got < 0) {
		/* EIO: the kernel predates the request; nothing to record. */
		if (errno == EIO)
			return 0;
		return ckpt_emit_fail(e, "pid %d: PTRACE_GET_RSEQ_CONFIGURATION: %s", (int)th->tid,
				      strerror(errno));
	}
	ckpt_emit_begin(e, "EXT_RSEQ", 0);
	ckpt_emit_set(e, "rseq_abi_pointer", rc.rseq_abi_pointer);
	ckpt_emit_set(e, "rseq_abi_size", rc.rseq_abi_size);
	ckpt_emit_set(e, "signature", rc.signature);
	ckpt_emit_set(e, "flags", rc.flags);
	ckpt_emit_put(e);
	return e->failed ? -1 : 0;
}

int ckpt_write_task_security(struct collect *c, const struct ckpt_thread *th, const struct ckpt_task_extra *x)
{
	static const char *const keys[] = { "NoNewPrivs", "Seccomp", "Seccomp_filters", "CapAmb" };
	static const int bases[] = { 10, 10, 10, 16 };
	struct ckpt_emit *e = &c->e;
	uint64_t v[4];
	uint32_t pers = 0, valid = x->valid;
	bool read = false;

	if (ckpt_proc_status_values(th->tgid, th->tid, keys, bases, v, 4) < 0)
		return ckpt_emit_fail(e, "pid %d: cannot read NoNewPrivs, Seccomp, Seccomp_filters, CapAmb of its "
				      "status: %s", (int)th->tid, strerror(errno));
	if (read_personality(th, &pers) < 0)
		return ckpt_emit_fail(e, "pid %d: cannot read its personality: %s", (int)th->tid, strerror(errno));
	/* Whether the kernel gives the programs (a NULL buffer asks only for
	 * the first one's length): the record says so before they follow. */
	if (v[2] == 0 || ptrace(PTRACE_SECCOMP_GET_FILTER, th->tid, (void *)0L, NULL) >= 0)
		valid |= CKPT_EXTRA_FILTERS;
	ckpt_emit_begin(e, "EXT_TASK_SECURITY", 0);
	ckpt_emit_set(e, "valid", valid);
	ckpt_emit_set(e, "no_new_privs", v[0]);
	ckpt_emit_set(e, "seccomp_mode", v[1]);
	ckpt_emit_set(e, "seccomp_filters", v[2]);
	ckpt_emit_set(e, "cap_ambient", v[3]);
	ckpt_emit_set(e, "personality", pers);
	if (x->valid & CKPT_EXTRA_SECUREBITS)
		ckpt_emit_set(e, "securebits", x->securebits);
	if (x->valid & CKPT_EXTRA_SIGALTSTACK)
		ckpt_emit_set(e, "sas_ss_flags", x->ss_flags);
	ckpt_emit_put(e);
	if (e->failed || ((valid & CKPT_EXTRA_FILTERS) && write_filters(c, th, (uint32_t)v[2], &read) < 0))
		return -1;
	return write_rseq(c, th);
}
