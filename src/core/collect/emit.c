/* Records of the image, built by field name through the rev 6 tables. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "collect/collect_impl.h"

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

void *ckpt_push(void *arrayp, size_t *n, size_t size)
{
	void **array = arrayp;

	/* Capacity: powers of two, so growth is implied by the count. */
	if ((*n & (*n - 1)) == 0) {
		size_t cap = *n ? *n * 2 : 4;
		void *bigger = realloc(*array, cap * size);

		if (!bigger)
			return NULL;
		*array = bigger;
	}
	void *slot = (char *)*array + *n * size;

	memset(slot, 0, size);
	(*n)++;
	return slot;
}

struct key_ref *ckpt_find_key(struct key_ref *a, size_t n, uint64_t ka, uint64_t kb)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].a == ka && a[i].b == kb)
			return &a[i];
	return NULL;
}

int32_t ckpt_define_key(struct collect *c, struct key_ref **a, size_t *n, uint64_t ka, uint64_t kb,
			const char *objtype)
{
	struct key_ref *k = ckpt_push(a, n, sizeof(*k));

	if (!k)
		return ckpt_oom(c);
	k->a = ka;
	k->b = kb;
	k->ref = ckpt_emit_objref(&c->e, objtype);
	return k->ref;
}

/* The kcmp(2) type that compares two tasks' objects of a type, or -1. */
static int kcmp_type_of(uint32_t objtype)
{
	switch (objtype) {
	case CKPT_OBJ_MM: return KCMP_VM;
	case CKPT_OBJ_FILE_TABLE: return KCMP_FILES;
	case CKPT_OBJ_FS: return KCMP_FS;
	case CKPT_OBJ_SIGHAND: return KCMP_SIGHAND;
	case CKPT_OBJ_FILE: return KCMP_FILE;
	default: return -1;
	}
}

/* kcmp(2) orders objects (by their obfuscated kernel addresses), so each
 * type's objects are kept sorted by it and a task is looked up by binary
 * search: O(log n) calls per task instead of one per object seen.  *at is
 * where an object of tid's would go.  Open files compare by descriptor
 * (KCMP_FILE); mapped files (fd -1) are not in the index. */
static const struct shared_obj *kcmp_search(const struct collect *c, uint32_t objtype, pid_t tid, int fd,
					    size_t *at)
{
	const size_t *idx = c->sorted[objtype];
	size_t lo = 0, hi = c->n_sorted[objtype];
	int type = kcmp_type_of(objtype);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct shared_obj *o = &c->objs[idx[mid]];
		long r = syscall(SYS_kcmp, o->tid, tid, type, (unsigned long)o->fd, (unsigned long)fd);

		if (r == 0) {
			*at = mid;
			return o;
		}
		if (r == 1)		/* o's object sorts before tid's */
			lo = mid + 1;
		else if (r == 2)
			hi = mid;
		else
			break;		/* no order (an error): not shared */
	}
	*at = lo;
	return NULL;
}

struct shared_obj *ckpt_shared_add(struct collect *c, uint32_t objtype, int32_t ref, pid_t tgid, pid_t tid,
				   int fd)
{
	size_t at = 0;

	if (kcmp_type_of(objtype) >= 0 && (objtype != CKPT_OBJ_FILE || fd >= 0)) {
		kcmp_search(c, objtype, tid, fd, &at);
		size_t n = c->n_sorted[objtype];
		size_t *slot = ckpt_push(&c->sorted[objtype], &c->n_sorted[objtype], sizeof(size_t));

		if (!slot) {
			ckpt_oom(c);
			return NULL;
		}
		memmove(&c->sorted[objtype][at + 1], &c->sorted[objtype][at], (n - at) * sizeof(size_t));
		c->sorted[objtype][at] = c->n_objs;
	}
	struct shared_obj *o = ckpt_push(&c->objs, &c->n_objs, sizeof(*o));

	if (!o) {
		ckpt_oom(c);
		return NULL;
	}
	o->objtype = objtype;
	o->ref = ref;
	o->tgid = tgid;
	o->tid = tid;
	o->fd = fd;
	return o;
}

const struct shared_obj *ckpt_shared_kcmp(const struct collect *c, uint32_t objtype, pid_t tid, int fd)
{
	size_t at;

	return kcmp_type_of(objtype) >= 0 ? kcmp_search(c, objtype, tid, fd, &at) : NULL;
}
