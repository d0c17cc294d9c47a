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

#define VW_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Where a rule came from: `map` and the tests ask; BPF passes NULL. */
enum vw_rule_src { VW_FROM_NONE = 0, VW_FROM_RANGE, VW_FROM_CAP, VW_FROM_CLASS };

/*
 * The rule one layer gives byte 'off' whose region-map byte is 'cap'.
 * *src (optional) says which part of the layer gave it; for a range,
 * *range is its index.
 */
static inline __u8 vw_layer_rule_dir(const struct vw_profile *p, __u32 off, __u8 cap, int write,
				     int *src, int *range)
{
	__u8 r;
	int i;

	for (i = 0; i < VW_MAX_RANGES; i++) {
		const struct vw_range *rg = &p->ranges[i];

		if (i >= p->nranges)
			break;
		if (off >= rg->start && off < (__u32)rg->start + rg->len) {
			r = write ? VW_RULE_WRITE(rg->rule) : VW_RULE_READ(rg->rule);
			if (r != VW_UNSET) {
				if (src)
					*src = VW_FROM_RANGE;
				if (range)
					*range = i;
				return r;
			}
			break;	/* ranges never overlap: no other range holds off */
		}
	}
	if (off < VW_HEADER_SIZE) {
		/* vfio marks the header 0 in its map; the walker does too */
		r = p->header;
	} else if (vw_cap_is_unassigned(cap)) {
		r = p->unassigned;
	} else {
		__u8 specific = off < VW_STD_CFG_SIZE ? p->std_cap[cap] : p->ext_cap[cap];
		__u8 s = write ? VW_RULE_WRITE(specific) : VW_RULE_READ(specific);

		if (s != VW_UNSET) {
			if (src)
				*src = VW_FROM_CAP;
			return s;
		}
		r = p->cap_any;
	}
	if (src)
		*src = VW_FROM_CLASS;
	return write ? VW_RULE_WRITE(r) : VW_RULE_READ(r);
}

/* Context of one compile pass; layers[k] may be NULL (no such layer). */
struct vw_compile_ctx {
	const struct vw_profile *layers[VW_NLAYERS];
	const __u8 *cap;		/* region map, VW_CFG_SIZE bytes */
	struct vw_device *dev;		/* act[] and blockmax[] are written */
};

/* First layer with an opinion decides; *layer (optional) says which, -1 none. */
static inline __u8 vw_resolve_dir(const struct vw_compile_ctx *c, __u32 off, __u8 cap, int write,
				  int *layer, int *src, int *range)
{
	int k;

	/* unrolled for BPF: layers[k] are pointers spilled on the caller's stack,
	 * which the verifier only lets us load at constant offsets */
#ifdef __VW_BPF__
#pragma unroll
#endif
	for (k = 0; k < VW_NLAYERS; k++) {
		const struct vw_profile *p = c->layers[k];
		__u8 r;

		if (!p)
			continue;
		r = vw_layer_rule_dir(p, off, cap, write, src, range);
		if (r != VW_UNSET) {
			if (layer)
				*layer = k;
			return r & 3;
		}
	}
	if (layer)
		*layer = -1;
	if (src)
		*src = VW_FROM_NONE;
	return VW_ALLOW;
}

/*
 * Compile one byte. Signature of a bpf_loop() callback: BPF runs it through
 * bpf_loop(VW_CFG_SIZE, ...), the host through vw_compile(). blockmax[] must
 * be zeroed before the pass.
 */
static long vw_compile_byte(__u64 index, void *ctx)
{
	struct vw_compile_ctx *c = ctx;
	__u32 i = (__u32)index & (VW_CFG_SIZE - 1);
	__u8 cap, r, w, b;
	__u32 blk;

	if (!c->cap || !c->dev)
		return 1;
	cap = c->cap[i];
	r = vw_resolve_dir(c, i, cap, 0, NULL, NULL, NULL);
	w = vw_resolve_dir(c, i, cap, 1, NULL, NULL, NULL);
	/* DENY of a read is honoured; SCRUB is a read-only action */
	if (w == VW_SCRUB)
		w = VW_AUDIT;
	c->dev->act[i] = VW_ACT(r, w);
	blk = (i >> VW_BLOCK_SHIFT) & (VW_NBLOCKS - 1);
	b = c->dev->blockmax[blk];
	c->dev->blockmax[blk] = VW_ACT(VW_MAX(VW_ACT_READ(b), r), VW_MAX(VW_ACT_WRITE(b), w));
	return 0;
}

#ifndef __VW_BPF__
/* Host entry point; BPF calls bpf_loop(VW_CFG_SIZE, vw_compile_byte, &ctx, 0). */
static inline void vw_compile(struct vw_compile_ctx *c)
{
	__u32 i;

	for (i = 0; i < VW_NBLOCKS; i++)
		c->dev->blockmax[i] = 0;
	for (i = 0; i < VW_CFG_SIZE; i++)
		vw_compile_byte(i, c);
}
#endif

static inline int vw_act_dir(__u8 a, int write)
{
	return write ? VW_ACT_WRITE(a) : VW_ACT_READ(a);
}

/*
 * Steps needed to scan any range: at most 63 leading bytes, 64 blocks, one
 * block scanned byte by byte (first-offender search) and 63 trailing bytes.
 */
#define VW_SCAN_STEPS 256
#define VW_BLOCK (1u << VW_BLOCK_SHIFT)

/*
 * Loops whose trip count depends on data run through bpf_loop() in BPF: the
 * verifier checks the step function once instead of every path through
 * every iteration. The host runs the same step function in a plain loop.
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

struct vw_scan {
	const struct vw_device *d;
	__u32 i;	/* next offset to look at */
	__u32 end;
	__u32 at;	/* pass 2: first offset with action 'best' */
	int write;
	int best;	/* pass 1: strongest action so far; pass 2: the one to find */
};

static inline int vw_scan_whole_block(const struct vw_scan *s)
{
	return !(s->i & (VW_BLOCK - 1)) && s->i + VW_BLOCK <= s->end;
}

static inline int vw_block_act(const struct vw_scan *s)
{
	return vw_act_dir(s->d->blockmax[(s->i >> VW_BLOCK_SHIFT) & (VW_NBLOCKS - 1)], s->write);
}

/* Pass 1 step: fold one whole block (its summary) or one byte into best. */
static long vw_scan_max_step(__u64 index, void *ctx)
{
	struct vw_scan *s = ctx;
	int a;

	if (s->i >= s->end || !s->d)
		return 1;
	if (vw_scan_whole_block(s)) {
		a = vw_block_act(s);
		s->i += VW_BLOCK;
	} else {
		a = vw_act_dir(s->d->act[s->i & (VW_CFG_SIZE - 1)], s->write);
		s->i++;
	}
	if (a > s->best)
		s->best = a;
	return s->best == VW_DENY;	/* nothing is stronger: stop early */
}

/* Pass 2 step: skip blocks without 'best', else test one byte. */
static long vw_scan_first_step(__u64 index, void *ctx)
{
	struct vw_scan *s = ctx;

	if (s->i >= s->end || !s->d)
		return 1;
	if (vw_scan_whole_block(s) && vw_block_act(s) < s->best) {
		s->i += VW_BLOCK;
		return 0;
	}
	if (vw_act_dir(s->d->act[s->i & (VW_CFG_SIZE - 1)], s->write) == s->best) {
		s->at = s->i;
		return 1;
	}
	s->i++;
	return 0;
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
	s.d = d;
	s.i = off;
	s.end = end;
	s.write = write;
	s.best = VW_ALLOW;
	VW_LOOP(VW_SCAN_STEPS, vw_scan_max_step, &s);
	if (s.best == VW_ALLOW)
		return VW_ALLOW;
	s.i = off;
	s.at = off;
	VW_LOOP(VW_SCAN_STEPS, vw_scan_first_step, &s);
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
