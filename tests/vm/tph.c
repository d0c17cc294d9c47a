// SPDX-License-Identifier: GPL-2.0
/*
 * TPH steering tags (VFIO_DEVICE_PCI_TPH, revision 1): the default policy's
 * caller-affinity filter over whole batches, and a policy's ops, CPUs and modes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>
#include <sys/ioctl.h>
#include "vw_test.h"
#include "cli.h"
#include "vmtest.h"
#include "vw_tph.h"

static char out[1 << 16];

/* ---- TPH: VFIO_DEVICE_PCI_TPH ------------------------------------------ */
/*
 * No Debian kernel has the proposed uAPI: a call the hook allows reaches the
 * driver and fails with ENOTTY; a call it refuses fails with EPERM.
 */
static struct {
	struct vw_tph_op op;
	struct vw_tph_entry ents[VW_TPH_MAX_ENTRIES];
} tph;

static int tph_call(struct vw_dev *d, void *arg)
{
	return ioctl(d->fd, VW_TPH_IOCTL, arg) ? errno : 0;
}

static int tph_st(struct vw_dev *d, unsigned op, unsigned count, unsigned cpu)
{
	unsigned i;

	memset(&tph, 0, sizeof(tph));
	tph.op.hdr.argsz = vw_tph_st_argsz(count);
	tph.op.hdr.op = op;
	tph.op.st.count = count;
	for (i = 0; i < count && i < VW_TPH_MAX_ENTRIES; i++) {
		tph.ents[i].cpu = cpu;
		tph.ents[i].mem_type = VW_TPH_MEM_VM;
		tph.ents[i].index = i;
	}
	return tph_call(d, &tph);
}

static int tph_enable(struct vw_dev *d, unsigned mode)
{
	memset(&tph, 0, sizeof(tph));
	tph.op.hdr.argsz = VW_TPH_FIXED_SIZE;
	tph.op.hdr.op = VW_TPH_OP_ENABLE;
	tph.op.ctrl.mode = mode;
	return tph_call(d, &tph);
}

static void pin_to_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	CHECK_EQ(sched_setaffinity(0, sizeof(set), &set), 0);
}

VW_TEST(tph_default, tph, VW_ATTACHED | VW_LOG)
{
	long long deny0 = counter(E1, "tph.deny");
	json_object *ev;

	CHECK(sysconf(_SC_NPROCESSORS_ONLN) >= 2, "the guest needs 2 CPUs for caller-affinity tests");
	pin_to_cpu0();
	memset(&tph, 0, sizeof(tph));
	tph.op.hdr.argsz = VW_TPH_FIXED_SIZE;
	tph.op.hdr.op = VW_TPH_OP_GET_CAP;
	CHECK_EQ(tph_call(d, &tph), ENOTTY);	/* allowed: the driver answers */
	CHECK_EQ(tph_st(d, VW_TPH_OP_GET_ST, 1, 0), ENOTTY);	/* CPU 0: ours */
	CHECK_EQ(tph_st(d, VW_TPH_OP_GET_ST, 1, 1), EPERM);	/* CPU 1: not in our affinity */
	CHECK_EQ(tph_st(d, VW_TPH_OP_SET_ST, 1, 1), EPERM);
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "type", "tph", "device", E1, "op", "get_st", "action", "deny",
			     "reason", "entries_not_allowed", "refused_entries", "1", NULL), 1);
	/* a mixed batch: one CPU and one memory type out of 100 refuse the whole call */
	tph_st(d, VW_TPH_OP_GET_ST, 100, 0);
	tph.ents[37].cpu = 1;
	tph.ents[90].mem_type = 7;
	CHECK_EQ(tph_call(d, &tph), EPERM);
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "type", "tph", "count", "100", "refused_entries", "2", NULL), 1);
	ev = events_find(EVFILE, "type", "tph", "count", "100", NULL);
	{
		json_object *ents = ev ? json_object_object_get(ev, "entries") : NULL;
		json_object *e0 = ents ? json_object_array_get_idx(ents, 0) : NULL;
		json_object *e1 = ents ? json_object_array_get_idx(ents, 1) : NULL;

		CHECK(e0 && json_object_get_int(json_object_object_get(e0, "index")) == 37 &&
		      json_object_get_int(json_object_object_get(e0, "cpu")) == 1 &&
		      e1 && json_object_get_int(json_object_object_get(e1, "index")) == 90,
		      "offending entries: %s", ev ? json_object_to_json_string(ev) : "no event");
	}
	json_object_put(ev);
	/* the largest batch, all allowed: every one of 2048 entries checked, passed on */
	CHECK_EQ(tph_st(d, VW_TPH_OP_SET_ST, VW_TPH_MAX_ENTRIES, 0), ENOTTY);
	tph.ents[2047].cpu = 1;
	CHECK_EQ(tph_call(d, &tph), EPERM);	/* ...and the very last one counts */
	CHECK_EQ(tph_enable(d, VW_TPH_MODE_IV), ENOTTY);	/* IV: the default allows it */
	CHECK_EQ(tph_enable(d, VW_TPH_MODE_DS), EPERM);	/* DS: tags the host cannot filter */
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "type", "tph", "op", "enable", "mode", "ds", "action", "deny", NULL), 1);
	/* malformed calls: passed to the driver (which refuses them), reported */
	memset(&tph, 0, sizeof(tph));
	tph.op.hdr.argsz = 4;
	tph.op.hdr.op = VW_TPH_OP_GET_CAP;
	CHECK_EQ(tph_call(d, &tph), ENOTTY);
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "type", "tph", "action", "audit", "reason", "argsz_too_small", NULL), 1);
	CHECK_EQ(tph_st(d, VW_TPH_OP_GET_ST, 0, 0), ENOTTY);
	CHECK_EQ(tph_st(d, VW_TPH_OP_GET_ST, 5000, 0), ENOTTY);
	CHECK_EQ(tph_call(d, (void *)8), ENOTTY);	/* unreadable pointer */
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "type", "tph", "reason", "unreadable", NULL), 1);
	CHECK_EQ(counter(E1, "tph.deny") - deny0, 5);
}

VW_TEST(tph_policy, tph, VW_ATTACHED | VW_LOG)
{
	const char *pol = policy_path("tph.yaml");

	write_file(pol, "version: 1\n"
		   "default:\n"
		   "  unassigned: {read: audit, write: deny}\n"
		   "  tph: {ops: [get_cap, get_st], cpus: \"1\", modes: [iv, ds]}\n");
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	pin_to_cpu0();
	CHECK_EQ(tph_st(d, VW_TPH_OP_GET_ST, 1, 1), ENOTTY);	/* listed CPU, outside our affinity */
	CHECK_EQ(tph_st(d, VW_TPH_OP_GET_ST, 1, 0), EPERM);	/* our CPU, not listed */
	CHECK_EQ(tph_st(d, VW_TPH_OP_SET_ST, 1, 1), EPERM);	/* op not allowed */
	CHECK_EQ(events_wait(EVFILE, 1, WAIT_S, "type", "tph", "op", "set_st", "reason", "op_not_allowed", NULL), 1);
	CHECK_EQ(tph_enable(d, VW_TPH_MODE_DS), EPERM);	/* enable itself is not allowed */
	write_file(pol, "version: 1\n"
		   "default:\n"
		   "  unassigned: {read: audit, write: deny}\n"
		   "  tph: {cpus: all, modes: [iv, ds]}\n");
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	CHECK_EQ(tph_enable(d, VW_TPH_MODE_DS), ENOTTY);
	CHECK_EQ(tph_st(d, VW_TPH_OP_SET_ST, 2, 1), ENOTTY);
	write_file(pol, "version: 1\ndefault:\n  tph: {cpus: \"0-3,x\"}\n");
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 2);
	CHECK(strstr(out, "tph.yaml:3:"), "bad cpu list refused with a position: %s", out);
}
