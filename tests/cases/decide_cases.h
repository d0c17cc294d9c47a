/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generated cases for include/vw_decide.h, shared by the host unit test
 * (tests/unit/test_decide.c: the host build) and the VM test
 * (tests/vm/bytecode.c: the same cases through the BPF build), so both judge
 * exactly the same policies, layouts and queries: random policy layers over
 * a random region map, an oracle that implements the documented precedence
 * directly, and brute force over the bytes for decide.
 */
#ifndef VW_DECIDE_CASES_H
#define VW_DECIDE_CASES_H

#include "vw_decide.h"

/* A decide query. Fixed-size types: tests/bpf/selftest.h embeds it. */
struct vw_dc_query {
	__u32 off;
	__u32 len;
	__u32 write;
};

#ifndef __VW_BPF__	/* the generator and the references: host only */

#define VW_DC_SEED    12345
#define VW_DC_ROUNDS  200	/* compile rounds (random layers and region map) */
#define VW_DC_QUERIES 300	/* decide queries per round */

struct vw_dc_round {
	struct vw_profile prof[VW_NLAYERS];
	struct vw_profile *layers[VW_NLAYERS];	/* &prof[k], or NULL: no such layer */
	__u8 cap[VW_CFG_SIZE];			/* region map */
};

/* Restart the generator: the same seed gives the same rounds and queries. */
void vw_dc_seed(__u64 seed);
/* The next round's layers and region map. */
void vw_dc_round(struct vw_dc_round *r);
/* The next query: mostly 1, 2 or 4 bytes, some up to all of config space. */
void vw_dc_query(struct vw_dc_query *q);

/* Bytes of d->act[] whose read or write action differs from the oracle's
 * (d compiled from r; counted per direction). */
unsigned vw_dc_oracle_mismatches(const struct vw_dc_round *r, const struct vw_device *d);
/* Does (act, at) differ from brute force over d's bytes? (at only matters
 * when something is stronger than allow.) */
int vw_dc_decide_differs(const struct vw_device *d, const struct vw_dc_query *q, int act, __u32 at);

#endif /* !__VW_BPF__ */
#endif
