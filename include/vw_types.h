/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the BPF programs and user space share: limits, actions, map keys and
 * values, the event record. Plain C with fixed-size types only, so the same
 * header compiles under clang -target bpf and under the host compiler.
 */
#ifndef VW_TYPES_H
#define VW_TYPES_H

#ifdef __VW_BPF__
/* vmlinux.h already provides __u8.. __u64 */
#else
#include <linux/types.h>
#endif

#define VW_CFG_SIZE        4096	/* PCIe config space */
#define VW_STD_CFG_SIZE    256	/* conventional PCI config space */
#define VW_HEADER_SIZE     64	/* type 0/1 header */
#define VW_BLOCK_SHIFT     6	/* blockmax[] summarises 64-byte blocks */
#define VW_NBLOCKS         (VW_CFG_SIZE >> VW_BLOCK_SHIFT)
#define VW_NAME_LEN        16	/* "0000:00:0a.0" + NUL, padded */
#define VW_MAX_DEVICES     256
/* counters slots: the loader hands out [0, VW_LOADER_SLOTS), BPF the rest */
#define VW_LOADER_SLOTS    (VW_MAX_DEVICES / 2)
#define VW_MAX_PROFILES    64	/* per generation */
#define VW_MAX_RANGES      64	/* explicit ranges per profile (a power of two; `learn` writes many) */
#define VW_NLAYERS         5	/* bdf, vendor:device, vendor, class, default */
#define VW_NGENS           2	/* double-buffered policy generations */
#define VW_GEN_RETIRED     0x80000000u	/* vw_active_gen flag: detaching, the vetoes stand down */
#define VW_NO_PROFILE      0xff
#define VW_CONFIG_REGION   7ULL	/* VFIO_PCI_CONFIG_REGION_INDEX */
#define VW_REGION_SHIFT    40	/* VFIO_PCI_OFFSET_SHIFT */
#define VW_POS_MASK        ((1ULL << VW_REGION_SHIFT) - 1)	/* VFIO_PCI_OFFSET_MASK: the offset within a region */

/*
 * Actions, ordered by severity so that "the strongest action over a byte
 * range" is a max(). SCRUB is a read-only action (rewrite bytes the reader
 * gets; DSN) and ranks below DENY.
 */
enum vw_action {
	VW_ALLOW = 0,
	VW_AUDIT = 1,
	VW_SCRUB = 2,
	VW_DENY = 3,
};
#define VW_UNSET 0xf	/* rule nibble: "no opinion, ask a less specific layer" */

/* Rule actions as written in a profile: read in the low nibble, write high. */
#define VW_RULE(r, w)     ((__u8)(((r) & 0xf) | (((w) & 0xf) << 4)))
#define VW_RULE_READ(a)   ((a) & 0xf)
#define VW_RULE_WRITE(a)  (((a) >> 4) & 0xf)
#define VW_RULE_NONE      0xff	/* both directions unset */

/* Compiled per-byte action: read in bits 0-1, write in bits 2-3. */
#define VW_ACT(r, w)      ((__u8)(((r) & 3) | (((w) & 3) << 2)))
#define VW_ACT_READ(a)    ((a) & 3)
#define VW_ACT_WRITE(a)   (((a) >> 2) & 3)

/*
 * Per-byte region map, the same encoding as vfio-pci's own pci_config_map so
 * that a device with no walker layout can use vfio's map unchanged:
 * 0 = header, standard capability ID below 0x100, extended capability ID at
 * and above 0x100, 0xff (and vfio's 0xfe "virtualized invalid") = unassigned.
 */
#define VW_CAP_HEADER      0x00
#define VW_CAP_UNASSIGNED  0xff
#define VW_CAP_INVALID_VIRT 0xfe
static inline int vw_cap_is_unassigned(__u8 c)
{
	return c == VW_CAP_UNASSIGNED || c == VW_CAP_INVALID_VIRT;
}

enum vw_region_kind {
	VW_REGION_HEADER = 0,
	VW_REGION_CAPABILITY = 1,
	VW_REGION_UNASSIGNED = 2,
};

/* Selector kinds, most specific first: also the layer order. */
enum vw_sel_kind {
	VW_SEL_BDF = 0,
	VW_SEL_VENDOR_DEVICE = 1,
	VW_SEL_VENDOR = 2,
	VW_SEL_CLASS = 3,	/* value = class code, mask in class_bits */
	VW_SEL_DEFAULT = 4,
};

#define VW_EXT_CAP_TPH_ID 0x17	/* TPH Requester (vw_tph.h: VW_EXT_CAP_TPH) */

/* TPH steering-tag policy (include/vw_tph.h has the rest of TPH). */
enum vw_tph_cpu_mode {
	VW_TPH_CPUS_CALLER = 0,	/* CPUs the calling thread may run on */
	VW_TPH_CPUS_ALL = 1,	/* any CPU below VW_TPH_MAX_CPUS */
	VW_TPH_CPUS_LIST = 2,	/* cpu_list */
};
#define VW_TPH_MAX_CPUS  256
#define VW_TPH_CPU_WORDS (VW_TPH_MAX_CPUS / 64)

/* Per-device TPH policy, a map value. Unknown values fail closed. */
struct vw_tph_policy {
	__u8 ops_allowed;	/* VW_TPH_OP_BIT(op); bits >= VW_TPH_NOPS mean nothing */
	__u8 modes_allowed;	/* ENABLE: VW_TPH_MODE_* bits */
	__u8 mem_types_allowed;	/* VW_TPH_MEM_BIT(mem_type) */
	__u8 cpu_mode;		/* enum vw_tph_cpu_mode; others: no CPU allowed */
	__u8 uapi_version;	/* VW_TPH_UAPI_VERSION it was written for */
	__u8 pad[3];
	__u64 cpu_list[VW_TPH_CPU_WORDS];	/* VW_TPH_CPUS_LIST: CPUs 0..255 */
	__u8 cfg_write_action;	/* enum vw_action for the config-space rules */
	__u8 pad2[7];
};
_Static_assert(sizeof(struct vw_tph_policy) == 48, "tph policy");

/* VFIO device ioctls (include/vw_ioctl.h): rule bytes per layer and device,
 * counter slots per class */
#define VW_IOC_RULE_BYTES 16
#define VW_IOC_SLOTS      16	/* a power of two: BPF indexes with a mask */

struct vw_range {
	__u16 start;
	__u16 len;
	__u8 rule;		/* VW_RULE(read, write) */
	__u8 pad[3];
};

/*
 * One policy layer (a "default:" or "devices:" entry). Every action is a rule
 * nibble pair that may be VW_UNSET, so a device entry states only what it
 * changes and inherits the rest from less specific layers.
 */
struct vw_profile {
	__u8 header;
	__u8 unassigned;
	__u8 cap_any;		/* any capability without its own rule */
	__u8 nranges;
	__u8 std_cap[256];	/* by standard capability ID */
	__u8 ext_cap[256];	/* by extended capability ID (IDs > 0xfd use cap_any) */
	struct vw_range ranges[VW_MAX_RANGES];	/* sorted, non-overlapping */
	struct vw_tph_policy tph;	/* uapi_version 0: unset (ask a less specific layer) */
	__u8 ioctl[VW_IOC_RULE_BYTES];	/* enum vw_action per enum vw_ioc_class, VW_UNSET: ask the next layer */
};

/* Selector map key: which profile applies to devices matching it. */
struct vw_sel_key {
	__u32 gen;
	__u32 kind;		/* enum vw_sel_kind */
	__u32 value;		/* vendor<<16|device, vendor, or class code */
	__u32 class_bits;	/* for VW_SEL_CLASS: 8, 16 or 24 leading bits */
	char bdf[VW_NAME_LEN];	/* for VW_SEL_BDF */
};

struct vw_dev_key {
	__u32 gen;
	char bdf[VW_NAME_LEN];
};

enum vw_dev_source {
	VW_SRC_WALKER = 1,	/* loader walked sysfs config space */
	VW_SRC_VFIO_MAP = 2,	/* BPF compiled it from vfio-pci's pci_config_map */
	VW_SRC_WALKER_CHECKED = 3,	/* the loader's walk, found equal to vfio-pci's map on first access */
};

/* A device's compiled policy: what the hot path reads. */
struct vw_device {
	__u32 slot;		/* index into the counters array */
	__u32 source;		/* enum vw_dev_source */
	__u16 vendor;
	__u16 device_id;
	__u32 class_code;
	__u16 dsn_off;		/* Device Serial Number capability, 0: none */
	__u8 layers[VW_NLAYERS];	/* profile index per layer or VW_NO_PROFILE */
	__u8 tph_st_in_cap;	/* the TPH ST table is inside the capability */
	__u16 tph_off;		/* TPH Requester capability, 0: none */
	__u16 tph_len;
	struct vw_tph_policy tph;	/* resolved: the most specific layer's, or the defaults */
	__u8 ioctl[VW_IOC_RULE_BYTES];	/* resolved per class (vw_ioc_resolve) */
	__u8 blockmax[VW_NBLOCKS];	/* per 64-byte block: max read | max write<<2 */
	__u8 act[VW_CFG_SIZE];	/* VW_ACT(read, write) per byte */
	__u8 cap[VW_CFG_SIZE];	/* region map, pci_config_map encoding */
};

/* Global state: one element array. */
struct vw_state {
	__u32 next_slot;	/* counters slots BPF handed out so far (atomic) */
	__u32 pad;
};

enum vw_dir { VW_DIR_READ = 0, VW_DIR_WRITE = 1 };

/* Per-device counters (per-CPU array indexed by slot). */
struct vw_counters {
	__u64 judged[2][4];	/* [dir][action]: accesses judged by the veto path */
	__u64 reached[2];	/* vfio_pci_config_rw calls that ran */
	__u64 bypass;		/* reached vfio_pci_config_rw without a verdict */
	__u64 tph[4];		/* VFIO_DEVICE_PCI_TPH calls by enum vw_action */
	__u64 events;		/* events submitted to the ring buffer */
	__u64 lost;		/* events that found the ring buffer full */
	__u64 scrub_missed;	/* DSN reads whose scrub the kernel skipped (README: Preemption) */
	__u64 inexact[2];	/* [dir]: judged over more bytes than they reach (include/vw_extent.h) */
	__u64 ioctl[VW_IOC_SLOTS][4];	/* VFIO device ioctls by enum vw_ioc_class and enum vw_action */
	__u64 race[3];		/* FEATURE calls the driver got unlike judged: [0] flags changed after
				 * the veto read them, [1] no verdict recorded, [2] processes killed (on_race) */
};

/* Global counters (per-CPU array, one element). */
struct vw_global_counters {
	__u64 lost;		/* all lost events, whatever the device */
	__u64 compiled;		/* devices compiled from vfio's map in BPF */
	__u64 no_slot;		/* devices beyond VW_MAX_DEVICES */
	__u64 errors;		/* internal failures (map update, read) */
	__u64 contended;	/* refused: a per-CPU scratch was in use by a preempted task */
	__u64 scrub_missed;	/* DSN reads whose scrub the kernel skipped, all devices */
	__u64 walk_corrected;	/* devices whose walked layout differed from vfio-pci's map: recompiled from it */
};

enum vw_event_type {
	VW_EV_CONFIG = 1,	/* audited or denied config access */
	VW_EV_BYPASS = 2,	/* config access that skipped the veto path */
	VW_EV_DEVICE = 3,	/* device seen for the first time after attach */
	VW_EV_TPH = 4,		/* VFIO_DEVICE_PCI_TPH call audited or refused */
	VW_EV_IOCTL = 5,	/* VFIO device ioctl (include/vw_ioctl.h) audited or refused */
	VW_EV_RACE = 6,		/* FEATURE call the driver got unlike judged (vw_ioctl.h: vw_race_kind) */
};

/* How the access entered the kernel; from the syscall number when known. */
enum vw_path {
	VW_PATH_UNKNOWN = 0,
	VW_PATH_READ, VW_PATH_WRITE, VW_PATH_PREAD, VW_PATH_PWRITE,
	VW_PATH_READV, VW_PATH_WRITEV, VW_PATH_PREADV, VW_PATH_PWRITEV,
	VW_PATH_IO_URING,
};

struct vw_event {
	__u64 ts_boot_ns;	/* bpf_ktime_get_boot_ns() */
	__u64 cgroup_id;
	__u64 start_ns;		/* the process's start, ns since boot: pid + this name one process */
	__u64 value;		/* write data, little endian, first 8 bytes */
	__u64 seq;		/* taken at reserve from one counter (vw_seq): unique per record, so a
				 * reader restarted after kill -9 knows a record it already wrote */
	__u32 type;		/* enum vw_event_type */
	__u32 action;		/* enum vw_action */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 dir;		/* enum vw_dir */
	__u32 offset;		/* config-space offset of the access */
	__u32 size;
	__u32 at;		/* offset of the first byte that got this action */
	__s32 err;		/* errno returned to the caller (positive), 0 */
	__u32 path;		/* enum vw_path */
	__u16 vendor;
	__u16 device_id;
	__u8 cap;		/* region map byte at 'at' */
	__u8 value_len;		/* bytes valid in value (0: unknown) */
	__u8 extent;		/* enum vw_extent: offset/size exact, or the widest reach */
	__u8 replaced_walk;	/* VW_EV_DEVICE: replaces the loader's walk, which differed at 'at' */
	__u32 count;		/* config events: accesses this record stands for (scrub: reads since the last event) */
	__u32 tph_rev;		/* VW_EV_TPH: the TPH uAPI revision that decoded the call (vw_tph_rev.h) */
	/* VW_EV_TPH, and config writes judged by the TPH rules (tph_reason) */
	__u32 tph_op;
	__u32 tph_mode;
	__u32 tph_count;	/* st.count */
	__u32 tph_reason;	/* enum vw_tph_reason */
	__u32 tph_nbad;		/* refused entries */
	__u32 tph_nrec;		/* of which recorded below */
	__u32 bad_idx[8];
	__u32 bad_cpu[8];
	__u8 bad_reason[8];
	__u8 bad_mem[8];
	char comm[16];
	char bdf[VW_NAME_LEN];
	/* VW_EV_IOCTL */
	__u32 ioc_cmd;		/* the ioctl number */
	__u32 ioc_class;	/* enum vw_ioc_class */
	__u32 ioc_flags;	/* FEATURE: vfio_device_feature.flags (feature index | GET/SET/PROBE) */
	__u32 ioc_reason;	/* enum vw_ioc_reason */
	__u32 ioc_count;	/* PCI_HOT_RESET: group fds the caller passed */
	__s32 ioc_fds[8];	/* PCI_HOT_RESET: the first 8 of them */
	/* VW_EV_CONFIG audit/deny: nonzero on a record that counts several identical accesses
	 * (include/vw_aggregate.h): the time of the first of them; ts_boot_ns is the last's */
	__u64 first_ns;
	/* VW_EV_RACE: ioc_cmd/ioc_class/ioc_flags are what the driver got (the kernel's copy) */
	__u32 race_kind;	/* enum vw_race_kind */
	__u32 judged_flags;	/* what the veto judged (VW_RACE_FLAGS) */
	__u32 judged_class;
	__u8 judged_action;	/* the verdict it gave */
	__u8 used_action;	/* the device's rule for the class the driver got */
	__u8 on_race;		/* VW_AUDIT, or VW_IOC_KILL: SIGKILL sent to the process */
	__u8 race_pad;
};

#endif /* VW_TYPES_H */
