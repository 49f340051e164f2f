/* Parsing --external declarations.  ckptcheck and ckptrestore take the same
 * syntax, so the parser lives in the library: "fd:PID:FD" declares that the
 * descriptor FD of the image's task PID refers to an object (a pipe, socket
 * or tty) whose other end lies outside the image, and that the user will
 * provide it at restore time.  The argument comes from a command line, but
 * it is echoed only escaped: it may hold any byte. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/check.h"
#include "ckpt/format.h"

/* The decimal number at s, in [min, max]; *end is set past its digits.
 * -1 if there is none or it is out of range. */
static int parse_number(const char *s, int64_t min, int64_t max, const char **end, int64_t *out)
{
	if (*s < '0' || *s > '9')
		return -1;
	int64_t v = 0;
	while (*s >= '0' && *s <= '9') {
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
		s++;
	}
	if (v < min || v > max)
		return -1;
	*end = s;
	*out = v;
	return 0;
}

static int fail(char *err, size_t errsize, const char *spec, const char *why)
{
	if (err && errsize) {
		char shown[96];
		size_t n = strlen(spec);
		ckpt_escape((const uint8_t *)spec, n > 64 ? 64 : n, shown, sizeof shown);
		snprintf(err, errsize, "--external '%s%s': %s (expected fd:PID:FD)", shown,
			 n > 64 ? "..." : "", why);
	}
	return -1;
}

int ckpt_external_parse(const char *spec, struct ckpt_external *out, char *err, size_t errsize)
{
	if (!spec)
		spec = "";
	if (strncmp(spec, "fd:", 3) != 0)
		return fail(err, errsize, spec, "unknown kind (only fd is known)");
	const char *p = spec + 3, *end;
	int64_t pid, fd;
	if (parse_number(p, 1, INT32_MAX, &end, &pid) < 0)
		return fail(err, errsize, spec, "PID is not a number from 1 to 2147483647");
	if (*end != ':')
		return fail(err, errsize, spec, "no ':' after PID");
	p = end + 1;
	if (parse_number(p, 0, INT32_MAX, &end, &fd) < 0)
		return fail(err, errsize, spec, "FD is not a number from 0 to 2147483647");
	if (*end != '\0')
		return fail(err, errsize, spec, "trailing bytes after FD");
	memset(out, 0, sizeof *out);
	out->kind = CKPT_EXTERNAL_FD;
	out->pid = (int32_t)pid;
	out->fd = (int32_t)fd;
	return 0;
}

bool ckpt_external_match(const struct ckpt_external *list, size_t n, int32_t pid, int32_t fd)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].kind == CKPT_EXTERNAL_FD && list[i].pid == pid && list[i].fd == fd)
			return true;
	return false;
}
