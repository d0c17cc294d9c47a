/* SPDX-License-Identifier: GPL-2.0 */
/* The VFIO_DEVICE_FEATURE header race: flags rewritten between the veto and vfio's copy. */
#ifndef VW_SELFTEST_RACE_H
#define VW_SELFTEST_RACE_H

struct vw_dev;

struct race_opts {
	const struct vw_dev *dev;	/* an open vfio-pci device with a PM capability (e1000e) */
	const char *rwdir;		/* for policy files */
	const char *evfile;		/* the event log `log` streams into (running) */
	int seconds;			/* how long the racing threads may try */
	int require_race;		/* 1: the guest runs vCPUs in parallel; no race seen is a failure,
					 * and on_race: kill is tested too */
};

/* Run attached with `log -o evfile` streaming; leaves the default policy loaded. */
void test_race(const struct race_opts *o);

#endif
