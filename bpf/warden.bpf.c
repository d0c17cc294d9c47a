// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-warden BPF programs: judge every VFIO config-space access before it
 * reaches the device, and account for every access that does.
 *
 *   lsm     file_permission           decide: allow / audit / deny (-EPERM), over the
 *                                     bytes the access can reach (include/vw_extent.h)
 *   fentry  vfio_pci_config_rw         account; flag accesses nobody judged
 *   fexit   vfio_pci_config_rw         scrub the DSN bytes the reader just got
 *   lsm     file_ioctl                TPH: refuse steering-tag calls the policy forbids;
 *                                     RESET, PCI_HOT_RESET, SET_IRQS, FEATURE: the ioctls rules
 *   lsm     file_ioctl_compat         the same for 32-bit ioctls (where the kernel has it)
 *   fentry  vfio_pci_core_ioctl_feature  FEATURE: the flags the driver got (the kernel's
 *                                     copy) against those the ioctl veto judged: races
 *
 * The two vetoes attach as BPF LSM programs where the bpf LSM is active, else
 * as fmod_ret on security_file_permission / security_file_ioctl(_compat). The kernel
 * never skips an LSM program; it skips a tracing program (fentry, fmod_ret)
 * whose previous run on this CPU was preempted, which a fully preemptible
 * kernel does (README "How it works", preemption). rw_verify_area() calls
 * security_file_permission() for read, write, pread, pwrite, readv, writev
 * and io_uring alike (see README). Only the veto runs for the host's other
 * reads and writes, and leaves at its first compare.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "vw_types.h"
#include "vw_decide.h"
#include "vw_extent.h"
#include "vw_dsn.h"
#include "vw_select.h"
#include "vw_tph.h"
#include "vw_tph_rev.h"
#include "vw_ioctl.h"
#include "vw_learn.h"
#include "maps.bpf.h"
#include "device.bpf.h"
#include "arch.h"

#define VW_MAY_WRITE 0x2	/* include/linux/fs.h: macros are not in BTF */

/*
 * An LSM program's return value must provably lie in [-MAX_ERRNO, 0]. With
 * 32-bit ALU, clang folds `deny ? -EPERM : 0` into arithmetic on a 32-bit
 * register whose range the verifier cannot bound; build it in a 64-bit
 * register with a branch the verifier follows.
 */
static __always_inline int vw_lsm_verdict(long deny)
{
	long r;

	asm volatile("%[r] = 0\n\t"
		     "if %[d] == 0 goto +1\n\t"
		     "%[r] = -1\n\t"	/* -EPERM */
		     : [r] "=&r"(r)
		     : [d] "r"(deny));
	return r;
}

char LICENSE[] SEC("license") = "GPL";

#define EPERM 1
#define PF_IO_WORKER 0x00000010

static __always_inline __u32 vw_gen(void)
{
	__u32 zero = 0, *g = bpf_map_lookup_elem(&vw_active_gen, &zero);

	return g ? (*g & 1) : 0;
}

/*
 * Detach sets this before it unpins: the kernel frees unpinned links from a
 * workqueue, in no particular order, and programs outliving the detach
 * stand down at once (the first access after detach sees plain vfio-pci).
 */
static __always_inline int vw_retired(void)
{
	__u32 zero = 0, *g = bpf_map_lookup_elem(&vw_active_gen, &zero);

	return g && (*g & VW_GEN_RETIRED);
}

static __always_inline struct vw_global_counters *vw_globals(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vw_global, &zero);
}

/*
 * Per-CPU scratch buffers (compile, TPH batch) are claimed, not just used:
 * BPF LSM programs run with migration, not preemption, disabled, so another
 * task on this CPU can run the same program while one is preempted in it.
 * The loser fails closed (EPERM) and counts in `contended`.
 */
enum { VW_CLAIM_COMPILE, VW_CLAIM_TPH, VW_NCLAIMS };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VW_NCLAIMS);
	__type(key, __u32);
	__type(value, __u32);
} vw_claims SEC(".maps");

static __always_inline __u32 *vw_claim(__u32 which)
{
	__u32 *c = bpf_map_lookup_elem(&vw_claims, &which);

	if (c && __sync_val_compare_and_swap(c, 0, 1) == 0)
		return c;
	if (c) {
		struct vw_global_counters *g = vw_globals();

		if (g)
			__sync_fetch_and_add(&g->contended, 1);
	}
	return NULL;
}

static __always_inline void vw_release(__u32 *claim)
{
	__sync_lock_test_and_set(claim, 0);
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

/* Profile idx of generation gen (vw_select.h gives the index), or NULL. */
static __always_inline const struct vw_profile *vw_sel_profile(__u8 idx, __u32 gen)
{
	__u32 i;

	if (idx >= VW_MAX_PROFILES)
		return NULL;
	i = gen * VW_MAX_PROFILES + idx;
	return bpf_map_lookup_elem(&vw_profiles, &i);
}

/* Event header fields common to every event type. */
static __always_inline void vw_event_fill(struct vw_event *e, __u32 type, const struct vw_devinfo *info)
{
	__u64 id = bpf_get_current_pid_tgid();

	__builtin_memset(e, 0, sizeof(*e));
	e->seq = __sync_fetch_and_add(&vw_seq, 1);
	e->ts_boot_ns = bpf_ktime_get_boot_ns();
	e->cgroup_id = bpf_get_current_cgroup_id();
	/* user space names the VM once per process: a reused pid starts later */
	e->start_ns = bpf_get_current_task_btf()->group_leader->start_boottime;
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
		__sync_fetch_and_add(&c->lost, 1);
	if (g)
		__sync_fetch_and_add(&g->lost, 1);
}

/* Reserve an event with its header filled; NULL (counted as lost) when the ring buffer is full. */
static __always_inline struct vw_event *vw_event_begin(__u32 type, const struct vw_devinfo *info,
						       struct vw_counters *c)
{
	struct vw_event *e = bpf_ringbuf_reserve(&vw_events, sizeof(*e), 0);

	if (!e) {
		vw_event_lost(c);
		return NULL;
	}
	vw_event_fill(e, type, info);
	return e;
}

static __always_inline void vw_event_end(struct vw_event *e, struct vw_counters *c)
{
	bpf_ringbuf_submit(e, 0);
	if (c)
		__sync_fetch_and_add(&c->events, 1);
}

/*
 * The layers of a device the loader did not see, chosen as the loader chooses
 * them (vw_select.h): profile indexes into d->layers (for `status`), the
 * profiles into c->layers. A function of its own (noinline) so that its keys
 * are not in the compile's frame: 6.1 adds up the frames of a call chain,
 * bpf_loop callbacks included, against 512 bytes (veto 224 + compile 160 +
 * this 128 = 512; inlined, veto 256 + compile 224 + two callbacks = 544 was
 * refused: "combined stack size of 4 calls is 544").
 */
static __noinline void vw_select_layers(const struct vw_devinfo *info, __u32 gen, struct vw_device *d,
					     struct vw_compile_ctx *c)
{
	struct vw_sel_dev sd = {};
	struct vw_sel_key sk;
	__u8 hit[VW_SEL_NTRIES];
	__u32 t, *idx;

	__builtin_memcpy(sd.bdf, info->bdf, sizeof(sd.bdf));
	sd.vendor = info->vendor;
	sd.device_id = info->device_id;
	sd.class_code = info->class_code;
	/* unrolled: each try's key is built from constants, and hit[] has constant offsets */
#pragma unroll
	for (t = 0; t < VW_SEL_NTRIES; t++) {
		vw_sel_try_key(&sd, gen, t, &sk);
		idx = bpf_map_lookup_elem(&vw_selectors, &sk);
		hit[t] = idx && *idx < VW_MAX_PROFILES ? *idx : VW_NO_PROFILE;
	}
	vw_sel_layers(hit, d->layers);
#pragma unroll
	for (t = 0; t < VW_NLAYERS; t++)
		c->layers[t] = vw_sel_profile(d->layers[t], gen);
}

/*
 * Compile the policy of a device that the loader did not see (bound to
 * vfio-pci after attach): region map from vfio-pci, layers from selectors.
 */
static __noinline struct vw_device *vw_compile_from_vfio(struct vw_devinfo *info, struct vw_dev_key *key,
							   __u32 walk_differs_at)
{
	struct vw_compile_ctx ctx = {};
	struct vw_global_counters *g;
	struct vw_device *d;
	struct vw_event *e;
	const u8 *map;
	__u32 zero = 0, *claim, slot;

	claim = vw_claim(VW_CLAIM_COMPILE);
	if (!claim)
		return NULL;
	d = bpf_map_lookup_elem(&vw_scratch, &zero);
	map = vw_vfio_config_map(info->vdev);
	if (!d || !map || vw_read_config_map(d->cap, map, info->pdev)) {
		vw_release(claim);
		return NULL;
	}

	vw_select_layers(info, key->gen, d, &ctx);
	ctx.cap = d->cap;
	ctx.dev = d;
	vw_compile(&ctx);

	d->slot = vw_slot_of(info->bdf);
	d->source = VW_SRC_VFIO_MAP;
	d->vendor = info->vendor;
	d->device_id = info->device_id;
	d->class_code = info->class_code;
	g = vw_globals();
	slot = d->slot;
	if (bpf_map_update_elem(&vw_devices, key, d, BPF_ANY)) {
		vw_release(claim);
		if (g)
			__sync_fetch_and_add(&g->errors, 1);
		return NULL;
	}
	vw_release(claim);	/* the scratch is copied into vw_devices: done with it */
	if (g)
		__sync_fetch_and_add(walk_differs_at ? &g->walk_corrected : &g->compiled, 1);
	e = vw_event_begin(VW_EV_DEVICE, info, vw_slot_counters(slot));
	if (e) {
		e->replaced_walk = walk_differs_at != 0;
		e->at = walk_differs_at;
		vw_event_end(e, vw_slot_counters(slot));
	}
	return bpf_map_lookup_elem(&vw_devices, key);
}

/* The first byte where two 8-byte words of region map differ; off: the words' offset. */
static __always_inline __u32 vw_first_diff(__u32 off, __u64 a, __u64 b)
{
	__u32 k;

#pragma unroll
	for (k = 0; k < 7; k++) {
		if ((__u8)a != (__u8)b)
			break;
		a >>= 8;
		b >>= 8;
		off++;
	}
	return off ? off : 1;	/* the header is never hidden; 0 means "no difference" */
}

/*
 * The loader compiled d from its own walk of config space, which imitates
 * vfio-pci's hiding rules per kernel release (user/lib/vfiorules.c). vfio-pci's
 * pci_config_map on the running kernel is what the guest really sees, so the
 * first access in a generation checks the walk against it: 1 when they agree,
 * 0 when they differ (*differs_at: the first byte), -1 when vfio-pci's map
 * cannot be read (the walk is used, and checked again on the next access).
 * A plain bounded loop, not bpf_loop: a callback would be one frame more on a
 * call chain that 6.1 already fills to its 512 bytes. A global function: the
 * verifier checks it once, not again at every inlined call site of
 * vw_device_for (as a static one, the veto went over 1M instructions on 6.1).
 */
__noinline int vw_walk_matches_vfio(const struct vw_devinfo *info, const struct vw_device *d, __u32 *differs_at)
{
	const u8 *map;
	__u64 chunk[8], mine;
	__u32 n, i, k, off;

	if (!info || !d || !differs_at)
		return -1;
	map = vw_vfio_config_map(info->vdev);
	if (!map)
		return -1;
	n = vw_cfg_size(info->pdev) / sizeof(chunk);
	for (i = 0; i < VW_CFG_SIZE / sizeof(chunk) && i < n; i++) {
		off = (i * sizeof(chunk)) & (VW_CFG_SIZE - sizeof(chunk));
		if (bpf_probe_read_kernel(chunk, sizeof(chunk), map + off))
			return -1;
#pragma unroll
		for (k = 0; k < 8; k++) {
			__builtin_memcpy(&mine, &d->cap[off + k * 8], sizeof(mine));
			if (chunk[k] != mine) {
				*differs_at = vw_first_diff(off + k * 8, chunk[k], mine);
				return 0;
			}
		}
	}
	return 1;
}

/* The live generation's compiled policy for a device, if it has one. */
static __always_inline struct vw_device *vw_device_lookup(const struct vw_devinfo *info, struct vw_dev_key *key)
{
	key->gen = vw_gen();
	__builtin_memcpy(key->bdf, info->bdf, sizeof(key->bdf));
	return bpf_map_lookup_elem(&vw_devices, key);
}

/*
 * The same, compiled from vfio-pci's map on first sight; a device the loader
 * walked is checked against vfio-pci's map on its first access in the
 * generation, and recompiled from the map if they differ. After that the
 * check costs one compare (source: VW_SRC_WALKER_CHECKED).
 */
static __always_inline struct vw_device *vw_device_for(struct vw_devinfo *info, struct vw_dev_key *key)
{
	struct vw_device *d = vw_device_lookup(info, key);
	__u32 differs_at = 0;
	int same;

	if (!d)
		return vw_compile_from_vfio(info, key, 0);
	if (d->source != VW_SRC_WALKER)
		return d;
	same = vw_walk_matches_vfio(info, d, &differs_at);
	if (same > 0)
		d->source = VW_SRC_WALKER_CHECKED;
	if (same)
		return d;
	return vw_compile_from_vfio(info, key, differs_at);
}

/* How this access entered the kernel, from the task's syscall registers. */
static __always_inline __u32 vw_access_path(struct task_struct *task, struct pt_regs *regs)
{
	if (task->flags & PF_IO_WORKER)	/* a trusted BTF pointer: a plain load */
		return VW_PATH_IO_URING;
	switch (VW_SYSCALL_NR(regs)) {
	case VW_NR_READ: return VW_PATH_READ;
	case VW_NR_WRITE: return VW_PATH_WRITE;
	case VW_NR_PREAD64: return VW_PATH_PREAD;
	case VW_NR_PWRITE64: return VW_PATH_PWRITE;
	case VW_NR_READV: return VW_PATH_READV;
	case VW_NR_WRITEV: return VW_PATH_WRITEV;
	case VW_NR_PREADV: case VW_NR_PREADV2: return VW_PATH_PREADV;
	case VW_NR_PWRITEV: case VW_NR_PWRITEV2: return VW_PATH_PWRITEV;
	case VW_NR_IO_URING_ENTER: return VW_PATH_IO_URING;
	}
	return VW_PATH_UNKNOWN;
}

/*
 * The first bytes (up to 8) a write carries, read from the syscall's user
 * buffer; 0 when unknown (io_uring: the buffer is in the SQE).
 */
static __always_inline __u32 vw_write_bytes(__u32 path, struct pt_regs *regs, __u32 size, __u64 *out)
{
	const void *buf = NULL;
	struct iovec iov;
	__u32 n = size < 8 ? size : 8;

	*out = 0;
	switch (path) {
	case VW_PATH_WRITE:
	case VW_PATH_PWRITE:
		buf = (const void *)VW_SYSCALL_ARG2(regs);
		break;
	case VW_PATH_WRITEV:
	case VW_PATH_PWRITEV:
		if (bpf_probe_read_user(&iov, sizeof(iov), (void *)VW_SYSCALL_ARG2(regs)))
			return 0;
		buf = iov.iov_base;
		if (iov.iov_len < n)
			n = iov.iov_len;
		break;
	default:
		return 0;
	}
	n &= 0xf;
	if (n > 8)
		n = 8;
	if (!buf || !n || bpf_probe_read_user(out, n, buf))
		return 0;
	return n;
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
	__sync_fetch_and_add(&st->pending, 1);
	if (now - st->last_ns < VW_SCRUB_EVENT_NS)
		return 0;
	*count = __sync_lock_test_and_set(&st->pending, 0);
	if (!*count)
		return 0;	/* another task just reported them */
	st->last_ns = now;
	return 1;
}

/*
 * The task's word to vfio_pci_config_rw's fentry and fexit: which access the
 * veto judged (so the fentry knows it is not a bypass) and which DSN serial a
 * read it let through must not show. Set by the veto, which the kernel never
 * skips, right before the access; no program runs on rw_verify_area().
 */
static __always_inline struct vw_ticket *vw_task_ticket(struct task_struct *task)
{
	return bpf_task_storage_get(&vw_tickets, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
}

/*
 * Does file descriptor fd of this task name this very file? task is a trusted
 * BTF pointer: its fields are plain loads (fault-safe, CO-RE relocated); only
 * the fd array's slot, a pointer to pointers, needs a helper.
 */
static __always_inline int vw_fd_is(struct task_struct *task, __u64 fd, struct file *file)
{
	struct fdtable *fdt = task->files->fdt;
	struct file **fds, *f = NULL;

	if (!fdt || fd >= fdt->max_fds)
		return 0;
	fds = fdt->fd;
	return !bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) && f == file;
}

/*
 * The device behind a VFIO file, remembered in the task's ticket: a VMM
 * thread keeps touching the same device, and resolving it reads two strings
 * and a dozen fields. Reused only while the file, its vfio_device and that
 * device's struct device are the ones it was read from. NULL: not a PCI device.
 */
static __always_inline struct vw_devinfo *vw_devinfo_cached(struct file *file, struct vw_ticket *t)
{
	struct vfio_device___vw *vdev = vw_file_vdev(file);
	void *dev = vdev ? BPF_CORE_READ(vdev, dev) : NULL;

	if (!dev)
		return NULL;
	if (t->info_file == file && t->info.vdev == vdev && t->info_dev == dev)
		return &t->info;
	t->info_file = NULL;
	if (vw_devinfo_of(vdev, &t->info))
		return NULL;
	t->info_file = file;
	t->info_dev = dev;
	return &t->info;
}

/*
 * Arm vfio_pci_config_rw's fentry and fexit to scrub what this read returns
 * of a DSN serial. Armed by the veto; each vfio_pci_config_rw call whose
 * bytes overlap the serial then owes a scrub (the fentry counts it in
 * scrub_owed), which that call's fexit pays. A debt still open at the task's
 * next VFIO access is a scrub the kernel skipped (the fexit is a tracing
 * program): scrub_missed. 1 if the bytes overlap the serial.
 */
static __always_inline int vw_arm_scrub(struct vw_ticket *t, __u32 off, __u32 count, __u32 dsn_off,
					const char *bdf, __u32 slot)
{
	__u32 bo, so;
	__u64 *serial;

	if (!vw_dsn_overlap(off, count, dsn_off, &bo, &so))
		return 0;
	serial = bpf_map_lookup_elem(&vw_serials, bdf);
	t->scrub_dsn = dsn_off;
	t->serial = serial ? *serial : 0;
	t->scrub_slot = slot;
	t->scrub_armed = 1;
	return 1;
}

/* A DSN read whose reader may have kept real serial bytes: counted, never silent. */
static __always_inline void vw_count_scrub_missed(__u32 slot)
{
	struct vw_global_counters *g = vw_globals();
	struct vw_counters *c = vw_slot_counters(slot);

	if (c)
		__sync_fetch_and_add(&c->scrub_missed, 1);
	if (g)
		__sync_fetch_and_add(&g->scrub_missed, 1);
}

/* A scrub the fexit still owed when the task came back: it was skipped. */
static __always_inline void vw_check_scrub_debt(struct vw_ticket *t)
{
	t->scrub_armed = 0;
	if (!t->scrub_owed)
		return;
	t->scrub_owed = 0;
	vw_count_scrub_missed(t->scrub_slot);
}

/* `learn` is recording: note the bytes an access the veto let through touched. */
static __always_inline void vw_learn_record(__u32 slot, int dir, __u32 off, __u32 size)
{
	__u32 zero = 0, *on = bpf_map_lookup_elem(&vw_learning, &zero);
	struct vw_learn *l;

	if (!on || !*on)
		return;
	if (slot > VW_MAX_DEVICES)
		slot = VW_MAX_DEVICES;
	l = bpf_map_lookup_elem(&vw_learn, &slot);
	if (l)
		vw_learn_note(l, dir, off, size);
}

/* An access under judgement, as the veto's steps fill it in. */
struct vw_access {
	struct pt_regs *regs;	/* the syscall's */
	__u64 value;		/* a write's first bytes (value_len of them) */
	struct vw_reach reach;	/* the bytes it can reach (include/vw_extent.h) */
	__u32 dir, at, path, value_len, count;
	int action, tph_reason;
};

/* The bytes this access can reach, from its syscall's registers (include/vw_extent.h). */
static __always_inline void vw_access_reach(struct task_struct *task, struct file *file, __u32 write,
					    struct vw_access *a)
{
	/* a plain local: BPF_CORE_READ(a->regs, ...) would relocate struct vw_access too */
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	__u64 pos = 0, count = 0;
	int fd_ok = 0;

	a->regs = regs;
	a->path = vw_access_path(task, regs);
	if (a->path == VW_PATH_PREAD || a->path == VW_PATH_PWRITE) {
		fd_ok = vw_fd_is(task, VW_SYSCALL_ARG1(regs), file);
		count = VW_SYSCALL_ARG3(regs);
		pos = VW_SYSCALL_ARG4(regs);
	} else if (a->path == VW_PATH_PREADV || a->path == VW_PATH_PWRITEV) {
		pos = VW_SYSCALL_ARG4(regs);
	}
	vw_reach_of(a->path, write, fd_ok, pos, count, &a->reach);
}

/*
 * A write reaching TPH Requester Control or an in-capability ST table: the TPH
 * rules may raise the verdict. Bytes we could not read (io_uring) are judged as
 * all ones, the worst case, as vw_tph_cfg_write treats unseen bytes. noinline:
 * its locals would otherwise sit in the veto's frame (see vw_select_layers).
 */
static __noinline void vw_judge_tph_write(const struct vw_device *d, struct vw_access *a)
{
	__u32 off = a->reach.off, size = a->reach.size;
	int seen = a->value_len >= (size < 8 ? size : 8), ta;
	__u64 tdata = seen ? a->value : ~0ULL;	/* a real buffer, never NULL: the verifier follows it */

	if (!d->tph_off || off + size <= d->tph_off + VW_TPH_CTRL_REG || off >= (__u32)d->tph_off + d->tph_len)
		return;
	ta = vw_tph_cfg_write(&d->tph, d->tph_off, d->tph_len, d->tph_st_in_cap, off, size,
			      (const __u8 *)&tdata, &a->tph_reason);
	if (!seen && ta != VW_ALLOW)
		a->tph_reason = VW_TPH_R_CFG_UNSEEN;
	if (ta > a->action) {
		a->action = ta;
		a->at = off;
	}
}

/* The verdict for the bytes the access can reach: the policy's, and for writes the TPH rules'. */
static __always_inline void vw_judge(const struct vw_device *d, struct vw_access *a)
{
	a->action = vw_decide(d, a->reach.off, a->reach.size, a->dir, &a->at);
	if (a->dir != VW_DIR_WRITE)
		return;
	if (a->reach.extent == VW_EXTENT_EXACT)	/* the bytes written are known only then */
		a->value_len = vw_write_bytes(a->path, a->regs, a->reach.size, &a->value);
	vw_judge_tph_write(d, a);
}

#include "aggregate.bpf.h"

/*
 * Audits and denials are reported, identical ones in a flood counted into one
 * record per window (aggregate.bpf.h); scrubs are, rate-limited (count: reads
 * since the last).
 */
static __always_inline void vw_report_access(const struct vw_devinfo *info, const struct vw_device *d,
					     struct vw_counters *c, struct vw_access *a)
{
	struct vw_event *e;

	a->count = 1;
	if (a->action != VW_AUDIT && a->action != VW_DENY &&
	    !(a->action == VW_SCRUB && vw_scrub_event_due(info, &a->count)))
		return;
	if (vw_agg_report(info, d, c, a))
		return;
	e = vw_event_begin(VW_EV_CONFIG, info, c);
	if (!e)
		return;
	vw_event_access(e, a->action, a->dir, a->reach.off, a->reach.size, a->at, d->cap[a->at & (VW_CFG_SIZE - 1)]);
	e->err = a->action == VW_DENY ? EPERM : 0;
	e->count = a->count;
	e->path = a->path;
	e->extent = a->reach.extent;
	e->value = a->value;
	e->value_len = a->value_len;
	e->tph_reason = a->tph_reason;
	vw_event_end(e, c);
}

/*
 * An allowed access: the ticket tells vfio_pci_config_rw's fentry which bytes
 * were judged (so that program does no lookups), and a DSN read arms the scrub.
 */
static __always_inline void vw_pass(struct vw_ticket *t, const struct vw_devinfo *info,
				    const struct vw_device *d, const struct vw_access *a)
{
	t->vdev = info->vdev;
	t->write = a->dir;
	t->pos = a->reach.off;
	/* judged to the end of config space: bytes past it fail in vfio-pci, judged or not */
	t->end = vw_reach_to_end(&a->reach) ? ~0ULL : a->reach.off + a->reach.size;
	t->slot = d->slot;
	t->judged = 1;
	if (a->dir == VW_DIR_READ && d->dsn_off &&
	    VW_ACT_READ(d->act[(d->dsn_off + VW_DSN_SERIAL_OFF) & (VW_CFG_SIZE - 1)]) == VW_SCRUB)
		vw_arm_scrub(t, a->reach.off, a->reach.size, d->dsn_off, info->bdf, d->slot);
}

/*
 * The veto, shared by the BPF LSM and the fmod_ret attachment. It runs for
 * every read and write on the host: files that are not VFIO device files
 * leave at the first compare (one load of file->f_op), the whole cost that
 * vfio-warden adds to the host's other I/O (`make bench`).
 */
static __always_inline int vw_permission(struct file *file, int mask, int ret)
{
	struct task_struct *task;
	struct vw_access a = {};
	struct vw_devinfo *info;
	struct vw_dev_key key = {};
	struct vw_device *d;
	struct vw_counters *c;
	struct vw_ticket *t;

	if (ret || !vw_is_vfio_device_file(file) || vw_retired())
		return ret;
	task = bpf_get_current_task_btf();
	t = vw_task_ticket(task);
	if (!t)
		return -EPERM;	/* no memory for the fentry's word: refuse rather than report a bypass */
	vw_check_scrub_debt(t);
	t->judged = 0;
	a.dir = mask & VW_MAY_WRITE ? VW_DIR_WRITE : VW_DIR_READ;
	vw_access_reach(task, file, a.dir, &a);
	if (!a.reach.config)
		return 0;	/* not config space */
	info = vw_devinfo_cached(file, t);
	if (!info)
		return 0;	/* not a PCI device */
	d = vw_device_for(info, &key);
	if (!d)
		return -EPERM;	/* fail closed: a device we cannot judge (see `errors`, `contended`) */
	vw_judge(d, &a);
	c = vw_slot_counters(d->slot);
	if (c) {
		__sync_fetch_and_add(&c->judged[a.dir & 1][a.action & 3], 1);
		if (a.reach.extent != VW_EXTENT_EXACT)
			__sync_fetch_and_add(&c->inexact[a.dir & 1], 1);
	}
	vw_report_access(info, d, c, &a);
	if (a.action == VW_DENY)
		return -EPERM;
	if (a.reach.extent == VW_EXTENT_EXACT)	/* learn what was used, not what could have been */
		vw_learn_record(d->slot, a.dir, a.reach.off, a.reach.size);
	vw_pass(t, info, d, &a);
	return 0;
}

SEC("fmod_ret/security_file_permission")
int BPF_PROG(vw_file_permission, struct file *file, int mask, int ret)
{
	return vw_permission(file, mask, ret);
}

SEC("lsm/file_permission")
int BPF_PROG(vw_lsm_file_permission, struct file *file, int mask, int ret)
{
	/* ret: an earlier BPF LSM program on this hook refused; so do we */
	return vw_lsm_verdict(ret || vw_permission(file, mask, 0));
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
	__u32 bo, so;
	int dir = iswrite ? VW_DIR_WRITE : VW_DIR_READ;

	bpf_probe_read_kernel(&pos, sizeof(pos), ppos);
	off = (__u64)pos & VW_POS_MASK;
	t = bpf_task_storage_get(&vw_tickets, bpf_get_current_task_btf(), 0, 0);
	if (t && t->judged && t->vdev == (void *)&vdev->vdev && t->write == (__u32)dir &&
	    off >= t->pos && off + count <= t->end) {
		/* judged by the veto: everything needed is in the ticket */
		t->pos = off + count;	/* readv/writev: segments arrive in order */
		if (t->pos >= t->end)
			t->judged = 0;
		if (t->scrub_armed && !iswrite && vw_dsn_overlap(off, count, t->scrub_dsn, &bo, &so))
			t->scrub_owed++;
		c = vw_slot_counters(t->slot);
		if (c)
			__sync_fetch_and_add(&c->reached[dir & 1], 1);
		return 0;
	}

	/* Nobody judged this access: a bypass. Resolve the device the slow way
	 * (reported even if that fails: an empty name says so). */
	vw_devinfo_of((void *)&vdev->vdev, &info);
	d = vw_device_lookup(&info, &key);
	c = vw_slot_counters(d ? d->slot : vw_slot_of(info.bdf));
	if (c) {
		__sync_fetch_and_add(&c->reached[dir & 1], 1);
		__sync_fetch_and_add(&c->bypass, 1);
	}
	/* the serial stays scrubbed even on a path nobody judged; no other device's arming applies */
	if (t)
		t->scrub_armed = 0;
	if (d && !iswrite && d->dsn_off &&
	    VW_ACT_READ(d->act[(d->dsn_off + VW_DSN_SERIAL_OFF) & (VW_CFG_SIZE - 1)]) == VW_SCRUB) {
		if (!t)
			t = bpf_task_storage_get(&vw_tickets, bpf_get_current_task_btf(), 0,
						 BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (t && vw_arm_scrub(t, off, count, d->dsn_off, info.bdf, d->slot))
			t->scrub_owed++;
	}
	e = vw_event_begin(VW_EV_BYPASS, &info, c);
	if (!e)
		return 0;
	vw_event_access(e, VW_AUDIT, dir, off, count, off, d ? d->cap[off & (VW_CFG_SIZE - 1)] : VW_CAP_UNASSIGNED);
	vw_event_end(e, c);
	return 0;
}

SEC("fexit/vfio_pci_config_rw")
int BPF_PROG(vw_config_rw_exit, struct vfio_pci_core_device___vw *vdev, char *buf, size_t count,
	     loff_t *ppos, bool iswrite, ssize_t ret)
{
	struct vw_ticket *t = bpf_task_storage_get(&vw_tickets, bpf_get_current_task_btf(), 0, 0);
	__u32 bo, so, n, k, unwritable = 0;
	loff_t pos = 0;
	__u64 off, len;
	__u8 b, cur;

	/* armed, not owed: the fentry that counts the debt may have been skipped,
	 * and the scrub must not depend on it */
	if (!t || !t->scrub_armed || iswrite)
		return 0;
	bpf_probe_read_kernel(&pos, sizeof(pos), ppos);
	off = (__u64)pos & VW_POS_MASK;
	/*
	 * Success: *ppos moved past the ret bytes copied. Failure: *ppos did not
	 * move, yet vfio-pci copies a dword at a time, so the chunks before the
	 * one that failed (a fault in the reader's buffer) are in the buffer:
	 * scrub every serial byte of the whole request, whatever came back.
	 */
	if (ret > 0) {
		off -= ret;
		len = ret;
	} else {
		len = count;
	}
	if (off > VW_CFG_SIZE)
		off = VW_CFG_SIZE;
	if (len > VW_CFG_SIZE)
		len = VW_CFG_SIZE;
	/* off is where the call began: the debt is this call's if its fentry counted one */
	if (!vw_dsn_overlap(off, count > VW_CFG_SIZE ? VW_CFG_SIZE : count, t->scrub_dsn, &bo, &so))
		return 0;
	n = vw_dsn_overlap(off, len, t->scrub_dsn, &bo, &so);
	for (k = 0; k < VW_DSN_SERIAL_LEN; k++) {
		if (k >= n)
			break;
		b = vw_dsn_byte(t->serial, so + k);
		/*
		 * A write fails where nothing was copied (a fault-cut read's missing
		 * page), and also on a byte that is there but not writable without a
		 * fault, which BPF cannot take: a page made copy-on-write by a fork of
		 * the reader since vfio-pci copied into it. The reader keeps that byte.
		 */
		if (bpf_probe_write_user(buf + bo + k, &b, 1) && !bpf_probe_read_user(&cur, 1, buf + bo + k))
			unwritable = 1;
	}
	if (unwritable)
		vw_count_scrub_missed(t->scrub_slot);
	if (t->scrub_owed)
		t->scrub_owed--;
	return 0;
}

/* ---- TPH: the judged uAPI revision's calls ------------------------------- */

/*
 * The TPH uAPI revision judged (include/vw_tph_rev.h), set by the loader before
 * load (user/loader/attach.c); revision 1 unless told. Read-only data rather
 * than a map the programs look up: the kernel freezes it, so the verifier
 * knows every field as a constant. The dispatcher's test costs one load and
 * one compare of cmd, as the immediate compare did, with no map lookup; the
 * other kind of revision's branches are dead code the verifier drops; and the
 * masked positions of the decoder work on constant sizes. The price: the
 * revision is fixed for the life of the programs (`status` reads it back from
 * this map; changing it means detach and attach).
 */
const volatile struct vw_tph_rev vw_tph_rev = VW_TPH_REV_V1;

/* The descriptor, as a plain pointer for the shared decoder. Opaque: casting
 * volatile away would let clang fold in the initializer (revision 1) instead
 * of reading what the loader wrote. */
static __always_inline const struct vw_tph_rev *vw_rev(void)
{
	const struct vw_tph_rev *r = (const struct vw_tph_rev *)&vw_tph_rev;

	VW_OPAQUE(r);
	return r;
}

struct vw_tph_chunks {
	const struct vw_tph_policy *pol;
	struct vw_tph_work *w;
	__u64 arg;
	__u32 n;
};

/* One chunk of GET_ST/SET_ST entries: copy from the caller, decode, check each. */
static long vw_tph_chunk(__u64 index, void *ctx)
{
	const struct vw_tph_rev *r = vw_rev();
	struct vw_tph_chunks *c = ctx;
	struct vw_tph_work *w = c->w;
	struct vw_tph_decode dec = {};
	struct vw_tph_batch b = {};
	__u32 base = (__u32)index * VW_TPH_CHUNK, left;
	__u64 sz;	/* 64-bit: its clamp bounds it for bpf_probe_read_user on 6.1 */

	if (!w || base >= c->n)
		return 1;
	left = c->n - base;
	if (left > VW_TPH_CHUNK)
		left = VW_TPH_CHUNK;
	sz = (__u64)left * r->ent_size;
	if (sz > VW_TPH_RAW_SIZE)
		sz = VW_TPH_RAW_SIZE;
	if (!sz || bpf_probe_read_user(w->raw, sz, (void *)(c->arg + r->ents_off + (__u64)base * r->ent_size))) {
		w->unreadable = 1;
		return 1;
	}
	dec.rev = r;
	dec.raw = w->raw;
	dec.ents = w->sc.ents;
	dec.n = left;
	vw_tph_decode_chunk(&dec);
	b.pol = c->pol;
	b.ents = w->sc.ents;
	b.caller_cpus = w->sc.caller_cpus;
	b.res = &w->sc.res;
	b.n = left;
	b.base = base;
	vw_tph_check_chunk(&b);
	return 0;
}

/*
 * A TPH call's verdict: its fixed part, decoded by the judged revision, then
 * every entry it hands the driver, copied from the caller in chunks. w: the
 * claimed per-CPU work area (the refused entries land in w->sc.res). Inlined:
 * its locals are the caller's frame.
 */
static __always_inline int vw_tph_judge_call(const struct vw_device *d, struct vw_tph_work *w, unsigned long arg,
					     struct vw_tph_call *call, int *reason)
{
	const struct vw_tph_rev *r = vw_rev();
	struct vw_tph_chunks chunks = {};
	__u32 n = 0, sz = r->fixed_size;
	int action;

	if (sz > VW_TPH_REV_FIXED_MAX)
		sz = VW_TPH_REV_FIXED_MAX;
	__builtin_memset(w->hdr, 0, sizeof(w->hdr));
	if (!sz || bpf_probe_read_user(w->hdr, sz, (void *)arg)) {
		*reason = VW_TPH_R_UNREADABLE;
		return VW_AUDIT;	/* the driver fails it with EFAULT too */
	}
	vw_tph_decode_hdr(r, w->hdr, call);
	action = vw_tph_judge_header(&d->tph, call->argsz, call->op, call->mode, call->count, reason);
	if (action != VW_DENY)
		n = vw_tph_entries_to_check(call->op, call->count);
	if (n) {
		const struct cpumask *cpus = BPF_CORE_READ(bpf_get_current_task_btf(), cpus_ptr);

		__builtin_memset(w->sc.caller_cpus, 0, sizeof(w->sc.caller_cpus));
		bpf_probe_read_kernel(w->sc.caller_cpus, sizeof(w->sc.caller_cpus), &cpus->bits);
		chunks.pol = &d->tph;
		chunks.w = w;
		chunks.arg = arg;
		chunks.n = n;
		VW_LOOP((n + VW_TPH_CHUNK - 1) / VW_TPH_CHUNK, vw_tph_chunk, &chunks);
		if (w->unreadable && !w->sc.res.nbad) {
			action = VW_AUDIT;
			*reason = VW_TPH_R_UNREADABLE;
		}
	}
	return vw_tph_verdict(action, w->sc.res.nbad, reason);
}

/* A TPH call audited or refused: its event, with the first refused entries. */
static __always_inline void vw_tph_report(const struct vw_devinfo *info, struct vw_counters *c,
					  const struct vw_tph_work *w, const struct vw_tph_call *call, int action,
					  int reason)
{
	struct vw_event *e = vw_event_begin(VW_EV_TPH, info, c);
	__u32 k;

	if (!e)
		return;
	e->action = action;
	e->err = action == VW_DENY ? EPERM : 0;
	e->tph_rev = vw_rev()->id;
	e->tph_op = call->op;
	e->tph_mode = call->mode;
	e->tph_count = call->raw_count;
	e->tph_reason = reason;
	e->tph_nbad = w->sc.res.nbad;
	e->tph_nrec = w->sc.res.nrec;
	for (k = 0; k < VW_TPH_MAX_BAD; k++) {
		e->bad_idx[k] = w->sc.res.bad_idx[k];
		e->bad_cpu[k] = w->sc.res.bad_cpu[k];
		e->bad_reason[k] = w->sc.res.bad_reason[k];
		e->bad_mem[k] = w->sc.res.bad_mem[k];
	}
	vw_event_end(e, c);
}

/* A call of the judged TPH revision (the dispatcher recognised it) on a VFIO device file. */
static __noinline int vw_tph_ioctl(struct file *file, unsigned long arg, int ret)
{
	struct vw_dev_key key = {};
	struct vw_devinfo info;
	struct vw_tph_work *w;
	struct vw_counters *c;
	struct vw_device *d;
	__u32 zero = 0, *claim;
	int action, reason = VW_TPH_R_NONE;

	if (ret || !vw_is_vfio_device_file(file) || vw_retired())
		return ret;
	if (vw_devinfo_get(file, &info))
		return 0;
	d = vw_device_for(&info, &key);
	if (!d)
		return -EPERM;	/* fail closed: steering tags are not handed out unjudged */
	claim = vw_claim(VW_CLAIM_TPH);
	if (!claim)
		return -EPERM;
	w = bpf_map_lookup_elem(&vw_tph_work_map, &zero);
	if (!w) {
		vw_release(claim);
		return -EPERM;
	}
	vw_tph_result_reset(&w->sc.res);
	w->unreadable = 0;
	__builtin_memset(&w->call, 0, sizeof(w->call));
	action = vw_tph_judge_call(d, w, arg, &w->call, &reason);
	c = vw_slot_counters(d->slot);
	if (c)
		__sync_fetch_and_add(&c->tph[action & 3], 1);
	if (action != VW_ALLOW)
		vw_tph_report(&info, c, w, &w->call, action, reason);
	vw_release(claim);
	return action == VW_DENY ? -EPERM : 0;
}

/* vw_vfio_ioctl's answer for a call of the judged TPH revision (never an errno) */
#define VW_IOC_IS_TPH 1

/* What one judged VFIO device ioctl was: filled by the per-class readers. */
struct vw_ioc_call {
	__u32 cmd;
	__u32 cls;		/* enum vw_ioc_class */
	__u32 flags;		/* FEATURE: vfio_device_feature.flags */
	__u32 reason;		/* enum vw_ioc_reason */
	__u32 count;		/* PCI_HOT_RESET: group fds */
	__s32 fds[8];
};

/* VFIO_DEVICE_FEATURE: the flags word after argsz picks the class. An
 * unreadable header is refused: the driver's copy could still fault it in. */
static __always_inline int vw_ioc_read_feature(struct vw_ioc_call *call, unsigned long arg)
{
	__u32 hdr[2];

	if (bpf_probe_read_user(hdr, sizeof(hdr), (void *)arg)) {
		call->cls = VW_IOC_OTHER;
		call->reason = VW_IOC_R_UNREADABLE;
		return -1;
	}
	call->flags = hdr[1];
	call->cls = vw_ioc_classify(call->cmd, hdr[1]);
	return 0;
}

/* VFIO_DEVICE_PCI_HOT_RESET: {argsz, flags, count, group_fds[count]}; the
 * event carries the first 8 fds, user space names the devices behind them. */
static __always_inline void vw_ioc_read_hot_reset(struct vw_ioc_call *call, unsigned long arg)
{
	__u32 hdr[3];

	if (bpf_probe_read_user(hdr, sizeof(hdr), (void *)arg))
		return;	/* judged by its rule all the same; the driver fails it */
	call->flags = hdr[1];
	call->count = hdr[2];
	bpf_probe_read_user(call->fds, sizeof(call->fds), (void *)(arg + sizeof(hdr)));
}

/* Count the verdict and report anything but allow. */
static __always_inline void vw_ioc_report(const struct vw_devinfo *info, const struct vw_device *d,
					  const struct vw_ioc_call *call, int action)
{
	struct vw_counters *c = vw_slot_counters(d->slot);
	struct vw_event *e;
	__u32 k;

	if (c)
		__sync_fetch_and_add(&c->ioctl[call->cls & (VW_IOC_SLOTS - 1)][action & 3], 1);
	if (action == VW_ALLOW)
		return;
	e = bpf_ringbuf_reserve(&vw_events, sizeof(*e), 0);
	if (!e) {
		vw_event_lost(c);
		return;
	}
	vw_event_fill(e, VW_EV_IOCTL, info);
	e->action = action;
	e->err = action == VW_DENY ? EPERM : 0;
	e->ioc_cmd = call->cmd;
	e->ioc_class = call->cls;
	e->ioc_flags = call->flags;
	e->ioc_reason = call->reason;
	e->ioc_count = call->count;
	for (k = 0; k < 8; k++)
		e->ioc_fds[k] = call->fds[k];
	bpf_ringbuf_submit(e, 0);
	if (c)
		__sync_fetch_and_add(&c->events, 1);
}

/*
 * A FEATURE call the veto lets through: its verdict, for the driver's fentry
 * to compare with the flags the kernel copies later (vw_ioc_race_check).
 * noinline: its frame is not on the veto's deepest chain (vw_device_for).
 */
static __noinline void vw_ioc_record(const struct vw_device *d, const struct vw_ioc_call *call, __u64 vdev,
				     int action)
{
	struct vw_ioc_judged *j;

	if (!d || !call)
		return;
	j = bpf_task_storage_get(&vw_feature_verdicts, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!j)
		return;	/* no memory: the driver's fentry reports the call as unjudged */
	j->vdev = vdev;
	j->flags = call->flags;
	j->cls = call->cls;
	j->action = action;
	j->slot = d->slot;
	__builtin_memcpy(j->rules, d->ioctl, sizeof(j->rules));
	j->armed = action != VW_DENY;
}

/* The thread's recorded FEATURE verdict no longer stands (the TPH judge refused the call). */
static __always_inline void vw_ioc_disarm(void)
{
	struct vw_ioc_judged *j = bpf_task_storage_get(&vw_feature_verdicts, bpf_get_current_task_btf(), 0, 0);

	if (j)
		j->armed = 0;
}

/* RESET, PCI_HOT_RESET, SET_IRQS, FEATURE on a VFIO PCI device file. */
static __noinline int vw_vfio_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vw_ioc_call call = {};
	struct vw_dev_key key = {};
	struct vw_devinfo info;
	struct vw_device *d;
	int action;

	if (!file || !vw_is_vfio_device_file(file) || vw_retired())
		return 0;
	if (vw_devinfo_get(file, &info))
		return 0;
	d = vw_device_for(&info, &key);
	if (!d)
		return -EPERM;	/* fail closed, as for TPH */
	call.cmd = cmd;
	call.cls = vw_ioc_classify(cmd, 0);
	if (cmd == VW_VFIO_DEVICE_FEATURE && vw_ioc_read_feature(&call, arg))
		action = VW_DENY;
	else if (vw_rev()->feature && cmd == vw_rev()->cmd &&
		 (call.flags & (VW_TPH_FEATURE_MASK | VW_TPH_FEATURE_PROBE)) == vw_rev()->feature) {
		vw_ioc_record(d, &call, (__u64)info.vdev, VW_ALLOW);	/* vw_ioctl disarms it if TPH refuses */
		return VW_IOC_IS_TPH;	/* the judged TPH revision's feature: its own rules */
	} else {
		if (cmd == VW_VFIO_DEVICE_PCI_HOT_RESET)
			vw_ioc_read_hot_reset(&call, arg);
		action = vw_ioc_judge(d->ioctl, call.cls, &call.reason);
	}
	if (cmd == VW_VFIO_DEVICE_FEATURE)
		vw_ioc_record(d, &call, (__u64)info.vdev, action);
	vw_ioc_report(&info, d, &call, action);
	return action == VW_DENY ? -EPERM : 0;
}

/*
 * The ioctl dispatcher: the judged TPH revision's calls keep their own rules;
 * the rest by vw_ioctl.h. Other ioctls pay one compare of cmd against the
 * revision's, as before revisions were a table. A revision that rides on
 * VFIO_DEVICE_FEATURE is recognised by vw_vfio_ioctl, which reads the
 * feature header for the ioctl rules anyway (and ends before TPH's frames).
 */
static __always_inline int vw_ioctl(struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	const struct vw_tph_rev *r = vw_rev();

	if (cmd == r->cmd && !r->feature)
		return vw_tph_ioctl(file, arg, ret);
	if (ret || !vw_ioc_cmd_judged(cmd))
		return ret;
	ret = vw_vfio_ioctl(file, cmd, arg);
	if (ret != VW_IOC_IS_TPH)
		return ret;
	ret = vw_tph_ioctl(file, arg, 0);
	if (ret)
		vw_ioc_disarm();
	return ret;
}

SEC("fmod_ret/security_file_ioctl")
int BPF_PROG(vw_file_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	return vw_ioctl(file, cmd, arg, ret);
}

SEC("lsm/file_ioctl")
int BPF_PROG(vw_lsm_file_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	return vw_lsm_verdict(ret || vw_ioctl(file, cmd, arg, 0));
}

/*
 * A 32-bit ioctl (a 32-bit process, or a 64-bit one through int $0x80) enters
 * compat_sys_ioctl, which asks security_file_ioctl_compat instead (6.8, and
 * 6.1 stable: Debian's 6.1.0-57 has it): without these, every such call went
 * unjudged. Same judge, same counters and events as the native hook. arg is
 * the caller's 32-bit word; the driver makes it a pointer with compat_ptr(),
 * zero extension on x86, as here. The structures these calls pass (vfio's,
 * the TPH revisions') have only 8-, 16- and 32-bit members, no pointer: the
 * i386 layout is the native one. Kernels without the hook ask
 * security_file_ioctl for compat ioctls too, and the loader leaves these out
 * there (user/loader/attach.c).
 */
SEC("fmod_ret/security_file_ioctl_compat")
int BPF_PROG(vw_file_ioctl_compat, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	return vw_ioctl(file, cmd, (__u32)arg, ret);
}

SEC("lsm/file_ioctl_compat")
int BPF_PROG(vw_lsm_file_ioctl_compat, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	return vw_lsm_verdict(ret || vw_ioctl(file, cmd, (__u32)arg, 0));
}

/* ---- the FEATURE header race: judged at the hook, used from the kernel's copy ---- */

#define VW_SIGKILL 9

/*
 * A FEATURE call the driver got unlike judged (or unjudged): counted, reported,
 * and under on_race: kill the process gets SIGKILL, delivered before this
 * ioctl returns to user space (the call itself runs). j is the thread's record
 * (NULL: none). noinline: the names and the event are in its frame alone.
 */
static __noinline void vw_ioc_race(const struct vw_ioc_judged *j, struct vfio_device___vw *device, __u32 flags,
				   __u32 kind)
{
	struct vw_devinfo info = {};
	struct vw_dev_key key = {};
	const struct vw_device *d = NULL;
	const __u8 *rules = NULL;
	struct vw_counters *c;
	struct vw_event *e;
	__u32 cls = vw_ioc_classify(VW_VFIO_DEVICE_FEATURE, flags), on_race = VW_AUDIT, slot, reason;

	vw_devinfo_of(device, &info);	/* reported even if that fails: an empty name says so */
	if (kind == VW_RACE_FLAGS && j) {
		rules = j->rules;
		slot = j->slot;
		on_race = vw_ioc_on_race(j->rules);
	} else {
		d = vw_device_lookup(&info, &key);
		rules = d ? d->ioctl : NULL;
		slot = d ? d->slot : vw_slot_of(info.bdf);
	}
	c = vw_slot_counters(slot);
	if (on_race == VW_IOC_KILL)
		bpf_send_signal(VW_SIGKILL);
	if (c) {
		__sync_fetch_and_add(&c->race[kind == VW_RACE_FLAGS ? 0 : 1], 1);
		if (on_race == VW_IOC_KILL)
			__sync_fetch_and_add(&c->race[2], 1);
	}
	e = vw_event_begin(VW_EV_RACE, &info, c);
	if (!e)
		return;
	e->action = VW_AUDIT;
	e->ioc_cmd = VW_VFIO_DEVICE_FEATURE;
	e->ioc_class = cls;
	e->ioc_flags = flags;
	e->race_kind = kind;
	e->on_race = on_race;
	e->used_action = rules ? vw_ioc_judge(rules, cls, &reason) : VW_UNSET;
	if (kind == VW_RACE_FLAGS && j) {
		e->judged_flags = j->flags;
		e->judged_class = j->cls;
		e->judged_action = j->action;
	}
	vw_event_end(e, c);
}

/*
 * vfio-pci's feature handler, with the flags vfio_main copied and dispatched
 * on (the variant drivers built on vfio-pci-core use it too). Only FEATURE
 * calls that reach the driver run it. The thread's record is used once.
 */
SEC("fentry/vfio_pci_core_ioctl_feature")
int BPF_PROG(vw_ioc_feature_used, struct vfio_device___vw *device, __u32 flags, void *arg, size_t argsz)
{
	struct vw_ioc_judged *j;
	__u32 kind;

	if (vw_retired())
		return 0;
	j = bpf_task_storage_get(&vw_feature_verdicts, bpf_get_current_task_btf(), 0, 0);
	kind = vw_ioc_race_check(j, (__u64)device, flags);
	if (j)
		j->armed = 0;
	if (kind != VW_RACE_NONE)
		vw_ioc_race(j, device, flags, kind);
	return 0;
}
