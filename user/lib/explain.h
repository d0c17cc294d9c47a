/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A device's compiled policy plus, per byte, the rule that decided it: what
 * `map` prints and `check` inspects. The decision itself is vw_decide.h's.
 */
#ifndef VW_EXPLAIN_H
#define VW_EXPLAIN_H

#include "layout.h"
#include "policy.h"

#define VW_MAX_RULE_NAMES 256

struct vw_explained {
	struct vw_device dev;		/* act[] as the kernel would enforce it */
	int layers[VW_NLAYERS];		/* policy entry per layer, -1 none */
	int rule[VW_CFG_SIZE];		/* index into names[], -1: nothing decided (allow) */
	int nnames;
	char names[VW_MAX_RULE_NAMES][320];
};

/* Compile policy p for a device with layout lay (bdf may be "" for dumps). */
void vw_explain(const struct vw_policy *p, const struct vw_layout *lay, const char *bdf,
		struct vw_explained *out);

#endif
