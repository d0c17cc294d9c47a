// SPDX-License-Identifier: GPL-2.0
/* Generated cases, oracle and brute force for vw_decide.h: see decide_cases.h. */
#include <string.h>

#include "decide_cases.h"

static __u64 dc_state = VW_DC_SEED;

void vw_dc_seed(__u64 seed)
{
	dc_state = seed ? seed : 1;
}

static unsigned rnd(unsigned n)
{
	__u64 x = dc_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	dc_state = x;
	return (unsigned)((x >> 11) % n);
}

static __u8 rand_rule(void)
{
	static const __u8 dirs[] = { VW_ALLOW, VW_AUDIT, VW_DENY, VW_UNSET, VW_UNSET };

	return VW_RULE(dirs[rnd(5)], dirs[rnd(5)]);
}

static void rand_profile(struct vw_profile *p)
{
	unsigned i, n, pos = 0;

	memset(p, 0xff, sizeof(*p));	/* every rule unset */
	p->header = rand_rule();
	p->unassigned = rand_rule();
	p->cap_any = rand_rule();
	for (i = 0; i < 6; i++)
		p->std_cap[1 + rnd(0x14)] = rand_rule();
	for (i = 0; i < 6; i++)
		p->ext_cap[1 + rnd(0x20)] = rand_rule();
	n = rnd(VW_MAX_RANGES + 1);
	p->nranges = 0;
	for (i = 0; i < n && pos < VW_CFG_SIZE - 1; i++) {	/* sorted, non-overlapping */
		pos += rnd(400);
		if (pos >= VW_CFG_SIZE - 1)
			break;
		p->ranges[p->nranges].start = pos;
		p->ranges[p->nranges].len = 1 + rnd(VW_CFG_SIZE - pos < 200 ? VW_CFG_SIZE - pos : 200);
		p->ranges[p->nranges].rule = rand_rule();
		pos += p->ranges[p->nranges].len;
		p->nranges++;
	}
}

static void rand_capmap(__u8 *cap)
{
	unsigned off = VW_HEADER_SIZE;

	memset(cap, VW_CAP_UNASSIGNED, VW_CFG_SIZE);
	memset(cap, VW_CAP_HEADER, VW_HEADER_SIZE);
	while (off < VW_CFG_SIZE) {
		unsigned len = 4 + rnd(60);
		__u8 id = off < VW_STD_CFG_SIZE ? 1 + rnd(0x14) : 1 + rnd(0x20);

		if (off < VW_STD_CFG_SIZE && off + len > VW_STD_CFG_SIZE)
			len = VW_STD_CFG_SIZE - off;
		if (off + len > VW_CFG_SIZE)
			len = VW_CFG_SIZE - off;
		if (rnd(3))
			memset(cap + off, id, len);
		off += len + rnd(100);
	}
}

void vw_dc_round(struct vw_dc_round *r)
{
	int k;

	rand_capmap(r->cap);
	for (k = 0; k < VW_NLAYERS; k++) {
		rand_profile(&r->prof[k]);
		r->layers[k] = rnd(3) ? &r->prof[k] : NULL;
	}
}

void vw_dc_query(struct vw_dc_query *q)
{
	q->len = rnd(4) ? 1u << rnd(3) : 1 + rnd(VW_CFG_SIZE);
	q->write = rnd(2);
	q->off = rnd(VW_CFG_SIZE);
}

/* The precedence as README states it, written the obvious way. */
static int oracle(struct vw_profile *const *layers, const __u8 *cap, unsigned off, int write)
{
	int k, i;

	for (k = 0; k < VW_NLAYERS; k++) {
		const struct vw_profile *p = layers[k];
		__u8 r = VW_UNSET;

		if (!p)
			continue;
		for (i = 0; i < p->nranges; i++)
			if (off >= p->ranges[i].start && off < (unsigned)p->ranges[i].start + p->ranges[i].len)
				r = write ? VW_RULE_WRITE(p->ranges[i].rule) : VW_RULE_READ(p->ranges[i].rule);
		if (r == VW_UNSET && off >= VW_HEADER_SIZE && !vw_cap_is_unassigned(cap[off])) {
			__u8 s = off < VW_STD_CFG_SIZE ? p->std_cap[cap[off]] : p->ext_cap[cap[off]];
			/* a DSN's own read rule skips its header dword (walkable chain) */
			int dsn_hdr = off >= VW_STD_CFG_SIZE && cap[off] == VW_EXT_CAP_DSN &&
				      ((off & ~3u) == VW_STD_CFG_SIZE || cap[(off & ~3u) - 1] != VW_EXT_CAP_DSN);

			r = write ? VW_RULE_WRITE(s) : dsn_hdr ? VW_UNSET : VW_RULE_READ(s);
		}
		if (r == VW_UNSET) {
			__u8 c = off < VW_HEADER_SIZE ? p->header :
				 vw_cap_is_unassigned(cap[off]) ? p->unassigned : p->cap_any;

			r = write ? VW_RULE_WRITE(c) : VW_RULE_READ(c);
		}
		if (r != VW_UNSET)
			return r;
	}
	return VW_ALLOW;
}

unsigned vw_dc_oracle_mismatches(const struct vw_dc_round *r, const struct vw_device *d)
{
	unsigned off, bad = 0;

	for (off = 0; off < VW_CFG_SIZE; off++) {
		int w = oracle(r->layers, r->cap, off, 1);

		bad += VW_ACT_READ(d->act[off]) != oracle(r->layers, r->cap, off, 0);
		bad += VW_ACT_WRITE(d->act[off]) != (w == VW_SCRUB ? VW_AUDIT : w);
	}
	return bad;
}

int vw_dc_decide_differs(const struct vw_device *d, const struct vw_dc_query *q, int act, __u32 at)
{
	unsigned i, end = q->off + q->len > VW_CFG_SIZE ? VW_CFG_SIZE : q->off + q->len, bat = q->off;
	int ba = VW_ALLOW;

	for (i = q->off; i < end; i++) {
		int a = vw_act_dir(d->act[i], q->write);

		if (a > ba) {
			ba = a;
			bat = i;
		}
	}
	return act != ba || (act != VW_ALLOW && at != bat);
}
