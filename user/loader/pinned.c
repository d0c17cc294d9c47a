// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "pinned.h"
#include "apply.h"
#include "lockdown.h"
#include "vw_types.h"
#include "vw_tph_rev.h"	/* the skeleton's read-only data holds one */
#include "warden.skel.h"
#include "msg.h"

#define VW_MAP_NAME(id, name) [VW_MAP_##id] = #name,
const char *const vw_map_names[VW_MAP_COUNT] = { VW_MAPS(VW_MAP_NAME) };
#define VW_LINK_NAME(id, pin, prog, alt) [VW_LINK_##id] = #pin,
const char *const vw_link_names[VW_LINK_COUNT] = { VW_LINKS(VW_LINK_NAME) };

struct bpf_map *vw_skel_map(struct warden *skel, enum vw_map_id id)
{
#define VW_MAP_CASE(id, name) case VW_MAP_##id: return skel->maps.name;
	switch (id) {
	VW_MAPS(VW_MAP_CASE)
	case VW_MAP_COUNT: break;
	}
#undef VW_MAP_CASE
	return NULL;
}

/*
 * Pinned maps from another vfio-warden build (an upgrade while `run --keep`
 * kept enforcement pinned) would be read and written with the wrong layout:
 * each must have this build's type, key, value and size (the ring buffer's
 * size is the operator's choice).
 */
static int pinned_layout_matches(int fd, const struct bpf_map *def)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (!def || bpf_map_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.type == (__u32)bpf_map__type(def) && info.key_size == bpf_map__key_size(def) &&
	       info.value_size == bpf_map__value_size(def) &&
	       (info.type == BPF_MAP_TYPE_RINGBUF || info.max_entries == bpf_map__max_entries(def));
}

/* The program behind a pinned link (by link file name); 0 or -1. */
int vw_linked_prog(enum vw_link_id link, struct bpf_prog_info *pi)
{
	struct bpf_link_info li = {};
	__u32 ll = sizeof(li), pl = sizeof(*pi);
	char path[256];
	int lfd, pfd = -1, rc = -1;

	snprintf(path, sizeof(path), "%s/%s", VW_PIN_DIR, vw_link_names[link]);
	lfd = bpf_obj_get(path);
	memset(pi, 0, sizeof(*pi));
	if (lfd >= 0 && !bpf_link_get_info_by_fd(lfd, &li, &ll) && (pfd = bpf_prog_get_fd_by_id(li.prog_id)) >= 0 &&
	    !bpf_prog_get_info_by_fd(pfd, pi, &pl))
		rc = 0;
	if (pfd >= 0)
		close(pfd);
	if (lfd >= 0)
		close(lfd);
	return rc;
}

/*
 * The TPH uAPI revision the pinned programs judge: the id in the read-only
 * data of the program behind the ioctl link (set before load, frozen since).
 * 0, or -1 when it cannot be read.
 */
int vw_pinned_tph_rev(unsigned *id)
{
	__u32 ids[16], nids = 16, i, len;
	struct bpf_prog_info pi = {};
	int rc = -1, fd;

	if (vw_linked_prog(VW_LINK_FILE_IOCTL, &pi))
		return -1;
	fd = bpf_prog_get_fd_by_id(pi.id);
	if (fd < 0)
		return -1;
	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = nids;
	pi.map_ids = (__u64)(unsigned long)ids;
	len = sizeof(pi);
	if (!bpf_prog_get_info_by_fd(fd, &pi, &len))
		for (i = 0; rc && i < pi.nr_map_ids && i < nids; i++) {
			struct bpf_map_info mi = {};
			__u32 mlen = sizeof(mi), zero = 0;
			int mfd = bpf_map_get_fd_by_id(ids[i]);
			char *val;

			if (mfd < 0)
				continue;
			if (!bpf_map_get_info_by_fd(mfd, &mi, &mlen) && strlen(mi.name) >= 7 &&
			    !strcmp(mi.name + strlen(mi.name) - 7, ".rodata") &&	/* not .rodata.str1.1 */
			    mi.value_size >= offsetof(struct warden__rodata, vw_tph_rev) + sizeof(struct vw_tph_rev) &&
			    (val = calloc(1, mi.value_size)) != NULL) {
				if (!bpf_map_lookup_elem(mfd, &zero, val)) {
					memcpy(id, val + offsetof(struct warden__rodata, vw_tph_rev) +
						       offsetof(struct vw_tph_rev, id), sizeof(*id));
					rc = 0;
				}
				free(val);
			}
			close(mfd);
		}
	close(fd);
	return rc;
}

bool vw_is_attached(void)
{
	/* the link pinned last by attach */
	return access(VW_ATTACHED_MARKER, F_OK) == 0;
}

int vw_pinned_retired(void)
{
	char path[256];
	int fd, rc;

	if (!vw_is_attached())
		return 0;
	snprintf(path, sizeof(path), "%s/%s", VW_PIN_DIR, vw_map_names[VW_MAP_ACTIVE_GEN]);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	rc = vw_is_retired(fd);
	close(fd);
	return rc > 0;
}

bool vw_links_complete(void)
{
	struct bpf_prog_info pi;
	int i;

	for (i = 0; i < VW_LINK_COUNT; i++) {
		/* absent by design under kernel lockdown: attach loads no scrub there */
		if (i == VW_LINK_CONFIG_RW_EXIT && vw_lockdown_current() != VW_LOCKDOWN_NONE)
			continue;
		if (vw_linked_prog(i, &pi))
			return false;
	}
	return true;
}

int vw_maps_open_pinned(struct vw_maps *m)
{
	struct warden *defs = warden__open();	/* this build's map definitions; nothing is loaded */
	char path[256];
	int i, rc = 0;

	for (i = 0; i < VW_MAP_COUNT; i++)
		m->fd[i] = -1;
	if (!defs) {
		vw_msg(VW_ERR, "vfio-warden: cannot open this build's BPF object: %s\n", strerror(errno));
		return VW_EXIT_ERROR;
	}
	if (!vw_is_attached()) {
		vw_msg(VW_ERR, "vfio-warden: not attached (nothing pinned at %s)\n", VW_PIN_DIR);
		rc = VW_EXIT_NOT_ATTACHED;
	}
	for (i = 0; !rc && i < VW_MAP_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", VW_PIN_DIR, vw_map_names[i]);
		m->fd[i] = bpf_obj_get(path);
		if (m->fd[i] < 0) {
			int err = errno;

			vw_msg(VW_ERR, "vfio-warden: cannot open pinned map %s: %s\n", path, strerror(err));
			rc = err == EACCES || err == EPERM ? VW_EXIT_NOT_ROOT : VW_EXIT_ERROR;
		} else if (!pinned_layout_matches(m->fd[i], vw_skel_map(defs, i))) {
			vw_msg(VW_ERR, "vfio-warden: the pinned %s comes from a different vfio-warden build; "
				"`vfio-warden detach`, then attach with this one\n", vw_map_names[i]);
			rc = VW_EXIT_ERROR;
		}
	}
	if (rc)
		vw_maps_close(m);
	warden__destroy(defs);
	return rc;
}

void vw_maps_close(struct vw_maps *m)
{
	int i;

	for (i = 0; i < VW_MAP_COUNT; i++) {
		if (m->fd[i] >= 0)
			close(m->fd[i]);
		m->fd[i] = -1;
	}
}

int vw_require_root(const char *what)
{
	if (geteuid() == 0)
		return 0;
	vw_msg(VW_ERR, "vfio-warden %s: must run as root (needs CAP_BPF, CAP_SYS_ADMIN and bpffs)\n", what);
	return VW_EXIT_NOT_ROOT;
}

int vw_lock(const char *what)
{
	return vw_lock_wait(what, 0);
}

int vw_lock_wait(const char *what, int seconds)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	char holder[64] = "";
	int fd, tries = seconds * 20;
	ssize_t n;

	mkdir(VW_RUN_DIR, 0700);
	fd = open(VW_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		vw_msg(VW_ERR, "vfio-warden %s: cannot open %s: %s\n", what, VW_LOCK_FILE, strerror(errno));
		return -VW_EXIT_ERROR;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) && tries-- > 0)
		nanosleep(&tick, NULL);	/* polling the holder's release: flock has no timeout */
	if (tries < 0) {
		n = pread(fd, holder, sizeof(holder) - 1, 0);
		holder[n > 0 ? n : 0] = 0;
		holder[strcspn(holder, "\n")] = 0;
		vw_msg(VW_ERR, "vfio-warden %s: another vfio-warden is changing the attachment (%s); try again\n",
			what, holder[0] ? holder : "unknown pid");
		close(fd);
		return -VW_EXIT_BUSY;
	}
	if (ftruncate(fd, 0) == 0)
		dprintf(fd, "pid %d, %s\n", getpid(), what);
	return fd;
}

void vw_unlock(int fd)
{
	if (fd >= 0) {
		if (ftruncate(fd, 0)) {
			/* nothing to do: the lock itself is released by close */
		}
		close(fd);
	}
}
