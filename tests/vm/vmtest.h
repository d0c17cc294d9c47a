/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM selftests' registry, in the style of the kernel's selftests/bpf
 * prog_tests: each feature's file defines its tests with VW_TEST, the build
 * collects every VW_TEST line into a table (build/vm/vw-tests.inc), and
 * vw-selftest runs them all, or those named with -t (tests/vm/runner.c).
 *
 *   VW_TEST(name, feature, needs) { ...body, with d the e1000e E1 opened... }
 *
 * needs says what the runner sets up before the test, so that any test runs
 * alone, or in any order (d, the e1000e E1, is open for every test):
 *   VW_ATTACHED  the default policy attached (reloaded when an earlier test left
 *                another policy or generation; attached anew when it left
 *                another ring buffer size or TPH revision, or nothing attached)
 *   VW_FRESH     as VW_ATTACHED, but always attached anew: counters at zero,
 *                no virtual serial (a whole load: use it only where needed)
 *   VW_LOG       the event log streaming into EVFILE, a new file that holds
 *                only this test's events; without it no log runs (learn and
 *                fleet read the ring buffer themselves)
 *   VW_DETACHED  nothing attached, no log: the test attaches what it wants
 *   VW_LAST      the test changes the boot for good (it raises lockdown):
 *                the runner runs it after every other test
 *   VW_UNLOCKED, VW_LOCKDOWN   only on a boot without lockdown, only under
 *                lockdown=integrity (the runner says so and sets up nothing)
 * A test with none of them takes the state it finds (it needs no attachment).
 */
#ifndef VW_VMTEST_H
#define VW_VMTEST_H

#include <stdint.h>
#include <sys/types.h>

#include "vfio_util.h"

enum {
	VW_ATTACHED = 1,
	VW_FRESH = 2,
	VW_LOG = 4,
	VW_DETACHED = 8,
	VW_LAST = 16,
	VW_UNLOCKED = 32,
	VW_LOCKDOWN = 64,
};

#define VW_TEST(name, feature, needs) void vwt_##name(struct vw_dev *d)

#define UNASSIGNED 0xf00
#define WAIT_S 60	/* bound for conditions in a TCG guest; never a fixed sleep */
#define DSN 0x140	/* e1000e; serial 52:54:00:ff:ff:12:34:56 for the default MAC */

/* The guest's devices (tests/vm/guest-setup.sh), its shared directory, and its state. */
extern const char *E1, *E2, *IGB, *NVME, *CXL, *RWDIR;
extern int LOCKED;		/* lockdown=integrity: no DSN scrub, scrub rules apply as audit */
extern char EVFILE[512];	/* the event log the runner streams (guest-local) */
/* Every test's event log, appended when the runner starts the next one: the
 * fleet test checks them all against the schema. */
#define EVFILE_ALL "/tmp/vw-all-events.jsonl"
extern pid_t log_pid;
extern const uint8_t real_serial[8];	/* E1's DSN serial bytes, as config space holds them */

/* `log -o EVFILE` in the background (a new file), and its stop. */
void start_log(void);
void stop_log(void);
/* A file name in RWDIR (one of 4 rotating buffers). */
const char *policy_path(const char *name);
void write_file(const char *path, const char *text);
/* Formatting for event matching (8 rotating buffers each). */
const char *hexv(uint32_t v, unsigned size);
const char *num(long long v);
/* A device's counter from `status` (path like "write.deny"). */
long long counter(const char *bdf, const char *path);
int lockdown_integrity(void);
/* `attach -q [-p policy] [--ringbuf-size n]`: its exit status; output in attach_out. */
int attach(const char *policy, const char *ringbuf);
extern char attach_out[1 << 14];
/* A 4-byte config read that must succeed. */
uint32_t rd32(struct vw_dev *d, unsigned off);
/* Wait (bounded) until process pid holds a BPF map: it got past its attached check. */
int wait_holds_bpf_map(pid_t pid);

#endif
