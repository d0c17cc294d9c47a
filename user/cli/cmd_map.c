// SPDX-License-Identifier: GPL-2.0
/* `vfio-warden map`: a device's config-space layout and the policy's verdicts, offline. */
#include <stdio.h>
#include <stdlib.h>

#include "cfgdump.h"
#include "commands.h"
#include "explain.h"
#include "lockdown.h"
#include "maprender.h"
#include "pinned.h"
#include "msg.h"

/* The verdicts that really apply: those of this host's lockdown mode, or --lockdown's. */
static int adapt_to_lockdown(const struct vw_cli *cli, struct vw_policy *policy)
{
	enum vw_lockdown mode;

	if (!cli->lockdown) {
		mode = vw_lockdown_current();
	} else if (vw_lockdown_parse(cli->lockdown, &mode)) {
		vw_msg(VW_ERR, "vfio-warden map: --lockdown takes none, integrity or confidentiality, not '%s'\n",
			cli->lockdown);
		return VW_EXIT_USAGE;
	}
	if (mode == VW_LOCKDOWN_CONFIDENTIALITY)
		vw_msg(VW_NOTICE, "vfio-warden map: note: under lockdown=confidentiality vfio-warden cannot attach "
			"at all; the verdicts below are those of lockdown=integrity\n");
	if (vw_policy_adapt_lockdown(policy, mode)) {
		vw_msg(VW_WARNING, "vfio-warden map: kernel lockdown (%s): the DSN serial cannot be rewritten; "
			"verdicts shown as they apply:\n", vw_lockdown_name(mode));
		vw_policy_say_degraded(policy, "  ");
	}
	return 0;
}

/* What map works on: large, so on the heap rather than the stack. */
struct map_work {
	struct vw_policy policy;
	struct vw_layout lay;
	struct vw_explained x;
};

static int map_with(const struct vw_cli *cli, struct map_work *w)
{
	struct vw_policy *const policy = &w->policy;
	struct vw_layout *const lay = &w->lay;
	struct vw_explained *const x = &w->x;
	const char *rules[VW_MAX_RULE_NAMES];
	struct vw_map_input in = {};
	uint8_t cfg[VW_CFG_SIZE];
	char bdf[VW_NAME_LEN] = "", err[512];
	size_t size = 0;
	int i, rc;

	rc = cli->policy_path ? vw_policy_load_file(cli->policy_path, policy, err, sizeof(err))
			      : vw_policy_load_default(policy, err, sizeof(err));
	if (rc) {
		vw_msg(VW_ERR, "%s\n", err);
		return VW_EXIT_USAGE;
	}
	rc = adapt_to_lockdown(cli, policy);
	if (rc)
		return rc;
	if (vw_cfg_load(cli->args[0], cli->device, cfg, &size, bdf, err, sizeof(err))) {
		vw_msg(VW_ERR, "vfio-warden map: %s\n", err);
		return VW_EXIT_USAGE;
	}
	if (vw_walk(cfg, size, lay)) {
		vw_msg(VW_ERR, "vfio-warden map: %s: not PCI config space (vendor ID %02x%02x)\n",
			cli->args[0], cfg[1], cfg[0]);
		return VW_EXIT_USAGE;
	}
	vw_explain(policy, lay, bdf, x);
	for (i = 0; i < x->nnames; i++)
		rules[i] = x->names[i];
	in.target = bdf[0] ? bdf : cli->args[0];
	in.layout = lay;
	in.act = x->dev.act;
	in.rule = x->rule;
	in.rules = rules;
	in.nrules = x->nnames;
	rc = cli->json ? vw_map_print_json(stdout, &in, false) : vw_map_print_text(stdout, &in);
	return rc ? VW_EXIT_ERROR : VW_EXIT_OK;
}

int vw_cmd_map(const struct vw_cli *cli)
{
	struct map_work *w = calloc(1, sizeof(*w));
	int rc = w ? map_with(cli, w) : VW_EXIT_ERROR;

	free(w);
	return rc;
}
