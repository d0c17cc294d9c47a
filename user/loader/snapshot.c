// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "apply.h"
#include "lockdown.h"
#include "pinned.h"
#include "snapshot.h"
#include "stream.h"
#include "vm.h"

/* The files through which a VMM holds a device: its group node and its cdev, if any. */
static void device_nodes(const char *bdf, char group[64], char cdev[64])
{
	char path[256], link[256];
	struct dirent *de;
	ssize_t n;
	DIR *d;

	group[0] = cdev[0] = 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		snprintf(group, 64, "/dev/vfio/%.32s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	d = opendir(path);
	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, "vfio", 4))
			snprintf(cdev, 64, "/dev/vfio/devices/%.32s", de->d_name);
	if (d)
		closedir(d);
}

/*
 * Which VM holds each device open: one pass over /proc/PID/fd. Run per
 * scrape, not per event. A group node can be shared by the devices of one
 * IOMMU group: they are one VM's.
 */
static void device_holders(struct vw_snapshot *s)
{
	char (*nodes)[2][64] = calloc(s->ndev ? s->ndev : 1, sizeof(*nodes));
	char path[600], link[256];
	struct dirent *p, *f;
	DIR *proc, *fds;
	ssize_t n;
	int i;

	if (!nodes)
		return;
	for (i = 0; i < s->ndev; i++)
		device_nodes(s->dev[i].bdf, nodes[i][0], nodes[i][1]);
	proc = opendir("/proc");
	while (proc && (p = readdir(proc))) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		while (fds && (f = readdir(fds))) {
			snprintf(path, sizeof(path), "/proc/%s/fd/%s", p->d_name, f->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n <= 0 || strncmp(link, "/dev/vfio/", 10))
				continue;
			link[n] = 0;
			for (i = 0; i < s->ndev; i++) {
				struct vw_vm vm;

				if (s->dev[i].vm[0] || (strcmp(link, nodes[i][0]) && strcmp(link, nodes[i][1])))
					continue;
				vw_vm_of_pid((uint32_t)atoi(p->d_name), &vm);
				snprintf(s->dev[i].vm, sizeof(s->dev[i].vm), "%s", vm.name);
			}
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
	free(nodes);
}

static void programs(struct vw_snapshot *s)
{
	struct bpf_prog_info pi;
	int i;

	for (i = 0; i < VW_LINK_COUNT && s->nprogs < (int)(sizeof(s->progs) / sizeof(s->progs[0])); i++) {
		if (vw_linked_prog(i, &pi))
			continue;
		/* the link's name: kernel program names are cut at 15 characters */
		snprintf(s->progs[s->nprogs].name, sizeof(s->progs[0].name), "%s", vw_link_names[i] + 5);
		s->progs[s->nprogs++].skipped = pi.recursion_misses;
	}
}

static void devices(struct vw_snapshot *s, const struct vw_maps *m)
{
	char key[VW_NAME_LEN], next[VW_NAME_LEN];
	struct vw_dev_key dk = { .gen = s->generation };
	struct vw_device *d = malloc(sizeof(*d));
	struct vw_snap_device *sd;
	void *prev = NULL;
	__u32 slot;

	while (d && bpf_map_get_next_key(m->fd[VW_MAP_SLOTS], prev, next) == 0) {
		memcpy(key, next, sizeof(key));
		prev = key;
		if (bpf_map_lookup_elem(m->fd[VW_MAP_SLOTS], key, &slot))
			continue;
		sd = realloc(s->dev, (s->ndev + 1) * sizeof(*sd));
		if (!sd)
			break;
		s->dev = sd;
		sd = &s->dev[s->ndev++];
		memset(sd, 0, sizeof(*sd));
		memcpy(sd->bdf, key, VW_NAME_LEN);
		sd->bdf[VW_NAME_LEN - 1] = 0;
		memcpy(dk.bdf, key, VW_NAME_LEN);
		if (bpf_map_lookup_elem(m->fd[VW_MAP_DEVICES], &dk, d) == 0) {
			snprintf(sd->vendor, sizeof(sd->vendor), "%04x", d->vendor);
			snprintf(sd->device_id, sizeof(sd->device_id), "%04x", d->device_id);
		}
		vw_percpu_sum(m->fd[VW_MAP_COUNTERS], slot, &sd->c, sizeof(sd->c));
	}
	free(d);
}

int vw_snapshot_take(struct vw_snapshot *s)
{
	struct bpf_map_info minfo = {};
	__u32 mlen = sizeof(minfo);
	struct bpf_prog_info pi;
	struct vw_maps m;
	int rc;

	memset(s, 0, sizeof(*s));
	s->lockdown = vw_lockdown_name(vw_lockdown_current());
	if (!vw_is_attached())
		return 0;
	rc = vw_maps_open_pinned(&m);
	if (rc)
		return rc;
	s->attached = 1;
	s->retired = vw_is_retired(m.fd[VW_MAP_ACTIVE_GEN]) > 0;
	vw_read_active_gen(&m, &s->generation);
	vw_percpu_sum(m.fd[VW_MAP_GLOBAL], 0, &s->g, sizeof(s->g));
	if (!bpf_map_get_info_by_fd(m.fd[VW_MAP_EVENTS], &minfo, &mlen))
		s->ringbuf_size = minfo.max_entries;
	s->scrub_active = !vw_linked_prog(VW_LINK_CONFIG_RW_EXIT, &pi);
	programs(s);
	devices(s, &m);
	device_holders(s);
	vw_maps_close(&m);
	return 0;
}

void vw_snapshot_free(struct vw_snapshot *s)
{
	free(s->dev);
	s->dev = NULL;
	s->ndev = 0;
}
