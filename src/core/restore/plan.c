/* The restore plan: the gate (every ckptcheck rule, the restorable ones
 * included) and then one pass over the image's records, through the model,
 * into what the restorer needs of each task and object.  Page contents
 * stay in the image and are read by offset when they are written. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ckpt/format.h"
#include "restore/restore_impl.h"

#define GROW_ONE(arr, n) grow_one((void **)&(arr), &(n), sizeof(*(arr)))

static void *grow_one(void **arr, size_t *n, size_t sz)
{
	/* Doubling at powers of two keeps this linear. */
	if ((*n & (*n - 1)) == 0 || *n == 0) {
		size_t cap = *n ? *n * 2 : 4;
		void *p = realloc(*arr, cap * sz);

		if (!p)
			return NULL;
		*arr = p;
	}
	void *e = (char *)*arr + (*n)++ * sz;

	memset(e, 0, sz);
	return e;
}

/* Objects by objref: an image holds few of each kind. */
const struct rs_file *rs_file(const struct ckpt_restore_plan *p, int32_t ref)
{
	for (size_t i = 0; ref && i < p->n_files; i++)
		if (p->files[i].objref == ref)
			return &p->files[i];
	return NULL;
}

const struct rs_cred *rs_cred(const struct ckpt_restore_plan *p, int32_t ref)
{
	for (size_t i = 0; ref && i < p->n_creds; i++)
		if (p->creds[i].objref == ref)
			return &p->creds[i];
	return NULL;
}

const struct rs_groups *rs_groups(const struct ckpt_restore_plan *p, int32_t ref)
{
	for (size_t i = 0; ref && i < p->n_groups; i++)
		if (p->groups[i].objref == ref)
			return &p->groups[i];
	return NULL;
}

const struct rs_mm *rs_mm(const struct ckpt_restore_plan *p, int32_t ref)
{
	for (size_t i = 0; ref && i < p->n_mms; i++)
		if (p->mms[i].objref == ref)
			return &p->mms[i];
	return NULL;
}

const struct rs_fs *rs_fs(const struct ckpt_restore_plan *p, int32_t ref)
{
	for (size_t i = 0; ref && i < p->n_fss; i++)
		if (p->fss[i].objref == ref)
			return &p->fss[i];
	return NULL;
}

const struct rs_sighand *rs_sighand(const struct ckpt_restore_plan *p, int32_t ref)
{
	for (size_t i = 0; ref && i < p->n_sighands; i++)
		if (p->sighands[i].objref == ref)
			return &p->sighands[i];
	return NULL;
}

const struct rs_signal *rs_signal(const struct ckpt_restore_plan *p, int32_t ref)
{
	for (size_t i = 0; ref && i < p->n_signals; i++)
		if (p->signals[i].objref == ref)
			return &p->signals[i];
	return NULL;
}

const struct rs_uts *rs_uts(const struct ckpt_restore_plan *p, int32_t ref)
{
	for (size_t i = 0; ref && i < p->n_utss; i++)
		if (p->utss[i].objref == ref)
			return &p->utss[i];
	return NULL;
}

const struct rs_inode *rs_inode(const struct ckpt_restore_plan *p, int32_t ref)
{
	for (size_t i = 0; ref && i < p->n_inodes; i++)
		if (p->inodes[i].objref == ref)
			return &p->inodes[i];
	return NULL;
}

static int fail(char *err, size_t errsize, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
	return -1;
}

/* Standard input, copied whole to an anonymous file: pages are written
 * in the order the address space needs them, not the image's order. */
static int copy_stdin(char *err, size_t errsize)
{
	int fd = memfd_create("ckptrestore-image", MFD_CLOEXEC);
	char buf[1 << 16];

	if (fd < 0)
		return fail(err, errsize, "standard input: cannot make a copy: %s", strerror(errno));
	for (;;) {
		ssize_t n = read(0, buf, sizeof(buf));

		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(fd, buf, (size_t)n) != n) {
			fail(err, errsize, "standard input: %s", strerror(n < 0 ? errno : ENOSPC));
			close(fd);
			return -1;
		}
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return fail(err, errsize, "standard input: %s", strerror(errno));
	}
	return fd;
}

static struct ckpt_image *open_image(const char *path, int memfd, char *err, size_t errsize)
{
	struct ckpt_error e;
	struct ckpt_image *img;

	if (memfd >= 0) {
		int fd = dup(memfd);

		if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0) {
			fail(err, errsize, "standard input: %s", strerror(errno));
			if (fd >= 0)
				close(fd);
			return NULL;
		}
		img = ckpt_image_open_fd(fd, &e);
	} else {
		img = ckpt_image_open(path, &e);
	}
	if (!img) {
		char msg[300];

		ckpt_error_format(&e, msg, sizeof(msg));
		fail(err, errsize, "%s", msg);
	}
	return img;
}

struct gate {
	const struct ckpt_restore_options *opt;
};

static void on_finding(void *arg, const struct ckpt_finding *f)
{
	struct gate *g = arg;

	if (g->opt && g->opt->on_finding)
		g->opt->on_finding(g->opt->finding_arg, f);
}

/* Every ckptcheck rule against the running kernel.  0 go, 1 no-go, -1. */
static int run_gate(struct ckpt_image *img, const struct ckpt_restore_options *opt, uint64_t *errors,
		    char *err, size_t errsize)
{
	struct ckpt_kernel_profile running;
	struct ckpt_check_options copt = { 0 };
	struct ckpt_check_summary sum;
	struct gate g = { opt };
	struct ckpt_check *c;
	int r;

	if (ckpt_kernel_profile_running(&running, err, errsize) < 0)
		return -1;
	copt.target = &running;
	copt.target_name = "the running kernel";
	copt.stop = opt ? opt->stop : NULL;
	copt.externals = opt ? opt->externals : NULL;
	copt.n_externals = opt ? opt->n_externals : 0;
	copt.shell_job = opt && opt->shell_job;
	if (!(c = ckpt_check_new(&copt)))
		return fail(err, errsize, "out of memory");
	r = ckpt_check_image(c, img, on_finding, &g, &sum);
	ckpt_check_free(c);
	if (r < 0)
		return fail(err, errsize, "out of memory while checking the image");
	if (sum.interrupted)
		return fail(err, errsize, "interrupted");
	*errors = sum.errors;
	if (!sum.read_whole) {
		char msg[300];

		ckpt_error_format(ckpt_image_error(img), msg, sizeof(msg));
		return fail(err, errsize, "%s", msg);
	}
	return sum.errors ? 1 : 0;
}

/* -- reading records by field name ------------------------------------------ */

static uint64_t fld(const struct ckpt_record *rec, const char *name)
{
	const struct ckpt_field *f = rec->rt ? ckpt_rtype_field(rec->rt, name) : NULL;

	return f && ckpt_field_fits(f, rec->avail) ? ckpt_field_u64(f, rec->data) : 0;
}

/* Element i's field `name` of array field `array`; false when absent. */
static bool elem(const struct ckpt_record *rec, const char *array, uint64_t i, const char *name, uint64_t *v)
{
	const struct ckpt_field *a = rec->rt ? ckpt_rtype_field(rec->rt, array) : NULL;

	if (!a || !a->elem)
		return false;
	for (size_t k = 0; k < a->n_elem; k++) {
		const struct ckpt_field *e = &a->elem[k];
		uint64_t at = a->offset + i * a->stride;

		if (strcmp(e->name, name) != 0)
			continue;
		if (at + e->offset + e->width > rec->avail || e->width > 8)
			return false;
		*v = ckpt_field_u64(e, rec->data + at);
		return true;
	}
	return false;
}

static bool is(const struct ckpt_record *rec, const char *name)
{
	return rec->rt && strcmp(rec->rt->name, name) == 0;
}

static char *payload_string(const struct ckpt_record *rec)
{
	size_t len = rec->avail > rec->hdr_len ? rec->avail - rec->hdr_len : 0;
	bool terminated;
	char *s;

	len = ckpt_text_len(rec->data + rec->hdr_len, len, &terminated);
	if (!(s = malloc(len + 1)))
		return NULL;
	memcpy(s, rec->data + rec->hdr_len, len);
	s[len] = 0;
	return s;
}

static void cpu_regs(const struct ckpt_record *rec, struct user_regs_struct *r)
{
	r->r15 = fld(rec, "r15");
	r->r14 = fld(rec, "r14");
	r->r13 = fld(rec, "r13");
	r->r12 = fld(rec, "r12");
	r->rbp = fld(rec, "bp");
	r->rbx = fld(rec, "bx");
	r->r11 = fld(rec, "r11");
	r->r10 = fld(rec, "r10");
	r->r9 = fld(rec, "r9");
	r->r8 = fld(rec, "r8");
	r->rax = fld(rec, "ax");
	r->rcx = fld(rec, "cx");
	r->rdx = fld(rec, "dx");
	r->rsi = fld(rec, "si");
	r->rdi = fld(rec, "di");
	r->orig_rax = fld(rec, "orig_ax");
	r->rip = fld(rec, "ip");
	r->rsp = fld(rec, "sp");
	r->eflags = fld(rec, "flags");
	r->fs_base = fld(rec, "fs");
	r->gs_base = fld(rec, "gs");
	r->fs = fld(rec, "fsindex");
	r->gs = fld(rec, "gsindex");
	r->cs = fld(rec, "cs");
	r->ss = fld(rec, "ss");
	r->ds = fld(rec, "ds");
	r->es = fld(rec, "es");
}

static int pending(const struct ckpt_record *rec, struct rs_pending *p)
{
	uint64_t n = fld(rec, "nr_pending");

	for (uint64_t i = 0; i < n; i++) {
		struct rs_siginfo *si = GROW_ONE(p->info, p->n);
		const struct ckpt_field *a = ckpt_rtype_field(rec->rt, "siginfo");
		uint64_t signo = 0, code = 0, at;

		if (!si)
			return -1;
		elem(rec, "siginfo", i, "si_signo", &signo);
		elem(rec, "siginfo", i, "si_code", &code);
		si->signo = (int32_t)signo;
		si->code = (int32_t)code;
		/* The image keeps signo, errno, code, then the union's first 76
		 * bytes; siginfo_t has the union at 16. */
		at = a ? a->offset + i * a->stride : 0;
		if (a && a->stride == 88 && at + 88 <= rec->avail) {
			memcpy(si->raw, rec->data + at, 12);
			memcpy(si->raw + 16, rec->data + at + 12, 76);
		}
	}
	return 0;
}

struct reading {
	struct ckpt_restore_plan *p;
	uint32_t objtype;
	int32_t objref;			/* the OBJREF before this record */
	int32_t table;			/* FILE_TABLE being read */
	struct rs_task *task;		/* TASK being read */
	struct rs_file *file;		/* FILE whose FILE_NAME comes next */
	struct rs_file *pipe;		/* the EXT_PIPE whose BUFFER comes next */
	struct rs_mm *mm;
	struct rs_fs *fs;
	struct rs_signal *signal;
	struct rs_inode *inode;		/* INODE whose STRING and runs come next */
	const char *last;		/* type of the record before */
	size_t n_model_task;
};

static int read_record(struct reading *rd, const struct ckpt_record *rec, const struct ckpt_model_record *mr)
{
	struct ckpt_restore_plan *p = rd->p;
	int32_t ref = rd->objtype ? rd->objref : 0;
	const char *role = mr->role;

	if (is(rec, "OBJREF")) {
		rd->objtype = (uint32_t)fld(rec, "objtype");
		rd->objref = (int32_t)fld(rec, "objref");
		return 0;
	}
	rd->objtype = 0;
	if (is(rec, "TASK")) {
		const struct ckpt_model_task *mt = rd->n_model_task < p->model->n_tasks ?
						   &p->model->tasks[rd->n_model_task++] : NULL;
		struct rs_task *t = GROW_ONE(p->tasks, p->n_tasks);

		if (!t)
			return -1;
		if (mt) {
			t->pid = mt->pid;
			t->ppid = mt->ppid;
			t->tgid = mt->tgid;
			t->pgid = mt->pgid;
			t->sid = mt->sid;
			snprintf(t->comm, sizeof(t->comm), "%s", mt->comm);
		}
		t->exit_signal = (uint32_t)fld(rec, "exit_signal");
		t->exit_state = (uint32_t)fld(rec, "exit_state");
		t->exit_code = (uint32_t)fld(rec, "exit_code");
		t->robust_list = fld(rec, "robust_futex_list");
		t->robust_len = (int32_t)fld(rec, "robust_futex_head_len");
		t->clear_child_tid = fld(rec, "clear_child_tid");
		t->sas_ss_sp = fld(rec, "sas_ss_sp");
		t->sas_ss_size = fld(rec, "sas_ss_size");
		rd->task = t;
	} else if (is(rec, "EXT_TASK_SECURITY") && rd->task) {
		rd->task->has_security = true;
		rd->task->no_new_privs = (uint32_t)fld(rec, "no_new_privs");
		rd->task->personality = (uint32_t)fld(rec, "personality");
		rd->task->sas_ss_flags = (uint32_t)fld(rec, "sas_ss_flags");
		rd->task->cap_ambient = fld(rec, "cap_ambient");
		rd->task->seccomp_mode = (uint32_t)fld(rec, "seccomp_mode");
		rd->task->seccomp_count = (uint32_t)fld(rec, "seccomp_filters");
	} else if (is(rec, "EXT_SECCOMP_SHARED") && rd->task) {
		rd->task->seccomp_shared = (uint32_t)fld(rec, "count");
		rd->task->seccomp_same_pid = (int32_t)fld(rec, "same_pid");
	} else if (is(rec, "EXT_SECCOMP_FILTER") && rd->task) {
		struct rs_filter *f = GROW_ONE(rd->task->filters, rd->task->n_filters);
		uint64_t n = fld(rec, "nr_insns");

		if (!f)
			return -1;
		f->index = (uint32_t)fld(rec, "index");
		/* A program longer than its record: the gate has refused it. */
		if (n > (rec->avail > 16 ? (rec->avail - 16) / 8 : 0))
			n = 0;
		if (!(f->insns = malloc(n ? n * 8 : 1)))
			return -1;
		memcpy(f->insns, rec->data + 16, n * 8);
		f->n_insns = (uint32_t)n;
	} else if (is(rec, "EXT_RSEQ") && rd->task) {
		rd->task->rseq_ptr = fld(rec, "rseq_abi_pointer");
		rd->task->rseq_size = (uint32_t)fld(rec, "rseq_abi_size");
		rd->task->rseq_sig = (uint32_t)fld(rec, "signature");
		rd->task->rseq_flags = (uint32_t)fld(rec, "flags");
	} else if (is(rec, "TASK_CREDS") && rd->task) {
		rd->task->cred = (int32_t)fld(rec, "cred_ref");
	} else if (is(rec, "TASK_NS") && rd->task) {
		rd->task->ns = (int32_t)fld(rec, "ns_objref");
	} else if (is(rec, "TASK_OBJS") && rd->task) {
		rd->task->files = (int32_t)fld(rec, "files_objref");
		rd->task->mm = (int32_t)fld(rec, "mm_objref");
		rd->task->fs = (int32_t)fld(rec, "fs_objref");
		rd->task->sighand = (int32_t)fld(rec, "sighand_objref");
		rd->task->signal = (int32_t)fld(rec, "signal_objref");
	} else if (is(rec, "CPU") && rd->task) {
		cpu_regs(rec, &rd->task->regs);
		rd->task->has_regs = true;
	} else if (role && strcmp(role, "fpu") == 0 && rd->task) {
		size_t len = rec->avail - rec->hdr_len;

		free(rd->task->xstate);
		if (!(rd->task->xstate = malloc(len ? len : 1)))
			return -1;
		memcpy(rd->task->xstate, rec->data + rec->hdr_len, len);
		rd->task->xstate_len = len;
	} else if (is(rec, "SIGNAL_TASK") && rd->task) {
		rd->task->blocked = fld(rec, "blocked");
	} else if (is(rec, "SIGPENDING")) {
		/* After SIGNAL: the process's queue; after SIGNAL_TASK: the thread's. */
		if (rd->last && strcmp(rd->last, "SIGNAL_TASK") == 0 && rd->task)
			return pending(rec, &rd->task->pending);
		if (rd->last && strcmp(rd->last, "SIGNAL") == 0 && rd->signal)
			return pending(rec, &rd->signal->shared);
	} else if (is(rec, "FILE")) {
		struct rs_file *f = GROW_ONE(p->files, p->n_files);

		if (!f)
			return -1;
		f->objref = ref;
		f->f_type = (uint32_t)fld(rec, "f_type");
		f->f_flags = (uint32_t)fld(rec, "f_flags");
		f->f_pos = fld(rec, "f_pos");
		rd->file = f;
		return 0;
	} else if (is(rec, "EXT_FILE_INODE") && rd->file) {
		rd->file->ino = (int32_t)fld(rec, "ino_objref");
	} else if (is(rec, "EXT_INODE")) {
		struct rs_inode *n = GROW_ONE(p->inodes, p->n_inodes);

		if (!n)
			return -1;
		n->objref = ref;
		n->kind = (uint32_t)fld(rec, "kind");
		n->flags = (uint32_t)fld(rec, "flags");
		n->mode = (uint32_t)fld(rec, "mode");
		n->size = fld(rec, "size");
		n->seals = (uint32_t)fld(rec, "seals");
		rd->inode = n;
	} else if (is(rec, "STRING") && role && strcmp(role, "path") == 0 && rd->inode && !rd->inode->path) {
		if (!(rd->inode->path = payload_string(rec)))
			return -1;
		return 0;
	} else if (is(rec, "EXT_INODE_PAGES") && rd->inode) {
		struct rs_inode_run *r = GROW_ONE(rd->inode->runs, rd->inode->n_runs);

		if (!r)
			return -1;
		r->offset = fld(rec, "offset");
		r->pages = fld(rec, "nr_pages");
		/* Its bytes: the BUFFER that follows (below). */
		r->data = 0;
	} else if (is(rec, "BUFFER") && role && strcmp(role, "contents") == 0 && rd->inode && rd->inode->n_runs &&
		   rd->last && strcmp(rd->last, "EXT_INODE_PAGES") == 0) {
		struct rs_inode_run *r = &rd->inode->runs[rd->inode->n_runs - 1];

		/* A BUFFER shorter than its run: the gate has refused it; its
		 * pages are left as zeros here rather than read past it. */
		if (rec->len >= rec->hdr_len + r->pages * CKPT_PAGE_SIZE)
			r->data = rec->offset + rec->hdr_len;
		else
			r->pages = 0;
		return 0;
	} else if (is(rec, "VMA")) {
		int32_t ino = (int32_t)fld(rec, "ino_objref");
		struct rs_vma_ino *v;

		if (ino) {
			if (!(v = GROW_ONE(p->vma_inos, p->n_vma_inos)))
				return -1;
			v->record = rec->index;
			v->ino = ino;
		}
	} else if (is(rec, "FILE_NAME") && role && strcmp(role, "path") == 0 && rd->file) {
		unsigned long long ino;
		char end;

		if (!(rd->file->path = payload_string(rec)))
			return -1;
		if (sscanf(rd->file->path, "pipe:[%llu%c", &ino, &end) == 2 && end == ']')
			rd->file->pipe_ino = ino;
	} else if (is(rec, "EXT_PIPE")) {
		struct rs_file *f = (struct rs_file *)rs_file(p, (int32_t)fld(rec, "file_objref"));

		rd->pipe = f;
		if (f)
			f->pipe_size = (uint32_t)fld(rec, "pipe_size");
	} else if (is(rec, "BUFFER") && role && strcmp(role, "data") == 0 && rd->pipe &&
		   rd->last && strcmp(rd->last, "EXT_PIPE") == 0) {
		size_t len = rec->avail > rec->hdr_len ? rec->avail - rec->hdr_len : 0;

		free(rd->pipe->pipe_data);
		if (!(rd->pipe->pipe_data = malloc(len ? len : 1)))
			return -1;
		memcpy(rd->pipe->pipe_data, rec->data + rec->hdr_len, len);
		rd->pipe->pipe_len = len;
		rd->pipe = NULL;
	} else if (is(rec, "FILE_TABLE")) {
		rd->table = ref;
	} else if (is(rec, "FILE_DESC")) {
		struct rs_fd *d = GROW_ONE(p->fds, p->n_fds);

		if (!d)
			return -1;
		d->table = rd->table;
		d->fd = (int)(int32_t)fld(rec, "fd_descriptor");
		d->cloexec = fld(rec, "fd_close_on_exec") != 0;
		d->file = (int32_t)fld(rec, "fd_objref");
	} else if (is(rec, "CRED")) {
		struct rs_cred *c = GROW_ONE(p->creds, p->n_creds);

		if (!c)
			return -1;
		c->objref = ref;
		c->uid = (uint32_t)fld(rec, "uid");
		c->suid = (uint32_t)fld(rec, "suid");
		c->euid = (uint32_t)fld(rec, "euid");
		c->fsuid = (uint32_t)fld(rec, "fsuid");
		c->gid = (uint32_t)fld(rec, "gid");
		c->sgid = (uint32_t)fld(rec, "sgid");
		c->egid = (uint32_t)fld(rec, "egid");
		c->fsgid = (uint32_t)fld(rec, "fsgid");
		c->groupinfo = (int32_t)fld(rec, "groupinfo_ref");
		c->cap_inh = fld(rec, "cap_inheritable");
		c->cap_prm = fld(rec, "cap_permitted");
		c->cap_eff = fld(rec, "cap_effective");
		c->cap_bset = fld(rec, "cap_bset");
		c->securebits = (uint32_t)fld(rec, "securebits");
	} else if (is(rec, "GROUPINFO")) {
		struct rs_groups *g = GROW_ONE(p->groups, p->n_groups);
		uint64_t n = fld(rec, "ngroups"), v;

		if (!g || !(g->gids = calloc(n ? n : 1, sizeof(uint32_t))))
			return -1;
		g->objref = ref;
		for (uint64_t i = 0; i < n && elem(rec, "groups", i, "gid", &v); i++)
			g->gids[g->n++] = (uint32_t)v;
	} else if (is(rec, "MM")) {
		struct rs_mm *m = GROW_ONE(p->mms, p->n_mms);

		if (!m)
			return -1;
		m->objref = ref;
		m->model = ckpt_model_mm(p->model, ref);
		m->exe = (int32_t)fld(rec, "exe_objref");
		m->start_code = fld(rec, "start_code");
		m->end_code = fld(rec, "end_code");
		m->start_data = fld(rec, "start_data");
		m->end_data = fld(rec, "end_data");
		m->start_brk = fld(rec, "start_brk");
		m->brk = fld(rec, "brk");
		m->start_stack = fld(rec, "start_stack");
		m->arg_start = fld(rec, "arg_start");
		m->arg_end = fld(rec, "arg_end");
		m->env_start = fld(rec, "env_start");
		m->env_end = fld(rec, "env_end");
		rd->mm = m;
	} else if (role && strcmp(role, "saved_auxv") == 0 && rd->mm) {
		size_t words = (rec->avail - rec->hdr_len) / 8;

		rd->mm->n_auxv = 0;
		for (size_t i = 0; i + 1 < words && rd->mm->n_auxv + 2 <= RS_AUXV_MAX; i += 2) {
			uint64_t type = ckpt_le_load(rec->data + rec->hdr_len + i * 8, 8);

			rd->mm->auxv[rd->mm->n_auxv++] = type;
			rd->mm->auxv[rd->mm->n_auxv++] = ckpt_le_load(rec->data + rec->hdr_len + i * 8 + 8, 8);
			if (type == 0)
				break;
		}
	} else if (is(rec, "FS")) {
		struct rs_fs *f = GROW_ONE(p->fss, p->n_fss);

		if (!f)
			return -1;
		f->objref = ref;
		f->umask = (uint32_t)fld(rec, "umask");
		rd->fs = f;
	} else if (is(rec, "FILE_NAME") && role && rd->fs && (strcmp(role, "root") == 0 || strcmp(role, "pwd") == 0)) {
		char **slot = strcmp(role, "root") == 0 ? &rd->fs->root : &rd->fs->pwd;

		free(*slot);
		if (!(*slot = payload_string(rec)))
			return -1;
	} else if (is(rec, "SIGHAND")) {
		struct rs_sighand *h = GROW_ONE(p->sighands, p->n_sighands);

		if (!h)
			return -1;
		h->objref = ref;
		for (int i = 0; i < RS_NSIG; i++) {
			elem(rec, "action", (uint64_t)i, "handler", &h->act[i].handler);
			elem(rec, "action", (uint64_t)i, "flags", &h->act[i].flags);
			elem(rec, "action", (uint64_t)i, "restorer", &h->act[i].restorer);
			elem(rec, "action", (uint64_t)i, "mask", &h->act[i].mask);
		}
	} else if (is(rec, "SIGNAL")) {
		struct rs_signal *s = GROW_ONE(p->signals, p->n_signals);

		if (!s)
			return -1;
		s->objref = ref;
		for (int i = 0; i < RS_NLIMITS; i++) {
			elem(rec, "rlim", (uint64_t)i, "cur", &s->rlim_cur[i]);
			elem(rec, "rlim", (uint64_t)i, "max", &s->rlim_max[i]);
		}
		s->it_value[0] = fld(rec, "it_real_value");
		s->it_incr[0] = fld(rec, "it_real_incr");
		s->it_value[1] = fld(rec, "it_virt_value");
		s->it_incr[1] = fld(rec, "it_virt_incr");
		s->it_value[2] = fld(rec, "it_prof_value");
		s->it_incr[2] = fld(rec, "it_prof_incr");
		rd->signal = s;
	} else if (is(rec, "UTS_NS")) {
		struct rs_uts *u = GROW_ONE(p->utss, p->n_utss);
		const struct ckpt_field *nf = ckpt_rtype_field(rec->rt, "nodename");
		const struct ckpt_field *df = ckpt_rtype_field(rec->rt, "domainname");

		if (!u)
			return -1;
		u->objref = ref;
		if (nf && nf->offset + nf->width <= rec->avail)
			snprintf(u->nodename, sizeof(u->nodename), "%.*s", (int)nf->width,
				 (const char *)rec->data + nf->offset);
		if (df && df->offset + df->width <= rec->avail)
			snprintf(u->domainname, sizeof(u->domainname), "%.*s", (int)df->width,
				 (const char *)rec->data + df->offset);
	} else if (is(rec, "BUFFER") && role && strcmp(role, "pids") == 0) {
		return rs_pid_levels_read(p, rec);
	} else if (is(rec, "NS")) {
		if (!GROW_ONE(p->nss, p->n_nss))
			return -1;
		p->nss[p->n_nss - 1].objref = ref;
		p->nss[p->n_nss - 1].uts = (int32_t)fld(rec, "uts_objref");
	}
	if (!role)
		rd->last = rec->rt ? rec->rt->name : NULL;
	return 0;
}

/* Record types the plan reads; page BUFFERs are left in the image. */
static bool wanted(const struct ckpt_model_record *mr)
{
	static const char *const types[] = {
		"OBJREF", "TASK", "TASK_CREDS", "TASK_NS", "TASK_OBJS", "CPU", "SIGNAL_TASK", "SIGPENDING",
		"FILE", "FILE_NAME", "FILE_TABLE", "FILE_DESC", "CRED", "GROUPINFO", "MM", "FS",
		"SIGHAND", "SIGNAL", "UTS_NS", "NS", "EXT_TASK_SECURITY", "EXT_RSEQ", "EXT_PIPE",
		"EXT_SECCOMP_FILTER", "EXT_SECCOMP_SHARED",
		"EXT_INODE", "EXT_INODE_PAGES", "EXT_FILE_INODE", "VMA",
	};

	if (!mr->rt)
		return false;
	if (mr->role && (strcmp(mr->role, "fpu") == 0 || strcmp(mr->role, "saved_auxv") == 0))
		return true;
	/* Every number of every pid (pidlevels.c). */
	if (mr->role && strcmp(mr->role, "pids") == 0 && strcmp(mr->rt->name, "BUFFER") == 0)
		return true;
	/* A pipe's waiting bytes (a BUFFER in the role data after EXT_PIPE). */
	if (mr->role && strcmp(mr->role, "data") == 0 && strcmp(mr->rt->name, "BUFFER") == 0)
		return true;
	/* An INODE object's path and pages (the pages are not read here). */
	if (mr->role && mr->parent != CKPT_MODEL_NO_PARENT && (strcmp(mr->role, "contents") == 0 ||
							  (strcmp(mr->role, "path") == 0 && strcmp(mr->rt->name, "STRING") == 0)))
		return true;
	for (size_t i = 0; i < CKPT_ARRAY_LEN(types); i++)
		if (strcmp(mr->rt->name, types[i]) == 0)
			return true;
	return false;
}

static int read_plan(struct ckpt_restore_plan *p, char *err, size_t errsize)
{
	struct reading rd = { .p = p };

	for (size_t i = 0; i < p->model->n_records; i++) {
		const struct ckpt_model_record *mr = &p->model->records[i];
		struct ckpt_record rec;
		struct ckpt_error e;

		if (!wanted(mr)) {
			if (mr->rt && !mr->role)
				rd.last = mr->rt->name;
			if (mr->rt && strcmp(mr->rt->name, "OBJREF") != 0)
				rd.objtype = 0;
			continue;
		}
		if (ckpt_image_record_at(p->img, mr->offset, mr->index, &rec, &e) < 0) {
			char msg[300];

			ckpt_error_format(&e, msg, sizeof(msg));
			return fail(err, errsize, "%s", msg);
		}
		if (read_record(&rd, &rec, mr) < 0)
			return fail(err, errsize, "out of memory reading the plan");
	}
	if (!p->n_tasks)
		return fail(err, errsize, "the image holds no task");
	return rs_pid_levels(p, err, errsize);
}

int ckpt_restore_plan_open(const char *path, const struct ckpt_restore_options *opt,
			   struct ckpt_restore_plan **out, char *err, size_t errsize)
{
	struct ckpt_restore_plan *p = calloc(1, sizeof(*p));
	struct ckpt_image *img = NULL;
	int r;

	*out = NULL;
	if (!p)
		return fail(err, errsize, "out of memory");
	p->memfd = -1;
	if (strcmp(path, "-") == 0 && (p->memfd = copy_stdin(err, errsize)) < 0)
		goto fail;
	if (!(img = open_image(path, p->memfd, err, errsize)))
		goto fail;
	if (ckpt_image_dialect(img) != CKPT_DIALECT_REV6) {
		fail(err, errsize, "only linux-cr rev 6 images (what ckpt writes) can be restored; this one is %s",
		     ckpt_image_schema(img)->id);
		goto fail;
	}
	r = run_gate(img, opt, &p->findings, err, errsize);
	ckpt_image_close(img);
	img = NULL;
	if (r < 0)
		goto fail;
	p->go = r == 0;
	if (!(p->img = open_image(path, p->memfd, err, errsize)))
		goto fail;
	if (!(p->model = ckpt_model_build(p->img))) {
		fail(err, errsize, "out of memory reading the image");
		goto fail;
	}
	if (p->model->failed) {
		char msg[300];

		ckpt_error_format(&p->model->err, msg, sizeof(msg));
		fail(err, errsize, "%s", msg);
		goto fail;
	}
	if (read_plan(p, err, errsize) < 0 || rs_fdkinds_read(p, err, errsize) < 0 ||
	    rs_ttys_read(p, err, errsize) < 0)
		goto fail;
	*out = p;
	return p->go ? 0 : 1;
fail:
	if (img)
		ckpt_image_close(img);
	ckpt_restore_plan_free(p);
	return -1;
}

static void free_pending(struct rs_pending *q)
{
	free(q->info);
}

void ckpt_restore_plan_free(struct ckpt_restore_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_tasks; i++) {
		free(p->tasks[i].xstate);
		free_pending(&p->tasks[i].pending);
		for (size_t k = 0; k < p->tasks[i].n_filters; k++)
			free(p->tasks[i].filters[k].insns);
		free(p->tasks[i].filters);
	}
	for (size_t i = 0; i < p->n_files; i++) {
		free(p->files[i].path);
		free(p->files[i].pipe_data);
	}
	for (size_t i = 0; i < p->n_groups; i++)
		free(p->groups[i].gids);
	for (size_t i = 0; i < p->n_fss; i++) {
		free(p->fss[i].root);
		free(p->fss[i].pwd);
	}
	for (size_t i = 0; i < p->n_signals; i++)
		free_pending(&p->signals[i].shared);
	free(p->tasks);
	free(p->files);
	free(p->fds);
	free(p->creds);
	free(p->groups);
	free(p->mms);
	free(p->fss);
	free(p->sighands);
	free(p->signals);
	free(p->utss);
	free(p->nss);
	for (size_t i = 0; i < p->n_inodes; i++) {
		free(p->inodes[i].path);
		free(p->inodes[i].runs);
	}
	free(p->inodes);
	free(p->vma_inos);
	free(p->pid_entries);
	free(p->pid_numbers);
	rs_fdkinds_free(p);
	rs_ttys_free(p);
	ckpt_model_free(p->model);
	if (p->img)
		ckpt_image_close(p->img);
	if (p->memfd >= 0)
		close(p->memfd);
	free(p);
}

size_t ckpt_restore_plan_tasks(const struct ckpt_restore_plan *p)
{
	return p->n_tasks;
}

pid_t ckpt_restore_plan_root(const struct ckpt_restore_plan *p)
{
	return p->n_tasks ? (pid_t)p->tasks[0].pid : 0;
}

void ckpt_restore_plan_describe(const struct ckpt_restore_plan *p, void (*line)(void *arg, const char *s),
				void *arg)
{
	char buf[512];

	for (size_t i = 0; i < p->n_tasks; i++) {
		const struct rs_task *t = &p->tasks[i];
		const struct rs_mm *mm = rs_mm(p, t->mm);
		const struct rs_fs *fs = rs_fs(p, t->fs);
		const struct rs_cred *c = rs_cred(p, t->cred);
		size_t areas = mm && mm->model ? mm->model->n_vmas : 0, fds = 0;
		uint64_t pages = 0;

		for (size_t k = 0; k < areas; k++)
			pages += mm->model->vmas[k].pages;
		for (size_t k = 0; k < p->n_fds; k++)
			fds += t->files && p->fds[k].table == t->files;
		snprintf(buf, sizeof(buf),
			 "task %" PRId64 " (%s): parent %" PRId64 ", pgid %" PRId64 ", sid %" PRId64 "; %zu areas, "
			 "%" PRIu64 " pages; %zu descriptors; cwd %s; uid %u gid %u",
			 t->pid, t->comm, t->ppid, t->pgid, t->sid, areas, pages, fds,
			 fs && fs->pwd ? fs->pwd : "?", c ? c->uid : 0, c ? c->gid : 0);
		line(arg, buf);
		/* Its numbers in the namespaces made for the tree (pidlevels.c). */
		if (p->root_depth || t->level) {
			int n = snprintf(buf, sizeof(buf), "task %" PRId64 ": pids", t->pid);

			for (uint32_t l = 0; l <= t->level && n > 0 && (size_t)n < sizeof(buf); l++)
				n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s %" PRId32, l ? "," : "", t->nspid[l]);
			if (n > 0 && (size_t)n < sizeof(buf))
				snprintf(buf + n, sizeof(buf) - (size_t)n, ", at each level from the root's pid namespace (%s) down",
					 p->root_depth ? "a new one" : "this one, or --pid-ns's");
			line(arg, buf);
		}
		for (size_t k = 0; k < p->n_fds; k++) {
			const struct rs_fd *d = &p->fds[k];
			const struct rs_file *f = rs_file(p, d->file);
			char shown[256];

			if (!t->files || d->table != t->files)
				continue;
			ckpt_escape((const uint8_t *)(f && f->path ? f->path : "?"),
				    strlen(f && f->path ? f->path : "?"), shown, sizeof(shown));
			snprintf(buf, sizeof(buf), "task %" PRId64 ": fd %d: %s at %" PRIu64 "%s", t->pid, d->fd,
				 shown, f ? f->f_pos : 0, d->cloexec ? ", close-on-exec" : "");
			line(arg, buf);
		}
	}
}
