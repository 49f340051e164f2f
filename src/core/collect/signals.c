/* Signal state of a frozen tree: handlers (SIGHAND), the thread group's
 * limits, itimers and shared queue (SIGNAL + SIGPENDING), each thread's
 * blocked mask and private queue (SIGNAL_TASK + SIGPENDING).
 *
 * Handlers (address, flags, restorer, mask) and itimers are visible only
 * to the task itself: remote_state.c reads them with rt_sigaction(2) and
 * getitimer(2) made by a frozen thread of the group.  When it could not
 * (a seccomp task ckpt may not suspend the filters of), the SigIgn and
 * SigCgt masks of its status are all there is: a caught signal's handler
 * is written as SIG_ERR (all ones, never a valid handler) to say "caught,
 * address unknown", the rest as zero.  Queued signals come from
 * PTRACE_PEEKSIGINFO, which the kernel allows on a ptrace-stopped thread. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "schema/table.h"
#include "collect/collect_impl.h"

#ifndef PTRACE_PEEKSIGINFO
#define PTRACE_PEEKSIGINFO 0x4209
#endif
#ifndef PTRACE_PEEKSIGINFO_SHARED
#define PTRACE_PEEKSIGINFO_SHARED 1
#endif

struct peeksiginfo_args {
	uint64_t off;
	uint32_t flags;
	int32_t nr;
};

#define SIGINFO_SIZE	128	/* siginfo_t on x86_64 */
#define CKPT_SIGINFO	88	/* one siginfo element of SIGPENDING */
#define SIGINFO_HEAD	12	/* si_signo, si_errno, si_code */
#define SIGINFO_UNION	16	/* x86_64 siginfo_t: the union after 4 bytes of padding */

static int status_masks(struct collect *c, const struct ckpt_thread *th, const char *const *keys, uint64_t *v,
			size_t n)
{
	static const int hex[] = { 16, 16, 16 };

	if (ckpt_proc_status_values(th->tgid, th->tid, keys, hex, v, n) < 0)
		return ckpt_emit_fail(&c->e, "pid %d: cannot read its signal masks: %s", (int)th->tid,
				      strerror(errno));
	return 0;
}

static int32_t write_sighand(struct collect *c, const struct ckpt_thread *th, const struct ckpt_task_extra *x)
{
	static const char *const keys[] = { "SigIgn", "SigCgt" };
	struct ckpt_emit *e = &c->e;
	uint64_t m[2];

	if (status_masks(c, th, keys, m, 2) < 0)
		return -1;
	int32_t ref = ckpt_emit_objref(e, "SIGHAND");

	if (ref < 0 || !ckpt_shared_add(c, CKPT_OBJ_SIGHAND, ref, th->tgid, th->tid, -1))
		return -1;
	ckpt_emit_begin(e, "SIGHAND", 0);
	for (unsigned sig = 1; sig <= 64 && !e->failed && (x->valid & CKPT_EXTRA_SIGACTIONS); sig++) {
		const char *const f[] = { "handler", "flags", "restorer", "mask" };
		const uint64_t v[] = { x->action[sig - 1].handler, x->action[sig - 1].flags,
				       x->action[sig - 1].restorer, x->action[sig - 1].mask };

		for (size_t k = 0; k < 4; k++)
			if (v[k] && ckpt_rbuf_set_elem(&e->b, "action", sig - 1, f[k], v[k]) < 0)
				ckpt_emit_fail(e, "SIGHAND.action[%u].%s: cannot set", sig - 1, f[k]);
	}
	/* Not read (a seccomp task ckpt may not suspend): the masks alone. */
	for (unsigned sig = 1; sig <= 64 && !e->failed && !(x->valid & CKPT_EXTRA_SIGACTIONS); sig++) {
		uint64_t bit = 1ULL << (sig - 1), handler = 0;

		if (m[0] & bit)
			handler = 1;		/* SIG_IGN */
		else if (m[1] & bit)
			handler = UINT64_MAX;	/* SIG_ERR: caught, address unknown */
		if (handler && ckpt_rbuf_set_elem(&e->b, "action", sig - 1, "handler", handler) < 0)
			ckpt_emit_fail(e, "SIGHAND.action[%u]: cannot set", sig - 1);
	}
	ckpt_emit_put(e);
	return e->failed ? -1 : ref;
}

int32_t ckpt_sighand_ref(struct collect *c, const struct ckpt_thread *th, const struct ckpt_task_extra *x)
{
	/* CLONE_THREAD implies CLONE_SIGHAND: a thread group has one. */
	for (size_t i = 0; i < c->n_objs; i++)
		if (c->objs[i].objtype == CKPT_OBJ_SIGHAND && c->objs[i].tgid == th->tgid)
			return c->objs[i].ref;
	const struct shared_obj *o = ckpt_shared_kcmp(c, CKPT_OBJ_SIGHAND, th->tid, 0);

	return o ? o->ref : write_sighand(c, th, x);
}

/* A SIGPENDING record: the pending set and every queued siginfo of the
 * thread's private queue, or of its thread group's shared one; extra (or
 * NULL) is one more signal to list last, the one the thread was taking. */
static int write_sigpending(struct collect *c, const struct ckpt_thread *th, bool shared, uint64_t set,
			    const siginfo_t *extra)
{
	struct ckpt_emit *e = &c->e;
	uint8_t (*infos)[SIGINFO_SIZE] = NULL;
	size_t n = 0, cap = 0;
	const size_t most = (CKPT_MAX_SMALL_RECORD - 24) / CKPT_SIGINFO;

	for (;;) {
		if (n + 32 > cap) {
			cap = cap ? cap * 2 : 32;
			void *bigger = realloc(infos, cap * SIGINFO_SIZE);

			if (!bigger) {
				free(infos);
				return ckpt_oom(c);
			}
			infos = bigger;
		}
		struct peeksiginfo_args args = { .off = n, .flags = shared ? PTRACE_PEEKSIGINFO_SHARED : 0, .nr = 32 };
		long got = ptrace(PTRACE_PEEKSIGINFO, th->tid, &args, infos[n]);

		if (got < 0) {
			free(infos);
			return ckpt_emit_fail(e, "pid %d: PTRACE_PEEKSIGINFO: %s", (int)th->tid, strerror(errno));
		}
		if (got == 0) {
			/* The kernel had dequeued it when it stopped the thread:
			 * a restart must deliver it again, so it is pending. */
			if (extra) {
				memset(infos[n], 0, SIGINFO_SIZE);
				memcpy(infos[n], extra, sizeof(*extra) < SIGINFO_SIZE ? sizeof(*extra) : SIGINFO_SIZE);
				n++;
				if (extra->si_signo >= 1 && extra->si_signo <= 64)
					set |= 1ULL << (extra->si_signo - 1);
			}
			break;
		}
		n += (size_t)got;
		if (n > most) {
			free(infos);
			return ckpt_emit_fail(e, "pid %d: %zu queued signals do not fit a SIGPENDING record",
					      (int)th->tid, n);
		}
	}
	if (ckpt_emit_begin(e, "SIGPENDING", 24 + CKPT_SIGINFO * n) == 0) {
		ckpt_emit_set(e, "nr_pending", n);
		ckpt_emit_set(e, "signal", set);
		for (size_t i = 0; i < n; i++) {
			uint8_t *el = e->b.data + 24 + CKPT_SIGINFO * i;

			/* signo, errno, code as they are; then the union's first
			 * 76 bytes (pid, uid, value, ... of the usual layouts). */
			memcpy(el, infos[i], SIGINFO_HEAD);
			memcpy(el + SIGINFO_HEAD, infos[i] + SIGINFO_UNION, CKPT_SIGINFO - SIGINFO_HEAD);
		}
		ckpt_emit_put(e);
	}
	free(infos);
	return e->failed ? -1 : 0;
}

static int32_t write_signal(struct collect *c, const struct ckpt_thread *th, const struct ckpt_task_extra *x)
{
	static const char *const keys[] = { "ShdPnd" };
	struct ckpt_emit *e = &c->e;
	struct ckpt_proc_stat st;
	uint64_t shdpnd;
	uint64_t rl[16][2];

	if (status_masks(c, th, keys, &shdpnd, 1) < 0)
		return -1;
	if (ckpt_proc_stat(th->tgid, th->tid, &st) < 0)
		return ckpt_emit_fail(e, "pid %d: cannot read its stat: %s", (int)th->tid, strerror(errno));
	/* prlimit(2) on a task of other uids needs CAP_SYS_RESOURCE, which a
	 * container's root may lack; /proc/PID/limits shows the same values.
	 * Both through this live thread: the group's leader may be a zombie. */
	for (int r = 0; r < 16; r++) {
		struct rlimit one;

		if (syscall(SYS_prlimit64, th->tid, r, NULL, &one) == 0) {
			rl[r][0] = one.rlim_cur;
			rl[r][1] = one.rlim_max;
		} else if (errno != EPERM || ckpt_proc_limits(th->tid, rl, 16) < 0) {
			return ckpt_emit_fail(e, "pid %d: cannot read its resource limits: %s", (int)th->tid,
					      strerror(errno));
		} else {
			break;
		}
	}
	/* Objects before their users: the terminal's, then the SIGNAL's. */
	int32_t ctty = st.f[7] != 0 ? ckpt_ctty_ref(c, (uint64_t)st.f[7]) : 0;

	if (ctty < 0)
		return -1;
	int32_t ref = ckpt_emit_objref(e, "SIGNAL");

	if (ref < 0 || !ckpt_shared_add(c, CKPT_OBJ_SIGNAL, ref, th->tgid, th->tid, -1))
		return -1;
	ckpt_emit_begin(e, "SIGNAL", 0);
	for (size_t r = 0; r < 16; r++) {
		/* RLIM_INFINITY is all ones in both. */
		if (ckpt_rbuf_set_elem(&e->b, "rlim", r, "cur", rl[r][0]) < 0 ||
		    ckpt_rbuf_set_elem(&e->b, "rlim", r, "max", rl[r][1]) < 0)
			ckpt_emit_fail(e, "SIGNAL.rlim[%zu]: cannot set", r);
	}
	if (x->valid & CKPT_EXTRA_ITIMERS) {
		static const char *const f[3][2] = { { "it_real_value", "it_real_incr" },
						     { "it_virt_value", "it_virt_incr" },
						     { "it_prof_value", "it_prof_incr" } };

		for (int i = 0; i < 3; i++) {
			ckpt_emit_set(e, f[i][0], x->itimer[i][0]);
			ckpt_emit_set(e, f[i][1], x->itimer[i][1]);
		}
	}
	/* The controlling terminal (stat's tty_nr; its TTY object was
	 * written before this SIGNAL's OBJREF) and its foreground group
	 * (tpgid); the tty's old process group is not visible. */
	if (ctty > 0)
		ckpt_emit_set(e, "tty_objref", (uint32_t)ctty);
	if (st.f[7] != 0 && st.f[8] > 0)
		ckpt_emit_set(e, "tty_pgrp", (uint32_t)st.f[8]);
	ckpt_emit_put(e);
	write_sigpending(c, th, true, shdpnd, NULL);
	return e->failed ? -1 : ref;
}

int32_t ckpt_signal_ref(struct collect *c, const struct ckpt_thread *th, const struct ckpt_task_extra *x)
{
	/* One per thread group, shared by nothing else. */
	for (size_t i = 0; i < c->n_objs; i++)
		if (c->objs[i].objtype == CKPT_OBJ_SIGNAL && c->objs[i].tgid == th->tgid)
			return c->objs[i].ref;
	return write_signal(c, th, x);
}

int ckpt_write_signal_task(struct collect *c, const struct ckpt_thread *th, const struct ckpt_task_extra *x)
{
	static const char *const keys[] = { "SigBlk", "SigPnd" };
	struct ckpt_emit *e = &c->e;
	uint64_t m[2];

	if (status_masks(c, th, keys, m, 2) < 0)
		return -1;
	ckpt_emit_begin(e, "SIGNAL_TASK", 0);
	ckpt_emit_set(e, "blocked", (x->valid & CKPT_EXTRA_BLOCKED) ? x->blocked : m[0]);
	ckpt_emit_put(e);
	/* Taken from the private or the shared queue, the signal goes back to
	 * this thread's own: that is the thread that was to handle it. */
	return write_sigpending(c, th, false, m[1], x->delivering ? &x->delivered : NULL);
}
