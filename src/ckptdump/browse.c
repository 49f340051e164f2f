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
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "ckpt/format.h"

#include "browse.h"

#define HISTORY_MAX 1000

static struct browse *session;	/* for the readline completion callback */

/* -- opening -------------------------------------------------------------- */

/* Standard input is copied to an unlinked temporary file first: the browser
 * needs random access, and the copy holds only what actually arrives. */
static int spool_stdin(void)
{
	FILE *tmp = tmpfile();
	char buf[65536];
	size_t n;

	if (!tmp)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (fwrite(buf, 1, n, tmp) != n) {
			fclose(tmp);
			return -1;
		}
	if (ferror(stdin) || fflush(tmp) != 0) {
		fclose(tmp);
		return -1;
	}
	int fd = dup(fileno(tmp));

	fclose(tmp);
	return fd;
}

static int open_session(struct browse *b, const char *path)
{
	struct ckpt_error err;
	char msg[512];

	if (strcmp(path, "-") == 0) {
		int fd = spool_stdin();

		if (fd < 0) {
			fprintf(stderr, "ckptdump: copying standard input to a temporary file: %s\n", strerror(errno));
			return -1;
		}
		snprintf(b->shown, sizeof(b->shown), "(stdin)");
		b->spool_fd = dup(fd);	/* check reads the image again */
		b->img = ckpt_image_open_fd(fd, &err);
	} else {
		ckpt_escape((const uint8_t *)path, strlen(path), b->shown, sizeof(b->shown));
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
static void page_out(const char *text, size_t len)
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
			/* Quitting the pager early is not an error. */
			void (*old)(int) = signal(SIGPIPE, SIG_IGN);

			fwrite(text, 1, len, p);
			pclose(p);
			signal(SIGPIPE, old);
			return;
		}
	}
	fwrite(text, 1, len, stdout);
	fflush(stdout);
}

/* Runs a line of `;`-separated commands; -1 if any failed, 1 on quit. */
static int run_line(struct browse *b, const char *line, bool use_pager)
{
	int status = 0;
	const char *s = line;

	while (*s) {
		/* `;` inside "..." or /.../ does not separate commands. */
		const char *e = s;
		char quote = 0;

		for (; *e && (quote || *e != ';'); e++) {
			if (quote && *e == '\\' && e[1])
				e++;
			else if (quote && *e == quote)
				quote = 0;
			else if (!quote && (*e == '"' || (*e == '/' && (e == s || e[-1] == ' '))))
				quote = *e;
		}
		char *cmd = strndup(s, (size_t)(e - s));

		if (!cmd) {
			fprintf(stderr, "ckptdump: out of memory\n");
			return -1;
		}
		char *w = cmd + strspn(cmd, " \t");
		size_t wl = strcspn(w, " \t");

		if ((wl == 4 && strncmp(w, "quit", 4) == 0) || (wl == 4 && strncmp(w, "exit", 4) == 0)) {
			free(cmd);
			return status ? -1 : 1;
		}
		if (use_pager) {
			char *text = NULL;
			size_t len = 0;
			FILE *mem = open_memstream(&text, &len);

			if (mem) {
				b->out = mem;
				status |= browse_run_command(b, cmd);
				fclose(mem);
				b->out = stdout;
				page_out(text, len);
				free(text);
			} else {
				status |= browse_run_command(b, cmd);
			}
		} else {
			status |= browse_run_command(b, cmd);
			fflush(stdout);
		}
		free(cmd);
		s = *e ? e + 1 : e;
	}
	return status ? -1 : 0;
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

static int interactive(struct browse *b)
{
	char *hist = history_path();
	char prompt[64];

	session = b;
	rl_readline_name = "ckptdump";
	rl_attempted_completion_function = complete;
	rl_completer_word_break_characters = " \t;";
	using_history();
	stifle_history(HISTORY_MAX);
	/* None yet is fine: start one, so each line can be appended as it is
	 * entered and survives a Ctrl-C or a kill. */
	if (hist && read_history(hist) != 0)
		write_history(hist);
	printf("%s: %s, %zu records, %zu tasks.  Type help for the commands.\n",
	       b->shown, b->m->schema->title, b->m->n_records, b->m->n_tasks);
	snprintf(prompt, sizeof(prompt), "ckptdump> ");
	for (;;) {
		char *line = readline(prompt);

		if (!line) {
			putchar('\n');
			break;
		}
		if (line[strspn(line, " \t")]) {
			add_history(line);
			if (hist)
				append_history(1, hist);
		}
		int r = run_line(b, line, isatty(STDOUT_FILENO));

		free(line);
		if (r == 1)
			break;	/* failed commands already said so; the session goes on */
	}
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
		int r = run_line(b, s, false);

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
		int r = run_line(&b, commands, false);

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
