/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VW_ATTACH_H
#define VW_ATTACH_H

#include "policy.h"
#include "vw_tph_rev.h"
#include "vw_aggregate.h"

struct vw_attach_opts {
	const struct vw_policy *policy;
	unsigned ringbuf_size;	/* bytes, power of two >= 4096; 0 = default 1 MiB */
	int quiet;
	int lockdown;	/* enum vw_lockdown: the policy was adapted to it (lockdown.h) */
	const struct vw_tph_rev *tph_rev;	/* the TPH uAPI revision to judge; NULL: revision 1 */
};

/* Load, fill maps, attach, pin under VW_PIN_DIR. Returns an enum vw_exit code. */
int vw_attach(const struct vw_attach_opts *o);
/* Unpin everything and wait until the kernel has let go of every program, so the
 * next access sees plain vfio-pci. Returns enum vw_exit. */
int vw_detach(int quiet);
/*
 * A detach killed after it stood the vetoes down (vw_pinned_retired): re-arm
 * the programs if may_rearm and every link is still pinned, else finish the
 * detach. Caller holds the lock. Returns a VW_RECOVER_* or -enum vw_exit.
 */
enum { VW_RECOVER_DETACHED, VW_RECOVER_REARMED };
int vw_recover_detach(const char *what, int may_rearm);
/*
 * Test hook: VW_TEST_STOP_AT=STEP stops the process (SIGSTOP) at that step of a
 * detach, so a VM test can kill -9 it exactly there (tests/vm/lifecycle.c).
 * Steps: retired, settled, unpin-first, unpinned; run-retired (run's shutdown).
 */
void vw_test_stop_at(const char *step);
/* Once the vetoes stand down, every vw_agg entry ends within two windows (its count
 * sent to the ring buffer): wait until the map behind map_fd is empty. 0, -ETIMEDOUT. */
#define VW_AGG_SETTLE_MS (2 * (int)(VW_AGG_WINDOW_NS / 1000000) + 1000)
int vw_agg_wait_empty(int map_fd, int timeout_ms);

#endif
