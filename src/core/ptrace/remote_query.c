/* State of a thread that only the thread itself can ask the kernel for:
 * its signal handlers, alternate signal stack, interval timers, and a few
 * prctl and personality bits.  Each is one remote call, with a scratch
 * page for what the kernel writes back. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "remote.h"

#define SIGSET_SIZE 8	/* the kernel's sigset_t on x86_64 */

/* One remote call: 0, -1 when it could not be made, or its positive errno. */
static int call(struct ckpt_remote *r, const char *name, long nr, const long args[6], long *ret, char *err,
		size_t errsize)
{
	if (ckpt_remote_syscall(r, nr, args, ret, err, errsize) < 0)
		return -1;
	if (*ret < 0 && *ret > -4096) {
		snprintf(err, errsize, "pid %d: remote %s: %s", (int)r->tid, name, strerror((int)-*ret));
		return (int)-*ret;
	}
	return 0;
}

/* A call that fills len bytes of scratch, copied to out. */
static int call_out(struct ckpt_remote *r, const char *name, long nr, long args[6], int out_arg, void *out,
		    size_t len, char *err, size_t errsize)
{
	uint64_t scratch;
	long ret;
	int rc;

	if (ckpt_remote_map_scratch(r, len, &scratch, err, errsize) < 0)
		return -1;
	args[out_arg] = (long)scratch;
	rc = call(r, name, nr, args, &ret, err, errsize);
	if (rc == 0 && ckpt_remote_read(r, scratch, out, len, err, errsize) < 0)
		return -1;
	return rc;
}

int ckpt_remote_get_sigaction(struct ckpt_remote *r, int sig, struct ckpt_remote_sigaction *out, char *err,
			      size_t errsize)
{
	/* struct kernel_sigaction: handler, flags, restorer, mask, 8 bytes each. */
	uint64_t ka[4];
	int rc = call_out(r, "rt_sigaction", SYS_rt_sigaction, (long[6]){ sig, 0, 0, SIGSET_SIZE }, 2, ka, sizeof(ka),
			  err, errsize);

	if (rc == 0)
		*out = (struct ckpt_remote_sigaction){ .handler = ka[0], .flags = ka[1], .restorer = ka[2], .mask = ka[3] };
	return rc;
}

int ckpt_remote_get_altstack(struct ckpt_remote *r, struct ckpt_remote_altstack *out, char *err, size_t errsize)
{
	/* stack_t: ss_sp, ss_flags (int, then 4 bytes of padding), ss_size. */
	unsigned char ss[24];
	int rc = call_out(r, "sigaltstack", SYS_sigaltstack, (long[6]){ 0 }, 1, ss, sizeof(ss), err, errsize);

	if (rc == 0) {
		memcpy(&out->sp, ss, 8);
		memcpy(&out->flags, ss + 8, 4);
		memcpy(&out->size, ss + 16, 8);
	}
	return rc;
}

int ckpt_remote_get_itimer(struct ckpt_remote *r, int which, struct ckpt_remote_itimer *out, char *err,
			   size_t errsize)
{
	/* struct itimerval: it_interval then it_value, each tv_sec, tv_usec. */
	int64_t v[4];
	int rc = call_out(r, "getitimer", SYS_getitimer, (long[6]){ which }, 1, v, sizeof(v), err, errsize);

	if (rc == 0)
		*out = (struct ckpt_remote_itimer){ .interval_sec = v[0], .interval_usec = v[1],
						    .value_sec = v[2], .value_usec = v[3] };
	return rc;
}

int ckpt_remote_get_no_new_privs(struct ckpt_remote *r, long *out, char *err, size_t errsize)
{
	return call(r, "prctl(PR_GET_NO_NEW_PRIVS)", SYS_prctl, (const long[6]){ PR_GET_NO_NEW_PRIVS }, out, err,
		    errsize);
}

int ckpt_remote_get_securebits(struct ckpt_remote *r, long *out, char *err, size_t errsize)
{
	return call(r, "prctl(PR_GET_SECUREBITS)", SYS_prctl, (const long[6]){ PR_GET_SECUREBITS }, out, err, errsize);
}

int ckpt_remote_get_personality(struct ckpt_remote *r, long *out, char *err, size_t errsize)
{
	/* 0xffffffff asks without changing it. */
	return call(r, "personality", SYS_personality, (const long[6]){ 0xffffffffL }, out, err, errsize);
}
