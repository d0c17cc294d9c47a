/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VW_BENCH_H
#define VW_BENCH_H
/* Print "CONFIG_READ CONFIG_WRITE TMPFS_PREAD PIPE_ROUNDTRIP" ns per operation; 0 or 1. */
int bench_config(const char *bdf, int n);
/* Attach empty programs on file_permission ("lsm") or all of vfio-warden's hooks ("all") until SIGTERM. */
int bench_empty(const char *which);
#endif
