/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VW_LIFECYCLE_H
#define VW_LIFECYCLE_H

struct vw_dev;

/* detach (and run's shutdown) killed at each step: status/metrics/exit code, attach re-arms.
 * Expects nothing attached; leaves nothing attached. */
void test_detach_interrupted(struct vw_dev *d);
/* `log -o FILE` killed `kills` times under a flood of bdf: whole lines, no repeats, exact sum. */
void test_log_kill9(const char *bdf, const char *rwdir, int kills);

#endif
