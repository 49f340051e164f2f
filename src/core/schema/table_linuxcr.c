/* Dialect 3: "LinuxC/R" (OpenVZ posting, Feb 2009), x86_32.
 *
 * An unframed 84-byte header, then objects framed by { u32 type; u32 len }
 * with len counting the frame; the writer rounds the file position up to 8
 * after every object and after the header, so the first object is at 88.
 * The image ends with its last object: there is no trailer.
 *
 * Type numbers are those of the Feb 2009 posting; the Mar 2009 posting kept
 * image version 1 but renumbered every type, so an image's numbers cannot
 * tell the two apart and only the first is described here.
 */
#include "schema/table.h"

enum {
	LCR_UTS_NS = 1, LCR_CRED = 2,
};

static const struct ckpt_field lcr_header_fields[] = {
	F_SIGNATURE("signature", 0, 8, "the 8 bytes \"LinuxC/R\", no NUL"),
	F_U_CHECKED("image_version", 8, 8, "image version: 1"),
	F_CHARS("uts_release", 16, 64, "release of the checkpointing kernel"),
	F_ENUM_CHECKED("arch", 80, 4, ckpt_names_lcr_arch, "architecture that wrote the image: X86_32 (1)"),
};

/* Not framed, so it has no type number of its own. */
static const struct ckpt_rtype lcr_header = {
	.type = 0, .name = "HEADER", EXACT(84), FIELDS(lcr_header_fields),
	.doc = "image header: signature \"LinuxC/R\", image version, kernel release, arch",
};

static const struct ckpt_field lcr_uts_ns_fields[] = {
	F_CHARS("sysname", 8, 64, "operating system name (uname -s)"),
	F_CHARS("nodename", 72, 64, "host name (uname -n)"),
	F_CHARS("release", 136, 64, "kernel release (uname -r)"),
	F_CHARS("version", 200, 64, "kernel version string (uname -v)"),
	F_CHARS("machine", 264, 64, "hardware name (uname -m)"),
	F_CHARS("domainname", 328, 64, "NIS domain name"),
};

/* uid and gid alternate here (real, saved, effective, fs), unlike rev 6,
 * which lists all four uids before the gids: easy to transpose. */
static const struct ckpt_field lcr_cred_fields[] = {
	F_U("uid", 8, 4, "real user id (uids and gids alternate here, unlike rev 6)"),
	F_U("gid", 12, 4, "real group id"),
	F_U("suid", 16, 4, "saved user id"),
	F_U("sgid", 20, 4, "saved group id"),
	F_U("euid", 24, 4, "effective user id"),
	F_U("egid", 28, 4, "effective group id"),
	F_U("fsuid", 32, 4, "file system user id"),
	F_U("fsgid", 36, 4, "file system group id"),
	F_FLAGS("cap_inheritable", 40, 8, ckpt_names_cap, "inheritable capabilities"),
	F_FLAGS("cap_permitted", 48, 8, ckpt_names_cap, "permitted capabilities"),
	F_FLAGS("cap_effective", 56, 8, ckpt_names_cap,
	    "effective capabilities: a subset of the permitted ones"),
	F_FLAGS("cap_bset", 64, 8, ckpt_names_cap, "capability bounding set"),
};

static const struct ckpt_rtype lcr_types[] = {
	{ .type = LCR_UTS_NS, .name = "UTS_NS", EXACT(392), FIELDS(lcr_uts_ns_fields),
	  .doc = "uts namespace: the uname strings" },
	{ .type = LCR_CRED, .name = "CRED", EXACT(72), FIELDS(lcr_cred_fields),
	  .doc = "credentials: ids and capability sets" },
};

const struct ckpt_schema ckpt_schema_linuxcr = {
	.dialect = CKPT_DIALECT_LINUXCR,
	.id = "linuxcr-2009",
	.title = "LinuxC/R (Feb 2009, x86_32)",
	.hdr_len = 8,
	.align = 8,
	.max_type = LCR_CRED,
	.preamble = &lcr_header,
	.types = lcr_types,
	.n_types = CKPT_ARRAY_LEN(lcr_types),
};
