/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `learn`: which config bytes a device's accesses touched, per direction, and
 * how often. The veto notes every access it lets through here; `learn` reads
 * the result back. One bitmap bit per byte (nothing is sampled, and nothing
 * goes through the ring buffer, so a guest that reads all 4 KiB costs one
 * bitmap update, not 4096 events) and one counter per dword.
 *
 * Shared by BPF (warden.bpf.c) and the host (`learn`, tests/unit/test_learn.c):
 * the same rules as vw_decide.h (bounded loops through VW_LOOP, positions from
 * the loop index, masked indexes). Updates are atomic, so concurrent accesses
 * from several CPUs or preempted tasks lose nothing.
 */
#ifndef VW_LEARN_H
#define VW_LEARN_H

#include "vw_types.h"
#include "vw_decide.h"

#define VW_LEARN_WORDS  (VW_CFG_SIZE / 64)
#define VW_LEARN_DWORDS (VW_CFG_SIZE / 4)

/* One device (vw_learn map, indexed by counters slot). */
struct vw_learn {
	__u64 bits[2][VW_LEARN_WORDS];		/* [dir]: bit i%64 of word i/64 = byte i was touched */
	__u32 count[2][VW_LEARN_DWORDS];	/* [dir]: accesses that touched dword i */
};

struct vw_learn_ctx {
	struct vw_learn *l;
	__u32 off;	/* the access: [off, end) */
	__u32 end;
	__u32 dir;
};

/* Bits of one 64-byte word of the bitmap that [off, end) covers. */
static inline long vw_learn_word(__u64 index, void *ctx)
{
	struct vw_learn_ctx *c = ctx;
	__u32 w = (c->off >> 6) + (__u32)index, base = w << 6, lo, hi;
	__u64 mask;

	if (!c->l || base >= c->end)
		return 1;
	lo = c->off > base ? c->off - base : 0;
	hi = c->end - base >= 64 ? 64 : c->end - base;
	mask = hi >= 64 ? ~0ULL : (1ULL << (hi & 63)) - 1;
	mask &= ~((1ULL << (lo & 63)) - 1);
	__sync_fetch_and_or(&c->l->bits[c->dir & 1][w & (VW_LEARN_WORDS - 1)], mask);
	return 0;
}

/* One dword's counter. */
static inline long vw_learn_dword(__u64 index, void *ctx)
{
	struct vw_learn_ctx *c = ctx;
	__u32 d = (c->off >> 2) + (__u32)index;

	if (!c->l || (d << 2) >= c->end)
		return 1;
	__sync_fetch_and_add(&c->l->count[c->dir & 1][d & (VW_LEARN_DWORDS - 1)], 1);
	return 0;
}

/* Note one access of len bytes at off; bytes past config space do not exist. */
static inline void vw_learn_note(struct vw_learn *l, int dir, __u32 off, __u32 len)
{
	struct vw_learn_ctx c = {};
	__u32 end = off + len;

	if (end > VW_CFG_SIZE || end < off)
		end = VW_CFG_SIZE;
	if (!l || off >= end)
		return;
	c.l = l;
	c.off = off;
	c.end = end;
	c.dir = dir & 1;
	VW_LOOP(((end - 1) >> 6) - (off >> 6) + 1, vw_learn_word, &c);
	VW_LOOP(((end - 1) >> 2) - (off >> 2) + 1, vw_learn_dword, &c);
}

static inline int vw_learn_seen(const struct vw_learn *l, int dir, __u32 i)
{
	return i < VW_CFG_SIZE && ((l->bits[dir & 1][i >> 6] >> (i & 63)) & 1);
}

#endif /* VW_LEARN_H */
