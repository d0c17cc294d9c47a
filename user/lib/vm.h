/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which VM a process is: the name and UUID its VMM was started with, and the
 * systemd unit it runs in. Resolved in user space from /proc and the cgroup
 * path, once per process (pid + start time, so a reused pid is a new process).
 */
#ifndef VW_VM_H
#define VW_VM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Who chose the name: the VMM's own command line (any process can say -name),
 * a machine scope root's libvirt made (/machine.slice/...), or one in a cgroup
 * tree its owner may name (a user's systemd, a delegated subtree).
 */
enum vw_vm_source {
	VW_VM_SRC_NONE,
	VW_VM_SRC_QEMU_CMDLINE,
	VW_VM_SRC_LIBVIRT_SCOPE,
	VW_VM_SRC_USER_CGROUP,
};

struct vw_vm {
	char name[128];		/* "" when unknown; raw bytes: the sinks escape them */
	char uuid[64];		/* "" when not given */
	char unit[256];		/* the systemd scope or service, "" when none */
	const char *name_from;	/* "qemu -name", "libvirt scope", "user scope" or NULL */
	enum vw_vm_source source;	/* of the name; VW_VM_SRC_NONE when no name */
};

/* "qemu-cmdline", "libvirt-scope", "user-cgroup"; NULL for none. */
static inline const char *vw_vm_source_name(enum vw_vm_source s)
{
	switch (s) {
	case VW_VM_SRC_QEMU_CMDLINE: return "qemu-cmdline";
	case VW_VM_SRC_LIBVIRT_SCOPE: return "libvirt-scope";
	case VW_VM_SRC_USER_CGROUP: return "user-cgroup";
	default: return NULL;
	}
}

/* A VM: its VMM named it (name or UUID). A unit alone is any service. */
static inline int vw_vm_known(const struct vw_vm *vm)
{
	return vm->name[0] || vm->uuid[0];
}

/*
 * From a NUL-separated command line (/proc/PID/cmdline): QEMU's -name (its
 * first element or guest=, commas doubled as QEMU escapes them) and -uuid.
 * Returns 1 if either was found.
 */
int vw_vm_from_cmdline(const char *args, size_t len, struct vw_vm *vm);

/*
 * From a cgroup v2 path: the deepest .scope or .service component is the
 * unit (libvirt puts vCPU threads in <scope>/libvirt/vcpuN). A libvirt
 * machine scope (machine-qemu\x2dID\x2dNAME.scope) names the VM when the
 * command line did not: as libvirt's only right under /machine.slice (or its
 * slices), as a user's (VW_VM_SRC_USER_CGROUP, "user scope") anywhere else.
 */
void vw_vm_from_cgroup(const char *path, struct vw_vm *vm);

/*
 * systemd's unit-name escaping undone (\x2d -> '-'); out holds len bytes.
 * NUL and control characters (\x0a, \x1b, \x7f) stay escaped.
 */
void vw_unescape_unit(const char *in, char *out, size_t len);

/*
 * The VM behind an event's process: pid, its start time (ns since boot, as
 * the kernel's task->start_boottime) and cgroup path. Cached per (pid, start):
 * /proc is read once per process, and only while /proc/PID is still that
 * process. Thread-safe.
 */
void vw_vm_of(uint32_t pid, uint64_t start_ns, const char *cgroup_path, struct vw_vm *out);

/* The same for a live process, its start time and cgroup read from /proc. */
void vw_vm_of_pid(uint32_t pid, struct vw_vm *out);

#endif
