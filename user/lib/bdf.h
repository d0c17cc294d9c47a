/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hex digits and PCI addresses (BDF): the one grammar that policies, `map`
 * (sysfs names and lspci dumps), `dsn` and the loader all read.
 *
 * A BDF is [domain:]bus:device.function in hex, any case:
 *   domain    1-7 digits, 0 when left out. The kernel names a device with
 *             at least 4 ("%04x"); VMD domains start at 0x10000 and take 5.
 *             7 is what fits VW_NAME_LEN with its NUL.
 *   bus       1-2 digits
 *   device    1-2 digits, 00..1f
 *   function  1 digit, 0..7
 * Its canonical form is the kernel's device name, "%04x:%02x:%02x.%x"
 * ("0000:00:03.0", "10000:e0:06.0"), NUL-padded to VW_NAME_LEN, so that it
 * compares byte for byte with the names BPF reads from the kernel.
 */
#ifndef VW_BDF_H
#define VW_BDF_H

#include <stddef.h>
#include <stdint.h>
#include "vw_types.h"

#define VW_BDF_DOMAIN_DIGITS 7

/* The value of a hex digit (any case), or -1. */
int vw_hexval(int ch);
/* s[0..n) is mindig..maxdig hex digits (no prefix, nothing else): 0 and *v, or -1. */
int vw_hex_parse(const char *s, size_t n, size_t mindig, size_t maxdig, uint32_t *v);

/*
 * s[0..n) is a whole BDF: 0 and the canonical form in out, or -EINVAL and
 * *why says which part is wrong (for messages).
 */
int vw_bdf_parse(const char *s, size_t n, char out[VW_NAME_LEN], const char **why);
/* The same for a NUL-terminated string (NULL is not a BDF). */
int vw_bdf_canon(const char *in, char out[VW_NAME_LEN]);

#endif
