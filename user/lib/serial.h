/* SPDX-License-Identifier: GPL-2.0 */
/* Device Serial Numbers as people write them: the way lspci prints them. */
#ifndef VW_SERIAL_H
#define VW_SERIAL_H

#include <stdint.h>

/* "00-11-22-33-44-55-66-77" (or ':' separators), most significant byte first. 0 or -EINVAL. */
int vw_serial_parse(const char *s, uint64_t *out);
/* buf: at least 24 bytes. */
void vw_serial_format(uint64_t serial, char *buf);

#endif
