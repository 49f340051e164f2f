/* Name tables for enums and flag sets shared by the dialect tables. */
#ifndef CKPT_NAMES_H
#define CKPT_NAMES_H

#include "ckpt/schema.h"

extern const struct ckpt_names ckpt_names_signal;	/* 1..64 -> SIGHUP.. */
extern const struct ckpt_names ckpt_names_rlimit;	/* 0..15 -> RLIMIT_CPU.. (index names) */
extern const struct ckpt_names ckpt_names_cap;		/* capability bits, mask values */
extern const struct ckpt_names ckpt_names_securebits;
extern const struct ckpt_names ckpt_names_vm_flags;	/* VM_READ.. as masks */
extern const struct ckpt_names ckpt_names_page_prot;	/* x86 _PAGE_* bits */
extern const struct ckpt_names ckpt_names_vma_type;
extern const struct ckpt_names ckpt_names_file_type;
extern const struct ckpt_names ckpt_names_obj_type;
extern const struct ckpt_names ckpt_names_users_method;
extern const struct ckpt_names ckpt_names_users_flags;
extern const struct ckpt_names ckpt_names_digest_algo;
extern const struct ckpt_names ckpt_names_peer_flags;
extern const struct ckpt_names ckpt_names_arch;
extern const struct ckpt_names ckpt_names_uflags;
extern const struct ckpt_names ckpt_names_task_state;	/* TASK_* bits */
extern const struct ckpt_names ckpt_names_exit_state;	/* EXIT_* bits */
extern const struct ckpt_names ckpt_names_task_flags;	/* PF_* bits */
extern const struct ckpt_names ckpt_names_open_flags;	/* O_* bits (f_flags) */
extern const struct ckpt_names ckpt_names_fmode;	/* FMODE_* bits (f_mode) */
extern const struct ckpt_names ckpt_names_sa_flags;	/* SA_* bits */
extern const struct ckpt_names ckpt_names_auxv;		/* AT_* types */
extern const struct ckpt_names ckpt_names_itimer;	/* index names for signal itimers */
extern const struct ckpt_names ckpt_names_restart_fn;	/* restart_block function types */
extern const struct ckpt_names ckpt_names_lcr_arch;	/* LinuxC/R arch ids */
extern const struct ckpt_names ckpt_names_pid_marker;
extern const struct ckpt_names ckpt_names_seccomp_mode;	/* seccomp modes 0..2 */	/* TREE entry markers (negative) */

#endif
