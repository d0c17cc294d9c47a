/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vfio types the programs read, declared here because they live in
 * module BTF (vfio, vfio_pci_core) that the build host need not have. Only
 * the members used are listed; preserve_access_index makes every access a
 * CO-RE relocation resolved against the running kernel's module BTF. The
 * "___vw" flavour suffix keeps them apart from any vmlinux.h definition.
 */
#ifndef VW_VFIO_TYPES_H
#define VW_VFIO_TYPES_H

struct vfio_device___vw {
	struct device *dev;
} __attribute__((preserve_access_index));

/* 6.2+: file->private_data of a VFIO device file. 6.1 stores the vfio_device. */
struct vfio_device_file___vw {
	struct vfio_device___vw *device;
} __attribute__((preserve_access_index));

struct vfio_pci_core_device___vw {
	struct vfio_device___vw vdev;
	struct pci_dev *pdev;
	u8 *pci_config_map;
} __attribute__((preserve_access_index));

#endif
