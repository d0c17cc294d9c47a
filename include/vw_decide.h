/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy decision, in one place. The BPF programs and the host (loader,
 * `map`, unit tests) compile this same file, so the unit tests exercise the
 * code the kernel runs. Rules for writing here: bounded loops only, no libc,
 * no recursion, array indexes masked so the verifier can see they are in
 * range.
 *
 * Two steps:
 *  1. compile: for every byte of config space, resolve the policy layers
 *     (bdf > vendor:device > vendor > class > default; within a layer
 *     explicit range > capability rule > region class) into one action per
 *     direction, stored in vw_device.act[]. Done once per device and policy
 *     generation, by the loader (from its capability walk) or by BPF (from
 *     vfio-pci's pci_config_map, for devices bound after attach).
 *  2. decide: the hot path; the strongest action over the accessed bytes.
 */
#ifndef VW_DECIDE_H
#define VW_DECIDE_H

#include "vw_types.h"
#include "vw_dsn.h"
#include "vw_ioctl.h"

#define VW_MAX(a, b) ((a) > (b) ? (a) : (b))
#define VW_BLOCK (1u << VW_BLOCK_SHIFT)

/*
 * Hide a value from the optimizer so that the mask applied next survives into
 * the BPF bytecode: clang drops masks it can prove redundant, and the 6.1
 * verifier cannot always prove the same (it then rejects the map access).
 */
#ifdef __VW_BPF__
#define VW_OPAQUE(x) asm volatile("" : "+r"(x))
#else
#define VW_OPAQUE(x) ((void)0)
#endif

/*
 * Loops whose trip count depends on data run through bpf_loop() in BPF. Every
 * position is derived from the loop index, never carried from one step to the
 * next in the context: the verifier re-walks callbacks until their states
 * converge, and a carried position would never converge. The host runs the
 * same step functions in a plain loop.
 */
#ifdef __VW_BPF__
#define VW_LOOP(n, step, ctx) bpf_loop((n), (step), (ctx), 0)
#else
static inline void VW_LOOP(__u32 n, long (*step)(__u64, void *), void *ctx)
{
	__u32 i;

	for (i = 0; i < n; i++)
		if (step(i, ctx))
			break;
}
#endif

/*
 * Where a byte's action came from (host only: `map` explains verdicts with
 * it). why[dir * VW_CFG_SIZE + off] = layer << 8 | source << 6 | range.
 */
enum vw_rule_src { VW_FROM_CLASS = 0, VW_FROM_CAP = 1, VW_FROM_RANGE = 2 };
#define VW_WHY_NONE 0xffff
#define VW_WHY(layer, src, range) ((__u16)(((layer) << 8) | ((src) << 6) | ((range) & 0x3f)))
#define VW_WHY_LAYER(w) ((w) >> 8)
#define VW_WHY_SRC(w) (((w) >> 6) & 3)
#define VW_WHY_RANGE(w) ((w) & 0x3f)

/*
 * One compile pass. Precedence (bdf > vendor:device > vendor > class >
 * default; within a layer range > capability rule > region class) is
 * implemented by painting: layers from least to most specific, each one's
 * class and capability rules first and its ranges last, so the last paint
 * that has an opinion wins. Each paint step is a tiny callback driven by a
 * loop index, which keeps the BPF verifier's work linear.
 */
struct vw_compile_ctx {
	const struct vw_profile *layers[VW_NLAYERS];	/* NULL: no such layer */
	const __u8 *cap;		/* region map, VW_CFG_SIZE bytes */
	struct vw_device *dev;		/* act[] and blockmax[] are written */
	__u16 *why;			/* host only: 2 * VW_CFG_SIZE, or NULL */
	/* state of the pass in progress */
	const struct vw_profile *p;
	__u32 layer;
	__u32 rstart;
	__u32 rindex;
	__u8 rrule;
};

/* act[] holds rule nibbles (read low, write high, VW_UNSET) while painting. */
static inline void vw_paint(struct vw_compile_ctx *c, __u32 i, __u8 rule, int src, __u32 range)
{
	__u8 cur;

	i &= VW_CFG_SIZE - 1;
	cur = c->dev->act[i];
	if (VW_RULE_READ(rule) != VW_UNSET) {
		cur = (cur & 0xf0) | VW_RULE_READ(rule);
		if (c->why)
			c->why[i] = VW_WHY(c->layer, src, range);
	}
	if (VW_RULE_WRITE(rule) != VW_UNSET) {
		cur = (cur & 0x0f) | (VW_RULE_WRITE(rule) << 4);
		if (c->why)
			c->why[VW_CFG_SIZE + i] = VW_WHY(c->layer, src, range);
	}
	c->dev->act[i] = cur;
}

static long vw_paint_unset(__u64 index, void *ctx)
{
	struct vw_compile_ctx *c = ctx;
	__u32 i = (__u32)index & (VW_CFG_SIZE - 1);

	if (!c->dev)
		return 1;
	if (!i) {
		c->dev->dsn_off = 0;
		c->dev->tph_off = 0;
		c->dev->tph_len = 0;
	}
	c->dev->act[i] = VW_RULE_NONE;
	if (c->why) {
		c->why[i] = VW_WHY_NONE;
		c->why[VW_CFG_SIZE + i] = VW_WHY_NONE;
	}
	return 0;
}

/* Byte i is in the header dword of a DSN capability (caps are dword aligned). */
static inline int vw_dsn_header_byte(const __u8 *cap, __u32 i)
{
	__u32 start = i & ~3u;

	if (i < VW_STD_CFG_SIZE || cap[i & (VW_CFG_SIZE - 1)] != VW_EXT_CAP_DSN)
		return 0;
	return start == VW_STD_CFG_SIZE || cap[(start - 1) & (VW_CFG_SIZE - 1)] != VW_EXT_CAP_DSN;
}

/* The current layer's region-class rule, then its capability rule, on one byte. */
static long vw_paint_class(__u64 index, void *ctx)
{
	struct vw_compile_ctx *c = ctx;
	const struct vw_profile *p = c->p;
	__u32 i = (__u32)index & (VW_CFG_SIZE - 1);
	__u8 cap;

	if (!p || !c->cap || !c->dev)
		return 1;
	cap = c->cap[i];
	if (i < VW_HEADER_SIZE) {
		vw_paint(c, i, p->header, VW_FROM_CLASS, 0);
	} else if (vw_cap_is_unassigned(cap)) {
		vw_paint(c, i, p->unassigned, VW_FROM_CLASS, 0);
	} else {
		__u8 spec = i < VW_STD_CFG_SIZE ? p->std_cap[cap] : p->ext_cap[cap];

		/* A DSN rule's read action (scrub, deny) covers the serial, not the
		 * capability header: the chain must stay walkable. */
		if (vw_dsn_header_byte(c->cap, i))
			spec = VW_RULE(VW_UNSET, VW_RULE_WRITE(spec));
		vw_paint(c, i, p->cap_any, VW_FROM_CLASS, 0);
		vw_paint(c, i, spec, VW_FROM_CAP, 0);
	}
	return 0;
}

static long vw_paint_range_byte(__u64 index, void *ctx)
{
	struct vw_compile_ctx *c = ctx;
	__u32 i = c->rstart + (__u32)index;

	if (!c->dev || i >= VW_CFG_SIZE)
		return 1;
	vw_paint(c, i, c->rrule, VW_FROM_RANGE, c->rindex);
	return 0;
}

static long vw_paint_range(__u64 index, void *ctx)
{
	struct vw_compile_ctx *c = ctx;
	const struct vw_profile *p = c->p;
	__u32 r = (__u32)index & (VW_MAX_RANGES - 1);

	if (!p || index >= p->nranges)
		return 1;
	c->rstart = p->ranges[r].start;
	c->rrule = p->ranges[r].rule;
	c->rindex = r;
	VW_LOOP(p->ranges[r].len, vw_paint_range_byte, c);
	return 0;
}

/* Rule nibbles to enforced actions (nobody's opinion: allow) and block summaries. */
static long vw_paint_finish(__u64 index, void *ctx)
{
	struct vw_compile_ctx *c = ctx;
	__u32 i = (__u32)index & (VW_CFG_SIZE - 1), blk = i >> VW_BLOCK_SHIFT;
	__u8 r, w, b;

	if (!c->dev)
		return 1;
	r = VW_RULE_READ(c->dev->act[i]);
	w = VW_RULE_WRITE(c->dev->act[i]);
	if (r == VW_UNSET)
		r = VW_ALLOW;
	if (w == VW_UNSET)
		w = VW_ALLOW;
	if (w == VW_SCRUB)	/* scrub rewrites what a reader gets: no meaning for writes */
		w = VW_AUDIT;
	r &= 3;
	w &= 3;
	c->dev->act[i] = VW_ACT(r, w);
	if (c->cap && !c->dev->dsn_off && vw_dsn_header_byte(c->cap, i))
		c->dev->dsn_off = i;
	/* the TPH capability: its first run of bytes in extended space */
	if (c->cap && i >= VW_STD_CFG_SIZE && c->cap[i] == VW_EXT_CAP_TPH_ID) {
		if (!c->dev->tph_off)
			c->dev->tph_off = i;
		if (i - c->dev->tph_off == c->dev->tph_len)
			c->dev->tph_len++;
	}
	b = i & (VW_BLOCK - 1) ? c->dev->blockmax[blk & (VW_NBLOCKS - 1)] : 0;
	c->dev->blockmax[blk & (VW_NBLOCKS - 1)] =
		VW_ACT(VW_MAX(VW_ACT_READ(b), r), VW_MAX(VW_ACT_WRITE(b), w));
	return 0;
}

static inline void vw_compile_layer(struct vw_compile_ctx *c, __u32 k)
{
	c->p = c->layers[k];
	c->layer = k;
	if (!c->p)
		return;
	VW_LOOP(VW_CFG_SIZE, vw_paint_class, c);
	VW_LOOP(VW_MAX_RANGES, vw_paint_range, c);
}

/* The TPH policy: the most specific layer that has one decides it whole. */
static inline void vw_compile_tph(struct vw_compile_ctx *c)
{
	const struct vw_profile *p = NULL;

	/* unrolled: the verifier loads layers[k] only at constant offsets */
	if (c->layers[0] && c->layers[0]->tph.uapi_version)
		p = c->layers[0];
	else if (c->layers[1] && c->layers[1]->tph.uapi_version)
		p = c->layers[1];
	else if (c->layers[2] && c->layers[2]->tph.uapi_version)
		p = c->layers[2];
	else if (c->layers[3] && c->layers[3]->tph.uapi_version)
		p = c->layers[3];
	else if (c->layers[4] && c->layers[4]->tph.uapi_version)
		p = c->layers[4];
	if (p)
		c->dev->tph = p->tph;
	else	/* no layer says: nothing allowed (the loader always sets the default layer's) */
		__builtin_memset(&c->dev->tph, 0, sizeof(c->dev->tph));
}

/* The ioctl rules, one class per step (a bpf_loop callback in BPF: its own
 * small frame, not the compile's). */
static long vw_compile_ioctl(__u64 index, void *ctx)
{
	struct vw_compile_ctx *c = ctx;
	__u32 i = (__u32)index & (VW_IOC_RULE_BYTES - 1);

	if (!c->dev)
		return 1;
	c->dev->ioctl[i] = vw_ioc_resolve_one(c->layers, i);
	return 0;
}

/* Compile c->layers over region map c->cap into c->dev->act[] and blockmax[]. */
static inline void vw_compile(struct vw_compile_ctx *c)
{
	VW_LOOP(VW_CFG_SIZE, vw_paint_unset, c);
	vw_compile_layer(c, 4);	/* default */
	vw_compile_layer(c, 3);	/* class */
	vw_compile_layer(c, 2);	/* vendor */
	vw_compile_layer(c, 1);	/* vendor:device */
	vw_compile_layer(c, 0);	/* bdf */
	VW_LOOP(VW_CFG_SIZE, vw_paint_finish, c);
	vw_compile_tph(c);
	VW_LOOP(VW_IOC_RULE_BYTES, vw_compile_ioctl, c);
	c->dev->tph_st_in_cap = c->dev->tph_len > 12;	/* refined by the loader from the register */
}

static inline int vw_act_dir(__u8 a, int write)
{
	return write ? VW_ACT_WRITE(a) : VW_ACT_READ(a);
}

struct vw_scan {
	const struct vw_device *d;
	__u32 off;	/* the access: [off, end) */
	__u32 end;
	__u32 base;	/* first byte of the run vw_scan_byte walks */
	__u32 at;	/* first offset that got 'best' */
	int write;
	int best;	/* strongest action so far */
};

static long vw_scan_byte(__u64 index, void *ctx)
{
	struct vw_scan *s = ctx;
	__u32 i = s->base + (__u32)index;
	int a;

	if (!s->d || i >= s->end)
		return 1;
	a = vw_act_dir(s->d->act[i & (VW_CFG_SIZE - 1)], s->write);
	if (a > s->best) {
		s->best = a;
		s->at = i;
	}
	return s->best == VW_DENY;	/* nothing is stronger: stop */
}

/* One 64-byte block: skipped whole unless its summary could raise 'best'. */
static long vw_scan_block(__u64 index, void *ctx)
{
	struct vw_scan *s = ctx;
	__u32 blk = (s->off >> VW_BLOCK_SHIFT) + (__u32)index;
	__u32 start = blk << VW_BLOCK_SHIFT, stop = start + VW_BLOCK;

	if (!s->d || start >= s->end)
		return 1;
	if (vw_act_dir(s->d->blockmax[blk & (VW_NBLOCKS - 1)], s->write) <= s->best)
		return 0;
	s->base = start > s->off ? start : s->off;
	if (stop > s->end)
		stop = s->end;
	VW_LOOP(stop - s->base, vw_scan_byte, s);
	return s->best == VW_DENY;
}

/*
 * Strongest action over [off, off+len) for one direction, and the first
 * offset that has it (*at). Bytes past the end of config space do not
 * exist: they add nothing here (vfio itself fails such accesses).
 */
static inline int vw_decide(const struct vw_device *d, __u32 off, __u32 len, int write, __u32 *at)
{
	struct vw_scan s = {};
	__u32 end = off + len;

	if (end > VW_CFG_SIZE || end < off)
		end = VW_CFG_SIZE;
	*at = off;
	if (off >= end)
		return VW_ALLOW;
	/*
	 * Hot path: config accesses are 1, 2 or 4 bytes (8 at most). One block
	 * summary settles most; otherwise look at the few bytes directly, in a
	 * constant-bound loop the verifier walks once, without bpf_loop calls.
	 */
	if (end - off <= 8) {
		__u32 k, i, blk = off >> VW_BLOCK_SHIFT;
		int best = VW_ALLOW, a;

		if (blk == ((end - 1) >> VW_BLOCK_SHIFT)) {
			VW_OPAQUE(blk);
			if (vw_act_dir(d->blockmax[blk & (VW_NBLOCKS - 1)], write) == VW_ALLOW)
				return VW_ALLOW;
		}
		for (k = 0; k < 8; k++) {
			__u32 j;

			i = off + k;
			if (i >= end)
				break;
			j = i;
			VW_OPAQUE(j);
			a = vw_act_dir(d->act[j & (VW_CFG_SIZE - 1)], write);
			if (a > best) {
				best = a;
				*at = i;
			}
		}
		return best;
	}
	s.d = d;
	s.off = off;
	s.end = end;
	s.at = off;
	s.write = write;
	s.best = VW_ALLOW;
	VW_LOOP(((end - 1) >> VW_BLOCK_SHIFT) - (off >> VW_BLOCK_SHIFT) + 1, vw_scan_block, &s);
	*at = s.at;
	return s.best;
}

/* Region kind of a region-map byte at offset off. */
static inline int vw_region_kind(__u32 off, __u8 cap)
{
	if (off < VW_HEADER_SIZE)
		return VW_REGION_HEADER;
	if (vw_cap_is_unassigned(cap))
		return VW_REGION_UNASSIGNED;
	return VW_REGION_CAPABILITY;
}

#endif /* VW_DECIDE_H */
