/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which policy layers apply to a device, in one place. Like vw_decide.h, the
 * BPF programs and the host compile this same file: BPF looks the keys up in
 * the vw_selectors map (a device bound to vfio-pci after attach), the loader,
 * `map` and `check` look them up in the parsed policy, and the loader stores
 * each policy entry under vw_sel_entry_try's key. So a device gets the same
 * layers whichever side compiles it. Plain C: no libc, no function pointers,
 * bounded loops.
 *
 * A device is looked up under VW_SEL_NTRIES keys, most specific first:
 *
 *   try  key                       fills layer
 *   0    its BDF                   VW_SEL_BDF
 *   1    vendor<<16 | device       VW_SEL_VENDOR_DEVICE
 *   2    vendor                    VW_SEL_VENDOR
 *   3    class code, 24 bits       VW_SEL_CLASS
 *   4    class code, 16 bits       VW_SEL_CLASS
 *   5    class code, 8 bits        VW_SEL_CLASS
 *   6    (nothing)                 VW_SEL_DEFAULT
 *
 * and each layer takes its first hit, so of the class entries that match,
 * the one with the most digits applies.
 */
#ifndef VW_SELECT_H
#define VW_SELECT_H

#include "vw_types.h"

#define VW_SEL_NTRIES 7
#define VW_SEL_CLASS_TRY 3	/* the first class try: 24 bits, then 16, then 8 */

/* What selection looks at. */
struct vw_sel_dev {
	char bdf[VW_NAME_LEN];	/* the kernel's name ("0000:00:03.0"), NUL-padded */
	__u16 vendor;
	__u16 device_id;
	__u32 class_code;	/* 24 bits */
};

/* The layer (enum vw_sel_kind) that try t fills. */
static inline __u32 vw_sel_try_layer(__u32 t)
{
	if (t < VW_SEL_CLASS_TRY)
		return t;	/* VW_SEL_BDF, VW_SEL_VENDOR_DEVICE, VW_SEL_VENDOR */
	return t < VW_SEL_NTRIES - 1 ? VW_SEL_CLASS : VW_SEL_DEFAULT;
}

/* The selector key of try t for device d in generation gen. */
static inline void vw_sel_try_key(const struct vw_sel_dev *d, __u32 gen, __u32 t, struct vw_sel_key *k)
{
	__u32 layer = vw_sel_try_layer(t);

	__builtin_memset(k, 0, sizeof(*k));
	k->gen = gen;
	k->kind = layer;
	if (layer == VW_SEL_BDF) {
		__builtin_memcpy(k->bdf, d->bdf, sizeof(k->bdf));
	} else if (layer == VW_SEL_VENDOR_DEVICE) {
		k->value = (__u32)d->vendor << 16 | d->device_id;
	} else if (layer == VW_SEL_VENDOR) {
		k->value = d->vendor;
	} else if (layer == VW_SEL_CLASS) {
		k->class_bits = 24 - 8 * (t - VW_SEL_CLASS_TRY);
		k->value = d->class_code & (0xffffffu << (24 - k->class_bits)) & 0xffffff;
	}
}

/*
 * The try whose key a policy entry is stored under: the entry selects the
 * devices whose try-t key equals its own, built by vw_sel_try_key from a
 * device with the entry's BDF, IDs or class code. -1: no such selector.
 */
static inline int vw_sel_entry_try(__u32 kind, __u32 class_bits)
{
	switch (kind) {
	case VW_SEL_BDF:
	case VW_SEL_VENDOR_DEVICE:
	case VW_SEL_VENDOR:
		return (int)kind;
	case VW_SEL_CLASS:
		if (class_bits != 8 && class_bits != 16 && class_bits != 24)
			return -1;
		return VW_SEL_CLASS_TRY + (24 - (int)class_bits) / 8;
	case VW_SEL_DEFAULT:
		return VW_SEL_NTRIES - 1;
	}
	return -1;
}

/*
 * Layers from the tries' hits (hit[t]: the profile index found under try
 * t's key, or VW_NO_PROFILE): each layer takes its first hit.
 */
static inline void vw_sel_layers(const __u8 hit[VW_SEL_NTRIES], __u8 layers[VW_NLAYERS])
{
	__u32 t, l;

	for (l = 0; l < VW_NLAYERS; l++)
		layers[l] = VW_NO_PROFILE;
	for (t = 0; t < VW_SEL_NTRIES; t++) {
		l = vw_sel_try_layer(t);
		if (layers[l] == VW_NO_PROFILE)
			layers[l] = hit[t];
	}
}

#endif /* VW_SELECT_H */
