/* The check engine and its rule families: the registry, the bundled
 * samples, one generated image per rule that breaks exactly that rule,
 * kernel profiles, and corruption of the rev 6 sample. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/check.h"
#include "ckpt/decode.h"
#include "ckpt/ext.h"
#include "ckpt/kernel.h"
#include "ckpt/writer.h"
#include "suites.h"

/* -- collecting findings --------------------------------------------------- */

#define MAX_FOUND 256

struct found {
	size_t n;
	struct ckpt_finding f[MAX_FOUND];
	struct ckpt_check_summary sum;
	bool opened;
};

static void collect(void *arg, const struct ckpt_finding *f)
{
	struct found *fd = arg;

	if (fd->n < MAX_FOUND)
		fd->f[fd->n++] = *f;
}

/* Checks an image in memory against target (NULL: no kernel rules). */
static void check_mem(const void *buf, size_t len, const struct ckpt_check_options *opt,
		      struct found *fd)
{
	struct ckpt_error err;
	struct ckpt_image *img = ckpt_image_open_mem(buf, len, &err);

	memset(fd, 0, sizeof(*fd));
	if (!img)
		return;
	fd->opened = true;
	struct ckpt_check *c = ckpt_check_new(opt);

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ckpt_check_image(c, img, collect, fd, &fd->sum), 0);
	ckpt_check_free(c);
	ckpt_image_close(img);
}

static size_t count_rule(const struct found *fd, const char *id)
{
	size_t k = 0;

	for (size_t i = 0; i < fd->n; i++)
		if (strcmp(fd->f[i].rule->id, id) == 0)
			k++;
	return k;
}

static const char *list_found(const struct found *fd)
{
	static char buf[4096];
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < fd->n && o < sizeof(buf) - 1; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "[%s %s: %s] ",
				      ckpt_severity_name(fd->f[i].severity), fd->f[i].rule->id,
				      fd->f[i].message);
	return buf;
}

/* The rule fired, and no other rule made an error. */
static void expect_only(const struct found *fd, const char *id, enum ckpt_severity sev)
{
	bool seen = false;

	ck_assert_msg(fd->opened, "%s: the image did not open", id);
	for (size_t i = 0; i < fd->n; i++) {
		if (strcmp(fd->f[i].rule->id, id) == 0) {
			seen = true;
			ck_assert_msg(fd->f[i].severity == sev, "%s: severity %s", id,
				      ckpt_severity_name(fd->f[i].severity));
			ck_assert_msg(fd->f[i].message[0] && !strchr(fd->f[i].message, '\n'),
				      "%s: message not one line", id);
		} else {
			ck_assert_msg(fd->f[i].severity != CKPT_SEV_ERROR,
				      "breaking %s also fired %s: %s", id, fd->f[i].rule->id, list_found(fd));
		}
	}
	ck_assert_msg(seen, "%s did not fire; found: %s", id, list_found(fd));
}

/* -- profiles ---------------------------------------------------------------- */

static struct ckpt_kernel_profile running(void)
{
	struct ckpt_kernel_profile p;
	char err[256];

	ck_assert_msg(ckpt_kernel_profile_running(&p, err, sizeof(err)) == 0, "%s", err);
	return p;
}

/* The kernel the rev 6 sample was written on (tests/profiles). */
static struct ckpt_kernel_profile sample_rev6_kernel(void)
{
	struct ckpt_kernel_profile p = running();
	static const unsigned consts[CKPT_KERNEL_NCONST] = {
		16, 44, 64, 65, 65, 65, 65, 65, 65, 16, 4096, 19,
	};

	p.major = 2, p.minor = 6, p.patch = 37;
	snprintf(p.release, sizeof(p.release), "2.6.37-ckpt-v23");
	snprintf(p.arch, sizeof(p.arch), "x86_64");
	memcpy(p.consts, consts, sizeof(consts));
	p.has_fxsr = 1, p.has_xsave = 1, p.xstate_size = 832;
	return p;
}

static struct ckpt_kernel_profile sample_v17_kernel(void)
{
	struct ckpt_kernel_profile p = sample_rev6_kernel();

	p.patch = 31;
	snprintf(p.release, sizeof(p.release), "2.6.31-rc3-ckpt-v17");
	snprintf(p.arch, sizeof(p.arch), "i686");
	return p;
}

/* -- generated images ------------------------------------------------------- */

/* What a generated image gets wrong: each breaks one rule. */
enum breakage {
	B_NONE, B_FRAMING, B_TAIL_MISSING, B_TAIL_MAGIC, B_ERROR_RECORD, B_TYPE_UNKNOWN,
	B_PREFIX_ORDER, B_PREFIX_SHORT, B_FOLLOWER_MISSING, B_ENUM_UNKNOWN, B_UNTERMINATED,
	B_PADDING, B_UFLAGS, B_BUFFER_SIZE, B_VERSION, B_CONST, B_ARCH, B_OBJREF_INVALID,
	B_OBJREF_DUPLICATE, B_OBJTYPE_UNKNOWN, B_OBJREF_UNDEFINED, B_OBJREF_TYPE,
	B_OBJREF_UNREFERENCED, B_PID_MARKER, B_OBJREF_RECORD,
	B_SECUREBITS, B_TEXT_HUGE, B_LONG_TEXT, B_LONG_TEXT_UNTERMINATED, B_PEERS_ENTRY, B_FILE_SHARED,
	B_TTY, B_PIPE_ALONE, B_SOCKET,
};

struct img {
	char *buf;
	size_t len;
	FILE *f;
	struct ckpt_writer w;
	const struct ckpt_schema *s;
	struct ckpt_rbuf b;
};

static void begin(struct img *m, const char *type, size_t len)
{
	ck_assert_msg(ckpt_rbuf_init(&m->b, m->s, type, len) == 0, "cannot build %s", type);
}

static void set(struct img *m, const char *field, uint64_t v)
{
	ck_assert_msg(ckpt_rbuf_set(&m->b, field, v) == 0, "cannot set %s", field);
}

static void set_name(struct img *m, const char *field, const char *name)
{
	ck_assert_msg(ckpt_rbuf_set_name(&m->b, field, name) == 0, "cannot set %s to %s", field, name);
}

static void put(struct img *m)
{
	ck_assert_int_eq(ckpt_writer_put(&m->w, &m->b), 0);
	ckpt_rbuf_free(&m->b);
}

static void put_raw(struct img *m, uint32_t type, const void *p, size_t n)
{
	ck_assert_int_eq(ckpt_rbuf_init_raw(&m->b, m->s, type, p, n), 0);
	put(m);
}

static uint32_t type_of(struct img *m, const char *name)
{
	const struct ckpt_rtype *rt = ckpt_schema_type_by_name(m->s, name);

	ck_assert_ptr_nonnull(rt);
	return rt->type;
}

static void put_text(struct img *m, const char *type, const char *s, size_t n)
{
	char buf[256] = { 0 };

	ck_assert_uint_le(n, sizeof(buf));
	memcpy(buf, s, strlen(s) < n ? strlen(s) : n);
	put_raw(m, type_of(m, type), buf, n);
}

static void put_objref(struct img *m, uint64_t objtype, int32_t ref)
{
	begin(m, "OBJREF", 0);
	set(m, "objtype", objtype);
	set(m, "objref", (uint32_t)ref);
	put(m);
}

/* Set: rev 6 images are written without EXT_DIGEST records. */
static bool plain_images;

static void start(struct img *m, const char *dialect)
{
	memset(m, 0, sizeof(*m));
	m->f = open_memstream(&m->buf, &m->len);
	ck_assert_ptr_nonnull(m->f);
	m->s = ckpt_schema_by_id(dialect);
	ck_assert_ptr_nonnull(m->s);
	ckpt_writer_init(&m->w, m->f, m->s);
	/* Rev 6 images carry digests, as ckpt writes them. */
	if (m->s->dialect == CKPT_DIALECT_REV6 && !plain_images)
		ck_assert_int_eq(ckpt_writer_digests(&m->w), 0);
}

static void finish(struct img *m)
{
	ck_assert_int_eq(fclose(m->f), 0);
	ck_assert_int_eq(m->w.error, 0);
	ckpt_writer_release(&m->w);
}

static void header_consts(struct img *m, const struct ckpt_kernel_profile *p)
{
	for (int i = 0; i < CKPT_KERNEL_NCONST; i++)
		if (ckpt_rtype_field(m->b.rt, ckpt_kernel_const_names[i]))
			set(m, ckpt_kernel_const_names[i], p->consts[i]);
}

static void tail(struct img *m, enum breakage b)
{
	if (b == B_TAIL_MISSING)
		return;
	if (b == B_ERROR_RECORD) {
		static const char msg[] = "\0checkpoint: task 7 is not frozen";

		begin(m, "ERROR", 0);
		put(m);
		put_raw(m, type_of(m, "STRING"), msg, sizeof(msg));
		return;
	}
	begin(m, "TAIL", 0);
	set(m, "magic", b == B_TAIL_MAGIC ? 0x002d2a0cc0deef01ULL : 0x002d2a0cc0deef00ULL);
	put(m);
}

/* What every live task needs besides its credentials (task-refs, mm-exe,
 * mm-stack): a namespace set, an executable, an address space with a
 * stack, a descriptor table, an fs, signal handlers and a signal object,
 * as objrefs first .. first + 6; then the task's TASK_NS (unless the
 * caller wrote one) and TASK_OBJS. */
static void put_live_task(struct img *m, int32_t first, bool task_ns, enum breakage b)
{
	put_objref(m, CKPT_OBJ_NS, first);
	begin(m, "NS", 0);
	put(m);
	put_objref(m, CKPT_OBJ_FILE, first + 1);
	begin(m, "FILE", 0);
	set(m, "f_type", 1);
	put(m);
	put_text(m, "FILE_NAME", "/sbin/init", 11);
	put_objref(m, CKPT_OBJ_MM, first + 2);
	begin(m, "MM", 0);
	set(m, "map_count", 1);
	set(m, "exe_objref", (uint32_t)(first + 1));
	set(m, "start_brk", 0x600000);
	set(m, "brk", 0x601000);
	set(m, "start_stack", 0x7ffffffde100ULL);
	put(m);
	put_raw(m, type_of(m, "BUFFER"), NULL, 0);	/* saved_auxv */
	begin(m, "VMA", 0);
	set_name(m, "vma_type", "ANON");
	set(m, "vm_start", 0x7ffffffdd000ULL);
	set(m, "vm_end", 0x7ffffffff000ULL);
	set(m, "vm_flags", 0x100173);
	put(m);
	begin(m, "PGARR", 0);
	put(m);
	/* Descriptor 0: the executable (file-reopen), or a terminal, a
	 * lone pipe end, a socket (file-peer-*), as objref first + 7. */
	bool fd0 = b == B_FILE_SHARED || b == B_TTY || b == B_PIPE_ALONE || b == B_SOCKET;

	if (fd0 && b != B_FILE_SHARED) {
		put_objref(m, CKPT_OBJ_FILE, first + 7);
		begin(m, "FILE", 0);
		set(m, "f_type", b == B_TTY ? 5 : b == B_SOCKET ? 4 : 2);
		set(m, "f_mode", 0x2);
		put(m);
		put_text(m, "FILE_NAME", b == B_TTY ? "/dev/pts/3" : b == B_SOCKET ? "socket:[77]" : "pipe:[77]", 16);
	}
	put_objref(m, CKPT_OBJ_FILE_TABLE, first + 3);
	begin(m, "FILE_TABLE", 0);
	set(m, "fdt_nfds", fd0);
	put(m);
	if (fd0) {
		begin(m, "FILE_DESC", 0);
		set(m, "fd_objref", (uint32_t)(b == B_FILE_SHARED ? first + 1 : first + 7));
		put(m);
	}
	put_objref(m, CKPT_OBJ_FS, first + 4);
	begin(m, "FS", 0);
	put(m);
	put_text(m, "FILE_NAME", "/", 2);
	put_text(m, "FILE_NAME", "/", 2);
	put_objref(m, CKPT_OBJ_SIGHAND, first + 5);
	begin(m, "SIGHAND", 0);
	put(m);
	put_objref(m, CKPT_OBJ_SIGNAL, first + 6);
	begin(m, "SIGNAL", 0);
	put(m);
	if (task_ns) {
		begin(m, "TASK_NS", 0);
		set(m, "ns_objref", (uint32_t)first);
		put(m);
	}
	begin(m, "TASK_OBJS", 0);
	set(m, "mm_objref", (uint32_t)(first + 2));
	set(m, "files_objref", (uint32_t)(first + 3));
	set(m, "fs_objref", (uint32_t)(first + 4));
	set(m, "sighand_objref", (uint32_t)(first + 5));
	set(m, "signal_objref", (uint32_t)(first + 6));
	put(m);
}

/* A small rev 6 image for kernel p: the fixed opening, one task with its
 * creds, and the TAIL, with one thing broken. */
static void build_rev6(struct img *m, const struct ckpt_kernel_profile *p, enum breakage b)
{
	start(m, "linux-cr-rev6");
	begin(m, "HEADER", 0);
	set(m, "magic", 0x00feed0cc0a2d200ULL);
	set(m, "arch_id", ckpt_kernel_arch_id(p->arch));
	set(m, "major", p->major);
	set(m, "minor", p->minor);
	set(m, "patch", p->patch + (b == B_VERSION));
	set(m, "rev", 6);
	header_consts(m, p);
	if (b == B_CONST)
		set(m, "n_tty_buf_size", p->consts[ckpt_kernel_const_index("n_tty_buf_size")] + 1);
	set(m, "uflags", b == B_UFLAGS ? 0x81 : 0x1);
	put(m);
	put_text(m, "BUFFER", p->release, b == B_BUFFER_SIZE ? 64 : 65);
	put_text(m, "BUFFER", "#1 SMP", 65);
	put_text(m, "BUFFER", p->arch, 65);

	if (b == B_PREFIX_ORDER) {	/* CONTAINER before HEADER_ARCH */
		begin(m, "CONTAINER", 0);
		put(m);
		put_text(m, "BUFFER", "", 11);
		put_raw(m, type_of(m, "LSM_INFO"), NULL, 0);
	}
	begin(m, "HEADER_ARCH", 0);
	set(m, "has_fxsr", p->has_fxsr);
	set(m, "has_xsave", p->has_xsave);
	set(m, "xstate_size", p->xstate_size + (b == B_ARCH));
	if (b == B_PADDING)
		set(m, "_padding", 0x5a);
	put(m);
	if (b != B_PREFIX_ORDER) {
		begin(m, "CONTAINER", 0);
		put(m);
		if (b == B_LONG_TEXT || b == B_LONG_TEXT_UNTERMINATED || b == B_TEXT_HUGE) {
			/* A text past the reader's 1 MiB inline window, its NUL
			 * (or none) at the very end; or one of 17 MiB. */
			size_t n = b == B_TEXT_HUGE ? (size_t)17 << 20 : (size_t)2 << 20;
			char *t = malloc(n);

			memset(t, 'a', n);
			t[n - 1] = b == B_LONG_TEXT_UNTERMINATED ? 'z' : '\0';
			put_raw(m, type_of(m, "BUFFER"), t, n);
			free(t);
		} else {
			put_text(m, "BUFFER", "", 11);
		}
		put_raw(m, type_of(m, "LSM_INFO"), NULL, 0);
	}
	if (b == B_PREFIX_SHORT) {	/* the image stops before PIDS */
		tail(m, b);
		finish(m);
		return;
	}
	begin(m, "PIDS", 0);
	set(m, "nr_pids", 1);
	set(m, "nr_vpids", 1);
	put(m);
	const int32_t pids[] = { 0, 1 };

	put_raw(m, type_of(m, "BUFFER"), pids, sizeof(pids));
	put_objref(m, CKPT_OBJ_PID, 1);
	begin(m, "TREE", 0);
	set(m, "nr_tasks", 1);
	put(m);
	/* vpid, vppid, vtgid, vpgid, vsid, depth */
	int32_t row[6] = { 1, -4097, 1, 1, 1, 0 };
	uint8_t tree[24];

	if (b == B_PID_MARKER)
		row[1] = -4098;		/* not a marker the table names */
	for (int k = 0; k < 6; k++)
		ckpt_le_store(tree + 4 * k, 4, (uint32_t)row[k]);
	put_raw(m, type_of(m, "BUFFER"), tree, sizeof(tree));

	begin(m, "TASK", 0);
	set(m, "exit_signal", 17);
	put(m);
	if (b == B_UNTERMINATED)
		put_raw(m, type_of(m, "STRING"), "xxxxxxxxxxxxxxxx", 16);
	else if (b != B_FOLLOWER_MISSING)
		put_text(m, "STRING", "init", 16);
	if (b == B_FRAMING) {	/* a TASK_NS one byte too long */
		uint8_t junk[9] = { 0 };

		put_raw(m, type_of(m, "TASK_NS"), junk, sizeof(junk));
	}
	put_objref(m, CKPT_OBJ_USER_NS, 2);
	begin(m, "USER_NS", 0);
	put(m);
	put_objref(m, CKPT_OBJ_USER, 3);
	if (b == B_OBJREF_DUPLICATE)
		put_objref(m, CKPT_OBJ_PID, 1);
	begin(m, "USER", 0);
	set(m, "userns_ref", 2);
	put(m);
	put_objref(m, CKPT_OBJ_CRED, 4);
	begin(m, "CRED", 0);
	set(m, "user_ref", 3);
	put(m);
	begin(m, "TASK_CREDS", 0);
	set(m, "cred_ref", 4);
	set(m, "ecred_ref", b == B_OBJREF_UNDEFINED ? 9 : b == B_OBJREF_TYPE ? 3 : 4);
	put(m);
	/* PID objects have no record of their own: an OBJREF alone is whole. */
	if (b == B_OBJREF_INVALID)
		put_objref(m, CKPT_OBJ_PID, -3);
	if (b == B_OBJTYPE_UNKNOWN) {
		put_objref(m, 77, 5);
		begin(m, "TASK_NS", 0);
		set(m, "ns_objref", 5);	/* refers to it: only the type is wrong */
		put(m);
	}
	if (b == B_OBJREF_UNREFERENCED) {
		put_objref(m, CKPT_OBJ_USER_NS, 5);
		begin(m, "USER_NS", 0);
		put(m);
	}
	if (b == B_OBJREF_RECORD) {	/* a UTS_NS object without its record */
		put_objref(m, CKPT_OBJ_UTS_NS, 5);
		begin(m, "NS", 0);
		set(m, "uts_objref", 5);
		put(m);
	}
	if (b == B_ENUM_UNKNOWN) {
		begin(m, "RESTART_BLOCK", 0);
		set(m, "function_type", 99);
		put(m);
	}
	if (b == B_TYPE_UNKNOWN)
		put_raw(m, 7777, "ext", 3);
	if (b != B_FRAMING)
		put_live_task(m, 10, b != B_OBJTYPE_UNKNOWN, b);
	if (b == B_SECUREBITS) {	/* a bit no kernel knows, written raw */
		uint8_t caps[40] = { 0 };	/* the payload: securebits at record byte 40 */

		ckpt_le_store(caps + 32, 4, 0x10000);
		put_raw(m, type_of(m, "CAPABILITIES"), caps, sizeof(caps));
	}
	if (b == B_FILE_SHARED) {	/* the executable is open outside too */
		const struct ckpt_ext_user u = { 11, CKPT_OBJ_FILE, 3, CKPT_USERS_FD_KCMP, 0 };
		uint8_t rec[CKPT_EXT_USERS_HDR_LEN + CKPT_EXT_USER_LEN];
		size_t len = ckpt_ext_users_encode(&u, 1, rec);

		put_raw(m, CKPT_EXT_USERS, rec + 8, len - 8);
	}
	if (b == B_PEERS_ENTRY) {	/* peer facts about the executable */
		const struct ckpt_ext_peer pe = { .objref = 11, .ino = 77 };
		uint8_t rec[CKPT_EXT_PEERS_LEN];

		ckpt_ext_peer_encode(&pe, rec);
		put_raw(m, CKPT_EXT_PEERS, rec + 8, sizeof(rec) - 8);
	}
	tail(m, b);
	finish(m);
}

static void build_v17(struct img *m, const struct ckpt_kernel_profile *p, enum breakage b)
{
	start(m, "linux-cr-v17");
	begin(m, "HEADER", 0);
	set(m, "magic", 0x00feed0cc0a2d200ULL);
	set(m, "major", p->major);
	set(m, "minor", p->minor);
	set(m, "patch", p->patch);
	set(m, "rev", 1);
	header_consts(m, p);
	set(m, "uflags", b == B_UFLAGS ? 0x1 : 0);
	put(m);
	put_text(m, "BUFFER", p->release, 65);
	put_text(m, "BUFFER", "#1 SMP", 65);
	put_text(m, "BUFFER", p->arch, 65);
	begin(m, "TASK", 0);
	put(m);
	put_text(m, "STRING", "init", 16);
	if (b == B_TYPE_UNKNOWN)
		put_raw(m, 4242, "x", 1);
	tail(m, b);
	finish(m);
}

/* -- the semantic rules ------------------------------------------------------ */

/* What a semantics image gets wrong: each breaks one semantic rule. */
enum sem_breakage {
	S_NONE, S_PIDS_COUNT, S_PIDS_REST, S_PID_OBJECTS, S_TREE_COUNT, S_TREE_TASKS,
	S_TREE_PARENT, S_TREE_DUP_PID, S_TREE_LEADER, S_TREE_DEPTH, S_TREE_CHILD_DEPTH,
	S_THREAD_SHARED, S_VMA_UNALIGNED, S_VMA_BEYOND, S_VMA_EMPTY, S_VMA_ORDER, S_MAP_COUNT,
	S_PGARR_SHORT, S_PGARR_LONG, S_PAGE_OUTSIDE, S_PAGE_UNALIGNED, S_PAGE_DUPLICATE,
	S_CRED_CAPS, S_VSYSCALL, S_VSYSCALL_ANON,
	S_THREAD_PGID, S_SIGNAL_SHARED, S_NO_FS, S_BRK, S_NO_EXE, S_STACK_OUT, S_FILE_VMA, S_PGOFF,
	S_EUID, S_USERNS_SELF, S_EXIT_SIGNAL, S_PID_DUP, S_PID_ZERO, S_CPU_IP, S_CPU_SP, S_ROOT_EMPTY,
};

/* The fixed opening of a rev 6 image for kernel p, up to PIDS. */
static void rev6_opening(struct img *m, const struct ckpt_kernel_profile *p)
{
	start(m, "linux-cr-rev6");
	begin(m, "HEADER", 0);
	set(m, "magic", 0x00feed0cc0a2d200ULL);
	set(m, "arch_id", ckpt_kernel_arch_id(p->arch));
	set(m, "major", p->major);
	set(m, "minor", p->minor);
	set(m, "patch", p->patch);
	set(m, "rev", 6);
	header_consts(m, p);
	set(m, "uflags", 0x1);
	put(m);
	put_text(m, "BUFFER", p->release, 65);
	put_text(m, "BUFFER", "#1 SMP", 65);
	put_text(m, "BUFFER", p->arch, 65);
	begin(m, "HEADER_ARCH", 0);
	set(m, "has_fxsr", p->has_fxsr);
	set(m, "has_xsave", p->has_xsave);
	set(m, "xstate_size", p->xstate_size);
	put(m);
	begin(m, "CONTAINER", 0);
	put(m);
	put_text(m, "BUFFER", "", 11);
	put_raw(m, type_of(m, "LSM_INFO"), NULL, 0);
}

/* A PGARR and its BUFFER: n addresses, then `pages` pages (n unless a
 * breakage makes the buffer lie). */
static void put_pgarr(struct img *m, const uint64_t *addrs, size_t n, size_t pages)
{
	size_t len = 8 * n + 4096 * pages;
	uint8_t *buf = calloc(1, len);

	for (size_t i = 0; i < n; i++)
		ckpt_le_store(buf + 8 * i, 8, addrs[i]);
	begin(m, "PGARR", 0);
	set(m, "nr_pages", n);
	put(m);
	put_raw(m, type_of(m, "BUFFER"), buf, len);
	free(buf);
}

/* For the next VMA only: its pgoff and flags (0: the defaults). */
static uint64_t next_pgoff, next_flags;

static void put_vma_type(struct img *m, const char *type, uint64_t start, uint64_t end)
{
	begin(m, "VMA", 0);
	set_name(m, "vma_type", type);
	set(m, "vm_start", start);
	set(m, "vm_end", end);
	set(m, "vm_flags", next_flags ? next_flags : 0x100073);
	set(m, "vm_pgoff", next_pgoff);
	put(m);
	next_pgoff = next_flags = 0;
}

static void put_vma(struct img *m, uint64_t start, uint64_t end)
{
	put_vma_type(m, "ANON", start, end);
}

/* Objrefs of the semantics image. */
enum { S_PID1 = 1, S_PID2, S_PID3, S_USERNS, S_USER, S_CRED, S_MM, S_SIGHAND, S_SIGNAL, S_PID4,
       S_NS, S_EXE, S_FILES, S_FS, S_SIGNAL2, S_SIGHAND2 };

/* Three tasks: a root process, its thread, and a child process, with one
 * cred, one mm (two VMAs with pages), one sighand and one signal. */
/* EXT_USERS entries to write before the TAIL of a semantics image. */
static struct ckpt_ext_user sem_users[8];
static size_t n_sem_users;

static void build_sem(struct img *m, const struct ckpt_kernel_profile *p, enum sem_breakage b)
{
	rev6_opening(m, p);
	const int32_t flat[] = { 0, 100, 0, b == S_PID_DUP ? 100 : 101, 0, b == S_PID_ZERO ? 0 : 102, 0 };
	/* The root and its thread one pid namespace deeper than the child. */
	const int32_t nested[] = { 1, 100, 1, 1, 101, 1, 0, 102 };
	const int32_t *pids = b == S_TREE_CHILD_DEPTH ? nested : flat;
	size_t pids_len = b == S_TREE_CHILD_DEPTH ? sizeof(nested) :
			  b == S_PIDS_REST ? sizeof(flat) : sizeof(flat) - 4;

	begin(m, "PIDS", 0);
	set(m, "nr_pids", b == S_PIDS_COUNT ? 2 : 3);
	set(m, "nr_vpids", 3);
	put(m);
	put_raw(m, type_of(m, "BUFFER"), pids, pids_len);
	put_objref(m, CKPT_OBJ_PID, S_PID1);
	put_objref(m, CKPT_OBJ_PID, S_PID2);
	put_objref(m, CKPT_OBJ_PID, S_PID3);
	if (b == S_PID_OBJECTS)
		put_objref(m, CKPT_OBJ_PID, S_PID4);

	/* vpid, vppid, vtgid, vpgid, vsid, depth */
	int32_t rows[4][6] = {
		{ S_PID1, -4097, S_PID1, S_PID1, S_PID1, 0 },
		{ S_PID2, -4097, S_PID1, S_PID1, S_PID1, 0 },
		{ S_PID3, S_PID1, S_PID3, S_PID1, S_PID1, 0 },
		{ S_PID4, S_PID1, S_PID4, S_PID1, S_PID1, 0 },
	};
	size_t n_rows = 3, n_tasks = b == S_TREE_TASKS ? 4 : 3;

	switch (b) {
	case S_TREE_PARENT:
		rows[2][1] = -4097;	/* the child's parent outside the image */
		break;
	case S_TREE_DUP_PID:
		rows[2][0] = S_PID2;
		break;
	case S_TREE_LEADER:
		rows[1][1] = S_PID1;	/* a thread whose parent is not its leader's */
		break;
	case S_TREE_DEPTH:
		rows[2][5] = 1;
		break;
	case S_TREE_CHILD_DEPTH:
		rows[0][5] = rows[1][5] = 1;
		break;
	case S_THREAD_PGID:
		rows[1][3] = S_PID3;	/* a thread in another process group */
		break;
	default:
		break;
	}
	begin(m, "TREE", 0);
	set(m, "nr_tasks", b == S_TREE_COUNT ? 4 : n_rows);
	put(m);
	uint8_t tree[4 * 24];

	for (size_t i = 0; i < n_rows; i++)
		for (int k = 0; k < 6; k++)
			ckpt_le_store(tree + 24 * i + 4 * k, 4, (uint32_t)rows[i][k]);
	put_raw(m, type_of(m, "BUFFER"), tree, 24 * n_rows);

	for (size_t t = 0; t < n_tasks; t++) {
		begin(m, "TASK", 0);
		set(m, "exit_signal", t == 1 ? 0 : t == 0 && b == S_EXIT_SIGNAL ? 65 : 17);
		if (t == 3)
			set(m, "exit_state", 0x10);	/* EXIT_ZOMBIE */
		put(m);
		put_text(m, "STRING", t == 1 ? "worker" : "init", 16);
		if (t == 0) {
			put_objref(m, CKPT_OBJ_USER_NS, S_USERNS);
			begin(m, "USER_NS", 0);
			if (b == S_USERNS_SELF)
				set(m, "creator_ref", S_USERNS);
			put(m);
			put_objref(m, CKPT_OBJ_USER, S_USER);
			begin(m, "USER", 0);
			set(m, "userns_ref", S_USERNS);
			put(m);
			put_objref(m, CKPT_OBJ_CRED, S_CRED);
			begin(m, "CRED", 0);
			set(m, "user_ref", S_USER);
			set(m, "euid", b == S_EUID ? 0xffffffff : 0);
			set(m, "cap_permitted", 0x3);
			set(m, "cap_effective", b == S_CRED_CAPS ? 0x5 : 0x1);
			put(m);
			put_objref(m, CKPT_OBJ_NS, S_NS);
			begin(m, "NS", 0);
			put(m);
			put_objref(m, CKPT_OBJ_FILE, S_EXE);
			begin(m, "FILE", 0);
			set(m, "f_type", 1);
			put(m);
			put_text(m, "FILE_NAME", "/sbin/init", 11);
			put_objref(m, CKPT_OBJ_MM, S_MM);
			begin(m, "MM", 0);
			set(m, "map_count", b == S_MAP_COUNT || b == S_VSYSCALL || b == S_VSYSCALL_ANON ? 3 : 2);
			set(m, "exe_objref", S_EXE);
			set(m, "start_brk", 0x600000);
			set(m, "brk", b == S_BRK ? 0x5ff000 : 0x600000);
			set(m, "start_stack", b == S_VMA_ORDER ? 0x401800 : b == S_STACK_OUT ? 0x10 : 0x7fffff001000ULL);
			if (b == S_NO_EXE)
				set(m, "exe_objref", 0);
			put(m);
			put_raw(m, type_of(m, "BUFFER"), NULL, 0);	/* saved_auxv */
			next_pgoff = b == S_PGOFF ? UINT64_C(0x7fffffffffffff) : 0;
			next_flags = 0x100075;	/* the text: VM_EXEC */
			put_vma_type(m, b == S_FILE_VMA ? "FILE" : "ANON", 0x400000,
				     b == S_VMA_UNALIGNED ? 0x402800 : b == S_VMA_EMPTY ? 0x400000 : 0x402000);

			uint64_t text[] = { 0x400000, b == S_PAGE_OUTSIDE ? 0x402000 : b == S_PAGE_UNALIGNED ? 0x401010 : 0x401000 };

			put_pgarr(m, text, 2, b == S_PGARR_SHORT ? 1 : b == S_PGARR_LONG ? 3 : 2);
			begin(m, "PGARR", 0);
			put(m);
			uint64_t stack = b == S_VMA_ORDER ? 0x401000 : 0x7fffff000000ULL;

			put_vma(m, stack, b == S_VMA_BEYOND ? 0x800000000000ULL : stack + 0x2000);
			put_pgarr(m, &stack, 1, 1);
			if (b == S_PAGE_DUPLICATE)
				put_pgarr(m, &stack, 1, 1);
			begin(m, "PGARR", 0);
			put(m);
			/* The vsyscall gate area, as a producer reading maps saves it. */
			if (b == S_VSYSCALL || b == S_VSYSCALL_ANON) {
				put_vma_type(m, b == S_VSYSCALL ? "VDSO" : "ANON", 0xffffffffff600000ULL,
					     0xffffffffff601000ULL);
				begin(m, "PGARR", 0);
				put(m);
			}
			put_objref(m, CKPT_OBJ_SIGHAND, S_SIGHAND);
			begin(m, "SIGHAND", 0);
			put(m);
			put_objref(m, CKPT_OBJ_SIGNAL, S_SIGNAL);
			begin(m, "SIGNAL", 0);
			put(m);
			put_objref(m, CKPT_OBJ_FILE_TABLE, S_FILES);
			begin(m, "FILE_TABLE", 0);
			put(m);
			put_objref(m, CKPT_OBJ_FS, S_FS);
			begin(m, "FS", 0);
			put(m);
			put_text(m, "FILE_NAME", b == S_ROOT_EMPTY ? "" : "/", 2);
			put_text(m, "FILE_NAME", "/", 2);
			/* The child process shares the mm and handlers
			 * (CLONE_VM | CLONE_SIGHAND) but has its own signal. */
			put_objref(m, CKPT_OBJ_SIGNAL, S_SIGNAL2);
			begin(m, "SIGNAL", 0);
			put(m);
			if (b == S_THREAD_SHARED) {
				put_objref(m, CKPT_OBJ_SIGHAND, S_SIGHAND2);
				begin(m, "SIGHAND", 0);
				put(m);
			}
		}
		begin(m, "TASK_CREDS", 0);
		set(m, "cred_ref", S_CRED);
		set(m, "ecred_ref", S_CRED);
		put(m);
		/* The fourth task (S_TREE_TASKS) is a zombie: it needs nothing. */
		if (t <= 2) {
			begin(m, "TASK_NS", 0);
			set(m, "ns_objref", S_NS);
			put(m);
			begin(m, "TASK_OBJS", 0);
			set(m, "mm_objref", S_MM);
			set(m, "files_objref", S_FILES);
			set(m, "fs_objref", S_FS);
			set(m, "sighand_objref", b == S_THREAD_SHARED && t == 1 ? S_SIGHAND2 : S_SIGHAND);
			set(m, "signal_objref", t == 2 && b != S_SIGNAL_SHARED ? S_SIGNAL2 : S_SIGNAL);
			if (t == 2 && b == S_NO_FS)
				set(m, "fs_objref", 0);
			put(m);
		}
		/* The root runs in its text, on its stack (which the VMA
		 * breakages move or empty). */
		if (t == 0 && b != S_VMA_EMPTY && b != S_VMA_ORDER) {
			begin(m, "CPU", 0);
			set(m, "ip", b == S_CPU_IP ? 0x7fffff001000ULL : 0x400100);
			set(m, "sp", b == S_CPU_SP ? 0x300000 : 0x7fffff001800ULL);
			put(m);
		}
	}
	if (n_sem_users) {
		uint8_t rec[CKPT_EXT_USERS_HDR_LEN + 8 * CKPT_EXT_USER_LEN];
		size_t len = ckpt_ext_users_encode(sem_users, n_sem_users, rec);

		put_raw(m, CKPT_EXT_USERS, rec + 8, len - 8);
	}
	tail(m, B_NONE);
	finish(m);
}

static const struct {
	enum sem_breakage b;
	const char *rule;
} sem_cases[] = {
	{ S_PIDS_COUNT, "pids-count" },
	{ S_PIDS_REST, "pids-count" },
	{ S_PID_OBJECTS, "pids-count" },
	{ S_TREE_COUNT, "tree-count" },
	{ S_TREE_TASKS, "tree-count" },
	{ S_TREE_PARENT, "tree-shape" },
	{ S_TREE_DUP_PID, "tree-shape" },
	{ S_TREE_LEADER, "tree-shape" },
	{ S_TREE_DEPTH, "tree-depth" },
	{ S_TREE_CHILD_DEPTH, "tree-depth" },
	{ S_THREAD_SHARED, "thread-shared" },
	{ S_VMA_UNALIGNED, "vma-bounds" },
	{ S_VMA_BEYOND, "vma-bounds" },
	{ S_VMA_EMPTY, "vma-bounds" },
	{ S_VMA_ORDER, "vma-order" },
	{ S_MAP_COUNT, "mm-map-count" },
	{ S_PGARR_SHORT, "pgarr-size" },
	{ S_PGARR_LONG, "pgarr-size" },
	{ S_PAGE_OUTSIDE, "page-outside-vma" },
	{ S_PAGE_UNALIGNED, "page-outside-vma" },
	{ S_PAGE_DUPLICATE, "page-duplicate" },
	{ S_CRED_CAPS, "cred-caps" },
	{ S_VSYSCALL_ANON, "vma-bounds" },
	{ S_THREAD_PGID, "thread-group" },
	{ S_SIGNAL_SHARED, "signal-shared" },
	{ S_NO_FS, "task-refs" },
	{ S_BRK, "mm-brk" },
	{ S_NO_EXE, "mm-exe" },
	{ S_STACK_OUT, "mm-stack" },
	{ S_FILE_VMA, "vma-file" },
	{ S_PGOFF, "vma-pgoff" },
	{ S_EUID, "cred-ids" },
	{ S_USERNS_SELF, "userns-cycle" },
	{ S_EXIT_SIGNAL, "signal-range" },
	{ S_PID_DUP, "pid-number" },
	{ S_PID_ZERO, "pid-number" },
	{ S_CPU_IP, "cpu-ip" },
	{ S_CPU_SP, "cpu-sp" },
	{ S_ROOT_EMPTY, "fs-empty" },
};

static const struct {
	enum breakage b;
	const char *rule;
	enum ckpt_severity sev;
} rev6_cases[] = {
	{ B_FRAMING, "framing", CKPT_SEV_ERROR },
	{ B_TAIL_MISSING, "tail-missing", CKPT_SEV_ERROR },
	{ B_TAIL_MAGIC, "tail-magic", CKPT_SEV_ERROR },
	{ B_ERROR_RECORD, "image-error-record", CKPT_SEV_ERROR },
	{ B_TYPE_UNKNOWN, "type-unknown", CKPT_SEV_WARNING },
	{ B_PREFIX_ORDER, "prefix-order", CKPT_SEV_ERROR },
	{ B_PREFIX_SHORT, "prefix-order", CKPT_SEV_ERROR },
	{ B_FOLLOWER_MISSING, "follower-missing", CKPT_SEV_ERROR },
	{ B_ENUM_UNKNOWN, "enum-unknown", CKPT_SEV_WARNING },
	{ B_UNTERMINATED, "string-unterminated", CKPT_SEV_ERROR },
	{ B_PADDING, "padding-nonzero", CKPT_SEV_WARNING },
	{ B_UFLAGS, "header-uflags", CKPT_SEV_ERROR },
	{ B_BUFFER_SIZE, "header-buffer-size", CKPT_SEV_ERROR },
	{ B_VERSION, "kernel-version", CKPT_SEV_ERROR },
	{ B_CONST, "kernel-const", CKPT_SEV_ERROR },
	{ B_ARCH, "kernel-arch", CKPT_SEV_ERROR },
	{ B_OBJREF_INVALID, "objref-invalid", CKPT_SEV_ERROR },
	{ B_OBJREF_DUPLICATE, "objref-duplicate", CKPT_SEV_ERROR },
	{ B_OBJTYPE_UNKNOWN, "objtype-unknown", CKPT_SEV_ERROR },
	{ B_OBJREF_UNDEFINED, "objref-undefined", CKPT_SEV_ERROR },
	{ B_OBJREF_TYPE, "objref-type", CKPT_SEV_ERROR },
	{ B_OBJREF_UNREFERENCED, "objref-unreferenced", CKPT_SEV_WARNING },
	{ B_PID_MARKER, "objref-undefined", CKPT_SEV_ERROR },
	{ B_OBJREF_RECORD, "objref-record", CKPT_SEV_ERROR },
	{ B_SECUREBITS, "cred-securebits", CKPT_SEV_ERROR },
	{ B_PEERS_ENTRY, "peers-entry", CKPT_SEV_ERROR },
	{ B_FILE_SHARED, "file-reopen", CKPT_SEV_INFO },
	{ B_TTY, "file-peer-outside", CKPT_SEV_ERROR },
	{ B_SOCKET, "file-peer-outside", CKPT_SEV_ERROR },
	{ B_PIPE_ALONE, "file-peer-unknown", CKPT_SEV_WARNING },
};

/* -- tests ------------------------------------------------------------------- */

START_TEST(test_registry)
{
	size_t n;
	const struct ckpt_rule *const *rules = ckpt_check_rules(&n);

	/* No list of ids here: a new rule is a registry row and its own test.
	 * What every row must satisfy is checked instead. */
	ck_assert_uint_gt(n, 0);
	ck_assert_ptr_nonnull(ckpt_check_rule("framing"));
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(rules[i]->id && strspn(rules[i]->id, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
			      strlen(rules[i]->id) && rules[i]->id[0] >= 'a', "rule %zu: id", i);
		ck_assert_ptr_eq(ckpt_check_rule(rules[i]->id), rules[i]);
		ck_assert_msg(rules[i]->doc && rules[i]->doc[0], "%s: no doc", rules[i]->id);
		ck_assert_msg(rules[i]->dialects && !(rules[i]->dialects & ~CKPT_DIALECTS_ALL),
			      "%s: dialects", rules[i]->id);
		ck_assert_ptr_nonnull(rules[i]->family);
		for (size_t k = 0; k < i; k++) {
			ck_assert_str_ne(rules[i]->id, rules[k]->id);
			/* Families in turn: ckptcheck(1) has one section each. */
			if (k + 1 < i && strcmp(rules[k]->family, rules[k + 1]->family) != 0)
				ck_assert_msg(strcmp(rules[k]->family, rules[i]->family) != 0,
					      "%s: family %s split", rules[i]->id, rules[i]->family);
		}
	}
	ck_assert_ptr_null(ckpt_check_rule("no-such-rule"));

	struct ckpt_check *c = ckpt_check_new(NULL);

	ck_assert_int_eq(ckpt_check_only(c, "no-such-rule"), -1);
	ck_assert_int_eq(ckpt_check_skip(c, "nope"), -1);
	ck_assert_int_eq(ckpt_check_only(c, "tail-magic"), 0);
	ck_assert_int_eq(ckpt_check_skip(c, "tail-magic"), 0);
	ckpt_check_free(c);
}
END_TEST

START_TEST(test_samples)
{
	struct ckpt_kernel_profile rev6 = sample_rev6_kernel(), v17 = sample_v17_kernel(), run = running();
	static const struct {
		const char *name;
		int kernel;	/* 0 running, 1 v17, 2 rev6 */
		const char *error_rule;	/* the one error, or NULL */
	} samples[] = {
		{ "v17-task.ckpt", 1, NULL },
		{ "v17-error.ckpt", 1, "image-error-record" },
		{ "rev6-tasks.ckpt", 2, NULL },
		{ "linuxcr-creds.ckpt", 0, NULL },
	};

	for (size_t i = 0; i < CKPT_ARRAY_LEN(samples); i++) {
		size_t len;
		unsigned char *buf = read_sample(samples[i].name, &len);
		struct ckpt_check_options opt = {
			.target = samples[i].kernel == 2 ? &rev6 : samples[i].kernel == 1 ? &v17 : &run,
		};
		struct found *fd = malloc(sizeof(*fd));

		check_mem(buf, len, &opt, fd);
		ck_assert(fd->opened);
		ck_assert(fd->sum.read_whole);
		ck_assert_msg(fd->sum.warnings == 0, "%s: %s", samples[i].name, list_found(fd));
		if (samples[i].error_rule) {
			ck_assert_msg(fd->sum.errors == 1, "%s: %s", samples[i].name, list_found(fd));
			ck_assert_uint_eq(count_rule(fd, samples[i].error_rule), 1);
			ck_assert(strstr(fd->f[0].message, "is not frozen") != NULL);
		} else {
			ck_assert_msg(fd->sum.errors == 0, "%s: %s", samples[i].name, list_found(fd));
		}
		free(fd);
		free(buf);
	}
}
END_TEST

START_TEST(test_rule_per_breakage)
{
	struct ckpt_kernel_profile p = running();
	struct ckpt_check_options opt = { .target = &p, .target_name = "the test kernel" };
	struct found *fd = malloc(sizeof(*fd));
	struct img m;

	build_rev6(&m, &p, B_NONE);
	check_mem(m.buf, m.len, &opt, fd);
	ck_assert_msg(fd->n == 0, "the unbroken image: %s", list_found(fd));
	free(m.buf);

	for (size_t i = 0; i < CKPT_ARRAY_LEN(rev6_cases); i++) {
		build_rev6(&m, &p, rev6_cases[i].b);
		check_mem(m.buf, m.len, &opt, fd);
		expect_only(fd, rev6_cases[i].rule, rev6_cases[i].sev);
		/* --skip of the rule silences it. */
		struct ckpt_error err;
		struct ckpt_image *img = ckpt_image_open_mem(m.buf, m.len, &err);
		struct ckpt_check *c = ckpt_check_new(&opt);
		struct found *fd2 = malloc(sizeof(*fd2));

		memset(fd2, 0, sizeof(*fd2));
		ck_assert_int_eq(ckpt_check_skip(c, rev6_cases[i].rule), 0);
		ck_assert_int_eq(ckpt_check_image(c, img, collect, fd2, NULL), 0);
		ck_assert_uint_eq(count_rule(fd2, rev6_cases[i].rule), 0);
		free(fd2);
		ckpt_check_free(c);
		ckpt_image_close(img);
		free(m.buf);
	}

	/* --strict: a warning rule's findings are errors. */
	opt.strict = true;
	build_rev6(&m, &p, B_OBJREF_UNREFERENCED);
	check_mem(m.buf, m.len, &opt, fd);
	expect_only(fd, "objref-unreferenced", CKPT_SEV_ERROR);
	free(m.buf);

	/* --allow-version-mismatch: the same finding, as a warning, which
	 * --strict leaves alone: the option asked for it. */
	opt.allow_version_mismatch = true;
	build_rev6(&m, &p, B_VERSION);
	check_mem(m.buf, m.len, &opt, fd);
	expect_only(fd, "kernel-version", CKPT_SEV_WARNING);
	ck_assert_uint_eq(fd->sum.errors, 0);
	free(m.buf);
	free(fd);
}
END_TEST

START_TEST(test_v17_rules)
{
	struct ckpt_kernel_profile p = sample_v17_kernel();
	struct ckpt_check_options opt = { .target = &p };
	struct found *fd = malloc(sizeof(*fd));
	struct img m;

	build_v17(&m, &p, B_NONE);
	check_mem(m.buf, m.len, &opt, fd);
	ck_assert_msg(fd->n == 0, "%s", list_found(fd));
	free(m.buf);
	/* v17's restart accepts no uflags and no type it does not expect. */
	build_v17(&m, &p, B_UFLAGS);
	check_mem(m.buf, m.len, &opt, fd);
	expect_only(fd, "header-uflags", CKPT_SEV_ERROR);
	free(m.buf);
	build_v17(&m, &p, B_TYPE_UNKNOWN);
	check_mem(m.buf, m.len, &opt, fd);
	expect_only(fd, "type-unknown", CKPT_SEV_ERROR);
	free(m.buf);
	build_v17(&m, &p, B_TAIL_MISSING);
	check_mem(m.buf, m.len, &opt, fd);
	expect_only(fd, "tail-missing", CKPT_SEV_ERROR);
	free(m.buf);
	free(fd);
}
END_TEST

START_TEST(test_profile_round_trip)
{
	struct ckpt_kernel_profile p = running(), q, r;
	char *text = NULL;
	size_t len = 0;
	char err[256];
	FILE *f = open_memstream(&text, &len);

	ck_assert_int_eq(ckpt_kernel_profile_write(&p, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_msg(ckpt_kernel_profile_parse(text, len, &q, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(memcmp(&p, &q, sizeof(p)), 0);

	/* An image of the running kernel passes against the saved profile. */
	struct ckpt_check_options opt = { .target = &q };
	struct found *fd = malloc(sizeof(*fd));
	struct img m;

	build_rev6(&m, &p, B_NONE);
	check_mem(m.buf, m.len, &opt, fd);
	ck_assert_msg(fd->n == 0, "%s", list_found(fd));

	/* One changed constant: exactly one kernel-const finding, naming it. */
	for (int i = 0; i < CKPT_KERNEL_NCONST; i++) {
		r = q;
		r.consts[i]++;
		opt.target = &r;
		check_mem(m.buf, m.len, &opt, fd);
		ck_assert_msg(fd->n == 1, "%s: %s", ckpt_kernel_const_names[i], list_found(fd));
		ck_assert_str_eq(fd->f[0].rule->id, "kernel-const");
		ck_assert(strstr(fd->f[0].message, ckpt_kernel_const_names[i]) != NULL);
	}
	free(m.buf);
	free(fd);

	/* Malformed profiles name the offending key. */
	static const struct {
		const char *from, *to, *key;
	} bad[] = {
		{ "\"n_tty_buf_size\"", "\"n_tty_buf_sz\"", "constants.n_tty_buf_size" },
		{ "\"major\": ", "\"major\": -", "kernel.major" },
		{ "\"has_xsave\": ", "\"has_xsave\": 7 + ", "line" },
		{ "\"arch\": ", "\"arch\": 1, \"x\": ", "arch" },
		{ "\"ckpt-kernel-profile\"", "\"something-else\"", "format" },
	};

	for (size_t i = 0; i < CKPT_ARRAY_LEN(bad); i++) {
		char *t = malloc(len + 64);
		const char *at = strstr(text, bad[i].from);

		ck_assert_ptr_nonnull(at);
		size_t pre = (size_t)(at - text);

		snprintf(t, len + 64, "%.*s%s%s", (int)pre, text, bad[i].to, at + strlen(bad[i].from));
		ck_assert_int_eq(ckpt_kernel_profile_parse(t, strlen(t), &r, err, sizeof(err)), -1);
		ck_assert_msg(strstr(err, bad[i].key) != NULL, "%s: %s", bad[i].key, err);
		free(t);
	}
	ck_assert_int_eq(ckpt_kernel_profile_parse("[]", 2, &r, err, sizeof(err)), -1);
	ck_assert_int_eq(ckpt_kernel_profile_load("/nonexistent/profile.json", &r, err, sizeof(err)), -1);
	free(text);
}
END_TEST

/* Each semantic breakage fires exactly its rule (no other error), once. */
START_TEST(test_semantic_rules)
{
	struct ckpt_kernel_profile p = running();
	struct ckpt_check_options opt = { .target = &p };
	struct found *fd = malloc(sizeof(*fd));
	struct img m;

	build_sem(&m, &p, S_NONE);
	check_mem(m.buf, m.len, &opt, fd);
	ck_assert_msg(fd->n == 0, "the unbroken image: %s", list_found(fd));
	free(m.buf);
	build_sem(&m, &p, S_VSYSCALL);
	check_mem(m.buf, m.len, &opt, fd);
	ck_assert_msg(fd->n == 0, "a VDSO VMA of the vsyscall page: %s", list_found(fd));
	free(m.buf);
	/* With digests over the broken records, and without any: the rules
	 * judge the records, not the digests. */
	for (int plain = 0; plain <= 1; plain++) {
		plain_images = plain;
		for (size_t i = 0; i < CKPT_ARRAY_LEN(sem_cases); i++) {
			build_sem(&m, &p, sem_cases[i].b);
			check_mem(m.buf, m.len, &opt, fd);
			if (plain)	/* digest-none is an info line */
				ck_assert_uint_eq(count_rule(fd, "digest-none"), 1);
			expect_only(fd, sem_cases[i].rule, CKPT_SEV_ERROR);
			ck_assert_msg(count_rule(fd, sem_cases[i].rule) == 1, "case %zu: %s", i, list_found(fd));
			free(m.buf);
		}
	}
	plain_images = false;
	free(fd);
}
END_TEST

/* The refcount rules, on the semantics image with EXT_USERS entries. */
START_TEST(test_refcount_rules)
{
	struct ckpt_kernel_profile p = running();
	struct ckpt_check_options opt = { .target = &p };
	struct found *fd = malloc(sizeof(*fd));
	/* What the image itself gives: mm and sighand 3 users (the root, its
	 * thread and its CLONE_VM child), signal 2 (the root and its thread),
	 * the user namespace 3 (every task's cred). */
	static const struct ckpt_ext_user good[] = {
		{ S_MM, CKPT_OBJ_MM, 3, CKPT_USERS_KCMP, 0 },
		{ S_SIGHAND, CKPT_OBJ_SIGHAND, 3, CKPT_USERS_KCMP, 0 },
		{ S_SIGNAL, CKPT_OBJ_SIGNAL, 2, CKPT_USERS_KCMP, 0 },
		{ S_USERNS, CKPT_OBJ_USER_NS, 3, CKPT_USERS_NS_INODE, 4026531837u },
	};
	static const struct {
		size_t entry;		/* of good[]; or 4: an extra entry */
		struct ckpt_ext_user u;
		const char *rule;
		enum ckpt_severity sev, strict_sev;
	} cases[] = {
		{ 0, { S_MM, CKPT_OBJ_MM, 4, CKPT_USERS_KCMP, 0 }, "users-external", CKPT_SEV_ERROR, CKPT_SEV_ERROR },
		{ 2, { S_SIGNAL, CKPT_OBJ_SIGNAL, 1, CKPT_USERS_KCMP, 0 }, "users-undercount", CKPT_SEV_ERROR, CKPT_SEV_ERROR },
		/* A subtree checkpoint shares namespaces with its host: never
		 * an error, not even with --strict. */
		{ 3, { S_USERNS, CKPT_OBJ_USER_NS, 40, CKPT_USERS_NS_INODE, 4026531837u }, "users-external",
		  CKPT_SEV_INFO, CKPT_SEV_INFO },
		{ 4, { 77, CKPT_OBJ_FS, 1, CKPT_USERS_KCMP, 0 }, "users-entry", CKPT_SEV_ERROR, CKPT_SEV_ERROR },
		{ 4, { S_CRED, CKPT_OBJ_MM, 1, CKPT_USERS_KCMP, 0 }, "users-entry", CKPT_SEV_ERROR, CKPT_SEV_ERROR },
		{ 4, { S_CRED, CKPT_OBJ_CRED, 1, CKPT_USERS_KCMP, 0 }, "users-entry", CKPT_SEV_ERROR, CKPT_SEV_ERROR },
		{ 4, { S_MM, CKPT_OBJ_MM, 3, CKPT_USERS_KCMP, 0 }, "users-entry", CKPT_SEV_ERROR, CKPT_SEV_ERROR },
	};
	struct img m;

	memcpy(sem_users, good, sizeof(good));
	n_sem_users = CKPT_ARRAY_LEN(good);
	build_sem(&m, &p, S_NONE);
	check_mem(m.buf, m.len, &opt, fd);
	ck_assert_msg(fd->n == 0, "the unbroken image: %s", list_found(fd));
	free(m.buf);
	for (size_t i = 0; i < CKPT_ARRAY_LEN(cases); i++) {
		memcpy(sem_users, good, sizeof(good));
		n_sem_users = CKPT_ARRAY_LEN(good) + (cases[i].entry == CKPT_ARRAY_LEN(good));
		sem_users[cases[i].entry] = cases[i].u;
		build_sem(&m, &p, S_NONE);
		opt.strict = false;
		check_mem(m.buf, m.len, &opt, fd);
		expect_only(fd, cases[i].rule, cases[i].sev);
		ck_assert_msg(count_rule(fd, cases[i].rule) == 1, "case %zu: %s", i, list_found(fd));
		opt.strict = true;
		check_mem(m.buf, m.len, &opt, fd);
		expect_only(fd, cases[i].rule, cases[i].strict_sev);
		free(m.buf);
	}
	n_sem_users = 0;
	free(fd);
}
END_TEST

/* The record index and offset of the n-th (from 0) record of a type. */
static bool find_record(const void *buf, size_t len, const char *name, int nth, struct ckpt_record *out)
{
	struct ckpt_error err;
	struct ckpt_image *img = ckpt_image_open_mem(buf, len, &err);
	struct ckpt_record rec;
	bool found = false;

	while (!found && ckpt_image_next_record(img, &rec) == 1)
		if (rec.rt && strcmp(rec.rt->name, name) == 0 && nth-- == 0) {
			*out = rec;
			found = true;
		}
	ckpt_image_close(img);
	return found;
}

/* The integrity rules: one corrupted or rearranged image each. */
START_TEST(test_integrity_rules)
{
	struct ckpt_kernel_profile p = running();
	struct ckpt_check_options opt = { .target = &p };
	struct found *fd = malloc(sizeof(*fd));
	struct ckpt_record r;
	struct img m;

	build_sem(&m, &p, S_NONE);
	check_mem(m.buf, m.len, &opt, fd);
	ck_assert_msg(fd->n == 0, "the unbroken image: %s", list_found(fd));

	/* A flipped bit in page data: the page run is named. */
	ck_assert(find_record(m.buf, m.len, "PGARR", 0, &r));
	m.buf[r.offset + r.len + 8 + 16 + 100] ^= 0x10;
	check_mem(m.buf, m.len, &opt, fd);
	expect_only(fd, "digest-mismatch", CKPT_SEV_ERROR);
	ck_assert_uint_eq(fd->sum.errors, 1);
	ck_assert_uint_eq(fd->f[0].index, r.index + 1);
	ck_assert_msg(strstr(fd->f[0].message, "2 pages in 0x400000-0x402000 of the VMA 0x400000-0x402000"),
		      "%s", fd->f[0].message);
	m.buf[r.offset + r.len + 8 + 16 + 100] ^= 0x10;

	/* A flipped bit in a CRED's capabilities that stay a subset. */
	ck_assert(find_record(m.buf, m.len, "CRED", 0, &r));
	m.buf[r.offset + 64] ^= 0x80;	/* cap_permitted gains a bit */
	check_mem(m.buf, m.len, &opt, fd);
	expect_only(fd, "digest-mismatch", CKPT_SEV_ERROR);
	ck_assert_uint_eq(fd->f[0].index, r.index);
	ck_assert_str_eq(fd->f[0].record, "CRED");
	m.buf[r.offset + 64] ^= 0x80;

	/* A flipped bit in the digest record itself. */
	ck_assert(find_record(m.buf, m.len, "EXT_DIGEST", 0, &r));
	m.buf[r.offset + 40] ^= 1;
	check_mem(m.buf, m.len, &opt, fd);
	expect_only(fd, "digest-self", CKPT_SEV_ERROR);
	ck_assert_uint_eq(fd->sum.errors, 1);
	m.buf[r.offset + 40] ^= 1;

	/* A record cut out (the third task's TASK_CREDS): coverage, and no
	 * innocent record blamed; the task without credentials is itself a
	 * finding, digests or not (task-refs). */
	ck_assert(find_record(m.buf, m.len, "TASK_CREDS", 2, &r));
	size_t cut_len = m.len - r.len;
	char *cut = malloc(cut_len);

	memcpy(cut, m.buf, r.offset);
	memcpy(cut + r.offset, m.buf + r.offset + r.len, m.len - r.offset - r.len);
	check_mem(cut, cut_len, &opt, fd);
	ck_assert_uint_eq(count_rule(fd, "digest-coverage"), 1);
	ck_assert_uint_eq(count_rule(fd, "task-refs"), 1);
	ck_assert_msg(fd->sum.errors == 2, "%s", list_found(fd));
	free(cut);
	free(m.buf);

	/* No digests: an info line, an error with --strict. */
	plain_images = true;
	build_sem(&m, &p, S_NONE);
	plain_images = false;
	check_mem(m.buf, m.len, &opt, fd);
	expect_only(fd, "digest-none", CKPT_SEV_INFO);
	ck_assert_uint_eq(fd->n, 1);
	opt.strict = true;
	check_mem(m.buf, m.len, &opt, fd);
	expect_only(fd, "digest-none", CKPT_SEV_ERROR);
	free(m.buf);
	free(fd);
}
END_TEST

START_TEST(test_release_parse)
{
	unsigned a, b, c;

	ck_assert(ckpt_kernel_parse_release("6.1.0-18-amd64", &a, &b, &c));
	ck_assert(a == 6 && b == 1 && c == 0);
	ck_assert(ckpt_kernel_parse_release("2.6.37-ckpt-v23", &a, &b, &c));
	ck_assert(a == 2 && b == 6 && c == 37);
	ck_assert(ckpt_kernel_parse_release("5.15", &a, &b, &c));
	ck_assert(a == 5 && b == 15 && c == 0);
	ck_assert(!ckpt_kernel_parse_release("linux", &a, &b, &c));
	ck_assert_uint_eq(ckpt_kernel_arch_id("x86_64"), 2);
	ck_assert_uint_eq(ckpt_kernel_arch_id("i686"), 1);
	ck_assert_uint_eq(ckpt_kernel_arch_id("riscv64"), 0);
}
END_TEST

/* Open files: declared externals, long texts, names in findings. */
START_TEST(test_gate_files)
{
	struct ckpt_kernel_profile p = running();
	struct ckpt_external ext = { CKPT_EXTERNAL_FD, 1, 0 };
	struct ckpt_check_options opt = { .target = &p };
	struct found *fd = malloc(sizeof(*fd));
	struct img m;

	/* A terminal declared external: an info line, go. */
	build_rev6(&m, &p, B_TTY);
	opt.externals = &ext;
	opt.n_externals = 1;
	check_mem(m.buf, m.len, &opt, fd);
	expect_only(fd, "file-peer-outside", CKPT_SEV_INFO);
	ck_assert_uint_eq(fd->sum.errors, 0);
	ck_assert_msg(strstr(fd->f[0].message, "task 1 (init) fd 0: /dev/pts/3 (terminal)") != NULL,
		      "%s", fd->f[0].message);
	/* Another descriptor declared: still an error. */
	ext.fd = 1;
	check_mem(m.buf, m.len, &opt, fd);
	expect_only(fd, "file-peer-outside", CKPT_SEV_ERROR);
	ck_assert(strstr(fd->f[0].message, "--external fd:1:0") != NULL);
	free(m.buf);
	opt.externals = NULL;
	opt.n_externals = 0;

	/* A file also open outside names task, fd and path; --strict keeps
	 * it an info line. */
	build_rev6(&m, &p, B_FILE_SHARED);
	opt.strict = true;
	check_mem(m.buf, m.len, &opt, fd);
	expect_only(fd, "file-reopen", CKPT_SEV_INFO);
	ck_assert_msg(strstr(fd->f[0].message, "task 1 (init) fd 0: /sbin/init is also open outside") != NULL,
		      "%s", fd->f[0].message);
	free(m.buf);
	free(fd);
}
END_TEST

/* Texts past the reader's 1 MiB inline window (cases of their own, for
 * their size): 2 MiB with its NUL at the end passes, without one it is
 * unterminated; more than 16 MiB claims too much. */
START_TEST(test_text_size)
{
	struct ckpt_kernel_profile p = running();
	struct ckpt_check_options opt = { .target = &p };
	struct found *fd = malloc(sizeof(*fd));
	struct img m;

	build_rev6(&m, &p, B_LONG_TEXT);
	check_mem(m.buf, m.len, &opt, fd);
	ck_assert_msg(fd->n == 0, "a 2 MiB text: %s", list_found(fd));
	free(m.buf);
	build_rev6(&m, &p, B_LONG_TEXT_UNTERMINATED);
	check_mem(m.buf, m.len, &opt, fd);
	expect_only(fd, "string-unterminated", CKPT_SEV_ERROR);
	free(m.buf);
	build_rev6(&m, &p, B_TEXT_HUGE);
	check_mem(m.buf, m.len, &opt, fd);
	expect_only(fd, "text-size", CKPT_SEV_ERROR);
	free(m.buf);
	free(fd);
}
END_TEST

/* --external fd:PID:FD, shared with ckptrestore. */
START_TEST(test_external_parse)
{
	struct ckpt_external x;
	char err[200];

	ck_assert_int_eq(ckpt_external_parse("fd:1234:1", &x, err, sizeof err), 0);
	ck_assert(x.kind == CKPT_EXTERNAL_FD && x.pid == 1234 && x.fd == 1);
	ck_assert_int_eq(ckpt_external_parse("fd:2147483647:0", &x, err, sizeof err), 0);
	ck_assert_int_eq(x.pid, 2147483647);
	ck_assert(ckpt_external_match(&x, 1, 2147483647, 0));
	ck_assert(!ckpt_external_match(&x, 1, 2147483647, 1));
	static const char *const bad[] = {
		"", "fd", "fd:", "fd:1", "fd:1:", "fd:0:1", "fd:-1:1", "fd:1:-1", "fd:1:2:3",
		"fd:2147483648:1", "fd:1:2147483648", "fd:99999999999999999999999:1",
		"pipe:1:1", "fd: 1:1", "fd:1:1 ", "fd:0x10:1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		ck_assert_msg(ckpt_external_parse(bad[i], &x, err, sizeof err) == -1, "%s", bad[i]);
		ck_assert_msg(strstr(err, "fd:PID:FD") != NULL, "%s: %s", bad[i], err);
	}
	/* Control bytes of the argument never reach the message raw. */
	ck_assert_int_eq(ckpt_external_parse("fd:\x1b[2J:\a", &x, err, sizeof err), -1);
	ck_assert_ptr_null(strchr(err, 0x1b));
	ck_assert_ptr_null(strchr(err, '\a'));
	ck_assert_int_eq(ckpt_external_parse(NULL, &x, NULL, 0), -1);
}
END_TEST

/* The table facilities the rules rely on: pid markers in TREE entries,
 * and the one CHARS field that has no NUL by design. */
START_TEST(test_table_facilities)
{
	const struct ckpt_schema *r6 = ckpt_schema_for(CKPT_DIALECT_REV6);
	const struct ckpt_rtype *tree = ckpt_schema_type_by_name(r6, "TREE");
	const struct ckpt_layout *l = &tree->follows[0].layout;
	size_t n;
	const struct ckpt_schema *const *all = ckpt_schemas(&n);
	size_t unterminated = 0;

	ck_assert_int_eq(l->kind, CKPT_L_STRUCTS);
	for (size_t i = 0; i < l->n_elem; i++) {
		if (l->elem[i].kind != CKPT_K_OBJREF)
			continue;
		ck_assert_ptr_nonnull(l->elem[i].specials);
		ck_assert_str_eq(ckpt_names_lookup(l->elem[i].specials, (uint64_t)(int64_t)-4097),
				 "CKPT_PID_ROOT");
		ck_assert_str_eq(ckpt_names_lookup(l->elem[i].specials, (uint64_t)(int64_t)-4096),
				 "CKPT_PID_NULL");
	}
	for (size_t k = 0; k < n; k++) {
		const struct ckpt_schema *s = all[k];

		for (size_t t = 0; t <= s->n_types; t++) {
			const struct ckpt_rtype *rt = t < s->n_types ? &s->types[t] : s->preamble;

			for (size_t f = 0; rt && f < rt->n_fields; f++)
				if (rt->fields[f].no_nul) {
					ck_assert_int_eq(rt->fields[f].kind, CKPT_K_CHARS);
					ck_assert_str_eq(rt->fields[f].name, "signature");
					unterminated++;
				}
		}
	}
	ck_assert_uint_eq(unterminated, 1);
}
END_TEST

/* -- corruption of the rev 6 sample ------------------------------------------- */

/* Byte offsets whose corruption a rule can judge: record frames, the
 * header magic, and objref fields (OBJREF records and every OBJREF field). */
enum { SPOT_NONE, SPOT_JUDGED, SPOT_OBJREF_FIELD };

struct spots {
	unsigned char *judged;		/* SPOT_* per byte */
	uint32_t *field_at;		/* SPOT_OBJREF_FIELD: where the field starts */
	size_t len;
};

struct spot_walk {
	struct spots *sp;
	const unsigned char *buf;
};

static void mark(struct spots *sp, uint64_t from, uint64_t n)
{
	for (uint64_t i = from; i < from + n && i < sp->len; i++)
		sp->judged[i] = SPOT_JUDGED;
}

static void sw_field(void *arg, const struct ckpt_field *f, const uint8_t *base)
{
	struct spot_walk *w = arg;

	if (f->kind == CKPT_K_OBJREF && base >= w->buf && base < w->buf + w->sp->len) {
		uint64_t at = (uint64_t)(base - w->buf) + f->offset;

		for (uint64_t i = at; i < at + f->width && i < w->sp->len; i++) {
			w->sp->judged[i] = SPOT_OBJREF_FIELD;
			w->sp->field_at[i] = (uint32_t)at;
		}
	}
}
static void sw_ab(void *a, const char *n, uint64_t c, bool s) { (void)a, (void)n, (void)c, (void)s; }
static void sw_eb(void *a, uint64_t i, const char *n) { (void)a, (void)i, (void)n; }
static void sw_none(void *a) { (void)a; }
static void sw_text(void *a, const char *n, const uint8_t *s, size_t l, bool t) { (void)a, (void)n, (void)s, (void)l, (void)t; }
static void sw_bb(void *a, const char *n, uint64_t t, uint64_t b) { (void)a, (void)n, (void)t, (void)b; }
static void sw_b(void *a, uint64_t o, const uint8_t *p, size_t n) { (void)a, (void)o, (void)p, (void)n; }
static void sw_note(void *a, const char *m) { (void)a, (void)m; }

static void find_spots(const unsigned char *buf, size_t len, struct spots *sp)
{
	static const struct ckpt_walk_ops ops = {
		.field = sw_field, .array_begin = sw_ab, .elem_begin = sw_eb, .elem_end = sw_none,
		.array_end = sw_none, .text = sw_text, .bytes_begin = sw_bb, .bytes = sw_b,
		.bytes_end = sw_none, .note = sw_note,
	};
	struct ckpt_error err;
	struct ckpt_image *img = ckpt_image_open_mem(buf, len, &err);
	struct spot_walk w = { sp, buf };
	struct ckpt_roles roles;
	struct ckpt_record rec;
	struct ckpt_role role;

	sp->len = len;
	sp->judged = calloc(len, 1);
	sp->field_at = calloc(len, sizeof(*sp->field_at));
	ck_assert_ptr_nonnull(img);
	mark(sp, 8, 8);		/* header magic */
	ckpt_roles_init(&roles);
	while (ckpt_image_next_record(img, &rec) == 1) {
		ckpt_roles_next(&roles, &rec, &role);
		mark(sp, rec.offset, rec.hdr_len);
		if (rec.type == 6)	/* OBJREF: objtype and objref */
			mark(sp, rec.offset + 8, 8);
		if (ckpt_record_layout(&rec, &role) != CKPT_L_PAGES)
			ck_assert_int_eq(ckpt_walk_record(img, &rec, &role, NULL, &ops, &w), 0);
	}
	ckpt_image_close(img);
}

START_TEST(test_rev6_truncations)
{
	size_t len;
	unsigned char *buf = read_sample("rev6-tasks.ckpt", &len);
	struct ckpt_kernel_profile p = sample_rev6_kernel();
	struct ckpt_check_options opt = { .target = &p };
	struct found *fd = malloc(sizeof(*fd));

	for (size_t cut = 0; cut < len; cut++) {
		/* A copy of exactly cut bytes, so ASan sees any over-read. */
		unsigned char *part = malloc(cut ? cut : 1);

		memcpy(part, buf, cut);
		check_mem(part, cut, &opt, fd);
		ck_assert_msg(!fd->opened || fd->sum.errors > 0, "cut at %zu passes", cut);
		free(part);
	}
	free(fd);
	free(buf);
}
END_TEST

START_TEST(test_rev6_bit_flips)
{
	size_t len;
	unsigned char *buf = read_sample("rev6-tasks.ckpt", &len);
	struct ckpt_kernel_profile p = sample_rev6_kernel();
	struct ckpt_check_options opt = { .target = &p };
	struct found *fd = malloc(sizeof(*fd));
	struct spots sp;
	size_t flips = 0, passed = 0, to_none = 0;

	find_spots(buf, len, &sp);
	for (size_t at = 0; at < len; at += at < 2048 ? 1 : 97) {
		for (int bit = 0; bit < 8; bit++) {
			buf[at] ^= (unsigned char)(1u << bit);
			check_mem(buf, len, &opt, fd);
			/* An objref field flipped to 0 ("none") or to a marker
			 * is another valid image, not a judgeable fault. */
			int64_t v = sp.judged[at] == SPOT_OBJREF_FIELD
				? (int32_t)ckpt_le_load(buf + sp.field_at[at], 4) : 1;
			bool valid_value = v == 0 || v == -4096 || v == -4097;

			buf[at] ^= (unsigned char)(1u << bit);
			flips++;
			/* It has no digests to tell. */
			if (fd->opened && fd->n == count_rule(fd, "digest-none")) {
				passed++;
				if (sp.judged[at] == SPOT_OBJREF_FIELD && valid_value) {
					to_none++;
					continue;
				}
				ck_assert_msg(sp.judged[at] == SPOT_NONE,
					      "flip of bit %d at byte %zu passes unnoticed", bit, at);
			}
		}
	}
	fprintf(stderr, "# rev6 bit flips: %zu tried, %zu pass unnoticed: %zu turn an objref into "
		"0 (none), the rest lie in fields no rule judges\n", flips, passed, to_none);
	free(sp.judged);
	free(sp.field_at);
	free(fd);
	free(buf);
}
END_TEST

/* Every cut and every single-bit flip of the rev 6 sample with extension
 * records is rejected: an error finding or an image that does not open,
 * never a go, never a crash (the sanitizer build runs this too). */
/* A raised stop flag ends the pass before the next record, with no
 * verdict; a flag left at zero changes nothing. */
START_TEST(test_check_stop)
{
	size_t len;
	unsigned char *buf = read_sample("rev6-ext.ckpt", &len);
	struct ckpt_kernel_profile p = sample_rev6_kernel();
	volatile sig_atomic_t stop = 1;
	struct ckpt_check_options opt = { .target = &p, .stop = &stop };
	struct found *fd = malloc(sizeof(*fd));

	check_mem(buf, len, &opt, fd);
	ck_assert(fd->opened && fd->sum.interrupted);
	ck_assert_uint_eq(fd->sum.records, 0);
	ck_assert_msg(fd->n == 0, "a stopped pass judged: %s", list_found(fd));
	ck_assert(!fd->sum.read_whole);
	stop = 0;
	check_mem(buf, len, &opt, fd);
	ck_assert(!fd->sum.interrupted && fd->sum.read_whole);
	ck_assert_uint_gt(fd->sum.records, 50);
	ck_assert_msg(fd->n == 0, "the sample: %s", list_found(fd));
	/* Cut in the middle: without the flag a truncation error, with it
	 * nothing (the end was never reached). */
	check_mem(buf, len / 2, &opt, fd);
	ck_assert_uint_gt(fd->sum.errors, 0);
	stop = 1;
	check_mem(buf, len / 2, &opt, fd);
	ck_assert_uint_eq(fd->sum.errors, 0);
	free(fd);
	free(buf);
}
END_TEST

START_TEST(test_rev6_ext_exhaustive)
{
	size_t len;
	unsigned char *buf = read_sample("rev6-ext.ckpt", &len);
	struct ckpt_kernel_profile p = sample_rev6_kernel();
	struct ckpt_check_options opt = { .target = &p };
	struct found *fd = malloc(sizeof(*fd));
	size_t unopened = 0;

	check_mem(buf, len, &opt, fd);
	ck_assert_msg(fd->opened && fd->n == 0, "the sample: %s", list_found(fd));
	for (size_t cut = 0; cut < len; cut++) {
		unsigned char *part = malloc(cut ? cut : 1);

		memcpy(part, buf, cut);
		check_mem(part, cut, &opt, fd);
		ck_assert_msg(!fd->opened || fd->sum.errors > 0, "cut at %zu passes", cut);
		free(part);
	}
	for (size_t at = 0; at < len; at++)
		for (int bit = 0; bit < 8; bit++) {
			buf[at] ^= (unsigned char)(1u << bit);
			check_mem(buf, len, &opt, fd);
			buf[at] ^= (unsigned char)(1u << bit);
			unopened += !fd->opened;
			ck_assert_msg(!fd->opened || fd->sum.errors > 0,
				      "flip of bit %d at byte %zu passes: %s", bit, at, list_found(fd));
		}
	fprintf(stderr, "# rev6-ext: %zu cuts and %zu bit flips rejected (%zu flips leave no "
		"image to open)\n", len, len * 8, unopened);
	free(fd);
	free(buf);
}
END_TEST

/* Every cut and every single-bit flip of the small v17 sample: cuts are
 * always rejected; flips never crash, and flips in what a rule can judge
 * (record frames, the header's magic, version, revision, constants and
 * uflags, the TAIL magic) are always rejected.  Flips in the time, the
 * tids, exit fields and text contents pass: v17 images carry no digests
 * (the exhaustive rev6-ext test above shows what digests add). */
START_TEST(test_v17_corruption)
{
	size_t len;
	unsigned char *buf = read_sample("v17-task.ckpt", &len);
	struct ckpt_kernel_profile p = sample_v17_kernel();
	struct ckpt_check_options opt = { .target = &p };
	struct found *fd = malloc(sizeof(*fd));
	unsigned char *judged = calloc(len, 1);
	static const struct { size_t from, n; } header_spots[] = {
		{ 8, 8 }, { 18, 8 }, { 32, 8 }, { 48, 8 },	/* magic, version+rev, constants, uflags */
	};
	struct ckpt_error err;
	struct ckpt_image *img = ckpt_image_open_mem(buf, len, &err);
	struct ckpt_record rec;
	size_t passed = 0;

	for (size_t i = 0; i < CKPT_ARRAY_LEN(header_spots); i++)
		memset(judged + header_spots[i].from, 1, header_spots[i].n);
	while (ckpt_image_next_record(img, &rec) == 1) {
		memset(judged + rec.offset, 1, rec.hdr_len);
		if (rec.type == 9001)	/* TAIL magic */
			memset(judged + rec.offset + 8, 1, 8);
	}
	ckpt_image_close(img);

	for (size_t cut = 0; cut < len; cut++) {
		unsigned char *part = malloc(cut ? cut : 1);

		memcpy(part, buf, cut);
		check_mem(part, cut, &opt, fd);
		ck_assert_msg(!fd->opened || fd->sum.errors > 0, "cut at %zu passes", cut);
		free(part);
	}
	for (size_t at = 0; at < len; at++)
		for (int bit = 0; bit < 8; bit++) {
			buf[at] ^= (unsigned char)(1u << bit);
			check_mem(buf, len, &opt, fd);
			buf[at] ^= (unsigned char)(1u << bit);
			if (fd->opened && fd->sum.errors == 0) {
				passed++;
				ck_assert_msg(!judged[at], "flip of bit %d at byte %zu passes", bit, at);
			}
		}
	fprintf(stderr, "# v17-task: %zu cuts rejected; %zu of %zu bit flips pass (time, tids, "
		"exit fields, text contents)\n", len, passed, len * 8);
	free(judged);
	free(fd);
	free(buf);
}
END_TEST

Suite *check_suite(void)
{
	Suite *s = suite_create("check");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, test_registry);
	tcase_add_test(tc, test_samples);
	tcase_add_test(tc, test_rule_per_breakage);
	tcase_add_test(tc, test_v17_rules);
	tcase_add_test(tc, test_profile_round_trip);
	tcase_add_test(tc, test_semantic_rules);
	tcase_add_test(tc, test_refcount_rules);
	tcase_add_test(tc, test_integrity_rules);
	tcase_add_test(tc, test_release_parse);
	tcase_add_test(tc, test_table_facilities);
	tcase_add_test(tc, test_external_parse);
	tcase_add_test(tc, test_gate_files);
	suite_add_tcase(s, tc);

	TCase *tcc = tcase_create("corruption");

	/* Thousands of whole checks; slow under the sanitizers. */
	tcase_set_timeout(tcc, 600);
	tcase_add_test(tcc, test_rev6_truncations);
	tcase_add_test(tcc, test_rev6_bit_flips);
	tcase_add_test(tcc, test_v17_corruption);
	tcase_add_test(tcc, test_rev6_ext_exhaustive);
	tcase_add_test(tcc, test_check_stop);
	tcase_add_test(tcc, test_text_size);
	suite_add_tcase(s, tcc);
	return s;
}
