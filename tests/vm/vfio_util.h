/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio_util: the few VFIO operations the VM selftests and the demo need, done the way a VMM
 * does them: /dev/vfio/vfio container + /dev/vfio/GROUP + VFIO_GROUP_GET_DEVICE_FD, and
 * config space through region 7 (VFIO_PCI_CONFIG_REGION_INDEX) of the device fd.
 *
 * All functions that can fail return a negative errno (never set errno as their only
 * report); vw_errmsg() describes the last failure of the calling thread.
 *
 * Groups and the container are shared inside a process: a group file can be opened only
 * once, so a second device of the same group (or the same device opened again) reuses the
 * group already attached, and every group joins one type1 container. Reference counts close
 * them with the last device. Safe to call from several threads.
 */
#ifndef VW_VFIO_UTIL_H
#define VW_VFIO_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VW_CFG_REGION_INDEX 7 /* VFIO_PCI_CONFIG_REGION_INDEX */

struct vw_dev {
	int container;     /* /dev/vfio/vfio (shared; do not close) */
	int group;         /* /dev/vfio/GROUP (shared; do not close) */
	int fd;            /* the VFIO device file: pread/pwrite/ioctl it */
	int group_id;      /* N in /dev/vfio/N */
	char bdf[32];      /* "0000:00:0b.0" */
	uint64_t cfg_off;  /* file offset of config space: 7ULL << 40 */
	uint64_t cfg_size; /* 4096 for PCIe functions, 256 for conventional PCI */
};

/* Opens the VFIO device BDF (already bound to vfio-pci). 0 or -errno; on failure *dev
 * holds fd == -1 and nothing stays open. */
int vw_dev_open(struct vw_dev *dev, const char *bdf);
/* Closes the device fd, and the group/container when their last device goes. Idempotent. */
void vw_dev_close(struct vw_dev *dev);

/* Config-space access through the device fd at dev->cfg_off + off (pread/pwrite).
 * Return the byte count transferred, or -errno (e.g. the errno a BPF veto chose). */
ssize_t vw_cfg_pread(const struct vw_dev *dev, uint64_t off, void *buf, size_t len);
ssize_t vw_cfg_pwrite(const struct vw_dev *dev, uint64_t off, const void *buf, size_t len);
/* One 1-, 2- or 4-byte little-endian access; 0, -errno, or -EIO on a short transfer. */
int vw_cfg_read(const struct vw_dev *dev, uint64_t off, unsigned int size, uint32_t *val);
int vw_cfg_write(const struct vw_dev *dev, uint64_t off, unsigned int size, uint32_t val);
struct io_uring;
/* One io_uring read or write of config space, waited for: bytes or -errno. */
int vw_cfg_uring(struct io_uring *ring, const struct vw_dev *dev, int write, void *buf, unsigned int size,
		 uint64_t off);

/* VFIO_DEVICE_GET_REGION_INFO for any region index: offset, size, flags (any may be NULL). */
int vw_region_info(const struct vw_dev *dev, uint32_t index, uint64_t *offset, uint64_t *size,
		   uint32_t *flags);
/* VFIO_DEVICE_RESET (function-level or other reset). 0 or -errno. */
int vw_dev_reset(const struct vw_dev *dev);

/* /sys/bus/pci/devices/BDF/config, read by the kernel's PCI core and not through VFIO: the
 * reference to compare with (it shows the hardware, not vfio-pci's virtualized view).
 * Bytes read or -errno. */
ssize_t vw_sysfs_cfg_read(const char *bdf, uint64_t off, void *buf, size_t len);
/* The Power Management capability's offset, from sysfs; 0 if none. */
unsigned vw_pm_cap(const char *bdf);
/* The IOMMU group number of BDF, or -errno. */
int vw_iommu_group(const char *bdf);

/* Loads a KEY=value file (tests/vm/guest-setup.sh's env file) into the environment with
 * setenv(); existing variables are overwritten. 0 or -errno. */
int vw_env_load(const char *path);

/* What the last failing vw_* call of this thread was doing, with strerror; "" if none. */
const char *vw_errmsg(void);

#endif /* VW_VFIO_UTIL_H */
