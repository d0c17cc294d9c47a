// SPDX-License-Identifier: GPL-2.0
/*
 * The shared decision code (include/vw_decide.h), which the BPF programs run
 * too: vw_compile against an independent oracle that implements the
 * documented precedence directly, and vw_decide against brute force over the
 * bytes, on random policies and layouts (tests/cases/decide_cases.c, which
 * tests/vm/bytecode.c runs through the BPF build too).
 */
#include "vw_test.h"
#include "decide_cases.h"

int main(void)
{
	static struct vw_dc_round r;
	static struct vw_profile prof[VW_NLAYERS];
	static struct vw_device dev;
	int round, k, mismatches = 0, dmis = 0;

	vw_dc_seed(VW_DC_SEED);
	for (round = 0; round < VW_DC_ROUNDS; round++) {
		struct vw_compile_ctx c = {};
		unsigned q;

		vw_dc_round(&r);
		memcpy(dev.cap, r.cap, sizeof(dev.cap));
		for (k = 0; k < VW_NLAYERS; k++)
			c.layers[k] = r.layers[k];
		c.cap = dev.cap;
		c.dev = &dev;
		vw_compile(&c);
		mismatches += vw_dc_oracle_mismatches(&r, &dev);
		for (q = 0; q < VW_DC_QUERIES; q++) {
			struct vw_dc_query dq;
			unsigned at;
			int a;

			vw_dc_query(&dq);
			a = vw_decide(&dev, dq.off, dq.len, dq.write, &at);
			if (vw_dc_decide_differs(&dev, &dq, a, at) && !dmis++)
				fprintf(stderr, "decide(%u, %u, %d) = %d at %u differs from brute force\n",
					dq.off, dq.len, dq.write, a, at);
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
