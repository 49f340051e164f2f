/* Memory rules (rev 6, x86_64): what an address space must say for a
 * restart to rebuild it and resume its threads.  The VMAs and page runs
 * come from the image model; the MM's own fields and each thread's
 * registers are read as their records go by.  No extension record is
 * needed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_impl.h"

#define REV6	CKPT_DIALECT_BIT(CKPT_DIALECT_REV6)

/* x86_64 user space ends below 2^47 (one guard page); the vsyscall page
 * is the kernel's, at a fixed address above it. */
#define USER_END	((UINT64_C(1) << 47) - CKPT_PAGE_SIZE)
#define VSYSCALL	UINT64_C(0xffffffffff600000)
#define VM_EXEC		0x4u
#define VMA_ANON	2u
#define VMA_FILE	3u
/* The largest file offset (loff_t) in pages. */
#define PGOFF_MAX	(UINT64_C(0x7fffffffffffffff) >> 12)

enum { R_VMA_FILE, R_VMA_PGOFF, R_MM_BRK, R_MM_STACK, R_MM_EXE, R_CPU_IP, R_CPU_SP };

static const struct ckpt_rule rules[] = {
	[R_VMA_FILE] = { "vma-file", "memory", CKPT_SEV_ERROR, REV6,
		"A FILE VMA names no file (vma_objref 0), or an ANON VMA names one." },
	[R_VMA_PGOFF] = { "vma-pgoff", "memory", CKPT_SEV_ERROR, REV6,
		"A VMA's vm_pgoff plus its length in pages overflows the largest file offset." },
	[R_MM_BRK] = { "mm-brk", "memory", CKPT_SEV_ERROR, REV6,
		"An MM's brk lies below its start_brk." },
	[R_MM_STACK] = { "mm-stack", "memory", CKPT_SEV_ERROR, REV6,
		"An MM's start_stack lies outside every VMA of that MM." },
	[R_MM_EXE] = { "mm-exe", "memory", CKPT_SEV_ERROR, REV6,
		"The MM of a live task names no executable file (exe_objref 0)." },
	[R_CPU_IP] = { "cpu-ip", "memory", CKPT_SEV_ERROR, REV6,
		"A live thread's instruction pointer lies outside user space or outside every "
		"executable VMA of its MM." },
	[R_CPU_SP] = { "cpu-sp", "memory", CKPT_SEV_ERROR, REV6,
		"A live thread's stack pointer lies outside user space or outside every VMA of "
		"its MM." },
};

struct mm_facts {
	uint64_t index, offset;
	uint64_t start_brk, brk, start_stack;
	int32_t exe;
};

struct cpu_facts {
	size_t task;			/* ordinal of the TASK it follows */
	uint64_t index, offset;
	uint64_t ip, sp;
};

struct state {
	bool on;
	size_t tasks;			/* TASK records seen */
	struct mm_facts *mms;
	size_t n_mms, cap_mms;
	struct cpu_facts *cpus;
	size_t n_cpus, cap_cpus;
};

static int me_begin(struct ckpt_check *c, void *stp, const struct ckpt_image *img)
{
	struct state *st = stp;

	(void)img;
	st->on = check_schema(c)->dialect == CKPT_DIALECT_REV6;
	return 0;
}

static bool reserve(struct ckpt_check *c, void *arrayp, size_t n, size_t *cap, size_t size)
{
	void **a = arrayp;

	if (n < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p = realloc(*a, ncap * size);

	if (!p) {
		check_out_of_memory(c);
		return false;
	}
	*a = p;
	*cap = ncap;
	return true;
}

static void me_record(struct ckpt_check *c, void *stp, const struct ckpt_record *rec,
		      const struct ckpt_role *role)
{
	struct state *st = stp;

	if (!st->on || !rec->rt || role->name)
		return;
	if (strcmp(rec->rt->name, "TASK") == 0) {
		st->tasks++;
	} else if (strcmp(rec->rt->name, "MM") == 0) {
		if (reserve(c, &st->mms, st->n_mms, &st->cap_mms, sizeof(*st->mms)))
			st->mms[st->n_mms++] = (struct mm_facts){
				rec->index, rec->offset, check_field_u64(rec, "start_brk"), check_field_u64(rec, "brk"),
				check_field_u64(rec, "start_stack"), (int32_t)(uint32_t)check_field_u64(rec, "exe_objref") };
	} else if (strcmp(rec->rt->name, "CPU") == 0 && st->tasks) {
		if (reserve(c, &st->cpus, st->n_cpus, &st->cap_cpus, sizeof(*st->cpus)))
			st->cpus[st->n_cpus++] = (struct cpu_facts){
				st->tasks - 1, rec->index, rec->offset, check_field_u64(rec, "ip"), check_field_u64(rec, "sp") };
	}
}

static uint64_t field_at(const struct ckpt_model *m, uint64_t i, const char *name)
{
	const struct ckpt_model_record *r = ckpt_model_record(m, i);
	const struct ckpt_field *f = r && r->rt ? ckpt_rtype_field(r->rt, name) : NULL;

	return r ? r->offset + (f ? f->offset : 0) : 0;
}

static const struct mm_facts *facts_of(const struct state *st, uint64_t record)
{
	size_t lo = 0, hi = st->n_mms;	/* in image order: sorted by index */

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->mms[mid].index < record)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < st->n_mms && st->mms[lo].index == record ? &st->mms[lo] : NULL;
}

/* The VMA holding addr (end included when `to_end`: a stack pointer at the
 * top of an empty stack), or NULL. */
static const struct ckpt_model_vma *vma_holding(const struct ckpt_model_mm *mm, uint64_t addr, bool to_end)
{
	for (size_t k = 0; k < mm->n_vmas; k++) {
		const struct ckpt_model_vma *v = &mm->vmas[k];

		if (addr >= v->start && (addr < v->end || (to_end && addr == v->end)))
			return v;
	}
	return NULL;
}

static void check_vmas(struct ckpt_check *c, const struct ckpt_model *m, const struct ckpt_model_mm *mm)
{
	for (size_t k = 0; k < mm->n_vmas; k++) {
		const struct ckpt_model_vma *v = &mm->vmas[k];
		uint64_t pages = v->end > v->start ? (v->end - v->start) / CKPT_PAGE_SIZE : 0;

		if ((v->type == VMA_FILE && v->file_ref == 0) || (v->type == VMA_ANON && v->file_ref != 0))
			check_report(c, &rules[R_VMA_FILE], -1, v->record, field_at(m, v->record, "vma_objref"),
				     "VMA", "the %s VMA 0x%" PRIx64 "-0x%" PRIx64 " %s", v->type == VMA_FILE ?
				     "FILE" : "ANON", v->start, v->end, v->type == VMA_FILE ? "names no file" :
				     "names a file");
		if (v->pgoff > PGOFF_MAX || pages > PGOFF_MAX - v->pgoff)
			check_report(c, &rules[R_VMA_PGOFF], -1, v->record, field_at(m, v->record, "vm_pgoff"),
				     "VMA", "the VMA 0x%" PRIx64 "-0x%" PRIx64 " has vm_pgoff 0x%" PRIx64
				     ", so its pages overflow the largest file offset", v->start, v->end, v->pgoff);
	}
}

static void check_mm(struct ckpt_check *c, const struct state *st, const struct ckpt_model *m,
		     const struct ckpt_model_mm *mm, const struct ckpt_model_task *t)
{
	const struct mm_facts *f = facts_of(st, mm->record);

	if (!f)
		return;
	if (f->brk < f->start_brk)
		check_report(c, &rules[R_MM_BRK], -1, f->index, field_at(m, f->index, "brk"), "MM",
			     "brk 0x%" PRIx64 " lies below start_brk 0x%" PRIx64, f->brk, f->start_brk);
	if (!vma_holding(mm, f->start_stack, false))
		check_report(c, &rules[R_MM_STACK], -1, f->index, field_at(m, f->index, "start_stack"), "MM",
			     "start_stack 0x%" PRIx64 " lies outside every VMA of the MM", f->start_stack);
	if (!f->exe && t)
		check_report(c, &rules[R_MM_EXE], -1, f->index, field_at(m, f->index, "exe_objref"), "MM",
			     "the MM of live task pid %" PRId64 " (%s) names no executable", t->pid,
			     t->comm[0] ? t->comm : "?");
}

static void check_cpu(struct ckpt_check *c, const struct ckpt_model *m, const struct cpu_facts *cpu)
{
	const struct ckpt_model_task *t = cpu->task < m->n_tasks ? &m->tasks[cpu->task] : NULL;
	const struct ckpt_model_mm *mm = t && !t->exit_state ? ckpt_model_task_mm(m, t) : NULL;

	if (!mm)
		return;
	const struct ckpt_model_vma *v = vma_holding(mm, cpu->ip, false);
	bool gate = v && cpu->ip >= VSYSCALL && cpu->ip < VSYSCALL + CKPT_PAGE_SIZE;

	if ((cpu->ip >= USER_END && !gate) || !v || !(v->flags & VM_EXEC))
		check_report(c, &rules[R_CPU_IP], -1, cpu->index, cpu->offset + 136, "CPU",
			     "pid %" PRId64 " (%s): ip 0x%" PRIx64 " lies %s", t->pid, t->comm[0] ? t->comm : "?",
			     cpu->ip, cpu->ip >= USER_END && !gate ? "outside user space" :
			     !v ? "outside every VMA" : "in a VMA that is not executable");
	if (cpu->sp >= USER_END || !vma_holding(mm, cpu->sp, true))
		check_report(c, &rules[R_CPU_SP], -1, cpu->index, cpu->offset + 144, "CPU",
			     "pid %" PRId64 " (%s): sp 0x%" PRIx64 " lies %s", t->pid, t->comm[0] ? t->comm : "?",
			     cpu->sp, cpu->sp >= USER_END ? "outside user space" : "outside every VMA");
}

static void me_end(struct ckpt_check *c, void *stp, const struct check_outcome *out)
{
	struct state *st = stp;
	const struct ckpt_model *m = check_model(c);

	if (!st->on || out->failed || !m)
		return;
	/* The first live task of each MM, found in one pass over the tasks. */
	const struct ckpt_model_task **user = calloc(m->n_mms ? m->n_mms : 1, sizeof(*user));

	if (!user) {
		check_out_of_memory(c);
		return;
	}
	for (size_t i = 0; i < m->n_tasks; i++) {
		const struct ckpt_model_mm *mm = m->tasks[i].exit_state ? NULL : ckpt_model_task_mm(m, &m->tasks[i]);

		if (mm && mm >= m->mms && mm < m->mms + m->n_mms && !user[mm - m->mms])
			user[mm - m->mms] = &m->tasks[i];
	}
	for (size_t i = 0; i < m->n_mms; i++) {
		check_vmas(c, m, &m->mms[i]);
		check_mm(c, st, m, &m->mms[i], user[i]);
	}
	free(user);
	for (size_t i = 0; i < st->n_cpus; i++)
		check_cpu(c, m, &st->cpus[i]);
}

static void me_release(void *stp)
{
	struct state *st = stp;

	free(st->mms);
	free(st->cpus);
}

const struct check_module check_module_memory = {
	.family = "memory",
	.rules = rules,
	.n_rules = CKPT_ARRAY_LEN(rules),
	.state_size = sizeof(struct state),
	.begin = me_begin,
	.record = me_record,
	.end = me_end,
	.release = me_release,
	.uses_model = true,
};
