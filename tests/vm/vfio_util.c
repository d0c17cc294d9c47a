// SPDX-License-Identifier: GPL-2.0
/* VFIO helpers for the VM selftests and the demo; see vfio_util.h. */
#include "vfio_util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <liburing.h>
#include <linux/vfio.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static __thread char errbuf[256];

const char *vw_errmsg(void)
{
	return errbuf;
}

/* Records what failed and returns -err (err > 0). */
static int fail(int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(errbuf))
		snprintf(errbuf + n, sizeof(errbuf) - n, ": %s", strerror(err));
	return -err;
}

/* One container for the process; each group attaches to it once and is shared by all its
 * devices (a group file can be open only once). */
#define MAX_GROUPS 64
static struct {
	pthread_mutex_t lock;
	int container;
	int container_refs; /* groups attached */
	struct {
		int id, fd, refs; /* refs: devices open through it */
	} groups[MAX_GROUPS];
	int ngroups;
} reg = { .lock = PTHREAD_MUTEX_INITIALIZER, .container = -1 };

int vw_iommu_group(const char *bdf)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *slash;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return fail(errno, "%s has no IOMMU group (readlink %s)", bdf, path);
	link[n] = '\0';
	slash = strrchr(link, '/');
	return atoi(slash ? slash + 1 : link);
}

/* With reg.lock held: returns the container fd with a reference taken for one more group. */
static int container_get(void)
{
	int fd;

	if (reg.container >= 0) {
		reg.container_refs++;
		return reg.container;
	}
	fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, "open /dev/vfio/vfio (is vfio-pci loaded?)");
	if (ioctl(fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		close(fd);
		return fail(EINVAL, "VFIO_GET_API_VERSION is not %d", VFIO_API_VERSION);
	}
	if (ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) <= 0) {
		close(fd);
		return fail(ENOTSUP, "container lacks VFIO_TYPE1_IOMMU (vfio_iommu_type1 loaded?)");
	}
	reg.container = fd;
	reg.container_refs = 1;
	return fd;
}

static void container_put(void)
{
	if (--reg.container_refs == 0) {
		close(reg.container);
		reg.container = -1;
	}
}

/* With reg.lock held: the group's fd, attached to the container, with one more device ref. */
static int group_get(int id)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int i, fd, container, type;

	for (i = 0; i < reg.ngroups; i++) {
		if (reg.groups[i].id == id) {
			reg.groups[i].refs++;
			return reg.groups[i].fd;
		}
	}
	if (reg.ngroups == MAX_GROUPS)
		return fail(ENOSPC, "more than %d IOMMU groups open", MAX_GROUPS);

	snprintf(path, sizeof(path), "/dev/vfio/%d", id);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) /* EBUSY: another process (or an fd this registry does not know) has it */
		return fail(errno, "open %s", path);
	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &status) < 0) {
		int err = fail(errno, "VFIO_GROUP_GET_STATUS %s", path);
		close(fd);
		return err;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		close(fd);
		return fail(EBUSY, "group %d not viable (a device in it is not bound to vfio-pci)",
			    id);
	}
	container = container_get();
	if (container < 0) {
		close(fd);
		return container;
	}
	/* A group file opens only once, so a fresh one is never in a container yet. */
	if (ioctl(fd, VFIO_GROUP_SET_CONTAINER, &container) < 0) {
		int err = fail(errno, "VFIO_GROUP_SET_CONTAINER %s", path);
		close(fd);
		container_put();
		return err;
	}
	/* The IOMMU model is set once per container, by its first group; the container drops
	 * it when its last group leaves, and container_put then closes the container. */
	if (reg.container_refs == 1) {
		type = ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0 ?
			       VFIO_TYPE1v2_IOMMU : VFIO_TYPE1_IOMMU;
		if (ioctl(container, VFIO_SET_IOMMU, type) < 0) {
			int err = fail(errno, "VFIO_SET_IOMMU %s",
				       type == VFIO_TYPE1v2_IOMMU ? "type1v2" : "type1");
			close(fd); /* detaches the group */
			container_put();
			return err;
		}
	}
	reg.groups[reg.ngroups].id = id;
	reg.groups[reg.ngroups].fd = fd;
	reg.groups[reg.ngroups].refs = 1;
	reg.ngroups++;
	return fd;
}

static void group_put(int fd)
{
	int i;

	for (i = 0; i < reg.ngroups; i++) {
		if (reg.groups[i].fd != fd)
			continue;
		if (--reg.groups[i].refs == 0) {
			close(fd); /* also takes the group out of the container */
			reg.groups[i] = reg.groups[--reg.ngroups];
			container_put();
		}
		return;
	}
}

int vw_region_info(const struct vw_dev *dev, uint32_t index, uint64_t *offset, uint64_t *size,
		   uint32_t *flags)
{
	struct vfio_region_info info = { .argsz = sizeof(info), .index = index };

	if (ioctl(dev->fd, VFIO_DEVICE_GET_REGION_INFO, &info) < 0)
		return fail(errno, "%s: VFIO_DEVICE_GET_REGION_INFO %u", dev->bdf, index);
	if (offset)
		*offset = info.offset;
	if (size)
		*size = info.size;
	if (flags)
		*flags = info.flags;
	return 0;
}

int vw_dev_open(struct vw_dev *dev, const char *bdf)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int id, group, fd, err;

	memset(dev, 0, sizeof(*dev));
	dev->container = dev->group = dev->fd = -1;
	if (snprintf(dev->bdf, sizeof(dev->bdf), "%s", bdf) >= (int)sizeof(dev->bdf))
		return fail(EINVAL, "BDF too long: %s", bdf);
	id = vw_iommu_group(bdf);
	if (id < 0)
		return id;

	pthread_mutex_lock(&reg.lock);
	group = group_get(id);
	if (group < 0) {
		pthread_mutex_unlock(&reg.lock);
		return group;
	}
	fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (fd < 0) {
		err = fail(errno, "VFIO_GROUP_GET_DEVICE_FD %s (bound to vfio-pci?)", bdf);
		group_put(group);
		pthread_mutex_unlock(&reg.lock);
		return err;
	}
	dev->container = reg.container;
	pthread_mutex_unlock(&reg.lock);
	dev->group = group;
	dev->group_id = id;
	dev->fd = fd;

	if (ioctl(fd, VFIO_DEVICE_GET_INFO, &info) < 0) {
		err = fail(errno, "%s: VFIO_DEVICE_GET_INFO", bdf);
		goto out_close;
	}
	if (!(info.flags & VFIO_DEVICE_FLAGS_PCI) || info.num_regions <= VW_CFG_REGION_INDEX) {
		err = fail(ENODEV, "%s is not a vfio-pci device", bdf);
		goto out_close;
	}
	err = vw_region_info(dev, VW_CFG_REGION_INDEX, &dev->cfg_off, &dev->cfg_size, NULL);
	if (err)
		goto out_close;
	return 0;

out_close:
	vw_dev_close(dev);
	return err;
}

void vw_dev_close(struct vw_dev *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	if (dev->group >= 0) {
		pthread_mutex_lock(&reg.lock);
		group_put(dev->group);
		pthread_mutex_unlock(&reg.lock);
	}
	dev->container = dev->group = dev->fd = -1;
}

ssize_t vw_cfg_pread(const struct vw_dev *dev, uint64_t off, void *buf, size_t len)
{
	ssize_t n = pread(dev->fd, buf, len, (off_t)(dev->cfg_off + off));

	if (n < 0)
		return fail(errno, "%s: config pread %zu@0x%llx", dev->bdf, len,
			    (unsigned long long)off);
	return n;
}

ssize_t vw_cfg_pwrite(const struct vw_dev *dev, uint64_t off, const void *buf, size_t len)
{
	ssize_t n = pwrite(dev->fd, buf, len, (off_t)(dev->cfg_off + off));

	if (n < 0)
		return fail(errno, "%s: config pwrite %zu@0x%llx", dev->bdf, len,
			    (unsigned long long)off);
	return n;
}

int vw_cfg_read(const struct vw_dev *dev, uint64_t off, unsigned int size, uint32_t *val)
{
	uint8_t b[4] = { 0 };
	ssize_t n;

	if (size != 1 && size != 2 && size != 4)
		return fail(EINVAL, "config read size %u", size);
	n = vw_cfg_pread(dev, off, b, size);
	if (n < 0)
		return (int)n;
	if ((size_t)n != size)
		return fail(EIO, "%s: short config read %zd of %u", dev->bdf, n, size);
	*val = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
	return 0;
}

int vw_cfg_write(const struct vw_dev *dev, uint64_t off, unsigned int size, uint32_t val)
{
	uint8_t b[4] = { val, val >> 8, val >> 16, val >> 24 };
	ssize_t n;

	if (size != 1 && size != 2 && size != 4)
		return fail(EINVAL, "config write size %u", size);
	n = vw_cfg_pwrite(dev, off, b, size);
	if (n < 0)
		return (int)n;
	if ((size_t)n != size)
		return fail(EIO, "%s: short config write %zd of %u", dev->bdf, n, size);
	return 0;
}

int vw_dev_reset(const struct vw_dev *dev)
{
	if (ioctl(dev->fd, VFIO_DEVICE_RESET) < 0)
		return fail(errno, "%s: VFIO_DEVICE_RESET", dev->bdf);
	return 0;
}

ssize_t vw_sysfs_cfg_read(const char *bdf, uint64_t off, void *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, "open %s", path);
	n = pread(fd, buf, len, (off_t)off);
	if (n < 0)
		n = fail(errno, "pread %s", path);
	close(fd);
	return n;
}

int vw_env_load(const char *path)
{
	char line[512], *eq, *end;
	FILE *f = fopen(path, "re");

	if (!f)
		return fail(errno, "open %s", path);
	while (fgets(line, sizeof(line), f)) {
		end = line + strcspn(line, "\r\n");
		*end = '\0';
		eq = strchr(line, '=');
		if (line[0] == '#' || !eq || eq == line)
			continue;
		*eq = '\0';
		if (setenv(line, eq + 1, 1) < 0) {
			int err = fail(errno, "setenv %s", line);
			fclose(f);
			return err;
		}
	}
	fclose(f);
	return 0;
}

int vw_cfg_uring(struct io_uring *ring, const struct vw_dev *dev, int write, void *buf, unsigned int size,
		 uint64_t off)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int rc;

	if (!sqe)
		return -EBUSY;
	if (write)
		io_uring_prep_write(sqe, dev->fd, buf, size, dev->cfg_off + off);
	else
		io_uring_prep_read(sqe, dev->fd, buf, size, dev->cfg_off + off);
	io_uring_submit(ring);
	if (io_uring_wait_cqe(ring, &cqe))
		return -EIO;
	rc = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return rc;
}

unsigned vw_pm_cap(const char *bdf)
{
	uint8_t cfg[256];
	unsigned p, n;

	if (vw_sysfs_cfg_read(bdf, 0, cfg, sizeof(cfg)) != (ssize_t)sizeof(cfg))
		return 0;
	for (p = cfg[0x34] & 0xfc, n = 0; p >= 0x40 && n < 48; p = cfg[p + 1] & 0xfc, n++)
		if (cfg[p] == 0x01)
			return p;
	return 0;
}
