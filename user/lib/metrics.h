/* SPDX-License-Identifier: GPL-2.0 */
/* The counters in the Prometheus text exposition format (version 0.0.4). */
#ifndef VW_METRICS_H
#define VW_METRICS_H

#include <stdio.h>
#include "snapshot.h"

/* Render s; returns 0, or -1 if out failed. */
int vw_metrics_render(FILE *out, const struct vw_snapshot *s);

/* The same into a malloc'd string (*len bytes); NULL on failure. */
char *vw_metrics_text(const struct vw_snapshot *s, size_t *len);

/* Write to path atomically (a temporary file created O_EXCL under an unpredictable name in
 * the same directory, fsync, rename over path: a symlink there is replaced, not followed),
 * as node_exporter's textfile collector needs. Returns 0 or -errno. */
int vw_metrics_write_file(const char *path, const struct vw_snapshot *s);

#endif
