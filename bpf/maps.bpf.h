/* SPDX-License-Identifier: GPL-2.0 */
/* Maps. Every one is pinned by `attach`, so enforcement and state outlive the CLI. */
#ifndef VW_MAPS_BPF_H
#define VW_MAPS_BPF_H

#include "device.bpf.h"	/* struct vw_devinfo, cached in the ticket */

/* Policy generation the programs read; user space flips it last on reload. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} vw_active_gen SEC(".maps");

/* Counters slot allocation (BPF atomics) and other mutable global state. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vw_state);
} vw_state_map SEC(".maps");

/* Policy layers, VW_MAX_PROFILES per generation: index gen * VW_MAX_PROFILES + i. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VW_NGENS * VW_MAX_PROFILES);
	__type(key, __u32);
	__type(value, struct vw_profile);
} vw_profiles SEC(".maps");

/* Which layer a device selector picks (for devices compiled in BPF). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VW_NGENS * VW_MAX_PROFILES);
	__type(key, struct vw_sel_key);
	__type(value, __u32);
} vw_selectors SEC(".maps");

/* Compiled per-device policy, per generation: the hot-path map. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VW_NGENS * VW_MAX_DEVICES);
	__type(key, struct vw_dev_key);
	__type(value, struct vw_device);
} vw_devices SEC(".maps");

/* BDF -> counters slot; stable across reloads so counters keep counting. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VW_MAX_DEVICES);
	__type(key, char[VW_NAME_LEN]);
	__type(value, __u32);
} vw_slots SEC(".maps");

/* Last slot (VW_MAX_DEVICES) collects devices beyond the limit. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VW_MAX_DEVICES + 1);
	__type(key, __u32);
	__type(value, struct vw_counters);
} vw_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vw_global_counters);
} vw_global SEC(".maps");

/* Virtual Device Serial Numbers by BDF (`dsn set`, policy 'serial:'); absent: zero. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VW_MAX_DEVICES);
	__type(key, char[VW_NAME_LEN]);
	__type(value, __u64);
} vw_serials SEC(".maps");

/*
 * Scrub events are rate-limited per (device, process): a guest polling the
 * serial would otherwise flood the log. Every scrub is still counted.
 */
struct vw_scrub_key {
	char bdf[VW_NAME_LEN];
	__u32 pid;
};

struct vw_scrub_state {
	__u64 last_ns;	/* when the last event went out */
	__u32 pending;	/* scrubs since then */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct vw_scrub_key);
	__type(value, struct vw_scrub_state);
} vw_scrub_rate SEC(".maps");

/* `learn`: per counters slot, the config bytes accesses touched (include/vw_learn.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VW_MAX_DEVICES + 1);
	__type(key, __u32);
	__type(value, struct vw_learn);
} vw_learn SEC(".maps");

/* Nonzero while `learn` records into vw_learn (its own map: vw_state is BPF's to update). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} vw_learning SEC(".maps");

/*
 * The next event's sequence number (struct vw_event.seq). A global (.bss): one
 * atomic add, no lookup and no stack, paid only where an event is emitted. The
 * loader starts it at the wall clock in ns at attach, so the numbers of a later
 * attachment do not repeat an earlier one's in the same log file.
 */
__u64 vw_seq;

/* Size set by the loader (--ringbuf-size) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} vw_events SEC(".maps");

/*
 * The veto's word to vfio_pci_config_rw's fentry and fexit, per task (they
 * run in the same thread, one syscall or io_uring request at a time): the
 * bytes it judged (bypass detection) and the DSN scrub it armed.
 */
struct vw_ticket {
	void *vdev;		/* struct vfio_device * of the judged access */
	__u64 pos;		/* config offset of the next expected byte */
	__u64 end;		/* one past the last judged byte (~0: to the end) */
	__u32 write;
	__u32 judged;
	__u32 slot;		/* counters slot of the judged device */
	__u32 scrub_armed;	/* the veto let through a read that may reach a DSN serial */
	__u16 scrub_dsn;	/* its DSN capability offset */
	__u16 scrub_owed;	/* vfio_pci_config_rw calls over the serial whose fexit has not run */
	__u32 scrub_slot;	/* counters slot of that device */
	__u64 serial;		/* the serial the reader gets (virtual, or 0) */
	/* the device behind the task's last VFIO file (vw_devinfo_cached): while
	 * file, vfio_device and struct device stay the same, no names are read */
	struct file *info_file;
	void *info_dev;
	struct vw_devinfo info;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vw_ticket);
} vw_tickets SEC(".maps");

/*
 * The veto's FEATURE verdict for vfio_pci_core_ioctl_feature's fentry, per
 * task (one ioctl at a time per thread): written only for VFIO_DEVICE_FEATURE
 * calls it lets through, so nothing else on the host pays for it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vw_ioc_judged);
} vw_feature_verdicts SEC(".maps");

/* A TPH call's entries, copied in chunks, and the checker's result (map memory:
 * the verifier does not track it, so the chunk loop's states converge). */
struct vw_tph_work {
	struct vw_tph_scratch sc;	/* the judge's entries, decoded from raw */
	__u8 raw[VW_TPH_RAW_ALLOC];	/* a chunk of entries in the judged revision's layout */
	__u8 hdr[VW_TPH_REV_FIXED_MAX + 4];	/* the call's fixed part (+ slack) */
	struct vw_tph_call call;	/* hdr decoded (here, not on the stack: 6.1's 512-byte chain) */
	__u32 unreadable;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vw_tph_work);
} vw_tph_work_map SEC(".maps");

/* Room to compile a device's policy without using the 512-byte stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vw_device);
} vw_scratch SEC(".maps");

#endif
