/* The resume stub (resume_stub.h): its bytes, encoded by hand, and its
 * place in a process's [vdso]. */
#include "config.h"

#include <elf.h>
#include <string.h>
#include <unistd.h>

#include "resume_stub.h"

#define PAGE 4096u
#define DATA_OFF 176u		/* the saved registers: 18 qwords, slots below */
#define MAX_PHNUM 64u		/* a vdso has 4 or 5 program headers */

/* Data slots, 8 bytes each from DATA_OFF. */
enum {
	S_RAX, S_RCX, S_RDX, S_RBX, S_RBP, S_RSI, S_RDI,
	S_R8, S_R9, S_R10, S_R11, S_R12, S_R13, S_R14, S_R15,
	S_FLAGS, S_RSP, S_RIP,
	S_MASK = (CKPT_STUB_MASK_OFF - DATA_OFF) / 8,
	S_MASK_SET = (CKPT_STUB_MASK_SET_OFF - DATA_OFF) / 8,
};

/* One instruction: its bytes; when disp_at is non-zero, bytes
 * [disp_at, disp_at + 4) are a rip-relative disp32 to data slot `slot`
 * (relative to the end of the instruction, as the CPU counts it). */
struct insn {
	unsigned char bytes[8];
	unsigned char len, disp_at, slot;
};

/* mov r64, [rip+disp32]: REX.W (+R for r8-r15), 8b, modrm 00 reg 101. */
#define LOAD(rex, modrm, s) { { rex, 0x8b, modrm }, 7, 3, s }

static const struct insn code[] = {
	{ { 0x0f, 0x05 }, 2, 0, 0 },				/* syscall: the injected call */
	/* A mask to put back (the helper had blocked every signal)? */
	{ { 0x80, 0x3d, 0, 0, 0, 0, 0x00 }, 7, 2, S_MASK_SET },	/* cmp byte [rip+mask_set], 0 */
	{ { 0x74, 0x1b }, 2, 0, 0 },				/* je +27: over the 6 below */
	{ { 0xb8, 0x0e, 0, 0, 0 }, 5, 0, 0 },			/* mov eax, 14 (rt_sigprocmask) */
	{ { 0xbf, 0x02, 0, 0, 0 }, 5, 0, 0 },			/* mov edi, 2 (SIG_SETMASK) */
	{ { 0x48, 0x8d, 0x35 }, 7, 3, S_MASK },			/* lea rsi, [rip+mask] */
	{ { 0x31, 0xd2 }, 2, 0, 0 },				/* xor edx, edx (no old set) */
	{ { 0x41, 0xba, 0x08, 0, 0, 0 }, 6, 0, 0 },		/* mov r10d, 8 (sigset size) */
	{ { 0x0f, 0x05 }, 2, 0, 0 },				/* syscall */
	/* Every general register as frozen (syscall clobbers rcx and r11). */
	LOAD(0x48, 0x05, S_RAX),				/* mov rax, [rip+rax] */
	LOAD(0x48, 0x0d, S_RCX),				/* mov rcx, [rip+rcx] */
	LOAD(0x48, 0x15, S_RDX),				/* mov rdx, [rip+rdx] */
	LOAD(0x48, 0x1d, S_RBX),				/* mov rbx, [rip+rbx] */
	LOAD(0x48, 0x2d, S_RBP),				/* mov rbp, [rip+rbp] */
	LOAD(0x48, 0x35, S_RSI),				/* mov rsi, [rip+rsi] */
	LOAD(0x48, 0x3d, S_RDI),				/* mov rdi, [rip+rdi] */
	LOAD(0x4c, 0x05, S_R8),					/* mov r8, [rip+r8] */
	LOAD(0x4c, 0x0d, S_R9),					/* mov r9, [rip+r9] */
	LOAD(0x4c, 0x15, S_R10),				/* mov r10, [rip+r10] */
	LOAD(0x4c, 0x1d, S_R11),				/* mov r11, [rip+r11] */
	LOAD(0x4c, 0x25, S_R12),				/* mov r12, [rip+r12] */
	LOAD(0x4c, 0x2d, S_R13),				/* mov r13, [rip+r13] */
	LOAD(0x4c, 0x35, S_R14),				/* mov r14, [rip+r14] */
	LOAD(0x4c, 0x3d, S_R15),				/* mov r15, [rip+r15] */
	/* The flags through the lowered stack, then the stack, then home. */
	{ { 0xff, 0x35 }, 6, 2, S_FLAGS },			/* push qword [rip+flags] */
	{ { 0x9d }, 1, 0, 0 },					/* popfq */
	{ { 0x48, 0x8b, 0x25 }, 7, 3, S_RSP },			/* mov rsp, [rip+rsp] */
	{ { 0xff, 0x25 }, 6, 2, S_RIP },			/* jmp qword [rip+rip] */
};

static void put64(unsigned char *buf, unsigned slot, uint64_t v)
{
	memcpy(buf + DATA_OFF + slot * 8u, &v, 8);
}

void ckpt_stub_build(unsigned char *buf, const struct user_regs_struct *regs)
{
	size_t at = 0;

	memset(buf, 0, CKPT_STUB_SIZE);
	for (size_t i = 0; i < sizeof(code) / sizeof(code[0]); i++) {
		const struct insn *in = &code[i];

		memcpy(buf + at, in->bytes, in->len);
		if (in->disp_at) {
			int32_t disp = (int32_t)(DATA_OFF + in->slot * 8u) - (int32_t)(at + in->len);

			memcpy(buf + at + in->disp_at, &disp, 4);
		}
		at += in->len;
	}
	/* at <= DATA_OFF: the unit test checks it. */
	put64(buf, S_RAX, regs->rax);
	put64(buf, S_RCX, regs->rcx);
	put64(buf, S_RDX, regs->rdx);
	put64(buf, S_RBX, regs->rbx);
	put64(buf, S_RBP, regs->rbp);
	put64(buf, S_RSI, regs->rsi);
	put64(buf, S_RDI, regs->rdi);
	put64(buf, S_R8, regs->r8);
	put64(buf, S_R9, regs->r9);
	put64(buf, S_R10, regs->r10);
	put64(buf, S_R11, regs->r11);
	put64(buf, S_R12, regs->r12);
	put64(buf, S_R13, regs->r13);
	put64(buf, S_R14, regs->r14);
	put64(buf, S_R15, regs->r15);
	put64(buf, S_FLAGS, regs->eflags);
	put64(buf, S_RSP, regs->rsp);
	put64(buf, S_RIP, regs->rip);
	put64(buf, S_MASK, 0);
	put64(buf, S_MASK_SET, 0);
}

static int read_at(int mem, uint64_t addr, void *buf, size_t len)
{
	return pread(mem, buf, len, (off_t)addr) == (ssize_t)len ? 0 : -1;
}

uint64_t ckpt_stub_place(int mem, uint64_t vdso_start, uint64_t vdso_end)
{
	Elf64_Ehdr eh;
	uint64_t size, end, at;
	unsigned char pad[PAGE], ours[CKPT_STUB_SIZE];

	if (vdso_end <= vdso_start || vdso_end - vdso_start > 64u * PAGE)
		return 0;
	size = vdso_end - vdso_start;
	if (size < sizeof(eh) || read_at(mem, vdso_start, &eh, sizeof(eh)) < 0)
		return 0;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > MAX_PHNUM ||
	    (eh.e_shnum && eh.e_shentsize != sizeof(Elf64_Shdr)))
		return 0;
	/* The image ends after the last of: header, program headers,
	 * section headers, and what the program headers cover (a vdso is
	 * mapped as its file is laid out: offsets are addresses).  Every
	 * product is small (counts <= 65535, sizes 56 or 64); offsets are
	 * checked against the mapping before they are added to. */
	end = sizeof(eh);
	if (eh.e_phoff > size || eh.e_shoff > size)
		return 0;
	if (eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > end)
		end = eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr);
	if (eh.e_shoff + (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr) > end)
		end = eh.e_shoff + (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr);
	if (end > size)
		return 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (read_at(mem, vdso_start + eh.e_phoff + i * sizeof(ph), &ph, sizeof(ph)) < 0)
			return 0;
		/* A loaded segment may reach past its file bytes (bss). */
		uint64_t len = ph.p_type == PT_LOAD && ph.p_memsz > ph.p_filesz ? ph.p_memsz : ph.p_filesz;

		if (ph.p_offset > size || len > size - ph.p_offset)
			return 0;
		if (ph.p_offset + len > end)
			end = ph.p_offset + len;
	}
	/* 16-aligned after the image, not across a page: a write of the
	 * stub is then one copy the tracer's death cannot cut in two. */
	at = (end + 15) & ~15ull;
	if (at / PAGE != (at + CKPT_STUB_SIZE - 1) / PAGE)
		at = (at + PAGE - 1) / PAGE * PAGE;
	if (at + CKPT_STUB_SIZE > size)
		return 0;
	/* The whole padding must be zero, but for a stub of ours that a
	 * killed tracer left behind (its code, any data): anything else is
	 * not ours to use. */
	ckpt_stub_build(ours, &(struct user_regs_struct){ 0 });
	for (uint64_t from = end; from < size; from += sizeof(pad)) {
		size_t n = size - from < sizeof(pad) ? (size_t)(size - from) : sizeof(pad);

		if (read_at(mem, vdso_start + from, pad, n) < 0)
			return 0;
		for (size_t k = 0; k < n; k++) {
			uint64_t i = from + k;

			if (pad[k] && !(i >= at && i < at + DATA_OFF && pad[k] == ours[i - at]) &&
			    !(i >= at + DATA_OFF && i < at + CKPT_STUB_SIZE))
				return 0;
		}
	}
	return vdso_start + at;
}
