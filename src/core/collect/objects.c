/* The shared-object registry of the image being written: which objects the
 * tree shares (by key, or by kcmp(2) against a task seen before), so each is
 * written once and later tasks only name its objref. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "collect/collect_impl.h"

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
