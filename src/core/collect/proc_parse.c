/* Parsers of /proc text: each takes what proc.c read from a file, so the
 * unit tests can run them on recorded files without a live task. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "collect/proc.h"

int ckpt_proc_parse_stat(const char *text, struct ckpt_proc_stat *st)
{
	const char *open_paren, *close_paren, *p;

	memset(st, 0, sizeof(*st));
	/* The comm sits between the first '(' and the LAST ')': it may hold
	 * either parenthesis itself. */
	open_paren = strchr(text, '(');
	close_paren = strrchr(text, ')');
	if (!open_paren || !close_paren || close_paren < open_paren || close_paren[1] != ' ') {
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

int ckpt_proc_parse_creds(char *text, struct ckpt_proc_creds *c)
{
	unsigned seen = 0;

	memset(c, 0, sizeof(*c));
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

pid_t ckpt_proc_parse_tracer(const char *text)
{
	const char *p = strstr(text, "\nTracerPid:");

	return p ? (pid_t)strtol(p + strlen("\nTracerPid:"), NULL, 10) : -1;
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

int ckpt_proc_parse_smaps(char *text, struct ckpt_proc_vma **out, size_t *n)
{
	struct ckpt_proc_vma *vmas = NULL, *cur = NULL;
	size_t count = 0, cap = 0;

	*out = NULL;
	*n = 0;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* A mapping line starts with a lower-case hex address; the
		 * attribute lines with a capitalised name ("Anonymous:"). */
		if (isdigit((unsigned char)line[0]) || (line[0] >= 'a' && line[0] <= 'f')) {
			if (count == cap) {
				cap = cap ? cap * 2 : 64;
				struct ckpt_proc_vma *bigger = realloc(vmas, cap * sizeof(*bigger));

				if (!bigger) {
					free(vmas);
					errno = ENOMEM;
					return -1;
				}
				vmas = bigger;
			}
			cur = &vmas[count];
			if (!parse_map_line(line, cur)) {
				free(vmas);
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
	*out = vmas;
	*n = count;
	return 0;
}

int ckpt_proc_parse_status_values(const char *text, const char *const *keys, const int *bases,
				  uint64_t *values, size_t n)
{
	size_t found = 0;

	for (size_t i = 0; i < n; i++) {
		size_t klen = strlen(keys[i]);

		for (const char *line = text; line; line = strchr(line, '\n')) {
			if (*line == '\n')
				line++;
			if (strncmp(line, keys[i], klen) == 0 && line[klen] == ':') {
				values[i] = strtoull(line + klen + 1, NULL, bases[i]);
				found++;
				break;
			}
		}
	}
	if (found != n) {
		errno = ENOTSUP;
		return -1;
	}
	return 0;
}

/* "Max open files            1024                 4096                 files"
 * in RLIMIT_* order after a heading line; the values start at column 26. */
int ckpt_proc_parse_limits(char *text, uint64_t (*lim)[2], size_t n)
{
	char *line, *save = NULL;
	size_t i = 0;

	line = strtok_r(text, "\n", &save);	/* the heading */
	while (line && i < n && (line = strtok_r(NULL, "\n", &save))) {
		char soft[32], hard[32];

		if (strlen(line) <= 26 || sscanf(line + 26, "%31s %31s", soft, hard) != 2)
			break;
		lim[i][0] = strcmp(soft, "unlimited") == 0 ? UINT64_MAX : strtoull(soft, NULL, 10);
		lim[i][1] = strcmp(hard, "unlimited") == 0 ? UINT64_MAX : strtoull(hard, NULL, 10);
		i++;
	}
	if (i != n) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
