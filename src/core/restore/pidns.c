/* --pid-ns: the tree in a new pid namespace, where every task takes its
 * image pid whatever this system's pids are.  The first task of a new pid
 * namespace is its pid 1, so the restorer makes it with clone3(CLONE_NEWPID)
 * (rather than unshare(2): its own pid namespace for children stays as it
 * was, on every path).  When the image's root is pid 1 it is that task;
 * otherwise pid 1 is a small init made here, which then makes the root
 * with a remote clone3 the way every parent makes its children, keeps the
 * restorer's descriptors until it is let go (the tasks in the namespace
 * cannot see the restorer, so they take pipe ends and external
 * descriptors from it), then reaps orphans and exits with the root's
 * status when the root exits. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptrace/wait.h"
#include "restore/restore_impl.h"

/* The init's life, raw system calls only (a copy of the restorer):
 * stopped for the restorer until the tree is built, then reaping.  A
 * traced task's own SIGSTOP reaches its tracer even in a pid 1, whose
 * signals are otherwise ignored when they come from its namespace. */
static void __attribute__((noreturn)) init_main(pid_t root)
{
	static const char name[16] = "restore-init";

	syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	syscall(SYS_prctl, PR_SET_NAME, name, 0, 0, 0);
	if (syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0) < 0)
		syscall(SYS_exit_group, 127);
	syscall(SYS_kill, syscall(SYS_getpid), SIGSTOP);
	/* Let go (the restorer cleared the death signal: it must outlive
	 * the restorer from the detach on): the tree runs.  It holds no
	 * descriptor of the restorer's (a pipe's reader would never see its
	 * end). */
	syscall(SYS_close_range, 0, ~0U, 0);
	for (;;) {
		int status = 0;
		long r = syscall(SYS_wait4, -1, &status, __WALL, NULL);

		if (r == root) {
			/* pid 1 cannot die of a signal it sends itself: the
			 * shell's number for it instead. */
			syscall(SYS_exit_group, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		}
		if (r < 0 && errno == ECHILD)
			syscall(SYS_exit_group, 127);
	}
}

pid_t rs_create_init(pid_t root, const struct ckpt_restore_options *opt, uint64_t *code, char *err,
		     size_t errsize)
{
	static const uint8_t insn[] = { 0x0f, 0x05, 0xcc };	/* syscall; int3 */
	struct clone_args args = { .flags = CLONE_NEWPID, .exit_signal = SIGCHLD };
	int timeout = opt && opt->timeout_ms > 0 ? opt->timeout_ms : CKPT_REMOTE_TIMEOUT_MS;
	enum ckpt_wait_result w;
	void *page;
	long pid;
	int status;

	/* The init's code page and scratch for the remote clone3 of the
	 * root: mapped here, inherited by the copy, then gone here. */
	page = mmap(NULL, RS_CODE_SIZE + RS_SCRATCH_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		snprintf(err, errsize, "--pid-ns: cannot map the init's code: %s", strerror(errno));
		return -1;
	}
	memcpy(page, insn, sizeof(insn));
	fflush(NULL);
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		init_main(root);
	munmap(page, RS_CODE_SIZE + RS_SCRATCH_SIZE);
	if (pid < 0) {
		int e = errno;

		snprintf(err, errsize, "--pid-ns: cannot make a pid namespace: clone3(CLONE_NEWPID): %s%s",
			 strerror(e), e == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		return -1;
	}
	w = ckpt_wait_stop((pid_t)pid, timeout, opt ? opt->stop : NULL, &status);
	if (w != CKPT_WAIT_STOPPED || WSTOPSIG(status) != SIGSTOP) {
		snprintf(err, errsize, "--pid-ns: the namespace's init did not stop for the restorer (%s)",
			 w == CKPT_WAIT_STOPPED ? "another stop" : ckpt_wait_result_name(w));
		rs_kill_task((pid_t)pid);
		return -1;
	}
	if (ptrace(PTRACE_SETOPTIONS, (pid_t)pid, NULL, (void *)(long)(PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD)) < 0) {
		snprintf(err, errsize, "--pid-ns: init: PTRACE_SETOPTIONS: %s", strerror(errno));
		rs_kill_task((pid_t)pid);
		return -1;
	}
	*code = (uint64_t)(uintptr_t)page;
	return (pid_t)pid;
}

long rs_fd_source(const struct rs_ctx *x)
{
	return x->fd_source ? x->fd_source : (long)getpid();
}
