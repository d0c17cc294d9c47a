/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing a policy into the pinned (or freshly loaded) maps. A policy goes
 * into the inactive generation and becomes live with one 4-byte write of
 * vw_active_gen, so no access is ever judged by a half-written policy.
 */
#ifndef VW_APPLY_H
#define VW_APPLY_H

#include "pinned.h"
#include "policy.h"
#include "sysdev.h"

struct vw_applied_dev {
	struct vw_sysdev sys;
	int layers[VW_NLAYERS];	/* policy entry per layer, -1 none */
	int ncaps;
	int nwarnings;
	char status[96];	/* "ok" or why the device was left to vfio's map */
};

struct vw_apply_report {
	unsigned gen;
	int ndevs;
	struct vw_applied_dev devs[VW_MAX_DEVICES];
};

/* Fill generation gen (profiles, selectors, compiled devices); does not flip. */
int vw_apply_policy(const struct vw_maps *m, const struct vw_policy *p, unsigned gen,
		    struct vw_apply_report *rep);
/* Make gen the live generation. */
int vw_flip_gen(const struct vw_maps *m, unsigned gen);
/* Detaching: the vetoes stop judging (set before the links are unpinned).
 * Takes the vw_active_gen map alone: detach must work on any build's pins. */
int vw_retire(int active_gen_fd);
/* Undo vw_retire: the vetoes judge again (an interrupted detach re-armed). */
int vw_rearm(int active_gen_fd);
/* Whether vw_retire was called on the map: 1, 0, or -errno. */
int vw_is_retired(int active_gen_fd);
int vw_read_active_gen(const struct vw_maps *m, unsigned *gen);
/* Remember what is attached (for status): policy source, labels, devices. */
int vw_write_policy_info(const struct vw_policy *p, const struct vw_apply_report *rep);

#endif
