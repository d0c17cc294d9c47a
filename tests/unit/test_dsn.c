// SPDX-License-Identifier: GPL-2.0
/*
 * DSN scrubbing arithmetic (include/vw_dsn.h, run by BPF on every scrubbed
 * read) against brute force for every offset/size pair that can touch the
 * serial, and the compile rules that keep a DSN's header readable.
 */
#include "vw_test.h"
#include "vw_decide.h"

/* What a scrubbed reader must see: byte by byte. */
static void brute(__u32 off, __u32 len, __u32 dsn, __u64 serial, const __u8 *real, __u8 *out)
{
	__u32 i;

	for (i = 0; i < len; i++) {
		__u32 b = off + i;

		out[i] = b >= dsn + 4 && b < dsn + 12 ? vw_dsn_byte(serial, b - dsn - 4) : real[b];
	}
}

static void apply(__u32 off, __u32 len, __u32 dsn, __u64 serial, const __u8 *real, __u8 *out)
{
	__u32 bo, so, n, k;

	memcpy(out, real + off, len);
	n = vw_dsn_overlap(off, len, dsn, &bo, &so);
	for (k = 0; k < n; k++)
		out[bo + k] = vw_dsn_byte(serial, so + k);
}

int main(void)
{
	static __u8 real[VW_CFG_SIZE];
	static __u8 a[VW_CFG_SIZE], b[VW_CFG_SIZE];
	const __u32 dsns[] = { 0x100, 0x140, 0xff0 - 4 };
	const __u64 serials[] = { 0, 0x0011223344556677ULL, 0x525400ffff123456ULL };
	__u32 d, si, off, len, bad = 0, cases = 0;

	for (off = 0; off < VW_CFG_SIZE; off++)
		real[off] = (__u8)(off * 7 + 3);
	for (d = 0; d < 3; d++)
		for (si = 0; si < 3; si++)
			for (off = dsns[d] - 16; off < dsns[d] + 24 && off < VW_CFG_SIZE; off++)
				for (len = 1; len <= 16 || len == VW_CFG_SIZE; len = len == 16 ? VW_CFG_SIZE : len + 1) {
					__u32 l = off + len > VW_CFG_SIZE ? VW_CFG_SIZE - off : len;

					brute(off, l, dsns[d], serials[si], real, a);
					apply(off, l, dsns[d], serials[si], real, b);
					bad += memcmp(a, b, l) != 0;
					cases++;
				}
	CHECK_EQ(bad, 0);
	CHECK(cases > 5000, "%u cases", cases);
	{	/* the whole 4 KiB read: exactly the 8 serial bytes change */
		__u32 bo, so;

		CHECK_EQ(vw_dsn_overlap(0, VW_CFG_SIZE, 0x140, &bo, &so), 8);
		CHECK_EQ(bo, 0x144);
		CHECK_EQ(so, 0);
		CHECK_EQ(vw_dsn_overlap(0x147, 2, 0x140, &bo, &so), 2);
		CHECK_EQ(so, 3);
		CHECK_EQ(vw_dsn_overlap(0x140, 4, 0x140, &bo, &so), 0);	/* header: real */
		CHECK_EQ(vw_dsn_overlap(0x14c, 4, 0x140, &bo, &so), 0);	/* after: real */
		CHECK_EQ(vw_dsn_overlap(0x144, 8, 0, &bo, &so), 0);	/* no DSN */
		CHECK_EQ(vw_dsn_byte(0x525400ffff123456ULL, 0), 0x56);	/* lspci order: last printed first */
		CHECK_EQ(vw_dsn_byte(0x525400ffff123456ULL, 7), 0x52);
	}
	{	/* compile: DSN found; its read rule spares the header dword */
		static struct vw_profile p;
		static struct vw_device dev;
		struct vw_compile_ctx c = {};
		__u32 at;

		memset(&p, 0xff, sizeof(p));
		p.header = p.cap_any = VW_RULE(VW_ALLOW, VW_ALLOW);
		p.unassigned = VW_RULE(VW_AUDIT, VW_DENY);
		p.ext_cap[VW_EXT_CAP_DSN] = VW_RULE(VW_DENY, VW_DENY);
		memset(dev.cap, VW_CAP_UNASSIGNED, VW_CFG_SIZE);
		memset(dev.cap, 0, VW_HEADER_SIZE);
		memset(dev.cap + 0x100, 0x01, 0x38);	/* AER */
		memset(dev.cap + 0x140, VW_EXT_CAP_DSN, 12);
		c.layers[4] = &p;
		c.cap = dev.cap;
		c.dev = &dev;
		vw_compile(&c);
		CHECK_EQ(dev.dsn_off, 0x140);
		CHECK_EQ(vw_decide(&dev, 0x140, 4, 0, &at), VW_ALLOW);	/* header dword stays readable */
		CHECK_EQ(vw_decide(&dev, 0x140, 4, 1, &at), VW_DENY);	/* ...but not writable */
		CHECK_EQ(vw_decide(&dev, 0x144, 4, 0, &at), VW_DENY);
		CHECK_EQ(vw_decide(&dev, 0x143, 2, 0, &at), VW_DENY);
		CHECK_EQ(at, 0x144);
		p.ext_cap[VW_EXT_CAP_DSN] = VW_RULE(VW_SCRUB, VW_DENY);
		vw_compile(&c);
		CHECK_EQ(vw_decide(&dev, 0, VW_CFG_SIZE, 0, &at), VW_SCRUB);	/* scrub outranks audit */
		CHECK_EQ(at, 0x144);
		memset(dev.cap + 0x140, VW_CAP_UNASSIGNED, 12);
		vw_compile(&c);
		CHECK_EQ(dev.dsn_off, 0);	/* recompiled scratch forgets the old DSN */
	}
	return vw_test_done();
}
