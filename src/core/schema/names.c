/* Name tables for enums and flag sets shared by the dialect tables.
 *
 * Flag tables hold bit masks, never bit numbers, so a value can be split
 * into names by testing each entry against it.  Values are those of Linux
 * x86_64 as the images' kernels (2.6.3x) used them; where a bit was given a
 * new meaning by a later kernel, the meaning of the image's kernel wins,
 * because that is the kernel that wrote the value.
 */
#include "schema/names.h"
#include "ckpt/ext.h"

#define NAMES(w, a)	{ .what = (w), .names = (a), .count = CKPT_ARRAY_LEN(a) }

static const struct ckpt_name signal_names[] = {
	{ 1, "SIGHUP" }, { 2, "SIGINT" }, { 3, "SIGQUIT" }, { 4, "SIGILL" },
	{ 5, "SIGTRAP" }, { 6, "SIGABRT" }, { 7, "SIGBUS" }, { 8, "SIGFPE" },
	{ 9, "SIGKILL" }, { 10, "SIGUSR1" }, { 11, "SIGSEGV" }, { 12, "SIGUSR2" },
	{ 13, "SIGPIPE" }, { 14, "SIGALRM" }, { 15, "SIGTERM" }, { 16, "SIGSTKFLT" },
	{ 17, "SIGCHLD" }, { 18, "SIGCONT" }, { 19, "SIGSTOP" }, { 20, "SIGTSTP" },
	{ 21, "SIGTTIN" }, { 22, "SIGTTOU" }, { 23, "SIGURG" }, { 24, "SIGXCPU" },
	{ 25, "SIGXFSZ" }, { 26, "SIGVTALRM" }, { 27, "SIGPROF" }, { 28, "SIGWINCH" },
	{ 29, "SIGIO" }, { 30, "SIGPWR" }, { 31, "SIGSYS" },
	/* The kernel's real-time range; glibc reserves the first few for
	 * itself, so its SIGRTMIN differs, but the image holds kernel numbers. */
	{ 32, "SIGRTMIN" },
#define RT(n)	{ 32 + (n), "SIGRTMIN+" #n }
	RT(1), RT(2), RT(3), RT(4), RT(5), RT(6), RT(7), RT(8), RT(9), RT(10),
	RT(11), RT(12), RT(13), RT(14), RT(15), RT(16), RT(17), RT(18), RT(19), RT(20),
	RT(21), RT(22), RT(23), RT(24), RT(25), RT(26), RT(27), RT(28), RT(29), RT(30),
	RT(31),
#undef RT
	{ 64, "SIGRTMAX" },
};
const struct ckpt_names ckpt_names_signal = NAMES("signal", signal_names);

static const struct ckpt_name rlimit_names[] = {
	{ 0, "RLIMIT_CPU" }, { 1, "RLIMIT_FSIZE" }, { 2, "RLIMIT_DATA" },
	{ 3, "RLIMIT_STACK" }, { 4, "RLIMIT_CORE" }, { 5, "RLIMIT_RSS" },
	{ 6, "RLIMIT_NPROC" }, { 7, "RLIMIT_NOFILE" }, { 8, "RLIMIT_MEMLOCK" },
	{ 9, "RLIMIT_AS" }, { 10, "RLIMIT_LOCKS" }, { 11, "RLIMIT_SIGPENDING" },
	{ 12, "RLIMIT_MSGQUEUE" }, { 13, "RLIMIT_NICE" }, { 14, "RLIMIT_RTPRIO" },
	{ 15, "RLIMIT_RTTIME" },
};
const struct ckpt_names ckpt_names_rlimit = NAMES("rlimit", rlimit_names);

/* Capability sets are stored as 64-bit masks, so each name is 1 << number. */
#define CAP(n, s)	{ 1ULL << (n), s }
static const struct ckpt_name cap_names[] = {
	CAP(0, "CAP_CHOWN"), CAP(1, "CAP_DAC_OVERRIDE"), CAP(2, "CAP_DAC_READ_SEARCH"),
	CAP(3, "CAP_FOWNER"), CAP(4, "CAP_FSETID"), CAP(5, "CAP_KILL"),
	CAP(6, "CAP_SETGID"), CAP(7, "CAP_SETUID"), CAP(8, "CAP_SETPCAP"),
	CAP(9, "CAP_LINUX_IMMUTABLE"), CAP(10, "CAP_NET_BIND_SERVICE"),
	CAP(11, "CAP_NET_BROADCAST"), CAP(12, "CAP_NET_ADMIN"), CAP(13, "CAP_NET_RAW"),
	CAP(14, "CAP_IPC_LOCK"), CAP(15, "CAP_IPC_OWNER"), CAP(16, "CAP_SYS_MODULE"),
	CAP(17, "CAP_SYS_RAWIO"), CAP(18, "CAP_SYS_CHROOT"), CAP(19, "CAP_SYS_PTRACE"),
	CAP(20, "CAP_SYS_PACCT"), CAP(21, "CAP_SYS_ADMIN"), CAP(22, "CAP_SYS_BOOT"),
	CAP(23, "CAP_SYS_NICE"), CAP(24, "CAP_SYS_RESOURCE"), CAP(25, "CAP_SYS_TIME"),
	CAP(26, "CAP_SYS_TTY_CONFIG"), CAP(27, "CAP_MKNOD"), CAP(28, "CAP_LEASE"),
	CAP(29, "CAP_AUDIT_WRITE"), CAP(30, "CAP_AUDIT_CONTROL"), CAP(31, "CAP_SETFCAP"),
	CAP(32, "CAP_MAC_OVERRIDE"), CAP(33, "CAP_MAC_ADMIN"), CAP(34, "CAP_SYSLOG"),
	CAP(35, "CAP_WAKE_ALARM"), CAP(36, "CAP_BLOCK_SUSPEND"), CAP(37, "CAP_AUDIT_READ"),
	CAP(38, "CAP_PERFMON"), CAP(39, "CAP_BPF"), CAP(40, "CAP_CHECKPOINT_RESTORE"),
};
#undef CAP
const struct ckpt_names ckpt_names_cap = NAMES("capability", cap_names);

static const struct ckpt_name securebits_names[] = {
	{ 1u << 0, "SECURE_NOROOT" },
	{ 1u << 1, "SECURE_NOROOT_LOCKED" },
	{ 1u << 2, "SECURE_NO_SETUID_FIXUP" },
	{ 1u << 3, "SECURE_NO_SETUID_FIXUP_LOCKED" },
	{ 1u << 4, "SECURE_KEEP_CAPS" },
	{ 1u << 5, "SECURE_KEEP_CAPS_LOCKED" },
	{ 1u << 6, "SECURE_NO_CAP_AMBIENT_RAISE" },
	{ 1u << 7, "SECURE_NO_CAP_AMBIENT_RAISE_LOCKED" },
};
const struct ckpt_names ckpt_names_securebits = NAMES("securebits", securebits_names);

/* The 2.6.3x meanings: several of these bits (0x200, 0x800, 0x1000,
 * 0x80000, 0x800000, 0x2000000 and up) were retired and later reused with
 * other names (VM_UFFD_*, VM_LOCKONFAULT, VM_SYNC, ...), which would
 * mislabel every image this project reads.  0x01000000 is VM_HUGEPAGE from
 * 2.6.38 on (nommu's VM_MAPPED_COPY before); 0x20000000 (VM_SAO) is
 * powerpc-only but keeps its name so the bit is not shown as unknown. */
static const struct ckpt_name vm_flags_names[] = {
	{ 0x00000001, "VM_READ" },
	{ 0x00000002, "VM_WRITE" },
	{ 0x00000004, "VM_EXEC" },
	{ 0x00000008, "VM_SHARED" },
	{ 0x00000010, "VM_MAYREAD" },
	{ 0x00000020, "VM_MAYWRITE" },
	{ 0x00000040, "VM_MAYEXEC" },
	{ 0x00000080, "VM_MAYSHARE" },
	{ 0x00000100, "VM_GROWSDOWN" },
	{ 0x00000200, "VM_GROWSUP" },
	{ 0x00000400, "VM_PFNMAP" },
	{ 0x00000800, "VM_DENYWRITE" },
	{ 0x00001000, "VM_EXECUTABLE" },
	{ 0x00002000, "VM_LOCKED" },
	{ 0x00004000, "VM_IO" },
	{ 0x00008000, "VM_SEQ_READ" },
	{ 0x00010000, "VM_RAND_READ" },
	{ 0x00020000, "VM_DONTCOPY" },
	{ 0x00040000, "VM_DONTEXPAND" },
	{ 0x00080000, "VM_RESERVED" },
	{ 0x00100000, "VM_ACCOUNT" },
	{ 0x00200000, "VM_NORESERVE" },
	{ 0x00400000, "VM_HUGETLB" },
	{ 0x00800000, "VM_NONLINEAR" },
	{ 0x01000000, "VM_HUGEPAGE" },
	{ 0x02000000, "VM_INSERTPAGE" },
	{ 0x04000000, "VM_ALWAYSDUMP" },
	{ 0x08000000, "VM_CAN_NONLINEAR" },
	{ 0x10000000, "VM_MIXEDMAP" },
	{ 0x20000000, "VM_SAO" },
	{ 0x40000000, "VM_PFN_AT_MMAP" },
	{ 0x80000000, "VM_MERGEABLE" },
};
const struct ckpt_names ckpt_names_vm_flags = NAMES("vm_flags", vm_flags_names);

/* Bit 7 is _PAGE_PSE in a page-table entry that maps a large page and
 * _PAGE_PAT in a 4K one; a vma's protection is the 4K kind, but the
 * common name is kept. */
static const struct ckpt_name page_prot_names[] = {
	{ 0x001, "_PAGE_PRESENT" },
	{ 0x002, "_PAGE_RW" },
	{ 0x004, "_PAGE_USER" },
	{ 0x008, "_PAGE_PWT" },
	{ 0x010, "_PAGE_PCD" },
	{ 0x020, "_PAGE_ACCESSED" },
	{ 0x040, "_PAGE_DIRTY" },
	{ 0x080, "_PAGE_PSE" },
	{ 0x100, "_PAGE_GLOBAL" },
	{ 1ULL << 63, "_PAGE_NX" },
};
const struct ckpt_names ckpt_names_page_prot = NAMES("page_prot", page_prot_names);

static const struct ckpt_name vma_type_names[] = {
	{ 0, "IGNORE" }, { 1, "VDSO" }, { 2, "ANON" }, { 3, "FILE" },
	{ 4, "SHM_ANON" }, { 5, "SHM_ANON_SKIP" }, { 6, "SHM_FILE" },
	{ 7, "SHM_IPC" }, { 8, "SHM_IPC_SKIP" }, { 9, "HUGETLB" },
	{ 10, "HUGETLB_SKIP" },
};
const struct ckpt_names ckpt_names_vma_type = NAMES("vma_type", vma_type_names);

static const struct ckpt_name file_type_names[] = {
	{ 0, "IGNORE" }, { 1, "GENERIC" }, { 2, "PIPE" }, { 3, "FIFO" },
	{ 4, "SOCKET" }, { 5, "TTY" }, { 6, "EPOLL" }, { 7, "EVENTFD" },
};
const struct ckpt_names ckpt_names_file_type = NAMES("file_type", file_type_names);

/* MAX (24) is the bound restart checks objtype against, not a type: it is
 * left out so that a reader flags it as unknown. */
static const struct ckpt_name obj_type_names[] = {
	{ CKPT_OBJ_IGNORE, "IGNORE" }, { CKPT_OBJ_PID, "PID" },
	{ CKPT_OBJ_INODE, "INODE" }, { CKPT_OBJ_FILE_TABLE, "FILE_TABLE" },
	{ CKPT_OBJ_FILE, "FILE" }, { CKPT_OBJ_MM, "MM" }, { CKPT_OBJ_FS, "FS" },
	{ CKPT_OBJ_SIGHAND, "SIGHAND" }, { CKPT_OBJ_SIGNAL, "SIGNAL" },
	{ CKPT_OBJ_NS, "NS" }, { CKPT_OBJ_UTS_NS, "UTS_NS" },
	{ CKPT_OBJ_IPC_NS, "IPC_NS" }, { CKPT_OBJ_MNT_NS, "MNT_NS" },
	{ CKPT_OBJ_USER_NS, "USER_NS" }, { CKPT_OBJ_CRED, "CRED" },
	{ CKPT_OBJ_USER, "USER" }, { CKPT_OBJ_GROUPINFO, "GROUPINFO" },
	{ CKPT_OBJ_SOCK, "SOCK" }, { CKPT_OBJ_TTY, "TTY" },
	{ CKPT_OBJ_SECURITY_PTR, "SECURITY_PTR" }, { CKPT_OBJ_SECURITY, "SECURITY" },
	{ CKPT_OBJ_NET_NS, "NET_NS" }, { CKPT_OBJ_NETDEV, "NETDEV" },
	{ CKPT_OBJ_SEM_UNDO, "SEM_UNDO" },
};
const struct ckpt_names ckpt_names_obj_type = NAMES("objtype", obj_type_names);

static const struct ckpt_name arch_names[] = {
	{ 1, "X86_32" }, { 2, "X86_64" }, { 3, "S390X" }, { 4, "ARM" },
};
const struct ckpt_names ckpt_names_arch = NAMES("arch", arch_names);

static const struct ckpt_name uflags_names[] = {
	{ 0x1, "SUBTREE" }, { 0x2, "NETNS" },
};
const struct ckpt_names ckpt_names_uflags = NAMES("uflags", uflags_names);

/* TASK_RUNNING is 0, the absence of every bit, so it has no entry. */
static const struct ckpt_name task_state_names[] = {
	{ 0x001, "TASK_INTERRUPTIBLE" },
	{ 0x002, "TASK_UNINTERRUPTIBLE" },
	{ 0x004, "__TASK_STOPPED" },
	{ 0x008, "__TASK_TRACED" },
	{ 0x010, "EXIT_ZOMBIE" },
	{ 0x020, "EXIT_DEAD" },
	{ 0x040, "TASK_DEAD" },
	{ 0x080, "TASK_WAKEKILL" },
	{ 0x100, "TASK_WAKING" },
};
const struct ckpt_names ckpt_names_task_state = NAMES("task_state", task_state_names);

static const struct ckpt_name exit_state_names[] = {
	{ 0x10, "EXIT_ZOMBIE" },
	{ 0x20, "EXIT_DEAD" },
};
const struct ckpt_names ckpt_names_exit_state = NAMES("exit_state", exit_state_names);

static const struct ckpt_name task_flags_names[] = {
	{ 0x00000002, "PF_STARTING" },
	{ 0x00000004, "PF_EXITING" },
	{ 0x00000008, "PF_EXITPIDONE" },
	{ 0x00000010, "PF_VCPU" },
	{ 0x00000040, "PF_FORKNOEXEC" },
	{ 0x00000080, "PF_MCE_PROCESS" },
	{ 0x00000100, "PF_SUPERPRIV" },
	{ 0x00000200, "PF_DUMPCORE" },
	{ 0x00000400, "PF_SIGNALED" },
	{ 0x00000800, "PF_MEMALLOC" },
	{ 0x00001000, "PF_FLUSHER" },
	{ 0x00002000, "PF_USED_MATH" },
	{ 0x00004000, "PF_FREEZING" },
	{ 0x00008000, "PF_NOFREEZE" },
	{ 0x00010000, "PF_FROZEN" },
	{ 0x00020000, "PF_FSTRANS" },
	{ 0x00040000, "PF_KSWAPD" },
	{ 0x00080000, "PF_OOM_ORIGIN" },
	{ 0x00100000, "PF_LESS_THROTTLE" },
	{ 0x00200000, "PF_KTHREAD" },
	{ 0x00400000, "PF_RANDOMIZE" },
	{ 0x00800000, "PF_SWAPWRITE" },
	{ 0x01000000, "PF_SPREAD_PAGE" },
	{ 0x02000000, "PF_SPREAD_SLAB" },
	{ 0x04000000, "PF_THREAD_BOUND" },
	{ 0x08000000, "PF_MCE_EARLY" },
	{ 0x10000000, "PF_MEMPOLICY" },
	{ 0x20000000, "PF_MUTEX_TESTER" },
	{ 0x40000000, "PF_FREEZER_SKIP" },
};
const struct ckpt_names ckpt_names_task_flags = NAMES("task_flags", task_flags_names);

/* x86 values, in octal as the headers spell them.  O_RDONLY is 0: a file
 * opened read-only simply has neither O_WRONLY nor O_RDWR. */
static const struct ckpt_name open_flags_names[] = {
	{ 01, "O_WRONLY" },
	{ 02, "O_RDWR" },
	{ 0100, "O_CREAT" },
	{ 0200, "O_EXCL" },
	{ 0400, "O_NOCTTY" },
	{ 01000, "O_TRUNC" },
	{ 02000, "O_APPEND" },
	{ 04000, "O_NONBLOCK" },
	{ 010000, "O_DSYNC" },
	{ 020000, "FASYNC" },
	{ 040000, "O_DIRECT" },
	{ 0100000, "O_LARGEFILE" },
	{ 0200000, "O_DIRECTORY" },
	{ 0400000, "O_NOFOLLOW" },
	{ 01000000, "O_NOATIME" },
	{ 02000000, "O_CLOEXEC" },
	{ 04000000, "__O_SYNC" },
	{ 010000000, "O_PATH" },
	{ 020000000, "__O_TMPFILE" },
};
const struct ckpt_names ckpt_names_open_flags = NAMES("open_flags", open_flags_names);

static const struct ckpt_name fmode_names[] = {
	{ 0x0001, "FMODE_READ" },
	{ 0x0002, "FMODE_WRITE" },
	{ 0x0004, "FMODE_LSEEK" },
	{ 0x0008, "FMODE_PREAD" },
	{ 0x0010, "FMODE_PWRITE" },
	{ 0x0020, "FMODE_EXEC" },
	{ 0x0040, "FMODE_NDELAY" },
	{ 0x0080, "FMODE_EXCL" },
	{ 0x0100, "FMODE_WRITE_IOCTL" },
	{ 0x0800, "FMODE_NOCMTIME" },
	{ 0x1000, "FMODE_RANDOM" },
	{ 0x4000, "FMODE_PATH" },
};
const struct ckpt_names ckpt_names_fmode = NAMES("fmode", fmode_names);

static const struct ckpt_name sa_flags_names[] = {
	{ 0x00000001, "SA_NOCLDSTOP" },
	{ 0x00000002, "SA_NOCLDWAIT" },
	{ 0x00000004, "SA_SIGINFO" },
	{ 0x04000000, "SA_RESTORER" },
	{ 0x08000000, "SA_ONSTACK" },
	{ 0x10000000, "SA_RESTART" },
	{ 0x40000000, "SA_NODEFER" },
	{ 0x80000000, "SA_RESETHAND" },
};
const struct ckpt_names ckpt_names_sa_flags = NAMES("sa_flags", sa_flags_names);

/* Types 18-22 belong to other architectures but are in the generic
 * numbering, so naming them costs nothing and explains a stray value. */
static const struct ckpt_name auxv_names[] = {
	{ 0, "AT_NULL" }, { 1, "AT_IGNORE" }, { 2, "AT_EXECFD" }, { 3, "AT_PHDR" },
	{ 4, "AT_PHENT" }, { 5, "AT_PHNUM" }, { 6, "AT_PAGESZ" }, { 7, "AT_BASE" },
	{ 8, "AT_FLAGS" }, { 9, "AT_ENTRY" }, { 10, "AT_NOTELF" }, { 11, "AT_UID" },
	{ 12, "AT_EUID" }, { 13, "AT_GID" }, { 14, "AT_EGID" }, { 15, "AT_PLATFORM" },
	{ 16, "AT_HWCAP" }, { 17, "AT_CLKTCK" }, { 18, "AT_FPUCW" },
	{ 19, "AT_DCACHEBSIZE" }, { 20, "AT_ICACHEBSIZE" }, { 21, "AT_UCACHEBSIZE" },
	{ 22, "AT_IGNOREPPC" }, { 23, "AT_SECURE" }, { 24, "AT_BASE_PLATFORM" },
	{ 25, "AT_RANDOM" }, { 26, "AT_HWCAP2" }, { 27, "AT_RSEQ_FEATURE_SIZE" },
	{ 28, "AT_RSEQ_ALIGN" }, { 31, "AT_EXECFN" }, { 32, "AT_SYSINFO" },
	{ 33, "AT_SYSINFO_EHDR" }, { 34, "AT_L1I_CACHESHAPE" },
	{ 35, "AT_L1D_CACHESHAPE" }, { 36, "AT_L2_CACHESHAPE" },
	{ 37, "AT_L3_CACHESHAPE" }, { 40, "AT_L1I_CACHESIZE" },
	{ 41, "AT_L1I_CACHEGEOMETRY" }, { 42, "AT_L1D_CACHESIZE" },
	{ 43, "AT_L1D_CACHEGEOMETRY" }, { 44, "AT_L2_CACHESIZE" },
	{ 45, "AT_L2_CACHEGEOMETRY" }, { 46, "AT_L3_CACHESIZE" },
	{ 47, "AT_L3_CACHEGEOMETRY" }, { 51, "AT_MINSIGSTKSZ" },
};
const struct ckpt_names ckpt_names_auxv = NAMES("auxv", auxv_names);

static const struct ckpt_name itimer_names[] = {
	{ 0, "ITIMER_REAL" }, { 1, "ITIMER_VIRTUAL" }, { 2, "ITIMER_PROF" },
};
const struct ckpt_names ckpt_names_itimer = NAMES("itimer", itimer_names);

static const struct ckpt_name restart_fn_names[] = {
	{ 0, "NONE" }, { 1, "FUTEX" }, { 2, "POLL" }, { 3, "NANOSLEEP" },
	{ 4, "HRTIMER_NANOSLEEP" }, { 5, "POSIX_CPU_TIMERS" },
	/* ckpttools: a thread already in restart_syscall(2), whose kept
	 * function is not visible from user space. */
	{ 6, "RESTART_SYSCALL" },
};
const struct ckpt_names ckpt_names_restart_fn = NAMES("restart_fn", restart_fn_names);

static const struct ckpt_name lcr_arch_names[] = {
	{ 1, "X86_32" },
};
const struct ckpt_names ckpt_names_lcr_arch = NAMES("lcr_arch", lcr_arch_names);

/* Markers a TREE entry holds instead of a pid objref (0, a pid from an
 * ancestor namespace, is the generic "none").  Values are the s32 fields
 * sign-extended to 64 bits. */
static const struct ckpt_name pid_marker_names[] = {
	{ (uint64_t)(int64_t)CKPT_PID_NULL, "CKPT_PID_NULL" },
	{ (uint64_t)(int64_t)CKPT_PID_ROOT, "CKPT_PID_ROOT" },
};
const struct ckpt_names ckpt_names_pid_marker = NAMES("pid_marker", pid_marker_names);

/* EXT_USERS: how the producer counted an object's users (ckpt/ext.h). */
static const struct ckpt_name users_method_names[] = {
	{ CKPT_USERS_NONE, "none" },
	{ CKPT_USERS_NS_INODE, "ns-inode" },
	{ CKPT_USERS_KCMP, "kcmp" },
	{ CKPT_USERS_FD_KCMP, "fd-kcmp" },
};
const struct ckpt_names ckpt_names_users_method = NAMES("users_method", users_method_names);

/* EXT_USERS: what holds for all its counts (ckpt/ext.h). */
static const struct ckpt_name users_flags_names[] = {
	{ CKPT_EXT_USERS_PARTIAL, "PARTIAL" },
};
const struct ckpt_names ckpt_names_users_flags = NAMES("users_flags", users_flags_names);

static const struct ckpt_name digest_algo_names[] = {
	{ CKPT_DIGEST_XXH3_64, "XXH3-64" },
};
const struct ckpt_names ckpt_names_digest_algo = NAMES("digest_algo", digest_algo_names);

/* EXT_PEERS flags (ckpt/ext.h). */
static const struct ckpt_name peer_flag_names[] = {
	{ CKPT_PEER_SCAN_PARTIAL, "scan-partial" },
	{ CKPT_PEER_UNKNOWN, "peer-unknown" },
};
const struct ckpt_names ckpt_names_peer_flags = NAMES("peer_flags", peer_flag_names);
static const struct ckpt_name seccomp_mode_names[] = {
	{ 0, "SECCOMP_MODE_DISABLED" }, { 1, "SECCOMP_MODE_STRICT" }, { 2, "SECCOMP_MODE_FILTER" },
};
const struct ckpt_names ckpt_names_seccomp_mode = NAMES("seccomp_mode", seccomp_mode_names);
