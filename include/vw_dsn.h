/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device Serial Number (extended capability 0x0003): the two serial dwords
 * sit at +4..+11 of the capability. Shared by BPF (scrubbing a read in
 * flight) and the host (unit tests, `dsn` command).
 */
#ifndef VW_DSN_H
#define VW_DSN_H

#include "vw_types.h"

#define VW_EXT_CAP_DSN   0x03
#define VW_DSN_SERIAL_OFF 4	/* from the capability start */
#define VW_DSN_SERIAL_LEN 8

/*
 * The part of a read of [off, off+len) that overlaps the serial of a DSN
 * capability at dsn_off. Returns the number of overlapping bytes (0..8);
 * *buf_off is where they start in the reader's buffer, *ser_off where in the
 * 8 serial bytes (config-space order: low dword first, little endian).
 */
static inline __u32 vw_dsn_overlap(__u32 off, __u32 len, __u32 dsn_off, __u32 *buf_off, __u32 *ser_off)
{
	__u32 s = dsn_off + VW_DSN_SERIAL_OFF, e = s + VW_DSN_SERIAL_LEN;
	__u32 lo = off > s ? off : s, hi = off + len < e ? off + len : e;

	*buf_off = 0;
	*ser_off = 0;
	if (!dsn_off || off + len < off || lo >= hi)
		return 0;
	*buf_off = lo - off;
	*ser_off = lo - s;
	return hi - lo;
}

/* Byte i (0..7, config-space order) of a serial written as lspci prints it. */
static inline __u8 vw_dsn_byte(__u64 serial, __u32 i)
{
	return (__u8)(serial >> (8 * (i & 7)));
}

#endif
