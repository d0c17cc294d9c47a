// SPDX-License-Identifier: GPL-2.0
/*
 * Policies at run time: per-device layers over a reload, a device bound after
 * attach judged by the layers BPF picks, malformed policies that change
 * nothing, `check`'s hints, and the CLI's refusals.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vw_test.h"
#include "cli.h"
#include "vmtest.h"
#include <json-c/json.h>

static char out[1 << 16];

/* ---- overrides, reload, late binding ------------------------------------ */

static const char *default_layer =
	"default:\n"
	"  header: allow\n"
	"  capabilities: allow\n"
	"  unassigned: {read: audit, write: deny}\n"
	"  capability:\n"
	"    dsn: {read: scrub, write: deny}\n";

static void write_overrides(const char *path)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "version: 1\n%s"
		 "devices:\n"
		 "  - match: {bdf: \"%s\"}\n"
		 "    ranges:\n"
		 "      - {start: 0xf00, length: 4, write: allow}\n"
		 "  - match: {vendor: \"8086\", device: \"10d3\"}\n"
		 "    ranges:\n"
		 "      - {start: 0xf10, length: 4, write: allow}\n"
		 "  - match: {vendor: \"8086\", device: \"10c9\"}\n"
		 "    unassigned: {write: audit}\n"
		 "  - match: {bdf: \"%s\"}\n"	/* bound after attach: BPF looks its BDF up */
		 "    ranges:\n"
		 "      - {start: 0xf20, length: 4, write: allow}\n",
		 default_layer, E1, E2);
	write_file(path, text);
}

VW_TEST(reload_overrides, policy, VW_ATTACHED | VW_LOG)
{
	struct vw_dev igb = { .fd = -1 }, nvme = { .fd = -1 };
	const char *pol = policy_path("overrides.yaml");
	json_object *st = cli_status();
	int gen0 = json_object_get_int(json_object_object_get(st, "generation"));

	json_object_put(st);
	if (!LOCKED)	/* the virtual serial that must survive the reload */
		cli_run(out, sizeof(out), "dsn", "set", E1, "00-11-22-33-44-55-66-77", NULL);
	write_overrides(pol);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	st = cli_status();	/* the reload switched to the other generation of the maps */
	CHECK_EQ(json_object_get_int(json_object_object_get(st, "generation")), !gen0);
	json_object_put(st);

	/* virtual serial survives reload (lockdown: none can be set, the real one shows) */
	CHECK_EQ(rd32(d, DSN + 4), LOCKED ? 0xff123456 : 0x44556677);
	CHECK_EQ(vw_cfg_write(d, UNASSIGNED, 4, 0x1), 0);	/* per-BDF range */
	CHECK_EQ(vw_cfg_write(d, UNASSIGNED + 4, 4, 0x2), -EPERM);	/* next dword: still default */
	CHECK_EQ(vw_cfg_write(d, 0xf10, 4, 0x3), 0);	/* vendor:device layer under the BDF layer */
	CHECK_EQ(vw_cfg_write(d, 0xf0e, 4, 0x4), -EPERM);	/* straddles 0xf0e..0xf11: any denied byte denies */
	CHECK_EQ(vw_dev_open(&igb, IGB), 0);
	CHECK_EQ(vw_cfg_write(&igb, UNASSIGNED, 4, 0x1a1a1a1a), 0);	/* vendor:device: audit */
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "device", IGB, "op", "write", "action", "audit",
			     "value", "0x1a1a1a1a", NULL), 1);
	CHECK_EQ(vw_dev_open(&nvme, NVME), 0);
	CHECK_EQ(vw_cfg_write(&nvme, UNASSIGNED, 4, 0x1), -EPERM);	/* default layer */
	vw_dev_close(&igb);
	vw_dev_close(&nvme);
}

VW_TEST(bound_after_attach, policy, VW_ATTACHED | VW_LOG)
{
	struct vw_dev d2 = { .fd = -1 };
	char cmd[256];
	json_object *st, *devs;
	const char *layout = NULL;
	json_object *layers = NULL;
	size_t i;

	/* the overrides policy: its layers name this device before it is bound */
	write_overrides(policy_path("overrides.yaml"));
	cli_run(out, sizeof(out), "reload", "-q", "-p", policy_path("overrides.yaml"), NULL);
	snprintf(cmd, sizeof(cmd), "tests/vm/guest-setup.sh bind %s >/dev/null", E2);
	CHECK_EQ(system(cmd), 0);
	CHECK_EQ(vw_dev_open(&d2, E2), 0);
	CHECK_EQ(vw_cfg_write(&d2, UNASSIGNED, 4, 0x2), -EPERM);	/* default layer, vfio's map */
	CHECK_EQ(vw_cfg_write(&d2, 0xf10, 4, 0x3), 0);	/* vendor:device selector from BPF */
	CHECK_EQ(vw_cfg_write(&d2, 0xf20, 4, 0x5), 0);	/* bdf selector from BPF */
	CHECK_EQ(vw_cfg_write(&d2, 0x04, 2, 0x0), 0);	/* header */
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "type", "device", "device", E2, NULL), 1);
	/* DSN found from vfio-pci's map; two devices, two serials */
	if (LOCKED) {	/* no scrub: E2's own serial (MAC ...:57), audited */
		CHECK_EQ(rd32(&d2, DSN + 4), 0xff123457);
		CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "device", E2, "op", "read", "offset", num(DSN + 4),
				     "action", "audit", NULL), 1);
		CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E2, "aa-bb-cc-dd-ee-ff-00-11", NULL), 6);
	} else {
		CHECK_EQ(rd32(&d2, DSN + 4), 0);
		CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E2, "aa-bb-cc-dd-ee-ff-00-11", NULL), 0);
		CHECK_EQ(rd32(&d2, DSN + 4), 0xeeff0011);
		CHECK_EQ(rd32(&d2, DSN + 8), 0xaabbccdd);
	}
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "device", E2, "action", "deny", "offset", num(UNASSIGNED), NULL), 1);
	st = cli_status();
	devs = json_object_object_get(st, "devices");
	for (i = 0; devs && i < json_object_array_length(devs); i++) {
		json_object *dj = json_object_array_get_idx(devs, i);

		if (strcmp(json_object_get_string(json_object_object_get(dj, "device")), E2))
			continue;
		layout = json_object_get_string(json_object_object_get(dj, "layout"));
		layers = json_object_object_get(dj, "policy");
	}
	CHECK_STR(layout, "vfio-pci map");
	/* BPF chose the layers as the loader does (vw_select.h), and says which */
	snprintf(cmd, sizeof(cmd), "bdf %s", E2);
	CHECK_STR(json_object_get_string(json_object_object_get(layers, "bdf")), cmd);
	CHECK_STR(json_object_get_string(json_object_object_get(layers, "vendor:device")), "vendor 8086:10d3");
	CHECK_STR(json_object_get_string(json_object_object_get(layers, "default")), "default");
	CHECK(layers && json_object_object_length(layers) == 3, "layers of %s: %s", E2,
	      layers ? json_object_to_json_string(layers) : "none");
	CHECK_EQ(status_counter(st, E2, "write.deny"), 1);
	CHECK_EQ(status_counter(st, E2, "write.allow"), 3);
	json_object_put(st);
	vw_dev_close(&d2);
}

/* Each file under tests/data/policies/bad/ names the line:col and message it must produce. */
VW_TEST(bad_policies_change_nothing, policy, VW_ATTACHED)
{
	FILE *ls = popen("ls tests/data/policies/bad/*.yaml", "r");
	char path[512], first[256], want[512];
	int n = 0, gen0;
	json_object *st;

	/* the policy that must stay in force: the overrides */
	write_overrides(policy_path("overrides.yaml"));
	cli_run(out, sizeof(out), "reload", "-q", "-p", policy_path("overrides.yaml"), NULL);
	st = cli_status();
	gen0 = json_object_get_int(json_object_object_get(st, "generation"));
	json_object_put(st);
	while (ls && fgets(path, sizeof(path), ls)) {
		FILE *f;
		int lc_line = 0, lc_col = 0;

		path[strcspn(path, "\n")] = 0;
		f = fopen(path, "r");
		first[0] = 0;
		if (f) {
			if (!fgets(first, sizeof(first), f))
				first[0] = 0;
			fclose(f);
		}
		if (sscanf(first, "# expect: %d:%d", &lc_line, &lc_col) != 2)
			continue;	/* generated cases (huge files) are covered by the unit tests */
		n++;
		snprintf(want, sizeof(want), "%.400s:%d:%d:", path, lc_line, lc_col);
		CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", path, NULL), 2);
		CHECK(strstr(out, want) != NULL, "%s: wanted '%s' in: %s", path, want, out);
	}
	if (ls)
		pclose(ls);
	CHECK(n >= 20, "only %d malformed policies found", n);
	st = cli_status();
	CHECK_EQ(json_object_get_int(json_object_object_get(st, "generation")), gen0);
	json_object_put(st);
	/* enforcement unchanged: the overrides policy still allows 0xf00 and denies 0xf04 */
	CHECK_EQ(vw_cfg_write(d, UNASSIGNED, 4, 0x1), 0);
	CHECK_EQ(vw_cfg_write(d, UNASSIGNED + 4, 4, 0x1), -EPERM);
}

VW_TEST(check_hints, policy, 0)
{
	const char *pol = policy_path("hints.yaml");

	write_file(pol, "version: 1\n"
		   "devices:\n"
		   "  - match: {vendor: \"dead\"}\n"
		   "    unassigned: {write: audit}\n"
		   "  - match: {vendor: \"8086\", device: \"10c9\"}\n"
		   "    capability:\n"
		   "      sriov: {write: audit}\n"
		   "      tph: {write: deny}\n");
	CHECK_EQ(cli_run(out, sizeof(out), "check", pol, NULL), 0);
	CHECK(strstr(out, ":3: hint: entry 'vendor dead' matches no PCI device"), "%s", out);
	CHECK(strstr(out, ":5: hint: entry 'vendor 8086:10c9': the rule for capability tph"), "%s", out);
	CHECK(!strstr(out, "capability sriov"), "igb has SR-IOV: no hint expected: %s", out);
}

VW_TEST(cli_errors, policy, VW_ATTACHED)
{
	CHECK_EQ(cli_run(out, sizeof(out), "attach", NULL), 4);
	CHECK(strstr(out, "already attached"), "%s", out);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", NULL), 2);
	CHECK_EQ(cli_run(out, sizeof(out), "bogus", NULL), 2);
	CHECK_EQ(system("setpriv --reuid=65534 --regid=65534 --clear-groups build/vfio-warden status >/dev/null 2>&1") >> 8, 3);
	CHECK_EQ(system("setpriv --reuid=65534 --regid=65534 --clear-groups build/vfio-warden detach >/dev/null 2>&1") >> 8, 3);
	/* pinned state is root-only */
	CHECK_EQ(system("setpriv --reuid=65534 --regid=65534 --clear-groups ls /sys/fs/bpf/vfio-warden >/dev/null 2>&1") >> 8 != 0, 1);
}
