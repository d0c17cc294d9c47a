// SPDX-License-Identifier: GPL-2.0
/*
 * The selftests' kernel-log judge (tests/vm/kmsg.c): real faults and BPF errors fail a
 * run, the notice the kernel prints whenever vfio-warden loads does not. Lines as the
 * Debian kernels print them.
 */
#include "vw_test.h"
#include "../vm/kmsg.c"

int main(void)
{
	static const char *const problems[] = {
		"[   12.3] WARNING: CPU: 1 PID: 352 at kernel/bpf/trampoline.c:123 bpf_trampoline_link_prog+0x1/0x2",
		"[   12.3] BUG: unable to handle page fault for address: ffff888000000000",
		"[   12.3] Oops: general protection fault, probably for non-canonical address",
		"[   12.3] Call Trace:",
		"[   12.3] UBSAN: shift-out-of-bounds in drivers/vfio/pci/vfio_pci_config.c:1",
		"[   12.3] BPF: [123] STRUCT vfio_device size=1 vlen=2 Invalid member",
		"[   12.3] Lockdown: vfio-warden: use of bpf to write user RAM is restricted; see man kernel_lockdown.7",
		"[   12.3]  bpf_prog_6deef7357e7b4530_vw_config_rw+0x1c/0x40",
		NULL,
	};
	static const char *const fine[] = {
		"[   12.3] vfio-warden[352] is installing a program with bpf_probe_write_user helper that may "
		"corrupt user memory!",
		"[   12.3] vfio-pci 0000:00:03.0: enabling device (0000 -> 0002)",
		"[   12.3] e1000e 0000:00:02.0 eth0: Intel(R) PRO/1000 Network Connection",
		"[   12.3] Lockdown: swapper/0: unsigned module loading is restricted; see man kernel_lockdown.7",
		NULL,
	};
	int i;

	for (i = 0; problems[i]; i++)
		CHECK(kmsg_line_is_problem(problems[i]) == 1, "not flagged: %s", problems[i]);
	for (i = 0; fine[i]; i++)
		CHECK(kmsg_line_is_problem(fine[i]) == 0, "flagged: %s", fine[i]);
	return vw_test_done();
}
