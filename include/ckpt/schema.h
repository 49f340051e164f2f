/* Record tables: each record type of each dialect described once, as data.
 *
 * Every consumer (views, checks, diff, encoder, browser) walks these tables
 * instead of knowing record layouts.  Offsets are bytes from the start of the
 * record, framing header included, as the format reference counts them.
 */
#ifndef CKPT_SCHEMA_H
#define CKPT_SCHEMA_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

enum ckpt_dialect {
	CKPT_DIALECT_NONE = 0,
	CKPT_DIALECT_V17,	/* linux-cr RFC v17, header rev 1 */
	CKPT_DIALECT_REV6,	/* linux-cr final (ckpt-v23), rev 6, x86_64 */
	CKPT_DIALECT_LINUXCR,	/* "LinuxC/R", Feb 2009, x86_32 */
};

/* A value -> name mapping, used by enums (whole value) and flag sets (bits). */
struct ckpt_name {
	uint64_t value;
	const char *name;
};

struct ckpt_names {
	const char *what;		/* e.g. "vm_flags", "signal" */
	const struct ckpt_name *names;
	size_t count;
};

enum ckpt_kind {
	CKPT_K_UINT,		/* unsigned decimal */
	CKPT_K_INT,		/* signed decimal */
	CKPT_K_HEX,		/* unsigned, shown 0x-prefixed, zero-padded to width */
	CKPT_K_OCTAL,		/* unsigned, shown in octal (modes, umask) */
	CKPT_K_ENUM,		/* unsigned, named through .names */
	CKPT_K_SENUM,		/* signed, named through .names (signal numbers) */
	CKPT_K_FLAGS,		/* bit set, bits named through .names (mask values) */
	CKPT_K_SIGSET,		/* bit n-1 is signal n; .names = signal names */
	CKPT_K_CHARS,		/* fixed char array, NUL padded; shown escaped */
	CKPT_K_OBJREF,		/* s32 reference to an object of type .objtype */
	CKPT_K_TIME,		/* u64 seconds since the epoch */
	CKPT_K_BYTES,		/* opaque bytes, shown as hex */
	CKPT_K_PAD,		/* padding: not shown, must be zero for checks */
	CKPT_K_ARRAY,		/* array of .elem structs, .stride bytes each */
};

struct ckpt_field {
	const char *name;
	uint32_t offset;
	uint32_t width;			/* bytes (1, 2, 4, 8; any for CHARS/BYTES/PAD) */
	enum ckpt_kind kind;
	const struct ckpt_names *names;	/* ENUM, SENUM, FLAGS, SIGSET; ARRAY: index names */
	int objtype;			/* OBJREF: object type it must refer to (0 = any) */
	/* OBJREF: values that are markers, not objrefs (e.g. CKPT_PID_ROOT in
	 * TREE entries); a name's value is the sign-extended field value.  0
	 * ("none") needs no entry: it is allowed in every OBJREF field. */
	const struct ckpt_names *specials;
	bool no_nul;			/* CHARS: fills its width, no NUL by design
					 * (the LinuxC/R signature) */
	bool restart_checked;		/* restart refuses an image whose value
					 * differs from the running kernel's */
	/* ARRAY only */
	const struct ckpt_field *elem;
	size_t n_elem;
	uint32_t stride;
	uint32_t count;			/* fixed element count, or 0: see count_field */
	const char *count_field;	/* sibling field holding the count; NULL and
					 * count 0: as many as fill the record */
	uint32_t index_base;		/* element i is named by .names(i + index_base) */
	bool sparse;			/* all-zero elements are defaults a view may elide */
	const char *doc;		/* one line for man pages and the browser */
};

/* How a BUFFER or STRING that carries a parent's data is laid out. */
enum ckpt_layout_kind {
	CKPT_L_BYTES = 0,	/* opaque */
	CKPT_L_STRING,		/* text, NUL terminated (or padded) */
	CKPT_L_ERRMSG,		/* error text: a NUL, then the message */
	CKPT_L_STRUCTS,		/* array of .elem structs, .stride each */
	CKPT_L_PIDS,		/* packed { u32 depth; s32 nr[depth + 1] } */
	CKPT_L_PAGES,		/* N u64 addresses then N pages; N from parent */
};

struct ckpt_layout {
	enum ckpt_layout_kind kind;
	const struct ckpt_field *elem;	/* STRUCTS */
	size_t n_elem;
	uint32_t stride;
	const struct ckpt_names *index_names;	/* STRUCTS: name of element i */
};

/* A record that follows a parent and carries part of its data
 * (HEADER -> BUFFER release, PGARR -> BUFFER pages, TASK -> STRING comm). */
struct ckpt_follow {
	uint32_t type;			/* record type expected */
	const char *role;		/* e.g. "release", "comm", "pages" */
	struct ckpt_layout layout;
	const char *if_nonzero;		/* only when this parent field is != 0 */
	const char *count_field;	/* PAGES: parent field holding N */
	uint32_t max_len;		/* 0: any; else the whole record's limit */
};

enum ckpt_size_rule {
	CKPT_SIZE_EXACT,	/* len == min_len */
	CKPT_SIZE_RANGE,	/* min_len <= len <= max_len */
};

struct ckpt_rtype {
	uint32_t type;
	const char *name;
	enum ckpt_size_rule size_rule;
	uint32_t min_len;		/* framing header included */
	uint32_t max_len;
	const struct ckpt_field *fields;
	size_t n_fields;
	const struct ckpt_follow *follows;
	size_t n_follows;
	enum ckpt_layout_kind payload;	/* BUFFER/STRING-like types: generic payload */
	const char *doc;
};

struct ckpt_schema {
	enum ckpt_dialect dialect;
	const char *id;			/* "linux-cr-v17", "linux-cr-rev6", "linuxcr-2009" */
	const char *title;
	uint32_t hdr_len;		/* framing header size (8) */
	uint32_t align;			/* records start on this boundary (1 or 8) */
	uint32_t max_type;		/* largest type number */
	const struct ckpt_rtype *preamble;	/* unframed leading header, or NULL */
	const struct ckpt_rtype *types;
	size_t n_types;
	const struct ckpt_names *objtypes;	/* OBJREF object types, or NULL */
	/* Framing facts the reader needs; 0 where the dialect has none. */
	uint32_t header_type;		/* first framed record (HEADER) */
	uint32_t buffer_type, string_type;
	uint32_t objref_type;
	uint32_t tail_type;		/* last record of a complete image */
	uint32_t error_type;		/* ends a failed image (after its STRING) */
	uint64_t head_magic, tail_magic;
};

/* Object types of the rev 6 dialect (OBJREF.objtype). */
enum {
	CKPT_OBJ_IGNORE = 0, CKPT_OBJ_PID, CKPT_OBJ_INODE, CKPT_OBJ_FILE_TABLE,
	CKPT_OBJ_FILE, CKPT_OBJ_MM, CKPT_OBJ_FS, CKPT_OBJ_SIGHAND, CKPT_OBJ_SIGNAL,
	CKPT_OBJ_NS, CKPT_OBJ_UTS_NS, CKPT_OBJ_IPC_NS, CKPT_OBJ_MNT_NS,
	CKPT_OBJ_USER_NS, CKPT_OBJ_CRED, CKPT_OBJ_USER, CKPT_OBJ_GROUPINFO,
	CKPT_OBJ_SOCK, CKPT_OBJ_TTY, CKPT_OBJ_SECURITY_PTR, CKPT_OBJ_SECURITY,
	CKPT_OBJ_NET_NS, CKPT_OBJ_NETDEV, CKPT_OBJ_SEM_UNDO, CKPT_OBJ_MAX,
};

/* Marker values of rev 6 TREE entries, where a pid objref is expected. */
#define CKPT_PID_NULL	(-4096)		/* no such pid (e.g. a session id of 0) */
#define CKPT_PID_ROOT	(-4097)		/* the parent lies outside the tree */

/* Dialect tables. */
const struct ckpt_schema *ckpt_schema_for(enum ckpt_dialect d);
const struct ckpt_schema *ckpt_schema_by_id(const char *id);
const struct ckpt_schema *const *ckpt_schemas(size_t *n);

/* Table look-ups. */
const struct ckpt_rtype *ckpt_schema_type(const struct ckpt_schema *s, uint32_t type);
const struct ckpt_rtype *ckpt_schema_type_by_name(const struct ckpt_schema *s, const char *name);
const struct ckpt_field *ckpt_rtype_field(const struct ckpt_rtype *rt, const char *name);
const char *ckpt_names_lookup(const struct ckpt_names *n, uint64_t value);
bool ckpt_names_value(const struct ckpt_names *n, const char *name, uint64_t *value);

/* Field access over a record's bytes; the caller guarantees
 * offset + width <= available bytes (ckpt_field_fits says so). */
bool ckpt_field_fits(const struct ckpt_field *f, size_t avail);
uint64_t ckpt_field_u64(const struct ckpt_field *f, const uint8_t *rec);
int64_t ckpt_field_s64(const struct ckpt_field *f, const uint8_t *rec);
void ckpt_field_put(const struct ckpt_field *f, uint8_t *rec, uint64_t v);
/* Whether v fits the field's width (as signed or unsigned, by its kind). */
bool ckpt_field_value_fits(const struct ckpt_field *f, uint64_t v);

/* Little-endian loads and stores: images are little-endian on every dialect
 * we read, so fields are decoded the same way on any host. */
uint64_t ckpt_le_load(const uint8_t *p, unsigned width);
void ckpt_le_store(uint8_t *p, unsigned width, uint64_t v);

/* The number of elements of an ARRAY field in a record of avail bytes
 * (its count, its count field, or what fills the record).  Sets *fits to
 * false when the declared count does not fit in the record. */
uint64_t ckpt_array_count(const struct ckpt_rtype *rt, const struct ckpt_field *f,
			  const uint8_t *rec, size_t len, bool *fits);

#define CKPT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
