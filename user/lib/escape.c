// SPDX-License-Identifier: GPL-2.0
/* Untrusted strings for the sinks (escape.h). */
#include <stdio.h>
#include <string.h>

#include "escape.h"

/* Unicode 15, table 3-7: no overlongs, surrogates or code points past U+10FFFF. */
size_t vw_utf8_seq(const unsigned char *s, size_t n, size_t *bad)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else {
		*bad = 1;
		return 0;
	}
	for (i = 1; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

size_t vw_utf8_sanitize(const char *in, size_t n, char *out, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0, k, bad;

	if (!len)
		return 0;
	n = strnlen(in, n);
	while (i < n) {
		k = vw_utf8_seq(s + i, n - i, &bad);
		if (k) {
			if (o + k >= len)
				break;
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
			continue;
		}
		if (o + 3 >= len)
			break;
		memcpy(out + o, "\xef\xbf\xbd", 3);
		o += 3;
		i += bad;
	}
	out[o] = 0;
	return o;
}

/* Append \xNN for each of the k bytes at s; 0 if they do not fit. */
static int put_hex(const unsigned char *s, size_t k, char *out, size_t *o, size_t len)
{
	size_t j;

	if (*o + 4 * k >= len)
		return 0;
	for (j = 0; j < k; j++) {
		snprintf(out + *o, 5, "\\x%02x", s[j]);
		*o += 4;
	}
	return 1;
}

size_t vw_text_escape(const char *in, size_t n, char *out, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0, k, bad;

	if (!len)
		return 0;
	n = strnlen(in, n);
	while (i < n) {
		k = vw_utf8_seq(s + i, n - i, &bad);
		if (!k) {	/* ill-formed: its bytes, as they are */
			if (!put_hex(s + i, bad, out, &o, len))
				break;
			i += bad;
		} else if ((k == 1 && (s[i] < 0x20 || s[i] == 0x7f)) || (k == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)) {
			if (!put_hex(s + i, k, out, &o, len))	/* C0, DEL, C1 */
				break;
			i += k;
		} else {
			if (o + k >= len)
				break;
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
		}
	}
	out[o] = 0;
	return o;
}
