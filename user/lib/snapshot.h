/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One reading of everything vfio-warden counts, from the pinned maps: what
 * `metrics` renders. Plain data, so the rendering is tested without a kernel.
 */
#ifndef VW_SNAPSHOT_H
#define VW_SNAPSHOT_H

#include "vw_types.h"

struct vw_snap_device {
	char bdf[VW_NAME_LEN];
	char vendor[8], device_id[8];	/* "" until the device is compiled */
	char vm[128];			/* the VM holding the device open, "" if none */
	struct vw_counters c;
};

struct vw_snap_prog {
	char name[32];			/* its pinned link's name without "link_": config_rw, ... */
	unsigned long long skipped;	/* runs the kernel skipped (recursion_misses) */
};

struct vw_snapshot {
	int attached;			/* pinned */
	int retired;			/* pinned, but a killed detach stood the vetoes down */
	unsigned generation;
	unsigned ringbuf_size;
	int scrub_active;		/* the DSN scrub program is attached */
	const char *lockdown;		/* "none", "integrity", "confidentiality" */
	struct vw_global_counters g;
	struct vw_snap_prog progs[8];
	int nprogs;
	struct vw_snap_device *dev;
	int ndev;
};

/* Read the pinned state; not attached is a valid snapshot (attached 0). Returns enum vw_exit. */
int vw_snapshot_take(struct vw_snapshot *s);
void vw_snapshot_free(struct vw_snapshot *s);

#endif
