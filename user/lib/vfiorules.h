/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which capabilities vfio-pci shows a guest, and how many bytes of each: its
 * pci_cap_length[] and pci_ext_cap_length[] (drivers/vfio/pci/vfio_pci_config.c).
 * A 0 there hides the capability: vfio-pci unlinks it from the guest's chain
 * and its bytes become unassigned config space, which vfio-pci passes through
 * raw. 0xff: the length is read from the capability (layout.c, "vfio-pci").
 */
#ifndef VW_VFIORULES_H
#define VW_VFIORULES_H

#include <stdint.h>

struct vw_vfio_rules {
	const char *name;	/* the kernels whose vfio-pci has these tables: "6.1-6.3", "6.4-6.19", ... */
	uint8_t pcie_v2_len;	/* PCI_CAP_EXP_ENDPOINT_SIZEOF_V2: 0x32 or 0x34 (vfiorules.c) */
	uint8_t std_max;	/* PCI_CAP_ID_MAX: higher IDs are hidden */
	uint8_t ext_max;	/* PCI_EXT_CAP_ID_MAX */
	uint8_t std_len[0x20];
	uint16_t ext_len[0x40];
};

/* The rules of the vfio-pci that runs here (uname), unless vw_vfio_rules_use() chose others. */
const struct vw_vfio_rules *vw_vfio_rules(void);
/* The rules of a kernel release ("6.1.0-57-amd64", "6.12.117+deb12-amd64", "7.3"). */
const struct vw_vfio_rules *vw_vfio_rules_for(const char *release);
/* Use these from now on (NULL: this host's again): the unit tests, a dump from elsewhere. */
void vw_vfio_rules_use(const struct vw_vfio_rules *r);

#endif
