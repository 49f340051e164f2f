/* A task's command line and environment, read from its dumped pages: the
 * MM record gives the bounds (arg_start/arg_end, env_start/env_end) and
 * the model's page runs say where those bytes lie in the image.  The area
 * is read a page at a time and cut into NUL-separated strings, so memory
 * stays bounded by one page and one string whatever the area claims. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ckpt/format.h"
#include "ckpt/summary.h"

/* Larger areas than this are not a command line: a corrupt MM record. */
#define TASK_STRINGS_AREA_MAX (64u << 20)

static long refuse(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static long refuse(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (size) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return -1;
}

struct string_cut {
	uint8_t bytes[CKPT_TASK_STRING_MAX];
	size_t len;
	bool cut;
	char escaped[CKPT_TASK_STRING_MAX * 4 + 8];
};

static void string_end(struct string_cut *s, ckpt_task_string_fn fn, void *arg)
{
	size_t n = ckpt_escape(s->bytes, s->len, s->escaped, sizeof(s->escaped) - 4);

	if (n >= sizeof(s->escaped) - 4)
		n = strlen(s->escaped);
	if (s->cut)
		memcpy(s->escaped + n, "...", 4);
	fn(arg, s->escaped);
	s->len = 0;
	s->cut = false;
}

long ckpt_task_strings(struct ckpt_image *img, const struct ckpt_model *m, const struct ckpt_model_task *t,
		       enum ckpt_task_strings which, uint64_t max_bytes, ckpt_task_string_fn fn, void *arg,
		       char *why, size_t why_size)
{
	const char *lo_name = which == CKPT_TASK_ARGV ? "arg_start" : "env_start";
	const char *hi_name = which == CKPT_TASK_ARGV ? "arg_end" : "env_end";
	const char *what = which == CKPT_TASK_ARGV ? "command line" : "environment";
	const struct ckpt_model_mm *mm = ckpt_model_task_mm(m, t);
	struct ckpt_error err;
	uint64_t lo, hi;
	int r;

	if (!mm)
		return refuse(why, why_size, "the task has no address space in the image");
	if ((r = ckpt_model_field_u64(img, m, mm->record, lo_name, &lo, &err)) == 0)
		r = ckpt_model_field_u64(img, m, mm->record, hi_name, &hi, &err);
	if (r > 0)
		return refuse(why, why_size, "this dialect's MM record has no %s bounds", what);
	if (r < 0) {
		char msg[512];

		ckpt_error_format(&err, msg, sizeof(msg));
		return refuse(why, why_size, "%s", msg);
	}
	if (hi < lo || hi - lo > TASK_STRINGS_AREA_MAX)
		return refuse(why, why_size, "the MM's %s bounds 0x%" PRIx64 "-0x%" PRIx64 " are not an area",
			      what, lo, hi);
	if (max_bytes && hi - lo > max_bytes)
		hi = lo + max_bytes;

	static __thread struct string_cut s;	/* 20 KiB: not on the stack */
	uint8_t page[CKPT_PAGE_SIZE];
	long n = 0;

	s.len = 0;
	s.cut = false;
	for (uint64_t addr = lo; addr < hi;) {
		uint64_t off, contiguous;

		if (!ckpt_model_page_at(mm, addr, &off, &contiguous)) {
			if (addr == lo)
				return refuse(why, why_size, "the page holding the %s (0x%" PRIx64 ") was not saved",
					      what, addr);
			break;	/* what was saved is shown */
		}
		uint64_t want = hi - addr;

		if (want > contiguous)
			want = contiguous;
		if (want > sizeof(page) - (addr & (CKPT_PAGE_SIZE - 1)))
			want = sizeof(page) - (addr & (CKPT_PAGE_SIZE - 1));
		ssize_t got = ckpt_image_read_at(img, off, page, (size_t)want);

		if (got != (ssize_t)want)
			return refuse(why, why_size, "reading image byte %" PRIu64 " of the %s: %s", off, what,
				      got < 0 ? strerror(errno) : "short read");
		for (size_t i = 0; i < (size_t)want; i++) {
			if (page[i] == 0) {
				string_end(&s, fn, arg);
				n++;
			} else if (s.len < sizeof(s.bytes)) {
				s.bytes[s.len++] = page[i];
			} else {
				s.cut = true;
			}
		}
		addr += want;
	}
	if (s.len) {
		string_end(&s, fn, arg);
		n++;
	}
	return n;
}

struct joined {
	char *out;
	size_t size, len;
	bool full;
};

static void join(void *arg, const char *escaped)
{
	struct joined *j = arg;
	size_t need = strlen(escaped) + (j->len ? 1 : 0);

	if (j->full)
		return;
	if (j->len + need + 4 > j->size) {
		/* Cut with "...": the line stays within size. */
		size_t room = j->size > j->len + 4 ? j->size - j->len - 4 : 0;

		if (room > need)
			room = need;
		snprintf(j->out + j->len, j->size - j->len, "%s%.*s...", j->len ? " " : "",
			 (int)(room ? room - (j->len ? 1 : 0) : 0), escaped);
		j->len = strlen(j->out);
		j->full = true;
		return;
	}
	j->len += (size_t)snprintf(j->out + j->len, j->size - j->len, "%s%s", j->len ? " " : "", escaped);
}

bool ckpt_task_cmdline(struct ckpt_image *img, const struct ckpt_model *m, const struct ckpt_model_task *t,
		       char *out, size_t size)
{
	struct joined j = { .out = out, .size = size };
	char why[16];

	if (!size)
		return false;
	out[0] = '\0';
	if (size < 8)
		return false;
	return ckpt_task_strings(img, m, t, CKPT_TASK_ARGV, 64 * 1024, join, &j, why, sizeof(why)) > 0;
}
