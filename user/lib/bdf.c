// SPDX-License-Identifier: GPL-2.0
/* Hex digits and PCI addresses: the grammar is described in bdf.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bdf.h"

_Static_assert(VW_BDF_DOMAIN_DIGITS + sizeof(":bb:dd.f") <= VW_NAME_LEN, "a BDF fits VW_NAME_LEN");

int vw_hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int vw_hex_parse(const char *s, size_t n, size_t mindig, size_t maxdig, uint32_t *v)
{
	size_t i;
	uint32_t x = 0;

	if (n < mindig || n > maxdig)
		return -1;
	for (i = 0; i < n; i++) {
		int h = vw_hexval((unsigned char)s[i]);

		if (h < 0)
			return -1;
		x = (x << 4) | (uint32_t)h;
	}
	*v = x;
	return 0;
}

/* The fields between the separators: [dom ':'] bus ':' dev '.' fn. */
struct bdf_fields {
	const char *dom, *bus, *dev, *fn, *end;
};

/* Split at the colons (one or two) and at the first dot after the last one. */
static int bdf_split(const char *s, size_t n, struct bdf_fields *f)
{
	const char *end = s + n, *c1, *c2;

	c1 = memchr(s, ':', n);
	if (!c1)
		return -EINVAL;
	c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
	if (c2 && memchr(c2 + 1, ':', (size_t)(end - c2 - 1)))
		return -EINVAL;
	f->dom = c2 ? s : NULL;
	f->bus = c2 ? c1 + 1 : s;
	f->dev = (c2 ? c2 : c1) + 1;
	f->fn = memchr(f->dev, '.', (size_t)(end - f->dev));
	f->end = end;
	if (!f->fn)
		return -EINVAL;
	f->fn++;
	return 0;
}

int vw_bdf_parse(const char *s, size_t n, char out[VW_NAME_LEN], const char **why)
{
	struct bdf_fields f;
	uint32_t dom = 0, bus, dev, fn;

	*why = "expected [domain:]bus:device.function, e.g. 0000:00:03.0";
	if (bdf_split(s, n, &f))
		return -EINVAL;
	if (f.dom && vw_hex_parse(f.dom, (size_t)(f.bus - 1 - f.dom), 1, VW_BDF_DOMAIN_DIGITS, &dom)) {
		*why = "domain must be 1-7 hex digits (0000..fffffff)";
		return -EINVAL;
	}
	if (vw_hex_parse(f.bus, (size_t)(f.dev - 1 - f.bus), 1, 2, &bus)) {
		*why = "bus must be 1-2 hex digits (00..ff)";
		return -EINVAL;
	}
	if (vw_hex_parse(f.dev, (size_t)(f.fn - 1 - f.dev), 1, 2, &dev) || dev > 0x1f) {
		*why = "device must be hex 00..1f";
		return -EINVAL;
	}
	if (vw_hex_parse(f.fn, (size_t)(f.end - f.fn), 1, 1, &fn) || fn > 7) {
		*why = "function must be 0..7";
		return -EINVAL;
	}
	memset(out, 0, VW_NAME_LEN);
	snprintf(out, VW_NAME_LEN, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

int vw_bdf_canon(const char *in, char out[VW_NAME_LEN])
{
	const char *why;
	char tmp[VW_NAME_LEN];

	if (!in || vw_bdf_parse(in, strlen(in), tmp, &why))
		return -EINVAL;
	memcpy(out, tmp, VW_NAME_LEN);
	return 0;
}
