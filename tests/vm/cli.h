/* SPDX-License-Identifier: GPL-2.0 */
/* Driving the vfio-warden CLI from the VM selftests: run it, stream its log, read its output. */
#ifndef VW_SELFTEST_CLI_H
#define VW_SELFTEST_CLI_H

#include <json-c/json.h>
#include <stdint.h>
#include <sys/types.h>

/* Run `vfio-warden ARGS...` (NULL-terminated), wait; exit status, stderr+stdout in out. */
int cli_run(char *out, size_t outlen, const char *arg, ...);
/* Start `vfio-warden ARGS...` in the background; returns its pid. */
pid_t cli_spawn(const char *arg, ...);
/* Wait for a condition: pinned state present (1) or absent (0); bounded. 0 ok, -1 timeout. */
int cli_wait_attached(int attached, int timeout_s);

/* Parsed `status --json`; caller json_object_put()s. */
json_object *cli_status(void);
/* A device's counter from status: path like "write.deny", "bypass", "lost". -1 if absent. */
long long status_counter(json_object *st, const char *bdf, const char *path);
/* A top-level number from status (0 if absent): "lost", "contended", ... */
long long status_global(json_object *st, const char *key);
/* Runs of a program the kernel skipped (status "skipped_runs"; names cut at 15). */
long long status_skipped_runs(json_object *st, const char *prog);

/* Events in a JSON Lines file that match every given field (NULL-terminated key,value
 * pairs; value compared as string, or as integer when the field is an integer; a key
 * may name a nested field: "vm.name"). An audit/deny config record counts as the
 * accesses it stands for (its "count": identical accesses aggregated in a flood). */
int events_count(const char *file, const char *key, ...);
/* Wait until events_count(...) >= want (bounded); returns the last count. */
int events_wait(const char *file, int want, int timeout_s, const char *key, ...);
/* The first event matching, as a new json_object (caller puts), or NULL. */
json_object *events_find(const char *file, const char *key, ...);
/* The newest event matching (the log's last), the same way. */
json_object *events_find_last(const char *file, const char *key, ...);
/* Lines in a file. */
int file_lines(const char *file);
/* CLOCK_MONOTONIC in seconds: for bounded waits and rates. */
double vw_now_s(void);

#endif
