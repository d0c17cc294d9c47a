/* SPDX-License-Identifier: GPL-2.0 */
/* Pinned state under /sys/fs/bpf/vfio-warden: what makes enforcement outlive the CLI. */
#ifndef VW_PINNED_H
#define VW_PINNED_H

#include <stdbool.h>

#define VW_PIN_DIR     "/sys/fs/bpf/vfio-warden"
#define VW_RUN_DIR     "/run/vfio-warden"
#define VW_LOCK_FILE   VW_RUN_DIR "/lock"
#define VW_POLICY_INFO VW_RUN_DIR "/policy.json"

/* Exit codes every subcommand uses. */
enum vw_exit {
	VW_EXIT_OK = 0,
	VW_EXIT_ERROR = 1,	/* runtime failure */
	VW_EXIT_USAGE = 2,	/* bad arguments or bad policy */
	VW_EXIT_NOT_ROOT = 3,
	VW_EXIT_ATTACHED = 4,	/* already attached */
	VW_EXIT_NOT_ATTACHED = 5,
	VW_EXIT_NO_SUPPORT = 6,	/* kernel lacks BTF, module or symbol */
	VW_EXIT_BUSY = 7,	/* another attach/reload/detach holds the lock */
};

/* Map names as pinned (the skeleton's map names). */
enum vw_map_id {
	VW_MAP_ACTIVE_GEN, VW_MAP_STATE, VW_MAP_PROFILES, VW_MAP_SELECTORS, VW_MAP_DEVICES,
	VW_MAP_SLOTS, VW_MAP_COUNTERS, VW_MAP_GLOBAL, VW_MAP_EVENTS, VW_MAP_SERIALS, VW_MAP_COUNT
};
extern const char *const vw_map_names[VW_MAP_COUNT];
extern const char *const vw_link_names[];	/* NULL-terminated */

struct vw_maps {
	int fd[VW_MAP_COUNT];
};

bool vw_is_attached(void);
struct bpf_prog_info;
/* The program behind a pinned link (by link file name): 0, or -1 if none. */
int vw_linked_prog(const char *link, struct bpf_prog_info *pi);
/* Open every pinned map; on failure prints why and returns an exit code. */
int vw_maps_open_pinned(struct vw_maps *m);
void vw_maps_close(struct vw_maps *m);

/* Root check with a clear message; returns 0 or VW_EXIT_NOT_ROOT. */
int vw_require_root(const char *what);
/* Serialise attach/reload/detach; returns fd, or -VW_EXIT_BUSY after printing who holds it. */
int vw_lock(const char *what);
/* The same, waiting up to seconds for the holder to finish first. */
int vw_lock_wait(const char *what, int seconds);
void vw_unlock(int fd);

#endif
