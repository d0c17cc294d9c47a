/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TPH: TLP Processing Hints (PCIe extended capability 0x0017), both ways a
 * VFIO user can steer a device's DMA into CPU caches:
 *
 *  - the proposed VFIO_DEVICE_PCI_TPH ioctl (GET_ST hands out the steering
 *    tag of any CPU, SET_ST programs tags into the device, ENABLE turns the
 *    requester on in a chosen mode), judged by an fmod_ret on
 *    security_file_ioctl: the op header, then every entry of a GET_ST/SET_ST
 *    batch;
 *  - plain config-space writes to the TPH Requester Control register and to
 *    an ST table held inside the capability, judged like any other config
 *    write.
 *
 * Shared by BPF (-D__VW_BPF__) and the host (loader, unit tests), with the
 * rules of vw_decide.h: bounded loops only, data-dependent loops through
 * VW_LOOP with every position derived from the loop index, array indexes
 * masked, no libc. The names at the end are host only.
 *
 * How the BPF side is meant to use it, for one VFIO_DEVICE_PCI_TPH call:
 *   1. read struct vw_tph_op_hdr, and the 8 bytes after it (ctrl.mode or
 *      st.count), from user memory; unreadable: report VW_TPH_R_UNREADABLE
 *      and pass the call through (the driver fails it with EFAULT too);
 *   2. act = vw_tph_judge_header(pol, argsz, op, mode, count, &reason);
 *      VW_DENY: refuse (EPERM), report, stop here;
 *   3. n = vw_tph_entries_to_check(op, count): for GET_ST/SET_ST with a sane
 *      count, every one of the count entries, whatever argsz says (whether the
 *      unmerged driver checks argsz against count is not ours to guess). Copy
 *      them in chunks of VW_TPH_CHUNK (base = chunk * VW_TPH_CHUNK, derived
 *      from the chunk loop's index) into a per-CPU struct vw_tph_scratch, set
 *      batch.ents/n/base and call vw_tph_check_chunk(&batch); the result,
 *      scratch.res (map memory: see struct vw_tph_result), accumulates the
 *      count of refused entries and the first offenders. A chunk that cannot
 *      be read ends the loop: report VW_TPH_R_UNREADABLE (VW_AUDIT), unless
 *      entries read before it were refused;
 *   4. act = vw_tph_verdict(act, res->nbad, &reason): one bad entry refuses
 *      the whole call (VW_DENY, VW_TPH_R_ENTRIES); otherwise the header's
 *      verdict (VW_AUDIT for a malformed call: pass through and report).
 */
#ifndef VW_TPH_H
#define VW_TPH_H

#include "vw_types.h"
#include "vw_decide.h"	/* VW_LOOP */

#define VW_TPH_UNUSED __attribute__((unused))

/* ---- the uAPI --------------------------------------------------------- */

/*
 * VFIO_DEVICE_PCI_TPH as PROPOSED, NOT MERGED: the vfio-pci TPH series under
 * review in April 2026 (see DESIGN.md, threat table), transcribed from the
 * project's brief. No kernel release has it; every layout and number below
 * may change when (if) it is merged, hence the version: bump it with any
 * change here, and BPF and user space refuse a policy written for another
 * (vw_tph_policy.uapi_version). An older, different proposal (DPDK's
 * kernel/linux/uapi vfio_tph.h: struct vfio_pci_tph with flags-encoded ops
 * and 16-byte entries) used the same ioctl number; it is NOT this layout.
 */
#define VW_TPH_UAPI_VERSION 1

/* _IO(VFIO_TYPE, VFIO_BASE + 22): VFIO_TYPE ';' (0x3b), VFIO_BASE 100; no
 * direction or size bits. = 0x3b7a */
#define VW_TPH_IOCTL ((0x3bu << 8) | (100u + 22u))

enum vw_tph_op_code {
	VW_TPH_OP_GET_CAP = 0,
	VW_TPH_OP_ENABLE = 1,
	VW_TPH_OP_DISABLE = 2,
	VW_TPH_OP_GET_ST = 3,
	VW_TPH_OP_SET_ST = 4,
};
#define VW_TPH_NOPS 5
#define VW_TPH_OP_BIT(op) (1u << (op))
#define VW_TPH_OPS_KNOWN  ((1u << VW_TPH_NOPS) - 1)

/* ENABLE modes: one of these, as a value (they are also the policy's bits). */
#define VW_TPH_MODE_NS 1	/* no steering tag */
#define VW_TPH_MODE_IV 2	/* interrupt vector: STs in the MSI-X/ST table */
#define VW_TPH_MODE_DS 4	/* device specific */
#define VW_TPH_MODES_KNOWN (VW_TPH_MODE_NS | VW_TPH_MODE_IV | VW_TPH_MODE_DS)

/* Entry memory types */
#define VW_TPH_MEM_VM 0		/* volatile memory */
#define VW_TPH_MEM_PM 1		/* persistent memory */
#define VW_TPH_NMEM 2
#define VW_TPH_MEM_BIT(m) (1u << (m))
#define VW_TPH_MEMS_KNOWN ((1u << VW_TPH_NMEM) - 1)

#define VW_TPH_MAX_ENTRIES 2048	/* st.count limit */

struct vw_tph_op_hdr {
	__u32 argsz;		/* bytes the caller says it passed, header included */
	__u32 op;		/* enum vw_tph_op_code */
};

/* The union after the header; which member depends on op. */
struct vw_tph_cap_info {	/* GET_CAP, out */
	__u8 supported_modes;	/* VW_TPH_MODE_* bits */
	__u8 st_table_present;
	__u16 st_table_sz;
	__u32 reserved;
};

struct vw_tph_ctrl {		/* ENABLE, in */
	__u8 mode;		/* VW_TPH_MODE_* */
	__u8 reserved[7];
};

struct vw_tph_st_hdr {		/* GET_ST / SET_ST, followed by count entries */
	__u32 count;		/* 1..VW_TPH_MAX_ENTRIES */
	__u32 reserved;
};

struct vw_tph_entry {
	__u32 cpu;		/* in: target CPU */
	__u8 mem_type;		/* in: VW_TPH_MEM_* */
	__u8 r0;
	__u16 index;		/* in: ST/MSI-X table index (SET_ST) */
	__u16 st;		/* GET_ST: out; SET_ST: in */
	__u16 r1;
};

/* The whole fixed part: header + the 8-byte union. Entries start after it. */
struct vw_tph_op {
	struct vw_tph_op_hdr hdr;
	union {
		struct vw_tph_cap_info cap;
		struct vw_tph_ctrl ctrl;
		struct vw_tph_st_hdr st;
	};
};

#define VW_TPH_HDR_SIZE     8u	/* argsz, op */
#define VW_TPH_FIXED_SIZE   16u	/* header + union */
#define VW_TPH_ENTS_OFF     VW_TPH_FIXED_SIZE
#define VW_TPH_ENTRY_SIZE   12u

_Static_assert(sizeof(struct vw_tph_op_hdr) == VW_TPH_HDR_SIZE, "tph header");
_Static_assert(sizeof(struct vw_tph_cap_info) == 8, "tph cap");
_Static_assert(sizeof(struct vw_tph_ctrl) == 8, "tph ctrl");
_Static_assert(sizeof(struct vw_tph_st_hdr) == 8, "tph st");
_Static_assert(sizeof(struct vw_tph_op) == VW_TPH_FIXED_SIZE, "tph op");
_Static_assert(sizeof(struct vw_tph_entry) == VW_TPH_ENTRY_SIZE, "tph entry");

/*
 * Smallest argsz the op needs (our reading of the proposal: the header plus
 * the union member the op uses; DISABLE uses none). GET_ST/SET_ST also need
 * count entries: vw_tph_st_argsz().
 */
static inline __u32 vw_tph_min_argsz(__u32 op)
{
	return op == VW_TPH_OP_DISABLE ? VW_TPH_HDR_SIZE : VW_TPH_FIXED_SIZE;
}

/* argsz covering count entries; count must already be <= VW_TPH_MAX_ENTRIES. */
static inline __u32 vw_tph_st_argsz(__u32 count)
{
	return VW_TPH_FIXED_SIZE + count * VW_TPH_ENTRY_SIZE;
}

/* ---- the capability (PCIe Base Spec, "TPH Requester Extended Capability") */

#define VW_EXT_CAP_TPH        0x17
#define VW_TPH_CAP_REG        0x04	/* TPH Requester Capability */
#define VW_TPH_CTRL_REG       0x08	/* TPH Requester Control */
#define VW_TPH_ST_TABLE_OFF   0x0c	/* ST table, when located in the capability */
#define VW_TPH_CAP_MIN_LEN    0x0c

/* Capability register */
#define VW_TPH_CAP_NS         (1u << 0)	/* No ST Mode Supported */
#define VW_TPH_CAP_IV         (1u << 1)	/* Interrupt Vector Mode Supported */
#define VW_TPH_CAP_DS         (1u << 2)	/* Device Specific Mode Supported */
#define VW_TPH_CAP_EXT        (1u << 8)	/* Extended TPH Requester Supported */
#define VW_TPH_CAP_LOC_SHIFT  9		/* ST Table Location, bits 10:9 */
#define VW_TPH_CAP_LOC_MASK   3u
#define VW_TPH_LOC_NONE       0		/* no ST table */
#define VW_TPH_LOC_CAP        1		/* in the TPH capability */
#define VW_TPH_LOC_MSIX       2		/* in the MSI-X table */
#define VW_TPH_LOC_RSVD       3
#define VW_TPH_CAP_SIZE_SHIFT 16	/* ST Table Size, bits 26:16, N-1 encoded */
#define VW_TPH_CAP_SIZE_MASK  0x7ffu
#define VW_TPH_ST_ENTRY_SIZE  2		/* bytes per ST table entry */

/* Control register */
#define VW_TPH_CTRL_MODE_MASK 0x7u	/* ST Mode Select, bits 2:0 */
#define VW_TPH_CTRL_MODE_NS   0
#define VW_TPH_CTRL_MODE_IV   1
#define VW_TPH_CTRL_MODE_DS   2
#define VW_TPH_CTRL_EN_SHIFT  8		/* TPH Requester Enable, bits 9:8 */
#define VW_TPH_CTRL_EN_MASK   3u

static inline __u32 vw_tph_rd32(const __u8 *b)
{
	return (__u32)b[0] | (__u32)b[1] << 8 | (__u32)b[2] << 16 | (__u32)b[3] << 24;
}

/* ST Table Location of a TPH Requester Capability register value. */
static inline __u32 vw_tph_st_location(__u32 capreg)
{
	return (capreg >> VW_TPH_CAP_LOC_SHIFT) & VW_TPH_CAP_LOC_MASK;
}

/*
 * cap: the first 8 bytes of the capability, as read from config space
 * (extended header, then the TPH Requester Capability register). Returns 1
 * when the ST table is inside the capability, else 0 (also when the header is
 * not TPH's). *st_bytes: the table's size in bytes, (ST Table Size + 1) * 2,
 * when it is in the capability or in the MSI-X table; 0 otherwise.
 */
static inline int vw_tph_st_table(const __u8 *cap, __u32 *st_bytes)
{
	__u32 hdr = vw_tph_rd32(cap), capreg = vw_tph_rd32(cap + VW_TPH_CAP_REG);
	__u32 loc = vw_tph_st_location(capreg);

	*st_bytes = 0;
	if ((hdr & 0xffff) != VW_EXT_CAP_TPH)
		return 0;
	if (loc == VW_TPH_LOC_CAP || loc == VW_TPH_LOC_MSIX)
		*st_bytes = (((capreg >> VW_TPH_CAP_SIZE_SHIFT) & VW_TPH_CAP_SIZE_MASK) + 1) *
			    VW_TPH_ST_ENTRY_SIZE;
	return loc == VW_TPH_LOC_CAP;
}

/* Length of the capability in config space: 12 bytes, plus the ST table
 * rounded up to a dword when it is inside (what user/layout.c's walker says). */
static inline __u32 vw_tph_cap_length(const __u8 *cap)
{
	__u32 st;

	if (!vw_tph_st_table(cap, &st))
		return VW_TPH_CAP_MIN_LEN;
	return VW_TPH_CAP_MIN_LEN + ((st + 3) & ~3u);
}

/* ---- policy ----------------------------------------------------------- */

/* enum vw_tph_cpu_mode and struct vw_tph_policy live in vw_types.h (profiles embed them). */

#define VW_TPH_DEF_OPS   VW_TPH_OPS_KNOWN
#define VW_TPH_DEF_MODES VW_TPH_MODE_IV
#define VW_TPH_DEF_MEMS  (VW_TPH_MEM_BIT(VW_TPH_MEM_VM) | VW_TPH_MEM_BIT(VW_TPH_MEM_PM))
#define VW_TPH_DEF_CPUS  VW_TPH_CPUS_CALLER
#define VW_TPH_DEF_CFG   VW_DENY

/* The defaults: every op; ENABLE in IV mode only; both memory types; the
 * caller's CPUs; config writes that enable TPH or touch the ST table denied. */
static inline void vw_tph_policy_default(struct vw_tph_policy *p)
{
	__u32 w;

	p->ops_allowed = VW_TPH_DEF_OPS;
	p->modes_allowed = VW_TPH_DEF_MODES;
	p->mem_types_allowed = VW_TPH_DEF_MEMS;
	p->cpu_mode = VW_TPH_DEF_CPUS;
	p->uapi_version = VW_TPH_UAPI_VERSION;
	p->pad[0] = p->pad[1] = p->pad[2] = 0;
	for (w = 0; w < VW_TPH_CPU_WORDS; w++)
		p->cpu_list[w] = 0;
	p->cfg_write_action = VW_TPH_DEF_CFG;
	for (w = 0; w < 7; w++)
		p->pad2[w] = 0;
}

/* What a loader should refuse to install. Returns 0, or a bit per problem:
 * 1 unknown op bits, 2 unknown mode bits, 4 unknown mem-type bits, 8 cpu_mode,
 * 16 cfg_write_action (not allow/audit/deny), 32 uapi_version. */
static inline int vw_tph_policy_check(const struct vw_tph_policy *p)
{
	int bad = 0;

	bad |= (p->ops_allowed & ~VW_TPH_OPS_KNOWN) ? 1 : 0;
	bad |= (p->modes_allowed & ~VW_TPH_MODES_KNOWN) ? 2 : 0;
	bad |= (p->mem_types_allowed & ~VW_TPH_MEMS_KNOWN) ? 4 : 0;
	bad |= p->cpu_mode > VW_TPH_CPUS_LIST ? 8 : 0;
	bad |= (p->cfg_write_action != VW_ALLOW && p->cfg_write_action != VW_AUDIT &&
		p->cfg_write_action != VW_DENY) ? 16 : 0;
	bad |= p->uapi_version != VW_TPH_UAPI_VERSION ? 32 : 0;
	return bad;
}

/* ---- reasons ---------------------------------------------------------- */

/* Why a call or a config write got its verdict (one per verdict). */
enum vw_tph_reason {
	VW_TPH_R_NONE = 0,
	VW_TPH_R_OP_UNKNOWN,	/* op >= VW_TPH_NOPS: deny */
	VW_TPH_R_OP_DENIED,	/* op not in ops_allowed: deny */
	VW_TPH_R_MODE_INVALID,	/* ENABLE mode not exactly one of NS/IV/DS: deny */
	VW_TPH_R_MODE_DENIED,	/* ENABLE mode not in modes_allowed: deny */
	VW_TPH_R_ARGSZ,		/* malformed: argsz below the op's fixed part: audit */
	VW_TPH_R_COUNT_ZERO,	/* malformed: GET_ST/SET_ST count 0: audit */
	VW_TPH_R_COUNT_BIG,	/* malformed: count > VW_TPH_MAX_ENTRIES: audit */
	VW_TPH_R_ARGSZ_COUNT,	/* malformed: argsz does not cover count entries: audit */
	VW_TPH_R_UNREADABLE,	/* malformed: user memory unreadable (set by BPF): audit */
	VW_TPH_R_ENTRIES,	/* one or more entries refused: deny */
	VW_TPH_R_CFG_ENABLE,	/* config write sets TPH Requester Enable */
	VW_TPH_R_CFG_DS,	/* config write selects device-specific ST mode */
	VW_TPH_R_CFG_ST_TABLE,	/* config write to the ST table in the capability */
	VW_TPH_R_CFG_UNSEEN,	/* config write covers Requester Control bytes the
				 * caller did not pass (beyond VW_TPH_CFG_DATA_MAX) */
	VW_TPH_NREASONS
};

/* Why an entry was refused: bits, several may apply. */
#define VW_TPH_BAD_CPU_RANGE 1	/* cpu >= VW_TPH_MAX_CPUS */
#define VW_TPH_BAD_CPU       2	/* cpu not allowed by cpu_mode */
#define VW_TPH_BAD_MEM       4	/* mem_type not allowed (or unknown) */

/* ---- the ioctl: header ------------------------------------------------ */

static inline __u8 vw_tph_pol_ops(const struct vw_tph_policy *p)
{
	return p ? p->ops_allowed : VW_TPH_DEF_OPS;
}

static inline __u8 vw_tph_pol_modes(const struct vw_tph_policy *p)
{
	return p ? p->modes_allowed : VW_TPH_DEF_MODES;
}

/*
 * The verdict on the fixed part of a call, p NULL meaning the defaults.
 * mode is ctrl.mode (ENABLE only), count st.count (GET_ST/SET_ST only);
 * both are ignored for the other ops. In this order:
 *   op unknown or not allowed               VW_DENY  (OP_UNKNOWN, OP_DENIED)
 *   argsz < vw_tph_min_argsz(op)            VW_AUDIT (ARGSZ)
 *   ENABLE: mode not one of NS/IV/DS        VW_DENY  (MODE_INVALID)
 *           mode not in modes_allowed       VW_DENY  (MODE_DENIED)
 *   GET_ST/SET_ST: count 0                  VW_AUDIT (COUNT_ZERO)
 *                  count > 2048             VW_AUDIT (COUNT_BIG)
 *                  argsz < 16 + 12 * count  VW_AUDIT (ARGSZ_COUNT)
 *   otherwise                               VW_ALLOW (NONE)
 * A malformed call is passed through (the driver rejects it) and reported,
 * unless its op is disallowed. An ENABLE whose argsz does not reach the mode
 * is malformed: the mode was never passed, so it is not judged.
 */
static inline __attribute__((always_inline)) int vw_tph_judge_header(const struct vw_tph_policy *p, __u32 argsz, __u32 op,
				      __u8 mode, __u32 count, int *reason)
{
	*reason = VW_TPH_R_NONE;
	if (op >= VW_TPH_NOPS) {
		*reason = VW_TPH_R_OP_UNKNOWN;
		return VW_DENY;
	}
	if (!(vw_tph_pol_ops(p) & VW_TPH_OP_BIT(op))) {
		*reason = VW_TPH_R_OP_DENIED;
		return VW_DENY;
	}
	if (argsz < vw_tph_min_argsz(op)) {
		*reason = VW_TPH_R_ARGSZ;
		return VW_AUDIT;
	}
	if (op == VW_TPH_OP_ENABLE) {
		if (mode != VW_TPH_MODE_NS && mode != VW_TPH_MODE_IV && mode != VW_TPH_MODE_DS) {
			*reason = VW_TPH_R_MODE_INVALID;
			return VW_DENY;
		}
		if (!(vw_tph_pol_modes(p) & mode)) {
			*reason = VW_TPH_R_MODE_DENIED;
			return VW_DENY;
		}
	}
	if (op == VW_TPH_OP_GET_ST || op == VW_TPH_OP_SET_ST) {
		if (!count) {
			*reason = VW_TPH_R_COUNT_ZERO;
			return VW_AUDIT;
		}
		if (count > VW_TPH_MAX_ENTRIES) {
			*reason = VW_TPH_R_COUNT_BIG;
			return VW_AUDIT;
		}
		if (argsz < vw_tph_st_argsz(count)) {
			*reason = VW_TPH_R_ARGSZ_COUNT;
			return VW_AUDIT;
		}
	}
	return VW_ALLOW;
}

/*
 * How many entries to read and check after a header verdict other than
 * VW_DENY: count for GET_ST/SET_ST with 1 <= count <= 2048 (also when argsz
 * is short of them: if the driver reads them anyway, they were checked), else 0.
 */
static inline __u32 vw_tph_entries_to_check(__u32 op, __u32 count)
{
	if (op != VW_TPH_OP_GET_ST && op != VW_TPH_OP_SET_ST)
		return 0;
	return count <= VW_TPH_MAX_ENTRIES ? count : 0;
}

/* The call's verdict: the header's, unless an entry was refused. */
static inline int vw_tph_verdict(int header_action, __u32 nbad, int *reason)
{
	if (header_action == VW_DENY)
		return VW_DENY;
	if (nbad) {
		*reason = VW_TPH_R_ENTRIES;
		return VW_DENY;
	}
	return header_action;
}

/* ---- the ioctl: entries ----------------------------------------------- */

/* Is cpu (< VW_TPH_MAX_CPUS) allowed? caller: the calling thread's CPUs,
 * VW_TPH_CPU_WORDS words, NULL meaning none. */
static inline int vw_tph_cpu_allowed(const struct vw_tph_policy *p, const __u64 *caller, __u32 cpu)
{
	__u32 w = (cpu >> 6) & (VW_TPH_CPU_WORDS - 1);
	__u64 bit = 1ULL << (cpu & 63);
	__u32 mode = p ? p->cpu_mode : VW_TPH_DEF_CPUS;

	if (cpu >= VW_TPH_MAX_CPUS)
		return 0;
	if (mode == VW_TPH_CPUS_ALL)
		return 1;
	if (mode == VW_TPH_CPUS_LIST)
		return p && (p->cpu_list[w] & bit) != 0;
	if (mode == VW_TPH_CPUS_CALLER)
		return caller && (caller[w] & bit) != 0;
	return 0;
}

static inline int vw_tph_mem_allowed(const struct vw_tph_policy *p, __u32 mem_type)
{
	__u32 m = p ? p->mem_types_allowed : VW_TPH_DEF_MEMS;

	return mem_type < VW_TPH_NMEM && ((m >> mem_type) & 1);
}

/* VW_TPH_BAD_* bits for one entry; 0: allowed. */
static inline __u32 vw_tph_entry_bad(const struct vw_tph_policy *p, const __u64 *caller,
				     __u32 cpu, __u32 mem_type)
{
	__u32 why = 0;

	if (cpu >= VW_TPH_MAX_CPUS)
		why |= VW_TPH_BAD_CPU_RANGE;
	else if (!vw_tph_cpu_allowed(p, caller, cpu))
		why |= VW_TPH_BAD_CPU;
	if (!vw_tph_mem_allowed(p, mem_type))
		why |= VW_TPH_BAD_MEM;
	return why;
}

#define VW_TPH_CHUNK   64	/* entries checked per call of vw_tph_check_chunk */
#define VW_TPH_MAX_BAD 8	/* offenders recorded per call */

/*
 * What a batch check found: every refused entry is counted, the first
 * VW_TPH_MAX_BAD are recorded in batch order (what the event shows).
 *
 * In BPF this must live in map memory (struct vw_tph_scratch.res), not on
 * the stack: the verifier tracks stack contents, so a counter carried there
 * from one bpf_loop step to the next (and branched on afterwards, as
 * vw_tph_verdict does) keeps the callback's states from converging. Measured
 * with a whole fmod_ret program (chunk loop around this checker) on the 6.12
 * and 6.18 verifiers: counters on the stack took 54k, 380k, or over the 1M
 * instruction limit depending on how they were kept; in map memory, which
 * the verifier does not track, about 6.5k.
 */
struct vw_tph_result {
	__u32 nbad;				/* refused entries */
	__u32 nrec;				/* recorded: min(nbad, VW_TPH_MAX_BAD) */
	__u32 bad_idx[VW_TPH_MAX_BAD];		/* index within the whole batch */
	__u32 bad_cpu[VW_TPH_MAX_BAD];		/* the entry's cpu */
	__u8 bad_reason[VW_TPH_MAX_BAD];	/* VW_TPH_BAD_* bits */
	__u8 bad_mem[VW_TPH_MAX_BAD];		/* the entry's mem_type */
};

static inline void vw_tph_result_reset(struct vw_tph_result *r)
{
	__u32 k;

	r->nbad = 0;
	r->nrec = 0;
	for (k = 0; k < VW_TPH_MAX_BAD; k++) {
		r->bad_idx[k] = 0;
		r->bad_cpu[k] = 0;
		r->bad_reason[k] = 0;
		r->bad_mem[k] = 0;
	}
}

/* Per-CPU scratch, a map value: a chunk of entries copied from user memory,
 * the caller's CPUs, and the result being accumulated. */
struct vw_tph_scratch {
	struct vw_tph_entry ents[VW_TPH_CHUNK];
	__u64 caller_cpus[VW_TPH_CPU_WORDS];
	struct vw_tph_result res;
};

/*
 * A batch being checked, chunk by chunk (on the BPF stack: it holds
 * pointers; nothing in it changes while a chunk is checked). The caller
 * resets *res, sets pol, caller_cpus and res once, and per chunk sets ents
 * (VW_TPH_CHUNK entries of memory, n of them valid), n (<= VW_TPH_CHUNK; more
 * are not looked at) and base (index of ents[0] within the whole batch).
 */
struct vw_tph_batch {
	const struct vw_tph_policy *pol;	/* NULL: the defaults */
	const struct vw_tph_entry *ents;
	const __u64 *caller_cpus;		/* VW_TPH_CPU_WORDS words; NULL: none */
	struct vw_tph_result *res;
	__u32 n;
	__u32 base;
};

/* VW_LOOP step: entry index of the current chunk. Its only state is *res. */
static VW_TPH_UNUSED long vw_tph_check_entry(__u64 index, void *ctx)
{
	struct vw_tph_batch *b = ctx;
	struct vw_tph_result *r = b->res;
	const struct vw_tph_entry *e;
	__u32 i = (__u32)index, why, k;

	if (!b->ents || !r || i >= b->n || i >= VW_TPH_CHUNK)
		return 1;
	e = &b->ents[i & (VW_TPH_CHUNK - 1)];
	why = vw_tph_entry_bad(b->pol, b->caller_cpus, e->cpu, e->mem_type);
	if (!why)
		return 0;
	r->nbad += 1;
	k = r->nrec;
	if (k < VW_TPH_MAX_BAD) {
		k &= VW_TPH_MAX_BAD - 1;
		r->bad_idx[k] = b->base + i;
		r->bad_cpu[k] = e->cpu;
		r->bad_reason[k] = (__u8)why;
		r->bad_mem[k] = e->mem_type;
		r->nrec = k + 1;
	}
	return 0;
}

/* Check b->ents[0 .. min(b->n, VW_TPH_CHUNK)). */
static inline void vw_tph_check_chunk(struct vw_tph_batch *b)
{
	__u32 n = b->n;

	if (n > VW_TPH_CHUNK)
		n = VW_TPH_CHUNK;
	VW_LOOP(n, vw_tph_check_entry, b);
}

/* ---- config space ----------------------------------------------------- */

/* Bytes of write data vw_tph_cfg_write looks at: data[0..min(len, 8)). A
 * Requester Control byte further into a longer write counts as unseen, and
 * unseen bytes are judged as if they enabled TPH. In BPF, data must point to
 * a buffer of at least VW_TPH_CFG_DATA_MAX bytes. */
#define VW_TPH_CFG_DATA_MAX 8

/* The action a rule of the policy asks for, made a write action (scrub is
 * for reads: audit; unknown values: deny). */
static inline int vw_tph_cfg_action(const struct vw_tph_policy *p)
{
	__u32 a = p ? p->cfg_write_action : VW_TPH_DEF_CFG;

	if (a == VW_SCRUB)
		return VW_AUDIT;
	return a <= VW_DENY ? (int)a : VW_DENY;
}

/*
 * Config-space byte at absolute offset at, in a write of [off, off+len):
 * 0..255 its value, -1 not written, -2 written but not in data[].
 */
static inline int vw_tph_cfg_byte(__u32 off, __u32 len, const __u8 *data, __u32 at)
{
	__u32 k = at - off;

	if (at < off || k >= len)
		return -1;
	if (!data || k >= VW_TPH_CFG_DATA_MAX)
		return -2;
	return data[k & (VW_TPH_CFG_DATA_MAX - 1)];
}

/*
 * A config write of len bytes at off (data: the bytes written, little endian,
 * data[0] at off; NULL: unknown) to a device with a TPH capability at cap_off,
 * cap_len bytes long (from the walker or vw_tph_cap_length), with its ST table
 * inside when st_table_in_cap. Judged byte by byte, so a partial write counts
 * for what it writes:
 *   the byte at cap+9 with bits 1:0 (Requester Enable, bits 9:8) non-zero
 *                                                  -> CFG_ENABLE
 *   the byte at cap+8 with bits 2:0 == 2 (ST Mode Select = DS)  -> CFG_DS
 *   either byte written but beyond data[]          -> CFG_UNSEEN
 *   any byte of [cap+0xc, cap+cap_len) when the ST table is in the capability
 *                                                  -> CFG_ST_TABLE
 * (first match in this order) give the policy's cfg_write_action (p NULL: the
 * default, deny); *reason says what matched even when that action is allow.
 * Anything else: VW_ALLOW, VW_TPH_R_NONE. Writes that clear Requester Enable,
 * or select NS/IV mode, are allowed. Bytes past config space do not exist.
 */
static inline __attribute__((always_inline)) int vw_tph_cfg_write(const struct vw_tph_policy *p, __u32 cap_off, __u32 cap_len,
				   __u32 st_table_in_cap, __u32 off, __u32 len, const __u8 *data,
				   int *reason)
{
	__u32 end = off + len, st, st_end;
	int b8, b9;

	*reason = VW_TPH_R_NONE;
	if (end > VW_CFG_SIZE || end < off)
		end = VW_CFG_SIZE;
	if (off >= end || cap_off >= VW_CFG_SIZE)
		return VW_ALLOW;
	len = end - off;
	b8 = vw_tph_cfg_byte(off, len, data, cap_off + VW_TPH_CTRL_REG);
	b9 = vw_tph_cfg_byte(off, len, data, cap_off + VW_TPH_CTRL_REG + 1);
	if (b9 >= 0 && (b9 & VW_TPH_CTRL_EN_MASK))
		*reason = VW_TPH_R_CFG_ENABLE;
	else if (b8 >= 0 && (b8 & VW_TPH_CTRL_MODE_MASK) == VW_TPH_CTRL_MODE_DS)
		*reason = VW_TPH_R_CFG_DS;
	else if (b8 == -2 || b9 == -2)
		*reason = VW_TPH_R_CFG_UNSEEN;
	else if (st_table_in_cap && cap_len > VW_TPH_ST_TABLE_OFF) {
		st = cap_off + VW_TPH_ST_TABLE_OFF;
		st_end = cap_off + cap_len;
		if (off < st_end && end > st)
			*reason = VW_TPH_R_CFG_ST_TABLE;
	}
	return *reason == VW_TPH_R_NONE ? VW_ALLOW : vw_tph_cfg_action(p);
}

/* ---- names (host only) ------------------------------------------------ */
#ifndef __VW_BPF__

static inline const char *vw_tph_op_name(__u32 op)
{
	static const char *const n[VW_TPH_NOPS] = { "get_cap", "enable", "disable", "get_st", "set_st" };

	return op < VW_TPH_NOPS ? n[op] : "unknown";
}

static inline const char *vw_tph_mode_name(__u32 mode)
{
	switch (mode) {
	case VW_TPH_MODE_NS: return "ns";
	case VW_TPH_MODE_IV: return "iv";
	case VW_TPH_MODE_DS: return "ds";
	default: return "invalid";
	}
}

static inline const char *vw_tph_mem_name(__u32 mem_type)
{
	switch (mem_type) {
	case VW_TPH_MEM_VM: return "vm";
	case VW_TPH_MEM_PM: return "pm";
	default: return "unknown";
	}
}

static inline const char *vw_tph_cpu_mode_name(__u32 mode)
{
	switch (mode) {
	case VW_TPH_CPUS_CALLER: return "caller";
	case VW_TPH_CPUS_ALL: return "all";
	case VW_TPH_CPUS_LIST: return "list";
	default: return "invalid";
	}
}

/* ST Table Location */
static inline const char *vw_tph_loc_name(__u32 loc)
{
	switch (loc) {
	case VW_TPH_LOC_NONE: return "none";
	case VW_TPH_LOC_CAP: return "capability";
	case VW_TPH_LOC_MSIX: return "msix";
	default: return "reserved";
	}
}

static inline const char *vw_tph_reason_name(__u32 r)
{
	static const char *const n[VW_TPH_NREASONS] = {
		[VW_TPH_R_NONE] = "none",
		[VW_TPH_R_OP_UNKNOWN] = "op_unknown",
		[VW_TPH_R_OP_DENIED] = "op_not_allowed",
		[VW_TPH_R_MODE_INVALID] = "mode_invalid",
		[VW_TPH_R_MODE_DENIED] = "mode_not_allowed",
		[VW_TPH_R_ARGSZ] = "argsz_too_small",
		[VW_TPH_R_COUNT_ZERO] = "count_zero",
		[VW_TPH_R_COUNT_BIG] = "count_too_big",
		[VW_TPH_R_ARGSZ_COUNT] = "argsz_short_of_entries",
		[VW_TPH_R_UNREADABLE] = "unreadable",
		[VW_TPH_R_ENTRIES] = "entries_not_allowed",
		[VW_TPH_R_CFG_ENABLE] = "requester_enable",
		[VW_TPH_R_CFG_DS] = "ds_mode_select",
		[VW_TPH_R_CFG_ST_TABLE] = "st_table_write",
		[VW_TPH_R_CFG_UNSEEN] = "control_write_unseen",
	};

	return r < VW_TPH_NREASONS ? n[r] : "unknown";
}

/* One VW_TPH_BAD_* bit. */
static inline const char *vw_tph_bad_name(__u32 bit)
{
	switch (bit) {
	case VW_TPH_BAD_CPU_RANGE: return "cpu_out_of_range";
	case VW_TPH_BAD_CPU: return "cpu_not_allowed";
	case VW_TPH_BAD_MEM: return "mem_type_not_allowed";
	default: return "unknown";
	}
}

static inline int vw_tph_streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* Name to value for the policy parser: op, mode (as its bit), mem type,
 * cpu mode. -1 when unknown. */
static inline int vw_tph_op_lookup(const char *s)
{
	__u32 i;

	for (i = 0; i < VW_TPH_NOPS; i++)
		if (vw_tph_streq(s, vw_tph_op_name(i)))
			return (int)i;
	return -1;
}

static inline int vw_tph_mode_lookup(const char *s)
{
	return vw_tph_streq(s, "ns") ? VW_TPH_MODE_NS : vw_tph_streq(s, "iv") ? VW_TPH_MODE_IV :
	       vw_tph_streq(s, "ds") ? VW_TPH_MODE_DS : -1;
}

static inline int vw_tph_mem_lookup(const char *s)
{
	return vw_tph_streq(s, "vm") ? VW_TPH_MEM_VM : vw_tph_streq(s, "pm") ? VW_TPH_MEM_PM : -1;
}

static inline int vw_tph_cpu_mode_lookup(const char *s)
{
	return vw_tph_streq(s, "caller") ? VW_TPH_CPUS_CALLER :
	       vw_tph_streq(s, "all") ? VW_TPH_CPUS_ALL : -1;
}

/*
 * A CPU list as in cpuset/taskset -c: "0-3,8", items separated by commas,
 * each N or N-M (N <= M), CPUs 0..255, no blanks. ORs into cpus[]. Returns 0,
 * or -1 (cpus[] may be partly set) for an empty string or item, a reversed
 * range, a CPU >= 256, or any other character.
 */
static inline int vw_tph_parse_cpus(const char *s, __u64 cpus[VW_TPH_CPU_WORDS])
{
	for (;;) {
		__u32 lo = 0, hi, c, nd = 0;

		while (*s >= '0' && *s <= '9' && nd < 4)
			lo = lo * 10 + (__u32)(*s++ - '0'), nd++;
		if (!nd || (*s >= '0' && *s <= '9'))
			return -1;
		hi = lo;
		if (*s == '-') {
			s++;
			hi = 0;
			nd = 0;
			while (*s >= '0' && *s <= '9' && nd < 4)
				hi = hi * 10 + (__u32)(*s++ - '0'), nd++;
			if (!nd || (*s >= '0' && *s <= '9'))
				return -1;
		}
		if (lo > hi || hi >= VW_TPH_MAX_CPUS)
			return -1;
		for (c = lo; c <= hi; c++)
			cpus[c >> 6] |= 1ULL << (c & 63);
		if (!*s)
			return 0;
		if (*s++ != ',')
			return -1;
	}
}

/* The inverse: "0-3,8" ("" for none) into buf of size len (>= 1), truncated
 * to fit. Returns the length it needed (without NUL), like snprintf. */
static inline __u32 vw_tph_format_cpus(const __u64 cpus[VW_TPH_CPU_WORDS], char *buf, __u32 len)
{
	__u32 c = 0, out = 0, lo, k, item = 0;
	char num[2][4];
	__u32 nlen[2];

	while (c < VW_TPH_MAX_CPUS) {
		if (!((cpus[c >> 6] >> (c & 63)) & 1)) {
			c++;
			continue;
		}
		lo = c;
		while (c + 1 < VW_TPH_MAX_CPUS && ((cpus[(c + 1) >> 6] >> ((c + 1) & 63)) & 1))
			c++;
		for (k = 0; k < 2; k++) {	/* decimal of lo and of c */
			__u32 v = k ? c : lo, d = v >= 100 ? 3 : v >= 10 ? 2 : 1, j;

			for (j = d; j-- > 0; v /= 10)
				num[k][j] = (char)('0' + v % 10);
			nlen[k] = d;
		}
		if (item++ && out + 1 < len)
			buf[out] = ',';
		out += item > 1;
		for (k = 0; k < (lo == c ? 1u : 2u); k++) {
			__u32 j;

			if (k) {
				if (out + 1 < len)
					buf[out] = '-';
				out++;
			}
			for (j = 0; j < nlen[k]; j++, out++)
				if (out + 1 < len)
					buf[out] = num[k][j];
		}
		c++;
	}
	buf[out < len ? out : len - 1] = 0;
	return out;
}

#endif /* !__VW_BPF__ */

#endif /* VW_TPH_H */
