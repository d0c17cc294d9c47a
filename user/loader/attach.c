// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "vw_tph_rev.h"	/* the skeleton's read-only data holds one */
#include "warden.skel.h"
#include "apply.h"
#include "attach.h"
#include "kallsyms.h"
#include "lockdown.h"
#include "pinned.h"
#include "vw_aggregate.h"
#include "msg.h"

#define BPF_FS_MAGIC 0xcafe4a11

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's warnings (verifier log on failure) still reach the operator */
	if (level == LIBBPF_DEBUG || getenv("VW_LIBBPF_QUIET"))
		return 0;
	vw_vmsg(level == LIBBPF_WARN ? VW_WARNING : VW_INFO, fmt, ap);
	return 0;
}

/* What the programs need from the running kernel, each missing piece named. */
static int check_kernel_support(int quiet)
{
	struct statfs sfs;

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		vw_msg(VW_ERR, "vfio-warden: the kernel has no BTF (/sys/kernel/btf/vmlinux missing): "
			"needs CONFIG_DEBUG_INFO_BTF=y\n");
		return VW_EXIT_NO_SUPPORT;
	}
	if (access("/sys/module/vfio_pci_core", F_OK)) {
		/* Loading vfio-pci binds nothing by itself; its BTF is needed to hook it. */
		if (!quiet)
			vw_msg(VW_NOTICE, "vfio-warden: vfio-pci is not loaded; loading it (modprobe vfio-pci)\n");
		if (system("modprobe vfio-pci >/dev/null 2>&1") != 0 ||
		    access("/sys/module/vfio_pci_core", F_OK)) {
			vw_msg(VW_ERR, "vfio-warden: module vfio_pci_core is not loaded and `modprobe vfio-pci` "
				"failed: vfio-warden hooks vfio_pci_config_rw in that module and cannot attach "
				"before it exists\n");
			return VW_EXIT_NO_SUPPORT;
		}
	}
	if (access("/sys/kernel/btf/vfio_pci_core", R_OK) || access("/sys/kernel/btf/vfio", R_OK)) {
		vw_msg(VW_ERR, "vfio-warden: module BTF for vfio/vfio_pci_core missing "
			"(/sys/kernel/btf/vfio_pci_core): needs CONFIG_DEBUG_INFO_BTF_MODULES=y\n");
		return VW_EXIT_NO_SUPPORT;
	}
	if (!vw_kallsyms_has("vfio_device_fops", "vfio")) {
		vw_msg(VW_ERR, "vfio-warden: symbol vfio_device_fops [vfio] not in /proc/kallsyms "
			"(needs CONFIG_KALLSYMS_ALL=y, and root to read addresses)\n");
		return VW_EXIT_NO_SUPPORT;
	}
	if (statfs("/sys/fs/bpf", &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		mkdir("/sys/fs/bpf", 0700);
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
			vw_msg(VW_ERR, "vfio-warden: bpffs is not mounted at /sys/fs/bpf and mounting it failed: %s\n",
				strerror(errno));
			return VW_EXIT_NO_SUPPORT;
		}
	}
	return 0;
}

/*
 * Is the bpf LSM in the kernel's active list? Only then do lsm/ programs run:
 * attaching them otherwise succeeds and silently enforces nothing.
 */
static int bpf_lsm_active(void)
{
	char buf[512] = "", *tok, *save = NULL;
	FILE *f = fopen("/sys/kernel/security/lsm", "re");

	if (!f && !mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL))
		f = fopen("/sys/kernel/security/lsm", "re");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	for (tok = strtok_r(buf, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save))
		if (!strcmp(tok, "bpf"))
			return 1;
	return 0;
}

void vw_test_stop_at(const char *step)
{
	const char *at = getenv("VW_TEST_STOP_AT");

	if (at && !strcmp(at, step))
		raise(SIGSTOP);
}

/*
 * Does the running kernel have this function (vmlinux BTF)? 32-bit ioctls ask
 * security_file_ioctl_compat since 6.8 (and in 6.1 stable: Debian 6.1.0-57); before,
 * compat_sys_ioctl asked security_file_ioctl like the native call, which the
 * native program judges. Unknown (no BTF to read) counts as present: loading
 * then fails loudly rather than leaving 32-bit ioctls unjudged.
 */
static int kernel_has_func(const char *name)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int has;

	if (!btf)
		return 1;
	has = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
	btf__free(btf);
	return has;
}

static void remove_pin_dir(const char *dir)
{
	char path[512];
	int i;

	/* links in VW_LINKS order: the "attached" marker goes last */
	for (i = 0; i < VW_LINK_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, vw_link_names[i]);
		unlink(path);
		if (i == 0)
			vw_test_stop_at("unpin-first");
	}
	for (i = 0; i < VW_MAP_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, vw_map_names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* The link a hook's pin holds: its program's, or the alternative's that was loaded instead. */
static struct bpf_link *skel_link(struct warden *skel, enum vw_link_id id)
{
#define VW_LINK_CASE(id, pin, prog, alt) \
	case VW_LINK_##id: return skel->links.prog ? skel->links.prog : skel->links.alt;
	switch (id) {
	VW_LINKS(VW_LINK_CASE)
	case VW_LINK_COUNT: break;
	}
#undef VW_LINK_CASE
	return NULL;
}

static int pin_all(struct warden *skel, const char *dir)
{
	struct bpf_link *link;
	char path[512];
	int i;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	for (i = 0; i < VW_MAP_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, vw_map_names[i]);
		if (bpf_map__pin(vw_skel_map(skel, i), path))
			return -errno;
	}
	/* in VW_LINKS order: the "attached" marker last */
	for (i = 0; i < VW_LINK_COUNT; i++) {
		link = skel_link(skel, i);
		if (!link)
			continue;	/* not loaded: the scrub under kernel lockdown */
		snprintf(path, sizeof(path), "%s/%s", dir, vw_link_names[i]);
		if (bpf_link__pin(link, path))
			return -errno;
	}
	return 0;
}

static int maps_from_skel(struct warden *skel, struct vw_maps *m)
{
	int i;

	for (i = 0; i < VW_MAP_COUNT; i++) {
		m->fd[i] = bpf_map__fd(vw_skel_map(skel, i));
		if (m->fd[i] < 0)
			return -ENOENT;
	}
	return 0;
}

static int attach_with(const struct vw_attach_opts *o, struct vw_apply_report *rep);

int vw_attach(const struct vw_attach_opts *o)
{
	struct vw_apply_report *rep = calloc(1, sizeof(*rep));	/* large: not on the stack */
	int rc = rep ? attach_with(o, rep) : VW_EXIT_ERROR;

	free(rep);
	return rc;
}

static int attach_with(const struct vw_attach_opts *o, struct vw_apply_report *rep)
{
	struct warden *skel = NULL;
	struct vw_maps m;
	int rc, err, i, lsm, compat;

	if (vw_is_attached()) {
		vw_msg(VW_ERR, "vfio-warden: already attached (%s); use `vfio-warden reload -p POLICY` "
			"to change the policy or `vfio-warden detach` first\n", VW_PIN_DIR);
		return VW_EXIT_ATTACHED;
	}
	rc = check_kernel_support(o->quiet);
	if (rc)
		return rc;
	libbpf_set_print(silent_print);
	/* a crashed attach may have left a half-pinned directory behind */
	remove_pin_dir(VW_PIN_DIR);

	skel = warden__open();
	if (!skel) {
		vw_msg(VW_ERR, "vfio-warden: cannot open the BPF object: %s\n", strerror(errno));
		return VW_EXIT_ERROR;
	}
	if (o->ringbuf_size)
		bpf_map__set_max_entries(skel->maps.vw_events, o->ringbuf_size);
	{	/* event numbers: above any an earlier attachment gave (maps.bpf.h, vw_seq) */
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		skel->bss->vw_seq = (__u64)now.tv_sec * 1000000000ULL + (__u64)now.tv_nsec;
	}
	/* the TPH uAPI revision to judge: read-only data, fixed once loaded (warden.bpf.c) */
	if (o->tph_rev)
		memcpy((void *)&skel->rodata->vw_tph_rev, o->tph_rev, sizeof(*o->tph_rev));
	/* The veto as a BPF LSM program where the bpf LSM is active: the kernel never
	 * skips those, while it skips a tracing (fmod_ret) program whose previous run
	 * on the CPU was preempted, which fully preemptible kernels do. */
	lsm = bpf_lsm_active();
	compat = kernel_has_func(lsm ? "bpf_lsm_file_ioctl_compat" : "security_file_ioctl_compat");
	bpf_program__set_autoload(skel->progs.vw_lsm_file_permission, lsm);
	bpf_program__set_autoload(skel->progs.vw_lsm_file_ioctl, lsm);
	bpf_program__set_autoload(skel->progs.vw_lsm_file_ioctl_compat, lsm && compat);
	bpf_program__set_autoload(skel->progs.vw_file_permission, !lsm);
	bpf_program__set_autoload(skel->progs.vw_file_ioctl, !lsm);
	bpf_program__set_autoload(skel->progs.vw_file_ioctl_compat, !lsm && compat);
	/* lockdown=integrity refuses a program that calls bpf_probe_write_user at load; the
	 * policy was adapted already (scrub applies as audit), so nothing arms the scrub */
	bpf_program__set_autoload(skel->progs.vw_config_rw_exit, o->lockdown == VW_LOCKDOWN_NONE);
	if (!lsm)
		vw_msg(VW_WARNING, "vfio-warden: warning: the bpf LSM is not active (add it to the lsm= boot "
			"parameter); vetoing with fmod_ret, which a fully preemptible kernel can skip\n");
	err = warden__load(skel);
	if (err) {
		vw_msg(VW_ERR, "vfio-warden: loading the BPF programs failed: %s "
			"(the kernel's verifier log is above)\n", strerror(-err));
		rc = VW_EXIT_NO_SUPPORT;
		goto out;
	}
	/* The policy goes in before any program runs: no access is judged by an empty map. */
	if ((err = maps_from_skel(skel, &m)) || (err = vw_apply_policy(&m, o->policy, 0, rep)) ||
	    (err = vw_flip_gen(&m, 0))) {
		vw_msg(VW_ERR, "vfio-warden: writing the policy into the maps failed: %s\n", strerror(-err));
		rc = VW_EXIT_ERROR;
		goto out;
	}
	err = warden__attach(skel);
	if (err) {
		vw_msg(VW_ERR, "vfio-warden: attaching the programs failed: %s\n", strerror(-err));
		rc = VW_EXIT_NO_SUPPORT;
		goto out;
	}
	/* Maps first, links last: the last link is the "attached" marker, so a
	 * crash half-way through never looks attached (and is cleaned up next time). */
	err = pin_all(skel, VW_PIN_DIR);
	if (err) {
		vw_msg(VW_ERR, "vfio-warden: pinning under %s failed: %s\n", VW_PIN_DIR, strerror(-err));
		remove_pin_dir(VW_PIN_DIR);
		rc = VW_EXIT_ERROR;
		goto out;
	}
	vw_write_policy_info(o->policy, rep);
	if (!o->quiet) {
		vw_msg(VW_INFO, "vfio-warden: attached (veto: %s), policy %s, %d vfio device%s\n",
			lsm ? "bpf lsm" : "fmod_ret", o->policy->source, rep->ndevs, rep->ndevs == 1 ? "" : "s");
		if (o->lockdown != VW_LOCKDOWN_NONE)
			vw_msg(VW_WARNING, "  kernel lockdown (%s): the DSN serial cannot be rewritten here; DSN scrub "
				"rules apply as audit, virtual serials do not apply\n", vw_lockdown_name(o->lockdown));
		for (i = 0; i < rep->ndevs; i++)
			vw_msg(VW_INFO, "  %s %04x:%04x (%s): %s\n", rep->devs[i].sys.bdf, rep->devs[i].sys.vendor,
				rep->devs[i].sys.device_id, rep->devs[i].sys.driver, rep->devs[i].status);
	}
	rc = VW_EXIT_OK;
out:
	warden__destroy(skel);	/* pinned links and maps live on */
	return rc;
}

/* IDs of the programs behind the pinned links (at most max), for wait_progs_gone. */
static int pinned_prog_ids(__u32 *ids, int max)
{
	struct bpf_link_info li;
	__u32 len;
	char path[512];
	int i, fd, n = 0;

	for (i = 0; i < VW_LINK_COUNT && n < max; i++) {
		snprintf(path, sizeof(path), "%s/%s", VW_PIN_DIR, vw_link_names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		memset(&li, 0, sizeof(li));
		len = sizeof(li);
		if (!bpf_link_get_info_by_fd(fd, &li, &len) && li.prog_id)
			ids[n++] = li.prog_id;
		close(fd);
	}
	return n;
}

/*
 * The kernel frees an unpinned link from a workqueue: the program stays attached
 * (a DSN read still scrubbed, seen for seconds) until then. A program's ID goes
 * only after its last link released it, so "no ID left" means "detached".
 */
static int wait_progs_gone(const __u32 *ids, int n, int timeout_ms)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int i, fd, left = n, waited;

	for (waited = 0; left && waited <= timeout_ms; waited += 10) {
		for (i = 0, left = 0; i < n; i++) {
			fd = bpf_prog_get_fd_by_id(ids[i]);
			if (fd >= 0) {
				close(fd);
				left++;
			}
		}
		if (left)
			nanosleep(&tick, NULL);	/* polling the condition: the kernel's workqueue */
	}
	for (i = 0; left && i < n; i++) {
		fd = bpf_prog_get_fd_by_id(ids[i]);
		if (fd >= 0) {
			vw_msg(VW_ERR, "vfio-warden: program id %u is still loaded %d s after detach: another "
				"process holds it (`bpftool prog show id %u`)\n", ids[i], timeout_ms / 1000, ids[i]);
			close(fd);
		}
	}
	return left ? -EBUSY : 0;
}

int vw_agg_wait_empty(int map_fd, int timeout_ms)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	struct vw_agg_key key;
	int waited;

	for (waited = 0; waited <= timeout_ms; waited += 20) {
		if (bpf_map_get_next_key(map_fd, NULL, &key))
			return errno == ENOENT ? 0 : -errno;
		nanosleep(&tick, NULL);	/* polling the condition: the entries' timers */
	}
	return -ETIMEDOUT;
}

int vw_detach(int quiet)
{
	__u32 ids[16];
	char path[512];
	int fd, nids;

	if (!vw_is_attached()) {
		vw_msg(VW_ERR, "vfio-warden: not attached\n");
		return VW_EXIT_NOT_ATTACHED;
	}
	/* stand the vetoes down first: unpinned links go in a workqueue's order */
	snprintf(path, sizeof(path), "%s/%s", VW_PIN_DIR, vw_map_names[VW_MAP_ACTIVE_GEN]);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		vw_retire(fd);
		close(fd);
	}
	/* from here until the unpin, a kill leaves the programs pinned and standing down:
	 * status says so (exit 8), and attach or run --keep re-arms or finishes */
	vw_test_stop_at("retired");
	/* counts pending in vw_agg reach the ring buffer when their window ends: wait for
	 * them (bounded), so that a streaming `log` reads them before the ring buffer goes */
	snprintf(path, sizeof(path), "%s/%s", VW_PIN_DIR, vw_map_names[VW_MAP_AGG]);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		vw_agg_wait_empty(fd, VW_AGG_SETTLE_MS);
		close(fd);
	}
	/* then links: enforcement ends once the kernel has released the last one */
	vw_test_stop_at("settled");
	nids = pinned_prog_ids(ids, sizeof(ids) / sizeof(ids[0]));
	remove_pin_dir(VW_PIN_DIR);
	vw_test_stop_at("unpinned");
	if (access(VW_PIN_DIR, F_OK) == 0) {
		vw_msg(VW_ERR, "vfio-warden: could not remove %s: %s\n", VW_PIN_DIR, strerror(errno));
		return VW_EXIT_ERROR;
	}
	unlink(VW_POLICY_INFO);
	if (wait_progs_gone(ids, nids, 10000))
		return VW_EXIT_ERROR;
	if (!quiet)
		vw_msg(VW_INFO, "vfio-warden: detached\n");
	return VW_EXIT_OK;
}

int vw_recover_detach(const char *what, int may_rearm)
{
	char path[512];
	int fd, err;

	if (may_rearm && vw_links_complete()) {
		snprintf(path, sizeof(path), "%s/%s", VW_PIN_DIR, vw_map_names[VW_MAP_ACTIVE_GEN]);
		fd = bpf_obj_get(path);
		err = fd < 0 ? -errno : vw_rearm(fd);
		if (fd >= 0)
			close(fd);
		if (err) {
			vw_msg(VW_ERR, "vfio-warden %s: cannot re-arm the programs an interrupted detach left "
				"pinned: %s\n", what, strerror(-err));
			return -VW_EXIT_ERROR;
		}
		/* said even with -q: enforcement was off until now */
		vw_msg(VW_WARNING, "vfio-warden %s: a detach was interrupted: the programs were pinned but not "
			"enforcing; re-armed them\n", what);
		return VW_RECOVER_REARMED;
	}
	vw_msg(VW_WARNING, "vfio-warden %s: a detach was interrupted (programs pinned, not enforcing); "
		"finishing it, then attaching anew\n", what);
	err = vw_detach(1);
	if (err)
		return -err;
	return VW_RECOVER_DETACHED;
}
