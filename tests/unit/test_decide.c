// SPDX-License-Identifier: GPL-2.0
/*
 * The shared decision code (include/vw_decide.h), which the BPF programs run
 * too: vw_compile against an independent oracle that implements the
 * documented precedence directly, and vw_decide against brute force over the
 * bytes, on random policies and layouts.
 */
#include <stdlib.h>

#include "vw_test.h"
#include "vw_decide.h"

static unsigned rnd(unsigned n)
{
	return (unsigned)random() % n;
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

static void brute_decide(const struct vw_device *d, unsigned off, unsigned len, int write, int *act, unsigned *at)
{
	unsigned i, end = off + len > VW_CFG_SIZE ? VW_CFG_SIZE : off + len;

	*act = VW_ALLOW;
	*at = off;
	for (i = off; i < end; i++) {
		int a = vw_act_dir(d->act[i], write);

		if (a > *act) {
			*act = a;
			*at = i;
		}
	}
}

int main(void)
{
	static struct vw_profile prof[VW_NLAYERS];
	static struct vw_device dev;
	struct vw_profile *layers[VW_NLAYERS];
	int round, k, mismatches = 0, dmis = 0;

	srandom(12345);
	for (round = 0; round < 200; round++) {
		struct vw_compile_ctx c = {};
		unsigned off, q;

		rand_capmap(dev.cap);
		for (k = 0; k < VW_NLAYERS; k++) {
			rand_profile(&prof[k]);
			layers[k] = rnd(3) ? &prof[k] : NULL;
			c.layers[k] = layers[k];
		}
		c.cap = dev.cap;
		c.dev = &dev;
		vw_compile(&c);
		for (off = 0; off < VW_CFG_SIZE; off++) {
			mismatches += VW_ACT_READ(dev.act[off]) != oracle(layers, dev.cap, off, 0);
			mismatches += VW_ACT_WRITE(dev.act[off]) != (oracle(layers, dev.cap, off, 1) == VW_SCRUB ?
								   VW_AUDIT : oracle(layers, dev.cap, off, 1));
		}
		for (q = 0; q < 300; q++) {
			unsigned len = rnd(4) ? 1u << rnd(3) : 1 + rnd(VW_CFG_SIZE), at, bat;
			int write = rnd(2), a, ba;

			off = rnd(VW_CFG_SIZE);
			a = vw_decide(&dev, off, len, write, &at);
			brute_decide(&dev, off, len, write, &ba, &bat);
			if (a != ba || (a != VW_ALLOW && at != bat)) {
				if (!dmis++)
					fprintf(stderr, "decide(%u, %u, %d) = %d at %u, brute %d at %u\n",
						off, len, write, a, at, ba, bat);
			}
		}
	}
	CHECK_EQ(mismatches, 0);
	CHECK_EQ(dmis, 0);

	/* Edge cases the hot path meets. */
	memset(&dev, 0, sizeof(dev));
	{
		struct vw_compile_ctx c = {};
		unsigned at;

		memset(&prof[0], 0xff, sizeof(prof[0]));
		prof[0].header = VW_RULE(VW_ALLOW, VW_ALLOW);
		prof[0].unassigned = VW_RULE(VW_AUDIT, VW_DENY);
		prof[0].cap_any = VW_RULE(VW_ALLOW, VW_ALLOW);
		prof[0].nranges = 1;
		prof[0].ranges[0] = (struct vw_range){ .start = 0xf00, .len = 4, .rule = VW_RULE(VW_UNSET, VW_ALLOW) };
		memset(dev.cap, VW_CAP_UNASSIGNED, VW_CFG_SIZE);
		memset(dev.cap, 0, VW_HEADER_SIZE);
		memset(dev.cap + 0x40, 0x01, 8);	/* PM */
		c.layers[4] = &prof[0];
		c.cap = dev.cap;
		c.dev = &dev;
		vw_compile(&c);
		CHECK_EQ(vw_decide(&dev, 0x04, 2, 1, &at), VW_ALLOW);
		CHECK_EQ(vw_decide(&dev, 0xf00, 4, 1, &at), VW_ALLOW);	/* range allows writes */
		CHECK_EQ(vw_decide(&dev, 0xf00, 4, 0, &at), VW_AUDIT);	/* read falls to unassigned */
		CHECK_EQ(vw_decide(&dev, 0xefe, 4, 1, &at), VW_DENY);	/* straddles into the range */
		CHECK_EQ(at, 0xefe);
		CHECK_EQ(vw_decide(&dev, 0xf02, 4, 1, &at), VW_DENY);	/* straddles out of it */
		CHECK_EQ(at, 0xf04);
		CHECK_EQ(vw_decide(&dev, 0, 4096, 0, &at), VW_AUDIT);	/* the VMM's start-up read */
		CHECK_EQ(at, 0x48);
		CHECK_EQ(vw_decide(&dev, 0, 4096, 1, &at), VW_DENY);
		CHECK_EQ(at, 0x48);
		CHECK_EQ(vw_decide(&dev, 0xffe, 8, 1, &at), VW_DENY);	/* past the end: clamped */
		CHECK_EQ(vw_decide(&dev, 0x1000, 4, 1, &at), VW_ALLOW);	/* nothing there to judge */
		CHECK_EQ(vw_decide(&dev, 0xfffffffe, 4, 1, &at), VW_ALLOW);	/* wrap-around */
	}
	return vw_test_done();
}
