/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Issue 12 (security review, vfio-warden attacked as a hostile VMM): one VM
 * test per finding, each through the real VFIO device file.
 *   1. a DSN read that faults part-way leaves no real serial byte behind
 *   2. capabilities vfio-pci hides are unassigned, bound before or after attach
 *   3. reads that never reach vfio-pci do not count as skipped scrubs
 *   4. a 2^32-byte access is judged at the size the kernel uses
 * The campaign (attack.c) draws the fault and no-op reads from here too.
 */
#ifndef VW_SELFTEST_REVIEW_H
#define VW_SELFTEST_REVIEW_H

#include <stddef.h>
#include <stdint.h>
#include "vfio_util.h"

struct review_env {
	const char *e1, *igb, *nvme;	/* bound to vfio-pci before attach */
	const char *cxl;		/* CXL type 3 (DOE, DVSEC), or NULL when the VM has none */
	const char *evfile;		/* the running `log` */
	int locked;			/* lockdown=integrity: no scrub, the real serial */
	unsigned dsn;			/* the e1000e's DSN capability */
	const uint8_t *real_serial;	/* its serial, config-space order */
};

/* Everything above, attached with the default policy; leaves the state as it found it. */
void review_selftests(const struct review_env *env);

/*
 * Two pages, the second PROT_NONE: returns the end of the first (a read
 * whose buffer runs past it faults there), NULL on failure.
 */
uint8_t *review_fault_pages(void);

/*
 * A read of config [off, off+len) whose buffer ends `acc` bytes before the
 * PROT_NONE page: vfio-pci copies whole chunks until the one that faults.
 * Returns what pread returned (-errno on failure); *buf is where it wrote.
 */
long review_fault_read(const struct vw_dev *d, uint8_t *end, unsigned off, unsigned len, unsigned acc,
		       uint8_t **buf);

/* Serial bytes a buffer of `acc` bytes read at `off` holds from the real serial (dsn: capability). */
unsigned review_real_bytes(const uint8_t *buf, unsigned off, unsigned acc, unsigned dsn, const uint8_t *real);

/*
 * A read that the veto judges and the kernel then refuses before vfio-pci:
 * kind 0 splice, 1..4 preadv2 with RWF_NOWAIT/DSYNC/SYNC/APPEND. Returns -errno.
 */
#define REVIEW_NOOP_KINDS 5
long review_noop_read(const struct vw_dev *d, unsigned off, unsigned len, int kind);

/* Offset of the first extended capability `id` in a 4 KiB config-space copy, 0: none. */
unsigned review_ext_cap(const uint8_t cfg[4096], unsigned id);

#endif
