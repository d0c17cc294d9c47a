/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VW_DEMO_TRAFFIC_H
#define VW_DEMO_TRAFFIC_H
/* Drive start-up and hostile config traffic at each device; 0 or 1. */
int demo_traffic(const char *const *bdfs, int n);
#endif
