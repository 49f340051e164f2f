/* mksamples: writes the bundled sample images (the samples/ images) from the
 * facts in the format reference, through the same record tables the
 * readers use.  `make samples` regenerates them; the test suite proves the
 * committed files are what this program writes. */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/ext.h"
#include "ckpt/writer.h"

static const char *current;	/* sample being written, for messages */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mksamples: %s: ", current ? current : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

struct sample {
	struct ckpt_writer w;
	const struct ckpt_schema *s;
	struct ckpt_rbuf b;		/* the record being built */
};

static void begin(struct sample *x, const char *type, size_t len)
{
	if (ckpt_rbuf_init(&x->b, x->s, type, len) < 0)
		die("cannot build a %s record of %zu bytes", type, len);
}

static void set(struct sample *x, const char *field, uint64_t v)
{
	if (ckpt_rbuf_set(&x->b, field, v) < 0)
		die("%s.%s: no such field or value out of range", x->b.rt->name, field);
}

static void set_name(struct sample *x, const char *field, const char *name)
{
	if (ckpt_rbuf_set_name(&x->b, field, name) < 0)
		die("%s.%s: no value named %s", x->b.rt->name, field, name);
}

static void set_chars(struct sample *x, const char *field, const char *s)
{
	if (ckpt_rbuf_set_chars(&x->b, field, s) < 0)
		die("%s.%s: cannot hold \"%s\"", x->b.rt->name, field, s);
}

static void set_elem(struct sample *x, const char *array, size_t i, const char *field, uint64_t v)
{
	if (ckpt_rbuf_set_elem(&x->b, array, i, field, v) < 0)
		die("%s.%s[%zu].%s: cannot set", x->b.rt->name, array, i, field);
}

static void put(struct sample *x)
{
	if (ckpt_writer_put(&x->w, &x->b) < 0)
		die("write failed: %s", strerror(x->w.error));
	ckpt_rbuf_free(&x->b);
}

/* A BUFFER or STRING (or any raw type) with the given payload. */
static void put_raw(struct sample *x, const char *type, const void *p, size_t n)
{
	const struct ckpt_rtype *rt = ckpt_schema_type_by_name(x->s, type);

	if (!rt || ckpt_rbuf_init_raw(&x->b, x->s, rt->type, p, n) < 0)
		die("cannot build %s", type);
	put(x);
}

/* A NUL-padded string of exactly n bytes, as the kernel writes uts fields. */
static void put_padded(struct sample *x, const char *type, const char *s, size_t n)
{
	char buf[256] = { 0 };

	if (strlen(s) >= n || n > sizeof(buf))
		die("string \"%s\" does not fit %zu bytes", s, n);
	memcpy(buf, s, strlen(s));
	put_raw(x, type, buf, n);
}

static void put_objref(struct sample *x, const char *objtype, int32_t ref)
{
	begin(x, "OBJREF", 0);
	set_name(x, "objtype", objtype);
	set(x, "objref", (uint32_t)ref);
	put(x);
}

static FILE *open_sample(struct sample *x, const char *dir, const char *name, const char *dialect)
{
	static char path[4096];

	current = name;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");

	if (!f)
		die("cannot create %s: %s", path, strerror(errno));
	x->s = ckpt_schema_by_id(dialect);
	if (!x->s)
		die("no dialect %s", dialect);
	ckpt_writer_init(&x->w, f, x->s);
	return f;
}

static void close_sample(struct sample *x, FILE *f)
{
	if (fclose(f) != 0 || x->w.error)
		die("write failed");
}

/* Sample time: 2009-07-23 00:00:00 UTC, when v17 was posted. */
#define V17_TIME 1248307200u
/* 2011-02-28 00:00:00 UTC, around ckpt-v23. */
#define REV6_TIME 1298851200u

static void v17_header(struct sample *x)
{
	begin(x, "HEADER", 0);
	set(x, "magic", 0x00feed0cc0a2d200ULL);
	set(x, "major", 2);
	set(x, "minor", 6);
	set(x, "patch", 31);
	set(x, "rev", 1);
	set(x, "task_comm_len", 16);
	set(x, "uts_release_len", 65);
	set(x, "uts_version_len", 65);
	set(x, "uts_machine_len", 65);
	set(x, "time", V17_TIME);
	put(x);
	put_padded(x, "BUFFER", "2.6.31-rc3-ckpt-v17", 65);
	put_padded(x, "BUFFER", "#1 SMP Thu Jul 23 00:00:00 UTC 2009", 65);
	put_padded(x, "BUFFER", "i686", 65);
}

static void v17_task(struct sample *x, const char *comm)
{
	begin(x, "TASK", 0);
	set(x, "state", 0);
	set(x, "exit_signal", 17);
	set(x, "set_child_tid", 0xb7f0e708);
	set(x, "clear_child_tid", 0xb7f0e708);
	put(x);
	put_padded(x, "STRING", comm, 16);
}

static void write_v17(const char *dir)
{
	struct sample x;
	FILE *f = open_sample(&x, dir, "v17-task.ckpt", "linux-cr-v17");

	v17_header(&x);
	v17_task(&x, "self_checkpoint");
	begin(&x, "TAIL", 0);
	set(&x, "magic", 0x002d2a0cc0deef00ULL);
	put(&x);
	close_sample(&x, f);

	f = open_sample(&x, dir, "v17-error.ckpt", "linux-cr-v17");
	v17_header(&x);
	v17_task(&x, "bash");
	begin(&x, "ERROR", 0);
	put(&x);
	/* The kernel's error string: a NUL, the message, a NUL. */
	static const char msg[] = "\0checkpoint: task 1234 (bash) is not frozen";
	put_raw(&x, "STRING", msg, sizeof(msg));
	close_sample(&x, f);
}

static void rev6_header(struct sample *x)
{
	static const struct { const char *field; uint64_t v; } consts[] = {
		{ "task_comm_len", 16 }, { "at_vector_size", 44 }, { "signal_nsig", 64 },
		{ "uts_sysname_len", 65 }, { "uts_nodename_len", 65 }, { "uts_release_len", 65 },
		{ "uts_version_len", 65 }, { "uts_machine_len", 65 }, { "uts_domainname_len", 65 },
		{ "rlimit_nlimits", 16 }, { "n_tty_buf_size", 4096 }, { "tty_termios_nccs", 19 },
	};

	begin(x, "HEADER", 0);
	set(x, "magic", 0x00feed0cc0a2d200ULL);
	set_name(x, "arch_id", "X86_64");
	set(x, "major", 2);
	set(x, "minor", 6);
	set(x, "patch", 37);
	set(x, "rev", 6);
	for (size_t i = 0; i < sizeof(consts) / sizeof(consts[0]); i++)
		set(x, consts[i].field, consts[i].v);
	set(x, "time", REV6_TIME);
	set_name(x, "uflags", "SUBTREE");
	put(x);
	put_padded(x, "BUFFER", "2.6.37-ckpt-v23", 65);
	put_padded(x, "BUFFER", "#1 SMP Mon Feb 28 00:00:00 UTC 2011", 65);
	put_padded(x, "BUFFER", "x86_64", 65);

	begin(x, "HEADER_ARCH", 0);
	set(x, "has_fxsr", 1);
	set(x, "has_xsave", 1);
	set(x, "xstate_size", 832);
	put(x);
	begin(x, "CONTAINER", 0);
	put(x);
	put_padded(x, "BUFFER", "", 11);	/* no LSM */
	put_raw(x, "LSM_INFO", NULL, 0);
}

/* The objrefs of the rev 6 sample, in order of first appearance as the
 * kernel hands them out.  The pids come first: TREE entries refer to them. */
enum {
	REF_PID_1 = 1, REF_PID_2, REF_USER_NS, REF_USER, REF_GROUPINFO, REF_CRED,
	REF_UTS_NS, REF_NS, REF_EXE_FILE, REF_MM, REF_FILE_TABLE, REF_CONSOLE_FILE,
	REF_FS, REF_SIGHAND, REF_SIGNAL,
};

/* pid 1 (init) and, with two tasks, its thread pid 2, sharing mm, files,
 * fs and signal handling; creds and namespaces are shared objects too. */
static void rev6_tree(struct sample *x, int ntasks)
{
	/* PIDS: one entry per pid: depth 0, then the pid number. */
	int32_t pids[] = { 0, 1, 0, 2 };

	begin(x, "PIDS", 0);
	set(x, "nr_pids", ntasks);
	set(x, "nr_vpids", ntasks);
	put(x);
	put_raw(x, "BUFFER", pids, 8 * (size_t)ntasks);
	/* The TREE entries' v* values are objrefs of pid objects, and an
	 * object is defined by its OBJREF before anything refers to it. */
	put_objref(x, "PID", REF_PID_1);
	if (ntasks > 1)
		put_objref(x, "PID", REF_PID_2);

	begin(x, "TREE", 0);
	set(x, "nr_tasks", ntasks);
	put(x);
	uint8_t tree[2 * 24] = { 0 };
	/* vpid, vppid, vtgid, vpgid, vsid, depth for each task */
	int32_t rows[2][6] = {
		{ REF_PID_1, -4097, REF_PID_1, REF_PID_1, REF_PID_1, 0 },
		{ REF_PID_2, -4097, REF_PID_1, REF_PID_1, REF_PID_1, 0 },
	};

	for (int i = 0; i < ntasks; i++)
		for (int k = 0; k < 6; k++)
			ckpt_le_store(tree + 24 * i + 4 * k, 4, (uint32_t)rows[i][k]);
	put_raw(x, "BUFFER", tree, 24 * (size_t)ntasks);
}

static void rev6_creds(struct sample *x)
{
	put_objref(x, "USER_NS", REF_USER_NS);
	begin(x, "USER_NS", 0);
	put(x);
	put_objref(x, "USER", REF_USER);
	begin(x, "USER", 0);
	set(x, "uid", 0);
	set(x, "userns_ref", REF_USER_NS);
	put(x);
	put_objref(x, "GROUPINFO", REF_GROUPINFO);
	begin(x, "GROUPINFO", 16 + 4 * 2);
	set(x, "ngroups", 2);
	set_elem(x, "groups", 0, "gid", 0);
	set_elem(x, "groups", 1, "gid", 4);
	put(x);
	put_objref(x, "CRED", REF_CRED);
	begin(x, "CRED", 0);
	set(x, "user_ref", REF_USER);
	set(x, "groupinfo_ref", REF_GROUPINFO);
	set(x, "cap_permitted", 0x1ffffffffffULL);
	set(x, "cap_effective", 0x1ffffffffffULL);
	set(x, "cap_bset", 0x1ffffffffffULL);
	put(x);
}

static void rev6_namespaces(struct sample *x)
{
	put_objref(x, "UTS_NS", REF_UTS_NS);
	begin(x, "UTS_NS", 0);
	set_chars(x, "sysname", "Linux");
	set_chars(x, "nodename", "sample-container");
	set_chars(x, "release", "2.6.37-ckpt-v23");
	set_chars(x, "version", "#1 SMP Mon Feb 28 00:00:00 UTC 2011");
	set_chars(x, "machine", "x86_64");
	set_chars(x, "domainname", "(none)");
	put(x);
	put_objref(x, "NS", REF_NS);
	begin(x, "NS", 0);
	set(x, "uts_objref", REF_UTS_NS);
	put(x);
}

/* Page contents with a recognisable pattern. */
static void fill_page(uint8_t *p, uint64_t addr)
{
	for (unsigned i = 0; i < 4096; i += 32)
		snprintf((char *)p + i, 32, "page %#llx +%04x     ", (unsigned long long)addr, i);
}

static void put_pages(struct sample *x, const uint64_t *addrs, size_t n)
{
	if (n == 0) {
		begin(x, "PGARR", 0);	/* no dumped page: only the end marker */
		put(x);
		return;
	}
	size_t len = n * (8 + 4096);
	uint8_t *buf = calloc(1, len);

	if (!buf)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		ckpt_le_store(buf + 8 * i, 8, addrs[i]);
		fill_page(buf + 8 * n + 4096 * i, addrs[i]);
	}
	begin(x, "PGARR", 0);
	set(x, "nr_pages", n);
	put(x);
	put_raw(x, "BUFFER", buf, len);
	free(buf);
	begin(x, "PGARR", 0);	/* nr_pages 0 ends the VMA's pages */
	put(x);
}

/* small: one dumped stack page and no text page, for samples whose every
 * bit a test flips. */
static void rev6_mm(struct sample *x, bool small)
{
	put_objref(x, "FILE", REF_EXE_FILE);
	begin(x, "FILE", 0);
	set_name(x, "f_type", "GENERIC");
	set(x, "f_mode", 0x1 | 0x4 | 0x8 | 0x20);	/* READ, LSEEK, PREAD, EXEC */
	set(x, "f_flags", 0100000);			/* O_LARGEFILE */
	set(x, "f_credref", REF_CRED);
	put(x);
	put_padded(x, "FILE_NAME", "/sbin/init", 11);

	put_objref(x, "MM", REF_MM);
	begin(x, "MM", 0);
	set(x, "map_count", 2);
	set(x, "exe_objref", REF_EXE_FILE);
	set(x, "start_code", 0x400000);
	set(x, "end_code", 0x401000);
	set(x, "start_data", 0x600000);
	set(x, "end_data", 0x601000);
	set(x, "start_brk", 0x602000);
	set(x, "brk", 0x623000);
	set(x, "start_stack", 0x7fff5a3c0000ULL);
	set(x, "arg_start", 0x7fff5a3c0f00ULL);
	set(x, "arg_end", 0x7fff5a3c0f0bULL);
	set(x, "env_start", 0x7fff5a3c0f0bULL);
	set(x, "env_end", 0x7fff5a3c0fe0ULL);
	put(x);
	/* saved_auxv: AT_PAGESZ 4096, AT_ENTRY, AT_NULL */
	uint64_t auxv[] = { 6, 4096, 9, 0x400100, 0, 0 };
	uint8_t aux[sizeof(auxv)];

	for (size_t i = 0; i < 6; i++)
		ckpt_le_store(aux + 8 * i, 8, auxv[i]);
	put_raw(x, "BUFFER", aux, sizeof(aux));

	/* The program text: a private file mapping with one dumped page. */
	begin(x, "VMA", 0);
	set_name(x, "vma_type", "FILE");
	set(x, "vma_objref", REF_EXE_FILE);
	set(x, "ino_size", 8192);
	set(x, "vm_start", 0x400000);
	set(x, "vm_end", 0x401000);
	set(x, "vm_page_prot", 0x25);
	set(x, "vm_flags", 0x875);	/* READ|EXEC|MAYREAD|MAYWRITE|MAYEXEC|DENYWRITE */
	put(x);
	static const uint64_t text_pages[] = { 0x400000 };
	put_pages(x, text_pages, small ? 0 : 1);

	/* The stack: anonymous, three present pages in two runs. */
	begin(x, "VMA", 0);
	set_name(x, "vma_type", "ANON");
	set(x, "vm_start", 0x7fff5a3a0000ULL);
	set(x, "vm_end", 0x7fff5a3c1000ULL);
	set(x, "vm_page_prot", 0x8000000000000027ULL);
	set(x, "vm_flags", 0x100173);	/* READ|WRITE|MAYREAD|MAYWRITE|MAYEXEC|GROWSDOWN|ACCOUNT */
	put(x);
	static const uint64_t stack_pages[] = { 0x7fff5a3bd000ULL, 0x7fff5a3bf000ULL, 0x7fff5a3c0000ULL };
	put_pages(x, small ? stack_pages + 2 : stack_pages, small ? 1 : 3);
}

static void rev6_files(struct sample *x)
{
	put_objref(x, "FILE_TABLE", REF_FILE_TABLE);
	begin(x, "FILE_TABLE", 0);
	set(x, "fdt_nfds", 1);
	put(x);
	put_objref(x, "FILE", REF_CONSOLE_FILE);
	begin(x, "FILE", 0);
	set_name(x, "f_type", "GENERIC");
	set(x, "f_mode", 0x1 | 0x2 | 0x4 | 0x8 | 0x10);
	set(x, "f_flags", 02 | 0100000);	/* O_RDWR|O_LARGEFILE */
	set(x, "f_pos", 42);
	set(x, "f_credref", REF_CRED);
	put(x);
	put_padded(x, "FILE_NAME", "/dev/console", 13);
	begin(x, "FILE_DESC", 0);
	set(x, "fd_objref", REF_CONSOLE_FILE);
	set(x, "fd_descriptor", 0);
	set(x, "fd_close_on_exec", 0);
	put(x);

	put_objref(x, "FS", REF_FS);
	begin(x, "FS", 0);
	set(x, "umask", 022);
	put(x);
	put_padded(x, "FILE_NAME", "/", 2);
	put_padded(x, "FILE_NAME", "/root", 6);
}

static void rev6_signals(struct sample *x)
{
	put_objref(x, "SIGHAND", REF_SIGHAND);
	begin(x, "SIGHAND", 0);
	set_elem(x, "action", 14, "handler", 1);	/* SIGTERM: SIG_IGN */
	set_elem(x, "action", 16, "handler", 0x401000);	/* SIGCHLD: a handler */
	set_elem(x, "action", 16, "flags", 0x04000000 | 0x10000000);	/* RESTORER|RESTART */
	set_elem(x, "action", 16, "restorer", 0x401200);
	put(x);
	put_objref(x, "SIGNAL", REF_SIGNAL);
	begin(x, "SIGNAL", 0);
	for (size_t i = 0; i < 16; i++) {
		set_elem(x, "rlim", i, "cur", UINT64_MAX);
		set_elem(x, "rlim", i, "max", UINT64_MAX);
	}
	set_elem(x, "rlim", 3, "cur", 8 << 20);		/* STACK */
	set_elem(x, "rlim", 7, "cur", 1024);		/* NOFILE */
	set_elem(x, "rlim", 7, "max", 4096);
	put(x);
}

static void rev6_task(struct sample *x, const char *comm, uint64_t tid_addr, bool first,
		      bool small)
{
	begin(x, "TASK", 0);
	/* A thread's exit_signal is -1: it signals nobody when it exits. */
	set(x, "exit_signal", first ? 17 : 0xffffffffu);
	set(x, "clear_child_tid", tid_addr);
	set(x, "robust_futex_head_len", 24);
	set(x, "robust_futex_list", tid_addr - 0x10);
	put(x);
	put_padded(x, "STRING", comm, 16);

	if (first) {
		rev6_creds(x);
		rev6_namespaces(x);
		rev6_mm(x, small);
		rev6_files(x);
		rev6_signals(x);
	}
	begin(x, "TASK_CREDS", 0);
	set(x, "cred_ref", REF_CRED);
	set(x, "ecred_ref", REF_CRED);
	put(x);
	begin(x, "TASK_NS", 0);
	set(x, "ns_objref", REF_NS);
	put(x);
	begin(x, "TASK_OBJS", 0);
	set(x, "files_objref", REF_FILE_TABLE);
	set(x, "mm_objref", REF_MM);
	set(x, "fs_objref", REF_FS);
	set(x, "sighand_objref", REF_SIGHAND);
	set(x, "signal_objref", REF_SIGNAL);
	put(x);
	begin(x, "SIGNAL_TASK", 0);
	set_name(x, "blocked", first ? "SIGUSR1" : "SIGUSR2");
	put(x);
	begin(x, "THREAD", 0);
	set(x, "gdt_entry_tls_entries", 3);
	set(x, "sizeof_tls_array", 24);
	put(x);
	begin(x, "CPU", 0);
	set(x, "ip", 0x400100 + (first ? 0 : 0x40));
	set(x, "sp", 0x7fff5a3bff00ULL - (first ? 0 : 0x1000));
	set(x, "flags", 0x246);
	set(x, "cs", 0x33);
	set(x, "ss", 0x2b);
	set(x, "orig_ax", (uint64_t)-1);
	set(x, "used_math", 0);	/* no FPU state: keeps the sample small */
	put(x);
}

static void write_rev6(const char *dir)
{
	struct sample x;
	FILE *f = open_sample(&x, dir, "rev6-tasks.ckpt", "linux-cr-rev6");

	rev6_header(&x);
	rev6_tree(&x, 2);
	rev6_task(&x, "init", 0x7f3a1c0009d0ULL, true, false);
	rev6_task(&x, "init-worker", 0x7f3a1b7fe9d0ULL, false, false);
	begin(&x, "TAIL", 0);
	set(&x, "magic", 0x002d2a0cc0deef00ULL);
	put(&x);
	close_sample(&x, f);
}

static void put_string(struct sample *x, const char *s)
{
	put_raw(x, "STRING", s, strlen(s) + 1);
}

/* The ckpttools extension records (docs/extensions.md) of the rev 6 sample
 * with one task: who made it, and the users ckpt would have observed. */
static void rev6_extensions(struct sample *x)
{
	static const struct ckpt_ext_user users[] = {
		{ REF_UTS_NS, CKPT_OBJ_UTS_NS, 1, CKPT_USERS_NS_INODE, 4026532201ULL },
		{ REF_MM, CKPT_OBJ_MM, 1, CKPT_USERS_KCMP, 0 },
		{ REF_FILE_TABLE, CKPT_OBJ_FILE_TABLE, 1, CKPT_USERS_KCMP, 0 },
		{ REF_CONSOLE_FILE, CKPT_OBJ_FILE, 1, CKPT_USERS_FD_KCMP, 0 },
		{ REF_FS, CKPT_OBJ_FS, 1, CKPT_USERS_KCMP, 0 },
		{ REF_SIGHAND, CKPT_OBJ_SIGHAND, 1, CKPT_USERS_KCMP, 0 },
		{ REF_SIGNAL, CKPT_OBJ_SIGNAL, 1, CKPT_USERS_KCMP, 0 },
	};
	size_t n = sizeof(users) / sizeof(users[0]);
	uint8_t rec[CKPT_EXT_USERS_HDR_LEN + sizeof(users) / sizeof(users[0]) * CKPT_EXT_USER_LEN];

	begin(x, "EXT_PRODUCER", 0);
	set(x, "ext_version", CKPT_EXT_VERSION);
	set(x, "root_pid", 1);
	set(x, "time_ns", REV6_TIME * 1000000000ULL);
	set(x, "frozen_ns", 1250000);
	put(x);
	put_string(x, "mksamples");
	put_string(x, "sample-host");
	put_string(x, "/sbin/init --sample");

	ckpt_ext_users_encode(users, n, rec);
	put_raw(x, "EXT_USERS", rec + 8, sizeof(rec) - 8);
}

/* One task with its objects, every page run small, and the extension
 * records, digests included: the image whose every bit a test flips. */
static void write_rev6_ext(const char *dir)
{
	struct sample x;
	FILE *f = open_sample(&x, dir, "rev6-ext.ckpt", "linux-cr-rev6");

	if (ckpt_writer_digests(&x.w) < 0)
		die("cannot write digests: %s", strerror(errno));
	rev6_header(&x);
	rev6_tree(&x, 1);
	rev6_task(&x, "init", 0x7f3a1c0009d0ULL, true, true);
	rev6_extensions(&x);
	begin(&x, "TAIL", 0);
	set(&x, "magic", 0x002d2a0cc0deef00ULL);
	put(&x);
	close_sample(&x, f);
	ckpt_writer_release(&x.w);
}

static void linuxcr_cred(struct sample *x, uint32_t uid, uint32_t euid, uint64_t caps)
{
	begin(x, "CRED", 0);
	set(x, "uid", uid);
	set(x, "gid", uid);
	set(x, "suid", uid);
	set(x, "sgid", uid);
	set(x, "euid", euid);
	set(x, "egid", uid);
	set(x, "fsuid", euid);
	set(x, "fsgid", uid);
	set(x, "cap_permitted", caps);
	set(x, "cap_effective", caps);
	set(x, "cap_bset", 0xfffffeffULL);
	put(x);
}

static void write_linuxcr(const char *dir)
{
	struct sample x;
	FILE *f = open_sample(&x, dir, "linuxcr-creds.ckpt", "linuxcr-2009");

	begin(&x, "HEADER", 0);
	set_chars(&x, "signature", "LinuxC/R");
	set(&x, "image_version", 1);
	set_chars(&x, "uts_release", "2.6.29-rc3");
	set_name(&x, "arch", "X86_32");
	put(&x);

	begin(&x, "UTS_NS", 0);
	set_chars(&x, "sysname", "Linux");
	set_chars(&x, "nodename", "ve101");
	set_chars(&x, "release", "2.6.29-rc3");
	set_chars(&x, "version", "#1 SMP Tue Feb 10 00:00:00 MSK 2009");
	set_chars(&x, "machine", "i686");
	set_chars(&x, "domainname", "(none)");
	put(&x);
	linuxcr_cred(&x, 0, 0, 0xfffffeffULL);
	linuxcr_cred(&x, 1000, 1000, 0);
	close_sample(&x, f);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "Usage: mksamples DIR\nWrites the sample images into DIR.\n");
		return 2;
	}
	write_v17(argv[1]);
	write_rev6(argv[1]);
	write_rev6_ext(argv[1]);
	write_linuxcr(argv[1]);
	return 0;
}
