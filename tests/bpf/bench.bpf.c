// SPDX-License-Identifier: GPL-2.0
/*
 * make bench's yardsticks: programs that do nothing, on the hooks vfio-warden
 * uses. What they cost is the floor that the choice of hooks imposes (the
 * trampolines, the BPF LSM dispatch); vfio-warden's cost is reported as a
 * multiple of it. Never part of vfio-warden.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("lsm/file_permission")
int BPF_PROG(empty_file_permission, struct file *file, int mask, int ret)
{
	return 0;
}

SEC("lsm/file_ioctl")
int BPF_PROG(empty_file_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	return 0;
}

SEC("fentry/vfio_pci_config_rw")
int BPF_PROG(empty_config_rw)
{
	return 0;
}

SEC("fexit/vfio_pci_config_rw")
int BPF_PROG(empty_config_rw_exit)
{
	return 0;
}
