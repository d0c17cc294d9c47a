/* SPDX-License-Identifier: GPL-2.0 */
/* The VFIO device ioctls that change config space behind the guard: 'ioctls:' rules. */
#ifndef VW_SELFTEST_IOCTLS_H
#define VW_SELFTEST_IOCTLS_H

struct ioctls_opts {
	const char *bdf;	/* a vfio-pci device with a PM capability (e1000e): the ioctls go to it */
	const char *peer;	/* a second vfio-pci device in another group: the hot reset names it */
	const char *qemu_bdf;	/* a vfio-pci device nobody holds open: QEMU takes it */
	const char *rwdir;	/* for policy files */
	const char *evfile;	/* the event log `log` streams into (running) */
};

/* Run with vfio-warden attached and `log -o evfile` streaming; leaves the default policy. */
void test_ioctls(const struct ioctls_opts *o);

#endif
