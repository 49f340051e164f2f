/* The /proc readers of the producer (proc.c, uts.c) and the parsers of
 * their text (proc_parse.c).  Linux only. */
#ifndef CKPT_COLLECT_PROC_H
#define CKPT_COLLECT_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* --- proc.c: /proc readers ------------------------------------------------ */

/* The whole of a (small) /proc file, NUL-terminated; NULL with errno. */
char *ckpt_proc_read(const char *path, size_t *len);
char *ckpt_proc_readf(size_t *len, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* /proc/PID/stat, split after the comm (which may hold spaces). */
struct ckpt_proc_stat {
	char comm[17];
	char state;
	long long f[53];	/* f[n] is field n of proc(5) (1-based); 0 if absent */
};
int ckpt_proc_stat(pid_t tgid, pid_t tid, struct ckpt_proc_stat *st);

/* The credentials /proc/PID/task/TID/status shows. */
struct ckpt_proc_creds {
	uint32_t uid[4], gid[4];	/* real, effective, saved, fs */
	uint32_t *groups;
	size_t n_groups;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd;
	int nspid_depth;		/* pid-namespace depth: NSpid entries - 1 */
	pid_t nspid[32];
	pid_t tracer;			/* TracerPid */
};
int ckpt_proc_creds(pid_t tgid, pid_t tid, struct ckpt_proc_creds *c);
void ckpt_proc_creds_free(struct ckpt_proc_creds *c);
/* TracerPid of a task, or -1. */
pid_t ckpt_proc_tracer(pid_t tid);

/* One mapping of /proc/PID/smaps. */
struct ckpt_proc_vma {
	uint64_t start, end, offset;
	unsigned prot;			/* PROT_* from the permission column */
	bool shared;			/* 's' in the permission column */
	unsigned dev_major, dev_minor;
	uint64_t inode;
	char path[4096];		/* "" for anonymous, "[heap]", "/lib/..." */
	uint64_t rss_kb, swap_kb;
	uint64_t anon_kb;		/* "Anonymous:": private copies, anonymous pages */
	char vmflags[256];		/* the VmFlags line's two-letter codes */
};
/* All mappings; -1 with errno. */
int ckpt_proc_smaps(pid_t pid, struct ckpt_proc_vma **out, size_t *n);

/* The values of the named "Key:" lines of a thread's status, each parsed
 * in its base (SigBlk is hex, Umask octal); -1 with errno (ENOTSUP when a
 * line is missing: an older kernel). */
int ckpt_proc_status_values(pid_t tgid, pid_t tid, const char *const *keys, const int *bases,
			    uint64_t *values, size_t n);

/* The first n resource limits {soft, hard} of /proc/PID/limits, unlimited
 * as all ones; -1 with errno. */
int ckpt_proc_limits(pid_t pid, uint64_t (*lim)[2], size_t n);

/* Inode number of /proc/PID/ns/NAME, or 0 when it cannot be read. */
uint64_t ckpt_proc_ns_inode(pid_t tid, const char *name);

/* --- proc_parse.c: the text of a /proc file, already read --------------
 * Each takes the NUL-terminated text of the file named; those taking a
 * non-const text split it into lines in place.  -1 with errno (EINVAL:
 * text not in the kernel's format). */

/* /proc/PID/stat. */
int ckpt_proc_parse_stat(const char *text, struct ckpt_proc_stat *st);
/* /proc/PID/status: credentials; free with ckpt_proc_creds_free. */
int ckpt_proc_parse_creds(char *text, struct ckpt_proc_creds *c);
/* /proc/PID/status: TracerPid, or -1 when there is no such line. */
pid_t ckpt_proc_parse_tracer(const char *text);
/* /proc/PID/smaps: every mapping but [vsyscall]; free *out. */
int ckpt_proc_parse_smaps(char *text, struct ckpt_proc_vma **out, size_t *n);
/* /proc/PID/status: the named "Key:" values (ENOTSUP when one is missing). */
int ckpt_proc_parse_status_values(const char *text, const char *const *keys, const int *bases,
				  uint64_t *values, size_t n);
/* /proc/PID/limits: the first n {soft, hard} pairs. */
int ckpt_proc_parse_limits(char *text, uint64_t (*lim)[2], size_t n);

/* --- uts.c ---------------------------------------------------------------- */

struct ckpt_uts {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};
/* The uname strings as seen inside tid's uts namespace. */
int ckpt_uts_of(pid_t tid, struct ckpt_uts *u, char *err, size_t errsize);

#endif
