/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86_64: where a syscall's number and arguments sit in pt_regs, and the
 * numbers of the syscalls vfio-warden names. Everything the BPF programs
 * know about the architecture is here (as tetragon's syscall64.h): an arm64
 * port is a header of its own beside this one (regs->syscallno,
 * regs->regs[0..5], its numbers).
 */
#ifndef VW_ARCH_X86_H
#define VW_ARCH_X86_H

/*
 * regs: bpf_task_pt_regs()'s, a BTF pointer: plain loads (the verifier makes
 * them fault-safe, CO-RE relocates the offsets), no helper call each.
 */
#define VW_SYSCALL_NR(regs)	((regs)->orig_ax)
#define VW_SYSCALL_ARG1(regs)	((regs)->di)
#define VW_SYSCALL_ARG2(regs)	((regs)->si)
#define VW_SYSCALL_ARG3(regs)	((regs)->dx)
#define VW_SYSCALL_ARG4(regs)	((regs)->r10)

/* arch/x86/entry/syscalls/syscall_64.tbl */
#define VW_NR_READ		0
#define VW_NR_WRITE		1
#define VW_NR_PREAD64		17
#define VW_NR_PWRITE64		18
#define VW_NR_READV		19
#define VW_NR_WRITEV		20
#define VW_NR_PREADV		295
#define VW_NR_PWRITEV		296
#define VW_NR_PREADV2		327
#define VW_NR_PWRITEV2		328
#define VW_NR_IO_URING_ENTER	426

#endif
