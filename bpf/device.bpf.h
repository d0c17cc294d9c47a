/* SPDX-License-Identifier: GPL-2.0 */
/*
 * From a struct file to the VFIO PCI device behind it: is this a VFIO device
 * file, which vfio_device, which PCI function (BDF, IDs), and vfio-pci's own
 * region map. CO-RE handles the 6.1 / 6.2+ difference in private_data.
 */
#ifndef VW_DEVICE_BPF_H
#define VW_DEVICE_BPF_H

#include "vfio_types.h"

/* Untyped ksym: resolved from kallsyms (module vfio) by libbpf at load. */
extern const void vfio_device_fops __ksym __weak;

static __always_inline int vw_is_vfio_device_file(struct file *file)
{
	const void *fops = &vfio_device_fops;

	return fops && file && file->f_op == fops;
}

/* The same for programs without BTF arguments (kprobes): f_op read by CO-RE. */
static __always_inline int vw_is_vfio_device_file_probed(struct file *file)
{
	const void *fops = &vfio_device_fops;

	return fops && file && BPF_CORE_READ(file, f_op) == fops;
}

/* file: a program argument (a trusted BTF pointer), so private_data is a plain load */
static __always_inline struct vfio_device___vw *vw_file_vdev(struct file *file)
{
	void *priv = file->private_data;

	if (!priv)
		return NULL;
	if (bpf_core_type_exists(struct vfio_device_file___vw))
		return BPF_CORE_READ((struct vfio_device_file___vw *)priv, device);
	return priv;	/* 6.1: private_data is the vfio_device itself */
}

struct vw_devinfo {
	struct vfio_device___vw *vdev;
	struct pci_dev *pdev;
	__u16 vendor;
	__u16 device_id;
	__u32 class_code;
	char bdf[VW_NAME_LEN];
};

/*
 * Fill *info for a VFIO device file. Returns 0 for a PCI device, -1 for any
 * other VFIO device (mdev, platform, ...): region 7 means something else there.
 */
/* A VFIO device's PCI identity; -1 if it is not a PCI device or has no name. */
static __always_inline int vw_devinfo_of(struct vfio_device___vw *vdev, struct vw_devinfo *info)
{
	/* plain locals: BPF_CORE_READ(info->x, ...) would relocate vw_devinfo too */
	const char *bus_name, *name;
	struct pci_dev *pdev;
	struct device *dev;
	char bus[4] = {};

	if (!vdev)
		return -1;
	dev = BPF_CORE_READ(vdev, dev);
	if (!dev)
		return -1;
	bus_name = BPF_CORE_READ(dev, bus, name);
	if (!bus_name || bpf_probe_read_kernel_str(bus, sizeof(bus), bus_name) != 4 ||
	    bus[0] != 'p' || bus[1] != 'c' || bus[2] != 'i')
		return -1;
	pdev = (struct pci_dev *)((void *)dev - bpf_core_field_offset(struct pci_dev, dev));
	info->vdev = vdev;
	info->pdev = pdev;
	info->vendor = BPF_CORE_READ(pdev, vendor);
	info->device_id = BPF_CORE_READ(pdev, device);
	info->class_code = BPF_CORE_READ(pdev, class) & 0xffffff;
	name = BPF_CORE_READ(dev, kobj.name);
	__builtin_memset(info->bdf, 0, sizeof(info->bdf));
	if (!name || bpf_probe_read_kernel_str(info->bdf, sizeof(info->bdf), name) < 0)
		return -1;
	return 0;
}

/* The same for the device behind an open VFIO device file. */
static __always_inline int vw_devinfo_get(struct file *file, struct vw_devinfo *info)
{
	return vw_devinfo_of(vw_file_vdev(file), info);
}

/* vfio-pci's per-byte capability map (allocated when the device is opened). */
static __always_inline const u8 *vw_vfio_config_map(struct vfio_device___vw *vdev)
{
	struct vfio_pci_core_device___vw *core =
		(void *)vdev - bpf_core_field_offset(struct vfio_pci_core_device___vw, vdev);

	return BPF_CORE_READ(core, pci_config_map);
}

/* Config space size of a PCI device: 256, or 4096 with extended config space. */
static __always_inline __u32 vw_cfg_size(struct pci_dev *pdev)
{
	int size = BPF_CORE_READ(pdev, cfg_size);

	return size > 256 ? VW_CFG_SIZE : 256;
}

/*
 * Copy vfio-pci's map (cfg_size bytes: it allocates no more) into a
 * VW_CFG_SIZE region map; bytes past the device's config space are
 * unassigned, as the loader's walk leaves them. noinline: inlined, it took a
 * stack slot in vw_compile_from_vfio, whose frame 6.1 cannot spare.
 */
static __noinline int vw_read_config_map(__u8 *dst, const u8 *map, struct pci_dev *pdev)
{
	__u32 i, cfg_size = vw_cfg_size(pdev);

	if (bpf_probe_read_kernel(dst, 256, map))
		return -1;
	if (cfg_size > 256)
		return bpf_probe_read_kernel(dst + 256, VW_CFG_SIZE - 256, map + 256) ? -1 : 0;
	for (i = 256 / 8; i < VW_CFG_SIZE / 8; i++) {
		__u64 ones = ~0ULL;

		asm volatile("" : "+r"(ones));	/* a store clang cannot fold into memset() */
		((__u64 *)dst)[i] = ones;
	}
	return 0;
}

#endif
