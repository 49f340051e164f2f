/* Kernel profiles: the running kernel's, and JSON files for others. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <jansson.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "ckpt/kernel.h"

const char *const ckpt_kernel_const_names[CKPT_KERNEL_NCONST] = {
	"task_comm_len", "at_vector_size", "signal_nsig",
	"uts_sysname_len", "uts_nodename_len", "uts_release_len",
	"uts_version_len", "uts_machine_len", "uts_domainname_len",
	"rlimit_nlimits", "n_tty_buf_size", "tty_termios_nccs",
};

/* Where the running kernel's constants come from.  They are compile-time
 * constants of the kernel (no interface reports them), stable across the
 * kernels we can run on:
 *   task_comm_len	TASK_COMM_LEN 16, include/linux/sched.h
 *   at_vector_size	AT_VECTOR_SIZE = 2 * (AT_VECTOR_SIZE_ARCH + AT_VECTOR_SIZE_BASE + 1),
 *			include/linux/mm_types.h; on x86_64 AT_VECTOR_SIZE_ARCH is 3
 *			(AT_SYSINFO_EHDR, AT_MINSIGSTKSZ and the ia32-emulation entry,
 *			arch/x86/include/asm/auxvec.h, since 5.14) and AT_VECTOR_SIZE_BASE
 *			22 (include/linux/auxvec.h, since the rseq entries of 6.3), so 52
 *   signal_nsig	_NSIG 64, arch/x86/include/uapi/asm/signal.h (and asm-generic)
 *   uts_*_len		__NEW_UTS_LEN + 1 = 65, include/uapi/linux/utsname.h
 *   rlimit_nlimits	RLIM_NLIMITS 16, include/uapi/asm-generic/resource.h
 *   n_tty_buf_size	N_TTY_BUF_SIZE 4096, include/linux/tty.h
 *   tty_termios_nccs	NCCS 19 of the kernel's termbits.h (glibc's NCCS is 32)
 */
static const unsigned linux_consts[CKPT_KERNEL_NCONST] = {
	16, 52, 64, 65, 65, 65, 65, 65, 65, 16, 4096, 19,
};

int ckpt_kernel_const_index(const char *name)
{
	for (int i = 0; i < CKPT_KERNEL_NCONST; i++)
		if (strcmp(ckpt_kernel_const_names[i], name) == 0)
			return i;
	return -1;
}

bool ckpt_kernel_parse_release(const char *release, unsigned *major, unsigned *minor,
			       unsigned *patch)
{
	unsigned v[3] = { 0, 0, 0 };
	const char *s = release;

	for (int i = 0; i < 3; i++) {
		char *end;

		if (*s < '0' || *s > '9') {
			if (i == 0)
				return false;
			break;
		}
		errno = 0;
		unsigned long n = strtoul(s, &end, 10);

		if (errno || n > 65535)
			return false;
		v[i] = (unsigned)n;
		s = end;
		if (*s != '.')
			break;
		s++;
	}
	*major = v[0];
	*minor = v[1];
	*patch = v[2];
	return true;
}

unsigned ckpt_kernel_arch_id(const char *machine)
{
	if (strcmp(machine, "x86_64") == 0)
		return 2;
	if (machine[0] == 'i' && strlen(machine) == 4 && strcmp(machine + 2, "86") == 0)
		return 1;	/* i386 .. i686 */
	if (strcmp(machine, "s390x") == 0)
		return 3;
	if (strncmp(machine, "arm", 3) == 0 && strcmp(machine, "arm64") != 0)
		return 4;
	return 0;
}

/* Whether /proc/cpuinfo's first "flags" line lists flag. */
static bool cpu_flag(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[8192];
	bool found = false;
	size_t n = strlen(flag);

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		for (char *p = strchr(line, ':'); p && *p; p++) {
			if ((p[-1] == ' ' || p[-1] == ':') && strncmp(p, flag, n) == 0 &&
			    (p[n] == ' ' || p[n] == '\n' || p[n] == '\0')) {
				found = true;
				break;
			}
		}
		break;
	}
	fclose(f);
	return found;
}

int ckpt_kernel_profile_running(struct ckpt_kernel_profile *p, char *err, size_t errsize)
{
	struct utsname u;

	memset(p, 0, sizeof(*p));
	if (uname(&u) < 0) {
		snprintf(err, errsize, "uname: %s", strerror(errno));
		return -1;
	}
	snprintf(p->release, sizeof(p->release), "%s", u.release);
	snprintf(p->arch, sizeof(p->arch), "%s", u.machine);
	if (!ckpt_kernel_parse_release(u.release, &p->major, &p->minor, &p->patch)) {
		snprintf(err, errsize, "kernel release \"%s\" does not start with a version", u.release);
		return -1;
	}
	memcpy(p->consts, linux_consts, sizeof(p->consts));
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");

	if (f) {
		if (fscanf(f, "%u", &p->cap_last_cap) != 1 || p->cap_last_cap > 63)
			p->cap_last_cap = 0;
		fclose(f);
	}
#if defined(__x86_64__) || defined(__i386__)
	p->has_fxsr = cpu_flag("fxsr");
	p->has_xsave = cpu_flag("xsave");
	if (p->has_xsave) {
		unsigned eax, ebx, ecx, edx;

		/* Leaf 0xD, subleaf 0: EBX is the xsave area size for the
		 * features the kernel enabled in XCR0, what it saves per task. */
		if (__get_cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx))
			p->xstate_size = ebx;
	} else if (p->has_fxsr) {
		p->xstate_size = 512;	/* the fxsave area */
	}
#else
	(void)cpu_flag;
#endif
	return 0;
}

static int bad(char *err, size_t errsize, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
	return -1;
}

/* An integer member 0..max of obj, named path in messages. */
static int get_uint(json_t *obj, const char *key, const char *path, unsigned max, unsigned *v,
		    char *err, size_t errsize)
{
	json_t *j = json_object_get(obj, key);

	if (!j)
		return bad(err, errsize, "missing key \"%s\"", path);
	if (!json_is_integer(j) || json_integer_value(j) < 0 || json_integer_value(j) > (json_int_t)max) {
		snprintf(err, errsize, "key \"%s\" must be an integer from 0 to %u", path, max);
		return -1;
	}
	*v = (unsigned)json_integer_value(j);
	return 0;
}

static int get_string(json_t *obj, const char *key, const char *path, char *buf, size_t size,
		      char *err, size_t errsize)
{
	json_t *j = json_object_get(obj, key);

	if (!j)
		return bad(err, errsize, "missing key \"%s\"", path);
	if (!json_is_string(j) || json_string_length(j) >= size) {
		snprintf(err, errsize, "key \"%s\" must be a string of at most %zu bytes", path, size - 1);
		return -1;
	}
	snprintf(buf, size, "%s", json_string_value(j));
	return 0;
}

static json_t *get_object(json_t *obj, const char *key, char *err, size_t errsize)
{
	json_t *j = json_object_get(obj, key);

	if (!j)
		bad(err, errsize, "missing key \"%s\"", key);
	else if (!json_is_object(j))
		bad(err, errsize, "key \"%s\" must be an object", key);
	else
		return j;
	return NULL;
}

static int from_json(json_t *root, struct ckpt_kernel_profile *p, char *err, size_t errsize)
{
	char path[64];
	char format[64];
	unsigned version;
	json_t *k, *c, *x;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(root))
		return bad(err, errsize, "%s", "the profile must be a JSON object");
	if (get_string(root, "format", "format", format, sizeof(format), err, errsize) < 0)
		return -1;
	if (strcmp(format, CKPT_KERNEL_PROFILE_FORMAT) != 0)
		return bad(err, errsize, "key \"format\" must be \"%s\"", CKPT_KERNEL_PROFILE_FORMAT);
	if (get_uint(root, "version", "version", 65535, &version, err, errsize) < 0)
		return -1;
	if (version != CKPT_KERNEL_PROFILE_VERSION) {
		snprintf(err, errsize, "key \"version\" is %u; this ckptcheck reads version %d",
			 version, CKPT_KERNEL_PROFILE_VERSION);
		return -1;
	}
	if (!(k = get_object(root, "kernel", err, errsize)) ||
	    get_uint(k, "major", "kernel.major", 65535, &p->major, err, errsize) < 0 ||
	    get_uint(k, "minor", "kernel.minor", 65535, &p->minor, err, errsize) < 0 ||
	    get_uint(k, "patch", "kernel.patch", 65535, &p->patch, err, errsize) < 0 ||
	    get_string(k, "release", "kernel.release", p->release, sizeof(p->release), err, errsize) < 0 ||
	    get_string(root, "arch", "arch", p->arch, sizeof(p->arch), err, errsize) < 0)
		return -1;
	/* Optional: profiles saved before it was known lack it. */
	if (json_object_get(k, "cap_last_cap") &&
	    get_uint(k, "cap_last_cap", "kernel.cap_last_cap", 63, &p->cap_last_cap, err, errsize) < 0)
		return -1;
	if (!(c = get_object(root, "constants", err, errsize)))
		return -1;
	for (int i = 0; i < CKPT_KERNEL_NCONST; i++) {
		snprintf(path, sizeof(path), "constants.%s", ckpt_kernel_const_names[i]);
		if (get_uint(c, ckpt_kernel_const_names[i], path, 65535, &p->consts[i], err, errsize) < 0)
			return -1;
	}
	const char *key;
	json_t *v;

	json_object_foreach(c, key, v) {
		if (ckpt_kernel_const_index(key) < 0) {
			snprintf(err, errsize, "unknown key \"constants.%.40s\"", key);
			return -1;
		}
	}
	if (!(x = get_object(root, "x86", err, errsize)) ||
	    get_uint(x, "has_fxsr", "x86.has_fxsr", 1, &p->has_fxsr, err, errsize) < 0 ||
	    get_uint(x, "has_xsave", "x86.has_xsave", 1, &p->has_xsave, err, errsize) < 0 ||
	    get_uint(x, "xstate_size", "x86.xstate_size", 65535, &p->xstate_size, err, errsize) < 0)
		return -1;
	return 0;
}

int ckpt_kernel_profile_parse(const char *text, size_t len, struct ckpt_kernel_profile *p,
			      char *err, size_t errsize)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);

	if (!root) {
		snprintf(err, errsize, "not valid JSON (line %d, column %d): %s", je.line, je.column, je.text);
		return -1;
	}
	int r = from_json(root, p, err, errsize);

	json_decref(root);
	return r;
}

int ckpt_kernel_profile_load(const char *path, struct ckpt_kernel_profile *p,
			     char *err, size_t errsize)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		snprintf(err, errsize, "cannot open: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			/* Profiles are a few hundred bytes; refuse anything huge. */
			if (cap >= (1u << 20)) {
				snprintf(err, errsize, "larger than 1 MiB: not a kernel profile");
				goto fail;
			}
			cap = cap ? cap * 2 : 4096;
			char *nb = realloc(buf, cap);

			if (!nb) {
				snprintf(err, errsize, "out of memory");
				goto fail;
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len, f);

		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errsize, "read error: %s", strerror(errno));
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	int r = ckpt_kernel_profile_parse(buf ? buf : "", len, p, err, errsize);

	free(buf);
	return r;
fail:
	if (f != stdin)
		fclose(f);
	free(buf);
	return -1;
}

int ckpt_kernel_profile_write(const struct ckpt_kernel_profile *p, FILE *out)
{
	json_t *root = json_object(), *k = json_object(), *c = json_object(), *x = json_object();
	int r = -1;

	if (!root || !k || !c || !x) {
		json_decref(k);
		json_decref(c);
		json_decref(x);
		goto out;
	}
	json_object_set_new(root, "format", json_string(CKPT_KERNEL_PROFILE_FORMAT));
	json_object_set_new(root, "version", json_integer(CKPT_KERNEL_PROFILE_VERSION));
	json_object_set_new(k, "major", json_integer(p->major));
	json_object_set_new(k, "minor", json_integer(p->minor));
	json_object_set_new(k, "patch", json_integer(p->patch));
	json_object_set_new(k, "release", json_string(p->release));
	if (p->cap_last_cap)
		json_object_set_new(k, "cap_last_cap", json_integer(p->cap_last_cap));
	json_object_set_new(root, "kernel", k);
	json_object_set_new(root, "arch", json_string(p->arch));
	for (int i = 0; i < CKPT_KERNEL_NCONST; i++)
		json_object_set_new(c, ckpt_kernel_const_names[i], json_integer(p->consts[i]));
	json_object_set_new(root, "constants", c);
	json_object_set_new(x, "has_fxsr", json_integer(p->has_fxsr));
	json_object_set_new(x, "has_xsave", json_integer(p->has_xsave));
	json_object_set_new(x, "xstate_size", json_integer(p->xstate_size));
	json_object_set_new(root, "x86", x);
	if (json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 && fputc('\n', out) != EOF)
		r = 0;
out:
	json_decref(root);
	return r;
}
