/* Readers of /proc: they read the files; proc_parse.c knows the text formats. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/collect_impl.h"

static void free_keep_errno(void *p)
{
	int saved = errno;

	free(p);
	errno = saved;
}

char *ckpt_proc_read(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	while (buf) {
		if (n + 1 >= cap) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger) {
				free(buf);
				buf = NULL;
				errno = ENOMEM;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			int saved = errno;

			free(buf);
			buf = NULL;
			errno = saved;
			break;
		}
		if (r == 0) {
			buf[n] = '\0';
			if (len)
				*len = n;
			break;
		}
		n += (size_t)r;
	}
	int saved = errno;

	close(fd);
	errno = saved;
	return buf;
}

char *ckpt_proc_readf(size_t *len, const char *fmt, ...)
{
	char path[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return ckpt_proc_read(path, len);
}

int ckpt_proc_stat(pid_t tgid, pid_t tid, struct ckpt_proc_stat *st)
{
	char *text = ckpt_proc_readf(NULL, "/proc/%d/task/%d/stat", (int)tgid, (int)tid);
	int rc;

	memset(st, 0, sizeof(*st));
	if (!text)
		return -1;
	rc = ckpt_proc_parse_stat(text, st);
	free_keep_errno(text);
	return rc;
}

int ckpt_proc_creds(pid_t tgid, pid_t tid, struct ckpt_proc_creds *c)
{
	char *text = ckpt_proc_readf(NULL, "/proc/%d/task/%d/status", (int)tgid, (int)tid);
	int rc;

	memset(c, 0, sizeof(*c));
	if (!text)
		return -1;
	rc = ckpt_proc_parse_creds(text, c);
	free_keep_errno(text);
	return rc;
}

pid_t ckpt_proc_tracer(pid_t tid)
{
	char *text = ckpt_proc_readf(NULL, "/proc/%d/status", (int)tid);
	pid_t tracer;

	if (!text)
		return -1;
	tracer = ckpt_proc_parse_tracer(text);
	free(text);
	return tracer;
}

int ckpt_proc_smaps(pid_t pid, struct ckpt_proc_vma **out, size_t *n)
{
	char *text = ckpt_proc_readf(NULL, "/proc/%d/smaps", (int)pid);
	int rc;

	*out = NULL;
	*n = 0;
	if (!text)
		return -1;
	rc = ckpt_proc_parse_smaps(text, out, n);
	free_keep_errno(text);
	return rc;
}

uint64_t ckpt_proc_ns_inode(pid_t tid, const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)tid, name);
	if (stat(path, &st) < 0)
		return 0;
	return st.st_ino;
}

int ckpt_proc_status_values(pid_t tgid, pid_t tid, const char *const *keys, const int *bases,
			    uint64_t *values, size_t n)
{
	char *text = ckpt_proc_readf(NULL, "/proc/%d/task/%d/status", (int)tgid, (int)tid);
	int rc;

	if (!text)
		return -1;
	rc = ckpt_proc_parse_status_values(text, keys, bases, values, n);
	free_keep_errno(text);
	return rc;
}

int ckpt_proc_limits(pid_t pid, uint64_t (*lim)[2], size_t n)
{
	char *text = ckpt_proc_readf(NULL, "/proc/%d/limits", (int)pid);
	int rc;

	if (!text)
		return -1;
	rc = ckpt_proc_parse_limits(text, lim, n);
	free_keep_errno(text);
	return rc;
}
