/* SPDX-License-Identifier: GPL-2.0 */
/* The fleet integrations against a real VMM: VM names, metrics, the audit log, the journal, the schema. */
#ifndef VW_SELFTEST_FLEET_H
#define VW_SELFTEST_FLEET_H

struct fleet_opts {
	const char *bdf;	/* a vfio-pci device nobody holds open (QEMU takes it) */
	const char *rwdir;	/* for policy files */
	const char *const *logs;	/* event logs the run wrote so far, NULL-terminated */
};

/* Run with vfio-warden attached and no `log` streaming (this test streams its own). */
void test_fleet(const struct fleet_opts *o);

/* Every event in these JSON Lines files (first, then logs, NULL-terminated; missing files
 * skipped) validates against user/lib/events.schema.json, and there is at least one. */
void check_events_schema(const char *first, const char *const *logs);

#endif
