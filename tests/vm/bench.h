/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VW_BENCH_H
#define VW_BENCH_H
/* Print "READ_NS WRITE_NS" for 4-byte config accesses to bdf; 0 or 1. */
int bench_config(const char *bdf, int n);
#endif
