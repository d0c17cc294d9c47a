/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TPH on the host only: names for events and messages, the name lookups and
 * CPU lists of the policy parser, and the check the loader applies before it
 * installs a TPH policy. BPF never includes this; the shared judge is
 * include/vw_tph.h, the uAPI and registers include/vw_tph_uapi.h.
 */
#ifndef VW_USER_TPH_H
#define VW_USER_TPH_H

#include "vw_tph.h"

const char *vw_tph_op_name(__u32 op);
const char *vw_tph_mode_name(__u32 mode);
const char *vw_tph_mem_name(__u32 mem_type);
const char *vw_tph_cpu_mode_name(__u32 mode);
const char *vw_tph_loc_name(__u32 loc);		/* ST Table Location */
const char *vw_tph_reason_name(__u32 r);		/* enum vw_tph_reason */
const char *vw_tph_bad_name(__u32 bit);		/* one VW_TPH_BAD_* bit */

/* Name to value for the policy parser: op, mode (as its bit), mem type,
 * cpu mode. -1 when unknown. */
int vw_tph_op_lookup(const char *s);
int vw_tph_mode_lookup(const char *s);
int vw_tph_mem_lookup(const char *s);
int vw_tph_cpu_mode_lookup(const char *s);

/*
 * A CPU list as in cpuset/taskset -c: "0-3,8", items separated by commas,
 * each N or N-M (N <= M), CPUs 0..255, no blanks. ORs into cpus[]. Returns 0,
 * or -1 (cpus[] may be partly set) for an empty string or item, a reversed
 * range, a CPU >= 256, or any other character.
 */
int vw_tph_parse_cpus(const char *s, __u64 cpus[VW_TPH_CPU_WORDS]);
/* The inverse: "0-3,8" ("" for none) into buf of size len (>= 1), truncated
 * to fit. Returns the length it needed (without NUL), like snprintf. */
__u32 vw_tph_format_cpus(const __u64 cpus[VW_TPH_CPU_WORDS], char *buf, __u32 len);

/* What the loader refuses to install (user/apply.c). Returns 0, or a bit per
 * problem: 1 unknown op bits, 2 unknown mode bits, 4 unknown mem-type bits,
 * 8 cpu_mode, 16 cfg_write_action (not allow/audit/deny), 32 uapi_version. */
int vw_tph_policy_check(const struct vw_tph_policy *p);
/* The policy key one of those bits is about ("ops", ..., "uapi_version"). */
const char *vw_tph_policy_problem(int bit);

/*
 * The TPH uAPI revisions this project knows, one entry each: following the
 * next upstream revision starts with an entry here (and its layouts in
 * vw_tph_uapi.h, with VW_TPH_UAPI_VERSION raised). judged: this build's BPF
 * decoder judges it.
 */
struct vw_tph_revision {
	__u32 version;		/* VW_TPH_UAPI_VERSION it corresponds to, 0: not decoded */
	const char *series;	/* which posting of the series */
	const char *ioctls;	/* what the caller calls */
	int judged;
};
extern const struct vw_tph_revision vw_tph_revisions[];
extern const unsigned vw_tph_nrevisions;
/* The entry this build judges (the one for VW_TPH_UAPI_VERSION). */
const struct vw_tph_revision *vw_tph_judged_revision(void);

#endif
