/* SPDX-License-Identifier: GPL-2.0 */
/* PCI devices as sysfs shows them: which are bound to a vfio driver. */
#ifndef VW_SYSDEV_H
#define VW_SYSDEV_H

#include <stdint.h>
#include "vw_types.h"

#define VW_SYSFS_PCI "/sys/bus/pci/devices"

struct vw_sysdev {
	char bdf[VW_NAME_LEN];
	char driver[64];	/* "vfio-pci", a variant driver, or "" */
	uint16_t vendor;
	uint16_t device_id;
	uint32_t class_code;
};

/* Devices bound to any vfio PCI driver (name contains "vfio"); count or -errno. */
int vw_sysdev_list_vfio(struct vw_sysdev *out, int max);
/* One device's identity and driver; 0 or -ENOENT. */
int vw_sysdev_get(const char *bdf, struct vw_sysdev *out);

#endif
