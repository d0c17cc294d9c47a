// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysdev.h"

static int read_hex_attr(const char *bdf, const char *attr, uint32_t *val)
{
	char path[PATH_MAX], buf[32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", VW_SYSFS_PCI, bdf, attr);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*val = (uint32_t)strtoul(buf, NULL, 16);
	return 0;
}

int vw_sysdev_get(const char *bdf, struct vw_sysdev *out)
{
	char path[PATH_MAX], link[PATH_MAX];
	uint32_t v = 0, d = 0, c = 0;
	ssize_t n;
	const char *base;

	memset(out, 0, sizeof(*out));
	if (strlen(bdf) >= sizeof(out->bdf))
		return -EINVAL;
	if (read_hex_attr(bdf, "vendor", &v) || read_hex_attr(bdf, "device", &d) ||
	    read_hex_attr(bdf, "class", &c))
		return -ENOENT;
	strcpy(out->bdf, bdf);
	out->vendor = v;
	out->device_id = d;
	out->class_code = c & 0xffffff;
	snprintf(path, sizeof(path), "%s/%s/driver", VW_SYSFS_PCI, bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		base = strrchr(link, '/');
		snprintf(out->driver, sizeof(out->driver), "%.63s", base ? base + 1 : link);
	}
	return 0;
}

static int cmp_bdf(const void *a, const void *b)
{
	return strcmp(((const struct vw_sysdev *)a)->bdf, ((const struct vw_sysdev *)b)->bdf);
}

int vw_sysdev_list_vfio(struct vw_sysdev *out, int max)
{
	struct dirent *de;
	DIR *dir = opendir(VW_SYSFS_PCI);
	int n = 0;

	if (!dir)
		return -errno;
	while ((de = readdir(dir)) && n < max) {
		if (de->d_name[0] == '.')
			continue;
		if (vw_sysdev_get(de->d_name, &out[n]))
			continue;
		if (strstr(out[n].driver, "vfio"))
			n++;
	}
	closedir(dir);
	qsort(out, n, sizeof(*out), cmp_bdf);
	return n;
}
