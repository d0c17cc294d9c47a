/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which config bytes an access can reach, as the veto can know them.
 *
 * security_file_permission() is told the file and the direction, not the
 * offset or the size. The veto takes them from what no other thread can
 * change once the syscall has begun: the syscall's own saved registers.
 * pread64/pwrite64 carry both there (every VMM we know uses them for config
 * space: QEMU, cloud-hypervisor, crosvm, DPDK, SPDK). preadv/pwritev carry
 * the position, but their lengths sit in the caller's iovec, which another
 * thread can rewrite after the kernel copied it. read/write/readv/writev
 * take the position from the file (f_pos, changed by concurrent reads on
 * the same file: VFIO files have no f_pos lock), io_uring from its own
 * memory. Those are judged over every byte they could reach: from the
 * position to the end of config space, or all of it (README "How it works", "Paths").
 *
 * No program on rw_verify_area() (which knows the exact extent) is used:
 * it would run for every read and write on the host (issue 11).
 */
#ifndef VW_EXTENT_H
#define VW_EXTENT_H

#include "vw_types.h"

enum vw_extent {
	VW_EXTENT_EXACT = 0,	/* pread64/pwrite64: (pos, count) from the registers */
	VW_EXTENT_FROM_POS,	/* preadv/pwritev(2): the position is known, the length is not */
	VW_EXTENT_ANY,		/* the position is not known either: all of config space */
};

struct vw_reach {
	__u32 off;		/* config offset of the first byte (VW_CFG_SIZE: past config space) */
	__u32 size;		/* bytes from there, at most VW_MAX_RW_COUNT; past config space
				 * counts as reaching its end (vw_decide) */
	__u16 config;		/* the access can reach config space (region 7) */
	__u16 extent;		/* enum vw_extent */
};

/* include/linux/fs.h MAX_RW_COUNT: read/write/readv cap a count there after rw_verify_area() */
#define VW_MAX_RW_COUNT (0x7fffffffULL & ~4095ULL)

/*
 * path: enum vw_path of the syscall; write: the direction being checked;
 * fd_ok: for pread/pwrite, the registers' fd names the file being checked;
 * pos, count: the registers' position and count (pread/pwrite), position
 * (preadv/pwritev; -1 from preadv2 means "the file's position").
 */
static inline void vw_reach_of(__u32 path, int write, int fd_ok, __u64 pos, __u64 count, struct vw_reach *r)
{
	int exact = fd_ok && path == (write ? VW_PATH_PWRITE : VW_PATH_PREAD);
	int from_pos = path == (write ? VW_PATH_PWRITEV : VW_PATH_PREADV) && (__s64)pos >= 0;
	__u64 start = pos & VW_POS_MASK, end;

	if (exact || from_pos) {
		r->extent = exact ? VW_EXTENT_EXACT : VW_EXTENT_FROM_POS;
		r->config = (pos >> VW_REGION_SHIFT) == VW_CONFIG_REGION;
		end = exact ? start + count : VW_CFG_SIZE;
		if (end < start)	/* count near 2^64: the kernel refuses it; judge to the end */
			end = VW_CFG_SIZE;
	} else {
		/* any region, any offset: judged as if it were config space, all of it */
		r->extent = VW_EXTENT_ANY;
		r->config = 1;
		start = 0;
		end = VW_CFG_SIZE;
	}
	r->off = start > VW_CFG_SIZE ? VW_CFG_SIZE : start;
	r->size = end - start > VW_MAX_RW_COUNT ? VW_MAX_RW_COUNT : end - start;
}

/* Judged up to (and past) the end of config space: every later byte of the access is covered. */
static inline int vw_reach_to_end(const struct vw_reach *r)
{
	return (__u64)r->off + r->size >= VW_CFG_SIZE;
}

#endif /* VW_EXTENT_H */
