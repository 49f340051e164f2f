/* Kernel profiles: what a kernel demands of an image before it restores it
 * (its version, arch and the constants of the rev 6 header), for the
 * running kernel or saved as JSON for a kernel elsewhere (ckptcheck(1)
 * documents the file format). */
#ifndef CKPT_KERNEL_H
#define CKPT_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The constants of the rev 6 header's const block, in its order; each is
 * named like the HEADER field that carries it. */
#define CKPT_KERNEL_NCONST 12
extern const char *const ckpt_kernel_const_names[CKPT_KERNEL_NCONST];

/* The "format" and "version" keys of a profile file. */
#define CKPT_KERNEL_PROFILE_FORMAT	"ckpt-kernel-profile"
#define CKPT_KERNEL_PROFILE_VERSION	1

struct ckpt_kernel_profile {
	unsigned major, minor, patch;
	char release[65];		/* uname -r */
	char arch[65];			/* uname -m: "x86_64", "i686" */
	unsigned consts[CKPT_KERNEL_NCONST];	/* ckpt_kernel_const_names order */
	unsigned has_fxsr, has_xsave, xstate_size;	/* x86 FPU facts; 0 elsewhere */
	/* The highest capability number (/proc/sys/kernel/cap_last_cap);
	 * 0 when the profile does not say (an optional key). */
	unsigned cap_last_cap;
};

/* The running kernel's profile.  0, or -1 with a reason in err. */
int ckpt_kernel_profile_running(struct ckpt_kernel_profile *p, char *err, size_t errsize);
/* A profile from JSON text or a file ("-": standard input).  -1 with a
 * reason naming the offending key in err. */
int ckpt_kernel_profile_parse(const char *text, size_t len, struct ckpt_kernel_profile *p,
			      char *err, size_t errsize);
int ckpt_kernel_profile_load(const char *path, struct ckpt_kernel_profile *p,
			     char *err, size_t errsize);
/* Writes the profile as JSON; -1 if writing failed. */
int ckpt_kernel_profile_write(const struct ckpt_kernel_profile *p, FILE *out);

/* The constant named name (a ckpt_kernel_const_names entry), or -1. */
int ckpt_kernel_const_index(const char *name);
/* "6.1.0-18-amd64" -> 6, 1, 0 (a missing part is 0); false if it does not
 * start with a number. */
bool ckpt_kernel_parse_release(const char *release, unsigned *major, unsigned *minor,
			       unsigned *patch);
/* The linux-cr arch id (X86_32 1, X86_64 2, S390X 3, ARM 4) of a uname
 * machine name, or 0 when linux-cr has none. */
unsigned ckpt_kernel_arch_id(const char *machine);

#endif
