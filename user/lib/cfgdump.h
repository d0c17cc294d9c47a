/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Getting a device's config space without touching the device's driver:
 * from sysfs (/sys/bus/pci/devices/BDF/config), from an `lspci -xxxx` text
 * dump (one or several devices, optionally with -vvv decode text), or from a
 * raw binary dump of 256 or 4096 bytes. Used by `map` and the loader.
 */
#ifndef VW_CFGDUMP_H
#define VW_CFGDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bdf.h"
#include "vw_types.h"

#define VW_CFG_SYSFS_ROOT "/sys/bus/pci/devices"
#define VW_CFG_MAX_FILE   (64u << 20)	/* larger files are not config dumps */

/*
 * Load config space from target, detected in this order:
 *   "-"                  a dump (lspci text or raw) read from stdin;
 *   an existing file     lspci text if it starts like lspci output (a device
 *                        line "00:0a.0 ..." or a hex line "00: 86 80 ..."),
 *                        else a raw dump of exactly 256 or 4096 bytes;
 *   a BDF, no such file  sysfs: "0000:00:03.0" or "00:03.0".
 * want_bdf (NULL: the first device) picks a device in a multi-device lspci
 * dump; for sysfs it must name the same device; raw dumps reject it.
 * On success fills buf[0..*size) with *size 64 (lspci -x), 256 or 4096 and
 * bdf_out with the canonical BDF ("" for raw dumps and unnamed hex-only
 * dumps) and returns 0. On failure returns -errno and writes a message that
 * names target into err.
 */
int vw_cfg_load(const char *target, const char *want_bdf, uint8_t buf[VW_CFG_SIZE],
		size_t *size, char bdf_out[VW_NAME_LEN], char *err, size_t errlen);

/*
 * sysfs only: BDF/config under VW_CFG_SYSFS_ROOT. Fails (-EACCES) when only
 * the 64-byte header is readable (not root). *size is 256 or 4096.
 */
int vw_cfg_read_sysfs(const char *bdf, uint8_t buf[VW_CFG_SIZE], size_t *size,
		      char *err, size_t errlen);
/* The same under another root (tests use a fake tree); bdf_out may be NULL. */
int vw_cfg_read_sysfs_at(const char *root, const char *bdf, uint8_t buf[VW_CFG_SIZE],
			 size_t *size, char bdf_out[VW_NAME_LEN], char *err, size_t errlen);

/* File contents already in memory: lspci text or raw, as vw_cfg_load does. */
int vw_cfg_parse(const uint8_t *data, size_t len, const char *want_bdf,
		 uint8_t buf[VW_CFG_SIZE], size_t *size, char bdf_out[VW_NAME_LEN],
		 char *err, size_t errlen);

/* lspci text only. */
int vw_cfg_parse_lspci(const char *text, size_t len, const char *want_bdf,
		       uint8_t buf[VW_CFG_SIZE], size_t *size, char bdf_out[VW_NAME_LEN],
		       char *err, size_t errlen);

/* Does the text start like lspci output (first non-blank line)? */
bool vw_cfg_is_lspci(const char *text, size_t len);

/*
 * Devices in an lspci dump, in order: up to max canonical BDFs into bdfs.
 * Returns how many devices the dump has (may exceed max), or -errno.
 */
int vw_cfg_list_lspci(const char *text, size_t len, char (*bdfs)[VW_NAME_LEN], int max,
		      char *err, size_t errlen);

/*
 * bdf.h's vw_bdf_canon under its old name, for callers not moved yet
 * (cmd_dsn.c). New code calls vw_bdf_canon.
 */
static inline int vw_cfg_bdf_canon(const char *in, char out[VW_NAME_LEN])
{
	return vw_bdf_canon(in, out);
}

#endif
