/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Messages to people, on stderr, with a priority. Under systemd (stderr is the
 * journal's stream: $JOURNAL_STREAM names its device and inode) each line gets
 * the sd-daemon prefix "<N>", so the journal files it at that priority and
 * `journalctl -u vfio-warden -p err` finds the errors; on a terminal, plain text.
 */
#ifndef VW_MSG_H
#define VW_MSG_H

#include <stdarg.h>

enum vw_prio { VW_ERR = 3, VW_WARNING = 4, VW_NOTICE = 5, VW_INFO = 6 };

void vw_msg(enum vw_prio prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vw_vmsg(enum vw_prio prio, const char *fmt, va_list ap);

/* 1 if stderr is the journal's stream (decided once). */
int vw_msg_to_journal(void);

#endif
