// SPDX-License-Identifier: GPL-2.0
/*
 * The audit log under pressure: a tiny ring buffer nobody reads, and a flood
 * aggregated into counted records (README "Floods").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include "vw_test.h"
#include "cli.h"
#include "vmtest.h"
#include "flood.h"

static char out[1 << 16];

/*
 * A 4 KiB ring buffer (13 records) and nobody reading. 2,000 reads over 100
 * dwords: the first of each is a record, or, the ring being full, the first
 * count of its key; the rest are counted (include/vw_aggregate.h). Nothing is
 * lost: the counts wait in vw_agg until the ring takes them. Then 5,000
 * distinct reads, more keys than vw_agg holds (4,096), with the ring full:
 * those get records of their own, and what the ring cannot take is lost and
 * counted. Either way the records' counts plus lost equal the audit counter.
 */
VW_TEST(tiny_ringbuf, events, VW_DETACHED)
{
	const char *pol = policy_path("audit-all.yaml");
	enum { N = 2000, M = 5000 };
	long long lost, audited;
	uint32_t v;
	int i, ok = 0, events;

	write_file(pol, "version: 1\ndefault:\n  header: audit\n  capabilities: audit\n  unassigned: audit\n");
	CHECK_EQ(attach(pol, "4096"), 0);
	for (i = 0; i < N; i++)
		ok += vw_cfg_read(d, (i % 100) * 4, 4, &v) == 0;
	CHECK_EQ(ok, N);
	audited = counter(E1, "read.audit");
	lost = counter(E1, "lost");
	CHECK_EQ(audited, N);
	CHECK_EQ(lost, 0);
	start_log();
	events = events_wait(EVFILE, N, WAIT_S, "type", "config", "device", E1, "op", "read", NULL);
	CHECK_EQ(events, N);
	stop_log();
	for (i = 0, ok = 0; i < M; i++)	/* 4096 one-byte reads, then 904 two-byte ones: all distinct */
		ok += vw_cfg_read(d, i % 4096, i < 4096 ? 1 : 2, &v) == 0;
	CHECK_EQ(ok, M);
	audited = counter(E1, "read.audit");
	lost = counter(E1, "lost");
	CHECK_EQ(audited, N + M);
	printf("  %d distinct reads, 4 KiB ring, nobody reading: lost %lld\n", M, lost);
	CHECK(lost > 0, "lost = %lld: more keys than vw_agg holds and a full ring lose records", lost);
	start_log();
	events = events_wait(EVFILE, (int)(M - lost), WAIT_S, "type", "config", "device", E1, "op", "read", NULL);
	CHECK_EQ(events + lost, M);
	json_object *st = cli_status();
	CHECK(json_object_get_int64(json_object_object_get(st, "lost")) >= lost, "global lost counter");
	json_object_put(st);
	stop_log();
	CHECK_EQ(cli_run(out, sizeof(out), "detach", NULL), 0);
}

/*
 * Floods (README "Floods"): 4 threads for 10 s with header/capability reads
 * audited and unassigned writes denied; the records' counts equal the
 * counters, nothing lost, denials keep deny records; then an idle task's
 * pending count comes within the window.
 */
VW_TEST(flood, events, VW_DETACHED)
{
	const char *pol = policy_path("flood.yaml");
	struct utsname u;
	struct flood_opts fo = { .bdf = E1, .evfile = EVFILE, .seconds = 10, .threads = 4, .check = 1, .deny = 1 };

	uname(&u);
	fo.kernel = u.release;
	write_file(pol, "version: 1\ndefault:\n  header: audit\n  capabilities: audit\n"
			"  unassigned: {read: audit, write: deny}\n");
	CHECK_EQ(attach(pol, NULL), 0);
	start_log();
	fo.run_pid = log_pid;
	flood_run(&fo);
	flood_idle_check(&fo);
	stop_log();
	CHECK_EQ(cli_run(out, sizeof(out), "detach", NULL), 0);
}
