/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel log as the selftests judge it: which lines say that something went wrong. */
#ifndef VW_SELFTEST_KMSG_H
#define VW_SELFTEST_KMSG_H

/* 1 for a line that reports a problem (a warning, BUG, Oops, a BPF error), 0 otherwise. */
int kmsg_line_is_problem(const char *line);
/* Problem lines after line `from` of dmesg (the first five printed unless quiet);
 * *now gets the line count, for the next call's `from`. */
int kmsg_problems(long from, long *now, int quiet);

#endif
