// SPDX-License-Identifier: GPL-2.0
/*
 * Which bytes the veto judges for each way into a VFIO device file
 * (include/vw_extent.h): the judged range must always contain every byte the
 * access can reach, whatever another thread does to memory or the file
 * position; only pread64/pwrite64 (registers) are judged exactly.
 */
#include "vw_test.h"
#include "vw_extent.h"

#define CFGPOS(off) ((VW_CONFIG_REGION << VW_REGION_SHIFT) | (off))

static struct vw_reach reach(__u32 path, int write, int fd_ok, __u64 pos, __u64 count)
{
	struct vw_reach r;

	memset(&r, 0xa5, sizeof(r));	/* every field must be written */
	vw_reach_of(path, write, fd_ok, pos, count, &r);
	return r;
}

static void test_exact(void)
{
	struct vw_reach r = reach(VW_PATH_PREAD, 0, 1, CFGPOS(0x40), 4);

	CHECK_EQ(r.extent, VW_EXTENT_EXACT);
	CHECK_EQ(r.config, 1);
	CHECK_EQ(r.off, 0x40);
	CHECK_EQ(r.size, 4);
	r = reach(VW_PATH_PWRITE, 1, 1, CFGPOS(0x100), 8);
	CHECK_EQ(r.extent, VW_EXTENT_EXACT);
	CHECK_EQ(r.size, 8);
	/* BAR0 by pread: exact, and not config space (allowed, unjudged) */
	r = reach(VW_PATH_PREAD, 0, 1, 0x10, 4);
	CHECK_EQ(r.config, 0);
	/* a count near 2^64 wraps: judged to the end of config space */
	r = reach(VW_PATH_PWRITE, 1, 1, CFGPOS(0x10), ~0ULL - 4);
	CHECK_EQ(r.off, 0x10);
	CHECK_EQ(r.size, VW_CFG_SIZE - 0x10);
	CHECK(vw_reach_to_end(&r), "to the end");
	/* a huge count: the kernel's cap, past config space (vw_decide clamps) */
	r = reach(VW_PATH_PWRITE, 1, 1, CFGPOS(0x10), 1ULL << 40);
	CHECK_EQ(r.size, VW_MAX_RW_COUNT);
	CHECK(vw_reach_to_end(&r), "to the end");
	/* an offset past config space (vfio-pci refuses it) */
	r = reach(VW_PATH_PREAD, 0, 1, CFGPOS(0x5000), 4);
	CHECK_EQ(r.off, VW_CFG_SIZE);
	r = reach(VW_PATH_PREAD, 0, 1, CFGPOS(0xffc), 4);
	CHECK(vw_reach_to_end(&r), "0xffc+4 reaches the end");
	r = reach(VW_PATH_PREAD, 0, 1, CFGPOS(0xff8), 4);
	CHECK(!vw_reach_to_end(&r), "0xff8+4 does not");
}

/* Whatever the registers say, a mismatch with the syscall or the file means: unknown. */
static void test_untrusted_registers(void)
{
	struct vw_reach r;

	r = reach(VW_PATH_PREAD, 0, 0, CFGPOS(0x40), 4);	/* the fd names another file */
	CHECK_EQ(r.extent, VW_EXTENT_ANY);
	r = reach(VW_PATH_PREAD, 1, 1, CFGPOS(0x40), 4);	/* a write check inside pread64 */
	CHECK_EQ(r.extent, VW_EXTENT_ANY);
	r = reach(VW_PATH_PWRITE, 0, 1, CFGPOS(0x40), 4);
	CHECK_EQ(r.extent, VW_EXTENT_ANY);
	r = reach(VW_PATH_PREADV, 1, 0, CFGPOS(0x40), 0);
	CHECK_EQ(r.extent, VW_EXTENT_ANY);
	CHECK_EQ(r.off, 0);
	CHECK_EQ(r.size, VW_CFG_SIZE);
	CHECK_EQ(r.config, 1);
}

static void test_from_offset(void)
{
	struct vw_reach r = reach(VW_PATH_PWRITEV, 1, 0, CFGPOS(0x04), 0);

	CHECK_EQ(r.extent, VW_EXTENT_FROM_POS);
	CHECK_EQ(r.config, 1);
	CHECK_EQ(r.off, 4);
	CHECK_EQ(r.size, VW_CFG_SIZE - 4);
	r = reach(VW_PATH_PREADV, 0, 1, CFGPOS(0xffc), 0);	/* fd_ok is not needed */
	CHECK_EQ(r.extent, VW_EXTENT_FROM_POS);
	CHECK_EQ(r.off, 0xffc);
	/* preadv2 with offset -1 reads at the file position: unknown */
	r = reach(VW_PATH_PREADV, 0, 0, ~0ULL, 0);
	CHECK_EQ(r.extent, VW_EXTENT_ANY);
	/* a BAR by preadv: not config space */
	r = reach(VW_PATH_PREADV, 0, 0, 2ULL << VW_REGION_SHIFT, 0);
	CHECK_EQ(r.config, 0);
}

static void test_unknown_paths(void)
{
	static const __u32 paths[] = { VW_PATH_UNKNOWN, VW_PATH_READ, VW_PATH_WRITE, VW_PATH_READV,
				       VW_PATH_WRITEV, VW_PATH_IO_URING };
	unsigned i;
	int w;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		for (w = 0; w < 2; w++) {
			struct vw_reach r = reach(paths[i], w, 1, CFGPOS(0x40), 4);

			CHECK(r.extent == VW_EXTENT_ANY && r.config == 1 && r.off == 0 && r.size == VW_CFG_SIZE,
			      "path %u write %d: extent %u config %u [%llu, %llu)", paths[i], w, r.extent, r.config,
			      (unsigned long long)r.off, (unsigned long long)(r.off + r.size));
		}
}

/* The invariant, by brute force: the judged range holds every config byte the access can reach. */
static void test_containment(void)
{
	static const __u32 paths[] = { VW_PATH_PREAD, VW_PATH_PWRITE, VW_PATH_PREADV, VW_PATH_PWRITEV };
	unsigned i, off, len;

	for (i = 0; i < 4; i++)
		for (off = 0; off < VW_CFG_SIZE; off += 13)
			for (len = 1; len <= 64; len += 7) {
				int w = paths[i] == VW_PATH_PWRITE || paths[i] == VW_PATH_PWRITEV;
				struct vw_reach r = reach(paths[i], w, 1, CFGPOS(off), len);
				__u64 last = off + len > VW_CFG_SIZE ? VW_CFG_SIZE : off + len;

				if (!(r.config && r.off <= off && r.off + r.size >= last)) {
					CHECK(0, "path %u: [%u, +%u) not inside [%llu, %llu)", paths[i], off, len,
					      (unsigned long long)r.off, (unsigned long long)(r.off + r.size));
					return;
				}
			}
	CHECK(1, "containment");
}

int main(void)
{
	test_exact();
	test_untrusted_registers();
	test_from_offset();
	test_unknown_paths();
	test_containment();
	return vw_test_done();
}
