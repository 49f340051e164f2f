/* Dialect 1: linux-cr RFC v17 (header rev 1).  Records are framed by
 * { u32 type; u32 len } with len counting the frame, and are not padded. */
#include "schema/table.h"

enum {
	V17_HEADER = 1, V17_BUFFER = 2, V17_STRING = 3,
	V17_TASK = 101, V17_TAIL = 9001, V17_ERROR = 9999,
};

static const struct ckpt_field v17_header_fields[] = {
	F_X_CHECKED("magic", 8, 8, "head magic 0x00feed0cc0a2d200"),
	F_PAD("_padding", 16, 2, "padding"),
	F_U_CHECKED("major", 18, 2, "kernel version of the checkpointing kernel: major"),
	F_U_CHECKED("minor", 20, 2, "kernel version: minor"),
	F_U_CHECKED("patch", 22, 2, "kernel version: patch level"),
	F_U_CHECKED("rev", 24, 2, "header revision: 1 for this dialect"),
	F_PAD("_pad0", 26, 6, "padding to the kernel constants at @32"),
	F_U_CHECKED("task_comm_len", 32, 2, "kernel constant: size of a task comm (16)"),
	F_U_CHECKED("uts_release_len", 34, 2,
	    "kernel constant: size of a uts release (65); the release BUFFER has this size"),
	F_U_CHECKED("uts_version_len", 36, 2, "kernel constant: size of a uts version (65)"),
	F_U_CHECKED("uts_machine_len", 38, 2, "kernel constant: size of a uts machine (65)"),
	F_TIME("time", 40, "when the checkpoint was taken"),
	F_FLAGS_CHECKED("uflags", 48, 8, ckpt_names_uflags,
	    "flags the checkpoint was asked for; restart accepts none"),
};

static const struct ckpt_follow v17_header_follows[] = {
	{ .type = V17_BUFFER, .role = "release", .layout = L_STRING },
	{ .type = V17_BUFFER, .role = "version", .layout = L_STRING },
	{ .type = V17_BUFFER, .role = "machine", .layout = L_STRING },
};

static const struct ckpt_field v17_task_fields[] = {
	F_FLAGS("state", 8, 4, ckpt_names_task_state, "scheduler state (TASK_* bits)"),
	F_FLAGS("exit_state", 12, 4, ckpt_names_exit_state,
	    "EXIT_ZOMBIE or EXIT_DEAD for a task that has exited, else 0"),
	F_U("exit_code", 16, 4, "exit code of an exited task"),
	F_SENUM("exit_signal", 20, 4, ckpt_names_signal,
	    "signal sent to the parent when the task exits"),
	F_X("set_child_tid", 24, 8,
	    "user address the kernel writes the tid to (CLONE_CHILD_SETTID)"),
	F_X("clear_child_tid", 32, 8,
	    "user address cleared and woken at exit (CLONE_CHILD_CLEARTID)"),
};

static const struct ckpt_follow v17_task_follows[] = {
	{ .type = V17_STRING, .role = "comm", .layout = L_STRING },
};

static const struct ckpt_field v17_tail_fields[] = {
	F_X("magic", 8, 8, "tail magic 0x002d2a0cc0deef00"),
};

static const struct ckpt_follow v17_error_follows[] = {
	{ .type = V17_STRING, .role = "message", .layout = { .kind = CKPT_L_ERRMSG } },
};

static const struct ckpt_rtype v17_types[] = {
	{ .type = V17_HEADER, .name = "HEADER", EXACT(56), FIELDS(v17_header_fields),
	  FOLLOWS(v17_header_follows),
	  .doc = "image header: magic, kernel version, revision, kernel constants" },
	{ .type = V17_BUFFER, .name = "BUFFER", RANGE(8, UINT32_MAX), .payload = CKPT_L_BYTES,
	  .doc = "raw bytes carrying the data of the record before it" },
	{ .type = V17_STRING, .name = "STRING", RANGE(8, CKPT_MAX_SMALL_RECORD), .payload = CKPT_L_STRING,
	  .doc = "NUL-terminated text" },
	{ .type = V17_TASK, .name = "TASK", EXACT(40), FIELDS(v17_task_fields),
	  FOLLOWS(v17_task_follows), .doc = "task state; a STRING with comm follows" },
	{ .type = V17_TAIL, .name = "TAIL", EXACT(16), FIELDS(v17_tail_fields),
	  .doc = "end of a complete image" },
	{ .type = V17_ERROR, .name = "ERROR", EXACT(8), FOLLOWS(v17_error_follows),
	  .doc = "checkpoint failed; a STRING with the message follows and ends the image" },
};

const struct ckpt_schema ckpt_schema_v17 = {
	.dialect = CKPT_DIALECT_V17,
	.id = "linux-cr-v17",
	.title = "linux-cr RFC v17 (rev 1)",
	.hdr_len = 8,
	.align = 1,
	.max_type = V17_ERROR,
	.types = v17_types,
	.n_types = CKPT_ARRAY_LEN(v17_types),
	.header_type = V17_HEADER,
	.buffer_type = V17_BUFFER,
	.string_type = V17_STRING,
	.tail_type = V17_TAIL,
	.error_type = V17_ERROR,
	.head_magic = CKPT_MAGIC_HEAD,
	.tail_magic = CKPT_MAGIC_TAIL,
};
