/* ckptrestore: restart a checkpoint image written by ckpt, in user space.
 * The gate (every ckptcheck rule), the plan and the restore itself live in
 * libckpt (include/ckpt/restore.h); this program parses options, reports,
 * and waits for the restored root. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "ckpt/format.h"
#include "ckpt/restore.h"
#include "common/program.h"

#define EXIT_REFUSED	PROGRAM_EXIT_FOUND
#define EXIT_TROUBLE	PROGRAM_EXIT_TROUBLE

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ckptrestore [OPTION]... IMAGE\n"
		"Restart the process in a checkpoint image written by ckpt, from where it was\n"
		"frozen, with its old pid.  IMAGE may be - for standard input.  The image is\n"
		"first checked with every ckptcheck rule; an image that does not pass is\n"
		"refused before anything is created.\n"
		"\n"
		"  -n, --dry-run           check and plan only: print what would be restored\n"
		"  -d, --detach            return once the process runs (default: wait for it\n"
		"                          and exit with its status)\n"
		"      --pidfile FILE      write the restored root's pid to FILE once it runs\n"
		"  -x, --external fd:PID:FD  descriptor FD of task PID is outside the image:\n"
		"                          the restored task gets ckptrestore's own FD there\n"
		"      --pid-ns            restore into a new pid namespace: every task gets its\n"
		"                          old pid there, even when it is taken here (implied\n"
		"                          when the image's root was in a child pid namespace)\n"
		"      --shell-job         the tree was a job of a terminal outside the image:\n"
		"                          it becomes a job of ckptrestore's terminal (its\n"
		"                          descriptors there, its session, the foreground)\n"
		"      --restore-termios   with --shell-job: set the image's terminal settings\n"
		"                          and window size on ckptrestore's terminal\n"
		"  -v, --verbose           say what is done (twice: more)\n"
		"  -q, --quiet             print no findings, only errors\n"
		"  -h, --help              show this help and exit\n"
		"  -V, --version           show the version and exit\n"
		"\n"
		"Exit status: 0 restored (with --detach), or the restored root's own status\n"
		"(128+N when killed by signal N); 1 the gate refused the image; 2 the image\n"
		"cannot be read, the restore failed or was interrupted (nothing is left\n"
		"running), or bad usage.\n");
}

/* Findings are held until the gate's verdict: an image that cannot be
 * read at all is one line (its reader error), not a finding and then the
 * same fault again.  At most MAX_SHOWN are kept; the rest are counted. */
#define MAX_SHOWN 200

struct report {
	bool quiet;
	uint64_t errors;
	char *lines[MAX_SHOWN];
	size_t n_lines;
	uint64_t more;
};

static void on_finding(void *arg, const struct ckpt_finding *f)
{
	struct report *rp = arg;
	char line[600];

	if (f->severity == CKPT_SEV_ERROR)
		rp->errors++;
	if (rp->quiet || f->severity == CKPT_SEV_INFO)
		return;
	if (strncmp(f->rule->id, "restore-", 8) == 0)
		snprintf(line, sizeof(line), "ckptrestore: cannot restore: %s (%s)", f->message, f->rule->id);
	else
		snprintf(line, sizeof(line), "ckptrestore: %s %s record %" PRIu64 "%s%s%s @%" PRIu64 ": %s",
			 ckpt_severity_name(f->severity), f->rule->id, f->index, f->record[0] ? " (" : "",
			 f->record, f->record[0] ? ")" : "", f->offset, f->message);
	if (rp->n_lines < MAX_SHOWN && (rp->lines[rp->n_lines] = strdup(line)))
		rp->n_lines++;
	else
		rp->more++;
}

/* Prints the findings held (print false: only frees them). */
static void findings_done(struct report *rp, bool print)
{
	for (size_t i = 0; i < rp->n_lines; i++) {
		if (print)
			fprintf(stderr, "%s\n", rp->lines[i]);
		free(rp->lines[i]);
	}
	if (print && rp->more)
		fprintf(stderr, "ckptrestore: ... and %" PRIu64 " more findings\n", rp->more);
	rp->n_lines = 0;
}

static void on_log(void *arg, int level, const char *line)
{
	(void)arg, (void)level;
	fprintf(stderr, "ckptrestore: %s\n", line);
}

static void print_line(void *arg, const char *s)
{
	(void)arg;
	printf("%s\n", s);
}

/* The pid, written whole under a temporary name and renamed into place. */
static int write_pidfile(const char *path, pid_t pid)
{
	char tmp[4096];
	FILE *f;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -1;
	if ((fd = mkstemp(tmp)) < 0)
		return -1;
	if (!(f = fdopen(fd, "w"))) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	fprintf(f, "%d\n", (int)pid);
	if (fclose(f) != 0 || chmod(tmp, 0644) < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Waits for our child that ends with the restored root's status (the
 * root, or with --pid-ns the namespace's init); the status as a shell
 * gives it.  SIGINT and SIGTERM are passed on to the root as SIGTERM.
 * terminal (--shell-job, else -1): a root stopped by the terminal (^Z)
 * stops ckptrestore too, its shell's job, with the terminal back; when
 * ckptrestore is continued, so is the root's group, the terminal's
 * foreground again. */
static int wait_root(pid_t child, pid_t root, int terminal)
{
	int status;

	for (;;) {
		pid_t r = waitpid(child, &status, terminal >= 0 && child == root ? WUNTRACED : 0);

		if (r == child && WIFSTOPPED(status)) {
			pid_t pgid = getpgid(root);

			ckpt_restore_terminal_foreground(terminal, 0);
			raise(SIGTSTP);
			if (pgid > 0 && ckpt_restore_terminal_foreground(terminal, pgid) == 0)
				kill(-pgid, SIGCONT);
			continue;
		}
		if (r == child)
			break;
		if (r < 0 && errno == EINTR) {
			if (stop_requested) {
				kill(root, SIGTERM);
				stop_requested = 0;
			}
			continue;
		}
		fprintf(stderr, "ckptrestore: waiting for %d: %s\n", (int)child, strerror(errno));
		return EXIT_TROUBLE;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	enum { OPT_PID_NS = 256, OPT_SHELL_JOB, OPT_RESTORE_TERMIOS };
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "pid-ns", no_argument, NULL, OPT_PID_NS },
		{ "shell-job", no_argument, NULL, OPT_SHELL_JOB },
		{ "restore-termios", no_argument, NULL, OPT_RESTORE_TERMIOS },
		{ "external", required_argument, NULL, 'x' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct report rp = { 0 };
	struct ckpt_restore_options opt = { .on_finding = on_finding, .finding_arg = &rp, .log = on_log,
					    .stop = &stop_requested, .terminal_fd = -1 };
	struct ckpt_restore_plan *plan;
	const char *pidfile = NULL;
	bool dry_run = false, detach = false;
	struct sigaction sa = { .sa_handler = on_signal };
	char err[512], shown[256];
	pid_t root, child;
	int c, r;

	struct ckpt_external externals[argc];

	while ((c = getopt_long(argc, argv, "ndx:vqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'x':
			if (ckpt_external_parse(optarg, &externals[opt.n_externals], err, sizeof(err)) < 0) {
				fprintf(stderr, "ckptrestore: --external: %s\n", err);
				return EXIT_TROUBLE;
			}
			/* The descriptor handed over must be ours to give. */
			if (fcntl(externals[opt.n_externals].fd, F_GETFD) < 0) {
				program_escape(optarg, shown, sizeof(shown));
				fprintf(stderr, "ckptrestore: --external %s: ckptrestore has no descriptor %d to give\n",
					shown, (int)externals[opt.n_externals].fd);
				return EXIT_TROUBLE;
			}
			opt.n_externals++;
			opt.externals = externals;
			break;
		case 'n':
			dry_run = true;
			break;
		case 'd':
			detach = true;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case OPT_PID_NS:
			opt.pid_ns = true;
			break;
		case OPT_SHELL_JOB:
			opt.shell_job = true;
			break;
		case OPT_RESTORE_TERMIOS:
			opt.restore_termios = true;
			break;
		case 'v':
			opt.verbose++;
			break;
		case 'q':
			rp.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			program_print_version(stdout, "ckptrestore");
			return 0;
		default:
			usage(stderr);
			return EXIT_TROUBLE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "ckptrestore: %s\n", optind == argc ? "no image given" : "one image at a time");
		usage(stderr);
		return EXIT_TROUBLE;
	}
	if (opt.restore_termios && !opt.shell_job) {
		fprintf(stderr, "ckptrestore: --restore-termios goes with --shell-job\n");
		return EXIT_TROUBLE;
	}
	if (!dry_run && geteuid() != 0) {
		fprintf(stderr, "ckptrestore: must run as root (clone3 with a chosen pid, PR_SET_MM)\n");
		return EXIT_TROUBLE;
	}
	/* Before anything is read or made: a job needs a terminal. */
	if (opt.shell_job && !dry_run && (opt.terminal_fd = ckpt_restore_terminal(err, sizeof(err))) < 0) {
		fprintf(stderr, "ckptrestore: %s\n", err);
		return EXIT_TROUBLE;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	program_shown_name(argv[optind], shown, sizeof(shown));
	r = ckpt_restore_plan_open(argv[optind], &opt, &plan, err, sizeof(err));
	findings_done(&rp, r >= 0);
	if (r < 0) {
		fprintf(stderr, "ckptrestore: %s: %s\n", shown, err);
		return EXIT_TROUBLE;
	}
	if (r == 1) {
		fprintf(stderr, "ckptrestore: %s: refused: %" PRIu64 " error%s (see ckptcheck(1))\n",
			shown, rp.errors, rp.errors == 1 ? "" : "s");
		ckpt_restore_plan_free(plan);
		return EXIT_REFUSED;
	}
	if (dry_run) {
		ckpt_restore_plan_describe(plan, print_line, NULL);
		printf("%s: go: %zu task%s would be restored\n", shown,
		       ckpt_restore_plan_tasks(plan), ckpt_restore_plan_tasks(plan) == 1 ? "" : "s");
		ckpt_restore_plan_free(plan);
		return 0;
	}
	r = ckpt_restore_run_ns(plan, &opt, &root, &child, err, sizeof(err));
	ckpt_restore_plan_free(plan);
	if (r < 0) {
		fprintf(stderr, "ckptrestore: %s\n", err);
		return EXIT_TROUBLE;
	}
	if (pidfile && write_pidfile(pidfile, root) < 0) {
		program_escape(pidfile, shown, sizeof(shown));
		fprintf(stderr, "ckptrestore: --pidfile %s: %s (pid %d runs on)\n", shown, strerror(errno), (int)root);
		return EXIT_TROUBLE;
	}
	if (opt.verbose)
		fprintf(stderr, "ckptrestore: restored: pid %d\n", (int)root);
	/* With -d the tree keeps the terminal's foreground, as a job the
	 * shell resumed in the foreground would: the shell takes it back. */
	if (detach)
		return 0;
	r = wait_root(child, root, opt.shell_job ? opt.terminal_fd : -1);
	if (opt.shell_job && ckpt_restore_terminal_foreground(opt.terminal_fd, 0) < 0)
		fprintf(stderr, "ckptrestore: --shell-job: cannot take the terminal's foreground back: %s\n",
			strerror(errno));
	return r;
}
