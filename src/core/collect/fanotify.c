/* EXT_FANOTIFY: a fanotify group's fanotify_init(2) flags and its marks,
 * from the file's fdinfo, which lists them as
 *
 *   fanotify flags:F event-flags:E
 *   fanotify ino:I sdev:D mflags:M mask:K ignored_mask:G fhandle-bytes:B fhandle-type:T f_handle:HEX
 *   fanotify mnt_id:N mflags:M mask:K ignored_mask:G
 *   fanotify sdev:D mflags:M mask:K ignored_mask:G
 *
 * (every number hex): an inode mark, a mount mark (FAN_MARK_MOUNT), a
 * filesystem mark (FAN_MARK_FILESYSTEM).  An inode mark carries the file
 * handle a restorer opens with open_by_handle_at(2), as inotify's do.
 * Events already queued are not read: reading them would take them. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "collect/collect_impl.h"
#include "ckpt/ext.h"

struct mark {
	uint32_t kind, mflags, sdev, mnt_id, hbytes;
	int32_t htype;
	uint64_t mask, ignored, ino;
	uint8_t handle[CKPT_EXT_FANOTIFY_HANDLE_MAX];
};

/* One mark line (after "fanotify ") into m; false when it is none of the
 * three kinds or does not parse. */
static bool parse_mark(const char *l, struct mark *m)
{
	unsigned long long ino, mask, ign;
	unsigned sdev, mflags, mnt, hbytes;
	int htype, used = 0;

	memset(m, 0, sizeof(*m));
	if (sscanf(l, "ino:%llx sdev:%x mflags:%x mask:%llx ignored_mask:%llx fhandle-bytes:%x fhandle-type:%x f_handle:%n",
		   &ino, &sdev, &mflags, &mask, &ign, &hbytes, &htype, &used) == 7 && used) {
		if (hbytes > CKPT_EXT_FANOTIFY_HANDLE_MAX)
			return false;
		for (unsigned i = 0; i < hbytes; i++) {
			unsigned byte;

			if (sscanf(l + used + 2 * i, "%2x", &byte) != 1)
				return false;
			m->handle[i] = (uint8_t)byte;
		}
		m->kind = CKPT_FANOTIFY_INODE;
		m->ino = ino;
		m->sdev = sdev;
		m->hbytes = hbytes;
		m->htype = htype;
	} else if (sscanf(l, "mnt_id:%x mflags:%x mask:%llx ignored_mask:%llx", &mnt, &mflags, &mask, &ign) == 4) {
		m->kind = CKPT_FANOTIFY_MOUNT;
		m->mnt_id = mnt;
	} else if (sscanf(l, "sdev:%x mflags:%x mask:%llx ignored_mask:%llx", &sdev, &mflags, &mask, &ign) == 4) {
		m->kind = CKPT_FANOTIFY_SB;
		m->sdev = sdev;
	} else {
		return false;
	}
	m->mflags = mflags;
	m->mask = mask;
	m->ignored = ign;
	return true;
}

int ckpt_write_fanotify(struct collect *c, int32_t ref, const char *info)
{
	struct ckpt_emit *e = &c->e;
	unsigned flags, event_flags;
	const char *head = strstr(info, "fanotify flags:");
	size_t n = 0;

	if (!head || sscanf(head, "fanotify flags:%x event-flags:%x", &flags, &event_flags) != 2)
		return ckpt_emit_fail(e, "FILE objref %d: its fdinfo has no fanotify flags line", (int)ref);
	for (const char *l = strstr(info, "\nfanotify "); l; l = strstr(l + 1, "\nfanotify "))
		if (strncmp(l + 10, "flags:", 6) != 0)
			n++;
	if (n > CKPT_EXT_FANOTIFY_MAX)
		return ckpt_emit_fail(e, "FILE objref %d: %zu fanotify marks, more than %u", (int)ref, n,
				      CKPT_EXT_FANOTIFY_MAX);
	if (ckpt_emit_begin(e, "EXT_FANOTIFY", CKPT_EXT_FANOTIFY_HDR_LEN + n * CKPT_EXT_FANOTIFY_MARK_LEN) < 0)
		return -1;
	ckpt_emit_set(e, "file_objref", (uint32_t)ref);
	ckpt_emit_set(e, "nr_marks", n);
	ckpt_emit_set(e, "init_flags", flags);
	ckpt_emit_set(e, "event_f_flags", event_flags);
	size_t i = 0;

	for (const char *l = strstr(info, "\nfanotify "); l && i < n && !e->failed; l = strstr(l + 1, "\nfanotify ")) {
		struct mark m;
		struct ckpt_rbuf *b = &e->b;

		if (strncmp(l + 10, "flags:", 6) == 0)
			continue;
		if (!parse_mark(l + 10, &m))
			return ckpt_emit_fail(e, "FILE objref %d: fanotify mark %zu: cannot parse its fdinfo line",
					      (int)ref, i);
		if (ckpt_rbuf_set_elem(b, "marks", i, "kind", m.kind) < 0 ||
		    ckpt_rbuf_set_elem(b, "marks", i, "mflags", m.mflags) < 0 ||
		    ckpt_rbuf_set_elem(b, "marks", i, "mask", m.mask) < 0 ||
		    ckpt_rbuf_set_elem(b, "marks", i, "ignored_mask", m.ignored) < 0 ||
		    ckpt_rbuf_set_elem(b, "marks", i, "sdev", m.sdev) < 0 ||
		    ckpt_rbuf_set_elem(b, "marks", i, "mnt_id", m.mnt_id) < 0 ||
		    ckpt_rbuf_set_elem(b, "marks", i, "ino", m.ino) < 0 ||
		    ckpt_rbuf_set_elem(b, "marks", i, "handle_type", (uint32_t)m.htype) < 0 ||
		    ckpt_rbuf_set_elem(b, "marks", i, "handle_bytes", m.hbytes) < 0)
			return ckpt_emit_fail(e, "FILE objref %d: fanotify mark %zu: a value does not fit", (int)ref, i);
		memcpy(b->data + CKPT_EXT_FANOTIFY_HDR_LEN + i * CKPT_EXT_FANOTIFY_MARK_LEN + 48, m.handle, m.hbytes);
		i++;
	}
	ckpt_emit_put(e);
	return e->failed ? -1 : 0;
}
