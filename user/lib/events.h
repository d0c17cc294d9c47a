/* SPDX-License-Identifier: GPL-2.0 */
/* Audit events: BPF records to JSON Lines or text. Schema: user/lib/events.schema.json. */
#ifndef VW_EVENTS_H
#define VW_EVENTS_H

#include <stdint.h>
#include <stdio.h>
#include "vw_types.h"

enum vw_format { VW_FMT_JSON, VW_FMT_TEXT };

/* The "schema" field of every JSON event: user/lib/events.schema.json describes version 1. */
#define VW_EVENT_SCHEMA 1

int vw_parse_format(const char *s, enum vw_format *out);
const char *vw_action_name(int action);
const char *vw_region_name(int kind);
/* RFC 3339 UTC with nanoseconds, from a CLOCK_BOOTTIME timestamp. */
void vw_format_time(uint64_t boot_ns, char *buf, size_t len);
/* cgroup v2 path for an id ("/system.slice/qemu-vm1.scope"), cached; "" if unknown. */
const char *vw_cgroup_path(uint64_t id);
/* Put id's path in that cache, as if found in /sys/fs/cgroup (tests: a path no test can create). */
void vw_cgroup_path_seed(uint64_t id, const char *path);

/* The devices a VFIO_DEVICE_PCI_HOT_RESET event reaches: its device and those of
 * the IOMMU groups behind the caller's group fds (PROC/PID/fd, SYS/kernel/iommu_groups),
 * sorted, unique; groups[k] = group of fd k or -1. Returns how many (<= max). */
int vw_hot_reset_devices(const char *proc, const char *sys, const struct vw_event *e, long *groups,
			 char (*devs)[VW_NAME_LEN], int max);

void vw_print_event(FILE *out, enum vw_format fmt, const struct vw_event *e);
/* One event as JSON (no newline) into buf, snprintf-style. generic: built field by field, as
 * every type but config/bypass always is (tests compare the two); else config and bypass
 * records reuse a json-c object per shape, which a flood needs under TCG. */
int vw_event_json(const struct vw_event *e, int generic, char *buf, size_t len);
/* A synthetic "lost" event: count records the ring buffer could not take. */
void vw_print_lost(FILE *out, enum vw_format fmt, uint64_t count, uint64_t total);

#endif
