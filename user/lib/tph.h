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
#include "vw_tph_rev.h"

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

/* What the loader refuses to install (user/loader/apply.c). Returns 0, or a bit per
 * problem: 1 unknown op bits, 2 unknown mode bits, 4 unknown mem-type bits,
 * 8 cpu_mode, 16 cfg_write_action (not allow/audit/deny), 32 uapi_version. */
int vw_tph_policy_check(const struct vw_tph_policy *p);
/* The policy key one of those bits is about ("ops", ..., "uapi_version"). */
const char *vw_tph_policy_problem(int bit);

/*
 * The TPH uAPI revisions this project knows, one entry each, in the order
 * `--tph-uapi` lists them. A revision this build decodes points at its
 * descriptor (include/vw_tph_rev.h); following the next upstream revision
 * means a descriptor there and an entry here. Exactly one revision is judged
 * at a time: the loader's choice (attach/run --tph-uapi, default 1), which
 * `status` reads back from the programs.
 */
struct vw_tph_revision {
	__u32 id;		/* the descriptor's id; 0: not decoded */
	const char *name;	/* what --tph-uapi takes (the id works too) */
	const char *series;	/* which posting of the series */
	const char *ioctls;	/* what the caller calls */
	const struct vw_tph_rev *rev;	/* NULL: this build does not decode it */
};
extern const struct vw_tph_revision vw_tph_revisions[];
extern const unsigned vw_tph_nrevisions;
/* The decodable revision with this name or id ("1", "v1", ...); NULL when
 * unknown or not decoded. */
const struct vw_tph_revision *vw_tph_revision_lookup(const char *name);
/* The decodable revision with this id; NULL when none. */
const struct vw_tph_revision *vw_tph_revision_by_id(__u32 id);
/* "revision 1 (v1): v1 (April 2026 proposal), VFIO_DEVICE_PCI_TPH ..." into buf. */
void vw_tph_revision_describe(__u32 id, char *buf, unsigned len);
/* The names --tph-uapi takes, for messages: "v1, rfc-feature-2025". */
const char *vw_tph_revision_names(void);

#endif
