/* SPDX-License-Identifier: GPL-2.0 */
/* `learn` against a real VMM (QEMU as the VFIO client), a read flood, and `import pciback`. */
#ifndef VW_SELFTEST_LEARN_H
#define VW_SELFTEST_LEARN_H

struct learn_opts {
	const char *bdf;	/* a vfio-pci device nobody holds open (QEMU takes it) */
	const char *rwdir;	/* for the learned policies and QEMU's logs */
};

/* Run with vfio-warden attached (default policy) and no `log` streaming; leaves the default policy loaded. */
void test_learn(const struct learn_opts *o);

#endif
