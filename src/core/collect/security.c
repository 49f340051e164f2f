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
#include "ckpt/ext.h"

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif
#ifndef PTRACE_GET_RSEQ_CONFIGURATION
#define PTRACE_GET_RSEQ_CONFIGURATION 0x420f
#endif

#define BPF_INSN_LEN	8	/* struct sock_filter */
#define BPF_MAXINSNS	4096	/* the kernel's limit per program */

static int read_personality(const struct ckpt_thread *th, uint32_t *out)
{
	char *text = ckpt_proc_readf(NULL, "/proc/%d/task/%d/personality", (int)th->tgid, (int)th->tid);

	if (!text)
		return -1;
	*out = (uint32_t)strtoul(text, NULL, 16);
	free(text);
	return 0;
}

/* One seccomp program, as PTRACE_SECCOMP_GET_FILTER returned it. */
struct bpf_prog {
	uint64_t digest;
	size_t insns;
	uint8_t *code;
};

/* A chain of filters seen in a task written before: index 0 the first
 * installed, as PTRACE_SECCOMP_GET_FILTER numbers them.  Identical chains
 * are kept once. */
struct ckpt_seccomp_chain {
	pid_t tid;			/* the first task written with it */
	struct bpf_prog *p;
	size_t n;
};

static bool same_prog(const struct bpf_prog *a, const struct bpf_prog *b)
{
	return a->digest == b->digest && a->insns == b->insns && memcmp(a->code, b->code, a->insns * BPF_INSN_LEN) == 0;
}

static void free_progs(struct bpf_prog *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i].code);
	free(p);
}

void ckpt_seccomp_chains_free(struct collect *c)
{
	for (size_t i = 0; i < c->n_seccomp_chains; i++)
		free_progs(c->seccomp_chains[i].p, c->seccomp_chains[i].n);
	free(c->seccomp_chains);
	c->seccomp_chains = NULL;
	c->n_seccomp_chains = 0;
}

/* The n programs of th's chain into *out; 0 with *out NULL when the
 * kernel refuses them (PTRACE_SECCOMP_GET_FILTER needs CAP_SYS_ADMIN). */
static int read_progs(struct collect *c, const struct ckpt_thread *th, uint32_t n, struct bpf_prog **out)
{
	struct ckpt_emit *e = &c->e;
	struct bpf_prog *p = calloc(n ? n : 1, sizeof(*p));
	uint8_t *buf = malloc(BPF_MAXINSNS * BPF_INSN_LEN);

	*out = NULL;
	if (!p || !buf) {
		free(p);
		free(buf);
		return ckpt_oom(c);
	}
	for (uint32_t i = 0; i < n; i++) {
		long got = ptrace(PTRACE_SECCOMP_GET_FILTER, th->tid, (void *)(long)i, buf);

		if (got < 0 && i == 0 && (errno == EACCES || errno == EPERM)) {
			free(buf);
			free(p);
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
		p[i].insns = (size_t)got;
		p[i].digest = ckpt_digest(buf, (size_t)got * BPF_INSN_LEN);
		if (!(p[i].code = malloc(got ? (size_t)got * BPF_INSN_LEN : 1))) {
			ckpt_oom(c);
			break;
		}
		memcpy(p[i].code, buf, (size_t)got * BPF_INSN_LEN);
	}
	free(buf);
	if (e->failed) {
		free_progs(p, n);
		return -1;
	}
	*out = p;
	return 0;
}

/* The chain seen before that shares the longest run of oldest filters
 * (PTRACE_SECCOMP_GET_FILTER's index 0 is the first installed) with p
 * (n of them): its entry and the length of the run (0: none). */
static size_t best_prefix(const struct collect *c, const struct bpf_prog *p, size_t n, size_t *which)
{
	size_t best = 0;

	for (size_t i = 0; i < c->n_seccomp_chains; i++) {
		const struct ckpt_seccomp_chain *ch = &c->seccomp_chains[i];
		size_t k = 0;

		while (k < n && k < ch->n && same_prog(&p[k], &ch->p[k]))
			k++;
		if (k > best) {
			best = k;
			*which = i;
		}
	}
	return best;
}

/* The programs of the n filters, or nothing when the kernel refuses them:
 * *read says which.  The oldest filters th shares with a task written
 * before (the kernel shares filter objects along fork and clone, and
 * kcmp has no kind for them, so the programs are compared) are written
 * once: an EXT_SECCOMP_SHARED names that task instead, then th's own
 * follow. */
static int write_filters(struct collect *c, const struct ckpt_thread *th, uint32_t n, bool *read)
{
	struct ckpt_emit *e = &c->e;
	struct bpf_prog *p;
	size_t which = 0, shared;

	*read = n == 0;
	if (n == 0)
		return 0;
	if (read_progs(c, th, n, &p) < 0)
		return -1;
	if (!p)
		return 0;
	shared = best_prefix(c, p, n, &which);
	if (shared) {
		ckpt_emit_begin(e, "EXT_SECCOMP_SHARED", 0);
		ckpt_emit_set(e, "count", shared);
		ckpt_emit_set(e, "same_pid", (uint32_t)c->seccomp_chains[which].tid);
		ckpt_emit_put(e);
	}
	for (size_t i = shared; i < n && !e->failed; i++) {
		if (ckpt_emit_begin(e, "EXT_SECCOMP_FILTER", 16 + p[i].insns * BPF_INSN_LEN) < 0)
			break;
		ckpt_emit_set(e, "index", i);
		ckpt_emit_set(e, "nr_insns", p[i].insns);
		/* struct sock_filter is the record's element byte for byte. */
		memcpy(e->b.data + 16, p[i].code, p[i].insns * BPF_INSN_LEN);
		ckpt_emit_put(e);
	}
	if (e->failed || (shared == n && shared == c->seccomp_chains[which].n)) {
		free_progs(p, n);	/* a chain kept already */
	} else {
		struct ckpt_seccomp_chain *ch = ckpt_push(&c->seccomp_chains, &c->n_seccomp_chains, sizeof(*ch));

		if (!ch) {
			free_progs(p, n);
			return ckpt_oom(c);
		}
		ch->tid = th->tid;
		ch->p = p;
		ch->n = n;
	}
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
