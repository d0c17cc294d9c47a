/* SPDX-License-Identifier: GPL-2.0 */
/* The shared judges as BPF bytecode against their host build (tests/vm/bytecode.c). */
#ifndef VW_SELFTEST_BYTECODE_H
#define VW_SELFTEST_BYTECODE_H

/* Load tests/bpf/selftest.bpf.c and run every generated case of the host unit tests
 * test_decide and test_tph through it; needs root (syscall programs). */
void test_bytecode(void);

#endif
