/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TPH uAPI revisions, table-driven: how a call of one revision of the
 * (unmerged) vfio-pci TPH uAPI is recognised and where its fields are, as
 * data. The decoder below turns a call of any described revision into the
 * normalized values the judge (vw_tph.h) works on: enum vw_tph_op_code,
 * VW_TPH_MODE_*, and per entry struct vw_tph_entry (cpu, mem_type, index).
 * Following the next upstream revision means adding an entry to
 * vw_tph_revs[] (and its name to user/lib/tph.c's vw_tph_revisions[]).
 *
 * Exactly ONE revision is judged at a time, chosen by the loader before load
 * (bpf/warden.bpf.c: vw_tph_rev, read-only data): two revisions may use the
 * same numbers for different calls (the Feb 2025 RFC's feature 11 is
 * VFIO_DEVICE_FEATURE_DMA_BUF on newer kernels).
 *
 * Plain C with fixed-size types, no libc: BPF and the host both compile it.
 * tests/unit/test_tph.c encodes every generated case in every revision's
 * layout and checks the decode; tests/vm/bytecode.c runs the decoder as BPF.
 */
#ifndef VW_TPH_REV_H
#define VW_TPH_REV_H

#include "vw_types.h"
#include "vw_tph.h"	/* the judge's normalized values, VW_TPH_CHUNK, VW_LOOP */

/* VFIO_DEVICE_FEATURE = _IO(';', 100 + 17); its 8-byte header {argsz, flags}. */
#define VW_TPH_FEATURE_IOCTL   ((0x3bu << 8) | (100u + 17u))
#define VW_TPH_FEATURE_MASK    0xffffu		/* VFIO_DEVICE_FEATURE_MASK */
#define VW_TPH_FEATURE_GET     (1u << 16)
#define VW_TPH_FEATURE_SET     (1u << 17)
#define VW_TPH_FEATURE_PROBE   (1u << 18)

#define VW_TPH_REV_FIXED_MAX   32u	/* bytes of a call's fixed part the decoder reads */
#define VW_TPH_REV_ENTRY_MAX   32u	/* largest entry of any revision */
#define VW_TPH_REV_NVALS       8u	/* op and mode values a revision can map */
#define VW_TPH_REV_UNMAPPED    0xffu
#define VW_TPH_REV_UNUSED __attribute__((unused))

/* A field: width bytes (1, 2 or 4, little endian) at off, then (v >> shift) & mask.
 * Offsets of the fixed part count from the ioctl's argument (a feature revision's
 * payload starts at 8), an entry's from the entry. */
struct vw_tph_field {
	__u8 off;
	__u8 width;
	__u8 shift;
	__u8 pad;
	__u32 mask;
};

struct vw_tph_rev {
	__u32 id;		/* the revision's number: `status`, events, --tph-uapi */
	__u32 cmd;		/* the ioctl: a dedicated one, or VW_TPH_FEATURE_IOCTL */
	__u32 feature;		/* 0: dedicated ioctl; else the VFIO_DEVICE_FEATURE index */
	__u32 hdr_size;		/* argsz covering argsz and op (DISABLE needs no more) */
	__u32 fixed_size;	/* argsz covering the whole fixed part (read by the decoder) */
	struct vw_tph_field argsz, op, mode, count;
	/* a revision's op value v (< VW_TPH_REV_NVALS) -> enum vw_tph_op_code, or UNMAPPED;
	 * values >= VW_TPH_REV_NVALS are unknown ops */
	__u8 op_map[VW_TPH_REV_NVALS];
	/* its mode value -> VW_TPH_MODE_* (0: invalid); values >= NVALS pass as they are */
	__u8 mode_map[VW_TPH_REV_NVALS];
	/* feature revisions: the VW_TPH_FEATURE_GET/SET flag each normalized op needs
	 * (VW_TPH_REV_NVALS entries, so that an index masked to NVALS stays inside) */
	__u32 op_flag[VW_TPH_REV_NVALS];
	__u32 ents_off;		/* entries start here, from the argument */
	__u32 ent_size;		/* <= VW_TPH_REV_ENTRY_MAX */
	struct vw_tph_field cpu, mem, index;
	__u32 max_count;	/* <= VW_TPH_MAX_ENTRIES; more is malformed (the driver refuses) */
};

#define VW_TPH_F(o, w, s, m) { .off = (o), .width = (w), .shift = (s), .mask = (m) }

/*
 * Revision 1: VFIO_DEVICE_PCI_TPH as proposed in April 2026 (vw_tph_uapi.h):
 * struct vw_tph_op {argsz, op, union {ctrl.mode, st.count}}, 12-byte entries.
 */
#define VW_TPH_REV_V1 { \
	.id = 1, .cmd = VW_TPH_IOCTL, .feature = 0, \
	.hdr_size = VW_TPH_HDR_SIZE, .fixed_size = VW_TPH_FIXED_SIZE, \
	.argsz = VW_TPH_F(0, 4, 0, 0xffffffffu), .op = VW_TPH_F(4, 4, 0, 0xffffffffu), \
	.mode = VW_TPH_F(8, 1, 0, 0xffu), .count = VW_TPH_F(8, 4, 0, 0xffffffffu), \
	.op_map = { 0, 1, 2, 3, 4, VW_TPH_REV_UNMAPPED, VW_TPH_REV_UNMAPPED, VW_TPH_REV_UNMAPPED }, \
	.mode_map = { 0, 1, 2, 3, 4, 5, 6, 7 }, \
	.op_flag = { 0 }, \
	.ents_off = VW_TPH_ENTS_OFF, .ent_size = VW_TPH_ENTRY_SIZE, \
	.cpu = VW_TPH_F(0, 4, 0, 0xffffffffu), .mem = VW_TPH_F(4, 1, 0, 0xffu), \
	.index = VW_TPH_F(6, 2, 0, 0xffffu), .max_count = VW_TPH_MAX_ENTRIES }

/*
 * Revision 2: "[RFC PATCH] vfio/pci: add PCIe TPH to device feature ioctl"
 * (Wathsala Vithanage, 21 Feb 2025). VFIO_DEVICE_FEATURE_PCI_TPH = 11, payload
 * struct vfio_pci_tph {argsz, flags, count, info[]} after the feature header:
 * op = flags & 7 (ENABLE 0, DISABLE 1, GET_ST 2, SET_ST 4), mode = (flags >> 3) & 3
 * (NS 0, IV 1, DS 2); struct vfio_pci_tph_info {cpu_id, cache_level, flags (bit 0
 * mem type), index, st, ph_ignore, err} = 20 bytes; at most 64. ENABLE, DISABLE
 * and SET_ST need VFIO_DEVICE_FEATURE_SET, GET_ST _GET. No GET_CAP. argsz is the
 * feature header's, the one vfio_check_feature checks (the payload's is unused).
 */
#define VW_TPH_REV_RFC_FEATURE { \
	.id = 2, .cmd = VW_TPH_FEATURE_IOCTL, .feature = 11, \
	.hdr_size = 20, .fixed_size = 20, \
	.argsz = VW_TPH_F(0, 4, 0, 0xffffffffu), .op = VW_TPH_F(12, 4, 0, 0x7u), \
	.mode = VW_TPH_F(12, 4, 3, 0x3u), .count = VW_TPH_F(16, 4, 0, 0xffffffffu), \
	.op_map = { VW_TPH_OP_ENABLE, VW_TPH_OP_DISABLE, VW_TPH_OP_GET_ST, VW_TPH_REV_UNMAPPED, \
		    VW_TPH_OP_SET_ST, VW_TPH_REV_UNMAPPED, VW_TPH_REV_UNMAPPED, VW_TPH_REV_UNMAPPED }, \
	.mode_map = { VW_TPH_MODE_NS, VW_TPH_MODE_IV, VW_TPH_MODE_DS, 0, 0, 0, 0, 0 }, \
	.op_flag = { [VW_TPH_OP_ENABLE] = VW_TPH_FEATURE_SET, [VW_TPH_OP_DISABLE] = VW_TPH_FEATURE_SET, \
		     [VW_TPH_OP_GET_ST] = VW_TPH_FEATURE_GET, [VW_TPH_OP_SET_ST] = VW_TPH_FEATURE_SET }, \
	.ents_off = 20, .ent_size = 20, \
	.cpu = VW_TPH_F(0, 4, 0, 0xffffffffu), .mem = VW_TPH_F(8, 1, 0, 0x1u), \
	.index = VW_TPH_F(10, 2, 0, 0xffffu), .max_count = 64 }

#define VW_TPH_NREVS 2		/* decodable revisions: ids 1..VW_TPH_NREVS */

/* Little-endian field of a buffer of lim bytes (a power of two; the buffer has
 * 4 bytes of slack past it), the position masked. */
static inline __u32 vw_tph_field_get(const __u8 *b, __u32 lim, __u32 base, const struct vw_tph_field *f)
{
	__u32 p = (base + f->off) & (lim - 1), v;

	v = b[p];
	if (f->width >= 2)
		v |= (__u32)b[p + 1] << 8;
	if (f->width >= 4)
		v |= (__u32)b[p + 2] << 16 | (__u32)b[p + 3] << 24;
	return (v >> (f->shift & 31)) & f->mask;
}

/* v (< VW_TPH_REV_NVALS once compared) as an index of a map[VW_TPH_REV_NVALS]:
 * masked behind an opaque copy, which the compiler cannot drop as redundant
 * after the compare (the 6.1 verifier may have bounded another copy of v). */
static inline __u32 vw_tph_rev_index(__u32 v)
{
	VW_OPAQUE(v);
	return v & (VW_TPH_REV_NVALS - 1);
}

/* A call, decoded: what the judge (vw_tph_judge_header) and the event take. */
struct vw_tph_call {
	__u32 argsz;		/* normalized: revision 1's argsz for the same coverage */
	__u32 op;		/* enum vw_tph_op_code, >= VW_TPH_NOPS: unknown */
	__u32 count;		/* normalized: > VW_TPH_MAX_ENTRIES when over the revision's max */
	__u32 raw_count;	/* as the caller passed it */
	__u8 mode;		/* VW_TPH_MODE_* or invalid */
	__u8 pad[3];
};

/*
 * argsz in revision 1's terms: below the revision's header, 0; below its fixed
 * part, VW_TPH_HDR_SIZE (DISABLE only); else the fixed part plus as many whole
 * entries as it covers, in revision 1's sizes (at most VW_TPH_MAX_ENTRIES).
 * For revision 1 itself this gives the same verdicts as the raw argsz.
 */
static inline __u32 vw_tph_norm_argsz(const struct vw_tph_rev *r, __u32 argsz)
{
	__u32 n = 0;

	if (argsz < r->hdr_size)
		return 0;
	if (argsz < r->fixed_size)
		return VW_TPH_HDR_SIZE;
	if (argsz >= r->ents_off && r->ent_size)
		n = (argsz - r->ents_off) / r->ent_size;
	if (n > VW_TPH_MAX_ENTRIES)
		n = VW_TPH_MAX_ENTRIES;
	return VW_TPH_FIXED_SIZE + n * VW_TPH_ENTRY_SIZE;
}

/*
 * Decode the fixed part hdr[0 .. VW_TPH_REV_FIXED_MAX) (with 4 bytes of slack)
 * of a call of revision r. A feature revision's call whose feature header is
 * not r's feature (changed since the dispatcher looked) decodes as an unknown
 * op: refused. One that lacks the GET/SET flag its op needs is malformed
 * (argsz 0: the driver refuses it; the op is still judged first).
 */
static inline void vw_tph_decode_hdr(const struct vw_tph_rev *r, const __u8 *hdr, struct vw_tph_call *c)
{
	__u32 v = vw_tph_field_get(hdr, VW_TPH_REV_FIXED_MAX, 0, &r->op), flags = 0, k;

	c->op = v < VW_TPH_NOPS ? VW_TPH_NOPS : v;
	if (v < VW_TPH_REV_NVALS && r->op_map[vw_tph_rev_index(v)] != VW_TPH_REV_UNMAPPED)
		c->op = r->op_map[vw_tph_rev_index(v)];
	v = vw_tph_field_get(hdr, VW_TPH_REV_FIXED_MAX, 0, &r->mode);
	c->mode = (__u8)(v < VW_TPH_REV_NVALS ? r->mode_map[vw_tph_rev_index(v)] : v);
	c->raw_count = vw_tph_field_get(hdr, VW_TPH_REV_FIXED_MAX, 0, &r->count);
	c->count = c->raw_count;
	if (c->count > r->max_count && c->count <= VW_TPH_MAX_ENTRIES)
		c->count = VW_TPH_MAX_ENTRIES + 1;
	c->argsz = vw_tph_norm_argsz(r, vw_tph_field_get(hdr, VW_TPH_REV_FIXED_MAX, 0, &r->argsz));
	c->pad[0] = c->pad[1] = c->pad[2] = 0;
	if (!r->feature)
		return;
	flags = vw_tph_rd32(hdr + 4);
	k = vw_tph_rev_index(c->op);
	if ((flags & VW_TPH_FEATURE_MASK) != r->feature || (flags & VW_TPH_FEATURE_PROBE))
		c->op = VW_TPH_NOPS;
	else if (c->op < VW_TPH_NOPS && !(flags & r->op_flag[k]))
		c->argsz = 0;
}

/* ---- entries ---------------------------------------------------------- */

/* Raw entries of one chunk: VW_TPH_CHUNK entries of up to VW_TPH_REV_ENTRY_MAX
 * bytes (a power of two), plus 4 bytes of slack for a masked field read. */
#define VW_TPH_RAW_SIZE (VW_TPH_CHUNK * VW_TPH_REV_ENTRY_MAX)
#define VW_TPH_RAW_ALLOC (VW_TPH_RAW_SIZE + 4)

/* One chunk being decoded into the judge's entries (cpu, mem_type, index). */
struct vw_tph_decode {
	const struct vw_tph_rev *rev;
	const __u8 *raw;		/* VW_TPH_RAW_ALLOC bytes, entry 0 at raw[0] */
	struct vw_tph_entry *ents;	/* VW_TPH_CHUNK entries */
	__u32 n;			/* valid entries (<= VW_TPH_CHUNK) */
	__u32 pad;
};

/* VW_LOOP step: entry index of the chunk, its position derived from the index. */
static VW_TPH_REV_UNUSED long vw_tph_decode_entry(__u64 index, void *ctx)
{
	struct vw_tph_decode *d = ctx;
	const struct vw_tph_rev *r = d->rev;
	__u32 i = (__u32)index, base;
	struct vw_tph_entry *e;

	if (!r || !d->raw || !d->ents || i >= d->n || i >= VW_TPH_CHUNK)
		return 1;
	base = (i * r->ent_size) & (VW_TPH_RAW_SIZE - 1);
	e = &d->ents[i & (VW_TPH_CHUNK - 1)];
	e->cpu = vw_tph_field_get(d->raw, VW_TPH_RAW_SIZE, base, &r->cpu);
	e->mem_type = (__u8)vw_tph_field_get(d->raw, VW_TPH_RAW_SIZE, base, &r->mem);
	e->index = (__u16)vw_tph_field_get(d->raw, VW_TPH_RAW_SIZE, base, &r->index);
	e->r0 = 0;
	e->st = 0;
	e->r1 = 0;
	return 0;
}

/* Decode d->raw's first min(d->n, VW_TPH_CHUNK) entries into d->ents. */
static inline void vw_tph_decode_chunk(struct vw_tph_decode *d)
{
	if (d->n > VW_TPH_CHUNK)
		d->n = VW_TPH_CHUNK;
	VW_LOOP(d->n, vw_tph_decode_entry, d);
}

#endif /* VW_TPH_REV_H */
