/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TPH, transcribed: the proposed VFIO_DEVICE_PCI_TPH uAPI and the TPH
 * Requester Extended Capability's registers (PCIe Base Spec). Layouts,
 * numbers and the register decoding the loader needs; no policy and no
 * verdicts (those are vw_tph.h). Plain C with fixed-size types: BPF and the
 * host both compile it.
 */
#ifndef VW_TPH_UAPI_H
#define VW_TPH_UAPI_H

#include "vw_types.h"

/* ---- the uAPI --------------------------------------------------------- */

/*
 * VFIO_DEVICE_PCI_TPH as PROPOSED, NOT MERGED: the vfio-pci TPH series under
 * review in April 2026, transcribed from the project's brief (README.md, "TPH
 * steering tags", says why GET_ST needs guarding). No kernel release has it;
 * every layout and number below may change when (if) it is merged, hence the
 * version: bump it with any change here, and the loader refuses a policy
 * written for another (vw_tph_policy.uapi_version; user/lib/tph.c,
 * vw_tph_policy_check). An older, different proposal (DPDK's
 * kernel/linux/uapi vfio_tph.h: struct vfio_pci_tph with flags-encoded ops
 * and 16-byte entries) used the same ioctl number; it is NOT this layout.
 */
#define VW_TPH_UAPI_VERSION 1
/* (Other revisions of the uAPI, and which one is judged: vw_tph_rev.h. The
 * policy's uapi_version is this file's version of the judge's values.) */

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
 * rounded up to a dword when it is inside (what user/lib/layout.c's walker says). */
static inline __u32 vw_tph_cap_length(const __u8 *cap)
{
	__u32 st;

	if (!vw_tph_st_table(cap, &st))
		return VW_TPH_CAP_MIN_LEN;
	return VW_TPH_CAP_MIN_LEN + ((st + 3) & ~3u);
}

#endif /* VW_TPH_UAPI_H */
