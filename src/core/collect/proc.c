/* Readers of /proc: the only place that knows its text formats. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/collect_impl.h"

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
	char *open_paren, *close_paren, *p;

	memset(st, 0, sizeof(*st));
	if (!text)
		return -1;
	/* The comm sits between the first '(' and the LAST ')': it may hold
	 * either parenthesis itself. */
	open_paren = strchr(text, '(');
	close_paren = strrchr(text, ')');
	if (!open_paren || !close_paren || close_paren < open_paren || close_paren[1] != ' ') {
		free(text);
		errno = EINVAL;
		return -1;
	}
	size_t clen = (size_t)(close_paren - open_paren - 1);

	if (clen >= sizeof(st->comm))
		clen = sizeof(st->comm) - 1;
	memcpy(st->comm, open_paren + 1, clen);
	st->f[1] = strtoll(text, NULL, 10);
	st->state = close_paren[2];
	p = close_paren + 3;
	for (int field = 4; field < 53 && *p; field++) {
		char *end;

		while (*p == ' ')
			p++;
		st->f[field] = strtoll(p, &end, 10);
		if (end == p)
			break;
		p = end;
	}
	free(text);
	return 0;
}

static bool parse_u32_list(const char *s, uint32_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *end;

		v[i] = (uint32_t)strtoul(s, &end, 10);
		if (end == s)
			return false;
		s = end;
	}
	return true;
}

int ckpt_proc_creds(pid_t tgid, pid_t tid, struct ckpt_proc_creds *c)
{
	char *text = ckpt_proc_readf(NULL, "/proc/%d/task/%d/status", (int)tgid, (int)tid);
	unsigned seen = 0;

	memset(c, 0, sizeof(*c));
	if (!text)
		return -1;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		*v++ = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		if (strcmp(line, "Uid") == 0 && parse_u32_list(v, c->uid, 4)) {
			seen |= 1;
		} else if (strcmp(line, "Gid") == 0 && parse_u32_list(v, c->gid, 4)) {
			seen |= 2;
		} else if (strcmp(line, "Groups") == 0) {
			size_t cap = 0;

			for (char *p = v, *end; *p; p = end) {
				unsigned long g = strtoul(p, &end, 10);

				if (end == p)
					break;
				if (c->n_groups == cap) {
					cap = cap ? cap * 2 : 16;
					uint32_t *bigger = realloc(c->groups, cap * sizeof(*bigger));

					if (!bigger) {
						free(text);
						ckpt_proc_creds_free(c);
						errno = ENOMEM;
						return -1;
					}
					c->groups = bigger;
				}
				c->groups[c->n_groups++] = (uint32_t)g;
			}
		} else if (strcmp(line, "CapInh") == 0) {
			c->cap_inh = strtoull(v, NULL, 16);
			seen |= 4;
		} else if (strcmp(line, "CapPrm") == 0) {
			c->cap_prm = strtoull(v, NULL, 16);
		} else if (strcmp(line, "CapEff") == 0) {
			c->cap_eff = strtoull(v, NULL, 16);
		} else if (strcmp(line, "CapBnd") == 0) {
			c->cap_bnd = strtoull(v, NULL, 16);
		} else if (strcmp(line, "TracerPid") == 0) {
			c->tracer = (pid_t)strtol(v, NULL, 10);
		} else if (strcmp(line, "NSpid") == 0) {
			int n = 0;

			for (char *p = v, *end; *p && n < 32; p = end) {
				long pid = strtol(p, &end, 10);

				if (end == p)
					break;
				c->nspid[n++] = (pid_t)pid;
			}
			c->nspid_depth = n > 0 ? n - 1 : 0;
		}
	}
	free(text);
	if (seen != 7) {
		ckpt_proc_creds_free(c);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

void ckpt_proc_creds_free(struct ckpt_proc_creds *c)
{
	free(c->groups);
	c->groups = NULL;
	c->n_groups = 0;
}

pid_t ckpt_proc_tracer(pid_t tid)
{
	char *text = ckpt_proc_readf(NULL, "/proc/%d/status", (int)tid);
	char *p;
	pid_t tracer = -1;

	if (!text)
		return -1;
	p = strstr(text, "\nTracerPid:");
	if (p)
		tracer = (pid_t)strtol(p + strlen("\nTracerPid:"), NULL, 10);
	free(text);
	return tracer;
}

/* "7f0000000000-7f0000001000 rw-p 00000000 00:00 0   [heap]" */
static bool parse_map_line(const char *line, struct ckpt_proc_vma *v)
{
	char perms[8];
	int path_at = 0;
	unsigned long long start, end, off, ino;

	memset(v, 0, sizeof(*v));
	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &off,
		   &v->dev_major, &v->dev_minor, &ino, &path_at) < 7)
		return false;
	v->start = start;
	v->end = end;
	v->offset = off;
	v->inode = ino;
	v->prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
		  (perms[2] == 'x' ? PROT_EXEC : 0);
	v->shared = perms[3] == 's';
	if (path_at > 0)
		snprintf(v->path, sizeof(v->path), "%s", line + path_at);
	return true;
}

int ckpt_proc_smaps(pid_t pid, struct ckpt_proc_vma **out, size_t *n)
{
	char *text = ckpt_proc_readf(NULL, "/proc/%d/smaps", (int)pid);
	struct ckpt_proc_vma *vmas = NULL, *cur = NULL;
	size_t count = 0, cap = 0;

	*out = NULL;
	*n = 0;
	if (!text)
		return -1;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* A mapping line starts with a lower-case hex address; the
		 * attribute lines with a capitalised name ("Anonymous:"). */
		if (isdigit((unsigned char)line[0]) || (line[0] >= 'a' && line[0] <= 'f')) {
			if (count == cap) {
				cap = cap ? cap * 2 : 64;
				struct ckpt_proc_vma *bigger = realloc(vmas, cap * sizeof(*bigger));

				if (!bigger) {
					free(vmas);
					free(text);
					errno = ENOMEM;
					return -1;
				}
				vmas = bigger;
			}
			cur = &vmas[count];
			if (!parse_map_line(line, cur)) {
				free(vmas);
				free(text);
				errno = EINVAL;
				return -1;
			}
			/* The x86_64 vsyscall page is the kernel's gate area, not
			 * a mapping of the mm: mm->map_count does not count it
			 * and a restore could not map it. */
			if (strcmp(cur->path, "[vsyscall]") == 0) {
				cur = NULL;
				continue;
			}
			count++;
		} else if (cur && strncmp(line, "Rss:", 4) == 0) {
			cur->rss_kb = strtoull(line + 4, NULL, 10);
		} else if (cur && strncmp(line, "Anonymous:", 10) == 0) {
			cur->anon_kb = strtoull(line + 10, NULL, 10);
		} else if (cur && strncmp(line, "Swap:", 5) == 0) {
			cur->swap_kb = strtoull(line + 5, NULL, 10);
		} else if (cur && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(cur->vmflags, sizeof(cur->vmflags), "%s", line + 8);
		}
	}
	free(text);
	*out = vmas;
	*n = count;
	return 0;
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
	size_t found = 0;

	if (!text)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t klen = strlen(keys[i]);

		for (char *line = text; line; line = strchr(line, '\n')) {
			if (*line == '\n')
				line++;
			if (strncmp(line, keys[i], klen) == 0 && line[klen] == ':') {
				values[i] = strtoull(line + klen + 1, NULL, bases[i]);
				found++;
				break;
			}
		}
	}
	free(text);
	if (found != n) {
		errno = ENOTSUP;
		return -1;
	}
	return 0;
}

/* "Max open files            1024                 4096                 files"
 * in RLIMIT_* order after a heading line; the values start at column 26. */
int ckpt_proc_limits(pid_t pid, uint64_t (*lim)[2], size_t n)
{
	char *text = ckpt_proc_readf(NULL, "/proc/%d/limits", (int)pid);
	char *line, *save = NULL;
	size_t i = 0;

	if (!text)
		return -1;
	line = strtok_r(text, "\n", &save);	/* the heading */
	while (i < n && (line = strtok_r(NULL, "\n", &save))) {
		char soft[32], hard[32];

		if (strlen(line) <= 26 || sscanf(line + 26, "%31s %31s", soft, hard) != 2)
			break;
		lim[i][0] = strcmp(soft, "unlimited") == 0 ? UINT64_MAX : strtoull(soft, NULL, 10);
		lim[i][1] = strcmp(hard, "unlimited") == 0 ? UINT64_MAX : strtoull(hard, NULL, 10);
		i++;
	}
	free(text);
	if (i != n) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
