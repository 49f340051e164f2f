/* ckptdump -i: open an image as its model and run commands on it, from a
 * readline prompt, a script on standard input, or -c.
 *
 * Opening builds the model in one pass that never reads page contents, so
 * even a multi-gigabyte image opens at once; records are decoded when a
 * command asks for them. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "ckpt/format.h"

#include "common/program.h"

#include "browse.h"

#define HISTORY_MAX 1000

static struct browse *session;	/* for the readline completion callback */

/* -- opening -------------------------------------------------------------- */

static int open_session(struct browse *b, const char *path)
{
	struct ckpt_error err;
	char msg[512];

	if (strcmp(path, "-") == 0) {
		int fd = program_spool_stdin();

		if (fd < 0) {
			fprintf(stderr, "ckptdump: copying standard input to a temporary file: %s\n", strerror(errno));
			return -1;
		}
		snprintf(b->shown, sizeof(b->shown), "(stdin)");
		b->spool_fd = dup(fd);	/* check reads the image again */
		b->img = ckpt_image_open_fd(fd, &err);
	} else {
		program_escape(path, b->shown, sizeof(b->shown));
		b->img = ckpt_image_open(path, &err);
	}
	if (!b->img) {
		ckpt_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "ckptdump: %s: %s\n", b->shown, msg);
		return -1;
	}
	if (ckpt_image_size(b->img) == 0) {
		fprintf(stderr, "ckptdump: %s: the browser needs a regular file (or -)\n", b->shown);
		return -1;
	}
	b->m = ckpt_model_build(b->img);
	if (!b->m) {
		fprintf(stderr, "ckptdump: %s: out of memory\n", b->shown);
		return -1;
	}
	if (b->m->failed) {
		/* Still browsable: everything before the fault is in the model. */
		ckpt_error_format(&b->m->err, msg, sizeof(msg));
		fprintf(stderr, "ckptdump: %s: %s (the %zu records before it can be browsed)\n",
			b->shown, msg, b->m->n_records);
	}
	b->cur = CKPT_MODEL_NONE;
	b->out = stdout;
	b->err = stderr;
	return 0;
}

/* -- running commands ------------------------------------------------------ */

static int screen_rows(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
		return ws.ws_row;
	return 24;
}

/* Interactive output longer than the screen goes through $PAGER. */
static void page_out(struct browse *b, const char *text, size_t len)
{
	size_t lines = 0;

	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	if (lines >= (size_t)screen_rows() - 1) {
		const char *pager = getenv("PAGER");
		FILE *p;

		if (!pager || !*pager)
			pager = "less -FRX";
		fflush(stdout);
		p = popen(pager, "w");
		if (p) {
			/* Quitting the pager early is not an error, nor is a
			 * Ctrl-C meant for the pager an interrupted command. */
			void (*old)(int) = signal(SIGPIPE, SIG_IGN);
			sig_atomic_t was = browse_interrupted;

			fwrite(text, 1, len, p);
			pclose(p);
			signal(SIGPIPE, old);
			browse_interrupted = was;
			return;
		}
	}
	fwrite(text, 1, len, b->out);
	fflush(b->out);
}

/* -- readline --------------------------------------------------------------- */

static char **completion_list;
static size_t completion_next;

static char *completion_generator(const char *text, int state)
{
	(void)text;
	if (!state)
		completion_next = 0;
	if (!completion_list || !completion_list[completion_next])
		return NULL;
	return strdup(completion_list[completion_next++]);
}

static char **complete(const char *text, int start, int end)
{
	char line[1024];
	char **matches;

	(void)start;
	rl_attempted_completion_over = 1;	/* no file names */
	if (end < 0 || (size_t)end >= sizeof(line))
		return NULL;
	memcpy(line, rl_line_buffer, (size_t)end);
	line[end] = '\0';
	completion_list = ckpt_browse_complete(session->m, line);
	matches = rl_completion_matches(text, completion_generator);
	for (size_t i = 0; completion_list && completion_list[i]; i++)
		free(completion_list[i]);
	free(completion_list);
	completion_list = NULL;
	return matches;
}

/* $XDG_STATE_HOME/ckpttools/history (~/.local/state/...); NULL when there
 * is no home.  The directories are made 0700: history is private. */
static char *history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char dir[4096];
	char *path;

	if (state && state[0] == '/')
		snprintf(dir, sizeof(dir), "%s/ckpttools", state);
	else if (home && home[0] == '/')
		snprintf(dir, sizeof(dir), "%s/.local/state/ckpttools", home);
	else
		return NULL;
	for (char *p = dir + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0700);
			*p = '/';
		}
	mkdir(dir, 0700);
	if (asprintf(&path, "%s/history", dir) < 0)
		return NULL;
	return path;
}

/* -- the prompt -------------------------------------------------------------- */

/* Readline's alternate (callback) interface, so that the session, not
 * readline, owns SIGINT: Ctrl-C at the prompt drops the line being typed
 * and gives a fresh prompt, as in bash, and Ctrl-C during a command ends
 * that command (browse_interrupted) and comes back to the prompt.  The
 * handlers only set flags; the loop acts on them between reads. */

static volatile sig_atomic_t resized;
static char *entered;
static bool have_line;

static void on_signal(int sig)
{
	if (sig == SIGINT)
		browse_interrupted = 1;
	else
		resized = 1;
}

static void on_line(char *line)
{
	entered = line;
	have_line = true;
}

static void fresh_prompt(void)
{
	rl_echo_signal_char(SIGINT);
	rl_free_line_state();
	rl_callback_sigcleanup();
	rl_replace_line("", 0);
	rl_crlf();
	rl_on_new_line();
	rl_redisplay();
}

/* The next line typed at the prompt (NULL at end of input).  SIGINT and
 * SIGWINCH are blocked here except while waiting for input, so neither is
 * lost between the check of its flag and the wait. */
static char *prompt_line(const char *prompt, const sigset_t *waiting)
{
	have_line = false;
	rl_callback_handler_install(prompt, on_line);
	while (!have_line) {
		fd_set in;

		if (browse_interrupted) {
			browse_interrupted = 0;
			fresh_prompt();
		}
		if (resized) {
			resized = 0;
			rl_resize_terminal();
		}
		FD_ZERO(&in);
		FD_SET(fileno(rl_instream), &in);
		int n = pselect(fileno(rl_instream) + 1, &in, NULL, NULL, NULL, waiting);

		if (n < 0 && errno != EINTR) {
			entered = NULL;
			break;
		}
		if (n > 0)
			rl_callback_read_char();
	}
	rl_callback_handler_remove();
	return entered;
}

static int interactive(struct browse *b)
{
	char *hist = history_path();
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	struct sigaction old_int, old_winch;
	sigset_t block, waiting;

	session = b;
	rl_readline_name = "ckptdump";
	rl_attempted_completion_function = complete;
	rl_completer_word_break_characters = " \t;";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	using_history();
	stifle_history(HISTORY_MAX);
	/* None yet is fine: start one, so each line can be appended as it is
	 * entered and survives a Ctrl-C or a kill. */
	if (hist && read_history(hist) != 0)
		write_history(hist);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGWINCH, &sa, &old_winch);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGWINCH);
	printf("%s: %s, %zu records, %zu tasks.  Type help for the commands.\n",
	       b->shown, b->m->schema->title, b->m->n_records, b->m->n_tasks);
	fflush(stdout);
	for (;;) {
		sigprocmask(SIG_BLOCK, &block, &waiting);
		char *line = prompt_line("ckptdump> ", &waiting);

		sigprocmask(SIG_SETMASK, &waiting, NULL);
		if (!line) {
			putchar('\n');
			break;
		}
		if (line[strspn(line, " \t")]) {
			add_history(line);
			if (hist)
				append_history(1, hist);
		}
		browse_interrupted = 0;
		int r = browse_run_line(b, line, isatty(STDOUT_FILENO) ? page_out : NULL);

		free(line);
		if (browse_interrupted) {
			/* After the terminal's ^C echo, on a line of its own. */
			fflush(stdout);
			fprintf(stderr, "\nckptdump: interrupted\n");
			browse_interrupted = 0;
		}
		if (r == 1)
			break;	/* failed commands already said so; the session goes on */
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGWINCH, &old_winch, NULL);
	/* A history that cannot be written is no reason to fail. */
	if (hist)
		history_truncate_file(hist, HISTORY_MAX);
	free(hist);
	return 0;
}

/* Commands from a script: no prompt, exit status from the commands. */
static int scripted(struct browse *b, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int status = 0;

	while ((n = getline(&line, &cap, in)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		const char *s = line + strspn(line, " \t");

		if (*s == '#' || !*s)
			continue;
		int r = browse_run_line(b, s, NULL);

		if (r == 1)
			break;
		status |= r < 0;
	}
	free(line);
	return status;
}

int browse_main(const char *path, const char *commands)
{
	struct browse b = { .path = path, .spool_fd = -1 };
	int status;

	if (strcmp(path, "-") == 0 && !commands) {
		fprintf(stderr, "ckptdump: -i -: the image comes on standard input, so give the commands with -c\n");
		return 2;
	}
	if (open_session(&b, path) < 0) {
		ckpt_model_free(b.m);
		ckpt_image_close(b.img);
		if (b.spool_fd >= 0)
			close(b.spool_fd);
		return 2;
	}
	if (commands) {
		int r = browse_run_line(&b, commands, NULL);

		status = r < 0;
	} else if (isatty(STDIN_FILENO)) {
		status = interactive(&b);
	} else {
		status = scripted(&b, stdin);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "ckptdump: error writing output: %s\n", strerror(errno));
		status = 2;
	}
	ckpt_model_free(b.m);
	ckpt_image_close(b.img);
	if (b.spool_fd >= 0)
		close(b.spool_fd);
	return status ? (status == 2 ? 2 : 1) : 0;
}
