/* Dialect 2: linux-cr final (ckpt-v23, header rev 6), x86_64.
 *
 * Same framing as v17 and no padding between records, but every record
 * struct is aligned(8), so fixed records end in explicit padding; the pads
 * are listed so that a check can insist they are zero and so that the
 * fields of a fixed record account for each of its bytes.
 */
#include "schema/table.h"
#include "ckpt/ext.h"

enum {
	R6_HEADER = 1, R6_HEADER_ARCH = 2, R6_CONTAINER = 3, R6_BUFFER = 4,
	R6_STRING = 5, R6_OBJREF = 6, R6_LSM_INFO = 7, R6_SECURITY = 8,

	R6_PIDS = 101, R6_TREE = 102, R6_TASK = 103, R6_TASK_NS = 104,
	R6_TASK_OBJS = 105, R6_RESTART_BLOCK = 106, R6_THREAD = 107, R6_CPU = 108,
	R6_NS = 109, R6_UTS_NS = 110, R6_IPC_NS = 111, R6_MNT_NS = 112,
	R6_CAPABILITIES = 113, R6_USER_NS = 114, R6_CRED = 115, R6_USER = 116,
	R6_GROUPINFO = 117, R6_TASK_CREDS = 118,

	R6_CPU_FPU = 201, R6_MM_CONTEXT_LDT = 202,

	R6_FILE_TABLE = 301, R6_FILE_DESC = 302, R6_FILE_NAME = 303, R6_FILE = 304,
	R6_PIPE_BUF = 305, R6_TTY = 306, R6_TTY_LDISC = 307, R6_EPOLL_ITEMS = 308,

	R6_MM = 401, R6_VMA = 402, R6_PGARR = 403, R6_HPAGE = 404,
	R6_MM_CONTEXT = 405, R6_FS = 451,

	R6_IPC = 501, R6_IPC_SHM = 502, R6_IPC_MSG = 503, R6_IPC_MSG_MSG = 504,
	R6_IPC_SEM = 505, R6_TASK_SEM_UNDO_LIST = 506, R6_TASK_SEM_UNDO = 507,

	R6_SIGHAND = 601, R6_SIGNAL = 602, R6_SIGNAL_TASK = 603, R6_SIGPENDING = 604,

	R6_SOCKET = 701, R6_SOCKET_QUEUE = 702, R6_SOCKET_BUFFER = 703,
	R6_SOCKET_FRAG = 704, R6_SOCKET_UNIX = 705, R6_SOCKET_INET = 706,
	R6_NET_NS = 707, R6_NETDEV = 708, R6_NETDEV_ADDR = 709,

	R6_TAIL = 9001, R6_ERROR = 9999,

	R6_EXT_PRODUCER = CKPT_EXT_PRODUCER, R6_EXT_USERS = CKPT_EXT_USERS,
	R6_EXT_DIGEST = CKPT_EXT_DIGEST, R6_EXT_PEERS = CKPT_EXT_PEERS,
	R6_EXT_INODE = CKPT_EXT_INODE, R6_EXT_INODE_PAGES = CKPT_EXT_INODE_PAGES,
	R6_EXT_FILE_INODE = CKPT_EXT_FILE_INODE,
	R6_EXT_TASK_SECURITY = CKPT_EXT_TASK_SECURITY, R6_EXT_SECCOMP_FILTER = CKPT_EXT_SECCOMP_FILTER,
	R6_EXT_RSEQ = CKPT_EXT_RSEQ, R6_EXT_EVENTFD = CKPT_EXT_EVENTFD, R6_EXT_TIMERFD = CKPT_EXT_TIMERFD,
	R6_EXT_SIGNALFD = CKPT_EXT_SIGNALFD, R6_EXT_INOTIFY = CKPT_EXT_INOTIFY, R6_EXT_EPOLL = CKPT_EXT_EPOLL,
	R6_EXT_PIPE = CKPT_EXT_PIPE, R6_EXT_SOCKET_QUEUE = CKPT_EXT_SOCKET_QUEUE,
	R6_EXT_SOCKET_MSGS = CKPT_EXT_SOCKET_MSGS, R6_EXT_SOCKET_MSG = CKPT_EXT_SOCKET_MSG,
	R6_EXT_FANOTIFY = CKPT_EXT_FANOTIFY, R6_EXT_SECCOMP_SHARED = CKPT_EXT_SECCOMP_SHARED,
	R6_EXT_SOCKET_LISTEN = CKPT_EXT_SOCKET_LISTEN,
	R6_EXT_TTY = CKPT_EXT_TTY, R6_EXT_FILE_TTY = CKPT_EXT_FILE_TTY,
};

/* The kernel's NGROUPS_MAX: the most supplementary groups a cred holds. */
#define R6_NGROUPS_MAX	65536u

/* Longest path the kernel writes for a FILE_NAME (PATH_MAX). */
#define R6_PATH_MAX	4096u

/* One line shared by every record whose layout the format reference does
 * not give: the reader can still frame, count and show them. */
#define R6_OPAQUE_DOC	"layout not described by the format reference; payload shown as bytes"
#define R6_OPAQUE(t, n) \
	{ .type = (t), .name = (n), RANGE(8, CKPT_MAX_SMALL_RECORD), \
	  .payload = CKPT_L_BYTES, .doc = R6_OPAQUE_DOC }

/* -- image framing ------------------------------------------------------- */

static const struct ckpt_field r6_header_fields[] = {
	F_X_CHECKED("magic", 8, 8, "head magic 0x00feed0cc0a2d200"),
	F_ENUM_CHECKED("arch_id", 16, 2, ckpt_names_arch,
	    "architecture that wrote the image; rev 6 images are read for X86_64 (2) only"),
	F_U_CHECKED("major", 18, 2, "kernel version of the checkpointing kernel: major"),
	F_U_CHECKED("minor", 20, 2, "kernel version: minor"),
	F_U_CHECKED("patch", 22, 2, "kernel version: patch level"),
	F_U_CHECKED("rev", 24, 2, "header revision: 6 for this dialect"),
	F_PAD("pad", 26, 6, "padding to the kernel constants at @32"),
	/* The kernel constants restart compares with its own. */
	F_U_CHECKED("task_comm_len", 32, 2, "kernel constant: size of a task comm (16)"),
	F_U_CHECKED("at_vector_size", 34, 2, "kernel constant: AT_VECTOR_SIZE, slots of the saved auxv"),
	F_U_CHECKED("signal_nsig", 36, 2, "kernel constant: _NSIG, number of signals (64)"),
	F_U_CHECKED("uts_sysname_len", 38, 2, "kernel constant: size of a uts sysname (65)"),
	F_U_CHECKED("uts_nodename_len", 40, 2, "kernel constant: size of a uts nodename (65)"),
	F_U_CHECKED("uts_release_len", 42, 2,
	    "kernel constant: size of a uts release (65); the release BUFFER has this size"),
	F_U_CHECKED("uts_version_len", 44, 2,
	    "kernel constant: size of a uts version (65); the version BUFFER has this size"),
	F_U_CHECKED("uts_machine_len", 46, 2,
	    "kernel constant: size of a uts machine (65); the machine BUFFER has this size"),
	F_U_CHECKED("uts_domainname_len", 48, 2, "kernel constant: size of a uts domainname (65)"),
	F_U_CHECKED("rlimit_nlimits", 50, 2,
	    "kernel constant: RLIM_NLIMITS, number of resource limits (16)"),
	F_U_CHECKED("n_tty_buf_size", 52, 2, "kernel constant: N_TTY_BUF_SIZE (4096)"),
	F_U_CHECKED("tty_termios_nccs", 54, 2,
	    "kernel constant: NCCS, control characters of a termios (19)"),
	F_TIME("time", 56, "when the checkpoint was taken"),
	F_FLAGS_CHECKED("uflags", 64, 8, ckpt_names_uflags,
	    "flags the checkpoint was asked for: SUBTREE 0x1, NETNS 0x2"),
};

static const struct ckpt_follow r6_header_follows[] = {
	{ .type = R6_BUFFER, .role = "release", .layout = L_STRING },
	{ .type = R6_BUFFER, .role = "version", .layout = L_STRING },
	{ .type = R6_BUFFER, .role = "machine", .layout = L_STRING },
};

static const struct ckpt_field r6_header_arch_fields[] = {
	F_U_CHECKED("has_fxsr", 8, 2, "the CPU has FXSAVE/FXRSTOR"),
	F_U_CHECKED("has_xsave", 10, 2, "the CPU has XSAVE"),
	F_U_CHECKED("xstate_size", 12, 2, "size of the FPU/extended state the CPU saves"),
	F_PAD("_padding", 14, 2, "padding to 8 bytes"),
};

static const struct ckpt_follow r6_container_follows[] = {
	{ .type = R6_BUFFER, .role = "lsm_name", .layout = L_STRING },
	{ .type = R6_LSM_INFO, .role = "lsm_info" },
};

static const struct ckpt_field r6_objref_fields[] = {
	F_ENUM("objtype", 8, 4, ckpt_names_obj_type, "type of the object whose records follow"),
	F_I("objref", 12, 4,
	    "number that later records use to refer to the object; from 1 up, in order of first appearance"),
};

static const struct ckpt_field r6_tail_fields[] = {
	F_X("magic", 8, 8, "tail magic 0x002d2a0cc0deef00"),
};

static const struct ckpt_follow r6_error_follows[] = {
	{ .type = R6_STRING, .role = "message", .layout = { .kind = CKPT_L_ERRMSG } },
};

/* -- process tree -------------------------------------------------------- */

static const struct ckpt_field r6_pids_fields[] = {
	F_U("nr_pids", 8, 4, "entries in the BUFFER that follows: one per pid"),
	F_U("nr_vpids", 12, 4,
	    "pid numbers in the BUFFER, every level of every entry together"),
	F_U("offset", 16, 4, "meaning not given by the format reference; ckpt writes 0"),
	F_PAD("_pad", 20, 4, "padding to 8 bytes"),
};

static const struct ckpt_follow r6_pids_follows[] = {
	{ .type = R6_BUFFER, .role = "pids", .layout = { .kind = CKPT_L_PIDS } },
};

static const struct ckpt_field r6_tree_fields[] = {
	F_U("nr_tasks", 8, 4,
	    "number of tasks: the entries of the BUFFER that follows, and the TASK records"),
	F_PAD("_pad", 12, 4, "padding to 8 bytes"),
};

/* The v* values are objrefs of PID objects, not pid numbers, with 0 for a
 * pid that lives in an ancestor namespace and two negative markers. */
static const struct ckpt_field r6_tree_entry_fields[] = {
	F_REF_SPECIAL("vpid", 0, CKPT_OBJ_PID, ckpt_names_pid_marker,
	    "the task's pid (a PID object)"),
	F_REF_SPECIAL("vppid", 4, CKPT_OBJ_PID, ckpt_names_pid_marker,
	    "its parent's pid; -4097 for the root of the tree"),
	F_REF_SPECIAL("vtgid", 8, CKPT_OBJ_PID, ckpt_names_pid_marker,
	    "its thread group leader's pid"),
	F_REF_SPECIAL("vpgid", 12, CKPT_OBJ_PID, ckpt_names_pid_marker,
	    "its process group id; -4096 for none"),
	F_REF_SPECIAL("vsid", 16, CKPT_OBJ_PID, ckpt_names_pid_marker,
	    "its session id; -4096 for none"),
	F_U("depth", 20, 4, "pid namespace level of the task"),
};

static const struct ckpt_follow r6_tree_follows[] = {
	{ .type = R6_BUFFER, .role = "tasks", .layout = L_STRUCTS(r6_tree_entry_fields, 24, NULL) },
};

/* -- tasks --------------------------------------------------------------- */

static const struct ckpt_field r6_task_fields[] = {
	F_FLAGS("flags", 8, 4, ckpt_names_task_flags, "the kernel's PF_* flags of the task"),
	F_FLAGS("state", 12, 4, ckpt_names_task_state, "scheduler state (TASK_* bits)"),
	F_FLAGS("exit_state", 16, 4, ckpt_names_exit_state,
	    "EXIT_ZOMBIE or EXIT_DEAD for a task that has exited, else 0"),
	F_U("exit_code", 20, 4, "exit code of an exited task"),
	F_SENUM("exit_signal", 24, 4, ckpt_names_signal,
	    "signal sent to the parent when the task exits (SIGCHLD; -1 for a thread)"),
	F_SENUM("pdeath_signal", 28, 4, ckpt_names_signal,
	    "signal the task gets when its parent dies (prctl PR_SET_PDEATHSIG)"),
	F_X("set_child_tid", 32, 8,
	    "user address the kernel writes the tid to (CLONE_CHILD_SETTID)"),
	F_X("clear_child_tid", 40, 8,
	    "user address cleared and woken at exit (CLONE_CHILD_CLEARTID)"),
	F_X("sas_ss_sp", 48, 8, "alternate signal stack: base address"),
	F_U("sas_ss_size", 56, 4, "alternate signal stack: size"),
	F_U("compat_robust_futex_head_len", 60, 4, "size of the 32-bit robust futex list head"),
	F_X("compat_robust_futex_list", 64, 4, "user address of the 32-bit robust futex list"),
	F_U("robust_futex_head_len", 68, 4, "size of the robust futex list head"),
	F_X("robust_futex_list", 72, 8, "user address of the robust futex list (set_robust_list)"),
};

static const struct ckpt_follow r6_task_follows[] = {
	{ .type = R6_STRING, .role = "comm", .layout = L_STRING },
};

static const struct ckpt_field r6_task_ns_fields[] = {
	F_REF("ns_objref", 8, CKPT_OBJ_NS, "the task's namespace set (an NS object)"),
	F_PAD("_pad", 12, 4, "padding to 8 bytes"),
};

static const struct ckpt_field r6_task_objs_fields[] = {
	F_REF("files_objref", 8, CKPT_OBJ_FILE_TABLE, "its file descriptor table"),
	F_REF("mm_objref", 12, CKPT_OBJ_MM, "its address space"),
	F_REF("fs_objref", 16, CKPT_OBJ_FS, "its root, working directory and umask"),
	F_REF("sem_undo_objref", 20, CKPT_OBJ_SEM_UNDO, "its System V semaphore undo list"),
	F_REF("sighand_objref", 24, CKPT_OBJ_SIGHAND, "its signal handlers"),
	F_REF("signal_objref", 28, CKPT_OBJ_SIGNAL, "its shared signal state"),
};

static const struct ckpt_field r6_restart_block_fields[] = {
	F_ENUM("function_type", 8, 8, ckpt_names_restart_fn,
	    "which interrupted call to resume (nanosleep, poll, futex wait, ...)"),
	F_X("arg_0", 16, 8, "first argument of the call to resume"),
	F_X("arg_1", 24, 8, "second argument"),
	F_X("arg_2", 32, 8, "third argument"),
	F_X("arg_3", 40, 8, "fourth argument"),
	F_X("arg_4", 48, 8, "fifth argument"),
};

static const struct ckpt_field r6_thread_fields[] = {
	F_X("sysenter_return", 8, 8, "user address a sysenter system call returns to"),
	F_X("thread_info_flags", 16, 4, "the kernel's TIF_* flags of the thread"),
	F_U("gdt_entry_tls_entries", 20, 2, "number of TLS slots of the GDT (3 on x86_64)"),
	F_U("sizeof_tls_array", 22, 2, "size in bytes of the TLS descriptor array (24 on x86_64)"),
};

/* Register order of the x86_64 pt_regs the kernel copies from. */
static const struct ckpt_field r6_cpu_fields[] = {
	F_X("r15", 8, 8, "register r15"),
	F_X("r14", 16, 8, "register r14"),
	F_X("r13", 24, 8, "register r13"),
	F_X("r12", 32, 8, "register r12"),
	F_X("bp", 40, 8, "register bp"),
	F_X("bx", 48, 8, "register bx"),
	F_X("r11", 56, 8, "register r11"),
	F_X("r10", 64, 8, "register r10"),
	F_X("r9", 72, 8, "register r9"),
	F_X("r8", 80, 8, "register r8"),
	F_X("ax", 88, 8, "register ax"),
	F_X("cx", 96, 8, "register cx"),
	F_X("dx", 104, 8, "register dx"),
	F_X("si", 112, 8, "register si"),
	F_X("di", 120, 8, "register di"),
	F_X("orig_ax", 128, 8, "system call number of an interrupted call (-1 for none)"),
	F_X("ip", 136, 8, "instruction pointer"),
	F_X("sp", 144, 8, "stack pointer"),
	F_X("flags", 152, 8, "the flags register"),
	F_X("fs", 160, 8, "FS base (thread pointer)"),
	F_X("gs", 168, 8, "GS base"),
	F_X("fsindex", 176, 2, "FS segment selector"),
	F_X("gsindex", 178, 2, "GS segment selector"),
	F_X("cs", 180, 2, "code segment selector"),
	F_X("ss", 182, 2, "stack segment selector"),
	F_X("ds", 184, 2, "data segment selector"),
	F_X("es", 186, 2, "extra segment selector"),
	F_U("used_math", 188, 4, "not 0 when the task has FPU state: a CPU_FPU record follows"),
};

/* The kernel saves the FPU/xstate only for a task that has used it. */
static const struct ckpt_follow r6_cpu_follows[] = {
	{ .type = R6_CPU_FPU, .role = "fpu", .if_nonzero = "used_math" },
};

/* -- namespaces and credentials ------------------------------------------ */

static const struct ckpt_field r6_ns_fields[] = {
	F_REF("uts_objref", 8, CKPT_OBJ_UTS_NS, "uts namespace (hostname, domain name)"),
	F_REF("ipc_objref", 12, CKPT_OBJ_IPC_NS, "System V IPC namespace"),
	F_REF("net_objref", 16, CKPT_OBJ_NET_NS, "network namespace"),
	F_PAD("_pad", 20, 4, "padding to 8 bytes"),
};

static const struct ckpt_field r6_utsns_fields[] = {
	F_CHARS("sysname", 8, 65, "operating system name (uname -s)"),
	F_CHARS("nodename", 73, 65, "host name (uname -n)"),
	F_CHARS("release", 138, 65, "kernel release (uname -r)"),
	F_CHARS("version", 203, 65, "kernel version string (uname -v)"),
	F_CHARS("machine", 268, 65, "hardware name (uname -m)"),
	F_CHARS("domainname", 333, 65, "NIS domain name"),
	F_PAD("_pad", 398, 2, "padding to 8 bytes"),
};

/* The kernel keeps each capability set as two u32 words, low word first;
 * read as one little-endian u64 they are exactly the 64-bit set, so each
 * pair is one field named by capability masks. */
static const struct ckpt_field r6_cred_fields[] = {
	F_U("uid", 8, 4, "real user id"),
	F_U("suid", 12, 4, "saved user id"),
	F_U("euid", 16, 4, "effective user id"),
	F_U("fsuid", 20, 4, "file system user id"),
	F_U("gid", 24, 4, "real group id"),
	F_U("sgid", 28, 4, "saved group id"),
	F_U("egid", 32, 4, "effective group id"),
	F_U("fsgid", 36, 4, "file system group id"),
	F_REF("user_ref", 40, CKPT_OBJ_USER, "the user (a USER object) the credentials belong to"),
	F_REF("groupinfo_ref", 44, CKPT_OBJ_GROUPINFO, "supplementary groups"),
	F_REF("sec_ref", 48, CKPT_OBJ_SECURITY, "LSM security context"),
	F_PAD("_pad", 52, 4, "padding before the capabilities at @56"),
	F_FLAGS("cap_inheritable", 56, 8, ckpt_names_cap,
	    "inheritable capabilities (two u32 words, low first: one 64-bit set)"),
	F_FLAGS("cap_permitted", 64, 8, ckpt_names_cap, "permitted capabilities"),
	F_FLAGS("cap_effective", 72, 8, ckpt_names_cap,
	    "effective capabilities: a subset of the permitted ones"),
	F_FLAGS("cap_bset", 80, 8, ckpt_names_cap, "capability bounding set"),
	F_FLAGS("securebits", 88, 4, ckpt_names_securebits, "SECBIT_* flags"),
	F_PAD("padding", 92, 4, "padding to 8 bytes"),
};

/* The reference gives the capabilities struct as 40 bytes of fields (four
 * sets and securebits, padded), the way it sits inside CRED at @56, but
 * lists no record that carries it alone.  A standalone record would be
 * those 40 bytes behind the frame, 48 in all; since that is inferred, the
 * size is a range and a shorter record is shown up to what it holds. */
static const struct ckpt_field r6_capabilities_fields[] = {
	F_FLAGS("cap_inheritable", 8, 8, ckpt_names_cap,
	    "inheritable capabilities (two u32 words, low first: one 64-bit set)"),
	F_FLAGS("cap_permitted", 16, 8, ckpt_names_cap, "permitted capabilities"),
	F_FLAGS("cap_effective", 24, 8, ckpt_names_cap,
	    "effective capabilities: a subset of the permitted ones"),
	F_FLAGS("cap_bset", 32, 8, ckpt_names_cap, "capability bounding set"),
	F_FLAGS("securebits", 40, 4, ckpt_names_securebits, "SECBIT_* flags"),
	F_PAD("padding", 44, 4, "padding to 8 bytes"),
};

static const struct ckpt_field r6_user_ns_fields[] = {
	F_REF("creator_ref", 8, CKPT_OBJ_USER_NS,
	    "the user that created the namespace; 0: created by the root user namespace"),
	F_PAD("_pad", 12, 4, "padding to 8 bytes"),
};

static const struct ckpt_field r6_user_fields[] = {
	F_U("uid", 8, 4, "user id in its user namespace"),
	F_REF("userns_ref", 12, CKPT_OBJ_USER_NS, "the user namespace the uid belongs to"),
};

static const struct ckpt_field r6_group_fields[] = {
	F_U("gid", 0, 4, "a supplementary group id"),
};

/* The writer sizes the record as 16 + 4n although the groups start at @12,
 * so the last 4 bytes are slack and the array is counted, not filled. */
static const struct ckpt_field r6_groupinfo_fields[] = {
	F_U("ngroups", 8, 4, "number of supplementary groups"),
	F_ARRAY("groups", 12, r6_group_fields, 4, 0, "ngroups", NULL,
	    "the group ids; the record is 16 + 4 * ngroups bytes, so 4 bytes of slack follow them"),
};

static const struct ckpt_field r6_task_creds_fields[] = {
	F_REF("cred_ref", 8, CKPT_OBJ_CRED, "the task's objective (real) credentials"),
	F_REF("ecred_ref", 12, CKPT_OBJ_CRED, "its subjective (effective) credentials"),
};

/* -- files --------------------------------------------------------------- */

static const struct ckpt_field r6_file_table_fields[] = {
	F_I("fdt_nfds", 8, 4, "number of descriptors: the FILE_DESC records that follow"),
	F_PAD("_pad", 12, 4, "padding to 8 bytes"),
};

static const struct ckpt_field r6_file_desc_fields[] = {
	F_REF("fd_objref", 8, CKPT_OBJ_FILE, "the open file the descriptor names"),
	F_I("fd_descriptor", 12, 4, "descriptor number"),
	F_U("fd_close_on_exec", 16, 4, "not 0 when the descriptor is closed on exec (FD_CLOEXEC)"),
	F_PAD("_pad", 20, 4, "padding to 8 bytes"),
};

static const struct ckpt_field r6_file_fields[] = {
	F_ENUM("f_type", 8, 4, ckpt_names_file_type,
	    "kind of file, which tells how restart reopens it"),
	F_FLAGS("f_mode", 12, 4, ckpt_names_fmode,
	    "FMODE_* bits: opened for reading, writing, ..."),
	F_FLAGS("f_flags", 16, 4, ckpt_names_open_flags, "open(2) flags (O_*)"),
	F_REF("f_credref", 20, CKPT_OBJ_CRED, "credentials the file was opened with"),
	F_U("f_pos", 24, 8, "file offset"),
	F_U("f_version", 32, 8, "the kernel's f_version (directory and pipe bookkeeping)"),
	F_REF("f_secref", 40, CKPT_OBJ_SECURITY, "LSM security context of the file"),
	F_PAD("_pad", 44, 4, "padding to 8 bytes"),
};

static const struct ckpt_follow r6_file_follows[] = {
	{ .type = R6_FILE_NAME, .role = "path", .layout = L_STRING },
};

/* -- memory -------------------------------------------------------------- */

static const struct ckpt_field r6_mm_fields[] = {
	F_U("map_count", 8, 4, "number of mappings: the VMA records of this MM"),
	F_REF("exe_objref", 12, CKPT_OBJ_FILE, "the executable (a FILE object)"),
	F_FLAGS("def_flags", 16, 8, ckpt_names_vm_flags,
	    "VM_* flags every new mapping gets (VM_LOCKED after mlockall)"),
	F_X("flags", 24, 8, "the mm's flags: dumpable bits and the core dump filter"),
	F_X("start_code", 32, 8, "start of the program text"),
	F_X("end_code", 40, 8, "end of the program text"),
	F_X("start_data", 48, 8, "start of the initialised data"),
	F_X("end_data", 56, 8, "end of the initialised data"),
	F_X("start_brk", 64, 8, "start of the heap"),
	F_X("brk", 72, 8, "current program break (end of the heap)"),
	F_X("start_stack", 80, 8, "start of the main thread's stack"),
	F_X("arg_start", 88, 8, "start of the command line arguments on the stack"),
	F_X("arg_end", 96, 8, "end of the command line arguments"),
	F_X("env_start", 104, 8, "start of the environment on the stack"),
	F_X("env_end", 112, 8, "end of the environment"),
};

static const struct ckpt_field r6_auxv_entry_fields[] = {
	F_ENUM("type", 0, 8, ckpt_names_auxv, "auxiliary vector entry type (AT_*)"),
	F_X("value", 8, 8, "its value"),
};

static const struct ckpt_follow r6_mm_follows[] = {
	{ .type = R6_BUFFER, .role = "saved_auxv", .layout = L_STRUCTS(r6_auxv_entry_fields, 16, NULL) },
};

static const struct ckpt_field r6_vma_fields[] = {
	F_ENUM("vma_type", 8, 4, ckpt_names_vma_type,
	    "kind of mapping, which tells how restart recreates it"),
	F_REF("vma_objref", 12, CKPT_OBJ_FILE, "the mapped file (0 for anonymous memory)"),
	F_REF("ino_objref", 16, CKPT_OBJ_INODE, "the inode of shared memory"),
	F_PAD("_pad", 20, 4, "padding to 8 bytes"),
	F_U("ino_size", 24, 8, "size of the shared memory object"),
	F_X("vm_start", 32, 8, "first address of the mapping"),
	F_X("vm_end", 40, 8, "address just past its end"),
	F_FLAGS("vm_page_prot", 48, 8, ckpt_names_page_prot, "page protection bits (x86 _PAGE_*)"),
	F_FLAGS("vm_flags", 56, 8, ckpt_names_vm_flags,
	    "VM_* flags: access, sharing, growth direction, locking"),
	F_X("vm_pgoff", 64, 8, "offset in the mapped file, in pages"),
	F_U("hugetlb_shift", 72, 2, "log2 of the huge page size of a hugetlb mapping"),
	F_PAD("_pad2", 74, 6, "padding to 8 bytes"),
};

static const struct ckpt_field r6_pgarr_fields[] = {
	F_U("nr_pages", 8, 8,
	    "pages in the BUFFER that follows; 0 ends the pages of the vma and has no BUFFER"),
};

/* An empty PGARR ends the vma's pages and carries no BUFFER. */
static const struct ckpt_follow r6_pgarr_follows[] = {
	{ .type = R6_BUFFER, .role = "pages", .layout = { .kind = CKPT_L_PAGES },
	  .count_field = "nr_pages", .if_nonzero = "nr_pages" },
};

static const struct ckpt_field r6_fs_fields[] = {
	F_O("umask", 8, 4, "file mode creation mask"),
	F_PAD("_pad", 12, 4, "padding to 8 bytes"),
};

static const struct ckpt_follow r6_fs_follows[] = {
	{ .type = R6_FILE_NAME, .role = "root", .layout = L_STRING },
	{ .type = R6_FILE_NAME, .role = "pwd", .layout = L_STRING },
};

/* -- signals ------------------------------------------------------------- */

static const struct ckpt_field r6_sigaction_fields[] = {
	F_X("handler", 0, 8, "handler address; SIG_DFL 0, SIG_IGN 1"),
	F_FLAGS("flags", 8, 8, ckpt_names_sa_flags, "SA_* flags"),
	F_X("restorer", 16, 8, "user address of the signal return trampoline (SA_RESTORER)"),
	F_SIGSET("mask", 24, "signals blocked while the handler runs"),
};

/* Element i is signal i + 1, so the signal table cannot name the index. */
static const struct ckpt_field r6_sighand_fields[] = {
	F_ARRAY_NAMED("action", 8, r6_sigaction_fields, 32, 64, ckpt_names_signal, 1,
	    "the action of each signal; element i is signal i + 1"),
};

static const struct ckpt_field r6_rlimit_fields[] = {
	F_U("cur", 0, 8, "soft limit; all ones for unlimited"),
	F_U("max", 8, 8, "hard limit; all ones for unlimited"),
};

static const struct ckpt_field r6_signal_fields[] = {
	F_ARRAY("rlim", 8, r6_rlimit_fields, 16, 16, NULL, &ckpt_names_rlimit,
	    "resource limits, in RLIMIT_* order"),
	F_U("it_real_value", 264, 8, "ITIMER_REAL: time to the next expiry, ns (getitimer(2) made by the task)"),
	F_U("it_real_incr", 272, 8, "ITIMER_REAL: reload interval, ns"),
	F_U("it_virt_value", 280, 8, "ITIMER_VIRTUAL: time to the next expiry, ns"),
	F_U("it_virt_incr", 288, 8, "ITIMER_VIRTUAL: reload interval, ns"),
	F_U("it_prof_value", 296, 8, "ITIMER_PROF: time to the next expiry, ns"),
	F_U("it_prof_incr", 304, 8, "ITIMER_PROF: reload interval, ns"),
	F_REF("tty_objref", 312, CKPT_OBJ_TTY, "controlling terminal"),
	F_I("tty_pgrp", 316, 4, "foreground process group of the controlling terminal"),
	F_I("tty_old_pgrp", 320, 4,
	    "process group the terminal had before the session leader lost it"),
	F_PAD("_pad", 324, 4, "padding to 8 bytes"),
};

static const struct ckpt_field r6_signal_task_fields[] = {
	F_SIGSET("blocked", 8, "the task's blocked signals (sigprocmask)"),
};

/* Offsets inside an element count from the element's start. */
static const struct ckpt_field r6_siginfo_fields[] = {
	F_SENUM("si_signo", 0, 4, ckpt_names_signal, "signal number"),
	F_I("si_errno", 4, 4, "errno value of the siginfo"),
	F_I("si_code", 8, 4, "origin of the signal (SI_USER, SI_QUEUE, a fault code, ...)"),
	F_BYTES("data", 12, 76, "the first 76 bytes of the kernel's siginfo union"),
};

static const struct ckpt_field r6_sigpending_fields[] = {
	F_U("nr_pending", 8, 4, "number of queued siginfo entries"),
	F_PAD("_pad", 12, 4, "padding to 8 bytes"),
	F_SIGSET("signal", 16, "set of pending signals"),
	F_ARRAY("siginfo", 24, r6_siginfo_fields, 88, 0, "nr_pending", NULL,
	    "the queued signals, in queue order"),
};

/* -- ckpttools extension records (docs/extensions.md) -------------------- */

static const struct ckpt_field r6_ext_producer_fields[] = {
	F_U("ext_version", 8, 2, "version of the extension record layout"),
	F_PAD("_pad", 10, 2, "padding"),
	F_I("root_pid", 12, 4, "pid of the checkpointed tree's root, as ckpt saw it"),
	F_U("time_ns", 16, 8, "when the tree was frozen, in nanoseconds since the epoch"),
	F_U("frozen_ns", 24, 8, "how long the tree stayed frozen, in nanoseconds"),
};

static const struct ckpt_follow r6_ext_producer_follows[] = {
	{ .type = R6_STRING, .role = "producer", .layout = L_STRING },
	{ .type = R6_STRING, .role = "host", .layout = L_STRING },
	{ .type = R6_STRING, .role = "cmdline", .layout = L_STRING },
};

/* Offsets inside an element count from the element's start. */
static const struct ckpt_field r6_ext_user_fields[] = {
	F_I("objref", 0, 4, "the object counted"),
	F_ENUM("objtype", 4, 4, ckpt_names_obj_type, "its object type, as its OBJREF gives it"),
	F_U("observed", 8, 4, "users of the object observed system-wide at checkpoint time"),
	F_ENUM("method", 12, 4, ckpt_names_users_method,
	    "how they were counted (namespace inode, kcmp, thread group, ...); 0: not counted"),
	F_U("ident", 16, 8, "what identified the object when counting (e.g. a namespace inode)"),
};

static const struct ckpt_field r6_ext_users_fields[] = {
	F_U("nr", 8, 4, "number of entries"),
	F_FLAGS("flags", CKPT_EXT_USERS_FLAGS_OFF, 4, ckpt_names_users_flags,
		"PARTIAL: some task of the system could not be looked at, so every observed count "
		"is a lower bound (was padding before)"),
	F_ARRAY("users", 16, r6_ext_user_fields, CKPT_EXT_USER_LEN, 0, "nr", NULL,
	    "one entry per counted shared object"),
};

static const struct ckpt_field r6_ext_digest_entry_fields[] = {
	F_X("digest", 0, 8, "XXH3-64 of one whole record"),
};

static const struct ckpt_field r6_ext_digest_fields[] = {
	F_ENUM("algo", 8, 2, ckpt_names_digest_algo, "digest algorithm"),
	F_PAD("_pad", 10, 2, "padding"),
	F_U("count", 12, 4, "number of records covered"),
	F_U("first", 16, 8,
	    "index of the first covered record: the previous digest record's index plus one"),
	F_X("self", 24, 8, "digest of this record with self read as zero"),
	F_ARRAY("digests", 32, r6_ext_digest_entry_fields, 8, 0, "count", NULL,
	    "one digest per covered record, in order"),
};

static const struct ckpt_field r6_ext_peers_fields[] = {
	{ .name = "objref", .offset = 8, .width = 4, .kind = CKPT_K_OBJREF, .objtype = CKPT_OBJ_FILE,
	  .doc = "the pipe, FIFO or socket FILE this record describes" },
	{ .name = "flags", .offset = 12, .width = 4, .kind = CKPT_K_FLAGS, .names = &ckpt_names_peer_flags,
	  .doc = "scan-partial: the system scan stopped at its bound; peer-unknown: the socket's peer cannot be told (not a Unix socket)" },
	{ .name = "ino", .offset = 16, .width = 8, .kind = CKPT_K_UINT,
	  .doc = "the inode of the pipe, FIFO or socket" },
	{ .name = "outside_readers", .offset = 24, .width = 4, .kind = CKPT_K_UINT,
	  .doc = "descriptors of processes outside the tree open on the inode for reading" },
	{ .name = "outside_writers", .offset = 28, .width = 4, .kind = CKPT_K_UINT,
	  .doc = "descriptors of processes outside the tree open on the inode for writing" },
	{ .name = "scanned", .offset = 32, .width = 4, .kind = CKPT_K_UINT,
	  .doc = "processes whose descriptors the producer scanned system-wide" },
	{ .name = "peer_ino", .offset = 36, .width = 4, .kind = CKPT_K_UINT,
	  .doc = "a connected Unix socket: its peer's inode (sock_diag UNIX_DIAG_PEER), else 0; a restore "
		 "pairs the two ends of a socketpair by it (zero padding in older images)" },
};

/* -- file contents a restore cannot open by path (20030-20039) ----------- */

static const struct ckpt_name r6_inode_kind_list[] = {
	{ CKPT_INODE_SHM_ANON, "SHM_ANON" }, { CKPT_INODE_MEMFD, "MEMFD" },
	{ CKPT_INODE_UNLINKED, "UNLINKED" },
};
static const struct ckpt_names r6_names_inode_kind = {
	"inode_kind", r6_inode_kind_list, CKPT_ARRAY_LEN(r6_inode_kind_list)
};
static const struct ckpt_name r6_inode_flag_list[] = {
	{ CKPT_INODE_NO_CONTENTS, "NO_CONTENTS" }, { CKPT_INODE_PARTIAL, "PARTIAL" },
};
static const struct ckpt_names r6_names_inode_flags = {
	"inode_flags", r6_inode_flag_list, CKPT_ARRAY_LEN(r6_inode_flag_list)
};

/* memfd seals, F_GET_SEALS bits (fcntl(2)). */
static const struct ckpt_name r6_seal_list[] = {
	{ 0x1, "SEAL" }, { 0x2, "SHRINK" }, { 0x4, "GROW" }, { 0x8, "WRITE" },
	{ 0x10, "FUTURE_WRITE" }, { 0x20, "EXEC" },
};
static const struct ckpt_names r6_names_seals = {
	"seals", r6_seal_list, CKPT_ARRAY_LEN(r6_seal_list)
};

static const struct ckpt_field r6_ext_inode_fields[] = {
	{ .name = "kind", .offset = 8, .width = 2, .kind = CKPT_K_ENUM, .names = &r6_names_inode_kind,
	  .doc = "what the object is: SHM_ANON (shared anonymous memory), MEMFD, UNLINKED file" },
	{ .name = "flags", .offset = 10, .width = 2, .kind = CKPT_K_FLAGS, .names = &r6_names_inode_flags,
	  .doc = "NO_CONTENTS: the pages were not saved (ckpt --no-pages); PARTIAL: read without "
		 "map_files (no CAP_CHECKPOINT_RESTORE), only the pages the first mapping task mapped" },
	{ .name = "mode", .offset = 12, .width = 4, .kind = CKPT_K_OCTAL,
	  .doc = "st_mode of the inode: file type and permission bits" },
	{ .name = "size", .offset = 16, .width = 8, .kind = CKPT_K_UINT,
	  .doc = "st_size in bytes: a restore creates the object this long" },
	{ .name = "dev", .offset = 24, .width = 8, .kind = CKPT_K_HEX,
	  .doc = "st_dev of the inode on the checkpointed host (identity only)" },
	{ .name = "ino", .offset = 32, .width = 8, .kind = CKPT_K_UINT,
	  .doc = "st_ino of the inode on the checkpointed host (identity only)" },
	{ .name = "nr_pages", .offset = 40, .width = 8, .kind = CKPT_K_UINT,
	  .doc = "pages saved in the EXT_INODE_PAGES runs that follow; every other page reads as zeros" },
	{ .name = "seals", .offset = 48, .width = 4, .kind = CKPT_K_FLAGS, .names = &r6_names_seals,
	  .doc = "F_GET_SEALS of the object (memfd and shared anonymous memory), 0 where it has none" },
	{ .name = "_pad", .offset = 52, .width = 4, .kind = CKPT_K_PAD, .doc = "zero" },
};

static const struct ckpt_follow r6_ext_inode_follows[] = {
	{ .type = R6_STRING, .role = "path", .layout = L_STRING },
};

static const struct ckpt_field r6_ext_inode_pages_fields[] = {
	{ .name = "offset", .offset = 8, .width = 8, .kind = CKPT_K_HEX,
	  .doc = "byte offset in the object of the run's first page (page aligned)" },
	{ .name = "nr_pages", .offset = 16, .width = 8, .kind = CKPT_K_UINT,
	  .doc = "pages in the run, at most 128; a BUFFER of nr_pages * 4096 bytes follows" },
};

static const struct ckpt_follow r6_ext_inode_pages_follows[] = {
	{ .type = R6_BUFFER, .role = "contents", .layout = { .kind = CKPT_L_BYTES },
	  .if_nonzero = "nr_pages", .max_len = 8 + CKPT_EXT_INODE_PAGES_MAX * 4096 },
};

static const struct ckpt_field r6_ext_file_inode_fields[] = {
	{ .name = "ino_objref", .offset = 8, .width = 4, .kind = CKPT_K_OBJREF, .objtype = CKPT_OBJ_INODE,
	  .doc = "the INODE object (EXT_INODE) holding the contents of the FILE this record belongs to" },
	{ .name = "_pad", .offset = 12, .width = 4, .kind = CKPT_K_PAD, .doc = "zero" },
};

/* -- terminals (20050-20054; docs/extensions.md "Terminals") ------------- */

static const struct ckpt_name r6_tty_kind_list[] = {
	{ CKPT_TTY_PTY_MASTER, "PTY_MASTER" }, { CKPT_TTY_PTY_SLAVE, "PTY_SLAVE" }, { CKPT_TTY_ALIAS, "ALIAS" },
	{ CKPT_TTY_CONSOLE, "CONSOLE" }, { CKPT_TTY_OTHER, "OTHER" },
};
static const struct ckpt_names r6_names_tty_kind = {
	"tty_kind", r6_tty_kind_list, CKPT_ARRAY_LEN(r6_tty_kind_list)
};
static const struct ckpt_name r6_tty_flag_list[] = {
	{ CKPT_TTY_STATE, "STATE" }, { CKPT_TTY_TERMIOS2, "TERMIOS2" }, { CKPT_TTY_LOCKED, "LOCKED" },
	{ CKPT_TTY_PACKET, "PACKET" }, { CKPT_TTY_LOCK_READ, "LOCK_READ" }, { CKPT_TTY_QUEUES, "QUEUES" },
};
static const struct ckpt_names r6_names_tty_flags = {
	"tty_flags", r6_tty_flag_list, CKPT_ARRAY_LEN(r6_tty_flag_list)
};

static const struct ckpt_field r6_ext_tty_fields[] = {
	F_ENUM("kind", 8, 2, r6_names_tty_kind,
	    "what the terminal is: PTY_MASTER (/dev/ptmx), PTY_SLAVE (/dev/pts/N), ALIAS (/dev/tty, the "
	    "opener's controlling terminal), CONSOLE (/dev/console, a virtual console), OTHER (serial lines "
	    "and other drivers)"),
	F_FLAGS("flags", 10, 2, r6_names_tty_flags,
	    "STATE: termios and window size were read (TCGETS2, else TCGETS, and TIOCGWINSZ); TERMIOS2: "
	    "c_ispeed and c_ospeed hold the speeds; LOCKED: the pty's slave is locked (TIOCGPTLCK); PACKET: "
	    "the master is in packet mode (TIOCGPKT); LOCK_READ: LOCKED and PACKET were read; QUEUES: inq "
	    "and outq were read"),
	F_I("index", 12, 4, "a pty's index, N of /dev/pts/N (TIOCGPTN on a master, the device minor of a "
	    "slave); -1 for other terminals. A restore makes a new pair whose index may differ"),
	F_X("rdev", 16, 8, "the device number of the open file (5:2 for /dev/ptmx, 5:0 for /dev/tty), "
	    "new_encode_dev form as /proc/PID/stat's tty_nr"),
	F_X("real_rdev", 24, 8, "the terminal's own device number (TIOCGDEV): for an ALIAS, the terminal "
	    "it stands for; for a master, its slave's"),
	F_I("sid", 32, 4, "the session whose controlling terminal it is (TIOCGSID on a master, else the "
	    "session of a task of the tree whose /proc/PID/stat tty_nr names it); 0 when none or unknown"),
	F_I("pgrp", 36, 4, "its foreground process group (TIOCGPGRP on a master, else tpgid of that "
	    "task's stat); 0 when none or unknown"),
	F_X("c_iflag", 40, 4, "termios input modes (on a pty master: its slave's, which the kernel "
	    "answers for)"),
	F_X("c_oflag", 44, 4, "termios output modes"),
	F_X("c_cflag", 48, 4, "termios control modes"),
	F_X("c_lflag", 52, 4, "termios local modes (ICANON, ECHO, ISIG, ...)"),
	F_U("c_line", 56, 1, "the line discipline (0 N_TTY)"),
	F_BYTES("c_cc", 57, 19, "the control characters, NCCS (19) of them: VINTR, VQUIT, VERASE, VKILL, "
	    "VEOF, VTIME, VMIN, ..."),
	F_U("c_ispeed", 76, 4, "input speed in bits per second (TERMIOS2), else 0"),
	F_U("c_ospeed", 80, 4, "output speed in bits per second (TERMIOS2), else 0"),
	F_U("ws_row", 84, 2, "window size: rows (TIOCGWINSZ)"),
	F_U("ws_col", 86, 2, "window size: columns"),
	F_U("ws_xpixel", 88, 2, "window size: width in pixels"),
	F_U("ws_ypixel", 90, 2, "window size: height in pixels"),
	F_U("inq", 92, 4, "bytes waiting to be read (FIONREAD, QUEUES): counted, not saved; a restore "
	    "starts with an empty queue"),
	F_U("outq", 96, 4, "bytes written and not yet sent (TIOCOUTQ, QUEUES): counted, not saved"),
	F_PAD("_pad", 100, 4, "zero"),
};

static const struct ckpt_field r6_ext_file_tty_fields[] = {
	F_REF("tty_objref", 8, CKPT_OBJ_TTY, "the terminal object (EXT_TTY) the FILE this record "
	    "belongs to is open on"),
	F_PAD("_pad", 12, 4, "zero"),
};

/* Kernel state of tasks and descriptors the format has no record for
 * (20010-20029; docs/extensions.md "Task and descriptor state"). */
static const struct ckpt_field r6_ext_task_security_fields[] = {
	F_X("valid", 8, 4, "what remote system calls read: 0x1 securebits, 0x2 the alternate signal "
	   "stack (also TASK.sas_ss_*), 0x4 the group's itimers (SIGNAL), 0x8 its handlers (SIGHAND), "
	   "none when ckpt could not suspend the task's seccomp filters to make them; 0x10 the seccomp "
	   "programs (EXT_SECCOMP_FILTER) are all there, clear when the kernel refused them; 0x20 "
	   "SIGNAL_TASK.blocked is the mask the thread returns to (rt_sigprocmask), else /proc's "
	   "SigBlk, the temporary mask of a sigsuspend, ppoll, pselect6 or epoll_pwait"),
	F_U("no_new_privs", 12, 4, "1 when the task has no_new_privs (NoNewPrivs of its status)"),
	F_ENUM("seccomp_mode", 16, 4, ckpt_names_seccomp_mode,
	    "0 disabled, 1 strict, 2 filter (Seccomp of its status)"),
	F_U("seccomp_filters", 20, 4, 
	   "filters attached (Seccomp_filters); as many EXT_SECCOMP_FILTER records follow"),
	F_FLAGS("cap_ambient", 24, 8, ckpt_names_cap, "ambient capability set (CapAmb)"),
	F_X("personality", 32, 4, "personality(2) value (/proc/PID/personality)"),
	F_FLAGS("securebits", 36, 4, ckpt_names_securebits,
	    "prctl(PR_GET_SECUREBITS) made by the task; valid bit 0x1"),
	F_X("sas_ss_flags", 40, 4, "the alternate signal stack's flags (SS_AUTODISARM 0x80000000); "
	   "valid bit 0x2"),
	F_PAD("_pad", 44, 4, "padding"),
};

static const struct ckpt_field r6_bpf_insn_fields[] = {
	F_X("code", 0, 2, "BPF opcode"),
	F_U("jt", 2, 1, "jump if true"),
	F_U("jf", 3, 1, "jump if false"),
	F_X("k", 4, 4, "operand"),
};

#define R6_BPF_MAXINSNS	4096u

static const struct ckpt_field r6_ext_seccomp_filter_fields[] = {
	F_U("index", 8, 4, "0 is the filter installed first, the task's oldest (PTRACE_SECCOMP_GET_FILTER's order)"),
	F_U("nr_insns", 12, 4, "instructions in the classic BPF program"),
	F_ARRAY("insns", 16, r6_bpf_insn_fields, 8, 0, "nr_insns", NULL,
	    "the program, struct sock_filter by struct sock_filter"),
};

/* Filters a task shares with a task written before it. */
static const struct ckpt_field r6_ext_seccomp_shared_fields[] = {
	F_U("count", 8, 4, "this task's first filters (indices 0 .. count - 1, the oldest) are that task's; "
	    "its own EXT_SECCOMP_FILTER records, from index count, follow"),
	F_I("same_pid", 12, 4, "the task written before that has them (its pid in the image's tree)"),
};

static const struct ckpt_field r6_ext_rseq_fields[] = {
	F_X("rseq_abi_pointer", 8, 8, "address of the registered struct rseq; 0 when none"),
	F_U("rseq_abi_size", 16, 4, "the length registered"),
	F_X("signature", 20, 4, "the abort signature registered"),
	F_X("flags", 24, 4, "the registration flags"),
	F_PAD("_pad", 28, 4, "padding"),
};

static const struct ckpt_field r6_ext_eventfd_fields[] = {
	F_REF("file_objref", 8, CKPT_OBJ_FILE, "the eventfd's open file (its FILE record precedes)"),
	F_U("semaphore", 12, 4, "1 when created with EFD_SEMAPHORE (eventfd-semaphore of fdinfo)"),
	F_U("count", 16, 8, "the counter (eventfd-count of fdinfo)"),
};

static const struct ckpt_field r6_ext_timerfd_fields[] = {
	F_REF("file_objref", 8, CKPT_OBJ_FILE, "the timerfd's open file (its FILE record precedes)"),
	F_U("clockid", 12, 4, "the clock it was created on (0 REALTIME, 1 MONOTONIC, 7 BOOTTIME, ...)"),
	F_U("ticks", 16, 8, "expirations not read yet"),
	F_X("settime_flags", 24, 4, "timerfd_settime flags (1 ABSTIME, 2 CANCEL_ON_SET)"),
	F_PAD("_pad", 28, 4, "padding"),
	F_U("value_sec", 32, 8, "time to the next expiration, seconds (0 and 0: disarmed)"),
	F_U("value_nsec", 40, 8, "and nanoseconds"),
	F_U("interval_sec", 48, 8, "the period, seconds"),
	F_U("interval_nsec", 56, 8, "and nanoseconds"),
};

static const struct ckpt_field r6_ext_signalfd_fields[] = {
	F_REF("file_objref", 8, CKPT_OBJ_FILE, "the signalfd's open file (its FILE record precedes)"),
	F_PAD("_pad", 12, 4, "padding"),
	{ .name = "sigmask", .offset = 16, .width = 8, .kind = CKPT_K_SIGSET, .names = &ckpt_names_signal,
	  .doc = "the signals it reads (sigmask of fdinfo)" },
};

#define R6_INOTIFY_HANDLE	128u	/* MAX_HANDLE_SZ */
#define R6_INOTIFY_WATCH_LEN	(32u + R6_INOTIFY_HANDLE)
#define R6_INOTIFY_MAX		(1u << 16)

static const struct ckpt_field r6_inotify_watch_fields[] = {
	F_I("wd", 0, 4, "the watch descriptor"),
	F_X("mask", 4, 4, "IN_* events watched"),
	F_X("ignored_mask", 8, 4, "ignored events"),
	F_X("sdev", 12, 4, "the watched inode's device (kernel encoding, as fdinfo)"),
	F_U("ino", 16, 8, "the watched inode"),
	F_I("handle_type", 24, 4, "file handle type, for open_by_handle_at(2)"),
	F_U("handle_bytes", 28, 4, "bytes of handle used"),
	F_BYTES("handle", 32, R6_INOTIFY_HANDLE, "the file handle of the watched inode"),
};

static const struct ckpt_field r6_ext_inotify_fields[] = {
	F_REF("file_objref", 8, CKPT_OBJ_FILE, "the inotify instance's open file (its FILE record precedes)"),
	F_U("nr_watches", 12, 4, "watches that follow"),
	F_ARRAY("watches", 16, r6_inotify_watch_fields, R6_INOTIFY_WATCH_LEN, 0, "nr_watches", NULL,
	    "one per watch, as its fdinfo line gives it"),
};

/* An epoll instance's interest list.  The format's EPOLL_ITEMS has no
 * layout in the reference, so it stays opaque and ckpt writes this. */
#define R6_EPOLL_ITEMS_MAX	(1u << 16)

static const struct ckpt_field r6_epoll_item_fields[] = {
	{ .name = "data", .offset = 0, .width = 8, .kind = CKPT_K_HEX,
	  .doc = "the epoll_data the item was added with" },
	{ .name = "fd", .offset = 8, .width = 4, .kind = CKPT_K_INT,
	  .doc = "the descriptor number the file was added under (tfd)" },
	{ .name = "file_objref", .offset = 12, .width = 4, .kind = CKPT_K_OBJREF, .objtype = CKPT_OBJ_FILE,
	  .doc = "the watched open file; 0 when no descriptor of the table holds it any more" },
	{ .name = "events", .offset = 16, .width = 4, .kind = CKPT_K_HEX,
	  .doc = "the EPOLL* event mask, EPOLLET and friends included" },
	F_PAD("_pad", 20, 4, "padding"),
};

static const struct ckpt_field r6_ext_epoll_fields[] = {
	{ .name = "epfile_objref", .offset = 8, .width = 4, .kind = CKPT_K_OBJREF, .objtype = CKPT_OBJ_FILE,
	  .doc = "the epoll instance's open file" },
	{ .name = "num_items", .offset = 12, .width = 4, .kind = CKPT_K_UINT, .doc = "items that follow" },
	F_ARRAY("items", 16, r6_epoll_item_fields, 24, 0, "num_items", NULL,
	    "one per watched file, as its fdinfo tfd line gives it"),
};

/* The format's PIPE_BUF has no layout in the reference either. */
static const struct ckpt_field r6_ext_pipe_fields[] = {
	F_REF("file_objref", 8, CKPT_OBJ_FILE, "the pipe's (or FIFO's) reading open file (its FILE record precedes)"),
	F_U("pipe_size", 12, 4, "the pipe's capacity in bytes (F_GETPIPE_SZ)"),
	F_U("nr_bytes", 16, 4, "bytes waiting in it; a BUFFER with them follows when not 0"),
	F_PAD("_pad", 20, 4, "padding"),
};

static const struct ckpt_follow r6_ext_pipe_follows[] = {
	{ .type = R6_BUFFER, .role = "data", .if_nonzero = "nr_bytes" },
};

/* The format's SOCKET_QUEUE and SOCKET_BUFFER have no layout in the
 * reference. */
static const struct ckpt_field r6_ext_socket_queue_fields[] = {
	F_REF("file_objref", 8, CKPT_OBJ_FILE, "the socket's open file (its FILE record precedes)"),
	F_U("family", 12, 4, "address family: 1 AF_UNIX (the only one collected)"),
	F_U("sock_type", 16, 4, "socket type: 1 SOCK_STREAM (the only one collected)"),
	F_U("nr_bytes", 20, 4, "bytes queued to be read; a BUFFER with them follows when not 0"),
};

/* A Unix datagram or seqpacket socket's queue, message by message (and
 * the descriptors in flight in a stream socket's queue, whose bytes are in
 * EXT_SOCKET_QUEUE). */
static const struct ckpt_field r6_ext_socket_msgs_fields[] = {
	F_REF("file_objref", 8, CKPT_OBJ_FILE, "the receiving socket's open file (its FILE record precedes)"),
	F_U("sock_type", 12, 4, "socket type: 1 SOCK_STREAM (descriptors only), 2 SOCK_DGRAM, 5 SOCK_SEQPACKET"),
	F_U("nr_msgs", 16, 4, "messages queued to be read, in order: one EXT_SOCKET_MSG each follows"),
	F_U("nr_fds", 20, 4, "descriptors in flight in the queue (SCM_RIGHTS), all messages together"),
	F_X("flags", 24, 4, "0x1 INCOMPLETE: the queue holds zero-length messages, and those beyond the first "
	    "that an earlier peek saw (an earlier checkpoint, the task) are invisible to the walk: some may be missing"),
	F_PAD("_pad", 28, 4, "padding"),
};

static const struct ckpt_field r6_ext_socket_msg_fields[] = {
	F_REF("file_objref", 8, CKPT_OBJ_FILE, "the receiving socket's open file, as in EXT_SOCKET_MSGS"),
	F_U("index", 12, 4, "the message's place in the queue, 0 the next one read"),
	F_U("nr_bytes", 16, 4, "the message's length; a BUFFER with its bytes follows when not 0"),
	F_U("nr_fds", 20, 4, "descriptors in flight with it (SCM_RIGHTS); ckptrestore does not send them again"),
	F_U("nr_socket_fds", 24, 4, "how many of them are sockets (S_IFSOCK); the rest are other files"),
	F_U("addr_len", 28, 4, "bytes of addr in use; 0: the sender had no address (a socketpair, a connected unnamed socket)"),
	F_BYTES("addr", 32, 110, "the sender's struct sockaddr_un (sun_family, sun_path; an abstract name starts with a NUL)"),
	F_PAD("_pad", 142, 2, "padding"),
};

static const struct ckpt_follow r6_ext_socket_msg_follows[] = {
	{ .type = R6_BUFFER, .role = "data", .if_nonzero = "nr_bytes" },
};

/* A listening socket (20055): what a restore needs to listen again. */
static const struct ckpt_name r6_listen_valid_list[] = {
	{ CKPT_LISTEN_ADDR, "ADDR" }, { CKPT_LISTEN_OPTIONS, "OPTIONS" }, { CKPT_LISTEN_QUEUE, "QUEUE" },
	{ CKPT_LISTEN_PATH, "PATH" },
};
static const struct ckpt_names r6_names_listen_valid = {
	"listen_valid", r6_listen_valid_list, CKPT_ARRAY_LEN(r6_listen_valid_list)
};
static const struct ckpt_name r6_listen_option_list[] = {
	{ CKPT_LISTEN_REUSEADDR, "SO_REUSEADDR" }, { CKPT_LISTEN_REUSEPORT, "SO_REUSEPORT" },
	{ CKPT_LISTEN_V6ONLY, "IPV6_V6ONLY" }, { CKPT_LISTEN_KEEPALIVE, "SO_KEEPALIVE" },
	{ CKPT_LISTEN_NODELAY, "TCP_NODELAY" }, { CKPT_LISTEN_PASSCRED, "SO_PASSCRED" },
	{ CKPT_LISTEN_FREEBIND, "IP_FREEBIND" }, { CKPT_LISTEN_TRANSPARENT, "IP_TRANSPARENT" },
	{ CKPT_LISTEN_LINGER, "SO_LINGER" }, { CKPT_LISTEN_PASSSEC, "SO_PASSSEC" },
};
static const struct ckpt_names r6_names_listen_options = {
	"listen_options", r6_listen_option_list, CKPT_ARRAY_LEN(r6_listen_option_list)
};

static const struct ckpt_field r6_ext_socket_listen_fields[] = {
	F_REF("file_objref", 8, CKPT_OBJ_FILE, "the listening socket's open file (its FILE record precedes)"),
	F_U_CHECKED("family", 12, 4, "address family (SO_DOMAIN): 1 AF_UNIX, 2 AF_INET, 10 AF_INET6"),
	F_U_CHECKED("sock_type", 16, 4, "socket type (SO_TYPE): 1 SOCK_STREAM, 5 SOCK_SEQPACKET"),
	F_U_CHECKED("protocol", 20, 4, "protocol (SO_PROTOCOL): 0 for Unix, 6 IPPROTO_TCP"),
	F_FLAGS("valid", 24, 4, r6_names_listen_valid,
		"the facts ckpt could read: ADDR (getsockname), OPTIONS (getsockopt), QUEUE (sock_diag: "
		"backlog, pending), PATH (a named Unix socket's file); a restore needs ADDR, OPTIONS, "
		"QUEUE, and PATH for a named Unix socket"),
	F_U_CHECKED("backlog", 28, 4, "the listen(2) backlog the kernel keeps (sock_diag: UNIX_DIAG_RQLEN or "
		    "inet_diag wqueue on a listener)"),
	F_U("pending", 32, 4, "connections waiting to be accepted (sock_diag rqueue): they are lost on a "
	    "restore, so one is refused unless this is 0"),
	F_FLAGS_CHECKED("options", 36, 4, r6_names_listen_options,
			"boolean options that were on (getsockopt); accepted sockets inherit most of them"),
	F_U("linger_sec", 40, 4, "SO_LINGER l_linger, seconds (with the SO_LINGER option bit)"),
	F_U("rcvbuf", 44, 4, "SO_RCVBUF as getsockopt(2) reports it (twice the value set); set again only "
	    "when a fresh socket's differs"),
	F_U("sndbuf", 48, 4, "SO_SNDBUF, the same way"),
	F_U("defer_accept", 52, 4, "TCP_DEFER_ACCEPT, seconds; 0 off or not TCP"),
	F_U("fastopen_qlen", 56, 4, "TCP_FASTOPEN queue length; 0 off or not TCP"),
	F_U("keepidle", 60, 4, "TCP_KEEPIDLE, seconds (inherited by accepted sockets); 0 not TCP"),
	F_U("keepintvl", 64, 4, "TCP_KEEPINTVL, seconds; 0 not TCP"),
	F_U("keepcnt", 68, 4, "TCP_KEEPCNT; 0 not TCP"),
	F_U("maxseg", 72, 4, "TCP_MAXSEG as getsockopt(2) reports it on a listener; 0 not TCP"),
	F_U("mark", 76, 4, "SO_MARK"),
	F_U("ifindex", 80, 4, "SO_BINDTOIFINDEX: the device it is bound to, 0 none"),
	F_U_CHECKED("addr_len", 84, 4, "bytes of addr in use (getsockname)"),
	F_O("path_mode", 88, 4, "a named Unix socket: its file's st_mode (set again after bind)"),
	F_U("path_uid", 92, 4, "its file's owner"),
	F_U("path_gid", 96, 4, "its file's group"),
	F_PAD("_pad", 100, 4, "padding"),
	F_BYTES("addr", CKPT_EXT_SOCKET_LISTEN_ADDR_OFF, CKPT_EXT_SOCKET_LISTEN_ADDR_MAX,
		"the bound address: struct sockaddr_un (a path, or an abstract name starting with a NUL), "
		"sockaddr_in or sockaddr_in6 (port in network order)"),
};

/* A fanotify group's settings and marks, from its fdinfo lines. */
static const struct ckpt_field r6_fanotify_mark_fields[] = {
	F_U("kind", 0, 4, "1 inode, 2 mount (FAN_MARK_MOUNT), 3 filesystem (FAN_MARK_FILESYSTEM)"),
	F_X("mflags", 4, 4, "the mark's flags, as fdinfo prints them (FAN_MARK_IGNORED_SURV_MODIFY and friends)"),
	F_X("mask", 8, 8, "FAN_* events marked"),
	F_X("ignored_mask", 16, 8, "FAN_* events ignored"),
	F_X("sdev", 24, 4, "the inode's or filesystem's device (kernel encoding, as fdinfo); 0 for a mount mark"),
	F_U("mnt_id", 28, 4, "the mount's id (/proc/PID/mountinfo) of a mount mark; 0 otherwise"),
	F_U("ino", 32, 8, "the marked inode of an inode mark; 0 otherwise"),
	F_I("handle_type", 40, 4, "file handle type of an inode mark, for open_by_handle_at(2)"),
	F_U("handle_bytes", 44, 4, "bytes of handle used"),
	F_BYTES("handle", 48, CKPT_EXT_FANOTIFY_HANDLE_MAX, "the file handle of the marked inode"),
};

static const struct ckpt_field r6_ext_fanotify_fields[] = {
	F_REF("file_objref", 8, CKPT_OBJ_FILE, "the fanotify group's open file (its FILE record precedes)"),
	F_U("nr_marks", 12, 4, "marks that follow"),
	F_X("init_flags", 16, 4, "fanotify_init(2) flags: FAN_CLASS_*, FAN_REPORT_*, FAN_UNLIMITED_* (fdinfo flags)"),
	F_O("event_f_flags", 20, 4, "fanotify_init(2) event_f_flags: the open flags of event files (fdinfo event-flags)"),
	F_ARRAY("marks", 24, r6_fanotify_mark_fields, CKPT_EXT_FANOTIFY_MARK_LEN, 0, "nr_marks", NULL,
	    "one per mark, as its fdinfo line gives it"),
};

/* -- the table ----------------------------------------------------------- */

static const struct ckpt_rtype r6_types[] = {
	{ .type = R6_HEADER, .name = "HEADER", EXACT(72), FIELDS(r6_header_fields),
	  FOLLOWS(r6_header_follows),
	  .doc = "image header: magic, arch, kernel version, revision, kernel constants" },
	{ .type = R6_HEADER_ARCH, .name = "HEADER_ARCH", EXACT(16), FIELDS(r6_header_arch_fields),
	  .doc = "x86 FPU facts restart compares with the running CPU" },
	{ .type = R6_CONTAINER, .name = "CONTAINER", EXACT(8), FOLLOWS(r6_container_follows),
	  .doc = "container marker; the LSM name and LSM_INFO follow" },
	{ .type = R6_BUFFER, .name = "BUFFER", RANGE(8, UINT32_MAX), .payload = CKPT_L_BYTES,
	  .doc = "raw bytes carrying the data of the record before it" },
	{ .type = R6_STRING, .name = "STRING", RANGE(8, CKPT_MAX_SMALL_RECORD), .payload = CKPT_L_STRING,
	  .doc = "NUL-terminated text" },
	{ .type = R6_OBJREF, .name = "OBJREF", EXACT(16), FIELDS(r6_objref_fields),
	  .doc = "first sight of a shared object: its type and objref; its records follow" },
	R6_OPAQUE(R6_LSM_INFO, "LSM_INFO"),
	R6_OPAQUE(R6_SECURITY, "SECURITY"),

	{ .type = R6_PIDS, .name = "PIDS", EXACT(24), FIELDS(r6_pids_fields),
	  FOLLOWS(r6_pids_follows),
	  .doc = "pid numbers of every level; a BUFFER of packed pid lists follows" },
	{ .type = R6_TREE, .name = "TREE", EXACT(16), FIELDS(r6_tree_fields),
	  FOLLOWS(r6_tree_follows),
	  .doc = "process tree; a BUFFER with one entry per task follows" },
	{ .type = R6_TASK, .name = "TASK", EXACT(80), FIELDS(r6_task_fields),
	  FOLLOWS(r6_task_follows), .doc = "task state; a STRING with comm follows" },
	{ .type = R6_TASK_NS, .name = "TASK_NS", EXACT(16), FIELDS(r6_task_ns_fields),
	  .doc = "the task's namespace set" },
	{ .type = R6_TASK_OBJS, .name = "TASK_OBJS", EXACT(32), FIELDS(r6_task_objs_fields),
	  .doc = "the task's shared objects: files, mm, fs, sem undo, sighand, signal" },
	{ .type = R6_RESTART_BLOCK, .name = "RESTART_BLOCK", EXACT(56), FIELDS(r6_restart_block_fields),
	  .doc = "how to resume an interrupted system call" },
	{ .type = R6_THREAD, .name = "THREAD", EXACT(24), FIELDS(r6_thread_fields),
	  .doc = "x86 thread state: sysenter return, thread_info flags, TLS" },
	{ .type = R6_CPU, .name = "CPU", EXACT(192), FIELDS(r6_cpu_fields),
	  FOLLOWS(r6_cpu_follows),
	  .doc = "x86_64 registers; CPU_FPU follows when the task used the FPU" },
	{ .type = R6_NS, .name = "NS", EXACT(24), FIELDS(r6_ns_fields),
	  .doc = "a namespace set: uts, ipc, net" },
	{ .type = R6_UTS_NS, .name = "UTS_NS", EXACT(400), FIELDS(r6_utsns_fields),
	  .doc = "uts namespace: the uname strings" },
	R6_OPAQUE(R6_IPC_NS, "IPC_NS"),
	R6_OPAQUE(R6_MNT_NS, "MNT_NS"),
	{ .type = R6_CAPABILITIES, .name = "CAPABILITIES", RANGE(8, 48), FIELDS(r6_capabilities_fields),
	  .doc = "capability sets and securebits (the layout CRED embeds at @56)" },
	{ .type = R6_USER_NS, .name = "USER_NS", EXACT(16), FIELDS(r6_user_ns_fields),
	  .doc = "user namespace; creator 0 is the root namespace" },
	{ .type = R6_CRED, .name = "CRED", EXACT(96), FIELDS(r6_cred_fields),
	  .doc = "credentials: ids, user, groups, security, capabilities" },
	{ .type = R6_USER, .name = "USER", EXACT(16), FIELDS(r6_user_fields),
	  .doc = "a user: uid in its user namespace" },
	{ .type = R6_GROUPINFO, .name = "GROUPINFO", RANGE(16, 16 + 4 * R6_NGROUPS_MAX),
	  FIELDS(r6_groupinfo_fields), .doc = "supplementary groups" },
	{ .type = R6_TASK_CREDS, .name = "TASK_CREDS", EXACT(16), FIELDS(r6_task_creds_fields),
	  .doc = "the task's real and effective credentials" },

	R6_OPAQUE(R6_CPU_FPU, "CPU_FPU"),
	R6_OPAQUE(R6_MM_CONTEXT_LDT, "MM_CONTEXT_LDT"),

	{ .type = R6_FILE_TABLE, .name = "FILE_TABLE", EXACT(16), FIELDS(r6_file_table_fields),
	  .doc = "file descriptor table; its FILE_DESC records follow" },
	{ .type = R6_FILE_DESC, .name = "FILE_DESC", EXACT(24), FIELDS(r6_file_desc_fields),
	  .doc = "one descriptor: number, file, close-on-exec" },
	{ .type = R6_FILE_NAME, .name = "FILE_NAME", RANGE(8, 8 + R6_PATH_MAX), .payload = CKPT_L_STRING,
	  .doc = "a path, NUL included" },
	{ .type = R6_FILE, .name = "FILE", EXACT(48), FIELDS(r6_file_fields),
	  FOLLOWS(r6_file_follows), .doc = "an open file; a FILE_NAME with its path follows" },
	R6_OPAQUE(R6_PIPE_BUF, "PIPE_BUF"),
	R6_OPAQUE(R6_TTY, "TTY"),
	R6_OPAQUE(R6_TTY_LDISC, "TTY_LDISC"),
	R6_OPAQUE(R6_EPOLL_ITEMS, "EPOLL_ITEMS"),

	{ .type = R6_MM, .name = "MM", EXACT(120), FIELDS(r6_mm_fields), FOLLOWS(r6_mm_follows),
	  .doc = "address space; saved auxv, the VMAs and MM_CONTEXT follow" },
	{ .type = R6_VMA, .name = "VMA", EXACT(80), FIELDS(r6_vma_fields),
	  .doc = "a mapping; its PGARR records follow" },
	{ .type = R6_PGARR, .name = "PGARR", EXACT(16), FIELDS(r6_pgarr_fields),
	  FOLLOWS(r6_pgarr_follows),
	  .doc = "a batch of pages; nr_pages 0 ends the vma" },
	R6_OPAQUE(R6_HPAGE, "HPAGE"),
	R6_OPAQUE(R6_MM_CONTEXT, "MM_CONTEXT"),
	{ .type = R6_FS, .name = "FS", EXACT(16), FIELDS(r6_fs_fields), FOLLOWS(r6_fs_follows),
	  .doc = "umask; FILE_NAME records for root and cwd follow" },

	R6_OPAQUE(R6_IPC, "IPC"),
	R6_OPAQUE(R6_IPC_SHM, "IPC_SHM"),
	R6_OPAQUE(R6_IPC_MSG, "IPC_MSG"),
	R6_OPAQUE(R6_IPC_MSG_MSG, "IPC_MSG_MSG"),
	R6_OPAQUE(R6_IPC_SEM, "IPC_SEM"),
	R6_OPAQUE(R6_TASK_SEM_UNDO_LIST, "TASK_SEM_UNDO_LIST"),
	R6_OPAQUE(R6_TASK_SEM_UNDO, "TASK_SEM_UNDO"),

	{ .type = R6_SIGHAND, .name = "SIGHAND", EXACT(8 + 64 * 32), FIELDS(r6_sighand_fields),
	  .doc = "signal handlers, one per signal 1..64" },
	{ .type = R6_SIGNAL, .name = "SIGNAL", EXACT(328), FIELDS(r6_signal_fields),
	  .doc = "shared signal state: rlimits, itimers, controlling tty" },
	{ .type = R6_SIGNAL_TASK, .name = "SIGNAL_TASK", EXACT(16), FIELDS(r6_signal_task_fields),
	  .doc = "the task's blocked signals" },
	/* nr_pending has no bound of its own, so only the small-record limit
	 * caps the length. */
	{ .type = R6_SIGPENDING, .name = "SIGPENDING", RANGE(24, CKPT_MAX_SMALL_RECORD),
	  FIELDS(r6_sigpending_fields), .doc = "pending signals and their siginfo" },

	R6_OPAQUE(R6_SOCKET, "SOCKET"),
	R6_OPAQUE(R6_SOCKET_QUEUE, "SOCKET_QUEUE"),
	R6_OPAQUE(R6_SOCKET_BUFFER, "SOCKET_BUFFER"),
	R6_OPAQUE(R6_SOCKET_FRAG, "SOCKET_FRAG"),
	R6_OPAQUE(R6_SOCKET_UNIX, "SOCKET_UNIX"),
	R6_OPAQUE(R6_SOCKET_INET, "SOCKET_INET"),
	R6_OPAQUE(R6_NET_NS, "NET_NS"),
	R6_OPAQUE(R6_NETDEV, "NETDEV"),
	R6_OPAQUE(R6_NETDEV_ADDR, "NETDEV_ADDR"),

	{ .type = R6_TAIL, .name = "TAIL", EXACT(16), FIELDS(r6_tail_fields),
	  .doc = "end of a complete image" },
	{ .type = R6_ERROR, .name = "ERROR", EXACT(8), FOLLOWS(r6_error_follows),
	  .doc = "checkpoint failed; a STRING with the message follows and ends the image" },

	{ .type = R6_EXT_PRODUCER, .name = "EXT_PRODUCER", EXACT(CKPT_EXT_PRODUCER_LEN),
	  FIELDS(r6_ext_producer_fields), FOLLOWS(r6_ext_producer_follows),
	  .doc = "ckpttools extension: who made the image, when, of what; STRINGs producer, host, cmdline follow" },
	{ .type = R6_EXT_USERS, .name = "EXT_USERS",
	  RANGE(CKPT_EXT_USERS_HDR_LEN, CKPT_EXT_USERS_HDR_LEN + CKPT_EXT_USER_LEN * CKPT_EXT_USERS_MAX),
	  FIELDS(r6_ext_users_fields),
	  .doc = "ckpttools extension: users of each shared object observed system-wide at checkpoint time; "
		 "flags PARTIAL: some tasks could not be looked at, the counts are lower bounds" },
	{ .type = R6_EXT_DIGEST, .name = "EXT_DIGEST",
	  RANGE(CKPT_EXT_DIGEST_HDR_LEN, CKPT_EXT_DIGEST_HDR_LEN + 8 * CKPT_EXT_DIGEST_MAX),
	  FIELDS(r6_ext_digest_fields),
	  .doc = "ckpttools extension: XXH3-64 digests of the records since the previous EXT_DIGEST" },
	{ .type = R6_EXT_PEERS, .name = "EXT_PEERS", EXACT(CKPT_EXT_PEERS_LEN), FIELDS(r6_ext_peers_fields),
	  .doc = "ckpttools extension: who outside the tree holds a pipe, FIFO or socket FILE's inode" },
	{ .type = R6_EXT_INODE, .name = "EXT_INODE", EXACT(CKPT_EXT_INODE_LEN),
	  FIELDS(r6_ext_inode_fields), FOLLOWS(r6_ext_inode_follows),
	  .doc = "ckpttools extension: an INODE object a restore cannot open by path (shared anonymous "
		 "memory, memfd, unlinked file); a STRING with its path and its EXT_INODE_PAGES runs follow" },
	{ .type = R6_EXT_INODE_PAGES, .name = "EXT_INODE_PAGES", EXACT(CKPT_EXT_INODE_PAGES_LEN),
	  FIELDS(r6_ext_inode_pages_fields), FOLLOWS(r6_ext_inode_pages_follows),
	  .doc = "ckpttools extension: a run of an INODE object's pages; a BUFFER with their bytes follows" },
	{ .type = R6_EXT_FILE_INODE, .name = "EXT_FILE_INODE", EXACT(CKPT_EXT_FILE_INODE_LEN),
	  FIELDS(r6_ext_file_inode_fields),
	  .doc = "ckpttools extension: the INODE object whose contents an open FILE (memfd, unlinked) has" },
	{ .type = R6_EXT_TASK_SECURITY, .name = "EXT_TASK_SECURITY", EXACT(48), FIELDS(r6_ext_task_security_fields),
	  .doc = "ckpttools extension: a task's no_new_privs, seccomp, ambient caps, personality, securebits" },
	{ .type = R6_EXT_SECCOMP_FILTER, .name = "EXT_SECCOMP_FILTER", RANGE(16, 16 + 8 * R6_BPF_MAXINSNS),
	  FIELDS(r6_ext_seccomp_filter_fields),
	  .doc = "ckpttools extension: one seccomp filter of the task, as classic BPF" },
	{ .type = R6_EXT_SECCOMP_SHARED, .name = "EXT_SECCOMP_SHARED", EXACT(16),
	  FIELDS(r6_ext_seccomp_shared_fields),
	  .doc = "ckpttools extension: the task's oldest seccomp filters are those of a task written before" },
	{ .type = R6_EXT_RSEQ, .name = "EXT_RSEQ", EXACT(32), FIELDS(r6_ext_rseq_fields),
	  .doc = "ckpttools extension: the task's rseq registration" },
	{ .type = R6_EXT_EVENTFD, .name = "EXT_EVENTFD", EXACT(24), FIELDS(r6_ext_eventfd_fields),
	  .doc = "ckpttools extension: an eventfd's counter and mode" },
	{ .type = R6_EXT_TIMERFD, .name = "EXT_TIMERFD", EXACT(64), FIELDS(r6_ext_timerfd_fields),
	  .doc = "ckpttools extension: a timerfd's clock, setting and unread expirations" },
	{ .type = R6_EXT_SIGNALFD, .name = "EXT_SIGNALFD", EXACT(24), FIELDS(r6_ext_signalfd_fields),
	  .doc = "ckpttools extension: a signalfd's signal mask" },
	{ .type = R6_EXT_INOTIFY, .name = "EXT_INOTIFY",
	  RANGE(16, 16 + R6_INOTIFY_WATCH_LEN * R6_INOTIFY_MAX), FIELDS(r6_ext_inotify_fields),
	  .doc = "ckpttools extension: an inotify instance's watches" },
	{ .type = R6_EXT_EPOLL, .name = "EXT_EPOLL", RANGE(16, 16 + 24 * R6_EPOLL_ITEMS_MAX),
	  FIELDS(r6_ext_epoll_fields),
	  .doc = "ckpttools extension: an epoll instance's interest list, one item per watched file" },
	{ .type = R6_EXT_PIPE, .name = "EXT_PIPE", EXACT(24), FIELDS(r6_ext_pipe_fields), FOLLOWS(r6_ext_pipe_follows),
	  .doc = "ckpttools extension: the bytes waiting in a pipe; a BUFFER with them follows" },
	{ .type = R6_EXT_SOCKET_QUEUE, .name = "EXT_SOCKET_QUEUE", EXACT(24), FIELDS(r6_ext_socket_queue_fields),
	  FOLLOWS(r6_ext_pipe_follows),
	  .doc = "ckpttools extension: the bytes queued on a Unix stream socket; a BUFFER with them follows" },
	{ .type = R6_EXT_SOCKET_MSGS, .name = "EXT_SOCKET_MSGS", EXACT(CKPT_EXT_SOCKET_MSGS_LEN),
	  FIELDS(r6_ext_socket_msgs_fields),
	  .doc = "ckpttools extension: a Unix datagram or seqpacket socket's queue; its EXT_SOCKET_MSG records follow" },
	{ .type = R6_EXT_SOCKET_MSG, .name = "EXT_SOCKET_MSG", EXACT(CKPT_EXT_SOCKET_MSG_LEN),
	  FIELDS(r6_ext_socket_msg_fields), FOLLOWS(r6_ext_socket_msg_follows),
	  .doc = "ckpttools extension: one queued message of a Unix socket; a BUFFER with its bytes follows" },
	{ .type = R6_EXT_FANOTIFY, .name = "EXT_FANOTIFY",
	  RANGE(CKPT_EXT_FANOTIFY_HDR_LEN, CKPT_EXT_FANOTIFY_HDR_LEN + CKPT_EXT_FANOTIFY_MARK_LEN * CKPT_EXT_FANOTIFY_MAX),
	  FIELDS(r6_ext_fanotify_fields),
	  .doc = "ckpttools extension: a fanotify group's settings and marks" },
	{ .type = R6_EXT_TTY, .name = "EXT_TTY", EXACT(CKPT_EXT_TTY_LEN), FIELDS(r6_ext_tty_fields),
	  .doc = "ckpttools extension: a terminal object (after its OBJREF): kind, pty index, termios, "
		 "window size, session and foreground group" },
	{ .type = R6_EXT_FILE_TTY, .name = "EXT_FILE_TTY", EXACT(CKPT_EXT_FILE_TTY_LEN),
	  FIELDS(r6_ext_file_tty_fields),
	  .doc = "ckpttools extension: the terminal object an open FILE of type TTY is open on" },
	{ .type = R6_EXT_SOCKET_LISTEN, .name = "EXT_SOCKET_LISTEN", EXACT(CKPT_EXT_SOCKET_LISTEN_LEN),
	  FIELDS(r6_ext_socket_listen_fields),
	  .doc = "ckpttools extension: a listening Unix or TCP socket: address, backlog, options, connections "
		 "waiting" },
};

const struct ckpt_schema ckpt_schema_rev6 = {
	.dialect = CKPT_DIALECT_REV6,
	.id = "linux-cr-rev6",
	.title = "linux-cr final (rev 6, x86_64)",
	.hdr_len = 8,
	.align = 1,
	.max_type = R6_EXT_SOCKET_LISTEN,	/* the highest extension type */
	.types = r6_types,
	.n_types = CKPT_ARRAY_LEN(r6_types),
	.objtypes = &ckpt_names_obj_type,
	.header_type = R6_HEADER,
	.buffer_type = R6_BUFFER,
	.string_type = R6_STRING,
	.objref_type = R6_OBJREF,
	.tail_type = R6_TAIL,
	.error_type = R6_ERROR,
	.head_magic = CKPT_MAGIC_HEAD,
	.tail_magic = CKPT_MAGIC_TAIL,
};
