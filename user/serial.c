// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdio.h>

#include "serial.h"

int vw_serial_parse(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	char sep = 0;
	int i;

	for (i = 0; i < 8; i++) {
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
			return -EINVAL;
		v = v << 8 | (uint64_t)(((isdigit((unsigned char)s[0]) ? s[0] - '0' : (tolower(s[0]) - 'a' + 10)) << 4) |
					(isdigit((unsigned char)s[1]) ? s[1] - '0' : (tolower(s[1]) - 'a' + 10)));
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
