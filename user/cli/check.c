// SPDX-License-Identifier: GPL-2.0
/*
 * `vfio-warden check POLICY`: validate, then hint at rules that would do
 * nothing on this host: entries that match no PCI device present, and
 * capability rules naming a capability none of their devices has.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgdump.h"
#include "commands.h"
#include "layout.h"
#include "pinned.h"
#include "policy.h"
#include "sysdev.h"
#include "msg.h"

#define MAX_HOST_DEVS 512

struct host_dev {
	struct vw_sysdev sys;
	int walked;		/* layout known (root can read extended config space) */
	struct vw_layout lay;
};

static int load_host_devices(struct host_dev *devs, int max)
{
	struct dirent *de;
	DIR *dir = opendir(VW_SYSFS_PCI);
	char err[256];
	uint8_t cfg[VW_CFG_SIZE];
	size_t size;
	int n = 0;

	if (!dir)
		return 0;
	while ((de = readdir(dir)) && n < max) {
		if (de->d_name[0] == '.' || vw_sysdev_get(de->d_name, &devs[n].sys))
			continue;
		devs[n].walked = !vw_cfg_read_sysfs(de->d_name, cfg, &size, err, sizeof(err)) &&
				 !vw_walk(cfg, size, &devs[n].lay);
		n++;
	}
	closedir(dir);
	return n;
}

/* A capability the guest sees: a rule for one vfio-pci hides never applies (its bytes are unassigned). */
static int has_cap(const struct vw_layout *l, int ext, unsigned id)
{
	int i;

	for (i = 0; i < l->ncaps; i++)
		if (l->caps[i].extended == ext && l->caps[i].id == id && l->caps[i].vfio_length &&
		    !l->caps[i].vfio_placeholder)
			return 1;
	return 0;
}

/* Hints for one policy entry; returns how many were printed. */
static int entry_hints(const char *file, const struct vw_policy *p, int e, const struct host_dev *devs, int n)
{
	static unsigned char applies[MAX_HOST_DEVS];
	const struct vw_policy_entry *pe = &p->entries[e];
	int matched = 0, walked = 0, hints = 0, i, k, ext;
	int layers[VW_NLAYERS];

	for (i = 0; i < n; i++) {
		vw_policy_layers(p, devs[i].sys.bdf, devs[i].sys.vendor, devs[i].sys.device_id,
				 devs[i].sys.class_code, layers);
		applies[i] = 0;
		for (k = 0; k < VW_NLAYERS; k++)
			applies[i] |= layers[k] == e;
		matched += applies[i];
		walked += applies[i] && devs[i].walked;
	}
	if (!matched) {
		printf("%s:%d: hint: entry '%s' matches no PCI device present on this host\n", file, pe->line, pe->label);
		return 1;
	}
	for (ext = 0; ext < 2 && walked; ext++)
		for (k = 0; k < 256; k++) {
			__u8 rule = ext ? pe->prof.ext_cap[k] : pe->prof.std_cap[k];
			const char *sn = vw_cap_short_name(ext, k);
			int found = 0;

			if (rule == VW_RULE_NONE)
				continue;
			for (i = 0; i < n && !found; i++)
				found = applies[i] && devs[i].walked && has_cap(&devs[i].lay, ext, k);
			if (found)
				continue;
			printf("%s:%d: hint: entry '%s': the rule for capability %s (%s) matches no capability "
			       "of the %d device%s it applies to\n", file, pe->line, pe->label,
			       sn ? sn : ext ? "ext" : "cap", vw_cap_name(ext, k), walked, walked == 1 ? "" : "s");
			hints++;
		}
	return hints;
}

/* What check works on: large, so on the heap rather than the stack. */
struct check_work {
	struct vw_policy policy;
	struct host_dev devs[MAX_HOST_DEVS];
};

static int check_with(const char *file, struct check_work *w)
{
	char err[512];
	int n, e, hints = 0;

	if (vw_policy_load_file(file, &w->policy, err, sizeof(err))) {
		vw_msg(VW_ERR, "%s\n", err);
		return VW_EXIT_USAGE;
	}
	printf("%s: ok (%d device entr%s besides the default)\n", file, w->policy.nentries - 1,
	       w->policy.nentries == 2 ? "y" : "ies");
	n = load_host_devices(w->devs, MAX_HOST_DEVS);
	for (e = 0; e < w->policy.nentries; e++)
		hints += entry_hints(file, &w->policy, e, w->devs, n);
	if (hints && geteuid() != 0)
		printf("(checked against the %d PCI devices in sysfs; as root, extended capabilities are "
		       "seen too)\n", n);
	return VW_EXIT_OK;
}

int vw_cmd_check(const struct vw_cli *cli)
{
	struct check_work *w = calloc(1, sizeof(*w));
	int rc = w ? check_with(cli->args[0], w) : VW_EXIT_ERROR;

	free(w);
	return rc;
}
