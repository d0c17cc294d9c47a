/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VW_STATUS_H
#define VW_STATUS_H

/* Print attachment state, policy per device, counters, lost events. Returns enum vw_exit. */
int vw_status(int json);

#endif
