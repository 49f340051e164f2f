/* Comparing two images object by object.
 *
 * Objects are matched by identity, not position: tasks by pid (or by their
 * place in the process tree), shared objects through the task fields that
 * reference them, VMAs by start address (else by backing file and offset),
 * descriptors by number.  Matched records are compared field by field from
 * the record tables, values formatted as ckptdump prints them; page
 * contents are compared per VMA in bounded windows, never held whole.
 * Differences reach the caller one at a time, header ones first.
 */
#ifndef CKPT_DIFF_H
#define CKPT_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt/image.h"
#include "ckpt/model.h"

enum ckpt_diff_match {
	CKPT_DIFF_MATCH_PID,	/* tasks with the same pid (thread id) */
	CKPT_DIFF_MATCH_TREE,	/* tasks at the same place in the process tree */
};

struct ckpt_diff_options {
	enum ckpt_diff_match match;
	/* Keys ("cred.cap_effective") whose differences are dropped: fnmatch(3)
	 * patterns; a pattern without a dot also drops a whole type ("cpu"). */
	const char *const *ignore;
	size_t n_ignore;
	/* Types ("cred", "uts_ns", "pages"...) to report; none: every type. */
	const char *const *only;
	size_t n_only;
	bool page_bytes;	/* keep the first differing bytes of changed page runs */
	bool no_default_ignores;	/* also report what is ignored by default */
	/* Take two page runs whose BUFFER records have equal EXT_DIGEST
	 * digests as equal without reading them.  Off by default: a digest
	 * that no longer matches its record (an edited or corrupted image)
	 * would hide a difference; ckptcheck verifies them. */
	bool trust_digests;
};

enum ckpt_diff_kind {
	CKPT_DIFF_CHANGED,	/* a value differs */
	CKPT_DIFF_ADDED,	/* an object (task, record, VMA, fd) only in B */
	CKPT_DIFF_REMOVED,	/* only in A */
	CKPT_DIFF_PAGES,	/* page contents of a matched VMA differ */
	CKPT_DIFF_SHARING,	/* an object is shared differently */
};

/* One side of a changed value: a table field over its struct's bytes when
 * there is one (views render it: ckpt_field_json), and always its text. */
struct ckpt_diff_value {
	const struct ckpt_field *field;
	const uint8_t *base;
	bool is_num;		/* no field: num is the value */
	int64_t num;
	bool absent;		/* the record or field is missing on this side */
	const char *text;	/* as ckptdump prints it */
};

enum ckpt_diff_range_kind { CKPT_RANGE_CHANGED, CKPT_RANGE_ADDED, CKPT_RANGE_REMOVED };

/* Consecutive pages of one VMA that differ the same way.  Addresses are
 * A's for changed and removed pages, B's for added ones. */
struct ckpt_diff_range {
	enum ckpt_diff_range_kind kind;
	uint64_t start;
	uint64_t pages;
	/* CHANGED with page_bytes: the first differing byte's address and the
	 * 16 bytes of each side from that address rounded down to 16. */
	bool has_bytes;
	uint64_t first_diff;
	uint64_t bytes_at;
	uint8_t a_bytes[16], b_bytes[16];
};

struct ckpt_diff_item {
	enum ckpt_diff_kind kind;
	const char *object;	/* "task 1234 (sleep) cred" */
	const char *type;	/* lower-case record type: "cred", "cpu", "pages" */
	const char *key;	/* "cred.cap_effective": what --ignore matches */
	const char *field;	/* "cap_effective", "rlim[RLIMIT_NOFILE].cur"; NULL: whole object */
	struct ckpt_diff_value a, b;	/* CHANGED, SHARING */
	bool header;		/* part of the image header */
	bool blocks_restore;	/* restart on the other kernel would refuse it */
	/* PAGES */
	uint64_t changed, added, removed;
	const struct ckpt_diff_range *ranges;
	size_t n_ranges;
	/* ADDED, REMOVED: who the object is, for scripts (0 / false / NULL
	 * where it does not apply); `object` says the same in words. */
	int64_t pid;			/* a task: its pid */
	const char *comm;
	bool has_fd;			/* a descriptor: its number and file */
	int32_t fd;
	const char *path;		/* the descriptor's or the VMA's file */
	const char *access;		/* the descriptor's "r", "w", "rw" */
	bool has_pos;
	uint64_t pos;
	bool has_vma;			/* a VMA: its range and protection */
	uint64_t vma_start, vma_end;
	const char *perm;		/* "r-xp", as /proc/PID/maps */
};

typedef void (*ckpt_diff_cb)(void *arg, const struct ckpt_diff_item *item);

struct ckpt_diff_summary {
	uint64_t differences;		/* items reported */
	/* When the comparison failed: 'A' or 'B', the image the error is in
	 * (0: neither, e.g. memory ran out). */
	char error_image;
	uint64_t pages_compared;	/* pages whose bytes were read on both sides */
	uint64_t pages_by_digest;	/* pages found equal by EXT_DIGEST alone */
};

/* Compares the images behind two models (built from a and b, which must be
 * files or memory: page data is read at random).  0 when the comparison
 * ran (summary->differences says whether they differ); -1 when something
 * could not be compared: a page that cannot be read, a reference to no
 * object, a tree value naming no pid, pages outside their VMA or missing
 * from their record (*err says where, summary->error_image in which
 * image).  The diff never calls two images the same without having
 * compared everything. */
int ckpt_diff_models(struct ckpt_image *a, const struct ckpt_model *ma,
		     struct ckpt_image *b, const struct ckpt_model *mb,
		     const struct ckpt_diff_options *opt, ckpt_diff_cb cb, void *arg,
		     struct ckpt_diff_summary *summary, struct ckpt_error *err);

/* Whether options drop a difference of this type and key. */
bool ckpt_diff_filtered(const struct ckpt_diff_options *opt, const char *type, const char *key);

/* Checks an --only TYPE or --ignore KEY pattern (fnmatch globs) against
 * what the diff can report: 0 when it can match; -1 when its type (the
 * part before the first dot, or all of a --only pattern) matches no type;
 * -2 when its field part, written without globs, is no field, follower
 * or pseudo-field of the types it names. */
int ckpt_diff_pattern_check(const char *pattern, bool is_key);
/* Calls fn with every type name an item can carry (lower case), once. */
void ckpt_diff_type_names(void (*fn)(void *arg, const char *name), void *arg);

/* Keys ignored unless no_default_ignores is set: facts about the producer's
 * run, not about the checkpointed tree. */
const char *const *ckpt_diff_default_ignores(size_t *n);

#endif
