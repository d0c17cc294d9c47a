// SPDX-License-Identifier: GPL-2.0
/*
 * Demo traffic: what a VMM does to a passed-through device at start-up (the
 * full 4 KiB config read, header reads, a command-register write) plus what a
 * hostile guest might try (writes and reads in unassigned space).
 */
#include <stdio.h>
#include <string.h>

#include "demo-traffic.h"
#include "vfio_util.h"

/* QEMU's e1000e has its Device Serial Number at 0x140: show both views. */
static void show_dsn(struct vw_dev *d)
{
	uint8_t host[12], guest[12];
	int i;

	if (vw_sysfs_cfg_read(d->bdf, 0x140, host, 12) != 12 || host[0] != 0x03 || host[1] & 0x0f ||
	    vw_cfg_pread(d, 0x140, guest, 12) != 12)
		return;
	printf("  %-13s %-44s    ", d->bdf, "Device Serial Number, host view (sysfs)");
	for (i = 11; i >= 4; i--)
		printf("%02x%s", host[i], i > 4 ? "-" : "\n");
	printf("  %-13s %-44s    ", d->bdf, "Device Serial Number, through VFIO");
	for (i = 11; i >= 4; i--)
		printf("%02x%s", guest[i], i > 4 ? "-" : "\n");
}

static void step(const char *bdf, const char *what, int rc)
{
	printf("  %-13s %-44s -> %s\n", bdf, what, rc < 0 ? strerror(-rc) : "ok");
}

int demo_traffic(const char *const *bdfs, int n)
{
	uint8_t cfg[4096];
	uint32_t v;
	int i, rc;

	for (i = 0; i < n; i++) {
		struct vw_dev d = { .fd = -1 };

		if (!bdfs[i])
			continue;
		rc = vw_dev_open(&d, bdfs[i]);
		if (rc) {
			fprintf(stderr, "demo: cannot open %s: %s\n", bdfs[i], vw_errmsg());
			return 1;
		}
		rc = vw_cfg_pread(&d, 0, cfg, sizeof(cfg));
		step(bdfs[i], "read all 4096 bytes (QEMU start-up)", rc < 0 ? rc : 0);
		step(bdfs[i], "read vendor/device ID (header)", vw_cfg_read(&d, 0, 4, &v));
		rc = vw_cfg_read(&d, 0x04, 2, &v);
		step(bdfs[i], "rewrite command register (header)", rc ? rc : vw_cfg_write(&d, 0x04, 2, v));
		step(bdfs[i], "read 4 bytes at 0xf00 (unassigned)", vw_cfg_read(&d, 0xf00, 4, &v));
		step(bdfs[i], "write 0xdeadbeef at 0xf00 (unassigned)", vw_cfg_write(&d, 0xf00, 4, 0xdeadbeef));
		step(bdfs[i], "write 1 byte at 0xffe (unassigned)", vw_cfg_write(&d, 0xffe, 1, 0xff));
		show_dsn(&d);
		vw_dev_close(&d);
	}
	return 0;
}
