// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: ns per 4-byte config read and write through the VFIO device
 * file, best median of several runs. The caller (tests/vm/guest-bench.sh)
 * runs it without vfio-warden, with the default policy and with an
 * audit-everything policy in one boot, and prints ratios.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"
#include "vfio_util.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median over runs of the mean ns per access of one batch. */
static double measure(struct vw_dev *d, int write, unsigned off, int n)
{
	enum { RUNS = 7 };
	double t[RUNS];
	uint32_t v = 0;
	int r, i;

	vw_cfg_read(d, off, 4, &v);
	for (r = 0; r < RUNS; r++) {
		double t0 = now_ns();

		for (i = 0; i < n; i++) {
			if (write)
				vw_cfg_write(d, off, 4, v);
			else
				vw_cfg_read(d, off, 4, &v);
		}
		t[r] = (now_ns() - t0) / n;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	return t[RUNS / 2];
}

int bench_config(const char *bdf, int n)
{
	struct vw_dev d = { .fd = -1 };

	if (vw_dev_open(&d, bdf)) {
		fprintf(stderr, "bench: cannot open %s: %s\n", bdf, vw_errmsg());
		return 1;
	}
	/* the command register: a header dword every policy here allows or audits */
	printf("%.0f %.0f\n", measure(&d, 0, 0x04, n), measure(&d, 1, 0x04, n));
	vw_dev_close(&d);
	return 0;
}
