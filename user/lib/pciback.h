/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `import pciback`: Xen pciback quirk lines, as written to
 * /sys/bus/pci/drivers/pciback/quirks (DDDD:BB:DD.F-REG:SIZE:MASK, all hex,
 * the domain optional as pciback's own parser allows), turned into
 * allowed-write ranges: a field pciback lets the guest write through becomes
 * bytes REG..REG+SIZE-1 of that device with `write: allow`.
 */
#ifndef VW_PCIBACK_H
#define VW_PCIBACK_H

#include <stddef.h>
#include <stdint.h>
#include "policy.h"
#include "policy_write.h"

#define VW_PCIBACK_MAX 1024	/* quirk lines per file */

struct vw_quirk {
	char bdf[VW_NAME_LEN];
	uint32_t reg, size, mask;
	int line;
};

/*
 * Parse text (blank lines and '#' comments skipped). Returns the number of
 * quirks, or -1 when any line is malformed: err then lists every such line as
 * "NAME:LINE: message", one per line.
 */
int vw_pciback_parse(const char *name, const char *text, size_t len, struct vw_quirk *out, int max,
		     char *err, size_t errlen);

/* Comments for the written policy (one per range: the lines it came from); vw_policy_comments_cb writes them. */
#define vw_pciback_notes vw_policy_comments

/*
 * Add the quirks to p as bdf entries with write-allow ranges, overlapping and
 * adjacent fields merged. 0, or -1 with err (too many ranges or devices, or a
 * range of the base's entry for that device in the way).
 */
int vw_pciback_apply(struct vw_policy *p, const struct vw_quirk *q, int n, struct vw_pciback_notes *notes,
		     char *err, size_t errlen);

#endif
