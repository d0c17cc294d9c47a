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

void vw_print_event(FILE *out, enum vw_format fmt, const struct vw_event *e);
/* A synthetic "lost" event: count records the ring buffer could not take. */
void vw_print_lost(FILE *out, enum vw_format fmt, uint64_t count, uint64_t total);

#endif
