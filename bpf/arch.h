/* SPDX-License-Identifier: GPL-2.0 */
/* The architecture's syscall registers and numbers: one header per architecture. */
#ifndef VW_ARCH_H
#define VW_ARCH_H

#if defined(__TARGET_ARCH_x86)
#include "arch/x86.h"
#else
#error "vfio-warden: no bpf/arch/ header for this architecture (see bpf/arch/x86.h)"
#endif

#endif
