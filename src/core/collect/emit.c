/* Records of the image, built by field name through the rev 6 tables. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/emit.h"

int ckpt_emit_fail(struct ckpt_emit *e, const char *fmt, ...)
{
	va_list ap;

	if (!e->failed) {
		va_start(ap, fmt);
		vsnprintf(e->err, e->errsize, fmt, ap);
		va_end(ap);
		e->failed = true;
	}
	/* The record being built is dropped: nothing is written after a
	 * failure. */
	ckpt_rbuf_free(&e->b);
	return -1;
}

bool ckpt_emit_stopped(struct ckpt_emit *e)
{
	if (e->opt && e->opt->stop && *e->opt->stop) {
		ckpt_emit_fail(e, "interrupted by a signal");
		return true;
	}
	return e->failed;
}

int ckpt_emit_begin(struct ckpt_emit *e, const char *type, size_t len)
{
	if (e->failed)
		return -1;
	if (ckpt_rbuf_init(&e->b, e->s, type, len) < 0)
		return ckpt_emit_fail(e, "cannot build a %s record of %zu bytes", type, len);
	return 0;
}

int ckpt_emit_set(struct ckpt_emit *e, const char *field, uint64_t v)
{
	if (e->failed)
		return -1;
	if (ckpt_rbuf_set(&e->b, field, v) < 0)
		return ckpt_emit_fail(e, "%s.%s: no such field or value %#llx out of range",
				      e->b.rt->name, field, (unsigned long long)v);
	return 0;
}

int ckpt_emit_set_name(struct ckpt_emit *e, const char *field, const char *name)
{
	if (e->failed)
		return -1;
	if (ckpt_rbuf_set_name(&e->b, field, name) < 0)
		return ckpt_emit_fail(e, "%s.%s: no value named %s", e->b.rt->name, field, name);
	return 0;
}

int ckpt_emit_set_chars(struct ckpt_emit *e, const char *field, const char *s)
{
	if (e->failed)
		return -1;
	if (ckpt_rbuf_set_chars(&e->b, field, s) < 0)
		return ckpt_emit_fail(e, "%s.%s: cannot hold \"%s\"", e->b.rt->name, field, s);
	return 0;
}

int ckpt_emit_put(struct ckpt_emit *e)
{
	int rc = 0;

	if (!e->failed && ckpt_writer_put(&e->w, &e->b) < 0) {
		e->write_errno = e->w.error;
		rc = ckpt_emit_fail(e, "write error: %s", strerror(e->w.error));
	}
	if (e->failed)
		rc = -1;
	ckpt_rbuf_free(&e->b);
	if (rc == 0)
		e->records++;
	return rc;
}

int ckpt_emit_raw(struct ckpt_emit *e, const char *type, const void *p, size_t n)
{
	const struct ckpt_rtype *rt = ckpt_schema_type_by_name(e->s, type);

	if (e->failed)
		return -1;
	if (!rt || ckpt_rbuf_init_raw(&e->b, e->s, rt->type, p, n) < 0)
		return ckpt_emit_fail(e, "cannot build a %s record of %zu bytes", type, n);
	return ckpt_emit_put(e);
}

int ckpt_emit_padded(struct ckpt_emit *e, const char *type, const char *s, size_t n)
{
	char buf[4096 + 1];
	size_t len = strlen(s);

	if (len >= n || n > sizeof(buf))
		return ckpt_emit_fail(e, "\"%s\" does not fit %zu bytes", s, n);
	memset(buf, 0, n);
	memcpy(buf, s, len);
	return ckpt_emit_raw(e, type, buf, n);
}

int32_t ckpt_emit_objref(struct ckpt_emit *e, const char *objtype)
{
	int32_t ref = e->next_ref;

	if (ckpt_emit_begin(e, "OBJREF", 0) < 0 || ckpt_emit_set_name(e, "objtype", objtype) < 0 ||
	    ckpt_emit_set(e, "objref", (uint32_t)ref) < 0 || ckpt_emit_put(e) < 0)
		return -1;
	e->next_ref++;
	return ref;
}
