/* A zombie of the image made a zombie again: its restored parent makes it
 * like any child (its pid, exit signal, group and session), and it exits
 * at once with its saved status, unreaped, so that the parent's wait
 * finds it as before.  The exit's notification to the parent (SIGCHLD) is
 * taken back: the parent had it before the checkpoint, and a pending one
 * would be in the image. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <time.h>
#include <unistd.h>

#include "ptrace/wait.h"
#include "restore/restore_impl.h"

#define ZOMBIE_OPTIONS \
	(PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK)

static bool pending_in(const struct rs_pending *q, int sig)
{
	for (size_t i = 0; q && i < q->n; i++)
		if (q->info[i].signo == sig)
			return true;
	return false;
}

/* A one-word signal set in the task's scratch. */
static int sigset_at(struct rs_ctx *x, uint64_t set, uint64_t *at)
{
	return rs_scratch(x, &set, sizeof(set), at);
}

/* The zombie's state letter, from /proc/PID/stat (after the name). */
static char state_of(pid_t pid)
{
	char path[64], buf[512], *paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' ? paren[2] : '?';
}

/* Its group and session, and for a death by signal that signal's default
 * action, unblocked: everything the copy of its parent must change before
 * it dies.  Then the task is let go into its death. */
static int prepare(struct rs_ctx *c, const struct rs_task *parent, int sig)
{
	char why[256];
	int rc = -1;

	if (ckpt_remote_begin(&c->r, c->pid, ZOMBIE_OPTIONS, why, sizeof(why)) < 0)
		return rs_fail(c, "%s", why);
	c->r.timeout_ms = c->opt && c->opt->timeout_ms > 0 ? c->opt->timeout_ms : CKPT_REMOTE_TIMEOUT_MS;
	c->r.stop = c->opt ? c->opt->stop : NULL;
	ckpt_remote_set_syscall_ip(&c->r, c->code);
	if (rs_group_and_session(c, parent) == 0) {
		struct rs_sigaction dfl = { 0 };
		uint64_t at;

		rc = 0;
		if (sig && (rs_scratch(c, &dfl, sizeof(dfl), &at) < 0 ||
			    rs_call(c, "rt_sigaction", SYS_rt_sigaction, sig, (long)at, 0, 8, 0, 0, NULL) < 0 ||
			    sigset_at(c, 0, &at) < 0 ||
			    rs_call(c, "rt_sigprocmask", SYS_rt_sigprocmask, SIG_SETMASK, (long)at, 0, 8, 0, 0, NULL) < 0))
			rc = -1;
	}
	if (ckpt_remote_end(&c->r, why, sizeof(why)) < 0 && rc == 0)
		rc = rs_fail(c, "%s", why);
	return rc;
}

/* Lets it go into exit_group(code) from our code page, or into the
 * default action of sig (no core file: RLIMIT_CORE 0). */
static int die(struct rs_ctx *c, int sig, int code)
{
	struct user_regs_struct regs;

	if (sig) {
		struct rlimit none = { 0, 0 };

		if (prlimit(c->pid, RLIMIT_CORE, &none, NULL) < 0 || kill(c->pid, sig) < 0)
			return rs_fail(c, "cannot kill the zombie-to-be with signal %d: %s", sig, strerror(errno));
	} else {
		if (ptrace(PTRACE_GETREGS, c->pid, NULL, &regs) < 0)
			return rs_fail(c, "PTRACE_GETREGS: %s", strerror(errno));
		regs.rip = c->code;
		regs.rax = SYS_exit_group;
		regs.orig_rax = (unsigned long long)-1;
		regs.rdi = (unsigned long long)code;
		if (ptrace(PTRACE_SETREGS, c->pid, NULL, &regs) < 0)
			return rs_fail(c, "PTRACE_SETREGS: %s", strerror(errno));
	}
	if (ptrace(PTRACE_DETACH, c->pid, NULL, NULL) < 0)
		return rs_fail(c, "PTRACE_DETACH: %s", strerror(errno));
	for (int waited = 0; state_of(c->pid) != 'Z'; waited++) {
		struct timespec ms = { 0, 1000000 };

		if (waited >= c->r.timeout_ms || (c->opt && c->opt->stop && *c->opt->stop))
			return rs_fail(c, "did not become a zombie (state %c)", state_of(c->pid));
		nanosleep(&ms, NULL);
	}
	return 0;
}

int rs_zombie(struct rs_ctx *parent, const struct rs_task *t, pid_t pid)
{
	const struct rs_signal *s = rs_signal(parent->plan, parent->task->signal);
	int notify = t->exit_signal && t->exit_signal < 65 ? (int)t->exit_signal : SIGCHLD;
	int sig = (int)(t->exit_code & 0x7f), code = (int)((t->exit_code >> 8) & 0xff);
	bool had = pending_in(&parent->task->pending, notify) || (s && pending_in(&s->shared, notify));
	struct rs_ctx c = *parent;
	uint64_t at;
	long ret;
	char why[256];

	c.task = t;
	c.pid = pid;
	memset(&c.r, 0, sizeof(c.r));
	/* The parent's mask is the image's again with its registers. */
	if (sigset_at(parent, 1ULL << (notify - 1), &at) < 0 ||
	    rs_call(parent, "rt_sigprocmask(block exit signal)", SYS_rt_sigprocmask, SIG_BLOCK, (long)at, 0, 8, 0, 0,
		    NULL) < 0 ||
	    prepare(&c, parent->task, sig) < 0 || die(&c, sig, code) < 0) {
		kill(pid, SIGKILL);
		return -1;
	}
	if (!had) {
		const long args[6] = { (long)at, 0, (long)at + 8, 8 };
		const struct timespec zero = { 0, 0 };

		if (ckpt_remote_write(&parent->r, at + 8, &zero, sizeof(zero), why, sizeof(why)) < 0 ||
		    ckpt_remote_syscall(&parent->r, SYS_rt_sigtimedwait, args, &ret, why, sizeof(why)) < 0)
			return rs_fail(parent, "taking back the exit signal of zombie %d: %s", (int)t->pid, why);
	}
	rs_log(parent, 1, "task %d (%s): a zombie again (exit code 0x%x)", (int)pid, t->comm, t->exit_code);
	return 0;
}

/* A zombie thread group leader whose threads live on (it called exit(2),
 * pthread_exit): built as a process with the objects its threads share
 * (its own records name none), then, instead of its registers, it ends
 * with exit(2) of itself alone, which leaves it a zombie until the last
 * thread goes. */
bool rs_zombie_leader(const struct ckpt_restore_plan *p, const struct rs_task *t)
{
	if (!t->exit_state || t->pid != t->tgid)
		return false;
	for (size_t i = 0; i < p->n_tasks; i++)
		if (p->tasks[i].tgid == t->pid && p->tasks[i].pid != t->pid && !p->tasks[i].exit_state)
			return true;
	return false;
}

const struct rs_task *rs_zombie_standin(const struct ckpt_restore_plan *p, const struct rs_task *t,
					struct rs_task *out)
{
	*out = *t;
	for (size_t i = 0; i < p->n_tasks; i++) {
		const struct rs_task *th = &p->tasks[i];

		if (th->tgid != t->pid || th->pid == t->pid || th->exit_state)
			continue;
		out->cred = th->cred;
		out->mm = th->mm;
		out->files = th->files;
		out->fs = th->fs;
		out->sighand = th->sighand;
		out->signal = th->signal;
		out->ns = th->ns;
		out->uts = th->uts;
		break;
	}
	return out;
}

/* A syscall instruction of the task's [vdso] (the kernel's code, which
 * stays when our code page goes): its address, or 0. */
static uint64_t vdso_syscall(struct rs_ctx *x)
{
	char path[64], line[512], why[256];
	uint64_t start = 0, end = 0, found = 0;
	uint8_t *buf;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)x->pid);
	if (!(f = fopen(path, "re")))
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " [vdso]") && sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) == 2)
			break;
		else
			start = end = 0;
	fclose(f);
	if (end <= start || end - start > (1u << 20) || !(buf = malloc(end - start)))
		return 0;
	if (ckpt_remote_read(&x->r, start, buf, end - start, why, sizeof(why)) == 0)
		for (uint64_t i = 0; i + 1 < end - start && !found; i++)
			if (buf[i] == 0x0f && buf[i + 1] == 0x05)
				found = start + i;
	free(buf);
	return found;
}

int rs_zombie_leader_finish(struct rs_ctx *x, uint64_t *exit_ip)
{
	/* The first one: the vdso's own code, before its padding (where a
	 * remote session may keep a stub of its own for a while). */
	if (!(*exit_ip = vdso_syscall(x)))
		return rs_fail(x, "no syscall instruction in its vdso for its exit");
	if (rs_call(x, "prctl(PR_SET_PDEATHSIG)", SYS_prctl, 1 /* PR_SET_PDEATHSIG */, 0, 0, 0, 0, 0, NULL) < 0)
		return -1;
	if (ckpt_remote_caught(&x->r))
		return rs_fail(x, "a signal came during the restore");
	return rs_call(x, "munmap(restorer code)", SYS_munmap, (long)x->code, RS_CODE_SIZE + RS_SCRATCH_SIZE, 0, 0,
		       0, 0, NULL);
}

int rs_zombie_leader_exit(struct rs_ctx *x, uint64_t exit_ip)
{
	struct user_regs_struct regs;

	if (ptrace(PTRACE_GETREGS, x->pid, NULL, &regs) < 0)
		return rs_fail(x, "PTRACE_GETREGS: %s", strerror(errno));
	regs.rip = exit_ip;
	regs.rax = SYS_exit;
	regs.orig_rax = (unsigned long long)-1;
	regs.rdi = (x->task->exit_code >> 8) & 0xff;
	if (ptrace(PTRACE_SETREGS, x->pid, NULL, &regs) < 0)
		return rs_fail(x, "PTRACE_SETREGS: %s", strerror(errno));
	rs_log(x, 1, "task %d (%s): exits when let go (from 0x%" PRIx64 "), a zombie leader again", (int)x->pid,
	       x->task->comm, exit_ip);
	return 0;
}
