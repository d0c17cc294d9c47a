// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-warden BPF programs: judge every VFIO config-space access before it
 * reaches the device, and account for every access that does.
 *
 *   fentry  rw_verify_area            note (file, offset, size, direction)
 *   fmod_ret security_file_permission decide: allow / audit / deny (-EPERM)
 *   fentry  vfio_pci_config_rw         account; flag accesses nobody judged
 *   fexit   vfio_pci_config_rw         scrub the DSN bytes the reader just got
 *
 * Why security_file_permission: fmod_ret only attaches to security_* hooks or
 * error-injection functions, and rw_verify_area() calls it for read, write,
 * pread, pwrite, readv, writev and io_uring alike (see README).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "vw_types.h"
#include "vw_decide.h"
#include "vw_dsn.h"
#include "maps.bpf.h"
#include "device.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define EPERM 1
#define VW_POS_MASK ((1ULL << VW_REGION_SHIFT) - 1)
#define PF_IO_WORKER 0x00000010

static __always_inline __u32 vw_gen(void)
{
	__u32 zero = 0, *g = bpf_map_lookup_elem(&vw_active_gen, &zero);

	return g ? (*g & 1) : 0;
}

static __always_inline struct vw_global_counters *vw_globals(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vw_global, &zero);
}

static __always_inline struct vw_counters *vw_slot_counters(__u32 slot)
{
	if (slot > VW_MAX_DEVICES)
		slot = VW_MAX_DEVICES;
	return bpf_map_lookup_elem(&vw_counters, &slot);
}

/* Counters slot of a device: stable for the life of the pinned maps. */
static __u32 vw_slot_of(const char *bdf)
{
	struct vw_global_counters *g;
	struct vw_state *st;
	__u32 zero = 0, *s, slot;

	s = bpf_map_lookup_elem(&vw_slots, bdf);
	if (s)
		return *s;
	st = bpf_map_lookup_elem(&vw_state_map, &zero);
	if (!st)
		return VW_MAX_DEVICES;
	slot = VW_LOADER_SLOTS + __sync_fetch_and_add(&st->next_slot, 1);
	if (slot >= VW_MAX_DEVICES) {
		g = vw_globals();
		if (g)
			__sync_fetch_and_add(&g->no_slot, 1);
		return VW_MAX_DEVICES;
	}
	if (bpf_map_update_elem(&vw_slots, bdf, &slot, BPF_NOEXIST)) {
		/* another CPU registered it first: use theirs (our slot stays unused) */
		s = bpf_map_lookup_elem(&vw_slots, bdf);
		return s ? *s : VW_MAX_DEVICES;
	}
	return slot;
}

static __always_inline const struct vw_profile *vw_sel_profile(struct vw_sel_key *k, __u32 gen)
{
	__u32 *idx = bpf_map_lookup_elem(&vw_selectors, k);
	__u32 i;

	if (!idx || *idx >= VW_MAX_PROFILES)
		return NULL;
	i = gen * VW_MAX_PROFILES + *idx;
	return bpf_map_lookup_elem(&vw_profiles, &i);
}

/* Event header fields common to every event type. */
static __always_inline void vw_event_fill(struct vw_event *e, __u32 type, const struct vw_devinfo *info)
{
	__u64 id = bpf_get_current_pid_tgid();

	__builtin_memset(e, 0, sizeof(*e));
	e->ts_boot_ns = bpf_ktime_get_boot_ns();
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->type = type;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->vendor = info->vendor;
	e->device_id = info->device_id;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	__builtin_memcpy(e->bdf, info->bdf, sizeof(e->bdf));
}

/* The access an event describes; cap is the region-map byte at 'at'. */
static __always_inline void vw_event_access(struct vw_event *e, int action, int dir, __u32 off, __u32 size,
					    __u32 at, __u8 cap)
{
	e->action = action;
	e->dir = dir;
	e->offset = off;
	e->size = size;
	e->at = at;
	e->cap = cap;
}

static __always_inline void vw_event_lost(struct vw_counters *c)
{
	struct vw_global_counters *g = vw_globals();

	if (c)
		c->lost++;
	if (g)
		g->lost++;
}

/*
 * Compile the policy of a device that the loader did not see (bound to
 * vfio-pci after attach): region map from vfio-pci, layers from selectors.
 */
static __noinline struct vw_device *vw_compile_from_vfio(struct vw_devinfo *info, struct vw_dev_key *key)
{
	struct vw_compile_ctx ctx = {};
	struct vw_sel_key sk = {};
	struct vw_global_counters *g;
	struct vw_device *d;
	struct vw_event *e;
	const u8 *map;
	__u32 zero = 0;

	d = bpf_map_lookup_elem(&vw_scratch, &zero);
	map = vw_vfio_config_map(info->vdev);
	if (!d || !map)
		return NULL;
	if (bpf_probe_read_kernel(d->cap, sizeof(d->cap), map))
		return NULL;

	sk.gen = key->gen;
	sk.kind = VW_SEL_BDF;
	__builtin_memcpy(sk.bdf, info->bdf, sizeof(sk.bdf));
	ctx.layers[0] = vw_sel_profile(&sk, key->gen);
	__builtin_memset(sk.bdf, 0, sizeof(sk.bdf));
	sk.kind = VW_SEL_VENDOR_DEVICE;
	sk.value = (__u32)info->vendor << 16 | info->device_id;
	ctx.layers[1] = vw_sel_profile(&sk, key->gen);
	sk.kind = VW_SEL_VENDOR;
	sk.value = info->vendor;
	ctx.layers[2] = vw_sel_profile(&sk, key->gen);
	sk.kind = VW_SEL_CLASS;
	sk.value = info->class_code;
	sk.class_bits = 24;
	ctx.layers[3] = vw_sel_profile(&sk, key->gen);
	if (!ctx.layers[3]) {
		sk.value = info->class_code & 0xffff00;
		sk.class_bits = 16;
		ctx.layers[3] = vw_sel_profile(&sk, key->gen);
	}
	if (!ctx.layers[3]) {
		sk.value = info->class_code & 0xff0000;
		sk.class_bits = 8;
		ctx.layers[3] = vw_sel_profile(&sk, key->gen);
	}
	sk.kind = VW_SEL_DEFAULT;
	sk.value = 0;
	sk.class_bits = 0;
	ctx.layers[4] = vw_sel_profile(&sk, key->gen);
	ctx.cap = d->cap;
	ctx.dev = d;
	vw_compile(&ctx);

	d->slot = vw_slot_of(info->bdf);
	d->source = VW_SRC_VFIO_MAP;
	d->vendor = info->vendor;
	d->device_id = info->device_id;
	d->class_code = info->class_code;
	/* which layers applied, for `status`; VW_NO_PROFILE where none */
	__builtin_memset(d->layers, VW_NO_PROFILE, sizeof(d->layers));
	g = vw_globals();
	if (bpf_map_update_elem(&vw_devices, key, d, BPF_ANY)) {
		if (g)
			g->errors++;
		return NULL;
	}
	if (g)
		g->compiled++;
	e = bpf_ringbuf_reserve(&vw_events, sizeof(*e), 0);
	if (e) {
		vw_event_fill(e, VW_EV_DEVICE, info);
		bpf_ringbuf_submit(e, 0);
	} else {
		vw_event_lost(vw_slot_counters(d->slot));
	}
	return bpf_map_lookup_elem(&vw_devices, key);
}

/* How this access entered the kernel, from the task's syscall registers. */
static __always_inline __u32 vw_access_path(struct task_struct *task, struct pt_regs *regs)
{
	if (BPF_CORE_READ(task, flags) & PF_IO_WORKER)
		return VW_PATH_IO_URING;
	switch (BPF_CORE_READ(regs, orig_ax)) {
	case 0: return VW_PATH_READ;
	case 1: return VW_PATH_WRITE;
	case 17: return VW_PATH_PREAD;
	case 18: return VW_PATH_PWRITE;
	case 19: return VW_PATH_READV;
	case 20: return VW_PATH_WRITEV;
	case 295: case 327: return VW_PATH_PREADV;
	case 296: case 328: return VW_PATH_PWRITEV;
	case 426: return VW_PATH_IO_URING;
	}
	return VW_PATH_UNKNOWN;
}

/* The bytes a write carries, read from the syscall's user buffer when known. */
static __always_inline void vw_write_value(struct vw_event *e, struct pt_regs *regs)
{
	const void *buf = NULL;
	struct iovec iov;
	__u32 n = e->size < 8 ? e->size : 8;

	switch (e->path) {
	case VW_PATH_WRITE:
	case VW_PATH_PWRITE:
		buf = (const void *)BPF_CORE_READ(regs, si);
		break;
	case VW_PATH_WRITEV:
	case VW_PATH_PWRITEV:
		if (bpf_probe_read_user(&iov, sizeof(iov), (void *)BPF_CORE_READ(regs, si)))
			return;
		buf = iov.iov_base;
		if (iov.iov_len < n)
			n = iov.iov_len;
		break;
	default:
		return;	/* io_uring: the buffer is in the SQE; value unknown */
	}
	n &= 0xf;
	if (n > 8)
		n = 8;
	if (buf && n && !bpf_probe_read_user(&e->value, n, buf))
		e->value_len = n;
}

#define VW_SCRUB_EVENT_NS (10ULL * 1000000000ULL)

/*
 * Whether a scrubbed read gets an event: the first per (device, process),
 * then at most one per 10 s carrying how many reads it stands for.
 */
static __always_inline int vw_scrub_event_due(const struct vw_devinfo *info, __u32 *count)
{
	struct vw_scrub_key k = {};
	struct vw_scrub_state *st, fresh = {};
	__u64 now = bpf_ktime_get_boot_ns();

	__builtin_memcpy(k.bdf, info->bdf, sizeof(k.bdf));
	k.pid = bpf_get_current_pid_tgid() >> 32;
	st = bpf_map_lookup_elem(&vw_scrub_rate, &k);
	if (!st) {
		fresh.last_ns = now;
		bpf_map_update_elem(&vw_scrub_rate, &k, &fresh, BPF_ANY);
		*count = 1;
		return 1;
	}
	st->pending++;
	if (now - st->last_ns < VW_SCRUB_EVENT_NS)
		return 0;
	*count = st->pending;
	st->pending = 0;
	st->last_ns = now;
	return 1;
}

SEC("fentry/rw_verify_area")
int BPF_PROG(vw_rw_verify_area, int read_write, struct file *file, const loff_t *ppos, size_t count)
{
	struct vw_ticket *t;
	loff_t pos = 0;

	if (!vw_is_vfio_device_file(file))
		return 0;
	if (ppos)
		bpf_probe_read_kernel(&pos, sizeof(pos), ppos);
	t = bpf_task_storage_get(&vw_tickets, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		return 0;
	t->judged = 0;
	if (((__u64)pos >> VW_REGION_SHIFT) != VW_CONFIG_REGION) {
		t->file = NULL;	/* BARs, ROM, ...: not ours */
		return 0;
	}
	t->file = file;
	t->vdev = NULL;
	t->pos = (__u64)pos & VW_POS_MASK;
	t->end = t->pos + count;
	t->write = read_write != 0;	/* READ 0, WRITE 1 */
	return 0;
}

SEC("fmod_ret/security_file_permission")
int BPF_PROG(vw_file_permission, struct file *file, int mask, int ret)
{
	struct task_struct *task;
	struct vw_devinfo info;
	struct vw_dev_key key = {};
	struct vw_device *d;
	struct vw_counters *c;
	struct vw_ticket *t;
	struct vw_event *e;
	__u32 at, off, size;
	int action, dir;

	if (ret || !vw_is_vfio_device_file(file))
		return ret;
	task = bpf_get_current_task_btf();
	t = bpf_task_storage_get(&vw_tickets, task, 0, 0);
	if (!t || t->file != file || t->judged)
		return 0;
	t->file = NULL;	/* one verdict per rw_verify_area() */
	if (vw_devinfo_get(file, &info))
		return 0;

	key.gen = vw_gen();
	__builtin_memcpy(key.bdf, info.bdf, sizeof(key.bdf));
	d = bpf_map_lookup_elem(&vw_devices, &key);
	if (!d)
		d = vw_compile_from_vfio(&info, &key);
	if (!d) {
		/* fail closed: a device we cannot judge gets no config writes */
		if (!t->write)
			return 0;
		return -EPERM;
	}

	dir = t->write ? VW_DIR_WRITE : VW_DIR_READ;
	off = t->pos > VW_CFG_SIZE ? VW_CFG_SIZE : t->pos;
	size = t->end - t->pos;
	action = vw_decide(d, off, size, dir, &at);
	c = vw_slot_counters(d->slot);
	if (c)
		c->judged[dir & 1][action & 3]++;

	__u32 count = 1;

	if (action == VW_AUDIT || action == VW_DENY ||
	    (action == VW_SCRUB && vw_scrub_event_due(&info, &count))) {
		e = bpf_ringbuf_reserve(&vw_events, sizeof(*e), 0);
		if (e) {
			struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

			vw_event_fill(e, VW_EV_CONFIG, &info);
			vw_event_access(e, action, dir, off, size, at, d->cap[at & (VW_CFG_SIZE - 1)]);
			e->err = action == VW_DENY ? EPERM : 0;
			e->count = count;
			e->path = vw_access_path(task, regs);
			if (dir == VW_DIR_WRITE)
				vw_write_value(e, regs);
			bpf_ringbuf_submit(e, 0);
			if (c)
				c->events++;
		} else {
			vw_event_lost(c);
		}
	}
	if (action == VW_DENY)
		return -EPERM;
	t->file = file;
	t->vdev = info.vdev;
	t->judged = 1;
	/* what vfio_pci_config_rw's fentry needs, so it does no lookups itself */
	t->slot = d->slot;
	t->dsn_off = d->dsn_off && VW_ACT_READ(d->act[(d->dsn_off + VW_DSN_SERIAL_OFF) & (VW_CFG_SIZE - 1)]) ==
		     VW_SCRUB ? d->dsn_off : 0;
	return 0;
}

/* Arm the fexit to scrub what this read returns of a DSN serial. */
static __always_inline void vw_arm_scrub(struct vw_ticket *t, __u32 off, __u32 count, __u32 dsn_off,
					 const char *bdf)
{
	__u32 bo, so;
	__u64 *serial;

	if (!vw_dsn_overlap(off, count, dsn_off, &bo, &so))
		return;
	serial = bpf_map_lookup_elem(&vw_serials, bdf);
	t->scrub_off = off;
	t->scrub_dsn = dsn_off;
	t->serial = serial ? *serial : 0;
}

SEC("fentry/vfio_pci_config_rw")
int BPF_PROG(vw_config_rw, struct vfio_pci_core_device___vw *vdev, char *buf, size_t count,
	     loff_t *ppos, bool iswrite)
{
	struct vw_ticket *t;
	struct vw_devinfo info = {};
	struct vw_dev_key key = {};
	struct vw_device *d;
	struct vw_counters *c;
	struct vw_event *e;
	loff_t pos = 0;
	__u64 off;
	int dir = iswrite ? VW_DIR_WRITE : VW_DIR_READ;

	bpf_probe_read_kernel(&pos, sizeof(pos), ppos);
	off = (__u64)pos & VW_POS_MASK;
	t = bpf_task_storage_get(&vw_tickets, bpf_get_current_task_btf(), 0, 0);
	if (t && t->judged && t->vdev == (void *)&vdev->vdev && t->write == (__u32)dir &&
	    off >= t->pos && off + count <= t->end) {
		/* judged by the veto path: everything needed is in the ticket */
		t->pos = off + count;	/* readv/writev: segments arrive in order */
		if (t->pos >= t->end)
			t->judged = 0;
		c = vw_slot_counters(t->slot);
		if (c)
			c->reached[dir & 1]++;
		if (!iswrite && t->dsn_off) {
			char bdf[VW_NAME_LEN] = {};
			struct device *dev = BPF_CORE_READ((struct vfio_device___vw *)&vdev->vdev, dev);
			const char *name = BPF_CORE_READ(dev, kobj.name);

			if (name)
				bpf_probe_read_kernel_str(bdf, sizeof(bdf), name);
			vw_arm_scrub(t, off, count, t->dsn_off, bdf);
		}
		return 0;
	}

	/* Nobody judged this access: a bypass. Resolve the device the slow way. */
	{
		struct vfio_device___vw *vd = (void *)&vdev->vdev;
		struct device *dev = BPF_CORE_READ(vd, dev);
		const char *name = BPF_CORE_READ(dev, kobj.name);
		struct pci_dev *pdev = BPF_CORE_READ(vdev, pdev);

		info.vdev = vd;
		info.pdev = pdev;
		info.vendor = BPF_CORE_READ(pdev, vendor);
		info.device_id = BPF_CORE_READ(pdev, device);
		if (name)
			bpf_probe_read_kernel_str(info.bdf, sizeof(info.bdf), name);
	}
	key.gen = vw_gen();
	__builtin_memcpy(key.bdf, info.bdf, sizeof(key.bdf));
	d = bpf_map_lookup_elem(&vw_devices, &key);
	c = vw_slot_counters(d ? d->slot : vw_slot_of(info.bdf));
	if (c) {
		c->reached[dir & 1]++;
		c->bypass++;
	}
	/* the serial stays scrubbed even on a path nobody judged */
	if (d && !iswrite && d->dsn_off &&
	    VW_ACT_READ(d->act[(d->dsn_off + VW_DSN_SERIAL_OFF) & (VW_CFG_SIZE - 1)]) == VW_SCRUB) {
		if (!t)
			t = bpf_task_storage_get(&vw_tickets, bpf_get_current_task_btf(), 0,
						 BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (t)
			vw_arm_scrub(t, off, count, d->dsn_off, info.bdf);
	}
	e = bpf_ringbuf_reserve(&vw_events, sizeof(*e), 0);
	if (!e) {
		vw_event_lost(c);
		return 0;
	}
	vw_event_fill(e, VW_EV_BYPASS, &info);
	vw_event_access(e, VW_AUDIT, dir, off, count, off, d ? d->cap[off & (VW_CFG_SIZE - 1)] : VW_CAP_UNASSIGNED);
	bpf_ringbuf_submit(e, 0);
	if (c)
		c->events++;
	return 0;
}

SEC("fexit/vfio_pci_config_rw")
int BPF_PROG(vw_config_rw_exit, struct vfio_pci_core_device___vw *vdev, char *buf, size_t count,
	     loff_t *ppos, bool iswrite, ssize_t ret)
{
	struct vw_ticket *t = bpf_task_storage_get(&vw_tickets, bpf_get_current_task_btf(), 0, 0);
	__u32 dsn, bo, so, n, k;
	__u8 b;

	if (!t || !t->scrub_dsn)
		return 0;
	dsn = t->scrub_dsn;
	t->scrub_dsn = 0;
	if (iswrite || ret <= 0)
		return 0;
	/* only what was copied (ret bytes from scrub_off) is rewritten */
	n = vw_dsn_overlap(t->scrub_off, (__u32)ret, dsn, &bo, &so);
	for (k = 0; k < VW_DSN_SERIAL_LEN; k++) {
		if (k >= n)
			break;
		b = vw_dsn_byte(t->serial, so + k);
		bpf_probe_write_user(buf + bo + k, &b, 1);
	}
	return 0;
}
