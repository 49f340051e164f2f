/* ckpt: write a linux-cr (rev 6) image of a live process tree. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ckpt/collect.h"
#include "common/atomic_output.h"

#define EXIT_TROUBLE 2

static volatile sig_atomic_t stop_signal;

/* Atomic accesses: the flag is also read by the library's page writer
 * threads, through the output stream.  SIGALRM is --freeze-timeout's
 * timer: it stops the dump like the others, but ckpt then exits 2. */
static void on_signal(int sig)
{
	__atomic_store_n(&stop_signal, sig, __ATOMIC_RELAXED);
}

/* Progress: a line rewritten in place on a terminal; with -v on anything
 * else, a line every PROGRESS_EVERY_MS. */
#define PROGRESS_EVERY_MS 3000
struct progress_state {
	bool tty;
	bool shown;		/* a line was printed */
	int64_t last_ms;	/* when (monotonic) */
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_progress(struct progress_state *ps, uint64_t done, uint64_t total)
{
	fprintf(stderr, "%sckpt: memory %llu / %llu MiB%s", ps->tty ? "\r" : "", (unsigned long long)(done >> 8),
		(unsigned long long)(total >> 8), ps->tty ? "" : "\n");
	ps->shown = true;
	ps->last_ms = mono_ms();
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ckpt [OPTION]... PID\n"
		"Write a checkpoint image (linux-cr rev 6) of the process tree rooted at PID:\n"
		"all its threads and descendants are stopped with ptrace, collected, and let\n"
		"run on.\n"
		"\n"
		"  -o, --output FILE   write the image to FILE (mode 0600; it appears under\n"
		"                      that name only when complete); default: standard output\n"
		"      --no-pages      metadata only: no memory contents\n"
		"      --freeze-timeout SECONDS\n"
		"                      release the tree and fail if it stays frozen longer\n"
		"                      (a stalled output, a huge dump); default: no limit\n"
		"      --file-data-limit SIZE\n"
		"                      save memfd and unlinked files, and the queue of\n"
		"                      each Unix socket, up to SIZE bytes each (suffix K,\n"
		"                      M, G; 'unlimited'; default 64M); a larger one fails\n"
		"                      the checkpoint, naming it\n"
		"  -q, --quiet         no messages except errors\n"
		"  -v, --verbose       say what was frozen and written; progress lines also\n"
		"                      when standard error is not a terminal\n"
		"  -h, --help          show this help and exit\n"
		"  -V, --version       show the version and exit\n"
		"\n"
		"Exit status: 0 if the image was written, 2 on bad usage or if the tree could\n"
		"not be frozen, collected or written (no partial image is left).\n");
}

static void progress(void *arg, const struct ckpt_collect_progress *p)
{
	struct progress_state *ps = arg;

	if (ps->tty || mono_ms() - ps->last_ms >= PROGRESS_EVERY_MS)
		print_progress(ps, p->pages_done, p->pages_total);
}

/* --freeze-timeout: a number of seconds, fractions allowed. */
static bool parse_seconds(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return !errno && end != s && !*end && *v > 0 && *v <= 86400 * 365;
}

static bool parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v <= 0 || v > 0x3fffffff)
		return false;
	*pid = (pid_t)v;
	return true;
}

/* A size: digits with an optional K, M or G (powers of 1024), or
 * "unlimited". */
static bool parse_size(const char *s, uint64_t *size)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (strcmp(s, "unlimited") == 0) {
		*size = UINT64_MAX;
		return true;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return false;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	default: break;
	}
	if (*end || v == 0 || v > (UINT64_MAX >> shift))
		return false;
	*size = (uint64_t)v << shift;
	return true;
}

/* The output: a file linked into place when complete, or stdout (or a
 * device or fifo named by -o). */
struct output {
	const char *final;
	struct atomic_output file;	/* file.fd >= 0: a file being written */
	FILE *f;
	int fd;
	int saved_flags;	/* the fd's status flags before O_NONBLOCK, or -1 */
	bool regular;		/* a regular file: writes never wait for a reader */
	bool owned;		/* fd was opened here (a device or fifo named by -o) */
	uint64_t written;	/* bytes written so far */
	uint64_t flushed;	/* bytes handed to writeback so far */
};

/* Writeback is started every this many bytes, so that the final fsync(2)
 * finds little left to do: the disk works while pages are still read. */
#define WRITEBACK_STEP	(32u << 20)

/* Writes for the output stream.  A stop signal must be able to end a
 * write that waits for a pipe reader, with the tree frozen meanwhile: a
 * plain write(2) interrupted after a partial transfer is simply resumed by
 * stdio, so a pipe is put in non-blocking mode and waited on with poll(2)
 * in short rounds, checking the flag the signal handler sets. */
static ssize_t output_write(void *cookie, const char *buf, size_t size)
{
	struct output *o = cookie;
	size_t done = 0;

	while (done < size) {
		if (__atomic_load_n(&stop_signal, __ATOMIC_RELAXED)) {
			errno = EINTR;
			return done ? (ssize_t)done : -1;
		}
		ssize_t n = write(o->fd, buf + done, size - done);

		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = o->fd, .events = POLLOUT };

			poll(&pfd, 1, 100);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return done ? (ssize_t)done : -1;
		done += (size_t)n;
	}
	o->written += done;
	if (o->file.fd >= 0 && o->written - o->flushed >= WRITEBACK_STEP) {
		sync_file_range(o->fd, (off_t)o->flushed, (off_t)(o->written - o->flushed),
				SYNC_FILE_RANGE_WRITE);
		o->flushed = o->written;
	}
	return (ssize_t)done;
}

static int output_close(void *cookie)
{
	struct output *o = cookie;

	/* Standard output may be shared with the processes that come after
	 * ckpt in a script: give it back in blocking mode. */
	if (o->saved_flags >= 0)
		fcntl(o->fd, F_SETFL, o->saved_flags);
	/* The file's descriptor belongs to o->file (closed by its commit
	 * or discard). */
	return o->owned ? close(o->fd) : 0;
}

static int wrap_output(struct output *o, int fd)
{
	static const cookie_io_functions_t io = { .write = output_write, .close = output_close };
	struct stat st;

	o->fd = fd;
	o->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	o->saved_flags = -1;
	if (!o->regular) {
		o->saved_flags = fcntl(fd, F_GETFL);
		if (o->saved_flags >= 0)
			fcntl(fd, F_SETFL, o->saved_flags | O_NONBLOCK);
	}
	o->f = fopencookie(o, "w", io);
	return o->f ? 0 : -1;
}

static int open_output(struct output *o, const char *path)
{
	memset(o, 0, sizeof(*o));
	o->file.fd = -1;
	if (!path) {
		if (isatty(STDOUT_FILENO)) {
			fprintf(stderr, "ckpt: refusing to write an image to a terminal (use -o FILE or a pipe)\n");
			return -1;
		}
		if (wrap_output(o, STDOUT_FILENO) < 0) {
			fprintf(stderr, "ckpt: standard output: %s\n", strerror(errno));
			return -1;
		}
		return 0;
	}
	struct stat st;

	/* -o /dev/null or a fifo: write into it as into standard output.  A
	 * temporary file renamed over it would replace the device node. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			fprintf(stderr, "ckpt: %s: is a directory\n", path);
			return -1;
		}
		int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);

		if (fd < 0) {
			fprintf(stderr, "ckpt: cannot open %s: %s\n", path, strerror(errno));
			return -1;
		}
		if (isatty(fd)) {
			fprintf(stderr, "ckpt: refusing to write an image to a terminal (%s)\n", path);
			close(fd);
			return -1;
		}
		if (wrap_output(o, fd) < 0) {
			fprintf(stderr, "ckpt: %s: %s\n", path, strerror(errno));
			close(fd);
			return -1;
		}
		o->owned = true;
		o->final = path;
		return 0;
	}
	if (atomic_output_open(&o->file, path) < 0) {
		fprintf(stderr, "ckpt: cannot create a file next to %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (wrap_output(o, o->file.fd) < 0) {
		fprintf(stderr, "ckpt: %s: %s\n", path, strerror(errno));
		atomic_output_discard(&o->file);
		return -1;
	}
	o->final = path;
	return 0;
}

/* Drops what was written: a file being written leaves nothing behind. */
static void discard_output(struct output *o)
{
	if (o->f) {
		fclose(o->f);
		o->f = NULL;
	}
	atomic_output_discard(&o->file);
}

/* Flush, fsync, then link into place: the final name only ever holds a
 * whole image. */
static int commit_output(struct output *o)
{
	int rc = fflush(o->f);

	if (o->file.fd < 0) {
		rc = fclose(o->f);
		o->f = NULL;
		if (rc != 0) {
			fprintf(stderr, "ckpt: error writing %s: %s\n", o->final ? o->final : "standard output",
				strerror(errno));
			return -1;
		}
		return 0;
	}
	if (rc != 0 || ferror(o->f)) {
		fprintf(stderr, "ckpt: error writing %s: %s\n", o->final, strerror(errno));
		discard_output(o);
		return -1;
	}
	fclose(o->f);
	o->f = NULL;
	if (atomic_output_commit(&o->file) < 0) {
		fprintf(stderr, "ckpt: cannot write %s: %s\n", o->final, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_NO_PAGES = 256, OPT_FREEZE_TIMEOUT };
	enum { OPT_FILE_DATA_LIMIT = 320 };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "no-pages", no_argument, NULL, OPT_NO_PAGES },
		{ "freeze-timeout", required_argument, NULL, OPT_FREEZE_TIMEOUT },
		{ "file-data-limit", required_argument, NULL, OPT_FILE_DATA_LIMIT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	/* Any of these while the tree is frozen must unwind through the
	 * detach, never kill ckpt on the spot. */
	static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT };
	const char *output = NULL;
	struct ckpt_collect_options copt = { .stop = &stop_signal };
	struct ckpt_collect_stats stats = { 0 };
	struct ckpt_freeze_options fopt = { .stop = &stop_signal };
	struct progress_state ps = { .tty = isatty(STDERR_FILENO) };
	double freeze_timeout = 0;
	int quiet = 0, verbose = 0, c, werr = 0;
	char err[1024];
	pid_t pid;

	while ((c = getopt_long(argc, argv, "o:qvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case OPT_NO_PAGES:
			copt.no_pages = true;
			break;
		case OPT_FREEZE_TIMEOUT:
			if (!parse_seconds(optarg, &freeze_timeout)) {
				fprintf(stderr, "ckpt: --freeze-timeout %s: not a number of seconds\n", optarg);
				return EXIT_TROUBLE;
			}
			break;
		case OPT_FILE_DATA_LIMIT:
			if (!parse_size(optarg, &copt.file_data_limit)) {
				fprintf(stderr, "ckpt: --file-data-limit %s: not a size (e.g. 64M, unlimited)\n",
					optarg);
				return EXIT_TROUBLE;
			}
			break;
		case 'q':
			quiet = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("ckpt (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_TROUBLE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "ckpt: %s\n", optind == argc ? "no PID given" : "one PID at a time");
		usage(stderr);
		return EXIT_TROUBLE;
	}
	if (!parse_pid(argv[optind], &pid)) {
		fprintf(stderr, "ckpt: %s: not a process id\n", argv[optind]);
		return EXIT_TROUBLE;
	}
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: a write blocked on a full pipe returns EINTR. */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaction(stop_signals[i], &sa, NULL);
	/* SIGALRM is --freeze-timeout's: caught only when that is asked for. */
	if (freeze_timeout > 0)
		sigaction(SIGALRM, &sa, NULL);
	if (!quiet && (ps.tty || verbose)) {
		copt.progress = progress;
		copt.progress_arg = &ps;
		ps.last_ms = mono_ms();
	}

	static struct output out;	/* the stream's cookie: outlives main's frame */

	if (open_output(&out, output) < 0)
		return EXIT_TROUBLE;
	/* Big writes of page data go straight to write(2); the buffer only
	 * gathers the small records. */
	setvbuf(out.f, NULL, _IOFBF, 1 << 20);

	struct ckpt_tree *tree = NULL;
	/* The timer counts from the first thread stopped to the last one
	 * let go: the freeze itself, the collection and the writes. */
	if (freeze_timeout > 0) {
		struct itimerval it = { 0 };

		it.it_value.tv_sec = (time_t)freeze_timeout;
		it.it_value.tv_usec = (suseconds_t)((freeze_timeout - (double)it.it_value.tv_sec) * 1e6);
		if (!it.it_value.tv_sec && !it.it_value.tv_usec)
			it.it_value.tv_usec = 1;
		setitimer(ITIMER_REAL, &it, NULL);
	}
	int rc = ckpt_freeze_opts(pid, &fopt, &tree, err, sizeof(err));
	bool froze = rc == 0;

	if (froze && verbose)
		fprintf(stderr, "ckpt: froze %zu process(es), %zu thread(s)\n", ckpt_tree_processes(tree),
			ckpt_tree_threads(tree));
	if (froze)
		rc = stop_signal ? -1 : ckpt_collect_write(tree, out.f, &copt, &stats, &werr, err, sizeof(err));
	if (stop_signal && rc == 0)
		rc = -1;
	/* Let the tree go before anything else can fail or take time. */
	ckpt_thaw(tree);
	setitimer(ITIMER_REAL, &(struct itimerval){ 0 }, NULL);
	if (ps.shown) {
		/* The last line: everything written, out of the whole total. */
		if (rc == 0)
			print_progress(&ps, stats.pages, stats.pages);
		if (ps.tty)
			fputc('\n', stderr);
	}
	if (rc == 0 && commit_output(&out) < 0)
		return EXIT_TROUBLE;
	if (rc < 0) {
		discard_output(&out);
		if (stop_signal == SIGALRM) {
			fprintf(stderr, "ckpt: the tree stayed frozen longer than --freeze-timeout %g s (%s); "
				"pid %d released, no image written\n", freeze_timeout,
				!froze ? err : !out.regular ? "is the output read?" : "still collecting", (int)pid);
			return EXIT_TROUBLE;
		}
		if (stop_signal) {
			int sig = stop_signal;

			if (!quiet)
				fprintf(stderr, "ckpt: interrupted by signal %d (%s); pid %d released, no image written\n",
					sig, strsignal(sig), (int)pid);
			/* Die of the signal, as the sender expects. */
			signal(sig, SIG_DFL);
			raise(sig);
			return 128 + sig;
		}
		/* The library's messages name the task they concern themselves;
		 * a write error is about the output, not a task. */
		if (werr)
			fprintf(stderr, "ckpt: error writing %s: %s\n", output ? output : "standard output",
				strerror(werr));
		else
			fprintf(stderr, "ckpt: %s\n", err);
		return EXIT_TROUBLE;
	}
	if (verbose)
		fprintf(stderr, "ckpt: wrote %llu records, %llu pages, %llu bytes%s%s\n",
			(unsigned long long)stats.records, (unsigned long long)stats.pages,
			(unsigned long long)stats.bytes, output ? " to " : "", output ? output : "");
	return 0;
}
