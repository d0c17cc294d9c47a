/* SPDX-License-Identifier: GPL-2.0 */
/* Pinned state under /sys/fs/bpf/vfio-warden: what makes enforcement outlive the CLI. */
#ifndef VW_PINNED_H
#define VW_PINNED_H

#include <stdbool.h>
#include "exit.h"

#define VW_PIN_DIR     "/sys/fs/bpf/vfio-warden"
#define VW_RUN_DIR     "/run/vfio-warden"
#define VW_LOCK_FILE   VW_RUN_DIR "/lock"
#define VW_POLICY_INFO VW_RUN_DIR "/policy.json"


/*
 * The pinned maps: X(id, skeleton map). Each is pinned under its skeleton name;
 * attach.c reads them as skel->maps.<name>, so a rename in maps.bpf.h that is not
 * made here does not compile, and test_pinned checks that no skeleton map is
 * missing here.
 */
#define VW_MAPS(X) \
	X(ACTIVE_GEN, vw_active_gen) X(STATE, vw_state_map) X(PROFILES, vw_profiles) \
	X(SELECTORS, vw_selectors) X(DEVICES, vw_devices) X(SLOTS, vw_slots) \
	X(COUNTERS, vw_counters) X(GLOBAL, vw_global) X(EVENTS, vw_events) X(SERIALS, vw_serials) \
	X(LEARN, vw_learn) X(LEARNING, vw_learning) X(AGG, vw_agg)

/* Maps only the programs use (per-task tickets, per-CPU scratch): not pinned, they live
 * as long as the programs do. test_pinned: every skeleton map is in one list or the other. */
#define VW_PRIVATE_MAPS(X) X(vw_tickets) X(vw_scratch) X(vw_claims) X(vw_tph_work_map) X(vw_scrub_rate) X(vw_agg_zero) \
	X(vw_feature_verdicts)

#define VW_MAP_ENUM(id, name) VW_MAP_##id,
enum vw_map_id { VW_MAPS(VW_MAP_ENUM) VW_MAP_COUNT };
#undef VW_MAP_ENUM
extern const char *const vw_map_names[VW_MAP_COUNT];
struct warden;
struct bpf_map;
/* The skeleton's map behind an id: skel->maps.<name>, checked by the compiler. */
struct bpf_map *vw_skel_map(struct warden *skel, enum vw_map_id id);

/*
 * The pinned links, one per hook: X(id, pin name, program, alternative program).
 * The veto hooks load either the BPF LSM program or the fmod_ret one (attach.c);
 * the config_rw_exit link is absent under kernel lockdown. Pinned in this order;
 * the last, link_config_rw, is the "attached" marker.
 */
#define VW_LINKS(X) \
	X(FILE_PERMISSION, link_file_permission, vw_lsm_file_permission, vw_file_permission) \
	X(FILE_IOCTL, link_file_ioctl, vw_lsm_file_ioctl, vw_file_ioctl) \
	X(FILE_IOCTL_COMPAT, link_file_ioctl_compat, vw_lsm_file_ioctl_compat, vw_file_ioctl_compat) \
	X(CONFIG_RW_EXIT, link_config_rw_exit, vw_config_rw_exit, vw_config_rw_exit) \
	X(IOC_FEATURE, link_ioc_feature, vw_ioc_feature_used, vw_ioc_feature_used) \
	X(CONFIG_RW, link_config_rw, vw_config_rw, vw_config_rw)

#define VW_LINK_ENUM(id, pin, prog, alt) VW_LINK_##id,
enum vw_link_id { VW_LINKS(VW_LINK_ENUM) VW_LINK_COUNT };
#undef VW_LINK_ENUM
extern const char *const vw_link_names[VW_LINK_COUNT];
#define VW_ATTACHED_MARKER VW_PIN_DIR "/link_config_rw"	/* also read by the VM tests */

struct vw_maps {
	int fd[VW_MAP_COUNT];
};

bool vw_is_attached(void);
/*
 * Pinned, but stood down: a detach set VW_GEN_RETIRED and did not finish
 * (killed), so the programs judge nothing. 1, 0 (enforcing or not attached).
 */
int vw_pinned_retired(void);
/* Every link an attach pins is still pinned (the interrupted detach unpinned none). */
bool vw_links_complete(void);
struct bpf_prog_info;
/* The program behind a pinned link: 0, or -1 if none. */
int vw_linked_prog(enum vw_link_id link, struct bpf_prog_info *pi);
/* The TPH uAPI revision (include/vw_tph_rev.h id) the pinned programs judge: 0 or -1. */
int vw_pinned_tph_rev(unsigned *id);
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
