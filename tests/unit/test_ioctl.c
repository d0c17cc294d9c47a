// SPDX-License-Identifier: GPL-2.0
/*
 * The VFIO device ioctl judge (include/vw_ioctl.h, the code BPF runs):
 * classification of every ioctl and feature, the built-in defaults, layer
 * precedence through vw_compile, fail-closed rule bytes, the shipped
 * policies' 'ioctls:' sections, and the user-space naming of the devices a
 * hot reset reaches (user/lib/events.c) over a fabricated /proc and /sys.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vw_test.h"
#include "vw_decide.h"
#include "vw_ioctl.h"
#include "events.h"
#include "policy.h"
#include "sinks.h"

static char err[1024];

static void test_classify(void)
{
	static const struct { __u32 feat; __u32 cls; } feats[] = {
		{ VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, VW_IOC_VF_TOKEN },
		{ VFIO_DEVICE_FEATURE_MIGRATION, VW_IOC_MIG },
		{ VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, VW_IOC_MIG },
		{ VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, VW_IOC_MIG },
		{ VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, VW_IOC_LOW_POWER_ENTRY },
		{ VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP, VW_IOC_LOW_POWER_ENTRY },
		{ VFIO_DEVICE_FEATURE_LOW_POWER_EXIT, VW_IOC_LOW_POWER_EXIT },
		{ VFIO_DEVICE_FEATURE_BUS_MASTER, VW_IOC_BUS_MASTER },
		{ 11 /* VFIO_DEVICE_FEATURE_DMA_BUF, 6.19 */, VW_IOC_DMA_BUF },
		{ VFIO_DEVICE_FEATURE_DMA_LOGGING_START, VW_IOC_OTHER },
		{ VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP, VW_IOC_OTHER },
		{ VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT, VW_IOC_OTHER },
		{ 12, VW_IOC_OTHER },
		{ 0xffff, VW_IOC_OTHER },
	};
	unsigned i;

	CHECK_EQ(vw_ioc_classify(VFIO_DEVICE_RESET, 0), VW_IOC_RESET);
	CHECK_EQ(vw_ioc_classify(VFIO_DEVICE_PCI_HOT_RESET, 0), VW_IOC_HOT_RESET);
	CHECK_EQ(vw_ioc_classify(VFIO_DEVICE_SET_IRQS, 0), VW_IOC_SET_IRQS);
	CHECK_EQ(vw_ioc_classify(VFIO_DEVICE_GET_INFO, 0), VW_IOC_NONE);
	CHECK_EQ(vw_ioc_classify(0x3b7a /* TPH: its own rules */, 0), VW_IOC_NONE);
	CHECK(!vw_ioc_cmd_judged(0x3b7a), "TPH is not judged here");
	CHECK(!vw_ioc_cmd_judged(VFIO_DEVICE_GET_REGION_INFO), "GET_REGION_INFO");
	CHECK(!vw_ioc_cmd_judged(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO), "GET_PCI_HOT_RESET_INFO only reads");
	CHECK(vw_ioc_cmd_judged(VFIO_DEVICE_FEATURE), "FEATURE");
	for (i = 0; i < sizeof(feats) / sizeof(feats[0]); i++) {
		CHECK(vw_ioc_classify(VFIO_DEVICE_FEATURE, VFIO_DEVICE_FEATURE_SET | feats[i].feat) == feats[i].cls,
		      "feature %u SET -> %u", feats[i].feat, feats[i].cls);
		CHECK(vw_ioc_classify(VFIO_DEVICE_FEATURE, VFIO_DEVICE_FEATURE_GET | feats[i].feat) == feats[i].cls,
		      "feature %u GET", feats[i].feat);
		/* a probe changes nothing, whatever else is set */
		CHECK(vw_ioc_classify(VFIO_DEVICE_FEATURE, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
				      feats[i].feat) == VW_IOC_PROBE, "feature %u PROBE", feats[i].feat);
	}
	/* the names line up with the classes */
	CHECK_STR(vw_ioc_class_names[VW_IOC_LOW_POWER_ENTRY], "low_power_entry");
	CHECK_STR(vw_ioc_class_names[VW_IOC_VF_TOKEN], "vf_token");
	CHECK_STR(vw_ioc_class_names[VW_IOC_OTHER], "other_feature");
	CHECK_STR(vw_ioc_feature_name(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY), "LOW_POWER_ENTRY");
	CHECK_STR(vw_ioc_feature_name(VFIO_DEVICE_FEATURE_BUS_MASTER), "BUS_MASTER");
	CHECK(vw_ioc_feature_name(12) == NULL, "unknown feature has no name");
	CHECK_STR(vw_ioc_cmd_name(VFIO_DEVICE_PCI_HOT_RESET), "VFIO_DEVICE_PCI_HOT_RESET");
	for (i = 0; i < VW_IOC_NRULES; i++)
		CHECK_EQ(vw_ioc_class_lookup(vw_ioc_class_names[i]), i);
	CHECK_EQ(vw_ioc_class_lookup("probe"), -1);
}

static void test_judge(void)
{
	__u8 rules[VW_IOC_RULE_BYTES];
	__u32 why, c;

	memset(rules, VW_UNSET, sizeof(rules));
	/* unset: the built-in defaults */
	for (c = 0; c < VW_IOC_NRULES; c++) {
		int want = c == VW_IOC_HOT_RESET || c == VW_IOC_LOW_POWER_ENTRY || c == VW_IOC_VF_TOKEN ? VW_AUDIT
													 : VW_ALLOW;
		CHECK(vw_ioc_judge(rules, c, &why) == want && why == VW_IOC_R_RULE, "default of %s",
		      vw_ioc_class_names[c]);
	}
	/* probes and unnamed features are allowed whatever the rules say */
	memset(rules, VW_DENY, sizeof(rules));
	CHECK_EQ(vw_ioc_judge(rules, VW_IOC_PROBE, &why), VW_ALLOW);
	CHECK_EQ(vw_ioc_judge(rules, VW_IOC_OTHER, &why), VW_ALLOW);
	CHECK_EQ(vw_ioc_judge(rules, VW_IOC_RESET, &why), VW_DENY);
	/* a rule byte that is no action fails closed, and says so */
	rules[VW_IOC_SET_IRQS] = VW_SCRUB;
	CHECK(vw_ioc_judge(rules, VW_IOC_SET_IRQS, &why) == VW_DENY && why == VW_IOC_R_BAD_RULE, "scrub byte");
	rules[VW_IOC_SET_IRQS] = 7;
	CHECK(vw_ioc_judge(rules, VW_IOC_SET_IRQS, &why) == VW_DENY && why == VW_IOC_R_BAD_RULE, "byte 7");
	rules[VW_IOC_SET_IRQS] = VW_AUDIT;
	CHECK(vw_ioc_judge(rules, VW_IOC_SET_IRQS, &why) == VW_AUDIT && why == VW_IOC_R_RULE, "audit");
}

/* Layers through vw_compile: per class, the most specific layer that names it. */
static void test_layers(void)
{
	static const char pol[] =
		"version: 1\n"
		"default:\n"
		"  ioctls: {reset: audit}\n"
		"devices:\n"
		"  - match: {class: \"0x02\"}\n"
		"    ioctls: {set_irqs: audit, bus_master: deny}\n"
		"  - match: {vendor: \"8086\"}\n"
		"    ioctls: {reset: deny, low_power_entry: allow}\n"
		"  - match: {bdf: \"0000:00:0b.0\"}\n"
		"    ioctls: {reset: allow, bus_master: audit}\n";
	struct vw_policy *p = calloc(1, sizeof(*p));
	static struct vw_device dv;
	static __u8 cap[VW_CFG_SIZE];
	struct vw_compile_ctx c = { .cap = cap, .dev = &dv };
	int layers[VW_NLAYERS], k;
	__u32 why;

	memset(cap, VW_CAP_UNASSIGNED, sizeof(cap));
	memset(cap, VW_CAP_HEADER, VW_HEADER_SIZE);
	if (vw_policy_parse("t", pol, sizeof(pol) - 1, p, err, sizeof(err))) {
		CHECK(0, "parse: %s", err);
		free(p);
		return;
	}
	/* the default layer is complete: named classes, then the built-in values */
	CHECK_EQ(p->entries[0].prof.ioctl[VW_IOC_RESET], VW_AUDIT);
	CHECK_EQ(p->entries[0].prof.ioctl[VW_IOC_HOT_RESET], VW_AUDIT);
	CHECK_EQ(p->entries[0].prof.ioctl[VW_IOC_BUS_MASTER], VW_ALLOW);
	/* device entries leave the rest unset */
	CHECK_EQ(p->entries[1].prof.ioctl[VW_IOC_RESET], VW_UNSET);

	/* 0000:00:0b.0, 8086:10d3, class 020000: every layer */
	vw_policy_layers(p, "0000:00:0b.0", 0x8086, 0x10d3, 0x020000, layers);
	for (k = 0; k < VW_NLAYERS; k++)
		c.layers[k] = layers[k] >= 0 ? &p->entries[layers[k]].prof : NULL;
	vw_compile(&c);
	CHECK_EQ(vw_ioc_judge(dv.ioctl, VW_IOC_RESET, &why), VW_ALLOW);		/* bdf over vendor */
	CHECK_EQ(vw_ioc_judge(dv.ioctl, VW_IOC_BUS_MASTER, &why), VW_AUDIT);	/* bdf over class */
	CHECK_EQ(vw_ioc_judge(dv.ioctl, VW_IOC_LOW_POWER_ENTRY, &why), VW_ALLOW);	/* vendor over default */
	CHECK_EQ(vw_ioc_judge(dv.ioctl, VW_IOC_SET_IRQS, &why), VW_AUDIT);	/* class */
	CHECK_EQ(vw_ioc_judge(dv.ioctl, VW_IOC_HOT_RESET, &why), VW_AUDIT);	/* default */
	CHECK_EQ(dv.ioctl[VW_IOC_NRULES], VW_UNSET);				/* padding */

	/* another Intel NIC: vendor and class layers */
	memset(&dv, 0, sizeof(dv));
	vw_policy_layers(p, "0000:00:0d.0", 0x8086, 0x10c9, 0x020000, layers);
	for (k = 0; k < VW_NLAYERS; k++)
		c.layers[k] = layers[k] >= 0 ? &p->entries[layers[k]].prof : NULL;
	vw_compile(&c);
	CHECK_EQ(vw_ioc_judge(dv.ioctl, VW_IOC_RESET, &why), VW_DENY);
	CHECK_EQ(vw_ioc_judge(dv.ioctl, VW_IOC_BUS_MASTER, &why), VW_DENY);

	/* an NVMe drive: default only */
	memset(&dv, 0, sizeof(dv));
	vw_policy_layers(p, "0000:00:0e.0", 0x1b36, 0x0010, 0x010802, layers);
	for (k = 0; k < VW_NLAYERS; k++)
		c.layers[k] = layers[k] >= 0 ? &p->entries[layers[k]].prof : NULL;
	vw_compile(&c);
	CHECK_EQ(vw_ioc_judge(dv.ioctl, VW_IOC_RESET, &why), VW_AUDIT);
	CHECK_EQ(vw_ioc_judge(dv.ioctl, VW_IOC_BUS_MASTER, &why), VW_ALLOW);
	CHECK_EQ(vw_ioc_judge(dv.ioctl, VW_IOC_VF_TOKEN, &why), VW_AUDIT);

	/* no layer at all (a device compiled with no default): the built-in values */
	memset(&dv, 0, sizeof(dv));
	for (k = 0; k < VW_NLAYERS; k++)
		c.layers[k] = NULL;
	vw_compile(&c);
	CHECK_EQ(vw_ioc_judge(dv.ioctl, VW_IOC_HOT_RESET, &why), VW_AUDIT);
	CHECK_EQ(vw_ioc_judge(dv.ioctl, VW_IOC_RESET, &why), VW_ALLOW);
	free(p);
}

/* The shipped policies: default = the built-in values; the others as documented. */
static void test_shipped(void)
{
	struct vw_policy *p = calloc(1, sizeof(*p));
	__u32 c;

	if (vw_policy_load_file("policies/default.yaml", p, err, sizeof(err)) == 0) {
		for (c = 0; c < VW_IOC_NRULES; c++)
			CHECK(p->entries[0].prof.ioctl[c] == vw_ioc_default_action(c), "default.yaml %s",
			      vw_ioc_class_names[c]);
	} else {
		CHECK(0, "default.yaml: %s", err);
	}
	if (vw_policy_load_default(p, err, sizeof(err)) == 0)
		CHECK_EQ(p->entries[0].prof.ioctl[VW_IOC_HOT_RESET], VW_AUDIT);
	if (vw_policy_load_file("policies/audit-only.yaml", p, err, sizeof(err)) == 0) {
		for (c = 0; c < VW_IOC_NRULES; c++)
			CHECK(p->entries[0].prof.ioctl[c] == VW_AUDIT, "audit-only %s", vw_ioc_class_names[c]);
	} else {
		CHECK(0, "audit-only.yaml: %s", err);
	}
	if (vw_policy_load_file("policies/strict.yaml", p, err, sizeof(err)) == 0) {
		CHECK_EQ(p->entries[0].prof.ioctl[VW_IOC_LOW_POWER_ENTRY], VW_DENY);
		CHECK_EQ(p->entries[0].prof.ioctl[VW_IOC_VF_TOKEN], VW_DENY);
		CHECK_EQ(p->entries[0].prof.ioctl[VW_IOC_SET_IRQS], VW_ALLOW);	/* QEMU needs it */
	} else {
		CHECK(0, "strict.yaml: %s", err);
	}
	free(p);
}

/* A hot reset's devices, named from the caller's group fds. */
static void test_hot_reset_devices(void)
{
	char root[] = "/tmp/vw-test-ioctl-XXXXXX", path[512], proc[128], sys[128];
	char devs[8][VW_NAME_LEN];
	struct vw_event e = { 0 };
	long groups[8];
	int n;

	vw_test_mkdtemp(root);
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(path, sizeof(path), "mkdir -p %s/proc/42/fd %s/sys/kernel/iommu_groups/7/devices/0000:00:0d.0 "
		 "%s/sys/kernel/iommu_groups/7/devices/0000:00:0d.1 %s/sys/kernel/iommu_groups/3/devices/0000:00:0b.0",
		 root, root, root, root);
	CHECK(system(path) == 0, "mkdir");
	snprintf(path, sizeof(path), "%s/proc/42/fd/5", root);
	CHECK(symlink("/dev/vfio/7", path) == 0, "symlink 5");
	snprintf(path, sizeof(path), "%s/proc/42/fd/6", root);
	CHECK(symlink("/dev/vfio/3", path) == 0, "symlink 6");
	snprintf(path, sizeof(path), "%s/proc/42/fd/7", root);
	CHECK(symlink("/dev/null", path) == 0, "symlink 7");

	e.pid = 42;
	snprintf(e.bdf, sizeof(e.bdf), "0000:00:0b.0");
	e.ioc_cmd = VFIO_DEVICE_PCI_HOT_RESET;
	e.ioc_count = 4;
	e.ioc_fds[0] = 5;
	e.ioc_fds[1] = 6;
	e.ioc_fds[2] = 7;	/* not a group */
	e.ioc_fds[3] = 99;	/* closed */
	n = vw_hot_reset_devices(proc, sys, &e, groups, devs, 8);
	CHECK_EQ(n, 3);
	CHECK_STR(devs[0], "0000:00:0b.0");	/* its own, once, though its group is passed too */
	CHECK_STR(devs[1], "0000:00:0d.0");
	CHECK_STR(devs[2], "0000:00:0d.1");
	CHECK_EQ(groups[0], 7);
	CHECK_EQ(groups[1], 3);
	CHECK_EQ(groups[2], -1);
	CHECK_EQ(groups[3], -1);
	/* max bounds the output */
	CHECK_EQ(vw_hot_reset_devices(proc, sys, &e, groups, devs, 2), 2);
	/* count beyond the 8 fds the event carries reads only those 8 */
	e.ioc_count = 1000;
	n = vw_hot_reset_devices(proc, sys, &e, groups, devs, 8);
	CHECK_EQ(n, 3);
	vw_test_rmtree(root);
}

/* The FEATURE header race (vw_ioc_race_check): the driver's flags against the thread's record. */
static void test_race_check(void)
{
	static const __u32 flags[] = {
		VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
		VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
		VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION,
		VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
		VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_BUS_MASTER,
		0,
	};
	struct vw_ioc_judged j = { .vdev = 0x1000, .armed = 1 };
	unsigned a, b;

	/* every pair of judged and used flags: a race exactly when they differ */
	for (a = 0; a < sizeof(flags) / sizeof(flags[0]); a++)
		for (b = 0; b < sizeof(flags) / sizeof(flags[0]); b++) {
			j.flags = flags[a];
			CHECK(vw_ioc_race_check(&j, 0x1000, flags[b]) == (a == b ? VW_RACE_NONE : VW_RACE_FLAGS),
			      "judged 0x%x used 0x%x", flags[a], flags[b]);
		}
	/* the reported case: judged other_feature (allowed), ran low_power_entry */
	CHECK_EQ(vw_ioc_classify(VFIO_DEVICE_FEATURE, flags[0]), VW_IOC_OTHER);
	CHECK_EQ(vw_ioc_classify(VFIO_DEVICE_FEATURE, flags[1]), VW_IOC_LOW_POWER_ENTRY);
	/* a single flipped bit anywhere in the word is a race */
	for (b = 0; b < 32; b++) {
		j.flags = flags[0];
		CHECK_EQ(vw_ioc_race_check(&j, 0x1000, flags[0] ^ (1u << b)), VW_RACE_FLAGS);
	}
	/* no verdict for this call: none recorded, used up, or judged on another device */
	j.flags = flags[0];
	CHECK_EQ(vw_ioc_race_check(NULL, 0x1000, flags[0]), VW_RACE_UNJUDGED);
	CHECK_EQ(vw_ioc_race_check(&j, 0x2000, flags[0]), VW_RACE_UNJUDGED);
	j.armed = 0;
	CHECK_EQ(vw_ioc_race_check(&j, 0x1000, flags[0]), VW_RACE_UNJUDGED);
	CHECK_STR(vw_race_kind_name(VW_RACE_FLAGS), "flags_changed");
	CHECK_STR(vw_race_kind_name(VW_RACE_UNJUDGED), "unjudged");
}

/* A race event as JSON and in the audit log: judged against used, the action taken. */
static void test_race_event(void)
{
	struct vw_event e = { .type = VW_EV_RACE, .action = VW_AUDIT, .pid = 4242, .tid = 4243,
			      .vendor = 0x8086, .device_id = 0x10d3, .ioc_cmd = VFIO_DEVICE_FEATURE,
			      .ioc_class = VW_IOC_LOW_POWER_ENTRY,
			      .ioc_flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
			      .race_kind = VW_RACE_FLAGS,
			      .judged_flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
			      .judged_class = VW_IOC_OTHER, .judged_action = VW_ALLOW, .used_action = VW_DENY,
			      .on_race = VW_IOC_KILL };
	static char buf[4096];

	strcpy(e.bdf, "0000:00:0b.0");
	strcpy(e.comm, "racer");
	vw_event_json(&e, 1, buf, sizeof(buf));
	CHECK(strstr(buf, "\"type\":\"race\"") && strstr(buf, "\"race\":\"flags_changed\"") &&
	      strstr(buf, "\"judged\":{\"rule\":\"other_feature\",\"feature\":\"DMA_LOGGING_START\","
			  "\"feature_flags\":[\"set\"],\"flags\":131078,\"action\":\"allow\"}") &&
	      strstr(buf, "\"used\":{\"rule\":\"low_power_entry\",\"feature\":\"LOW_POWER_ENTRY\","
			  "\"feature_flags\":[\"set\"],\"flags\":131075,\"policy\":\"deny\"}") &&
	      strstr(buf, "\"on_race\":\"kill\",\"killed\":true"), "%s", buf);
	e.race_kind = VW_RACE_UNJUDGED;
	e.on_race = VW_AUDIT;
	vw_event_json(&e, 1, buf, sizeof(buf));
	CHECK(strstr(buf, "\"race\":\"unjudged\"") && !strstr(buf, "\"judged\"") &&
	      strstr(buf, "\"killed\":false"), "%s", buf);
	e.race_kind = VW_RACE_FLAGS;
	CHECK_EQ(vw_audit_wants(VW_AUDIT_DENY, &e), 1);	/* as grave as a denial */
	vw_audit_text(&e, NULL, buf, sizeof(buf));
	CHECK(strstr(buf, "op=ioctl_race race=flags_changed action=audit device=0000:00:0b.0 ") == buf &&
	      strstr(buf, "judged_flags=0x20006 used_flags=0x20003 vmm_pid=4242 tid=4243"), "%s", buf);
}

/* on_race: parsed per layer in 'ioctls:', resolved like a class, audit unless kill. */
static void test_on_race(void)
{
	static const char pol[] =
		"version: 1\n"
		"default:\n"
		"  ioctls: {low_power_entry: deny}\n"
		"devices:\n"
		"  - match: {vendor: \"8086\"}\n"
		"    ioctls: {on_race: kill}\n"
		"  - match: {bdf: \"0000:00:0b.0\"}\n"
		"    ioctls: {on_race: audit}\n";
	static const char bad[] = "version: 1\ndefault:\n  ioctls: {on_race: deny}\n";
	struct vw_policy *p = calloc(1, sizeof(*p));
	static struct vw_device dv;
	static __u8 cap[VW_CFG_SIZE];
	struct vw_compile_ctx c = { .cap = cap, .dev = &dv };
	int layers[VW_NLAYERS], k;
	__u8 none[VW_IOC_RULE_BYTES];

	memset(none, VW_UNSET, sizeof(none));
	CHECK_EQ(vw_ioc_on_race(none), VW_AUDIT);	/* unset: audit */
	memset(cap, VW_CAP_UNASSIGNED, sizeof(cap));
	memset(cap, VW_CAP_HEADER, VW_HEADER_SIZE);
	CHECK(vw_policy_parse("bad", bad, sizeof(bad) - 1, p, err, sizeof(err)) != 0, "on_race: deny accepted");
	CHECK(strstr(err, "on_race") != NULL, "error names on_race: %s", err);
	if (vw_policy_parse("t", pol, sizeof(pol) - 1, p, err, sizeof(err))) {
		CHECK(0, "parse: %s", err);
		free(p);
		return;
	}
	CHECK_EQ(p->entries[0].prof.ioctl[VW_IOC_ON_RACE], VW_UNSET);
	/* an Intel device: the vendor layer's kill */
	vw_policy_layers(p, "0000:00:0d.0", 0x8086, 0x10c9, 0x020000, layers);
	for (k = 0; k < VW_NLAYERS; k++)
		c.layers[k] = layers[k] >= 0 ? &p->entries[layers[k]].prof : NULL;
	vw_compile(&c);
	CHECK_EQ(vw_ioc_on_race(dv.ioctl), VW_IOC_KILL);
	/* the bdf layer says audit over the vendor's kill */
	memset(&dv, 0, sizeof(dv));
	vw_policy_layers(p, "0000:00:0b.0", 0x8086, 0x10d3, 0x020000, layers);
	for (k = 0; k < VW_NLAYERS; k++)
		c.layers[k] = layers[k] >= 0 ? &p->entries[layers[k]].prof : NULL;
	vw_compile(&c);
	CHECK_EQ(vw_ioc_on_race(dv.ioctl), VW_AUDIT);
	/* another vendor: the default, audit */
	memset(&dv, 0, sizeof(dv));
	vw_policy_layers(p, "0000:00:0e.0", 0x1b36, 0x0010, 0x010802, layers);
	for (k = 0; k < VW_NLAYERS; k++)
		c.layers[k] = layers[k] >= 0 ? &p->entries[layers[k]].prof : NULL;
	vw_compile(&c);
	CHECK_EQ(vw_ioc_on_race(dv.ioctl), VW_AUDIT);
	free(p);
}

int main(void)
{
	test_classify();
	test_judge();
	test_layers();
	test_race_check();
	test_on_race();
	test_race_event();
	test_shipped();
	test_hot_reset_devices();
	return vw_test_done();
}
