/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VFIO device ioctls that change config space behind the guard (the
 * kernel makes those writes on the caller's behalf): which rule class a call
 * falls in, and the verdict. Plain C with fixed-size types: the BPF ioctl veto
 * (bpf/warden.bpf.c) and the host (policy defaults, names, unit tests) compile
 * this one judge. README.md, "VFIO device ioctls", lists what each class can
 * change in config space.
 */
#ifndef VW_IOCTL_H
#define VW_IOCTL_H

#include "vw_types.h"

/* _IO(VFIO_TYPE, VFIO_BASE + n): VFIO_TYPE ';' (0x3b), VFIO_BASE 100; no
 * direction or size bits. Checked against <linux/vfio.h> below (host). */
#define VW_VFIO_IO(n)                 ((0x3bu << 8) | (100u + (n)))
#define VW_VFIO_DEVICE_SET_IRQS       VW_VFIO_IO(10)
#define VW_VFIO_DEVICE_RESET          VW_VFIO_IO(11)
#define VW_VFIO_DEVICE_PCI_HOT_RESET  VW_VFIO_IO(13)
#define VW_VFIO_DEVICE_FEATURE        VW_VFIO_IO(17)

/* struct vfio_device_feature: argsz, flags (feature index | GET/SET/PROBE) */
#define VW_FEATURE_MASK   0xffffu
#define VW_FEATURE_GET    (1u << 16)
#define VW_FEATURE_SET    (1u << 17)
#define VW_FEATURE_PROBE  (1u << 18)

/* feature indexes (VFIO_DEVICE_FEATURE_*) */
#define VW_FEAT_PCI_VF_TOKEN                0
#define VW_FEAT_MIGRATION                   1
#define VW_FEAT_MIG_DEVICE_STATE            2
#define VW_FEAT_LOW_POWER_ENTRY             3
#define VW_FEAT_LOW_POWER_ENTRY_WITH_WAKEUP 4
#define VW_FEAT_LOW_POWER_EXIT              5
#define VW_FEAT_DMA_LOGGING_START           6
#define VW_FEAT_DMA_LOGGING_STOP            7
#define VW_FEAT_DMA_LOGGING_REPORT          8
#define VW_FEAT_MIG_DATA_SIZE               9
#define VW_FEAT_BUS_MASTER                  10
#define VW_FEAT_DMA_BUF                     11	/* 6.19+ */
#define VW_NFEATS_KNOWN                     12

/*
 * Rule classes. The first VW_IOC_NRULES are policy keys (ioctls: in a layer);
 * PROBE (a VFIO_DEVICE_FEATURE_PROBE, which changes nothing) and OTHER (a
 * feature none of the rules names, e.g. DMA logging) are counted, always
 * allowed.
 */
enum vw_ioc_class {
	VW_IOC_RESET = 0,		/* VFIO_DEVICE_RESET */
	VW_IOC_HOT_RESET = 1,		/* VFIO_DEVICE_PCI_HOT_RESET */
	VW_IOC_SET_IRQS = 2,		/* VFIO_DEVICE_SET_IRQS */
	VW_IOC_LOW_POWER_ENTRY = 3,	/* FEATURE LOW_POWER_ENTRY, _WITH_WAKEUP */
	VW_IOC_LOW_POWER_EXIT = 4,	/* FEATURE LOW_POWER_EXIT */
	VW_IOC_BUS_MASTER = 5,		/* FEATURE BUS_MASTER */
	VW_IOC_DMA_BUF = 6,		/* FEATURE DMA_BUF */
	VW_IOC_MIG = 7,			/* FEATURE MIGRATION, MIG_DEVICE_STATE, MIG_DATA_SIZE */
	VW_IOC_VF_TOKEN = 8,		/* FEATURE PCI_VF_TOKEN */
	VW_IOC_NRULES = 9,
	VW_IOC_PROBE = 9,		/* any FEATURE with the PROBE flag */
	VW_IOC_OTHER = 10,		/* any other FEATURE */
	VW_IOC_NCLASSES = 11,
	VW_IOC_NONE = 0xff,		/* not an ioctl this judge handles */
};

/* A layer's or a device's rules: enum vw_action per class, VW_UNSET = ask a
 * less specific layer. Padded to 16 bytes in the maps. */
_Static_assert(VW_IOC_NCLASSES <= VW_IOC_SLOTS, "vw_counters.ioctl has a slot per class");

/* Why an ioctl event: the rule's action, or a fail-closed case. */
enum vw_ioc_reason {
	VW_IOC_R_RULE = 0,
	VW_IOC_R_UNREADABLE = 1,	/* the feature header could not be read: refused */
	VW_IOC_R_BAD_RULE = 2,		/* the compiled rule is not an action: refused */
};

/* Feature index -> class; the table a new feature is added to. */
static inline __u32 vw_ioc_feature_class(__u32 feature)
{
	switch (feature) {
	case VW_FEAT_PCI_VF_TOKEN:
		return VW_IOC_VF_TOKEN;
	case VW_FEAT_MIGRATION:
	case VW_FEAT_MIG_DEVICE_STATE:
	case VW_FEAT_MIG_DATA_SIZE:
		return VW_IOC_MIG;
	case VW_FEAT_LOW_POWER_ENTRY:
	case VW_FEAT_LOW_POWER_ENTRY_WITH_WAKEUP:
		return VW_IOC_LOW_POWER_ENTRY;
	case VW_FEAT_LOW_POWER_EXIT:
		return VW_IOC_LOW_POWER_EXIT;
	case VW_FEAT_BUS_MASTER:
		return VW_IOC_BUS_MASTER;
	case VW_FEAT_DMA_BUF:
		return VW_IOC_DMA_BUF;
	default:
		return VW_IOC_OTHER;
	}
}

/* Does this judge handle cmd at all (the dispatcher's first test)? */
static inline int vw_ioc_cmd_judged(__u32 cmd)
{
	return cmd == VW_VFIO_DEVICE_RESET || cmd == VW_VFIO_DEVICE_PCI_HOT_RESET ||
	       cmd == VW_VFIO_DEVICE_SET_IRQS || cmd == VW_VFIO_DEVICE_FEATURE;
}

/* The class of a call; flags is vfio_device_feature.flags (FEATURE only). */
static inline __u32 vw_ioc_classify(__u32 cmd, __u32 flags)
{
	switch (cmd) {
	case VW_VFIO_DEVICE_RESET:
		return VW_IOC_RESET;
	case VW_VFIO_DEVICE_PCI_HOT_RESET:
		return VW_IOC_HOT_RESET;
	case VW_VFIO_DEVICE_SET_IRQS:
		return VW_IOC_SET_IRQS;
	case VW_VFIO_DEVICE_FEATURE:
		if (flags & VW_FEATURE_PROBE)
			return VW_IOC_PROBE;
		return vw_ioc_feature_class(flags & VW_FEATURE_MASK);
	default:
		return VW_IOC_NONE;
	}
}

/* Built-in default per class: audit hot resets, low-power entry and VF-token
 * changes, allow the rest. The policy's default layer starts from these. */
static inline __u8 vw_ioc_default_action(__u32 cls)
{
	return cls == VW_IOC_HOT_RESET || cls == VW_IOC_LOW_POWER_ENTRY || cls == VW_IOC_VF_TOKEN ? VW_AUDIT
												    : VW_ALLOW;
}

/*
 * The verdict for class cls under a device's resolved rules. PROBE, OTHER:
 * allow. An unset rule takes the built-in default; anything that is not
 * allow/audit/deny fails closed (*reason = VW_IOC_R_BAD_RULE).
 */
static inline int vw_ioc_judge(const __u8 *rules, __u32 cls, __u32 *reason)
{
	__u8 a;

	*reason = VW_IOC_R_RULE;
	if (cls >= VW_IOC_NRULES)
		return VW_ALLOW;
	a = rules[cls];
	if (a == VW_UNSET)
		return vw_ioc_default_action(cls);
	if (a == VW_ALLOW || a == VW_AUDIT || a == VW_DENY)
		return a;
	*reason = VW_IOC_R_BAD_RULE;
	return VW_DENY;
}

/*
 * The FEATURE header race. The veto reads vfio_device_feature.flags from the
 * caller's memory at the ioctl hook; vfio_main copies it again afterwards and
 * dispatches on its own copy, so a second thread can change the flags in
 * between (judged one feature, ran another). No hook after that copy can
 * refuse (vfio's functions allow no error injection, and no LSM hook follows),
 * so the race is detected where the driver receives the kernel's copy
 * (vfio_pci_core_ioctl_feature's flags) against the verdict the veto recorded
 * for the same thread, and acted on by the device's on_race rule.
 */
#define VW_IOC_ON_RACE 15	/* rule byte of on_race (ioctls: on_race: audit|kill) */
#define VW_IOC_KILL    4	/* on_race only: SIGKILL the racing process */

/* A device's on_race action from its resolved rules: kill, else audit. */
static inline __u32 vw_ioc_on_race(const __u8 *rules)
{
	return rules[VW_IOC_ON_RACE] == VW_IOC_KILL ? VW_IOC_KILL : VW_AUDIT;
}

/* What the veto recorded for the thread's last FEATURE call it let through. */
struct vw_ioc_judged {
	__u64 vdev;		/* struct vfio_device * it was judged on */
	__u32 flags;		/* the flags it judged */
	__u32 cls;		/* their class */
	__u32 action;		/* the verdict given (allow or audit: a denial never runs) */
	__u32 slot;		/* the device's counters slot */
	__u32 armed;		/* let through, not yet seen by the driver */
	__u32 pad;
	__u8 rules[VW_IOC_RULE_BYTES];	/* the device's resolved rules at the time */
};

enum vw_race_kind {
	VW_RACE_NONE = 0,	/* the driver got what was judged */
	VW_RACE_FLAGS = 1,	/* the driver got other flags than were judged */
	VW_RACE_UNJUDGED = 2,	/* a FEATURE call reached the driver with no verdict for it */
};

/* The driver's call (vdev, flags from the kernel's copy) against the thread's record j. */
static inline __u32 vw_ioc_race_check(const struct vw_ioc_judged *j, __u64 vdev, __u32 used_flags)
{
	if (!j || !j->armed || j->vdev != vdev)
		return VW_RACE_UNJUDGED;
	return j->flags == used_flags ? VW_RACE_NONE : VW_RACE_FLAGS;
}

/* Resolve class i of a device's rules from its layers, most specific first
 * (layers[k] NULL: no such layer); VW_UNSET when none names it. Unrolled over
 * the constant layer indexes (the verifier loads layers[k] at constant offsets). */
static inline __u8 vw_ioc_resolve_one(const struct vw_profile *const *layers, __u32 i)
{
	if (i >= VW_IOC_NRULES && i != VW_IOC_ON_RACE)
		return VW_UNSET;
	if (layers[0] && layers[0]->ioctl[i] != VW_UNSET)
		return layers[0]->ioctl[i];
	if (layers[1] && layers[1]->ioctl[i] != VW_UNSET)
		return layers[1]->ioctl[i];
	if (layers[2] && layers[2]->ioctl[i] != VW_UNSET)
		return layers[2]->ioctl[i];
	if (layers[3] && layers[3]->ioctl[i] != VW_UNSET)
		return layers[3]->ioctl[i];
	if (layers[4] && layers[4]->ioctl[i] != VW_UNSET)
		return layers[4]->ioctl[i];
	return VW_UNSET;
}

#ifndef __VW_BPF__
/* ---- host only: names, and the numbers checked against the kernel's ---- */
#include <linux/vfio.h>
/* feature IDs newer than a build host's uAPI headers are checked where the headers have them */

_Static_assert(VW_VFIO_DEVICE_SET_IRQS == VFIO_DEVICE_SET_IRQS, "SET_IRQS");
_Static_assert(VW_VFIO_DEVICE_RESET == VFIO_DEVICE_RESET, "RESET");
_Static_assert(VW_VFIO_DEVICE_PCI_HOT_RESET == VFIO_DEVICE_PCI_HOT_RESET, "PCI_HOT_RESET");
_Static_assert(VW_VFIO_DEVICE_FEATURE == VFIO_DEVICE_FEATURE, "FEATURE");
_Static_assert(VW_FEATURE_MASK == VFIO_DEVICE_FEATURE_MASK, "FEATURE_MASK");
_Static_assert(VW_FEATURE_GET == VFIO_DEVICE_FEATURE_GET, "FEATURE_GET");
_Static_assert(VW_FEATURE_SET == VFIO_DEVICE_FEATURE_SET, "FEATURE_SET");
_Static_assert(VW_FEATURE_PROBE == VFIO_DEVICE_FEATURE_PROBE, "FEATURE_PROBE");
#ifdef VFIO_DEVICE_FEATURE_PCI_VF_TOKEN
_Static_assert(VW_FEAT_PCI_VF_TOKEN == VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, "PCI_VF_TOKEN");
#endif
#ifdef VFIO_DEVICE_FEATURE_MIGRATION
_Static_assert(VW_FEAT_MIGRATION == VFIO_DEVICE_FEATURE_MIGRATION, "MIGRATION");
#endif
#ifdef VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE
_Static_assert(VW_FEAT_MIG_DEVICE_STATE == VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, "MIG_DEVICE_STATE");
#endif
#ifdef VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY
_Static_assert(VW_FEAT_LOW_POWER_ENTRY == VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, "LOW_POWER_ENTRY");
#endif
#ifdef VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP
_Static_assert(VW_FEAT_LOW_POWER_ENTRY_WITH_WAKEUP == VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
	       "LOW_POWER_ENTRY_WITH_WAKEUP");
#endif
#ifdef VFIO_DEVICE_FEATURE_LOW_POWER_EXIT
_Static_assert(VW_FEAT_LOW_POWER_EXIT == VFIO_DEVICE_FEATURE_LOW_POWER_EXIT, "LOW_POWER_EXIT");
#endif
#ifdef VFIO_DEVICE_FEATURE_DMA_LOGGING_START
_Static_assert(VW_FEAT_DMA_LOGGING_START == VFIO_DEVICE_FEATURE_DMA_LOGGING_START, "DMA_LOGGING_START");
#endif
#ifdef VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP
_Static_assert(VW_FEAT_DMA_LOGGING_STOP == VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP, "DMA_LOGGING_STOP");
#endif
#ifdef VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT
_Static_assert(VW_FEAT_DMA_LOGGING_REPORT == VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT, "DMA_LOGGING_REPORT");
#endif
#ifdef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
_Static_assert(VW_FEAT_MIG_DATA_SIZE == VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, "MIG_DATA_SIZE");
#endif
#ifdef VFIO_DEVICE_FEATURE_BUS_MASTER
_Static_assert(VW_FEAT_BUS_MASTER == VFIO_DEVICE_FEATURE_BUS_MASTER, "BUS_MASTER");
#endif
#ifdef VFIO_DEVICE_FEATURE_DMA_BUF	/* bookworm's headers predate it */
#ifdef VFIO_DEVICE_FEATURE_DMA_BUF
_Static_assert(VW_FEAT_DMA_BUF == VFIO_DEVICE_FEATURE_DMA_BUF, "DMA_BUF");
#endif
#endif

/* policy key, and ioctl / feature names for events and status */
static const char *const vw_ioc_class_names[VW_IOC_NCLASSES] = {
	"reset", "hot_reset", "set_irqs", "low_power_entry", "low_power_exit",
	"bus_master", "dma_buf", "migration", "vf_token", "probe", "other_feature",
};

static inline const char *vw_ioc_cmd_name(__u32 cmd)
{
	switch (cmd) {
	case VW_VFIO_DEVICE_RESET: return "VFIO_DEVICE_RESET";
	case VW_VFIO_DEVICE_PCI_HOT_RESET: return "VFIO_DEVICE_PCI_HOT_RESET";
	case VW_VFIO_DEVICE_SET_IRQS: return "VFIO_DEVICE_SET_IRQS";
	case VW_VFIO_DEVICE_FEATURE: return "VFIO_DEVICE_FEATURE";
	default: return NULL;
	}
}

static inline const char *vw_ioc_feature_name(__u32 feature)
{
	static const char *const n[VW_NFEATS_KNOWN] = {
		"PCI_VF_TOKEN", "MIGRATION", "MIG_DEVICE_STATE", "LOW_POWER_ENTRY",
		"LOW_POWER_ENTRY_WITH_WAKEUP", "LOW_POWER_EXIT", "DMA_LOGGING_START",
		"DMA_LOGGING_STOP", "DMA_LOGGING_REPORT", "MIG_DATA_SIZE", "BUS_MASTER", "DMA_BUF",
	};
	return feature < VW_NFEATS_KNOWN ? n[feature] : NULL;
}

static inline const char *vw_race_kind_name(__u32 kind)
{
	return kind == VW_RACE_FLAGS ? "flags_changed" : kind == VW_RACE_UNJUDGED ? "unjudged" : "none";
}

/* policy key -> class, -1 if none */
static inline int vw_ioc_class_lookup(const char *name)
{
	int i;

	for (i = 0; i < VW_IOC_NRULES; i++)
		if (!__builtin_strcmp(name, vw_ioc_class_names[i]))
			return i;
	return -1;
}
#endif /* !__VW_BPF__ */

#endif /* VW_IOCTL_H */
