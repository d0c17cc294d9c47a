// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>

#include "bdf.h"
#include "serial.h"

int vw_serial_parse(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	char sep = 0;
	int i;

	for (i = 0; i < 8; i++) {
		uint32_t b;

		/* s[1] is read only when s[0] is a digit, so never past the NUL */
		if (vw_hex_parse(s, 2, 2, 2, &b))
			return -EINVAL;
		v = v << 8 | b;
		s += 2;
		if (i == 7)
			break;
		if (!sep && (*s == '-' || *s == ':'))
			sep = *s;
		if (*s != sep || !sep)
			return -EINVAL;
		s++;
	}
	if (*s)
		return -EINVAL;
	*out = v;
	return 0;
}

void vw_serial_format(uint64_t serial, char *buf)
{
	int i;

	for (i = 0; i < 8; i++)
		sprintf(buf + 3 * i, "%02x%s", (unsigned)(serial >> (8 * (7 - i))) & 0xff, i < 7 ? "-" : "");
}
