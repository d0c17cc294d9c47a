/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TPH: TLP Processing Hints (PCIe extended capability 0x0017), both ways a
 * VFIO user can steer a device's DMA into CPU caches:
 *
 *  - the proposed VFIO_DEVICE_PCI_TPH ioctl (GET_ST hands out the steering
 *    tag of any CPU, SET_ST programs tags into the device, ENABLE turns the
 *    requester on in a chosen mode), judged by the file_ioctl veto
 *    (lsm/file_ioctl, or fmod_ret on security_file_ioctl): the op header,
 *    then every entry of a GET_ST/SET_ST batch;
 *  - plain config-space writes to the TPH Requester Control register and to
 *    an ST table held inside the capability, judged like any other config
 *    write.
 *
 * This file is the judge: the policy's defaults, the verdict on a call's
 * header, the entry checker and the config-write rules. It is shared by BPF
 * (-D__VW_BPF__) and the host (loader, unit tests), with the rules of
 * vw_decide.h: bounded loops only, data-dependent loops through VW_LOOP with
 * every position derived from the loop index, array indexes masked, no libc.
 * The uAPI and register layouts are in vw_tph_uapi.h; names, name lookups,
 * CPU lists and the loader's policy check are host only, in user/lib/tph.h.
 * tests/vm/bytecode.c runs this file as BPF bytecode against its host build.
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
#include "vw_tph_uapi.h"
#include "vw_decide.h"	/* VW_LOOP */

#define VW_TPH_UNUSED __attribute__((unused))

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

#endif /* VW_TPH_H */
