/* SPDX-License-Identifier: GPL-2.0 */
/* Contention tests: many threads on one vCPU, so a fully preemptible kernel
 * preempts BPF programs mid-run (the case that skips tracing programs). */
#ifndef VW_SELFTEST_STRESS_H
#define VW_SELFTEST_STRESS_H

#include "vfio_util.h"

/* T writer threads alternate denied (unassigned) and allowed (command) writes
 * while readers read the DSN serial: no denied write may land, no real serial
 * may be read, every refusal of an allowed write must be accounted for. */
/* The kernel's preemption model as sched/preempt names it ("voluntary", "full",
 * "lazy", ...; from debugfs, mounted if needed), or "unknown". */
const char *preempt_model(void);

/* scrubbed: the policy scrubs the serial (0 under kernel lockdown: readers get it, audited) */
void test_preempt_stress(struct vw_dev *d, unsigned dsn_off, const uint8_t real_serial[8], int scrubbed);

#endif
