/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The adversarial campaign: what a hostile guest or a config-space fuzzer
 * sends, from several threads, through every path that reaches config space,
 * then proof that nothing got through and everything was accounted for.
 * Short form in the selftests (make check), long form with crashes, restarts
 * and reloads in `make attack`.
 */
#ifndef VW_SELFTEST_ATTACK_H
#define VW_SELFTEST_ATTACK_H

struct attack_opts {
	const char *bdfs[3];	/* devices bound to vfio-pci */
	int threads;
	long per_thread;	/* config accesses per thread */
	const char *evfile;	/* where the running `run`/`log` writes events */
	/* chaos (make attack): kill -9 and restart `run --keep`, reload A<->B */
	int chaos;
	const char *policy_a, *policy_b;	/* chaos: the two policies reloaded in turn */
	int reloads;		/* chaos: swaps */
	const char *rwdir;
	int scrubbed;		/* DSN reads are scrubbed (not lockdown=integrity): no real serial byte may show */
};

/* Runs the campaign, CHECKs every property, prints the summary table. */
void attack_campaign(const struct attack_opts *o);

#endif
