// SPDX-License-Identifier: GPL-2.0
/*
 * Layer selection (include/vw_select.h), the code both the loader and BPF
 * run: its try table, the keys of policy entries, and for random policies
 * and devices that
 *   - vw_policy_layers (the host, looking keys up in the parsed policy) picks
 *     what the loader's own scan picked before the selection was shared
 *     (ref_layers below, kept as the reference), and
 *   - BPF's way (keys stored as apply.c stores them, looked up byte for byte
 *     as in the vw_selectors hash map) picks the same layers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdf.h"
#include "policy.h"
#include "vw_select.h"
#include "vw_test.h"

/* The loader's scan before vw_select.h, unchanged (with today's BDF grammar): the reference. */
static void ref_layers(const struct vw_policy *p, const char *bdf, uint16_t vendor, uint16_t device_id,
		       uint32_t class_code, int layers[VW_NLAYERS])
{
	char canon[VW_NAME_LEN] = "";
	uint32_t best_bits = 0;
	int i, n;

	for (i = 0; i < VW_NLAYERS; i++)
		layers[i] = -1;
	if (!p || p->nentries <= 0)
		return;
	n = p->nentries > VW_MAX_PROFILES ? VW_MAX_PROFILES : p->nentries;
	if (bdf && vw_bdf_canon(bdf, canon))
		canon[0] = 0;
	class_code &= 0xffffff;
	for (i = 0; i < n; i++) {
		const struct vw_policy_entry *e = &p->entries[i];

		switch (e->kind) {
		case VW_SEL_BDF:
			if (canon[0] && layers[VW_SEL_BDF] < 0 && !strncmp(e->bdf, canon, VW_NAME_LEN))
				layers[VW_SEL_BDF] = i;
			break;
		case VW_SEL_VENDOR_DEVICE:
			if (layers[VW_SEL_VENDOR_DEVICE] < 0 && e->vendor == vendor && e->device_id == device_id)
				layers[VW_SEL_VENDOR_DEVICE] = i;
			break;
		case VW_SEL_VENDOR:
			if (layers[VW_SEL_VENDOR] < 0 && e->vendor == vendor)
				layers[VW_SEL_VENDOR] = i;
			break;
		case VW_SEL_CLASS: {
			uint32_t bits = e->class_bits, mask;

			if (bits != 8 && bits != 16 && bits != 24)
				break;
			mask = (0xffffffu << (24 - bits)) & 0xffffff;
			if ((class_code & mask) == (e->class_code & mask) && bits > best_bits) {
				best_bits = bits;
				layers[VW_SEL_CLASS] = i;
			}
			break;
		}
		case VW_SEL_DEFAULT:
			if (layers[VW_SEL_DEFAULT] < 0)
				layers[VW_SEL_DEFAULT] = i;
			break;
		}
	}
}

/* ---- BPF's side: a selector map as apply.c fills it -------------------- */

struct selmap {
	int n;
	struct vw_sel_key key[VW_NGENS * VW_MAX_PROFILES];
	__u32 val[VW_NGENS * VW_MAX_PROFILES];
};

/* Returns how many entries had no key (none should). */
static int selmap_fill(struct selmap *m, const struct vw_policy *p, __u32 gen)
{
	int i, bad = 0;

	m->n = 0;
	for (i = 0; i < p->nentries; i++) {
		/* garbage first: every byte of a key must come from vw_select.h */
		memset(&m->key[m->n], 0xa5, sizeof(m->key[0]));
		bad += vw_policy_entry_key(&p->entries[i], gen, &m->key[m->n]) != 0;
		m->val[m->n++] = (__u32)i;
	}
	return bad;
}

static __u8 selmap_lookup(const struct selmap *m, const struct vw_sel_key *k)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (!memcmp(&m->key[i], k, sizeof(*k)))
			return m->val[i] < VW_MAX_PROFILES ? (__u8)m->val[i] : VW_NO_PROFILE;
	return VW_NO_PROFILE;
}

/* vw_compile_from_vfio's selection, with the map above. */
static void bpf_layers(const struct selmap *m, const struct vw_sel_dev *d, __u32 gen, int layers[VW_NLAYERS])
{
	__u8 hit[VW_SEL_NTRIES], l[VW_NLAYERS];
	struct vw_sel_key k;
	__u32 t;

	for (t = 0; t < VW_SEL_NTRIES; t++) {
		memset(&k, 0x5a, sizeof(k));
		vw_sel_try_key(d, gen, t, &k);
		hit[t] = selmap_lookup(m, &k);
	}
	vw_sel_layers(hit, l);
	for (t = 0; t < VW_NLAYERS; t++)
		layers[t] = l[t] == VW_NO_PROFILE ? -1 : l[t];
}

/* ---- fixed cases -------------------------------------------------------- */

static void test_tries(void)
{
	static const __u32 layer[VW_SEL_NTRIES] = {
		VW_SEL_BDF, VW_SEL_VENDOR_DEVICE, VW_SEL_VENDOR, VW_SEL_CLASS, VW_SEL_CLASS, VW_SEL_CLASS,
		VW_SEL_DEFAULT,
	};
	static const __u32 bits[VW_SEL_NTRIES] = { 0, 0, 0, 24, 16, 8, 0 };
	static const __u32 value[VW_SEL_NTRIES] = { 0, 0x808610d3, 0x8086, 0x010802, 0x010800, 0x010000, 0 };
	struct vw_sel_dev d = { "0000:00:03.0", 0x8086, 0x10d3, 0x010802 };
	struct vw_sel_key k;
	__u32 t;

	for (t = 0; t < VW_SEL_NTRIES; t++) {
		CHECK_EQ(vw_sel_try_layer(t), layer[t]);
		vw_sel_try_key(&d, 1, t, &k);
		CHECK_EQ(k.gen, 1);
		CHECK_EQ(k.kind, layer[t]);
		CHECK_EQ(k.class_bits, bits[t]);
		CHECK_EQ(k.value, value[t]);
		CHECK_STR(k.bdf, t ? "" : "0000:00:03.0");
	}
	CHECK_EQ(vw_sel_entry_try(VW_SEL_BDF, 0), 0);
	CHECK_EQ(vw_sel_entry_try(VW_SEL_VENDOR_DEVICE, 0), 1);
	CHECK_EQ(vw_sel_entry_try(VW_SEL_VENDOR, 0), 2);
	CHECK_EQ(vw_sel_entry_try(VW_SEL_CLASS, 24), 3);
	CHECK_EQ(vw_sel_entry_try(VW_SEL_CLASS, 16), 4);
	CHECK_EQ(vw_sel_entry_try(VW_SEL_CLASS, 8), 5);
	CHECK_EQ(vw_sel_entry_try(VW_SEL_CLASS, 12), -1);
	CHECK_EQ(vw_sel_entry_try(VW_SEL_DEFAULT, 0), 6);
	CHECK_EQ(vw_sel_entry_try(99, 0), -1);
}

/* Each layer takes its first hit: the class entry with the most digits. */
static void test_first_hit(void)
{
	__u8 hit[VW_SEL_NTRIES] = { VW_NO_PROFILE, 4, VW_NO_PROFILE, VW_NO_PROFILE, 7, 9, 0 };
	__u8 l[VW_NLAYERS];

	vw_sel_layers(hit, l);
	CHECK_EQ(l[VW_SEL_BDF], VW_NO_PROFILE);
	CHECK_EQ(l[VW_SEL_VENDOR_DEVICE], 4);
	CHECK_EQ(l[VW_SEL_VENDOR], VW_NO_PROFILE);
	CHECK_EQ(l[VW_SEL_CLASS], 7);
	CHECK_EQ(l[VW_SEL_DEFAULT], 0);
}

/* An entry's key is the key its devices are looked up under. */
static void test_entry_keys(void)
{
	struct vw_policy_entry e = { .kind = VW_SEL_CLASS, .class_code = 0x020000, .class_bits = 8 };
	struct vw_sel_dev d = { "", 0, 0, 0x0280ff };
	struct vw_sel_key a, b;

	memset(&a, 0xff, sizeof(a));
	CHECK_EQ(vw_policy_entry_key(&e, 1, &a), 0);
	vw_sel_try_key(&d, 1, 5, &b);
	CHECK(!memcmp(&a, &b, sizeof(a)), "class 02 entry key != 8-bit key of class 0280ff");
	e.class_bits = 12;
	CHECK_EQ(vw_policy_entry_key(&e, 1, &a), -EINVAL);
	/* bytes after the name's NUL do not reach the key */
	memset(&e, 0, sizeof(e));
	e.kind = VW_SEL_BDF;
	memcpy(e.bdf, "0000:00:03.0\0\x7f\x7f", VW_NAME_LEN);
	snprintf(d.bdf, sizeof(d.bdf), "0000:00:03.0");
	CHECK_EQ(vw_policy_entry_key(&e, 0, &a), 0);
	vw_sel_try_key(&d, 0, 0, &b);
	CHECK(!memcmp(&a, &b, sizeof(a)), "bdf entry key carries the bytes after the NUL");
	/* a bdf entry without a name selects nothing (not the devices without one) */
	e.bdf[0] = 0;
	CHECK_EQ(vw_policy_entry_key(&e, 0, &a), -EINVAL);
}

/* ---- random policies and devices ---------------------------------------- */

static const char *const bdfs[] = { "0000:00:03.0", "00:04.0", "0:5.1", "10000:e0:06.0", "0001:02:1f.7" };
static const uint16_t vendors[] = { 0x8086, 0x1af4, 0x10ec, 0x1b36 };
static const uint16_t devices[] = { 0x10d3, 0x1000, 0x0001, 0x8168 };
static const char *const classes[] = { "02", "0200", "020000", "01", "0108", "010802", "0c0330", "0c" };

#define PICK(a) ((a)[rand() % (int)(sizeof(a) / sizeof((a)[0]))])

/* One random 'devices:' entry; the parser refuses the duplicates. */
static int random_entry(char *out, size_t len)
{
	switch (rand() % 4) {
	case 0:
		return snprintf(out, len, "  - match: {bdf: \"%s\"}\n", PICK(bdfs));
	case 1:
		return snprintf(out, len, "  - match: {vendor: \"%04x:%04x\"}\n", PICK(vendors), PICK(devices));
	case 2:
		return snprintf(out, len, "  - match: {vendor: \"%04x\"}\n", PICK(vendors));
	default:
		return snprintf(out, len, "  - match: {class: \"%s\"}\n", PICK(classes));
	}
}

static void random_policy(struct vw_policy *p)
{
	char text[4096], err[256], line[128];
	size_t used;
	int i, n;

	for (;;) {
		used = (size_t)snprintf(text, sizeof(text), "version: 1\ndevices:\n");
		n = rand() % 10;
		for (i = 0; i < n; i++) {
			random_entry(line, sizeof(line));
			used += (size_t)snprintf(text + used, sizeof(text) - used, "%s", line);
		}
		if (!vw_policy_parse("random", text, used, p, err, sizeof(err)))
			return;
		CHECK(strstr(err, "duplicate selector"), "random policy: %s", err);
	}
}

/* A device: mostly from the policies' pools, so that entries match. */
static void random_device(struct vw_sel_dev *d, char *bdf_in)
{
	const char *c;
	uint32_t cls;

	memset(d, 0, sizeof(*d));
	if (rand() % 4)
		snprintf(bdf_in, VW_NAME_LEN, "%s", PICK(bdfs));
	else if (rand() % 8 == 0)
		snprintf(bdf_in, VW_NAME_LEN, "00:20.0");	/* not a BDF: no bdf layer */
	else
		snprintf(bdf_in, VW_NAME_LEN, "%04x:%02x:%02x.%x", rand() % 3, rand() % 256, rand() % 32, rand() % 8);
	vw_bdf_canon(bdf_in, d->bdf);	/* BPF sees the kernel's (canonical) name */
	d->vendor = rand() % 5 ? PICK(vendors) : (uint16_t)rand();
	d->device_id = rand() % 5 ? PICK(devices) : (uint16_t)rand();
	c = PICK(classes);
	cls = (uint32_t)strtoul(c, NULL, 16) << (24 - 4 * (int)strlen(c));
	d->class_code = rand() % 5 ? (cls | (uint32_t)(rand() % 3)) & 0xffffff : (uint32_t)rand() & 0xffffff;
}

static void test_random(void)
{
	struct vw_policy *p = calloc(1, sizeof(*p));
	struct selmap *m = calloc(1, sizeof(*m));
	int host[VW_NLAYERS], ref[VW_NLAYERS], bpf[VW_NLAYERS], round, dev, k, hits = 0, mism = 0, nokey = 0;
	struct vw_sel_dev d;
	char bdf_in[VW_NAME_LEN];

	if (!p || !m)
		exit(1);
	srand(15);
	for (round = 0; round < 2000; round++) {
		random_policy(p);
		nokey += selmap_fill(m, p, (__u32)round & 1);
		for (dev = 0; dev < 20; dev++) {
			random_device(&d, bdf_in);
			ref_layers(p, bdf_in, d.vendor, d.device_id, d.class_code, ref);
			vw_policy_layers(p, bdf_in, d.vendor, d.device_id, d.class_code, host);
			bpf_layers(m, &d, (__u32)round & 1, bpf);
			for (k = 0; k < VW_NLAYERS; k++) {
				hits += k != VW_SEL_DEFAULT && ref[k] >= 0;
				mism += host[k] != ref[k] || bpf[k] != ref[k];
				if (host[k] != ref[k] || bpf[k] != ref[k])
					fprintf(stderr, "round %d %s %04x:%04x %06x layer %d: ref %d host %d bpf %d\n",
						round, bdf_in, d.vendor, d.device_id, d.class_code, k, ref[k],
						host[k], bpf[k]);
			}
		}
	}
	CHECK_EQ(nokey, 0);
	CHECK_EQ(mism, 0);
	CHECK(hits > 10000, "only %d non-default layers hit: the random devices miss the policies", hits);
	printf("random: 40000 devices, %d non-default layers hit, %d mismatches\n", hits, mism);
	free(p);
	free(m);
}

/*
 * Entries the parser would refuse too (duplicates, class codes with bits
 * beyond their digits, a class width that is none of 8/16/24): the host
 * still picks what the reference picked.
 */
static void test_random_raw(void)
{
	static const uint32_t widths[] = { 8, 16, 24, 12 };
	struct vw_policy *p = calloc(1, sizeof(*p));
	int host[VW_NLAYERS], ref[VW_NLAYERS], round, i, k, mism = 0;
	struct vw_sel_dev d;
	char bdf_in[VW_NAME_LEN];

	if (!p)
		exit(1);
	for (round = 0; round < 20000; round++) {
		p->nentries = rand() % 12;
		for (i = 0; i < p->nentries; i++) {
			struct vw_policy_entry *e = &p->entries[i];

			memset(e, 0, sizeof(*e));
			e->kind = i ? (enum vw_sel_kind)(rand() % 5) : VW_SEL_DEFAULT;
			if (rand() % 8)	/* else an empty name, which the parser never leaves */
				vw_bdf_canon(PICK(bdfs), e->bdf);
			e->vendor = PICK(vendors);
			e->device_id = PICK(devices);
			e->class_bits = PICK(widths);
			e->class_code = rand() % 2 ? (uint32_t)rand() & 0xffffff
						   : (uint32_t)strtoul(PICK(classes), NULL, 16) << 8;
		}
		random_device(&d, bdf_in);
		ref_layers(p, bdf_in, d.vendor, d.device_id, d.class_code, ref);
		vw_policy_layers(p, bdf_in, d.vendor, d.device_id, d.class_code, host);
		for (k = 0; k < VW_NLAYERS; k++)
			mism += host[k] != ref[k];
	}
	CHECK_EQ(mism, 0);
	free(p);
}

int main(void)
{
	test_tries();
	test_first_hit();
	test_entry_keys();
	test_random();
	test_random_raw();
	return vw_test_done();
}
