/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VW_FLOOD_H
#define VW_FLOOD_H
#include <sys/types.h>

struct flood_opts {
	const char *bdf;	/* the device flooded */
	const char *evfile;	/* the log the drainer writes */
	pid_t run_pid;		/* the drainer (`run -o` or `log -o`): stopped and continued for the backlog rate */
	int seconds, threads;
	int check;		/* assert (CHECK), not only print */
	int deny;		/* the policy denies the flood's unassigned writes */
	const char *kernel;
};

/* Flood bdf from several threads, print the numbers (README "Floods"); with check, assert them. */
int flood_run(const struct flood_opts *o);
/* A task's pending aggregate reported within the window once the task goes idle (CHECKs). */
int flood_idle_check(const struct flood_opts *o);
#endif
