/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VW_KALLSYMS_H
#define VW_KALLSYMS_H

/*
 * Is sym in /proc/kallsyms, from module (NULL: from anywhere, vmlinux included)?
 * Needs root to see real addresses, but names are listed either way.
 */
int vw_kallsyms_has(const char *sym, const char *module);

#endif
