/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `learn` makes of a recording: a least-privilege policy entry (allow
 * exactly the bytes seen, --else for the rest, never weaker than the base
 * policy where nothing was seen), and the `--diff` report. Host only; the
 * recording itself is include/vw_learn.h's.
 */
#ifndef VW_LEARN_POLICY_H
#define VW_LEARN_POLICY_H

#include <stdio.h>
#include "layout.h"
#include "policy.h"
#include "policy_write.h"
#include "vw_learn.h"

/* One learned entry: its selector and what the devices it covers did. */
struct vw_learned {
	struct vw_policy_entry key;	/* kind + bdf, or vendor + device_id */
	struct vw_learn seen;		/* union of the covered devices' recordings */
	struct vw_layout lay;		/* the layout of a covered device (they share IDs) */
	char bdf[VW_NAME_LEN];		/* that device */
	char devices[256];		/* the covered devices, for the comment */
};

/* Comments for the written policy, filled by vw_learn_build (write with vw_policy_comments_cb). */
#define vw_learn_notes vw_policy_comments

/*
 * Layer ld onto p (the base, in and out) with else_action (VW_AUDIT or
 * VW_DENY) for what was not seen. Per byte and direction the result is:
 * seen: allow (scrub where the base scrubs, deny where the base denies);
 * not seen: the stronger of else_action and the base. The entry is checked by
 * compiling the result for ld->lay and comparing every byte. 0, or -1 with a
 * message in err (too many ranges, a more specific base entry in the way).
 */
int vw_learn_build(struct vw_policy *p, const struct vw_learned *ld, int else_action,
		   struct vw_learn_notes *notes, char *err, size_t errlen);


/* The config-space register or capability byte off belongs to ("header command", "MSI-X (cap 0x11)");
 * owner: vw_layout_owners() of lay. */
void vw_learn_region_name(const struct vw_layout *lay, const int16_t owner[VW_CFG_SIZE], unsigned off, char *buf,
			  size_t len);

/*
 * `learn --diff`: the recorded accesses that policy p would audit or deny for
 * ld's devices, as merged ranges; returns how many ranges were printed.
 */
int vw_learn_diff(FILE *f, const struct vw_policy *p, const struct vw_learned *ld);

#endif
