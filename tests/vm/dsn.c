// SPDX-License-Identifier: GPL-2.0
/*
 * The Device Serial Number: scrubbed by default, a virtual serial set, read,
 * reset and cleared, the four read actions, and what lockdown=integrity leaves.
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


static char out[1 << 16];

/* Every read of 1/2/4/8 bytes at every offset around the DSN: serial bytes
 * are the virtual serial's, everything else what the device holds. */
static void check_scrubbed(struct vw_dev *d, const uint8_t *virt, const char *what)
{
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	uint8_t sys[32], got[8], full[4096];
	unsigned off, si, i, bad = 0;

	CHECK_EQ(vw_sysfs_cfg_read(d->bdf, DSN - 8, sys, sizeof(sys)), 32);
	for (off = DSN - 8; off < DSN + 16; off++)
		for (si = 0; si < 4; si++) {
			memset(got, 0xaa, sizeof(got));
			if (vw_cfg_pread(d, off, got, sizes[si]) != (ssize_t)sizes[si]) {
				bad++;
				continue;
			}
			for (i = 0; i < sizes[si]; i++) {
				unsigned b = off + i;
				uint8_t want = b >= DSN + 4 && b < DSN + 12 ? virt[b - DSN - 4] : sys[b - (DSN - 8)];

				if (got[i] != want && bad++ < 3)
					printf("  %s: read %u@0x%x byte 0x%x = %02x, want %02x\n", what, sizes[si], off, b, got[i], want);
			}
		}
	CHECK(bad == 0, "%s: %u bytes wrong", what, bad);
	CHECK_EQ(vw_cfg_pread(d, 0, full, sizeof(full)), 4096);
	CHECK(!memcmp(full + DSN + 4, virt, 8), "%s: 4 KiB read carries the real serial", what);
	CHECK(!memcmp(full + DSN, sys + 8, 4), "%s: DSN header must stay real", what);
}

VW_TEST(dsn_scrub, dsn, VW_ATTACHED | VW_LOG | VW_UNLOCKED)
{
	static const uint8_t zero[8];
	uint8_t sys[12];
	unsigned off;

	cli_run(out, sizeof(out), "dsn", "clear", E1, NULL);	/* the default scrub: zeros */
	CHECK_EQ(vw_sysfs_cfg_read(E1, DSN, sys, 12), 12);
	CHECK(!memcmp(sys + 4, real_serial, 8), "sysfs (the host's view) shows the real serial");
	check_scrubbed(d, zero, "default scrub");
	CHECK_EQ(vw_sysfs_cfg_read(E1, DSN, sys, 12), 12);
	CHECK(!memcmp(sys + 4, real_serial, 8), "the host's own view is unchanged");
	for (off = DSN; off < DSN + 12; off++)
		CHECK_EQ(vw_cfg_write(d, off, 1, 0x00), -EPERM);
	CHECK_EQ(events_wait(EVFILE, 12, WAIT_S, "device", E1, "op", "write", "action", "deny",
			     "cap_name", "Device Serial Number", NULL), 12);
}

/*
 * Secure Boot hosts (lockdown=integrity): the serial cannot be rewritten. Every read
 * gets the real serial and is audited, QEMU's 4 KiB start-up read succeeds, writes
 * stay denied, and attach, status, map and `dsn set` all say so.
 */
VW_TEST(dsn_lockdown, dsn, VW_ATTACHED | VW_LOG | VW_LOCKDOWN)
{
	json_object *st = cli_status(), *deg;
	const char *scrub;

	check_scrubbed(d, real_serial, "lockdown: the real serial, audited");
	CHECK(events_wait(EVFILE, 1, WAIT_S, "device", E1, "op", "read", "offset", num(DSN + 4), "action", "audit",
			  "cap_name", "Device Serial Number", NULL) >= 1, "serial reads are audited");
	CHECK_STR(json_object_get_string(json_object_object_get(st, "lockdown")), "integrity");
	scrub = json_object_get_string(json_object_object_get(st, "dsn_scrub"));
	CHECK(scrub && !strncmp(scrub, "unavailable (lockdown=integrity", 31), "dsn_scrub: %s", scrub);
	deg = json_object_object_get(st, "degraded");
	CHECK(json_object_array_length(deg) == 1 &&
	      strstr(json_object_get_string(json_object_array_get_idx(deg, 0)), "default: dsn read scrub applies as audit"),
	      "degraded: %s", json_object_to_json_string(deg));
	json_object_put(st);
	/* a virtual serial is impossible here: refused, not ignored */
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E1, "00-11-22-33-44-55-66-77", NULL), 6);
	CHECK(strstr(out, "lockdown (integrity)"), "%s", out);
	/* map shows the verdict that applies: audit here, scrub on an unlocked host */
	CHECK_EQ(cli_run(out, sizeof(out), "map", "--json", E1, NULL), 0);
	CHECK(strstr(out, "\"name\":\"Device Serial Number\",\"version\":1,\"read\":\"audit\""), "map: %.300s", out);
	CHECK_EQ(cli_run(out, sizeof(out), "map", "--json", "--lockdown", "none", E1, NULL), 0);
	CHECK(strstr(out, "\"read\":\"scrub\""), "map --lockdown none: %.300s", out);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "get", E1, NULL), 0);
}

VW_TEST(dsn_virtual, dsn, VW_ATTACHED | VW_LOG | VW_UNLOCKED)
{
	static const uint8_t v1[8] = { 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00 };
	static const uint8_t v2[8] = { 0x01, 0, 0, 0, 0, 0, 0, 0x02 };
	static const uint8_t zero[8];

	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E1, "00-11-22-33-44-55-66-77", NULL), 0);
	CHECK_EQ(rd32(d, DSN + 4), 0x44556677);	/* next read, no re-attach */
	CHECK_EQ(rd32(d, DSN + 8), 0x00112233);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "get", E1, NULL), 0);
	CHECK(strstr(out, "00-11-22-33-44-55-66-77"), "get: %s", out);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E1, "02:00:00:00:00:00:00:01", NULL), 0);
	check_scrubbed(d, v2, "second set");
	CHECK_EQ(vw_dev_reset(d), 0);	/* VFIO_DEVICE_RESET */
	CHECK_EQ(rd32(d, DSN + 4), 0x00000001);
	vw_dev_close(d);
	CHECK_EQ(vw_dev_open(d, E1), 0);	/* close and reopen */
	CHECK_EQ(rd32(d, DSN + 8), 0x02000000);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "clear", E1, NULL), 0);
	check_scrubbed(d, zero, "cleared");
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E1, "00-11-22-33-44-55-66-77", NULL), 0);
	check_scrubbed(d, v1, "set again");
	/* bad input changes nothing */
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E1, "00-11-22-33-44-55-66", NULL), 2);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E1, "00-11-22-33-44-55-66-7g", NULL), 2);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E1, "0011223344556677", NULL), 2);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", E1, "00-11:22-33-44-55-66-77", NULL), 2);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", "0000:00:1f.7", "00-11-22-33-44-55-66-77", NULL), 2);
	CHECK(strstr(out, "no PCI device"), "%s", out);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", IGB, "00-11-22-33-44-55-66-77", NULL), 2);
	CHECK(strstr(out, "no Device Serial Number"), "%s", out);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "set", "0000:00:00.0", "00-11-22-33-44-55-66-77", NULL), 2);
	CHECK(strstr(out, "not bound to vfio-pci"), "%s", out);
	CHECK_EQ(cli_run(out, sizeof(out), "dsn", "get", E1, NULL), 0);
	CHECK(strstr(out, "00-11-22-33-44-55-66-77"), "unchanged after bad input: %s", out);
	check_scrubbed(d, v1, "after bad input");
}

VW_TEST(dsn_modes, dsn, VW_ATTACHED | VW_LOG)
{
	static const char *fmt = "version: 1\ndefault:\n  unassigned: {read: audit, write: deny}\n"
				 "  capability:\n    dsn: {read: %s, write: deny}\n";
	const char *pol = policy_path("dsn-mode.yaml");
	char text[256];
	uint32_t v;
	int n;

	if (!LOCKED)	/* the virtual serial that must survive the reloads below */
		cli_run(out, sizeof(out), "dsn", "set", E1, "00-11-22-33-44-55-66-77", NULL);
	snprintf(text, sizeof(text), fmt, "allow");
	write_file(pol, text);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	check_scrubbed(d, real_serial, "allow");
	snprintf(text, sizeof(text), fmt, "audit");
	write_file(pol, text);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	/* one more audit event at the serial (under lockdown the earlier scrub reads were audits too) */
	n = events_count(EVFILE, "device", E1, "op", "read", "offset", num(DSN + 4), "action", "audit",
			 "cap_name", "Device Serial Number", NULL);
	CHECK_EQ(rd32(d, DSN + 4), 0xff123456);
	CHECK_EQ(events_wait(EVFILE, n + 1, WAIT_S, "device", E1, "op", "read", "offset", num(DSN + 4),
			     "action", "audit", "cap_name", "Device Serial Number", NULL), n + 1);
	snprintf(text, sizeof(text), fmt, "deny");
	write_file(pol, text);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	CHECK_EQ(vw_cfg_read(d, DSN + 4, 4, &v), -EPERM);
	CHECK_EQ(vw_cfg_read(d, DSN + 11, 1, &v), -EPERM);
	CHECK_EQ(vw_cfg_read(d, DSN, 4, &v), 0);	/* header: the chain stays walkable */
	CHECK_EQ(vw_cfg_read(d, DSN + 12, 4, &v), 0);
	snprintf(text, sizeof(text), fmt, "scrub");
	write_file(pol, text);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	if (LOCKED) {	/* said even with -q, and the serial stays real */
		CHECK(strstr(out, "dsn read scrub applies as audit"), "reload under lockdown: %s", out);
		CHECK_EQ(rd32(d, DSN + 4), 0xff123456);
	} else {
		CHECK_EQ(rd32(d, DSN + 4), 0x44556677);	/* the virtual serial survived four reloads */
	}
	/* the first access after reload returns is judged by the new policy */
	write_file(pol, "version: 1\ndefault:\n  unassigned: {read: audit, write: allow}\n");
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	CHECK_EQ(vw_cfg_write(d, UNASSIGNED, 4, 0), 0);
	CHECK_EQ(rd32(d, DSN + 4), 0xff123456);	/* no scrub rule: the real serial at once */
	snprintf(text, sizeof(text), fmt, "scrub");
	write_file(pol, text);
	CHECK_EQ(cli_run(out, sizeof(out), "reload", "-q", "-p", pol, NULL), 0);
	CHECK_EQ(vw_cfg_write(d, UNASSIGNED, 4, 0), -EPERM);
	CHECK_EQ(rd32(d, DSN + 4), LOCKED ? 0xff123456 : 0x44556677);
}
